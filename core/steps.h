#pragma once
/* The step engine: for a scenario, a mode and a sentence (or the whole
 * batch) it computes everything once and lays it out as an ordered list
 * of steps. Each step names its matrices (panels) with row and column
 * labels, the operators between them, a formula and a caption. The
 * window, the PNG exporter, `print` and `dump` all read this list;
 * nothing outside core/ computes a number.
 * Ownership: steps_build returns a Steps the caller frees with
 * steps_free; every pointer inside it belongs to it. */
#include <stdbool.h>
#include <stddef.h>

#include "attn.h"
#include "batch.h"
#include "scenario.h"
#include "tensor.h"

typedef enum StepsMode {
    STEPS_PADDING,  /* key-column padding mask, loss over real tokens */
    STEPS_CAUSAL,   /* A_causal alone, on the longest sentence by default */
    STEPS_COMBINED, /* padding + causal: the decoder's training mask */
    STEPS_MLM,      /* mlm_batch, bidirectional, loss on [MASK] positions */
    STEPS_MODE_COUNT
} StepsMode;

/* How a panel's values map to colour. */
typedef enum PanelScale {
    PANEL_TOKENS,  /* token ids: categorical; PAD and MASK have fixed colours */
    PANEL_VALUES,  /* signed reals (scores, Q, K, V, output): diverging, symmetric */
    PANEL_MASK,    /* additive mask: 0 or -inf */
    PANEL_UNIT,    /* [0,1]: weights, loss masks: sequential */
    PANEL_LOSS,    /* non-negative losses: sequential from 0 */
} PanelScale;

typedef struct Panel {
    const char *name;        /* the notebook's variable, e.g. "A_scores" */
    char title[48];          /* shown above, e.g. "A_scores (s0)" */
    Tensor view;             /* 2-D [rows, cols] view; owned by the Steps */
    const char *const *row_labels; /* rows entries */
    const char *const *col_labels; /* cols entries */
    const char *row_axis;    /* "query", "token", "sentence", "dim" */
    const char *col_axis;    /* "key", "dim", "position" */
    PanelScale scale;
    double vmin, vmax;       /* colour range (shared by panels of one step and scale) */
    const char *op;          /* operator drawn before this panel: "", "+", "=", "×", "softmax →" */
    int grid_row;            /* 0 in a sentence view; sentence index in the batch view */
    int sentence;            /* batch row the panel belongs to, -1 for shared (A_causal, W) */
    const bool *row_dim;     /* [rows] rows drawn greyed out (padding), or NULL */
    const bool *col_dim;     /* [cols] */
} Panel;

#define STEPS_MAX_PANELS 8

typedef struct Step {
    const char *slug;        /* "tokens", "qkv", "scores", "mask", "masked", "weights", "output", "loss" */
    const char *title;       /* "Softmax weights" */
    char formula[160];       /* "A_weights = softmax(A_masked)" (UTF-8) */
    char caption[320];       /* one or two plain sentences */
    char note[240];          /* remarks and warnings, may be empty */
    char result[160];        /* a headline number, e.g. "mean loss = 0.650", may be empty */
    int npanels;
    Panel *panels;
    int grid_rows;           /* 1, or B in the batch view */
    int grid_cols;           /* panels per grid row */
} Step;

typedef struct Steps {
    StepsMode mode;
    int sentence;            /* -1: the whole batch */
    int count;
    Step *steps;
    /* the computation, whole batch */
    const Scenario *scenario; /* not owned: must outlive the Steps */
    Batch *batch;            /* `batch`, or `mlm_batch` in MLM mode */
    Tensor *padding_mask;    /* [B,L] */
    Tensor *mask;            /* [B,L,L] the mode's additive mask */
    Tensor *A_causal;        /* [L,L] */
    Tensor *A_pad;           /* [B,L,L] */
    Attention *attn;
    Tensor *losses;          /* [B,L] */
    Tensor *loss_mask;       /* [B,L] */
    Tensor *masked_losses;   /* [B,L] */
    bool *unscored;          /* [B] sentences whose loss mask is all 0: they teach nothing */
    double loss;             /* masked mean */
    double loss_all;         /* mean over every position (the wrong one) */
    void *priv;              /* labels and views */
} Steps;

/* "padding", "causal", "combined", "mlm". */
const char *steps_mode_name(StepsMode mode);
/* Parses a mode name; false if unknown. */
bool steps_mode_parse(const char *name, StepsMode *mode);
/* The sentence a mode shows first: the longest for causal, else 0. */
int steps_default_sentence(const Scenario *sc, StepsMode mode);

/* Computes and lays out every step. sentence is a batch row or -1 for
 * the batch view. Returns NULL and writes err if sentence is out of
 * range or the batch has more than MS_MAX_ATTN_CELLS attention cells
 * (the loaders refuse such scenarios first). */
Steps *steps_build(const Scenario *sc, StepsMode mode, int sentence,
                   char *err, size_t errlen);
/* Frees; steps_free(NULL) is a no-op. */
void steps_free(Steps *st);

/* The index of the step with this slug, or -1. */
int steps_find(const Steps *st, const char *slug);

/* Writes the arithmetic behind one cell, e.g.
 * "A_masked[2][3] = A_scores[2][3] + A_pad[2][3] = 0.41 + (−∞) = −∞",
 * into buf (UTF-8). False if the indices are out of range. */
bool steps_explain(const Steps *st, int step, int panel, int row, int col,
                   char *buf, size_t n);

/* Formats a value the way cells show it: 2 decimals, "−∞" for -inf,
 * "NaN", whole numbers for int panels. */
void steps_format_value(double v, bool is_int, int decimals, char *buf, size_t n);
