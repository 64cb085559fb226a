/* Lessons: every shipped lesson loads and every step builds with the
 * numbers the notebook prints; broken lessons are reported with their
 * place and field. */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lesson.h"
#include "strbuf.h"
#include "support.h"

static Lesson *shipped(const char *name)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/lessons/%s", getenv("MASKSCOPE_SOURCE_ROOT"), name);
    bool io;
    Lesson *l = lesson_load(path, &io, err, sizeof err);
    cr_assert_not_null(l, "%s", err);
    return l;
}

/* the engine of lesson step i (its scenario in *sc) */
static Engine *at(const Lesson *l, int i, Scenario **sc)
{
    *sc = lesson_state(l, i);
    return compute(*sc, l->steps[i].mode->name);
}

Test(lesson, every_shipped_lesson_loads_and_every_step_builds)
{
    char pattern[512];
    snprintf(pattern, sizeof pattern, "%s/lessons/*.json", getenv("MASKSCOPE_SOURCE_ROOT"));
    glob_t g;
    cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
    cr_assert_eq(g.gl_pathc, 10, "ten lessons ship");
    for (size_t k = 0; k < g.gl_pathc; k++) {
        char err[512];
        bool io;
        Lesson *l = lesson_load(g.gl_pathv[k], &io, err, sizeof err);
        cr_assert_not_null(l, "%s", err);
        cr_assert_geq(l->nsteps, 5);
        for (int i = 0; i < l->nsteps; i++) {
            Scenario *sc;
            Engine *e = at(l, i, &sc);
            Steps *st = story(e, l->steps[i].sentence);
            cr_assert_lt(l->steps[i].step, steps_count(st));
            steps_free(st);
            engine_free(e);
            scenario_free(sc);
        }
        lesson_free(l);
    }
    globfree(&g);
}

Test(lesson, step_options_set_the_window_and_prefix_for_that_step_alone)
{
    Lesson *l = shipped("07-beyond-padding-and-causal.json");
    int w3 = -1, w2 = -1, p3 = -1;
    for (int i = 0; i < l->nsteps; i++) {
        if (l->steps[i].setting[SETTING_WINDOW] == 3 && w3 < 0) w3 = i;
        if (l->steps[i].setting[SETTING_WINDOW] == 2) w2 = i;
        if (l->steps[i].setting[SETTING_PREFIX] == 3 && p3 < 0) p3 = i;
    }
    cr_assert(w3 >= 0 && w2 >= 0 && p3 >= 0, "the lesson sets W = 3, W = 2 and P = 3");
    /* W = 2 on "The cat ate fish pie": query 4 sees keys 3 and 4 only; W = 3 adds key 2 */
    Scenario *sc;
    Engine *e = at(l, w2, &sc);
    const Tensor *m = engine_tensor(e, T_MASK);
    int L = engine_length(e);
    cr_assert_eq(sc->window, 2);
    cr_assert(isinf(m->data[(1 * L + 4) * L + 2]) && m->data[(1 * L + 4) * L + 3] == 0);
    engine_free(e);
    scenario_free(sc);
    e = at(l, w3, &sc);
    m = engine_tensor(e, T_MASK);
    cr_assert_eq(m->data[(1 * L + 4) * L + 2], 0.0, "W = 3 reaches key 2");
    cr_assert(isinf(m->data[(1 * L + 4) * L + 1]));
    engine_free(e);
    scenario_free(sc);
    /* P = 3: "The" (row 0) reads "ate" (column 2); "fish" (row 3) does not read "pie" */
    e = at(l, p3, &sc);
    m = engine_tensor(e, T_MASK);
    cr_assert_eq(m->data[(1 * L + 0) * L + 2], 0.0);
    cr_assert(isinf(m->data[(1 * L + 3) * L + 4]));
    engine_free(e);
    scenario_free(sc);
    /* a step without options keeps the lesson's scenario (the default W) */
    Scenario *base = lesson_state(l, l->nsteps - 1);
    Scenario *def = scenario_default();
    cr_assert_eq(base->window, def->window);
    scenario_free(base);
    scenario_free(def);
    lesson_free(l);
}

