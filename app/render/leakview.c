/* The leak view:
 *
 *   Which inputs each output depends on          Padding + causal · sentence 1
 *        The cat ate fish pie          (with a bug: ✗ buggy line  |  ✓ right line)
 *   The   ■   ·   ·   ·   ·
 *   cat   ■   ■   ·   ·   ·            ■ depends   · does not   ! a leak
 *   …
 *   output 2 “ate” depends on: The, cat, ate
 *
 * Colours are Okabe–Ito's blue and vermillion, which stay apart for every
 * common kind of colour blindness, and a leak also carries "!", a cell only
 * the right line reads a ring, so nothing depends on colour alone. */
#include "leakview.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "paint.h"

#define RGB(hex) ((Rgba){(uint8_t)((hex) >> 16), (uint8_t)((hex) >> 8), (uint8_t)(hex), 255})

enum { SHOWN_MAX = 64 };

typedef struct Sizes {
    double u;
    int margin, gap, pad, title, sub, body, label;
} Sizes;

static Sizes sizes(SDL_Rect fr, const DrawOptions *o)
{
    double u = fmin(fr.w / 1280.0, fr.h / 720.0);
    if (u < 0.35) u = 0.35;
    double z = u * fmin(fmax(o->text_zoom, 0.5), 3.0);
    return (Sizes){.u = u, .margin = (int)lround(18 * u), .gap = (int)lround(16 * u), .pad = (int)fmax(3, lround(8 * u)),
                   .title = (int)lround(26 * z), .sub = (int)lround(16 * z), .body = (int)lround(17 * z),
                   .label = (int)lround(15 * z)};
}

static Rgba depends_colour(const Theme *th)
{
    return th->bg.r > 128 ? RGB(0x0072B2) : RGB(0x56B4E9);
}

static Rgba leak_colour(void)
{
    return RGB(0xD55E00);
}

/* how many tokens a side are drawn */
static int shown(int n)
{
    return n < SHOWN_MAX ? n : SHOWN_MAX;
}

static void grid(Painter *p, const Theme *th, const Sizes *z, const LeakViewInput *in, const Leaks *l,
                 const Leaks *other, const char *title, SDL_Rect area, WordGrid *g, int index)
{
    const Engine *e = leaks_engine(l);
    int s = in->sentence;
    int tl = paint_line(p, FONT_MONO_BOLD, z->label);
    paint_text_fit(p, FONT_MONO_BOLD, z->label, area.x, area.y, title, area.w, th->fg);
    *g = (WordGrid){.area = {area.x, area.y + tl + z->pad, area.w, area.h - tl - z->pad},
                    .rows = shown(leaks_rows(l)), .cols = shown(leaks_cols(l)),
                    .row_labels = engine_query_labels(e, s), .col_labels = engine_labels(e, s), .label_px = z->label};
    wordgrid_fit(p, g, (int)lround(72 * z->u));
    bool hovered = in->hover_grid == index && in->hover_row >= 0 && in->hover_row < g->rows;
    int vpx = (int)fmin(z->label, lround(g->cell * 0.45));
    int vh = paint_line(p, FONT_SANS_BOLD, vpx);
    for (int i = 0; i < g->rows; i++)
        for (int j = 0; j < g->cols; j++) {
            SDL_Rect cell = wordgrid_cell(g, i, j);
            bool dep = leaks_depends(l, s, i, j), leak = leaks_is_leak(l, s, i, j);
            bool lost = other && !dep && !leaks_nan(l, s, i) && leaks_depends(other, s, i, j);
            Rgba c = leaks_nan(l, s, i) ? th->nan : leak ? leak_colour() : dep ? depends_colour(th) : th->keep;
            if (!leaks_checked(l, s, i)) c = theme_faded(th, c);
            paint_fill(p, cell, c);
            const char *glyph = leaks_nan(l, s, i) ? "NaN" : leak ? "!" : lost ? "\u25cb" : NULL;
            if (lost)
                paint_outline(p, cell, (int)fmax(1, lround(2 * z->u)), depends_colour(th));
            if (glyph && vpx >= 7 && paint_width(p, FONT_SANS_BOLD, vpx, glyph, -1) < cell.w) {
                int tw = paint_width(p, FONT_SANS_BOLD, vpx, glyph, -1);
                paint_text(p, FONT_SANS_BOLD, vpx, cell.x + (cell.w - tw) / 2, cell.y + (cell.h - vh) / 2, glyph, -1,
                           lost ? depends_colour(th) : theme_text_on(c));
            }
        }
    /* the output under the mouse: its row outlined, the inputs it reads lit on the axis */
    bool lit[SHOWN_MAX] = {false};
    if (hovered) {
        for (int j = 0; j < g->cols; j++)
            lit[j] = leaks_depends(l, s, in->hover_row, j);
        SDL_Rect row = {g->grid.x - 2, g->grid.y + in->hover_row * g->cell - 2, g->grid.w + 4, g->cell + 3};
        paint_outline(p, row, (int)fmax(2, lround(3 * z->u)), th->accent);
    }
    wordgrid_labels(p, g, th, hovered ? in->hover_row : -1, hovered ? lit : NULL, th->accent);
}

