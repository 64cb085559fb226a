#pragma once
/* A growable NUL-terminated string. Ownership: the caller frees .data
 * with strbuf_free, or takes it with strbuf_take. */
#include <stddef.h>

typedef struct Strbuf {
    char *data;
    size_t len, cap;
} Strbuf;

/* Appends formatted text. */
void strbuf_printf(Strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n bytes of s. */
void strbuf_append(Strbuf *sb, const char *s, size_t n);
/* Appends a NUL-terminated string. */
void strbuf_puts(Strbuf *sb, const char *s);
/* Appends c n times. */
void strbuf_repeat(Strbuf *sb, char c, size_t n);
/* Returns the string (never NULL) and leaves sb empty; caller frees. */
char *strbuf_take(Strbuf *sb);
/* Frees the contents; safe on an empty Strbuf. */
void strbuf_free(Strbuf *sb);
