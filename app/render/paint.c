/* Text and fills for every picture maskscope draws. The step renderer,
 * the window's bars and overlays and the lesson picker used to carry
 * their own copies of "draw text cut with an ellipsis" and "wrap a
 * paragraph"; here they are written once, over one set of fonts. */
#include "paint.h"

#include <string.h>

#include "xmalloc.h"

struct Painter {
    SDL_Renderer *r;
    Fonts *fonts;
    SDL_Texture *turn;       /* where paint_text_up draws before turning it; grows as needed */
    int turn_w, turn_h;
    PaintKind kind;          /* what text drawn now is */
    int smallest[PAINT_KINDS]; /* the tally: smallest px drawn of each kind, 0 if none */
};

void paint_set_kind(Painter *p, PaintKind k) { p->kind = k; }

void paint_tally_reset(Painter *p)
{
    for (int k = 0; k < PAINT_KINDS; k++)
        p->smallest[k] = 0;
}

int paint_tally_min(const Painter *p, PaintKind k) { return p->smallest[k]; }

Painter *paint_new(SDL_Renderer *r, char *err, size_t errlen)
{
    Fonts *f = font_open(r, err, errlen);
    if (!f)
        return NULL;
    Painter *p = xcalloc(1, sizeof *p);
    p->r = r;
    p->fonts = f;
    return p;
}

void paint_free(Painter *p)
{
    if (!p)
        return;
    if (p->turn)
        SDL_DestroyTexture(p->turn);
    font_close(p->fonts);
    free(p);
}

void paint_font_usage(const Painter *p, size_t *texture_bytes, size_t *used_bytes)
{
    font_usage(p->fonts, texture_bytes, used_bytes);
}

SDL_Renderer *paint_renderer(const Painter *p)
{
    return p->r;
}

