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

/* the attention story for every mode but the two that tell what pretraining corruption does */
static const char *const bert_slugs[] = {"original", "chosen", "corrupted", "labels", "loss_mask", "loss"};
static const char *const t5_slugs[] = {"original", "noise", "input", "target", "decoder", "loss"};
/* generation: one decode step per new token ("generate": 3 by default) */
static const char *const decode_slugs[] = {"prompt", "positions", "prefill", "decode1", "decode2", "decode3",
                                           "equivalence", "alignment"};

Test(steps, every_mode_tells_its_story_in_order)
{
    Scenario *sc = scenario_default();
    for (int m = 0; m < mode_count(); m++) {
        if (!mode_has_tensors(mode_at(m))) continue; /* the bug gallery has a story of its own (test_bugs) */
        const char *name = mode_at(m)->name;
        const char *const *want = strcmp(name, "bert") == 0 ? bert_slugs : strcmp(name, "t5") == 0 ? t5_slugs
                                  : strcmp(name, "decode") == 0                               ? decode_slugs
                                                                                              : slugs;
        int n = want == slugs || want == decode_slugs ? 8 : 6;
        for (int s = -1; s < 3; s++) { /* every sentence (packed has one row) and the whole batch */
            engine = compute(sc, name);
            if (s >= engine_sentences(engine)) {
                engine_free(engine);
                continue;
            }
            Steps *st = story(engine, s);
            StepsNames names;
            cr_assert_eq(steps_story(mode_at(m), sc, &names), n, "%s", name);
            cr_assert_eq(steps_count(st), n);
            for (int i = 0; i < n; i++) {
                cr_assert_str_eq(steps_at(st, i)->slug, want[i]);
                cr_assert_str_eq(names.slug[i], want[i]);
                cr_assert_str_eq(steps_slug(st, i), want[i]);
                cr_assert_eq(steps_find(st, want[i]), i);
                cr_assert_gt(strlen(steps_at(st, i)->formula), 0, "%s %s", name, want[i]);
                cr_assert_gt(strlen(steps_at(st, i)->caption), 0, "%s %s", name, want[i]);
                cr_assert_gt(steps_at(st, i)->npanels, 0, "%s %s", name, want[i]);
            }
            cr_assert_eq(steps_find(st, "nope"), -1);
            done(st);
        }
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

Test(steps, loss_cells_carry_their_words_and_masked_out_positions)
{
    /* the running example's MLM batch: [1, 999, 3, 4, 999] hides "cat" and "pie" in sentence 0 */
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "mlm", 0);
    const Step *loss = steps_at(st, steps_find(st, "loss"));
    cr_assert_eq(loss->npanels, 3);
    const Panel *out = &loss->panels[2];
    cr_assert_not_null(out->cell_labels);
    cr_assert_str_eq(out->cell_labels[0], "The");
    cr_assert_str_eq(out->cell_labels[1], "[MASK]\u2192cat");
    cr_assert_str_eq(out->cell_labels[4], "[MASK]\u2192pie");
    /* masked out exactly where the loss mask is 0: the positions that are not [MASK] */
    const Tensor *batch = engine_tensor(steps_engine(st), T_BATCH);
    for (size_t i = 0; i < batch->size; i++)
        cr_assert_eq(out->cell_off[i], batch->data[i] != 999, "cell %zu", i);
    cr_assert_null(loss->panels[0].cell_off, "the raw losses are not masked out");
    done(st);
    /* padding: [PAD] cells say so and are masked out; the result says what dividing by every cell gives */
    st = build(sc, "padding", 0);
    loss = steps_at(st, steps_find(st, "loss"));
    out = &loss->panels[2];
    cr_assert_str_eq(out->cell_labels[3], "[PAD]");
    cr_assert(out->cell_off[3] && out->cell_off[4] && !out->cell_off[0]);
    /* 0.650 over 12 real tokens is 7.8006 in all; over every one of the 15 cells that is 0.520 */
    cr_assert(strstr(loss->result, "= 0.650"), "%s", loss->result);
    cr_assert(strstr(loss->result, "all 15 positions = 0.520"), "%s", loss->result);
    done(st);
    scenario_free(sc);
}

Test(steps, the_mlm_tokens_step_counts_masks_not_last_indices)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "mlm", 0);
    const Step *tok = steps_at(st, 0);
    /* mlm_batch is [[1, 999, 3, 4, 999], [999, 2, 999, 4, 5], [1, 2, 3, 999, 5]] */
    cr_assert(strstr(tok->result, "tensor([2, 2, 1])"), "%s", tok->result);
    cr_assert_null(strstr(tok->result, "batch_nonzero_indicies"));
    done(st);
    st = build(sc, "padding", 0);
    cr_assert(strstr(steps_at(st, 0)->formula, "pad_sequence(sequences, batch_first=True, padding_value=0)"), "%s",
              steps_at(st, 0)->formula);
    done(st);
    scenario_free(sc);
}

