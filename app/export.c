/* Headless export.
 *
 * Frames are drawn exactly as in the window, but by SDL's software
 * renderer into an RGB888 surface, which makes the pixels a pure
 * function of the inputs (no GPU, no driver): the same scenario, mode,
 * step, size and theme give the same bytes. SDL is told to use its dummy
 * video driver, so no display is needed. Saving goes through a temporary
 * file next to the target, renamed over it only when the PNG has been
 * written and flushed, so a reader never sees half a file and a failure
 * leaves nothing behind. */
#include "export.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "atomic.h"
#include "deck.h"
#include "scenario.h"
#include "xmalloc.h"

struct Exporter {
    SDL_Surface *surface;
    SDL_Renderer *r;
    Draw *draw;
    int w, h;
};

static bool size_ok(int w, int h)
{
    return w >= EXPORT_MIN_W && w <= EXPORT_MAX_W && h >= EXPORT_MIN_H && h <= EXPORT_MAX_H;
}

Exporter *export_new(int w, int h, char *err, size_t errlen)
{
    Exporter *ex = NULL;
    if (!size_ok(w, h)) {
        snprintf(err, errlen, "size %dx%d is outside %dx%d .. %dx%d", w, h,
                 EXPORT_MIN_W, EXPORT_MIN_H, EXPORT_MAX_W, EXPORT_MAX_H);
        goto fail;
    }
    ex = xcalloc(1, sizeof *ex);
    ex->w = w;
    ex->h = h;
    ex->surface = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
    if (!ex->surface) {
        snprintf(err, errlen, "cannot make a %dx%d surface: %s", w, h, SDL_GetError());
        goto fail;
    }
    ex->r = SDL_CreateSoftwareRenderer(ex->surface);
    if (!ex->r) {
        snprintf(err, errlen, "cannot make a software renderer: %s", SDL_GetError());
        goto fail;
    }
    ex->draw = draw_new(ex->r, err, errlen);
    if (!ex->draw) goto fail;
    return ex;
fail:
    export_free(ex);
    return NULL;
}

void export_free(Exporter *ex)
{
    if (!ex) return;
    draw_free(ex->draw);
    if (ex->r) SDL_DestroyRenderer(ex->r);
    if (ex->surface) SDL_FreeSurface(ex->surface);
    free(ex);
}

bool export_draw(Exporter *ex, const Steps *st, int step, const DrawOptions *o,
                 DrawLayout *layout_out)
{
    SDL_Rect frame = { 0, 0, ex->w, ex->h };
    if (!draw_step(ex->draw, st, step, o, frame, layout_out)) return false;
    SDL_RenderPresent(ex->r); /* flushes the software renderer into the surface */
    return true;
}

bool export_draw_lesson(Exporter *ex, const Steps *st, int step, const DrawCaption *cap,
                        const DrawOptions *o)
{
    SDL_Rect frame = { 0, 0, ex->w, ex->h };
    if (!draw_lesson_frame(ex->draw, st, step, cap, o, frame, NULL)) return false;
    SDL_RenderPresent(ex->r);
    return true;
}

SDL_Surface *export_surface(Exporter *ex)
{
    return ex->surface;
}

bool export_save_surface(SDL_Surface *s, const char *path, char *err, size_t errlen)
{
    AtomicFile af;
    if (!atomic_open(&af, path, err, errlen)) return false;
    SDL_RWops *rw = SDL_RWFromFP(af.fp, SDL_FALSE);
    if (!rw || IMG_SavePNG_RW(s, rw, 0) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, rw ? IMG_GetError() : SDL_GetError());
        if (rw) SDL_RWclose(rw);
        atomic_abort(&af);
        return false;
    }
    SDL_RWclose(rw);
    return atomic_commit(&af, err, errlen);
}

bool export_save(Exporter *ex, const char *path, char *err, size_t errlen)
{
    return export_save_surface(ex->surface, path, err, errlen);
}

bool export_png(const Steps *st, int step, const DrawOptions *o, int w, int h,
                const char *path, char *err, size_t errlen)
{
    bool ok = false;
    Exporter *ex = export_new(w, h, err, errlen);
    if (!ex) goto fail;
    if (!export_draw(ex, st, step, o, NULL)) {
        snprintf(err, errlen, "step %d is out of range (1..%d)", step + 1, st ? st->count : 0);
        goto fail;
    }
    ok = export_save(ex, path, err, errlen);
fail:
    export_free(ex);
    return ok;
}

