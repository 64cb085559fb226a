#pragma once
/* The interactive window: one scenario, shown one step at a time, with
 * mode tabs, a step indicator, a sentence strip, hover tooltips that
 * write out a cell's arithmetic, [MASK] toggling in MLM mode, PNG export
 * and a help overlay. Everything it shows comes from the step engine
 * (steps.h) and is drawn by draw.h; the view only decides what to show.
 *
 * The view is driven one event at a time (view_handle_event) and redraws
 * only when something changed (view_render), so tests and benchmarks can
 * drive it in-process, and a lesson player can drive it through
 * view_set_state.
 * Ownership: view_open copies the scenario it is given; view_close frees
 * everything the view made, including its window. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "draw.h"
#include "lesson.h"
#include "scenario.h"
#include "steps.h"

/* How long the "Saved …" notice stays on screen. */
#ifndef VIEW_NOTICE_MS
#define VIEW_NOTICE_MS 3500
#endif
/* Longest tooltip, in bytes of UTF-8. */
#ifndef VIEW_TIP_BYTES
#define VIEW_TIP_BYTES 1024
#endif

/* What is on screen. A lesson sets one of these per lesson step. */
typedef struct ViewState {
    StepsMode mode;
    int step;             /* index into the mode's steps, 0-based */
    int sentence;         /* batch row, or -1 for the whole batch */
    bool sentence_chosen; /* false: each mode opens on its own default sentence */
    DrawOptions opts;     /* theme, palette, values, zoom; highlights follow the mouse */
    bool help;            /* the help overlay is open */
} ViewState;

typedef struct ViewConfig {
    int w, h;               /* window size in points; 0 gives 1280×800 */
    const char *export_dir; /* where S writes PNGs; NULL gives "." */
    bool hidden;            /* open the window hidden (benchmarks) */
    ViewState state;        /* the first thing shown (see view_config_default) */
} ViewConfig;

/* Where the view's own controls went in the last frame, in drawable
 * pixels (what mouse events are mapped to). Empty rects are not shown. */
typedef struct ViewRegions {
    SDL_Rect tabs[STEPS_MODE_COUNT];   /* the mode tabs */
    SDL_Rect prev, next;               /* the step arrows */
    SDL_Rect indicator;                /* "step 3 / 8 — Softmax weights" */
    int nsteps;
    SDL_Rect steps[16];                /* the pipeline chips, one per step */
    int nsentences;                    /* chips shown; sentence_of[i] is the batch row, -1: all */
    SDL_Rect sentences[MS_MAX_SENTENCES + 1];
    int sentence_of[MS_MAX_SENTENCES + 1];
    SDL_Rect frame;                    /* where the step itself was drawn (what S exports) */
    SDL_Rect warning;                  /* the MLM "no [MASK]" warning */
    SDL_Rect tooltip, notice, help;    /* overlays */
} ViewRegions;

typedef struct View View;

/* Defaults: padding mode, step 1, the mode's default sentence, light theme. */
ViewConfig view_config_default(void);

/* Opens a window on a copy of sc. NULL and one sentence in err on failure;
 * *no_display (may be NULL) is set when the failure is that no window
 * can be opened here, as opposed to a bad state or missing fonts. SDL's
 * video subsystem must be initialised. */
View *view_open(const Scenario *sc, const ViewConfig *cfg, bool *no_display, char *err, size_t errlen);
/* Closes the window and frees; view_close(NULL) is a no-op. */
void view_close(View *v);

/* Handles one event. False when the user asked to quit. */
bool view_handle_event(View *v, const SDL_Event *e);
/* Draws and presents a frame if anything changed since the last one;
 * true if it drew. */
bool view_render(View *v);
/* Marks the frame as changed (the next view_render draws). */
void view_invalidate(View *v);

/* What is shown now. */
const ViewState *view_state(const View *v);
/* Shows s (the lesson hook): rebuilds the steps if the mode or sentence
 * changed. False and err if s is out of range; the view is unchanged. */
bool view_set_state(View *v, const ViewState *s, char *err, size_t errlen);
/* The steps shown now (rebuilt when the mode, sentence or an MLM edit changes). */
const Steps *view_steps(const View *v);
/* The renderer's layout of the step in the last frame. */
const DrawLayout *view_layout(const View *v);
/* Where the view's controls went in the last frame. */
const ViewRegions *view_regions(const View *v);
/* The notice on screen ("Saved …"), or "" when none. */
const char *view_notice(const View *v);
/* The tooltip on screen, or "" when none. */
const char *view_tooltip(const View *v);
/* The window and its renderer (tests read pixels back). */
SDL_Window *view_window(View *v);
SDL_Renderer *view_renderer(View *v);

/* Plays the lesson at path from its first step: each step sets the
 * scenario, mode, step, sentence and highlight, and the caption panel
 * shows its text; → reveals an answer, then moves on. False and one
 * line in err (file:line:column) if the lesson is invalid. */
bool view_open_lesson(View *v, const char *path, char *err, size_t errlen);
/* The lesson playing (NULL if none) and the index of its step. */
const Lesson *view_lesson(const View *v);
int view_lesson_step(const View *v);
/* Whether the answer of the current lesson step is shown. */
bool view_lesson_answer_shown(const View *v);

/* `maskscope [--scenario FILE] [--mode MODE] [--sentence N|all] [--theme T]`:
 * opens the window, or without a display writes the first frame as a
 * PNG in the current directory and says where. Returns the exit status. */
int view_main(int argc, char **argv);
