/* pngenc: what it writes decodes (with libpng's reader) to exactly the
 * source pixels for every filter, strategy and a range of sizes, one band
 * or several; the file holds IHDR, IDAT and IEND only; two encodes are
 * byte-identical, on one thread or many; its Adler-32 is zlib's; a
 * failing stream gives false, a sentence, and no leak. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pngenc.h"
#include "pngread.h"

/* a w×h XRGB8888 frame with pitch - 4w bytes of junk after each row and
 * junk in every X byte, so both must be ignored */
typedef struct Frame {
    uint8_t *px;
    int w, h;
    size_t pitch;
} Frame;

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* smooth: a gradient with flat bands (like a frame); otherwise noise */
static Frame frame_new(int w, int h, size_t pad, uint32_t seed, bool smooth)
{
    Frame f = { NULL, w, h, 4 * (size_t)w + pad };
    f.px = malloc(f.pitch * (size_t)h);
    cr_assert_not_null(f.px);
    uint32_t s = seed;
    for (size_t i = 0; i < f.pitch * (size_t)h; i++) f.px[i] = (uint8_t)rng_next(&s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = rng_next(&s);
            if (smooth)
                v = (v & 0xff000000u) | (uint32_t)((x / 8) & 0xff) << 16 | (uint32_t)((y / 4) & 0xff) << 8
                    | ((x + y) % 3 == 0 ? 0x20u : 0xe0u);
            memcpy(f.px + (size_t)y * f.pitch + 4 * (size_t)x, &v, 4);
        }
    return f;
}

static uint32_t frame_at(const Frame *f, int x, int y)
{
    uint32_t v;
    memcpy(&v, f->px + (size_t)y * f->pitch + 4 * (size_t)x, 4);
    return v;
}

static char tmpname[64];

static void make_tmp(void)
{
    snprintf(tmpname, sizeof tmpname, "/tmp/maskscope-png-XXXXXX");
    int fd = mkstemp(tmpname);
    cr_assert_geq(fd, 0);
    close(fd);
}

static void drop_tmp(void)
{
    unlink(tmpname);
}

/* encodes f into the temporary file */
static void encode_to_tmp(const Frame *f, const PngEncOptions *o)
{
    FILE *fp = fopen(tmpname, "wb");
    cr_assert_not_null(fp);
    char err[256] = "";
    bool ok = pngenc_write(fp, f->px, f->w, f->h, f->pitch, PNGENC_XRGB8888, o, err, sizeof err);
    cr_assert(ok, "%dx%d: %s", f->w, f->h, err);
    cr_assert_eq(fclose(fp), 0);
}

/* reads the temporary file back and compares every pixel with f */
static void expect_same_pixels(const Frame *f, const char *what)
{
    int w, h;
    char err[256];
    uint8_t *rgb = pngread_rgb(tmpname, &w, &h, err, sizeof err);
    cr_assert_not_null(rgb, "%s: %s", what, err);
    cr_assert(w == f->w && h == f->h, "%s: %dx%d read back as %dx%d", what, f->w, f->h, w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = frame_at(f, x, y);
            const uint8_t *p = rgb + 3 * ((size_t)y * (size_t)w + (size_t)x);
            if (p[0] != (uint8_t)(v >> 16) || p[1] != (uint8_t)(v >> 8) || p[2] != (uint8_t)v)
                cr_assert_fail("%s: pixel (%d, %d) is %02x%02x%02x, want %06x", what, x, y, p[0], p[1], p[2],
                               (unsigned)(v & 0xffffff));
        }
    free(rgb);
}

static const int sizes[][2] = { { 1, 1 }, { 2, 1 }, { 1, 2 }, { 3, 5 }, { 7, 3 }, { 333, 17 }, { 64, 64 },
                                { 1001, 9 }, { 50, 130 }, { 97, 300 } }; /* the last two: 2 and 4 bands */
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

/* the whole file in memory */
static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp);
    cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
    long len = ftell(fp);
    cr_assert_gt(len, 0);
    rewind(fp);
    uint8_t *b = malloc((size_t)len);
    cr_assert_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return b;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* the IDAT payload of the temporary file inflates, with zlib's own check
 * of the Adler-32 trailer (libpng may only warn about a wrong one), to
 * exactly h rows of a filter byte and 3w bytes */
