/* Generation with a KV cache (mode decode), held to what inference
 * promises: each decode step's output equals the same row of one causal
 * pass over the whole sequence, and of the combined mode run on the
 * sequences as sentences, for every scenario of tests/scenarios/ padded on
 * the left and on the right; the padding mask is needed at every step of
 * a left-padded batch, the causal mask changes nothing for one query (and
 * aligned top-left it hides the cache); weights are rows that sum to 1 with
 * blocked keys at exactly 0; the cache grows by one row per step; positions
 * are cumsum(attention_mask) − 1; each new token is the argmax of the tied
 * readout. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static Scenario *parse(const char *json)
{
    char err[512];
    Scenario *sc = scenario_parse(json, strlen(json), "t.json", err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    return sc;
}

/* every scenario of tests/scenarios/ and the running example, each padded
 * on the left and on the right: 2 × (files + 1) scenarios the caller frees */
static int every_scenario(Scenario **out, int max)
{
    char names[32][64];
    int n = 0, nb = test_scenario_names(names, 32);
    for (int i = 0; i < nb && n + 2 <= max; i++) {
        Scenario *base = names[i][0] ? test_scenario(names[i]) : scenario_default();
        for (int side = 0; side < 2; side++) {
            Scenario *sc = scenario_copy(base);
            sc->padding = side ? SCENARIO_PAD_RIGHT : SCENARIO_PAD_LEFT;
            sc->padding_given = true;
            out[n++] = sc;
        }
        scenario_free(base);
    }
    return n;
}

/* the scenario whose sentences are the decode's sequences (prompt and new
 * tokens, [PAD] left out), padded the same way: what the combined mode
 * computes its one pass on */
static Scenario *as_sentences(const Engine *e)
{
    const Decode *d = engine_decode(e);
    Scenario *sc = scenario_copy(engine_scenario(e));
    for (int s = 0; s < sc->sentences.count; s++)
        free(sc->sentences.ids[s]);
    for (int s = 0; s < d->B; s++) {
        sc->sentences.ids[s] = calloc((size_t)d->T, sizeof(int));
        int n = 0;
        for (int c = 0; c < d->T; c++)
            if (!d->pad[(size_t)s * d->T + c]) sc->sentences.ids[s][n++] = (int)tensor_at2(d->seq->ids, s, c);
        sc->sentences.lengths[s] = n;
    }
    /* per-token losses and weights had the prompts' shape */
    free(sc->losses);
    free(sc->loss_weights);
    sc->losses = sc->loss_weights = NULL;
    return sc;
}

/* the batch column of the k-th real token of row s, or -1 */
static int real_column(const Batch *b, int s, int k)
{
    for (int c = 0; c < b->L; c++)
        if (batch_is_real(b, s, c) && k-- == 0) return c;
    return -1;
}

Test(decode, every_step_equals_the_full_pass_and_the_combined_mode)
{
    Scenario *scs[40];
    int n = every_scenario(scs, 40), checked = 0;
    cr_assert_geq(n, 18, "the running example and the scenarios, both sides");
    for (int i = 0; i < n; i++) {
        Engine *e = compute(scs[i], "decode");
        const Decode *d = engine_decode(e);
        Scenario *whole = as_sentences(e);
        Engine *c = compute(whole, "combined");
        const Tensor *out = T(e, T_OUTPUT), *full = T(e, T_FULL_OUTPUT), *comb = T(c, T_OUTPUT);
        cr_assert_eq(engine_length(c), d->L + d->N, "%s: every sequence has its N new tokens", scs[i]->name);
        for (int s = 0; s < d->B; s++) {
            /* each step's output_t is row L + t - 1 of output, as computed from the cache */
            for (int t = 1; t <= d->N; t++) {
                const Tensor *step = T(e, engine_step_id(t, DECODE_OUTPUT));
                cr_assert(memcmp(step->data + (size_t)s * d->d, out->data + ((size_t)s * d->T + decode_column(d, t)) * d->d,
                                 (size_t)d->d * sizeof(double)) == 0);
            }
            /* every real token, the prompt's and the new ones, k-th in its row in both batches */
            for (int k = 0; k < d->seq->lengths[s]; k++) {
                int col = real_column(d->seq, s, k), cc = real_column(engine_batch(c), s, k);
                cr_assert(col >= 0 && cc >= 0);
                cr_assert_eq(tensor_at2(d->seq->ids, s, col), tensor_at2(engine_batch(c)->ids, s, cc));
                for (int j = 0; j < d->d; j++) {
                    double mine = tensor_at3(out, s, col, j);
                    cr_assert(fabs(mine - tensor_at3(full, s, col, j)) <= 1e-9, "%s: sentence %d column %d: the full pass",
                              scs[i]->name, s, col);
                    cr_assert(fabs(mine - tensor_at3(comb, s, cc, j)) <= 1e-9,
                              "%s (%s padding): sentence %d token %d: %.17g against combined's %.17g", scs[i]->name,
                              scs[i]->padding == SCENARIO_PAD_LEFT ? "left" : "right", s, k, mine,
                              tensor_at3(comb, s, cc, j));
                    checked++;
                }
            }
        }
        engine_free(c);
        scenario_free(whole);
        engine_free(e);
        scenario_free(scs[i]);
    }
    cr_assert_gt(checked, 1000);
}

