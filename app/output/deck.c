/* A lesson as a slide deck. Each step is drawn as the window shows it in
 * lesson mode (the step's matrices with the caption panel below) and
 * saved as NN-<slug>.png; index.html lists the frames in order with the
 * step's text, code, and the question with its answer folded away, for a
 * browser or for printing one slide per page. */
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
#include "export.h"
#include "engine.h"
#include "lesson.h"
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
    strbuf_printf(&sb, "</h1>\n<p>%d steps, made by maskscope from %s.</p>\n", l->nsteps, l->path);
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
    int written = 0;
    Exporter *ex = NULL;
    char (*names)[72] = NULL;
    char path[PATH_MAX];
    *io_error = false;
    struct stat sb;
    if (stat(out_dir, &sb) != 0 && mkdir(out_dir, 0777) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", out_dir, strerror(errno));
        *io_error = true;
        return false;
    }
    ex = export_new(w, h, err, errlen);
    if (!ex) goto fail;
    names = xcalloc((size_t)l->nsteps, sizeof *names);
    for (int i = 0; i < l->nsteps; i++) {
        char slug[56];
        lesson_slug(l->steps[i].title, slug, sizeof slug);
        snprintf(names[i], sizeof names[i], "%02d-%s.png", i + 1, slug);
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
        snprintf(path, sizeof path, "%s/%s", out_dir, names[i]);
        if (!export_save(ex, path, err, errlen)) {
            *io_error = true;
            goto fail;
        }
        written++;
    }
    char *html = index_html(l, names);
    snprintf(path, sizeof path, "%s/index.html", out_dir);
    bool html_ok = atomic_write(path, html, strlen(html), err, errlen);
    free(html);
    if (!html_ok) {
        *io_error = true;
        goto fail;
    }
    ok = true;
    written = 0; /* keep everything */
fail:
    for (int i = 0; i < written; i++) {
        snprintf(path, sizeof path, "%s/%s", out_dir, names[i]);
        unlink(path);
    }
    free(names);
    export_free(ex);
    return ok;
}
