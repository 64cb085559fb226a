#pragma once
/* A lesson is a guided walk through the notebook: a title, the scenario
 * it uses, and ordered steps. Each step says what is on screen (mode,
 * engine step, sentence, which panels, highlight, edits) and what to say
 * about it (title, text, the notebook's PyTorch line, an optional
 * question whose answer is revealed on the next key press, with what the
 * answer reveals on screen). Lessons are data: the schema is in
 * lessons/README.md. Ownership: lesson_load/lesson_parse return a Lesson
 * the caller frees with lesson_free; lesson_state returns a Scenario the
 * caller frees with scenario_free. */
#include <stdbool.h>
#include <stddef.h>

#include "mode.h"
#include "scenario.h"
#include "steps.h"

#ifndef MS_MAX_LESSON_STEPS
#define MS_MAX_LESSON_STEPS 200
#endif
#ifndef MS_MAX_LESSON_TEXT
#define MS_MAX_LESSON_TEXT 1200 /* bytes of one step's text; a caption, not an essay */
#endif
#ifndef MS_MAX_LESSON_EDITS
#define MS_MAX_LESSON_EDITS 64
#endif
/* B*L*L attention cells of a lesson's scenario: a step that names panels
 * or a highlight is laid out once when the lesson is checked, so 200
 * steps of a 4096-token sentence would take 20 minutes; 65536 is, e.g.,
 * 16 sentences of 64 tokens */
#ifndef MS_MAX_LESSON_CELLS
#define MS_MAX_LESSON_CELLS (1u << 16)
#endif

/* Toggle [MASK] on MLM sentence `sentence`, position `pos`. */
typedef struct LessonEdit {
    int sentence, pos;
} LessonEdit;

/* What of its engine step a lesson step shows: some of its panels or
 * all, with or without the step's caption, note and headline number, and
 * what is outlined. A question step has one view before its answer and
 * one with it. */
typedef struct LessonView {
    StepsShow show;        /* show.show points into names (NULL: every panel) */
    char **names;          /* owned, show.nshow of them */
    int highlight_row;     /* a query (or token) row, -1: none */
    int highlight_col;     /* a key column, or a position of a [B, L] matrix, -1: none */
    int highlight_sentence;/* a sentence's row of the [B, L] matrices (tokens, loss steps), -1: none */
    bool highlight_cell;   /* a row (or sentence) and a column: outline that one cell */
} LessonView;

typedef struct LessonStep {
    char *title;        /* short heading */
    char *text;         /* the explanation, a few sentences */
    char *code;         /* the notebook's PyTorch line(s), may be NULL */
    char *question;     /* "predict first" question, may be NULL */
    char *answer;       /* revealed after the question, NULL iff question is */
    const Mode *mode;   /* a row of the mode table */
    int step;           /* index into the engine's steps */
    int sentence;       /* batch row, or -1 for the whole batch */
    LessonView view;    /* what shows (before the answer, for a question) */
    LessonView reveal;  /* what shows with the answer: everything, or the step's "reveal" */
    int nedits;
    LessonEdit *edits;
    /* per-step overrides of the scenario's display knobs; -1: keep */
    int padding;           /* ScenarioPadding */
    int nan_policy;        /* ScenarioNanPolicy */
    int mask_query_rows;   /* 0 or 1 */
    int setting[SETTING_GENERATE + 1]; /* window, prefix, sinks, pack_length, generate by ScenarioSetting; -1: keep */
} LessonStep;

/* A step that shows everything and changes nothing: no text yet, no
 * highlight, every display knob kept (-1). */
void lesson_step_init(LessonStep *ls);

typedef struct Lesson {
    char *title;
    char *path;         /* as given to lesson_load, or the name to lesson_parse */
    Scenario *scenario;
    int nsteps;
    LessonStep *steps;
} Lesson;

/* Loads and validates a lesson file: every problem is reported as one
 * line "file:line:column: steps[3].mode: …" (a "scenario_file" names its
 * own file, line and column); *io_error tells an unreadable file, the
 * lesson's or its scenario's, (exit 1) from an invalid one (exit 2). */
Lesson *lesson_load(const char *path, bool *io_error, char *err, size_t errlen);
/* The same from text in memory; a "scenario_file" is found next to name.
 * io_error may be NULL. */
Lesson *lesson_parse(const char *text, size_t len, const char *name, bool *io_error, char *err, size_t errlen);
/* Frees; lesson_free(NULL) is a no-op. */
void lesson_free(Lesson *l);

/* The scenario as step i shows it: the lesson's, with the step's edits. */
Scenario *lesson_state(const Lesson *l, int i);

/* Everything a front end needs to show lesson step i: the scenario in
 * the step's state, the mode, engine step, sentence, what of the step
 * shows before and with the answer, and the caption's text. The window,
 * the deck and the no-display frame all draw from this. */
typedef struct LessonFrame {
    Scenario *scenario;    /* owned: freed by lesson_frame_free */
    const Mode *mode;
    int step;              /* index into the mode's storyboard */
    int sentence;          /* batch row, or -1 for the whole batch */
    const LessonView *view;   /* what shows; for a question, before its answer */
    const LessonView *reveal; /* what shows with the answer (the same as view without a question) */
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
