/* Loading scenarios: the defaults, tokenising, every optional field, and
 * errors that point at the right place. (The long catalogue of hostile
 * files lives in tests/hostile/.) */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

static Scenario *parse(const char *json, char *err, size_t n)
{
    return scenario_parse(json, strlen(json), "t.json", err, n);
}

Test(scenario, default_is_the_running_example)
{
    Scenario *sc = scenario_default();
    cr_assert_eq(sc->sentences.count, 3);
    int want[3][5] = {{1, 2, 3}, {1, 2, 3, 4, 5}, {1, 2, 3, 4}};
    int lens[3] = {3, 5, 4};
    for (int s = 0; s < 3; s++) {
        cr_assert_eq(sc->sentences.lengths[s], lens[s]);
        for (int i = 0; i < lens[s]; i++)
            cr_assert_eq(sc->sentences.ids[s][i], want[s][i]);
    }
    cr_assert_eq(sc->pad_id, 0);
    cr_assert_eq(sc->mask_id, 999);
    cr_assert_eq(sc->d_model, 4);
    cr_assert_str_eq(scenario_word(sc, 4), "fish");
    cr_assert_str_eq(scenario_word(sc, 0), "[PAD]");
    cr_assert_str_eq(scenario_word(sc, 999), "[MASK]");
    cr_assert_null(scenario_word(sc, 6));
    scenario_free(sc);
}

