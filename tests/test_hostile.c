/* The hostile-input catalogue (tests/hostile/expected.tsv): every file a
 * careless or malicious teacher might share, run through the real binary
 * (MASKSCOPE_BIN) the way a user would. Each case must end with exactly
 * the expected exit status and stderr line, and leave nothing behind in
 * the directory it ran in. One TAP test per catalogue row. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doc.h"

enum { CASE_TIMEOUT_S = 120 };

typedef struct Case {
    char file[128]; /* name in tests/hostile, "gen:NAME" or "-"; "a.json+b.json" puts both in the directory */
    int status;
    char args[256];
    char err[640];
    int line;       /* in expected.tsv, for messages */
} Case;

static const char *source_root(void)
{
    const char *r = getenv("MASKSCOPE_SOURCE_ROOT");
    return r ? r : ".";
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    size_t got;
    while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            s = realloc(s, cap *= 2);
    }
    fclose(f);
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

/* parses expected.tsv into cases (count in *n); NULL if unreadable */
static Case *read_manifest(size_t *n, void *(*alloc)(size_t))
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/hostile/expected.tsv", source_root());
    char *text = slurp(path, NULL);
    *n = 0;
    if (!text)
        return NULL;
    size_t rows = 0;
    for (char *p = text; *p; p++)
        rows += *p == '\n';
    Case *cases = alloc((rows + 1) * sizeof *cases);
    memset(cases, 0, (rows + 1) * sizeof *cases);
    int line = 0;
    for (char *save = NULL, *row = strtok_r(text, "\n", &save); row; row = strtok_r(NULL, "\n", &save)) {
        line++;
        if (row[0] == '#' || row[0] == '\0')
            continue;
        Case *c = &cases[*n];
        char *f[4] = {row, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            char *tab = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
            if (tab) {
                *tab = '\0';
                f[i] = tab + 1;
            }
        }
        snprintf(c->file, sizeof c->file, "%s", f[0]);
        c->status = f[1] ? atoi(f[1]) : -1;
        snprintf(c->args, sizeof c->args, "%s", f[2] ? f[2] : "");
        snprintf(c->err, sizeof c->err, "%s", f[3] ? f[3] : "");
        c->line = line;
        (*n)++;
    }
    free(text);
    return cases;
}

/* the name the case's (first) file has in its working directory */
static const char *local_name(const Case *c)
{
    static char first[128];
    snprintf(first, sizeof first, "%s", strncmp(c->file, "gen:", 4) == 0 ? c->file + 4 : c->file);
    char *plus = strchr(first, '+');
    if (plus)
        *plus = '\0';
    return first;
}

/* whether name is one of the case's files ("a.json+b.json") */
static bool names_file(const Case *c, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = c->file; p; p = strchr(p, '+'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == '\0' || p[n] == '+'))
            return true;
    return false;
}

static bool prepare_one(const Case *c, const char *dir, char *why, size_t n);

/* puts the case's input into dir; false with a reason on failure */
static bool prepare(const Case *c, const char *dir, char *why, size_t n)
{
    if (strcmp(c->file, "-") == 0)
        return true;
    if (!strchr(c->file, '+'))
        return prepare_one(c, dir, why, n);
    /* several catalogue files: each under its own name */
    char list[sizeof c->file];
    snprintf(list, sizeof list, "%s", c->file);
    bool ok = true;
    for (char *save = NULL, *f = strtok_r(list, "+", &save); f && ok; f = strtok_r(NULL, "+", &save)) {
        Case one = *c;
        snprintf(one.file, sizeof one.file, "%s", f);
        ok = prepare_one(&one, dir, why, n);
    }
    return ok;
}

