/* The leak detector: influence by perturbation.
 *
 * For each input j of a sentence, its embedding x_j moves by a fixed,
 * generic amount; its query, key and value rows are projected again
 * (x_j · W, the engine's own arithmetic) and every output row is computed
 * afresh with the Forward under test. Output i depends on j exactly when
 * its d numbers differ from the unperturbed ones in any bit: a blocked key
 * has weight exactly 0 (exp(-inf) = 0), so a masked input cannot move an
 * output by even one ulp, and an allowed one always does.
 *
 * What is allowed comes from the engine's mask (its mode's, or for a bug
 * the correct code's), read cell by cell, plus one rule every mode keeps:
 * a real token never reads a [PAD]. A query always reads itself through
 * its own query vector, so the diagonal is never a leak. */
#include "leaks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn.h"
#include "xmalloc.h"

struct Leaks {
    const Engine *e;
    int first, last, S, Lq, Lk;
    bool self;              /* queries and keys are the same tokens */
    Tensor *influence;      /* [S,Lq,Lk] 0/1 */
    bool *nan, *dead;       /* [S*Lq] */
    int count;
};

/* the perturbation: every component moves, by different amounts */
static double nudge(int c)
{
    return 0.375 + 0.0625 * c;
}

static bool same_bits(const double *a, const double *b, int n)
{
    return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

/* one sentence: outputs of every query with the given Q, K, V rows */
static void outputs(const Forward *fw, int s, const double *Q, const double *K, const double *V, int Lq, int Lk,
                    int d, double *scratch, double *out)
{
    for (int q = 0; q < Lq; q++)
        forward_row(fw, s, q, Q + (size_t)q * d, K, V, Lk, d, scratch, NULL, out + (size_t)q * d);
}

Leaks *leaks_run(const Engine *e, const Forward *fw, int sentence, char *err, size_t errlen)
{
    int B = engine_sentences(e), Lq = engine_query_length(e), Lk = engine_length(e), d = engine_d(e);
    if (sentence < -1 || sentence >= B) {
        snprintf(err, errlen, "sentence: %d is out of range; the batch has sentences 0 to %d (or all)", sentence, B - 1);
        return NULL;
    }
    int first = sentence < 0 ? 0 : sentence, last = sentence < 0 ? B - 1 : sentence, S = last - first + 1;
    double work = (double)S * Lk * Lq * Lk * d;
    if (work > MS_MAX_LEAK_WORK) {
        snprintf(err, errlen, "%d sentence%s of %d tokens (d_model %d) need%s %.3g multiply-adds to test every input; "
                 "the leak detector does at most %u (MS_MAX_LEAK_WORK): choose one --sentence or a shorter batch",
                 S, S == 1 ? "" : "s", Lk, d, S == 1 ? "s" : "", work, (unsigned)MS_MAX_LEAK_WORK);
        return NULL;
    }
    ForwardEngine own;
    Forward mine;
    if (!fw) {
        mine = forward_of_engine(e, &own);
        fw = &mine;
    }
    Leaks *l = xcalloc(1, sizeof *l);
    l->e = e;
    l->first = first, l->last = last, l->S = S, l->Lq = Lq, l->Lk = Lk;
    l->self = !engine_is_cross(e);
    l->influence = tensor_new3(TENSOR_INT, S, Lq, Lk);
    l->nan = xcalloc((size_t)S * Lq, sizeof *l->nan);
    l->dead = xcalloc((size_t)S * Lq, sizeof *l->dead);
    const Tensor *X = engine_tensor(e, T_EMBEDDINGS), *Wq = engine_tensor(e, T_W_Q), *Wk = engine_tensor(e, T_W_K),
                 *Wv = engine_tensor(e, T_W_V);
    double *Q = xmalloc((size_t)Lq * d * sizeof *Q), *K = xmalloc((size_t)Lk * d * sizeof *K),
           *V = xmalloc((size_t)Lk * d * sizeof *V), *x = xmalloc((size_t)d * sizeof *x);
    double *base = xmalloc((size_t)Lq * d * sizeof *base), *moved = xmalloc((size_t)Lq * d * sizeof *moved);
    double *scratch = xmalloc(2 * (size_t)Lk * sizeof *scratch);
    for (int s = first; s <= last; s++) {
        const double *Q0 = engine_tensor(e, T_Q)->data + (size_t)s * Lq * d;
        const double *K0 = engine_tensor(e, T_K)->data + (size_t)s * Lk * d;
        const double *V0 = engine_tensor(e, T_V)->data + (size_t)s * Lk * d;
        memcpy(Q, Q0, (size_t)Lq * d * sizeof *Q);
        memcpy(K, K0, (size_t)Lk * d * sizeof *K);
        memcpy(V, V0, (size_t)Lk * d * sizeof *V);
        outputs(fw, s, Q, K, V, Lq, Lk, d, scratch, base);
        double *inf = l->influence->data + (size_t)(s - first) * Lq * Lk;
        for (int j = 0; j < Lk; j++) {
            const double *xj = X->data + ((size_t)s * Lk + j) * d;
            for (int c = 0; c < d; c++)
                x[c] = xj[c] + nudge(c);
            attn_project_row(x, Wk, K + (size_t)j * d); /* the engine's own x · W */
            attn_project_row(x, Wv, V + (size_t)j * d);
            if (l->self)
                attn_project_row(x, Wq, Q + (size_t)j * d);
            outputs(fw, s, Q, K, V, Lq, Lk, d, scratch, moved);
            for (int i = 0; i < Lq; i++)
                inf[(size_t)i * Lk + j] = !same_bits(base + (size_t)i * d, moved + (size_t)i * d, d);
            /* put the row back for the next input */
            memcpy(K + (size_t)j * d, K0 + (size_t)j * d, (size_t)d * sizeof *K);
            memcpy(V + (size_t)j * d, V0 + (size_t)j * d, (size_t)d * sizeof *V);
            if (l->self)
                memcpy(Q + (size_t)j * d, Q0 + (size_t)j * d, (size_t)d * sizeof *Q);
        }
        for (int i = 0; i < Lq; i++) {
            size_t r = (size_t)(s - first) * Lq + i;
            l->nan[r] = isnan(base[(size_t)i * d]);
            bool any = false;
            for (int j = 0; j < Lk; j++)
                any = any || inf[(size_t)i * Lk + j] != 0;
            l->dead[r] = !any;
            for (int j = 0; j < Lk; j++)
                l->count += leaks_is_leak(l, s, i, j);
        }
    }
    free(Q), free(K), free(V), free(x), free(base), free(moved), free(scratch);
    return l;
}

void leaks_free(Leaks *l)
{
    if (!l)
        return;
    tensor_free(l->influence);
    free(l->nan);
    free(l->dead);
    free(l);
}

const Engine *leaks_engine(const Leaks *l) { return l->e; }
int leaks_first(const Leaks *l) { return l->first; }
int leaks_last(const Leaks *l) { return l->last; }
int leaks_rows(const Leaks *l) { return l->Lq; }
int leaks_cols(const Leaks *l) { return l->Lk; }
int leaks_count(const Leaks *l) { return l->count; }
const Tensor *leaks_influence(const Leaks *l) { return l->influence; }

static size_t row_index(const Leaks *l, int s, int i)
{
    EXPECT(s >= l->first && s <= l->last && i >= 0 && i < l->Lq);
    return (size_t)(s - l->first) * l->Lq + i;
}

bool leaks_depends(const Leaks *l, int s, int i, int j)
{
    EXPECT(j >= 0 && j < l->Lk);
    return l->influence->data[row_index(l, s, i) * l->Lk + j] != 0;
}

bool leaks_checked(const Leaks *l, int s, int i)
{
    (void)row_index(l, s, i);
    return engine_query_is_real(l->e, s, i);
}

bool leaks_nan(const Leaks *l, int s, int i) { return l->nan[row_index(l, s, i)]; }
bool leaks_dead(const Leaks *l, int s, int i) { return l->dead[row_index(l, s, i)]; }

LeakWhy leaks_why(const Leaks *l, int s, int i, int j, char *buf, size_t n)
{
    const Engine *e = l->e;
    char none[1];
    if (!buf || n == 0)
        buf = none, n = sizeof none;
    buf[0] = '\0';
    const char *out = engine_query_labels(e, s)[i], *in = engine_label(e, s, j);
    if (l->self && i == j)
        return LEAK_ALLOWED; /* a token always reads itself, through its query */
    if (!engine_is_real(e, s, j)) {
        snprintf(buf, n, "input %d is [PAD]: a real token must never read padding", j);
        return LEAK_PADDING;
    }
    const Tensor *mask = engine_tensor(e, T_MASK);
    if (!isinf(mask->data[((size_t)s * l->Lq + i) * l->Lk + j]))
        return LEAK_ALLOWED;
    const Batch *b = engine_batch(e);
    int off = l->Lk - l->Lq;
    if (l->self && b->doc[(size_t)s * b->L + i] != b->doc[(size_t)s * b->L + j]) {
        snprintf(buf, n, "\u201c%s\u201d (%d) belongs to another document than \u201c%s\u201d (%d)", in, j, out, i);
        return LEAK_DOCUMENT;
    }
    if (j > i + off) {
        snprintf(buf, n, "\u201c%s\u201d (%d) comes after \u201c%s\u201d (%d): the future", in, j, out, i);
        return LEAK_FUTURE;
    }
    /* the term that blocks it says why */
    MaskInput mi = engine_mask_input(e);
    double *row = xmalloc((size_t)l->Lk * sizeof *row);
    for (int t = 0; t < engine_nterms(e); t++) {
        engine_term(e, t)->row(&mi, s, i, row);
        if (isinf(row[j])) {
            engine_term(e, t)->why(&mi, s, i, j, buf, n);
            break;
        }
    }
    free(row);
    return LEAK_MASK;
}

bool leaks_is_leak(const Leaks *l, int s, int i, int j)
{
    return leaks_checked(l, s, i) && leaks_depends(l, s, i, j) && leaks_why(l, s, i, j, NULL, 0) != LEAK_ALLOWED;
}

void leaks_loss(double (*loss)(const double *losses, int n, const void *ctx), const void *ctx, const double *losses,
                int n, bool *out)
{
    double *v = xmalloc((size_t)n * sizeof *v);
    memcpy(v, losses, (size_t)n * sizeof *v);
    double base = loss(v, n, ctx);
    for (int i = 0; i < n; i++) {
        v[i] = losses[i] + 0.375;
        double moved = loss(v, n, ctx);
        out[i] = memcmp(&base, &moved, sizeof base) != 0;
        v[i] = losses[i];
    }
    free(v);
}
