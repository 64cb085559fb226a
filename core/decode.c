/* Generation with a KV cache: the loop a decoder runs at inference,
 * written out so each step can be shown.
 *
 *     prompts (padded)  --prefill-->  K, V for every prompt column: the cache, S = L
 *                                     output at the last real prompt token -> token 1
 *     token t           --decode t->  its k, v appended (S = L + t); its q reads the
 *                                     whole cache under the padding mask -> token t + 1
 *
 * The cache grows at its end, as torch.cat(cache, new) and Hugging Face's
 * DynamicCache do, so under right padding a short prompt's [PAD]s stay
 * between it and its new tokens; the padding mask blocks them at every
 * step, and positions count real tokens (cumsum(attention_mask) − 1), so
 * the numbers are the same as under left padding. What left padding buys
 * is a batch whose prompts all end in the last column.
 *
 * Each step recomputes nothing before it: a query row against the cached
 * keys. decode_full runs the one causal pass over the whole sequence that
 * a step's row must equal; the tests and the storyboard compare them. */
#include "decode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn.h"
#include "corrupt.h"
#include "mask.h"
#include "xmalloc.h"

/* sentence s's row c of a [B,T,d] tensor */
static double *row(const Decode *d, const Tensor *t, int s, int c)
{
    return t->data + ((size_t)s * d->T + c) * d->d;
}

/* the tokens the readout chooses from: the scenario's words, special
 * ones left out; with none, every known token but [PAD] */
static int *readout_vocabulary(const Scenario *sc, int *n)
{
    int *ids = corrupt_word_ids(sc, n);
    if (*n) return ids;
    free(ids);
    ids = xcalloc((size_t)sc->vocab.count + (size_t)sc->id_labels.count + 2, sizeof *ids);
    for (int k = 0; k < 2; k++) {
        const Vocab *v = k ? &sc->id_labels : &sc->vocab;
        for (int i = 0; i < v->count; i++)
            if (v->ids[i] != sc->pad_id) ids[(*n)++] = v->ids[i];
    }
    ids[(*n)++] = sc->mask_id;
    return ids;
}

/* query q against the first S cached keys of sentence s under the mask
 * row m: scores, masked scores and weights (S each; NULL: not wanted)
 * and the output (d values) */
static void attend(const Decode *d, int s, const double *q, int S, const double *m, double *scores, double *masked,
                   double *weights, double *out)
{
    double *sc = xcalloc((size_t)S + 1, sizeof *sc), *w = xcalloc((size_t)S + 1, sizeof *w);
    attn_scores_row(q, row(d, d->k, s, 0), S, d->d, 1.0 / sqrt((double)d->d), sc);
    for (int j = 0; j < S; j++)
        w[j] = sc[j] + m[j];
    if (scores) memcpy(scores, sc, (size_t)S * sizeof *sc);
    if (masked) memcpy(masked, w, (size_t)S * sizeof *w);
    attn_softmax_row(w, S, d->policy);
    if (weights) memcpy(weights, w, (size_t)S * sizeof *w);
    attn_output_row(w, row(d, d->v, s, 0), S, d->d, out);
    free(sc);
    free(w);
}

/* the mask row of a query against the first S keys of sentence s */
static void mask_row(const Decode *d, int s, int S, int col, unsigned masks, double *m)
{
    for (int j = 0; j < S; j++) {
        bool blocked = ((masks & DECODE_PADDING) && d->pad[(size_t)s * d->T + j]) ||
                       ((masks & DECODE_CAUSAL) && j > col) || ((masks & DECODE_CAUSAL_TOPLEFT) && j > 0);
        m[j] = blocked ? -INFINITY : 0.0;
    }
}

/* logits = out · Eᵀ into lg (V values); the argmax, the first on ties (the smallest id) */
static int readout(const Decode *d, const double *out, double *lg)
{
    int V = (int)d->readout_ids->size, best = 0;
    for (int v = 0; v < V; v++) {
        double acc = 0;
        for (int j = 0; j < d->d; j++)
            acc += out[j] * d->readout->data[(size_t)v * d->d + j];
        lg[v] = acc;
        if (acc > lg[best]) best = v;
    }
    return (int)d->readout_ids->data[best];
}