static void expect_zlib_stream(const Frame *f, const char *what)
{
    size_t n;
    uint8_t *b = slurp(tmpname, &n), *z = malloc(n);
    cr_assert_not_null(z);
    size_t zn = 0;
    for (size_t at = 8; at + 12 <= n;) {
        size_t len = be32(b + at);
        cr_assert_leq(at + 12 + len, n, "%s: a chunk runs past the end", what);
        if (memcmp(b + at + 4, "IDAT", 4) == 0) {
            memcpy(z + zn, b + at + 8, len);
            zn += len;
        }
        at += 12 + len;
    }
    uLongf want = (uLongf)f->h * (3 * (uLongf)f->w + 1), got = want + 1;
    uint8_t *raw = malloc(want + 1);
    cr_assert_not_null(raw);
    int rc = uncompress(raw, &got, z, (uLong)zn);
    cr_assert_eq(rc, Z_OK, "%s: zlib says %d (a wrong Adler-32 is Z_DATA_ERROR)", what, rc);
    cr_assert_eq(got, want, "%s: %lu bytes inflated, want %lu", what, (unsigned long)got, (unsigned long)want);
    free(raw);
    free(z);
    free(b);
}

Test(png, every_filter_and_strategy_decodes_to_the_source_pixels, .init = make_tmp, .fini = drop_tmp)
{
    const int levels[] = { 0, 1, 3, 6, 9 };
    for (int k = 0; k < NSIZES; k++)
        for (int smooth = 0; smooth < 2; smooth++) {
            Frame f = frame_new(sizes[k][0], sizes[k][1], (size_t)(k % 3) * 4 + (size_t)(k % 2), 7u + (uint32_t)k,
                                smooth);
            for (int fi = 0; fi < PNGENC_FILTER_COUNT; fi++)
                for (int si = 0; si < PNGENC_STRATEGY_COUNT; si++)
                    for (int li = 0; li < 5; li++) {
                        PngEncOptions o = { (PngEncFilter)fi, levels[li], (PngEncStrategy)si, 0 };
                        char what[128];
                        snprintf(what, sizeof what, "%dx%d %s %s/%d/%s", f.w, f.h, smooth ? "smooth" : "noise",
                                 pngenc_filter_name(o.filter), o.level, pngenc_strategy_name(o.strategy));
                        encode_to_tmp(&f, &o);
                        expect_same_pixels(&f, what);
                        expect_zlib_stream(&f, what);
                    }
            free(f.px);
        }
}

Test(png, a_full_hd_frame_with_the_defaults_decodes_to_the_source_pixels, .init = make_tmp, .fini = drop_tmp)
{
    Frame f = frame_new(1920, 1080, 0, 99, true);
    encode_to_tmp(&f, NULL);
    expect_same_pixels(&f, "1920x1080 defaults");
    free(f.px);
}

Test(png, the_file_is_8_bit_rgb_with_ihdr_idat_iend_only, .init = make_tmp, .fini = drop_tmp)
{
    Frame f = frame_new(333, 17, 4, 5, true);
    encode_to_tmp(&f, NULL);
    free(f.px);
    size_t n;
    uint8_t *b = slurp(tmpname, &n);
    cr_assert_geq(n, 8 + 25 + 12);
    cr_assert_eq(memcmp(b, "\x89PNG\r\n\x1a\n", 8), 0, "PNG signature");
    /* IHDR: width, height, bit depth 8, colour type 2 (RGB), compression 0, filter 0, no interlace */
    cr_assert_eq(memcmp(b + 12, "IHDR", 4), 0);
    cr_assert_eq(be32(b + 16), 333u);
    cr_assert_eq(be32(b + 20), 17u);
    cr_assert(b[24] == 8 && b[25] == 2 && b[26] == 0 && b[27] == 0 && b[28] == 0,
              "depth %d, colour type %d, interlace %d", b[24], b[25], b[28]);
    /* the chunk list: IHDR IDAT... IEND, nothing that could vary between runs */
    size_t at = 8;
    int idat = 0;
    bool iend = false;
    while (at + 12 <= n && !iend) {
        uint32_t len = be32(b + at);
        char type[5] = { 0 };
        memcpy(type, b + at + 4, 4);
        if (at == 8) cr_assert_str_eq(type, "IHDR");
        else if (strcmp(type, "IDAT") == 0) idat++;
        else if (strcmp(type, "IEND") == 0) iend = true;
        else cr_assert_fail("unexpected chunk %s", type);
        at += 12 + (size_t)len;
    }
    cr_assert(iend, "no IEND");
    cr_assert_eq(at, n, "bytes after IEND");
    cr_assert_geq(idat, 1);
    free(b);
}

/* encodes f into a memory buffer */
static uint8_t *encode_to_memory(const Frame *f, const PngEncOptions *o, size_t *n)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, n);
    cr_assert_not_null(fp);
    char err[256] = "";
    cr_assert(pngenc_write(fp, f->px, f->w, f->h, f->pitch, PNGENC_XRGB8888, o, err, sizeof err), "%s", err);
    cr_assert_eq(fclose(fp), 0);
    return (uint8_t *)buf;
}

