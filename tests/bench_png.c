/* The PNG encoder's settings measured on real frames (docs/png.md):
 *
 *   bench_png [-r REPS] [-o FILTER/LEVEL/STRATEGY ...] DIR ...
 *
 * reads every *.png in each DIR (e.g. the output of `maskscope export
 * --all`), turns it back into the XRGB8888 frame it came from, and encodes
 * every frame with every filter × zlib level (1, 3, 6) × strategy, into
 * memory. It prints one row per setting and DIR: the CPU time of the
 * encodes (each frame's best of REPS runs, so a busy machine inflates it
 * less) and the bytes written. -o limits the run to the named settings,
 * e.g. `-o none/1/default` (for callgrind). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pngenc.h"
#include "pngread.h"
#include "xmalloc.h"

typedef struct Frame {
    uint8_t *px; /* XRGB8888 */
    int w, h;
} Frame;

typedef struct Set {
    const char *dir;
    Frame *frames;
    int n;
} Set;

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static Set load_set(const char *dir)
{
    Set s = { dir, NULL, 0 };
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(1);
    }
    char *names[1024];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (n == 1024) {
            fprintf(stderr, "bench_png: %s: more than 1024 files\n", dir);
            exit(1);
        }
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".png") == 0) names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    s.frames = xcalloc((size_t)n, sizeof *s.frames);
    for (int i = 0; i < n; i++) {
        char path[4096], err[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        Frame *f = &s.frames[s.n];
        uint8_t *rgb = pngread_rgb(path, &f->w, &f->h, err, sizeof err);
        if (!rgb) {
            fprintf(stderr, "bench_png: %s\n", err);
            exit(1);
        }
        f->px = xmalloc(4 * (size_t)f->w * (size_t)f->h);
        for (size_t k = 0; k < (size_t)f->w * (size_t)f->h; k++) {
            uint32_t v = (uint32_t)rgb[3 * k] << 16 | (uint32_t)rgb[3 * k + 1] << 8 | rgb[3 * k + 2];
            memcpy(f->px + 4 * k, &v, 4);
        }
        free(rgb);
        free(names[i]);
        s.n++;
    }
    return s;
}

/* one encode of f into memory: its size, and its CPU time in *ms */
static size_t encode(const Frame *f, const PngEncOptions *o, double *ms)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    char err[256];
    double t0 = cpu_ms();
    if (!pngenc_write(fp, f->px, f->w, f->h, 4 * (size_t)f->w, PNGENC_XRGB8888, o, err, sizeof err)) {
        fprintf(stderr, "bench_png: %s\n", err);
        exit(1);
    }
    *ms = cpu_ms() - t0;
    fclose(fp);
    free(buf);
    return n;
}

static bool wanted(const PngEncOptions *o, char **only, int nonly)
{
    if (nonly == 0) return true;
    char name[64];
    snprintf(name, sizeof name, "%s/%d/%s", pngenc_filter_name(o->filter), o->level,
             pngenc_strategy_name(o->strategy));
    for (int i = 0; i < nonly; i++)
        if (strcmp(only[i], name) == 0) return true;
    return false;
}

int main(int argc, char **argv)
{
    int reps = 3, nonly = 0, nsets = 0;
    char *only[64];
    Set sets[16];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && nonly < 64) only[nonly++] = argv[++i];
        else if (nsets < 16) sets[nsets++] = load_set(argv[i]);
    }
    if (nsets == 0 || reps < 1) {
        fprintf(stderr, "usage: bench_png [-r REPS] [-o FILTER/LEVEL/STRATEGY ...] DIR ...\n");
        return 2;
    }
    const int levels[] = { 1, 3, 6 };
    printf("filter\tlevel\tstrategy\tset\tframes\tcpu_ms\tbytes\n");
    for (int fi = 0; fi < PNGENC_FILTER_COUNT; fi++)
        for (int li = 0; li < 3; li++)
            for (int si = 0; si < PNGENC_STRATEGY_COUNT; si++) {
                PngEncOptions o = { (PngEncFilter)fi, levels[li], (PngEncStrategy)si, 1 }; /* one thread: its CPU clock is the whole cost */
                if (!wanted(&o, only, nonly)) continue;
                for (int s = 0; s < nsets; s++) {
                    double total = 0;
                    size_t bytes = 0;
                    for (int k = 0; k < sets[s].n; k++) {
                        double best = 1e30, ms;
                        size_t size = 0;
                        for (int r = 0; r < reps; r++) {
                            size = encode(&sets[s].frames[k], &o, &ms);
                            if (ms < best) best = ms;
                        }
                        total += best;
                        bytes += size;
                    }
                    printf("%s\t%d\t%s\t%s\t%d\t%.1f\t%zu\n", pngenc_filter_name(o.filter), o.level,
                           pngenc_strategy_name(o.strategy), sets[s].dir, sets[s].n, total, bytes);
                    fflush(stdout);
                }
            }
    for (int s = 0; s < nsets; s++) {
        for (int k = 0; k < sets[s].n; k++) free(sets[s].frames[k].px);
        free(sets[s].frames);
    }
    return 0;
}
