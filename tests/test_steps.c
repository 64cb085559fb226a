/* The step engine: the storyboard every front end draws from. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "steps.h"
#include "support.h"

static const char *const slugs[] = {"tokens", "qkv", "scores", "mask", "masked", "weights", "output", "loss"};

/* the storyboard of mode name, sentence s; the engine goes with it */
static Engine *engine;
static Steps *build(const Scenario *sc, const char *name, int s)
{
    engine = compute(sc, name);
    return story(engine, s);
}

static void done(Steps *st)
{
    const Engine *e = steps_engine(st);
    steps_free(st);
    engine_free((Engine *)e);
}

Test(steps, every_mode_has_the_eight_steps_in_order)
{
    Scenario *sc = scenario_default();
    for (int m = 0; m < mode_count(); m++) {
        if (!mode_has_tensors(mode_at(m))) continue; /* the bug gallery has a story of its own (test_bugs) */
        Steps *st = build(sc, mode_at(m)->name, 0);
        const char *const *story_slugs;
        cr_assert_eq(steps_story(mode_at(m), &story_slugs), 8);
        cr_assert_eq(steps_count(st), 8);
        for (int i = 0; i < 8; i++) {
            cr_assert_str_eq(steps_at(st, i)->slug, slugs[i]);
            cr_assert_str_eq(story_slugs[i], slugs[i]);
            cr_assert_eq(steps_find(st, slugs[i]), i);
            cr_assert_gt(strlen(steps_at(st, i)->formula), 0);
            cr_assert_gt(strlen(steps_at(st, i)->caption), 0);
            cr_assert_gt(steps_at(st, i)->npanels, 0);
        }
        cr_assert_eq(steps_find(st, "nope"), -1);
        done(st);
    }
    scenario_free(sc);
}

Test(steps, panels_are_labelled_with_tokens)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "padding", 0);
    const Step *masked = steps_at(st, steps_find(st, "masked"));
    cr_assert_eq(masked->npanels, 3);
    cr_assert_str_eq(masked->panels[0].name, "A_scores");
    cr_assert_str_eq(masked->panels[1].name, "A_pad");
    cr_assert_str_eq(masked->panels[1].join, "+");
    cr_assert_str_eq(masked->panels[2].join, "=");
    const Panel *p = &masked->panels[2];
    cr_assert_eq(p->view.shape[0], 5);
    cr_assert_str_eq(p->row_labels[1], "cat");
    cr_assert_str_eq(p->col_labels[4], "[PAD]");
    cr_assert(p->col_dim[3] && !p->col_dim[2]);
    cr_assert_str_eq(p->row_axis, "query");
    cr_assert_str_eq(p->col_axis, "key");
    /* typed: A_masked is A_scores plus the mode's one mask term */
    cr_assert_eq(p->tensor, T_MASKED);
    cr_assert_eq(p->recipe.op, OP_ADD);
    cr_assert_eq(p->recipe.n, 2);
    cr_assert_eq(p->recipe.in[0], T_SCORES);
    cr_assert_eq(p->recipe.in[1], T_TERM);
    done(st);
    scenario_free(sc);
}

Test(steps, causal_weights_start_with_a_one)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "causal", 1);
    const Step *w = steps_at(st, steps_find(st, "weights"));
    const Panel *p = &w->panels[1];
    cr_assert_str_eq(p->name, "A_weights");
    cr_assert_eq(p->scale, PANEL_UNIT);
    cr_assert(tensor_at2(&p->view, 0, 0) == 1.0);
    for (int k = 1; k < 5; k++)
        cr_assert(tensor_at2(&p->view, 0, k) == 0.0);
    cr_assert_eq(p->recipe.op, OP_SOFTMAX);
    done(st);
    scenario_free(sc);
}

Test(steps, loss_steps_carry_the_notebook_means)
{
    Scenario *sc = scenario_default();
    Steps *pad = build(sc, "padding", 0), *mlm = build(sc, "mlm", 0);
    cr_assert(strstr(steps_at(pad, 7)->result, "= 0.650"), "%s", steps_at(pad, 7)->result);
    cr_assert(strstr(steps_at(mlm, 7)->result, "= 0.505"), "%s", steps_at(mlm, 7)->result);
    cr_assert_str_eq(steps_at(mlm, 7)->panels[1].name, "mlm_loss_mask");
    done(pad);
    done(mlm);
    scenario_free(sc);
}

