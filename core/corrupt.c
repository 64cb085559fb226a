/* Pretraining corruption, as the papers' code does it.
 *
 * BERT (mode bert) on "The cat ate fish pie":
 *
 *     original   The  cat  ate     fish  pie
 *     chosen           x            x           each position with p = 0.15
 *     action          [MASK]      random        80% [MASK], 10% random, 10% kept
 *     bert_input The [MASK] ate    pie   pie
 *     labels     -100  2   -100     4   -100    the original id where chosen
 *
 * The loss is scored wherever labels != -100: the kept and random
 * positions too, which `batch == MASK` would miss. Selection follows
 * Hugging Face's DataCollatorForLanguageModeling (bernoulli), the
 * original create_pretraining_data.py (count: shuffle the candidate
 * words, take them while they fit in max(1, round(p·n)), at most
 * max_predictions) or SpanBERT (span: spans of Geo(0.2) whole words, at
 * most 10, from a uniformly drawn anchor, until ceil(p·n) tokens are
 * covered; one action per span). Whole-word masking chooses the "##"
 * pieces of a word together; the action is still drawn per position, as
 * both codebases do. A random word is drawn from every known token that
 * is not special, the original included.
 *
 * T5 (mode t5) on a sentence of n tokens, as random_spans_noise_mask:
 * noise = round(n·0.15) tokens in spans = round(noise / 3) spans; the
 * noise tokens are cut into that many non-empty spans and the others
 * into as many non-empty gaps, both uniformly at random, and they
 * alternate, gap first:
 *
 *     original  The cat ate fish pie and chips       (n = 7: noise 1, one span)
 *     noise      .   .   .   .    .   .    x
 *     t5_input  The cat ate fish pie and <extra_id_0>
 *     t5_target <extra_id_0> chips <extra_id_1>
 *
 * Each span becomes one sentinel in the input; the target is each
 * sentinel followed by its span, closed by a final sentinel (the T5
 * paper's figure). T5 rounds in float32, half to even; so does this.
 *
 * Draws: every random number is rng_uniform(seed, stream, s·2³² + k) for
 * sentence s (rng.h lists what k counts in each stream); a shuffle of m
 * items is Fisher–Yates from the end, step j (m−1 … 1) swapping item j
 * with item floor(u·(j+1)). */
#include "corrupt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "xmalloc.h"

/* one zeroed entry (or row pointer) per sentence */
#define PER_SENTENCE(field, B) ((field) = xcalloc((size_t)(B), sizeof *(field)))

static double draw(uint64_t seed, uint64_t stream, int s, int k)
{
    return rng_uniform(seed, stream, (uint64_t)s << 32 | (uint32_t)k);
}

/* Fisher–Yates: step j (m − 1 down to 1) swaps v[j] with v[floor(u·(j + 1))] */
static void shuffle(int *v, int m, uint64_t seed, uint64_t stream, int s)
{
    for (int j = m - 1; j >= 1; j--) {
        int k = (int)(draw(seed, stream, s, j) * (j + 1));
        int t = v[j];
        v[j] = v[k];
        v[k] = t;
    }
}

bool corrupt_is_special(const Scenario *sc, int id)
{
    if (id == sc->pad_id || id == sc->mask_id)
        return true;
    const char *w = scenario_word(sc, id);
    size_t n = w ? strlen(w) : 0;
    return n >= 2 && ((w[0] == '[' && w[n - 1] == ']') || (w[0] == '<' && w[n - 1] == '>'));
}

bool corrupt_is_piece(const Scenario *sc, int id)
{
    const char *w = scenario_word(sc, id);
    return w && strncmp(w, "##", 2) == 0 && w[2];
}

/* ---- BERT ---- */

/* what may be chosen, as units: words (a word and its "##" pieces) when
 * whole, else single positions; special tokens are in none */
typedef struct Units {
    int n;
    int *first, *len;
    int *of;     /* [position]: its unit, -1 for a special token */
} Units;