Test(lesson, padding_lesson_ends_on_the_notebook_mean)
{
    Lesson *l = shipped("01-padding-and-loss-masking.json");
    Scenario *sc;
    Engine *e = at(l, l->nsteps - 1, &sc);
    Steps *st = story(e, l->steps[l->nsteps - 1].sentence);
    cr_assert_str_eq(steps_at(st, l->steps[l->nsteps - 1].step)->slug, "loss");
    cr_assert_float_eq(engine_loss(e), 7.8006 / 12, 1e-12);
    steps_free(st);
    engine_free(e);
    scenario_free(sc);
    /* the left-padding step shows the true last index, 4 for every row */
    e = at(l, 2, &sc);
    st = story(e, l->steps[2].sentence);
    cr_assert_eq(sc->padding, SCENARIO_PAD_LEFT);
    cr_assert(strstr(steps_at(st, 0)->result, "tensor([4, 4, 4])"), "%s", steps_at(st, 0)->result);
    steps_free(st);
    engine_free(e);
    scenario_free(sc);
    lesson_free(l);
}

Test(lesson, mlm_lesson_edits_change_the_mean)
{
    Lesson *l = shipped("02-masked-language-modelling.json");
    double want[] = {NAN, NAN, NAN, 2.5238 / 5, 2.5238 / 5, (2.5238 + 0.2851) / 6, (2.5238 - 0.6350) / 4};
    for (int i = 3; i < 7; i++) {
        Scenario *sc;
        Engine *e = at(l, i, &sc);
        cr_assert_float_eq(engine_loss(e), want[i], 1e-12, "step %d", i + 1);
        engine_free(e);
        scenario_free(sc);
    }
    lesson_free(l);
}

/* the pretraining lesson's words about its draw hold for that draw */
Test(lesson, corruption_lesson_says_what_its_draw_did)
{
    Lesson *l = shipped("08-how-bert-and-t5-corrupt-their-input.json");
    int question = -1, target = -1;
    for (int i = 0; i < l->nsteps; i++) {
        if (l->steps[i].question && strcmp(l->steps[i].mode->name, "bert") == 0) question = i;
        if (l->steps[i].question && strcmp(l->steps[i].mode->name, "t5") == 0) target = i;
    }
    cr_assert(question >= 0 && target >= 0);
    Scenario *sc;
    Engine *e = at(l, question, &sc);
    /* "BERT scores 4 … batch == MASK selects only the 2 [MASK]s"; 4 of 13 in sentence 0, none in the others */
    const Tensor *lm = T(e, T_LOSS_MASK), *mp = T(e, T_MASK_POSITIONS), *act = T(e, T_BERT_ACTION);
    double scored = 0, masks = 0;
    for (size_t i = 0; i < lm->size; i++) scored += lm->data[i], masks += mp->data[i];
    cr_assert_eq(scored, 4);
    cr_assert_eq(masks, 2);
    const BertDraw *d = engine_bert(e);
    cr_assert_eq(d->candidates[0], 13);
    int per[3] = {0};
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < d->lengths[s]; i++) per[s] += d->action[s][i] != CORRUPT_NONE;
    cr_assert(per[0] == 4 && per[1] == 0 && per[2] == 0);
    /* "\"the\" that became the random word \"party\", and \"ate\", left unchanged" */
    int L = act->shape[1];
    for (int p = 0; p < L; p++) {
        const char *was = engine_source(e)->labels[p], *now = engine_label(e, 0, p);
        if (act->data[p] == CORRUPT_RANDOM) cr_assert(strcmp(was, "the") == 0 && strcmp(now, "party") == 0);
        if (act->data[p] == CORRUPT_KEEP) cr_assert(strcmp(was, "ate") == 0 && strcmp(now, "ate") == 0);
    }
    engine_free(e);
    scenario_free(sc);
    /* "Sentence 0 hides 4 tokens in 2 spans": a target of 7 */
    e = at(l, target, &sc);
    cr_assert_eq(l->steps[target].sentence, 0);
    cr_assert(engine_t5(e)->noise_tokens[0] == 4 && engine_t5(e)->spans[0] == 2);
    cr_assert_eq(engine_t5(e)->target_lengths[0], 7);
    engine_free(e);
    scenario_free(sc);
    /* "T5 uses 0.15 and 3, which give a sentence under 31 tokens a single span" */
    ScenarioT5 t5 = {.noise_density = 0.15, .mean_span_length = 3};
    for (int n = 2; n <= 31; n++) {
        int k, m;
        corrupt_t5_counts(n, &t5, &k, &m);
        cr_assert_eq(m, n < 31 ? 1 : 2, "n = %d", n);
    }
    lesson_free(l);
}

