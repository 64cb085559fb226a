/* Attention masks against the notebook's definitions and hand-drawn grids. */
#include <criterion/criterion.h>
#include <math.h>

#include "batch.h"
#include "mask.h"

static bool blocked(double v) { return isinf(v) && v < 0; }

Test(mask, causal_blocks_exactly_the_future)
{
    Tensor *c = mask_causal(6);
    for (int q = 0; q < 6; q++)
        for (int k = 0; k < 6; k++)
            cr_assert_eq(blocked(tensor_at2(c, q, k)), k > q, "q=%d k=%d", q, k);
    tensor_free(c);
}

Test(mask, padding_keys_mask_columns_only)
{
    Scenario *sc = scenario_default();
    Batch *b = batch_new(sc, &sc->sentences, NULL);
    Tensor *a = mask_padding_keys(b);
    /* "The cat ate [PAD] [PAD]": columns 3 and 4 of every row */
    for (int q = 0; q < 5; q++)
        for (int k = 0; k < 5; k++)
            cr_assert_eq(blocked(tensor_at3(a, 0, q, k)), k >= 3);
    for (int q = 0; q < 5; q++)
        for (int k = 0; k < 5; k++)
            cr_assert_eq(tensor_at3(a, 1, q, k), 0.0);
    Tensor *f = mask_padding_full(b);
    cr_assert(blocked(tensor_at3(f, 0, 3, 0))); /* padded query row */
    cr_assert_eq(tensor_at3(f, 0, 2, 0), 0.0);
    tensor_free(a);
    tensor_free(f);
    batch_free(b);
    scenario_free(sc);
}

Test(mask, combined_is_the_sum)
{
    Scenario *sc = scenario_default();
    Batch *b = batch_new(sc, &sc->sentences, NULL);
    Tensor *p = mask_padding_keys(b), *c = mask_causal(b->L);
    Tensor *m = mask_add(p, c, b->B);
    /* sentence 0, query 4 ([PAD]): keys 0..2 allowed, 3..4 padding */
    for (int k = 0; k < 5; k++)
        cr_assert_eq(blocked(tensor_at3(m, 0, 4, k)), k >= 3);
    /* sentence 0, query 1: only keys 0 and 1 */
    for (int k = 0; k < 5; k++)
        cr_assert_eq(blocked(tensor_at3(m, 0, 1, k)), k >= 2);
    tensor_free(m);
    tensor_free(p);
    tensor_free(c);
    batch_free(b);
    scenario_free(sc);
}

Test(mask, left_padding_moves_the_padding_to_the_front)
{
    char err[200];
    const char *s[] = {"a", "a b c"};
    Scenario *sc = scenario_from_sentences(s, 2, err, sizeof err);
    sc->padding = SCENARIO_PAD_LEFT;
    Batch *b = batch_new(sc, &sc->sentences, NULL);
    Tensor *pm = mask_padding(b);
    cr_assert(blocked(tensor_at2(pm, 0, 0)));
    cr_assert(blocked(tensor_at2(pm, 0, 1)));
    cr_assert_eq(tensor_at2(pm, 0, 2), 0.0);
    cr_assert_eq(batch_last_index(b, 0), 2);
    cr_assert_eq(batch_last_index(b, 1), 2);
    tensor_free(pm);
    batch_free(b);
    scenario_free(sc);
}

Test(mask, boolean_forms_round_trip)
{
    Tensor *c = mask_causal(4);
    Tensor *keep = mask_to_keep(c), *block = mask_to_block(c), *back = mask_from_keep(keep);
    for (size_t i = 0; i < c->size; i++) {
        cr_assert_eq(keep->data[i] + block->data[i], 1.0);
        cr_assert_eq(keep->data[i] == 0, blocked(c->data[i]));
    }
    cr_assert(tensor_equal(back, c));
    tensor_free(c);
    tensor_free(keep);
    tensor_free(block);
    tensor_free(back);
}

/* A mask term may be [B, Lq, Lk] with fewer queries than keys (a decode
 * step against a cache, cross-attention): the causal term aligns its
 * diagonal to the bottom-right corner, so the last query sees every key. */
Test(mask, terms_can_be_non_square)
{
    const char *k_words[] = {"The cat ate fish pie"}, *q_words[] = {"fish pie"};
    char err[256];
    Scenario *ks = scenario_from_sentences(k_words, 1, err, sizeof err);
    Scenario *qs = scenario_from_sentences(q_words, 1, err, sizeof err);
    cr_assert(ks && qs, "%s", err);
    Batch *keys = batch_new(ks, &ks->sentences, NULL);      /* 1 x 5 */
    Batch *queries = batch_new(qs, &qs->sentences, NULL);   /* 1 x 2 */
    MaskInput in = {.queries = queries, .keys = keys, .sc = ks};
    Tensor *t = mask_term_build(&mask_term_causal, &in);
    cr_assert_eq(t->shape[0], 1);
    cr_assert_eq(t->shape[1], 2);
    cr_assert_eq(t->shape[2], 5);
    /* by hand: query 0 is position 3 of 5, query 1 is position 4 */
    const double want[2][5] = {{0, 0, 0, 0, -INFINITY}, {0, 0, 0, 0, 0}};
    for (int q = 0; q < 2; q++)
        for (int k = 0; k < 5; k++)
            cr_assert(tensor_at3(t, 0, q, k) == want[q][k], "[%d][%d] = %g", q, k, tensor_at3(t, 0, q, k));
    tensor_free(t);
    batch_free(keys);
    batch_free(queries);
    scenario_free(qs);
    scenario_free(ks);
}
