/* Quoting untrusted text in messages: what is escaped and how, where a
 * long string is cut, and that no input can make the result span two
 * lines or carry a control character. Numbers: text_double reads back
 * exactly, with no more digits than it needs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "attn.h"
#include "text.h"

static const char *esc(const char *s, size_t n)
{
    static char out[256];
    cr_assert_leq(n, sizeof out);
    return text_escape(s, out, n);
}

Test(text, control_characters_become_visible_escapes)
{
    /* the terminal-title and clear-screen key from the reliability issue */
    cr_assert_str_eq(esc("x\x1b]0;PWNED\a\x1b[2J\nsecond line", 256), "x\\x1b]0;PWNED\\x07\\x1b[2J\\nsecond line");
    cr_assert_str_eq(esc("a\tb\rc\x7f", 256), "a\\tb\\rc\\x7f");
    cr_assert_str_eq(esc("\x01", 256), "\\x01");
}

Test(text, c1_controls_separators_and_bidi_overrides_are_escaped)
{
    cr_assert_str_eq(esc("x\xc2\x9b" "31m", 256), "x\\u009b31m");  /* CSI */
    cr_assert_str_eq(esc("\xc2\x80\xc2\x85\xc2\x9f", 256), "\\u0080\\u0085\\u009f");
    cr_assert_str_eq(esc("a\u2028b\u2029", 256), "a\\u2028b\\u2029");
    cr_assert_str_eq(esc("\u202eevil\u202c", 256), "\\u202eevil\\u202c");
    cr_assert_str_eq(esc("\u2066x\u2069", 256), "\\u2066x\\u2069");
    cr_assert_str_eq(esc("\ufeffseed", 256), "\\ufeffseed");
}

Test(text, printable_unicode_and_backslashes_are_kept)
{
    cr_assert_str_eq(esc("caf\u00e9 \u4e2d\u6587 \U0001F642 \u00a0 a\\b", 256),
                     "caf\u00e9 \u4e2d\u6587 \U0001F642 \u00a0 a\\b");
    cr_assert_str_eq(esc("", 4), "");
}

Test(text, bytes_that_are_not_utf8_become_hex)
{
    cr_assert_str_eq(esc("a\xff" "b", 256), "a\\xffb");
    cr_assert_str_eq(esc("\xc0\x80", 256), "\\xc0\\x80");        /* overlong NUL */
    cr_assert_str_eq(esc("\xed\xa0\x80", 256), "\\xed\\xa0\\x80"); /* a surrogate */
    cr_assert_str_eq(esc("\xe2\x82", 256), "\\xe2\\x82");          /* cut short */
}

Test(text, what_fits_is_whole_and_what_does_not_ends_with_an_ellipsis)
{
    cr_assert_str_eq(esc("abcdefg", 8), "abcdefg");        /* 7 bytes + NUL: fits */
    cr_assert_str_eq(esc("abcdefgh", 8), "abcd\u2026");    /* 4 + 3 bytes of "…" */
    cr_assert_str_eq(esc("\u00e9\u00e9\u00e9\u00e9\u00e9", 8), "\u00e9\u00e9\u2026"); /* no half é */
    cr_assert_str_eq(esc("\x1b\x1b\x1b", 10), "\\x1b\u2026");  /* no half escape */
    cr_assert_str_eq(esc("abcdef", 4), "\u2026");
}

Test(text, a_word_of_64_bytes_shows_whole_and_a_longer_one_is_cut_at_64)
{
    char word[81] = "", want[81];
    memset(word, 'w', 64);
    cr_assert_str_eq(esc(word, TEXT_QUOTE_BYTES), word);
    memset(word, 'w', 80);
    memset(want, 'w', 64);
    strcpy(want + 64, "\u2026");
    cr_assert_str_eq(esc(word, TEXT_QUOTE_BYTES), want);
}

/* true when s is valid UTF-8 with no C0, DEL or C1 control and no line
 * or paragraph separator in it */
static bool one_printable_line(const unsigned char *s)
{
    while (*s) {
        if (*s < 0x20 || *s == 0x7f)
            return false;
        if (*s < 0x80) {
            s++;
            continue;
        }
        int need = (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2 : (*s & 0xf8) == 0xf0 ? 3 : -1;
        if (need < 0 || (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f))
            return false;
        if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9)) /* U+2028, U+2029 */
            return false;
        for (int k = 1; k <= need; k++)
            if ((s[k] & 0xc0) != 0x80)
                return false;
        s += need + 1;
    }
    return true;
}

Test(text, any_bytes_give_one_printable_line_within_the_buffer)
{
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int round = 0; round < 20000; round++) {
        unsigned char in[40];
        size_t len = (size_t)(round % 39);
        for (size_t i = 0; i < len; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            unsigned b = (unsigned)(x >> 56);
            /* mostly the interesting bytes: controls, C1 lead 0xC2, continuations */
            in[i] = (unsigned char)(round % 3 == 0 ? (b % 2 ? 0xc2 : 0x80 + b % 0x40) : b ? b : 1);
        }
        in[len] = '\0';
        char out[24];
        size_t n = 4 + (size_t)round % 20;
        text_escape((const char *)in, out, n);
        cr_assert_lt(strlen(out), n, "round %d: %zu bytes in a buffer of %zu", round, strlen(out), n);
        cr_assert(one_printable_line((const unsigned char *)out), "round %d: \"%s\"", round, out);
    }
}