static Units units_of(const Scenario *sc, const int *ids, int n, bool whole)
{
    Units u = {.first = xcalloc((size_t)n + 1, sizeof(int)), .len = xcalloc((size_t)n + 1, sizeof(int)),
               .of = xcalloc((size_t)n + 1, sizeof(int))};
    for (int i = 0; i < n; i++) {
        u.of[i] = -1;
        if (corrupt_is_special(sc, ids[i]))
            continue;
        if (whole && i > 0 && u.of[i - 1] >= 0 && corrupt_is_piece(sc, ids[i])) {
            u.of[i] = u.n - 1;
            u.len[u.n - 1]++;
            continue;
        }
        u.first[u.n] = i;
        u.len[u.n] = 1;
        u.of[i] = u.n++;
    }
    return u;
}

static void units_free(Units *u)
{
    free(u->first);
    free(u->len);
    free(u->of);
}

int *corrupt_word_ids(const Scenario *sc, int *n)
{
    int cap = sc->vocab.count + sc->id_labels.count + 1;
    int *pool = xcalloc((size_t)cap, sizeof *pool);
    *n = 0;
    for (int k = 0; k < 2; k++) {
        const Vocab *v = k ? &sc->id_labels : &sc->vocab;
        for (int i = 0; i < v->count; i++)
            if (!corrupt_is_special(sc, v->ids[i]))
                pool[(*n)++] = v->ids[i];
    }
    /* insertion sort: the vocabulary is small and mostly in order already */
    for (int i = 1; i < *n; i++)
        for (int j = i; j > 0 && pool[j - 1] > pool[j]; j--) {
            int t = pool[j];
            pool[j] = pool[j - 1];
            pool[j - 1] = t;
        }
    return pool;
}

static CorruptAction action_for(double u)
{
    return u < 0.8 ? CORRUPT_MASK : u < 0.9 ? CORRUPT_RANDOM : CORRUPT_KEEP;
}

/* position i of sentence s gets action a: its id in bert_input */
static void apply(BertDraw *d, const Scenario *sc, const int *pool, int npool, int s, int i, CorruptAction a)
{
    d->action[s][i] = a;
    if (a == CORRUPT_MASK)
        d->input[s][i] = sc->mask_id;
    else if (a == CORRUPT_RANDOM)
        d->input[s][i] = pool[(int)(draw(sc->bert.seed, RNG_BERT_RANDOM, s, i) * npool)];
}

/* choose unit u of sentence s (first and last name the whole unit) */
static int choose(BertDraw *d, const Units *un, int s, int u)
{
    int f = un->first[u], l = f + un->len[u] - 1;
    for (int i = f; i <= l; i++) {
        d->first[s][i] = f;
        d->last[s][i] = l;
        d->action[s][i] = CORRUPT_KEEP; /* chosen; the action is drawn next */
    }
    return un->len[u];
}

/* SpanBERT's span length in words: Geo(0.2) on 1 … 10, renormalised */
static int span_length(double u)
{
    double w[CORRUPT_SPAN_MAX], total = 0, q = 1;
    for (int l = 0; l < CORRUPT_SPAN_MAX; l++) {
        w[l] = CORRUPT_SPAN_P * q;
        q *= 1 - CORRUPT_SPAN_P;
        total += w[l];
    }
    double acc = 0;
    for (int l = 0; l < CORRUPT_SPAN_MAX; l++) {
        acc += w[l] / total;
        if (u < acc)
            return l + 1;
    }
    return CORRUPT_SPAN_MAX;
}

/* SpanBERT: spans of whole words from uniformly drawn anchors until the
 * budget is covered; a span stops at its length, at a special token, at
 * a word already chosen, at the sentence's end or at the budget (even
 * inside a word, as SpanBERT's code does); one action per span */
