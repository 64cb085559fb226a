/* `maskscope export --lesson`: a PNG per step with the caption drawn on
 * it (two for a question: the question with its answer hidden, then the
 * answer), an index.html in order that does not repeat the captions, the
 * paths of the files on stdout, and nothing left behind on failure. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lesson.h"
#include "pngread.h"

/* runs maskscope ARGS; stderr into err, stdout into out (if not NULL) */
static int run_out(const char *args, char *out, size_t on, char *err, size_t n)
{
    char cmd[2048], ef[] = "/tmp/ms-deck-err-XXXXXX", of[] = "/tmp/ms-deck-out-XXXXXX";
    close(mkstemp(ef));
    close(mkstemp(of));
    snprintf(cmd, sizeof cmd, "'%s' %s >%s 2>%s", getenv("MASKSCOPE_BIN"), args, of, ef);
    int st = system(cmd);
    FILE *f = fopen(ef, "r");
    size_t k = fread(err, 1, n - 1, f);
    err[k] = '\0';
    fclose(f);
    f = fopen(of, "r");
    k = fread(out ? out : err + k, 1, out ? on - 1 : 0, f);
    if (out) out[k] = '\0';
    fclose(f);
    unlink(ef);
    unlink(of);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int run(const char *args, char *err, size_t n)
{
    return run_out(args, NULL, 0, err, n);
}

static char *read_text(const char *path)
{
    static char text[1 << 17];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    return text;
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

Test(deck, a_lesson_exports_a_png_per_step_two_per_question_and_an_index)
{
    char dir[] = "/tmp/ms-deck-XXXXXX", args[1024], err[512], path[700];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(args, sizeof args, "export --lesson '%s/lessons/05-causal-masking.json' --out-dir %s --size 1280x720",
             getenv("MASKSCOPE_SOURCE_ROOT"), dir);
    cr_assert_eq(run(args, err, sizeof err), 0, "%s", err);
    /* 8 steps, 2 of them questions */
    cr_assert_eq(count_files(dir), 8 + 2 + 1);
    unsigned w, h;
    const char *slides[] = {"03-a-causal-do-not-look-ahead.png", "04-a-causal-do-not-look-ahead-answer.png",
                            "10-loss-over-the-real-tokens.png"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, slides[i]);
        png_size(path, &w, &h);
        cr_assert(w == 1280 && h == 720);
    }
    snprintf(path, sizeof path, "%s/index.html", dir);
    const char *html = read_text(path);
    const char *first = strstr(html, "\"01-training-sees-the-whole-sentence.png\"");
    const char *q = strstr(html, "\"03-a-causal-do-not-look-ahead.png\"");
    const char *a = strstr(html, "<details><summary>Answer</summary><img src=\"04-a-causal-do-not-look-ahead-answer.png\"");
    const char *last = strstr(html, "\"10-loss-over-the-real-tokens.png\"");
    cr_assert(first && q && a && last && first < q && q < a && a < last, "slides in order, the answer folded away");
    rm_rf(dir);
}

/* the visible text of an HTML page: no tags, no attribute values */
static void visible_text(const char *html, char *out, size_t n)
{
    size_t k = 0;
    bool in_tag = false;
    for (const char *p = html; *p && k + 1 < n; p++) {
        if (*p == '<') in_tag = true;
        else if (*p == '>') in_tag = false;
        else if (!in_tag) out[k++] = *p;
    }
    out[k] = '\0';
}

/* the caption is in the pictures: the page does not print it again, but carries it for screen readers */
Test(deck, index_html_does_not_repeat_the_captions)
{
    char dir[] = "/tmp/ms-deck-XXXXXX", args[1024], err[512], path[700];
    cr_assert_not_null(mkdtemp(dir));
    char lesson[600];
    snprintf(lesson, sizeof lesson, "%s/lessons/01-padding-and-loss-masking.json", getenv("MASKSCOPE_SOURCE_ROOT"));
    snprintf(args, sizeof args, "export --lesson '%s' --out-dir %s --size 320x200", lesson, dir);
    cr_assert_eq(run(args, err, sizeof err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/index.html", dir);
    const char *html = read_text(path);
    static char seen[1 << 17];
    visible_text(html, seen, sizeof seen);
    bool io;
    Lesson *l = lesson_load(lesson, &io, err, sizeof err);
    cr_assert_not_null(l, "%s", err);
    for (int i = 0; i < l->nsteps; i++) {
        const LessonStep *s = &l->steps[i];
        const char *parts[] = {s->title, s->text, s->code, s->question, s->answer};
        for (int k = 0; k < 5; k++) {
            if (!parts[k]) continue;
            /* the first 40 bytes of each: HTML-escaped text would differ, and these have no & < > " */
            char head[41];
            snprintf(head, sizeof head, "%s", parts[k]);
            cr_assert_null(strstr(seen, head), "step %d's caption shows again in the page: %s", i + 1, head);
        }
        char alt[60];
        snprintf(alt, sizeof alt, "alt=\"%d / %d: %.30s", i + 1, l->nsteps, s->title);
        cr_assert(strstr(html, alt), "slide %d carries its caption as alt text", i + 1);
    }
    lesson_free(l);
    rm_rf(dir);
}

static bool is_bg(const uint8_t *rgb, int w, int x, int y, const uint8_t *bg)
{
    return memcmp(rgb + 3 * ((size_t)y * w + x), bg, 3) == 0;
}

/* pixels of the band between header and caption that are not background */
static long drawn_in_band(const char *path, int y0, int y1)
{
    int w, h;
    char err[700];
    uint8_t *rgb = pngread_rgb(path, &w, &h, err, sizeof err);
    cr_assert_not_null(rgb, "%s", err);
    const uint8_t *bg = rgb + 3 * ((size_t)(h / 2) * w + 2); /* the left margin, half way down */
    long n = 0;
    for (int y = y0; y < y1 && y < h; y++)
        for (int x = 0; x < w; x++) n += !is_bg(rgb, w, x, y, bg);
    free(rgb);
    return n;
}

/* "What shape will batch have?": the question slide shows no matrix; the answer slide shows the batch */
Test(deck, a_question_slide_hides_what_its_answer_shows)
{
    char dir[] = "/tmp/ms-deck-XXXXXX", args[1024], err[512], q[700], a[700];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(args, sizeof args, "export --lesson '%s/lessons/01-padding-and-loss-masking.json' --out-dir %s "
             "--size 1280x720", getenv("MASKSCOPE_SOURCE_ROOT"), dir);
    cr_assert_eq(run(args, err, sizeof err), 0, "%s", err);
    snprintf(q, sizeof q, "%s/01-three-sentences-three-lengths.png", dir);
    snprintf(a, sizeof a, "%s/02-three-sentences-three-lengths-answer.png", dir);
    /* between the formula (top ~90 px) and the caption panel (bottom ~200 px) */
    cr_assert_eq(drawn_in_band(q, 100, 480), 0, "the question slide draws nothing where the matrices go");
    cr_assert_gt(drawn_in_band(a, 100, 480), 20000, "the answer slide shows the 3×5 batch");
    rm_rf(dir);
}

/* stdout names every file written, one a line, in order; --quiet names none */
Test(deck, export_prints_the_path_of_each_file_it_wrote)
{
    char dir[] = "/tmp/ms-deck-XXXXXX", args[1024], err[512], out[8192], want[8192];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(args, sizeof args, "export --lesson '%s/lessons/03-custom-loss-masks.json' --out-dir %s/deck --size 320x200",
             getenv("MASKSCOPE_SOURCE_ROOT"), dir);
    cr_assert_eq(run_out(args, out, sizeof out, err, sizeof err), 0, "%s", err);
    const char *names[] = {"01-a-mask-need-not-be-0-or-1.png", "02-missing-labels.png", "03-noisy-labels.png",
                           "04-curriculum-learning.png", "05-the-weighted-mean.png", "06-the-weighted-mean-answer.png",
                           "index.html"};
    size_t k = 0;
    for (int i = 0; i < 7; i++) {
        k += (size_t)snprintf(want + k, sizeof want - k, "%s/deck/%s\n", dir, names[i]);
        char p[700];
        snprintf(p, sizeof p, "%s/deck/%s", dir, names[i]);
        cr_assert_eq(access(p, F_OK), 0, "%s was written", p);
    }
    cr_assert_str_eq(out, want);
    char sub[700];
    snprintf(sub, sizeof sub, "%s/deck", dir);
    cr_assert_eq(count_files(sub), 7);
    snprintf(args, sizeof args, "export --quiet --lesson '%s/lessons/03-custom-loss-masks.json' --out-dir %s/deck "
             "--size 320x200", getenv("MASKSCOPE_SOURCE_ROOT"), dir);
    cr_assert_eq(run_out(args, out, sizeof out, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(out, "");
    /* a failed export names nothing */
    snprintf(args, sizeof args, "export --lesson '%s/lessons/03-custom-loss-masks.json' --out-dir /proc/deck",
             getenv("MASKSCOPE_SOURCE_ROOT"));
    cr_assert_eq(run_out(args, out, sizeof out, err, sizeof err), 1);
    cr_assert_str_eq(out, "");
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
    cr_assert_null(strstr(html, "/tmp"), "no folder of this machine in the page");
    rm_rf(dir);
}

/* a lesson with its scenario in a file, given by absolute paths: the page names neither folder */
Test(deck, index_html_names_no_folder_of_the_lesson_or_its_scenario)
{
    char dir[] = "/tmp/ms-deck-abs-XXXXXX", cmd[2048], args[2048], err[512];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "mkdir '%s/lessons' && printf '%%s' '{\"sentences\": [\"a b c\", \"d e\"]}' > "
             "'%s/lessons/batch.json' && printf '%%s' '{\"title\": \"t\", \"scenario_file\": \"batch.json\", "
             "\"steps\": [{\"title\": \"s\", \"text\": \"x\", \"mode\": \"padding\", \"step\": \"loss\", "
             "\"question\": \"q?\", \"answer\": \"a.\"}]}' > '%s/lessons/l.json'", dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(args, sizeof args, "export --lesson '%s/lessons/l.json' --out-dir '%s/deck' --size 320x200", dir, dir);
    cr_assert_eq(run(args, err, sizeof err), 0, "%s", err);
    char path[700];
    snprintf(path, sizeof path, "%s/deck/index.html", dir);
    const char *html = read_text(path);
    cr_assert(strstr(html, "from l.json."), "the lesson is named by its file name");
    cr_assert_null(strstr(html, dir));
    cr_assert_null(strstr(html, "/tmp"));
    cr_assert_null(strstr(html, "batch.json"), "the scenario file is the lesson's business");
    cr_assert_null(strstr(html, "src=\"/"), "pictures are next to the page");
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
                           "07-beyond-padding-and-causal", "08-how-bert-and-t5-corrupt-their-input",
                           "09-five-ways-to-get-a-mask-wrong", "10-prefill-and-decode"};
    /* slides: one per step and one more per question */
    const int slides[] = {6 + 2, 7 + 2, 5 + 1, 9 + 1, 8 + 2, 7 + 1, 9 + 3, 12 + 2, 10 + 5, 9 + 4};
    for (int k = 0; k < (int)(sizeof slides / sizeof *slides); k++) {
        char dir[] = "/tmp/ms-deck-XXXXXX", args[1024], err[512];
        cr_assert_not_null(mkdtemp(dir));
        snprintf(args, sizeof args, "export --lesson '%s/lessons/%s.json' --out-dir %s --size 960x540 --theme %s",
                 getenv("MASKSCOPE_SOURCE_ROOT"), names[k], dir, k % 2 ? "dark" : "light");
        cr_assert_eq(run(args, err, sizeof err), 0, "%s: %s", names[k], err);
        cr_assert_eq(count_files(dir), slides[k] + 1, "%s", names[k]);
        rm_rf(dir);
    }
}
