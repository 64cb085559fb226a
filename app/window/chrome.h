#pragma once
/* Private to the view (view.c and chrome.c): the View itself and the
 * drawing of its own controls around the step. Not a public API: the
 * lesson player and the commands use view.h. */
#include <limits.h>
#include <stdbool.h>

#include <SDL.h>

#include "draw.h"
#include "editor.h"
#include "engine.h"
#include "lesson.h"
#include "paint.h"
#include "scenario.h"
#include "steps.h"
#include "viewbase.h"

/* What the mouse is over. */
typedef enum HoverKind {
    HOVER_NONE,
    HOVER_TAB,      /* index: the tab (reg.tab_mode says its mode) */
    HOVER_MODE_ROW, /* index: a mode in the picker */
    HOVER_TERM,     /* index: a term chip of the mask builder */
    HOVER_PREV,
    HOVER_NEXT,
    HOVER_STEP,     /* index: the step */
    HOVER_SENTENCE, /* index: the batch row, -1 for "all" */
    HOVER_CELL,     /* box, row, col of the layout */
    HOVER_TOKEN,    /* a token: sentence and batch position (label or token cell) */
    HOVER_SCREEN,   /* a cell of a screen: index its part (format or grid), row, col */
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
    int top_h, strip_h, terms_h, bottom_h, warn_h;
} ChromeSizes;

struct View {
    SDL_Window *win;
    SDL_Renderer *r;
    Painter *paint;
    Draw *draw;
    Scenario *original;      /* as opened: R restores it */
    Scenario *sc;            /* the working copy that MLM clicks edit */
    Engine *engine;          /* the mode computed on sc */
    Steps *st;               /* the engine laid out for the sentence */
    ViewState s;
    int batch_return;        /* the sentence `A` returns to */
    DrawLayout *layout;      /* large: on the heap */
    ViewRegions reg;
    ChromeSizes cz;
    bool dirty, laid_out, fullscreen;
    bool steps_fit;          /* the pipeline shows every step's name (else numbers beside the current one) */
    int mouse_x, mouse_y;    /* drawable pixels; -1 when outside */
    bool dragging;           /* the left button went down on zoomed matrices: motion pans them */
    Uint32 esc_at;           /* when Esc was last pressed with nothing to close (0: not just now) */
    Hover hover;
    char tip[VIEW_TIP_BYTES];
    char notice[320];
    SDL_TimerID notice_timer;
    char warning[200];
    char export_dir[PATH_MAX];
    ViewSaved saved;
    void *saved_ctx;
    SDL_Cursor *hand, *arrow;
    /* a lesson's caption, and what it shows of its step (the player sets them) */
    bool has_caption;
    bool caption_hidden;     /* K: the caption panel folded away, the matrices get its room */
    DrawCaption caption;
    int lesson_step;
    const LessonView *lesson_view;
    int modes_sel;           /* the mode picker's selected row */
    const Mode *built_from;  /* the mode B left for the builder, and returns to */
    const Mode *gallery_from; /* the mode G left for the bug gallery, and returns to */
    Screen *screen;          /* the translator and the leak view (s.screen says which is shown) */
    Editor *editor;          /* E: the sentence editor, when open */
    bool asking;             /* "Quit without saving your sentences?" is up */
    bool unsaved;            /* the editor changed the sentences since the last save */
    int edits;               /* times the editor changed the sentences */
    bool text_was_on;        /* SDL's text input was on before the editor opened (it restores it) */
    ViewOverlay overlay;
    void *overlay_ctx;
};

/* Sizes for a w×h drawable. */
ChromeSizes view_chrome_sizes(const View *v, int w, int h);
/* Lays out the bars for a w×h drawable; sets v->reg.frame and the
 * controls' rects. */
void view_chrome_layout(View *v, int w, int h);
/* Draws the tabs, indicator, pipeline, sentence strip and warning. */
void view_chrome_draw_bars(View *v);
/* Draws the tooltip, notice, help, mode picker and sentence editor, whichever are on. */
void view_chrome_draw_overlays(View *v);
/* Draws "Quit without saving your sentences?" when it is asked: over
 * everything, the view's overlay (the lesson picker) too. */
void view_chrome_draw_question(View *v);
