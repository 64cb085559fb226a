/* Pretraining corruption (corrupt.h) and what the engine makes of it:
 * BERT's shares over a 64 × 64-token batch against the published rates,
 * its selections' exact counts, whole words and spans; T5's counts
 * against the formulas written out here, and the round trip — every
 * sentinel of t5_input replaced by its span from t5_target gives the
 * sentence back — for every test scenario and many seeds. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corrupt.h"
#include "rng.h"
#include "strbuf.h"
#include "support.h"

/* a scenario from JSON text; the test frees it */
static Scenario *parse(const char *json)
{
    char err[512];
    Scenario *sc = scenario_parse(json, strlen(json), "t.json", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    return sc;
}

/* B sentences of n tokens: "[CLS] w1 … w(n−2) [SEP]", words from a vocabulary of 200, plus `extra` keys */
static Scenario *wide(int B, int n, const char *extra)
{
    Strbuf sb = {0};
    strbuf_puts(&sb, "{\"sentences\": [");
    for (int s = 0; s < B; s++) {
        strbuf_printf(&sb, "%s\"[CLS]", s ? ", " : "");
        for (int i = 1; i < n - 1; i++)
            strbuf_printf(&sb, " w%d", (s * 31 + i * 7) % 200);
        strbuf_puts(&sb, " [SEP]\"");
    }
    strbuf_printf(&sb, "]%s%s}", extra[0] ? ", " : "", extra);
    Scenario *sc = parse(sb.data);
    strbuf_free(&sb);
    return sc;
}

/* ---- BERT ---- */

typedef struct Shares {
    int candidates, chosen, mask, random, kept;
} Shares;

static Shares shares(const Scenario *sc, const BertDraw *d)
{
    Shares t = {0};
    for (int s = 0; s < d->count; s++)
        for (int i = 0; i < d->lengths[s]; i++) {
            int id = sc->sentences.ids[s][i];
            bool special = id == sc->pad_id || id == sc->mask_id || scenario_word(sc, id)[0] == '[';
            t.candidates += !special;
            CorruptAction a = d->action[s][i];
            cr_assert(!special || a == CORRUPT_NONE, "special token %s chosen", scenario_word(sc, id));
            t.chosen += a != CORRUPT_NONE;
            t.mask += a == CORRUPT_MASK;
            t.random += a == CORRUPT_RANDOM;
            t.kept += a == CORRUPT_KEEP;
        }
    return t;
}

/* the issue's test: [MASK]/random/kept 0.8/0.1/0.1 within ±0.05 of the
 * chosen, chosen 0.15 ± 0.03 of the candidates, no special token chosen;
 * for twenty seeds, each on its own */
Test(corrupt, bert_shares_match_the_published_rates)
{
    for (int seed = 0; seed < 20; seed++) {
        char extra[64];
        snprintf(extra, sizeof extra, "\"bert\": {\"seed\": %d}", seed);
        Scenario *sc = wide(64, 64, extra);
        BertDraw *d = corrupt_bert(sc);
        Shares t = shares(sc, d);
        cr_assert_eq(t.candidates, 64 * 62);
        double chosen = (double)t.chosen / t.candidates;
        cr_assert(fabs(chosen - 0.15) <= 0.03, "seed %d: chosen share %.4f", seed, chosen);
        cr_assert(fabs((double)t.mask / t.chosen - 0.8) <= 0.05, "seed %d: [MASK] share %.4f", seed,
                  (double)t.mask / t.chosen);
        cr_assert(fabs((double)t.random / t.chosen - 0.1) <= 0.05, "seed %d", seed);
        cr_assert(fabs((double)t.kept / t.chosen - 0.1) <= 0.05, "seed %d", seed);
        corrupt_bert_free(d);
        scenario_free(sc);
    }
}

/* the engine's tensors over the padded batch: [PAD] is never chosen, and
 * the labels, input and loss mask say what the draw did */
Test(corrupt, the_engine_never_chooses_padding_and_labels_follow_the_draw)
{
    Scenario *sc = parse("{\"sentences\": [\"[CLS] a b c d e f g h i j k l m n o p [SEP]\", \"[CLS] a b [SEP]\", \"x\"], "
                         "\"bert\": {\"probability\": 0.5, \"seed\": 4}, \"padding\": \"left\"}");
    Engine *e = compute(sc, "bert");
    const Tensor *ids = T(e, T_SOURCE), *sel = T(e, T_BERT_SELECTED), *act = T(e, T_BERT_ACTION),
                 *in = T(e, T_BATCH), *labels = T(e, T_LABELS), *lm = T(e, T_LOSS_MASK), *mp = T(e, T_MASK_POSITIONS);
    int chosen = 0;
    for (size_t i = 0; i < ids->size; i++) {
        int id = (int)ids->data[i];
        bool special = id == sc->pad_id || strcmp(scenario_word(sc, id), "[CLS]") == 0 ||
                       strcmp(scenario_word(sc, id), "[SEP]") == 0;
        if (special)
            cr_assert(sel->data[i] == 0 && act->data[i] == CORRUPT_NONE && labels->data[i] == -100);
        cr_assert_eq(sel->data[i] != 0, act->data[i] != CORRUPT_NONE);
        /* labels: the original where chosen, −100 elsewhere; the loss mask is labels != −100 */
        cr_assert_eq(labels->data[i], sel->data[i] ? ids->data[i] : -100);
        cr_assert_eq(lm->data[i], labels->data[i] != -100);
        cr_assert_eq(mp->data[i], in->data[i] == sc->mask_id);
        switch ((int)act->data[i]) {
        case CORRUPT_NONE: case CORRUPT_KEEP: cr_assert_eq(in->data[i], ids->data[i]); break;
        case CORRUPT_MASK: cr_assert_eq(in->data[i], sc->mask_id); break;
        case CORRUPT_RANDOM: {
            const char *w = scenario_word(sc, (int)in->data[i]);
            cr_assert(w && w[0] != '[', "a random word is a word, not %s", w ? w : "?");
            break;
        }
        }
        chosen += sel->data[i] != 0;
    }
    cr_assert_gt(chosen, 4);
    /* the mean: over the chosen positions, the notebook's batch == MASK mean over [MASK] alone */
    const Tensor *losses = T(e, T_LOSSES);
    double num = 0, den = 0, mnum = 0, mden = 0;
    for (size_t i = 0; i < losses->size; i++) {
        if (labels->data[i] != -100) num += losses->data[i], den++;
        if (in->data[i] == sc->mask_id) mnum += losses->data[i], mden++;
    }
    cr_assert_float_eq(engine_loss(e), num / den, 1e-12);
    cr_assert_float_eq(engine_loss_mask_only(e), mnum / mden, 1e-12);
    engine_free(e);
    scenario_free(sc);
}

/* the generator as the README documents it: position i of sentence s is
 * chosen when u(seed, 7, s·2³² + i) < p, and its action is u(seed, 8, …) */
Test(corrupt, bert_draws_are_the_documented_streams)
{
    Scenario *sc = wide(4, 40, "\"bert\": {\"seed\": 123, \"probability\": 0.3}");
    BertDraw *d = corrupt_bert(sc);
    for (int s = 0; s < 4; s++)
        for (int i = 1; i < 39; i++) {
            uint64_t k = (uint64_t)s << 32 | (uint64_t)i;
            bool chosen = rng_uniform(123, 7, k) < 0.3;
            cr_assert_eq(d->action[s][i] != CORRUPT_NONE, chosen, "s %d i %d", s, i);
            if (!chosen) continue;
            double u = rng_uniform(123, 8, k);
            CorruptAction want = u < 0.8 ? CORRUPT_MASK : u < 0.9 ? CORRUPT_RANDOM : CORRUPT_KEEP;
            cr_assert_eq(d->action[s][i], want);
        }
    /* the same seed draws the same; another seed draws something else */
    BertDraw *again = corrupt_bert(sc);
    sc->bert.seed = 124;
    BertDraw *other = corrupt_bert(sc);
    int same = 0, differ = 0;
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < 40; i++) {
            same += again->action[s][i] == d->action[s][i] && again->input[s][i] == d->input[s][i];
            differ += other->action[s][i] != d->action[s][i];
        }
    cr_assert_eq(same, 160);
    cr_assert_gt(differ, 10);
    corrupt_bert_free(other);
    corrupt_bert_free(again);
    corrupt_bert_free(d);
    scenario_free(sc);
}