Test(lesson, custom_weights_give_the_weighted_mean)
{
    Lesson *l = shipped("03-custom-loss-masks.json");
    Scenario *sc;
    Engine *e = at(l, l->nsteps - 1, &sc);
    /* by hand: (0.5135 + 0.9017 + 0.4215 + 0.5581 + 0.8376 + 0.6*0.8771 + 0.8*0.9324
     *           + 0.2851 + 0.7234 + 0.5639 + 0.3*0.6350) / (2 + 4.4 + 3.3) */
    cr_assert_float_eq(engine_loss(e), 6.26748 / 9.7, 1e-9);
    engine_free(e);
    scenario_free(sc);
    lesson_free(l);
}

Test(lesson, padding_lesson_shows_nan_then_the_safe_policy)
{
    Lesson *l = shipped("04-attention-padding-mask.json");
    Scenario *sc;
    Engine *e = at(l, 7, &sc);
    cr_assert(isnan(tensor_at3(T(e, T_WEIGHTS), 0, 3, 0)));
    cr_assert_eq(engine_blocked_rows(e), 2 + 1);
    engine_free(e);
    scenario_free(sc);
    e = at(l, 8, &sc);
    cr_assert(tensor_at3(T(e, T_WEIGHTS), 0, 3, 0) == 0.0);
    engine_free(e);
    scenario_free(sc);
    lesson_free(l);
}

static void expect_error(const char *json, const char *want)
{
    char err[512];
    Lesson *l = lesson_parse(json, strlen(json), "l.json", NULL, err, sizeof err);
    cr_assert_null(l, "accepted: %s", json);
    cr_assert_str_eq(err, want);
}

#define STEP "{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": \"loss\"}"

Test(lesson, broken_lessons_say_where_and_what)
{
    expect_error("{\"title\": \"t\", \"steps\": [" STEP "", "l.json:1:88: json: unexpected end of file; the JSON is incomplete");
    expect_error("[]", "l.json:1:1: lesson: must be a JSON object with title and steps");
    expect_error("{\"steps\": [" STEP "]}", "l.json:1:1: title: is missing; a lesson needs a title");
    expect_error("{\"title\": 5, \"steps\": []}", "l.json:1:11: title: must be a string");
    expect_error("{\"title\": \"t\", \"steps\": []}", "l.json:1:25: steps: must be an array of 1 to 200 steps");
    expect_error("{\"title\": \"t\", \"stepz\": []}",
                 "l.json:1:16: stepz: unknown key; allowed keys are title, scenario, scenario_file, steps");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 9}]}",
                 "l.json:1:81: steps[0].step: must be one of tokens, qkv, scores, mask, masked, weights, output, loss, "
                 "or a number from 1 to 8");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"decoder\", \"step\": 1}]}",
                 "l.json:1:62: steps[0].mode: must be one of padding, causal, combined, mlm, sliding, prefix, packed, global, sink, strided, cross, bert, t5, decode, bugs");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 1, "
                 "\"colour\": 1}]}",
                 "l.json:1:84: steps[0].colour: unknown key; allowed keys are title, text, code, question, answer, "
                 "mode, step, sentence, highlight, edits, options, show, hide_result, hide_caption, hide_note, reveal");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"mode\": \"padding\", \"step\": 1}]}",
                 "l.json:1:26: steps[0].text: is missing; every step needs title, text, mode and step");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 1, "
                 "\"sentence\": 3}]}",
                 "l.json:1:96: steps[0].sentence: must be a whole number from 0 to 2");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"mlm\", \"step\": 1, "
                 "\"edits\": [[0, 5]]}]}",
                 "l.json:1:94: steps[0].edits[0][1]: must be a whole number from 0 to 4");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 1, "
                 "\"question\": \"q?\"}]}",
                 "l.json:1:96: steps[0].question: a question needs an answer and an answer needs a question");
    expect_error("{\"title\": \"t\", \"scenario\": {\"sentences\": []}, \"steps\": [" STEP "]}",
                 "l.json:1:42: scenario.sentences: has 0 sentences; between 1 and 64 are allowed");
    expect_error("{\"title\": \"t\", \"scenario\": {\"d_model\": 4}, \"steps\": [" STEP "]}",
                 "l.json:1:28: scenario.sentences: is missing; a scenario needs an array of sentences");
}

Test(lesson, messages_escape_keys_and_file_names)
{
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 1, "
                 "\"\\u202eevil\": 1}]}",
                 "l.json:1:84: steps[0].\\u202eevil: unknown key; allowed keys are title, text, code, question, "
                 "answer, mode, step, sentence, highlight, edits, options, show, hide_result, hide_caption, hide_note, "
                 "reveal");
    char err[256];
    const char *json = "[]";
    cr_assert_null(lesson_parse(json, strlen(json), "a\x1b]0;PWNED\a\nb.json", NULL, err, sizeof err));
    cr_assert_str_eq(err, "a\\x1b]0;PWNED\\x07\\nb.json:1:1: lesson: must be a JSON object with title and steps");
}

