#pragma once
/* Text that leaves the program: untrusted strings made safe to quote in a
 * one-line message. Nothing here allocates; callers own the buffers. */
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
