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
/* MADV_HUGEPAGE and MAP_ANONYMOUS are Linux/BSD, not POSIX */
#define _DEFAULT_SOURCE
#include "export.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>

#include "atomic.h"
#include "cancel.h"
#include "mode.h"
#include "pngenc.h"
#include "scenario.h"
#include "stage.h"
#include "xmalloc.h"

struct Exporter {
    SDL_Surface *surface;
    void *pixels;   /* the surface's, ours */
    void *map;      /* the mapping holding them (frame_alloc), or NULL: calloc's */
    size_t map_len;
    SDL_Renderer *r;
    Painter *paint;
    Draw *draw;
    int w, h;
};

/* A frame's pixels, all zero: a fresh anonymous mapping (the system hands
 * out zero pages, so nothing is cleared twice), its whole 2 MiB blocks on
 * huge pages where the system offers them. A 1080p frame (8 294 400
 * bytes) is 2 025 pages of 4 KiB, each a page fault when first painted,
 * or 3 huge pages and 489 small ones. Elsewhere (no mmap, or it fails)
 * calloc does the same work. */
#define HUGE_PAGE ((size_t)2 << 20)
static void *frame_alloc(Exporter *ex, size_t n)
{
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
    size_t len = n + HUGE_PAGE;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
        ex->map = p;
        ex->map_len = len;
        uintptr_t at = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        size_t whole = n / HUGE_PAGE * HUGE_PAGE;
        if (whole) madvise((void *)at, whole, MADV_HUGEPAGE); /* advice: refused is fine */
        return (void *)at;
    }
#endif
    return xcalloc(n, 1);
}

static void frame_release(Exporter *ex)
{
    if (ex->map) munmap(ex->map, ex->map_len);
    else free(ex->pixels);
}

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
    /* not SDL's surface allocator: that clears the frame with memset */
    ex->pixels = frame_alloc(ex, (size_t)w * (size_t)h * 4);
    ex->surface = SDL_CreateRGBSurfaceWithFormatFrom(ex->pixels, w, h, 32, w * 4, SDL_PIXELFORMAT_RGB888);
    if (!ex->surface) {
        snprintf(err, errlen, "cannot make a %dx%d surface: %s", w, h, SDL_GetError());
        goto fail;
    }
    ex->r = SDL_CreateSoftwareRenderer(ex->surface);
    if (!ex->r) {
        snprintf(err, errlen, "cannot make a software renderer: %s", SDL_GetError());
        goto fail;
    }
    ex->paint = paint_new(ex->r, err, errlen);
    if (!ex->paint) goto fail;
    ex->draw = draw_new(ex->paint);
    return ex;
fail:
    export_free(ex);
    return NULL;
}