static bool prepare_one(const Case *c, const char *dir, char *why, size_t n)
{
    char dst[4096];
    snprintf(dst, sizeof dst, "%s/%s", dir, local_name(c));
    if (strcmp(c->file, "gen:fifo.json") == 0) {
        /* a FIFO nothing writes to: reading it must not hang */
        if (mkfifo(dst, 0600) != 0) {
            snprintf(why, n, "cannot make the FIFO %.200s: %s", dst, strerror(errno));
            return false;
        }
        return true;
    }
    FILE *out = fopen(dst, "wb");
    if (!out) {
        snprintf(why, n, "cannot create %.200s: %s", dst, strerror(errno));
        return false;
    }
    bool ok = true;
    if (strcmp(c->file, "gen:too-large.json") == 0) {
        /* a valid scenario padded with spaces to one byte past the limit */
        static const char head[] = "{\"sentences\": [\"The cat ate\"]}";
        ok = fputs(head, out) >= 0;
        for (size_t i = sizeof head - 1; ok && i < (size_t)MS_MAX_FILE_BYTES + 1; i++)
            ok = putc(' ', out) != EOF;
    } else if (strncmp(c->file, "gen:", 4) == 0) {
        snprintf(why, n, "no generator for %s", c->file);
        ok = false;
    } else {
        char src[4096];
        snprintf(src, sizeof src, "%s/tests/hostile/%s", source_root(), c->file);
        size_t len;
        char *data = slurp(src, &len);
        if (!data) {
            snprintf(why, n, "catalogue file %.200s is missing", src);
            ok = false;
        } else {
            ok = fwrite(data, 1, len, out) == len;
            free(data);
        }
    }
    if (fclose(out) != 0)
        ok = false;
    if (!ok && !*why)
        snprintf(why, n, "cannot write %.200s", dst);
    return ok;
}

/* the names in dir other than the case's files and keep, space-separated, into buf */
static void extra_files(const char *dir, const Case *c, const char *keep, char *buf, size_t n)
{
    buf[0] = '\0';
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(buf, n, "(cannot list %s)", dir);
        return;
    }
    size_t used = 0;
    for (struct dirent *e; (e = readdir(d));) {
        const char *nm = e->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || (strcmp(c->file, "-") && names_file(c, nm)) ||
            (strncmp(c->file, "gen:", 4) == 0 && !strcmp(nm, local_name(c))) || (keep && !strcmp(nm, keep)))
            continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? " " : "", nm);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    closedir(d);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (unlink(p) != 0)
                remove_dir(p); /* an export's output directory */
        }
        closedir(d);
    }
    rmdir(dir);
}

typedef struct Outcome {
    bool exited;
    int status;   /* exit status, or the signal */
    char *out, *err;
} Outcome;

/* runs maskscope with the case's arguments in dir; stdout and stderr go
 * to files in io (not dir, so that dir shows only what maskscope left) */
static Outcome run_case(const Case *c, const char *dir, const char *io)
{
    const char *bin = getenv("MASKSCOPE_BIN");
    cr_assert_not_null(bin, "MASKSCOPE_BIN is not set");
    char copy[sizeof c->args];
    snprintf(copy, sizeof copy, "%s", c->args);
    char *argv[64] = {(char *)bin};
    int argc = 1;
    for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && argc < 63; t = strtok_r(NULL, " ", &save))
        argv[argc++] = !strcmp(t, "{}") ? (char *)local_name(c) : !strcmp(t, "{out}") ? "out.json" : t;
    argv[argc] = NULL;
    char out[4096], err[4096];
    snprintf(out, sizeof out, "%s/stdout", io);
    snprintf(err, sizeof err, "%s/stderr", io);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || o < 0 || e < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        alarm(CASE_TIMEOUT_S); /* survives exec: a hang dies of SIGALRM */
        execv(bin, argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    Outcome r = {.exited = WIFEXITED(st), .status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st)};
    r.out = slurp(out, NULL);
    r.err = slurp(err, NULL);
    if (!r.out)
        r.out = calloc(1, 1);
    if (!r.err)
        r.err = calloc(1, 1);
    return r;
}

