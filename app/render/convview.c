/* The translator screen:
 *
 *   One mask, six conventions                      Padding + causal · sentence 0
 *   ┌ additive ───────┐ ┌ finfo ──────────┐ ┌ sdpa ───────────┐
 *   │ 0  −∞ −∞ …      │ │ 0  min min …    │ │ True False …    │
 *   │ softmax(s + m)  │ │ model(…, m)     │ │ F.sdpa(…, m)    │
 *   └─────────────────┘ └─────────────────┘ └─────────────────┘
 *   ┌ mha ┐ ┌ hf (one row: the attention_mask) ┐ ┌ jax ┐
 *
 * A cell's colour is what it means (light: attend; dark and hatched:
 * blocked), the same in every card; its text is what that library
 * writes. So the same picture reads "False" under sdpa and "True" under
 * mha, which is the whole lesson. */
#include "convview.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "paint.h"

enum { SHOWN_MAX = 64 }; /* tokens a side written out; more are cut (and said so) */

typedef struct Sizes {
    double u;
    int margin, gap, pad, title, sub, name, body, mono, label;
} Sizes;

static Sizes sizes(SDL_Rect fr, const DrawOptions *o)
{
    double u = fmin(fr.w / 1280.0, fr.h / 720.0);
    if (u < 0.35) u = 0.35;
    double z = u * fmin(fmax(o->text_zoom, 0.5), 3.0);
    return (Sizes){
        .u = u, .margin = (int)lround(18 * u), .gap = (int)lround(14 * u), .pad = (int)fmax(3, lround(9 * u)),
        .title = (int)lround(26 * z), .sub = (int)lround(16 * z), .name = (int)lround(21 * z),
        .body = (int)lround(15 * z), .mono = (int)lround(14 * z), .label = (int)lround(14 * z),
    };
}

/* what a library writes for a kept and for a blocked cell, short enough for a cell */
static const char *cell_word(ConvFormat f, bool block, bool narrow)
{
    switch (f) {
    case CONV_ADDITIVE: return block ? "\u2212\u221e" : "0";
    case CONV_FINFO: return block ? "min" : "0";
    case CONV_HF: return block ? "0" : "1";
    case CONV_MHA: return block ? (narrow ? "T" : "True") : (narrow ? "F" : "False");
    default: return block ? (narrow ? "F" : "False") : (narrow ? "T" : "True");
    }
}

/* the L×L mask of the sentence shown */
static Tensor mask_of(const ConvViewInput *in)
{
    return engine_view(in->e, T_MASK, in->sentence);
}

static bool blocked_at(const ConvViewInput *in, ConvFormat f, int r, int c)
{
    if (f == CONV_HF)
        return in->hf->data[c] == 0;
    Tensor m = mask_of(in);
    return isinf(tensor_at2(&m, r, c));
}

