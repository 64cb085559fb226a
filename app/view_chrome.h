#pragma once
/* Private to the window (view.c and view_chrome.c): the View itself and
 * the drawing of its own controls around the step. Not a public API. */
#include <limits.h>
#include <stdbool.h>

#include <SDL.h>

#include "draw.h"
#include "font.h"
#include "lesson.h"
#include "scenario.h"
#include "steps.h"
#include "view.h"

/* Lessons the picker lists at most. */
#ifndef VIEW_MAX_PICKS
#define VIEW_MAX_PICKS 32
#endif

/* What the mouse is over. */
typedef enum HoverKind {
    HOVER_NONE,
    HOVER_TAB,      /* index: the mode */
    HOVER_PREV,
    HOVER_NEXT,
    HOVER_STEP,     /* index: the step */
    HOVER_SENTENCE, /* index: the batch row, -1 for "all" */
    HOVER_CELL,     /* box, row, col of the layout */
    HOVER_TOKEN,    /* a token: sentence and batch position (label or token cell) */
    HOVER_STALE,    /* the layout changed: look again at the next frame */
} HoverKind;

typedef struct Hover {
    HoverKind kind;
    int index;
    int box, row, col;     /* HOVER_CELL, and the cell of a token cell */
    int sentence, pos;     /* HOVER_TOKEN */
    bool on_cell;          /* a token hovered through its cell (tooltip explains the cell) */
    SDL_Rect anchor;       /* what the tooltip points at */
} Hover;

/* Sizes of the controls for one frame, from the drawable size and zoom. */
typedef struct ChromeSizes {
    double u;
    int px, small, tip, pad, gap;
    int top_h, strip_h, bottom_h, warn_h;
} ChromeSizes;

struct View {
    SDL_Window *win;
    SDL_Renderer *r;
    Draw *draw;
    Fonts *fonts;
    Scenario *original;      /* as opened: R restores it */
    Scenario *sc;            /* the working copy that MLM clicks edit */
    Steps *st;
    ViewState s;
    int batch_return;        /* the sentence `A` returns to */
    DrawLayout *layout;      /* large: on the heap */
    ViewRegions reg;
    ChromeSizes cz;
    bool dirty, laid_out, fullscreen;
    int mouse_x, mouse_y;    /* drawable pixels; -1 when outside */
    Hover hover;
    char tip[VIEW_TIP_BYTES];
    char notice[320];
    SDL_TimerID notice_timer;
    char warning[200];
    char export_dir[PATH_MAX];
    SDL_Cursor *hand, *arrow;
    /* lessons (view_lesson.c) */
    Lesson *lesson;          /* the lesson being played, or NULL */
    int lesson_step;
    bool answer_shown;
    bool picker;             /* the lesson picker is open */
    int picker_sel, npicks;
    char picks[VIEW_MAX_PICKS][PATH_MAX];
    char pick_titles[VIEW_MAX_PICKS][128];
    SDL_Rect pick_rects[VIEW_MAX_PICKS];
};

/* Sizes for a w×h drawable. */
ChromeSizes view_chrome_sizes(const View *v, int w, int h);
/* Lays out the bars for a w×h drawable; sets v->reg.frame and the
 * controls' rects. */
void view_chrome_layout(View *v, int w, int h);
/* Draws the tabs, indicator, pipeline, sentence strip and warning. */
void view_chrome_draw_bars(View *v);
/* Draws the tooltip, notice and help overlay, whichever are on. */
void view_chrome_draw_overlays(View *v);
/* The keys, for the help overlay and the man page's check: key, what it does. */
extern const char *const view_help_keys[][2];
extern const int view_help_count;

/* Lessons in the window (view_lesson.c). */
/* Keys while a lesson plays or the picker is open; true when consumed. */
bool view_lesson_key(View *v, const SDL_KeyboardEvent *k);
/* A click on the picker; true when consumed. */
bool view_lesson_click(View *v, int x, int y);
/* Draws the step (with the lesson's caption when one plays) into the frame. */
void view_lesson_draw_frame(View *v);
/* Draws the lesson picker when it is open. */
void view_lesson_draw_picker(View *v, int w, int h);
/* Frees the lesson. */
void view_lesson_close(View *v);