Test(steps, a_tooltip_says_when_rounded_weights_do_not_add_up)
{
    /* combined, sentence 1, row 3 ("fish"): 0.3804 + 0.2729 + 0.2545 + 0.0923 (exactly 1 in all) print as
     * 0.38 + 0.27 + 0.25 + 0.09 = 0.99 */
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "combined", 1);
    int w = steps_find(st, "weights");
    char buf[1024];
    cr_assert(steps_explain(st, w, 1, 3, 0, buf, sizeof buf));
    cr_assert(strstr(buf, "row 3 sums to 1.0000"), "%s", buf);
    cr_assert(strstr(buf, "rounded to 2 decimals, add up to 0.99"), "%s", buf);
    steps_set_decimals(st, 4);
    cr_assert(steps_explain(st, w, 1, 3, 0, buf, sizeof buf));
    cr_assert(strstr(buf, "rounded to 4 decimals, add up to 1.0001"), "%s", buf);
    /* row 2 prints 0.32 + 0.15 + 0.53 = 1.00: nothing to say */
    steps_set_decimals(st, 2);
    cr_assert(steps_explain(st, w, 1, 2, 0, buf, sizeof buf));
    cr_assert_null(strstr(buf, "add up to"), "%s", buf);
    done(st);
    scenario_free(sc);
}

/* ---- steps_show: slides that build up, questions that hide their answer ---- */

/* the loss step of the padding mode, whole batch, as a second, untouched storyboard sees it */
static const Step *full_loss(const Scenario *sc, Steps **keep)
{
    *keep = shown(sc, "padding", -1);
    return steps_at(*keep, steps_find(*keep, "loss"));
}

Test(steps, show_keeps_the_named_panels_in_order_and_the_operator_between_neighbours)
{
    Scenario *sc = scenario_default();
    Steps *ref;
    const Step *full = full_loss(sc, &ref);
    cr_assert_eq(full->npanels, 3, "batch_losses × padding_loss_mask = masked losses");
    Steps *st = shown(sc, "padding", -1);
    int loss = steps_find(st, "loss");
    const char *names[] = {"padding_loss_mask", "batch_losses"}; /* the order of the list does not matter */
    steps_show(st, loss, &(StepsShow){.show = names, .nshow = 2, .hide_result = true});
    const Step *sp = steps_at(st, loss);
    cr_assert_eq(sp->npanels, 2);
    for (int i = 0; i < 2; i++) {
        cr_assert_str_eq(sp->panels[i].name, full->panels[i].name);
        cr_assert_eq(sp->panels[i].tensor, full->panels[i].tensor);
        cr_assert_eq(sp->panels[i].view.size, full->panels[i].view.size);
        for (size_t k = 0; k < sp->panels[i].view.size; k++)
            cr_assert_eq(sp->panels[i].view.data[k], full->panels[i].view.data[k]);
        /* the colours stay the whole step's, so a revealed panel does not recolour the others */
        cr_assert_eq(sp->panels[i].vmax, full->panels[i].vmax);
    }
    cr_assert_str_eq(sp->panels[0].join, "");
    cr_assert_str_eq(sp->panels[1].join, "\u00d7", "batch_losses × padding_loss_mask keeps its operator");
    cr_assert_eq(sp->grid_cols, 2);
    cr_assert_str_eq(sp->result, "", "the headline number is hidden");
    cr_assert_str_eq(sp->caption, full->caption, "the caption was not asked to go");
    cr_assert_gt(strlen(full->result), 0);
    /* without the middle panel the last one loses its "=": it no longer follows what it equals */
    const char *ends[] = {"batch_losses", "masked losses"};
    steps_show(st, loss, &(StepsShow){.show = ends, .nshow = 2});
    sp = steps_at(st, loss);
    cr_assert_eq(sp->npanels, 2);
    cr_assert_str_eq(sp->panels[1].name, "masked losses");
    cr_assert_str_eq(sp->panels[1].join, "");
    cr_assert_str_eq(sp->result, full->result, "shown again once the choice changes");
    shown_free(st);
    shown_free(ref);
    scenario_free(sc);
}

