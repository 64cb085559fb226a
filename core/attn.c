/* Scaled dot-product attention, one head, written out the long way so
 * every intermediate the notebook names can be shown:
 *
 *     X (embeddings) --W_q--> Q ┐
 *                    --W_k--> K ┴-> A_scores = Q K^T / sqrt(d_k)
 *                               A_masked  = A_scores + mask
 *                               A_weights = softmax(A_masked), row by row
 *                    --W_v--> V --> output = A_weights V
 *
 * The notebook's text divides by d_k; we divide by sqrt(d_k) as in
 * "Attention Is All You Need" and PyTorch, and the step caption says so.
 * Embeddings depend on the token id only (no positional encoding), so a
 * word means the same thing in every sentence and left and right padding
 * give the same numbers for real tokens. */
#include "attn.h"

#include <math.h>
#include <stdlib.h>

#include "rng.h"
#include "xmalloc.h"

double attn_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
    return 2.0 * rng_uniform(seed, stream, index) - 1.0;
}

double attn_embedding(uint64_t seed, int token_id, int j)
{
    return attn_uniform(seed, RNG_EMBEDDINGS, (uint64_t)token_id * MS_MAX_D_MODEL + (uint64_t)j);
}

bool attn_softmax_row(double *row, int n, ScenarioNanPolicy policy)
{
    double m = -INFINITY;
    for (int i = 0; i < n; i++)
        if (row[i] > m)
            m = row[i];
    if (m == -INFINITY) {
        for (int i = 0; i < n; i++)
            row[i] = policy == SCENARIO_ROWS_NAN ? NAN : 0.0;
        return true;
    }
    /* subtract the max so exp never overflows; -inf becomes exactly 0 */
    double sum = 0;
    for (int i = 0; i < n; i++) {
        row[i] = exp(row[i] - m);
        sum += row[i];
    }
    for (int i = 0; i < n; i++)
        row[i] /= sum;
    return false;
}

void attn_scores_row(const double *q, const double *K, int L, int d, double scale, double *out)
{
    for (int k = 0; k < L; k++) {
        const double *kv = K + (size_t)k * d;
        double acc = 0;
        for (int j = 0; j < d; j++)
            acc += q[j] * kv[j];
        out[k] = acc * scale;
    }
}

void attn_output_row(const double *w, const double *V, int L, int d, double *out)
{
    for (int j = 0; j < d; j++)
        out[j] = 0;
    /* skip exact zeros so -inf keys contribute nothing even when V holds large values */
    for (int k = 0; k < L; k++)
        if (w[k] != 0)
            for (int j = 0; j < d; j++)
                out[j] += w[k] * V[(size_t)k * d + j];
    if (L > 0 && isnan(w[0]))
        for (int j = 0; j < d; j++)
            out[j] = NAN;
}

/* out[B,L,e] = x[B,L,d] @ w[d,e] */
void attn_project_row(const double *x, const Tensor *w, double *out)
{
    int d = w->shape[0], e = w->shape[1];
    for (int c = 0; c < e; c++) {
        double acc = 0;
        for (int k = 0; k < d; k++)
            acc += x[k] * w->data[(size_t)k * e + c];
        out[c] = acc;
    }
}

Tensor *attn_project(const Tensor *x, const Tensor *w)
{
    int B = x->shape[0], L = x->shape[1], d = x->shape[2], e = w->shape[1];
    EXPECT(w->shape[0] == d);
    Tensor *out = tensor_new3(TENSOR_FLOAT, B, L, e);
    for (size_t r = 0; r < (size_t)B * (size_t)L; r++)
        attn_project_row(x->data + r * d, w, out->data + r * e);
    return out;
}

Tensor *attn_matrix(uint64_t seed, uint64_t stream, int d)
{
    Tensor *w = tensor_new2(TENSOR_FLOAT, d, d);
    for (int r = 0; r < d; r++)
        for (int c = 0; c < d; c++)
            *tensor_ptr2(w, r, c) = attn_uniform(seed, stream, (uint64_t)(r * d + c));
    return w;
}

