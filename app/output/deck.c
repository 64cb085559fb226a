/* A lesson as a slide deck. Each step is drawn as the window shows it in
 * lesson mode (the step's matrices with the caption panel below) and
 * saved as NN-<slug>.png; index.html lists the frames in order with the
 * step's text, code, and the question with its answer folded away, for a
 * browser or for printing one slide per page. The deck lands whole or not
 * at all (stage.h): a failed re-export leaves the old deck as it was. */
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

static void html_text(Strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': strbuf_puts(sb, "&amp;"); break;
        case '<': strbuf_puts(sb, "&lt;"); break;
        case '>': strbuf_puts(sb, "&gt;"); break;
        case '"': strbuf_puts(sb, "&quot;"); break;
        case '\n': strbuf_puts(sb, "<br>"); break;
        default: strbuf_append(sb, s, 1); break;
        }
    }
}

static const char style[] =
    "body{font-family:'DejaVu Sans',sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#1a1a1a}"
    "section{margin:0 0 3em}img{width:100%;border:1px solid #ccc}"
    "pre{background:#f3f3f3;padding:.6em;overflow-x:auto}"
    "summary{cursor:pointer;font-weight:bold}.q{font-weight:bold}"
    "@media print{section{page-break-after:always}details{display:block}}";

static char *index_html(const Lesson *l, char (*names)[72])
{
    Strbuf sb = {0};
    strbuf_puts(&sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_text(&sb, l->title);
    strbuf_printf(&sb, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
    html_text(&sb, l->title);
    /* the lesson file's name only: never a path of this machine, and escaped */
    const char *base = strrchr(l->path, '/');
    strbuf_printf(&sb, "</h1>\n<p>%d steps, made by maskscope from ", l->nsteps);
    html_text(&sb, base ? base + 1 : l->path);
    strbuf_puts(&sb, ".</p>\n");
    for (int i = 0; i < l->nsteps; i++) {
        const LessonStep *s = &l->steps[i];
        strbuf_printf(&sb, "<section id=\"step-%d\">\n<h2>%d / %d &middot; ", i + 1, i + 1, l->nsteps);
        html_text(&sb, s->title);
        strbuf_printf(&sb, "</h2>\n<img src=\"%s\" alt=\"", names[i]);
        html_text(&sb, s->title);
        strbuf_puts(&sb, "\">\n<p>");
        html_text(&sb, s->text);
        strbuf_puts(&sb, "</p>\n");
        if (s->code) {
            strbuf_puts(&sb, "<pre><code>");
            html_text(&sb, s->code);
            strbuf_puts(&sb, "</code></pre>\n");
        }
        if (s->question) {
            strbuf_puts(&sb, "<p class=\"q\">Predict first: ");
            html_text(&sb, s->question);
            strbuf_puts(&sb, "</p>\n<details><summary>Answer</summary><p>");
            html_text(&sb, s->answer);
            strbuf_puts(&sb, "</p></details>\n");
        }
        strbuf_puts(&sb, "</section>\n");
    }
    strbuf_puts(&sb, "</body>\n</html>\n");
    return strbuf_take(&sb);
}

/* the caption panel's text for a frame */
DrawCaption deck_caption(const LessonFrame *f, bool answer, const char *hint)
{
    return (DrawCaption){.lesson = f->lesson, .progress = f->progress, .title = f->title, .text = f->text,
                         .code = f->code, .question = f->question, .answer = answer ? f->answer : NULL,
                         .hint = hint};
}

bool deck_export(const Lesson *l, const char *out_dir, int w, int h, const DrawOptions *o, bool *io_error,
                 char *err, size_t errlen)
{
    bool ok = false;
    Exporter *ex = NULL;
    char (*names)[72] = NULL;
    const char **list = NULL;
    char path[PATH_MAX];
    *io_error = false;
    if (!export_check_pixels(l->nsteps, w, h, err, errlen)) return false;
    *io_error = true; /* from here on, every failure is a write's (or the fonts') */
    ex = export_new(w, h, err, errlen);
    if (!ex) return false;
    Stage *stage = stage_begin(out_dir, err, errlen);
    if (!stage) goto fail;
    int n = l->nsteps;
    names = xcalloc((size_t)n + 1, sizeof *names);
    list = xcalloc((size_t)n + 1, sizeof *list);
    for (int i = 0; i < n; i++) {
        if (cancel_signal()) {
            snprintf(err, errlen, "%s: cannot write: interrupted", out_dir);
            goto fail;
        }
        char slug[56];
        lesson_slug(l->steps[i].title, slug, sizeof slug);
        snprintf(names[i], sizeof names[i], "%02d-%s.png", i + 1, slug);
        list[i] = names[i];
        LessonFrame f;
        lesson_frame(l, i, &f);
        Engine *e = engine_new(f.scenario, f.mode, err, errlen);
        Steps *st = e ? steps_build(e, f.sentence, err, errlen) : NULL;
        EXPECT(st); /* lesson_load checked every step against its batch */
        DrawOptions so = *o;
        so.highlight_row = f.highlight_row;
        so.highlight_col = f.highlight_col;
        DrawCaption cap = deck_caption(&f, false, NULL);
        export_draw_lesson(ex, st, f.step, &cap, &so);
        steps_free(st);
        engine_free(e);
        lesson_frame_free(&f);
        if (!export_save(ex, stage_path(stage, names[i], path, sizeof path), err, errlen)) goto fail;
    }
    snprintf(names[n], sizeof names[n], "index.html");
    list[n] = names[n];
    char *html = index_html(l, names);
    bool html_ok = atomic_write(stage_path(stage, names[n], path, sizeof path), html, strlen(html), err, errlen);
    free(html);
    if (!html_ok) goto fail;
    ok = stage_commit(stage, list, n + 1, err, errlen);
    stage = NULL;
fail:
    stage_abort(stage);
    free(list);
    free(names);
    export_free(ex);
    return ok;
}
