/* Attention masks, added to the scores before the softmax. For
 * "The cat ate [PAD] [PAD]" the padding mask blocks the padded keys
 * (columns), and the causal mask blocks every key after the query:
 *
 *     A_pad (keys only)        A_causal
 *     . . . x x                . x x x x
 *     . . . x x                . . x x x
 *     . . . x x                . . . x x      . = 0 (keep)
 *     . . . x x                . . . . x      x = -inf (block)
 *     . . . x x                . . . . .
 *
 * Only columns are masked in A_pad: padded query rows still get some
 * output, which the loss mask later removes. The "full" variant blocks
 * those rows too, and then softmax meets rows of only -inf. */
#include "mask.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "xmalloc.h"

Tensor *mask_padding(const Batch *b)
{
    Tensor *t = tensor_new2(TENSOR_FLOAT, b->B, b->L);
    for (int s = 0; s < b->B; s++)
        for (int p = 0; p < b->L; p++)
            *tensor_ptr2(t, s, p) = batch_is_real(b, s, p) ? 0.0 : -INFINITY;
    return t;
}

static Tensor *padding_mask(const Batch *b, bool rows_too)
{
    Tensor *t = tensor_new3(TENSOR_FLOAT, b->B, b->L, b->L);
    for (int s = 0; s < b->B; s++)
        for (int q = 0; q < b->L; q++)
            for (int k = 0; k < b->L; k++) {
                bool keep = batch_is_real(b, s, k) && (!rows_too || batch_is_real(b, s, q));
                *tensor_ptr3(t, s, q, k) = keep ? 0.0 : -INFINITY;
            }
    return t;
}

Tensor *mask_padding_keys(const Batch *b)
{
    return padding_mask(b, false);
}

Tensor *mask_padding_full(const Batch *b)
{
    return padding_mask(b, true);
}

Tensor *mask_causal(int L)
{
    Tensor *t = tensor_new2(TENSOR_FLOAT, L, L);
    for (int q = 0; q < L; q++)
        for (int k = 0; k < L; k++)
            *tensor_ptr2(t, q, k) = k > q ? -INFINITY : 0.0;
    return t;
}

Tensor *mask_add(const Tensor *per_sentence, const Tensor *shared_LL, int B)
{
    EXPECT(per_sentence || shared_LL);
    int L = per_sentence ? per_sentence->shape[1] : shared_LL->shape[0];
    EXPECT(!per_sentence || (per_sentence->ndim == 3 && per_sentence->shape[0] == B));
    EXPECT(!shared_LL || (shared_LL->ndim == 2 && shared_LL->shape[0] == L && shared_LL->shape[1] == L));
    Tensor *t = tensor_new3(TENSOR_FLOAT, B, L, L);
    for (int s = 0; s < B; s++)
        for (int q = 0; q < L; q++)
            for (int k = 0; k < L; k++)
                *tensor_ptr3(t, s, q, k) = (per_sentence ? tensor_at3(per_sentence, s, q, k) : 0.0) +
                                           (shared_LL ? tensor_at2(shared_LL, q, k) : 0.0);
    return t;
}

static Tensor *convert(const Tensor *m, double keep, double block, bool from_additive)
{
    Tensor *t = tensor_copy(m);
    t->dtype = TENSOR_FLOAT;
    for (size_t i = 0; i < t->size; i++) {
        bool kept = from_additive ? !isinf(m->data[i]) : m->data[i] != 0;
        t->data[i] = kept ? keep : block;
    }
    return t;
}

Tensor *mask_to_keep(const Tensor *additive)
{
    return convert(additive, 1.0, 0.0, true);
}

Tensor *mask_to_block(const Tensor *additive)
{
    return convert(additive, 0.0, 1.0, true);
}

Tensor *mask_from_keep(const Tensor *keep)
{
    return convert(keep, 0.0, -INFINITY, false);
}

/* ---- mask terms ------------------------------------------------------- */

