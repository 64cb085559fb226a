/* Themes and colour maps.
 *
 * A cell's colour says what kind of value it holds before it says how
 * big it is: -inf (masked) is a fixed dark colour that the renderer also
 * hatches and labels "−∞", so it reads without colour vision; the [PAD]
 * and [MASK] tokens have fixed colours of their own. Ordinary numbers go
 * through a map: a diverging one (ColorBrewer PuOr, brown for negative,
 * purple for positive, near-white at zero) for signed scores and vectors,
 * symmetric around zero; viridis or cividis for weights, loss masks and
 * losses. The maps are tabulated here as evenly spaced sRGB stops of the
 * published definitions (matplotlib/viridisLite, ColorBrewer) and
 * interpolated linearly between neighbours, which is indistinguishable
 * from the 256-entry tables at the sizes we draw. Text on a cell is
 * near-black or near-white, whichever has the higher WCAG contrast.
 * NaN has a colour no map uses (pink); padding cells are faded and
 * dotted, so that under cividis a faded cell never reads as a grey
 * mid-range value. */
#include "theme.h"

#include <math.h>
#include <string.h>

#define RGB(hex) { (uint8_t)((hex) >> 16), (uint8_t)((hex) >> 8), (uint8_t)(hex), 255 }

/* viridis, 11 evenly spaced stops (t = 0, 0.1, ..., 1) */
static const Rgba viridis[] = {
    RGB(0x440154), RGB(0x482475), RGB(0x414487), RGB(0x355F8D), RGB(0x2A788E), RGB(0x21908D),
    RGB(0x22A884), RGB(0x42BE71), RGB(0x7AD151), RGB(0xBDDF26), RGB(0xFDE725),
};

/* cividis, 10 evenly spaced stops */
static const Rgba cividis[] = {
    RGB(0x00204D), RGB(0x00336F), RGB(0x39486B), RGB(0x575C6D), RGB(0x707173),
    RGB(0x8A8779), RGB(0xA69D75), RGB(0xC4B56C), RGB(0xE4CF5B), RGB(0xFFEA46),
};

/* PuOr, 11 classes, from the negative (brown/orange) to the positive
 * (purple) end; the middle is ColorBrewer's near-white #F7F7F7. */
static const Rgba puor[] = {
    RGB(0x7F3B08), RGB(0xB35806), RGB(0xE08214), RGB(0xFDB863), RGB(0xFEE0B6), RGB(0xF7F7F7),
    RGB(0xD8DAEB), RGB(0xB2ABD2), RGB(0x8073AC), RGB(0x542788), RGB(0x2D004B),
};

static const Theme themes[THEME_COUNT] = {
    [THEME_LIGHT] = {
        .name = "light",
        .bg = RGB(0xFFFFFF), .fg = RGB(0x1A1A1A), .muted = RGB(0x555555),
        .accent = RGB(0x0B4F8A), .note_bg = RGB(0xFFF3D6), .note_fg = RGB(0x3D2B00),
        .grid = RGB(0xFFFFFF),
        .masked = RGB(0x2B2B2B), .hatch = RGB(0x8C8C8C), .masked_text = RGB(0xFFFFFF),
        .keep = RGB(0xF2F2F2), .nan = RGB(0xF781BF),
        .pad = RGB(0xBDBDBD), .mask_token = RGB(0xAA3377), .token = RGB(0xDCEBF7),
        .dim = { 0xFF, 0xFF, 0xFF, 150 }, .highlight = RGB(0xD55E00),
    },
    [THEME_DARK] = {
        .name = "dark",
        .bg = RGB(0x17181C), .fg = RGB(0xECECEC), .muted = RGB(0xA8A8A8),
        .accent = RGB(0x8CC8FF), .note_bg = RGB(0x3A3220), .note_fg = RGB(0xFFE7B0),
        .grid = RGB(0x17181C),
        /* masked cells are light here, so they stand out from the dark background (about 11:1) and
         * from their stripes (about 4:1) */
        .masked = RGB(0xC9CED6), .hatch = RGB(0x5B616B), .masked_text = RGB(0x111111),
        .keep = RGB(0x3C4048), .nan = RGB(0xF781BF),
        .pad = RGB(0x5E5E5E), .mask_token = RGB(0xCC6699), .token = RGB(0x2E4A66),
        .dim = { 0x17, 0x18, 0x1C, 150 }, .highlight = RGB(0xFFB000),
    },
};

const Theme *theme_get(ThemeId id)
{
    if ((int)id < 0 || id >= THEME_COUNT)
        id = THEME_LIGHT;
    return &themes[id];
}

bool theme_parse(const char *name, ThemeId *id)
{
    for (int i = 0; i < THEME_COUNT; i++) {
        if (name && strcmp(name, themes[i].name) == 0) {
            *id = (ThemeId)i;
            return true;
        }
    }
    return false;
}

static const char *const palette_names[THEME_PALETTE_COUNT] = { "viridis", "cividis" };

const char *theme_palette_name(ThemePalette p)
{
    return (int)p >= 0 && p < THEME_PALETTE_COUNT ? palette_names[p] : "viridis";
}

bool theme_palette_parse(const char *name, ThemePalette *p)
{
    for (int i = 0; i < THEME_PALETTE_COUNT; i++) {
        if (name && strcmp(name, palette_names[i]) == 0) {
            *p = (ThemePalette)i;
            return true;
        }
    }
    return false;
}

