/* `maskscope export`, run through cmd_export as the command line would
 * run it: the exit status, the one-line message on stderr, and what is
 * (or is not) left in the output directory. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "export.h"
#include "pngread.h"
#include "scenario.h"
#include "steps.h"
#include "support.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/maskscope-export-XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                chmod(p, 0755);
                unlink(p);
                rmdir(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

TestSuite(export, .init = setup, .fini = teardown);

static int run(const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "export";
    for (; args[argc - 1] && argc < 31; argc++) argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;
    return cmd_export(argc, argv);
}

static int entries(const char *path)
{
    DIR *d = opendir(path);
    cr_assert(d, "%s", path);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    cr_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* stderr holds exactly one line starting "maskscope export: " and containing want */
static void assert_one_line(const char *want)
{
    fflush(stderr);
    FILE *f = cr_get_redirected_stderr();
    clearerr(f);
    char buf[2048] = { 0 };
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    cr_assert_gt(n, 0, "nothing on stderr");
    cr_assert(strncmp(buf, "maskscope export: ", 18) == 0, "message: %s", buf);
    cr_assert(strstr(buf, want), "message %s lacks %s", buf, want);
    char *nl = strchr(buf, '\n');
    cr_assert(nl && nl[1] == 0, "not one line: %s", buf);
}

Test(export, two_exports_are_byte_identical)
{
    char a[300], b[300], c[300];
    snprintf(a, sizeof a, "%s/a.png", dir);
    snprintf(b, sizeof b, "%s/b.png", dir);
    snprintf(c, sizeof c, "%s/c.png", dir);
    const char *args_a[] = { "--mode", "combined", "--step", "masked", "--size", "1280x720", "-o", a, NULL };
    const char *args_b[] = { "--mode", "combined", "--step", "masked", "--size", "1280x720", "-o", b, NULL };
    const char *args_c[] = { "--mode", "combined", "--step", "masked", "--size", "1280x720", "--theme", "dark", "-o", c, NULL };
    cr_assert_eq(run(args_a), 0);
    cr_assert_eq(run(args_b), 0);
    cr_assert_eq(run(args_c), 0);
    size_t na, nb, nc;
    char *pa = slurp(a, &na), *pb = slurp(b, &nb), *pc = slurp(c, &nc);
    cr_assert_gt(na, 1000);
    cr_assert(na == nb && memcmp(pa, pb, na) == 0, "the two exports differ");
    cr_assert(na != nc || memcmp(pa, pc, na) != 0, "the dark theme gave the same bytes");
    cr_assert(memcmp(pa, "\x89PNG\r\n\x1a\n", 8) == 0);
    cr_assert_eq(entries(dir), 3); /* no temporary files left */
    free(pa);
    free(pb);
    free(pc);
}

static void export_all_at(const char *size, int w, int h)
{
    const char *args[] = { "--all", "--out-dir", dir, "--size", size, NULL };
    cr_assert_eq(run(args), 0);
    /* one file per mode × step, named NN-mode-NN-slug.png, each w×h */
    Scenario *sc = scenario_default();
    int total = 0;
    char err[256];
    for (int m = 0; m < mode_count(); m++) {
        Steps *st = shown(sc, mode_at(m)->name, mode_default_sentence(mode_at(m), sc));
        cr_assert(st, "%s", err);
        for (int k = 0; k < steps_count(st); k++) {
            char p[400];
            snprintf(p, sizeof p, "%s/%02d-%s-%02d-%s.png", dir, m + 1, engine_mode(steps_engine(st))->name, k + 1,
                     steps_at(st, k)->slug);
            int pw, ph;
            char why[512];
            uint8_t *px = pngread_rgb(p, &pw, &ph, why, sizeof why);
            cr_assert(px, "%s", why);
            cr_assert(pw == w && ph == h, "%s is %dx%d", p, pw, ph);
            free(px);
            total++;
        }
        shown_free(st);
    }
    scenario_free(sc);
    cr_assert_eq(entries(dir), total);
    cr_assert_geq(total, 4 * 6);
}

Test(export, every_mode_and_step_at_1280x720)
{
    export_all_at("1280x720", 1280, 720);
}

