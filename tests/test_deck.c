/* `maskscope export --lesson`: a PNG per step with the caption drawn on
 * it, an index.html in order, and nothing left behind on failure. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(const char *args, char *err, size_t n)
{
    char cmd[2048], ef[] = "/tmp/ms-deck-err-XXXXXX";
    close(mkstemp(ef));
    snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>%s", getenv("MASKSCOPE_BIN"), args, ef);
    int st = system(cmd);
    FILE *f = fopen(ef, "r");
    size_t k = fread(err, 1, n - 1, f);
    err[k] = '\0';
    fclose(f);
    unlink(ef);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* width and height from the PNG's IHDR */
static void png_size(const char *path, unsigned *w, unsigned *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fread(b, 1, 24, f), 24u);
    fclose(f);
    cr_assert(memcmp(b + 1, "PNG", 3) == 0);
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
}

Test(deck, a_lesson_exports_one_png_per_step_and_an_index)
{
    char dir[] = "/tmp/ms-deck-XXXXXX", args[1024], err[512], path[700];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(args, sizeof args, "export --lesson '%s/lessons/05-causal-masking.json' --out-dir %s --size 1280x720",
             getenv("MASKSCOPE_SOURCE_ROOT"), dir);
    cr_assert_eq(run(args, err, sizeof err), 0, "%s", err);
    cr_assert_eq(count_files(dir), 8 + 1);
    unsigned w, h;
    snprintf(path, sizeof path, "%s/03-a-causal-do-not-look-ahead.png", dir);
    png_size(path, &w, &h);
    cr_assert(w == 1280 && h == 720);
    snprintf(path, sizeof path, "%s/index.html", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    static char html[1 << 16];
    html[fread(html, 1, sizeof html - 1, f)] = '\0';
    fclose(f);
    const char *first = strstr(html, "01-training-sees-the-whole-sentence.png");
    const char *last = strstr(html, "08-loss-over-the-real-tokens.png");
    cr_assert(first && last && first < last, "frames listed in order");
    cr_assert(strstr(html, "<details><summary>Answer</summary><p>10: all cells above the diagonal"));
    cr_assert(strstr(html, "torch.triu(torch.full((L, L), float(&#39;-inf&#39;)), diagonal=1)") ||
              strstr(html, "torch.triu(torch.full((L, L), float('-inf')), diagonal=1)"));
    rm_rf(dir);
}

Test(deck, a_broken_lesson_writes_nothing)
{
    char dir[] = "/tmp/ms-deck-XXXXXX", lesson[] = "/tmp/ms-lesson-XXXXXX", args[1024], err[512];
    cr_assert_not_null(mkdtemp(dir));
    int fd = mkstemp(lesson);
    const char *text = "{\"title\": \"x\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"causal\", "
                       "\"step\": \"nope\"}]}";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(args, sizeof args, "export --lesson %s --out-dir %s/deck", lesson, dir);
    cr_assert_eq(run(args, err, sizeof err), 2);
    char want[512];
    snprintf(want, sizeof want, "%s:1:80: steps[0].step: must be one of tokens, qkv, scores, "
             "mask, masked, weights, output, loss, or a number from 1 to 8\n", lesson);
    cr_assert_str_eq(err, want);
    cr_assert_eq(count_files(dir), 0, "no deck directory, no files");
    unlink(lesson);
    rm_rf(dir);
}

Test(deck, an_unwritable_directory_is_an_io_error)
{
    char args[1024], err[512];
    snprintf(args, sizeof args, "export --lesson '%s/lessons/01-padding-and-loss-masking.json' --out-dir /proc/deck",
             getenv("MASKSCOPE_SOURCE_ROOT"));
    cr_assert_eq(run(args, err, sizeof err), 1);
    cr_assert(strstr(err, "maskscope export: /proc/deck: cannot write"), "%s", err);
}

/* the lesson's file name is untrusted text: index.html escapes it and names no folder of the machine */
Test(deck, index_html_escapes_the_lesson_name_and_shows_no_path)
{
    char dir[] = "/tmp/ms-deck-xss-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char lesson[512], args[2048], err[512];
    snprintf(lesson, sizeof lesson, "%s/lesson<img src=x onerror=alert(document.cookie)>.json", dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp '%s/lessons/05-causal-masking.json' '%s'", getenv("MASKSCOPE_SOURCE_ROOT"), lesson);
    cr_assert_eq(system(cmd), 0);
    snprintf(args, sizeof args, "export --lesson '%s' --out-dir '%s/deck' --size 320x200", lesson, dir);
    cr_assert_eq(run(args, err, sizeof err), 0, "%s", err);
    char path[600];
    snprintf(path, sizeof path, "%s/deck/index.html", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    static char html[1 << 16];
    size_t n = fread(html, 1, sizeof html - 1, f);
    html[n] = '\0';
    fclose(f);
    cr_assert_null(strstr(html, "<img src=x"), "the name is not markup");
    cr_assert(strstr(html, "lesson&lt;img src=x onerror=alert(document.cookie)&gt;.json"), "it is text");
    cr_assert_null(strstr(html, dir), "no folder of this machine in the page");
    rm_rf(dir);
}

Test(deck, lesson_options_do_not_mix_with_single_frames)
{
    char err[512];
    cr_assert_eq(run("export --lesson x.json --out-dir /tmp --mode causal", err, sizeof err), 2);
    cr_assert_str_eq(err, "maskscope export: --lesson exports the lesson's own steps: drop --all, --bugs, -o, --mode, "
                          "--terms, --step, --scenario and --sentence\n");
    cr_assert_eq(run("export --lesson x.json", err, sizeof err), 2);
    cr_assert_str_eq(err, "maskscope export: --lesson needs --out-dir DIR\n");
}

Test(deck, every_shipped_lesson_exports_a_full_deck)
{
    const char *names[] = {"01-padding-and-loss-masking", "02-masked-language-modelling", "03-custom-loss-masks",
                           "04-attention-padding-mask", "05-causal-masking", "06-combined-padding-and-causal",
                           "07-beyond-padding-and-causal", "09-five-ways-to-get-a-mask-wrong"};
    const int steps[] = {6, 7, 5, 9, 8, 7, 9, 10};
    for (int k = 0; k < 8; k++) {
        char dir[] = "/tmp/ms-deck-XXXXXX", args[1024], err[512];
        cr_assert_not_null(mkdtemp(dir));
        snprintf(args, sizeof args, "export --lesson '%s/lessons/%s.json' --out-dir %s --size 960x540 --theme %s",
                 getenv("MASKSCOPE_SOURCE_ROOT"), names[k], dir, k % 2 ? "dark" : "light");
        cr_assert_eq(run(args, err, sizeof err), 0, "%s: %s", names[k], err);
        cr_assert_eq(count_files(dir), steps[k] + 1, "%s", names[k]);
        rm_rf(dir);
    }
}