Test(png, two_encodes_are_byte_identical_and_ignore_the_x_byte_and_row_padding)
{
    Frame a = frame_new(640, 360, 0, 11, true);
    Frame b = frame_new(640, 360, 12, 12, true); /* same RGB, other junk in X and padding */
    for (int y = 0; y < a.h; y++)
        for (int x = 0; x < a.w; x++)
            cr_assert_eq(frame_at(&a, x, y) & 0xffffff, frame_at(&b, x, y) & 0xffffff);
    for (int fi = 0; fi < PNGENC_FILTER_COUNT; fi++) {
        PngEncOptions o = { (PngEncFilter)fi, 6, PNGENC_STRATEGY_DEFAULT, 0 };
        size_t n1, n2, n3;
        uint8_t *e1 = encode_to_memory(&a, &o, &n1);
        uint8_t *e2 = encode_to_memory(&a, &o, &n2);
        uint8_t *e3 = encode_to_memory(&b, &o, &n3);
        cr_assert(n1 == n2 && memcmp(e1, e2, n1) == 0, "%s: two encodes differ", pngenc_filter_name(o.filter));
        cr_assert(n1 == n3 && memcmp(e1, e3, n1) == 0, "%s: the X byte or the padding changed the file",
                  pngenc_filter_name(o.filter));
        free(e1);
        free(e2);
        free(e3);
    }
    free(a.px);
    free(b.px);
}

/* Live allocations made while counting is on, by any thread (the encoder
 * deflates bands on threads of its own). malloc and
 * friends are replaced for the whole test binary (glibc allows that and
 * routes libpng's and zlib's calls here too) and forward to glibc's own;
 * a pointer freed that was not counted as allocated drives the count
 * below zero, which fails the test as surely as a leak. (mallinfo cannot
 * tell: chunks parked in glibc's per-thread cache count as in use.) */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

static _Atomic bool counting;
static _Atomic long live;

#ifndef SANITIZED
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    if (counting && p) live++;
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    if (counting && p) live++;
    return p;
}

void *realloc(void *p, size_t n)
{
    void *q = __libc_realloc(p, n);
    if (counting) {
        if (!p && q) live++;
        else if (p && n == 0 && !q) live--;
    }
    return q;
}

void free(void *p)
{
    if (counting && p) live--;
    __libc_free(p);
}
#endif
/* (Under AddressSanitizer malloc is the sanitizer's and may not be
 * replaced: there the count stays 0 and LeakSanitizer, whose reports
 * tests/robustness.sh collects from every forked test, checks instead.) */

/* allocations pngenc_write left behind on stream fp */
static long leaked_by(FILE *fp, const Frame *f, bool *ok, char *err, size_t errlen)
{
    live = 0;
    counting = true;
    *ok = pngenc_write(fp, f->px, f->w, f->h, f->pitch, PNGENC_XRGB8888, NULL, err, errlen);
    counting = false;
    return live;
}

/* a write to /dev/full: false, errno's reason, one line, no allocation left */
static void expect_full_disk(int w, int h)
{
    Frame f = frame_new(w, h, 0, 3, false);
    FILE *fp = fopen("/dev/full", "wb");
    cr_assert_not_null(fp, "no /dev/full");
    char err[256] = "";
    bool ok;
    /* the first write also gives the stream its buffer, which it keeps */
    cr_assert_not(pngenc_write(fp, f.px, w, h, f.pitch, PNGENC_XRGB8888, NULL, err, sizeof err), "%dx%d", w, h);
    clearerr(fp);
    err[0] = '\0';
    long n = leaked_by(fp, &f, &ok, err, sizeof err);
    cr_assert_not(ok, "%dx%d: a write to /dev/full succeeded", w, h);
    cr_assert(strstr(err, "No space left on device"), "%dx%d: [%s]", w, h, err);
    cr_assert_null(strchr(err, '\n'), "one line: [%s]", err);
    cr_assert_eq(n, 0, "%dx%d: %ld allocations left behind by a failed write", w, h, n);
    fclose(fp);
    free(f.px);
}

Test(png, a_write_to_a_full_disk_fails_with_the_reason_and_leaks_nothing)
{
    expect_full_disk(300, 200); /* fails at the first chunk past the stdio buffer */
    expect_full_disk(1, 1);     /* fits the stdio buffer: fails only when flushed */
}

Test(png, a_successful_write_leaks_nothing)
{
    Frame f = frame_new(300, 200, 0, 4, true);
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    char err[256] = "";
    bool ok;
    cr_assert(pngenc_write(fp, f.px, f.w, f.h, f.pitch, PNGENC_XRGB8888, NULL, err, sizeof err), "%s", err);
    long n = leaked_by(fp, &f, &ok, err, sizeof err);
    cr_assert(ok, "%s", err);
    cr_assert_eq(n, 0, "%ld allocations left behind by a write", n);
    fclose(fp);
    free(f.px);
}

