#pragma once
/* The mode table: one row per masking scheme, the way kilo keeps one row
 * per language. A row names the scheme (for the command line, the
 * window's tabs and keys, lessons and file names), says which batch it
 * computes on, which mask terms it adds to the scores, how its loss mask
 * is made and which sentence it shows first. Everything that lists,
 * parses or documents modes reads this table; nothing else names them.
 * Ownership: rows are static (or, for mode_register, owned by the caller
 * and kept alive for the program's life). */
#include <stdbool.h>
#include <stddef.h>

#include "mask.h"
#include "scenario.h"

struct StepsStory; /* steps.h: a storyboard of the row's own */

/* Mask terms one mode may add. */
#define MODE_MAX_TERMS 4
/* Rows the table holds, built-in and registered. */
#ifndef MODE_MAX
#define MODE_MAX 32
/* terms the mask builder offers (mode_buildable_count) */
#define MODE_BUILDABLE_MAX 8
#endif

/* Which batch a mode computes on. */
typedef enum ModeBatch {
    MODE_BATCH_MAIN,   /* `batch`: the scenario's sentences, padded */
    MODE_BATCH_MLM,    /* `mlm_batch`: the MLM sentences with [MASK] tokens */
    MODE_BATCH_PACKED, /* the sentences packed end to end into rows (batch_packed) */
    MODE_BATCH_CROSS,  /* decoder queries (the scenario's decoder) against the batch's keys */
    MODE_BATCH_BERT,   /* `bert_input`: the sentences after BERT's corruption (corrupt.h) */
    MODE_BATCH_T5,     /* `t5_target` queries against `t5_input` keys: T5's span corruption (corrupt.h) */
    MODE_BATCH_DECODE, /* `batch`, the prompts (left-padded unless the scenario says), then generation (decode.h) */
} ModeBatch;

/* Which positions the loss counts. */
typedef enum ModeLoss {
    MODE_LOSS_PADDING, /* real tokens: (batch != PAD).float(), times loss_weights */
    MODE_LOSS_MLM,     /* [MASK] positions: (batch == MASK).float() */
    MODE_LOSS_PREFIX,  /* real tokens after the prefix: a prefix-LM's targets (the prefix is context) */
    MODE_LOSS_NEXT_TOKEN, /* a decoder's: position t is scored on token t + 1 (targets = batch[:, 1:]); the
                           * last real token has no target */
    MODE_LOSS_LABELS,  /* where `labels` is not -100 (bert: the chosen positions; t5: the real target tokens) */
} ModeLoss;

/* The sentence a mode opens on. */
typedef enum ModeSentence {
    MODE_SENTENCE_FIRST,   /* sentence 0 */
    MODE_SENTENCE_LONGEST, /* the longest, as the notebook shows A_causal */
} ModeSentence;

typedef struct Mode {
    const char *name;     /* "combined": command line, lessons, file names */
    const char *title;    /* "Padding + causal mask": frame headers */
    const char *tab;      /* "Padding + causal": the window's tab */
    char key;             /* '3': the window's number key; 0 for none */
    const char *summary;  /* one line for --help and the man page */
    ModeBatch batch;
    const MaskTerm *terms[MODE_MAX_TERMS + 1]; /* added to the scores, NULL-terminated */
    ModeLoss loss;
    ModeSentence sentence;
    const char *mask_caption;   /* the mask step's caption with several terms (else the term's) */
    const char *output_caption; /* the output step's caption, or NULL for the default */
    const char *pitfall;        /* the conventions that cause bugs, for the mask step's note, or NULL */
    ScenarioSetting setting;    /* what [ and ] change in the window (SETTING_NONE: nothing) */
    const char *setting_label;  /* its letter on screen, e.g. "W" */
    const char *const *steps;   /* the attention catalogue's steps this row shows, NULL-terminated; NULL: the attention story */
    const char *repeat;         /* a step of .steps told once per generated token ("generate"): decode1, decode2, … */
    const struct StepsStory *story; /* NULL: steps from the catalogue; else the row's own storyboard (the bug gallery) */
    ScenarioDraw redraw;        /* the random draw the window's N redraws (SCENARIO_DRAW_NONE: none) */
} Mode;

/* Rows in the table, and row i (0 <= i < mode_count()). */
int mode_count(void);
const Mode *mode_at(int i);
/* The row's index in the table. */
int mode_index(const Mode *m);
/* The row named name, or NULL. */
const Mode *mode_find(const char *name);
/* The row whose window key is key, or NULL. */
const Mode *mode_for_key(char key);
/* The first row: what opens when nothing is chosen. */
const Mode *mode_default(void);

/* Adds a row (a new scheme from a plug-in or a test). False and err if
 * the name or key is taken, a term is missing or the table is full. */
bool mode_register(const Mode *m, char *err, size_t errlen);

/* The mask builder's mode: a row named "custom" whose terms are chosen at
 * run time from spec, a comma-separated list of padding, causal, window,
 * prefix, sinks, global, strided and document, each of the last six
 * optionally with a value (window=4, prefix=2, sinks=1, global=0+3,
 * strided=3) that is written into sc. document packs the batch. The row
 * is registered on first use and rewritten by each call; engines of an
 * earlier spec must be freed before they are used again. NULL and err
 * (naming the item) on a bad spec; sc is then unchanged. */
const Mode *mode_build(const char *spec, Scenario *sc, char *err, size_t errlen);
/* The names mode_build takes, for messages and help: "padding, causal, …". */
const char *mode_build_terms(void);
/* The builder's terms one by one (the window's chips): how many, the
 * i-th's name, the label of the value it takes ("W", "P", "S" or NULL),
 * and whether mode m has it among its terms. */
int mode_buildable_count(void);
const char *mode_buildable_name(int i);
const char *mode_buildable_label(int i);
ScenarioSetting mode_buildable_setting(int i);
bool mode_buildable_in(const Mode *m, int i);
/* Whether m is the builder's row ("custom"). */
bool mode_is_built(const Mode *m);
/* The spec of m's buildable terms with term i added or removed (i = -1:
 * as they are), "padding,causal,window" (values stay the scenario's);
 * "" when m has none. */
void mode_build_spec(const Mode *m, int toggle, char *buf, size_t n);

/* Every row's name, in the table's order, joined with ", " and last_sep
 * before the last (e.g. " or ", ", "). */
void mode_names(char *buf, size_t n, const char *last_sep);

/* How many mask terms the row adds. */
int mode_nterms(const Mode *m);
/* The shape of the batch a mode computes on: B rows, Lq query and Lk
 * key positions (Lq == Lk but for cross-attention). */
void mode_shape(const Mode *m, const Scenario *sc, int *B, int *Lq, int *Lk);
/* B·Lq·Lk: the attention cells of the mode's batch (decode: of its
 * whole sequences, B·T·T with T = L + N, the largest matrix it holds). */
size_t mode_cells(const Mode *m, const Scenario *sc);
/* The sentence the mode opens on. */
int mode_default_sentence(const Mode *m, const Scenario *sc);
/* Whether the row tells the attention story (its tensors can be printed
 * and dumped), rather than a storyboard of its own (the bug gallery). */
bool mode_has_tensors(const Mode *m);
