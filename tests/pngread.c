/* Reading a PNG back for the tests (the app only writes them). libpng's
 * simplified API converts whatever the file holds to 8-bit RGB; for the
 * files maskscope writes (8-bit RGB, no gamma chunk) that is a plain copy. */
#include "pngread.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *pngread_rgb(const char *path, int *w, int *h, char *err, size_t errlen)
{
    uint8_t *px = NULL;
    *w = *h = 0;
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) goto fail;
    img.format = PNG_FORMAT_RGB;
    px = malloc(PNG_IMAGE_SIZE(img));
    if (!px) {
        snprintf(err, errlen, "%s: out of memory", path);
        png_image_free(&img);
        return NULL;
    }
    if (!png_image_finish_read(&img, NULL, px, 0, NULL)) goto fail;
    *w = (int)img.width;
    *h = (int)img.height;
    return px;
fail:
    snprintf(err, errlen, "%s: %s", path, img.message);
    png_image_free(&img);
    free(px);
    return NULL;
}
