/* libFuzzer target for the command line's argument handling: the input
 * is split at newlines into arguments; its first byte picks print, dump
 * or check. It runs in a scratch directory holding two scenario files
 * and a lesson, and every path argument is pinned to those names, so a
 * fuzzed "-o" can never write outside it. Exit statuses must be 0, 1
 * or 2. Run with -close_fd_mask=3 (tests/fuzz/run.sh does) to keep the
 * commands' output out of the log. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

enum { MAX_ARGS = 16, MAX_ARG_BYTES = 64 };

static const char *const files[] = {"a.json", "b.json", "lesson.json"};

static char scratch[] = "/tmp/maskscope-fuzz-cli-XXXXXX";

/* removes the scratch directory when libFuzzer exits normally */
static void cleanup(void)
{
    static const char *const made[] = {"a.json", "b.json", "lesson.json", "out.json"};
    for (size_t i = 0; i < sizeof made / sizeof *made; i++)
        unlink(made[i]);
    rmdir(scratch);
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(name, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!mkdtemp(scratch) || chdir(scratch) != 0)
        abort();
    atexit(cleanup);
    put("a.json", "{\"sentences\": [\"The cat ate\", \"The cat ate fish pie\"], \"padding\": \"left\"}\n");
    put("b.json", "{\"sentences\": [[1, 2], [3]], \"seed\": 7, \"mlm\": {\"masked\": [[0], [0]]}}\n");
    put("lesson.json", "{\"title\": \"t\", \"steps\": [{\"title\": \"s\", \"text\": \"x\", \"mode\": \"mlm\", "
                       "\"step\": \"weights\", \"sentence\": 1}]}\n");
    return 0;
}

/* a path argument becomes one of the scratch files (or a missing one) */
static const char *pin(const char *arg)
{
    size_t h = strlen(arg);
    return h % 4 == 3 ? "missing.json" : files[h % 4 % 3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char buf[MAX_ARGS * (MAX_ARG_BYTES + 1)];
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    static const char *const cmds[] = {"print", "dump", "check"};
    argv[argc++] = (char *)cmds[data[0] % 3];
    /* split the rest at newlines; NUL bytes end an argument early, as in a real argv */
    size_t used = 0, i = 1;
    while (i < size && argc < MAX_ARGS + 1) {
        char *arg = buf + used;
        size_t n = 0;
        while (i < size && data[i] != '\n' && n < MAX_ARG_BYTES)
            arg[n++] = (char)data[i++];
        while (i < size && data[i] != '\n')
            i++;
        i++;
        arg[n] = '\0';
        used += n + 1;
        argv[argc++] = arg;
    }
    /* values of path options, and check's files, stay in the scratch directory */
    for (int k = 1; k < argc; k++) {
        bool path_opt = k > 1 && (!strcmp(argv[k - 1], "--scenario") || !strcmp(argv[k - 1], "-o"));
        if (path_opt && !strcmp(argv[k - 1], "-o"))
            argv[k] = "out.json";
        else if (path_opt || (data[0] % 3 == 2 && argv[k][0] != '-'))
            argv[k] = (char *)pin(argv[k]);
    }
    argv[argc] = NULL;
    int st = data[0] % 3 == 0 ? cmd_print(argc, argv) : data[0] % 3 == 1 ? cmd_dump(argc, argv)
                                                                        : cmd_check(argc, argv);
    if (st != CMD_OK && st != CMD_IO && st != CMD_USAGE)
        abort();
    fflush(stdout);
    fflush(stderr);
    return 0;
}