static void card(Painter *p, const Theme *th, const Sizes *z, const ConvViewInput *in, ConvFormat f, SDL_Rect rc,
                 WordGrid *g, bool *shown)
{
    const ConvInfo *fi = conv_info(f);
    Rgba bg = theme_mix(th->fg, th->bg, 0.04);
    paint_fill(p, rc, bg);
    paint_outline(p, rc, (int)fmax(1, lround(1.5 * z->u)), theme_mix(th->fg, th->bg, 0.2));
    int x = rc.x + z->pad, y = rc.y + z->pad, w = rc.w - 2 * z->pad;
    /* the name and what True or 1 means on one line; the call below names the library */
    int nw = paint_text(p, FONT_MONO_BOLD, z->name, x, y, fi->name, -1, th->accent);
    int nl = paint_line(p, FONT_MONO_BOLD, z->name), ll = paint_line(p, FONT_SANS, z->label);
    paint_text_fit(p, FONT_SANS, z->label, x + nw + z->pad, y + (nl - ll), fi->meaning, w - nw - z->pad, th->fg);
    y += nl + z->pad / 2;
    /* the foot: the call that takes it, and what a fully masked row becomes */
    int ml = paint_line(p, FONT_MONO, z->mono);
    int foot = ml + ll + z->pad / 2;
    int fy = rc.y + rc.h - z->pad - foot;
    paint_text_fit(p, FONT_MONO, z->mono, x, fy, fi->call, w, th->fg);
    int kw = paint_text(p, FONT_SANS_BOLD, z->label, x, fy + ml + z->pad / 2, "Fully masked row: ", -1, th->muted);
    paint_text_fit(p, FONT_SANS, z->label, x + kw, fy + ml + z->pad / 2, fi->fully_masked, w - kw, th->muted);
    /* the grid */
    Tensor m = mask_of(in);
    int Lq = m.shape[0] < SHOWN_MAX ? m.shape[0] : SHOWN_MAX, Lk = m.shape[1] < SHOWN_MAX ? m.shape[1] : SHOWN_MAX;
    static const char *const am[] = {"attention_mask"};
    *g = (WordGrid){.area = {x, y, w, fy - z->pad - y}, .rows = f == CONV_HF ? 1 : Lq, .cols = Lk,
                    .row_labels = f == CONV_HF ? am : engine_query_labels(in->e, in->sentence),
                    .col_labels = engine_labels(in->e, in->sentence), .label_px = z->label};
    *shown = f != CONV_HF || in->hf;
    if (!*shown) {
        paint_paragraphs(p, FONT_SANS, z->body, x, y + z->pad, in->hf_error, w, 6, th->fg, true, NULL);
        return;
    }
    wordgrid_fit(p, g, (int)lround(64 * z->u));
    /* the cell text: the longest word that fits the cells */
    int vpx = (int)fmin(z->body, lround(g->cell * 0.36));
    bool narrow = paint_width(p, FONT_SANS_BOLD, vpx, "False", -1) > g->cell - 2 * (int)fmax(1, z->u * 2);
    bool text = vpx >= 7 && paint_width(p, FONT_SANS_BOLD, vpx, cell_word(f, true, narrow), -1) < g->cell;
    int vh = paint_line(p, FONT_SANS_BOLD, vpx);
    for (int r = 0; r < g->rows; r++)
        for (int c = 0; c < g->cols; c++) {
            bool b = blocked_at(in, f, r, c);
            SDL_Rect cell = wordgrid_cell(g, r, c);
            paint_fill(p, cell, b ? th->masked : th->keep);
            if (b)
                paint_hatch(p, cell, th->hatch, (int)fmax(5, lround(9 * z->u)), (int)fmax(1, lround(2.5 * z->u)),
                            rc.x + rc.y);
            if (!text) continue;
            const char *word = cell_word(f, b, narrow);
            int tw = paint_width(p, FONT_SANS_BOLD, vpx, word, -1);
            int tx = cell.x + (cell.w - tw) / 2, ty = cell.y + (cell.h - vh) / 2;
            if (b) paint_fill(p, (SDL_Rect){tx - 2, ty, tw + 4, vh}, th->masked);
            paint_text(p, FONT_SANS_BOLD, vpx, tx, ty, word, -1, b ? th->masked_text : theme_text_on(th->keep));
        }
    wordgrid_labels(p, g, th, -1, NULL, th->accent);
    if (f == CONV_HF) {
        const char *how = in->hf_how == CONV_DECODER ? "The model adds the causal mask itself (a decoder)."
                                                     : "Every query reads the same keys (an encoder, or cross-attention).";
        paint_paragraphs(p, FONT_SANS, z->label, x, g->grid.y + g->grid.h + z->pad, how, w, 3, th->fg, true, NULL);
    }
}