static void choose_spans(BertDraw *d, const Scenario *sc, const Units *un, int s, const int *pool, int npool)
{
    int n = d->lengths[s];
    uint64_t seed = sc->bert.seed;
    int *free_at = xcalloc((size_t)n + 1, sizeof *free_at);
    int chosen = 0;
    for (int k = 0; chosen < d->budget[s]; k++) {
        int words = span_length(draw(seed, RNG_BERT_SPAN, s, 2 * k));
        int nfree = 0;
        for (int i = 0; i < n; i++)
            if (un->of[i] >= 0 && d->first[s][i] < 0)
                free_at[nfree++] = i;
        int anchor = free_at[(int)(draw(seed, RNG_BERT_SPAN, s, 2 * k + 1) * nfree)];
        int u = un->of[anchor], f = un->first[u], l = f;
        for (int w = 0; w < words && chosen < d->budget[s]; w++, u++) {
            if (u >= un->n || (w > 0 && (un->first[u] != l + 1 || d->first[s][un->first[u]] >= 0)))
                break;
            for (int i = un->first[u]; i < un->first[u] + un->len[u] && chosen < d->budget[s]; i++, chosen++)
                l = i;
        }
        CorruptAction a = action_for(draw(seed, RNG_BERT_ACTION, s, f));
        for (int i = f; i <= l; i++) {
            d->first[s][i] = f;
            d->last[s][i] = l;
            apply(d, sc, pool, npool, s, i, a);
        }
    }
    free(free_at);
}

BertDraw *corrupt_bert(const Scenario *sc)
{
    const ScenarioBert *cfg = &sc->bert;
    const Sentences *ss = &sc->sentences;
    BertDraw *d = xcalloc(1, sizeof *d);
    int B = d->count = ss->count;
    PER_SENTENCE(d->lengths, B), PER_SENTENCE(d->action, B), PER_SENTENCE(d->first, B), PER_SENTENCE(d->last, B);
    PER_SENTENCE(d->input, B), PER_SENTENCE(d->candidates, B), PER_SENTENCE(d->draws, B), PER_SENTENCE(d->budget, B);
    int npool;
    int *pool = corrupt_word_ids(sc, &npool);
    for (int s = 0; s < B; s++) {
        int n = d->lengths[s] = ss->lengths[s];
        d->action[s] = xcalloc((size_t)n + 1, sizeof **d->action);
        d->first[s] = xcalloc((size_t)n + 1, sizeof **d->first);
        d->last[s] = xcalloc((size_t)n + 1, sizeof **d->last);
        d->input[s] = xcalloc((size_t)n + 1, sizeof **d->input);
        memcpy(d->input[s], ss->ids[s], (size_t)n * sizeof(int));
        for (int i = 0; i < n; i++)
            d->first[s][i] = d->last[s][i] = -1;
        Units un = units_of(sc, ss->ids[s], n, cfg->whole_word || cfg->selection == SCENARIO_BERT_SPAN);
        for (int i = 0; i < n; i++)
            d->candidates[s] += un.of[i] >= 0;
        d->draws[s] = un.n;
        d->budget[s] = -1;
        switch (cfg->selection) {
        case SCENARIO_BERT_BERNOULLI:
            /* probability_matrix.fill_(p); special and [PAD] → 0; torch.bernoulli */
            for (int u = 0; u < un.n; u++)
                if (draw(cfg->seed, RNG_BERT_SELECT, s, un.first[u]) < cfg->probability)
                    choose(d, &un, s, u);
            break;
        case SCENARIO_BERT_COUNT: {
            /* num_to_predict = min(max_predictions_per_seq, max(1, int(round(len(tokens) * masked_lm_prob)))) */
            int want = (int)rint(n * cfg->probability);
            d->budget[s] = want < 1 ? 1 : want > cfg->max_predictions ? cfg->max_predictions : want;
            int *order = xcalloc((size_t)un.n + 1, sizeof *order);
            for (int u = 0; u < un.n; u++)
                order[u] = u;
            shuffle(order, un.n, cfg->seed, RNG_BERT_SELECT, s);
            int chosen = 0;
            for (int k = 0; k < un.n && chosen < d->budget[s]; k++)
                if (chosen + un.len[order[k]] <= d->budget[s])
                    chosen += choose(d, &un, s, order[k]);
            free(order);
            break;
        }
        case SCENARIO_BERT_SPAN: {
            int want = (int)ceil(n * cfg->probability);
            d->budget[s] = want < d->candidates[s] ? want : d->candidates[s];
            choose_spans(d, sc, &un, s, pool, npool);
            break;
        }
        }
        if (cfg->selection != SCENARIO_BERT_SPAN)
            for (int i = 0; i < n; i++)
                if (d->action[s][i] != CORRUPT_NONE)
                    apply(d, sc, pool, npool, s, i, action_for(draw(cfg->seed, RNG_BERT_ACTION, s, i)));
        units_free(&un);
    }
    free(pool);
    return d;
}

