#pragma once
/* Pretraining corruption: how BERT and T5 turn plain sentences into a
 * training example. BERT chooses positions (each with probability p as
 * Hugging Face's DataCollatorForLanguageModeling does, an exact count as
 * the original create_pretraining_data.py does, or SpanBERT's spans) and
 * replaces 80% of them by [MASK], 10% by a random word and leaves 10%
 * unchanged; T5 replaces random spans by sentinels <extra_id_0>, … and
 * asks the decoder for the spans. Every draw is a pure function of the
 * scenario's seed (rng.h's streams RNG_BERT_* and RNG_T5_*).
 * Ownership: corrupt_bert and corrupt_t5 return draws the caller frees
 * with corrupt_bert_free and corrupt_t5_free; the draws point into
 * nothing. */
#include <stdbool.h>

#include "scenario.h"

/* What happened to a position of a BERT input (bert_action's values). */
typedef enum CorruptAction {
    CORRUPT_NONE = 0,   /* not chosen: not scored */
    CORRUPT_MASK = 1,   /* replaced by [MASK] (80% of the chosen) */
    CORRUPT_RANDOM = 2, /* replaced by a random word (10%) */
    CORRUPT_KEEP = 3,   /* left unchanged, but scored (10%) */
} CorruptAction;

/* The label of a position the loss does not score (PyTorch's ignore_index). */
#define CORRUPT_IGNORE_INDEX (-100)

/* SpanBERT's span lengths: Geo(p) in words, cut at CORRUPT_SPAN_MAX and renormalised. */
#define CORRUPT_SPAN_P 0.2
#define CORRUPT_SPAN_MAX 10

/* T5's sentinels are named "<extra_id_N>"; at most this many bytes. */
#define CORRUPT_SENTINEL_BYTES 24

typedef struct BertDraw {
    int count;               /* sentences */
    int *lengths;            /* tokens of each */
    CorruptAction **action;  /* [s][i] */
    int **first, **last;     /* [s][i]: the word or span a chosen position was chosen with; -1 if not chosen */
    int **input;             /* [s][i]: the corrupted sentence (bert_input) */
    int *candidates;         /* [s]: positions that may be chosen (not special) */
    int *draws;              /* [s]: the units the choice draws for: candidate words (whole words), else positions */
    int *budget;             /* [s]: how many the count and span selections choose; -1 for bernoulli */
} BertDraw;

typedef struct T5Draw {
    int count;               /* sentences */
    int *lengths;            /* tokens of each */
    bool **noise;            /* [s][i]: the noise mask (t5_noise) */
    int *noise_tokens;       /* [s]: noise tokens in the mask */
    int *spans;              /* [s]: noise spans in the mask */
    int **input, *input_lengths;   /* [s]: t5_input, each span replaced by its sentinel */
    int **target, *target_lengths; /* [s]: t5_target, each sentinel followed by its span, then a final sentinel */
    int nsentinels;          /* sentinels the batch uses: the most spans + 1 */
    int *sentinel_ids;       /* [nsentinels]: the id of <extra_id_i> (T5's order: <extra_id_0> the largest) */
    char (*sentinel_words)[CORRUPT_SENTINEL_BYTES]; /* [nsentinels]: "<extra_id_i>" */
} T5Draw;

/* Special tokens, never chosen by BERT: [PAD], [MASK] and any word in
 * brackets ("[CLS]", "[SEP]") or angle brackets ("<s>", "</s>"). */
bool corrupt_is_special(const Scenario *sc, int id);
/* Every known token that is not special, in increasing order: what
 * BERT's random replacement draws from (and decode's readout chooses
 * from). *n of them; the caller frees the array. */
int *corrupt_word_ids(const Scenario *sc, int *n);
/* A word piece that continues the word before it: "##ing". */
bool corrupt_is_piece(const Scenario *sc, int id);

/* BERT's corruption of sc's sentences with sc->bert. */
BertDraw *corrupt_bert(const Scenario *sc);
/* Frees; corrupt_bert_free(NULL) is a no-op. */
void corrupt_bert_free(BertDraw *d);

/* The draws behind a BERT position i of sentence s, recomputed from the
 * seed: the u that chose it (bernoulli selection: the draw of its word's
 * first position, chosen when u < p; NaN for the other selections), and
 * the u that picked its action (SpanBERT: the span's). */
double corrupt_bert_choice_u(const Scenario *sc, const BertDraw *d, int s, int i);
double corrupt_bert_action_u(const Scenario *sc, const BertDraw *d, int s, int i);

/* T5's counts for a sentence of n tokens, as random_spans_noise_mask
 * computes them (float32, rounding half to even): noise tokens
 * min(max(round(n·density), 1), n − 1) and spans max(round(noise / mean),
 * 1), at most the non-noise tokens. A one-token sentence has none (T5
 * computes the mask for two tokens and cuts it to one), nor has density 0. */
void corrupt_t5_counts(int n, const ScenarioT5 *t, int *noise, int *spans);
/* The lengths of t5_input and t5_target for a sentence of n tokens. */
void corrupt_t5_lengths(int n, const ScenarioT5 *t, int *input_len, int *target_len);
/* The longest t5_input and t5_target of sc's sentences. */
void corrupt_t5_shape(const Scenario *sc, int *input_len, int *target_len);

/* T5's span corruption of sc's sentences with sc->t5. */
T5Draw *corrupt_t5(const Scenario *sc);
/* Frees; corrupt_t5_free(NULL) is a no-op. */
void corrupt_t5_free(T5Draw *d);
/* i if id is <extra_id_i> in d, else -1. */
int corrupt_t5_sentinel(const T5Draw *d, int id);
