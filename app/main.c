/* maskscope's entry point: pick the subcommand and hand over. Each
 * subcommand parses its own options and returns the exit status. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "export.h"
#include "view.h"

static const char usage[] =
    "usage: maskscope [--scenario FILE] [--mode MODE] [--sentence N|all] [--step STEP]\n"
    "                 [--theme light|dark] [--palette viridis|cividis]\n"
    "                                                 the window, on the running example by default\n"
    "       maskscope --lesson FILE                   the window, playing a lesson\n"
    "       maskscope print NAME [--scenario FILE] [--mode MODE] [--sentence N|all]\n"
    "       maskscope print --list\n"
    "       maskscope dump [--scenario FILE] [--mode MODE] [-o FILE]\n"
    "       maskscope export [--scenario FILE] --mode MODE [--step STEP] [--sentence N|all]\n"
    "                        [--size WxH] [--theme light|dark] -o FILE.png\n"
    "       maskscope export --all --out-dir DIR [--size WxH] [--theme light|dark]\n"
    "       maskscope export --lesson FILE --out-dir DIR [--size WxH] [--theme light|dark]\n"
    "       maskscope check LESSON.json|SCENARIO.json ...\n"
    "       maskscope --help | --version\n"
    "\n"
    "MODE is padding, causal, combined or mlm. See `man maskscope` or README.md.\n";

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("maskscope %s\n", MASKSCOPE_VERSION);
        return CLI_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "print") == 0)
        return cli_print(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "dump") == 0)
        return cli_dump(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "check") == 0)
        return cli_check(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "export") == 0)
        return export_main(argc - 1, argv + 1);
    if (argc < 2 || argv[1][0] == '-')
        return view_main(argc, argv);
    fprintf(stderr, "maskscope: unknown command '%s'; try maskscope --help\n", argc >= 2 ? argv[1] : "");
    return CLI_USAGE;
}
