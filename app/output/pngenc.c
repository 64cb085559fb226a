/* PNG encoding, written here on top of zlib.
 *
 * A PNG is a signature and a list of chunks (length, type, data, CRC-32):
 * IHDR with the size and pixel format, IDAT with the image, IEND. The
 * image is the rows, each first "filtered" (every byte replaced by its
 * difference from a neighbour, so smooth areas become runs of small
 * numbers) and preceded by the filter's number, the whole compressed as
 * one zlib stream (2 header bytes, deflate data, an Adler-32 of the
 * uncompressed bytes). The frames maskscope draws (flat backgrounds,
 * text, heatmaps) are cheapest with no filter and a fast zlib level: the
 * measurements behind the defaults are in docs/png.md.
 *
 * The rows are cut into PNGENC_BANDS bands, each deflated on its own as
 * raw deflate data, primed with the 32 KiB before it (deflateSetDictionary),
 * ending on a byte boundary (Z_SYNC_FLUSH) but the last (Z_FINISH): the
 * bands joined are one valid deflate stream, the same bytes whichever
 * thread made each, so bands go to threads when there are cores to spare
 * (pthreads; a build without them runs every band in the caller). The
 * Adler-32s of the bands combine into the stream's.
 * Nothing but IHDR, IDAT and IEND is written (no time, no text), so the
 * bytes depend on the pixels, the options and the zlib build only (zlib
 * forks such as zlib-ng deflate differently). The compressed bands are
 * held in memory until the last is done: a frame's are a few hundred KiB,
 * and at worst (noise, level 0) they are about the raw size, 3 bytes a
 * pixel. */
#include "pngenc.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "xmalloc.h"

/* bytes per IDAT chunk */
#ifndef PNGENC_IDAT_SIZE
#define PNGENC_IDAT_SIZE 65536
#endif
/* rows are deflated in this many bands (fewer when a band would be under
 * PNGENC_BAND_MIN_ROWS rows): fixed, so the file never depends on the cores */
#ifndef PNGENC_BANDS
#define PNGENC_BANDS 4
#endif
#ifndef PNGENC_BAND_MIN_ROWS
#define PNGENC_BAND_MIN_ROWS 64
#endif
#define WINDOW 32768 /* deflate's window: what a band is primed with */

static const char *const filter_names[PNGENC_FILTER_COUNT] = {
    [PNGENC_FILTER_NONE] = "none", [PNGENC_FILTER_SUB] = "sub",     [PNGENC_FILTER_UP] = "up",
    [PNGENC_FILTER_AVG] = "avg",   [PNGENC_FILTER_PAETH] = "paeth", [PNGENC_FILTER_ADAPTIVE] = "adaptive",
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
    return filter_names[f];
}

const char *pngenc_strategy_name(PngEncStrategy s)
{
    EXPECT(s >= 0 && s < PNGENC_STRATEGY_COUNT);
    return strategies[s].name;
}

PngEncOptions pngenc_defaults(void)
{
    return (PngEncOptions){ PNGENC_DEFAULT_FILTER, PNGENC_DEFAULT_LEVEL, PNGENC_DEFAULT_STRATEGY, 0 };
}

/* ---- Adler-32 ------------------------------------------------------------ */

/* Sixteen lanes, each summing every sixteenth byte (s1) and the running
 * sums of those (t), so the compiler can keep them in vector registers;
 * a block ends before t can overflow 32 bits, then folds into (a, b):
 * for byte i of an n-byte block, Adler's b gains (n - i)·byte. */
#define ADLER_MOD 65521u
#define ADLER_GROUPS 4096 /* 16-byte groups per block: t stays under 2^32 */