/* BERT's own code: exactly min(max_predictions, max(1, round(p·n))) a
 * sentence — Python's round, half to even: round(0.15 · 10) = round(1.5) = 2 */
Test(corrupt, count_selection_takes_exactly_num_to_predict)
{
    static const struct {
        int n, max;
        double p;
        int want;
    } cases[] = {
        {64, 20, 0.15, 10}, /* round(9.6) */
        {10, 20, 0.15, 2},  /* round(1.5): half to even */
        {30, 20, 0.15, 4},  /* round(4.5) = 4, not 5 */
        {3, 20, 0.15, 1},   /* round(0.45) = 0, at least 1 */
        {200, 20, 0.15, 20}, /* round(30) capped at max_predictions */
        {64, 5, 0.5, 5},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char extra[128];
        snprintf(extra, sizeof extra,
                 "\"bert\": {\"selection\": \"count\", \"probability\": %g, \"max_predictions\": %d, \"seed\": %zu}",
                 cases[c].p, cases[c].max, c);
        /* n tokens, none special: a sentence of plain words */
        Strbuf sb = {0};
        strbuf_puts(&sb, "{\"sentences\": [\"");
        for (int i = 0; i < cases[c].n; i++)
            strbuf_printf(&sb, "%sw%d", i ? " " : "", i % 50);
        strbuf_printf(&sb, "\"], %s}", extra);
        Scenario *sc = parse(sb.data);
        strbuf_free(&sb);
        BertDraw *d = corrupt_bert(sc);
        int chosen = 0;
        for (int i = 0; i < d->lengths[0]; i++)
            chosen += d->action[0][i] != CORRUPT_NONE;
        cr_assert_eq(chosen, cases[c].want, "n %d p %g: chose %d", cases[c].n, cases[c].p, chosen);
        corrupt_bert_free(d);
        scenario_free(sc);
    }
}

