#pragma once
/* Attention masks in the notebook's additive form (0 keeps, -inf blocks)
 * and the boolean forms libraries take. Every function returns a new
 * tensor the caller frees with tensor_free. */
#include <stdbool.h>
#include <stddef.h>

#include "batch.h"
#include "scenario.h"
#include "tensor.h"

/* `create_padding_mask(batch)`: [B,L], -inf where batch == pad. */
Tensor *mask_padding(const Batch *b);
/* A_pad: [B,L,L], row q of sentence s is padding_mask[s] (keys only). */
Tensor *mask_padding_keys(const Batch *b);
/* Like mask_padding_keys, but padded query rows are blocked entirely. */
Tensor *mask_padding_full(const Batch *b);
/* `torch.triu(torch.full((L, L), -inf), diagonal=1)`: [L,L]. */
Tensor *mask_causal(int L);
/* The [B,L,L] mask each batch row gets: a [L,L] mask repeated, plus an
 * optional [B,L,L] (either may be NULL, not both). */
Tensor *mask_add(const Tensor *per_sentence, const Tensor *shared_LL, int B);

/* Additive (0/-inf) to boolean keep (1 where attention is allowed). */
Tensor *mask_to_keep(const Tensor *additive);
/* Additive to boolean block (1 where attention is blocked: PyTorch's
 * `attn_mask` bool convention in nn.MultiheadAttention). */
Tensor *mask_to_block(const Tensor *additive);
/* Boolean keep to additive. */
Tensor *mask_from_keep(const Tensor *keep);

/* ---- mask terms: one family of masks each ---------------------------- */

/* What a term builds its mask from: the queries' batch and the keys'
 * batch (the same batch for self-attention; an encoder's batch for
 * cross-attention), so a mask may be [B, Lq, Lk] with Lq != Lk. */
typedef struct MaskInput {
    const Batch *queries;
    const Batch *keys;
    const Scenario *sc;
} MaskInput;

/* One family of attention masks, as data: every mode adds a list of
 * terms to the scores (A_masked = A_scores + term_0 + term_1 + ...).
 * A new family is one MaskTerm and one row in the mode table (mode.h). */
typedef struct MaskTerm {
    const char *name;     /* the notebook's variable: "A_pad", "A_causal" */
    const char *doc;      /* one line for print --list and the man page */
    bool shared;          /* the same [Lq,Lk] matrix for every sentence (drawn once) */
    /* the formula shown on the mask step, e.g. "A_causal = torch.triu(...)" */
    void (*formula)(const MaskInput *in, char *buf, size_t n);
    /* one or two sentences for the mask step's caption */
    void (*caption)(const MaskInput *in, char *buf, size_t n);
    /* fills row (Lk values) with query q of sentence s's mask: 0 keeps a
     * key, -inf blocks it. Row by row, so a mask need never be held whole */
    void (*row)(const MaskInput *in, int s, int q, double *row);
    /* why cell (s, q, k) is blocked, one line into buf; called for blocked cells only */
    void (*why)(const MaskInput *in, int s, int q, int k, char *buf, size_t n);
} MaskTerm;

/* Key-column padding (with the scenario's mask_query_rows: padded query
 * rows too), named A_pad. */
extern const MaskTerm mask_term_padding;
/* Future keys blocked, named A_causal; aligned to the bottom-right
 * corner when there are fewer queries than keys. */
extern const MaskTerm mask_term_causal;

/* The wider family (scenario keys window, prefix, sinks, global, pack_length, decoder): */
extern const MaskTerm mask_term_window;   /* A_window: causal and q - k < W (Hugging Face's W) */
extern const MaskTerm mask_term_prefix;   /* A_prefix: the first P tokens seen by all, the rest causal */
extern const MaskTerm mask_term_global;   /* A_global: |q - k| < W, global tokens see and are seen by all */
extern const MaskTerm mask_term_sink;     /* A_sink: causal window of W plus the first S tokens */
extern const MaskTerm mask_term_strided;  /* A_strided: causal, q - k < W or (q - k) mod W == 0 */
extern const MaskTerm mask_term_document; /* A_document: causal within a packed document only */
extern const MaskTerm mask_term_cross;    /* A_cross: decoder x encoder, the encoder's padding blocked */

/* A new [B, Lq, Lk] tensor holding term's mask for in. */
Tensor *mask_term_build(const MaskTerm *term, const MaskInput *in);
/* Adds the rows of every term in the NULL-terminated list (at most n)
 * for query q of sentence s into sum (Lk values, zeroed first). */
void mask_terms_row(const MaskTerm *const *terms, int n, const MaskInput *in, int s, int q, double *sum);