/* token id at column c of sentence s, at position pos: its embedding row and q, k, v */
static void enter(Decode *d, const Scenario *sc, const Tensor *const W[3], int s, int c, int id, double pos)
{
    double *x = row(d, d->x, s, c);
    for (int j = 0; j < d->d; j++)
        x[j] = attn_embedding(sc->seed, id, j);
    if (sc->positions) attn_position_row(x, d->d, pos);
    attn_project_row(x, W[0], row(d, d->q, s, c));
    attn_project_row(x, W[1], row(d, d->k, s, c));
    attn_project_row(x, W[2], row(d, d->v, s, c));
}

/* the whole loop; naive: positions counted from the left edge instead of cumsum − 1 */
static Decode *run(const Scenario *sc, const Batch *prompts, const Tensor *const W[3], bool naive)
{
    Decode *d = xcalloc(1, sizeof *d);
    int B = prompts->B, L = prompts->L, N = sc->generate, T = L + N, dm = W[0]->shape[0];
    *d = (Decode){.B = B, .L = L, .N = N, .T = T, .d = dm, .positions = sc->positions, .policy = sc->nan_policy};
    d->pad = xcalloc((size_t)B * (size_t)T, sizeof *d->pad);
    d->x = tensor_new3(TENSOR_FLOAT, B, T, dm);
    d->q = tensor_new3(TENSOR_FLOAT, B, T, dm);
    d->k = tensor_new3(TENSOR_FLOAT, B, T, dm);
    d->v = tensor_new3(TENSOR_FLOAT, B, T, dm);
    d->output = tensor_new3(TENSOR_FLOAT, B, T, dm);
    int V;
    int *vocab = readout_vocabulary(sc, &V);
    d->readout_ids = tensor_new1(TENSOR_INT, V);
    d->readout = tensor_new2(TENSOR_FLOAT, V, dm);
    for (int v = 0; v < V; v++) {
        d->readout_ids->data[v] = vocab[v];
        for (int j = 0; j < dm; j++)
            d->readout->data[(size_t)v * dm + j] = attn_embedding(sc->seed, vocab[v], j);
    }
    free(vocab);
    d->logits = tensor_new3(TENSOR_FLOAT, B, N + 1, V);
    d->generated = tensor_new2(TENSOR_INT, B, N);
    d->last = xcalloc((size_t)B, sizeof *d->last);
    d->next = xcalloc((size_t)B, sizeof *d->next);
    int *ids = xcalloc((size_t)B * (size_t)N + 1, sizeof *ids);
    double *m = xcalloc((size_t)T + 1, sizeof *m);

    /* prefill: every prompt column enters the cache; each prompt row attends under padding + causal */
    MaskInput in = {.queries = prompts, .keys = prompts, .sc = sc};
    const MaskTerm *terms[] = {&mask_term_padding, &mask_term_causal, NULL};
    for (int s = 0; s < B; s++) {
        for (int c = 0; c < L; c++) {
            bool real = batch_is_real(prompts, s, c);
            d->pad[(size_t)s * T + c] = !real;
            /* a real token's position counts the real tokens before it; a [PAD] takes its own column */
            double pos = naive || !real ? c : prompts->position[(size_t)s * L + c];
            enter(d, sc, W, s, c, (int)prompts->ids->data[(size_t)s * L + c], pos);
        }
        for (int c = 0; c < L; c++) {
            mask_terms_row(terms, 2, &in, s, c, m);
            attend(d, s, row(d, d->q, s, c), L, m, NULL, NULL, NULL, row(d, d->output, s, c));
        }
        d->last[s] = batch_last_index(prompts, s);
        ids[(size_t)s * N] = readout(d, row(d, d->output, s, d->last[s]), d->logits->data + (size_t)s * (N + 1) * V);
    }
    /* decode: token t enters at column L + t − 1 and asks the cache */
    for (int t = 1; t <= N; t++) {
        int c = L + t - 1;
        for (int s = 0; s < B; s++) {
            int id = ids[(size_t)s * N + t - 1];
            d->generated->data[(size_t)s * N + t - 1] = id;
            enter(d, sc, W, s, c, id, naive ? c : prompts->lengths[s] + t - 1);
            mask_row(d, s, c + 1, c, DECODE_PADDING, m);
            attend(d, s, row(d, d->q, s, c), c + 1, m, NULL, NULL, NULL, row(d, d->output, s, c));
            int next = readout(d, row(d, d->output, s, c), d->logits->data + ((size_t)s * (N + 1) + t) * V);
            if (t < N) ids[(size_t)s * N + t] = next;
            else d->next[s] = next;
        }
    }
    d->seq = batch_append(sc, prompts, ids, N);
    free(ids);
    free(m);
    /* attention_mask, its cumsum − 1, and the left edge's arange */
    d->attention_mask = tensor_new2(TENSOR_INT, B, T);
    d->position_ids = tensor_new2(TENSOR_INT, B, T);
    d->naive_positions = tensor_new2(TENSOR_INT, B, T);
    for (int s = 0; s < B; s++) {
        int seen = 0;
        for (int c = 0; c < T; c++) {
            size_t i = (size_t)s * T + c;
            d->attention_mask->data[i] = !d->pad[i];
            seen += !d->pad[i];
            d->position_ids->data[i] = seen - 1;
            d->naive_positions->data[i] = c;
        }
    }
    return d;
}

