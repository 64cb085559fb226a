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
        }
    }
    return b;
}

void batch_free(Batch *b)
{
    if (!b)
        return;
    tensor_free(b->ids);
    free(b->lengths);
    free(b->first);
    free(b->labels);
    free(b);
}

bool batch_is_real(const Batch *b, int s, int pos)
{
    EXPECT(s >= 0 && s < b->B && pos >= 0 && pos < b->L);
    return pos >= b->first[s] && pos < b->first[s] + b->lengths[s];
}

int batch_last_index(const Batch *b, int s)
{
    EXPECT(s >= 0 && s < b->B);
    return b->lengths[s] ? b->first[s] + b->lengths[s] - 1 : -1;
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
