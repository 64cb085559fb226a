/* Quoting untrusted text in messages: what is escaped and how, where a
 * long string is cut, and that no input can make the result span two
 * lines or carry a control character. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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
