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