uint32_t pngenc_adler32(uint32_t adler, const uint8_t *p, size_t n)
{
    uint64_t a = adler & 0xffff, b = adler >> 16;
    while (n >= 16) {
        size_t groups = n / 16 < ADLER_GROUPS ? n / 16 : ADLER_GROUPS;
        uint32_t s1[16] = { 0 }, t[16] = { 0 };
        for (size_t g = 0; g < groups; g++, p += 16)
            for (int j = 0; j < 16; j++) {
                s1[j] += p[j];
                t[j] += s1[j];
            }
        uint64_t sum = 0, weighted = 0, back = 0;
        for (int j = 0; j < 16; j++) {
            sum += s1[j];
            weighted += t[j];
            back += (uint64_t)j * s1[j];
        }
        size_t len = groups * 16;
        b = (b + len * a + 16 * weighted - back) % ADLER_MOD;
        a = (a + sum) % ADLER_MOD;
        n -= len;
    }
    for (size_t i = 0; i < n; i++) {
        a += p[i];
        b += a;
    }
    return (uint32_t)((b % ADLER_MOD) << 16 | (a % ADLER_MOD));
}

/* the Adler-32 of X then Y from those of X and of Y, Y being n bytes long:
 * Y's sums restart at (1, 0), so a gains X's a - 1 and b gains n times it */
uint32_t pngenc_adler32_combine(uint32_t x, uint32_t y, uint64_t n)
{
    uint64_t ax = x & 0xffff, bx = x >> 16, ay = y & 0xffff, by = y >> 16;
    uint64_t a = (ax + ay + ADLER_MOD - 1) % ADLER_MOD;
    uint64_t b = (bx + by + (n % ADLER_MOD) * ((ax + ADLER_MOD - 1) % ADLER_MOD)) % ADLER_MOD;
    return (uint32_t)(b << 16 | a);
}

/* ---- rows and filters ---------------------------------------------------- */

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

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* out[0] = the filter's number, out[1..n] = cur filtered against prev
 * (NULL above the first row); bpp 3 */
static void filter_row(uint8_t *out, int type, const uint8_t *cur, const uint8_t *prev, size_t n)
{
    out[0] = (uint8_t)type;
    uint8_t *o = out + 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t a = i >= 3 ? cur[i - 3] : 0, b = prev ? prev[i] : 0, c = prev && i >= 3 ? prev[i - 3] : 0;
        switch (type) {
        case 0: o[i] = cur[i]; break;
        case 1: o[i] = (uint8_t)(cur[i] - a); break;
        case 2: o[i] = (uint8_t)(cur[i] - b); break;
        case 3: o[i] = (uint8_t)(cur[i] - ((a + b) >> 1)); break;
        default: o[i] = (uint8_t)(cur[i] - paeth(a, b, c)); break;
        }
    }
}

/* the adaptive choice the PNG specification suggests: the filter whose
 * bytes, read as signed, have the smallest sum of absolute values */
static void filter_adaptive(uint8_t *out, uint8_t *scratch, const uint8_t *cur, const uint8_t *prev, size_t n)
{
    unsigned long best = (unsigned long)-1;
    for (int type = 0; type < 5; type++) {
        filter_row(scratch, type, cur, prev, n);
        unsigned long sum = 0;
        for (size_t i = 1; i <= n; i++) sum += scratch[i] < 128 ? scratch[i] : 256u - scratch[i];
        if (sum < best) {
            best = sum;
            memcpy(out, scratch, n + 1);
        }
    }
}

/* what to encode */
typedef struct Job {
    const uint8_t *pixels;
    int w, h;
    size_t pitch;
    PngEncOptions opt;
    int nbands;
} Job;

/* one band's work and result */
typedef struct Band {
    const Job *job;
    int y0, y1;         /* rows [y0, y1) */
    bool last;
    uint8_t *out;       /* raw deflate bytes */
    size_t len, cap;
    uint32_t adler;     /* of the band's filtered bytes, from 1 */
    size_t raw;         /* how many filtered bytes */
    int zerr;           /* a zlib error, Z_OK otherwise */
} Band;