void convview_draw(Painter *p, const DrawOptions *o, const ConvViewInput *in, SDL_Rect fr, ConvViewLayout *out)
{
    const Theme *th = theme_get(o->theme);
    Sizes z = sizes(fr, o);
    memset(out, 0, sizeof *out);
    SDL_RenderSetClipRect(paint_renderer(p), &fr);
    paint_fill(p, fr, th->bg);
    int x = fr.x + z.margin, y = fr.y + z.margin, w = fr.w - 2 * z.margin;
    int tl = paint_line(p, FONT_SANS_BOLD, z.title), sl = paint_line(p, FONT_SANS, z.sub);
    int tw = paint_text_fit(p, FONT_SANS_BOLD, z.title, x, y, "One mask, six conventions", w / 2, th->fg);
    int ww = paint_fit_width(p, FONT_SANS, z.sub, in->where, w - tw - z.gap);
    paint_text_fit(p, FONT_SANS, z.sub, x + w - ww, y, in->where, w - tw - z.gap, th->muted);
    const char *how = "colour = meaning (light attend, dark blocked); text = what the library writes; T, F = True, False";
    int hw = paint_fit_width(p, FONT_SANS, z.sub, how, w - tw - z.gap);
    paint_text_fit(p, FONT_SANS, z.sub, x + w - hw, y + sl, how, w - tw - z.gap, th->muted);
    y += (tl > 2 * sl ? tl : 2 * sl) + z.gap / 2;
    Tensor m = mask_of(in);
    if (m.shape[0] > SHOWN_MAX || m.shape[1] > SHOWN_MAX) {
        char cut[96];
        snprintf(cut, sizeof cut, "The first %d tokens of %d are written out.", SHOWN_MAX, m.shape[1]);
        paint_text_fit(p, FONT_SANS, z.sub, x, y - z.gap / 2, cut, w, th->fg);
        y += sl;
    }
    /* three cards a row on a wide frame, two on a narrow one */
    int cols = fr.w >= fr.h * 1.25 ? 3 : 2, rows = (CONV_COUNT + cols - 1) / cols;
    int cw = (w - (cols - 1) * z.gap) / cols, ch = (fr.y + fr.h - z.margin - y - (rows - 1) * z.gap) / rows;
    for (int f = 0; f < CONV_COUNT; f++) {
        SDL_Rect rc = {x + (f % cols) * (cw + z.gap), y + (f / cols) * (ch + z.gap), cw, ch};
        out->cards[f] = rc;
        card(p, th, &z, in, (ConvFormat)f, rc, &out->grids[f], &out->shown[f]);
    }
    SDL_RenderSetClipRect(paint_renderer(p), NULL);
}

bool convview_hit(const ConvViewLayout *l, int x, int y, int *format, int *row, int *col)
{
    for (int f = 0; f < CONV_COUNT; f++)
        if (l->shown[f] && wordgrid_hit(&l->grids[f], x, y, row, col)) {
            *format = f;
            return true;
        }
    return false;
}

void convview_explain(const ConvViewInput *in, int format, int row, int col, char *buf, size_t n)
{
    ConvFormat f = (ConvFormat)format;
    const ConvInfo *fi = conv_info(f);
    bool b = blocked_at(in, f, row, col);
    const char *k = engine_labels(in->e, in->sentence)[col];
    if (f == CONV_HF) {
        snprintf(buf, n, "attention_mask[0][%d] = %s: \u201c%s\u201d is %s\n%s", col, b ? "0" : "1", k,
                 b ? "padding, blocked as a key for every query" : "a real token", fi->meaning);
        return;
    }
    const char *q = engine_query_labels(in->e, in->sentence)[row];
    const char *value = f == CONV_FINFO && b ? "-3.4028e+38 (torch.finfo(torch.float32).min)" : cell_word(f, b, false);
    snprintf(buf, n, "%s: m[%d][%d] = %s: \u201c%s\u201d %s \u201c%s\u201d\n%s\n%s", fi->name, row, col, value, q,
             b ? "may not attend to" : "attends to", k, fi->meaning, fi->call);
}
