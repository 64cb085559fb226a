/* The wider family of masks, held to their invariants: no output depends
 * on a key its mask blocks. A causal window never sees the future; a
 * packed document never sees another; a global token's row is dense; a
 * cross-attention mask is [L_dec, L_enc]. Each is shown by changing the
 * input a mask hides and finding the outputs bit for bit the same. (A
 * changed token is given by its id: a new word would take the next free
 * id, the very id the word it replaces had.) */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

static Scenario *load(const char *json)
{
    char err[256];
    Scenario *sc = scenario_parse(json, strlen(json), "f.json", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    return sc;
}

/* the output rows [from, to) of row s in two engines are bit-identical */
static bool same_rows(const Engine *a, const Engine *b, int s, int from, int to)
{
    const Tensor *x = engine_tensor(a, T_OUTPUT), *y = engine_tensor(b, T_OUTPUT);
    int d = engine_d(a), L = engine_query_length(a);
    for (int q = from; q < to; q++)
        for (int j = 0; j < d; j++)
            if (x->data[((size_t)s * L + q) * d + j] != y->data[((size_t)s * L + q) * d + j]) return false;
    return true;
}

/* token ids, so one token changes and no other: [6..13] and [14, 15, 16] */
#define S0 "[6, 7, 8, 9, 10, 11, 12, 13]"
#define S1 "[14, 15, 16]"

Test(families, windows_never_see_the_future)
{
    const char *modes[] = {"sliding", "sink", "strided"};
    char a[256], b[256];
    snprintf(a, sizeof a, "{\"sentences\": [" S0 ", " S1 "], \"window\": 3, \"sinks\": 1}");
    /* the last token of sentence 0 changes */
    snprintf(b, sizeof b, "{\"sentences\": [[6, 7, 8, 9, 10, 11, 12, 2], " S1 "], \"window\": 3, \"sinks\": 1}");
    Scenario *sa = load(a), *sb = load(b);
    for (int m = 0; m < 3; m++) {
        Engine *ea = compute(sa, modes[m]), *eb = compute(sb, modes[m]);
        cr_assert(same_rows(ea, eb, 0, 0, 7), "%s: rows 0-6 ignore token 7", modes[m]);
        cr_assert_not(same_rows(ea, eb, 0, 7, 8), "%s: row 7 sees itself", modes[m]);
        engine_free(ea);
        engine_free(eb);
    }
    scenario_free(sa);
    scenario_free(sb);
}

Test(families, a_window_hides_what_lies_outside_it)
{
    /* W = 3: row 7 of sentence 0 sees 5, 6, 7 only; change token 2 and it does not move */
    char b[256];
    snprintf(b, sizeof b, "{\"sentences\": [[6, 7, 2, 9, 10, 11, 12, 13], " S1 "], \"window\": 3, \"sinks\": 0}");
    char a[256];
    snprintf(a, sizeof a, "{\"sentences\": [" S0 ", " S1 "], \"window\": 3, \"sinks\": 0}");
    Scenario *sa = load(a), *sb = load(b);
    Engine *ea = compute(sa, "sliding"), *eb = compute(sb, "sliding");
    cr_assert(same_rows(ea, eb, 0, 5, 8), "rows 5-7 do not reach back to token 2");
    cr_assert_not(same_rows(ea, eb, 0, 2, 3), "row 2 is token 2");
    engine_free(ea);
    engine_free(eb);
    /* with one attention sink, token 0 stays visible to every row */
    char c[256], dd[256];
    snprintf(c, sizeof c, "{\"sentences\": [" S0 ", " S1 "], \"window\": 3, \"sinks\": 1}");
    snprintf(dd, sizeof dd, "{\"sentences\": [[2, 7, 8, 9, 10, 11, 12, 13], " S1 "], \"window\": 3, \"sinks\": 1}");
    Scenario *sc = load(c), *sd = load(dd);
    Engine *ec = compute(sc, "sink"), *ed = compute(sd, "sink");
    for (int q = 0; q < 8; q++) cr_assert_not(same_rows(ec, ed, 0, q, q + 1), "row %d sees the sink", q);
    engine_free(ec);
    engine_free(ed);
    scenario_free(sa);
    scenario_free(sb);
    scenario_free(sc);
    scenario_free(sd);
}

Test(families, packed_documents_never_see_each_other)
{
    /* three documents in one row; the middle one changes */
    Scenario *sa = load("{\"sentences\": [[6, 7, 8], [9, 10, 11, 12], [13, 14]]}");
    Scenario *sb = load("{\"sentences\": [[6, 7, 8], [9, 2, 11, 12], [13, 14]]}");
    Engine *ea = compute(sa, "packed"), *eb = compute(sb, "packed");
    cr_assert_eq(engine_sentences(ea), 1, "all in one row");
    cr_assert_eq(engine_length(ea), 9);
    cr_assert(same_rows(ea, eb, 0, 0, 3), "document 0 is untouched");
    cr_assert(same_rows(ea, eb, 0, 7, 9), "document 2 is untouched");
    cr_assert(same_rows(ea, eb, 0, 3, 4), "inside document 1, the token before the change too");
    cr_assert_not(same_rows(ea, eb, 0, 4, 5), "the changed token's own row moves");
    /* positions restart at 0 for each document */
    const Tensor *pos = engine_tensor(ea, T_POSITION_IDS), *doc = engine_tensor(ea, T_DOCUMENT_IDS);
    const double want_pos[9] = {0, 1, 2, 0, 1, 2, 3, 0, 1}, want_doc[9] = {0, 0, 0, 1, 1, 1, 1, 2, 2};
    for (int i = 0; i < 9; i++) {
        cr_assert_eq(pos->data[i], want_pos[i], "position %d", i);
        cr_assert_eq(doc->data[i], want_doc[i], "document %d", i);
    }
    engine_free(ea);
    engine_free(eb);
    scenario_free(sa);
    scenario_free(sb);
}

Test(families, packing_starts_a_row_for_a_sentence_that_does_not_fit)
{
    Scenario *sc = load("{\"sentences\": [\"a b c\", \"d e f g\", \"h i\"], \"pack_length\": 6}");
    Engine *e = compute(sc, "packed");
    /* by hand: [a b c . . .] [d e f g h i] */
    cr_assert_eq(engine_sentences(e), 2);
    const Tensor *doc = engine_tensor(e, T_DOCUMENT_IDS);
    const double want[12] = {0, 0, 0, -1, -1, -1, 1, 1, 1, 1, 2, 2};
    for (int i = 0; i < 12; i++) cr_assert_eq(doc->data[i], want[i], "cell %d", i);
    engine_free(e);
    scenario_free(sc);
}

Test(families, global_tokens_see_and_are_seen_by_all)
{
    Scenario *sc = load("{\"sentences\": [\"a b c d e f g h\"], \"window\": 2, \"global\": [0, 5]}");
    Engine *e = compute(sc, "global");
    const Tensor *w = engine_tensor(e, T_WEIGHTS);
    for (int k = 0; k < 8; k++) {
        cr_assert_gt(tensor_at3(w, 0, 0, k), 0.0, "global row 0 sees key %d", k);
        cr_assert_gt(tensor_at3(w, 0, 5, k), 0.0, "global row 5 sees key %d", k);
        cr_assert_gt(tensor_at3(w, 0, k, 0), 0.0, "row %d sees global key 0", k);
        cr_assert_gt(tensor_at3(w, 0, k, 5), 0.0, "row %d sees global key 5", k);
    }
    /* an ordinary row: its neighbours within W = 2 and the globals, nothing else */
    for (int k = 0; k < 8; k++)
        cr_assert_eq(tensor_at3(w, 0, 2, k) > 0, k == 0 || k == 5 || (k >= 1 && k <= 3), "row 2, key %d", k);
    engine_free(e);
    scenario_free(sc);
}

Test(families, a_prefix_is_read_both_ways)
{
    Scenario *sc = load("{\"sentences\": [\"a b c d e f\"], \"prefix\": 3}");
    Engine *e = compute(sc, "prefix");
    const Tensor *m = engine_tensor(e, T_MASK);
    for (int q = 0; q < 6; q++)
        for (int k = 0; k < 6; k++)
            cr_assert_eq(!isinf(tensor_at3(m, 0, q, k)), k < 3 || k <= q, "q %d k %d", q, k);
    engine_free(e);
    scenario_free(sc);
}

Test(families, cross_attention_is_decoder_by_encoder)
{
    Scenario *sc = load("{\"sentences\": [[6, 7, 8, 9, 10], [11, 12]], \"decoder\": [[20, 21, 22], [23]]}");
    Engine *e = compute(sc, "cross");
    cr_assert(engine_is_cross(e));
    cr_assert_eq(engine_query_length(e), 3);
    cr_assert_eq(engine_length(e), 5);
    const Tensor *m = engine_tensor(e, T_MASK), *out = engine_tensor(e, T_OUTPUT);
    cr_assert_eq(m->shape[1], 3);
    cr_assert_eq(m->shape[2], 5);
    cr_assert_eq(out->shape[1], 3);
    /* sentence 1: encoder keys 2-4 are [PAD], for every decoder query */
    for (int q = 0; q < 3; q++)
        for (int k = 0; k < 5; k++) cr_assert_eq(isinf(tensor_at3(m, 1, q, k)) != 0, k >= 2, "q %d k %d", q, k);
    /* the encoder's words change the decoder's outputs; the decoder's batch is its own */
    Scenario *other = load("{\"sentences\": [[6, 7, 8, 9, 2], [11, 12]], \"decoder\": [[20, 21, 22], [23]]}");
    Engine *f = compute(other, "cross");
    cr_assert_not(same_rows(e, f, 0, 0, 1), "decoder row 0 reads every encoder token, the last too");
    cr_assert(same_rows(e, f, 1, 0, 3), "sentence 1 is not sentence 0");
    engine_free(f);
    scenario_free(other);
    engine_free(e);
    scenario_free(sc);
}

Test(families, settings_stay_in_range)
{
    Scenario *sc = load("{\"sentences\": [\"a b c\", \"d e f g h\"]}");
    cr_assert_eq(sc->window, 3);
    cr_assert(scenario_set(sc, SETTING_WINDOW, 0));
    cr_assert_eq(sc->window, 1, "W is at least 1");
    cr_assert_not(scenario_set(sc, SETTING_WINDOW, -5), "already at its least");
    cr_assert_eq(scenario_prefix(sc, 1), 3, "half of 5, rounded up");
    cr_assert(scenario_set(sc, SETTING_PREFIX, 4));
    cr_assert_eq(scenario_prefix(sc, 0), 3, "no longer than the sentence");
    cr_assert_eq(scenario_prefix(sc, 1), 4);
    cr_assert(scenario_set(sc, SETTING_PACK_LENGTH, 2));
    cr_assert_eq(sc->pack_length, 5, "a row holds the longest sentence");
    scenario_free(sc);
}

/* the whole T_MASK of two engines is bit-identical */
static bool same_mask(const Engine *a, const Engine *b)
{
    const Tensor *x = engine_tensor(a, T_MASK), *y = engine_tensor(b, T_MASK);
    if (x->size != y->size) return false;
    return memcmp(x->data, y->data, x->size * sizeof *x->data) == 0;
}

static Engine *built(Scenario *sc, const char *spec)
{
    char err[256];
    const Mode *m = mode_build(spec, sc, err, sizeof err);
    cr_assert_not_null(m, "%s: %s", spec, err);
    cr_assert_str_eq(m->name, "custom");
    Engine *e = engine_new(sc, m, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    return e;
}

Test(families, the_mask_builder_adds_terms_as_the_table_rows_do)
{
    /* the builder and a table row with the same terms make the same mask */
    const char *pairs[][2] = {{"padding,causal", "combined"},     {"padding,window=3", "sliding"},
                              {"padding,document", "packed"},     {"padding,sinks=1", "sink"},
                              {"padding,strided=3", "strided"}};
    Scenario *sc = load("{\"sentences\": [" S0 ", " S1 ", [17, 18, 19, 20]]}");
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        Engine *b = built(sc, pairs[i][0]), *t = compute(sc, pairs[i][1]);
        cr_assert(same_mask(b, t), "%s is the %s mode's mask", pairs[i][0], pairs[i][1]);
        engine_free(b);
        engine_free(t);
    }
    scenario_free(sc);
}

Test(families, the_mask_builder_by_hand)
{
    /* "The cat ate" padded to 5, causal, W = 2: query q sees k in (q-2, q],
     * then the padding keys 3 and 4 go; row 4 (a [PAD] query) keeps none */
    Scenario *sc = scenario_default();
    Engine *e = built(sc, "padding,causal,window=2");
    cr_assert_eq(sc->window, 2, "window=2 is written into the scenario");
    const char *want[5] = {"1....", "11...", ".11..", "..1..", "....."};
    const Tensor *m = engine_tensor(e, T_MASK);
    for (int q = 0; q < 5; q++)
        for (int k = 0; k < 5; k++) {
            float v = m->data[q * 5 + k]; /* sentence 0 */
            cr_assert(want[q][k] == '1' ? v == 0 : isinf(v) && v < 0, "mask[0][%d][%d] = %g", q, k, v);
        }
    engine_free(e);
    scenario_free(sc);
}

Test(families, a_bad_term_list_is_refused_and_changes_nothing)
{
    const char *bad[][2] = {
        {"", "name at least one term"},
        {"padding,", "empty or over-long item"},
        {"padding,,causal", "empty or over-long item"},
        {"fish", "'fish' is not a mask term"},
        {"causal,causal", "causal is given twice"},
        {"padding=1", "padding takes no value"},
        {"window=0", "from 1 to"},
        {"window=3x", "from 1 to"},
        {"sinks=-1", "from 0 to"},
        {"global=0+99", "give token positions 0..4"},
        {"global=+", "give token positions"},
    };
    Scenario *sc = scenario_default();
    int window = sc->window, nglobal = sc->nglobal;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[256] = "";
        cr_assert_null(mode_build(bad[i][0], sc, err, sizeof err), "'%s' is refused", bad[i][0]);
        cr_assert(strstr(err, bad[i][1]), "'%s': %s", bad[i][0], err);
        cr_assert(strncmp(err, "--terms: ", 9) == 0, "%s", err);
    }
    char err[256];
    cr_assert_null(mode_build("window=2,fish", sc, err, sizeof err));
    cr_assert_eq(sc->window, window, "a refused list sets no value");
    cr_assert_eq(sc->nglobal, nglobal);
    scenario_free(sc);
}
