/* `maskscope export`: one frame, every mode × step, or a lesson as a
 * slide deck. Options are checked before anything is drawn or created;
 * the drawing and writing are output/'s. Once the files are in place it
 * names each on a line of its own (--quiet: none), so a script can pick
 * them up. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>

#include "cancel.h"
#include "cmd.h"
#include "deck.h"
#include "engine.h"
#include "export.h"
#include "gallery.h"
#include "lesson.h"
#include "screen.h"
#include "xmalloc.h"

static const char usage[] =
    "usage: maskscope export [--scenario FILE] --mode MODE|--terms LIST [--step STEP] [--sentence N|all]\n"
    "                        [--size WxH] [--theme light|dark] [--palette viridis|cividis]\n"
    "                        [--zoom Z] [--no-values] [--decimals N] [--screen conventions|leaks] [--quiet]\n"
    "                        [--queries Q] -o FILE.png\n"
    "       maskscope export --all --out-dir DIR [--scenario FILE] [--sentence N|all]\n"
    "                        [--size WxH] [--theme light|dark] [--palette ...] [--quiet]\n"
    "       maskscope export --lesson FILE --out-dir DIR [--size WxH] [--theme ...] [--palette ...] [--quiet]\n"
    "       maskscope export --bugs --out-dir DIR [--scenario FILE] [--sentence N|all] [--size WxH] [--theme ...]\n"
    "                        [--quiet]\n"
    "Prints the path of each file written, one a line; --quiet prints none.\n";

/* the step by number (1-based) or name; -1 if neither */
static int find_step(const Steps *st, const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (end != s && !*end) return n >= 1 && n <= steps_count(st) ? (int)n - 1 : -1;
    return steps_find(st, s);
}

/* one line per file written, its name escaped */
static void say_wrote(const char *path, void *ctx)
{
    (void)ctx;
    cmd_line(stdout, "%s", path);
}