static uint8_t lerp8(uint8_t a, uint8_t b, double t)
{
    return (uint8_t)lround(a + (b - a) * t);
}

Rgba theme_mix(Rgba a, Rgba b, double t)
{
    if (!(t > 0)) return b;
    if (t > 1) t = 1;
    return (Rgba){ lerp8(b.r, a.r, t), lerp8(b.g, a.g, t), lerp8(b.b, a.b, t), 255 };
}

/* piecewise-linear through n evenly spaced stops, t in [0,1] */
Rgba theme_faded(const Theme *th, Rgba c)
{
    uint8_t y = (uint8_t)lround(0.299 * c.r + 0.587 * c.g + 0.114 * c.b);
    Rgba grey = { y, y, y, 255 };
    Rgba muted = theme_mix(grey, c, 0.7);
    return theme_mix(th->dim, muted, th->dim.a / 255.0);
}

static Rgba ramp(const Rgba *stops, int n, double t)
{
    if (!(t > 0)) return stops[0]; /* also NaN */
    if (t >= 1) return stops[n - 1];
    double x = t * (n - 1);
    int i = (int)x;
    return theme_mix(stops[i + 1], stops[i], x - i);
}

Rgba theme_sequential(ThemePalette p, double t)
{
    if (p == THEME_CIVIDIS)
        return ramp(cividis, (int)(sizeof cividis / sizeof cividis[0]), t);
    return ramp(viridis, (int)(sizeof viridis / sizeof viridis[0]), t);
}

Rgba theme_diverging(double t)
{
    if (t != t) t = 0;
    return ramp(puor, (int)(sizeof puor / sizeof puor[0]), (t + 1) / 2);
}

/* Tints say what happened to a token. Paul Tol's colour-blind-safe
 * "vibrant" hues, far apart in lightness where two meet in one step:
 * [MASK] keeps its own colour, a random word is orange, an unchanged
 * (but scored) word cyan; T5's noise is sand and its sentinels teal; a
 * label of -100 is greyed out. */
Rgba theme_tint(const Theme *th, PanelTint t)
{
    static const Rgba chosen = RGB(0xDDAA33), random = RGB(0xEE7733), kept = RGB(0x33BBEE), noise = RGB(0xDDAA33),
                      sentinel = RGB(0x009988);
    switch (t) {
    case PANEL_TINT_CHOSEN: return chosen;
    case PANEL_TINT_MASK: return th->mask_token;
    case PANEL_TINT_RANDOM: return random;
    case PANEL_TINT_KEPT: return kept;
    case PANEL_TINT_NOISE: return noise;
    case PANEL_TINT_SENTINEL: return sentinel;
    case PANEL_TINT_IGNORED: return th->nan;
    default: return th->token;
    }
}

Rgba theme_cell_colour(const Theme *th, ThemePalette p, PanelScale scale,
                       double vmin, double vmax, double v, int pad_id, int mask_id)
{
    switch (panel_cell(scale, v, pad_id, mask_id)) {
    case PANEL_CELL_MASKED: return th->masked;
    case PANEL_CELL_NAN: return th->nan;
    case PANEL_CELL_PAD: return th->pad;
    case PANEL_CELL_MASK: return th->mask_token;
    case PANEL_CELL_VALUE: break;
    }
    switch (scale) {
    case PANEL_TOKENS:
        return th->token;
    case PANEL_INDEX: {
        /* Okabe-Ito hues, pale enough for black text: one per document (or position) */
        static const Rgba hues[] = {
            {230, 159, 0, 255}, {86, 180, 233, 255}, {0, 158, 115, 255}, {240, 228, 66, 255},
            {0, 114, 178, 255}, {213, 94, 0, 255}, {204, 121, 167, 255},
        };
        int n = (int)(sizeof hues / sizeof hues[0]), k = ((int)v % n + n) % n;
        return theme_mix(hues[k], th->bg, 0.45);
    }
    case PANEL_MASK:
        /* the only finite value of an additive mask is 0: "keep" */
        return th->keep;
    case PANEL_VALUES: {
        /* symmetric around zero so that white always means 0 */
        double m = fmax(fabs(vmin), fabs(vmax));
        if (!(m > 0) || isinf(m)) m = 1;
        return theme_diverging(v / m);
    }
    case PANEL_UNIT:
    case PANEL_LOSS: {
        double lo = vmin, hi = vmax;
        if (scale == PANEL_LOSS) lo = 0;
        if (!(hi > lo) || isinf(hi) || isinf(lo)) { lo = 0; hi = 1; }
        return theme_sequential(p, (v - lo) / (hi - lo));
    }
    }
    return th->token;
}

static double channel(uint8_t c)
{
    double s = c / 255.0;
    return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);
}

double theme_luminance(Rgba c)
{
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double theme_contrast(Rgba a, Rgba b)
{
    double la = theme_luminance(a), lb = theme_luminance(b);
    if (la < lb) { double t = la; la = lb; lb = t; }
    return (la + 0.05) / (lb + 0.05);
}

Rgba theme_text_on(Rgba bg)
{
    static const Rgba dark = RGB(0x111111), light = RGB(0xFFFFFF);
    return theme_contrast(dark, bg) >= theme_contrast(light, bg) ? dark : light;
}