Test(decode, a_left_padded_step_needs_the_padding_mask)
{
    Scenario *sc = scenario_default(); /* decode pads it on the left: sentence 0 has two [PAD], sentence 2 one */
    Engine *e = compute(sc, "decode");
    const Decode *d = engine_decode(e);
    cr_assert(d->pad[0] && d->pad[1] && !d->pad[2], "left padding");
    double out[64];
    for (int t = 1; t <= d->N; t++)
        for (int s = 0; s < d->B; s++) {
            const double *step = T(e, engine_step_id(t, DECODE_OUTPUT))->data + (size_t)s * d->d;
            decode_attend(d, t, s, DECODE_PADDING, out);
            cr_assert(memcmp(out, step, (size_t)d->d * sizeof *out) == 0, "the step is its padding mask");
            decode_attend(d, t, s, 0, out);
            double moved = 0;
            for (int j = 0; j < d->d; j++)
                moved = fmax(moved, fabs(out[j] - step[j]));
            if (s == 1) /* no [PAD]: nothing to block */
                cr_assert_eq(moved, 0, "step %d sentence 1", t);
            else
                cr_assert_gt(moved, 1e-3, "step %d sentence %d: without the padding mask the [PAD] keys leak in", t, s);
        }
    engine_free(e);
    scenario_free(sc);
}

Test(decode, one_query_needs_no_causal_mask_and_top_left_hides_the_cache)
{
    Scenario *scs[40];
    int n = every_scenario(scs, 40);
    for (int i = 0; i < n; i++) {
        Engine *e = compute(scs[i], "decode");
        const Decode *d = engine_decode(e);
        double out[64];
        for (int t = 1; t <= d->N; t++)
            for (int s = 0; s < d->B; s++) {
                const double *step = T(e, engine_step_id(t, DECODE_OUTPUT))->data + (size_t)s * d->d;
                /* aligned to the bottom-right, the causal mask keeps every cached key: bit for bit the same */
                decode_attend(d, t, s, DECODE_PADDING | DECODE_CAUSAL, out);
                cr_assert(memcmp(out, step, (size_t)d->d * sizeof *out) == 0, "%s: step %d sentence %d", scs[i]->name,
                          t, s);
                /* aligned to the top-left (the one query taken as query 0), it keeps key 0 alone */
                decode_attend(d, t, s, DECODE_PADDING | DECODE_CAUSAL_TOPLEFT, out);
                cr_assert(memcmp(out, step, (size_t)d->d * sizeof *out) != 0, "%s: step %d sentence %d: top-left",
                          scs[i]->name, t, s);
            }
        engine_free(e);
        scenario_free(scs[i]);
    }
}

Test(decode, weights_are_rows_that_sum_to_one_with_blocked_keys_at_zero)
{
    Scenario *scs[40];
    int n = every_scenario(scs, 40);
    for (int i = 0; i < n; i++) {
        Engine *e = compute(scs[i], "decode");
        const Decode *d = engine_decode(e);
        for (int t = 1; t <= d->N; t++) {
            int S = decode_cache_length(d, t);
            const Tensor *w = T(e, engine_step_id(t, DECODE_WEIGHTS)), *m = T(e, engine_step_id(t, DECODE_MASK));
            cr_assert(w->shape[0] == d->B && w->shape[1] == 1 && w->shape[2] == S);
            for (int s = 0; s < d->B; s++) {
                double sum = 0;
                for (int k = 0; k < S; k++) {
                    double wk = w->data[(size_t)s * S + k], mk = m->data[(size_t)s * S + k];
                    /* the mask is the padding mask's row and nothing else */
                    cr_assert_eq(isinf(mk) != 0, d->pad[(size_t)s * d->T + k], "%s: step %d mask", scs[i]->name, t);
                    if (isinf(mk)) cr_assert(wk == 0.0, "a blocked key gets exactly 0");
                    sum += wk;
                }
                cr_assert(fabs(sum - 1) <= 1e-12, "%s: step %d sentence %d sums to %.17g", scs[i]->name, t, s, sum);
            }
        }
        engine_free(e);
        scenario_free(scs[i]);
    }
}

