#pragma once
/* The window's screens that are not steps: the convention translator
 * (convview.h) and the leak view (leakview.h). A Screen holds what one
 * shows for a storyboard (its engine and sentence, and in the gallery
 * its step's bug), computed once and again only when those change, and
 * draws it into the window or into a PNG (export --screen).
 * Ownership: screen_new returns a Screen the caller frees with
 * screen_free; it keeps no pointer to the storyboard between calls
 * except its engine, which must outlive the next screen_set or be
 * announced gone with screen_forget. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "draw.h"
#include "steps.h"

typedef enum ScreenKind {
    SCREEN_NONE,        /* the step itself */
    SCREEN_CONVENTIONS, /* the mask in six conventions */
    SCREEN_LEAKS,       /* which inputs each output depends on */
    SCREEN_KINDS
} ScreenKind;

/* "conventions", "leaks" (for --screen and file names); NULL for SCREEN_NONE. */
const char *screen_name(ScreenKind k);
/* The kind named name; false if none. */
bool screen_parse(const char *name, ScreenKind *k);

/* What the mouse points at on a screen. */
typedef struct ScreenHit {
    int part;      /* the translator's format, or the leak view's grid */
    int row, col;  /* col -1: a row's label */
} ScreenHit;

typedef struct Screen Screen;

Screen *screen_new(void);
/* Frees; screen_free(NULL) is a no-op. */
void screen_free(Screen *s);

/* Forgets what it computed, before its engine is freed: a new engine may
 * come at the same address, and pointers alone cannot tell them apart. */
void screen_forget(Screen *s);
/* Shows kind for step `step` of storyboard st; what it shows is computed
 * now if the engine, sentence or (in the gallery) bug changed. */
void screen_set(Screen *s, ScreenKind kind, const Steps *st, int step);
ScreenKind screen_kind(const Screen *s);
/* Draws the screen into frame; remembers where its cells went. */
void screen_draw(Screen *s, Painter *p, const DrawOptions *o, SDL_Rect frame);
/* The cell (or row label) under (x, y) in the last drawing. */
bool screen_hit(const Screen *s, int x, int y, ScreenHit *h);
/* Where cell (row, col) of part (a format, or a grid) went in the last drawing; false if not drawn. */
bool screen_cell(const Screen *s, int part, int row, int col, SDL_Rect *out);
/* Points at h (NULL: nothing): the leak view lights the output's inputs. */
void screen_point(Screen *s, const ScreenHit *h);
/* The tooltip for h. */
void screen_explain(const Screen *s, const ScreenHit *h, char *buf, size_t n);

/* The screen as a w×h PNG at path, written atomically. False and err on failure. */
bool screen_png(Screen *s, const DrawOptions *o, int w, int h, const char *path, char *err, size_t errlen);