Test(steps, batch_view_has_a_grid_row_per_sentence)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "combined", -1);
    const Step *m = steps_at(st, steps_find(st, "masked"));
    /* A_scores + A_pad + A_causal = A_masked, one row per sentence */
    cr_assert_eq(m->grid_rows, 3);
    cr_assert_eq(m->grid_cols, 4);
    cr_assert_eq(m->npanels, 12);
    cr_assert_eq(m->panels[11].grid_row, 2);
    cr_assert_str_eq(m->panels[1].name, "A_pad");
    cr_assert_str_eq(m->panels[2].name, "A_causal");
    cr_assert_eq(m->panels[3].recipe.n, 3);
    cr_assert_str_eq(m->formula, "A_masked = A_scores + A_pad + A_causal");
    cr_assert_eq(steps_at(st, 0)->grid_rows, 1); /* tokens: the [B,L] batch itself */
    cr_assert_eq(steps_at(st, 0)->panels[0].view.shape[0], 3);
    done(st);
    scenario_free(sc);
}

Test(steps, scores_step_says_sqrt_dk)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "padding", 0);
    const Step *s = steps_at(st, steps_find(st, "scores"));
    cr_assert(strstr(s->formula, "\u221ad_k"));
    cr_assert(strstr(s->note, "notebook"));
    done(st);
    scenario_free(sc);
}

Test(steps, out_of_range_sentence_is_an_error)
{
    Scenario *sc = scenario_default();
    char err[200];
    Engine *e = compute(sc, "padding");
    cr_assert_null(steps_build(e, 3, err, sizeof err));
    cr_assert(strstr(err, "sentence: 3 is out of range"), "%s", err);
    engine_free(e);
    scenario_free(sc);
}

Test(steps, toggling_mask_recomputes_the_mlm_loss)
{
    Scenario *sc = scenario_default();
    cr_assert(scenario_toggle_mlm(sc, 2, 0)); /* also mask "The" of sentence 2 */
    Steps *st = build(sc, "mlm", 0);
    /* (2.5238 + 0.2851) / 6 by hand */
    cr_assert_float_eq(engine_loss(engine), 2.8089 / 6, 1e-12);
    cr_assert_eq(tensor_at2(T(engine, T_BATCH), 2, 0), 999.0);
    done(st);
    /* unmask everything in sentence 2: the step warns */
    scenario_toggle_mlm(sc, 2, 0);
    scenario_toggle_mlm(sc, 2, 3);
    st = build(sc, "mlm", 0);
    cr_assert(strstr(steps_at(st, 7)->note, "sentence 2 has no [MASK]"), "%s", steps_at(st, 7)->note);
    cr_assert(engine_unscored(engine, 2) && !engine_unscored(engine, 0));
    done(st);
    scenario_free(sc);
}

Test(steps, explain_writes_out_the_arithmetic)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "padding", 0);
    int masked = steps_find(st, "masked");
    char buf[512];
    cr_assert(steps_explain(st, masked, 2, 2, 3, buf, sizeof buf));
    char sc23[32];
    steps_format_value(tensor_at3(T(engine, T_SCORES), 0, 2, 3), false, 2, sc23, sizeof sc23);
    char want[256];
    snprintf(want, sizeof want, "A_masked\u207d\u2070\u207e[2][3] = A_scores[2][3] + A_pad[2][3] = %s%s%s + (\u2212\u221e) = \u2212\u221e"
             ": key 3 is [PAD], blocked for every query",
             sc23[0] == '\xe2' ? "(" : "", sc23, sc23[0] == '\xe2' ? ")" : "");
    cr_assert_str_eq(buf, want);
    cr_assert(steps_explain(st, steps_find(st, "mask"), 0, 0, 4, buf, sizeof buf));
    cr_assert(strstr(buf, "key 4 is [PAD]"), "%s", buf);
    cr_assert(steps_explain(st, steps_find(st, "weights"), 1, 1, 0, buf, sizeof buf));
    cr_assert(strstr(buf, "row 1 sums to 1.0000"), "%s", buf);
    cr_assert_not(steps_explain(st, masked, 2, 5, 0, buf, sizeof buf));
    cr_assert_not(steps_explain(st, 8, 0, 0, 0, buf, sizeof buf));
    done(st);
    scenario_free(sc);
}

