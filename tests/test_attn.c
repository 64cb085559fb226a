/* Attention invariants: softmax rows sum to one, masked weights are
 * exactly zero, causal outputs ignore later tokens, real tokens ignore
 * padding, and left and right padding agree. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "attn.h"
#include "mask.h"
#include "steps.h"
#include "support.h"

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

static void check_rows(const Engine *e)
{
    int B = engine_sentences(e), L = engine_length(e), Lq = engine_query_length(e);
    for (int s = 0; s < B; s++)
        for (int q = 0; q < Lq; q++) {
            double sum = 0;
            for (int k = 0; k < L; k++) {
                double w = tensor_at3(T(e, T_WEIGHTS), s, q, k);
                cr_assert(!isinf(tensor_at3(T(e, T_MASK), s, q, k)) || w == 0.0);
                if (isinf(tensor_at3(T(e, T_MASK), s, q, k)))
                    cr_assert(w == 0.0, "masked weight [%d][%d][%d] = %g", s, q, k, w);
                sum += w;
            }
            if (engine_row_blocked(e, s, q))
                cr_assert(sum == 0.0);
            else
                cr_assert_float_eq(sum, 1.0, 1e-6, "row %d of sentence %d sums to %.9f", q, s, sum);
        }
}

Test(attn, every_mode_has_unit_rows_and_exact_zeros)
{
    Scenario *sc = scenario_default();
    for (int m = 0; m < mode_count(); m++) {
        Engine *e = compute(sc, mode_at(m)->name);
        check_rows(e);
        /* decode pads on the left: the [PAD] queries of sentences 0 (two) and 2 (one) see no key under the causal mask */
        cr_assert_eq(engine_blocked_rows(e), mode_at(m)->batch == MODE_BATCH_DECODE ? 3 : 0, "%s", mode_at(m)->name);
        engine_free(e);
    }
    scenario_free(sc);
}

Test(attn, scores_are_q_dot_k_over_sqrt_dk)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "padding");
    const Tensor *X = T(e, T_EMBEDDINGS), *Wq = T(e, T_W_Q), *Wk = T(e, T_W_K);
    /* recompute cell [1][2][4] from the embeddings and weights by hand */
    double q[4] = {0}, k[4] = {0};
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++) {
            q[j] += tensor_at3(X, 1, 2, i) * tensor_at2(Wq, i, j);
            k[j] += tensor_at3(X, 1, 4, i) * tensor_at2(Wk, i, j);
        }
    double dot = q[0] * k[0] + q[1] * k[1] + q[2] * k[2] + q[3] * k[3];
    cr_assert_float_eq(tensor_at3(T(e, T_SCORES), 1, 2, 4), dot / 2.0, 1e-12);
    /* the same word has the same embedding in every sentence */
    for (int j = 0; j < 4; j++)
        cr_assert_eq(tensor_at3(X, 0, 1, j), tensor_at3(X, 2, 1, j));
    engine_free(e);
    scenario_free(sc);
}

/* output rows 0..upto of sentence s are bit-identical in the two runs */
static void expect_same_rows(const Engine *x, const Engine *y, int s, int upto)
{
    for (int q = 0; q <= upto; q++)
        for (int j = 0; j < engine_d(x); j++)
            cr_assert(tensor_at3(T(x, T_OUTPUT), s, q, j) == tensor_at3(T(y, T_OUTPUT), s, q, j), "row %d dim %d", q,
                      j);
}

Test(attn, causal_output_never_sees_a_later_token)
{
    Scenario *sc = scenario_default();
    Scenario *changed = scenario_copy(sc);
    changed->sentences.ids[1][3] = 2; /* "fish" -> "cat" at position 3 */
    const char *modes[] = {"causal", "combined"};
    for (int m = 0; m < 2; m++) {
        Engine *a = compute(sc, modes[m]), *b = compute(changed, modes[m]);
        expect_same_rows(a, b, 1, 2);
        /* and the change is visible from position 3 on */
        cr_assert(tensor_at3(T(a, T_OUTPUT), 1, 3, 0) != tensor_at3(T(b, T_OUTPUT), 1, 3, 0));
        engine_free(a);
        engine_free(b);
    }
    scenario_free(changed);
    scenario_free(sc);
}

