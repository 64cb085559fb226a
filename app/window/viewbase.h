#pragma once
/* What the view (view.h) and its bars and overlays (chrome.h) share:
 * the state on screen, where the controls went, the hooks a caller
 * gives, the help's entries. Below both, so neither includes the other. */
#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "draw.h"
#include "mode.h"
#include "paint.h"
#include "scenario.h"
#include "screen.h"
#include "theme.h"

/* How long the "Saved …" notice stays on screen. */
#ifndef VIEW_NOTICE_MS
#define VIEW_NOTICE_MS 3500
#endif
/* Longest tooltip, in bytes of UTF-8. */
#ifndef VIEW_TIP_BYTES
#define VIEW_TIP_BYTES 1024
#endif

/* The view; its fields are chrome.h's, its functions view.h's. */
typedef struct View View;

/* What is on screen. A lesson sets one of these per lesson step. */
typedef struct ViewState {
    const Mode *mode;     /* a row of the mode table */
    int step;             /* index into the mode's steps, 0-based */
    int sentence;         /* batch row, or -1 for the whole batch */
    bool sentence_chosen; /* false: each mode opens on its own default sentence */
    DrawOptions opts;     /* theme, palette, values, zoom; highlights follow the mouse */
    bool help;            /* the help overlay is open */
    bool modes;           /* the mode picker is open */
    ScreenKind screen;    /* the translator or the leak view in place of the step (SCREEN_NONE: the step) */
} ViewState;

/* Called after S wrote the PNG at path (base: its file name); the web
 * build hands the file to the browser as a download. False and err
 * when that failed: the view shows it instead of "Saved". */
typedef bool (*ViewSaved)(void *ctx, const char *path, const char *base, char *err, size_t errlen);


/* Where the view's own controls went in the last frame, in drawable
 * pixels (what mouse events are mapped to). Empty rects are not shown. */
typedef struct ViewRegions {
    int ntabs;
    SDL_Rect tabs[MODE_MAX + 1];       /* the modes with a number key, then "More" (or the current other mode) */
    int tab_mode[MODE_MAX + 1];        /* the mode index a tab shows; -1: "More", which opens the mode picker */
    int nmode_rows;                    /* the mode picker, when open: one row per mode of the table */
    SDL_Rect mode_rows[MODE_MAX];
    int nterms;                        /* the mask builder's chips (custom mode): one per buildable term */
    SDL_Rect terms[MODE_BUILDABLE_MAX];
    SDL_Rect prev, next;               /* the step arrows */
    SDL_Rect indicator;                /* "step 3 / 8 — Softmax weights" */
    int nsteps;
    SDL_Rect steps[16];                /* the pipeline chips, one per step */
    SDL_Rect caption;                  /* a lesson's caption panel, when one is set */
    int nsentences;                    /* chips shown; sentence_of[i] is the batch row, -1: all */
    SDL_Rect sentences[MS_MAX_SENTENCES + 1];
    int sentence_of[MS_MAX_SENTENCES + 1];
    SDL_Rect frame;                    /* where the step itself was drawn (what S exports) */
    SDL_Rect warning;                  /* the MLM "no [MASK]" warning */
    SDL_Rect tooltip, notice, help;    /* overlays */
    SDL_Rect editor;                   /* the sentence editor's panel (editor.h has its lines) */
    SDL_Rect quit_yes, quit_no;        /* the answers to "Quit without saving your sentences?" */
} ViewRegions;

/* Draws over the finished frame (the lesson picker): w×h drawable pixels. */
typedef void (*ViewOverlay)(void *ctx, Painter *p, const Theme *th, int w, int h);

/* The keys, for the help overlay and the man page: count, and entry i
 * (key NULL starts a group titled what). The mode keys are listed from
 * the mode table. */
int view_help_count(void);
void view_help_entry(int i, const char **key, const char **what);
