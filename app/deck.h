#pragma once
/* Slide decks from lessons: one PNG per lesson step, with the caption
 * drawn on the frame, and an index.html that shows the deck in order. */
#include "draw.h"

/* `maskscope export --lesson FILE --out-dir DIR`: writes DIR/01-<slug>.png,
 * … and DIR/index.html. Returns the exit status (0, 1 for I/O, 2 for an
 * invalid lesson) after printing one line on failure; a failed export
 * removes what it had written. */
int deck_export(const char *lesson_path, const char *out_dir, int w, int h, const DrawOptions *o);