/* ---- saving a deck in parallel --------------------------------------- */

/* PNG encoding costs ten times the drawing, so a deck is drawn on this
 * thread and encoded by a few workers: each frame is copied into a free
 * slot and saved from there. Only IMG_SavePNG runs on the workers. */
#ifndef EXPORT_MAX_THREADS
#define EXPORT_MAX_THREADS 8
#endif
#define POOL_SLOTS (2 * EXPORT_MAX_THREADS)

typedef enum { SLOT_FREE, SLOT_READY, SLOT_SAVING } SlotState;

typedef struct Pool {
    SDL_mutex *m;
    SDL_cond *c;
    SDL_Thread *threads[EXPORT_MAX_THREADS];
    int nthreads, nslots;
    SDL_Surface *surface[POOL_SLOTS];
    char path[POOL_SLOTS][PATH_MAX];
    SlotState state[POOL_SLOTS];
    bool quit, failed;
    char err[512];
} Pool;

static int pool_worker(void *arg)
{
    Pool *p = arg;
    SDL_LockMutex(p->m);
    for (;;) {
        int k = -1;
        for (int i = 0; i < p->nslots && k < 0; i++)
            if (p->state[i] == SLOT_READY) k = i;
        if (k < 0) {
            if (p->quit) break;
            SDL_CondWait(p->c, p->m);
            continue;
        }
        p->state[k] = SLOT_SAVING;
        SDL_UnlockMutex(p->m);
        char err[512];
        bool ok = export_save_surface(p->surface[k], p->path[k], err, sizeof err);
        SDL_LockMutex(p->m);
        if (!ok && !p->failed) {
            p->failed = true;
            snprintf(p->err, sizeof p->err, "%s", err);
        }
        p->state[k] = SLOT_FREE;
        SDL_CondBroadcast(p->c);
    }
    SDL_UnlockMutex(p->m);
    return 0;
}

/* waits for every queued frame, stops the workers and frees the pool;
 * false (and err) if any save failed */
static bool pool_finish(Pool *p, char *err, size_t errlen)
{
    if (!p) return true;
    if (p->m) {
        SDL_LockMutex(p->m);
        p->quit = true;
        SDL_CondBroadcast(p->c);
        SDL_UnlockMutex(p->m);
    }
    for (int i = 0; i < p->nthreads; i++) SDL_WaitThread(p->threads[i], NULL);
    bool ok = !p->failed;
    if (!ok) snprintf(err, errlen, "%s", p->err);
    for (int i = 0; i < p->nslots; i++) SDL_FreeSurface(p->surface[i]);
    if (p->c) SDL_DestroyCond(p->c);
    if (p->m) SDL_DestroyMutex(p->m);
    free(p);
    return ok;
}

static Pool *pool_new(int w, int h, char *err, size_t errlen)
{
    Pool *p = xcalloc(1, sizeof *p);
    int n = SDL_GetCPUCount();
    p->nthreads = n < 1 ? 1 : n > EXPORT_MAX_THREADS ? EXPORT_MAX_THREADS : n;
    p->nslots = p->nthreads + 1;
    p->m = SDL_CreateMutex();
    p->c = SDL_CreateCond();
    if (!p->m || !p->c) goto fail;
    for (int i = 0; i < p->nslots; i++) {
        p->surface[i] = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
        if (!p->surface[i]) goto fail;
    }
    IMG_Init(IMG_INIT_PNG); /* load libpng once, here, not racing in the workers */
    int want = p->nthreads;
    p->nthreads = 0;
    for (int i = 0; i < want; i++) {
        p->threads[i] = SDL_CreateThread(pool_worker, "export", p);
        if (!p->threads[i]) goto fail;
        p->nthreads++;
    }
    return p;
fail:
    snprintf(err, errlen, "cannot start the export workers: %s", SDL_GetError());
    char ignored[8];
    pool_finish(p, ignored, sizeof ignored);
    return NULL;
}

