#pragma once
/* The renderer: draws one step of the step engine (steps.h) into a
 * rectangle of an SDL_Renderer, as colour-coded matrices with their
 * labels, operators, formula, caption, note, result and colour legend,
 * and records where everything went so that a window can hit-test cells.
 * It reads every number from the Steps; it computes none.
 * Ownership: draw_new returns a Draw the caller frees with draw_free
 * before freeing the painter it draws with. DrawLayout is a plain value the
 * caller owns (it is large: keep it static or on the heap). */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "paint.h"
#include "steps.h"
#include "theme.h"

/* Above this many rows or columns a panel is drawn as a heatmap: no
 * per-cell text, one streamed texture. */
#ifndef DRAW_TEXT_CELLS
#define DRAW_TEXT_CELLS 24
#endif
/* Panels one step can have: STEPS_MAX_PANELS per sentence of the batch. */
#ifndef DRAW_MAX_PANELS
#define DRAW_MAX_PANELS (STEPS_MAX_PANELS * MS_MAX_SENTENCES)
#endif

/* The smallest text the renderer draws, in pixels at 1280×720 (it scales
 * with the frame: ×1.5 at 1920×1080), at zoom 1: 16 for anything a
 * student reads (24 at 1080p), 14 for values in cells (21 at 1080p).
 * Labels that do not fit at this size are thinned (every n-th) or the
 * matrices page; values that do not fit are left out. */
#define DRAW_MIN_TEXT_720 16
#define DRAW_MIN_VALUE_720 14

typedef struct DrawOptions {
    ThemeId theme;         /* THEME_LIGHT by default */
    ThemePalette palette;  /* map for weights and losses, THEME_VIRIDIS by default */
    bool show_values;      /* print values in cells when they fit (default true) */
    int decimals;          /* digits after the point in cells (default 2) */
    double text_zoom;      /* zoom, 0.5..3 (default 1): cells and text are this times their size at 1 */
    bool pan;              /* matrices too big for the frame at this zoom are panned (the window), not fitted */
    int pan_x, pan_y;      /* the pan, in pixels from the matrices' top-left (clamped when drawn) */
    int page;              /* the whole batch's page of sentences, when they do not all fit (clamped) */
    int highlight_row;     /* row (query/token) to outline in every panel, -1: none */
    int highlight_col;     /* column (key, or position of a [B, L] panel) to outline, -1: none */
    int highlight_sentence; /* sentence whose row of a [B, L] panel (tokens, losses) to outline, -1: none */
    bool highlight_cell;   /* outline only the cell where the row (or sentence) meets the column */
} DrawOptions;

/* Where one panel went. Cell (r, c) covers draw_cell_rect(). */
typedef struct DrawPanelBox {
    int panel;             /* index into Step.panels */
    int rows, cols;
    SDL_Rect grid;         /* all cells */
    SDL_Rect row_labels;   /* the row labels, left of grid */
    SDL_Rect col_labels;   /* the column labels, above grid */
    SDL_Rect title;        /* the panel's title */
    bool heatmap;          /* drawn as a heatmap without per-cell text */
    bool values;           /* numbers printed in the cells */
} DrawPanelBox;

typedef struct DrawLayout {
    SDL_Rect frame;        /* what draw_step was given */
    int npanels;
    DrawPanelBox panels[DRAW_MAX_PANELS];
    SDL_Rect title, formula, axes, legend, caption, note, result;
    int cell_px;           /* side of a text-mode cell, 0 if every panel is a heatmap */
    SDL_Rect view;         /* where the matrices are shown (they are clipped to it) */
    int content_w, content_h; /* the matrices' whole size: larger than view when panned */
    int pan_x, pan_y;      /* the pan used */
    int page, pages;       /* the whole batch: the page shown and how many there are (1: all fit) */
    int first_sentence, sentences; /* the sentences on the page */
} DrawLayout;

typedef struct Draw Draw;

/* Defaults: light theme, viridis, values shown, 2 decimals, zoom 1,
 * nothing highlighted. */
DrawOptions draw_options_default(void);

/* A renderer of steps that draws with painter p (which it does not own). */
Draw *draw_new(Painter *p);
/* Frees; draw_free(NULL) is a no-op. */
void draw_free(Draw *d);
/* The painter it draws with. */
Painter *draw_painter(Draw *d);

/* Draws step `step` of st into frame (pixels of r's output), background
 * included. layout_out (may be NULL) receives where panels and cells
 * went. False if step is out of range. Allocates nothing once the
 * fonts' glyphs and the heatmap buffer have been sized by earlier frames. */
bool draw_step(Draw *d, const Steps *st, int step, const DrawOptions *o,
               SDL_Rect frame, DrawLayout *layout_out);

/* A lesson's caption panel, drawn under a step. NULL fields are left out. */
typedef struct DrawCaption {
    const char *lesson;    /* the lesson's title */
    const char *progress;  /* e.g. "4 / 11" */
    const char *title;     /* the step's title */
    const char *text;      /* the explanation; may contain newlines */
    const char *code;      /* the notebook's PyTorch line */
    const char *question;  /* a "predict first" question */
    const char *answer;    /* its answer, once revealed */
    const char *hint;      /* shown under an unanswered question, e.g. "→ reveals the answer" */
} DrawCaption;

/* Draws step `step` of st into the top of frame and the caption panel
 * below it, with text at the size a full frame would have. layout_out
 * as for draw_step; its `caption` rect is the caption panel. */
bool draw_lesson_frame(Draw *d, const Steps *st, int step, const DrawCaption *cap,
                       const DrawOptions *o, SDL_Rect frame, DrawLayout *layout_out);

/* The pixels of cell (row, col) of layout box `box`; empty if out of range. */
SDL_Rect draw_cell_rect(const DrawLayout *l, int box, int row, int col);
/* The box, row and column under pixel (x, y); false if none. */
bool draw_hit(const DrawLayout *l, int x, int y, int *box, int *row, int *col);
