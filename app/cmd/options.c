/* One option parser for every command. Each option is a row: its
 * spellings, its flag, whether it takes a value and how the value is
 * read. A command says which flags it accepts; anything else is "not an
 * option of this command", with the command's --help to turn to. */
#include "cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "text.h"

/* one line, whatever the text quotes: control characters spelled out */
static void vline(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
    char raw[2048], shown[4096];
    vsnprintf(raw, sizeof raw, fmt, ap);
    fprintf(f, "%s%s\n", prefix, text_escape(raw, shown, sizeof shown));
}

void cmd_line(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(f, "", fmt, ap);
    va_end(ap);
}

int cmd_fail(const char *cmd, int status, const char *fmt, ...)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "maskscope%s%s: ", *cmd ? " " : "", cmd);
    va_list ap;
    va_start(ap, fmt);
    vline(stderr, prefix, fmt, ap);
    va_end(ap);
    return status;
}

const char *cmd_mode_names(void)
{
    static char names[512];
    mode_names(names, sizeof names, " or ");
    return names;
}

void cmd_terms_help(void)
{
    printf("LIST is mask terms joined by commas, from %s; e.g. padding,causal,window=2.\n", mode_build_terms());
}

static bool whole(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* digits only, so "1e3", "+5" and " 7" are refused */
static bool digits(const char *s, size_t n)
{
    if (n == 0 || n > 6) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static bool read_size(const char *cmd, const char *v, Options *o)
{
    const char *x = strpbrk(v, "xX");
    if (!x || !digits(v, (size_t)(x - v)) || !digits(x + 1, strlen(x + 1))) {
        cmd_fail(cmd, CMD_USAGE, "--size %s: expected WIDTHxHEIGHT, e.g. 1920x1080", v);
        return false;
    }
    o->w = atoi(v);
    o->h = atoi(x + 1);
    if (o->w < EXPORT_MIN_W || o->w > EXPORT_MAX_W || o->h < EXPORT_MIN_H || o->h > EXPORT_MAX_H) {
        cmd_fail(cmd, CMD_USAGE, "--size %s: width must be %d..%d and height %d..%d", v, EXPORT_MIN_W, EXPORT_MAX_W,
                 EXPORT_MIN_H, EXPORT_MAX_H);
        return false;
    }
    return true;
}

/* reads the value of option flag into o; false after printing why not */
static bool read_value(const char *cmd, OptFlag flag, const char *name, const char *v, Options *o)
{
    long n;
    char *end;
    switch (flag) {
    case OPT_SCENARIO: o->scenario = v; return true;
    case OPT_STEP: o->step = v; return true;
    case OPT_OUT: o->out = v; return true;
    case OPT_OUT_DIR: o->out_dir = v; return true;
    case OPT_LESSON: o->lesson = v; return true;
    case OPT_TERMS: o->terms = v; return true;
    case OPT_AS: o->as = v; return true;
    case OPT_BUG: o->bug = v; return true;
    case OPT_SCREEN: o->screen = v; return true;
    case OPT_MODE:
        if ((o->mode = mode_find(v))) return true;
        cmd_fail(cmd, CMD_USAGE, "--mode: '%s' is not a mode; use %s", v, cmd_mode_names());
        return false;
    case OPT_SENTENCE:
        if (strcmp(v, "all") == 0) {
            o->sentence = -1;
            return true;
        }
        if (whole(v, 0, MS_MAX_SENTENCES - 1, &n)) {
            o->sentence = (int)n;
            return true;
        }
        cmd_fail(cmd, CMD_USAGE, "--sentence: '%s' is not a sentence; use 0 to %d or all", v, MS_MAX_SENTENCES - 1);
        return false;
    case OPT_THEME:
        if (theme_parse(v, &o->draw.theme)) return true;
        cmd_fail(cmd, CMD_USAGE, "--theme: '%s' is not one of light, dark", v);
        return false;
    case OPT_PALETTE:
        if (theme_palette_parse(v, &o->draw.palette)) return true;
        cmd_fail(cmd, CMD_USAGE, "--palette: '%s' is not one of viridis, cividis", v);
        return false;
    case OPT_SIZE: return read_size(cmd, v, o);
    case OPT_DECIMALS:
        if (whole(v, 0, 6, &n)) {
            o->draw.decimals = (int)n;
            return true;
        }
        cmd_fail(cmd, CMD_USAGE, "--decimals %s: must be a whole number from 0 to 6", v);
        return false;
    case OPT_QUERIES:
        if (whole(v, 1, MS_MAX_SEQ_LEN + MS_MAX_GENERATE, &n)) {
            o->queries = (int)n;
            return true;
        }
        cmd_fail(cmd, CMD_USAGE, "--queries %s: must be a whole number of new queries, from 1 to the sequence's "
                 "length", v);
        return false;
    case OPT_ZOOM:
        errno = 0;
        o->draw.text_zoom = strtod(v, &end);
        if (!errno && end != v && !*end && o->draw.text_zoom >= 0.5 && o->draw.text_zoom <= 3) return true;
        cmd_fail(cmd, CMD_USAGE, "--zoom %s: must be a number from 0.5 to 3", v);
        return false;
    default: break;
    }
    cmd_fail(cmd, CMD_USAGE, "%s: no value expected", name);
    return false;
}

static const struct {
    const char *name, *alias;
    OptFlag flag;
    bool value;
} options[] = {
    {"--scenario", NULL, OPT_SCENARIO, true}, {"--mode", NULL, OPT_MODE, true},
    {"--sentence", NULL, OPT_SENTENCE, true}, {"--step", NULL, OPT_STEP, true},
    {"--theme", NULL, OPT_THEME, true},       {"--palette", NULL, OPT_PALETTE, true},
    {"--size", NULL, OPT_SIZE, true},         {"--zoom", NULL, OPT_ZOOM, true},
    {"--no-values", NULL, OPT_NO_VALUES, false}, {"-o", "--output", OPT_OUT, true},
    {"--out-dir", NULL, OPT_OUT_DIR, true},   {"--lesson", NULL, OPT_LESSON, true},
    {"--all", NULL, OPT_ALL, false},          {"--list", NULL, OPT_LIST, false},
    {"--terms", NULL, OPT_TERMS, true},       {"--decimals", NULL, OPT_DECIMALS, true},
    {"--help", "-h", OPT_HELP, false},
    {"--quiet", "-q", OPT_QUIET, false},
    {"--as", NULL, OPT_AS, true},             {"--bug", NULL, OPT_BUG, true},
    {"--json", NULL, OPT_JSON, false},        {"--bugs", NULL, OPT_BUGS, false},
    {"--screen", NULL, OPT_SCREEN, true},     {"--queries", NULL, OPT_QUERIES, true},
};

bool cmd_options(const char *cmd, int argc, char **argv, unsigned accepted, int max_args, Options *o)
{
    memset(o, 0, sizeof *o);
    o->draw = draw_options_default();
    o->w = 1920;
    o->h = 1080;
    accepted |= OPT_HELP;
    const char *help = *cmd ? cmd : "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = -1;
        for (size_t j = 0; j < sizeof options / sizeof *options && k < 0; j++)
            if (strcmp(a, options[j].name) == 0 || (options[j].alias && strcmp(a, options[j].alias) == 0))
                k = (int)j;
        if (k < 0 && a[0] == '-' && a[1]) {
            cmd_fail(cmd, CMD_USAGE, "unknown option '%s'; see maskscope %s%s--help", a, help, *help ? " " : "");
            return false;
        }
        if (k < 0) {
            if (o->nargs >= max_args) {
                cmd_fail(cmd, CMD_USAGE, "unexpected argument '%s'; see maskscope %s%s--help", a, help,
                         *help ? " " : "");
                return false;
            }
            o->args[o->nargs++] = a;
            continue;
        }
        if (!(accepted & options[k].flag)) {
            cmd_fail(cmd, CMD_USAGE, "%s is not an option of maskscope%s%s; see maskscope %s%s--help", a,
                     *cmd ? " " : "", cmd, help, *help ? " " : "");
            return false;
        }
        o->given |= options[k].flag;
        if (options[k].flag == OPT_NO_VALUES) o->draw.show_values = false;
        if (!options[k].value) continue;
        if (i + 1 >= argc) {
            cmd_fail(cmd, CMD_USAGE, "%s needs a value", a);
            return false;
        }
        if (!read_value(cmd, options[k].flag, a, argv[++i], o)) return false;
    }
    if ((o->given & OPT_MODE) && (o->given & OPT_TERMS)) {
        cmd_fail(cmd, CMD_USAGE, "--mode and --terms both choose the mask; give one");
        return false;
    }
    return true;
}

Scenario *cmd_load_scenario(const char *cmd, Options *o, int *status)
{
    char err[512];
    bool io = false;
    Scenario *sc = o->scenario ? scenario_load(o->scenario, &io, err, sizeof err) : scenario_default();
    if (!sc) {
        cmd_line(stderr, "%s", err);
        *status = io ? CMD_IO : CMD_USAGE;
        return NULL;
    }
    if (o->terms && !(o->mode = mode_build(o->terms, sc, err, sizeof err))) {
        *status = cmd_fail(cmd, CMD_USAGE, "%s", err);
        scenario_free(sc);
        return NULL;
    }
    if (o->given & OPT_QUERIES) {
        /* the new queries are the last of the L + N tokens of the longest sequence */
        int L = scenario_longest(&sc->sentences), T = L + sc->generate;
        if (o->queries > T) {
            *status = cmd_fail(cmd, CMD_USAGE, "--queries %d: the sequences have %d tokens (prompts of up to %d and "
                               "%d new); give 1 to %d", o->queries, T, L, sc->generate, T);
            scenario_free(sc);
            return NULL;
        }
        sc->queries = o->queries;
    }
    return sc;
}

int cmd_flush_stdout(const char *cmd)
{
    if (fflush(stdout) == 0 && !ferror(stdout)) return CMD_OK;
    return cmd_fail(cmd, CMD_IO, "cannot write to standard output: %s", strerror(errno ? errno : EIO));
}
