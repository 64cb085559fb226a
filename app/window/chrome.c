/* The window's own controls, drawn around the step that draw.c draws:
 *
 *   [1 Padding] [2 Causal] [3 Padding + causal] [4 MLM]   ◀ step 6 / 8 — Softmax weights ▶
 *   tokens › qkv › scores › mask › masked › weights › output › loss
 *   ┌──────────────────────── the step (draw_step) ───────────────────────┐
 *   └─────────────────────────────────────────────────────────────────────┘
 *   ⚠ sentence 2 has no [MASK] …                       (MLM only, when true)
 *   Sentence  [0 The cat ate] [1 The cat ate fish pie] [2 …] [All]    H help
 *
 * and the overlays on top: the tooltip, the notice and the help. Sizes
 * follow the drawable (high-DPI screens get bigger pixels) and the zoom.
 * Every rect drawn is recorded in the view's regions, which is what
 * clicks are tested against. Nothing here allocates. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chrome.h"
#include "theme.h"
#include "xmalloc.h"

/* a NULL key starts a group; the help shows the first two groups on the
 * left and the rest on the right. MODE_KEYS is replaced by the mode
 * table's keys ("1  2  3  4"). */
static const char MODE_KEYS[] = "mode keys";
static const char *const help_keys[][2] = {
    { NULL, "Move around" },
    { MODE_KEYS, "mode (or click a tab)" },
    { "\u2192  PageDown  Space", "next step" },
    { "\u2190  PageUp  Backspace", "previous step" },
    { "Home  End", "first, last step" },
    { "Tab  Shift+Tab", "next, previous sentence (or page of the batch)" },
    { "A", "whole batch on / off" },
    { "M", "every masking scheme (a picker)" },
    { "[  ]", "the scheme's W, P, S, pack_length or N (decode)" },
    { "B", "build your own mask from terms, and back" },
    { "Shift+1 \u2026 8", "in your mask: add or remove a term" },
    { NULL, "Look closer" },
    { "mouse on a cell", "its arithmetic, written out" },
    { "mouse on a token", "its row and column everywhere" },
    { "F", "the mask in six libraries' conventions, and back" },
    { "I", "the leak detector: which inputs each output reads" },
    { "G", "the gallery of classic masking bugs, and back" },
    { "click a token", "MLM: mask / unmask it" },
    { "N", "BERT, T5: draw the corruption again (next seed)" },
    { "R", "undo the [MASK] clicks" },
    { NULL, "Change the picture" },
    { "V", "numbers in cells on / off" },
    { "D", "2 or 4 decimals (4 as PyTorch prints)" },
    { "T", "light / dark theme" },
    { "C", "viridis / cividis colours" },
    { "+  \u2212  0", "zoom in, out, back to normal" },
    { "Shift+arrows, drag", "move zoomed matrices that do not fit" },
    { "F11", "fullscreen on / off" },
    { NULL, "Lessons" },
    { "L", "pick a lesson; back to one a mode key left" },
    { "\u2192 in a lesson", "show the answer, then the next step" },
    { "K", "fold the lesson's caption away, and back" },
    { NULL, "Your sentences, save and quit" },
    { "E", "edit the batch's sentences ([MASK] allowed)" },
    { "Enter  Esc  Ctrl+S", "in the editor: apply, cancel, apply and save (JSON)" },
    { "S  Ctrl+S", "save the step as a PNG" },
    { "H  F1", "this help on / off" },
    { "Esc", "close what is open, leave fullscreen or the lesson; twice: quit" },
    { "Q", "quit (asks first if your sentences are not saved)" },
};

int view_help_count(void)
{
    return (int)(sizeof help_keys / sizeof help_keys[0]);
}

void view_help_entry(int i, const char **key, const char **what)
{
    static char mode_keys[3 * MODE_MAX + 1];
    EXPECT(i >= 0 && i < view_help_count());
    *key = help_keys[i][0];
    *what = help_keys[i][1];
    if (*key == MODE_KEYS) {
        size_t k = 0;
        mode_keys[0] = '\0';
        for (int m = 0; m < mode_count() && k + 4 < sizeof mode_keys; m++)
            if (mode_at(m)->key)
                k += (size_t)snprintf(mode_keys + k, sizeof mode_keys - k, "%s%c", k ? "  " : "", mode_at(m)->key);
        *key = mode_keys;
    }
}

/* ---- small helpers ------------------------------------------------------ */

static void fill(View *v, SDL_Rect rc, Rgba c)
{
    paint_fill(v->paint, rc, c);
}

static int width(View *v, FontFace f, int px, const char *s)
{
    return paint_width(v->paint, f, px, s, -1);
}

static int line(View *v, FontFace f, int px)
{
    return paint_line(v->paint, f, px);
}