/* whole words: a word and its ## pieces are chosen together, or not at
 * all; the action is still drawn per piece, as both codebases do */
Test(corrupt, whole_words_are_chosen_together)
{
    for (int sel = 0; sel < 2; sel++) {
        int together = 0;
        for (int seed = 0; seed < 30; seed++) {
            char json[512];
            snprintf(json, sizeof json,
                     "{\"sentences\": [\"[CLS] play ##ing the pian ##o is fun ##ny and un ##believ ##able [SEP]\"], "
                     "\"bert\": {\"whole_word\": true, \"probability\": 0.4, \"seed\": %d%s}}",
                     seed, sel ? ", \"selection\": \"count\"" : "");
            Scenario *sc = parse(json);
            BertDraw *d = corrupt_bert(sc);
            for (int i = 1; i < d->lengths[0]; i++) {
                const char *w = scenario_word(sc, sc->sentences.ids[0][i]);
                if (strncmp(w, "##", 2) != 0) continue;
                cr_assert_eq(d->action[0][i] != CORRUPT_NONE, d->action[0][i - 1] != CORRUPT_NONE, "seed %d: %s", seed, w);
                if (d->action[0][i] != CORRUPT_NONE) {
                    together++;
                    cr_assert_eq(d->first[0][i], d->first[0][i - 1]);
                }
            }
            corrupt_bert_free(d);
            scenario_free(sc);
        }
        cr_assert_gt(together, 5, "pieces were chosen at all");
    }
}