#define BOM "\xEF\xBB\xBF"

Test(lesson, a_byte_order_mark_is_skipped_and_every_check_still_holds)
{
    expect_error(BOM "{\"title\": \"t\", \"title\": \"u\", \"steps\": [" STEP "]}",
                 "l.json:1:16: title: duplicate key (first at line 1, column 2); each key may appear once");
    expect_error(BOM "{\"title\": \"t\",\n \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", "
                 "\"step\": 1, \"sentence\": 3}]}",
                 "l.json:2:82: steps[0].sentence: must be a whole number from 0 to 2");
    /* a shipped lesson with a byte order mark loads as without one */
    char path[512];
    snprintf(path, sizeof path, "%s/lessons/01-padding-and-loss-masking.json", getenv("MASKSCOPE_SOURCE_ROOT"));
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static char text[1 << 16];
    memcpy(text, BOM, 3);
    size_t n = fread(text + 3, 1, sizeof text - 4, f);
    fclose(f);
    char err[512];
    Lesson *plain = lesson_parse(text + 3, n, "l.json", NULL, err, sizeof err);
    Lesson *bom = lesson_parse(text, n + 3, "l.json", NULL, err, sizeof err);
    cr_assert(plain && bom, "%s", err);
    cr_assert_eq(bom->nsteps, plain->nsteps);
    cr_assert_str_eq(bom->title, plain->title);
    lesson_free(plain);
    lesson_free(bom);
}

Test(lesson, numbers_that_are_not_json_are_refused)
{
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 01}]}",
                 "l.json:1:81: json: 01 is not a JSON number; write numbers like 7, -3, 0.25 or 1e-3 (no leading "
                 "zeros, no leading + or point, digits on both sides of a point)");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": +1}]}",
                 "l.json:1:81: json: +1 is not a JSON number; write numbers like 7, -3, 0.25 or 1e-3 (no leading "
                 "zeros, no leading + or point, digits on both sides of a point)");
}

Test(lesson, huge_arrays_are_refused)
{
    /* 201 steps */
    size_t n = 32 + 201 * (sizeof STEP + 1);
    char *json = malloc(n);
    strcpy(json, "{\"title\": \"t\", \"steps\": [");
    for (int i = 0; i < 201; i++) {
        strcat(json, STEP);
        strcat(json, i < 200 ? "," : "]}");
    }
    expect_error(json, "l.json:1:25: steps: must be an array of 1 to 200 steps");
    free(json);
}

Test(lesson, slugs_are_file_name_safe)
{
    char b[64];
    lesson_slug("Softmax: [PAD] keys get exactly 0", b, sizeof b);
    cr_assert_str_eq(b, "softmax-pad-keys-get-exactly-0");
    lesson_slug("\u00e9\u00e9", b, sizeof b);
    cr_assert_str_eq(b, "step");
}

/* ---- what a step shows: show, hide_*, reveal, highlight ---- */

/* "l.json:1:C: " where C is the 1-based column of needle in a one-line json: where the value stands */
static void expect_at(const char *json, const char *needle, const char *message)
{
    const char *at = strstr(json, needle);
    cr_assert_not_null(at, "%s not in %s", needle, json);
    char want[600];
    snprintf(want, sizeof want, "l.json:1:%d: %s", (int)(at - json) + 1, message);
    expect_error(json, want);
}

static Lesson *parse_ok(const char *json)
{
    char err[512];
    Lesson *l = lesson_parse(json, strlen(json), "l.json", NULL, err, sizeof err);
    cr_assert_not_null(l, "%s", err);
    return l;
}

#define LOSS_STEP(extra) \
    "{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": \"loss\", " \
    "\"sentence\": \"all\", " extra "}]}"
#define QUESTION "\"question\": \"q?\", \"answer\": \"a.\", "

