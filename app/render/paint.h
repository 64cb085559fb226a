#pragma once
/* The painter: the one way anything in maskscope puts text and fills on
 * an SDL_Renderer. It owns the fonts (glyph atlases for that renderer)
 * and offers measuring, drawing, cutting with "…" and wrapping, so the
 * step renderer, the window's controls and the lesson picker all draw
 * text the same way with the same atlases.
 * Ownership: paint_new returns a Painter the caller frees with
 * paint_free, before destroying the renderer. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "font.h"
#include "theme.h"

typedef struct Painter Painter;

/* Opens the fonts for renderer r. NULL and one sentence in err if the
 * fonts are missing or unreadable. */
Painter *paint_new(SDL_Renderer *r, char *err, size_t errlen);
/* Frees; paint_free(NULL) is a no-op. */
void paint_free(Painter *p);
/* The renderer it draws on. */
SDL_Renderer *paint_renderer(const Painter *p);

/* A filled rectangle (blended when c.a < 255); nothing for an empty one. */
void paint_fill(Painter *p, SDL_Rect rc, Rgba c);
/* A t-pixel frame inside rc. */
void paint_outline(Painter *p, SDL_Rect rc, int t, Rgba c);

/* What drawn text is, for the text-size tally: values printed in cells
 * may be smaller than the text a student reads around them. */
typedef enum PaintKind { PAINT_TEXT, PAINT_VALUE, PAINT_KINDS } PaintKind;
/* Text drawn from now on counts as kind k (PAINT_TEXT after paint_new). */
void paint_set_kind(Painter *p, PaintKind k);
/* Forgets the sizes drawn so far. */
void paint_tally_reset(Painter *p);
/* The smallest pixel size of kind k drawn since the reset (of text that
 * was really drawn: at least one character), or 0 if none. */
int paint_tally_min(const Painter *p, PaintKind k);
/* 45° stripes of colour c over rc, thick pixels every period, anchored so
 * that x + y = phase falls on a stripe: neighbouring cells hatched with
 * the same phase read as one hatched area. */
void paint_hatch(Painter *p, SDL_Rect rc, Rgba c, int period, int thick, int phase);

/* The glyph atlases' texture bytes, and the bytes their glyphs fill. */
void paint_font_usage(const Painter *p, size_t *texture_bytes, size_t *used_bytes);

/* Width of len bytes of UTF-8 (len < 0: the whole string). */
int paint_width(Painter *p, FontFace f, int px, const char *s, int len);
/* Height of a line of text. */
int paint_line(Painter *p, FontFace f, int px);
/* Draws len bytes (len < 0: all) with the line's top-left at (x, y); returns the width. */
int paint_text(Painter *p, FontFace f, int px, int x, int y, const char *s, int len, Rgba c);
/* Draws s turned a quarter anticlockwise (read upwards), cut with "…" to
 * at most max_len pixels, on a background of colour bg: its box is
 * line-height wide (a pixel wider when that makes the turn exact) and runs
 * up from (x, y_bottom). Returns its length. */
int paint_text_up(Painter *p, FontFace f, int px, int x, int y_bottom, const char *s, int max_len, Rgba c, Rgba bg);
/* Draws s in at most max_w pixels, cut with "…" when it does not fit; returns the width used. */
int paint_text_fit(Painter *p, FontFace f, int px, int x, int y, const char *s, int max_w, Rgba c);
/* The width paint_text_fit would use. */
int paint_fit_width(Painter *p, FontFace f, int px, const char *s, int max_w);
/* Bytes of s (len bytes) that fit in max_w, cut after a whole character. */
int paint_fit(Painter *p, FontFace f, int px, const char *s, int len, int max_w);

/* The next line of s that fits in max_w: its length in bytes, and *next
 * where the following line starts. Breaks at spaces, or anywhere when
 * one word is wider than the line. */
int paint_wrap(Painter *p, FontFace f, int px, const char *s, int max_w, const char **next);
/* Text that may hold newlines, each paragraph wrapped to max_w, at most
 * max_lines lines; draws when draw is true. Returns the height in pixels
 * and (widest may be NULL) the widest line's width. */
int paint_paragraphs(Painter *p, FontFace f, int px, int x, int y, const char *s, int max_w, int max_lines,
                     Rgba c, bool draw, int *widest);
