#pragma once
/* Colours: the light and dark themes, the colour maps that turn a panel's
 * values into cell colours, and the contrast rule for text on a cell.
 * Everything here is a pure function of its arguments; nothing owns
 * memory. */
#include <stdbool.h>
#include <stdint.h>

#include "steps.h"

/* An sRGB colour, 8 bits per channel, opaque unless a < 255. */
typedef struct Rgba {
    uint8_t r, g, b, a;
} Rgba;

typedef enum ThemeId { THEME_LIGHT, THEME_DARK, THEME_COUNT } ThemeId;

/* The sequential map used for PANEL_UNIT and PANEL_LOSS panels. */
typedef enum ThemePalette { THEME_VIRIDIS, THEME_CIVIDIS, THEME_PALETTE_COUNT } ThemePalette;

typedef struct Theme {
    const char *name;  /* "light", "dark" */
    Rgba bg;           /* frame background */
    Rgba fg;           /* body text */
    Rgba muted;        /* secondary text: axis names, ticks */
    Rgba accent;       /* formula and highlights */
    Rgba note_bg;      /* behind the note line */
    Rgba note_fg;
    Rgba grid;         /* gaps between cells, panel outlines */
    Rgba masked;       /* −∞ cell */
    Rgba hatch;        /* hatch stripes over −∞ cells */
    Rgba masked_text;  /* the "−∞" glyph */
    Rgba keep;         /* 0 in an additive mask: attention allowed */
    Rgba nan;          /* NaN cell */
    Rgba pad;          /* [PAD] token cell */
    Rgba mask_token;   /* [MASK] token cell */
    Rgba token;        /* any other token cell */
    Rgba dim;          /* greyed-out (padding) cells are pulled towards this by a/255 */
    Rgba highlight;    /* outline of the highlighted token's row/column */
} Theme;

/* The theme's colours; id must be a valid ThemeId. */
const Theme *theme_get(ThemeId id);
/* Parses "light" or "dark"; false if unknown. */
bool theme_parse(const char *name, ThemeId *id);
/* "viridis" or "cividis". */
const char *theme_palette_name(ThemePalette p);
/* Parses "viridis" or "cividis"; false if unknown. */
bool theme_palette_parse(const char *name, ThemePalette *p);

/* The sequential map at t in [0,1] (clamped): t = 1 is the top colour. */
Rgba theme_sequential(ThemePalette p, double t);
/* The diverging map at t in [-1,1] (clamped): 0 is the neutral middle,
 * -1 the negative end, +1 the positive end. */
Rgba theme_diverging(double t);

/* The fill colour of a cell holding v in a panel of this scale and
 * colour range. */
Rgba theme_cell_colour(const Theme *th, ThemePalette p, PanelScale scale,
                       double vmin, double vmax, double v, int pad_id, int mask_id);

/* The fill of a cell tinted t (what happened to its token), t != PANEL_TINT_NONE. */
Rgba theme_tint(const Theme *th, PanelTint t);

/* WCAG 2 relative luminance of c, in [0,1]. */
double theme_luminance(Rgba c);
/* WCAG 2 contrast ratio between two colours, in [1,21]. */
double theme_contrast(Rgba a, Rgba b);
/* Whichever of the theme's near-black and near-white text colours has
 * the higher contrast against bg. */
Rgba theme_text_on(Rgba bg);
/* c greyed out for padding rows/columns: mostly desaturated, pulled
 * towards the background. */
Rgba theme_faded(const Theme *th, Rgba c);
/* a blended over b with weight t in [0,1] (t = 1 gives a). */
Rgba theme_mix(Rgba a, Rgba b, double t);