/* the first position of i's word: whole words are chosen by their first piece */
static int word_start(const Scenario *sc, int s, int i)
{
    const int *ids = sc->sentences.ids[s];
    if (!sc->bert.whole_word && sc->bert.selection != SCENARIO_BERT_SPAN)
        return i;
    while (i > 0 && corrupt_is_piece(sc, ids[i]) && !corrupt_is_special(sc, ids[i - 1]))
        i--;
    return i;
}

double corrupt_bert_choice_u(const Scenario *sc, const BertDraw *d, int s, int i)
{
    (void)d;
    if (sc->bert.selection != SCENARIO_BERT_BERNOULLI)
        return NAN;
    return draw(sc->bert.seed, RNG_BERT_SELECT, s, word_start(sc, s, i));
}

double corrupt_bert_action_u(const Scenario *sc, const BertDraw *d, int s, int i)
{
    int k = sc->bert.selection == SCENARIO_BERT_SPAN && d->first[s][i] >= 0 ? d->first[s][i] : i;
    return draw(sc->bert.seed, RNG_BERT_ACTION, s, k);
}

/* frees an array of n rows and the rows */
#define FREE_ROWS(rows, n)                                  \
    do {                                                    \
        for (int i_ = 0; (rows) && i_ < (n); i_++)          \
            free((rows)[i_]);                               \
        free(rows);                                         \
    } while (0)

void corrupt_bert_free(BertDraw *d)
{
    if (!d)
        return;
    FREE_ROWS(d->action, d->count);
    FREE_ROWS(d->first, d->count);
    FREE_ROWS(d->last, d->count);
    FREE_ROWS(d->input, d->count);
    free(d->lengths);
    free(d->candidates);
    free(d->draws);
    free(d->budget);
    free(d);
}

/* ---- T5 ---- */

void corrupt_t5_counts(int n, const ScenarioT5 *t, int *noise, int *spans)
{
    *noise = *spans = 0;
    /* T5 computes the mask for max(n, 2) tokens and cuts it to n: a
     * one-token sentence keeps its token, the noise falls off the end */
    if (n < 2 || t->noise_density == 0)
        return;
    /* num_noise_tokens = round(to_float(length) * noise_density), in float32 */
    float product = (float)n * (float)t->noise_density;
    int k = (int)rintf(product);
    k = k < 1 ? 1 : k > n - 1 ? n - 1 : k;
    float ratio = (float)k / (float)t->mean_span_length;
    int m = (int)rintf(ratio);
    m = m < 1 ? 1 : m;
    /* each span needs a gap before it; T5's code fails beyond that
     * (noise_density near 1), Hugging Face's port caps it the same way */
    if (m > n - k)
        m = n - k;
    *noise = k;
    *spans = m;
}

void corrupt_t5_lengths(int n, const ScenarioT5 *t, int *input_len, int *target_len)
{
    int k, m;
    corrupt_t5_counts(n, t, &k, &m);
    *input_len = n - k + m;
    *target_len = k + m + 1;
}

void corrupt_t5_shape(const Scenario *sc, int *input_len, int *target_len)
{
    *input_len = *target_len = 0;
    for (int s = 0; s < sc->sentences.count; s++) {
        int li, lt;
        corrupt_t5_lengths(sc->sentences.lengths[s], &sc->t5, &li, &lt);
        if (li > *input_len)
            *input_len = li;
        if (lt > *target_len)
            *target_len = lt;
    }
}

/* _random_segmentation: items cut into segs non-empty runs, uniformly:
 * the segs − 1 cuts are a shuffled choice among the items − 1 gaps */
static void segment(int items, int segs, uint64_t seed, uint64_t stream, int s, int *len)
{
    int *cut = xcalloc((size_t)items + 1, sizeof *cut);
    for (int j = 0; j < items - 1; j++)
        cut[j] = j < segs - 1;
    shuffle(cut, items - 1, seed, stream, s);
    int seg = 0;
    len[0] = 1;
    for (int j = 0; j < items - 1; j++) {
        seg += cut[j];
        len[seg]++;
    }
    free(cut);
}

