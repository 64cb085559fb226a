/* The step engine: the storyboard every front end draws from. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "steps.h"

static const char *const slugs[] = {"tokens", "qkv", "scores", "mask", "masked", "weights", "output", "loss"};

static Steps *build(const Scenario *sc, StepsMode m, int s)
{
    char err[200];
    Steps *st = steps_build(sc, m, s, err, sizeof err);
    cr_assert_not_null(st, "%s", err);
    return st;
}

Test(steps, every_mode_has_the_eight_steps_in_order)
{
    Scenario *sc = scenario_default();
    for (int m = 0; m < STEPS_MODE_COUNT; m++) {
        Steps *st = build(sc, (StepsMode)m, 0);
        cr_assert_eq(st->count, 8);
        for (int i = 0; i < 8; i++) {
            cr_assert_str_eq(st->steps[i].slug, slugs[i]);
            cr_assert_eq(steps_find(st, slugs[i]), i);
            cr_assert_gt(strlen(st->steps[i].formula), 0);
            cr_assert_gt(strlen(st->steps[i].caption), 0);
            cr_assert_gt(st->steps[i].npanels, 0);
        }
        cr_assert_eq(steps_find(st, "nope"), -1);
        steps_free(st);
    }
    scenario_free(sc);
}

Test(steps, panels_are_labelled_with_tokens)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, STEPS_PADDING, 0);
    const Step *masked = &st->steps[steps_find(st, "masked")];
    cr_assert_eq(masked->npanels, 3);
    cr_assert_str_eq(masked->panels[0].name, "A_scores");
    cr_assert_str_eq(masked->panels[1].name, "A_pad");
    cr_assert_str_eq(masked->panels[1].op, "+");
    cr_assert_str_eq(masked->panels[2].op, "=");
    const Panel *p = &masked->panels[2];
    cr_assert_eq(p->view.shape[0], 5);
    cr_assert_str_eq(p->row_labels[1], "cat");
    cr_assert_str_eq(p->col_labels[4], "[PAD]");
    cr_assert(p->col_dim[3] && !p->col_dim[2]);
    cr_assert_str_eq(p->row_axis, "query");
    cr_assert_str_eq(p->col_axis, "key");
    steps_free(st);
    scenario_free(sc);
}

Test(steps, causal_weights_start_with_a_one)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, STEPS_CAUSAL, 1);
    const Step *w = &st->steps[steps_find(st, "weights")];
    const Panel *p = &w->panels[1];
    cr_assert_str_eq(p->name, "A_weights");
    cr_assert_eq(p->scale, PANEL_UNIT);
    cr_assert(tensor_at2(&p->view, 0, 0) == 1.0);
    for (int k = 1; k < 5; k++)
        cr_assert(tensor_at2(&p->view, 0, k) == 0.0);
    steps_free(st);
    scenario_free(sc);
}

Test(steps, loss_steps_carry_the_notebook_means)
{
    Scenario *sc = scenario_default();
    Steps *pad = build(sc, STEPS_PADDING, 0), *mlm = build(sc, STEPS_MLM, 0);
    cr_assert(strstr(pad->steps[7].result, "= 0.650"), "%s", pad->steps[7].result);
    cr_assert(strstr(mlm->steps[7].result, "= 0.505"), "%s", mlm->steps[7].result);
    cr_assert_str_eq(mlm->steps[7].panels[1].name, "mlm_loss_mask");
    steps_free(pad);
    steps_free(mlm);
    scenario_free(sc);
}

Test(steps, batch_view_has_a_grid_row_per_sentence)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, STEPS_COMBINED, -1);
    const Step *m = &st->steps[steps_find(st, "masked")];
    cr_assert_eq(m->grid_rows, 3);
    cr_assert_eq(m->grid_cols, 3);
    cr_assert_eq(m->npanels, 9);
    cr_assert_eq(m->panels[8].grid_row, 2);
    cr_assert_eq(st->steps[0].grid_rows, 1); /* tokens: the [B,L] batch itself */
    cr_assert_eq(st->steps[0].panels[0].view.shape[0], 3);
    steps_free(st);
    scenario_free(sc);
}

Test(steps, scores_step_says_sqrt_dk)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, STEPS_PADDING, 0);
    const Step *s = &st->steps[steps_find(st, "scores")];
    cr_assert(strstr(s->formula, "\u221ad_k"));
    cr_assert(strstr(s->note, "notebook"));
    steps_free(st);
    scenario_free(sc);
}

