#pragma once
/* Headless PNG export: draws steps with the software renderer into a
 * surface and saves it with IMG_SavePNG, atomically (a temporary file in
 * the same directory, then rename), so a failed export leaves no file.
 * The same inputs give byte-identical files.
 * Ownership: export_new returns an Exporter the caller frees with
 * export_free. */
#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
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

typedef struct Exporter Exporter;

/* `maskscope export ...`: argv[0] is the subcommand ("export"), options
 * follow (a leading program name before "export" is skipped too).
 * Returns the exit status: 0 done, 1 I/O failure, 2 bad usage or input;
 * failures print one line "maskscope export: ..." on stderr. */
int export_main(int argc, char **argv);

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
/* The surface export_draw drew into (owned by the exporter). */
SDL_Surface *export_surface(Exporter *ex);
/* Saves the surface to path atomically. False and err (naming the path
 * and the reason) on failure, with no file left behind. */
bool export_save(Exporter *ex, const char *path, char *err, size_t errlen);

/* One frame, start to finish: what the window shows as a w×h PNG at path. */
bool export_png(const Steps *st, int step, const DrawOptions *o, int w, int h,
                const char *path, char *err, size_t errlen);

/* Saves any surface to path atomically (temporary file, then rename). */
bool export_save_surface(SDL_Surface *s, const char *path, char *err, size_t errlen);
