/* Drawing one step.
 *
 * A step is a few matrices joined by operators, like the notebook's
 * figures: A_scores + A_pad = A_masked, A_masked softmax → A_weights,
 * A_weights × V = output. The frame is a header (title, where we are,
 * formula, which axis is which), the matrices, a legend for every colour
 * scale on screen, and a footer (caption, note, result).
 *
 * Layout is a search for the largest cell size that fits: every text
 * size follows from the frame size (u = one pixel at 1280×720), the
 * header and footer take what their text needs, and the matrices get
 * the rest. Panels of one grid row form a strip; in the batch view the
 * B strips are stacked, or set side by side in columns when that gives
 * bigger cells. All cells of a frame share one size so that shapes
 * compare at a glance, as in the notebook.
 *
 * Small matrices get one rectangle per cell with the value printed in it
 * when it fits; −∞ cells are dark and hatched with 45° stripes anchored
 * to the frame (so a masked region reads as one hatched area) and carry
 * a "−∞" glyph. Matrices above DRAW_TEXT_CELLS per side become heatmaps:
 * each pixel of the panel is computed into one buffer (cell colours from
 * a 256-entry table of the map) and streamed into one texture. Nothing
 * here allocates once the buffer and the glyph atlases have grown to the
 * frame's needs. */
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paint.h"
#include "xmalloc.h"

#define LUT_N 256
#define LEGEND_MAX 12

typedef struct Sizes {
    double u;
    int margin, gap, pad;
    int title, sub, formula, body, note, result, axes_line;
    int ptitle, label, label_min, axis, op, op_word, legend;
    int val_max, val_min;
    int cell_max;
} Sizes;

/* the geometry of one panel at a given cell size */
typedef struct Geo {
    int panel, strip;
    int rows, cols;
    bool heat;
    int gw, gh;          /* grid pixels */
    int cw;              /* text-mode cell side */
    int rl_w;            /* row-label box width */
    int cl_h;            /* column-label band height */
    int head_h;          /* title + axis line */
    int w, h;            /* whole panel */
    int op_w;            /* operator before it, 0 if none */
    int label_px;        /* row labels */
    int col_px;          /* column labels */
    bool rotate;         /* column labels turned to read upwards (too wide to stand side by side) */
    int row_tick, col_tick; /* label every n-th row/column */
    int x, y;            /* grid top-left, once placed */
} Geo;

typedef struct LegendItem {
    int kind;            /* 0 bar, 1 swatch */
    PanelScale scale;
    double vmin, vmax;
    Rgba swatch;
    bool hatched;
    bool dotted;
    char label[96];
} LegendItem;

struct Draw {
    SDL_Renderer *r;
    Painter *p;          /* text and fills (not owned) */
    Geo geo[DRAW_MAX_PANELS];
    int ngeo;
    int strip_w[MS_MAX_SENTENCES], strip_h[MS_MAX_SENTENCES];
    LegendItem legend[LEGEND_MAX];
    int nlegend;
    /* heatmap streaming */
    SDL_Texture *heat;
    int heat_w, heat_h;
    uint32_t *pixels;
    size_t npixels;
    int *xcell;
    size_t nxcell;
    uint32_t lut[LUT_N], lut_dim[LUT_N];
    /* frame state */
    const Theme *th;
    const DrawOptions *o;
    bool compact;        /* batch view: shared row labels, no per-panel axis line */
    int frame_x, frame_y; /* the frame's origin: hatching is anchored to it */
    Sizes sz;
};

DrawOptions draw_options_default(void)
{
    return (DrawOptions){
        .theme = THEME_LIGHT, .palette = THEME_VIRIDIS, .show_values = true,
        .decimals = 2, .text_zoom = 1.0, .highlight_row = -1, .highlight_col = -1,
        .highlight_sentence = -1,
    };
}

Draw *draw_new(Painter *p)
{
    Draw *d = xcalloc(1, sizeof *d);
    d->p = p;
    d->r = paint_renderer(p);
    return d;
}

void draw_free(Draw *d)
{
    if (!d) return;
    if (d->heat) SDL_DestroyTexture(d->heat);
    free(d->pixels);
    free(d->xcell);
    free(d);
}

Painter *draw_painter(Draw *d)
{
    return d->p;
}

/* ---- small helpers ---------------------------------------------------- */

static void fill(Draw *d, int x, int y, int w, int h, Rgba c)
{
    paint_fill(d->p, (SDL_Rect){ x, y, w, h }, c);
}

static void outline(Draw *d, SDL_Rect rc, int t, Rgba c)
{
    paint_outline(d->p, rc, t, c);
}

static int px_of(const Sizes *s, double at720)
{
    int v = (int)lround(at720 * s->u);
    return v < FONT_MIN_PX ? FONT_MIN_PX : v > FONT_MAX_PX ? FONT_MAX_PX : v;
}

static int lh(Draw *d, FontFace face, int px)
{
    return paint_line(d->p, face, px);
}

static int tw(Draw *d, FontFace face, int px, const char *s)
{
    return paint_width(d->p, face, px, s, -1);
}

static int text(Draw *d, FontFace face, int px, int x, int y, const char *s, Rgba c)
{
    return paint_text(d->p, face, px, x, y, s, -1, c);
}

static int text_fit(Draw *d, FontFace face, int px, int x, int y, const char *s, int max_w, Rgba c)
{
    return paint_text_fit(d->p, face, px, x, y, s, max_w, c);
}

static int fit_width(Draw *d, FontFace face, int px, const char *s, int max_w)
{
    return paint_fit_width(d->p, face, px, s, max_w);
}

/* lines s takes when wrapped to max_w */
static int wrap_count(Draw *d, FontFace face, int px, const char *s, int max_w)
{
    return paint_paragraphs(d->p, face, px, 0, 0, s, max_w, 1000, d->th->fg, false, NULL) / lh(d, face, px);
}

/* Text and cells scale with the frame. Zoom (the projector keys) scales
 * what is inside the matrices fully and the text around them by its
 * square root, so zooming in makes the matrices bigger, not the caption
 * take their room. */
static Sizes sizes_for(double u, double zoom)
{
    Sizes s;
    double z = zoom > 0 ? fmin(fmax(zoom, 0.5), 3.0) : 1.0;
    s.u = u * fmin(z, 1.0); /* the header and footer: never larger (zoom is for the matrices), smaller with them */
    s.margin = (int)lround(24 * u);
    s.gap = (int)lround(12 * u);
    s.pad = (int)fmax(2, lround(4 * u));
    s.title = px_of(&s, 30);
    s.sub = px_of(&s, 16);
    s.formula = px_of(&s, 21);
    s.body = px_of(&s, 18);
    s.note = px_of(&s, 17);
    s.result = px_of(&s, 20);
    s.axes_line = px_of(&s, DRAW_MIN_TEXT_720);
    s.u = u * fmin(z, 1.25); /* the legend grows a little with them */
    s.legend = px_of(&s, DRAW_MIN_TEXT_720);
    s.u = u * z; /* the matrices and everything in and around them */
    s.axis = px_of(&s, DRAW_MIN_TEXT_720);
    s.label_min = px_of(&s, DRAW_MIN_TEXT_720);
    s.val_min = px_of(&s, DRAW_MIN_VALUE_720);
    s.ptitle = px_of(&s, 17);
    s.label = px_of(&s, 16);
    s.op = px_of(&s, 34);
    s.op_word = px_of(&s, 17);
    s.val_max = px_of(&s, 20);
    s.cell_max = (int)lround(90 * u * z);
    s.u = u;
    return s;
}

/* ---- colours of cells ------------------------------------------------- */

