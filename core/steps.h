#pragma once
/* The storyboard: for an engine (one scenario and mode, computed once)
 * and a sentence (or the whole batch) it lays the engine's tensors out
 * as an ordered list of steps. Each step names its matrices (panels)
 * with row and column labels, the operators drawn between them, a
 * formula and a caption. Each panel carries the id of the tensor it
 * shows and the recipe that made it, so a tooltip can write out a cell's
 * arithmetic without knowing which step it is on. The window, the PNG
 * exporter and lessons all read this list; nothing outside core/
 * computes a number.
 * Ownership: steps_build returns a Steps the caller frees with
 * steps_free; it points into the engine, which must outlive it. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "mode.h"
#include "tensor.h"

/* How a panel's values map to colour. */
typedef enum PanelScale {
    PANEL_TOKENS,  /* token ids: categorical; PAD and MASK have fixed colours */
    PANEL_VALUES,  /* signed reals (scores, Q, K, V, output): diverging, symmetric */
    PANEL_MASK,    /* additive mask: 0 or -inf */
    PANEL_UNIT,    /* [0,1]: weights, loss masks: sequential */
    PANEL_LOSS,    /* non-negative losses: sequential from 0 */
    PANEL_INDEX,   /* small whole numbers (document and position ids): categorical, -1 as padding */
} PanelScale;

/* What happened to a token, for panels whose cells are coloured by it
 * rather than by their value (the corruption's steps). */
typedef enum PanelTint {
    PANEL_TINT_NONE,     /* the scale's colour */
    PANEL_TINT_CHOSEN,   /* chosen by BERT's draw */
    PANEL_TINT_MASK,     /* chosen, replaced by [MASK] */
    PANEL_TINT_RANDOM,   /* chosen, replaced by a random word */
    PANEL_TINT_KEPT,     /* chosen, left unchanged (and scored) */
    PANEL_TINT_NOISE,    /* in one of T5's noise spans */
    PANEL_TINT_SENTINEL, /* a T5 sentinel <extra_id_N> */
    PANEL_TINT_IGNORED,  /* label -100: the loss skips it */
    PANEL_TINT_COUNT
} PanelTint;

/* What kind of cell a value is, before it becomes a colour. */
typedef enum PanelCell {
    PANEL_CELL_VALUE,  /* an ordinary number: colour from the map */
    PANEL_CELL_MASKED, /* -inf (or a mask's finfo.min): dark, hatched, "−∞" */
    PANEL_CELL_NAN,    /* NaN (a fully masked softmax row) */
    PANEL_CELL_PAD,    /* the [PAD] token id in a PANEL_TOKENS panel; -1 in a PANEL_INDEX one */
    PANEL_CELL_MASK,   /* the [MASK] token id in a PANEL_TOKENS panel */
} PanelCell;

/* What a panel's cells hold, found once when its step is finished, so a
 * legend need not scan an L×L matrix on every frame. */
enum {
    PANEL_HAS_NEG_INF = 1 << 0,   /* a masked cell that is -inf */
    PANEL_HAS_FINITE_MIN = 1 << 1, /* a masked cell that is finite (finfo.min) */
    PANEL_HAS_NAN = 1 << 2,
    PANEL_HAS_PAD = 1 << 3,
    PANEL_HAS_MASK_ID = 1 << 4,
    PANEL_HAS_OFF = 1 << 5,       /* a cell of cell_off */
    PANEL_HAS_DIM = 1 << 6,       /* a row or column of row_dim/col_dim */
};

/* Scales of plain numbers: a finite value of these is always
 * PANEL_CELL_VALUE, so a scan may skip panel_cell for it. */
static inline bool panel_numeric(PanelScale scale)
{
    return scale == PANEL_VALUES || scale == PANEL_UNIT || scale == PANEL_LOSS;
}

/* Classifies v for a panel of this scale (pad_id/mask_id matter only
 * for PANEL_TOKENS). Inline: heatmaps ask it once per pixel. */
static inline PanelCell panel_cell(PanelScale scale, double v, int pad_id, int mask_id)
{
    if (v != v) return PANEL_CELL_NAN;
    if (isinf(v) && v < 0) return PANEL_CELL_MASKED;
    /* a mask's only negative values block: -inf, or torch.finfo(dtype).min */
    if (scale == PANEL_MASK && v < 0) return PANEL_CELL_MASKED;
    if (scale == PANEL_TOKENS) {
        if (v == (double)pad_id) return PANEL_CELL_PAD;
        if (v == (double)mask_id) return PANEL_CELL_MASK;
    }
    if (scale == PANEL_INDEX && v < 0) return PANEL_CELL_PAD;
    return PANEL_CELL_VALUE;
}