static int text_fit(View *v, FontFace f, int px, int x, int y, const char *s, int max_w, Rgba c)
{
    return paint_text_fit(v->paint, f, px, x, y, s, max_w, c);
}

static int fit_width(View *v, FontFace f, int px, const char *s, int max_w)
{
    return paint_fit_width(v->paint, f, px, s, max_w);
}

/* ---- sizes and layout ---------------------------------------------------- */

ChromeSizes view_chrome_sizes(const View *v, int w, int h)
{
    ChromeSizes z;
    double u = fmin(w / 1280.0, h / 800.0);
    if (u < 0.6) u = 0.6;
    if (u > 6) u = 6;
    /* the bars keep their size under zoom (24 px text at 1080p already): the
     * matrices get the room, and the frame's scale does not change */
    double s = u;
    (void)v;
    z.u = u;
    z.px = (int)lround(19 * s);
    z.small = (int)lround(18 * s); /* 24 px at 1920×1080, like the frame's smallest text */
    z.tip = (int)lround(18 * s);
    z.pad = (int)fmax(2, lround(6 * u));
    z.gap = (int)fmax(3, lround(10 * u));
    z.top_h = z.strip_h = z.terms_h = z.bottom_h = z.warn_h = 0;
    return z;
}

/* a tab's key and label: the mode's own, or "M" and "More ▾" / the current mode's tab and "▾" */
static void tab_text(const View *v, int mode, char *key, size_t kn, char *label, size_t ln)
{
    if (mode >= 0 && mode_at(mode)->key) {
        snprintf(key, kn, "%c", mode_at(mode)->key);
        snprintf(label, ln, "%s", mode_at(mode)->tab);
    } else {
        snprintf(key, kn, "M");
        snprintf(label, ln, "%s \u25be", mode >= 0 ? mode_at(mode)->tab : "More");
    }
    (void)v;
}

/* "step 6 / 8 — Softmax weights", or "step 6 / 8" when the title does not fit */
static void indicator_text(View *v, char *buf, size_t n, int room)
{
    const Step *sp = steps_at(v->st, v->s.step);
    snprintf(buf, n, "step %d / %d \u2014 %s", v->s.step + 1, steps_count(v->st), sp->title);
    if (width(v, FONT_SANS_BOLD, v->cz.px, buf) > room)
        snprintf(buf, n, "step %d / %d", v->s.step + 1, steps_count(v->st));
}

static const char TERMS_LABEL[] = "Mask =";

/* a pipeline chip's text: the step's name, or when the names do not fit
 * on the row (the bug gallery's ten), its number beside the current one's name */
static const char *chip_text(View *v, int i, bool fit, char *buf, size_t n)
{
    if (fit || i == v->s.step) return steps_slug(v->st, i);
    snprintf(buf, n, "%d", i + 1);
    return buf;
}

/* "⇧3 window W=3": the key that toggles builder term i, its name, its value */
static void term_text(const View *v, int i, char *buf, size_t n)
{
    const char *label = mode_buildable_label(i);
    int k = snprintf(buf, n, "\u21e7%d %s", i + 1, mode_buildable_name(i));
    if (label && k > 0 && (size_t)k < n && mode_buildable_in(v->s.mode, i)) {
        int s = v->s.sentence < 0 ? 0 : v->s.sentence;
        snprintf(buf + k, n - (size_t)k, " %s=%d", label, scenario_setting(v->sc, mode_buildable_setting(i), s));
    }
}