/* the filtered bytes of row y (a filter byte and 3w bytes) into out;
 * cur/prev are scratch rows of 3w bytes, scratch 3w + 1 */
static void make_row(const Job *j, int y, uint8_t *out, uint8_t *cur, uint8_t *prev, uint8_t *scratch)
{
    size_t n = 3 * (size_t)j->w;
    if (j->opt.filter == PNGENC_FILTER_NONE) {
        out[0] = 0;
        pack_xrgb(out + 1, j->pixels + (size_t)y * j->pitch, j->w);
        return;
    }
    pack_xrgb(cur, j->pixels + (size_t)y * j->pitch, j->w);
    const uint8_t *above = NULL;
    if (y > 0) {
        pack_xrgb(prev, j->pixels + (size_t)(y - 1) * j->pitch, j->w);
        above = prev;
    }
    if (j->opt.filter == PNGENC_FILTER_ADAPTIVE) filter_adaptive(out, scratch, cur, above, n);
    else filter_row(out, (int)j->opt.filter, cur, above, n);
}

static void band_reserve(Band *b, size_t more)
{
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more) cap *= 2;
    b->out = xrealloc(b->out, cap);
    b->cap = cap;
}

/* feeds n bytes (flush as deflate takes it) into the band's stream */
static bool band_deflate(Band *b, z_stream *z, const uint8_t *in, size_t n, int flush)
{
    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)n;
    do {
        band_reserve(b, 65536);
        size_t room = b->cap - b->len; /* zlib counts in uInt: a huge band gets its room in pieces */
        z->next_out = b->out + b->len;
        z->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
        int rc = deflate(z, flush);
        b->len += (size_t)(z->next_out - (b->out + b->len));
        if (rc == Z_STREAM_END) return true;
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            b->zerr = rc;
            return false;
        }
    } while (z->avail_in > 0 || z->avail_out == 0);
    return true;
}

/* what a thread keeps between its bands: one deflate stream (reset for
 * each band, not made again) and the row buffers */
typedef struct Worker {
    z_stream z;
    int zinit;     /* deflateInit2's result */
    uint8_t *cur, *prev, *scratch, *batch, *dict;
    int per;       /* rows per batch */
} Worker;

static void worker_open(Worker *wk, const Job *j)
{
    size_t n = 3 * (size_t)j->w, rowlen = n + 1;
    memset(wk, 0, sizeof *wk);
    wk->zinit = deflateInit2(&wk->z, j->opt.level, Z_DEFLATED, -15, 8, strategies[j->opt.strategy].zlib);
    wk->cur = xmalloc(n);
    wk->prev = xmalloc(n);
    wk->scratch = xmalloc(rowlen);
    /* rows in batches of about 64 KiB: fewer calls into zlib */
    wk->per = (int)(65536 / rowlen) > 0 ? (int)(65536 / rowlen) : 1;
    wk->batch = xmalloc((size_t)wk->per * rowlen);
    wk->dict = xmalloc((WINDOW / rowlen + 1) * rowlen);
}

static void worker_close(Worker *wk)
{
    if (wk->zinit == Z_OK) deflateEnd(&wk->z);
    free(wk->cur);
    free(wk->prev);
    free(wk->scratch);
    free(wk->batch);
    free(wk->dict);
}