/* queues a copy of s to be saved at path; false if a save already failed */
static bool pool_put(Pool *p, SDL_Surface *s, const char *path)
{
    SDL_LockMutex(p->m);
    int k = -1;
    while (!p->failed) {
        for (int i = 0; i < p->nslots && k < 0; i++)
            if (p->state[i] == SLOT_FREE) k = i;
        if (k >= 0) break;
        SDL_CondWait(p->c, p->m);
    }
    if (p->failed) {
        SDL_UnlockMutex(p->m);
        return false;
    }
    SDL_UnlockMutex(p->m);
    /* the slot is ours until it is marked READY */
    for (int y = 0; y < s->h; y++)
        memcpy((Uint8 *)p->surface[k]->pixels + (size_t)y * p->surface[k]->pitch,
               (Uint8 *)s->pixels + (size_t)y * s->pitch, (size_t)s->w * 4);
    snprintf(p->path[k], sizeof p->path[k], "%s", path);
    SDL_LockMutex(p->m);
    p->state[k] = SLOT_READY;
    SDL_CondBroadcast(p->c);
    SDL_UnlockMutex(p->m);
    return true;
}

/* ---- the command ------------------------------------------------------ */

typedef struct Args {
    const char *scenario, *mode, *step, *sentence, *size, *theme, *palette, *out, *out_dir, *lesson;
    bool all, no_values, help;
    double zoom;
} Args;

static const char usage[] =
    "usage: maskscope export [--scenario FILE] --mode MODE [--step STEP] [--sentence N|all]\n"
    "                        [--size WxH] [--theme light|dark] [--palette viridis|cividis]\n"
    "                        [--zoom Z] [--no-values] -o FILE.png\n"
    "       maskscope export --all --out-dir DIR [--scenario FILE] [--sentence N|all]\n"
    "                        [--size WxH] [--theme light|dark] [--palette ...]\n"
    "       maskscope export --lesson FILE --out-dir DIR [--size WxH] [--theme ...] [--palette ...]\n"
    "MODE is padding, causal, combined or mlm; STEP is a number from 1 or a step name\n"
    "(tokens, scores, mask, ...). Default size 1920x1080, light theme.\n";

static int fail2(const char *fmt, const char *a)
{
    fprintf(stderr, "maskscope export: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return 2;
}

static int parse_args(int argc, char **argv, Args *a)
{
    memset(a, 0, sizeof *a);
    a->zoom = 1.0;
    int i = 1;
    if (i < argc && strcmp(argv[i], "export") == 0) i++;
    for (; i < argc; i++) {
        const char *o = argv[i];
        const char **slot = NULL;
        if (strcmp(o, "--all") == 0) { a->all = true; continue; }
        if (strcmp(o, "--no-values") == 0) { a->no_values = true; continue; }
        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) { a->help = true; continue; }
        if (strcmp(o, "--scenario") == 0) slot = &a->scenario;
        else if (strcmp(o, "--mode") == 0) slot = &a->mode;
        else if (strcmp(o, "--step") == 0) slot = &a->step;
        else if (strcmp(o, "--sentence") == 0) slot = &a->sentence;
        else if (strcmp(o, "--size") == 0) slot = &a->size;
        else if (strcmp(o, "--theme") == 0) slot = &a->theme;
        else if (strcmp(o, "--palette") == 0) slot = &a->palette;
        else if (strcmp(o, "-o") == 0 || strcmp(o, "--output") == 0) slot = &a->out;
        else if (strcmp(o, "--out-dir") == 0) slot = &a->out_dir;
        else if (strcmp(o, "--lesson") == 0) slot = &a->lesson;
        else if (strcmp(o, "--zoom") == 0) {
            if (i + 1 >= argc) return fail2("%s needs a value", o);
            char *end;
            a->zoom = strtod(argv[++i], &end);
            if (*end || !(a->zoom >= 0.5 && a->zoom <= 3))
                return fail2("--zoom %s: must be a number from 0.5 to 3", argv[i]);
            continue;
        } else return fail2("unknown option \"%s\" (see maskscope export --help)", o);
        if (i + 1 >= argc) return fail2("%s needs a value", o);
        *slot = argv[++i];
    }
    if (a->help) return 0;
    if (a->lesson) {
        if (!a->out_dir) return fail2("%s", "--lesson needs --out-dir DIR");
        if (a->all || a->out || a->mode || a->step || a->scenario || a->sentence)
            return fail2("%s", "--lesson exports the lesson's own steps: drop --all, -o, --mode, --step, --scenario and --sentence");
    } else if (a->all) {
        if (!a->out_dir) return fail2("%s", "--all needs --out-dir DIR");
        if (a->out || a->mode || a->step) return fail2("%s", "--all exports every mode and step: drop -o, --mode and --step");
    } else {
        if (!a->mode) return fail2("%s", "--mode is required (padding, causal, combined or mlm)");
        if (!a->out) return fail2("%s", "-o FILE.png is required");
        if (a->out_dir) return fail2("%s", "--out-dir goes with --all");
    }
    return 0;
}

