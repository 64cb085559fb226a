#pragma once
/* A lesson is a guided walk through the notebook: a title, the scenario
 * it uses, and ordered steps. Each step says what is on screen (mode,
 * engine step, sentence, highlight, edits) and what to say about it
 * (title, text, the notebook's PyTorch line, an optional question whose
 * answer is revealed on the next key press). Lessons are data: the
 * schema is in lessons/README.md. Ownership: lesson_load/lesson_parse
 * return a Lesson the caller frees with lesson_free; lesson_state
 * returns a Scenario the caller frees with scenario_free. */
#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"
#include "mode.h"

#ifndef MS_MAX_LESSON_STEPS
#define MS_MAX_LESSON_STEPS 200
#endif
#ifndef MS_MAX_LESSON_TEXT
#define MS_MAX_LESSON_TEXT 1200 /* bytes of one step's text; a caption, not an essay */
#endif
#ifndef MS_MAX_LESSON_EDITS
#define MS_MAX_LESSON_EDITS 64
#endif
/* B*L*L attention cells of a lesson's scenario: every step is computed
 * once when the lesson is checked, so 200 steps of a 4096-token sentence
 * would take 20 minutes; 65536 is, e.g., 16 sentences of 64 tokens */
#ifndef MS_MAX_LESSON_CELLS
#define MS_MAX_LESSON_CELLS (1u << 16)
#endif

/* Toggle [MASK] on MLM sentence `sentence`, position `pos`. */
typedef struct LessonEdit {
    int sentence, pos;
} LessonEdit;

typedef struct LessonStep {
    char *title;        /* short heading */
    char *text;         /* the explanation, a few sentences */
    char *code;         /* the notebook's PyTorch line(s), may be NULL */
    char *question;     /* "predict first" question, may be NULL */
    char *answer;       /* revealed after the question, NULL iff question is */
    const Mode *mode;   /* a row of the mode table */
    int step;           /* index into the engine's steps */
    int sentence;       /* batch row, or -1 for the whole batch */
    int highlight_row;  /* -1: none */
    int highlight_col;  /* -1: none */
    int nedits;
    LessonEdit *edits;
    /* per-step overrides of the scenario's display knobs; -1: keep */
    int padding;           /* ScenarioPadding */
    int nan_policy;        /* ScenarioNanPolicy */
    int mask_query_rows;   /* 0 or 1 */
    int setting[SETTING_PACK_LENGTH + 1]; /* window, prefix, sinks, pack_length by ScenarioSetting; -1: keep */
} LessonStep;

typedef struct Lesson {
    char *title;
    char *path;         /* as given to lesson_load, or the name to lesson_parse */
    Scenario *scenario;
    int nsteps;
    LessonStep *steps;
} Lesson;

/* Loads and validates a lesson file: every problem is reported as one
 * line "file:line:column: steps[3].mode: …"; *io_error tells an
 * unreadable file (exit 1) from an invalid one (exit 2). */
Lesson *lesson_load(const char *path, bool *io_error, char *err, size_t errlen);
/* The same from text in memory. */
Lesson *lesson_parse(const char *text, size_t len, const char *name, char *err, size_t errlen);
/* Frees; lesson_free(NULL) is a no-op. */
void lesson_free(Lesson *l);

/* The scenario as step i shows it: the lesson's, with the step's edits. */
Scenario *lesson_state(const Lesson *l, int i);

/* Everything a front end needs to show lesson step i: the scenario in
 * the step's state, the mode, engine step, sentence and highlight, and
 * the caption's text. The window, the deck and the no-display frame all
 * draw from this. */
typedef struct LessonFrame {
    Scenario *scenario;    /* owned: freed by lesson_frame_free */
    const Mode *mode;
    int step;              /* index into the mode's storyboard */
    int sentence;          /* batch row, or -1 for the whole batch */
    int highlight_row, highlight_col; /* -1: none */
    char progress[32];     /* "4 / 11" */
    const char *lesson;    /* the lesson's title; these point into the lesson */
    const char *title, *text, *code, *question, *answer;
} LessonFrame;

/* Fills f for step i (0 <= i < nsteps). */
void lesson_frame(const Lesson *l, int i, LessonFrame *f);
/* Frees what lesson_frame made; safe on a zeroed frame. */
void lesson_frame_free(LessonFrame *f);

/* "padding-and-loss-masking" from a title, into buf (ASCII, lower case). */
void lesson_slug(const char *title, char *buf, size_t n);