Test(png, a_size_out_of_range_is_refused_with_a_sentence)
{
    uint8_t px[16] = { 0 };
    const int bad[][2] = { { 0, 1 }, { 1, 0 }, { -3, 2 }, { PNGENC_MAX_SIDE + 1, 1 } };
    for (int i = 0; i < 4; i++) {
        FILE *fp = tmpfile();
        cr_assert_not_null(fp);
        char err[256] = "";
        cr_assert_not(pngenc_write(fp, px, bad[i][0], bad[i][1], 16, PNGENC_XRGB8888, NULL, err, sizeof err));
        char want[64];
        snprintf(want, sizeof want, "image size %dx%d is outside", bad[i][0], bad[i][1]);
        cr_assert(strstr(err, want), "[%s]", err);
        cr_assert_eq(ftell(fp), 0, "nothing written");
        fclose(fp);
    }
}

/* every filter, level and strategy, on images of 2 and 4 bands (where a
 * thread reuses its stream for a second band) and a frame-like one */
Test(png, the_bytes_do_not_depend_on_how_many_threads_deflate_the_bands)
{
    const int levels[] = { 0, 1, 3, 6, 9 };
    const int shapes[][2] = { { 50, 130 }, { 97, 300 }, { 640, 360 } };
    for (int k = 0; k < 3; k++)
        for (int smooth = 0; smooth < 2; smooth++) {
            Frame f = frame_new(shapes[k][0], shapes[k][1], 4, 21u + (uint32_t)k, smooth);
            for (int fi = 0; fi < PNGENC_FILTER_COUNT; fi++)
                for (int si = 0; si < PNGENC_STRATEGY_COUNT; si++)
                    for (int li = 0; li < 5; li++) {
                        PngEncOptions one = { (PngEncFilter)fi, levels[li], (PngEncStrategy)si, 1 };
                        size_t n1, nt;
                        uint8_t *e1 = encode_to_memory(&f, &one, &n1);
                        for (int t = 2; t <= 4; t += 2) {
                            PngEncOptions more = one;
                            more.threads = t;
                            uint8_t *et = encode_to_memory(&f, &more, &nt);
                            cr_assert(n1 == nt && memcmp(e1, et, n1) == 0,
                                      "%dx%d %s/%d/%s: 1 and %d threads wrote different files", f.w, f.h,
                                      pngenc_filter_name(one.filter), one.level, pngenc_strategy_name(one.strategy), t);
                            free(et);
                        }
                        free(e1);
                    }
            free(f.px);
        }
}

/* against zlib's adler32: every length up to two blocks of the vector
 * loop and past, all-0xff bytes (the largest sums, where an overflow
 * would show) and random ones; and joining the sums of two pieces */
Test(png, the_adler32_is_zlibs)
{
    size_t cap = 3u << 20;
    uint8_t *ff = malloc(cap), *rnd = malloc(cap);
    cr_assert(ff && rnd);
    memset(ff, 0xff, cap);
    uint32_t s = 5;
    for (size_t i = 0; i < cap; i++) rnd[i] = (uint8_t)rng_next(&s);
    const uint8_t *bufs[2] = { ff, rnd };
    size_t lengths[] = { 0, 1, 15, 16, 17, 255, 5552, 5553, 65535, 65536, 65537, 131071, 131072, 131089, cap };
    for (int b = 0; b < 2; b++)
        for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
            size_t n = lengths[k];
            uLong want = adler32(adler32(0L, Z_NULL, 0), bufs[b], (uInt)n);
            cr_assert_eq(pngenc_adler32(1, bufs[b], n), (uint32_t)want, "%s, %zu bytes", b ? "random" : "0xff", n);
            /* continuing from a sum, and joining two */
            size_t cut = n / 3;
            uint32_t x = pngenc_adler32(1, bufs[b], cut), y = pngenc_adler32(1, bufs[b] + cut, n - cut);
            cr_assert_eq(pngenc_adler32(x, bufs[b] + cut, n - cut), (uint32_t)want, "continued, %zu", n);
            cr_assert_eq(pngenc_adler32_combine(x, y, n - cut), (uint32_t)want, "joined, %zu", n);
        }
    for (size_t n = 0; n < 300; n++)
        cr_assert_eq(pngenc_adler32(1, rnd + n, n), (uint32_t)adler32(1L, rnd + n, (uInt)n), "%zu bytes", n);
    free(ff);
    free(rnd);
}