/* runs one case and compares; false with the first difference in why */
static bool check_case(const Case *c, char *why, size_t n)
{
    why[0] = '\0';
    char dir[] = "/tmp/ms-hostile-XXXXXX", io[] = "/tmp/ms-hostile-io-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_not_null(mkdtemp(io));
    bool ok = prepare(c, dir, why, n);
    if (ok) {
        Outcome r = run_case(c, dir, io);
        char want[sizeof c->err + 1];
        snprintf(want, sizeof want, "%s%s", c->err, c->status == 0 ? "" : "\n");
        bool wants_out = c->status == 0 && strstr(c->args, "{out}");
        char extra[512];
        extra_files(dir, c, wants_out ? "out.json" : NULL, extra, sizeof extra);
        char outpath[4200];
        snprintf(outpath, sizeof outpath, "%s/out.json", dir);
        struct stat sb;
        long outlen = wants_out && stat(outpath, &sb) == 0 ? (long)sb.st_size : 0;
        if (!r.exited) {
            snprintf(why, n, "killed by signal %d (%s); stderr: %.300s", r.status, strsignal(r.status), r.err);
            ok = false;
        } else if (r.status != c->status) {
            snprintf(why, n, "exit status %d, expected %d; stderr: %.400s", r.status, c->status, r.err);
            ok = false;
        } else if (strcmp(r.err, want) != 0) {
            snprintf(why, n, "stderr was\n  %.500s\nexpected\n  %s", r.err, want);
            ok = false;
        } else if (extra[0]) {
            snprintf(why, n, "left behind: %s", extra);
            ok = false;
        } else if (wants_out && outlen <= 0) {
            snprintf(why, n, "exit 0 but no output file (or an empty one)");
            ok = false;
        }
        free(r.out);
        free(r.err);
    }
    remove_dir(dir);
    remove_dir(io);
    return ok;
}

/* ---- one test per catalogue row ---- */

static void free_cases(struct criterion_test_params *p)
{
    cr_free(p->params);
}

ParameterizedTestParameters(hostile, catalogue)
{
    size_t n;
    Case *cases = read_manifest(&n, cr_malloc);
    if (!cases) /* the test below fails on the missing manifest */
        return cr_make_param_array(Case, NULL, 0);
    return cr_make_param_array(Case, cases, n, free_cases);
}

ParameterizedTest(Case *c, hostile, catalogue, .timeout = CASE_TIMEOUT_S + 30)
{
    char why[1200];
    cr_assert(check_case(c, why, sizeof why), "expected.tsv:%d: %s %s: %s", c->line, c->file, c->args, why);
}

/* ---- the catalogue itself ---- */

Test(hostile, catalogue_covers_every_file_and_enough_cases)
{
    size_t n;
    Case *cases = read_manifest(&n, malloc);
    cr_assert_not_null(cases, "cannot read %s/tests/hostile/expected.tsv", source_root());
    int rejected = 0;
    for (size_t i = 0; i < n; i++) {
        rejected += cases[i].status != 0;
        cr_assert(cases[i].status >= 0 && cases[i].status <= 2, "expected.tsv:%d: exit status %d",
                  cases[i].line, cases[i].status);
        cr_assert((cases[i].status == 0) == (cases[i].err[0] == '\0'),
                  "expected.tsv:%d: a failing case needs its stderr line, a valid one none", cases[i].line);
    }
    cr_assert_geq(rejected, 40, "only %d hostile cases; the issue asks for at least 40", rejected);
    /* every file in the directory has an expectation */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/hostile", source_root());
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot list %s", dir);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "expected.tsv"))
            continue;
        bool listed = false;
        for (size_t i = 0; i < n && !listed; i++)
            listed = names_file(&cases[i], e->d_name);
        cr_assert(listed, "tests/hostile/%s has no row in expected.tsv", e->d_name);
    }
    closedir(d);
    free(cases);
}

/* the checker must be able to say no: a real case with each expectation
 * bent in turn has to fail, and a stray file has to be seen */