Test(decode, the_cache_grows_by_one_row_per_step)
{
    Scenario *sc = test_scenario("families.json");
    sc->generate = 5;
    Engine *e = compute(sc, "decode");
    const Decode *d = engine_decode(e);
    for (int t = 1; t <= d->N; t++)
        for (int kind = 0; kind < 2; kind++) {
            const Tensor *now = T(e, engine_step_id(t, kind ? DECODE_V_CACHE : DECODE_K_CACHE));
            int S = d->L + t;
            cr_assert(now->ndim == 3 && now->shape[0] == d->B && now->shape[1] == S && now->shape[2] == d->d);
            /* what was cached stays as it was: the prefill's K and V, then each step's row */
            const Tensor *before = t == 1 ? T(e, kind ? T_V : T_K)
                                          : T(e, engine_step_id(t - 1, kind ? DECODE_V_CACHE : DECODE_K_CACHE));
            int rows = S - 1;
            for (int s = 0; s < d->B; s++)
                cr_assert(memcmp(now->data + (size_t)s * S * d->d, before->data + (size_t)s * rows * d->d,
                                 (size_t)rows * d->d * sizeof(double)) == 0, "step %d sentence %d", t, s);
        }
    /* the step's scores are its query against that cache */
    const Tensor *q = T(e, engine_step_id(2, DECODE_Q)), *k = T(e, engine_step_id(2, DECODE_K_CACHE));
    const Tensor *sc2 = T(e, engine_step_id(2, DECODE_SCORES));
    int S = d->L + 2;
    for (int s = 0; s < d->B; s++)
        for (int j = 0; j < S; j++) {
            double dot = 0;
            for (int c = 0; c < d->d; c++)
                dot += q->data[(size_t)s * d->d + c] * k->data[((size_t)s * S + j) * d->d + c];
            cr_assert(fabs(sc2->data[(size_t)s * S + j] - dot / sqrt(d->d)) <= 1e-12);
        }
    engine_free(e);
    scenario_free(sc);
}

Test(decode, position_ids_are_cumsum_of_the_attention_mask_minus_one)
{
    Scenario *scs[40];
    int n = every_scenario(scs, 40);
    for (int i = 0; i < n; i++) {
        Engine *e = compute(scs[i], "decode");
        const Decode *d = engine_decode(e);
        const Tensor *pos = T(e, T_POSITION_IDS), *am = T(e, T_ATTENTION_MASK), *naive = T(e, T_NAIVE_POSITIONS);
        cr_assert(pos->shape[0] == d->B && pos->shape[1] == d->T);
        for (int s = 0; s < d->B; s++) {
            int sum = 0;
            for (int c = 0; c < d->T; c++) {
                sum += (int)tensor_at2(am, s, c);
                cr_assert_eq(tensor_at2(am, s, c), !d->pad[(size_t)s * d->T + c]);
                cr_assert_eq(tensor_at2(pos, s, c), sum - 1, "%s: sentence %d column %d", scs[i]->name, s, c);
                cr_assert_eq(tensor_at2(naive, s, c), c);
            }
            /* new token t of an n-token prompt sits at n + t - 1, whichever side the padding is on */
            for (int t = 1; t <= d->N; t++)
                cr_assert_eq(tensor_at2(pos, s, decode_column(d, t)), engine_batch(e)->lengths[s] + t - 1);
        }
        engine_free(e);
        scenario_free(scs[i]);
    }
}

Test(decode, positions_from_the_left_edge_change_a_positioned_model)
{
    Scenario *sc = test_scenario("positions.json"); /* sinusoidal positions, left padding */
    Engine *e = compute(sc, "decode");
    const Decode *d = engine_decode(e);
    cr_assert(d->positions);
    cr_assert_not_null(d->naive_generated);
    cr_assert_gt(d->naive_change, 1e-3, "counted from the left edge, the outputs move");
    /* and the right positions' embeddings are the engine's own X for the prompt */
    const Tensor *X = T(e, T_EMBEDDINGS);
    for (int s = 0; s < d->B; s++)
        cr_assert(memcmp(X->data + (size_t)s * d->L * d->d, d->x->data + (size_t)s * d->T * d->d,
                         (size_t)d->L * d->d * sizeof(double)) == 0);
    engine_free(e);
    scenario_free(sc);
    /* without positions there is nothing to get wrong */
    sc = scenario_default();
    e = compute(sc, "decode");
    cr_assert_null(engine_decode(e)->naive_generated);
    engine_free(e);
    scenario_free(sc);
}