void view_chrome_layout(View *v, int w, int h)
{
    ChromeSizes *z = &v->cz;
    ViewRegions *g = &v->reg;
    memset(g, 0, sizeof *g);
    z->top_h = line(v, FONT_SANS_BOLD, z->px) + 3 * z->pad;
    z->strip_h = line(v, FONT_SANS, z->small) + 2 * z->pad;
    z->terms_h = mode_is_built(v->s.mode) ? line(v, FONT_SANS, z->small) + 3 * z->pad : 0;
    z->bottom_h = line(v, FONT_SANS, z->small) + 3 * z->pad;
    z->warn_h = v->warning[0] ? line(v, FONT_SANS, z->small) + 2 * z->pad : 0;

    /* row 1: the tabs, then the step indicator between its arrows on the right */
    int x = z->gap, ty = z->pad;
    int tab_h = z->top_h - 2 * z->pad;
    /* a tab for each mode with a number key, then one for the rest: the
     * current mode's when it has no key, else "More"; both open the picker */
    g->ntabs = 0;
    int others = 0;
    for (int m = 0; m < mode_count(); m++) {
        if (!mode_at(m)->key) {
            others++;
            continue;
        }
        g->tab_mode[g->ntabs++] = m;
    }
    if (others) g->tab_mode[g->ntabs++] = v->s.mode->key ? -1 : mode_index(v->s.mode);
    for (int t = 0; t < g->ntabs; t++) {
        char key[4], label[64];
        tab_text(v, g->tab_mode[t], key, sizeof key, label, sizeof label);
        int tw = width(v, FONT_SANS, z->small, key) + z->gap + width(v, FONT_SANS_BOLD, z->px, label);
        g->tabs[t] = (SDL_Rect){ x, ty, tw + 3 * z->gap, tab_h };
        x += g->tabs[t].w + z->pad;
    }
    int arrow_w = tab_h;
    int right = w - z->gap;
    g->next = (SDL_Rect){ right - arrow_w, ty, arrow_w, tab_h };
    int ind_room = g->next.x - z->pad - arrow_w - z->pad - (x + z->gap);
    char ind[160];
    indicator_text(v, ind, sizeof ind, ind_room);
    int iw = fit_width(v, FONT_SANS_BOLD, z->px, ind, ind_room > 0 ? ind_room : 0);
    g->indicator = (SDL_Rect){ g->next.x - z->pad - iw - z->gap, ty, iw + z->gap, tab_h };
    g->prev = (SDL_Rect){ g->indicator.x - z->pad - arrow_w, ty, arrow_w, tab_h };

    /* row 2: the pipeline, one chip per step */
    int sy = z->top_h;
    x = z->gap;
    g->nsteps = steps_count(v->st) < 16 ? steps_count(v->st) : 16;
    int sep = width(v, FONT_SANS, z->small, "\u203a") + z->gap;
    int need = 0;
    for (int i = 0; i < g->nsteps; i++)
        need += width(v, FONT_SANS_BOLD, z->small, steps_slug(v->st, i)) + z->gap + z->gap / 2 + sep;
    v->steps_fit = need <= w - 2 * z->gap;
    for (int i = 0; i < g->nsteps; i++) {
        char num[8];
        const char *text = chip_text(v, i, v->steps_fit, num, sizeof num);
        int cw = width(v, FONT_SANS_BOLD, z->small, text) + z->gap + z->gap / 2;
        g->steps[i] = (SDL_Rect){ x, sy + z->pad / 2, cw, z->strip_h - z->pad };
        x += cw + sep;
    }

    /* row 3, in the builder's mode: a chip per term, on when the mask has it */
    if (z->terms_h) {
        x = z->gap + width(v, FONT_SANS_BOLD, z->small, TERMS_LABEL) + z->gap;
        for (int i = 0; i < mode_buildable_count(); i++) {
            char text[64];
            term_text(v, i, text, sizeof text);
            int cw = width(v, FONT_SANS, z->small, text) + 2 * z->gap;
            g->terms[g->nterms++] = (SDL_Rect){ x, sy + z->strip_h + z->pad, cw, z->terms_h - 2 * z->pad };
            x += cw + z->pad;
        }
    }

    /* bottom: the sentences; "All" last, "H help" on the right */
    int by = h - z->bottom_h;
    int hint_w = width(v, FONT_SANS_BOLD, z->small, "H") + width(v, FONT_SANS, z->small, "  help") + z->gap;
    int lab_w = width(v, FONT_SANS, z->small, "Sentence") + z->gap;
    int avail = w - 2 * z->gap - lab_w - hint_w - z->gap;
    int n = engine_sentences(v->engine);
    int all_w = width(v, FONT_SANS_BOLD, z->small, "All") + 2 * z->gap;
    int chip_h = z->bottom_h - 2 * z->pad;
    int cy = by + z->pad + z->pad / 2;
    int chip_max = (avail - all_w) / (n > 0 ? n : 1) - z->pad;
    int chip_min = width(v, FONT_SANS_BOLD, z->small, "00 The\u2026") + 2 * z->gap;
    if (chip_max > w / 4) chip_max = w / 4;
    if (chip_max < chip_min) chip_max = chip_min;
    /* as many chips as fit, starting early enough that the current one shows */
    int fit = (avail - all_w) / (chip_max + z->pad);
    if (fit < 1) fit = 1;
    if (fit > n) fit = n;
    int cur = v->s.sentence < 0 ? 0 : v->s.sentence;
    int first = cur - fit / 2;
    if (first + fit > n) first = n - fit;
    if (first < 0) first = 0;
    x = z->gap + lab_w;
    for (int s = first; s < first + fit && g->nsentences < MS_MAX_SENTENCES; s++) {
        g->sentences[g->nsentences] = (SDL_Rect){ x, cy, chip_max, chip_h };
        g->sentence_of[g->nsentences++] = s;
        x += chip_max + z->pad;
    }
    g->sentences[g->nsentences] = (SDL_Rect){ x, cy, all_w, chip_h };
    g->sentence_of[g->nsentences++] = -1;

    int top = z->top_h + z->strip_h + z->terms_h;
    int fh = by - z->warn_h - top;
    if (fh < 1) fh = 1;
    g->frame = (SDL_Rect){ 0, top, w, fh };
    if (z->warn_h) g->warning = (SDL_Rect){ 0, by - z->warn_h, w, z->warn_h };
}