Tensor *mask_term_build(const MaskTerm *term, const MaskInput *in)
{
    int B = in->queries->B, Lq = in->queries->L, Lk = in->keys->L;
    Tensor *t = tensor_new3(TENSOR_FLOAT, B, Lq, Lk);
    for (int s = 0; s < B; s++)
        for (int q = 0; q < Lq; q++)
            term->row(in, s, q, t->data + ((size_t)s * Lq + q) * Lk);
    return t;
}

void mask_terms_row(const MaskTerm *const *terms, int n, const MaskInput *in, int s, int q, double *sum)
{
    int Lk = in->keys->L;
    double *row = xmalloc((size_t)Lk * sizeof *row);
    for (int k = 0; k < Lk; k++)
        sum[k] = 0;
    for (int i = 0; i < n && terms[i]; i++) {
        terms[i]->row(in, s, q, row);
        for (int k = 0; k < Lk; k++)
            sum[k] += row[k];
    }
    free(row);
}

static void padding_row(const MaskInput *in, int s, int q, double *row)
{
    const Batch *k = in->keys;
    bool row_ok = !in->sc->mask_query_rows || batch_is_real(in->queries, s, q);
    for (int j = 0; j < k->L; j++)
        row[j] = row_ok && batch_is_real(k, s, j) ? 0.0 : -INFINITY;
}

static void padding_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    if (!batch_is_real(in->keys, s, k))
        snprintf(buf, n, "key %d is [PAD], blocked for every query", k);
    else
        snprintf(buf, n, "query %d is [PAD] and its whole row is blocked", q);
}

static void padding_formula(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "A_pad = padding_mask[i].repeat(L, 1)%s", in->sc->mask_query_rows ? " + padded query rows" : "");
}

static void padding_caption(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "%s",
             in->sc->mask_query_rows
                 ? "Padded keys (columns) and padded queries (rows) are blocked; rows of only "
                   "\u2212\u221e have no softmax."
                 : "Only the key columns of [PAD] are blocked. Padded query rows stay: they get some output, "
                   "which the loss mask removes later.");
}

const MaskTerm mask_term_padding = {
    .name = "A_pad",
    .doc = "key padding mask of a sentence: -inf on [PAD] keys [L,L]",
    .shared = false,
    .formula = padding_formula,
    .caption = padding_caption,
    .row = padding_row,
    .why = padding_why,
};

/* the diagonal's offset: queries are the last Lq of the Lk positions */
static int causal_offset(const MaskInput *in)
{
    return in->keys->L - in->queries->L;
}

static void causal_row(const MaskInput *in, int s, int q, double *row)
{
    (void)s;
    int off = causal_offset(in), Lk = in->keys->L;
    for (int j = 0; j < Lk; j++)
        row[j] = j > q + off ? -INFINITY : 0.0;
}

static void causal_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    (void)in, (void)s;
    snprintf(buf, n, "key %d comes after query %d, so it is in the future", k, q);
}

static void causal_formula(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "A_causal = torch.triu(torch.full((L, L), \u2212\u221e), diagonal=1)");
}

static void causal_caption(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "Each query may attend to itself and earlier keys only: everything right of the diagonal is "
                     "\u2212\u221e. The same mask serves every sentence.");
}

const MaskTerm mask_term_causal = {
    .name = "A_causal",
    .doc = "torch.triu(torch.full((L, L), -inf), diagonal=1) [L,L]",
    .shared = true,
    .formula = causal_formula,
    .caption = causal_caption,
    .row = causal_row,
    .why = causal_why,
};

/* ---- the wider family ----------------------------------------------------
 * Positions: q and k are batch positions; "word position" is a token's
 * index in its own sentence (batch->position), so left padding moves
 * nothing. W, P, S and the global tokens come from the scenario. */

static int word_pos(const Batch *b, int s, int pos)
{
    return b->position[(size_t)s * b->L + pos];
}

