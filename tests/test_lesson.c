/* Lessons: every shipped lesson loads and every step builds with the
 * numbers the notebook prints; broken lessons are reported with their
 * place and field. */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
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
    cr_assert_eq(g.gl_pathc, 8, "eight lessons ship");
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
    Lesson *l = lesson_parse(json, strlen(json), "l.json", err, sizeof err);
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
                 "l.json:1:16: stepz: unknown key; allowed keys are title, scenario, steps");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 9}]}",
                 "l.json:1:81: steps[0].step: must be one of tokens, qkv, scores, mask, masked, weights, output, loss, "
                 "or a number from 1 to 8");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"decoder\", \"step\": 1}]}",
                 "l.json:1:62: steps[0].mode: must be one of padding, causal, combined, mlm, sliding, prefix, packed, global, sink, strided, cross, bugs");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 1, "
                 "\"colour\": 1}]}",
                 "l.json:1:84: steps[0].colour: unknown key; allowed keys are title, text, code, question, answer, "
                 "mode, step, sentence, highlight, edits, options");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"mode\": \"padding\", \"step\": 1}]}",
                 "l.json:1:26: steps[0].text: is missing; every step needs title, text, mode and step");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"padding\", \"step\": 1, "
                 "\"sentence\": 3}]}",
                 "l.json:1:96: steps[0].sentence: must be a whole number from 0 to 2");
    expect_error("{\"title\": \"t\", \"steps\": [{\"title\": \"t\", \"text\": \"x\", \"mode\": \"mlm\", \"step\": 1, "
                 "\"edits\": [[0, 5]]}]}",
                 "l.json:1:94: steps[0].edits[0]: must be a whole number from 0 to 4");
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
                 "answer, mode, step, sentence, highlight, edits, options");
    char err[256];
    const char *json = "[]";
    cr_assert_null(lesson_parse(json, strlen(json), "a\x1b]0;PWNED\a\nb.json", err, sizeof err));
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
    Lesson *plain = lesson_parse(text + 3, n, "l.json", err, sizeof err);
    Lesson *bom = lesson_parse(text, n + 3, "l.json", err, sizeof err);
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

Test(lesson, five_ways_to_get_a_mask_wrong_walks_the_gallery)
{
    Lesson *l = shipped("09-five-ways-to-get-a-mask-wrong.json");
    /* five bugs of the gallery, each a step of mode bugs, between right masks */
    const char *bugs[] = {"tril-for-triu", "rows-not-columns", "inverted-bool", "no-padding-left", "fp16-neg-inf"};
    int found = 0;
    for (int i = 0; i < l->nsteps; i++) {
        const LessonStep *s = &l->steps[i];
        if (strcmp(s->mode->name, "bugs") != 0) continue;
        const char *const *slugs;
        steps_story(s->mode, &slugs);
        for (int b = 0; b < 5; b++)
            if (strcmp(slugs[s->step], bugs[b]) == 0) found |= 1 << b;
    }
    cr_assert_eq(found, 31, "the five bugs are shown (%x)", found);
    lesson_free(l);
}
