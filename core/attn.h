#pragma once
/* Single-head scaled dot-product self-attention over a padded batch:
 * deterministic embeddings and projections from the seed, then
 *   Q = X W_q, K = X W_k, V = X W_v
 *   A_scores = Q K^T / sqrt(d_k)   (the notebook writes /d_k; sqrt is standard)
 *   A_masked = A_scores + mask
 *   A_weights = softmax(A_masked) per row
 *   output = A_weights V
 * Ownership: attn_compute returns an Attention the caller frees with
 * attn_free; its tensors belong to it. */
#include <stdint.h>

#include "batch.h"
#include "scenario.h"
#include "tensor.h"

typedef struct Attention {
    int B, L, d;
    Tensor *embeddings;   /* [B,L,d]: row = embedding of the token id */
    Tensor *W_q, *W_k, *W_v; /* [d,d] */
    Tensor *Q, *K, *V;    /* [B,L,d] */
    Tensor *scores;       /* A_scores [B,L,L] */
    Tensor *mask;         /* [B,L,L] additive (copy of the input) */
    Tensor *masked;       /* A_masked [B,L,L] */
    Tensor *weights;      /* A_weights [B,L,L] */
    Tensor *output;       /* [B,L,d] */
    bool *row_blocked;    /* [B*L] rows whose every key is masked */
    int blocked_rows;     /* how many */
} Attention;

/* One value of the generator: uniform in [-1, 1), from (seed, stream,
 * index) through SplitMix64 (documented in README.md). */
double attn_uniform(uint64_t seed, uint64_t stream, uint64_t index);

/* The embedding of token id, component j, for the given seed. */
double attn_embedding(uint64_t seed, int token_id, int j);

/* Computes every tensor above for batch b with additive mask [B,L,L]. */
Attention *attn_compute(const Batch *b, const Tensor *mask, int d_model,
                        uint64_t seed, ScenarioNanPolicy policy);
/* The same with the caller's embeddings [B,L,d] instead of the seed's
 * (the weights still come from the seed). */
Attention *attn_compute_with(const Tensor *embeddings, const Tensor *mask,
                             uint64_t seed, ScenarioNanPolicy policy);
/* Frees; attn_free(NULL) is a no-op. */
void attn_free(Attention *a);

/* The pieces, for the engine, which computes the L×L tensors only when asked: */
/* X [B,L,d]: the embedding of each token id of b. */
Tensor *attn_embed(const Batch *b, int d_model, uint64_t seed);
/* Adds the sinusoidal positional encoding of "Attention Is All You Need"
 * to x [B,L,d]: PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) =
 * cos(pos / 10000^(2i/d)), pos the token's position in its sentence (its
 * document when packed; a padding cell's own index in the row). */
void attn_add_positions(Tensor *x, const Batch *b);
/* Adds PE(pos, ·) to one row of d values: what attn_add_positions adds to each. */
void attn_position_row(double *row, int d, double pos);
/* W_q, W_k or W_v [d,d] from the seed's stream. */
Tensor *attn_matrix(uint64_t seed, uint64_t stream, int d);
/* x [B,L,d] @ w [d,e] -> [B,L,e]. */
Tensor *attn_project(const Tensor *x, const Tensor *w);
/* One row of it: out (e values) = x (d values) @ w [d,e], summed in the same order. */
void attn_project_row(const double *x, const Tensor *w, double *out);
/* Row q of A_scores: out[k] = (q · K[k]) × scale for the L keys of K [L,d]. */
void attn_scores_row(const double *q, const double *K, int L, int d, double scale, double *out);
/* A row of output: out (d values) = Σ_k w[k] · V[k] over L keys of V
 * [L,d]; exact zeros are skipped, and a NaN row gives NaN. */
void attn_output_row(const double *w, const double *V, int L, int d, double *out);

/* Numerically stable softmax of n values in place (max subtracted). A
 * row of only -inf becomes all 0 (SCENARIO_ROWS_ZERO) or all NaN
 * (SCENARIO_ROWS_NAN); returns true when the row was fully masked. */
bool attn_softmax_row(double *row, int n, ScenarioNanPolicy policy);