Test(attn, real_tokens_ignore_padding_embeddings)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "padding");
    const Batch *bt = engine_batch(e);
    Tensor *x = tensor_copy(T(e, T_EMBEDDINGS));
    for (int s = 0; s < bt->B; s++)
        for (int p = 0; p < bt->L; p++)
            if (!batch_is_real(bt, s, p))
                for (int j = 0; j < 4; j++)
                    *tensor_ptr3(x, s, p, j) = 1e3 * (j + 1); /* wild padding vectors */
    Attention *b = attn_compute_with(x, T(e, T_MASK), sc->seed, sc->nan_policy);
    for (int s = 0; s < bt->B; s++)
        for (int p = 0; p < bt->lengths[s]; p++)
            for (int j = 0; j < 4; j++)
                cr_assert(tensor_at3(T(e, T_OUTPUT), s, p, j) == tensor_at3(b->output, s, p, j));
    attn_free(b);
    tensor_free(x);
    engine_free(e);
    scenario_free(sc);
}

/* every mode of padded sentences that masks padding keys; causal alone
 * lets left padding in (packed rows and the decoder's queries are not
 * padded the scenario's way) */
Test(attn, left_and_right_padding_agree_on_real_tokens)
{
    Scenario *right = scenario_default();
    Scenario *left = scenario_copy(right);
    left->padding = SCENARIO_PAD_LEFT;
    for (int m = 0; m < mode_count(); m++) {
        const char *name = mode_at(m)->name;
        ModeBatch kind = mode_at(m)->batch;
        if (strcmp(name, "causal") == 0 || (kind != MODE_BATCH_MAIN && kind != MODE_BATCH_MLM))
            continue;
        Engine *r = compute(right, name), *l = compute(left, name);
        const Batch *rb = engine_batch(r), *lb = engine_batch(l);
        for (int s = 0; s < rb->B; s++) {
            int n = rb->lengths[s];
            for (int i = 0; i < n; i++) {
                int pr = rb->first[s] + i, pl = lb->first[s] + i;
                for (int j = 0; j < 4; j++)
                    cr_assert_float_eq(tensor_at3(T(r, T_OUTPUT), s, pr, j), tensor_at3(T(l, T_OUTPUT), s, pl, j),
                                       1e-12, "mode %s sentence %d token %d", name, s, i);
            }
        }
        /* combined mode with left padding has fully masked [PAD] query rows */
        if (strcmp(name, "combined") == 0)
            cr_assert_eq(engine_blocked_rows(l), 2 + 0 + 1);
        engine_free(r);
        engine_free(l);
    }
    scenario_free(left);
    scenario_free(right);
}

Test(attn, causal_alone_lets_left_padding_leak_in)
{
    Scenario *left = scenario_default();
    left->padding = SCENARIO_PAD_LEFT;
    Engine *c = compute(left, "causal"), *p = compute(left, "combined");
    /* "The" of sentence 0 sits at position 2 after two [PAD]s: the causal
     * mask alone lets it attend to them, the combined mask does not */
    cr_assert_gt(tensor_at3(T(c, T_WEIGHTS), 0, 2, 0), 0.0);
    cr_assert(tensor_at3(T(p, T_WEIGHTS), 0, 2, 0) == 0.0);
    cr_assert(tensor_at3(T(p, T_WEIGHTS), 0, 2, 2) == 1.0);
    engine_free(c);
    engine_free(p);
    scenario_free(left);
}

/* a rebuilt engine may take a freed one's address: what was computed from an engine is known by its serial */
Test(attn, an_engine_is_known_by_its_serial_not_its_address)
{
    Scenario *sc = scenario_default();
    Engine *a = compute(sc, "padding");
    unsigned long first = engine_serial(a);
    engine_free(a);
    Engine *b = compute(sc, "padding");
    cr_assert_neq(engine_serial(b), first);
    engine_free(b);
    scenario_free(sc);
}