Test(steps, values_format_for_cells)
{
    char b[32];
    steps_format_value(-INFINITY, false, 2, b, sizeof b);
    cr_assert_str_eq(b, "\u2212\u221e");
    steps_format_value(-0.004, false, 2, b, sizeof b);
    cr_assert_str_eq(b, "0.00");
    steps_format_value(-0.416, false, 2, b, sizeof b);
    cr_assert_str_eq(b, "\u22120.42");
    steps_format_value(999, true, 2, b, sizeof b);
    cr_assert_str_eq(b, "999");
    steps_format_value(NAN, false, 2, b, sizeof b);
    cr_assert_str_eq(b, "NaN");
}

/* The [MASK] draw and the random losses are independent: before they
 * shared one random stream, a position was masked exactly when its loss
 * was below the probability, so every drawn MLM loss was < 0.15. */
Test(steps, mlm_mask_draw_is_independent_of_the_losses)
{
    double sum = 0;
    int count = 0, high = 0;
    for (int seed = 0; seed < 20; seed++) {
        char text[200], err[200];
        snprintf(text, sizeof text,
                 "{\"sentences\": [\"a b c d e f g h i j k l\", \"m n o p q r s t u v w x\"], \"seed\": %d}", seed);
        Scenario *sc = scenario_parse(text, strlen(text), "seeded.json", err, sizeof err);
        cr_assert_not_null(sc, "%s", err);
        Engine *e = compute(sc, "mlm");
        const Tensor *lm = T(e, T_LOSS_MASK), *losses = T(e, T_LOSSES);
        for (size_t i = 0; i < lm->size; i++)
            if (lm->data[i] == 1) {
                sum += losses->data[i];
                high += losses->data[i] >= 0.15;
                count++;
            }
        engine_free(e);
        scenario_free(sc);
    }
    cr_assert_gt(count, 20);
    cr_assert_gt(high, count / 2, "%d of %d masked losses are >= 0.15", high, count);
    cr_assert(sum / count > 0.3 && sum / count < 0.7, "mean masked loss %f", sum / count);
}

/* README: mlm.losses defaults to `losses` when the shapes agree, drawn
 * from the seed or given: the MLM mean is taken over the same numbers. */
Test(steps, mlm_batch_reuses_drawn_losses_of_the_same_shape)
{
    const char *text = "{\"sentences\": [\"a b c\", \"d e\"], \"seed\": 7}";
    char err[200];
    Scenario *sc = scenario_parse(text, strlen(text), "drawn.json", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_null(sc->losses);
    Engine *pad = compute(sc, "padding"), *mlm = compute(sc, "mlm");
    cr_assert(tensor_equal(T(pad, T_LOSSES), T(mlm, T_LOSSES)));
    double num = 0, den = 0;
    const Tensor *lm = T(mlm, T_LOSS_MASK);
    for (size_t i = 0; i < lm->size; i++) {
        num += T(pad, T_LOSSES)->data[i] * lm->data[i];
        den += lm->data[i];
    }
    cr_assert_gt(den, 0);
    cr_assert_float_eq(engine_loss(mlm), num / den, 1e-15);
    engine_free(pad);
    engine_free(mlm);
    scenario_free(sc);
}

/* The batch view of the causal mode shows one A_causal, labelled with the
 * longest sentence's words; its tooltip names the key on that axis. */
Test(steps, explain_names_the_key_on_the_panels_axis)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "causal", -1);
    int mask = steps_find(st, "mask");
    cr_assert_eq(steps_at(st, mask)->npanels, 1);
    const Panel *p = &steps_at(st, mask)->panels[0];
    cr_assert_str_eq(p->col_labels[3], "fish");
    char buf[512];
    cr_assert(steps_explain(st, mask, 0, 4, 3, buf, sizeof buf));
    cr_assert(strstr(buf, "query 4 may attend to key 3 (\u201cfish\u201d)"), "%s", buf);
    done(st);
    scenario_free(sc);
}
