#pragma once
/* The leak view: the leak detector's influence matrix for one sentence
 * (leaks.h), rows the outputs and columns the inputs, drawn as a grid
 * with the words on its axes. A cell is filled where the output depends
 * on the input; a leak (an input the mask blocks) is vermillion with a
 * "!"; with a bug of the gallery the right line's grid stands beside the
 * buggy one, and the cells only the right line reads are ringed. The
 * output under the mouse is outlined and the inputs it depends on light
 * up on the axis. It reads the Leaks; it computes nothing. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "bugs.h"
#include "draw.h"
#include "leaks.h"
#include "wordgrid.h"

typedef struct LeakViewInput {
    const Leaks *wrong;      /* the mode's run, or a bug's buggy line; NULL when it could not run */
    const Leaks *right;      /* a bug's right line, or NULL */
    const Bug *bug;          /* or NULL */
    int sentence;            /* the batch row shown */
    const char *where;       /* "Padding + causal mask · sentence 0: The cat ate" */
    const char *summary;     /* a line under the grids when nothing is pointed at */
    const char *error;       /* why there is no run (too large), or NULL */
    int hover_grid, hover_row, hover_col; /* what the mouse is on: -1 for none; col -1: a row label */
} LeakViewInput;

typedef struct LeakViewLayout {
    int ngrids;
    WordGrid grids[2];       /* [0] the mode's or the buggy line's, [1] the right line's */
} LeakViewLayout;

/* Draws the view into frame (background included). */
void leakview_draw(Painter *p, const DrawOptions *o, const LeakViewInput *in, SDL_Rect frame, LeakViewLayout *out);
/* The grid, row and column under (x, y) (column -1: the row's label); false if none. */
bool leakview_hit(const LeakViewLayout *l, int x, int y, int *grid, int *row, int *col);
/* What a cell (or, col = -1, an output) says, for a tooltip. */
void leakview_explain(const LeakViewInput *in, int grid, int row, int col, char *buf, size_t n);
