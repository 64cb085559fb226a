#pragma once
/* PNG encoding of a frame's pixel buffer, written here on zlib, with the
 * filter and zlib settings chosen from the measurements in docs/png.md;
 * the rows are deflated in bands, on as many threads as asked.
 * No SDL: the caller hands over pixels, the module writes an 8-bit RGB PNG
 * (IHDR, IDAT, IEND and nothing else, so equal pixels give equal bytes).
 * Named pngenc, not png: an app/png.h would shadow libpng's <png.h> (the
 * tests decode with it) for every file compiled with app/ on its include
 * path, and png_ / PNG_ are libpng's own prefixes.
 * Ownership: nothing is kept; the caller owns the stream and the pixels. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Largest side accepted, in pixels (PNG itself allows 2^31 - 1). */
#ifndef PNGENC_MAX_SIDE
#define PNGENC_MAX_SIDE 65535
#endif

/* How the source pixels are laid out in memory. */
typedef enum PngEncPixels {
    /* 32-bit words 0x00RRGGBB in host byte order, the top byte ignored:
     * SDL_PIXELFORMAT_RGB888 (bytes B, G, R, X on a little-endian host) */
    PNGENC_XRGB8888,
} PngEncPixels;

/* The PNG row filter: one for every row, or libpng's per-row choice. */
typedef enum PngEncFilter {
    PNGENC_FILTER_NONE,
    PNGENC_FILTER_SUB,
    PNGENC_FILTER_UP,
    PNGENC_FILTER_AVG,
    PNGENC_FILTER_PAETH,
    PNGENC_FILTER_ADAPTIVE, /* all five tried on each row, the smallest sum of |byte| kept */
    PNGENC_FILTER_COUNT
} PngEncFilter;

/* zlib's strategy for the filtered bytes. */
typedef enum PngEncStrategy {
    PNGENC_STRATEGY_DEFAULT,  /* Z_DEFAULT_STRATEGY */
    PNGENC_STRATEGY_RLE,      /* Z_RLE: matches at distance 1 only */
    PNGENC_STRATEGY_FILTERED, /* Z_FILTERED: prefers literals for small values */
    PNGENC_STRATEGY_COUNT
} PngEncStrategy;

typedef struct PngEncOptions {
    PngEncFilter filter;
    int level; /* zlib level 0..9 */
    PngEncStrategy strategy;
    int threads; /* at most this many threads (1: only the caller's); 0: one per core */
} PngEncOptions;

/* The defaults, chosen from the measurements in docs/png.md: on maskscope's
 * frames no filter and level 3 cost a fifth of IMG_SavePNG's instructions
 * for files 2 % larger on average. */
#ifndef PNGENC_DEFAULT_FILTER
#define PNGENC_DEFAULT_FILTER PNGENC_FILTER_NONE
#endif
#ifndef PNGENC_DEFAULT_LEVEL
#define PNGENC_DEFAULT_LEVEL 3
#endif
#ifndef PNGENC_DEFAULT_STRATEGY
#define PNGENC_DEFAULT_STRATEGY PNGENC_STRATEGY_DEFAULT
#endif
/* The default options as a value. */
PngEncOptions pngenc_defaults(void);

/* Writes the w×h image at pixels (rows pitch bytes apart) to fp as a PNG
 * and flushes fp. opt NULL means pngenc_defaults(). False and one sentence
 * in err on failure (a write error names errno's reason); fp's position is
 * then unspecified. Byte-identical output for identical input and options
 * (with the same zlib), whatever opt->threads is. Besides the pixels it
 * holds the compressed image in memory: a few hundred KiB for a frame,
 * at most about 3 bytes a pixel for noise. */
bool pngenc_write(FILE *fp, const uint8_t *pixels, int w, int h, size_t pitch, PngEncPixels layout,
                  const PngEncOptions *opt, char *err, size_t errlen);

/* The Adler-32 checksum of n bytes at p continuing adler (1 to start), as
 * zlib's adler32 computes it; and that of X then Y from X's, Y's and Y's
 * length. */
uint32_t pngenc_adler32(uint32_t adler, const uint8_t *p, size_t n);
uint32_t pngenc_adler32_combine(uint32_t x, uint32_t y, uint64_t n);

/* Short names for tables and messages: "none", "sub", ...; "default", "rle", "filtered". */
const char *pngenc_filter_name(PngEncFilter f);
const char *pngenc_strategy_name(PngEncStrategy s);