static bool parse_int(const char *s, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < INT_MIN || x > INT_MAX) return false;
    *v = (int)x;
    return true;
}

static int parse_size(const char *s, int *w, int *h)
{
    char wb[16], hb[16];
    const char *x = strchr(s, 'x');
    if (!x) x = strchr(s, 'X');
    size_t lw = x ? (size_t)(x - s) : 0;
    if (!x || lw == 0 || lw >= sizeof wb || strlen(x + 1) >= sizeof hb || !x[1])
        return fail2("--size %s: expected WIDTHxHEIGHT, e.g. 1920x1080", s);
    memcpy(wb, s, lw);
    wb[lw] = 0;
    strcpy(hb, x + 1);
    for (const char *p = wb; *p; p++) if (*p < '0' || *p > '9') return fail2("--size %s: expected WIDTHxHEIGHT, e.g. 1920x1080", s);
    for (const char *p = hb; *p; p++) if (*p < '0' || *p > '9') return fail2("--size %s: expected WIDTHxHEIGHT, e.g. 1920x1080", s);
    if (!parse_int(wb, w) || !parse_int(hb, h) || !size_ok(*w, *h)) {
        fprintf(stderr, "maskscope export: --size %s: width must be %d..%d and height %d..%d\n",
                s, EXPORT_MIN_W, EXPORT_MAX_W, EXPORT_MIN_H, EXPORT_MAX_H);
        return 2;
    }
    return 0;
}

/* step by number (1-based) or slug */
static int find_step(const Steps *st, const char *s)
{
    int n;
    if (parse_int(s, &n)) return n >= 1 && n <= st->count ? n - 1 : -1;
    return steps_find(st, s);
}

static void step_names(const Steps *st, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < st->count && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", st->steps[i].slug);
}