/* ---- the bars ----------------------------------------------------------- */

/* "2  The cat ate fish": the words of sentence s as the batch has them ([MASK] included) */
static void sentence_text(const View *v, int s, char *buf, size_t n)
{
    int k = snprintf(buf, n, "%d  ", s);
    if (k > 0 && (size_t)k < n) engine_sentence_text(v->engine, s, buf + k, n - (size_t)k);
}

static void chip(View *v, SDL_Rect rc, const char *s, FontFace f, int px, bool on, bool hover)
{
    const Theme *th = theme_get(v->s.opts.theme);
    Rgba bg = on ? th->accent : theme_mix(th->fg, th->bg, hover ? 0.16 : 0.07);
    Rgba fg = on ? theme_text_on(th->accent) : th->fg;
    fill(v, rc, bg);
    int pad = v->cz.gap;
    int lh = line(v, f, px);
    text_fit(v, f, px, rc.x + pad, rc.y + (rc.h - lh) / 2, s, rc.w - 2 * pad, fg);
}

static void arrow(View *v, SDL_Rect rc, const char *glyph, bool enabled, bool hover)
{
    const Theme *th = theme_get(v->s.opts.theme);
    fill(v, rc, theme_mix(th->fg, th->bg, hover && enabled ? 0.16 : 0.07));
    int px = v->cz.small;
    int w = width(v, FONT_SANS, px, glyph), lh = line(v, FONT_SANS, px);
    paint_text(v->paint, FONT_SANS, px, rc.x + (rc.w - w) / 2, rc.y + (rc.h - lh) / 2, glyph, -1,
              enabled ? th->fg : theme_mix(th->muted, th->bg, 0.5));
}