/* -o /dev/stdout (or any name of the same file): the PNG is the output, and a line after it would spoil it */
static bool is_stdout(const char *path)
{
    struct stat a, b;
    return stat(path, &a) == 0 && fstat(STDOUT_FILENO, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* what export says once its files are in place: their paths, unless --quiet */
static ExportWrote teller(const Options *o)
{
    return (o->given & OPT_QUIET) ? NULL : say_wrote;
}

/* a successful export's status: a failed write of the list of files is exit 1 */
static int wrote_ok(const Options *o)
{
    return (o->given & OPT_QUIET) ? CMD_OK : cmd_flush_stdout("export");
}

/* SDL without a display and without its signal handlers: Ctrl-C and
 * SIGTERM reach cancel.h, which stops the writers cleanly */
static void headless_sdl(void)
{
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    cancel_on_signals();
    SDL_Init(SDL_INIT_VIDEO); /* not needed by the software renderer; harmless if it fails */
}

/* the exit status of a failed write: 128 + the signal that stopped it, else 1 */
static int write_failed(const char *err)
{
    int sig = cancel_signal();
    if (sig) {
        cmd_fail("export", 128 + sig, "stopped by signal %d; nothing was written or replaced", sig);
        return 128 + sig;
    }
    return cmd_fail("export", CMD_IO, "%s", err);
}

static int export_lesson(const Options *o)
{
    char err[512];
    bool io = false;
    Lesson *l = lesson_load(o->lesson, &io, err, sizeof err);
    if (!l) {
        cmd_line(stderr, "%s", err);
        return io ? CMD_IO : CMD_USAGE;
    }
    headless_sdl();
    bool ok = deck_export(l, o->out_dir, o->w, o->h, &o->draw, teller(o), NULL, &io, err, sizeof err);
    lesson_free(l);
    return ok ? wrote_ok(o) : io ? write_failed(err) : cmd_fail("export", CMD_USAGE, "%s", err);
}

/* the gallery of classic bugs as a slide deck: a lesson made of its steps */
static int export_bugs(const Options *o, const Scenario *sc)
{
    char err[512];
    bool io = false;
    int count, Lq, Lk;
    mode_shape(mode_find("bugs"), sc, &count, &Lq, &Lk);
    if ((o->given & OPT_SENTENCE) && o->sentence >= count)
        return cmd_fail("export", CMD_USAGE, "--sentence %d: the batch has sentences 0..%d", o->sentence, count - 1);
    Lesson *l = gallery_lesson(sc, (o->given & OPT_SENTENCE) ? o->sentence : 0);
    headless_sdl();
    bool ok = deck_export(l, o->out_dir, o->w, o->h, &o->draw, teller(o), NULL, &io, err, sizeof err);
    lesson_free(l);
    return ok ? wrote_ok(o) : io ? write_failed(err) : cmd_fail("export", CMD_USAGE, "%s", err);
}

static int export_one(const Options *o, const Scenario *sc)
{
    char err[512];
    int sentence = (o->given & OPT_SENTENCE) ? o->sentence : mode_default_sentence(o->mode, sc);
    int count, Lq, Lk;
    mode_shape(o->mode, sc, &count, &Lq, &Lk);
    if (sentence >= count)
        return cmd_fail("export", CMD_USAGE, "--sentence %d: mode %s has sentences 0..%d", sentence, o->mode->name,
                        count - 1);
    Engine *e = engine_new(sc, o->mode, err, sizeof err);
    if (!e) return cmd_fail("export", CMD_USAGE, "%s", err);
    Steps *st = steps_build(e, sentence, err, sizeof err);
    EXPECT(st); /* the sentence is in range */
    int step = 0, status = CMD_OK;
    if (o->step && (step = find_step(st, o->step)) < 0) {
        char names[512] = "";
        size_t k = 0;
        for (int i = 0; i < steps_count(st) && k < sizeof names; i++)
            k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "", steps_at(st, i)->slug);
        status = cmd_fail("export", CMD_USAGE, "unknown step \"%s\" in mode %s (use 1..%d or %s)", o->step,
                          o->mode->name, steps_count(st), names);
    } else if (o->screen) {
        /* a window screen instead of the step: the translator or the leak view */
        ScreenKind kind = SCREEN_NONE;
        screen_parse(o->screen, &kind);
        headless_sdl();
        Screen *scr = screen_new();
        screen_set(scr, kind, st, step);
        if (!screen_png(scr, &o->draw, o->w, o->h, o->out, err, sizeof err)) {
            status = write_failed(err);
        } else if (!(o->given & OPT_QUIET) && !is_stdout(o->out)) {
            say_wrote(o->out, NULL);
            status = wrote_ok(o);
        }
        screen_free(scr);
    } else {
        headless_sdl();
        if (!export_png(st, step, &o->draw, o->w, o->h, o->out, err, sizeof err)) {
            status = write_failed(err);
        } else if (!(o->given & OPT_QUIET) && !is_stdout(o->out)) {
            say_wrote(o->out, NULL);
            status = wrote_ok(o);
        }
    }
    steps_free(st);
    engine_free(e);
    return status;
}

int cmd_export(int argc, char **argv)
{
    Options o;
    unsigned accepted = OPT_SCENARIO | OPT_MODE | OPT_SENTENCE | OPT_STEP | OPT_THEME | OPT_PALETTE | OPT_SIZE |
                        OPT_ZOOM | OPT_NO_VALUES | OPT_OUT | OPT_OUT_DIR | OPT_LESSON | OPT_ALL | OPT_TERMS |
                        OPT_DECIMALS | OPT_QUIET | OPT_BUGS | OPT_SCREEN | OPT_QUERIES;
    if (!cmd_options("export", argc, argv, accepted, 0, &o)) return CMD_USAGE;
    if (o.given & OPT_HELP) {
        fputs(usage, stdout);
        printf("MODE is %s; STEP is a number from 1 or a step name\n"
               "(tokens, scores, mask, ...). Default size 1920x1080, light theme.\n"
               "Q is how many new queries decode's alignment step checks at once (\"generate\" by default).\n",
               cmd_mode_names());
        cmd_terms_help();
        return cmd_flush_stdout("export");
    }
    ScreenKind kind;
    if (o.screen && !screen_parse(o.screen, &kind))
        return cmd_fail("export", CMD_USAGE, "--screen: '%s' is not a screen; use conventions or leaks", o.screen);
    if (o.screen && (o.given & (OPT_ALL | OPT_BUGS | OPT_LESSON)))
        return cmd_fail("export", CMD_USAGE, "--screen exports one frame: drop --all, --bugs and --lesson");
    if ((o.given & OPT_QUERIES) && (!o.mode || o.mode->batch != MODE_BATCH_DECODE || (o.given & (OPT_ALL | OPT_BUGS))))
        return cmd_fail("export", CMD_USAGE, "--queries goes with --mode decode: the new queries of its alignment step");
    if (o.lesson) {
        if (!o.out_dir) return cmd_fail("export", CMD_USAGE, "--lesson needs --out-dir DIR");
        if (o.given & (OPT_ALL | OPT_OUT | OPT_MODE | OPT_TERMS | OPT_STEP | OPT_SCENARIO | OPT_SENTENCE | OPT_BUGS))
            return cmd_fail("export", CMD_USAGE, "--lesson exports the lesson's own steps: drop --all, --bugs, -o, "
                                                 "--mode, --terms, --step, --scenario and --sentence");
        return export_lesson(&o);
    }
    if (o.given & OPT_BUGS) {
        if (!o.out_dir) return cmd_fail("export", CMD_USAGE, "--bugs needs --out-dir DIR");
        if (o.given & (OPT_ALL | OPT_OUT | OPT_MODE | OPT_TERMS | OPT_STEP))
            return cmd_fail("export", CMD_USAGE, "--bugs exports every bug of the gallery: drop --all, -o, --mode, "
                                                 "--terms and --step");
    } else if (o.given & OPT_ALL) {
        if (!o.out_dir) return cmd_fail("export", CMD_USAGE, "--all needs --out-dir DIR");
        if (o.given & (OPT_OUT | OPT_MODE | OPT_TERMS | OPT_STEP))
            return cmd_fail("export", CMD_USAGE,
                            "--all exports every mode and step: drop -o, --mode, --terms and --step");
    } else {
        if (!o.mode && !o.terms)
            return cmd_fail("export", CMD_USAGE, "--mode (%s) or --terms LIST is required", cmd_mode_names());
        if (!o.out) return cmd_fail("export", CMD_USAGE, "-o FILE.png is required");
        if (o.out_dir) return cmd_fail("export", CMD_USAGE, "--out-dir goes with --all");
    }
    int status = CMD_OK;
    Scenario *sc = cmd_load_scenario("export", &o, &status);
    if (!sc) return status;
    if (o.given & OPT_BUGS) {
        status = export_bugs(&o, sc);
    } else if (o.given & OPT_ALL) {
        char err[512];
        bool io = false;
        int sentence = (o.given & OPT_SENTENCE) ? o.sentence : EXPORT_DEFAULT_SENTENCE;
        headless_sdl();
        if (!export_all(sc, sentence, o.out_dir, o.w, o.h, &o.draw, teller(&o), NULL, &io, err, sizeof err))
            status = io ? write_failed(err) : cmd_fail("export", CMD_USAGE, "%s", err);
        else
            status = wrote_ok(&o);
    } else {
        status = export_one(&o, sc);
    }
    scenario_free(sc);
    return status;
}
