/* The allocation wrappers: running out of memory in a teaching tool is
 * not something to recover from, so we say so and stop. */
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void expect_failed(const char *what, const char *file, int line)
{
    fprintf(stderr, "%s:%d: expectation failed: %s\n", file, line, what);
    abort();
}

static _Noreturn void oom(size_t n)
{
    fprintf(stderr, "maskscope: out of memory (asked for %zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        oom((size_t)-1);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}