/* the timeout catches a hang, not slowness: 8 s in the normal build, 36 s
 * under the sanitizers here, and a CI machine may be slower still */
Test(export, every_mode_and_step_at_3840x2160, .timeout = 280)
{
    export_all_at("3840x2160", 3840, 2160);
}

Test(export, the_batch_view_exports)
{
    char p[300];
    snprintf(p, sizeof p, "%s/batch.png", dir);
    const char *args[] = { "--mode", "padding", "--sentence", "all", "--step", "7", "-o", p, NULL };
    cr_assert_eq(run(args), 0);
    int w, h;
    char err[512];
    uint8_t *px = pngread_rgb(p, &w, &h, err, sizeof err);
    cr_assert(px, "%s", err);
    cr_assert(w == 1920 && h == 1080);
    free(px);
}

/* a failure: exit status, one line naming the problem, nothing written */
static void expect_failure(const char *const *args, int status, const char *want)
{
    cr_redirect_stderr();
    cr_assert_eq(run(args), status);
    assert_one_line(want);
    cr_assert_eq(entries(dir), 0, "a failed export left a file");
}

Test(export, an_unwritable_directory_is_an_io_error)
{
    /* a directory that is a regular file fails even for root */
    char file[300], p[400];
    snprintf(file, sizeof file, "%s/not-a-dir", dir);
    FILE *f = fopen(file, "w");
    cr_assert(f);
    fclose(f);
    snprintf(p, sizeof p, "%s/out.png", file);
    const char *args[] = { "--mode", "padding", "-o", p, NULL };
    cr_redirect_stderr();
    cr_assert_eq(run(args), 1);
    assert_one_line("cannot write");
    cr_assert_eq(entries(dir), 1); /* just the file we made */
    unlink(file);
    if (geteuid() != 0) {
        char ro[300];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        cr_assert_eq(mkdir(ro, 0555), 0);
        snprintf(p, sizeof p, "%s/out.png", ro);
        const char *args2[] = { "--mode", "padding", "-o", p, NULL };
        cr_assert_eq(run(args2), 1);
        cr_assert_eq(entries(ro), 0);
    }
}

Test(export, a_missing_out_dir_parent_is_an_io_error)
{
    char p[400];
    snprintf(p, sizeof p, "%s/no/such/dir", dir);
    const char *args[] = { "--all", "--out-dir", p, NULL };
    expect_failure(args, 1, "no/such/dir: cannot write: No such file or directory");
}

Test(export, zero_size_is_bad_usage)
{
    char p[300];
    snprintf(p, sizeof p, "%s/x.png", dir);
    const char *args[] = { "--mode", "padding", "--size", "0x0", "-o", p, NULL };
    expect_failure(args, 2, "--size 0x0");
}

Test(export, huge_size_is_bad_usage)
{
    char p[300];
    snprintf(p, sizeof p, "%s/x.png", dir);
    const char *args[] = { "--mode", "padding", "--size", "100000x100000", "-o", p, NULL };
    expect_failure(args, 2, "width must be");
}

Test(export, malformed_size_is_bad_usage)
{
    char p[300];
    snprintf(p, sizeof p, "%s/x.png", dir);
    const char *args[] = { "--mode", "padding", "--size", "12x-3", "-o", p, NULL };
    expect_failure(args, 2, "WIDTHxHEIGHT");
}

Test(export, unknown_mode_is_bad_usage)
{
    char p[300];
    snprintf(p, sizeof p, "%s/x.png", dir);
    const char *args[] = { "--mode", "sideways", "-o", p, NULL };
    expect_failure(args, 2, "--mode: 'sideways' is not a mode; use padding, causal, combined, mlm, sliding, prefix, packed, global, sink, strided, cross, bert, t5, decode or bugs");
}

Test(export, unknown_step_is_bad_usage)
{
    char p[300];
    snprintf(p, sizeof p, "%s/x.png", dir);
    const char *args[] = { "--mode", "causal", "--step", "softmaxx", "-o", p, NULL };
    expect_failure(args, 2, "unknown step \"softmaxx\"");
}

