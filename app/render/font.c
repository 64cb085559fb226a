/* Glyph atlases.
 *
 * SDL_ttf renders text into a new surface on every call; a frame that
 * did that for every label, value and caption would allocate thousands
 * of times. Instead each (face, pixel size) gets an atlas: one texture on
 * the renderer into which glyphs are rasterised, white on transparent,
 * the first time they are asked for, plus a table of where each glyph
 * sits and how far it advances the pen. Drawing text is then one
 * SDL_RenderCopy per glyph with the texture's colour modulated to the
 * text colour. A handful of atlases are kept (least recently used goes
 * first) because a frame uses half a dozen sizes. Kerning is not
 * applied: the pen advances by each glyph's hinted advance, which is
 * what makes width measurement exact and cheap. */
#include "font.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_ttf.h>

#include "config.h"
#include "xmalloc.h"

#ifndef FONT_ATLASES
#define FONT_ATLASES 24
#endif
#define FONT_OTHER_GLYPHS 160

static const char *const face_files[FONT_FACE_COUNT] = {
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
};

typedef struct Glyph {
    uint32_t cp;
    short x, y, w, h; /* in the atlas; w == 0: nothing to draw */
    short ox, oy;     /* offset of the bitmap (its ink) from the pen and the line's top */
    short mx;         /* offset of SDL_ttf's whole bitmap from the pen */
    short adv;
    bool ready;       /* metrics known (measuring needs only these) */
    bool ink;         /* has a bitmap to draw (not a space) */
    bool drawn;       /* bitmap rasterised into the atlas */
} Glyph;

typedef struct Atlas {
    FontFace face;
    int px;           /* 0: slot unused */
    unsigned stamp;   /* last use, for eviction */
    SDL_Texture *tex;
    int tw, th;       /* the texture's size: th grows (doubling) up to th_max as glyphs arrive */
    int th_max;
    int sx, sy, sh;   /* current shelf: pen x, top, height */
    int ascent, height;
    Glyph ascii[128];
    Glyph other[FONT_OTHER_GLYPHS];
    int nother;
} Atlas;

struct Fonts {
    SDL_Renderer *r;
    TTF_Font *ttf[FONT_FACE_COUNT];
    int ttf_px[FONT_FACE_COUNT];
    bool ttf_inited;
    unsigned clock;
    Atlas atlas[FONT_ATLASES];
};

static bool readable(const char *dir)
{
    char path[4200];
    if (snprintf(path, sizeof path, "%s/fonts/%s", dir, face_files[0]) >= (int)sizeof path)
        return false;
    FILE *fp = fopen(path, "rb");
    if (!fp) return false;
    fclose(fp);
    return true;
}

bool font_find_data_dir(char *dir, size_t n, char *err, size_t errlen)
{
    const char *env = getenv("MASKSCOPE_DATA_DIR");
    if (env && *env) {
        if (readable(env)) {
            snprintf(dir, n, "%s", env);
            return true;
        }
        snprintf(err, errlen, "MASKSCOPE_DATA_DIR=%s has no fonts/%s", env, face_files[0]);
        return false;
    }
    char *base = SDL_GetBasePath(); /* ends with a separator */
    if (base) {
        /* a build directory links assets/ next to the binary; an installed
         * one has ../share/maskscope; a source checkout ../../assets */
        static const char *const rel[] = { "assets", "../assets", "../../assets", "../share/maskscope" };
        for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
            char cand[4096];
            if (snprintf(cand, sizeof cand, "%s%s", base, rel[i]) >= (int)sizeof cand)
                continue;
            if (readable(cand)) {
                snprintf(dir, n, "%s", cand);
                SDL_free(base);
                return true;
            }
        }
        SDL_free(base);
    }
    if (readable(MASKSCOPE_DATADIR)) {
        snprintf(dir, n, "%s", MASKSCOPE_DATADIR);
        return true;
    }
    snprintf(err, errlen, "cannot find fonts/%s (set MASKSCOPE_DATA_DIR to the assets directory)",
             face_files[0]);
    return false;
}

