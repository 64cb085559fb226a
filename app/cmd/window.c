/* `maskscope` with no command: the window, on the running example, a
 * scenario or a lesson. Without a display it writes the first frame as a
 * PNG in the current directory instead (never over an existing file)
 * and says where, in one line.
 *
 * In the browser (web/, built with emscripten) the same command runs in
 * the page's canvas: the shell turns the page's address into argv, SDL
 * draws with WebGL, and the loop is handed to the browser, one call per
 * animation frame, instead of blocking. S writes the PNG into the
 * in-memory file system with the same export code and offers it to the
 * browser as a download. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>

#include "cmd.h"
#include "deck.h"
#include "engine.h"
#include "export.h"
#include "lesson.h"
#include "player.h"
#include "view.h"
#include "xmalloc.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#include <sys/stat.h>

/* web/library.js: hands len bytes to the browser as a download named name */
void web_offer_download(const unsigned char *bytes, int len, const char *name, const char *mime);
#endif

#ifndef WINDOW_HEADLESS_W
#define WINDOW_HEADLESS_W 1280
#endif
#ifndef WINDOW_HEADLESS_H
#define WINDOW_HEADLESS_H 800
#endif

static const char usage[] =
    "usage: maskscope [--scenario FILE] [--mode MODE | --terms LIST] [--sentence N|all] [--step N|NAME]\n"
    "                 [--theme light|dark] [--palette viridis|cividis] [--decimals N]\n"
    "       maskscope --lesson FILE [--theme light|dark] [--palette viridis|cividis]\n"
    "Opens the window; press H in it for the keys. Without a display, writes the\n"
    "first frame as a PNG in the current directory instead.\n";

/* what opens first: the scenario, its state, and (for a lesson) the caption */
typedef struct First {
    Scenario *sc;
    ViewState state;
    Lesson *lesson;
    LessonFrame frame;
} First;

static void first_free(First *f)
{
    lesson_frame_free(&f->frame);
    lesson_free(f->lesson);
    scenario_free(f->sc);
}

/* the step by number (1-based) or name in mode m of sc; -1 if neither */
static int step_index(const Scenario *sc, const Mode *m, const char *s)
{
    StepsNames names;
    int n = steps_story(m, sc, &names);
    char *end;
    long k = strtol(s, &end, 10);
    if (end != s && !*end) return k >= 1 && k <= n ? (int)k - 1 : -1;
    for (int i = 0; i < n; i++)
        if (strcmp(names.slug[i], s) == 0) return i;
    return -1;
}

/* no display: the first frame as a PNG in the current directory, at a free name */
static int headless(const First *f, const char *why)
{
    char path[PATH_MAX + 128], err[512], cwd[PATH_MAX];
    const char *base = NULL;
    bool ok = false;
    Engine *e = engine_new(f->sc, f->state.mode, err, sizeof err);
    Steps *st = e ? steps_build(e, f->state.sentence, err, sizeof err) : NULL;
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    if (st) {
        export_free_name(st, f->state.step, f->state.sentence_chosen && !f->lesson, ".", path, sizeof path, &base);
        if (f->lesson) {
            /* the first step as the window and the deck show it, its answer hidden */
            Exporter *ex = export_new(WINDOW_HEADLESS_W, WINDOW_HEADLESS_H, err, sizeof err);
            ok = ex && deck_draw(ex, &f->frame, false, &f->state.opts, err, sizeof err) &&
                 export_save(ex, path, err, sizeof err);
            export_free(ex);
        } else {
            ok = export_png(st, f->state.step, &f->state.opts, WINDOW_HEADLESS_W, WINDOW_HEADLESS_H, path, err,
                            sizeof err);
        }
    }
    steps_free(st);
    engine_free(e);
    if (!ok) return cmd_fail("", CMD_IO, "no display (%s), and %s", why, err);
    if (getcwd(cwd, sizeof cwd))
        cmd_line(stderr, "maskscope: no display (%s); wrote the first frame to %s/%s instead", why,
                 strcmp(cwd, "/") == 0 ? "" : cwd, base);
    else
        cmd_line(stderr, "maskscope: no display (%s); wrote the first frame to %s instead", why, path);
    return CMD_OK;
}