void view_chrome_draw_bars(View *v)
{
    const Theme *th = theme_get(v->s.opts.theme);
    const ChromeSizes *z = &v->cz;
    const ViewRegions *g = &v->reg;
    const Hover *h = &v->hover;
    int w = g->frame.w;
    Rgba bar = theme_mix(th->fg, th->bg, 0.035);
    Rgba rule = theme_mix(th->fg, th->bg, 0.18);

    /* top bar */
    int top = z->top_h + z->strip_h + z->terms_h;
    fill(v, (SDL_Rect){ 0, 0, w, top }, bar);
    fill(v, (SDL_Rect){ 0, top - 1, w, (int)fmax(1, lround(z->u)) }, rule);
    for (int t = 0; t < g->ntabs; t++) {
        SDL_Rect rc = g->tabs[t];
        int m = g->tab_mode[t];
        bool on = m >= 0 && v->s.mode == mode_at(m), hov = h->kind == HOVER_TAB && h->index == t;
        Rgba bg = on ? th->accent : theme_mix(th->fg, th->bg, hov ? 0.16 : 0.07);
        Rgba fg = on ? theme_text_on(th->accent) : th->fg;
        fill(v, rc, bg);
        char key[4], label[64];
        tab_text(v, m, key, sizeof key, label, sizeof label);
        int lh = line(v, FONT_SANS_BOLD, z->px), kh = line(v, FONT_SANS, z->small);
        int kx = rc.x + z->gap + z->gap / 2;
        int kw = paint_text(v->paint, FONT_SANS, z->small, kx, rc.y + (rc.h - lh) / 2 + (lh - kh) * 2 / 3, key, -1,
                           theme_mix(fg, bg, 0.7));
        paint_text(v->paint, FONT_SANS_BOLD, z->px, kx + kw + z->gap, rc.y + (rc.h - lh) / 2, label, -1, fg);
    }
    char ind[160];
    indicator_text(v, ind, sizeof ind, g->indicator.w - z->gap / 2);
    int lh = line(v, FONT_SANS_BOLD, z->px);
    text_fit(v, FONT_SANS_BOLD, z->px, g->indicator.x + z->gap / 2, g->indicator.y + (g->indicator.h - lh) / 2, ind,
             g->indicator.w - z->gap / 2, th->fg);
    arrow(v, g->prev, "\u25c0", v->s.step > 0, h->kind == HOVER_PREV);
    arrow(v, g->next, "\u25b6", v->s.step + 1 < steps_count(v->st), h->kind == HOVER_NEXT);

    /* the pipeline */
    int sl = line(v, FONT_SANS, z->small);
    for (int i = 0; i < g->nsteps; i++) {
        SDL_Rect rc = g->steps[i];
        bool on = i == v->s.step, hov = h->kind == HOVER_STEP && h->index == i;
        if (on || hov) fill(v, rc, on ? th->accent : theme_mix(th->fg, th->bg, 0.12));
        Rgba fg = on ? theme_text_on(th->accent) : i < v->s.step ? th->fg : th->muted;
        char num[8];
        const char *slug = chip_text(v, i, v->steps_fit, num, sizeof num);
        int tw = width(v, FONT_SANS_BOLD, z->small, slug);
        paint_text(v->paint, on ? FONT_SANS_BOLD : FONT_SANS, z->small, rc.x + (rc.w - tw) / 2, rc.y + (rc.h - sl) / 2,
                  slug, -1, fg);
        if (i + 1 < g->nsteps) {
            int gw = g->steps[i + 1].x - (rc.x + rc.w), aw = width(v, FONT_SANS, z->small, "\u203a");
            paint_text(v->paint, FONT_SANS, z->small, rc.x + rc.w + (gw - aw) / 2, rc.y + (rc.h - sl) / 2, "\u203a", -1,
                      th->muted);
        }
    }

    /* the builder's terms */
    if (g->nterms) {
        int ty = g->terms[0].y + (g->terms[0].h - sl) / 2;
        paint_text(v->paint, FONT_SANS_BOLD, z->small, z->gap, ty, TERMS_LABEL, -1, th->fg);
        for (int i = 0; i < g->nterms; i++) {
            char text[64];
            term_text(v, i, text, sizeof text);
            chip(v, g->terms[i], text, FONT_SANS, z->small, mode_buildable_in(v->s.mode, i),
                 h->kind == HOVER_TERM && h->index == i);
        }
        SDL_Rect last = g->terms[g->nterms - 1];
        int hx = last.x + last.w + z->gap;
        text_fit(v, FONT_SANS, z->small, hx, ty, "click or \u21e7 digit: add or remove a term \u00b7 B: back", w - hx - z->gap,
                 th->muted);
    }

    /* the MLM warning */
    if (g->warning.h > 0) {
        fill(v, g->warning, th->note_bg);
        fill(v, (SDL_Rect){ 0, g->warning.y, (int)fmax(3, lround(5 * z->u)), g->warning.h }, th->highlight);
        int x = z->gap + z->gap;
        int wl = line(v, FONT_SANS_BOLD, z->small), y = g->warning.y + (g->warning.h - wl) / 2;
        x += paint_text(v->paint, FONT_SANS_BOLD, z->small, x, y, "\u26a0 Warning  ", -1, th->note_fg);
        text_fit(v, FONT_SANS, z->small, x, y, v->warning, w - x - z->gap, th->note_fg);
    }

    /* bottom bar: the sentences and the help hint */
    int by = g->frame.y + g->frame.h + (g->warning.h > 0 ? g->warning.h : 0);
    fill(v, (SDL_Rect){ 0, by, w, z->bottom_h }, bar);
    fill(v, (SDL_Rect){ 0, by, w, (int)fmax(1, lround(z->u)) }, rule);
    int cy = g->nsentences ? g->sentences[0].y : by;
    int ch = g->nsentences ? g->sentences[0].h : z->bottom_h;
    paint_text(v->paint, FONT_SANS, z->small, z->gap, cy + (ch - sl) / 2, "Sentence", -1, th->muted);
    for (int i = 0; i < g->nsentences; i++) {
        int s = g->sentence_of[i];
        char buf[512];
        if (s < 0) snprintf(buf, sizeof buf, "All");
        else sentence_text(v, s, buf, sizeof buf);
        bool on = s == v->s.sentence, hov = h->kind == HOVER_SENTENCE && h->index == s;
        chip(v, g->sentences[i], buf, s < 0 ? FONT_SANS_BOLD : FONT_SANS, z->small, on, hov);
    }
    int hw = width(v, FONT_SANS_BOLD, z->small, "H") + width(v, FONT_SANS, z->small, "  help");
    int hx = w - z->gap - hw;
    hx += paint_text(v->paint, FONT_SANS_BOLD, z->small, hx, cy + (ch - sl) / 2, "H", -1, th->fg);
    paint_text(v->paint, FONT_SANS, z->small, hx, cy + (ch - sl) / 2, "  help", -1, th->muted);
}

/* ---- overlays ----------------------------------------------------------- */

/* lines of text split at '\n' and wrapped to max_w: measures, and draws when draw */
static int block(View *v, FontFace f, int px, const char *s, int x, int y, int max_w, Rgba c, bool draw, int *used_w)
{
    return paint_paragraphs(v->paint, f, px, x, y, s, max_w, 40, c, draw, used_w);
}