void export_free(Exporter *ex)
{
    if (!ex) return;
    draw_free(ex->draw);
    paint_free(ex->paint);
    if (ex->r) SDL_DestroyRenderer(ex->r);
    if (ex->surface) SDL_FreeSurface(ex->surface);
    if (ex->pixels) frame_release(ex);
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

Painter *export_painter(Exporter *ex)
{
    return ex->paint;
}

SDL_Surface *export_surface(Exporter *ex)
{
    return ex->surface;
}

/* s as a PNG at path, deflated on up to `threads` threads (0: every core) */
static bool save_surface(SDL_Surface *s, const char *path, int threads, char *err, size_t errlen)
{
    EXPECT(s->format->format == SDL_PIXELFORMAT_RGB888);
    AtomicFile af;
    if (!atomic_open(&af, path, err, errlen)) return false;
    char why[256];
    PngEncOptions o = pngenc_defaults();
    o.threads = threads;
    if (!pngenc_write(af.fp, s->pixels, s->w, s->h, (size_t)s->pitch, PNGENC_XRGB8888, &o, why, sizeof why)) {
        snprintf(err, errlen, "%s: cannot write: %s", path, why);
        atomic_abort(&af);
        return false;
    }
    return atomic_commit(&af, err, errlen);
}

bool export_save_surface(SDL_Surface *s, const char *path, char *err, size_t errlen)
{
    return save_surface(s, path, 0, err, errlen);
}

bool export_save(Exporter *ex, const char *path, char *err, size_t errlen)
{
    return export_save_surface(ex->surface, path, err, errlen);
}

bool export_png_paint(ExportPaint paint, void *ctx, int w, int h, const char *path, char *err, size_t errlen)
{
    Exporter *ex = export_new(w, h, err, errlen);
    if (!ex) return false;
    paint(ctx, ex->paint, (SDL_Rect){ 0, 0, w, h });
    SDL_RenderPresent(ex->r);
    bool ok = export_save(ex, path, err, errlen);
    export_free(ex);
    return ok;
}

bool export_png(const Steps *st, int step, const DrawOptions *o, int w, int h,
                const char *path, char *err, size_t errlen)
{
    bool ok = false;
    Exporter *ex = export_new(w, h, err, errlen);
    if (!ex) goto fail;
    if (!export_draw(ex, st, step, o, NULL)) {
        snprintf(err, errlen, "step %d is out of range (1..%d)", step + 1, st ? steps_count(st) : 0);
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
 * slot and saved from there. Only the PNG encoding runs on the workers. */
#ifndef EXPORT_MAX_THREADS
#define EXPORT_MAX_THREADS 8
#endif
/* frame copies the workers may hold at once, in bytes */
#ifndef EXPORT_POOL_BYTES
#define EXPORT_POOL_BYTES ((size_t)256 << 20)
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
        /* a worker per core already: each frame on its worker alone */
        bool ok = save_surface(p->surface[k], p->path[k], 1, err, sizeof err);
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
    /* big frames: fewer copies in flight, so 8K exports stay within EXPORT_POOL_BYTES */
    size_t frame = (size_t)w * (size_t)h * 4;
    size_t fit = EXPORT_POOL_BYTES / frame;
    if ((size_t)p->nthreads > fit) p->nthreads = fit > 1 ? (int)fit : 1;
    p->nslots = p->nthreads + ((size_t)p->nthreads + 1 <= fit ? 1 : 0);
    p->m = SDL_CreateMutex();
    p->c = SDL_CreateCond();
    if (!p->m || !p->c) goto fail;
    for (int i = 0; i < p->nslots; i++) {
        p->surface[i] = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
        if (!p->surface[i]) goto fail;
    }
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

/* ---- every mode and step ---------------------------------------------- */

bool export_frame_name(const Mode *m, int step, const char *slug, char *name, size_t n)
{
    return snprintf(name, n, "%02d-%s-%02d-%s.png", mode_index(m) + 1, m->name, step + 1, slug) < (int)n;
}

bool export_check_pixels(int frames, int w, int h, char *err, size_t errlen)
{
    size_t px = (size_t)frames * (size_t)w * (size_t)h;
    if (px <= MS_MAX_EXPORT_PIXELS) return true;
    snprintf(err, errlen, "%d frames of %dx%d are %zu megapixels; one export writes at most %zu "
             "(MS_MAX_EXPORT_PIXELS): use a smaller --size, or export single frames",
             frames, w, h, px >> 20, (size_t)MS_MAX_EXPORT_PIXELS >> 20);
    return false;
}

bool export_check_sentence(const Scenario *sc, int sentence, char *err, size_t errlen)
{
    for (int i = 0; i < mode_count() && sentence >= 0; i++) {
        const Mode *m = mode_at(i);
        int count, Lq, Lk;
        mode_shape(m, sc, &count, &Lq, &Lk);
        if (sentence >= count) {
            snprintf(err, errlen, "--sentence %d: mode %s has sentences 0..%d", sentence, m->name, count - 1);
            return false;
        }
    }
    return true;
}

bool export_all(const Scenario *sc, int sentence, const char *dir, int w, int h, const DrawOptions *o,
                ExportWrote wrote, void *ctx, bool *io_error, char *err, size_t errlen)
{
    *io_error = false;
    if (!export_check_sentence(sc, sentence, err, errlen)) return false;
    for (int i = 0; i < mode_count(); i++) {
        size_t cells = mode_cells(mode_at(i), sc);
        if (cells > MS_MAX_EXPORT_ALL_CELLS) {
            snprintf(err, errlen, "mode %s: its batch is %zu attention cells; export --all computes at most %zu "
                     "(MS_MAX_EXPORT_ALL_CELLS): export one --mode and --step at a time",
                     mode_at(i)->name, cells, (size_t)MS_MAX_EXPORT_ALL_CELLS);
            return false;
        }
    }
    bool ok = false;
    Exporter *ex = NULL;
    Pool *pool = NULL;
    Engine *e = NULL;
    Steps *st = NULL;
    Stage *stage = NULL;
    char (*names)[96] = NULL;
    const char **list = NULL;
    int total = 0, done = 0;
    for (int i = 0; i < mode_count(); i++) {
        StepsNames names;
        total += steps_story(mode_at(i), sc, &names);
    }
    if (!export_check_pixels(total, w, h, err, errlen)) return false;
    *io_error = true; /* from here on, every failure is a write's (or the fonts') */
    ex = export_new(w, h, err, errlen);
    if (!ex) goto fail;
    if (!(pool = pool_new(w, h, err, errlen))) goto fail;
    if (!(stage = stage_begin(dir, err, errlen))) goto fail;
    names = xcalloc((size_t)total, sizeof *names);
    list = xcalloc((size_t)total, sizeof *list);
    for (int i = 0; i < mode_count(); i++) {
        const Mode *m = mode_at(i);
        *io_error = false;
        e = engine_new(sc, m, err, errlen);
        if (!e) goto fail;
        st = steps_build(e, sentence == EXPORT_DEFAULT_SENTENCE ? mode_default_sentence(m, sc) : sentence, err, errlen);
        if (!st) goto fail;
        *io_error = true;
        for (int k = 0; k < steps_count(st) && done < total; k++) {
            char path[PATH_MAX];
            if (cancel_signal()) {
                snprintf(err, errlen, "%s: cannot write: interrupted", dir);
                goto fail;
            }
            if (!export_frame_name(m, k, steps_at(st, k)->slug, names[done], sizeof names[done])) {
                snprintf(err, errlen, "%s: a frame name is too long", dir);
                goto fail;
            }
            list[done] = names[done];
            export_draw(ex, st, k, o, NULL);
            if (!pool_put(pool, export_surface(ex), stage_path(stage, list[done], path, sizeof path)))
                goto fail; /* pool_finish says why */
            done++;
        }
        steps_free(st);
        st = NULL;
        engine_free(e);
        e = NULL;
    }
    ok = true;
fail:
    if (pool) {
        /* a failed save is the error to report, whatever stopped the loop */
        char perr[512];
        if (!pool_finish(pool, perr, sizeof perr)) {
            snprintf(err, errlen, "%s", perr);
            *io_error = true;
            ok = false;
        }
    }
    if (ok) {
        ok = stage_commit(stage, list, done, err, errlen);
        stage = NULL;
    }
    if (ok) export_tell_wrote(dir, list, done, wrote, ctx);
    stage_abort(stage);
    free(list);
    free(names);
    steps_free(st);
    engine_free(e);
    export_free(ex);
    return ok;
}

void export_tell_wrote(const char *dir, const char *const *names, int n, ExportWrote wrote, void *ctx)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    for (int i = 0; wrote && i < n; i++) {
        snprintf(path, sizeof path, "%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/", names[i]);
        wrote(path, ctx);
    }
}

/* ---- a free file name ------------------------------------------------- */

static bool file_exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

void export_free_stem(const char *stem, const char *ext, const char *dir, char *path, size_t n, const char **base)
{
    int prefix = snprintf(path, n, "%s/", dir);
    if (prefix < 0 || (size_t)prefix >= n) prefix = 0;
    for (int k = 1; k < 1000; k++) {
        char suffix[16] = "";
        if (k > 1) snprintf(suffix, sizeof suffix, "-%d", k);
        snprintf(path + prefix, n - (size_t)prefix, "%s%s.%s", stem, suffix, ext);
        if (!file_exists(path)) break;
    }
    if (base) *base = path + prefix;
}

/* ---- where S saves ---- */

static bool is_dir(const char *path)
{
    struct stat sb;
    return path && *path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* XDG_PICTURES_DIR="$HOME/Pictures" from user-dirs.dirs, $HOME expanded */
static bool user_dirs_pictures(const char *home, char *out, size_t n)
{
    const char *config = getenv("XDG_CONFIG_HOME");
    char path[PATH_MAX];
    if (config && *config) snprintf(path, sizeof path, "%s/user-dirs.dirs", config);
    else if (home) snprintf(path, sizeof path, "%s/.config/user-dirs.dirs", home);
    else return false;
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[PATH_MAX + 64];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        const char *key = "XDG_PICTURES_DIR=\"";
        if (strncmp(line, key, strlen(key)) != 0) continue;
        char *v = line + strlen(key), *end = strchr(v, '"');
        if (!end) continue;
        *end = '\0';
        if (strncmp(v, "$HOME", 5) == 0 && home) found = snprintf(out, n, "%s%s", home, v + 5) < (int)n;
        else if (v[0] == '/') found = snprintf(out, n, "%s", v) < (int)n;
    }
    fclose(f);
    return found;
}

void export_pictures_dir(char *buf, size_t n)
{
    const char *home = getenv("HOME");
    char base[PATH_MAX] = "";
    const char *env = getenv("XDG_PICTURES_DIR");
    if (env && env[0] == '/') snprintf(base, sizeof base, "%s", env);
    else if (!user_dirs_pictures(home, base, sizeof base) && home && *home)
        snprintf(base, sizeof base, "%s/Pictures", home);
    char dir[PATH_MAX + 16];
    if (is_dir(base) && snprintf(dir, sizeof dir, "%s/maskscope", base) < (int)sizeof dir &&
        (is_dir(dir) || mkdir(dir, 0755) == 0) && strlen(dir) < n) {
        snprintf(buf, n, "%s", dir);
        return;
    }
    if (!getcwd(buf, n)) snprintf(buf, n, ".");
}

void export_free_name(const Steps *st, int step, bool with_sentence, const char *dir, char *path, size_t n,
                      const char **base)
{
    char sent[24] = "", stem[256];
    if (with_sentence) {
        if (steps_sentence(st) < 0) snprintf(sent, sizeof sent, "-all");
        else snprintf(sent, sizeof sent, "-s%d", steps_sentence(st));
    }
    snprintf(stem, sizeof stem, "maskscope-%s%s-%02d-%s", engine_mode(steps_engine(st))->name, sent, step + 1,
             steps_at(st, step)->slug);
    export_free_stem(stem, "png", dir, path, n, base);
}