/* swatches under the grids, each with its words */
static int legend(Painter *p, const Theme *th, const Sizes *z, int x, int y, int w, bool bug)
{
    struct { Rgba c; const char *glyph, *what; bool ring; } items[] = {
        {depends_colour(th), NULL, "depends on the input", false},
        {th->keep, NULL, "does not", false},
        {leak_colour(), "!", "a leak: an input its mask blocks", false},
        {th->keep, "\u25cb", "only the right line depends", true},
        {th->nan, NULL, "NaN: a fully masked row", false},
        {theme_faded(th, depends_colour(th)), NULL, "faded: a [PAD] output, discarded", false},
    };
    int sw = paint_line(p, FONT_SANS, z->label), x0 = x, lh = sw + z->pad / 2;
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        if (items[i].ring && !bug) continue;
        int tw = paint_width(p, FONT_SANS, z->label, items[i].what, -1);
        if (x + sw + z->pad + tw > x0 + w && x > x0) {
            x = x0;
            y += lh;
        }
        SDL_Rect box = {x, y, sw, sw};
        paint_fill(p, box, items[i].c);
        if (items[i].ring) paint_outline(p, box, (int)fmax(1, lround(2 * z->u)), depends_colour(th));
        if (items[i].glyph) {
            int gw = paint_width(p, FONT_SANS_BOLD, z->label, items[i].glyph, -1);
            paint_text(p, FONT_SANS_BOLD, z->label, x + (sw - gw) / 2, y, items[i].glyph, -1,
                       items[i].ring ? depends_colour(th) : theme_text_on(items[i].c));
        }
        x += sw + z->pad;
        x += paint_text(p, FONT_SANS, z->label, x, y, items[i].what, -1, th->muted) + 2 * z->gap;
    }
    return y + lh;
}