typedef struct Panel {
    TensorId tensor;         /* what it shows */
    Recipe recipe;           /* how that tensor was made (operands are tensor ids) */
    const char *name;        /* the notebook's variable, e.g. "A_scores" */
    char title[48];          /* shown above, e.g. "A_scores⁽⁰⁾" */
    Tensor view;             /* 2-D [rows, cols] view into the engine's tensor */
    const char *const *row_labels; /* rows entries */
    const char *const *col_labels; /* cols entries */
    const char *row_axis;    /* "query", "token", "sentence", "dim" */
    const char *col_axis;    /* "key", "dim", "position", "token" */
    PanelScale scale;
    double vmin, vmax;       /* colour range (shared by panels of one step and scale) */
    const char *join;        /* operator drawn before this panel: "", "+", "=", "×", "softmax →" */
    int grid_row;            /* 0 in a sentence view; sentence index in the batch view */
    int sentence;            /* batch row the panel shows (whose words label it), -1 for a [B,L] whole */
    bool shared;             /* the same matrix for every sentence (A_causal, W_q) */
    const bool *row_dim;     /* [rows] rows drawn greyed out (padding), or NULL */
    const bool *col_dim;     /* [cols] */
    const char *const *cell_labels; /* [rows*cols] the word each cell belongs to ("[MASK]→cat"), or NULL */
    const bool *cell_off;    /* [rows*cols] cells a loss mask multiplied by 0 (drawn as masked out), or NULL */
    const unsigned char *tint; /* [rows*cols] PanelTint of each cell, or NULL */
    int first_col;           /* the position of column 0 in its batch row: a sentence shown without its padding */
    unsigned has;            /* PANEL_HAS_* bits, set by steps_finish */
} Panel;

/* Panels of one sentence's row in a step. */
#define STEPS_MAX_PANELS (MODE_MAX_TERMS + 4)

typedef struct Step {
    const char *slug;        /* "tokens", "qkv", …, "loss"; the mode's story names them (steps_story) */
    char title[80];          /* "Softmax weights", "Decode step 2: cache S = 7" */
    char formula[160];       /* "A_weights = softmax(A_masked)" (UTF-8) */
    char caption[320];       /* one or two plain sentences */
    char note[240];          /* remarks and warnings, may be empty */
    char result[160];        /* a headline number, e.g. "mean loss = 0.650", may be empty */
    int npanels;
    Panel *panels;
    int grid_rows;           /* strips: 1, or B in the batch view (times strips_per_sentence) */
    int strips_per_sentence; /* grid rows each sentence takes: 1, or 3 for Q, K and V's branches */
    int grid_cols;           /* panels per grid row */
} Step;

typedef struct Steps Steps;

/* A storyboard other than the attention story: a mode row that points at
 * one (mode.h's story) lays its steps out with these. The story's data
 * lives as long as the Steps; panels it lays out point into it. */
typedef struct StepsStory {
    /* how many steps, and their names (as steps_story) */
    int (*names)(const char *const **slugs);
    /* the story's data for engine e and sentence (-1: the whole batch) */
    void *(*open)(const Engine *e, int sentence);
    /* lays step i out: its text and panels (allocated with xmalloc; steps_free frees them) */
    void (*layout)(void *data, int i, Step *step);
    /* a cell's tooltip, as steps_explain */
    bool (*explain)(void *data, const Step *step, int panel, int row, int col, char *buf, size_t n);
    void (*close)(void *data);
} StepsStory;

/* The most steps a storyboard has, and the bytes of a step's name. */
#define STEPS_MAX_STORY 32
#define STEPS_SLUG_BYTES 24

/* A storyboard's step names, in order. */
typedef struct StepsNames {
    int count;
    char slug[STEPS_MAX_STORY][STEPS_SLUG_BYTES];
    const char *of[STEPS_MAX_STORY]; /* the catalogue step each tells (a repeated step's base name), or NULL */
    int repeat[STEPS_MAX_STORY];     /* a repeated step's number: 1, 2, …; 0 for the others */
} StepsNames;