Decode *decode_run(const Scenario *sc, const Batch *prompts, const Tensor *W_q, const Tensor *W_k,
                   const Tensor *W_v)
{
    const Tensor *W[3] = {W_q, W_k, W_v};
    Decode *d = run(sc, prompts, W, false);
    if (!sc->positions) return d;
    /* what positions counted from the left edge would do: another run */
    Decode *naive = run(sc, prompts, W, true);
    d->naive_generated = naive->generated;
    naive->generated = NULL;
    for (int s = 0; s < d->B; s++)
        for (int c = 0; c < d->T; c++)
            for (int j = 0; j < d->d && !d->pad[(size_t)s * d->T + c]; j++)
                d->naive_change = fmax(d->naive_change, fabs(row(d, d->output, s, c)[j] - row(d, naive->output, s, c)[j]));
    decode_free(naive);
    return d;
}

void decode_free(Decode *d)
{
    if (!d) return;
    batch_free(d->seq);
    free(d->pad);
    Tensor *owned[] = {d->generated, d->attention_mask, d->position_ids, d->naive_positions, d->x, d->q, d->k,
                       d->v, d->output, d->readout_ids, d->readout, d->logits, d->naive_generated};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        tensor_free(owned[i]);
    free(d->last);
    free(d->next);
    free(d);
}

int decode_column(const Decode *d, int t)
{
    EXPECT(t >= 1 && t <= d->N);
    return d->L + t - 1;
}

int decode_cache_length(const Decode *d, int t)
{
    return decode_column(d, t) + 1;
}

Tensor *decode_step(const Decode *d, int t, DecodeKind k)
{
    int c = decode_column(d, t), S = c + 1, B = d->B, dm = d->d;
    Tensor *out;
    switch (k) {
    case DECODE_Q:
    case DECODE_OUTPUT:
        out = tensor_new3(TENSOR_FLOAT, B, 1, dm);
        for (int s = 0; s < B; s++)
            memcpy(out->data + (size_t)s * dm, row(d, k == DECODE_Q ? d->q : d->output, s, c), (size_t)dm * sizeof(double));
        return out;
    case DECODE_K_CACHE:
    case DECODE_V_CACHE:
        out = tensor_new3(TENSOR_FLOAT, B, S, dm);
        for (int s = 0; s < B; s++)
            memcpy(out->data + (size_t)s * S * dm, row(d, k == DECODE_K_CACHE ? d->k : d->v, s, 0),
                   (size_t)S * dm * sizeof(double));
        return out;
    case DECODE_KT_CACHE:
        out = tensor_new3(TENSOR_FLOAT, B, dm, S);
        for (int s = 0; s < B; s++)
            for (int j = 0; j < dm; j++)
                for (int i = 0; i < S; i++)
                    out->data[((size_t)s * dm + j) * S + i] = row(d, d->k, s, i)[j];
        return out;
    default:
        break;
    }
    /* the step's row, as it attended: scores, its mask, masked scores, weights */
    out = tensor_new3(TENSOR_FLOAT, B, 1, S);
    double *m = xcalloc((size_t)S, sizeof *m), *scores = xcalloc((size_t)S, sizeof *scores);
    double *masked = xcalloc((size_t)S, sizeof *masked), *w = xcalloc((size_t)S, sizeof *w);
    double *o = xcalloc((size_t)dm, sizeof *o);
    for (int s = 0; s < B; s++) {
        mask_row(d, s, S, c, DECODE_PADDING, m);
        attend(d, s, row(d, d->q, s, c), S, m, scores, masked, w, o);
        const double *pick = k == DECODE_SCORES ? scores : k == DECODE_MASK ? m : k == DECODE_MASKED ? masked : w;
        EXPECT(k == DECODE_SCORES || k == DECODE_MASK || k == DECODE_MASKED || k == DECODE_WEIGHTS);
        memcpy(out->data + (size_t)s * S, pick, (size_t)S * sizeof *pick);
    }
    free(m);
    free(scores);
    free(masked);
    free(w);
    free(o);
    return out;
}