static bool real(const Batch *b, int s, int pos)
{
    return b->doc[(size_t)s * b->L + pos] >= 0;
}

static void say_future_or(const MaskInput *in, int q, int k, char *buf, size_t n, const char *why)
{
    if (k > q + causal_offset(in))
        snprintf(buf, n, "key %d comes after query %d, so it is in the future", k, q);
    else
        snprintf(buf, n, "%s", why);
}

/* sliding window: causal and q - k < W */
static void window_row(const MaskInput *in, int s, int q, double *row)
{
    (void)s;
    int W = in->sc->window, off = causal_offset(in);
    for (int k = 0; k < in->keys->L; k++)
        row[k] = k <= q + off && q + off - k < W ? 0.0 : -INFINITY;
}

static void window_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    (void)s;
    char why[160];
    snprintf(why, sizeof why, "key %d is %d tokens before query %d; the window keeps W = %d keys, the query included",
             k, q + causal_offset(in) - k, q, in->sc->window);
    say_future_or(in, q, k, buf, n, why);
}

static void window_formula(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "A_window[q][k] = 0 if q \u2212 W < k \u2264 q else \u2212\u221e    (W = %d)", in->sc->window);
}

static void window_caption(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "A sliding window: each token sees itself and the %d before it, never the future. Stacked "
                     "layers pass information further back, one window per layer.",
             in->sc->window - 1);
}

const MaskTerm mask_term_window = {
    .name = "A_window",
    .doc = "sliding window: causal and q - k < W [L,L]",
    .shared = true,
    .formula = window_formula,
    .caption = window_caption,
    .row = window_row,
    .why = window_why,
};

/* prefix-LM: the prefix is seen by all, the rest causally */
static void prefix_row(const MaskInput *in, int s, int q, double *row)
{
    int P = scenario_prefix(in->sc, s);
    for (int k = 0; k < in->keys->L; k++) {
        bool in_prefix = real(in->keys, s, k) && word_pos(in->keys, s, k) < P;
        row[k] = k <= q || in_prefix ? 0.0 : -INFINITY;
    }
}

static void prefix_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    snprintf(buf, n, "key %d comes after query %d and is not in the prefix (its first P = %d tokens)", k, q,
             scenario_prefix(in->sc, s));
}

static void prefix_formula(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "A_prefix[q][k] = 0 if k < P or k \u2264 q else \u2212\u221e");
}

static void prefix_caption(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "Prefix-LM: the prefix (an image, an instruction) is read both ways, every token sees all of "
                     "it; the continuation is generated causally.");
}

const MaskTerm mask_term_prefix = {
    .name = "A_prefix",
    .doc = "prefix-LM: keys of the first P tokens visible to all, the rest causal [L,L]",
    .shared = false,
    .formula = prefix_formula,
    .caption = prefix_caption,
    .row = prefix_row,
    .why = prefix_why,
};

static bool is_global(const MaskInput *in, const Batch *b, int s, int pos)
{
    if (!real(b, s, pos))
        return false;
    int w = word_pos(b, s, pos);
    for (int i = 0; i < in->sc->nglobal; i++)
        if (in->sc->global[i] == w)
            return true;
    return false;
}

/* Longformer: a local window both ways, plus global tokens */
static void global_row(const MaskInput *in, int s, int q, double *row)
{
    int W = in->sc->window;
    bool gq = is_global(in, in->queries, s, q);
    for (int k = 0; k < in->keys->L; k++) {
        int dist = q > k ? q - k : k - q;
        row[k] = dist < W || gq || is_global(in, in->keys, s, k) ? 0.0 : -INFINITY;
    }
}

static void global_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    (void)s;
    snprintf(buf, n, "key %d is %d tokens from query %d (the window keeps |q \u2212 k| < %d) and neither is a global "
                     "token", k, q > k ? q - k : k - q, q, in->sc->window);
}

