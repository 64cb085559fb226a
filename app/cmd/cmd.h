#pragma once
/* The commands: one file each (window, print, dump, export, check,
 * check-mask, leaks), one shared option parser, and the exit statuses.
 * Library code below (the window, output, render) returns bool and an
 * error text; only a command prints and picks the exit status: 0 success,
 * 1 I/O failure, 2 bad usage or invalid input, each failure one line on
 * stderr; check-mask and leaks answer 3 when they find a bug or a leak. */
#include <stdbool.h>
#include <stdio.h>

#include "draw.h"
#include "mode.h"
#include "scenario.h"

enum { CMD_OK = 0, CMD_IO = 1, CMD_USAGE = 2, CMD_FOUND = 3 };

/* B*L*L attention cells `dump` will write: every cell is a dozen JSON
 * tensors' worth of text, so a 1024-token sentence is already ~0.5 GB of
 * memory and a 4096-token one would be ~7 GB. print summarises instead. */
#ifndef MS_MAX_DUMP_CELLS
#define MS_MAX_DUMP_CELLS (1u << 20)
#endif
/* Numbers `dump` writes: the B·L·d tensors (X, Q, K, V, output) count
 * too. 2^22 numbers stream out in about two seconds as ~90 MB of JSON. */
#ifndef MS_MAX_DUMP_VALUES
#define MS_MAX_DUMP_VALUES (1u << 22)
#endif

/* Options a command accepts, as bits. */
typedef enum OptFlag {
    OPT_SCENARIO = 1u << 0,  /* --scenario FILE */
    OPT_MODE = 1u << 1,      /* --mode MODE (a row of the mode table) */
    OPT_SENTENCE = 1u << 2,  /* --sentence N|all */
    OPT_STEP = 1u << 3,      /* --step N|NAME */
    OPT_THEME = 1u << 4,     /* --theme light|dark */
    OPT_PALETTE = 1u << 5,   /* --palette viridis|cividis */
    OPT_SIZE = 1u << 6,      /* --size WxH */
    OPT_ZOOM = 1u << 7,      /* --zoom Z */
    OPT_NO_VALUES = 1u << 8, /* --no-values */
    OPT_OUT = 1u << 9,       /* -o FILE, --output FILE */
    OPT_OUT_DIR = 1u << 10,  /* --out-dir DIR */
    OPT_LESSON = 1u << 11,   /* --lesson FILE */
    OPT_ALL = 1u << 12,      /* --all */
    OPT_LIST = 1u << 13,     /* --list */
    OPT_HELP = 1u << 14,     /* -h, --help: every command takes it */
    OPT_TERMS = 1u << 15,    /* --terms LIST: the mask builder's mode */
    OPT_DECIMALS = 1u << 16, /* --decimals N: digits after the point in cells */
    OPT_QUIET = 1u << 17,    /* -q, --quiet: export names no file it wrote */
    OPT_AS = 1u << 18,       /* --as FORMAT: a mask convention (print, check-mask) */
    OPT_BUG = 1u << 19,      /* --bug NAME: a bug of the gallery (leaks) */
    OPT_JSON = 1u << 20,     /* --json: JSON instead of text (leaks) */
    OPT_BUGS = 1u << 21,     /* --bugs: the gallery of classic bugs as slides (export) */
    OPT_SCREEN = 1u << 22,   /* --screen translator|leaks: a window screen as a PNG (export) */
    OPT_QUERIES = 1u << 23,  /* --queries Q: decode's new queries checked at once (print, export) */
} OptFlag;

#define CMD_MAX_ARGS 64

typedef struct Options {
    unsigned given;          /* the OPT_ flags seen */
    const char *scenario;
    const Mode *mode;        /* --mode, or --terms once the scenario is loaded, or NULL */
    const char *terms;       /* --terms as written */
    int sentence;            /* --sentence: a batch row, -1 for all */
    const char *step;        /* --step as written: a number or a step name */
    DrawOptions draw;        /* --theme, --palette, --zoom, --no-values */
    int w, h;                /* --size */
    const char *out, *out_dir, *lesson;
    const char *as;          /* --as as written: the command checks it */
    const char *bug;         /* --bug as written */
    const char *screen;      /* --screen as written */
    int queries;             /* --queries: 1 .. the sequence's L + N, checked once the scenario is loaded */
    int nargs;               /* positional arguments */
    const char *args[CMD_MAX_ARGS];
} Options;

/* Parses argv[1..argc-1] for command cmd ("" for the window) accepting
 * the options in `accepted` and up to max_args positional arguments.
 * On a bad option or value prints one line and returns false. */
bool cmd_options(const char *cmd, int argc, char **argv, unsigned accepted, int max_args, Options *o);

/* Prints one line to f: the formatted text with control characters spelled
 * out (text_escape), so untrusted text (file names, arguments, titles)
 * can neither break the line nor reach the terminal as escape codes. */
void cmd_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "maskscope CMD: message" on stderr as cmd_line does and returns status. */
int cmd_fail(const char *cmd, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Loads --scenario or the running example, then builds --terms into
 * o->mode (its values, e.g. window=4, go into the scenario) and puts
 * --queries into it (at most its prompts' L plus "generate"); on failure
 * prints the error line and sets *status to 1 (I/O) or 2 (invalid).
 * Caller frees. */
Scenario *cmd_load_scenario(const char *cmd, Options *o, int *status);

/* Flushes stdout; a full disk or closed pipe is exit 1 with one line. */
int cmd_flush_stdout(const char *cmd);

/* Every mode's name joined, the last after " or " (mode_names). */
const char *cmd_mode_names(void);
/* Prints the line of --help that says what --terms LIST takes. */
void cmd_terms_help(void);

/* The commands, one file each. argv[0] is the command's name. */
int cmd_window(int argc, char **argv);
int cmd_print(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_check_mask(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