int export_main(int argc, char **argv)
{
    Args a;
    int status = parse_args(argc, argv, &a);
    if (status) return status;
    if (a.help) {
        fputs(usage, stdout);
        return 0;
    }
    Scenario *sc = NULL;
    Steps *st = NULL;
    Exporter *ex = NULL;
    Pool *pool = NULL;
    char err[512];
    int w = 1920, h = 1080;
    DrawOptions o = draw_options_default();
    status = 2;
    if (a.size && parse_size(a.size, &w, &h)) goto fail;
    if (a.theme && !theme_parse(a.theme, &o.theme)) {
        fail2("unknown theme \"%s\" (use light or dark)", a.theme);
        goto fail;
    }
    if (a.palette && !theme_palette_parse(a.palette, &o.palette)) {
        fail2("unknown palette \"%s\" (use viridis or cividis)", a.palette);
        goto fail;
    }
    o.show_values = !a.no_values;
    o.text_zoom = a.zoom;
    if (a.lesson) {
        status = deck_export(a.lesson, a.out_dir, w, h, &o);
        goto fail;
    }
    StepsMode only = STEPS_PADDING;
    if (a.mode && !steps_mode_parse(a.mode, &only)) {
        fail2("unknown mode \"%s\" (use padding, causal, combined or mlm)", a.mode);
        goto fail;
    }
    if (a.scenario) {
        bool io = false;
        sc = scenario_load(a.scenario, &io, err, sizeof err);
        if (!sc) {
            fprintf(stderr, "maskscope export: %s\n", err);
            status = io ? 1 : 2;
            goto fail;
        }
    } else {
        sc = scenario_default();
    }
    int sentence_arg = -2; /* -2: the mode's default */
    if (a.sentence) {
        if (strcmp(a.sentence, "all") == 0) sentence_arg = -1;
        else if (!parse_int(a.sentence, &sentence_arg) || sentence_arg < 0 ||
                 sentence_arg >= sc->sentences.count) {
            fprintf(stderr, "maskscope export: --sentence %s: must be all or 0..%d\n",
                    a.sentence, sc->sentences.count - 1);
            goto fail;
        }
    }
    if (a.all) {
        struct stat sb;
        if (stat(a.out_dir, &sb) != 0 && mkdir(a.out_dir, 0777) != 0) {
            fprintf(stderr, "maskscope export: cannot create %s: %s\n", a.out_dir, strerror(errno));
            status = 1;
            goto fail;
        }
    }
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    SDL_Init(SDL_INIT_VIDEO); /* not needed by the software renderer; harmless if it fails */
    ex = export_new(w, h, err, sizeof err);
    if (!ex) {
        fprintf(stderr, "maskscope export: %s\n", err);
        goto fail;
    }
    if (a.all && !(pool = pool_new(w, h, err, sizeof err))) {
        fprintf(stderr, "maskscope export: %s\n", err);
        status = 1;
        goto fail;
    }
    bool tty = isatty(STDOUT_FILENO);
    int total = 0, done = 0;
    if (a.all) {
        /* count frames first so progress can say "n/total" */
        for (int m = 0; m < STEPS_MODE_COUNT; m++) {
            int s = sentence_arg == -2 ? steps_default_sentence(sc, (StepsMode)m) : sentence_arg;
            Steps *t = steps_build(sc, (StepsMode)m, s, err, sizeof err);
            if (!t) {
                fprintf(stderr, "maskscope export: %s\n", err);
                goto fail;
            }
            total += t->count;
            steps_free(t);
        }
    }
    for (int m = 0; m < STEPS_MODE_COUNT; m++) {
        if (!a.all && (StepsMode)m != only) continue;
        int s = sentence_arg == -2 ? steps_default_sentence(sc, (StepsMode)m) : sentence_arg;
        st = steps_build(sc, (StepsMode)m, s, err, sizeof err);
        if (!st) {
            fprintf(stderr, "maskscope export: %s\n", err);
            goto fail;
        }
        int first = 0, last = st->count - 1;
        if (!a.all) {
            if (a.step) {
                first = last = find_step(st, a.step);
                if (first < 0) {
                    char names[512];
                    step_names(st, names, sizeof names);
                    fprintf(stderr, "maskscope export: unknown step \"%s\" in mode %s (use 1..%d or %s)\n",
                            a.step, steps_mode_name(st->mode), st->count, names);
                    goto fail;
                }
            } else {
                last = first;
            }
        }
        for (int k = first; k <= last; k++) {
            char path[PATH_MAX];
            if (a.all) {
                if (snprintf(path, sizeof path, "%s/%02d-%s-%02d-%s.png", a.out_dir, m + 1,
                             steps_mode_name(st->mode), k + 1, st->steps[k].slug) >= (int)sizeof path) {
                    fprintf(stderr, "maskscope export: %s: path too long\n", a.out_dir);
                    goto fail;
                }
            } else {
                snprintf(path, sizeof path, "%s", a.out);
            }
            export_draw(ex, st, k, &o, NULL);
            if (pool ? !pool_put(pool, export_surface(ex), path) : !export_save(ex, path, err, sizeof err)) {
                if (pool) pool_finish(pool, err, sizeof err);
                pool = NULL;
                fprintf(stderr, "maskscope export: %s\n", err);
                status = 1;
                goto fail;
            }
            done++;
            if (a.all && tty) {
                printf("[%d/%d] %s\n", done, total, path);
                fflush(stdout);
            }
        }
        steps_free(st);
        st = NULL;
    }
    if (!pool_finish(pool, err, sizeof err)) {
        pool = NULL;
        fprintf(stderr, "maskscope export: %s\n", err);
        status = 1;
        goto fail;
    }
    pool = NULL;
    status = 0;
fail:
    pool_finish(pool, err, sizeof err);
    steps_free(st);
    export_free(ex);
    scenario_free(sc);
    return status;
}
