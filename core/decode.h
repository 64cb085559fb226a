#pragma once
/* Generation with a KV cache, step by step, as a decoder runs at
 * inference:
 *
 *   prefill   every prompt token at once: the prompts' L×L scores under
 *             the padding and the causal mask; each token's key and value
 *             go into the cache, [B, S = L, d]
 *   decode t  one new token per prompt (t = 1 … N): its key and value are
 *             appended to the cache (S = L + t) and its one query row
 *             reads every cached key under the padding mask alone: no key
 *             after it exists, so a causal mask would block nothing
 *
 * The new token is the argmax of a tied-embedding readout of the last
 * output, logits = output · Eᵀ over the scenario's words (special tokens
 * left out): deterministic, and only there to feed the loop; the point is
 * the masks. Positions are cumsum(attention_mask) − 1, as Hugging Face
 * computes them for a padded batch.
 * Ownership: decode_run returns a Decode the caller frees with
 * decode_free; every tensor a decode_ function returns is the caller's. */
#include <stdbool.h>
#include <stddef.h>

#include "batch.h"
#include "scenario.h"
#include "tensor.h"

/* What one decode step holds: decode_step(d, t, kind). */
typedef enum DecodeKind {
    DECODE_Q,        /* q_t [B,1,d]: the new token's query */
    DECODE_K_CACHE,  /* k_cache_t [B,S_t,d]: every key so far, the new token's last */
    DECODE_V_CACHE,  /* v_cache_t [B,S_t,d] */
    DECODE_KT_CACHE, /* [B,d,S_t]: k_cache_t transposed, as the scores are drawn */
    DECODE_SCORES,   /* scores_t [B,1,S_t] = q_t · k_cache_tᵀ / √d_k */
    DECODE_MASK,     /* mask_t [B,1,S_t]: the padding mask's row, 0 / −inf */
    DECODE_MASKED,   /* masked_t = scores_t + mask_t */
    DECODE_WEIGHTS,  /* weights_t = softmax(masked_t) */
    DECODE_OUTPUT,   /* output_t [B,1,d] = weights_t · v_cache_t */
    DECODE_KINDS
} DecodeKind;

/* The masks decode_attend may apply, as bits. */
enum {
    DECODE_PADDING = 1u << 0,        /* [PAD] keys blocked: what a decode step uses */
    DECODE_CAUSAL = 1u << 1,         /* keys after the query blocked, aligned bottom-right (absolute positions) */
    DECODE_CAUSAL_TOPLEFT = 1u << 2, /* the one query taken as query 0: keys after key 0 blocked (SDPA's is_causal) */
};

typedef struct Decode {
    int B, L, N, T, d;         /* prompts B×L, N new tokens each, T = L + N columns, width d */
    Batch *seq;                /* [B,T]: each prompt, padded as the scenario says, then its N new tokens */
    bool *pad;                 /* [B*T]: [PAD] cells of seq */
    Tensor *generated;         /* [B,N] int: the new tokens */
    Tensor *attention_mask;    /* [B,T] int: 1 real, 0 [PAD] */
    Tensor *position_ids;      /* [B,T] int: cumsum(attention_mask) − 1 */
    Tensor *naive_positions;   /* [B,T] int: arange(T): positions counted from the left edge */
    Tensor *x;                 /* [B,T,d]: each token's embedding (plus PE of its position, with "positions") */
    Tensor *q, *k, *v;         /* [B,T,d]: queries and the cache after the last step */
    Tensor *output;            /* [B,T,d]: the prefill's rows, then one row per decode step */
    Tensor *readout_ids;       /* [V] int: the tokens the readout chooses from */
    Tensor *readout;           /* [V,d]: their embeddings, E (tied) */
    Tensor *logits;            /* [B,N+1,V]: row 0 the prefill's at the last prompt token, row t step t's */
    int *last;                 /* [B]: the prompt's last real column, where token 1 is read */
    int *next;                 /* [B]: what step N's output chooses: the token after the N generated */
    bool positions;            /* the scenario adds sinusoidal positions */
    Tensor *naive_generated;   /* [B,N] int: what positions from the left edge would generate (positions only) */
    double naive_change;       /* and the largest change they make to output over real tokens */
    ScenarioNanPolicy policy;
} Decode;

/* Prefill and sc->generate decode steps over the prompts' batch (padded
 * as the caller chose), with the projections W_q, W_k, W_v [d,d]. */
Decode *decode_run(const Scenario *sc, const Batch *prompts, const Tensor *W_q, const Tensor *W_k,
                   const Tensor *W_v);
/* Frees; decode_free(NULL) is a no-op. */
void decode_free(Decode *d);

/* Decode step t's (1 <= t <= N) tensor of kind k, [B, …], as the step
 * computed it from the cache. */
Tensor *decode_step(const Decode *d, int t, DecodeKind k);
/* Step t's query column in seq (L + t − 1) and cache length (L + t). */
int decode_column(const Decode *d, int t);
int decode_cache_length(const Decode *d, int t);

/* Sentence s's output row of step t (d values) with the masks given
 * (DECODE_ bits) instead of the padding mask alone: the same cache, the
 * same query. */
void decode_attend(const Decode *d, int t, int s, unsigned masks, double *out);

/* One causal forward pass over the whole sequence, padding + causal
 * (mask_query_rows as sc says): weights [B,T,T] and output [B,T,d]. */
void decode_full(const Decode *d, const Scenario *sc, Tensor **weights, Tensor **output);

/* The causal mask of q new queries against S keys, [q,S], 0 / −inf:
 * aligned to the bottom-right corner (query i is position S − q + i, so
 * keys k <= S − q + i are kept: flash-attn since 2.1, Hugging Face with
 * its cache offset) or to the top-left (keys k <= i: what
 * scaled_dot_product_attention(is_causal=True) builds when q != S). */
Tensor *decode_aligned_causal(int q, int S, bool bottom_right);

/* The name of step t's tensor of kind k: "q_2", "k_cache_2ᵀ". */
void decode_name(int t, DecodeKind k, char *buf, size_t n);

/* Score cells one sentence computes: the prefill's L·L and each step's S_t;
 * and what a full pass per new token, without a cache, would (Σ S_t²). */
long long decode_cost(const Decode *d);
long long decode_cost_without_cache(const Decode *d);
