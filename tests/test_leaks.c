/* The leak detector: no leak in any mode of the table (on the running
 * example and every scenario in tests/scenarios/), the influence a mask
 * implies written out by hand (a lower triangle for causal, every real
 * token for padding, blocks for packed documents), the one true leak of
 * the table (causal alone on a left-padded batch reads the [PAD]s in
 * front), and a finding for every bug of the gallery. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "leaks.h"
#include "support.h"

static Leaks *run_leaks(const Engine *e, const Forward *fw, int s)
{
    char err[256];
    Leaks *l = leaks_run(e, fw, s, err, sizeof err);
    cr_assert_not_null(l, "%s", err);
    return l;
}

Test(leaks, unperturbed_outputs_are_the_engine_s_to_the_last_bit)
{
    Scenario *sc = scenario_default();
    for (int m = 0; m < mode_count(); m++) {
        if (!mode_has_tensors(mode_at(m))) continue;
        Engine *e = compute(sc, mode_at(m)->name);
        ForwardEngine ctx;
        Forward fw = forward_of_engine(e, &ctx);
        int Lq = engine_query_length(e), Lk = engine_length(e), d = engine_d(e);
        double scratch[64], out[64];
        const Tensor *Q = T(e, T_Q), *K = T(e, T_K), *V = T(e, T_V), *O = T(e, T_OUTPUT);
        int rows = O->shape[1]; /* decode's output goes on past the prompt, one row per new token */
        for (int s = 0; s < engine_sentences(e); s++)
            for (int q = 0; q < Lq; q++) {
                forward_row(&fw, s, q, Q->data + ((size_t)s * Lq + q) * d, K->data + (size_t)s * Lk * d,
                            V->data + (size_t)s * Lk * d, Lk, d, scratch, NULL, out);
                cr_assert(memcmp(out, O->data + ((size_t)s * rows + q) * d, (size_t)d * sizeof *out) == 0,
                          "%s: sentence %d row %d", mode_at(m)->name, s, q);
            }
        engine_free(e);
    }
    scenario_free(sc);
}

Test(leaks, no_mode_of_the_table_leaks)
{
    char names[32][64];
    int n = test_scenario_names(names, 32), runs = 0;
    for (int i = 0; i < n; i++) {
        Scenario *sc = names[i][0] ? test_scenario(names[i]) : scenario_default();
        for (int m = 0; m < mode_count(); m++) {
            const Mode *mode = mode_at(m);
            if (!mode_has_tensors(mode)) continue;
            Engine *e = compute(sc, mode->name);
            Leaks *l = run_leaks(e, NULL, -1);
            bool left = sc->padding == SCENARIO_PAD_LEFT;
            if (strcmp(mode->name, "causal") == 0 && left) {
                /* causal alone lets a left-padded sentence read its [PAD]s: the table's one true leak */
                cr_assert_gt(leaks_count(l), 0, "%s: causal on left padding", names[i]);
                for (int s = 0; s < engine_sentences(e); s++)
                    for (int q = 0; q < leaks_rows(l); q++)
                        for (int k = 0; k < leaks_cols(l); k++)
                            if (leaks_is_leak(l, s, q, k))
                                cr_assert_eq(leaks_why(l, s, q, k, NULL, 0), LEAK_PADDING);
            } else {
                cr_assert_eq(leaks_count(l), 0, "%s / %s: %d leaks", names[i][0] ? names[i] : "running example",
                             mode->name, leaks_count(l));
            }
            runs++;
            leaks_free(l);
            engine_free(e);
        }
        scenario_free(sc);
    }
    cr_assert_gt(runs, 40, "%d runs", runs);
}

Test(leaks, causal_influence_is_the_lower_triangle_of_real_tokens)
{
    Scenario *sc = scenario_default();
    const char *modes[] = {"causal", "combined"};
    for (int m = 0; m < 2; m++) {
        Engine *e = compute(sc, modes[m]);
        Leaks *l = run_leaks(e, NULL, -1);
        const int lengths[] = {3, 5, 4}; /* the running example */
        for (int s = 0; s < 3; s++)
            for (int i = 0; i < lengths[s]; i++)
                for (int j = 0; j < 5; j++)
                    cr_assert_eq(leaks_depends(l, s, i, j), j <= i, "%s: sentence %d output %d input %d", modes[m],
                                 s, i, j);
        leaks_free(l);
        engine_free(e);
    }
    scenario_free(sc);
}

Test(leaks, padding_lets_a_real_token_read_every_real_token_and_no_pad)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "padding");
    Leaks *l = run_leaks(e, NULL, 0); /* "The cat ate [PAD] [PAD]" */
    cr_assert_eq(leaks_first(l), 0);
    cr_assert_eq(leaks_last(l), 0);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++)
            cr_assert_eq(leaks_depends(l, 0, i, j), j < 3, "output %d input %d", i, j);
    leaks_free(l);
    engine_free(e);
    scenario_free(sc);
}

Test(leaks, packed_documents_are_blocks)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "packed");
    Leaks *l = run_leaks(e, NULL, 0);
    /* one row of 12: "The cat ate" (0-2), "The cat ate fish pie" (3-7), "The cat ate fish" (8-11) */
    const int doc[12] = {0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2};
    cr_assert_eq(leaks_cols(l), 12);
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 12; j++)
            cr_assert_eq(leaks_depends(l, 0, i, j), doc[i] == doc[j] && j <= i, "output %d input %d", i, j);
    leaks_free(l);
    engine_free(e);
    scenario_free(sc);
}

static BugRun *bug(const char *slug)
{
    Scenario *sc = scenario_default();
    char err[256];
    BugRun *r = bugs_run(bugs_find(slug), sc, err, sizeof err);
    scenario_free(sc);
    cr_assert_not_null(r, "%s: %s", slug, err);
    return r;
}