int corrupt_t5_sentinel(const T5Draw *d, int id)
{
    /* sentinel_ids decrease: <extra_id_0> has the largest */
    int lo = 0, hi = d->nsentinels - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (d->sentinel_ids[mid] == id)
            return mid;
        if (d->sentinel_ids[mid] > id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

T5Draw *corrupt_t5(const Scenario *sc)
{
    const Sentences *ss = &sc->sentences;
    const ScenarioT5 *cfg = &sc->t5;
    T5Draw *d = xcalloc(1, sizeof *d);
    int B = d->count = ss->count;
    PER_SENTENCE(d->lengths, B), PER_SENTENCE(d->noise, B), PER_SENTENCE(d->noise_tokens, B), PER_SENTENCE(d->spans, B);
    PER_SENTENCE(d->input, B), PER_SENTENCE(d->target, B), PER_SENTENCE(d->input_lengths, B);
    PER_SENTENCE(d->target_lengths, B);
    /* the sentinels: ids after every id in use, <extra_id_0> the largest
     * of them, as T5's vocabulary puts it last and counts down */
    for (int s = 0; s < B; s++) {
        corrupt_t5_counts(ss->lengths[s], cfg, &d->noise_tokens[s], &d->spans[s]);
        if (d->spans[s] + 1 > d->nsentinels)
            d->nsentinels = d->spans[s] + 1;
    }
    d->sentinel_ids = xcalloc((size_t)d->nsentinels, sizeof *d->sentinel_ids);
    d->sentinel_words = xcalloc((size_t)d->nsentinels, sizeof *d->sentinel_words);
    long long id = scenario_free_id(sc);
    for (int i = d->nsentinels - 1; i >= 0; i--, id++) {
        while (id == sc->pad_id || id == sc->mask_id)
            id++;
        d->sentinel_ids[i] = (int)id;
    }
    for (int i = 0; i < d->nsentinels; i++)
        snprintf(d->sentinel_words[i], sizeof d->sentinel_words[i], "<extra_id_%d>", i);
    for (int s = 0; s < B; s++) {
        int n = d->lengths[s] = ss->lengths[s], k = d->noise_tokens[s], m = d->spans[s];
        const int *ids = ss->ids[s];
        d->noise[s] = xcalloc((size_t)n + 1, sizeof **d->noise);
        if (m > 0) {
            int *noise_len = xcalloc((size_t)m, sizeof *noise_len), *gap_len = xcalloc((size_t)m, sizeof *gap_len);
            segment(k, m, cfg->seed, RNG_T5_NOISE, s, noise_len);
            segment(n - k, m, cfg->seed, RNG_T5_GAPS, s, gap_len);
            int at = 0;
            for (int j = 0; j < m; j++) {
                at += gap_len[j];
                for (int i = 0; i < noise_len[j]; i++)
                    d->noise[s][at++] = true;
            }
            free(noise_len);
            free(gap_len);
        }
        d->input_lengths[s] = n - k + m;
        d->target_lengths[s] = k + m + 1;
        d->input[s] = xcalloc((size_t)d->input_lengths[s], sizeof **d->input);
        d->target[s] = xcalloc((size_t)d->target_lengths[s], sizeof **d->target);
        int li = 0, lt = 0, span = 0;
        for (int i = 0; i < n; i++) {
            bool starts = d->noise[s][i] && (i == 0 || !d->noise[s][i - 1]);
            if (starts) {
                d->input[s][li++] = d->sentinel_ids[span];
                d->target[s][lt++] = d->sentinel_ids[span];
                span++;
            }
            if (d->noise[s][i])
                d->target[s][lt++] = ids[i];
            else
                d->input[s][li++] = ids[i];
        }
        d->target[s][lt++] = d->sentinel_ids[span];
        EXPECT(li == d->input_lengths[s] && lt == d->target_lengths[s] && span == m);
    }
    return d;
}

void corrupt_t5_free(T5Draw *d)
{
    if (!d)
        return;
    FREE_ROWS(d->noise, d->count);
    FREE_ROWS(d->input, d->count);
    FREE_ROWS(d->target, d->count);
    free(d->lengths);
    free(d->noise_tokens);
    free(d->spans);
    free(d->input_lengths);
    free(d->target_lengths);
    free(d->sentinel_ids);
    free(d->sentinel_words);
    free(d);
}
