#pragma once
/* Headless PNG export: draws steps with the software renderer into a
 * surface and saves it as a PNG (pngenc.h), atomically (a temporary file in
 * the same directory, then rename), so a failed export leaves no file.
 * The same inputs give byte-identical files.
 * Ownership: export_new returns an Exporter the caller frees with
 * export_free. */
#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "mode.h"
#include "scenario.h"
#include "steps.h"

/* Frame sizes export accepts: from a small thumbnail to 8K UHD. */
#ifndef EXPORT_MIN_W
#define EXPORT_MIN_W 320
#endif
#ifndef EXPORT_MIN_H
#define EXPORT_MIN_H 200
#endif
#ifndef EXPORT_MAX_W
#define EXPORT_MAX_W 7680
#endif
#ifndef EXPORT_MAX_H
#define EXPORT_MAX_H 4320
#endif

/* Pixels one command may write in all (frames × width × height): a
 * 4K export --all of every mode or a 200-step deck at 1080p fit, an 8K
 * export --all (three gigapixels of PNG encoding) does not. */
#ifndef MS_MAX_EXPORT_PIXELS
#define MS_MAX_EXPORT_PIXELS ((size_t)1 << 30)
#endif
/* B·L·L attention cells export --all computes: every step of every mode
 * holds the mode's L×L tensors at once (one 2048-token sentence; a single
 * --step, or the window, goes up to MS_MAX_ATTN_CELLS). */
#ifndef MS_MAX_EXPORT_ALL_CELLS
#define MS_MAX_EXPORT_ALL_CELLS ((size_t)1 << 22)
#endif

typedef struct Exporter Exporter;

/* A software renderer drawing w×h frames. NULL and err if the size is
 * out of range or the fonts are missing. */
Exporter *export_new(int w, int h, char *err, size_t errlen);
/* Frees; export_free(NULL) is a no-op. */
void export_free(Exporter *ex);
/* Draws step of st into the exporter's surface (layout_out may be NULL). */
bool export_draw(Exporter *ex, const Steps *st, int step, const DrawOptions *o,
                 DrawLayout *layout_out);
/* Draws step of st with a lesson caption panel under it. */
bool export_draw_lesson(Exporter *ex, const Steps *st, int step, const DrawCaption *cap,
                        const DrawOptions *o);
/* The painter it draws with (its text-size tally, for tests). */
Painter *export_painter(Exporter *ex);
/* The surface export_draw drew into (owned by the exporter). */
SDL_Surface *export_surface(Exporter *ex);
/* Saves the surface to path atomically. False and err (naming the path
 * and the reason) on failure, with no file left behind. */
bool export_save(Exporter *ex, const char *path, char *err, size_t errlen);

/* One frame, start to finish: what the window shows as a w×h PNG at path. */
bool export_png(const Steps *st, int step, const DrawOptions *o, int w, int h,
                const char *path, char *err, size_t errlen);

/* Something other than a step drawn into a frame: paint(ctx, painter, frame). */
typedef void (*ExportPaint)(void *ctx, Painter *p, SDL_Rect frame);
/* One w×h frame drawn by paint, saved at path as export_png saves a step. */
bool export_png_paint(ExportPaint paint, void *ctx, int w, int h, const char *path, char *err, size_t errlen);

/* Saves an SDL_PIXELFORMAT_RGB888 surface (what the exporter draws into)
 * to path atomically (temporary file, then rename). */
bool export_save_surface(SDL_Surface *s, const char *path, char *err, size_t errlen);

/* The folder the window's S saves into, as an absolute path in buf:
 * $XDG_PICTURES_DIR, else the XDG_PICTURES_DIR of the user's
 * user-dirs.dirs ($XDG_CONFIG_HOME or ~/.config), else ~/Pictures when it
 * exists — each with "/maskscope" added and created — else the current
 * directory. Never fails: the current directory is the last resort. */
void export_pictures_dir(char *buf, size_t n);

/* export_all's sentence: each mode's own default. */
#define EXPORT_DEFAULT_SENTENCE (-2)

/* Called with the path of each file an export wrote, once every file is
 * in place (a set of files lands whole or not at all). */
typedef void (*ExportWrote)(const char *path, void *ctx);

/* "NN-mode-NN-step.png" for step (0-based) of mode m; false if it does not fit in n. */
bool export_frame_name(const Mode *m, int step, const char *slug, char *name, size_t n);
/* False and err (naming the limit) when frames of w×h pixels are more
 * than MS_MAX_EXPORT_PIXELS. */
bool export_check_pixels(int frames, int w, int h, char *err, size_t errlen);
/* True when sentence (-1: all, EXPORT_DEFAULT_SENTENCE: each mode's) exists in every mode's batch; else err. */
bool export_check_sentence(const Scenario *sc, int sentence, char *err, size_t errlen);

/* Every step of every mode of the table as w×h PNGs in dir (created if
 * missing), encoded on one worker per core. The frames land together or
 * not at all (stage.h), then wrote (may be NULL) hears of each. sentence
 * is a batch row, -1 for the whole batch, or EXPORT_DEFAULT_SENTENCE; it
 * is checked before anything is written. False and err on failure;
 * *io_error tells a write failure from bad input. */
bool export_all(const Scenario *sc, int sentence, const char *dir, int w, int h, const DrawOptions *o,
                ExportWrote wrote, void *ctx, bool *io_error, char *err, size_t errlen);
/* Calls wrote(dir/names[i], ctx) for the n names, in order (nothing when wrote is NULL). */
void export_tell_wrote(const char *dir, const char *const *names, int n, ExportWrote wrote, void *ctx);

/* DIR/maskscope-<mode>[-s<N>|-all]-NN-<step>[-K].png: the first name no
 * file has yet (what the window's S and the no-display frame write);
 * *base (may be NULL) points at the name inside path. */
void export_free_name(const Steps *st, int step, bool with_sentence, const char *dir, char *path, size_t n,
                      const char **base);
/* DIR/STEM.EXT, or DIR/STEM-K.EXT: the first name no file has yet (ext: "png", "json"). */
void export_free_stem(const char *stem, const char *ext, const char *dir, char *path, size_t n, const char **base);