static void draw_tooltip(View *v, int w, int h)
{
    const Theme *th = theme_get(v->s.opts.theme);
    const ChromeSizes *z = &v->cz;
    SDL_Rect a = v->hover.anchor;
    int px = z->tip, pad = z->gap;
    int max_w = (int)fmin(w * 0.62, 1000 * z->u);
    int tw = 0;
    int th_ = block(v, FONT_MONO, px, v->tip, 0, 0, max_w, th->fg, false, &tw);
    int bw = tw + 2 * pad, bh = th_ + 2 * pad;
    int x = a.x, y = a.y + a.h + z->gap;
    if (y + bh > h - z->pad) y = a.y - bh - z->gap;
    if (y < z->pad) y = z->pad;
    if (x + bw > w - z->pad) x = w - z->pad - bw;
    if (x < z->pad) x = z->pad;
    SDL_Rect box = { x, y, bw, bh };
    Rgba bg = theme_mix(th->fg, th->bg, 0.94);
    fill(v, box, bg);
    paint_outline(v->paint, box, (int)fmax(1, lround(2 * z->u)), th->accent);
    block(v, FONT_MONO, px, v->tip, x + pad, y + pad, max_w, theme_text_on(bg), true, NULL);
    v->reg.tooltip = box;
}

/* the notice sits on the bottom bar, so it never hides the step's result line */
static void draw_notice(View *v, int w)
{
    const Theme *th = theme_get(v->s.opts.theme);
    const ChromeSizes *z = &v->cz;
    int px = z->small, pad = 2 * z->gap;
    int tw = fit_width(v, FONT_SANS_BOLD, px, v->notice, w - 2 * pad - 2 * z->gap);
    int bw = tw + 2 * pad, bh = z->bottom_h;
    SDL_Rect f = v->reg.frame;
    SDL_Rect box = { (w - bw) / 2, f.y + f.h + v->cz.warn_h, bw, bh };
    Rgba bg = th->accent;
    fill(v, box, bg);
    int lh = line(v, FONT_SANS_BOLD, px);
    text_fit(v, FONT_SANS_BOLD, px, box.x + pad, box.y + (bh - lh) / 2, v->notice, tw, theme_text_on(bg));
    v->reg.notice = box;
}

/* the index where the help's right column starts: the third group */
static int help_split(void)
{
    int groups = 0;
    for (int i = 0; i < view_help_count(); i++) {
        const char *k, *d;
        view_help_entry(i, &k, &d);
        if (!k && ++groups == 3) return i;
    }
    return view_help_count();
}

/* one column of the help: widths, and drawing when draw */
static int help_column(View *v, int from, int to, int px, int x, int y, int kw, bool draw, int *kw_out, int *dw_out)
{
    const Theme *th = theme_get(v->s.opts.theme);
    int lh = (int)lround(line(v, FONT_SANS, px) * 1.3), y0 = y;
    int kmax = 0, dmax = 0;
    for (int i = from; i < to; i++) {
        const char *k, *d;
        view_help_entry(i, &k, &d);
        if (!k) {
            if (i > from) y += lh / 2;
            if (draw) paint_text(v->paint, FONT_SANS_BOLD, px, x, y, d, -1, th->muted);
        } else {
            if (draw) {
                paint_text(v->paint, FONT_SANS_BOLD, px, x, y, k, -1, th->accent);
                paint_text(v->paint, FONT_SANS, px, x + kw, y, d, -1, th->fg);
            }
            int a = width(v, FONT_SANS_BOLD, px, k), b = width(v, FONT_SANS, px, d);
            if (a > kmax) kmax = a;
            if (b > dmax) dmax = b;
        }
        y += lh;
    }
    if (kw_out) *kw_out = kmax;
    if (dw_out) *dw_out = dmax;
    return y - y0;
}