Fonts *font_open(SDL_Renderer *r, char *err, size_t errlen)
{
    Fonts *f = NULL;
    char dir[4096];
    if (!font_find_data_dir(dir, sizeof dir, err, errlen))
        goto fail;
    f = xcalloc(1, sizeof *f);
    f->r = r;
    /* SDL_ttf counts TTF_Init/TTF_Quit: every Fonts holds one reference */
    if (TTF_Init() != 0) {
        snprintf(err, errlen, "cannot start SDL_ttf: %s", TTF_GetError());
        goto fail;
    }
    f->ttf_inited = true;
    for (int i = 0; i < FONT_FACE_COUNT; i++) {
        char path[4200];
        if (snprintf(path, sizeof path, "%s/fonts/%s", dir, face_files[i]) >= (int)sizeof path) {
            snprintf(err, errlen, "%s: path too long", dir);
            goto fail;
        }
        f->ttf[i] = TTF_OpenFont(path, 16);
        if (!f->ttf[i]) {
            snprintf(err, errlen, "%s: cannot open font: %s", path, TTF_GetError());
            goto fail;
        }
        f->ttf_px[i] = 16;
    }
    return f;
fail:
    font_close(f);
    return NULL;
}

static void atlas_release(Atlas *a)
{
    if (a->tex) SDL_DestroyTexture(a->tex);
    memset(a, 0, sizeof *a);
}

void font_close(Fonts *f)
{
    if (!f) return;
    for (int i = 0; i < FONT_ATLASES; i++)
        atlas_release(&f->atlas[i]);
    for (int i = 0; i < FONT_FACE_COUNT; i++)
        if (f->ttf[i]) TTF_CloseFont(f->ttf[i]);
    /* TTF_Quit is reference counted, so it pairs with our TTF_Init */
    if (f->ttf_inited) TTF_Quit();
    free(f);
}

static TTF_Font *sized(Fonts *f, FontFace face, int px)
{
    if (f->ttf_px[face] != px) {
        TTF_SetFontSize(f->ttf[face], px);
        f->ttf_px[face] = px;
    }
    return f->ttf[face];
}

static int clamp_px(int px)
{
    return px < FONT_MIN_PX ? FONT_MIN_PX : px > FONT_MAX_PX ? FONT_MAX_PX : px;
}

/* forget every bitmap but keep the metrics and the texture: used when
 * the atlas is full */
static void atlas_reset(Atlas *a)
{
    for (int i = 0; i < 128; i++)
        a->ascii[i].drawn = false;
    for (int i = 0; i < a->nother; i++)
        a->other[i].drawn = false;
    a->sx = a->sy = a->sh = 0;
}

static Atlas *atlas_for(Fonts *f, FontFace face, int px)
{
    px = clamp_px(px);
    f->clock++;
    Atlas *victim = &f->atlas[0];
    for (int i = 0; i < FONT_ATLASES; i++) {
        Atlas *a = &f->atlas[i];
        if (a->px == px && a->face == face) {
            a->stamp = f->clock;
            return a;
        }
        if (a->px == 0 || (victim->px != 0 && a->stamp < victim->stamp))
            victim = a;
    }
    atlas_release(victim);
    TTF_Font *ttf = sized(f, face, px);
    victim->face = face;
    victim->px = px;
    victim->stamp = f->clock;
    victim->ascent = TTF_FontAscent(ttf);
    victim->height = TTF_FontHeight(ttf);
    int side = px * 15;
    side = side < 256 ? 256 : side > 4096 ? 4096 : side;
    /* as wide as before, but only a few shelves high to begin with: a
     * frame's labels use a few dozen glyphs of each size, not a square */
    victim->tw = victim->th_max = side;
    int shelves = 2 * (victim->height + 1);
    victim->th = shelves < side ? shelves : side; /* the texture is made when a glyph is first drawn */
    return victim;
}

