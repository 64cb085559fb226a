#pragma once
/* The interactive window: one scenario, shown one step at a time, with
 * mode tabs, a step indicator, a sentence strip, hover tooltips that
 * write out a cell's arithmetic, [MASK] toggling in MLM mode, PNG export
 * and a help overlay. Everything it shows comes from the core's engine
 * and storyboard (engine.h, steps.h) and is drawn by draw.h; the view
 * only decides what to show. Modes come from the mode table (mode.h):
 * one tab per row, its number key, its name in file names.
 *
 * The view is driven one event at a time (view_handle_event) and redraws
 * only when something changed (view_render), so tests and benchmarks can
 * drive it in-process, and the lesson player (player.h) can drive it
 * through view_set_scenario, view_set_state and view_set_caption.
 * Ownership: view_open copies the scenario it is given; view_close frees
 * everything the view made, including its window. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "editor.h"
#include "engine.h"
#include "lesson.h"
#include "mode.h"
#include "scenario.h"
#include "steps.h"

#include "viewbase.h"

typedef struct ViewConfig {
    int w, h;               /* window size in points; 0 gives 1280×800 */
    const char *export_dir; /* where S writes PNGs; NULL gives "." */
    ViewSaved saved;        /* NULL: the file stays where S wrote it */
    void *saved_ctx;
    bool hidden;            /* open the window hidden (benchmarks) */
    ViewState state;        /* the first thing shown (see view_config_default) */
} ViewConfig;


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
/* Whether Esc would close something of the view's own (help, the mode
 * picker, a screen, the sentence editor, the question before quitting)
 * or leave fullscreen, rather than lead towards quitting. */
bool view_escape_closes(const View *v);
/* Whether the sentence editor or the question before quitting is open:
 * then every key, text and click goes to it (a lesson's keys too). */
bool view_modal(const View *v);
/* The user asked to quit (Q, a second Esc, the window's close button):
 * true when the window may close now. With sentences the editor changed
 * and nothing saved, it asks "Quit without saving your sentences? Y / N"
 * instead and returns false; Y then quits. */
bool view_may_quit(View *v);
/* Esc quits when pressed a second time within this many milliseconds. */
#ifndef VIEW_ESC_TWICE_MS
#define VIEW_ESC_TWICE_MS 1000
#endif
/* Draws and presents a frame if anything changed since the last one;
 * true if it drew. */
bool view_render(View *v);
/* Marks the frame as changed (the next view_render draws). */
void view_invalidate(View *v);

/* What is shown now. */
const ViewState *view_state(const View *v);
/* Shows s: rebuilds the engine if the mode changed, the storyboard if
 * the sentence did. False and err if s is out of range; the view is
 * unchanged. */
bool view_set_state(View *v, const ViewState *s, char *err, size_t errlen);
/* Replaces the scenario (a copy is kept; R returns to it) and shows it in
 * state s (NULL: the current state). False and err if s is out of range
 * for it; the view is unchanged. Sentences the editor changed are
 * replaced too: nothing is left unsaved. */
bool view_set_scenario(View *v, const Scenario *sc, const ViewState *s, char *err, size_t errlen);
/* Draws a caption panel under the step (a lesson's); on storyboard step
 * `step` it shows what lv says (which panels and texts, steps_show) and
 * outlines its highlight while the mouse points at nothing, across
 * sentence changes. NULL cap removes all of it. The strings and lv must
 * live until the next call. */
void view_set_caption(View *v, const DrawCaption *cap, int step, const LessonView *lv);
/* Something to draw over the frame before it is presented (the lesson
 * picker): draw(ctx, painter, w, h), or NULL. */
void view_set_overlay(View *v, ViewOverlay draw, void *ctx);
/* Shows a notice on the bottom bar for VIEW_NOTICE_MS. */
void view_notice_show(View *v, const char *msg);

/* Mouse coordinates (window points) to drawable pixels, where the regions are. */
void view_to_pixels(View *v, int x, int y, int *px, int *py);

/* The engine and storyboard shown now. */
const Engine *view_engine(const View *v);
const Steps *view_steps(const View *v);
/* The scenario shown now (with the [MASK] clicks). */
const Scenario *view_scenario(const View *v);
/* The renderer's layout of the step in the last frame. */
const DrawLayout *view_layout(const View *v);
/* Where the view's controls went in the last frame. */
const ViewRegions *view_regions(const View *v);
/* The notice on screen ("Saved …"), or "" when none. */
const char *view_notice(const View *v);
/* The tooltip on screen, or "" when none. */
const char *view_tooltip(const View *v);
/* The sentence editor (E): open or closed, its lines, caret and problem. */
const Editor *view_editor(const View *v);
/* Whether "Quit without saving your sentences?" is being asked. */
bool view_asking(const View *v);
/* Whether the editor changed the sentences since the last Ctrl+S. */
bool view_unsaved(const View *v);
/* How many times the editor has changed the sentences (the lesson player
 * leaves a lesson whose sentences were changed). */
int view_edits(const View *v);
/* The translator and leak view's data and layout (what s.screen shows). */
const Screen *view_screen(const View *v);
/* The window and its renderer (tests read pixels back), and the painter. */
SDL_Window *view_window(View *v);
SDL_Renderer *view_renderer(View *v);
/* The painter everything in the window is drawn with (its text-size tally, for tests). */
Painter *view_painter(View *v);

