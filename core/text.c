/* Text that leaves the program.
 *
 * Quoting untrusted text: error messages name keys, words and file names
 * that came from a file or a command line, and those may hold an escape
 * sequence that retitles or clears the terminal, a newline that forges a
 * second message, or a right-to-left override that reverses what is
 * read. So every quoted string passes through text_escape, which spells
 * such characters out (\x1b, \n, \u009b) and keeps the line to the size
 * of the caller's buffer without cutting a character in half.
 *
 * Numbers that read back: cJSON keeps 15 significant digits whenever
 * they come within 2^-52 (relative) of the value, which puts about one
 * generator value in six an ulp off and prints the seed 2^53-1 as
 * 9.00719925474099e+15; "%.17g" alone would write 0.1 as
 * 0.10000000000000001. text_double writes whole numbers as integers and
 * otherwise keeps the fewest of 15, 16 and 17 digits that strtod turns
 * back into the very same double. */
#include "text.h"

#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* the length of the UTF-8 character at s and its code point in *cp, or 0
 * when the bytes there are not one (overlong, surrogate, cut short) */
static size_t utf8_char(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0], min;
    size_t need;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        need = 1, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    for (size_t k = 1; k <= need; k++) { /* a NUL is no continuation byte */
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return need + 1;
}

/* characters a terminal acts on or a reader cannot see: C1 controls,
 * line and paragraph separators, bidi embeddings, overrides and isolates,
 * and the zero-width no-break space (a stray byte order mark) */
static bool invisible(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

const char *text_escape(const char *s, char *out, size_t n)
{
    static const char ellipsis[] = "\u2026";
    const size_t dots = sizeof ellipsis - 1;
    EXPECT(n > dots);
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0, keep = 0; /* keep: the longest prefix that leaves room for "…" */
    while (*p) {
        char piece[8];
        size_t len;
        unsigned cp;
        size_t step = utf8_char(p, &cp);
        if (step == 0) {
            len = (size_t)snprintf(piece, sizeof piece, "\\x%02x", (unsigned)*p);
            step = 1;
        } else if (cp == '\n' || cp == '\r' || cp == '\t') {
            len = (size_t)snprintf(piece, sizeof piece, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
        } else if (cp < 0x20 || cp == 0x7F) {
            len = (size_t)snprintf(piece, sizeof piece, "\\x%02x", cp);
        } else if (invisible(cp)) {
            len = (size_t)snprintf(piece, sizeof piece, "\\u%04x", cp);
        } else {
            memcpy(piece, p, step);
            len = step;
        }
        if (used + len + 1 > n) {
            memcpy(out + keep, ellipsis, dots + 1);
            return out;
        }
        memcpy(out + used, piece, len);
        used += len;
        if (used + dots + 1 <= n)
            keep = used;
        p += step;
    }
    out[used] = '\0';
    return out;
}

size_t text_utf8_bad(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        size_t step = utf8_char(p, &cp);
        if (step == 0)
            break;
        p += step;
    }
    return (size_t)(p - (const unsigned char *)s);
}

const char *text_double(double v, char out[TEXT_DOUBLE_BYTES])
{
    if (isnan(v) || isinf(v)) {
        snprintf(out, TEXT_DOUBLE_BYTES, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        return out;
    }
    /* every integer below 2^53 is exact, and reads better without exponent */
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(out, TEXT_DOUBLE_BYTES, "%.0f", v);
        return out;
    }
    /* 17 significant digits always read back (IEEE 754 binary64). If k
     * digits read back so do k + 1 (they are closer to v), so 16 is tried
     * first: most computed values need 16 or 17, and this halves the work */
    char d16[TEXT_DOUBLE_BYTES];
    snprintf(d16, sizeof d16, "%.16g", v);
    if (strtod(d16, NULL) != v) {
        snprintf(out, TEXT_DOUBLE_BYTES, "%.17g", v);
        return out;
    }
    snprintf(out, TEXT_DOUBLE_BYTES, "%.15g", v);
    if (strtod(out, NULL) != v)
        memcpy(out, d16, sizeof d16);
    return out;
}

const char *text_join(char *buf, size_t n, int count, const char *(*item)(int i))
{
    size_t k = 0;
    if (n)
        buf[0] = '\0';
    for (int i = 0; i < count && k < n; i++) {
        int w = snprintf(buf + k, n - k, "%s%s", i ? ", " : "", item(i));
        if (w < 0)
            break;
        k += (size_t)w;
    }
    return buf;
}

void text_fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, n, f, ap);
    va_end(ap);
}