static void band_run(Band *b, Worker *wk)
{
    const Job *j = b->job;
    size_t rowlen = 3 * (size_t)j->w + 1;
    z_stream *z = &wk->z;
    int rc = wk->zinit == Z_OK ? deflateReset(z) : wk->zinit;
    /* the window before the band: the filtered rows above it, up to 32 KiB */
    if (rc == Z_OK && b->y0 > 0) {
        int rows = (int)((WINDOW + rowlen - 1) / rowlen);
        int first = b->y0 - rows < 0 ? 0 : b->y0 - rows;
        size_t have = (size_t)(b->y0 - first) * rowlen;
        for (int y = first; y < b->y0; y++)
            make_row(j, y, wk->dict + (size_t)(y - first) * rowlen, wk->cur, wk->prev, wk->scratch);
        size_t use = have < WINDOW ? have : WINDOW;
        rc = deflateSetDictionary(z, wk->dict + have - use, (uInt)use);
    }
    if (rc != Z_OK) {
        b->zerr = rc;
        return;
    }
    b->adler = 1;
    for (int y = b->y0; y < b->y1;) {
        int k = 0;
        for (; k < wk->per && y < b->y1; k++, y++)
            make_row(j, y, wk->batch + (size_t)k * rowlen, wk->cur, wk->prev, wk->scratch);
        size_t len = (size_t)k * rowlen;
        b->adler = pngenc_adler32(b->adler, wk->batch, len);
        b->raw += len;
        int flush = y < b->y1 ? Z_NO_FLUSH : b->last ? Z_FINISH : Z_SYNC_FLUSH;
        if (!band_deflate(b, z, wk->batch, len, flush)) break;
    }
}

/* ---- the file ------------------------------------------------------------ */

/* what the chunks go to: the stream, and the first error */
typedef struct Sink {
    FILE *fp;
    int errnum; /* errno of a failed write, 0 otherwise */
} Sink;

static void put(Sink *s, const void *p, size_t n)
{
    if (s->errnum || n == 0) return;
    errno = 0;
    if (fwrite(p, 1, n, s->fp) != n) s->errnum = errno ? errno : EIO;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* a chunk whose data is the n1 bytes at d1 then the n2 at d2 */
static void chunk(Sink *s, const char type[4], const uint8_t *d1, size_t n1, const uint8_t *d2, size_t n2)
{
    uint8_t head[8], tail[4];
    be32(head, (uint32_t)(n1 + n2));
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, head + 4, 4);
    if (n1) crc = crc32(crc, d1, (uInt)n1);
    if (n2) crc = crc32(crc, d2, (uInt)n2);
    be32(tail, (uint32_t)crc);
    put(s, head, 8);
    put(s, d1, n1);
    put(s, d2, n2);
    put(s, tail, 4);
}

/* zlib's two header bytes: deflate with a 32 KiB window, the level's
 * FLEVEL as zlib writes it, and the check bits */
static void zlib_header(uint8_t out[2], int level, int strategy)
{
    int flevel = strategy >= Z_HUFFMAN_ONLY || level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
    unsigned h = (0x78u << 8) | (unsigned)(flevel << 6);
    h += 31 - h % 31;
    out[0] = (uint8_t)(h >> 8);
    out[1] = (uint8_t)h;
}

/* the IDAT chunks: the zlib header, every band's bytes, the Adler-32,
 * cut into PNGENC_IDAT_SIZE pieces */
typedef struct Idat {
    Sink *sink;
    uint8_t buf[PNGENC_IDAT_SIZE];
    size_t len;
} Idat;

static void idat_put(Idat *d, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t k = sizeof d->buf - d->len < n ? sizeof d->buf - d->len : n;
        memcpy(d->buf + d->len, p, k);
        d->len += k;
        p += k;
        n -= k;
        if (d->len == sizeof d->buf) {
            chunk(d->sink, "IDAT", d->buf, d->len, NULL, 0);
            d->len = 0;
        }
    }
}

static int bands_for(int h)
{
    int n = h / PNGENC_BAND_MIN_ROWS;
    return n < 1 ? 1 : n > PNGENC_BANDS ? PNGENC_BANDS : n;
}

/* a thread's share: bands first, first + step, ... */
typedef struct Share {
    Band *bands;
    int nbands, first, step;
} Share;

static void *share_run(void *arg)
{
    const Share *sh = arg;
    Worker wk;
    worker_open(&wk, sh->bands[0].job);
    for (int i = sh->first; i < sh->nbands; i += sh->step) band_run(&sh->bands[i], &wk);
    worker_close(&wk);
    return NULL;
}