Test(steps, show_none_hides_every_panel_and_texts_on_request)
{
    Scenario *sc = scenario_default();
    Steps *st = shown(sc, "causal", 1);
    int mask = steps_find(st, "mask");
    cr_assert_gt(steps_at(st, mask)->npanels, 0);
    cr_assert_gt(strlen(steps_at(st, mask)->note), 0);
    const char *none[1] = {NULL};
    steps_show(st, mask, &(StepsShow){.show = none, .nshow = 0, .hide_caption = true, .hide_note = true});
    const Step *sp = steps_at(st, mask);
    cr_assert_eq(sp->npanels, 0);
    cr_assert_str_eq(sp->caption, "");
    cr_assert_str_eq(sp->note, "");
    cr_assert_gt(strlen(sp->formula), 0, "the formula stays");
    /* NULL: all of it again; the other steps never changed */
    steps_show(st, mask, NULL);
    cr_assert_gt(steps_at(st, mask)->npanels, 0);
    cr_assert_gt(strlen(steps_at(st, mask)->note), 0);
    shown_free(st);
    scenario_free(sc);
}

Test(steps, show_in_the_batch_view_keeps_the_panel_of_every_sentence)
{
    Scenario *sc = scenario_default();
    Steps *st = shown(sc, "combined", -1);
    int w = steps_find(st, "weights");
    const char *names[] = {"A_weights"};
    steps_show(st, w, &(StepsShow){.show = names, .nshow = 1});
    const Step *sp = steps_at(st, w);
    cr_assert_eq(sp->npanels, 3, "one A_weights per sentence");
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(sp->panels[i].tensor, T_WEIGHTS);
        cr_assert_eq(sp->panels[i].grid_row, i);
        cr_assert_str_eq(sp->panels[i].join, "", "softmax → had nothing to follow");
    }
    cr_assert_eq(sp->grid_rows, 3);
    cr_assert_eq(sp->grid_cols, 1);
    shown_free(st);
    scenario_free(sc);
}

Test(steps, has_panel_names_what_a_step_has)
{
    Scenario *sc = scenario_default();
    Steps *st = shown(sc, "padding", 0);
    char names[200];
    int masked = steps_find(st, "masked");
    cr_assert(steps_has_panel(st, masked, "A_pad", names, sizeof names));
    cr_assert_not(steps_has_panel(st, masked, "A_causal", names, sizeof names));
    cr_assert_str_eq(names, "A_scores, A_pad, A_masked");
    cr_assert_not(steps_has_panel(st, masked, "a_pad", NULL, 0), "names are exact");
    shown_free(st);
    scenario_free(sc);
}

Test(steps, q_k_and_v_are_three_branches_from_x_not_a_chain)
{
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "combined", 0);
    const Step *qkv = steps_at(st, steps_find(st, "qkv"));
    cr_assert_eq(qkv->strips_per_sentence, 3);
    cr_assert_eq(qkv->npanels, 6);
    const TensorId out[3] = {T_Q, T_K, T_V};
    const char *const by[3] = {"W_q", "W_k", "W_v"};
    for (int k = 0; k < 3; k++) {
        const Panel *x = &qkv->panels[2 * k], *y = &qkv->panels[2 * k + 1];
        cr_assert_eq(x->grid_row, k);
        cr_assert_eq(y->grid_row, k);
        cr_assert_eq(x->tensor, T_EMBEDDINGS, "branch %d starts from X", k);
        cr_assert_eq(y->tensor, out[k]);
        cr_assert(strstr(y->join, by[k]), "%s", y->join);
    }
    done(st);
    /* the batch: three strips per sentence */
    st = build(sc, "combined", -1);
    qkv = steps_at(st, steps_find(st, "qkv"));
    cr_assert_eq(qkv->grid_rows, 9);
    done(st);
    scenario_free(sc);
}

Test(steps, equal_rows_without_positions_are_pointed_out)
{
    /* mlm_batch sentence 0 is [The, [MASK], ate, fish, [MASK]]: rows 1 and 4 of X are equal */
    Scenario *sc = scenario_default();
    Steps *st = build(sc, "mlm", 0);
    const Step *qkv = steps_at(st, steps_find(st, "qkv"));
    cr_assert(strstr(qkv->note, "rows 1 and 4 ([MASK] twice)"), "%s", qkv->note);
    /* and, attention being bidirectional with the same keys in view, so are their outputs */
    const Step *out = steps_at(st, steps_find(st, "output"));
    cr_assert(strstr(out->note, "output rows 1 and 4"), "%s", out->note);
    done(st);
    /* with sinusoidal positions they differ, and nothing is said */
    sc->positions = true;
    st = build(sc, "mlm", 0);
    const Tensor *x = engine_tensor(steps_engine(st), T_EMBEDDINGS);
    cr_assert(memcmp(x->data + 1 * 4, x->data + 4 * 4, 4 * sizeof(double)) != 0);
    cr_assert_null(strstr(steps_at(st, steps_find(st, "qkv"))->note, "are the same"));
    /* PE(0) = [sin 0, cos 0, sin 0, cos 0] = [0, 1, 0, 1] is added to the first token */
    Scenario *plain = scenario_default();
    Engine *e0 = compute(plain, "mlm");
    const Tensor *x0 = engine_tensor(e0, T_EMBEDDINGS);
    const double pe0[4] = {0, 1, 0, 1};
    for (int j = 0; j < 4; j++) cr_assert_float_eq(x->data[j], x0->data[j] + pe0[j], 1e-12, "d%d", j);
    /* PE(1) = [sin 1, cos 1, sin 0.01, cos 0.01] (10000^(2/4) = 100) */
    const double pe1[4] = {sin(1.0), cos(1.0), sin(0.01), cos(0.01)};
    for (int j = 0; j < 4; j++) cr_assert_float_eq(x->data[4 + j], x0->data[4 + j] + pe1[j], 1e-12, "d%d", j);
    engine_free(e0);
    scenario_free(plain);
    done(st);
    scenario_free(sc);
}

