/* Attention invariants: softmax rows sum to one, masked weights are
 * exactly zero, causal outputs ignore later tokens, real tokens ignore
 * padding, and left and right padding agree. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "attn.h"
#include "mask.h"
#include "steps.h"

Test(attn, softmax_is_stable_and_sums_to_one)
{
    double row[3] = {1000, 1001, 1002};
    cr_assert_not(attn_softmax_row(row, 3, SCENARIO_ROWS_ZERO));
    /* by hand: e^0, e^1, e^2 over their sum */
    double z = 1 + exp(1) + exp(2);
    cr_assert_float_eq(row[0], 1 / z, 1e-12);
    cr_assert_float_eq(row[2], exp(2) / z, 1e-12);
    cr_assert_float_eq(row[0] + row[1] + row[2], 1.0, 1e-12);
}

Test(attn, minus_infinity_becomes_exactly_zero)
{
    double row[3] = {0.3, -INFINITY, -0.2};
    attn_softmax_row(row, 3, SCENARIO_ROWS_ZERO);
    cr_assert(row[1] == 0.0);
    cr_assert_float_eq(row[0], exp(0.5) / (exp(0.5) + 1), 1e-12);
}

Test(attn, a_fully_masked_row_is_zero_or_nan_by_policy)
{
    double a[2] = {-INFINITY, -INFINITY}, b[2] = {-INFINITY, -INFINITY};
    cr_assert(attn_softmax_row(a, 2, SCENARIO_ROWS_ZERO));
    cr_assert(a[0] == 0.0 && a[1] == 0.0);
    cr_assert(attn_softmax_row(b, 2, SCENARIO_ROWS_NAN));
    cr_assert(isnan(b[0]) && isnan(b[1])); /* torch.softmax(tensor([-inf, -inf]), 0) */
}

static void check_rows(const Steps *st)
{
    const Attention *a = st->attn;
    for (int s = 0; s < a->B; s++)
        for (int q = 0; q < a->L; q++) {
            double sum = 0;
            for (int k = 0; k < a->L; k++) {
                double w = tensor_at3(a->weights, s, q, k);
                if (isinf(tensor_at3(a->mask, s, q, k)))
                    cr_assert(w == 0.0, "masked weight [%d][%d][%d] = %g", s, q, k, w);
                sum += w;
            }
            if (a->row_blocked[s * a->L + q])
                cr_assert(sum == 0.0);
            else
                cr_assert_float_eq(sum, 1.0, 1e-6, "row %d of sentence %d sums to %.9f", q, s, sum);
        }
}

Test(attn, every_mode_has_unit_rows_and_exact_zeros)
{
    Scenario *sc = scenario_default();
    for (int m = 0; m < STEPS_MODE_COUNT; m++) {
        char err[200];
        Steps *st = steps_build(sc, (StepsMode)m, -1, err, sizeof err);
        cr_assert_not_null(st, "%s", err);
        check_rows(st);
        cr_assert_eq(st->attn->blocked_rows, 0);
        steps_free(st);
    }
    scenario_free(sc);
}

Test(attn, scores_are_q_dot_k_over_sqrt_dk)
{
    Scenario *sc = scenario_default();
    char err[200];
    Steps *st = steps_build(sc, STEPS_PADDING, -1, err, sizeof err);
    const Attention *a = st->attn;
    /* recompute cell [1][2][4] from the embeddings and weights by hand */
    double q[4] = {0}, k[4] = {0};
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++) {
            q[j] += tensor_at3(a->embeddings, 1, 2, i) * tensor_at2(a->W_q, i, j);
            k[j] += tensor_at3(a->embeddings, 1, 4, i) * tensor_at2(a->W_k, i, j);
        }
    double dot = q[0] * k[0] + q[1] * k[1] + q[2] * k[2] + q[3] * k[3];
    cr_assert_float_eq(tensor_at3(a->scores, 1, 2, 4), dot / 2.0, 1e-12);
    /* the same word has the same embedding in every sentence */
    for (int j = 0; j < 4; j++)
        cr_assert_eq(tensor_at3(a->embeddings, 0, 1, j), tensor_at3(a->embeddings, 2, 1, j));
    steps_free(st);
    scenario_free(sc);
}

/* output rows 0..upto of sentence s are bit-identical in the two runs */
static void expect_same_rows(const Attention *x, const Attention *y, int s, int upto)
{
    for (int q = 0; q <= upto; q++)
        for (int j = 0; j < x->d; j++)
            cr_assert(tensor_at3(x->output, s, q, j) == tensor_at3(y->output, s, q, j), "row %d dim %d", q, j);
}

