/* Padding turns a ragged list of sentences into one rectangle:
 *
 *     The cat ate                 1 2 3 0 0      right padding (PyTorch's
 *     The cat ate fish pie   ->   1 2 3 4 5      pad_sequence default)
 *     The cat ate fish            1 2 3 4 0
 *
 * Left padding puts the zeros first instead. Everything else that knows
 * about padding (loss masks, attention masks) asks this module which
 * cells are real. */
#include "batch.h"

#include <stdlib.h>

#include "xmalloc.h"

Batch *batch_new(const Scenario *sc, const Sentences *sentences, bool *const *masked)
{
    Batch *b = xcalloc(1, sizeof *b);
    b->B = sentences->count;
    for (int s = 0; s < b->B; s++)
        if (sentences->lengths[s] > b->L)
            b->L = sentences->lengths[s];
    b->pad_id = sc->pad_id;
    b->mask_id = sc->mask_id;
    b->ids = tensor_new2(TENSOR_INT, b->B, b->L);
    b->lengths = xcalloc((size_t)b->B, sizeof *b->lengths);
    b->first = xcalloc((size_t)b->B, sizeof *b->first);
    b->labels = xcalloc((size_t)b->B * (size_t)b->L, sizeof *b->labels);
    b->hidden = xcalloc((size_t)b->B * (size_t)b->L, sizeof *b->hidden);
    b->doc = xcalloc((size_t)b->B * (size_t)b->L, sizeof *b->doc);
    b->position = xcalloc((size_t)b->B * (size_t)b->L, sizeof *b->position);
    for (int s = 0; s < b->B; s++) {
        int n = sentences->lengths[s];
        b->lengths[s] = n;
        b->first[s] = sc->padding == SCENARIO_PAD_LEFT ? b->L - n : 0;
        for (int p = 0; p < b->L; p++) {
            int i = p - b->first[s];
            int id = b->pad_id;
            if (i >= 0 && i < n)
                id = masked && masked[s][i] ? b->mask_id : sentences->ids[s][i];
            *tensor_ptr2(b->ids, s, p) = id;
            const char *w = scenario_word(sc, id);
            b->labels[s * b->L + p] = w ? w : "?";
            bool real = i >= 0 && i < n;
            if (real && masked && masked[s][i]) b->hidden[s * b->L + p] = scenario_word(sc, sentences->ids[s][i]);
            b->doc[s * b->L + p] = real ? s : -1;
            b->position[s * b->L + p] = real ? i : 0;
        }
    }
    return b;
}

Batch *batch_append(const Scenario *sc, const Batch *b, const int *ids, int n)
{
    Batch *a = xcalloc(1, sizeof *a);
    a->B = b->B;
    a->L = b->L + n;
    a->pad_id = b->pad_id;
    a->mask_id = b->mask_id;
    size_t cells = (size_t)a->B * (size_t)a->L;
    a->ids = tensor_new2(TENSOR_INT, a->B, a->L);
    a->lengths = xcalloc((size_t)a->B, sizeof *a->lengths);
    a->first = xcalloc((size_t)a->B, sizeof *a->first);
    a->labels = xcalloc(cells, sizeof *a->labels);
    a->hidden = xcalloc(cells, sizeof *a->hidden);
    a->doc = xcalloc(cells, sizeof *a->doc);
    a->position = xcalloc(cells, sizeof *a->position);
    for (int s = 0; s < a->B; s++) {
        a->lengths[s] = b->lengths[s] + n;
        a->first[s] = b->first[s];
        for (int p = 0; p < a->L; p++) {
            size_t i = (size_t)s * a->L + p, j = (size_t)s * b->L + p;
            bool old = p < b->L;
            int id = old ? (int)b->ids->data[j] : ids[(size_t)s * n + (p - b->L)];
            a->ids->data[i] = id;
            a->labels[i] = old ? b->labels[j] : scenario_word(sc, id) ? scenario_word(sc, id) : "?";
            a->doc[i] = old ? b->doc[j] : s;
            /* a new token's position: the real tokens before it */
            a->position[i] = old ? b->position[j] : b->lengths[s] + (p - b->L);
        }
    }
    return a;
}

void batch_free(Batch *b)
{
    if (!b)
        return;
    tensor_free(b->ids);
    free(b->lengths);
    free(b->first);
    free(b->labels);
    free(b->hidden);
    free(b->doc);
    free(b->position);
    free(b);
}