void decode_attend(const Decode *d, int t, int s, unsigned masks, double *out)
{
    int c = decode_column(d, t), S = c + 1;
    EXPECT(s >= 0 && s < d->B);
    double *m = xcalloc((size_t)S, sizeof *m);
    mask_row(d, s, S, c, masks, m);
    attend(d, s, row(d, d->q, s, c), S, m, NULL, NULL, NULL, out);
    free(m);
}

void decode_full(const Decode *d, const Scenario *sc, Tensor **weights, Tensor **output)
{
    int B = d->B, T = d->T;
    *weights = tensor_new3(TENSOR_FLOAT, B, T, T);
    *output = tensor_new3(TENSOR_FLOAT, B, T, d->d);
    MaskInput in = {.queries = d->seq, .keys = d->seq, .sc = sc};
    const MaskTerm *terms[] = {&mask_term_padding, &mask_term_causal, NULL};
    double *m = xcalloc((size_t)T, sizeof *m);
    for (int s = 0; s < B; s++)
        for (int c = 0; c < T; c++) {
            mask_terms_row(terms, 2, &in, s, c, m);
            attend(d, s, row(d, d->q, s, c), T, m, NULL, NULL, (*weights)->data + ((size_t)s * T + c) * T,
                   row(d, *output, s, c));
        }
    free(m);
}

Tensor *decode_aligned_causal(int q, int S, bool bottom_right)
{
    EXPECT(q >= 1 && q <= S);
    Tensor *t = tensor_new2(TENSOR_FLOAT, q, S);
    for (int i = 0; i < q; i++)
        for (int k = 0; k < S; k++)
            t->data[(size_t)i * S + k] = k > i + (bottom_right ? S - q : 0) ? -INFINITY : 0.0;
    return t;
}

void decode_name(int t, DecodeKind k, char *buf, size_t n)
{
    static const char *const base[DECODE_KINDS] = {
        [DECODE_Q] = "q", [DECODE_K_CACHE] = "k_cache", [DECODE_V_CACHE] = "v_cache", [DECODE_KT_CACHE] = "k_cache",
        [DECODE_SCORES] = "scores", [DECODE_MASK] = "mask", [DECODE_MASKED] = "masked", [DECODE_WEIGHTS] = "weights",
        [DECODE_OUTPUT] = "output",
    };
    snprintf(buf, n, "%s_%d%s", base[k], t, k == DECODE_KT_CACHE ? "\u1d40" : "");
}

long long decode_cost(const Decode *d)
{
    long long c = (long long)d->L * d->L;
    for (int t = 1; t <= d->N; t++)
        c += decode_cache_length(d, t);
    return c;
}

long long decode_cost_without_cache(const Decode *d)
{
    long long c = (long long)d->L * d->L;
    for (int t = 1; t <= d->N; t++)
        c += (long long)decode_cache_length(d, t) * decode_cache_length(d, t);
    return c;
}