static void global_formula(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "A_global[q][k] = 0 if |q \u2212 k| < W or q or k is global else \u2212\u221e    (W = %d)",
             in->sc->window);
}

static void global_caption(const MaskInput *in, char *buf, size_t n)
{
    char where[96] = "";
    size_t k = 0;
    for (int g = 0; g < in->sc->nglobal && k < sizeof where; g++)
        k += (size_t)snprintf(where + k, sizeof where - k, "%s%d",
                              g == 0 ? "" : g + 1 == in->sc->nglobal ? " and " : ", ", in->sc->global[g]);
    if (in->sc->nglobal == 0)
        snprintf(buf, n, "Longformer: each token sees its neighbours closer than W = %d on both sides; no token is "
                         "global here.", in->sc->window);
    else
        snprintf(buf, n, "Longformer: each token sees its neighbours closer than W = %d on both sides; the global "
                         "token%s at position%s %s (like [CLS]) %s and %s seen by every token.",
                 in->sc->window, in->sc->nglobal == 1 ? "" : "s", in->sc->nglobal == 1 ? "" : "s", where,
                 in->sc->nglobal == 1 ? "sees" : "see", in->sc->nglobal == 1 ? "is" : "are");
}

const MaskTerm mask_term_global = {
    .name = "A_global",
    .doc = "Longformer: |q - k| < W, plus global tokens that see and are seen by all [L,L]",
    .shared = false,
    .formula = global_formula,
    .caption = global_caption,
    .row = global_row,
    .why = global_why,
};

/* StreamingLLM: a causal window plus the first S tokens */
static void sink_row(const MaskInput *in, int s, int q, double *row)
{
    int W = in->sc->window, S = in->sc->sinks, off = causal_offset(in);
    for (int k = 0; k < in->keys->L; k++) {
        bool sink = real(in->keys, s, k) && word_pos(in->keys, s, k) < S;
        row[k] = k <= q + off && (q + off - k < W || sink) ? 0.0 : -INFINITY;
    }
}

static void sink_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    (void)s;
    char why[160];
    snprintf(why, sizeof why, "key %d is outside the window of W = %d and not one of the first S = %d tokens", k,
             in->sc->window, in->sc->sinks);
    say_future_or(in, q, k, buf, n, why);
}

static void sink_formula(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "A_sink[q][k] = 0 if k \u2264 q and (q \u2212 k < W or k < S) else \u2212\u221e    (W = %d, S = %d)",
             in->sc->window, in->sc->sinks);
}

static void sink_caption(const MaskInput *in, char *buf, size_t n)
{
    if (in->sc->sinks == 1)
        snprintf(buf, n, "StreamingLLM: a sliding window of W = %d that always keeps the first token, the attention "
                         "sink that soaks up weight a softmax must put somewhere.", in->sc->window);
    else
        snprintf(buf, n, "StreamingLLM: a sliding window of W = %d that always keeps the first %d tokens, the "
                         "attention sinks that soak up weight a softmax must put somewhere.",
                 in->sc->window, in->sc->sinks);
}

const MaskTerm mask_term_sink = {
    .name = "A_sink",
    .doc = "StreamingLLM: causal window of W plus the first S tokens [L,L]",
    .shared = false,
    .formula = sink_formula,
    .caption = sink_caption,
    .row = sink_row,
    .why = sink_why,
};

/* Sparse Transformer: causal, local window or every W-th token back */
static void strided_row(const MaskInput *in, int s, int q, double *row)
{
    (void)s;
    int W = in->sc->window, off = causal_offset(in);
    for (int k = 0; k < in->keys->L; k++) {
        int back = q + off - k;
        row[k] = back >= 0 && (back < W || back % W == 0) ? 0.0 : -INFINITY;
    }
}

static void strided_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    (void)s;
    char why[160];
    int back = q + causal_offset(in) - k;
    snprintf(why, sizeof why, "key %d is %d back: outside the local window (W = %d) and not a multiple of W", k, back,
             in->sc->window);
    say_future_or(in, q, k, buf, n, why);
}

