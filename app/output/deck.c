/* A lesson as a slide deck. Each step is drawn as the window shows it in
 * lesson mode (the step's matrices with the caption panel below) and
 * saved as NN-<slug>.png, numbered by slide; a question step makes two
 * slides, the question (with what it hides left out) and then
 * NN-<slug>-answer.png. index.html shows the slides in order, each answer
 * folded away under its question; the caption is in the pictures, so the
 * page only repeats it as their alt text. The deck lands whole or not at
 * all (stage.h): a failed re-export leaves the old deck as it was. */
#include "deck.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>

#include "atomic.h"
#include "cancel.h"
#include "export.h"
#include "engine.h"
#include "lesson.h"
#include "stage.h"
#include "strbuf.h"
#include "xmalloc.h"

/* untrusted text as HTML text or a double-quoted attribute value, on one line */
static void html_text(Strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': strbuf_puts(sb, "&amp;"); break;
        case '<': strbuf_puts(sb, "&lt;"); break;
        case '>': strbuf_puts(sb, "&gt;"); break;
        case '"': strbuf_puts(sb, "&quot;"); break;
        case '\n': strbuf_puts(sb, " "); break;
        default: strbuf_append(sb, s, 1); break;
        }
    }
}

static const char style[] =
    "body{font-family:'DejaVu Sans',sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#1a1a1a}"
    "section{margin:0 0 3em}img{width:100%;border:1px solid #ccc}"
    "summary{cursor:pointer;font-weight:bold;margin:.5em 0}"
    "@media print{section{page-break-after:always}}";

/* the caption of slide f, for the picture's alt text: what the picture says in words */
static void alt_text(Strbuf *sb, const LessonFrame *f, bool answer)
{
    html_text(sb, f->progress);
    strbuf_puts(sb, ": ");
    html_text(sb, f->title);
    strbuf_puts(sb, ". ");
    html_text(sb, f->text);
    if (f->code) {
        strbuf_puts(sb, " Code: ");
        html_text(sb, f->code);
    }
    if (f->question) {
        strbuf_puts(sb, " Predict first: ");
        html_text(sb, f->question);
    }
    if (f->question && answer) {
        strbuf_puts(sb, " Answer: ");
        html_text(sb, f->answer);
    }
}

/* a slide in index.html: its picture; an answer slide folded under its question */
static void index_slide(Strbuf *sb, const LessonFrame *f, const char *name, bool answer)
{
    strbuf_printf(sb, answer ? "<details><summary>Answer</summary><img src=\"%s\" alt=\"" : "<img src=\"%s\" alt=\"",
                  name);
    alt_text(sb, f, answer);
    strbuf_puts(sb, answer ? "\"></details>\n" : "\">\n");
}

/* the caption panel's text for a frame */
DrawCaption deck_caption(const LessonFrame *f, bool answer, const char *hint)
{
    return (DrawCaption){.lesson = f->lesson, .progress = f->progress, .title = f->title, .text = f->text,
                         .code = f->code, .question = f->question, .answer = answer ? f->answer : NULL,
                         .hint = hint};
}

void deck_highlight(const LessonView *lv, DrawOptions *o)
{
    o->highlight_row = lv->highlight_row;
    o->highlight_col = lv->highlight_col;
    o->highlight_sentence = lv->highlight_sentence;
    o->highlight_cell = lv->highlight_cell;
}

bool deck_draw(Exporter *ex, const LessonFrame *f, bool answer, const DrawOptions *o, char *err, size_t errlen)
{
    const LessonView *lv = answer ? f->reveal : f->view;
    Engine *e = engine_new(f->scenario, f->mode, err, errlen);
    Steps *st = e ? steps_build(e, f->sentence, err, errlen) : NULL;
    bool ok = st != NULL;
    if (ok) {
        steps_show(st, f->step, &lv->show);
        DrawOptions so = *o;
        deck_highlight(lv, &so);
        DrawCaption cap = deck_caption(f, answer, NULL);
        ok = export_draw_lesson(ex, st, f->step, &cap, &so);
    }
    steps_free(st);
    engine_free(e);
    return ok;
}

/* the slides of lesson l: one per step, two for a question (its answer second) */
static int slide_count(const Lesson *l)
{
    int n = 0;
    for (int i = 0; i < l->nsteps; i++)
        n += l->steps[i].question ? 2 : 1;
    return n;
}

bool deck_export(const Lesson *l, const char *out_dir, int w, int h, const DrawOptions *o, ExportWrote wrote,
                 void *ctx, bool *io_error, char *err, size_t errlen)
{
    bool ok = false;
    Exporter *ex = NULL;
    char (*names)[80] = NULL;
    const char **list = NULL;
    char path[PATH_MAX];
    Strbuf html = {0};
    *io_error = false;
    int n = slide_count(l);
    if (!export_check_pixels(n, w, h, err, errlen)) return false;
    *io_error = true; /* from here on, every failure is a write's (or the fonts') */
    ex = export_new(w, h, err, errlen);
    if (!ex) return false;
    Stage *stage = stage_begin(out_dir, err, errlen);
    if (!stage) goto fail;
    names = xcalloc((size_t)n + 1, sizeof *names);
    list = xcalloc((size_t)n + 1, sizeof *list);
    strbuf_puts(&html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_text(&html, l->title);
    strbuf_printf(&html, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
    html_text(&html, l->title);
    /* the lesson file's name only: never a path of this machine, and escaped */
    const char *base = strrchr(l->path, '/');
    strbuf_printf(&html, "</h1>\n<p>%d steps, made by maskscope from ", l->nsteps);
    html_text(&html, base ? base + 1 : l->path);
    strbuf_puts(&html, ".</p>\n");
    for (int i = 0, k = 0; i < l->nsteps; i++) {
        LessonFrame f;
        lesson_frame(l, i, &f);
        strbuf_printf(&html, "<section id=\"step-%d\">\n", i + 1);
        for (int answer = 0; answer <= (f.question != NULL); answer++, k++) {
            char slug[56];
            lesson_slug(f.title, slug, sizeof slug);
            snprintf(names[k], sizeof names[k], "%02d-%s%s.png", k + 1, slug, answer ? "-answer" : "");
            list[k] = names[k];
            bool drawn = !cancel_signal() && deck_draw(ex, &f, answer, o, err, errlen);
            EXPECT(drawn || cancel_signal()); /* lesson_load checked every step against its batch */
            if (!drawn) snprintf(err, errlen, "%s: cannot write: interrupted", out_dir);
            if (!drawn || !export_save(ex, stage_path(stage, names[k], path, sizeof path), err, errlen)) {
                lesson_frame_free(&f);
                goto fail;
            }
            index_slide(&html, &f, names[k], answer);
        }
        strbuf_puts(&html, "</section>\n");
        lesson_frame_free(&f);
    }
    strbuf_puts(&html, "</body>\n</html>\n");
    snprintf(names[n], sizeof names[n], "index.html");
    list[n] = names[n];
    if (!atomic_write(stage_path(stage, names[n], path, sizeof path), html.data, html.len, err, errlen)) goto fail;
    ok = stage_commit(stage, list, n + 1, err, errlen);
    stage = NULL;
    if (ok) export_tell_wrote(out_dir, list, n + 1, wrote, ctx);
fail:
    stage_abort(stage);
    strbuf_free(&html);
    free(list);
    free(names);
    export_free(ex);
    return ok;
}