Test(export, out_of_range_step_number_is_bad_usage)
{
    char p[300];
    snprintf(p, sizeof p, "%s/x.png", dir);
    const char *args[] = { "--mode", "causal", "--step", "99", "-o", p, NULL };
    expect_failure(args, 2, "unknown step \"99\"");
}

Test(export, out_of_range_sentence_is_bad_usage)
{
    char p[300];
    snprintf(p, sizeof p, "%s/x.png", dir);
    const char *args[] = { "--mode", "padding", "--sentence", "3", "-o", p, NULL };
    expect_failure(args, 2, "--sentence 3");
}

Test(export, unknown_theme_is_bad_usage)
{
    char p[300];
    snprintf(p, sizeof p, "%s/x.png", dir);
    const char *args[] = { "--mode", "padding", "--theme", "sepia", "-o", p, NULL };
    expect_failure(args, 2, "--theme: 'sepia' is not one of light, dark");
}

Test(export, a_missing_output_is_bad_usage)
{
    const char *args[] = { "--mode", "padding", NULL };
    expect_failure(args, 2, "-o FILE.png");
}

Test(export, a_png_is_replaced_atomically)
{
    /* an existing file is replaced whole, and a failed export keeps it */
    char p[300];
    snprintf(p, sizeof p, "%s/frame.png", dir);
    FILE *f = fopen(p, "w");
    fputs("old", f);
    fclose(f);
    const char *args[] = { "--mode", "mlm", "--step", "loss", "--size", "640x360", "-o", p, NULL };
    cr_assert_eq(run(args), 0);
    size_t n;
    char *buf = slurp(p, &n);
    cr_assert(n > 8 && memcmp(buf, "\x89PNG", 4) == 0);
    free(buf);
    const char *bad[] = { "--mode", "mlm", "--step", "nope", "-o", p, NULL };
    cr_redirect_stderr();
    cr_assert_eq(run(bad), 2);
    buf = slurp(p, &n);
    cr_assert(n > 8 && memcmp(buf, "\x89PNG", 4) == 0, "a failed export touched the old file");
    free(buf);
    cr_assert_eq(entries(dir), 1);
}

/* S saves into the user's pictures folder (maskscope/ in it, made when
 * missing), else the current directory */
Test(export, the_pictures_folder_follows_xdg_and_falls_back_to_the_current_directory)
{
    char home[] = "/tmp/ms-home-XXXXXX", buf[PATH_MAX], want[PATH_MAX + 64], cwd[PATH_MAX];
    cr_assert_not_null(mkdtemp(home));
    setenv("HOME", home, 1);
    unsetenv("XDG_PICTURES_DIR");
    unsetenv("XDG_CONFIG_HOME");
    /* no Pictures folder: the current directory */
    export_pictures_dir(buf, sizeof buf);
    cr_assert_str_eq(buf, getcwd(cwd, sizeof cwd));
    /* ~/Pictures exists: ~/Pictures/maskscope, created */
    snprintf(want, sizeof want, "%s/Pictures", home);
    cr_assert_eq(mkdir(want, 0755), 0);
    export_pictures_dir(buf, sizeof buf);
    snprintf(want, sizeof want, "%s/Pictures/maskscope", home);
    cr_assert_str_eq(buf, want);
    struct stat sb;
    cr_assert(stat(want, &sb) == 0 && S_ISDIR(sb.st_mode), "the folder is made");
    /* user-dirs.dirs names another folder, relative to $HOME */
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/.config", home);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/Bilder", home);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/.config/user-dirs.dirs", home);
    FILE *f = fopen(path, "w");
    fputs("# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\nXDG_PICTURES_DIR=\"$HOME/Bilder\"\n", f);
    fclose(f);
    export_pictures_dir(buf, sizeof buf);
    snprintf(want, sizeof want, "%s/Bilder/maskscope", home);
    cr_assert_str_eq(buf, want);
    /* the variable itself wins */
    setenv("XDG_PICTURES_DIR", home, 1);
    export_pictures_dir(buf, sizeof buf);
    snprintf(want, sizeof want, "%s/maskscope", home);
    cr_assert_str_eq(buf, want);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    cr_assert_eq(system(cmd), 0);
}