Test(steps, out_of_range_sentence_is_an_error)
{
    Scenario *sc = scenario_default();
    char err[200];
    cr_assert_null(steps_build(sc, STEPS_PADDING, 3, err, sizeof err));
    cr_assert(strstr(err, "sentence: 3 is out of range"), "%s", err);
    scenario_free(sc);
}

Test(steps, toggling_mask_recomputes_the_mlm_loss)
{
    Scenario *sc = scenario_default();
    cr_assert(scenario_toggle_mlm(sc, 2, 0)); /* also mask "The" of sentence 2 */
    Steps *st = build(sc, STEPS_MLM, 0);
    /* (2.5238 + 0.2851) / 6 by hand */
    cr_assert_float_eq(st->loss, 2.8089 / 6, 1e-12);
    cr_assert_eq(tensor_at2(st->batch->ids, 2, 0), 999.0);
    steps_free(st);
    /* unmask everything in sentence 2: the step warns */
    scenario_toggle_mlm(sc, 2, 0);
    scenario_toggle_mlm(sc, 2, 3);
    st = build(sc, STEPS_MLM, 0);
    cr_assert(strstr(st->steps[7].note, "sentence 2 has no [MASK]"), "%s", st->steps[7].note);
    steps_free(st);
    scenario_free(sc);
}

Test(steps, explain_writes_out_the_arithmetic)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, STEPS_PADDING, 0);
    int masked = steps_find(st, "masked");
    char buf[512];
    cr_assert(steps_explain(st, masked, 2, 2, 3, buf, sizeof buf));
    char sc23[32];
    steps_format_value(tensor_at3(st->attn->scores, 0, 2, 3), false, 2, sc23, sizeof sc23);
    char want[256];
    snprintf(want, sizeof want, "A_masked\u207d\u2070\u207e[2][3] = A_scores[2][3] + A_pad[2][3] = %s%s%s + (\u2212\u221e) = \u2212\u221e",
             sc23[0] == '\xe2' ? "(" : "", sc23, sc23[0] == '\xe2' ? ")" : "");
    cr_assert_str_eq(buf, want);
    cr_assert(steps_explain(st, steps_find(st, "mask"), 0, 0, 4, buf, sizeof buf));
    cr_assert(strstr(buf, "key 4 is [PAD]"), "%s", buf);
    cr_assert(steps_explain(st, steps_find(st, "weights"), 1, 1, 0, buf, sizeof buf));
    cr_assert(strstr(buf, "row 1 sums to 1.0000"), "%s", buf);
    cr_assert_not(steps_explain(st, masked, 2, 5, 0, buf, sizeof buf));
    cr_assert_not(steps_explain(st, 8, 0, 0, 0, buf, sizeof buf));
    steps_free(st);
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
        Steps *st = build(sc, STEPS_MLM, 0);
        for (size_t i = 0; i < st->loss_mask->size; i++)
            if (st->loss_mask->data[i] == 1) {
                sum += st->losses->data[i];
                high += st->losses->data[i] >= 0.15;
                count++;
            }
        steps_free(st);
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
    Steps *pad = build(sc, STEPS_PADDING, 0), *mlm = build(sc, STEPS_MLM, 0);
    cr_assert(tensor_equal(pad->losses, mlm->losses));
    double num = 0, den = 0;
    for (size_t i = 0; i < mlm->losses->size; i++) {
        num += pad->losses->data[i] * mlm->loss_mask->data[i];
        den += mlm->loss_mask->data[i];
    }
    cr_assert_gt(den, 0);
    cr_assert_float_eq(mlm->loss, num / den, 1e-15);
    steps_free(pad);
    steps_free(mlm);
    scenario_free(sc);
}

/* The batch view of the causal mode shows one A_causal, labelled with the
 * longest sentence's words; its tooltip names the key on that axis. */
Test(steps, explain_names_the_key_on_the_panels_axis)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, STEPS_CAUSAL, -1);
    int mask = steps_find(st, "mask");
    cr_assert_eq(st->steps[mask].npanels, 1);
    const Panel *p = &st->steps[mask].panels[0];
    cr_assert_str_eq(p->col_labels[3], "fish");
    char buf[512];
    cr_assert(steps_explain(st, mask, 0, 4, 3, buf, sizeof buf));
    cr_assert(strstr(buf, "query 4 may attend to key 3 (\u201cfish\u201d)"), "%s", buf);
    steps_free(st);
    scenario_free(sc);
}
