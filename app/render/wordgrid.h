#pragma once
/* A grid of cells with words on its axes (queries down the left, keys
 * across the top), for the window's screens that are not steps: the
 * convention translator and the leak view. It sizes the cells to the
 * room it is given, draws the labels (staggered on two lines when the
 * words are wider than a cell, cut with "…" past two cells) and tells
 * which cell a point is in. Cells themselves are the caller's to paint. */
#include <stdbool.h>

#include <SDL.h>

#include "paint.h"
#include "theme.h"

typedef struct WordGrid {
    SDL_Rect area;                  /* given: the grid and its labels fit in here */
    int rows, cols;                 /* given */
    const char *const *row_labels;  /* given: rows entries, or NULL */
    const char *const *col_labels;  /* given: cols entries, or NULL */
    int label_px;                   /* given: the labels' text size */
    SDL_Rect grid;                  /* set by wordgrid_fit: the cells */
    int cell;                       /* the side of a cell */
    bool stagger;                   /* column labels on two alternating lines */
} WordGrid;

/* Sizes the cells (at most max_cell pixels a side) and places the grid
 * at the top left of the area, under its column labels. */
void wordgrid_fit(Painter *p, WordGrid *g, int max_cell);
/* Cell (r, c)'s rectangle, a pixel of gap kept on its right and bottom
 * when the cells are big enough. */
SDL_Rect wordgrid_cell(const WordGrid *g, int r, int c);
/* The cell under (x, y): true with its row and column. */
bool wordgrid_hit(const WordGrid *g, int x, int y, int *r, int *c);
/* The row whose label is under (x, y), or -1. */
int wordgrid_row_at(const WordGrid *g, int x, int y);
/* Draws the labels: row hl_row, and the columns flagged in hl_cols (may
 * be NULL), in the highlight colour hl and bold. */
void wordgrid_labels(Painter *p, const WordGrid *g, const Theme *th, int hl_row, const bool *hl_cols, Rgba hl);