int batch_last_index(const Batch *b, int s)
{
    EXPECT(s >= 0 && s < b->B);
    for (int p = b->L - 1; p >= 0; p--)
        if (batch_is_real(b, s, p))
            return p;
    return -1;
}

Tensor *batch_last_indices(const Batch *b)
{
    Tensor *t = tensor_new1(TENSOR_INT, b->B);
    for (int s = 0; s < b->B; s++)
        t->data[s] = batch_last_index(b, s);
    return t;
}

Tensor *batch_padding_loss_mask(const Batch *b)
{
    Tensor *t = tensor_new2(TENSOR_FLOAT, b->B, b->L);
    for (int s = 0; s < b->B; s++)
        for (int p = 0; p < b->L; p++)
            *tensor_ptr2(t, s, p) = tensor_at2(b->ids, s, p) != b->pad_id;
    return t;
}

Tensor *batch_mlm_loss_mask(const Batch *b)
{
    Tensor *t = tensor_new2(TENSOR_FLOAT, b->B, b->L);
    for (int s = 0; s < b->B; s++)
        for (int p = 0; p < b->L; p++)
            *tensor_ptr2(t, s, p) = tensor_at2(b->ids, s, p) == b->mask_id;
    return t;
}

/* ---- packing ---- */

static long long total_tokens(const Scenario *sc)
{
    long long t = 0;
    for (int s = 0; s < sc->sentences.count; s++)
        t += sc->sentences.lengths[s];
    return t;
}

int batch_pack_length(const Scenario *sc)
{
    int longest = scenario_longest(&sc->sentences);
    if (sc->pack_length)
        return sc->pack_length;
    long long T = total_tokens(sc);
    if (T * T <= (long long)MS_MAX_ATTN_CELLS)
        return (int)T;
    long long P = (long long)MS_MAX_ATTN_CELLS / T; /* rows * P^2 ~ T * P within the limit */
    return P < longest ? longest : (int)P;
}

/* the row each sentence goes to, and the number of rows */
static int pack_plan(const Scenario *sc, int P, int *row_of, int *start_of)
{
    int rows = 0, used = P; /* used = P: the first sentence opens a row */
    for (int s = 0; s < sc->sentences.count; s++) {
        int n = sc->sentences.lengths[s];
        if (used + n > P) {
            rows++;
            used = 0;
        }
        if (row_of) row_of[s] = rows - 1;
        if (start_of) start_of[s] = used;
        used += n;
    }
    return rows;
}

int batch_pack_rows(const Scenario *sc)
{
    return pack_plan(sc, batch_pack_length(sc), NULL, NULL);
}

Batch *batch_packed(const Scenario *sc)
{
    int P = batch_pack_length(sc), n = sc->sentences.count;
    int *row_of = xcalloc((size_t)n, sizeof *row_of), *start_of = xcalloc((size_t)n, sizeof *start_of);
    int rows = pack_plan(sc, P, row_of, start_of);
    Batch *b = xcalloc(1, sizeof *b);
    b->B = rows;
    b->L = P;
    b->pad_id = sc->pad_id;
    b->mask_id = sc->mask_id;
    b->ids = tensor_new2(TENSOR_INT, rows, P);
    b->lengths = xcalloc((size_t)rows, sizeof *b->lengths);
    b->first = xcalloc((size_t)rows, sizeof *b->first);
    size_t cells = (size_t)rows * (size_t)P;
    b->labels = xcalloc(cells, sizeof *b->labels);
    b->hidden = xcalloc(cells, sizeof *b->hidden);
    b->doc = xcalloc(cells, sizeof *b->doc);
    b->position = xcalloc(cells, sizeof *b->position);
    const char *pad = scenario_word(sc, sc->pad_id);
    for (size_t i = 0; i < cells; i++) {
        b->ids->data[i] = sc->pad_id;
        b->labels[i] = pad;
        b->doc[i] = -1;
    }
    for (int s = 0; s < n; s++)
        for (int i = 0; i < sc->sentences.lengths[s]; i++) {
            size_t at = (size_t)row_of[s] * P + (size_t)start_of[s] + (size_t)i;
            int id = sc->sentences.ids[s][i];
            const char *w = scenario_word(sc, id);
            b->ids->data[at] = id;
            b->labels[at] = w ? w : "?";
            b->doc[at] = s;
            b->position[at] = i;
            b->lengths[row_of[s]]++;
        }
    free(row_of);
    free(start_of);
    return b;
}