static uint32_t pack(Rgba c)
{
    return 0xFF000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

static Rgba dimmed(Draw *d, Rgba c)
{
    return theme_faded(d->th, c);
}

static Rgba cell_colour(Draw *d, const Steps *st, const Panel *p, double v)
{
    const Engine *e = steps_engine(st);
    int pad = engine_pad_id(e), mask = engine_mask_id(e);
    return theme_cell_colour(d->th, d->o->palette, p->scale, p->vmin, p->vmax, v, pad, mask);
}

/* the cell's colour: what happened to its token when the panel says, else its value's */
static Rgba cell_fill(Draw *d, const Steps *st, const Panel *p, int r, int c, int cols, double v)
{
    if (p->tint && p->tint[(size_t)r * cols + c] != PANEL_TINT_NONE)
        return theme_tint(d->th, (PanelTint)p->tint[(size_t)r * cols + c]);
    return cell_colour(d, st, p, v);
}

static bool is_dim(const Panel *p, int r, int c)
{
    return (p->row_dim && p->row_dim[r]) || (p->col_dim && p->col_dim[c]);
}

/* How a panel's values find their place in its 256-entry table, for
 * heatmaps: worked out once per panel, not once per pixel. */
typedef struct LutMap {
    int kind;          /* 0: t = (v/m + 1)/2; 1: t = (v - lo)/(hi - lo); 2: t = 1/2 */
    double m, lo, span;
} LutMap;

static LutMap lut_map(const Panel *p)
{
    LutMap lm = { 2, 1, 0, 1 };
    if (p->scale == PANEL_VALUES) {
        double m = fmax(fabs(p->vmin), fabs(p->vmax));
        if (!(m > 0) || isinf(m)) m = 1;
        lm.kind = 0;
        lm.m = m;
    } else if (p->scale == PANEL_UNIT || p->scale == PANEL_LOSS) {
        double lo = p->scale == PANEL_LOSS ? 0 : p->vmin, hi = p->vmax;
        if (!(hi > lo) || isinf(hi) || isinf(lo)) { lo = 0; hi = 1; }
        lm.kind = 1;
        lm.lo = lo;
        lm.span = hi - lo;
    }
    return lm;
}

/* position of v in the table */
static inline int lut_index(const LutMap *lm, double v)
{
    double t = lm->kind == 0 ? (v / lm->m + 1) / 2 : lm->kind == 1 ? (v - lm->lo) / lm->span : 0.5;
    if (!(t > 0)) return 0;
    if (t >= 1) return LUT_N - 1;
    return (int)(t * (LUT_N - 1) + 0.5);
}

static void lut_build(Draw *d, const Panel *p)
{
    for (int i = 0; i < LUT_N; i++) {
        double t = (double)i / (LUT_N - 1);
        Rgba c;
        if (p->scale == PANEL_VALUES) c = theme_diverging(2 * t - 1);
        else if (p->scale == PANEL_UNIT || p->scale == PANEL_LOSS) c = theme_sequential(d->o->palette, t);
        else if (p->scale == PANEL_MASK) c = d->th->keep;
        else c = d->th->token;
        d->lut[i] = pack(c);
        d->lut_dim[i] = pack(dimmed(d, c));
    }
}

/* ---- layout ----------------------------------------------------------- */

static const char *axis_word(const char *axis)
{
    return axis && *axis ? axis : "";
}

static int max_label_w(Draw *d, int px, const char *const *labels, int n, int cap)
{
    int m = 0;
    for (int i = 0; labels && i < n; i++) {
        int w = labels[i] ? tw(d, FONT_SANS, px, labels[i]) : 0;
        if (w > m) m = w;
        if (m >= cap) return cap;
    }
    return m;
}

/* every n-th label so that labels `need` pixels apart fit in `pitch` each */
static int tick_step(double pitch, int need)
{
    static const int steps[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (pitch * steps[i] >= need) return steps[i];
    return 10000;
}

/* Sizes panel g for a cell side of q/16 pixels: text-mode cells are
 * whole pixels, heatmaps may have fractional cells. */
#define Q 16
static void geo_measure(Draw *d, const Step *sp, Geo *g, int q)
{
    int s = q / Q;
    double unit = (double)q / Q;
    const Sizes *z = &d->sz;
    const Panel *p = &sp->panels[g->panel];
    g->rows = p->view.ndim == 2 ? p->view.shape[0] : 1;
    g->cols = p->view.ndim == 2 ? p->view.shape[1] : (p->view.ndim == 1 ? p->view.shape[0] : 1);
    g->heat = g->rows > DRAW_TEXT_CELLS || g->cols > DRAW_TEXT_CELLS || s < 6;
    int llh = lh(d, FONT_SANS, z->label);
    /* grid */
    if (g->heat) {
        /* at least three label lines wide/high so thin matrices stay visible */
        int minside = 3 * llh;
        g->gw = (int)fmax(g->cols * unit, fmin(minside, g->cols * (double)z->cell_max));
        g->gh = (int)fmax(g->rows * unit, fmin(minside, g->rows * (double)z->cell_max));
        g->cw = 0;
    } else {
        g->cw = s;
        g->gw = g->cols * s;
        g->gh = g->rows * s;
    }
    double pitch_x = (double)g->gw / g->cols, pitch_y = (double)g->gh / g->rows;
    /* label size: the default, smaller if rows are short, never below the minimum */
    int px = z->label;
    while (px > z->label_min && lh(d, FONT_SANS, px) > pitch_y * 1.05) px--;
    g->label_px = px;
    int plh = lh(d, FONT_SANS, px);
    char buf[16];
    snprintf(buf, sizeof buf, "%d", g->rows > g->cols ? g->rows - 1 : g->cols - 1);
    int num_w = tw(d, FONT_SANS, px, buf);
    /* rows: every label if they fit in height, else every n-th index */
    if (!g->heat && plh <= pitch_y * 1.05) {
        g->row_tick = 1;
        g->rl_w = max_label_w(d, px, p->row_labels, g->rows, (int)lround(9.4 * z->label));
    } else {
        g->row_tick = tick_step(pitch_y, plh);
        g->rl_w = num_w;
    }
    /* columns: every label side by side on one line, shrinking the font
     * to the minimum first; else turned to read upwards (never zig-zagging
     * over two lines); heatmaps get ticks */
    g->rotate = false;
    g->col_tick = 1;
    g->col_px = z->label;
    int cap = (int)lround(9.4 * z->label);
    if (g->heat) {
        g->col_px = px;
        g->col_tick = tick_step(pitch_x, num_w + 2 * z->pad);
    } else {
        bool fits = false;
        for (int cp = z->label; cp >= z->label_min && !fits; cp--) {
            g->col_px = cp;
            fits = max_label_w(d, cp, p->col_labels, g->cols, cap) <= pitch_x - z->pad;
        }
        if (!fits) {
            /* turned: a label needs a line's height of the cell's width */
            g->rotate = true;
            g->col_px = z->label;
            while (g->col_px > z->label_min && lh(d, FONT_SANS, g->col_px) > pitch_x) g->col_px--;
            if (lh(d, FONT_SANS, g->col_px) > pitch_x) g->col_tick = tick_step(pitch_x, lh(d, FONT_SANS, g->col_px));
        }
    }
    g->cl_h = (g->rotate ? max_label_w(d, g->col_px, p->col_labels, g->cols, cap) : lh(d, FONT_SANS, g->col_px)) + z->pad;
    int ptl = lh(d, FONT_MONO_BOLD, z->ptitle);
    int axl = d->compact ? 0 : lh(d, FONT_SANS, z->axis);
    g->head_h = ptl + axl;
    g->rl_w += z->pad * 2; /* every panel has its row labels, the batch view's too */
    int title_w = tw(d, FONT_MONO_BOLD, z->ptitle, p->title);
    g->w = g->rl_w + g->gw;
    if (title_w > g->w) g->w = title_w;
    g->h = g->head_h + g->cl_h + g->gh;
    g->op_w = 0;
    if (p->join && *p->join) {
        bool word = strlen(p->join) > 3; /* "softmax →" is a word, "+" a symbol */
        g->op_w = tw(d, word ? FONT_SANS_BOLD : FONT_SANS, word ? z->op_word : z->op, p->join) + 2 * z->gap;
    } else if (g->panel > 0 && sp->panels[g->panel - 1].grid_row == p->grid_row) {
        g->op_w = 2 * z->gap;
    }
}

/* measures every panel at cell side s; sets the strip sizes; returns
 * false if they do not fit in area with nc strip columns */
static bool layout_try(Draw *d, const Step *sp, int s, int nc, SDL_Rect area, int nstrips)
{
    /* a strip's grids share their top (below its tallest header), so it is
     * that header plus its tallest grid high */
    int head[MS_MAX_SENTENCES] = {0}, grid[MS_MAX_SENTENCES] = {0};
    for (int i = 0; i < nstrips; i++) d->strip_w[i] = d->strip_h[i] = 0;
    for (int i = 0; i < d->ngeo; i++) {
        Geo *g = &d->geo[i];
        geo_measure(d, sp, g, s);
        bool first = d->strip_w[g->strip] == 0;
        d->strip_w[g->strip] += g->w + (first ? 0 : g->op_w);
        if (g->head_h + g->cl_h > head[g->strip]) head[g->strip] = g->head_h + g->cl_h;
        if (g->gh > grid[g->strip]) grid[g->strip] = g->gh;
    }
    for (int i = 0; i < nstrips; i++) d->strip_h[i] = head[i] + grid[i];
    int nr = (nstrips + nc - 1) / nc;
    int sw = 0, sh = 0;
    for (int i = 0; i < nstrips; i++) {
        if (d->strip_w[i] > sw) sw = d->strip_w[i];
        if (d->strip_h[i] > sh) sh = d->strip_h[i];
    }
    int gap = 4 * d->sz.gap;
    return nc * sw + (nc - 1) * gap <= area.w && nr * sh + (nr - 1) * d->sz.gap <= area.h;
}

/* the largest cell side that fits with nc strip columns (0 if none) */
static int layout_search(Draw *d, const Step *sp, int nc, SDL_Rect area, int nstrips)
{
    int lo = 1, hi = d->sz.cell_max * Q;
    if (!layout_try(d, sp, lo, nc, area, nstrips)) return 0;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (layout_try(d, sp, mid, nc, area, nstrips)) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* ---- legend ----------------------------------------------------------- */

static void legend_add_name(LegendItem *it, const char *name)
{
    if (!name || strstr(it->label, name)) return;
    size_t n = strlen(it->label);
    if (n + strlen(name) + 3 >= sizeof it->label) return;
    snprintf(it->label + n, sizeof it->label - n, "%s%s", n ? ", " : "", name);
}

static void legend_build(Draw *d, const Step *sp)
{
    d->nlegend = 0;
    bool any_inf = false, any_pad = false, any_mask = false, any_dim = false, any_nan = false, any_min = false;
    bool any_tokens = false, any_off = false, tints[PANEL_TINT_COUNT] = {false};
    for (int i = 0; i < sp->npanels; i++) {
        const Panel *p = &sp->panels[i];
        const Tensor *t = &p->view;
        any_min |= (p->has & PANEL_HAS_FINITE_MIN) != 0;
        any_inf |= (p->has & PANEL_HAS_NEG_INF) != 0;
        any_nan |= (p->has & PANEL_HAS_NAN) != 0;
        any_pad |= (p->has & PANEL_HAS_PAD) != 0;
        any_mask |= (p->has & PANEL_HAS_MASK_ID) != 0;
        any_off |= (p->has & PANEL_HAS_OFF) != 0;
        any_dim |= (p->has & PANEL_HAS_DIM) != 0;
        int rows = t->ndim == 2 ? t->shape[0] : 1, cols = t->ndim == 2 ? t->shape[1] : (int)t->size;
        for (int k = 0; p->tint && k < rows * cols; k++) tints[p->tint[k] < PANEL_TINT_COUNT ? p->tint[k] : 0] = true;
        if (p->scale == PANEL_TOKENS) { any_tokens = true; continue; }
        if (p->scale == PANEL_INDEX) continue; /* the numbers are in the cells */
        if (p->scale == PANEL_MASK) continue;
        LegendItem *it = NULL;
        for (int k = 0; k < d->nlegend; k++)
            if (d->legend[k].kind == 0 && d->legend[k].scale == p->scale &&
                d->legend[k].vmin == p->vmin && d->legend[k].vmax == p->vmax)
                it = &d->legend[k];
        if (!it && d->nlegend < LEGEND_MAX) {
            it = &d->legend[d->nlegend++];
            memset(it, 0, sizeof *it);
            it->kind = 0;
            it->scale = p->scale;
            it->vmin = p->vmin;
            it->vmax = p->vmax;
        }
        if (it) legend_add_name(it, p->name);
    }
    const Theme *th = d->th;
    struct { bool on; Rgba c; bool hatch, dots; const char *label; } sw[] = {
        { any_tokens, th->token, false, false, "token id" },
        { any_pad, th->pad, false, false, "[PAD]" },
        { any_mask, th->mask_token, false, false, "[MASK]" },
        { true, th->keep, false, false, "0 = keep" },
        { any_inf, th->masked, true, false, "−∞ = masked" },
        { any_min, th->masked, true, false, "min = finfo.min, masked" },
        { any_off, th->masked, true, false, "×0 = masked out of the loss" },
        { any_nan, th->nan, false, false, "NaN: every key masked" },
        { any_dim, dimmed(d, th->pad), false, true, "faded, dotted = padding" },
    };
    bool has_mask_panel = false;
    for (int i = 0; i < sp->npanels; i++) has_mask_panel |= sp->panels[i].scale == PANEL_MASK;
    sw[3].on = has_mask_panel;
    sw[2].on &= !tints[PANEL_TINT_MASK]; /* the tint's swatch says it, with its share */
    for (int t = PANEL_TINT_NONE + 1; t < PANEL_TINT_COUNT && d->nlegend < LEGEND_MAX; t++) {
        if (!tints[t]) continue;
        LegendItem *it = &d->legend[d->nlegend++];
        memset(it, 0, sizeof *it);
        it->kind = 1;
        it->swatch = theme_tint(th, (PanelTint)t);
        snprintf(it->label, sizeof it->label, "%s", steps_tint_label((PanelTint)t));
    }
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++) {
        if (!sw[i].on || d->nlegend >= LEGEND_MAX) continue;
        LegendItem *it = &d->legend[d->nlegend++];
        memset(it, 0, sizeof *it);
        it->kind = 1;
        it->swatch = sw[i].c;
        it->hatched = sw[i].hatch;
        it->dotted = sw[i].dots;
        snprintf(it->label, sizeof it->label, "%s", sw[i].label);
    }
}

static int legend_item_w(Draw *d, const LegendItem *it)
{
    const Sizes *z = &d->sz;
    int lw = tw(d, FONT_SANS, z->legend, it->label);
    if (it->kind == 0) return lw + z->pad * 2 + (int)lround(9.4 * z->legend);
    return lh(d, FONT_SANS, z->legend) + z->pad * 2 + lw;
}

static int legend_row_h(Draw *d)
{
    int l = lh(d, FONT_SANS, d->sz.legend);
    return l * 2 + d->sz.pad;
}

/* rows the legend needs at width w */
static int legend_rows(Draw *d, int w)
{
    int rows = d->nlegend ? 1 : 0, x = 0;
    for (int i = 0; i < d->nlegend; i++) {
        int iw = legend_item_w(d, &d->legend[i]) + 3 * d->sz.gap;
        if (x > 0 && x + iw > w) { rows++; x = 0; }
        x += iw;
    }
    return rows;
}

/* ---- drawing ---------------------------------------------------------- */

/* 45° stripes x + y = c (frame coordinates) over rectangle rc */
static void hatch(Draw *d, SDL_Rect rc)
{
    /* stripes are anchored to the frame, so a frame drawn anywhere looks the same */
    paint_hatch(d->p, rc, d->th->hatch, (int)fmax(5, lround(9 * d->sz.u)), (int)fmax(1, lround(2.5 * d->sz.u)),
                d->frame_x + d->frame_y);
}

/* the padding texture: a sparse grid of dots, anchored to the frame like the hatching */
static bool dot_at(const Draw *d, int x, int y, int period, int size)
{
    int px = ((x - d->frame_x) % period + period) % period, py = ((y - d->frame_y) % period + period) % period;
    return px < size && py < size;
}

static void dots(Draw *d, SDL_Rect rc, Rgba under)
{
    int period = (int)fmax(5, lround(8 * d->sz.u)), size = (int)fmax(1, lround(1.5 * d->sz.u));
    Rgba c = theme_mix(d->th->muted, under, 0.55);
    int x0 = rc.x + (period - ((rc.x - d->frame_x) % period + period) % period) % period;
    int y0 = rc.y + (period - ((rc.y - d->frame_y) % period + period) % period) % period;
    for (int y = y0; y < rc.y + rc.h; y += period)
        for (int x = x0; x < rc.x + rc.w; x += period) {
            int w = x + size > rc.x + rc.w ? rc.x + rc.w - x : size, h = y + size > rc.y + rc.h ? rc.y + rc.h - y : size;
            fill(d, x, y, w, h, c);
        }
}

static SDL_Rect cell_rect(int gx, int gy, int gw, int gh, int rows, int cols, int r, int c)
{
    int x0 = gx + (int)(((long long)c * gw + cols - 1) / cols);
    int x1 = gx + (int)(((long long)(c + 1) * gw + cols - 1) / cols);
    int y0 = gy + (int)(((long long)r * gh + rows - 1) / rows);
    int y1 = gy + (int)(((long long)(r + 1) * gh + rows - 1) / rows);
    return (SDL_Rect){ x0, y0, x1 - x0, y1 - y0 };
}

/* a blocked cell: -inf anywhere, or a mask's finite minimum (torch.finfo(dtype).min) */
static bool blocked_cell(const Panel *p, double v)
{
    return v < 0 && (isinf(v) || p->scale == PANEL_MASK);
}

/* the glyph a blocked cell carries: −∞, or "min" for a finite minimum */
static const char *blocked_glyph(double v)
{
    return isinf(v) ? "−∞" : "min";
}

static double value_at(const Panel *p, int r, int c)
{
    const Tensor *t = &p->view;
    if (t->ndim == 2) return t->data[(size_t)r * t->shape[1] + c];
    return t->data[c];
}

/* the size of the word written in a cell over its value (loss panels) */
static int word_px(Draw *d, const Geo *g)
{
    return (int)fmax(d->sz.label_min, fmin(d->sz.label, lround(g->cw * 0.26)));
}

/* the value font size for a panel: the largest that fits every value,
 * or 0 if even the smallest readable one does not */
static int value_px(Draw *d, const Panel *p, const Geo *g)
{
    const Sizes *z = &d->sz;
    if (g->heat || !d->o->show_values) return 0;
    int px = (int)fmin(z->val_max, lround(g->cw * 0.34));
    bool is_int = p->view.dtype == TENSOR_INT || p->scale == PANEL_MASK; /* masks hold 0 or −∞ */
    int word_h = p->cell_labels ? lh(d, FONT_SANS, word_px(d, g)) : 0;
    for (; px >= z->val_min; px--) {
        if (lh(d, FONT_SANS, px) + word_h > g->cw) continue;
        int wmax = 0;
        char buf[32];
        for (int r = 0; r < g->rows; r++)
            for (int c = 0; c < g->cols; c++) {
                double v = value_at(p, r, c);
                if (blocked_cell(p, v)) continue; /* the −∞ and min glyphs have their own rule */
                steps_format_value(v, is_int, d->o->decimals, buf, sizeof buf);
                int w = tw(d, FONT_SANS, px, buf);
                if (w > wmax) wmax = w;
            }
        if (wmax <= g->cw - 2 * z->pad) return px;
    }
    return 0;
}

static void draw_cells(Draw *d, const Steps *st, const Panel *p, const Geo *g, int vpx)
{
    const Sizes *z = &d->sz;
    int gap = g->cw >= 12 ? (int)fmax(1, lround(1.5 * z->u)) : 0;
    bool is_int = p->view.dtype == TENSOR_INT || p->scale == PANEL_MASK; /* masks hold 0 or −∞ */
    /* the −∞ glyph: values' size, or its own if values are off */
    int ipx = vpx ? vpx : (int)fmin(z->val_max, lround(g->cw * 0.34));
    bool inf_glyph = ipx >= z->val_min && tw(d, FONT_SANS_BOLD, ipx, "−∞") <= g->cw - 2 * z->pad;
    bool min_glyph = ipx >= z->val_min && tw(d, FONT_SANS_BOLD, ipx, "min") <= g->cw - 2 * z->pad;
    fill(d, g->x, g->y, g->gw, g->gh, d->th->grid);
    paint_set_kind(d->p, PAINT_VALUE); /* the numbers (and −∞) in the cells; the words over them are text */
    for (int r = 0; r < g->rows; r++) {
        for (int c = 0; c < g->cols; c++) {
            double v = value_at(p, r, c);
            SDL_Rect rc = cell_rect(g->x, g->y, g->gw, g->gh, g->rows, g->cols, r, c);
            rc.w -= gap;
            rc.h -= gap;
            if (r == 0) { rc.y += gap; rc.h -= gap; }
            if (c == 0) { rc.x += gap; rc.w -= gap; }
            Rgba col = cell_fill(d, st, p, r, c, g->cols, v);
            bool off = p->cell_off && p->cell_off[(size_t)r * g->cols + c];
            bool masked = blocked_cell(p, v) || off;
            bool dim = !masked && is_dim(p, r, c);
            if (dim) col = dimmed(d, col);
            if (off) col = d->th->masked;
            fill(d, rc.x, rc.y, rc.w, rc.h, col);
            if (dim) dots(d, rc, col);
            /* the word the cell belongs to, over its value */
            int wh = 0;
            if (p->cell_labels && vpx) {
                int wpx = word_px(d, g);
                const char *word = p->cell_labels[(size_t)r * g->cols + c];
                /* "[MASK]→cat" too wide: "→cat", the word to predict */
                const char *arrow = strstr(word, "\u2192");
                if (arrow && tw(d, FONT_SANS, wpx, word) > rc.w - 2 * z->pad) word = arrow;
                int w = fit_width(d, FONT_SANS, wpx, word, rc.w - 2 * z->pad);
                wh = lh(d, FONT_SANS, wpx);
                int vh = lh(d, FONT_SANS, vpx), top = rc.y + (rc.h - wh - vh) / 2;
                if (masked) {
                    hatch(d, rc);
                    fill(d, rc.x + (rc.w - w) / 2 - z->pad, top, w + 2 * z->pad, wh + vh, d->th->masked);
                }
                paint_set_kind(d->p, PAINT_TEXT);
                text_fit(d, FONT_SANS, wpx, rc.x + (rc.w - w) / 2, top, word, rc.w - 2 * z->pad,
                         masked ? d->th->masked_text : theme_text_on(col));
                paint_set_kind(d->p, PAINT_VALUE);
            } else if (masked) {
                hatch(d, rc);
            }
            if (masked && !off) {
                const char *glyph = blocked_glyph(v);
                if (isinf(v) ? inf_glyph : min_glyph) {
                    int w = tw(d, FONT_SANS_BOLD, ipx, glyph), h = lh(d, FONT_SANS_BOLD, ipx);
                    /* a plate behind the glyph keeps it legible over the stripes */
                    fill(d, rc.x + (rc.w - w) / 2 - z->pad, rc.y + (rc.h - h) / 2, w + 2 * z->pad, h, d->th->masked);
                    text(d, FONT_SANS_BOLD, ipx, rc.x + (rc.w - w) / 2, rc.y + (rc.h - h) / 2, glyph, d->th->masked_text);
                }
                continue;
            }
            if (vpx) {
                char buf[32];
                if (off && p->scale != PANEL_TOKENS) snprintf(buf, sizeof buf, "\u00d70"); /* a token keeps its id (-100) */
                else steps_format_value(v, is_int, d->o->decimals, buf, sizeof buf);
                int w = tw(d, FONT_SANS, vpx, buf), h = lh(d, FONT_SANS, vpx);
                Rgba tc = off ? d->th->masked_text : theme_text_on(col);
                int ty = rc.y + (rc.h - h - wh) / 2 + wh;
                if (off && !wh) fill(d, rc.x + (rc.w - w) / 2 - z->pad, ty, w + 2 * z->pad, h, d->th->masked);
                text(d, FONT_SANS, vpx, rc.x + (rc.w - w) / 2, ty, buf, tc);
            }
        }
    }
    paint_set_kind(d->p, PAINT_TEXT);
}

static bool heat_reserve(Draw *d, int w, int h)
{
    size_t need = (size_t)w * h;
    if (need > d->npixels) {
        free(d->pixels);
        d->pixels = xmalloc(need * sizeof *d->pixels);
        d->npixels = need;
    }
    if ((size_t)w > d->nxcell) {
        free(d->xcell);
        d->xcell = xmalloc((size_t)w * sizeof *d->xcell);
        d->nxcell = (size_t)w;
    }
    if (!d->heat || d->heat_w < w || d->heat_h < h) {
        if (d->heat) SDL_DestroyTexture(d->heat);
        int nw = w > d->heat_w ? w : d->heat_w, nh = h > d->heat_h ? h : d->heat_h;
        d->heat = SDL_CreateTexture(d->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, nw, nh);
        if (!d->heat) { d->heat_w = d->heat_h = 0; return false; }
        SDL_SetTextureBlendMode(d->heat, SDL_BLENDMODE_NONE);
        d->heat_w = nw;
        d->heat_h = nh;
    }
    return true;
}

static void draw_heatmap(Draw *d, const Steps *st, const Panel *p, const Geo *g)
{
    if (g->gw <= 0 || g->gh <= 0 || !heat_reserve(d, g->gw, g->gh)) return;
    lut_build(d, p);
    const Engine *e = steps_engine(st);
    int pad = engine_pad_id(e), mask = engine_mask_id(e);
    uint32_t masked = pack(d->th->masked), hatchc = pack(d->th->hatch), nan = pack(d->th->nan);
    uint32_t padc = pack(d->th->pad), maskc = pack(d->th->mask_token);
    int period = (int)fmax(4, lround(6 * d->sz.u)), thick = (int)fmax(1, lround(2 * d->sz.u));
    int dot_period = (int)fmax(5, lround(8 * d->sz.u)), dot_size = (int)fmax(1, lround(1.5 * d->sz.u));
    uint32_t dotc = pack(theme_mix(d->th->muted, d->th->bg, 0.55));
    for (int x = 0; x < g->gw; x++)
        d->xcell[x] = (int)((long long)x * g->cols / g->gw);
    const Tensor *t = &p->view;
    int stride = t->ndim == 2 ? t->shape[1] : 0;
    LutMap lm = lut_map(p);
    /* ordinary numbers (the common case) skip the classification */
    bool numeric = panel_numeric(p->scale);
    for (int y = 0; y < g->gh; y++) {
        int r = (int)((long long)y * g->rows / g->gh);
        const double *row = t->data + (size_t)r * stride;
        const bool *off = p->cell_off ? p->cell_off + (size_t)r * g->cols : NULL;
        const unsigned char *tints = p->tint ? p->tint + (size_t)r * g->cols : NULL;
        uint32_t *out = d->pixels + (size_t)y * g->gw;
        bool rdim = p->row_dim && p->row_dim[r];
        int hatch0 = ((g->x + g->y + y) % period + period) % period;
        for (int x = 0; x < g->gw; x++) {
            int c = d->xcell[x];
            double v = row[c];
            PanelCell k = numeric && isfinite(v) ? PANEL_CELL_VALUE : panel_cell(p->scale, v, pad, mask);
            if (off && off[c]) k = PANEL_CELL_MASKED;
            uint32_t px;
            if (k == PANEL_CELL_MASKED) {
                px = (hatch0 + x) % period < thick ? hatchc : masked;
            } else if (k == PANEL_CELL_NAN) {
                px = nan;
            } else if (k == PANEL_CELL_PAD) {
                px = padc;
            } else if (tints && tints[c] != PANEL_TINT_NONE) {
                px = pack(theme_tint(d->th, (PanelTint)tints[c]));
            } else if (k == PANEL_CELL_MASK) {
                px = maskc;
            } else {
                bool dim = rdim || (p->col_dim && p->col_dim[c]);
                px = (dim ? d->lut_dim : d->lut)[lut_index(&lm, v)];
                if (dim && dot_at(d, g->x + x, g->y + y, dot_period, dot_size)) px = dotc;
            }
            out[x] = px;
        }
    }
    SDL_Rect src = { 0, 0, g->gw, g->gh };
    SDL_UpdateTexture(d->heat, &src, d->pixels, g->gw * (int)sizeof *d->pixels);
    SDL_Rect dst = { g->x, g->y, g->gw, g->gh };
    SDL_RenderCopy(d->r, d->heat, &src, &dst);
}

/* The highlight follows tokens: a query (or token) axis takes the row
 * index, a key axis the column index, a sentence axis the highlighted
 * sentence (row r of a [B, L] panel is sentence r, of a [1, L] panel its
 * own sentence); dim axes take none. */
static int axis_highlight(const DrawOptions *o, const Panel *p, bool rows)
{
    const char *axis = rows ? p->row_axis : p->col_axis;
    if (!axis) return -1;
    if (strcmp(axis, "query") == 0) return o->highlight_row;
    if (strcmp(axis, "key") == 0 || strcmp(axis, "position") == 0) return o->highlight_col;
    if (strcmp(axis, "token") == 0) return rows ? o->highlight_row : o->highlight_col;
    if (strcmp(axis, "sentence") == 0 && rows && o->highlight_sentence >= 0) {
        int r = o->highlight_sentence - (p->sentence >= 0 ? p->sentence : 0);
        return r >= 0 ? r : -1;
    }
    return -1;
}

static void draw_labels(Draw *d, const Panel *p, const Geo *g, DrawPanelBox *box)
{
    int hr = axis_highlight(d->o, p, true), hc = axis_highlight(d->o, p, false);
    const Sizes *z = &d->sz;
    const Theme *th = d->th;
    int px = g->label_px, plh = lh(d, FONT_SANS, px);
    char buf[24];
    /* rows, right-aligned against the grid */
    box->row_labels = (SDL_Rect){ g->x - g->rl_w, g->y, g->rl_w - z->pad, g->gh };
    for (int r = 0; r < g->rows; r += g->row_tick) {
        SDL_Rect rc = cell_rect(g->x, g->y, g->gw, g->gh, g->rows, g->cols, r, 0);
        const char *s = g->row_tick == 1 && p->row_labels && p->row_labels[r] ? p->row_labels[r] : NULL;
        if (!s) { snprintf(buf, sizeof buf, "%d", r); s = buf; }
        bool hl = r == hr;
        Rgba c = hl ? th->highlight : (p->row_dim && p->row_dim[r] ? th->muted : th->fg);
        int maxw = g->rl_w - 2 * z->pad;
        /* bold for the highlighted query, unless bold would not fit */
        FontFace face = hl && tw(d, FONT_SANS_BOLD, px, s) <= maxw ? FONT_SANS_BOLD : FONT_SANS;
        int w = fit_width(d, face, px, s, maxw);
        int ty = g->row_tick == 1 ? rc.y + (rc.h - plh) / 2 : rc.y - plh / 2 + rc.h / 2;
        if (g->row_tick > 1) ty = rc.y; /* ticks sit at the top of their row */
        if (ty + plh > g->y + g->gh + plh / 2) continue;
        text_fit(d, face, px, g->x - z->pad - w, ty, s, maxw, c);
    }
    /* columns, centred above their cell, or turned to read upwards from just above it */
    px = g->col_px;
    plh = lh(d, FONT_SANS, px);
    box->col_labels = (SDL_Rect){ g->x, g->y - g->cl_h, g->gw, g->cl_h - z->pad };
    for (int c = 0; c < g->cols; c += g->col_tick) {
        SDL_Rect rc = cell_rect(g->x, g->y, g->gw, g->gh, g->rows, g->cols, 0, c);
        const char *s = p->col_labels && p->col_labels[c] && (g->col_tick == 1 || g->rotate) ? p->col_labels[c] : NULL;
        if (!s) { snprintf(buf, sizeof buf, "%d", c); s = buf; }
        bool hl = c == hc;
        Rgba col = hl ? th->highlight : (p->col_dim && p->col_dim[c] ? th->muted : th->fg);
        if (g->rotate) {
            int len = g->cl_h - z->pad;
            FontFace face = hl && tw(d, FONT_SANS_BOLD, px, s) <= len ? FONT_SANS_BOLD : FONT_SANS;
            paint_text_up(d->p, face, px, rc.x + (rc.w - plh) / 2, g->y - z->pad, s, len, col, th->bg);
            continue;
        }
        int maxw = rc.w - z->pad;
        if (g->col_tick > 1) maxw = rc.w * g->col_tick;
        /* bold for the highlighted key, unless bold would not fit */
        FontFace face = hl && tw(d, FONT_SANS_BOLD, px, s) <= maxw ? FONT_SANS_BOLD : FONT_SANS;
        int w = fit_width(d, face, px, s, maxw);
        int ty = g->y - g->cl_h;
        int tx = g->col_tick > 1 ? rc.x : rc.x + (rc.w - w) / 2;
        if (tx + w > g->x + g->gw + rc.w) continue;
        text_fit(d, face, px, tx, ty, s, maxw, col);
    }
}

static void draw_highlight(Draw *d, const Panel *p, const Geo *g)
{
    int t = (int)fmax(2, lround(3 * d->sz.u));
    int hr = axis_highlight(d->o, p, true), hc = axis_highlight(d->o, p, false);
    if (d->o->highlight_cell && hr >= 0 && hr < g->rows && hc >= 0 && hc < g->cols) {
        SDL_Rect a = cell_rect(g->x, g->y, g->gw, g->gh, g->rows, g->cols, hr, hc);
        outline(d, (SDL_Rect){ a.x - t, a.y - t, a.w + 2 * t, a.h + 2 * t }, t, d->th->highlight);
        return;
    }
    if (hr >= 0 && hr < g->rows) {
        SDL_Rect a = cell_rect(g->x, g->y, g->gw, g->gh, g->rows, g->cols, hr, 0);
        outline(d, (SDL_Rect){ g->x - t, a.y - t, g->gw + 2 * t, a.h + 2 * t }, t, d->th->highlight);
    }
    if (hc >= 0 && hc < g->cols) {
        SDL_Rect a = cell_rect(g->x, g->y, g->gw, g->gh, g->rows, g->cols, 0, hc);
        outline(d, (SDL_Rect){ a.x - t, g->y - t, a.w + 2 * t, g->gh + 2 * t }, t, d->th->highlight);
    }
}

static void draw_panel(Draw *d, const Steps *st, const Step *sp, const Geo *g, DrawPanelBox *box)
{
    const Sizes *z = &d->sz;
    const Theme *th = d->th;
    const Panel *p = &sp->panels[g->panel];
    memset(box, 0, sizeof *box);
    box->panel = g->panel;
    box->rows = g->rows;
    box->cols = g->cols;
    box->grid = (SDL_Rect){ g->x, g->y, g->gw, g->gh };
    box->heatmap = g->heat;
    /* title, then the axis line: "↓ query   key →" */
    int top = g->y - g->cl_h - g->head_h;
    int left = g->x - g->rl_w;
    int tlw = text(d, FONT_MONO_BOLD, z->ptitle, left, top, p->title, th->fg);
    box->title = (SDL_Rect){ left, top, tlw, lh(d, FONT_MONO_BOLD, z->ptitle) };
    char shape[32];
    snprintf(shape, sizeof shape, "  %d×%d", g->rows, g->cols);
    if (left + tlw + tw(d, FONT_SANS, z->axis, shape) <= left + g->w)
        text(d, FONT_SANS, z->axis, left + tlw, top + (box->title.h - lh(d, FONT_SANS, z->axis)), shape, th->muted);
    /* axis names: "query ↓" over the row labels, "key →" over the columns */
    int ay = top + box->title.h;
    const char *ra = axis_word(p->row_axis), *ca = axis_word(p->col_axis);
    if (!d->compact) {
        char ax[64];
        int qx = left;
        if (*ra) {
            snprintf(ax, sizeof ax, "%s ↓", ra);
            qx += text_fit(d, FONT_SANS, z->axis, left, ay, ax, g->rl_w + g->gw / 2, th->muted) + z->gap;
        }
        if (*ca) {
            snprintf(ax, sizeof ax, "%s →", ca);
            int x = g->x > qx ? g->x : qx;
            text_fit(d, FONT_SANS, z->axis, x, ay, ax, g->x + g->gw - x, th->muted);
        }
    }

    int vpx = value_px(d, p, g);
    box->values = vpx > 0;
    if (g->heat) draw_heatmap(d, st, p, g);
    else draw_cells(d, st, p, g, vpx);
    draw_labels(d, p, g, box);
    draw_highlight(d, p, g);
}

static void draw_legend(Draw *d, SDL_Rect area)
{
    const Sizes *z = &d->sz;
    const Theme *th = d->th;
    int l = lh(d, FONT_SANS, z->legend), rowh = legend_row_h(d);
    int x = area.x, y = area.y;
    for (int i = 0; i < d->nlegend; i++) {
        const LegendItem *it = &d->legend[i];
        int iw = legend_item_w(d, it);
        if (x > area.x && x + iw > area.x + area.w) { x = area.x; y += rowh; }
        if (it->kind == 1) {
            int sq = l;
            SDL_Rect rc = { x, y + (l - sq) / 2 + l / 2, sq, sq };
            fill(d, rc.x, rc.y, rc.w, rc.h, it->swatch);
            if (it->hatched) hatch(d, rc);
            if (it->dotted) dots(d, rc, it->swatch);
            outline(d, rc, 1, th->muted);
            text(d, FONT_SANS, z->legend, x + sq + z->pad * 2, rc.y, it->label, th->fg);
        } else {
            int lw = text(d, FONT_SANS, z->legend, x, y + l / 2, it->label, th->fg);
            int bx = x + lw + z->pad * 2, bw = (int)lround(9.4 * z->legend), bh = l - z->pad;
            for (int k = 0; k < bw; k++) {
                double t = (double)k / (bw - 1);
                Rgba c = it->scale == PANEL_VALUES ? theme_diverging(2 * t - 1)
                                                   : theme_sequential(d->o->palette, t);
                fill(d, bx + k, y, 1, bh, c);
            }
            outline(d, (SDL_Rect){ bx, y, bw, bh }, 1, th->muted);
            /* ticks: the ends (and 0 for a diverging bar) */
            double lo = it->vmin, hi = it->vmax;
            if (it->scale == PANEL_VALUES) {
                double m = fmax(fabs(lo), fabs(hi));
                if (!(m > 0) || isinf(m)) m = 1;
                lo = -m;
                hi = m;
            } else if (it->scale == PANEL_LOSS) {
                lo = 0;
            }
            char a[32], b[32];
            steps_format_value(lo, false, 2, a, sizeof a);
            steps_format_value(hi, false, 2, b, sizeof b);
            int ty = y + bh + 1;
            text(d, FONT_SANS, z->legend, bx, ty, a, th->muted);
            text(d, FONT_SANS, z->legend, bx + bw - tw(d, FONT_SANS, z->legend, b), ty, b, th->muted);
            if (it->scale == PANEL_VALUES)
                text(d, FONT_SANS, z->legend, bx + bw / 2 - tw(d, FONT_SANS, z->legend, "0") / 2, ty, "0", th->muted);
        }
        x += iw + 3 * z->gap;
    }
}

/* "sentence 1: The cat ate fish pie" or "whole batch (B = 3)" */
static void where_text(const Steps *st, char *buf, size_t n)
{
    const Engine *e = steps_engine(st);
    int s = steps_sentence(st);
    if (s < 0) {
        snprintf(buf, n, "whole batch (B = %d)", engine_sentences(e));
        return;
    }
    char words[200];
    engine_sentence_text(e, s, words, sizeof words);
    snprintf(buf, n, "sentence %d: %s", s, words);
}

static bool has_attention_axes(const Step *sp)
{
    for (int i = 0; i < sp->npanels; i++) {
        const Panel *p = &sp->panels[i];
        if (p->row_axis && p->col_axis && strcmp(p->row_axis, "query") == 0 && strcmp(p->col_axis, "key") == 0)
            return true;
    }
    return false;
}

/* Where the header, footer and matrices go in frame fr at the current
 * sizes: measured only, nothing drawn. */
typedef struct FrameGeo {
    int x0, inner_w;
    int header_bottom;
    int result_h, note_h, note_lines, cap_h, cap_lines, leg_h;
    int yr, yn, yc, yl;
    SDL_Rect area;       /* what the matrices may use */
} FrameGeo;

static void frame_geo(Draw *d, const Step *sp, SDL_Rect fr, FrameGeo *fg)
{
    const Sizes *z = &d->sz;
    fg->x0 = fr.x + z->margin;
    fg->inner_w = fr.w - 2 * z->margin;
    int y = fr.y + z->margin;
    y += (int)fmax(lh(d, FONT_SANS_BOLD, z->title), 2 * lh(d, FONT_SANS, z->sub));
    if (sp->formula[0]) y += lh(d, FONT_MONO_BOLD, z->formula);
    if (has_attention_axes(sp)) y += lh(d, FONT_SANS, z->axes_line);
    fg->header_bottom = y + z->gap;
    /* footer, from the bottom up: result, note, caption, legend */
    int yb = fr.y + fr.h - z->margin, inner_w = fg->inner_w;
    int rl = lh(d, FONT_SANS_BOLD, z->result), bl = lh(d, FONT_SANS, z->body), nl = lh(d, FONT_SANS, z->note);
    fg->result_h = sp->result[0] ? rl : 0;
    fg->note_lines = sp->note[0] ? wrap_count(d, FONT_SANS, z->note, sp->note,
                                              inner_w - 2 * z->gap - tw(d, FONT_SANS_BOLD, z->note, "Note ")) : 0;
    if (fg->note_lines > 4) fg->note_lines = 4;
    fg->note_h = fg->note_lines ? fg->note_lines * nl + 2 * z->pad : 0;
    fg->cap_lines = sp->caption[0] ? wrap_count(d, FONT_SANS, z->body, sp->caption, inner_w) : 0;
    if (fg->cap_lines > 5) fg->cap_lines = 5;
    fg->cap_h = fg->cap_lines * bl;
    legend_build(d, sp);
    fg->leg_h = legend_rows(d, inner_w) * legend_row_h(d);
    fg->yr = yb - fg->result_h;
    fg->yn = fg->yr - (fg->result_h && fg->note_h ? z->pad : 0) - fg->note_h;
    fg->yc = fg->yn - ((fg->note_h || fg->result_h) && fg->cap_h ? z->pad : 0) - fg->cap_h;
    fg->yl = fg->yc - (fg->cap_h ? z->gap : 0) - fg->leg_h;
    fg->area = (SDL_Rect){ fg->x0, fg->header_bottom, inner_w, fg->yl - z->gap - fg->header_bottom };
}

/* the panels of sp as geometries, with their strips; returns the strips */
static int geo_setup(Draw *d, const Step *sp, int first, int count)
{
    int nstrips = sp->grid_rows > 0 ? sp->grid_rows : 1;
    if (nstrips > MS_MAX_SENTENCES) nstrips = MS_MAX_SENTENCES;
    d->compact = nstrips > 1;
    if (count <= 0 || first + count > nstrips) count = nstrips - first;
    d->ngeo = 0;
    for (int i = 0; i < sp->npanels && d->ngeo < DRAW_MAX_PANELS; i++) {
        int s = sp->panels[i].grid_row;
        s = s < 0 ? 0 : s >= nstrips ? nstrips - 1 : s;
        if (s < first || s >= first + count) continue;
        Geo *g = &d->geo[d->ngeo++];
        memset(g, 0, sizeof *g);
        g->panel = i;
        g->strip = s - first;
    }
    return count;
}

/* the largest cell side (in 1/Q px) that fits area, over the ways to
 * set the strips in columns; *nc_out gets the columns */
static int best_fit(Draw *d, const Step *sp, SDL_Rect area, int nstrips, int *nc_out)
{
    int best_s = 0, best_nc = 1;
    for (int nc = 1; nc <= nstrips && area.w > 0 && area.h > 0; nc++) {
        int s = layout_search(d, sp, nc, area, nstrips);
        if (s > best_s) { best_s = s; best_nc = nc; }
    }
    *nc_out = best_nc;
    return best_s > 0 ? best_s : 1;
}

/* one unit of text and spacing per pixel at 1280 wide; a frame a little
 * short of 16:9 (the window's, under its bars) keeps the width's scale,
 * so that the window and an export of its frame's size are the same */
static double frame_unit(SDL_Rect fr)
{
    return fmax(fmin(fr.w / 1280.0, fr.h / 600.0), 0.25);
}

/* draw_step with the unit of its text given (lesson frames keep the full
 * frame's) */
static bool draw_step_at(Draw *d, const Steps *st, int step, const DrawOptions *o, SDL_Rect fr, double u,
                         DrawLayout *out)
{
    if (!st || step < 0 || step >= steps_count(st)) return false;
    DrawOptions defaults = draw_options_default();
    if (!o) o = &defaults;
    const Step *sp = steps_at(st, step);
    d->o = o;
    d->th = theme_get(o->theme);
    d->frame_x = fr.x;
    d->frame_y = fr.y;
    const Theme *th = d->th;
    if (out) {
        SDL_Rect none = { 0, 0, 0, 0 };
        out->frame = fr;
        out->npanels = 0;
        out->cell_px = 0;
        out->title = out->formula = out->axes = out->legend = none;
        out->caption = out->note = out->result = none;
        out->view = none;
        out->content_w = out->content_h = out->pan_x = out->pan_y = 0;
    }
    /* Zoom enlarges everything: the cells take the size they have at
     * zoom 1 times the zoom, and text the same. Matrices that no longer
     * fit are panned (o->pan) or, for a fixed picture, fitted. */
    double zoom = o->text_zoom > 0 ? fmin(fmax(o->text_zoom, 0.5), 3.0) : 1.0;
    int all = geo_setup(d, sp, 0, 0), nstrips = all, nc = 1, cell = 0, cell1;
    FrameGeo fg;
    d->sz = sizes_for(u, 1.0);
    frame_geo(d, sp, fr, &fg);
    cell1 = best_fit(d, sp, fg.area, nstrips, &nc);
    /* the batch view: as many sentences as keep a cell a label's line high (so
     * labels need not be thinned), the rest on further pages */
    int least = (lh(d, FONT_SANS, d->sz.label_min) + d->sz.pad) * Q, per = all;
    int rps = sp->strips_per_sentence > 0 ? sp->strips_per_sentence : 1; /* a sentence's strips stay together */
    while (per > rps && cell1 < least) {
        per -= rps;
        geo_setup(d, sp, 0, per);
        cell1 = best_fit(d, sp, fg.area, per, &nc);
    }
    int pages = (all + per - 1) / per, page = o->page < 0 ? 0 : o->page >= pages ? pages - 1 : o->page;
    nstrips = geo_setup(d, sp, page * per, per);
    if (out) {
        out->page = page;
        out->pages = pages;
        out->first_sentence = page * per / rps;
        out->sentences = (nstrips + rps - 1) / rps;
    }
    if (zoom == 1.0) {
        cell = best_fit(d, sp, fg.area, nstrips, &nc);
    } else {
        d->sz = sizes_for(u, zoom);
        frame_geo(d, sp, fr, &fg);
        cell = (int)lround(cell1 * zoom);
        if (!o->pan && !layout_try(d, sp, cell, nc, fg.area, nstrips)) {
            /* a fixed picture: the largest zoom up to the one asked for at which the matrices fit */
            double lo = fmin(1.0, zoom), hi = zoom;
            for (int it = 0; it < 10; it++) {
                double mid = (lo + hi) / 2;
                d->sz = sizes_for(u, mid);
                frame_geo(d, sp, fr, &fg);
                if (layout_try(d, sp, (int)lround(cell1 * mid), nc, fg.area, nstrips)) lo = mid;
                else hi = mid;
            }
            d->sz = sizes_for(u, lo);
            frame_geo(d, sp, fr, &fg);
            cell = (int)lround(cell1 * lo);
            if (!layout_try(d, sp, cell, nc, fg.area, nstrips)) cell = best_fit(d, sp, fg.area, nstrips, &nc);
        }
    }
    const Sizes *z = &d->sz;
    SDL_Rect area = fg.area;
    int x0 = fg.x0, inner_w = fg.inner_w;
    layout_try(d, sp, cell, nc, area, nstrips);

    SDL_RenderSetClipRect(d->r, &fr);
    fill(d, fr.x, fr.y, fr.w, fr.h, th->bg);
    int y = fr.y + z->margin;

    /* header: title and where we are */
    char where[256], pos[64];
    where_text(st, where, sizeof where);
    if (pages > 1)
        snprintf(where, sizeof where, "whole batch: sentences %d\u2013%d of %d (page %d / %d)", page * per / rps,
                 (page * per + nstrips) / rps - 1, all / rps, page + 1, pages);
    snprintf(pos, sizeof pos, "step %d / %d", step + 1, steps_count(st));
    int tl = lh(d, FONT_SANS_BOLD, z->title);
    char mode_where[320];
    snprintf(mode_where, sizeof mode_where, "%s · %s", engine_mode(steps_engine(st))->title, pos);
    int right_w = (int)fmax(tw(d, FONT_SANS, z->sub, where), tw(d, FONT_SANS_BOLD, z->sub, mode_where));
    if (right_w > inner_w / 2) right_w = inner_w / 2;
    int title_w = text_fit(d, FONT_SANS_BOLD, z->title, x0, y, sp->title, inner_w - right_w - z->gap, th->fg);
    int sl = lh(d, FONT_SANS, z->sub);
    int w1 = fit_width(d, FONT_SANS_BOLD, z->sub, mode_where, right_w);
    text_fit(d, FONT_SANS_BOLD, z->sub, x0 + inner_w - w1, y, mode_where, right_w, th->muted);
    int w2 = fit_width(d, FONT_SANS, z->sub, where, right_w);
    text_fit(d, FONT_SANS, z->sub, x0 + inner_w - w2, y + sl, where, right_w, th->muted);
    if (out) out->title = (SDL_Rect){ x0, y, title_w, tl };
    y += (int)fmax(tl, 2 * sl);
    if (sp->formula[0]) {
        int fl = lh(d, FONT_MONO_BOLD, z->formula);
        int w = text_fit(d, FONT_MONO_BOLD, z->formula, x0, y, sp->formula, inner_w, th->accent);
        if (out) out->formula = (SDL_Rect){ x0, y, w, fl };
        y += fl;
    }
    if (has_attention_axes(sp)) {
        const char *axes = "Rows are queries (the token that looks), columns are keys (the tokens it may look at).";
        int al = lh(d, FONT_SANS, z->axes_line);
        int w = text_fit(d, FONT_SANS, z->axes_line, x0, y, axes, inner_w, th->muted);
        if (out) out->axes = (SDL_Rect){ x0, y, w, al };
        y += al;
    }

    /* the matrices, centred when they fit, else panned by o->pan_x/y and clipped */
    int sw = 0, sh = 0;
    for (int i = 0; i < nstrips; i++) {
        if (d->strip_w[i] > sw) sw = d->strip_w[i];
        if (d->strip_h[i] > sh) sh = d->strip_h[i];
    }
    int nr = (nstrips + nc - 1) / nc;
    int total_w = nc * sw + (nc - 1) * 4 * z->gap;
    int total_h = nr * sh + (nr - 1) * z->gap;
    int pan_x = 0, pan_y = 0;
    if (total_w > area.w) pan_x = o->pan_x < 0 ? 0 : o->pan_x > total_w - area.w ? total_w - area.w : o->pan_x;
    if (total_h > area.h) pan_y = o->pan_y < 0 ? 0 : o->pan_y > total_h - area.h ? total_h - area.h : o->pan_y;
    int ox = area.x + (area.w - total_w) / 2, oy = area.y + (area.h - total_h) / 2;
    if (ox < area.x) ox = area.x - pan_x;
    if (oy < area.y) oy = area.y - pan_y;
    SDL_Rect view = area;
    if (out) {
        out->view = view;
        out->content_w = total_w;
        out->content_h = total_h;
        out->pan_x = pan_x;
        out->pan_y = pan_y;
    }
    SDL_RenderSetClipRect(d->r, &view);
    /* place panels left to right within each strip; operators between */
    int cursor[MS_MAX_SENTENCES];
    for (int i = 0; i < nstrips; i++) {
        int sc = i % nc;
        cursor[i] = ox + sc * (sw + 4 * z->gap) + (sw - d->strip_w[i]) / 2;
    }
    /* a thin rule between strip columns of the batch view */
    for (int c = 1; c < nc; c++) {
        int lx = ox + c * (sw + 4 * z->gap) - 2 * z->gap;
        fill(d, lx, oy, (int)fmax(1, lround(z->u)), total_h, theme_mix(th->muted, th->bg, 0.35));
    }
    bool any_text = false;
    for (int i = 0; i < d->ngeo; i++) {
        Geo *g = &d->geo[i];
        int sr = g->strip / nc;
        int strip_top = oy + sr * (sh + z->gap);
        bool first = true;
        for (int k = 0; k < i; k++) if (d->geo[k].strip == g->strip) first = false;
        int opx = cursor[g->strip];
        if (!first) cursor[g->strip] += g->op_w;
        int left = cursor[g->strip];
        cursor[g->strip] += g->w;
        /* grids of one strip share their top: align by the tallest header */
        int hh = 0;
        for (int k = 0; k < d->ngeo; k++)
            if (d->geo[k].strip == g->strip && d->geo[k].head_h + d->geo[k].cl_h > hh)
                hh = d->geo[k].head_h + d->geo[k].cl_h;
        g->x = left + g->rl_w;
        g->y = strip_top + hh;
        if (!g->heat) any_text = true;
        DrawPanelBox box;
        draw_panel(d, st, sp, g, &box);
        if (out && out->npanels < DRAW_MAX_PANELS) out->panels[out->npanels++] = box;
        /* the operator, centred on the gap and on the previous grid */
        const Panel *p = &sp->panels[g->panel];
        if (!first && p->join && *p->join) {
            const Geo *prev = NULL;
            for (int k = i - 1; k >= 0; k--) if (d->geo[k].strip == g->strip) { prev = &d->geo[k]; break; }
            int cy = prev ? prev->y + prev->gh / 2 : g->y + g->gh / 2;
            bool word = strlen(p->join) > 3;
            FontFace face = word ? FONT_SANS_BOLD : FONT_SANS;
            int opx_px = word ? z->op_word : z->op;
            int w = tw(d, face, opx_px, p->join), h = lh(d, face, opx_px);
            text(d, face, opx_px, opx + (g->op_w - w) / 2, cy - h / 2, p->join, th->accent);
        }
    }
    SDL_RenderSetClipRect(d->r, &fr);
    if (out) out->cell_px = any_text ? cell / Q : 0;

    /* legend and footer */
    SDL_Rect leg = { x0, fg.yl, inner_w, fg.leg_h };
    draw_legend(d, leg);
    if (out) out->legend = leg;
    if (fg.cap_h) {
        paint_paragraphs(d->p, FONT_SANS, z->body, x0, fg.yc, sp->caption, inner_w, fg.cap_lines, th->fg, true, NULL);
        if (out) out->caption = (SDL_Rect){ x0, fg.yc, inner_w, fg.cap_h };
    }
    if (fg.note_h) {
        fill(d, x0, fg.yn, inner_w, fg.note_h, th->note_bg);
        fill(d, x0, fg.yn, (int)fmax(3, lround(4 * z->u)), fg.note_h, th->highlight);
        int nx = x0 + z->gap;
        int lw = text(d, FONT_SANS_BOLD, z->note, nx, fg.yn + z->pad, "Note ", th->note_fg);
        paint_paragraphs(d->p, FONT_SANS, z->note, nx + lw, fg.yn + z->pad, sp->note, inner_w - 2 * z->gap - lw,
                         fg.note_lines, th->note_fg, true, NULL);
        if (out) out->note = (SDL_Rect){ x0, fg.yn, inner_w, fg.note_h };
    }
    if (fg.result_h) {
        int rl = lh(d, FONT_SANS_BOLD, z->result);
        int w = text_fit(d, FONT_SANS_BOLD, z->result, x0, fg.yr, sp->result, inner_w, th->fg);
        if (out) out->result = (SDL_Rect){ x0, fg.yr, w, rl };
    }
    SDL_RenderSetClipRect(d->r, NULL);
    return true;
}

bool draw_step(Draw *d, const Steps *st, int step, const DrawOptions *o, SDL_Rect fr, DrawLayout *out)
{
    return draw_step_at(d, st, step, o, fr, frame_unit(fr), out);
}

/* ---- lesson captions ------------------------------------------------- */

/* wrapped text that may hold newlines; draws when draw; returns its height */
static int paragraphs(Draw *d, FontFace face, int px, int x, int y, const char *s, int max_w,
                      Rgba c, bool draw)
{
    return paint_paragraphs(d->p, face, px, x, y, s, max_w, 1000, c, draw, NULL);
}

/* lays out (and, with draw, draws) the caption in box; returns its height */
static int caption(Draw *d, const DrawCaption *c, SDL_Rect box, bool draw)
{
    const Sizes *z = &d->sz;
    const Theme *th = d->th;
    int x = box.x + z->margin, w = box.w - 2 * z->margin;
    int y = box.y + z->gap;
    int rule = (int)fmax(2, lround(3 * z->u));
    if (draw) {
        fill(d, box.x, box.y, box.w, box.h, theme_mix(th->note_bg, th->bg, 0.5));
        fill(d, box.x, box.y, box.w, rule, th->accent);
    }
    y += rule;
    /* lesson title on the left, progress on the right */
    int sl = lh(d, FONT_SANS, z->sub);
    if (c->lesson || c->progress) {
        int pw = c->progress ? tw(d, FONT_SANS_BOLD, z->sub, c->progress) : 0;
        if (draw && c->progress) text(d, FONT_SANS_BOLD, z->sub, x + w - pw, y, c->progress, th->muted);
        if (draw && c->lesson) text_fit(d, FONT_SANS, z->sub, x, y, c->lesson, w - pw - z->gap, th->muted);
        y += sl;
    }
    if (c->title) {
        int tl = lh(d, FONT_SANS_BOLD, z->formula);
        if (draw) text_fit(d, FONT_SANS_BOLD, z->formula, x, y, c->title, w, th->fg);
        y += tl + z->pad;
    }
    if (c->text)
        y += paragraphs(d, FONT_SANS, z->body, x, y, c->text, w, th->fg, draw) + z->pad;
    if (c->code) {
        int ch = paragraphs(d, FONT_MONO, z->note, x + z->gap, y + z->pad, c->code, w - 2 * z->gap, th->accent, false);
        if (draw) {
            fill(d, x, y, w, ch + 2 * z->pad, th->bg);
            paragraphs(d, FONT_MONO, z->note, x + z->gap, y + z->pad, c->code, w - 2 * z->gap, th->accent, true);
        }
        y += ch + 3 * z->pad;
    }
    if (c->question) {
        const char *q = "Predict first: ";
        int qw = tw(d, FONT_SANS_BOLD, z->body, q);
        if (draw) text(d, FONT_SANS_BOLD, z->body, x, y, q, th->accent);
        y += paragraphs(d, FONT_SANS_BOLD, z->body, x + qw, y, c->question, w - qw, th->fg, draw);
        if (c->answer) {
            const char *a = "Answer: ";
            int aw = tw(d, FONT_SANS_BOLD, z->body, a);
            if (draw) text(d, FONT_SANS_BOLD, z->body, x, y, a, th->accent);
            y += paragraphs(d, FONT_SANS, z->body, x + aw, y, c->answer, w - aw, th->fg, draw);
        } else if (c->hint) {
            if (draw) text_fit(d, FONT_SANS, z->sub, x, y, c->hint, w, th->muted);
            y += sl;
        }
    }
    return y + z->gap - box.y;
}

bool draw_lesson_frame(Draw *d, const Steps *st, int step, const DrawCaption *cap,
                       const DrawOptions *o, SDL_Rect fr, DrawLayout *out)
{
    if (!st || step < 0 || step >= steps_count(st)) return false;
    DrawOptions defaults = draw_options_default();
    if (!o) o = &defaults;
    /* measure the caption at the full frame's text size; keep the matrices at least 55% */
    d->o = o;
    d->th = theme_get(o->theme);
    double u_full = frame_unit(fr);
    d->sz = sizes_for(u_full, o->text_zoom);
    SDL_Rect box = { fr.x, fr.y, fr.w, fr.h };
    int ch = caption(d, cap, box, false);
    if (ch > fr.h * 45 / 100) ch = fr.h * 45 / 100;
    SDL_Rect top = { fr.x, fr.y, fr.w, fr.h - ch };
    /* the step's frame is shorter; its text keeps the full frame's size */
    if (!draw_step_at(d, st, step, o, top, u_full, out)) return false;
    d->o = o;
    d->sz = sizes_for(u_full, o->text_zoom);
    box = (SDL_Rect){ fr.x, fr.y + fr.h - ch, fr.w, ch };
    SDL_RenderSetClipRect(d->r, &box);
    caption(d, cap, box, true);
    SDL_RenderSetClipRect(d->r, NULL);
    if (out) {
        out->frame = fr;
        out->caption = box;
    }
    return true;
}

SDL_Rect draw_cell_rect(const DrawLayout *l, int box, int row, int col)
{
    if (!l || box < 0 || box >= l->npanels) return (SDL_Rect){ 0, 0, 0, 0 };
    const DrawPanelBox *b = &l->panels[box];
    if (row < 0 || row >= b->rows || col < 0 || col >= b->cols) return (SDL_Rect){ 0, 0, 0, 0 };
    return cell_rect(b->grid.x, b->grid.y, b->grid.w, b->grid.h, b->rows, b->cols, row, col);
}

bool draw_hit(const DrawLayout *l, int x, int y, int *box, int *row, int *col)
{
    /* matrices panned out of view are not there to hit */
    if (l && l->view.w > 0 && (x < l->view.x || y < l->view.y || x >= l->view.x + l->view.w ||
                               y >= l->view.y + l->view.h))
        return false;
    for (int i = 0; l && i < l->npanels; i++) {
        const DrawPanelBox *b = &l->panels[i];
        if (x < b->grid.x || y < b->grid.y || x >= b->grid.x + b->grid.w || y >= b->grid.y + b->grid.h)
            continue;
        if (box) *box = i;
        if (col) *col = (int)((long long)(x - b->grid.x) * b->cols / b->grid.w);
        if (row) *row = (int)((long long)(y - b->grid.y) * b->rows / b->grid.h);
        return true;
    }
    return false;
}