static int nan_outputs(const Leaks *l)
{
    int n = 0;
    for (int s = leaks_first(l); s <= leaks_last(l); s++)
        for (int i = 0; i < leaks_rows(l); i++)
            n += leaks_nan(l, s, i);
    return n;
}

Test(leaks, every_attention_bug_is_found)
{
    /* bugs that let a real token read what it must not */
    const char *leaky[] = {"tril-for-triu", "rows-not-columns", "inverted-bool", "no-padding-left", "mask-after-softmax"};
    for (size_t i = 0; i < sizeof leaky / sizeof *leaky; i++) {
        BugRun *r = bug(leaky[i]);
        Leaks *wrong = run_leaks(bugs_engine(r), bugs_forward(r, true), -1);
        Leaks *right = run_leaks(bugs_engine(r), bugs_forward(r, false), -1);
        cr_assert_gt(leaks_count(wrong), 0, "%s: no leak found", leaky[i]);
        cr_assert_eq(leaks_count(right), 0, "%s: the right line leaks", leaky[i]);
        leaks_free(wrong);
        leaks_free(right);
        bugs_run_free(r);
    }
    /* bugs that break a row instead: NaN where the right line has numbers */
    const char *broken[] = {"diagonal-0", "fp16-neg-inf"};
    for (size_t i = 0; i < 2; i++) {
        BugRun *r = bug(broken[i]);
        Leaks *wrong = run_leaks(bugs_engine(r), bugs_forward(r, true), -1);
        Leaks *right = run_leaks(bugs_engine(r), bugs_forward(r, false), -1);
        cr_assert_gt(nan_outputs(wrong), 0, "%s", broken[i]);
        cr_assert_eq(nan_outputs(right), 0, "%s: the right line has NaN", broken[i]);
        leaks_free(wrong);
        leaks_free(right);
        bugs_run_free(r);
    }
    /* two finfo.min masks added: the [PAD] row 0 of the left-padded "The cat ate" stops reading
     * input 1, the cell both masks block, which the right line reads (uniform weights) */
    BugRun *r = bug("finfo-min-then-add");
    Leaks *wrong = run_leaks(bugs_engine(r), bugs_forward(r, true), 0);
    Leaks *right = run_leaks(bugs_engine(r), bugs_forward(r, false), 0);
    for (int j = 0; j < 5; j++)
        cr_assert(leaks_depends(right, 0, 0, j), "right: input %d", j);
    cr_assert_not(leaks_depends(wrong, 0, 0, 1));
    cr_assert(leaks_depends(wrong, 0, 0, 0) && leaks_depends(wrong, 0, 0, 2));
    cr_assert_eq(leaks_count(wrong), 0, "no real token changes");
    leaks_free(wrong);
    leaks_free(right);
    bugs_run_free(r);
}

Test(leaks, loss_bugs_read_the_positions_the_right_mean_skips)
{
    /* loss-over-padding: the buggy mean reads the three [PAD] positions, the right one none */
    BugRun *r = bug("loss-over-padding");
    bool wrong[15], right[15];
    bugs_loss_reads(r, true, wrong);
    bugs_loss_reads(r, false, right);
    const int real[15] = {1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    for (int i = 0; i < 15; i++) {
        cr_assert(wrong[i], "position %d", i);
        cr_assert_eq(right[i], real[i] == 1, "position %d", i);
    }
    cr_assert_float_eq(bugs_loss(r, false), 7.8 / 12, 1e-3); /* the notebook's 0.650 */
    bugs_run_free(r);
    /* no-ignore-index: every position of the MLM batch instead of its five [MASK]s */
    r = bug("no-ignore-index");
    bugs_loss_reads(r, true, wrong);
    bugs_loss_reads(r, false, right);
    const int masked[15] = {0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0};
    for (int i = 0; i < 15; i++) {
        cr_assert(wrong[i]);
        cr_assert_eq(right[i], masked[i] == 1, "position %d", i);
    }
    bugs_run_free(r);
}

Test(leaks, float16_and_float32_round_as_ieee_754_does)
{
    cr_assert_eq(forward_f16(1.0 / 3), 0.333251953125);
    cr_assert_eq(forward_f16(65519.0), 65504.0);
    cr_assert(isinf(forward_f16(65520.0)));
    cr_assert_eq(forward_f16(-65504.0 - 15.9), -65504.0);
    cr_assert(isinf(forward_f16(-70000.0)) && forward_f16(-70000.0) < 0);
    cr_assert_eq(forward_f16(3e-8), 5.9604644775390625e-08); /* the smallest subnormal, 2^-24 */
    cr_assert_eq(forward_f16(2.5), 2.5);
    cr_assert_eq(forward_f16(2049.0), 2048.0); /* a tie goes to the even neighbour */
    const double finfo = -3.4028234663852886e38;
    cr_assert(isinf(forward_f32(finfo + finfo)));
    cr_assert_eq(forward_f32(finfo + 0.25), finfo);
    cr_assert_eq(forward_f32(0.1), (double)0.1f);
}

Test(leaks, refuses_more_work_than_its_limit)
{
    char text[4200];
    size_t k = (size_t)snprintf(text, sizeof text, "{\"sentences\": [[");
    for (int i = 0; i < 700; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "%s%d", i ? ", " : "", 1 + i % 5);
    snprintf(text + k, sizeof text - k, "]]}");
    char err[512];
    Scenario *sc = scenario_parse(text, strlen(text), "long.json", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    Engine *e = compute(sc, "causal");
    cr_assert_null(leaks_run(e, NULL, -1, err, sizeof err));
    cr_assert(strstr(err, "MS_MAX_LEAK_WORK"), "%s", err);
    engine_free(e);
    scenario_free(sc);
}