/* runs every band, on up to nthreads threads (the caller is one): band i
 * goes to thread i mod n; a thread that cannot start leaves its share to
 * the caller, so the result is the same either way */
static void run_bands(Band *bands, int nbands, int nthreads)
{
    int n = nthreads < nbands ? nthreads : nbands;
    pthread_t tid[PNGENC_BANDS];
    Share share[PNGENC_BANDS];
    bool started[PNGENC_BANDS] = { false };
    for (int t = 0; t < n; t++) share[t] = (Share){ bands, nbands, t, n };
    for (int t = 1; t < n; t++) started[t] = pthread_create(&tid[t], NULL, share_run, &share[t]) == 0;
    share_run(&share[0]);
    for (int t = 1; t < n; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else share_run(&share[t]);
    }
}

static int cpu_count(void)
{
#ifdef _SC_NPROCESSORS_ONLN
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
#else
    return 1;
#endif
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
    EXPECT(o.threads >= 0);
    if (w < 1 || h < 1 || w > PNGENC_MAX_SIDE || h > PNGENC_MAX_SIDE) {
        snprintf(err, errlen, "image size %dx%d is outside 1x1 .. %dx%d", w, h, PNGENC_MAX_SIDE,
                 PNGENC_MAX_SIDE);
        return false;
    }
    EXPECT(pitch >= 4 * (size_t)w);

    Job job = { pixels, w, h, pitch, o, bands_for(h) };
    Band bands[PNGENC_BANDS];
    memset(bands, 0, sizeof bands);
    for (int i = 0; i < job.nbands; i++) {
        bands[i].job = &job;
        bands[i].y0 = (int)((long long)h * i / job.nbands);
        bands[i].y1 = (int)((long long)h * (i + 1) / job.nbands);
        bands[i].last = i == job.nbands - 1;
    }
    run_bands(bands, job.nbands, o.threads ? o.threads : cpu_count());

    bool ok = true;
    for (int i = 0; i < job.nbands && ok; i++)
        if (bands[i].zerr != Z_OK) {
            snprintf(err, errlen, "zlib failed (error %d)", bands[i].zerr);
            ok = false;
        }
    if (ok) {
        static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
        Sink sink = { .fp = fp };
        put(&sink, signature, sizeof signature);
        uint8_t ihdr[13];
        be32(ihdr, (uint32_t)w);
        be32(ihdr + 4, (uint32_t)h);
        ihdr[8] = 8;  /* bits per sample */
        ihdr[9] = 2;  /* colour type: RGB */
        ihdr[10] = 0; /* deflate */
        ihdr[11] = 0; /* adaptive filtering, one filter byte a row */
        ihdr[12] = 0; /* not interlaced */
        chunk(&sink, "IHDR", ihdr, sizeof ihdr, NULL, 0);
        Idat *d = xmalloc(sizeof *d);
        d->sink = &sink;
        d->len = 0;
        uint8_t zh[2], sum[4];
        zlib_header(zh, o.level, strategies[o.strategy].zlib);
        idat_put(d, zh, 2);
        uint32_t adler = 1;
        for (int i = 0; i < job.nbands; i++) {
            idat_put(d, bands[i].out, bands[i].len);
            adler = pngenc_adler32_combine(adler, bands[i].adler, bands[i].raw);
        }
        be32(sum, (uint32_t)adler);
        idat_put(d, sum, 4);
        if (d->len) chunk(&sink, "IDAT", d->buf, d->len, NULL, 0);
        free(d);
        chunk(&sink, "IEND", NULL, 0, NULL, 0);
        errno = 0;
        if (!sink.errnum && (fflush(fp) != 0 || ferror(fp))) sink.errnum = errno ? errno : EIO;
        if (sink.errnum) {
            snprintf(err, errlen, "%s", strerror(sink.errnum));
            ok = false;
        }
    }
    for (int i = 0; i < job.nbands; i++) free(bands[i].out);
    return ok;
}
