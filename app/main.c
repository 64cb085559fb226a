/* maskscope's entry point: a table of commands, as git keeps one. The
 * first argument names the command; options alone (or nothing) open the
 * window. --help is written from this table and the mode table. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "mode.h"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis; /* after "maskscope " */
} Command;

static const Command commands[] = {
    {"print", cmd_print, "print NAME [--scenario FILE] [--mode MODE] [--sentence N|all]\n"
                         "print --list"},
    {"dump", cmd_dump, "dump [--scenario FILE] [--mode MODE] [-o FILE]"},
    {"export", cmd_export, "export [--scenario FILE] --mode MODE [--step STEP] [--sentence N|all]\n"
                           "       [--size WxH] [--theme light|dark] -o FILE.png\n"
                           "export --all --out-dir DIR [--size WxH] [--theme light|dark]\n"
                           "export --lesson FILE --out-dir DIR [--size WxH] [--theme light|dark]"},
    {"check", cmd_check, "check LESSON.json|SCENARIO.json ..."},
    {"check-mask", cmd_check_mask, "check-mask FILE.json --as FORMAT [--scenario FILE]"},
    {"leaks", cmd_leaks, "leaks [--scenario FILE] [--mode MODE | --bug NAME] [--sentence N|all] [--json]"},
};

static void help(void)
{
    printf("usage: maskscope [--scenario FILE] [--mode MODE] [--sentence N|all] [--step STEP]\n"
           "                 [--theme light|dark] [--palette viridis|cividis]\n"
           "                                                 the window, on the running example by default\n"
           "       maskscope --lesson FILE                   the window, playing a lesson\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        const char *s = commands[i].synopsis;
        while (*s) {
            size_t n = strcspn(s, "\n");
            /* a continuation line of the synopsis starts with spaces */
            printf("       %s%.*s\n", *s == ' ' ? "          " : "maskscope ", (int)n, s);
            s += n + (s[n] == '\n');
        }
    }
    printf("       maskscope --help | --version\n\nMODE is one of:\n");
    for (int i = 0; i < mode_count(); i++)
        printf("  %-10s %s\n", mode_at(i)->name, mode_at(i)->summary);
    printf("See `man maskscope` or README.md.\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        help();
        return cmd_flush_stdout("");
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("maskscope %s\n", MASKSCOPE_VERSION);
        return cmd_flush_stdout("");
    }
    if (argc < 2 || argv[1][0] == '-') return cmd_window(argc, argv);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    return cmd_fail("", CMD_USAGE, "unknown command '%s'; try maskscope --help", argv[1]);
}