static void draw_help(View *v, int w, int h)
{
    const Theme *th = theme_get(v->s.opts.theme);
    const ChromeSizes *z = &v->cz;
    Rgba veil = th->bg;
    veil.a = 225;
    fill(v, (SDL_Rect){ 0, 0, w, h }, veil);
    int split = help_split();
    /* the largest text that fits the window */
    int px = (int)lround(22 * z->u * fmin(fmax(v->s.opts.text_zoom, 0.8), 1.6));
    int k1 = 0, d1 = 0, k2 = 0, d2 = 0, c1 = 0, c2 = 0, title_h = 0, foot_h = 0, bw = 0, bh = 0, pad = 0, sep = 0;
    for (; px >= 8; px--) {
        pad = (int)lround(px * 1.3);
        sep = pad;
        int h1 = help_column(v, 0, split, px, 0, 0, 0, false, &k1, &d1);
        int h2 = help_column(v, split, view_help_count(), px, 0, 0, 0, false, &k2, &d2);
        c1 = k1 + sep + d1;
        c2 = k2 + sep + d2;
        title_h = line(v, FONT_SANS_BOLD, (int)lround(px * 1.35)) + pad;
        foot_h = line(v, FONT_SANS, px) + pad;
        bw = 2 * pad + c1 + 2 * pad + c2;
        bh = 2 * pad + title_h + (h1 > h2 ? h1 : h2) + foot_h;
        if (bw <= w - 2 * z->gap && bh <= h - 2 * z->gap) break;
    }
    SDL_Rect box = { (w - bw) / 2, (h - bh) / 2, bw, bh };
    Rgba bg = theme_mix(th->fg, th->bg, 0.03);
    fill(v, box, bg);
    paint_outline(v->paint, box, (int)fmax(2, lround(3 * z->u)), th->accent);
    int x = box.x + pad, y = box.y + pad;
    paint_text(v->paint, FONT_SANS_BOLD, (int)lround(px * 1.35), x, y, "maskscope \u2014 keys and mouse", -1, th->fg);
    y += title_h;
    int h1 = help_column(v, 0, split, px, x, y, k1 + sep, true, NULL, NULL);
    int h2 = help_column(v, split, view_help_count(), px, x + c1 + 2 * pad, y, k2 + sep, true, NULL, NULL);
    fill(v, (SDL_Rect){ x + c1 + pad, y, (int)fmax(1, lround(z->u)), h1 > h2 ? h1 : h2 }, theme_mix(th->muted, bg, 0.4));
    y += (h1 > h2 ? h1 : h2);
    paint_text(v->paint, FONT_SANS, px, x, y + pad / 2, "Press H, F1 or Esc to close.  maskscope --help lists the commands.",
              -1, th->muted);
    v->reg.help = box;
}

/* the mode picker: every row of the mode table, its key, name, title and what it does */
static void draw_modes(View *v, int w, int h)
{
    const Theme *th = theme_get(v->s.opts.theme);
    const ChromeSizes *z = &v->cz;
    ViewRegions *g = &v->reg;
    Rgba veil = th->bg;
    veil.a = 225;
    fill(v, (SDL_Rect){ 0, 0, w, h }, veil);
    int n = mode_count();
    /* the largest text with which every row fits */
    int px = (int)lround(20 * z->u * fmin(fmax(v->s.opts.text_zoom, 0.8), 1.6)), small = 0, row = 0, pad = 0;
    int bw = 0, bh = 0;
    for (; px >= 8; px--) {
        small = (int)lround(px * 0.8);
        pad = (int)lround(px * 0.8);
        row = line(v, FONT_SANS_BOLD, px) + line(v, FONT_SANS, small) + pad / 2;
        bw = w - 4 * z->gap;
        bh = 2 * pad + line(v, FONT_SANS_BOLD, (int)lround(px * 1.3)) + pad + n * row + line(v, FONT_SANS, small);
        if (bh <= h - 2 * z->gap) break;
    }
    if (bw > (int)lround(1100 * z->u)) bw = (int)lround(1100 * z->u);
    SDL_Rect box = { (w - bw) / 2, (h - bh) / 2, bw, bh };
    Rgba bg = theme_mix(th->fg, th->bg, 0.03);
    fill(v, box, bg);
    paint_outline(v->paint, box, (int)fmax(2, lround(3 * z->u)), th->accent);
    int x = box.x + pad, y = box.y + pad;
    paint_text(v->paint, FONT_SANS_BOLD, (int)lround(px * 1.3), x, y, "Masking schemes", -1, th->fg);
    y += line(v, FONT_SANS_BOLD, (int)lround(px * 1.3)) + pad;
    int key_w = width(v, FONT_SANS_BOLD, px, "M") * 2, name_w = 0;
    for (int m = 0; m < n; m++) {
        int nw = width(v, FONT_SANS_BOLD, px, mode_at(m)->name);
        if (nw > name_w) name_w = nw;
    }
    g->nmode_rows = n;
    for (int m = 0; m < n; m++) {
        const Mode *md = mode_at(m);
        SDL_Rect r = { box.x + 2, y - pad / 4, box.w - 4, row };
        g->mode_rows[m] = r;
        bool sel = m == v->modes_sel, cur = md == v->s.mode;
        bool hov = v->hover.kind == HOVER_MODE_ROW && v->hover.index == m;
        if (sel || hov) fill(v, r, theme_mix(th->accent, bg, sel ? 0.2 : 0.1));
        char key[4];
        snprintf(key, sizeof key, "%c", md->key ? md->key : ' ');
        paint_text(v->paint, FONT_SANS_BOLD, px, x, y, key, -1, th->accent);
        paint_text(v->paint, FONT_SANS_BOLD, px, x + key_w, y, md->name, -1, cur ? th->accent : th->fg);
        int tx = x + key_w + name_w + 2 * pad;
        text_fit(v, FONT_SANS, px, tx, y, md->title, box.x + box.w - pad - tx, th->fg);
        text_fit(v, FONT_SANS, small, x + key_w, y + line(v, FONT_SANS_BOLD, px), md->summary,
                 box.x + box.w - pad - (x + key_w), th->muted);
        y += row;
    }
    text_fit(v, FONT_SANS, small, x, y + pad / 4, "\u2191 \u2193 and Enter, or a click, shows one; M or Esc closes. "
             "[ and ] change a mode's W, P, S, pack_length or N.", box.w - 2 * pad, th->muted);
}