void paint_fill(Painter *p, SDL_Rect rc, Rgba c)
{
    if (rc.w <= 0 || rc.h <= 0)
        return;
    SDL_SetRenderDrawBlendMode(p->r, c.a < 255 ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(p->r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(p->r, &rc);
}

void paint_outline(Painter *p, SDL_Rect rc, int t, Rgba c)
{
    paint_fill(p, (SDL_Rect){rc.x, rc.y, rc.w, t}, c);
    paint_fill(p, (SDL_Rect){rc.x, rc.y + rc.h - t, rc.w, t}, c);
    paint_fill(p, (SDL_Rect){rc.x, rc.y, t, rc.h}, c);
    paint_fill(p, (SDL_Rect){rc.x + rc.w - t, rc.y, t, rc.h}, c);
}

void paint_hatch(Painter *p, SDL_Rect rc, Rgba c, int period, int thick, int phase)
{
    int x0 = rc.x, y0 = rc.y, x1 = rc.x + rc.w - 1, y1 = rc.y + rc.h - 1;
    SDL_SetRenderDrawColor(p->r, c.r, c.g, c.b, 255);
    SDL_SetRenderDrawBlendMode(p->r, SDL_BLENDMODE_NONE);
    int cstart = x0 + y0, cend = x1 + y1;
    for (int s = cstart - ((((cstart - phase) % period) + period) % period); s <= cend; s += period)
        for (int k = 0; k < thick; k++) {
            int cc = s + k;
            if (cc < cstart || cc > cend) continue;
            /* the line x + y = cc, clipped to the rectangle */
            int xa = cc - y1 > x0 ? cc - y1 : x0;
            int xb = cc - y0 < x1 ? cc - y0 : x1;
            if (xa <= xb) SDL_RenderDrawLine(p->r, xa, cc - xa, xb, cc - xb);
        }
}

int paint_width(Painter *p, FontFace f, int px, const char *s, int len)
{
    return font_width(p->fonts, f, px, s, len);
}

int paint_line(Painter *p, FontFace f, int px)
{
    return font_line_height(p->fonts, f, px);
}

int paint_text(Painter *p, FontFace f, int px, int x, int y, const char *s, int len, Rgba c)
{
    int w = font_draw(p->fonts, f, px, x, y, s, len, c);
    if (w > 0 && (p->smallest[p->kind] == 0 || px < p->smallest[p->kind]))
        p->smallest[p->kind] = px;
    return w;
}

int paint_fit(Painter *p, FontFace f, int px, const char *s, int len, int max_w)
{
    return font_fit(p->fonts, f, px, s, len, max_w);
}

int paint_text_up(Painter *p, FontFace f, int px, int x, int y_bottom, const char *s, int max_len, Rgba c, Rgba bg)
{
    int w = paint_fit_width(p, f, px, s, max_len), h = paint_line(p, f, px);
    if (w <= 0 || h <= 0)
        return 0;
    /* a box as high as the line with the parity of the text's length: turned
     * about its middle, its corners land on whole pixels, so every renderer
     * (the software one, OpenGL, WebGL) moves each pixel whole and none
     * blends two */
    int th = h + ((w - h) & 1);
    if (!p->turn || p->turn_w < w || p->turn_h < th) {
        if (p->turn)
            SDL_DestroyTexture(p->turn);
        p->turn_w = w > p->turn_w ? w : p->turn_w;
        p->turn_h = th > p->turn_h ? th : p->turn_h;
        p->turn = SDL_CreateTexture(p->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, p->turn_w, p->turn_h);
        if (!p->turn) {
            p->turn_w = p->turn_h = 0;
            return 0;
        }
        SDL_SetTextureScaleMode(p->turn, SDL_ScaleModeNearest);
    }
    /* the text, upright on an opaque background, into the texture; then
     * turned onto the frame (no blending twice at the glyphs' edges) */
    SDL_Texture *was = SDL_GetRenderTarget(p->r);
    if (SDL_SetRenderTarget(p->r, p->turn) != 0)
        return 0;
    paint_fill(p, (SDL_Rect){0, 0, w, th}, (Rgba){bg.r, bg.g, bg.b, 255});
    paint_text_fit(p, f, px, 0, 0, s, max_len, c);
    SDL_SetRenderTarget(p->r, was);
    SDL_Rect src = {0, 0, w, th};
    /* turned about the middle of dst, the text lands in [x, x + th) × [y_bottom − w, y_bottom) */
    SDL_Rect dst = {x + (th - w) / 2, y_bottom - (w + th) / 2, w, th};
    SDL_SetTextureBlendMode(p->turn, SDL_BLENDMODE_NONE);
    SDL_RenderCopyEx(p->r, p->turn, &src, &dst, -90.0, NULL, SDL_FLIP_NONE);
    return w;
}

int paint_text_fit(Painter *p, FontFace f, int px, int x, int y, const char *s, int max_w, Rgba c)
{
    if (max_w <= 0)
        return 0;
    if (paint_width(p, f, px, s, -1) <= max_w)
        return paint_text(p, f, px, x, y, s, -1, c);
    int ell = paint_width(p, f, px, "\u2026", -1);
    int n = paint_fit(p, f, px, s, -1, max_w - ell);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    int used = paint_text(p, f, px, x, y, s, n, c);
    return used + paint_text(p, f, px, x + used, y, "\u2026", -1, c);
}

int paint_fit_width(Painter *p, FontFace f, int px, const char *s, int max_w)
{
    int w = paint_width(p, f, px, s, -1);
    return w <= max_w ? w : max_w;
}

int paint_wrap(Painter *p, FontFace f, int px, const char *s, int max_w, const char **next)
{
    int len = (int)strlen(s);
    int fit = paint_fit(p, f, px, s, len, max_w);
    if (fit >= len) {
        *next = s + len;
        return len;
    }
    int cut = fit;
    while (cut > 0 && s[cut] != ' ')
        cut--;
    if (cut == 0)
        cut = fit > 0 ? fit : 1;
    const char *n = s + cut;
    while (*n == ' ')
        n++;
    *next = n;
    return cut;
}

int paint_paragraphs(Painter *p, FontFace f, int px, int x, int y, const char *s, int max_w, int max_lines,
                     Rgba c, bool draw, int *widest)
{
    int lh = paint_line(p, f, px), lines = 0, wmax = 0;
    char para[2048];
    while (*s && lines < max_lines) {
        size_t n = strcspn(s, "\n");
        size_t k = n < sizeof para - 1 ? n : sizeof para - 1;
        memcpy(para, s, k);
        para[k] = '\0';
        const char *q = para;
        if (!*q)
            lines++; /* an empty paragraph is an empty line */
        while (*q && lines < max_lines) {
            const char *next;
            int len = paint_wrap(p, f, px, q, max_w, &next);
            int w = paint_width(p, f, px, q, len);
            if (w > wmax)
                wmax = w;
            if (draw)
                paint_text(p, f, px, x, y + lines * lh, q, len, c);
            lines++;
            q = next;
        }
        s += n;
        if (*s == '\n')
            s++;
    }
    if (widest)
        *widest = wmax;
    return lines * lh;
}