Test(scenario, new_words_get_the_next_free_ids_in_order)
{
    char err[256];
    Scenario *sc = parse("{\"sentences\": [\"The dog ate\", \"a dog sat\"]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->sentences.ids[0][1], 6); /* dog */
    cr_assert_eq(sc->sentences.ids[1][0], 7); /* a */
    cr_assert_eq(sc->sentences.ids[1][1], 6);
    cr_assert_eq(sc->sentences.ids[1][2], 8); /* sat */
    scenario_free(sc);
}

Test(scenario, ids_skip_the_reserved_pad_and_mask)
{
    char err[256];
    Scenario *sc = parse("{\"vocab\": {\"a\": 1}, \"mask_id\": 2, \"sentences\": [\"a b\"]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->sentences.ids[0][1], 3); /* 2 is [MASK] */
    scenario_free(sc);
}

Test(scenario, every_field_loads)
{
    char err[256];
    const char *json = "{\n"
                       "  \"name\": \"demo\", \"sentences\": [[1, 2], \"The [MASK] ate\"],\n"
                       "  \"padding\": \"left\", \"d_model\": 8, \"seed\": 7,\n"
                       "  \"losses\": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],\n"
                       "  \"loss_weights\": [[1, 0.5, 0], [1, 1, 1]],\n"
                       "  \"fully_masked_rows\": \"nan\", \"mask_query_rows\": true,\n"
                       "  \"mlm\": {\"masked\": [[0], [2]]}\n"
                       "}";
    Scenario *sc = parse(json, err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_str_eq(sc->name, "demo");
    cr_assert_eq(sc->padding, SCENARIO_PAD_LEFT);
    cr_assert_eq(sc->d_model, 8);
    cr_assert_eq(sc->seed, 7u);
    cr_assert_eq(sc->nan_policy, SCENARIO_ROWS_NAN);
    cr_assert(sc->mask_query_rows);
    cr_assert_float_eq(sc->losses[4], 0.5, 1e-12);
    cr_assert_float_eq(sc->loss_weights[1], 0.5, 1e-12);
    cr_assert_eq(sc->sentences.ids[1][1], 999);
    cr_assert(sc->mlm_masked[0][0]);
    cr_assert(sc->mlm_masked[1][1]); /* the literal [MASK] */
    cr_assert(sc->mlm_masked[1][2]);
    cr_assert_not(sc->mlm_masked[0][1]);
    scenario_free(sc);
}

Test(scenario, errors_name_line_column_and_field)
{
    char err[512];
    cr_assert_null(parse("{\n  \"sentences\": [\"a\"],\n  \"d_model\": \"four\"\n}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:3:14: d_model: must be a whole number from 1 to 64");
    cr_assert_null(parse("{\"sentences\": [\"a\"], \"padding\": \"middle\"}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:33: padding: must be one of right, left");
    cr_assert_null(parse("{\"sentences\": [\"a\"], \"sentense\": 1}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:22: sentense: unknown key; allowed keys are name, sentences, vocab, pad_id, "
                          "mask_id, padding, d_model, seed, losses, loss_weights, fully_masked_rows, "
                          "mask_query_rows, mlm, window, prefix, sinks, global, pack_length, decoder, positions, "
                          "bert, t5, generate");
    cr_assert_null(parse("{\"sentences\": [\"a\", \"  \"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:21: sentences[1]: is empty; every sentence needs at least one word");
    cr_assert_null(parse("{\"sentences\": [\"a\"]", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:20: json: unexpected end of file; the JSON is incomplete");
}

/* generate: the decode mode's N new tokens per prompt, 1 to MS_MAX_GENERATE; left padding unless "padding" says */
Test(scenario, generate_is_a_count_of_new_tokens)
{
    char err[256];
    Scenario *sc = parse("{\"sentences\": [\"a\"]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->generate, SCENARIO_GENERATE);
    cr_assert_not(sc->padding_given, "no \"padding\": decode may choose the left");
    scenario_free(sc);
    sc = parse("{\"sentences\": [\"a\"], \"generate\": 7, \"padding\": \"right\"}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->generate, 7);
    cr_assert(sc->padding_given);
    Scenario *c = scenario_copy(sc);
    cr_assert_eq(c->generate, 7);
    cr_assert(c->padding_given);
    /* [ and ] in the window: kept within 1..MS_MAX_GENERATE */
    cr_assert(scenario_set(c, SETTING_GENERATE, 99));
    cr_assert_eq(scenario_setting(c, SETTING_GENERATE, 0), MS_MAX_GENERATE);
    cr_assert(scenario_set(c, SETTING_GENERATE, 0));
    cr_assert_eq(c->generate, 1);
    cr_assert_not(scenario_set(c, SETTING_GENERATE, 1), "no change");
    scenario_free(c);
    scenario_free(sc);
    cr_assert_null(parse("{\"sentences\": [\"a\"], \"generate\": 0}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:34: generate: must be a whole number from 1 to 10");
    cr_assert_null(parse("{\"sentences\": [\"a\"],\n \"generate\": 11}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:2:14: generate: must be a whole number from 1 to 10");
    cr_assert_null(parse("{\"sentences\": [\"a\"], \"generate\": \"3\"}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:34: generate: must be a whole number from 1 to 10");
    cr_assert_null(parse("{\"sentences\": [\"a\"], \"generate\": 2.5}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:34: generate: must be a whole number from 1 to 10");
}

Test(scenario, weights_must_lie_in_the_unit_interval)
{
    char err[256];
    cr_assert_null(parse("{\"sentences\": [\"a b\"], \"loss_weights\": [[1, 1.5]]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:45: loss_weights[0][1]: must be a finite number from 0 to 1");
}

Test(scenario, probability_masking_is_seeded_and_never_empty)
{
    char err[256];
    const char *json = "{\"sentences\": [\"a b c d e f g h\", \"x y\"], \"mlm\": {\"probability\": 0.15, \"seed\": 3}}";
    Scenario *a = parse(json, err, sizeof err), *b = parse(json, err, sizeof err);
    cr_assert(a && b, "%s", err);
    for (int s = 0; s < 2; s++) {
        int count = 0;
        for (int i = 0; i < a->mlm_source.lengths[s]; i++) {
            cr_assert_eq(a->mlm_masked[s][i], b->mlm_masked[s][i]);
            count += a->mlm_masked[s][i];
        }
        cr_assert_geq(count, 1);
    }
    scenario_free(a);
    scenario_free(b);
}

Test(scenario, copy_is_deep_and_toggle_flips_one_position)
{
    Scenario *sc = scenario_default();
    Scenario *c = scenario_copy(sc);
    cr_assert(scenario_toggle_mlm(c, 2, 0));
    cr_assert(c->mlm_masked[2][0]);
    cr_assert_not(sc->mlm_masked[2][0]);
    cr_assert_not(scenario_toggle_mlm(c, 3, 0));
    cr_assert_not(scenario_toggle_mlm(c, 0, 5));
    scenario_free(c);
    scenario_free(sc);
    scenario_free(NULL);
}

Test(scenario, new_words_never_get_ids_past_the_limit)
{
    char err[256];
    cr_assert_null(parse("{\"vocab\": {\"x\": 1000000000}, \"sentences\": [\"x y\"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:44: sentences[0]: word 2 (y) needs a new id, but ids above 1000000000 are not "
                          "allowed");
}

Test(scenario, long_utf8_words_are_shortened_in_messages_without_cutting_a_character)
{
    char json[256], err[256], want[256];
    /* 40 two-byte characters: 80 bytes, past the 64 shown */
    char word[100] = "";
    for (int i = 0; i < 40; i++)
        strcat(word, "\u00e9");
    snprintf(json, sizeof json, "{\"vocab\": {\"%s\": \"x\"}, \"sentences\": [\"a\"]}", word);
    cr_assert_null(parse(json, err, sizeof err));
    strcpy(word + 64, "\u2026"); /* 32 whole characters, then an ellipsis */
    snprintf(want, sizeof want, "t.json:1:56: vocab.%s: must be a whole number from 0 to 1000000000", word);
    cr_assert_str_eq(err, want);
}

/* keys, words and file names are quoted with their control characters
 * spelled out, so a message is one line and cannot drive the terminal */
Test(scenario, messages_escape_what_they_quote)
{
    char err[512];
    cr_assert_null(parse("{\"sentences\": [\"a\"], \"x\\u009b31m\": 1}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:22: x\\u009b31m: unknown key; allowed keys are name, sentences, vocab, "
                          "pad_id, mask_id, padding, d_model, seed, losses, loss_weights, fully_masked_rows, "
                          "mask_query_rows, mlm, window, prefix, sinks, global, pack_length, decoder, positions, "
                          "bert, t5, generate");
    cr_assert_null(parse("{\"sentences\": [\"a\"], \"\\u202eseed\": 1, \"\\u202eseed\": 2}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:39: \\u202eseed: duplicate key (first at line 1, column 22); each key may "
                          "appear once");
    cr_assert_null(parse("{\"vocab\": {\"x\\u0085y\": -1}, \"sentences\": [\"a\"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:24: vocab.x\\u0085y: must be a whole number from 0 to 1000000000");
    cr_assert_null(parse("{\"vocab\": {\"x\": 1000000000}, \"sentences\": [\"x \\u009b2J\"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:44: sentences[0]: word 2 (\\u009b2J) needs a new id, but ids above "
                          "1000000000 are not allowed");
}

Test(scenario, file_names_in_messages_are_escaped)
{
    char err[256];
    const char *json = "{\"sentences\": [\"a\"], \"seed\": -1}";
    cr_assert_null(scenario_parse(json, strlen(json), "dir/x\n\x1b[2Jy.json", err, sizeof err));
    cr_assert_str_eq(err, "dir/x\\n\\x1b[2Jy.json:1:30: seed: must be a whole number from 0 to 9007199254740991");
    bool io;
    cr_assert_null(scenario_load("/nonexistent/a\nb\xc2\x9b.json", &io, err, sizeof err));
    cr_assert(io);
    cr_assert_str_eq(err, "/nonexistent/a\\nb\\u009b.json: cannot open: No such file or directory");
}

/* a UTF-8 byte order mark is skipped once, so every check and position
 * holds as without it; byte offsets still count its three bytes */
#define BOM "\xEF\xBB\xBF"

Test(scenario, a_byte_order_mark_is_skipped_and_every_check_still_holds)
{
    char err[256];
    cr_assert_null(parse(BOM "{\"seed\": 1, \"seed\": 2, \"sentences\": [\"a\"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:13: seed: duplicate key (first at line 1, column 2); each key may appear once");
    cr_assert_null(parse(BOM "{\n  \"sentences\": [\"a\"],\n  \"d_model\": 0\n}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:3:14: d_model: must be a whole number from 1 to 64");
    cr_assert_null(parse(BOM "{\"sentences\": [\"a\xff\"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:18: text: invalid UTF-8 at byte offset 20; files must be UTF-8");
    cr_assert_null(parse(BOM "{\"sentences\": [\"a\x01\"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:18: text: control character 0x01 at byte offset 20; only tab and newlines may "
                          "appear besides printable text");
    /* only one, and only at the start */
    cr_assert_null(parse(BOM BOM "{\"sentences\": [\"a\"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:1: text: a second byte order mark; a file may start with one at most");
    cr_assert_null(parse("{\"sentences\": " BOM "[\"a\"]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:15: json: syntax error; expected a JSON value, ',' or a closing bracket");
}

Test(scenario, a_scenario_with_a_byte_order_mark_loads_as_without)
{
    char err[256];
    const char *json = "{\"sentences\": [\"The dog ate\", [1, 2]], \"d_model\": 8, \"seed\": 5}";
    char with[256];
    snprintf(with, sizeof with, BOM "%s", json);
    Scenario *a = parse(json, err, sizeof err), *b = parse(with, err, sizeof err);
    cr_assert(a && b, "%s", err);
    cr_assert_eq(b->d_model, 8);
    cr_assert_eq(b->seed, 5u);
    cr_assert_eq(b->sentences.count, 2);
    for (int s = 0; s < 2; s++) {
        cr_assert_eq(a->sentences.lengths[s], b->sentences.lengths[s]);
        for (int i = 0; i < a->sentences.lengths[s]; i++)
            cr_assert_eq(a->sentences.ids[s][i], b->sentences.ids[s][i]);
    }
    scenario_free(a);
    scenario_free(b);
}

/* numbers are JSON's: what strtod (and so cJSON) also takes is refused
 * where it stands, and what JSON allows still loads */
#define NOT_A_NUMBER " is not a JSON number; write numbers like 7, -3, 0.25 or 1e-3 (no leading zeros, no " \
                     "leading + or point, digits on both sides of a point)"

Test(scenario, numbers_that_are_not_json_are_refused_where_they_stand)
{
    const char *bad[] = {"01", "1.", "1.e1", "-01", ".5", "+1", "-.5", "00", "1e", "1e+", "0x10", "1.5.3",
                         "-", "NaN", "-Infinity"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char json[128], err[256], want[256];
        snprintf(json, sizeof json, "{\"sentences\": [\"a\"], \"seed\": %s}", bad[i]);
        cr_assert_null(parse(json, err, sizeof err), "%s was accepted", bad[i]);
        snprintf(want, sizeof want, "t.json:1:30: json: %s" NOT_A_NUMBER, bad[i]);
        cr_assert_str_eq(err, want);
    }
    /* inside an array, on line 3 */
    char err[256];
    cr_assert_null(parse("{\n  \"sentences\": [\"a b\"],\n  \"losses\": [[0.5, 01]]\n}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:3:20: json: 01" NOT_A_NUMBER);
    /* a long token is shown cut */
    cr_assert_null(parse("{\"sentences\": [\"a\"], \"seed\": 000000000000000000000000000000001}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:30: json: 00000000000000000000\u2026" NOT_A_NUMBER);
}

Test(scenario, json_numbers_still_load)
{
    const char *good[] = {"0", "-0", "7", "1E5", "1e01", "12.0", "1.5e+1", "100e-2"};
    const double want[] = {0, 0, 7, 1e5, 10, 12, 15, 1};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char json[128], err[256];
        snprintf(json, sizeof json, "{\"sentences\": [\"a\"], \"seed\": %s}", good[i]);
        Scenario *sc = parse(json, err, sizeof err);
        cr_assert_not_null(sc, "%s: %s", good[i], err);
        cr_assert_eq((double)sc->seed, want[i], "%s", good[i]);
        scenario_free(sc);
    }
}

/* a token given as an id is labelled "#42", and that label is no word:
 * the word "#42" gets an id of its own, in either order */
Test(scenario, a_word_spelled_like_an_id_label_is_a_new_word)
{
    char err[256];
    Scenario *sc = parse("{\"sentences\": [[42], \"#42 #42\"]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->sentences.ids[0][0], 42);
    cr_assert_eq(sc->sentences.ids[1][0], 43); /* one past the largest id in use */
    cr_assert_eq(sc->sentences.ids[1][1], 43);
    cr_assert_str_eq(scenario_word(sc, 42), "#42");
    cr_assert_str_eq(scenario_word(sc, 43), "#42");
    scenario_free(sc);

    sc = parse("{\"sentences\": [\"#42\", [42, 6]]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->sentences.ids[0][0], 6); /* the notebook's words are 1..5 */
    cr_assert_eq(sc->sentences.ids[1][0], 42);
    cr_assert_eq(sc->sentences.ids[1][1], 6); /* id 6 is the word "#42" */
    scenario_free(sc);

    sc = parse("{\"sentences\": [\"a\"], \"mlm\": {\"sentences\": [[42], \"#42\"], \"masked\": [[], []]}}", err,
               sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->mlm_source.ids[0][0], 42);
    cr_assert_eq(sc->mlm_source.ids[1][0], 43);
    Scenario *c = scenario_copy(sc); /* the labels are copied too */
    cr_assert_str_eq(scenario_word(c, 42), "#42");
    cr_assert_eq(scenario_word(c, 42) == scenario_word(sc, 42), false);
    scenario_free(c);
    scenario_free(sc);
}

Test(scenario, a_new_word_never_takes_an_id_given_alone)
{
    char err[256];
    Scenario *sc = parse("{\"sentences\": [[7], \"dog\"]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->sentences.ids[1][0], 8);
    scenario_free(sc);
}

/* losses are finite and at most MS_MAX_LOSS (10^6), so their sums are too */
Test(scenario, losses_may_reach_the_limit_and_not_pass_it)
{
    char err[256];
    Scenario *sc = parse("{\"sentences\": [\"a b\"], \"losses\": [[0, 1e6]]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->losses[1], 1000000.0);
    scenario_free(sc);
    cr_assert_null(parse("{\"sentences\": [\"a b\"], \"losses\": [[0, 1000000.5]]}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:39: losses[0][1]: must be a finite number from 0 to 1000000");
    cr_assert_null(parse("{\"sentences\": [\"a b\"], \"mlm\": {\"losses\": [[2e6, 0]]}}", err, sizeof err));
    cr_assert_str_eq(err, "t.json:1:44: mlm.losses[0][0]: must be a finite number from 0 to 1000000");
}

/* one rule: a sentence left without any [MASK] gets one, unless the
 * probability is 0, which masks only the [MASK] tokens written */
static int masked_in(const Scenario *sc, int s)
{
    int n = 0;
    for (int i = 0; i < sc->mlm_source.lengths[s]; i++)
        n += sc->mlm_masked[s][i];
    return n;
}

Test(scenario, probability_zero_masks_only_what_is_written)
{
    char err[256];
    Scenario *sc = parse("{\"sentences\": [\"a b c d e f g h\", \"x y [MASK]\"], \"mlm\": {\"probability\": 0}}",
                         err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(masked_in(sc, 0), 0);
    cr_assert_eq(masked_in(sc, 1), 1);
    cr_assert(sc->mlm_masked[1][2]);
    scenario_free(sc);
}

Test(scenario, a_tiny_probability_still_masks_one_token_per_sentence)
{
    char err[256];
    Scenario *sc = parse("{\"sentences\": [\"a b c d e f g h\", \"x y [MASK]\", \"p q\"], "
                         "\"mlm\": {\"probability\": 1e-12}}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(masked_in(sc, 0), 1);
    cr_assert_eq(masked_in(sc, 1), 1); /* the written [MASK] is its one */
    cr_assert(sc->mlm_masked[1][2]);
    cr_assert_eq(masked_in(sc, 2), 1);
    scenario_free(sc);
    sc = parse("{\"sentences\": [\"a b c\"], \"mlm\": {\"probability\": 1}}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(masked_in(sc, 0), 3);
    scenario_free(sc);
}

/* a FIFO (or pipe, or device) is read as it comes but must end within
 * MS_READ_TIMEOUT_S (5 s): one that nothing writes to is an I/O error,
 * not a hang; one that is written and closed loads like a file */
static void make_fifo(char *dir, char *path, size_t n)
{
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, n, "%s/s.json", dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
}

Test(scenario, a_fifo_nothing_writes_to_fails_within_the_bound, .timeout = 30)
{
    char dir[] = "/tmp/ms-fifo-XXXXXX", path[64], err[256], want[256];
    make_fifo(dir, path, sizeof path);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool io = false;
    cr_assert_null(scenario_load(path, &io, err, sizeof err));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_assert(io, "a read that times out is an I/O failure (exit 1)");
    snprintf(want, sizeof want, "%s: cannot read: not a regular file, and it did not end within 5 s; "
             "is anything writing to it?", path);
    cr_assert_str_eq(err, want);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert(s >= 4.5 && s < 15, "took %.1f s", s);
    unlink(path);
    rmdir(dir);
}

Test(scenario, a_fifo_that_is_written_and_closed_loads, .timeout = 30)
{
    char dir[] = "/tmp/ms-fifo-XXXXXX", path[64], err[256];
    make_fifo(dir, path, sizeof path);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        /* after a pause, so the reader is already waiting */
        nanosleep(&(struct timespec){.tv_nsec = 300 * 1000 * 1000}, NULL);
        FILE *f = fopen(path, "w");
        int ok = f && fputs("{\"sentences\": [\"The cat ate\", \"a b c d\"]}", f) >= 0;
        ok = f && fclose(f) == 0 && ok;
        _exit(ok ? 0 : 1);
    }
    bool io = false;
    Scenario *sc = scenario_load(path, &io, err, sizeof err);
    int st;
    waitpid(pid, &st, 0);
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(sc->sentences.count, 2);
    cr_assert_eq(sc->sentences.lengths[1], 4);
    scenario_free(sc);
    unlink(path);
    rmdir(dir);
}

/* ---- new sentences (the window's editor) and writing a scenario back ---- */

static Scenario *with(const Scenario *sc, const char *const *lines, int n, int *bad, char *err, size_t errlen)
{
    return scenario_with_sentences(sc, lines, n, bad, err, errlen);
}

Test(scenario, new_sentences_tokenise_as_a_file_does_and_new_words_get_new_ids)
{
    Scenario *sc = scenario_default();
    const char *lines[] = {"The dog ate", "a [MASK] sat on the dog"};
    char err[256];
    int bad = 99;
    Scenario *e = with(sc, lines, 2, &bad, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    cr_assert_eq(e->sentences.count, 2);
    cr_assert_eq(e->sentences.ids[0][1], 6, "dog: the largest id in use (5) + 1");
    int want[] = {7, 999, 8, 9, 10, 6};
    cr_assert_eq(e->sentences.lengths[1], 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(e->sentences.ids[1][i], want[i], "word %d", i);
    /* the same ids as a file with these sentences gets */
    Scenario *f = parse("{\"sentences\": [\"The dog ate\", \"a [MASK] sat on the dog\"]}", err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    for (int s = 0; s < 2; s++)
        cr_assert_arr_eq(e->sentences.ids[s], f->sentences.ids[s], sizeof(int) * (size_t)f->sentences.lengths[s]);
    /* the scenario given is untouched */
    cr_assert_eq(sc->sentences.count, 3);
    cr_assert_eq(sc->vocab.count, 5);
    scenario_free(f);
    scenario_free(e);
    scenario_free(sc);
}

Test(scenario, new_sentences_errors_name_the_sentence_and_the_problem)
{
    Scenario *sc = scenario_default();
    char err[256], long_word[80], many[4097 * 2 + 1];
    memset(long_word, 'x', 65);
    long_word[65] = '\0';
    for (int i = 0; i < 4097; i++)
        many[2 * i] = 'a', many[2 * i + 1] = ' ';
    many[2 * 4097] = '\0';
    struct {
        const char *lines[3];
        int n, bad;
        const char *says;
    } cases[] = {
        {{"The cat", "The [PAD] ate"}, 2, 1, "sentence 1: word 2 is [PAD]; padding is added by maskscope"},
        {{long_word}, 1, 0, "sentence 0: word 1 is 65 bytes long; the limit is 64"},
        {{"The cat", "ok", "bell\x07 ringing"}, 3, 2, "sentence 2: word 1 contains control character 0x07"},
        {{"The cat", "caf\xc3 au lait"}, 2, 1, "sentence 1: byte 4 is not UTF-8"},
        {{"The cat", "   "}, 2, 1, "sentence 1: is empty; every sentence needs at least one word"},
        {{many}, 1, 0, "sentence 0: more than 4096 tokens; the limit is 4096 per sentence"},
        {{NULL}, 0, -1, "the batch is empty; write at least one sentence"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int bad = 99;
        err[0] = '\0';
        cr_assert_null(with(sc, cases[k].lines, cases[k].n, &bad, err, sizeof err), "case %zu", k);
        cr_assert_eq(bad, cases[k].bad, "case %zu: bad %d", k, bad);
        cr_assert(strncmp(err, cases[k].says, strlen(cases[k].says)) == 0, "case %zu: %s", k, err);
    }
    /* more sentences than a batch holds: the first one too many is named */
    const char *lines[MS_MAX_SENTENCES + 1];
    for (int i = 0; i <= MS_MAX_SENTENCES; i++)
        lines[i] = "The cat";
    int bad = 0;
    cr_assert_null(with(sc, lines, MS_MAX_SENTENCES + 1, &bad, err, sizeof err));
    cr_assert_eq(bad, MS_MAX_SENTENCES);
    cr_assert(strstr(err, "at most 64 sentences"), "%s", err);
    Scenario *full = with(sc, lines, MS_MAX_SENTENCES, &bad, err, sizeof err);
    cr_assert_not_null(full, "a batch of 64 is fine: %s", err);
    scenario_free(full);
    scenario_free(sc);
}

Test(scenario, the_text_of_a_sentence_reads_back_to_the_same_ids)
{
    char err[256];
    Scenario *sc = parse("{\"sentences\": [[1, 42, 999], \"The #42 cat\"]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    char *t0 = scenario_sentence_text(sc, 0), *t1 = scenario_sentence_text(sc, 1);
    cr_assert_str_eq(t0, "The #42 [MASK]");
    cr_assert_str_eq(t1, "The #42 cat", "the word #42 (id 43) is shown as it is written");
    const char *lines[] = {t0, t1};
    int bad;
    Scenario *e = with(sc, lines, 2, &bad, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    /* the vocabulary's word "#42" wins over the label, as it does in a file: 43 both times */
    cr_assert_eq(e->sentences.ids[1][1], 43);
    cr_assert_eq(scenario_word_id(sc, "cat"), 2);
    cr_assert_eq(scenario_word_id(sc, "[MASK]"), 999);
    cr_assert_eq(scenario_word_id(sc, "dog"), -1);
    free(t0);
    free(t1);
    scenario_free(e);
    scenario_free(sc);
    /* an id label alone is read back as its id */
    sc = parse("{\"sentences\": [[1, 42, 2]]}", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    char *t = scenario_sentence_text(sc, 0);
    cr_assert_str_eq(t, "The #42 cat");
    const char *one[] = {t};
    e = with(sc, one, 1, &bad, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    cr_assert_eq(e->sentences.ids[0][1], 42);
    cr_assert_eq(e->vocab.count, sc->vocab.count, "no new word");
    free(t);
    scenario_free(e);
    scenario_free(sc);
}

Test(scenario, what_hangs_on_the_sentences_follows_them)
{
    char err[256];
    int bad;
    /* the running example: same shape keeps the notebook's losses; the MLM batch is its own and stays */
    Scenario *sc = scenario_default();
    const char *same_shape[] = {"The dog ate", "The dog ate fish pie", "The dog ate fish"};
    Scenario *e = with(sc, same_shape, 3, &bad, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    cr_assert_arr_eq(e->losses, sc->losses, 15 * sizeof(double));
    cr_assert_eq(e->mlm_source.count, 3);
    cr_assert_arr_eq(e->mlm_source.ids[0], sc->mlm_source.ids[0], 5 * sizeof(int));
    cr_assert_not(scenario_mlm_is_batch(e));
    cr_assert_eq(e->decoder.lengths[1], 3);
    cr_assert_eq(e->decoder.ids[1][1], 6, "the default decoder follows: the first half of the new sentence");
    scenario_free(e);
    const char *other[] = {"The dog ate", "a cat"};
    e = with(sc, other, 2, &bad, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    cr_assert_null(e->losses, "a batch of another shape draws its losses from the seed");
    scenario_free(e);
    scenario_free(sc);
    /* a file's settings: P cut to the sentence, global positions within L, pack_length at least L,
     * a decoder sentence given stays, an MLM batch that is the sentences follows them */
    sc = parse("{\"sentences\": [\"a b c d\", \"e f g h i j\"], \"prefix\": [3, 5], \"global\": [0, 5],"
               " \"pack_length\": 10, \"decoder\": [\"x y\", \"f g h\"], \"mlm\": {\"masked\": [[1], [0, 2]]},"
               " \"losses\": [[1, 1, 1, 1, 0, 0], [2, 2, 2, 2, 2, 2]]}",
               err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    cr_assert(scenario_mlm_is_batch(sc));
    const char *lines[] = {"a b", "e f g h i j", "k l m n o p q r s t u"};
    e = with(sc, lines, 3, &bad, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    cr_assert_eq(e->prefix[0], 2, "P 3 cut to the sentence's 2 tokens");
    cr_assert_eq(e->prefix[1], 5);
    cr_assert_eq(e->prefix[2], 5, "an added sentence takes the last one's P");
    cr_assert_eq(e->nglobal, 2);
    cr_assert_eq(e->pack_length, 11);
    cr_assert_eq(e->decoder.lengths[0], 2, "the decoder sentence given stays");
    cr_assert_eq(e->decoder.lengths[2], 6, "an added sentence gets the default half");
    cr_assert(scenario_mlm_is_batch(e));
    cr_assert(e->mlm_masked[1][0] && e->mlm_masked[1][2] && !e->mlm_masked[1][1],
              "the unchanged sentence keeps its [MASK] positions");
    int any = 0;
    for (int p = 0; p < e->mlm_source.lengths[2]; p++)
        any += e->mlm_masked[2][p];
    cr_assert_gt(any, 0, "a new sentence gets positions drawn");
    cr_assert_null(e->losses);
    scenario_free(e);
    const char *shorter[] = {"a b", "c"};
    e = with(sc, shorter, 2, &bad, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    cr_assert_eq(e->nglobal, 1, "position 5 is past the longest sentence");
    cr_assert_eq(e->global[0], 0);
    scenario_free(e);
    scenario_free(sc);
}

/* every field the loader reads, equal */
static void assert_same_sentences(const Sentences *a, const Sentences *b, const char *what)
{
    cr_assert_eq(a->count, b->count, "%s: count", what);
    for (int s = 0; s < a->count; s++) {
        cr_assert_eq(a->lengths[s], b->lengths[s], "%s[%d]: length", what, s);
        cr_assert_arr_eq(a->ids[s], b->ids[s], (size_t)a->lengths[s] * sizeof(int), "%s[%d]", what, s);
    }
}

static void assert_same_doubles(const double *a, const double *b, size_t n, const char *what)
{
    cr_assert_eq(a == NULL, b == NULL, "%s: given in one only", what);
    for (size_t i = 0; a && i < n; i++)
        cr_assert(a[i] == b[i], "%s[%zu]: %.17g vs %.17g", what, i, a[i], b[i]);
}

static void assert_same_scenario(const Scenario *a, const Scenario *b)
{
    assert_same_sentences(&a->sentences, &b->sentences, "sentences");
    assert_same_sentences(&a->mlm_source, &b->mlm_source, "mlm");
    assert_same_sentences(&a->decoder, &b->decoder, "decoder");
    cr_assert_eq(a->vocab.count, b->vocab.count);
    for (int i = 0; i < a->vocab.count; i++) {
        cr_assert_str_eq(a->vocab.words[i], b->vocab.words[i]);
        cr_assert_eq(a->vocab.ids[i], b->vocab.ids[i]);
    }
    cr_assert_eq(a->id_labels.count, b->id_labels.count);
    for (int i = 0; i < a->id_labels.count; i++)
        cr_assert_str_eq(scenario_word(b, a->id_labels.ids[i]), a->id_labels.words[i]);
    cr_assert_eq(a->pad_id, b->pad_id);
    cr_assert_eq(a->mask_id, b->mask_id);
    cr_assert_eq(a->padding, b->padding);
    cr_assert_eq(a->d_model, b->d_model);
    cr_assert_eq(a->seed, b->seed);
    cr_assert_eq(a->nan_policy, b->nan_policy);
    cr_assert_eq(a->positions, b->positions);
    cr_assert_eq(a->mask_query_rows, b->mask_query_rows);
    size_t BL = (size_t)a->sentences.count * (size_t)scenario_longest(&a->sentences);
    size_t mBL = (size_t)a->mlm_source.count * (size_t)scenario_longest(&a->mlm_source);
    assert_same_doubles(a->losses, b->losses, BL, "losses");
    assert_same_doubles(a->loss_weights, b->loss_weights, BL, "loss_weights");
    assert_same_doubles(a->mlm_losses, b->mlm_losses, mBL, "mlm.losses");
    for (int s = 0; s < a->mlm_source.count; s++)
        cr_assert_arr_eq(a->mlm_masked[s], b->mlm_masked[s], (size_t)a->mlm_source.lengths[s] * sizeof(bool),
                         "mlm masked %d", s);
    cr_assert_eq(a->window, b->window);
    cr_assert_eq(a->sinks, b->sinks);
    cr_assert_eq(a->prefix == NULL, b->prefix == NULL);
    for (int s = 0; a->prefix && s < a->sentences.count; s++)
        cr_assert_eq(a->prefix[s], b->prefix[s]);
    cr_assert_eq(a->nglobal, b->nglobal);
    cr_assert_arr_eq(a->global, b->global, (size_t)a->nglobal * sizeof(int));
    cr_assert_eq(a->pack_length, b->pack_length);
    cr_assert(a->bert.probability == b->bert.probability && a->bert.seed == b->bert.seed &&
              a->bert.selection == b->bert.selection && a->bert.max_predictions == b->bert.max_predictions &&
              a->bert.whole_word == b->bert.whole_word);
    cr_assert(a->t5.noise_density == b->t5.noise_density && a->t5.mean_span_length == b->t5.mean_span_length &&
              a->t5.seed == b->t5.seed);
}

static void round_trip(const Scenario *sc, const char *what)
{
    char err[512];
    char *json = scenario_to_json(sc);
    Scenario *back = scenario_parse(json, strlen(json), "saved.json", err, sizeof err);
    cr_assert_not_null(back, "%s: %s\n%s", what, err, json);
    assert_same_scenario(sc, back);
    free(json);
    scenario_free(back);
}

Test(scenario, written_as_json_it_loads_back_the_same)
{
    Scenario *sc = scenario_default();
    round_trip(sc, "running example");
    /* [MASK] clicks, new words, a long seed, odd words quoted */
    scenario_toggle_mlm(sc, 0, 2);
    sc->seed = SCENARIO_MAX_SEED;
    sc->bert.selection = SCENARIO_BERT_COUNT;
    sc->bert.max_predictions = 7;
    const char *lines[] = {"The \"dog\" ate", "caf\xc3\xa9 back\\slash [MASK] \xe2\x80\xae{}", "The"};
    char err[256];
    int bad;
    Scenario *e = with(sc, lines, 3, &bad, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    round_trip(e, "edited");
    scenario_free(e);
    scenario_free(sc);
    /* ids without words, an MLM batch of its own, weights, left padding, a decoder given */
    sc = parse("{\"name\": \"ids\", \"sentences\": [[1, 42, 999], \"The cat\"], \"padding\": \"left\","
               " \"loss_weights\": [[1, 0.5, 0.1], [0, 1e-7, 1]], \"mlm\": {\"sentences\": [\"a b c\"],"
               " \"masked\": [[1]], \"losses\": [[0.25, 0.3, 1000000]]}, \"decoder\": [\"x\", [77]],"
               " \"positions\": \"sinusoidal\", \"fully_masked_rows\": \"nan\", \"mask_query_rows\": true}",
               err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    round_trip(sc, "ids");
    scenario_free(sc);
    /* every scenario of the test suite */
    char pattern[600];
    snprintf(pattern, sizeof pattern, "%s/tests/scenarios/*.json", getenv("MASKSCOPE_SOURCE_ROOT"));
    glob_t g;
    cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        bool io;
        sc = scenario_load(g.gl_pathv[i], &io, err, sizeof err);
        cr_assert_not_null(sc, "%s", err);
        round_trip(sc, g.gl_pathv[i]);
        scenario_free(sc);
    }
    cr_assert_gt(g.gl_pathc, 5);
    globfree(&g);
}