/* the sizes of text in the editor and the question: never below the bars' */
static void overlay_text(const View *v, int *px, int *small)
{
    double zoom = fmin(fmax(v->s.opts.text_zoom, 1.0), 1.6);
    *px = (int)lround(24 * v->cz.u * zoom);
    *small = (int)lround(18 * v->cz.u * zoom);
    if (*small < v->cz.small) *small = v->cz.small;
}

/* "Quit without saving your sentences?" with its two answers, as buttons */
static void draw_question(View *v, int w, int h)
{
    const Theme *th = theme_get(v->s.opts.theme);
    int px, small;
    overlay_text(v, &px, &small);
    Rgba veil = th->bg;
    veil.a = 225;
    fill(v, (SDL_Rect){ 0, 0, w, h }, veil);
    static const char title[] = "Quit without saving your sentences?";
    static const char why[] = "You changed the sentences with E and did not save them. To keep them: N, then E and Ctrl+S.";
    static const char yes[] = "Y  Quit", no[] = "N  Go back";
    int pad = (int)lround(px * 0.9), tpx = (int)lround(px * 1.2);
    int bw = width(v, FONT_SANS_BOLD, tpx, title) + 2 * pad;
    if (bw < 26 * px) bw = 26 * px;
    if (bw > w - 2 * pad) bw = w - 2 * pad;
    int why_h = block(v, FONT_SANS, small, why, 0, 0, bw - 2 * pad, th->muted, false, NULL);
    int btn_h = line(v, FONT_SANS_BOLD, px) + pad;
    int bh = 2 * pad + line(v, FONT_SANS_BOLD, tpx) + pad / 2 + why_h + pad + btn_h;
    SDL_Rect box = { (w - bw) / 2, (h - bh) / 2, bw, bh };
    Rgba bg = theme_mix(th->fg, th->bg, 0.03);
    fill(v, box, bg);
    paint_outline(v->paint, box, (int)fmax(2, lround(3 * v->cz.u)), th->highlight);
    int x = box.x + pad, y = box.y + pad;
    text_fit(v, FONT_SANS_BOLD, tpx, x, y, title, bw - 2 * pad, th->fg);
    y += line(v, FONT_SANS_BOLD, tpx) + pad / 2;
    block(v, FONT_SANS, small, why, x, y, bw - 2 * pad, th->muted, true, NULL);
    y += why_h + pad;
    int yw = width(v, FONT_SANS_BOLD, px, yes) + 2 * pad, nw = width(v, FONT_SANS_BOLD, px, no) + 2 * pad;
    v->reg.quit_no = (SDL_Rect){ box.x + box.w - pad - nw, y, nw, btn_h };
    v->reg.quit_yes = (SDL_Rect){ v->reg.quit_no.x - pad - yw, y, yw, btn_h };
    chip(v, v->reg.quit_no, no, FONT_SANS_BOLD, px, true, false);
    chip(v, v->reg.quit_yes, yes, FONT_SANS_BOLD, px, false, false);
}

void view_chrome_draw_overlays(View *v)
{
    int w = v->reg.frame.w;
    int h = v->reg.frame.y + v->reg.frame.h + v->cz.warn_h + v->cz.bottom_h;
    bool editing = editor_is_open(v->editor);
    if (v->tip[0] && !v->s.help && !v->asking && !editing && v->hover.anchor.w > 0) draw_tooltip(v, w, h);
    if (v->notice[0] && !editing) draw_notice(v, w);
    if (v->s.modes) draw_modes(v, w, h);
    if (v->s.help) draw_help(v, w, h);
    if (editing) {
        int px, small;
        overlay_text(v, &px, &small);
        editor_draw(v->editor, v->paint, theme_get(v->s.opts.theme), w, h, px, small);
        v->reg.editor = editor_panel(v->editor);
        if (v->notice[0]) draw_notice(v, w); /* over the editor, which may have caused it */
    }
}

void view_chrome_draw_question(View *v)
{
    if (v->asking) draw_question(v, v->reg.frame.w, v->reg.frame.y + v->reg.frame.h + v->cz.warn_h + v->cz.bottom_h);
}