Attention *attn_compute_with(const Tensor *embeddings, const Tensor *mask, uint64_t seed,
                             ScenarioNanPolicy policy)
{
    EXPECT(embeddings->ndim == 3 && mask->ndim == 3);
    int B = embeddings->shape[0], L = embeddings->shape[1], d = embeddings->shape[2];
    EXPECT(mask->shape[0] == B && mask->shape[1] == L && mask->shape[2] == L);
    Attention *a = xcalloc(1, sizeof *a);
    a->B = B, a->L = L, a->d = d;
    a->embeddings = tensor_copy(embeddings);
    a->W_q = attn_matrix(seed, RNG_W_Q, d);
    a->W_k = attn_matrix(seed, RNG_W_K, d);
    a->W_v = attn_matrix(seed, RNG_W_V, d);
    a->Q = attn_project(a->embeddings, a->W_q);
    a->K = attn_project(a->embeddings, a->W_k);
    a->V = attn_project(a->embeddings, a->W_v);
    a->mask = tensor_copy(mask);
    a->scores = tensor_new3(TENSOR_FLOAT, B, L, L);
    a->masked = tensor_new3(TENSOR_FLOAT, B, L, L);
    a->weights = tensor_new3(TENSOR_FLOAT, B, L, L);
    a->output = tensor_new3(TENSOR_FLOAT, B, L, d);
    a->row_blocked = xcalloc((size_t)B * (size_t)L, sizeof *a->row_blocked);
    double scale = 1.0 / sqrt((double)d);
    size_t LL = (size_t)L * (size_t)L, Ld = (size_t)L * (size_t)d;
    for (int b = 0; b < B; b++)
        for (int q = 0; q < L; q++) {
            size_t r = (size_t)b * LL + (size_t)q * L;
            double *s = a->scores->data + r, *sm = a->masked->data + r, *w = a->weights->data + r;
            attn_scores_row(a->Q->data + b * Ld + (size_t)q * d, a->K->data + b * Ld, L, d, scale, s);
            for (int k = 0; k < L; k++)
                w[k] = sm[k] = s[k] + mask->data[r + k];
            if (attn_softmax_row(w, L, policy)) {
                a->row_blocked[b * L + q] = true;
                a->blocked_rows++;
            }
            attn_output_row(w, a->V->data + b * Ld, L, d, a->output->data + b * Ld + (size_t)q * d);
        }
    return a;
}

Tensor *attn_embed(const Batch *b, int d_model, uint64_t seed)
{
    Tensor *x = tensor_new3(TENSOR_FLOAT, b->B, b->L, d_model);
    double *o = x->data;
    for (size_t i = 0; i < (size_t)b->B * (size_t)b->L; i++)
        for (int j = 0; j < d_model; j++)
            *o++ = attn_embedding(seed, (int)b->ids->data[i], j);
    return x;
}

void attn_position_row(double *row, int d, double pos)
{
    for (int j = 0; j < d; j++) {
        double angle = pos / pow(10000.0, (double)(j - j % 2) / d);
        row[j] += j % 2 ? cos(angle) : sin(angle);
    }
}

void attn_add_positions(Tensor *x, const Batch *b)
{
    int d = x->shape[2];
    for (int s = 0; s < b->B; s++)
        for (int p = 0; p < b->L; p++) {
            size_t i = (size_t)s * b->L + p;
            attn_position_row(x->data + i * (size_t)d, d, b->doc[i] >= 0 ? b->position[i] : p);
        }
}

Attention *attn_compute(const Batch *b, const Tensor *mask, int d_model, uint64_t seed,
                        ScenarioNanPolicy policy)
{
    Tensor *x = attn_embed(b, d_model, seed);
    Attention *a = attn_compute_with(x, mask, seed, policy);
    tensor_free(x);
    return a;
}

void attn_free(Attention *a)
{
    if (!a)
        return;
    tensor_free(a->embeddings);
    tensor_free(a->W_q);
    tensor_free(a->W_k);
    tensor_free(a->W_v);
    tensor_free(a->Q);
    tensor_free(a->K);
    tensor_free(a->V);
    tensor_free(a->scores);
    tensor_free(a->mask);
    tensor_free(a->masked);
    tensor_free(a->weights);
    tensor_free(a->output);
    free(a->row_blocked);
    free(a);
}