static bool is_fake_driver(void)
{
    const char *d = SDL_GetCurrentVideoDriver();
    return d && (strcmp(d, "dummy") == 0 || strcmp(d, "offscreen") == 0 || strcmp(d, "evdev") == 0);
}

/* reads the options into what opens first; prints and returns non-zero on error */
static int first_of(Options *o, First *f)
{
    memset(f, 0, sizeof *f);
    f->state = view_config_default().state;
    f->state.opts = o->draw;
    if (o->lesson) {
        if (o->given & (OPT_SCENARIO | OPT_MODE | OPT_TERMS | OPT_SENTENCE | OPT_STEP))
            return cmd_fail("", CMD_USAGE, "--lesson sets the scenario, mask, sentence and step itself");
        char err[512];
        bool io = false;
        f->lesson = lesson_load(o->lesson, &io, err, sizeof err);
        if (!f->lesson) {
            cmd_line(stderr, "%s", err);
            return io ? CMD_IO : CMD_USAGE;
        }
        lesson_frame(f->lesson, 0, &f->frame);
        f->sc = scenario_copy(f->frame.scenario);
        f->state.mode = f->frame.mode;
        f->state.step = f->frame.step;
        f->state.sentence = f->frame.sentence;
        f->state.sentence_chosen = true;
        return CMD_OK;
    }
    int status = CMD_OK;
    if (!(f->sc = cmd_load_scenario("", o, &status))) return status;
    f->state.mode = o->mode ? o->mode : mode_default();
    int count, Lq, Lk;
    mode_shape(f->state.mode, f->sc, &count, &Lq, &Lk);
    f->state.sentence_chosen = (o->given & OPT_SENTENCE) != 0;
    f->state.sentence = f->state.sentence_chosen ? o->sentence : mode_default_sentence(f->state.mode, f->sc);
    if (f->state.sentence >= count)
        return cmd_fail("", CMD_USAGE, "sentence: %d is out of range; the %sbatch has sentences 0 to %d (or all)",
                        f->state.sentence, f->state.mode->batch == MODE_BATCH_MLM ? "MLM " : "", count - 1);
    if (o->step && (f->state.step = step_index(f->sc, f->state.mode, o->step)) < 0)
        return cmd_fail("", CMD_USAGE, "--step: '%s' is not a step (1, 2, ... or tokens, scores, ...)", o->step);
    return CMD_OK;
}

#ifdef __EMSCRIPTEN__
/* where S writes in the page: emscripten's in-memory file system */
#define WEB_EXPORT_DIR "/tmp"

/* S in the page: the PNG the export wrote (or the scenario the editor's
 * Ctrl+S wrote) goes to the browser as a download, and leaves the
 * in-memory file system */
static bool web_saved(void *ctx, const char *path, const char *base, char *err, size_t errlen)
{
    (void)ctx;
    bool ok = false;
    unsigned char *bytes = NULL;
    long n = -1;
    FILE *fp = fopen(path, "rb");
    if (fp && fseek(fp, 0, SEEK_END) == 0) n = ftell(fp);
    if (n < 0 || n > INT_MAX || fseek(fp, 0, SEEK_SET) != 0) goto fail;
    bytes = xmalloc((size_t)n + 1);
    if (fread(bytes, 1, (size_t)n, fp) != (size_t)n) goto fail;
    size_t bl = strlen(base);
    bool json = bl > 5 && strcmp(base + bl - 5, ".json") == 0; /* the editor's Ctrl+S */
    web_offer_download(bytes, (int)n, base, json ? "application/json" : "image/png");
    ok = true;
fail:
    if (!ok) snprintf(err, errlen, "%s: cannot read it back: %s", base, strerror(errno));
    if (fp) fclose(fp);
    free(bytes);
    remove(path);
    return ok;
}

typedef struct Web {
    View *v;
    Player *p;
} Web;

/* one animation frame: every queued event, then a frame if anything
 * changed. Q and Esc do not stop anything: a page is closed by its tab */