Test(attn, causal_output_never_sees_a_later_token)
{
    Scenario *sc = scenario_default();
    Scenario *changed = scenario_copy(sc);
    changed->sentences.ids[1][3] = 2; /* "fish" -> "cat" at position 3 */
    for (int m = STEPS_CAUSAL; m <= STEPS_COMBINED; m++) {
        char err[200];
        Steps *a = steps_build(sc, (StepsMode)m, -1, err, sizeof err);
        Steps *b = steps_build(changed, (StepsMode)m, -1, err, sizeof err);
        expect_same_rows(a->attn, b->attn, 1, 2);
        /* and the change is visible from position 3 on */
        cr_assert(tensor_at3(a->attn->output, 1, 3, 0) != tensor_at3(b->attn->output, 1, 3, 0));
        steps_free(a);
        steps_free(b);
    }
    scenario_free(changed);
    scenario_free(sc);
}

Test(attn, real_tokens_ignore_padding_embeddings)
{
    Scenario *sc = scenario_default();
    char err[200];
    Steps *st = steps_build(sc, STEPS_PADDING, -1, err, sizeof err);
    Tensor *x = tensor_copy(st->attn->embeddings);
    for (int s = 0; s < st->batch->B; s++)
        for (int p = 0; p < st->batch->L; p++)
            if (!batch_is_real(st->batch, s, p))
                for (int j = 0; j < 4; j++)
                    *tensor_ptr3(x, s, p, j) = 1e3 * (j + 1); /* wild padding vectors */
    Attention *b = attn_compute_with(x, st->attn->mask, sc->seed, sc->nan_policy);
    for (int s = 0; s < st->batch->B; s++)
        for (int p = 0; p < st->batch->lengths[s]; p++)
            for (int j = 0; j < 4; j++)
                cr_assert(tensor_at3(st->attn->output, s, p, j) == tensor_at3(b->output, s, p, j));
    attn_free(b);
    tensor_free(x);
    steps_free(st);
    scenario_free(sc);
}

/* every mode that masks padding keys; causal alone lets left padding in */
Test(attn, left_and_right_padding_agree_on_real_tokens)
{
    Scenario *right = scenario_default();
    Scenario *left = scenario_copy(right);
    left->padding = SCENARIO_PAD_LEFT;
    for (int m = 0; m < STEPS_MODE_COUNT; m++) {
        if (m == STEPS_CAUSAL)
            continue;
        char err[200];
        Steps *r = steps_build(right, (StepsMode)m, -1, err, sizeof err);
        Steps *l = steps_build(left, (StepsMode)m, -1, err, sizeof err);
        for (int s = 0; s < r->batch->B; s++) {
            int n = r->batch->lengths[s];
            for (int i = 0; i < n; i++) {
                int pr = r->batch->first[s] + i, pl = l->batch->first[s] + i;
                for (int j = 0; j < 4; j++)
                    cr_assert_float_eq(tensor_at3(r->attn->output, s, pr, j), tensor_at3(l->attn->output, s, pl, j),
                                       1e-12, "mode %d sentence %d token %d", m, s, i);
            }
        }
        /* combined mode with left padding has fully masked [PAD] query rows */
        if (m == STEPS_COMBINED)
            cr_assert_eq(l->attn->blocked_rows, 2 + 0 + 1);
        steps_free(r);
        steps_free(l);
    }
    scenario_free(left);
    scenario_free(right);
}

Test(attn, causal_alone_lets_left_padding_leak_in)
{
    Scenario *left = scenario_default();
    left->padding = SCENARIO_PAD_LEFT;
    char err[200];
    Steps *c = steps_build(left, STEPS_CAUSAL, 0, err, sizeof err);
    Steps *p = steps_build(left, STEPS_COMBINED, 0, err, sizeof err);
    /* "The" of sentence 0 sits at position 2 after two [PAD]s: the causal
     * mask alone lets it attend to them, the combined mask does not */
    cr_assert_gt(tensor_at3(c->attn->weights, 0, 2, 0), 0.0);
    cr_assert(tensor_at3(p->attn->weights, 0, 2, 0) == 0.0);
    cr_assert(tensor_at3(p->attn->weights, 0, 2, 2) == 1.0);
    steps_free(c);
    steps_free(p);
    scenario_free(left);
}
