/* A grid with words on its axes. Row labels sit right-aligned against
 * the grid; column labels above it, on two alternating lines when a word
 * is wider than a cell, so that "[PAD] [PAD]" never runs together. */
#include "wordgrid.h"

#include <math.h>

static int widest(Painter *p, int px, const char *const *labels, int n)
{
    int w = 0;
    for (int i = 0; labels && i < n; i++) {
        int lw = paint_width(p, FONT_SANS, px, labels[i], -1);
        if (lw > w) w = lw;
    }
    return w;
}

static void fit(Painter *p, WordGrid *g, int max_cell);

void wordgrid_fit(Painter *p, WordGrid *g, int max_cell)
{
    /* a smaller label before a second line of them: the cells keep the height */
    int px = g->label_px, least = (int)fmax(10, px * 0.8);
    for (g->label_px = px; g->label_px >= least; g->label_px--) {
        fit(p, g, max_cell);
        if (!g->stagger) return;
    }
    g->label_px = px;
    fit(p, g, max_cell);
}

static void fit(Painter *p, WordGrid *g, int max_cell)
{
    int lh = paint_line(p, FONT_SANS, g->label_px), gap = g->label_px / 2;
    int row_w = g->row_labels ? widest(p, g->label_px, g->row_labels, g->rows) : 0;
    int cap = g->area.w / 3;
    if (row_w > cap) row_w = cap;
    int col_w = widest(p, g->label_px, g->col_labels, g->cols);
    /* first with one line of column labels; two when a word is wider than a cell */
    for (int lines = 1; lines <= 2; lines++) {
        int band = g->col_labels ? lines * lh + gap : 0;
        int by_w = (g->area.w - row_w - gap) / (g->cols > 0 ? g->cols : 1);
        int by_h = (g->area.h - band) / (g->rows > 0 ? g->rows : 1);
        int cell = by_w < by_h ? by_w : by_h;
        if (cell > max_cell) cell = max_cell;
        if (cell < 1) cell = 1;
        g->cell = cell;
        g->stagger = lines == 2;
        g->grid = (SDL_Rect){g->area.x + row_w + (row_w ? gap : 0), g->area.y + band, cell * g->cols, cell * g->rows};
        if (col_w <= cell - 2 || lines == 2) break;
    }
}

SDL_Rect wordgrid_cell(const WordGrid *g, int r, int c)
{
    int gap = g->cell >= 12 ? (int)fmax(1, g->cell / 24) : 0;
    return (SDL_Rect){g->grid.x + c * g->cell, g->grid.y + r * g->cell, g->cell - gap, g->cell - gap};
}

bool wordgrid_hit(const WordGrid *g, int x, int y, int *r, int *c)
{
    if (g->cell <= 0 || x < g->grid.x || y < g->grid.y || x >= g->grid.x + g->grid.w || y >= g->grid.y + g->grid.h)
        return false;
    *r = (y - g->grid.y) / g->cell;
    *c = (x - g->grid.x) / g->cell;
    return *r < g->rows && *c < g->cols;
}

int wordgrid_row_at(const WordGrid *g, int x, int y)
{
    if (g->cell <= 0 || x < g->area.x || x >= g->grid.x || y < g->grid.y || y >= g->grid.y + g->grid.h) return -1;
    int r = (y - g->grid.y) / g->cell;
    return r < g->rows ? r : -1;
}

void wordgrid_labels(Painter *p, const WordGrid *g, const Theme *th, int hl_row, const bool *hl_cols, Rgba hl)
{
    int px = g->label_px, lh = paint_line(p, FONT_SANS, px), gap = px / 2;
    /* labels only where there is room for them: every n-th when cells are small */
    int step = lh > g->cell ? (lh + g->cell - 1) / g->cell : 1;
    for (int r = 0; g->row_labels && r < g->rows; r++) {
        if (r % step && r != hl_row) continue;
        bool on = r == hl_row;
        FontFace f = on ? FONT_SANS_BOLD : FONT_SANS;
        int room = g->grid.x - gap - g->area.x;
        int w = paint_fit_width(p, f, px, g->row_labels[r], room);
        paint_text_fit(p, f, px, g->grid.x - gap - w, g->grid.y + r * g->cell + (g->cell - lh) / 2, g->row_labels[r],
                       room, on ? hl : th->fg);
    }
    int cstep = 1;
    while (g->col_labels && cstep * g->cell < (g->stagger ? px : 2 * px) && cstep < g->cols) cstep++;
    for (int c = 0; g->col_labels && c < g->cols; c += cstep) {
        bool on = hl_cols && hl_cols[c];
        FontFace f = on ? FONT_SANS_BOLD : FONT_SANS;
        int line = g->stagger ? (c / cstep) % 2 : 0;
        int room = g->stagger ? 2 * g->cell * cstep : g->cell * cstep;
        int w = paint_fit_width(p, f, px, g->col_labels[c], room);
        int x = g->grid.x + c * g->cell + (g->cell - w) / 2;
        int y = g->grid.y - gap - (g->stagger ? 2 - line : 1) * lh;
        paint_text_fit(p, f, px, x, y, g->col_labels[c], room, on ? hl : th->fg);
    }
}
