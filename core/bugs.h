#pragma once
/* The gallery of classic masking bugs, as data: one row per bug with the
 * buggy line of PyTorch, the correct one, what goes wrong and what a user
 * sees, the mode the correct line computes, and how the buggy line
 * differs (which cells it blocks, with what value, where it applies the
 * mask, in which precision). bugs_run computes both lines on a scenario:
 * the masks as each applies them, the weights and outputs (or, for a
 * loss bug, the positions each counts and the loss). The gallery mode,
 * the leak detector (--bug) and check-mask all read these rows.
 * Ownership: bugs_run returns a BugRun the caller frees with
 * bugs_run_free; every tensor it hands out belongs to it. */
#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "forward.h"

/* torch.finfo(torch.float16).min */
#define BUGS_F16_MIN (-65504.0)

typedef enum BugKind {
    BUG_ATTENTION, /* the attention weights go wrong */
    BUG_LOSS,      /* the loss counts positions it must not */
} BugKind;

/* What the wrong number is best shown as. */
typedef enum BugShows {
    BUG_SHOWS_OUTPUT,  /* the first output that differs */
    BUG_SHOWS_WEIGHTS, /* the first row of weights that differs */
    BUG_SHOWS_ROW_SUM, /* a row of weights that does not sum to 1 */
} BugShows;

typedef struct Bug {
    const char *slug;        /* "tril-for-triu": --bug, the gallery's step, file names */
    const char *title;       /* "tril where triu was meant" */
    const char *wrong_code;  /* the buggy line */
    const char *right_code;  /* the correct line */
    const char *why;         /* what goes wrong, in a sentence or two */
    const char *symptom;     /* what the user sees, one line */
    const char *mode;        /* the mode the correct line computes: combined, padding or mlm */
    bool left_padding;       /* shown on the batch padded on the left */
    BugKind kind;
    /* attention bugs: what blocked cells hold in the wrong and right code */
    double wrong_fill, right_fill;
    ForwardAt wrong_at;           /* where the wrong code applies its mask */
    ForwardPrecision precision;   /* both lines' precision */
    bool wrong_adds_two;          /* the wrong mask is two finfo.min masks added in float32 */
    /* the cells the wrong code blocks, variant v (0: as the gallery shows it;
     * others: the same slip without the padding term, …); NULL: the right cells */
    bool (*blocks)(const Engine *e, int v, int s, int q, int k);
    int variants;
    BugShows shows;
} Bug;

/* The gallery's rows, in the order it shows them. */
int bugs_count(void);
const Bug *bugs_at(int i);
/* The row named slug, or NULL. */
const Bug *bugs_find(const char *slug);
/* "tril-for-triu, diagonal-0, …". */
const char *bugs_names(void);

typedef struct BugRun BugRun;

/* Both lines of bug b on scenario sc (padded on the left when the bug
 * needs it). NULL and err if the batch is too large. */
BugRun *bugs_run(const Bug *b, const Scenario *sc, char *err, size_t errlen);
/* Frees; bugs_run_free(NULL) is a no-op. */
void bugs_run_free(BugRun *r);

const Bug *bugs_bug(const BugRun *r);
/* The correct line's mode on the bug's scenario: its batch, labels and mask. */
const Engine *bugs_engine(const BugRun *r);
/* The wrong (wrong = true) or right line as a Forward, for the leak detector. */
const Forward *bugs_forward(const BugRun *r, bool wrong);

/* Attention bugs, [B,Lq,Lk]: the mask each line applies (0 keeps; -inf or
 * a finfo minimum blocks), its weights; [B,Lq,d]: its outputs. For a mask
 * applied after the softmax, bugs_softmax is softmax(A_scores) before it. */
const Tensor *bugs_mask(const BugRun *r, bool wrong);
const Tensor *bugs_weights(const BugRun *r, bool wrong);
const Tensor *bugs_output(const BugRun *r, bool wrong);
const Tensor *bugs_softmax(const BugRun *r);

/* Loss bugs, [B,L]: the positions each line counts (1) and each
 * position's share of the mean (count / count.sum()); the mean itself. */
const Tensor *bugs_counted(const BugRun *r, bool wrong);
const Tensor *bugs_share(const BugRun *r, bool wrong);
double bugs_loss(const BugRun *r, bool wrong);
/* Which per-token losses each line's mean reads: n = B·L flags. */
void bugs_loss_reads(const BugRun *r, bool wrong, bool *out);

/* The wrong number bug r produces in sentence s (-1: the first sentence
 * that shows one), e.g. "output[0] “The” = [0.12, …], should be […]". */
void bugs_wrong_number(const BugRun *r, int s, char *buf, size_t n);
/* The first sentence whose outputs (or loss) differ between the lines, or -1. */
int bugs_telling_sentence(const BugRun *r);

/* Whether the cells blocked[s][q][k] (B·Lq·Lk flags, for e's batch) are
 * those the wrong code of b blocks, in any of its variants. */
bool bugs_blocks_match(const Bug *b, const Engine *e, const bool *blocked);