void leakview_draw(Painter *p, const DrawOptions *o, const LeakViewInput *in, SDL_Rect fr, LeakViewLayout *out)
{
    const Theme *th = theme_get(o->theme);
    Sizes z = sizes(fr, o);
    memset(out, 0, sizeof *out);
    SDL_RenderSetClipRect(paint_renderer(p), &fr);
    paint_fill(p, fr, th->bg);
    int x = fr.x + z.margin, y = fr.y + z.margin, w = fr.w - 2 * z.margin;
    int tl = paint_line(p, FONT_SANS_BOLD, z.title), sl = paint_line(p, FONT_SANS, z.sub);
    int tw = paint_text_fit(p, FONT_SANS_BOLD, z.title, x, y, "Which inputs each output depends on", w / 2, th->fg);
    int ww = paint_fit_width(p, FONT_SANS, z.sub, in->where, w - tw - z.gap);
    paint_text_fit(p, FONT_SANS, z.sub, x + w - ww, y + (tl - sl), in->where, w - tw - z.gap, th->muted);
    y += tl;
    paint_text_fit(p, FONT_SANS, z.sub, x, y,
                   "The leak detector changes each input token in turn; an output that changes depends on it. Rows "
                   "are outputs, columns inputs. I closes.", w, th->muted);
    y += sl + z.gap;
    if (!in->wrong) {
        paint_paragraphs(p, FONT_SANS, z.body, x, y, in->error ? in->error : "", w, 8, th->fg, true, NULL);
        SDL_RenderSetClipRect(paint_renderer(p), NULL);
        return;
    }
    /* the foot: the output pointed at (or the summary), then the legend */
    int bl = paint_line(p, FONT_SANS, z.body), ll = paint_line(p, FONT_SANS, z.label) + z.pad / 2;
    int foot = 3 * bl + 2 * ll + z.gap;
    int gy = y, gh = fr.y + fr.h - z.margin - foot - gy;
    if (leaks_cols(in->wrong) > SHOWN_MAX) {
        char cut[96];
        snprintf(cut, sizeof cut, "The first %d tokens of %d are drawn.", SHOWN_MAX, leaks_cols(in->wrong));
        paint_text_fit(p, FONT_SANS, z.sub, x, gy - z.gap / 2, cut, w, th->fg);
    }
    out->ngrids = in->right ? 2 : 1;
    if (in->right) {
        int half = (w - 2 * z.gap) / 2;
        char title[160];
        snprintf(title, sizeof title, "\u2717 %s", in->bug->wrong_code);
        grid(p, th, &z, in, in->wrong, in->right, title, (SDL_Rect){x, gy, half, gh}, &out->grids[0], 0);
        snprintf(title, sizeof title, "\u2713 %s", in->bug->right_code);
        grid(p, th, &z, in, in->right, NULL, title, (SDL_Rect){x + half + 2 * z.gap, gy, half, gh}, &out->grids[1], 1);
    } else {
        grid(p, th, &z, in, in->wrong, NULL, engine_mode(leaks_engine(in->wrong))->title, (SDL_Rect){x, gy, w, gh}, &out->grids[0], 0);
    }
    int fy = fr.y + fr.h - z.margin - foot + z.gap;
    char line[1024];
    if (in->hover_grid >= 0 && in->hover_row >= 0)
        leakview_explain(in, in->hover_grid, in->hover_row, in->hover_col, line, sizeof line);
    else
        snprintf(line, sizeof line, "%s", in->summary ? in->summary : "");
    paint_paragraphs(p, FONT_SANS, z.body, x, fy, line, w, 3, th->fg, true, NULL);
    legend(p, th, &z, x, fy + 3 * bl, w, in->right != NULL);
    SDL_RenderSetClipRect(paint_renderer(p), NULL);
}

bool leakview_hit(const LeakViewLayout *l, int x, int y, int *grid, int *row, int *col)
{
    for (int g = 0; g < l->ngrids; g++) {
        if (wordgrid_hit(&l->grids[g], x, y, row, col)) {
            *grid = g;
            return true;
        }
        int r = wordgrid_row_at(&l->grids[g], x, y);
        if (r >= 0) {
            *grid = g, *row = r, *col = -1;
            return true;
        }
    }
    return false;
}

void leakview_explain(const LeakViewInput *in, int grid, int row, int col, char *buf, size_t n)
{
    const Leaks *l = grid == 1 && in->right ? in->right : in->wrong;
    const Engine *e = leaks_engine(l);
    int s = in->sentence;
    const char *out = engine_query_labels(e, s)[row];
    size_t k = 0;
    if (leaks_nan(l, s, row))
        k += (size_t)snprintf(buf + k, n - k, "output %d \u201c%s\u201d is NaN: its row is fully masked", row, out);
    else if (leaks_dead(l, s, row))
        k += (size_t)snprintf(buf + k, n - k, "output %d \u201c%s\u201d depends on no input: its row is fully masked",
                              row, out);
    else {
        k += (size_t)snprintf(buf + k, n - k, "output %d \u201c%s\u201d depends on:", row, out);
        for (int j = 0; j < leaks_cols(l) && k < n; j++)
            if (leaks_depends(l, s, row, j))
                k += (size_t)snprintf(buf + k, n - k, " %s", engine_label(e, s, j));
    }
    if (!leaks_checked(l, s, row) && k < n)
        k += (size_t)snprintf(buf + k, n - k, " (a [PAD] output, discarded by the loss mask: not checked)");
    if (col < 0 || k >= n)
        return;
    const char *input = engine_label(e, s, col);
    char why[256];
    bool dep = leaks_depends(l, s, row, col);
    if (leaks_is_leak(l, s, row, col)) {
        leaks_why(l, s, row, col, why, sizeof why);
        snprintf(buf + k, n - k, "\nLeak: it reads \u201c%s\u201d (%d), which it may not: %s", input, col, why);
    } else if (grid == 0 && in->right && !dep && leaks_depends(in->right, s, row, col)) {
        snprintf(buf + k, n - k, "\nThe right line reads \u201c%s\u201d (%d) here; the buggy one does not", input, col);
    } else {
        snprintf(buf + k, n - k, "\n%s \u201c%s\u201d (%d)", dep ? "It reads" : "It does not read", input, col);
    }
}