Test(lesson, a_step_shows_the_panels_it_names_and_hides_what_it_says)
{
    Lesson *l = parse_ok(LOSS_STEP("\"show\": [\"batch_losses\", \"padding_loss_mask\"], \"hide_result\": true, "
                                   "\"hide_note\": true"));
    const LessonView *v = &l->steps[0].view;
    cr_assert_eq(v->show.nshow, 2);
    cr_assert_str_eq(v->show.show[0], "batch_losses");
    cr_assert_str_eq(v->show.show[1], "padding_loss_mask");
    cr_assert(v->show.hide_result && v->show.hide_note && !v->show.hide_caption);
    /* without a question, there is nothing to reveal: the same view */
    cr_assert_eq(l->steps[0].reveal.show.show, v->show.show);
    cr_assert(l->steps[0].reveal.show.hide_result);
    lesson_free(l);
    /* "show": [] is no panel at all, which is not the same as no "show" */
    l = parse_ok(LOSS_STEP("\"show\": []"));
    cr_assert_not_null(l->steps[0].view.show.show);
    cr_assert_eq(l->steps[0].view.show.nshow, 0);
    lesson_free(l);
    l = parse_ok(LOSS_STEP("\"hide_caption\": true"));
    cr_assert_null(l->steps[0].view.show.show);
    lesson_free(l);
}

Test(lesson, a_question_reveals_everything_unless_reveal_says_otherwise)
{
    Lesson *l = parse_ok(LOSS_STEP(QUESTION "\"show\": [\"batch_losses\"], \"hide_result\": true, "
                                   "\"highlight\": {\"row\": 1, \"col\": 3}"));
    const LessonStep *s = &l->steps[0];
    cr_assert_eq(s->view.show.nshow, 1);
    cr_assert_null(s->reveal.show.show, "the answer shows every panel");
    cr_assert_not(s->reveal.show.hide_result, "and the headline number");
    cr_assert_eq(s->reveal.highlight_sentence, 1, "the highlight stays");
    cr_assert_eq(s->reveal.highlight_col, 3);
    LessonFrame f;
    lesson_frame(l, 0, &f);
    cr_assert_eq(f.view, &s->view);
    cr_assert_eq(f.reveal, &s->reveal);
    lesson_frame_free(&f);
    lesson_free(l);
    /* reveal: what the answer shows instead */
    l = parse_ok("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"causal\", \"step\": "
                 "\"weights\", \"sentence\": 1, " QUESTION "\"show\": [], \"reveal\": {\"show\": [\"A_weights\"], "
                 "\"hide_caption\": true, \"highlight\": {\"row\": 4}}}]}");
    s = &l->steps[0];
    cr_assert_eq(s->view.highlight_row, -1, "no highlight before the answer");
    cr_assert_eq(s->reveal.highlight_row, 4);
    cr_assert_eq(s->reveal.show.nshow, 1);
    cr_assert_str_eq(s->reveal.show.show[0], "A_weights");
    cr_assert(s->reveal.show.hide_caption);
    lesson_free(l);
}

Test(lesson, a_highlight_on_a_loss_step_names_a_sentence_and_a_position)
{
    /* the loss step's matrices are [B, L]: row 2 is the third sentence, one cell with a column */
    Lesson *l = parse_ok(LOSS_STEP("\"highlight\": {\"row\": 2, \"col\": 0}"));
    const LessonView *v = &l->steps[0].view;
    cr_assert_eq(v->highlight_sentence, 2);
    cr_assert_eq(v->highlight_row, -1);
    cr_assert_eq(v->highlight_col, 0);
    cr_assert(v->highlight_cell);
    lesson_free(l);
    /* an attention step's rows are queries; a row alone is a row, not a cell */
    l = parse_ok("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"causal\", \"step\": "
                 "\"weights\", \"sentence\": 1, \"highlight\": {\"row\": 4}}]}");
    v = &l->steps[0].view;
    cr_assert_eq(v->highlight_row, 4);
    cr_assert_eq(v->highlight_sentence, -1);
    cr_assert_not(v->highlight_cell);
    lesson_free(l);
}