/* the metrics of cp: enough to measure text, no pixels yet */
static void glyph_make(Fonts *f, Atlas *a, Glyph *g, uint32_t cp)
{
    memset(g, 0, sizeof *g);
    g->cp = cp;
    g->ready = true;
    TTF_Font *ttf = sized(f, a->face, a->px);
    int minx = 0, maxx = 0, miny = 0, maxy = 0, adv = 0;
    if (TTF_GlyphMetrics32(ttf, cp, &minx, &maxx, &miny, &maxy, &adv) != 0)
        return;
    g->adv = (short)adv;
    g->mx = g->ox = (short)(minx < 0 ? minx : 0);
    g->ink = maxx > minx; /* a space has an advance only */
}

/* the smallest rectangle of an ARGB8888 surface holding every pixel with
 * alpha > 0 (w = 0 if none) */
static SDL_Rect ink_box(const SDL_Surface *s)
{
    int x0 = s->w, x1 = -1, y0 = s->h, y1 = -1;
    for (int y = 0; y < s->h; y++) {
        const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + (size_t)y * s->pitch);
        for (int x = 0; x < s->w; x++)
            if (row[x] >> 24) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                y1 = y;
            }
    }
    if (x1 < 0) return (SDL_Rect){ 0, 0, 0, 0 };
    return (SDL_Rect){ x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

/* rasterise g into the atlas (making the texture on first use); on
 * failure the glyph draws nothing */
static void glyph_raster(Fonts *f, Atlas *a, Glyph *g)
{
    g->drawn = true;
    g->w = g->h = 0;
    if (!g->ink)
        return;
    TTF_Font *ttf = sized(f, a->face, a->px);
    int gw = g->adv, gh = TTF_FontHeight(ttf); /* the advance, as glyph_make read it */
    if (a->tex && a->th < a->th_max && (a->sx + gw + a->px > a->tw ? a->sy + a->sh + 1 : a->sy) + gh > a->th) {
        /* full: a texture twice as high; the glyphs drawn so far are drawn
         * again into it when next asked for (SDL flushes what is queued
         * before the old texture goes) */
        SDL_DestroyTexture(a->tex);
        a->tex = NULL;
        a->th = a->th * 2 < a->th_max ? a->th * 2 : a->th_max;
        atlas_reset(a);
    }
    if (!a->tex) {
        a->tex = SDL_CreateTexture(f->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, a->tw, a->th);
        if (!a->tex)
            return;
        SDL_SetTextureBlendMode(a->tex, SDL_BLENDMODE_BLEND);
    }
    static const SDL_Color white = { 255, 255, 255, 255 };
    SDL_Surface *s = TTF_RenderGlyph32_Blended(ttf, g->cp, white);
    if (!s) return;
    if (s->format->format != SDL_PIXELFORMAT_ARGB8888) {
        SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
        SDL_FreeSurface(s);
        s = c;
        if (!s) return;
    }
    /* keep only the ink: SDL_ttf's bitmap is a whole line high, and every
     * blank pixel would be blended on every draw for nothing */
    SDL_Rect ink = ink_box(s);
    if (ink.w == 0 || ink.w > a->tw || ink.h > a->th) {
        SDL_FreeSurface(s);
        return;
    }
    if (a->sx + ink.w > a->tw) { /* next shelf */
        a->sy += a->sh + 1;
        a->sx = 0;
        a->sh = 0;
    }
    if (a->sy + ink.h > a->th) {
        /* full: start over; glyphs already queued are flushed by SDL
         * before the texture changes */
        atlas_reset(a);
        g->drawn = true;
    }
    SDL_Rect dst = { a->sx, a->sy, ink.w, ink.h };
    SDL_UpdateTexture(a->tex, &dst, (const Uint8 *)s->pixels + (size_t)ink.y * s->pitch + (size_t)ink.x * 4,
                      s->pitch);
    g->x = (short)dst.x;
    g->y = (short)dst.y;
    g->w = (short)dst.w;
    g->h = (short)dst.h;
    g->ox = (short)(g->mx + ink.x);
    g->oy = (short)ink.y;
    a->sx += ink.w + 1;
    if (ink.h > a->sh) a->sh = ink.h;
    SDL_FreeSurface(s);
}

static Glyph *glyph_get(Fonts *f, Atlas *a, uint32_t cp)
{
    Glyph *g;
    if (cp < 128) {
        g = &a->ascii[cp];
        if (!g->ready) glyph_make(f, a, g, cp);
        return g;
    }
    for (int i = 0; i < a->nother; i++)
        if (a->other[i].cp == cp) return &a->other[i];
    if (a->nother == FONT_OTHER_GLYPHS) {
        /* no room for one more: forget the others and their bitmaps */
        a->nother = 0;
        atlas_reset(a);
    }
    g = &a->other[a->nother++];
    glyph_make(f, a, g, cp);
    return g;
}

/* decodes one UTF-8 character; bad bytes become U+FFFD, one at a time */
static uint32_t next_cp(const unsigned char *s, int len, int *i)
{
    unsigned c = s[*i];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || *i + n > len) {
        (*i)++;
        return 0xFFFD;
    }
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n; k++) {
        unsigned cc = s[*i + k];
        if ((cc & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    *i += n;
    return cp;
}

int font_width(Fonts *f, FontFace face, int px, const char *s, int len)
{
    if (!s) return 0;
    if (len < 0) len = (int)strlen(s);
    Atlas *a = atlas_for(f, face, px);
    int w = 0;
    for (int i = 0; i < len;)
        w += glyph_get(f, a, next_cp((const unsigned char *)s, len, &i))->adv;
    return w;
}

int font_fit(Fonts *f, FontFace face, int px, const char *s, int len, int max_w)
{
    if (!s) return 0;
    if (len < 0) len = (int)strlen(s);
    Atlas *a = atlas_for(f, face, px);
    int w = 0;
    for (int i = 0; i < len;) {
        int start = i;
        w += glyph_get(f, a, next_cp((const unsigned char *)s, len, &i))->adv;
        if (w > max_w) return start;
    }
    return len;
}

int font_line_height(Fonts *f, FontFace face, int px)
{
    return atlas_for(f, face, px)->height;
}

int font_ascent(Fonts *f, FontFace face, int px)
{
    return atlas_for(f, face, px)->ascent;
}

int font_draw(Fonts *f, FontFace face, int px, int x, int y,
              const char *s, int len, Rgba c)
{
    if (!s) return 0;
    if (len < 0) len = (int)strlen(s);
    Atlas *a = atlas_for(f, face, px);
    int pen = x;
    SDL_Texture *tinted = NULL;
    for (int i = 0; i < len;) {
        Glyph *g = glyph_get(f, a, next_cp((const unsigned char *)s, len, &i));
        if (!g->drawn) {
            glyph_raster(f, a, g);
            tinted = NULL; /* the atlas may have a new texture, even at the old one's address */
        }
        if (g->w > 0 && a->tex != tinted) {
            tinted = a->tex;
            SDL_SetTextureColorMod(a->tex, c.r, c.g, c.b);
            SDL_SetTextureAlphaMod(a->tex, c.a);
        }
        if (g->w > 0) {
            SDL_Rect src = { g->x, g->y, g->w, g->h };
            SDL_Rect dst = { pen + g->ox, y + g->oy, g->w, g->h };
            SDL_RenderCopy(f->r, a->tex, &src, &dst);
        }
        pen += g->adv;
    }
    return pen - x;
}

void font_usage(const Fonts *f, size_t *texture_bytes, size_t *used_bytes)
{
    *texture_bytes = *used_bytes = 0;
    for (int i = 0; i < FONT_ATLASES; i++) {
        const Atlas *a = &f->atlas[i];
        if (!a->tex) continue;
        *texture_bytes += (size_t)a->tw * (size_t)a->th * 4;
        *used_bytes += (size_t)a->tw * (size_t)(a->sy + a->sh) * 4;
    }
}