/* ---- numbers that read back ---- */

static const char *num(double v)
{
    static char out[TEXT_DOUBLE_BYTES];
    return text_double(v, out);
}

Test(text, whole_numbers_below_2_to_the_53_are_integers)
{
    cr_assert_str_eq(num(9007199254740991.0), "9007199254740991"); /* the largest seed */
    cr_assert_str_eq(num(-9007199254740991.0), "-9007199254740991");
    cr_assert_str_eq(num(0.0), "0");
    cr_assert_str_eq(num(-0.0), "-0");
    cr_assert(signbit(strtod(num(-0.0), NULL)));
    cr_assert_str_eq(num(999.0), "999");
    cr_assert_str_eq(num(1e15), "1000000000000000");
}

Test(text, other_numbers_take_the_fewest_digits_that_read_back)
{
    cr_assert_str_eq(num(0.1), "0.1");
    cr_assert_str_eq(num(0.1 + 0.2), "0.30000000000000004");
    cr_assert_str_eq(num(1.0 / 3.0), "0.3333333333333333");
    cr_assert_str_eq(num(0.650), "0.65");
    cr_assert_str_eq(num(1e300), "1e+300");
    cr_assert_str_eq(num(9007199254740992.0 * 2), "18014398509481984");
    cr_assert_str_eq(num(NAN), "nan");
    cr_assert_str_eq(num(-INFINITY), "-inf");
    cr_assert_str_eq(num(INFINITY), "inf");
}

/* RFC 8259's number grammar, to check what a JSON writer would emit */
static bool json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        s += strspn(s, "0123456789");
    else
        return false;
    if (*s == '.') {
        size_t d = strspn(s + 1, "0123456789");
        if (!d)
            return false;
        s += 1 + d;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        size_t d = strspn(s, "0123456789");
        if (!d)
            return false;
        s += d;
    }
    return *s == '\0';
}

/* every value the generator makes (and some made from them) reads back
 * bit for bit, as a JSON number, with no more digits than needed */
Test(text, generator_values_read_back_exactly)
{
    const uint64_t seeds[] = {0, 1, 42, 9007199254740991u};
    long generated = 0, lossy_cjson = 0;
    for (size_t k = 0; k < sizeof seeds / sizeof *seeds; k++) {
        for (uint64_t stream = 1; stream <= 6; stream++) {
            for (uint64_t i = 0; i < 5000; i++) {
                double u = attn_uniform(seeds[k], stream, i);
                const double vs[] = {u, u * u * 1e-3, u / 3.0 * 1e6, (u + 1) / 2};
                for (size_t j = 0; j < sizeof vs / sizeof *vs; j++) {
                    double v = vs[j];
                    char out[TEXT_DOUBLE_BYTES], shorter[512];
                    text_double(v, out);
                    double back = strtod(out, NULL);
                    cr_assert(memcmp(&back, &v, sizeof v) == 0, "%.17g was written %s", v, out);
                    cr_assert(json_number(out), "%s is not a JSON number", out);
                    /* minimal: one digit fewer (down to 15) would not read back */
                    int digits = 0; /* significant: from the first non-zero digit */
                    for (const char *p = out + strcspn(out, "123456789"); *p && *p != 'e'; p++)
                        digits += *p >= '0' && *p <= '9';
                    if (digits > 15 && v != floor(v)) {
                        snprintf(shorter, sizeof shorter, "%.*g", digits - 1, v);
                        cr_assert_neq(strtod(shorter, NULL), v, "%s would do for %s", shorter, out);
                    }
                    if (j == 0) { /* what dump wrote until now */
                        cJSON *n = cJSON_CreateNumber(v);
                        char *text = cJSON_PrintUnformatted(n);
                        lossy_cjson += strtod(text, NULL) != v;
                        cJSON_free(text);
                        cJSON_Delete(n);
                        generated++;
                    }
                }
            }
        }
    }
    /* cJSON keeps 15 digits whenever they come within 2^-52 (relative) of
     * the value, so it writes about one generator value in six an ulp off:
     * the values above include those */
    cr_assert_gt(lossy_cjson, generated / 10, "cJSON was off for only %ld of %ld values", lossy_cjson, generated);
}

Test(text, utf8_bad_finds_the_first_byte_that_is_not_utf8)
{
    cr_assert_eq(text_utf8_bad("caf\xc3\xa9 \xe2\x80\xae ok"), strlen("caf\xc3\xa9 \xe2\x80\xae ok"));
    cr_assert_eq(text_utf8_bad(""), 0u);
    cr_assert_eq(text_utf8_bad("ab\xc3"), 2u, "cut short");
    cr_assert_eq(text_utf8_bad("a\x80"), 1u, "a stray continuation byte");
    cr_assert_eq(text_utf8_bad("\xc0\xaf"), 0u, "overlong");
    cr_assert_eq(text_utf8_bad("x\xed\xa0\x80"), 1u, "a surrogate");
    cr_assert_eq(text_utf8_bad("\xf4\x90\x80\x80"), 0u, "past U+10FFFF");
}
