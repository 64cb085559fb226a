#pragma once
/* Slide decks from lessons: one PNG per lesson step, with the caption
 * drawn on the frame, and an index.html that shows the deck in order. */
#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "lesson.h"

/* Writes DIR/01-<slug>.png, … and DIR/index.html for lesson l at w×h.
 * False and err on failure (*io_error: a write failed); a failed export
 * removes what it had written. */
bool deck_export(const Lesson *l, const char *out_dir, int w, int h, const DrawOptions *o, bool *io_error,
                 char *err, size_t errlen);

/* The caption panel of a lesson frame: the answer shown or not, and a
 * hint under an unanswered question (may be NULL). */
DrawCaption deck_caption(const LessonFrame *f, bool answer, const char *hint);