Test(hostile, checker_notices_every_kind_of_difference)
{
    Case good = {.file = "duplicate-key.json", .status = 2, .args = "dump --scenario {} -o {out}",
                 .err = "duplicate-key.json:4:3: seed: duplicate key (first at line 3, column 3); each key may "
                        "appear once"};
    char why[1200];
    cr_assert(check_case(&good, why, sizeof why), "%s", why);
    Case c = good;
    c.status = 1;
    cr_assert_not(check_case(&c, why, sizeof why), "a wrong exit status went unnoticed");
    c = good;
    c.err[strlen(c.err) - 1] = 'X';
    cr_assert_not(check_case(&c, why, sizeof why), "a wrong stderr line went unnoticed");
    c = (Case){.file = "valid-unicode-words.json", .status = 0, .args = "dump --scenario {} -o other.json"};
    cr_assert_not(check_case(&c, why, sizeof why), "an output file nobody asked for went unnoticed");
    cr_assert(strstr(why, "left behind: other.json"), "%s", why);
    c = (Case){.file = "valid-unicode-words.json", .status = 0, .args = "print batch --scenario {} extra"};
    cr_assert_not(check_case(&c, why, sizeof why), "a failing run passed as valid");
}

/* ---- the valid edge case the issue names: a fully masked row ---- */

static cJSON *dump_json(const char *file)
{
    char dir[] = "/tmp/ms-hostile-XXXXXX", io[] = "/tmp/ms-hostile-io-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_not_null(mkdtemp(io));
    Case c = {.status = 0, .args = "dump --scenario {} --mode combined -o {out}"};
    snprintf(c.file, sizeof c.file, "%s", file);
    char why[256] = "";
    cr_assert(prepare(&c, dir, why, sizeof why), "%s", why);
    Outcome r = run_case(&c, dir, io);
    cr_assert(r.exited && r.status == 0, "%s: status %d: %s", file, r.status, r.err);
    char path[4200];
    snprintf(path, sizeof path, "%s/out.json", dir);
    char *text = slurp(path, NULL);
    cr_assert_not_null(text, "%s: no output", file);
    cJSON *root = cJSON_Parse(text);
    cr_assert_not_null(root, "%s: the dump is not JSON", file);
    free(text);
    free(r.out);
    free(r.err);
    remove_dir(dir);
    remove_dir(io);
    return root;
}

/* checks that some query row has every key masked, and that its weights
 * are all zero (policy zero) or all NaN (policy nan) */
static void expect_fully_masked_row(const char *file, bool nan)
{
    cJSON *root = dump_json(file);
    const cJSON *flags = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "fully_masked_rows_flags"), "data");
    const cJSON *weights = cJSON_GetObjectItem(root, "weights");
    const cJSON *shape = cJSON_GetObjectItem(weights, "shape");
    const cJSON *data = cJSON_GetObjectItem(weights, "data");
    cr_assert(cJSON_IsArray(flags) && cJSON_IsArray(data) && cJSON_GetArraySize(shape) == 3);
    int L = cJSON_GetArrayItem(shape, 2)->valueint;
    int flagged = 0;
    for (int row = 0; row < cJSON_GetArraySize(flags); row++) {
        if (cJSON_GetArrayItem(flags, row)->valuedouble == 0)
            continue;
        flagged++;
        for (int k = 0; k < L; k++) {
            const cJSON *v = cJSON_GetArrayItem(data, row * L + k);
            if (nan)
                cr_assert(cJSON_IsString(v) && !strcmp(v->valuestring, "nan"),
                          "%s: row %d key %d should be nan", file, row, k);
            else
                cr_assert(cJSON_IsNumber(v) && v->valuedouble == 0.0, "%s: row %d key %d should be 0", file,
                          row, k);
        }
    }
    cr_assert_gt(flagged, 0, "%s: left padding + combined must give a fully masked row", file);
    cJSON_Delete(root);
}

Test(hostile, fully_masked_row_gives_zero_weights)
{
    expect_fully_masked_row("valid-fully-masked-row.json", false);
}

Test(hostile, fully_masked_row_gives_nan_when_asked)
{
    expect_fully_masked_row("valid-fully-masked-row-nan.json", true);
}