/* SpanBERT: exactly ceil(p·n) tokens in spans of whole words, one action per span */
Test(corrupt, spanbert_covers_the_budget_with_whole_word_spans)
{
    long spans = 0, span_words = 0;
    for (int seed = 0; seed < 40; seed++) {
        char extra[96];
        snprintf(extra, sizeof extra, "\"bert\": {\"selection\": \"span\", \"seed\": %d}", seed);
        Scenario *sc = wide(8, 64, extra);
        BertDraw *d = corrupt_bert(sc);
        for (int s = 0; s < d->count; s++) {
            int chosen = 0;
            for (int i = 0; i < d->lengths[s]; i++) {
                if (d->action[s][i] == CORRUPT_NONE) continue;
                chosen++;
                int f = d->first[s][i], l = d->last[s][i];
                cr_assert(f <= i && i <= l);
                cr_assert_eq(d->action[s][i], d->action[s][f], "one action per span");
                if (i == f) {
                    spans++;
                    span_words += l - f + 1;
                }
            }
            cr_assert_eq(chosen, (int)ceil(64 * 0.15), "seed %d sentence %d", seed, s);
        }
        corrupt_bert_free(d);
        scenario_free(sc);
    }
    /* Geo(0.2) cut at 10 has mean 3.8 words; spans stop early at the budget, a special token or a chosen word */
    double mean = (double)span_words / spans;
    cr_assert(mean > 2 && mean < 4, "mean span %.2f words", mean);
}

/* ---- T5 ---- */

/* T5's counts written out again: float32 products rounded half to even */
static void t5_formula(int n, double density, double mean, int *noise, int *spans)
{
    *noise = *spans = 0;
    if (n < 2 || density == 0) return;
    float k = nearbyintf((float)n * (float)density);
    *noise = k < 1 ? 1 : k > n - 1 ? n - 1 : (int)k;
    float m = nearbyintf((float)*noise / (float)mean);
    *spans = m < 1 ? 1 : (int)m;
    if (*spans > n - *noise) *spans = n - *noise;
}