static void strided_formula(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "A_strided[q][k] = 0 if k \u2264 q and (q \u2212 k < W or (q \u2212 k) mod W = 0) else "
                     "\u2212\u221e    (W = %d)", in->sc->window);
}

static void strided_caption(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "The Sparse Transformer's strided pattern: a local window plus every W-th earlier token. Two "
                     "such layers reach every earlier position.");
}

const MaskTerm mask_term_strided = {
    .name = "A_strided",
    .doc = "Sparse Transformer: causal and (q - k < W or (q - k) mod W == 0) [L,L]",
    .shared = true,
    .formula = strided_formula,
    .caption = strided_caption,
    .row = strided_row,
    .why = strided_why,
};

/* packed documents: causal within a document, nothing across */
static void document_row(const MaskInput *in, int s, int q, double *row)
{
    const Batch *b = in->keys;
    int dq = b->doc[(size_t)s * b->L + q];
    for (int k = 0; k < b->L; k++)
        row[k] = k <= q && b->doc[(size_t)s * b->L + k] == dq ? 0.0 : -INFINITY;
}

static void document_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    const Batch *b = in->keys;
    int dq = b->doc[(size_t)s * b->L + q], dk = b->doc[(size_t)s * b->L + k];
    if (k > q)
        snprintf(buf, n, "key %d comes after query %d, so it is in the future", k, q);
    else if (dk < 0)
        snprintf(buf, n, "key %d is [PAD] after the packed documents", k);
    else if (dq < 0)
        snprintf(buf, n, "query %d is [PAD] after the packed documents", q);
    else
        snprintf(buf, n, "key %d belongs to document %d, query %d to document %d: packed documents never see each "
                         "other", k, dk, q, dq);
}

static void document_formula(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "A_document[q][k] = 0 if k \u2264 q and document_ids[k] = document_ids[q] else \u2212\u221e");
}

static void document_caption(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "Sequence packing puts several sentences in one row (%d tokens) to waste no padding; the "
                     "block-diagonal mask keeps each document causal and to itself.",
             in->keys->L);
}

const MaskTerm mask_term_document = {
    .name = "A_document",
    .doc = "packed documents: causal within a document, blocked across [L,L]",
    .shared = false,
    .formula = document_formula,
    .caption = document_caption,
    .row = document_row,
    .why = document_why,
};

/* cross-attention: decoder queries against the encoder's keys, whose padding is blocked */
static void cross_row(const MaskInput *in, int s, int q, double *row)
{
    (void)q;
    for (int k = 0; k < in->keys->L; k++)
        row[k] = batch_is_real(in->keys, s, k) ? 0.0 : -INFINITY;
}

static void cross_why(const MaskInput *in, int s, int q, int k, char *buf, size_t n)
{
    (void)in, (void)s, (void)q;
    snprintf(buf, n, "encoder key %d is [PAD], blocked for every decoder query", k);
}

static void cross_formula(const MaskInput *in, char *buf, size_t n)
{
    snprintf(buf, n, "A_cross = encoder_padding_mask[i].repeat(L_dec, 1)    [%d \u00d7 %d: decoder \u00d7 encoder]",
             in->queries->L, in->keys->L);
}

static void cross_caption(const MaskInput *in, char *buf, size_t n)
{
    (void)in;
    snprintf(buf, n, "Cross-attention: every decoder token (row) may look at every real encoder token (column); only "
                     "the encoder's padding is blocked. The mask is not square.");
}

const MaskTerm mask_term_cross = {
    .name = "A_cross",
    .doc = "cross-attention: the encoder's padding, decoder queries x encoder keys [L_dec,L_enc]",
    .shared = false,
    .formula = cross_formula,
    .caption = cross_caption,
    .row = cross_row,
    .why = cross_why,
};
