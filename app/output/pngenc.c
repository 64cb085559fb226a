/* PNG encoding, straight to libpng.
 *
 * A PNG is a header, then the rows of the image, each row first "filtered"
 * (every byte replaced by its difference from a neighbour, so smooth areas
 * become runs of small numbers) and the whole stream compressed with zlib.
 * Both steps have knobs, and the frames maskscope draws (flat backgrounds,
 * text, heatmaps) are cheapest with no filter and a fast zlib level: the
 * measurements behind the defaults are in docs/png.md.
 *
 * Rows go to libpng one at a time, converted from the frame's 32-bit XRGB
 * words into a single 24-bit row buffer, so the whole image is never
 * copied. libpng reports errors by longjmp: the one setjmp sits in a tiny
 * function whose locals never change after it, and everything the error
 * path frees is made before it. Nothing but IHDR, IDAT and IEND is
 * written (no time, no text), so the bytes depend on the pixels and the
 * options only. */
#include "pngenc.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "xmalloc.h"

/* bytes per IDAT chunk (libpng's default is 8 KiB) */
#ifndef PNGENC_IDAT_SIZE
#define PNGENC_IDAT_SIZE 65536
#endif

static const struct {
    const char *name;
    int libpng; /* the mask for png_set_filter */
} filters[PNGENC_FILTER_COUNT] = {
    [PNGENC_FILTER_NONE] = { "none", PNG_FILTER_NONE },
    [PNGENC_FILTER_SUB] = { "sub", PNG_FILTER_SUB },
    [PNGENC_FILTER_UP] = { "up", PNG_FILTER_UP },
    [PNGENC_FILTER_AVG] = { "avg", PNG_FILTER_AVG },
    [PNGENC_FILTER_PAETH] = { "paeth", PNG_FILTER_PAETH },
    [PNGENC_FILTER_ADAPTIVE] = { "adaptive", PNG_ALL_FILTERS },
};

static const struct {
    const char *name;
    int zlib;
} strategies[PNGENC_STRATEGY_COUNT] = {
    [PNGENC_STRATEGY_DEFAULT] = { "default", Z_DEFAULT_STRATEGY },
    [PNGENC_STRATEGY_RLE] = { "rle", Z_RLE },
    [PNGENC_STRATEGY_FILTERED] = { "filtered", Z_FILTERED },
};

const char *pngenc_filter_name(PngEncFilter f)
{
    EXPECT(f >= 0 && f < PNGENC_FILTER_COUNT);
    return filters[f].name;
}

const char *pngenc_strategy_name(PngEncStrategy s)
{
    EXPECT(s >= 0 && s < PNGENC_STRATEGY_COUNT);
    return strategies[s].name;
}

PngEncOptions pngenc_defaults(void)
{
    return (PngEncOptions){ PNGENC_DEFAULT_FILTER, PNGENC_DEFAULT_LEVEL, PNGENC_DEFAULT_STRATEGY };
}

/* what libpng's callbacks see: the stream, and the first error */
typedef struct Sink {
    FILE *fp;
    int errnum;     /* errno of a failed write, 0 otherwise */
    char msg[200];  /* libpng's message */
} Sink;

static void on_error(png_structp png, png_const_charp msg)
{
    Sink *s = png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png; /* a library does not print; nothing libpng warns about changes the file */
    (void)msg;
}

static void on_write(png_structp png, png_bytep data, size_t n)
{
    Sink *s = png_get_io_ptr(png);
    errno = 0;
    if (fwrite(data, 1, n, s->fp) != n) {
        s->errnum = errno ? errno : EIO;
        png_error(png, "write failed");
    }
}

static void on_flush(png_structp png)
{
    (void)png; /* pngenc_write flushes once, at the end */
}

/* 0x00RRGGBB words to R, G, B bytes */
static void pack_xrgb(uint8_t *out, const uint8_t *in, int w)
{
    for (int x = 0; x < w; x++) {
        uint32_t v;
        memcpy(&v, in + 4 * (size_t)x, 4);
        out[3 * x + 0] = (uint8_t)(v >> 16);
        out[3 * x + 1] = (uint8_t)(v >> 8);
        out[3 * x + 2] = (uint8_t)v;
    }
}

/* what to encode */
typedef struct Job {
    const uint8_t *pixels;
    int w, h;
    size_t pitch;
    PngEncOptions opt;
    uint8_t *row; /* 3*w bytes */
} Job;

static void encode(png_structp png, png_infop info, const Job *j)
{
    png_set_IHDR(png, info, (png_uint_32)j->w, (png_uint_32)j->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters[j->opt.filter].libpng);
    png_set_compression_level(png, j->opt.level);
    png_set_compression_strategy(png, strategies[j->opt.strategy].zlib);
    png_set_compression_buffer_size(png, PNGENC_IDAT_SIZE);
    png_write_info(png, info);
    for (int y = 0; y < j->h; y++) {
        pack_xrgb(j->row, j->pixels + (size_t)y * j->pitch, j->w);
        png_write_row(png, j->row);
    }
    png_write_end(png, NULL);
}

/* encode under libpng's error handler: false if libpng jumped back here.
 * The setjmp sits in this small frame, where no local changes after it,
 * so nothing needs to be volatile. */
static bool encode_or_jump(png_structp png, png_infop info, const Job *j)
{
    if (setjmp(png_jmpbuf(png))) return false;
    encode(png, info, j);
    return true;
}

bool pngenc_write(FILE *fp, const uint8_t *pixels, int w, int h, size_t pitch, PngEncPixels layout,
                  const PngEncOptions *opt, char *err, size_t errlen)
{
    EXPECT(fp && pixels);
    EXPECT(layout == PNGENC_XRGB8888);
    PngEncOptions o = opt ? *opt : pngenc_defaults();
    EXPECT(o.filter >= 0 && o.filter < PNGENC_FILTER_COUNT);
    EXPECT(o.strategy >= 0 && o.strategy < PNGENC_STRATEGY_COUNT);
    EXPECT(o.level >= 0 && o.level <= 9);
    if (w < 1 || h < 1 || w > PNGENC_MAX_SIDE || h > PNGENC_MAX_SIDE) {
        snprintf(err, errlen, "image size %dx%d is outside 1x1 .. %dx%d", w, h, PNGENC_MAX_SIDE,
                 PNGENC_MAX_SIDE);
        return false;
    }
    EXPECT(pitch >= 4 * (size_t)w);

    bool ok = false;
    Sink sink = { .fp = fp };
    Job job = { pixels, w, h, pitch, o, xmalloc(3 * (size_t)w) };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        snprintf(err, errlen, "cannot start the PNG encoder: out of memory");
        goto fail;
    }
    png_set_write_fn(png, &sink, on_write, on_flush);
    if (!encode_or_jump(png, info, &job)) {
        snprintf(err, errlen, "%s", sink.errnum ? strerror(sink.errnum) : sink.msg);
        goto fail;
    }
    errno = 0;
    if (fflush(fp) != 0 || ferror(fp)) {
        snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
        goto fail;
    }
    ok = true;
fail:
    png_destroy_write_struct(&png, &info);
    free(job.row);
    return ok;
}