/* The step names mode m's storyboard has on scenario sc, in order,
 * without computing anything (lessons check their steps against this):
 * the mode's own story (bert and t5 tell what corruption does, decode
 * generation), else the attention story tokens, qkv, scores, mask,
 * masked, weights, output, loss. A step the row repeats (its `repeat`)
 * comes once per generated token, named decode1, decode2, …; sc NULL
 * counts the running example's (SCENARIO_GENERATE). Fills *names and
 * returns how many. */
int steps_story(const Mode *m, const Scenario *sc, StepsNames *names);

/* Lays out every step of e for sentence (a batch row) or -1 (the whole
 * batch). NULL and err if the sentence is out of range. */
Steps *steps_build(const Engine *e, int sentence, char *err, size_t errlen);
/* Frees; steps_free(NULL) is a no-op. */
void steps_free(Steps *st);

/* The engine the storyboard reads. */
const Engine *steps_engine(const Steps *st);
/* The sentence shown, -1 for the whole batch. */
int steps_sentence(const Steps *st);
/* The number of steps, and step i (0 <= i < steps_count): laid out on
 * first use, when the engine computes what it shows. */
int steps_count(const Steps *st);
const Step *steps_at(const Steps *st, int i);
/* The name of step i, without laying it out. */
const char *steps_slug(const Steps *st, int i);
/* The index of the step with this slug, or -1. */
int steps_find(const Steps *st, const char *slug);

/* What of a step to show, for slides that build up and questions that
 * hide their answer: only the panels whose notebook name (Panel.name, e.g.
 * "batch_losses") is in show, and the step's caption, note and headline
 * number unless hidden. show NULL: every panel; nshow 0 with show set:
 * none. */
typedef struct StepsShow {
    const char *const *show;
    int nshow;
    bool hide_result, hide_caption, hide_note;
} StepsShow;

/* From now on step i is laid out as show says (NULL: all of it). The
 * names are copied. A panel keeps the operator before it only when the
 * panel it joins is shown too. A step already laid out is laid out again
 * on next use, so Step pointers and panel indices taken before are stale. */
void steps_show(Steps *st, int i, const StepsShow *show);
/* Whether name is the name of a panel step i shows; when it is not,
 * names (if not NULL) receives the step's distinct panel names,
 * comma-separated, for a message. */
bool steps_has_panel(const Steps *st, int i, const char *name, char *names, size_t n);

/* Writes the arithmetic behind one cell, e.g.
 * "A_masked⁽⁰⁾[2][3] = A_scores[2][3] + A_pad[2][3] = 0.41 + (−∞) = −∞",
 * into buf (UTF-8), from the panel's recipe. False if the indices are
 * out of range. */
bool steps_explain(const Steps *st, int step, int panel, int row, int col,
                   char *buf, size_t n);

/* The decimals cells are printed with (2 by default; 0..6): tooltips say
 * when the printed, rounded values of a row do not add up as the exact
 * ones do. */
void steps_set_decimals(Steps *st, int decimals);
int steps_decimals(const Steps *st);
/* The token at position pos of sentence s on a panel's rows (rows) or
 * columns: its word and id, from the batch that axis belongs to (the
 * original sentences, the queries' or the keys'). False when the axis is
 * not one of tokens or pos is out of range. */
bool steps_token(const Steps *st, int step, int panel, bool rows, int s, int pos, const char **word, int *id);

/* The legend's words for a tint, e.g. "random word (10%)". */
const char *steps_tint_label(PanelTint t);

/* A story's own tooltip for a cell, which steps_explain asks first;
 * *done is false when the storyboard is the attention story. */
bool steps_story_explain(const Steps *st, int step, int panel, int row, int col, char *buf, size_t n, bool *done);

/* Labels "s0", "s1", …: n strings made from prefix and a number, for
 * axes; freed with steps_labels_free. */
char **steps_labels(const char *prefix, int n);
void steps_labels_free(char **labels, int n);

/* Sets the colour range of every panel of a step from its values (one
 * range per scale), what its cells hold (Panel.has, with pad_id and
 * mask_id as panel_cell takes them), and the step's grid rows and
 * columns; a story's layout gets this done for it. */
void steps_finish(Step *step, int pad_id, int mask_id);

/* Formats a value the way cells show it: 2 decimals, "−∞" for -inf,
 * "NaN", whole numbers for int panels. */
void steps_format_value(double v, bool is_int, int decimals, char *buf, size_t n);
