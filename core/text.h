#pragma once
/* Text that leaves the program: untrusted strings made safe to quote in a
 * one-line message, and numbers written so that they read back exactly.
 * Nothing here allocates; callers own the buffers. */
#include <stddef.h>

/* A buffer for a key or word quoted in a message: a word of up to 64
 * printable bytes (MS_MAX_WORD_BYTES) shows whole, a longer one is cut
 * to at most 64 bytes and "…". */
#define TEXT_QUOTE_BYTES 68

/* Writes s into out (n >= 4 bytes) as printable text on one line and
 * returns out, for use as a "%s" argument. Control characters become
 * visible escapes: \n, \r, \t, \xNN for the other C0 controls and DEL,
 * \uNNNN for C1 controls (U+0080..U+009F), line and paragraph separators,
 * bidirectional overrides and isolates and U+FEFF; a byte that is not
 * UTF-8 becomes \xNN. A backslash is shown as it is. When the result does
 * not fit, it is cut after a whole character or escape and ends with "…". */
const char *text_escape(const char *s, char *out, size_t n);

/* The offset of the first byte of s that does not begin a whole UTF-8
 * character (a stray continuation byte, an overlong form, a surrogate,
 * a character cut short), or strlen(s) when all of s is UTF-8. */
size_t text_utf8_bad(const char *s);

/* Room for any number text_double writes, with its NUL. */
#define TEXT_DOUBLE_BYTES 32

/* Writes v into out so that strtod reads back exactly v, and returns out:
 * a whole number below 2^53 in magnitude as an integer without exponent
 * ("9007199254740991", "-0"); any other finite value with the fewest of
 * 15, 16 or 17 significant digits that read back the same ("0.1",
 * "0.30000000000000004"); "nan", "inf" or "-inf" otherwise, which are not
 * JSON (a JSON writer puts those in strings). Uses the C locale's point,
 * as maskscope never calls setlocale. */
const char *text_double(double v, char out[TEXT_DOUBLE_BYTES]);

/* Writes the count names item(0) … item(count - 1) into buf (n bytes),
 * joined by ", " ("additive, finfo, sdpa"), and returns buf. */
const char *text_join(char *buf, size_t n, int count, const char *(*item)(int i));

/* snprintf into buf, for text cut to the buffer on purpose (captions,
 * formulas): the length is not wanted. */
void text_fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
