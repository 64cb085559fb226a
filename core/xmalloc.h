#pragma once
/* One out-of-memory policy for the whole program: these abort with a
 * message instead of returning NULL, so callers never check. EXPECT(x)
 * is for programmer errors (a broken invariant), never for bad input. */
#include <stddef.h>

#define EXPECT(x) \
    ((x) ? (void)0 : expect_failed(#x, __FILE__, __LINE__))

/* Prints "file:line: expectation failed: x" and aborts. */
_Noreturn void expect_failed(const char *what, const char *file, int line);

/* malloc that aborts on failure; xmalloc(0) returns a unique pointer. */
void *xmalloc(size_t n);
/* calloc that aborts on failure or on n*size overflow. */
void *xcalloc(size_t n, size_t size);
/* realloc that aborts on failure. */
void *xrealloc(void *p, size_t n);
/* strdup that aborts on failure; xstrdup(NULL) returns NULL. */
char *xstrdup(const char *s);
/* Copies at most n bytes of s and a terminating NUL. */
char *xstrndup(const char *s, size_t n);
