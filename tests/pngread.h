#pragma once
/* A small PNG reader for the tests, on libpng's simplified API: what
 * maskscope wrote, read back as plain 8-bit R, G, B bytes.
 * Ownership: the caller frees the returned pixels with free(). */
#include <stddef.h>
#include <stdint.h>

/* The PNG at path as w×h pixels of R, G, B bytes, rows 3*w bytes apart.
 * NULL and one sentence in err if it cannot be read. */
uint8_t *pngread_rgb(const char *path, int *w, int *h, char *err, size_t errlen);