Test(decode, a_new_token_is_the_argmax_of_the_tied_readout)
{
    Scenario *scs[40];
    int n = every_scenario(scs, 40);
    for (int i = 0; i < n; i++) {
        Engine *e = compute(scs[i], "decode");
        const Decode *d = engine_decode(e);
        const Tensor *ids = T(e, T_READOUT_IDS), *E = T(e, T_READOUT), *logits = T(e, T_LOGITS);
        int V = (int)ids->size;
        cr_assert_gt(V, 0);
        for (int v = 0; v < V; v++) {
            cr_assert_not(corrupt_is_special(engine_scenario(e), (int)ids->data[v]), "no special token is read out");
            if (v) cr_assert_gt(ids->data[v], ids->data[v - 1], "in increasing order");
        }
        for (int s = 0; s < d->B; s++)
            for (int r = 0; r <= d->N; r++) {
                /* the output read: the prompt's last real token, then each step's row */
                int col = r == 0 ? batch_last_index(engine_batch(e), s) : decode_column(d, r);
                int best = 0;
                for (int v = 0; v < V; v++) {
                    double dot = 0;
                    for (int j = 0; j < d->d; j++)
                        dot += tensor_at3(T(e, T_OUTPUT), s, col, j) * tensor_at2(E, v, j);
                    double lg = tensor_at3(logits, s, r, v);
                    cr_assert(fabs(lg - dot) <= 1e-12);
                    if (lg > tensor_at3(logits, s, r, best)) best = v;
                }
                int want = (int)ids->data[best];
                int got = r < d->N ? (int)tensor_at2(T(e, T_GENERATED), s, r) : d->next[s];
                cr_assert_eq(got, want, "%s: sentence %d token %d", scs[i]->name, s, r + 1);
                if (r < d->N) cr_assert_eq(tensor_at2(T(e, T_SEQUENCES), s, decode_column(d, r + 1)), want);
            }
        engine_free(e);
        scenario_free(scs[i]);
    }
}

Test(decode, generation_pads_on_the_left_unless_told)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "decode");
    cr_assert_eq(engine_scenario(e)->padding, SCENARIO_PAD_LEFT);
    cr_assert_eq(tensor_at2(T(e, T_BATCH), 0, 0), 0, "[PAD] first");
    cr_assert_eq(T(e, T_LAST_INDEX)->data[0], 4, "every prompt ends in the last column");
    cr_assert_eq(sc->padding, SCENARIO_PAD_RIGHT, "the scenario itself is left as it was");
    engine_free(e);
    scenario_free(sc);
    sc = parse("{\"sentences\": [\"The cat ate\", \"The cat ate fish pie\"], \"padding\": \"right\", \"generate\": 2}");
    e = compute(sc, "decode");
    const Decode *d = engine_decode(e);
    cr_assert_eq(engine_scenario(e), sc, "padded as written");
    cr_assert_eq(d->N, 2);
    /* the cache grows at its end: the short prompt's [PAD]s sit between it and its new tokens */
    cr_assert(!d->pad[2] && d->pad[3] && d->pad[4] && !d->pad[5] && !d->pad[6]);
    cr_assert_eq(d->last[0], 2, "its next token is read at its last real token, not at column -1");
    engine_free(e);
    scenario_free(sc);
}