/* What a panel holds (Panel.has, which the legend reads instead of
 * scanning L×L values every frame) against a scan of the values written
 * here, for every panel of every step of every mode, the bug gallery
 * included, on a batch with left padding and NaN rows as well. */
static unsigned scan_has(const Panel *p, int pad, int mask)
{
    unsigned has = 0;
    int rows = p->view.ndim == 2 ? p->view.shape[0] : 1;
    int cols = p->view.ndim == 2 ? p->view.shape[1] : (int)p->view.size;
    for (size_t k = 0; k < p->view.size; k++) {
        double v = p->view.data[k];
        if (isnan(v)) has |= PANEL_HAS_NAN;
        else if (v == -INFINITY) has |= PANEL_HAS_NEG_INF;
        else if (p->scale == PANEL_MASK && v < 0) has |= PANEL_HAS_FINITE_MIN;
        else if (p->scale == PANEL_TOKENS && v == pad) has |= PANEL_HAS_PAD;
        else if (p->scale == PANEL_INDEX && v < 0) has |= PANEL_HAS_PAD;
        else if (p->scale == PANEL_TOKENS && v == mask) has |= PANEL_HAS_MASK_ID;
    }
    for (int k = 0; p->cell_off && k < rows * cols; k++)
        if (p->cell_off[k]) has |= PANEL_HAS_OFF;
    for (int r = 0; p->row_dim && r < rows; r++)
        if (p->row_dim[r]) has |= PANEL_HAS_DIM;
    for (int c = 0; p->col_dim && c < cols; c++)
        if (p->col_dim[c]) has |= PANEL_HAS_DIM;
    return has;
}

Test(steps, what_a_panel_holds_is_found_once_and_matches_its_values)
{
    static const char left_nan[] = "{\"sentences\": [\"The cat ate\", \"The cat ate fish pie\", \"The cat ate fish\"],"
                                   " \"padding\": \"left\", \"fully_masked_rows\": \"nan\"}";
    char err[256];
    Scenario *scs[2] = { scenario_default(),
                         scenario_parse(left_nan, strlen(left_nan), "left-nan.json", err, sizeof err) };
    cr_assert(scs[1] != NULL, "%s", err);
    unsigned seen = 0;
    int panels = 0;
    for (int i = 0; i < 2; i++)
        for (int m = 0; m < mode_count(); m++)
            for (int s = -1; s < 1; s++) {
                engine = compute(scs[i], mode_at(m)->name);
                Steps *st = story(engine, s);
                int pad = engine_pad_id(engine), mask = engine_mask_id(engine);
                for (int k = 0; k < steps_count(st); k++)
                    for (int j = 0; j < steps_at(st, k)->npanels; j++) {
                        const Panel *p = &steps_at(st, k)->panels[j];
                        cr_assert_eq(p->has, scan_has(p, pad, mask), "%s step %s panel %s: has %#x, values say %#x",
                                     mode_at(m)->name, steps_at(st, k)->slug, p->name, p->has,
                                     scan_has(p, pad, mask));
                        seen |= p->has;
                        panels++;
                    }
                done(st);
            }
    /* the walk met every kind of cell, so each bit was checked both ways */
    cr_assert_eq(seen, PANEL_HAS_NEG_INF | PANEL_HAS_FINITE_MIN | PANEL_HAS_NAN | PANEL_HAS_PAD |
                           PANEL_HAS_MASK_ID | PANEL_HAS_OFF | PANEL_HAS_DIM, "seen %#x over %d panels", seen, panels);
    scenario_free(scs[0]);
    scenario_free(scs[1]);
}