Test(corrupt, t5_counts_by_hand)
{
    static const struct {
        int n;
        double d, mean;
        int noise, spans;
    } cases[] = {
        {1, 0.15, 3, 0, 0},   /* the mask of two tokens, cut to one */
        {2, 0.15, 3, 1, 1},   /* round(0.3) = 0, at least 1 */
        {5, 0.15, 3, 1, 1},
        {10, 0.15, 3, 2, 1},  /* 10 · 0.15f is a tie at 1.5: even, 2 */
        {30, 0.15, 3, 4, 1},  /* 4.5 → 4 (half to even); 4 / 3 → 1 */
        {31, 0.15, 3, 5, 2},  /* 4.65 → 5; 5 / 3 → 2 */
        {100, 0.15, 3, 15, 5},
        {15, 0.3, 2, 4, 2},   /* 4.5 → 4 */
        {10, 0.9, 3, 9, 1},   /* 9 noise, one token left: one span */
        {10, 0.9, 1, 9, 1},   /* round(9 / 1) = 9 spans need 9 gaps: capped at 1 */
        {10, 0, 3, 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ScenarioT5 t = {.noise_density = cases[c].d, .mean_span_length = cases[c].mean};
        int k, m;
        corrupt_t5_counts(cases[c].n, &t, &k, &m);
        cr_assert(k == cases[c].noise && m == cases[c].spans, "n %d density %g mean %g: %d noise, %d spans", cases[c].n,
                  cases[c].d, cases[c].mean, k, m);
    }
}

/* replaces each sentinel of t5_input by the span after it in t5_target:
 * the sentence must come back, token for token */
static void round_trip(const Scenario *sc, const T5Draw *d, const char *where)
{
    for (int s = 0; s < d->count; s++) {
        int n = d->lengths[s], out[MS_MAX_SEQ_LEN + 1], len = 0;
        for (int j = 0; j < d->input_lengths[s]; j++) {
            int k = corrupt_t5_sentinel(d, d->input[s][j]);
            if (k < 0) {
                cr_assert_lt(len, n, "%s: the input is longer than the sentence", where);
                out[len++] = d->input[s][j];
                continue;
            }
            /* find <extra_id_k> in the target and copy what follows, up to the next sentinel */
            int at = 0;
            while (at < d->target_lengths[s] && d->target[s][at] != d->input[s][j]) at++;
            cr_assert_lt(at, d->target_lengths[s], "%s: sentinel %d is not in the target", where, k);
            for (at++; at < d->target_lengths[s] && corrupt_t5_sentinel(d, d->target[s][at]) < 0; at++) {
                cr_assert_lt(len, n, "%s: the spans are longer than the sentence", where);
                out[len++] = d->target[s][at];
            }
        }
        cr_assert_eq(len, n, "%s sentence %d", where, s);
        cr_assert(memcmp(out, sc->sentences.ids[s], (size_t)n * sizeof(int)) == 0, "%s sentence %d", where, s);
        /* the counts follow the formulas; the mask starts with a gap and ends with a span */
        int noise, spans, runs = 0, tokens = 0;
        t5_formula(n, sc->t5.noise_density, sc->t5.mean_span_length, &noise, &spans);
        for (int i = 0; i < n; i++) {
            tokens += d->noise[s][i];
            runs += d->noise[s][i] && (i == 0 || !d->noise[s][i - 1]);
        }
        cr_assert(tokens == noise && runs == spans, "%s sentence %d (n = %d): %d noise in %d spans, want %d in %d", where,
                  s, n, tokens, runs, noise, spans);
        if (noise) cr_assert(!d->noise[s][0] && d->noise[s][n - 1], "%s: a gap first, a span last", where);
        /* sentinels numbered in order, the target closed by <extra_id_spans> */
        for (int j = 0, next = 0; j < d->input_lengths[s]; j++) {
            int k = corrupt_t5_sentinel(d, d->input[s][j]);
            if (k >= 0) cr_assert_eq(k, next++, "%s", where);
        }
        cr_assert_eq(corrupt_t5_sentinel(d, d->target[s][d->target_lengths[s] - 1]), spans, "%s", where);
        cr_assert_eq(d->input_lengths[s], n - noise + spans);
        cr_assert_eq(d->target_lengths[s], noise + spans + 1);
    }
}

static void round_trips(Scenario *sc, const char *name)
{
    static const double settings[][2] = {{0.15, 3}, {0.3, 2}, {0.5, 1}, {0.9, 3}, {1, 1}, {0.05, 10}};
    for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++)
        for (uint64_t seed = 0; seed < 50; seed++) {
            sc->t5 = (ScenarioT5){.noise_density = settings[k][0], .mean_span_length = settings[k][1], .seed = seed};
            char where[256];
            snprintf(where, sizeof where, "%s, density %g, mean %g, seed %llu", name, settings[k][0], settings[k][1],
                     (unsigned long long)seed);
            T5Draw *d = corrupt_t5(sc);
            round_trip(sc, d, where);
            corrupt_t5_free(d);
        }
}

Test(corrupt, t5_targets_rebuild_every_test_scenario)
{
    Scenario *sc = scenario_default();
    round_trips(sc, "running example");
    scenario_free(sc);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/scenarios", getenv("MASKSCOPE_SOURCE_ROOT"));
    DIR *dp = opendir(dir);
    cr_assert_not_null(dp, "%s", dir);
    int files = 0;
    for (struct dirent *de; (de = readdir(dp));) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
        char path[1024], err[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        bool io;
        sc = scenario_load(path, &io, err, sizeof err);
        cr_assert_not_null(sc, "%s", err);
        round_trips(sc, de->d_name);
        scenario_free(sc);
        files++;
    }
    closedir(dp);
    cr_assert_geq(files, 6);
}

