#pragma once
/* Runs the real binary (MASKSCOPE_BIN) as a user would, capturing its
 * exit status, stdout and stderr, for the suites that test the command
 * line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct Run {
    int status;
    char *out, *err;
} Run;

static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return s;
}

/* runs "PREFIX maskscope ARGS" in a shell (PREFIX: shell text before the
 * command, e.g. "ulimit -f 40;"), capturing stdout and stderr */
static inline Run run_after(const char *prefix, const char *args)
{
    const char *bin = getenv("MASKSCOPE_BIN");
    cr_assert_not_null(bin, "MASKSCOPE_BIN is not set");
    char out[] = "/tmp/ms-out-XXXXXX", err[] = "/tmp/ms-err-XXXXXX";
    close(mkstemp(out));
    close(mkstemp(err));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s '%s' %s >%s 2>%s </dev/null", prefix, bin, args, out, err);
    int st = system(cmd);
    Run r = {.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128, .out = slurp(out), .err = slurp(err)};
    unlink(out);
    unlink(err);
    return r;
}

/* runs "maskscope ARGS" in a shell, capturing stdout and stderr */
static inline Run run(const char *args)
{
    return run_after("", args);
}

static inline void done(Run *r)
{
    free(r->out);
    free(r->err);
}

