#pragma once
/* Slide decks from lessons: one PNG per lesson step (two for a question:
 * the question, then its answer), with the caption drawn on the frame,
 * and an index.html that shows the deck in order. */
#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "export.h"
#include "lesson.h"

/* Writes DIR/01-<slug>.png, … (a question's answer as NN-<slug>-answer.png)
 * and DIR/index.html for lesson l at w×h, then calls wrote (may be NULL)
 * for each, in order. False and err on failure (*io_error: a write
 * failed); a failed export removes what it had written. */
bool deck_export(const Lesson *l, const char *out_dir, int w, int h, const DrawOptions *o, ExportWrote wrote,
                 void *ctx, bool *io_error, char *err, size_t errlen);

/* Draws lesson frame f into ex as a slide: before its answer or with it
 * (what it shows, its highlight and its caption); o gives theme, palette
 * and sizes. False and err if its step cannot be built. */
bool deck_draw(Exporter *ex, const LessonFrame *f, bool answer, const DrawOptions *o, char *err, size_t errlen);

/* Sets o's highlight to what a lesson view outlines. */
void deck_highlight(const LessonView *lv, DrawOptions *o);

/* The caption panel of a lesson frame: the answer shown or not, and a
 * hint under an unanswered question (may be NULL). */
DrawCaption deck_caption(const LessonFrame *f, bool answer, const char *hint);