/* every length from 1 to 300: the formulas, and the round trip */
Test(corrupt, t5_counts_follow_the_formulas_at_every_length)
{
    for (int n = 1; n <= 300; n += n < 40 ? 1 : 7) {
        Strbuf sb = {0};
        strbuf_puts(&sb, "{\"sentences\": [\"");
        for (int i = 0; i < n; i++) strbuf_printf(&sb, "%sw%d", i ? " " : "", i);
        strbuf_printf(&sb, "\"], \"t5\": {\"seed\": %d}}", n);
        Scenario *sc = parse(sb.data);
        strbuf_free(&sb);
        T5Draw *d = corrupt_t5(sc);
        char where[32];
        snprintf(where, sizeof where, "n = %d", n);
        round_trip(sc, d, where);
        corrupt_t5_free(d);
        scenario_free(sc);
    }
}

/* the sentinels take ids no word has, <extra_id_0> the largest, and skip [PAD] and [MASK] */
Test(corrupt, sentinel_ids_are_new_and_count_down)
{
    Scenario *sc = parse("{\"sentences\": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, "
                         "23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33]], \"mask_id\": 35, \"t5\": {\"noise_density\": 0.5}}");
    T5Draw *d = corrupt_t5(sc);
    cr_assert_geq(d->nsentinels, 3);
    for (int i = 0; i < d->nsentinels; i++) {
        cr_assert_gt(d->sentinel_ids[i], 33);
        cr_assert_neq(d->sentinel_ids[i], 35);
        if (i) cr_assert_lt(d->sentinel_ids[i], d->sentinel_ids[i - 1]);
        char want[32];
        snprintf(want, sizeof want, "<extra_id_%d>", i);
        cr_assert_str_eq(d->sentinel_words[i], want);
    }
    cr_assert_eq(d->sentinel_ids[d->nsentinels - 1], 34);
    corrupt_t5_free(d);
    scenario_free(sc);
}

/* the engine: t5_target is the decoder's batch, every real target token
 * is scored, and the sentinels are labelled with their names */
Test(corrupt, t5_labels_score_every_real_target_token)
{
    Scenario *sc = parse("{\"sentences\": [\"a b c d e f g h i j\", \"k l\", \"m n o p q r s t u v w x y z\"], "
                         "\"t5\": {\"noise_density\": 0.3, \"mean_span_length\": 2, \"seed\": 9}}");
    Engine *e = compute(sc, "t5");
    const T5Draw *d = engine_t5(e);
    const Tensor *tgt = T(e, T_QUERY_BATCH), *labels = T(e, T_LABELS), *lm = T(e, T_LOSS_MASK);
    cr_assert_eq(tgt->shape[1], 4 + 2 + 1); /* the longest target: 14 tokens, 4 noise in 2 spans, a final sentinel */
    for (int s = 0; s < 3; s++)
        for (int p = 0; p < tgt->shape[1]; p++) {
            size_t i = (size_t)s * tgt->shape[1] + p;
            bool real = p < d->target_lengths[s];
            cr_assert_eq(labels->data[i], real ? tgt->data[i] : -100);
            cr_assert_eq(lm->data[i], real);
            int k = corrupt_t5_sentinel(d, (int)tgt->data[i]);
            if (real && k >= 0) cr_assert_str_eq(engine_query_labels(e, s)[p], d->sentinel_words[k]);
        }
    const Tensor *lens = T(e, T_QUERY_LENGTHS), *in_lens = T(e, T_LENGTHS);
    for (int s = 0; s < 3; s++) {
        cr_assert_eq(lens->data[s], d->target_lengths[s]);
        cr_assert_eq(in_lens->data[s], d->input_lengths[s]);
    }
    engine_free(e);
    scenario_free(sc);
}