Test(decode, the_storyboard_has_a_step_per_new_token)
{
    const char *tail[] = {"equivalence", "alignment"};
    for (int N = 1; N <= MS_MAX_GENERATE; N += 3) {
        Scenario *sc = scenario_default();
        sc->generate = N;
        StepsNames names;
        cr_assert_eq(steps_story(mode_find("decode"), sc, &names), 5 + N);
        Engine *e = compute(sc, "decode");
        for (int s = -1; s < 3; s++) {
            Steps *st = story(e, s);
            cr_assert_eq(steps_count(st), 5 + N);
            cr_assert_str_eq(steps_slug(st, 0), "prompt");
            cr_assert_str_eq(steps_slug(st, 2), "prefill");
            for (int t = 1; t <= N; t++) {
                char slug[16], title[64];
                snprintf(slug, sizeof slug, "decode%d", t);
                snprintf(title, sizeof title, "Decode step %d: cache S = %d", t, 5 + t);
                cr_assert_str_eq(names.slug[2 + t], slug);
                cr_assert_eq(steps_find(st, slug), 2 + t);
                const Step *sp = steps_at(st, 2 + t);
                cr_assert_str_eq(sp->title, title, "the strip reads the cache growing");
                cr_assert_gt(sp->npanels, 0);
                /* its matrices are one query row against the S cached keys */
                cr_assert_eq(sp->panels[0].view.shape[0], 1);
                cr_assert_eq(sp->panels[0].view.shape[1], 5 + t);
            }
            for (int k = 0; k < 2; k++)
                cr_assert_str_eq(steps_slug(st, 3 + N + k), tail[k]);
            for (int i = 0; i < steps_count(st); i++) {
                const Step *sp = steps_at(st, i);
                cr_assert_gt(strlen(sp->formula), 0, "%s", sp->slug);
                cr_assert_gt(strlen(sp->caption), 0, "%s", sp->slug);
                cr_assert_gt(sp->npanels, 0, "%s", sp->slug);
                /* every cell has its arithmetic or its reason */
                for (int p = 0; p < sp->npanels; p++) {
                    char tip[1024];
                    cr_assert(steps_explain(st, i, p, 0, 0, tip, sizeof tip), "%s panel %d", sp->slug, p);
                    cr_assert_gt(strlen(tip), 10, "%s panel %d: %s", sp->slug, p, tip);
                }
            }
            steps_free(st);
        }
        engine_free(e);
        scenario_free(sc);
    }
}

Test(decode, a_decode_step_says_the_padding_mask_is_needed)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "decode");
    Steps *st = story(e, 0);
    const Step *sp = steps_at(st, steps_find(st, "decode1"));
    cr_assert(strstr(sp->note, "the padding mask is needed at every step"), "%s", sp->note);
    cr_assert(strstr(sp->caption, "causal mask would block nothing"), "%s", sp->caption);
    steps_free(st);
    st = story(e, 1); /* no [PAD] in sentence 1 */
    sp = steps_at(st, steps_find(st, "decode1"));
    cr_assert(strstr(sp->note, "shorter prompts need it"), "%s", sp->note);
    steps_free(st);
    engine_free(e);
    scenario_free(sc);
}

Test(decode, the_causal_mask_of_several_queries_is_aligned_bottom_right)
{
    /* q = S: both alignments are the square causal mask */
    Tensor *a = decode_aligned_causal(4, 4, true), *b = decode_aligned_causal(4, 4, false), *c = mask_causal(4);
    cr_assert(tensor_equal(a, c) && tensor_equal(b, c));
    tensor_free(a);
    tensor_free(b);
    tensor_free(c);
    /* one query against S keys: bottom-right keeps all, top-left key 0 alone */
    a = decode_aligned_causal(1, 6, true);
    b = decode_aligned_causal(1, 6, false);
    for (int k = 0; k < 6; k++) {
        cr_assert_eq(a->data[k], 0.0);
        cr_assert_eq(isinf(b->data[k]) != 0, k > 0);
    }
    tensor_free(a);
    tensor_free(b);
    /* the engine's, for the scenario's N new queries or --queries */
    Scenario *sc = scenario_default();
    sc->queries = 2;
    Engine *e = compute(sc, "decode");
    const Tensor *br = T(e, T_CAUSAL_BOTTOMRIGHT), *tl = T(e, T_CAUSAL_TOPLEFT);
    cr_assert(br->ndim == 2 && br->shape[0] == 2 && br->shape[1] == 8);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 8; k++) {
            cr_assert_eq(isinf(tensor_at2(br, i, k)) != 0, k > i + 6);
            cr_assert_eq(isinf(tensor_at2(tl, i, k)) != 0, k > i);
        }
    engine_free(e);
    scenario_free(sc);
}

Test(decode, too_long_a_generation_is_refused_with_a_reason)
{
    /* 4096 prompt tokens and 10 more: (4106)² cells are more than MS_MAX_ATTN_CELLS */
    Scenario *sc = scenario_default();
    sc->generate = 10;
    free(sc->sentences.ids[0]);
    sc->sentences.ids[0] = calloc(MS_MAX_SEQ_LEN, sizeof(int));
    for (int i = 0; i < MS_MAX_SEQ_LEN; i++) sc->sentences.ids[0][i] = 1 + i % 5;
    sc->sentences.lengths[0] = MS_MAX_SEQ_LEN;
    sc->sentences.count = 1;
    free(sc->losses);
    sc->losses = NULL;
    char err[256];
    cr_assert_null(engine_new(sc, mode_find("decode"), err, sizeof err));
    cr_assert(strstr(err, "mode decode: 1 prompt of up to 4096 tokens and 10 new tokens each"), "%s", err);
    sc->sentences.count = 3;
    scenario_free(sc);
}
