#pragma once
/* Text for the renderer: the four DejaVu faces shipped in assets/fonts,
 * rasterised once per (face, pixel size) into glyph atlases that belong
 * to one SDL_Renderer, so that measuring and drawing text in a frame
 * allocates nothing once its glyphs have been seen.
 * Ownership: font_open returns a Fonts the caller frees with font_close,
 * before destroying the renderer it was opened for. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "theme.h"

#ifndef FONT_MIN_PX
#define FONT_MIN_PX 6
#endif
#ifndef FONT_MAX_PX
#define FONT_MAX_PX 240
#endif

typedef enum FontFace {
    FONT_SANS,
    FONT_SANS_BOLD,
    FONT_MONO,
    FONT_MONO_BOLD,
    FONT_FACE_COUNT
} FontFace;

typedef struct Fonts Fonts;

/* Finds the data directory holding fonts/DejaVuSans.ttf: $MASKSCOPE_DATA_DIR,
 * then assets, ../assets, ../../assets and ../share/maskscope next to the
 * executable, then the installed MASKSCOPE_DATADIR. Writes it into dir; false and err if none. */
bool font_find_data_dir(char *dir, size_t n, char *err, size_t errlen);

/* Opens the four faces from the data directory for renderer r. NULL and
 * one sentence in err if a font is missing or unreadable. */
Fonts *font_open(SDL_Renderer *r, char *err, size_t errlen);
/* Frees the atlases and faces; font_close(NULL) is a no-op. */
void font_close(Fonts *f);

/* Width in pixels of len bytes of UTF-8 text (len < 0: up to the NUL). */
int font_width(Fonts *f, FontFace face, int px, const char *s, int len);
/* Distance between baselines of two lines. */
int font_line_height(Fonts *f, FontFace face, int px);
/* Distance from the top of a line to its baseline. */
int font_ascent(Fonts *f, FontFace face, int px);
/* Draws text with its line box's top-left at (x, y); returns its width. */
int font_draw(Fonts *f, FontFace face, int px, int x, int y,
              const char *s, int len, Rgba c);
/* The bytes of the atlases' textures, and of the shelves their glyphs
 * fill (each atlas grows from a few shelves as glyphs arrive). */
void font_usage(const Fonts *f, size_t *texture_bytes, size_t *used_bytes);
/* How many bytes of s fit in max_w pixels, cut after a whole character. */
int font_fit(Fonts *f, FontFace face, int px, const char *s, int len, int max_w);