static void web_frame(void *arg)
{
    Web *w = arg;
    SDL_Event e;
    while (SDL_PollEvent(&e)) player_handle_event(w->p, &e);
    view_render(w->v);
}
#endif

int cmd_window(int argc, char **argv)
{
    Options o;
    unsigned accepted = OPT_SCENARIO | OPT_MODE | OPT_TERMS | OPT_SENTENCE | OPT_STEP | OPT_THEME | OPT_PALETTE |
                        OPT_LESSON | OPT_DECIMALS;
    if (!cmd_options("", argc, argv, accepted, 0, &o)) return CMD_USAGE;
    if (o.given & OPT_HELP) {
        fputs(usage, stdout);
        cmd_terms_help();
        return cmd_flush_stdout("");
    }
    First f;
    int status = first_of(&o, &f);
    if (status != CMD_OK) {
        first_free(&f);
        return status;
    }
    char err[512];
    View *v = NULL;
    Player *p = NULL;
    bool no_display = false;
#ifdef __EMSCRIPTEN__
    /* in the browser: no video-driver hint (there is one, the canvas) and
     * SDL's default renderer, WebGL, which follows the page's
     * devicePixelRatio where SDL 2.26's software renderer does not */
#else
    /* SDL's software renderer unless told otherwise (SDL_RENDER_DRIVER):
     * measured under Mesa it draws a frame in ~2 ms where OpenGL on
     * llvmpipe takes ~40 ms and ~200 ms to start, and its pixels are
     * exactly what `S` and `maskscope export` write */
    if (!SDL_GetHint(SDL_HINT_RENDER_DRIVER)) SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    /* without a runtime directory there is no Wayland compositor to find,
     * and libwayland would say so on stderr: try X11 and the console only */
    if (!getenv("SDL_VIDEODRIVER") && !getenv("XDG_RUNTIME_DIR") && !getenv("WAYLAND_DISPLAY"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11,kmsdrm");
#endif
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        snprintf(err, sizeof err, "%s", SDL_GetError());
        no_display = true;
    } else if (is_fake_driver()) {
        snprintf(err, sizeof err, "SDL video driver '%s'", SDL_GetCurrentVideoDriver());
        no_display = true;
    } else {
        ViewConfig cfg = view_config_default();
        cfg.state = f.state;
        char pictures[PATH_MAX];
        export_pictures_dir(pictures, sizeof pictures);
        cfg.export_dir = pictures;
#ifdef __EMSCRIPTEN__
        /* emscripten's umask starts as 0777: the PNG S writes (0666 less
         * the umask, as fopen would) could not be read back for the download */
        umask(022);
        cfg.export_dir = WEB_EXPORT_DIR;
        cfg.saved = web_saved;
#endif
        v = view_open(f.sc, &cfg, &no_display, err, sizeof err);
    }
    if (!v) {
#ifdef __EMSCRIPTEN__
        no_display = false; /* no PNG instead of a page: the page says why */
#endif
        if (no_display) {
            status = headless(&f, err); /* SDL's own message may span lines: cmd_line spells them out */
        } else {
            status = cmd_fail("", CMD_IO, "%s", err);
        }
        goto done;
    }
    p = player_new(v);
    if (f.lesson) {
        /* the lesson was loaded and checked once, above; the player takes it */
        Lesson *l = f.lesson;
        f.lesson = NULL;
        if (!player_play(p, l, err, sizeof err)) {
            status = cmd_fail("", CMD_USAGE, "%s", err);
            goto done;
        }
    }
#ifdef __EMSCRIPTEN__
    /* the browser calls web_frame once per animation frame from here on:
     * this call unwinds to it and never returns; the page keeps v and p */
    static Web web;
    web.v = v;
    web.p = p;
    emscripten_set_main_loop_arg(web_frame, &web, 0, 1);
#else
    /* block until something happens; take everything queued; draw once */
    for (bool running = true; running;) {
        view_render(v);
        SDL_Event e;
        if (!SDL_WaitEvent(&e)) break;
        do {
            running = player_handle_event(p, &e);
        } while (running && SDL_PollEvent(&e));
    }
#endif
done:
    player_free(p);
    view_close(v);
    first_free(&f);
    SDL_Quit();
    return status;
}