Test(lesson, what_a_step_shows_is_checked_against_its_panels)
{
    /* each case: the lesson, where in it the mistake stands, what the loader must say */
    static const struct {
        const char *json, *at, *message;
    } cases[] = {
        {LOSS_STEP("\"show\": [\"batch_losses\", \"batch_loss\"]"), "\"batch_loss\"]",
         "steps[0].show[1]: \"batch_loss\" is not a panel of the loss step; it has batch_losses, padding_loss_mask, "
         "masked losses"},
        {LOSS_STEP("\"show\": [\"batch_losses\", \"batch_losses\"]"), "\"batch_losses\"]",
         "steps[0].show[1]: \"batch_losses\" is named twice"},
        {LOSS_STEP("\"show\": \"batch_losses\""), "\"batch_losses\"",
         "steps[0].show: must be an array of the step's panel names, e.g. [\"batch_losses\", \"padding_loss_mask\"]"},
        {LOSS_STEP("\"show\": [3]"), "3]",
         "steps[0].show[0]: this value is not a panel of the loss step; it has batch_losses, padding_loss_mask, "
         "masked losses"},
        {LOSS_STEP("\"hide_result\": 1"), "1}", "steps[0].hide_result: must be true or false"},
        {LOSS_STEP("\"reveal\": {}"), "{}", "steps[0].reveal: only a step with a question has an answer to reveal"},
        {LOSS_STEP(QUESTION "\"reveal\": []"), "[]",
         "steps[0].reveal: must be an object with show, hide_result, hide_caption, hide_note or highlight"},
        {LOSS_STEP(QUESTION "\"reveal\": {\"text\": \"x\"}"), "\"text\": \"x\"}",
         "steps[0].reveal.text: unknown key; allowed keys are show, hide_result, hide_caption, hide_note, highlight"},
        {LOSS_STEP(QUESTION "\"reveal\": {\"show\": [\"A_weights\"]}"), "\"A_weights\"",
         "steps[0].reveal.show[0]: \"A_weights\" is not a panel of the loss step; it has batch_losses, "
         "padding_loss_mask, masked losses"},
        /* the loss step has 3 sentences (rows) and 5 positions */
        {LOSS_STEP("\"highlight\": {\"row\": 3, \"col\": 0}"), "3, \"col",
         "steps[0].highlight.row: must be a sentence from 0 to 2: the rows of the loss step are sentences"},
        {LOSS_STEP("\"highlight\": {\"row\": 0, \"col\": 5}"), "5}",
         "steps[0].highlight.col: must be a whole number from 0 to 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_at(cases[i].json, cases[i].at, cases[i].message);
}

Test(lesson, edits_need_the_mlm_batch_and_name_the_number_that_is_wrong)
{
    const char *j = "{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", "
                    "\"step\": 1, \"edits\": [[0, 1]]}]}";
    expect_at(j, "[[0, 1]]", "steps[0].edits: toggles [MASK] in the MLM batch, which mode padding does not show; "
                             "use mode mlm");
    j = "{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"mlm\", \"step\": 1, "
        "\"edits\": [[0, 1], [3, 0]]}]}";
    expect_at(j, "3, 0]", "steps[0].edits[1][0]: must be a whole number from 0 to 2");
    j = "{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"mlm\", \"step\": 1, "
        "\"edits\": [[0, 7]]}]}";
    expect_at(j, "7]", "steps[0].edits[0][1]: must be a whole number from 0 to 4");
}

/* ---- a scenario in a file next to the lesson ---- */

static char sdir[] = "/tmp/ms-lesson-sf-XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", sdir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* loads sdir/name; NULL and err when it fails */
static Lesson *load_in_dir(const char *name, bool *io, char *err, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", sdir, name);
    return lesson_load(path, io, err, n);
}

static void make_dir(void)
{
    cr_assert_not_null(mkdtemp(sdir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sdir);
    cr_assert_eq(system(cmd), 0);
}

#define FILE_LESSON(file) "{\"title\": \"t\", \"scenario_file\": " file ", \"steps\": [" STEP "]}"

Test(lesson, scenario_file_is_read_next_to_the_lesson_by_the_scenario_loader, .init = make_dir, .fini = remove_dir)
{
    const char *scenario = "{\"sentences\": [\"a b c\", \"d e\"], \"seed\": 7}";
    cr_assert_eq(mkdir(strcat(strcpy((char[256]){0}, sdir), "/sub"), 0700), 0);
    write_file("sub/batch.json", scenario);
    write_file("l.json", FILE_LESSON("\"sub/batch.json\""));
    char err[512];
    bool io = true;
    Lesson *l = load_in_dir("l.json", &io, err, sizeof err);
    cr_assert_not_null(l, "%s", err);
    /* the same scenario the loader makes of the file itself */
    Scenario *want = scenario_parse(scenario, strlen(scenario), "x", err, sizeof err);
    cr_assert_not_null(want);
    cr_assert_eq(l->scenario->sentences.count, 2);
    cr_assert_eq(l->scenario->seed, want->seed);
    for (int s = 0; s < 2; s++) {
        cr_assert_eq(l->scenario->sentences.lengths[s], want->sentences.lengths[s]);
        for (int p = 0; p < want->sentences.lengths[s]; p++)
            cr_assert_eq(l->scenario->sentences.ids[s][p], want->sentences.ids[s][p]);
    }
    scenario_free(want);
    lesson_free(l);
}

Test(lesson, scenario_file_errors_name_their_own_file_or_the_lesson, .init = make_dir, .fini = remove_dir)
{
    char err[512], want[512];
    bool io;
    /* the scenario file's own mistake: its path, line and column */
    write_file("bad.json", "{\n  \"sentences\": [\"a\"],\n  \"d_model\": 0\n}\n");
    write_file("l.json", FILE_LESSON("\"bad.json\""));
    cr_assert_null(load_in_dir("l.json", &io, err, sizeof err));
    snprintf(want, sizeof want, "%s/bad.json:3:14: d_model: must be a whole number from 1 to 64", sdir);
    cr_assert_str_eq(err, want);
    cr_assert_not(io);
    /* a missing file: the lesson's place, and an I/O error */
    const char *j = FILE_LESSON("\"gone.json\"");
    write_file("l.json", j);
    cr_assert_null(load_in_dir("l.json", &io, err, sizeof err));
    snprintf(want, sizeof want, "%s/l.json:1:%d: scenario_file: %s/gone.json: cannot open: No such file or directory",
             sdir, (int)(strstr(j, "\"gone") - j) + 1, sdir);
    cr_assert_str_eq(err, want);
    cr_assert(io, "an unreadable scenario file is an I/O error (exit 1)");
    /* the lesson's limit holds for a file too */
    Strbuf big = {0};
    strbuf_puts(&big, "{\"sentences\": [\"");
    for (int i = 0; i < 300; i++) strbuf_puts(&big, i ? " w" : "w");
    strbuf_puts(&big, "\"]}");
    write_file("big.json", big.data);
    strbuf_free(&big);
    j = FILE_LESSON("\"big.json\"");
    write_file("l.json", j);
    cr_assert_null(load_in_dir("l.json", &io, err, sizeof err));
    snprintf(want, sizeof want, "%s/l.json:1:%d: scenario_file: 1 sentences of up to 300 tokens make 90000 attention "
             "cells; a lesson's scenario may have at most 65536", sdir, (int)(strstr(j, "\"big") - j) + 1);
    cr_assert_str_eq(err, want);
    cr_assert_not(io);
}

Test(lesson, scenario_file_stays_beside_the_lesson)
{
    const char *why = "scenario_file: must be a scenario file's path relative to the lesson, without \"..\", e.g. "
                      "\"my-batch.json\"";
    const char *bad[] = {"\"/etc/passwd\"", "\"../x.json\"", "\"a/../../x.json\"", "\"\"", "7", "\"a\\nb.json\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char j[256];
        snprintf(j, sizeof j, FILE_LESSON("%s"), bad[i]);
        expect_at(j, bad[i], why);
    }
    const char *j = "{\"title\": \"t\", \"scenario\": null, \"scenario_file\": \"x.json\", \"steps\": [" STEP "]}";
    expect_at(j, "\"x.json\"", "scenario_file: the lesson has an inline \"scenario\" too; give one or the other");
}

/* the findings, each a shipped question that gave its answer away */
Test(lesson, shipped_questions_hide_what_answers_them)
{
    Lesson *l = shipped("01-padding-and-loss-masking.json");
    /* "What shape will batch have?": no 3×5 batch on screen, nor the caption saying L = 5 */
    cr_assert_not_null(l->steps[0].question);
    cr_assert_not_null(l->steps[0].view.show.show);
    cr_assert_eq(l->steps[0].view.show.nshow, 0);
    cr_assert(l->steps[0].view.show.hide_caption);
    cr_assert_null(l->steps[0].reveal.show.show, "the answer shows the batch");
    lesson_free(l);
    l = shipped("02-masked-language-modelling.json");
    /* "Will the mean go up or down?": the new mean waits for the answer */
    const LessonStep *s = &l->steps[5];
    cr_assert(strstr(s->question, "up or down"));
    cr_assert(s->view.show.hide_result && !s->reveal.show.hide_result);
    lesson_free(l);
    l = shipped("04-attention-padding-mask.json");
    /* "Why are the [PAD] rows left open?": the step's own caption says why */
    s = &l->steps[2];
    cr_assert(strstr(s->question, "left open"));
    cr_assert(s->view.show.hide_caption && !s->reveal.show.hide_caption);
    lesson_free(l);
    l = shipped("05-causal-masking.json");
    /* "Which row …?": no highlight on the answer row before the answer, and no words giving it */
    s = &l->steps[6];
    cr_assert(strstr(s->question, "Which row"));
    cr_assert_eq(s->view.highlight_row, -1);
    cr_assert_eq(s->reveal.highlight_row, 4);
    cr_assert_null(strstr(s->text, "last row"));
    lesson_free(l);
}

/* the schema's own example (lessons/README.md) is a lesson the loader accepts, as it says */
Test(lesson, the_schema_example_loads)
{
    char path[512];
    snprintf(path, sizeof path, "%s/lessons/README.md", getenv("MASKSCOPE_SOURCE_ROOT"));
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char text[1 << 16];
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    char *start = strstr(text, "```json\n"), *end = start ? strstr(start + 8, "```") : NULL;
    cr_assert(start && end, "lessons/README.md has a ```json example");
    start += 8;
    char err[512];
    Lesson *l = lesson_parse(start, (size_t)(end - start), "lessons/README.md", NULL, err, sizeof err);
    cr_assert_not_null(l, "%s", err);
    cr_assert_eq(l->nsteps, 2);
    cr_assert_eq(l->steps[1].view.show.nshow, 1);
    cr_assert_eq(l->steps[1].view.highlight_row, -1);
    cr_assert(l->steps[1].reveal.highlight_cell, "the answer outlines cell [0][0]");
    lesson_free(l);
}

Test(lesson, five_ways_to_get_a_mask_wrong_walks_the_gallery)
{
    Lesson *l = shipped("09-five-ways-to-get-a-mask-wrong.json");
    /* five bugs of the gallery, each a step of mode bugs, between right masks */
    const char *bugs[] = {"tril-for-triu", "rows-not-columns", "inverted-bool", "no-padding-left", "fp16-neg-inf"};
    int found = 0;
    for (int i = 0; i < l->nsteps; i++) {
        const LessonStep *s = &l->steps[i];
        if (strcmp(s->mode->name, "bugs") != 0) continue;
        StepsNames names;
        steps_story(s->mode, l->scenario, &names);
        for (int b = 0; b < 5; b++)
            if (strcmp(names.slug[s->step], bugs[b]) == 0) found |= 1 << b;
    }
    cr_assert_eq(found, 31, "the five bugs are shown (%x)", found);
    lesson_free(l);
}

/* lesson 10's numbers are the ones its steps show */
Test(lesson, prefill_and_decode_says_what_the_steps_compute)
{
    Lesson *l = shipped("10-prefill-and-decode.json");
    for (int i = 0; i < l->nsteps; i++) {
        const LessonStep *ls = &l->steps[i];
        cr_assert_str_eq(ls->mode->name, "decode");
        Scenario *sc;
        Engine *e = at(l, i, &sc);
        char err[256];
        Steps *st = steps_build(e, ls->sentence, err, sizeof err);
        cr_assert_not_null(st, "%s", err);
        const Step *sp = steps_at(st, ls->step);
        const char *said = ls->answer ? ls->answer : ls->text;
        if (strcmp(sp->slug, "positions") == 0) /* "up to 1.66" */
            cr_assert(strstr(sp->note, "up to 1.66") && strstr(said, "up to 1.66"), "%s", sp->note);
        if (strcmp(sp->slug, "decode2") == 0) /* "weight 0.24 … up to 0.19" */
            cr_assert(strstr(sp->note, "weight 0.24 and move the output by up to 0.19") &&
                      strstr(said, "weight 0.24") && strstr(said, "up to 0.19"), "%s", sp->note);
        if (strcmp(sp->slug, "equivalence") == 0) /* "46 score cells per prompt against 174", "bit for bit" */
            cr_assert(strstr(sp->result, "46 with the cache, 174 without") && strstr(sp->result, "bit for bit") &&
                      strstr(said, "46 score cells per prompt against 174"), "%s", sp->result);
        if (strcmp(sp->slug, "alignment") == 0) /* "the first new query sees 6 keys" */
            cr_assert(strstr(sp->result, "new query 0 sees 1 key top-left, 6 bottom-right") && strstr(said, "sees 6 keys"),
                      "%s", sp->result);
        if (strcmp(sp->slug, "decode1") == 0 && ls->question) {
            /* "Only the two [PAD]s" of the 6 keys: its mask row */
            const Tensor *m = T(e, engine_step_id(1, DECODE_MASK));
            int blocked = 0;
            for (int k = 0; k < m->shape[2]; k++) blocked += isinf(m->data[(size_t)ls->sentence * m->shape[2] + k]) != 0;
            cr_assert_eq(blocked, 2);
            cr_assert_eq(m->shape[2], 6);
        }
        if (ls->padding == SCENARIO_PAD_RIGHT) /* "[PAD]s end up between it and its new tokens" */
            cr_assert(engine_decode(e)->pad[3] && !engine_decode(e)->pad[5]);
        steps_free(st);
        engine_free(e);
        scenario_free(sc);
    }
    lesson_free(l);
}
