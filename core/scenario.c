/* A scenario is the input to everything: a handful of sentences and the
 * knobs around them. The built-in one is the notebook's running example:
 *
 *     The cat ate            -> [1, 2, 3]
 *     The cat ate fish pie   -> [1, 2, 3, 4, 5]
 *     The cat ate fish       -> [1, 2, 3, 4]
 *
 * with PAD = 0, MASK = 999, the notebook's printed batch_losses and its
 * three masked sentences for MLM. A JSON file may change any of it; the
 * loader checks every field at the boundary and names the place of the
 * first problem, so nothing downstream ever sees a bad value. */
#include "scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "rng.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

static const char *const notebook_words[] = {"The", "cat", "ate", "fish", "pie"};
static const double notebook_losses[3 * 5] = {
    0.5135, 0.5513, 0.9017, 0.4005, 0.0784,
    0.4215, 0.5581, 0.8376, 0.8771, 0.9324,
    0.2851, 0.7234, 0.5639, 0.6350, 0.9162,
};
static const char *const notebook_sentences[] = {"The cat ate", "The cat ate fish pie", "The cat ate fish"};
/* mlm_batch: "The cat ate fish pie" three times, with these positions masked */
static const int notebook_mlm_masked[3][5] = {{0, 1, 0, 0, 1}, {1, 0, 1, 0, 0}, {0, 0, 0, 1, 0}};

/* ---- small pieces ---- */

static void sentences_free(Sentences *s)
{
    for (int i = 0; i < s->count; i++)
        free(s->ids[i]);
    free(s->ids);
    free(s->lengths);
    *s = (Sentences){0};
}

static void sentences_alloc(Sentences *s, int count)
{
    s->count = count;
    s->ids = xcalloc((size_t)count, sizeof *s->ids);
    s->lengths = xcalloc((size_t)count, sizeof *s->lengths);
}

static void sentences_copy(Sentences *dst, const Sentences *src)
{
    sentences_alloc(dst, src->count);
    for (int i = 0; i < src->count; i++) {
        dst->lengths[i] = src->lengths[i];
        dst->ids[i] = xcalloc((size_t)src->lengths[i] + 1, sizeof(int));
        memcpy(dst->ids[i], src->ids[i], (size_t)src->lengths[i] * sizeof(int));
    }
}

int scenario_longest(const Sentences *s)
{
    int L = 0;
    for (int i = 0; i < s->count; i++)
        if (s->lengths[i] > L)
            L = s->lengths[i];
    return L;
}

static int vocab_find(const Vocab *v, const char *word)
{
    for (int i = 0; i < v->count; i++)
        if (strcmp(v->words[i], word) == 0)
            return v->ids[i];
    return -1;
}

static bool vocab_has_id(const Vocab *v, int id)
{
    for (int i = 0; i < v->count; i++)
        if (v->ids[i] == id)
            return true;
    return false;
}

static void vocab_add(Vocab *v, const char *word, int id)
{
    v->words = xrealloc(v->words, (size_t)(v->count + 1) * sizeof *v->words);
    v->ids = xrealloc(v->ids, (size_t)(v->count + 1) * sizeof *v->ids);
    v->words[v->count] = xstrdup(word);
    v->ids[v->count] = id;
    v->count++;
}

static void vocab_free(Vocab *v)
{
    for (int i = 0; i < v->count; i++)
        free(v->words[i]);
    free(v->words);
    free(v->ids);
    *v = (Vocab){0};
}

/* distinct tokens known: words and ids given without a word */
static int vocab_size(const Scenario *sc)
{
    return sc->vocab.count + sc->id_labels.count;
}

/* one past the largest id in use (by a word or an id given alone),
 * skipping [PAD] and [MASK]; may exceed MS_MAX_TOKEN_ID, which the caller
 * checks */
static long long next_free_id(const Scenario *sc)
{
    long long id = 1;
    for (int k = 0; k < 2; k++) {
        const Vocab *v = k ? &sc->id_labels : &sc->vocab;
        for (int i = 0; i < v->count; i++)
            if (v->ids[i] >= id)
                id = (long long)v->ids[i] + 1;
    }
    while (id == sc->pad_id || id == sc->mask_id)
        id++;
    return id;
}

static void bools_free(bool **b, int count)
{
    if (!b)
        return;
    for (int i = 0; i < count; i++)
        free(b[i]);
    free(b);
}

const char *scenario_word(const Scenario *sc, int id)
{
    if (id == sc->pad_id)
        return SCENARIO_PAD_WORD;
    if (id == sc->mask_id)
        return SCENARIO_MASK_WORD;
    for (int k = 0; k < 2; k++) {
        const Vocab *v = k ? &sc->id_labels : &sc->vocab;
        for (int i = 0; i < v->count; i++)
            if (v->ids[i] == id)
                return v->words[i];
    }
    return NULL;
}

void scenario_free(Scenario *sc)
{
    if (!sc)
        return;
    free(sc->name);
    vocab_free(&sc->vocab);
    vocab_free(&sc->id_labels);
    bools_free(sc->mlm_masked, sc->mlm_source.count);
    sentences_free(&sc->sentences);
    sentences_free(&sc->mlm_source);
    sentences_free(&sc->decoder);
    free(sc->prefix);
    free(sc->losses);
    free(sc->loss_weights);
    free(sc->mlm_losses);
    free(sc);
}

static double *dup_doubles(const double *d, size_t n)
{
    if (!d)
        return NULL;
    double *c = xmalloc(n * sizeof *c);
    memcpy(c, d, n * sizeof *c);
    return c;
}

Scenario *scenario_copy(const Scenario *sc)
{
    Scenario *c = xcalloc(1, sizeof *c);
    *c = *sc;
    c->name = xstrdup(sc->name);
    c->vocab = c->id_labels = (Vocab){0};
    for (int i = 0; i < sc->vocab.count; i++)
        vocab_add(&c->vocab, sc->vocab.words[i], sc->vocab.ids[i]);
    for (int i = 0; i < sc->id_labels.count; i++)
        vocab_add(&c->id_labels, sc->id_labels.words[i], sc->id_labels.ids[i]);
    sentences_copy(&c->sentences, &sc->sentences);
    sentences_copy(&c->mlm_source, &sc->mlm_source);
    sentences_copy(&c->decoder, &sc->decoder);
    c->prefix = NULL;
    if (sc->prefix) {
        c->prefix = xcalloc((size_t)sc->sentences.count, sizeof *c->prefix);
        memcpy(c->prefix, sc->prefix, (size_t)sc->sentences.count * sizeof *c->prefix);
    }
    c->mlm_masked = xcalloc((size_t)sc->mlm_source.count, sizeof *c->mlm_masked);
    for (int i = 0; i < sc->mlm_source.count; i++) {
        size_t n = (size_t)sc->mlm_source.lengths[i];
        c->mlm_masked[i] = xcalloc(n + 1, sizeof(bool));
        memcpy(c->mlm_masked[i], sc->mlm_masked[i], n * sizeof(bool));
    }
    size_t BL = (size_t)sc->sentences.count * (size_t)scenario_longest(&sc->sentences);
    size_t mBL = (size_t)sc->mlm_source.count * (size_t)scenario_longest(&sc->mlm_source);
    c->losses = dup_doubles(sc->losses, BL);
    c->loss_weights = dup_doubles(sc->loss_weights, BL);
    c->mlm_losses = dup_doubles(sc->mlm_losses, mBL);
    return c;
}

bool scenario_toggle_mlm(Scenario *sc, int s, int pos)
{
    if (s < 0 || s >= sc->mlm_source.count || pos < 0 || pos >= sc->mlm_source.lengths[s])
        return false;
    sc->mlm_masked[s][pos] = !sc->mlm_masked[s][pos];
    return true;
}

/* n sentences of up to L tokens stay within MS_MAX_ATTN_CELLS; else why says so */
static bool cells_fit(int n, int L, char *why, size_t whylen)
{
    size_t cells = (size_t)n * (size_t)L * (size_t)L;
    if (cells <= MS_MAX_ATTN_CELLS)
        return true;
    snprintf(why, whylen, "%d sentences of up to %d tokens make %zu attention cells; the limit is %u", n, L, cells,
             (unsigned)MS_MAX_ATTN_CELLS);
    return false;
}

/* ---- tokenising: words to ids, new words get the next free id ---- */

/* splits text on ASCII white space; returns false with a message naming
 * the word on a reserved or malformed token. With labels, a word that is
 * no word of the vocabulary but the label of an id given without a word
 * ("#42") stands for that id: the editor shows such ids by their labels. */
static bool tokenize(Scenario *sc, const char *text, int **ids_out, int *len_out, bool **masked_out, bool labels,
                     char *why, size_t whylen)
{
    int cap = 8, n = 0;
    int *ids = xmalloc((size_t)cap * sizeof *ids);
    bool *masked = xcalloc((size_t)cap, sizeof *masked);
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        size_t wl = (size_t)(p - start);
        for (const char *q = start; q < p; q++) {
            if ((unsigned char)*q < 0x20 || *q == 0x7F) {
                snprintf(why, whylen, "word %d contains control character 0x%02X; words are printable text",
                         n + 1, (unsigned)(unsigned char)*q);
                goto fail;
            }
        }
        if (wl > MS_MAX_WORD_BYTES) {
            snprintf(why, whylen, "word %d is %zu bytes long; the limit is %d", n + 1, wl,
                     MS_MAX_WORD_BYTES);
            goto fail;
        }
        if (n == MS_MAX_SEQ_LEN) {
            snprintf(why, whylen, "more than %d tokens; the limit is %d per sentence", MS_MAX_SEQ_LEN,
                     MS_MAX_SEQ_LEN);
            goto fail;
        }
        char word[MS_MAX_WORD_BYTES + 1];
        memcpy(word, start, wl);
        word[wl] = '\0';
        if (n == cap) {
            cap *= 2;
            ids = xrealloc(ids, (size_t)cap * sizeof *ids);
            masked = xrealloc(masked, (size_t)cap * sizeof *masked);
        }
        masked[n] = false;
        if (strcmp(word, SCENARIO_PAD_WORD) == 0) {
            snprintf(why, whylen, "word %d is [PAD]; padding is added by maskscope, do not write it", n + 1);
            goto fail;
        } else if (strcmp(word, SCENARIO_MASK_WORD) == 0) {
            ids[n] = sc->mask_id;
            masked[n] = true;
        } else {
            int id = vocab_find(&sc->vocab, word);
            if (id < 0 && labels)
                id = vocab_find(&sc->id_labels, word);
            if (id < 0) {
                char shown[TEXT_QUOTE_BYTES];
                if (next_free_id(sc) > MS_MAX_TOKEN_ID) {
                    snprintf(why, whylen, "word %d (%s) needs a new id, but ids above %d are not allowed",
                             n + 1, text_escape(word, shown, sizeof shown), MS_MAX_TOKEN_ID);
                    goto fail;
                }
                if (vocab_size(sc) >= MS_MAX_VOCAB) {
                    snprintf(why, whylen, "word %d (%s) would grow the vocabulary past %d words",
                             n + 1, text_escape(word, shown, sizeof shown), MS_MAX_VOCAB);
                    goto fail;
                }
                id = (int)next_free_id(sc);
                vocab_add(&sc->vocab, word, id);
            }
            ids[n] = id;
        }
        n++;
    }
    if (n == 0) {
        snprintf(why, whylen, "is empty; every sentence needs at least one word");
        goto fail;
    }
    *ids_out = ids;
    *len_out = n;
    if (masked_out)
        *masked_out = masked;
    else
        free(masked);
    return true;
fail:
    free(ids);
    free(masked);
    return false;
}

/* ---- the built-in scenario ---- */

static Scenario *scenario_blank(void)
{
    Scenario *sc = xcalloc(1, sizeof *sc);
    sc->name = xstrdup("running example");
    sc->pad_id = 0;
    sc->mask_id = 999;
    sc->padding = SCENARIO_PAD_RIGHT;
    sc->d_model = 4;
    sc->generate = SCENARIO_GENERATE;
    sc->seed = 0;
    sc->nan_policy = SCENARIO_ROWS_ZERO;
    sc->window = 3;
    sc->sinks = 1;
    sc->nglobal = 1;
    sc->global[0] = 0;
    sc->bert = (ScenarioBert){.probability = 0.15, .selection = SCENARIO_BERT_BERNOULLI, .max_predictions = 20};
    sc->t5 = (ScenarioT5){.noise_density = 0.15, .mean_span_length = 3};
    for (int i = 0; i < 5; i++)
        vocab_add(&sc->vocab, notebook_words[i], i + 1);
    return sc;
}

long long scenario_free_id(const Scenario *sc)
{
    return next_free_id(sc);
}

uint64_t scenario_draw_seed(const Scenario *sc, ScenarioDraw what)
{
    switch (what) {
    case SCENARIO_DRAW_BERT: return sc->bert.seed;
    case SCENARIO_DRAW_T5: return sc->t5.seed;
    default: return 0;
    }
}

bool scenario_redraw(Scenario *sc, ScenarioDraw what)
{
    uint64_t *seed = what == SCENARIO_DRAW_BERT ? &sc->bert.seed : what == SCENARIO_DRAW_T5 ? &sc->t5.seed : NULL;
    if (!seed)
        return false;
    /* seeds are whole numbers a JSON file can hold exactly: 0 … 2^53 - 1 */
    *seed = *seed >= (uint64_t)SCENARIO_MAX_SEED ? 0 : *seed + 1;
    return true;
}

int scenario_prefix(const Scenario *sc, int s)
{
    EXPECT(s >= 0 && s < sc->sentences.count);
    if (sc->prefix)
        return sc->prefix[s];
    return (sc->sentences.lengths[s] + 1) / 2;
}

int scenario_setting(const Scenario *sc, ScenarioSetting what, int s)
{
    switch (what) {
    case SETTING_WINDOW: return sc->window;
    case SETTING_PREFIX: return scenario_prefix(sc, s);
    case SETTING_SINKS: return sc->sinks;
    case SETTING_PACK_LENGTH: return sc->pack_length ? sc->pack_length : 0;
    case SETTING_GENERATE: return sc->generate;
    default: return 0;
    }
}

bool scenario_set(Scenario *sc, ScenarioSetting what, int value)
{
    int B = sc->sentences.count, L = scenario_longest(&sc->sentences);
    switch (what) {
    case SETTING_WINDOW:
        value = value < 1 ? 1 : value > MS_MAX_WINDOW ? MS_MAX_WINDOW : value;
        if (value == sc->window) return false;
        sc->window = value;
        return true;
    case SETTING_SINKS:
        value = value < 0 ? 0 : value > MS_MAX_WINDOW ? MS_MAX_WINDOW : value;
        if (value == sc->sinks) return false;
        sc->sinks = value;
        return true;
    case SETTING_PREFIX: {
        value = value < 0 ? 0 : value > L ? L : value;
        bool changed = !sc->prefix;
        if (!sc->prefix) sc->prefix = xcalloc((size_t)B, sizeof *sc->prefix);
        for (int s = 0; s < B; s++) {
            int p = value < sc->sentences.lengths[s] ? value : sc->sentences.lengths[s];
            changed |= sc->prefix[s] != p;
            sc->prefix[s] = p;
        }
        return changed;
    }
    case SETTING_PACK_LENGTH:
        value = value < L ? L : value > MS_MAX_SEQ_LEN ? MS_MAX_SEQ_LEN : value;
        if (value == sc->pack_length) return false;
        sc->pack_length = value;
        return true;
    case SETTING_GENERATE:
        value = value < 1 ? 1 : value > MS_MAX_GENERATE ? MS_MAX_GENERATE : value;
        if (value == sc->generate) return false;
        sc->generate = value;
        return true;
    default: return false;
    }
}

/* row i of s becomes a copy of the n ids */
static void set_row(Sentences *s, int i, const int *ids, int n)
{
    free(s->ids[i]);
    s->lengths[i] = n;
    s->ids[i] = xcalloc((size_t)n + 1, sizeof(int));
    memcpy(s->ids[i], ids, (size_t)n * sizeof(int));
}

/* the default decoder sentence of a sentence of n tokens: its first half, rounded up */
static int decoder_half(int n)
{
    return (n + 1) / 2;
}

/* the decoder's sentences when the scenario names none: the first half
 * of each sentence (rounded up), a short target for cross-attention */
static void decoder_default(Scenario *sc)
{
    sentences_free(&sc->decoder);
    sentences_alloc(&sc->decoder, sc->sentences.count);
    for (int s = 0; s < sc->sentences.count; s++)
        set_row(&sc->decoder, s, sc->sentences.ids[s], decoder_half(sc->sentences.lengths[s]));
}

Scenario *scenario_default(void)
{
    char err[256];
    Scenario *sc = scenario_from_sentences(notebook_sentences, 3, err, sizeof err);
    EXPECT(sc);
    EXPECT(sc->sentences.count == 3 && scenario_longest(&sc->sentences) == 5);
    /* the MLM batch: the longest sentence three times, the notebook's masks */
    bools_free(sc->mlm_masked, sc->mlm_source.count);
    sentences_free(&sc->mlm_source);
    sentences_alloc(&sc->mlm_source, 3);
    sc->mlm_masked = xcalloc(3, sizeof *sc->mlm_masked);
    for (int s = 0; s < 3; s++) {
        sc->mlm_source.lengths[s] = 5;
        sc->mlm_source.ids[s] = xcalloc(5, sizeof(int));
        sc->mlm_masked[s] = xcalloc(5, sizeof(bool));
        for (int p = 0; p < 5; p++) {
            sc->mlm_source.ids[s][p] = sc->sentences.ids[1][p];
            sc->mlm_masked[s][p] = notebook_mlm_masked[s][p];
        }
    }
    return sc;
}

/* BERT-style choice: each position independently with probability p; a
 * sentence left without any [MASK] (drawn or written) gets its position
 * with the smallest draw, so every sentence has something to predict.
 * Except at p = 0, which a teacher writes to mean "mask nothing": only
 * the [MASK] tokens written in the sentences are masked, and the window
 * says so until the class masks a token by hand. The draws have their own
 * stream: were they the losses' stream, the [MASK] positions would be
 * exactly those with the smallest random losses and the MLM mean loss
 * would always come out below p. */
static void mlm_draw(Scenario *sc, double p, unsigned long long seed)
{
    uint64_t L = (uint64_t)scenario_longest(&sc->mlm_source);
    for (int s = 0; s < sc->mlm_source.count; s++) {
        int best = 0, any = 0;
        double best_v = 2.0;
        for (int i = 0; i < sc->mlm_source.lengths[s]; i++) {
            double v = rng_uniform(seed, RNG_MLM_MASK, (uint64_t)s * L + (uint64_t)i);
            if (sc->mlm_source.ids[s][i] == sc->mask_id)
                sc->mlm_masked[s][i] = true;
            else
                sc->mlm_masked[s][i] = v < p;
            any |= sc->mlm_masked[s][i];
            if (v < best_v) {
                best_v = v;
                best = i;
            }
        }
        if (!any && p > 0)
            sc->mlm_masked[s][best] = true;
    }
}

static void mlm_from_batch(Scenario *sc)
{
    bools_free(sc->mlm_masked, sc->mlm_source.count);
    sentences_free(&sc->mlm_source);
    sentences_copy(&sc->mlm_source, &sc->sentences);
    sc->mlm_masked = xcalloc((size_t)sc->mlm_source.count, sizeof *sc->mlm_masked);
    for (int s = 0; s < sc->mlm_source.count; s++) {
        sc->mlm_masked[s] = xcalloc((size_t)sc->mlm_source.lengths[s] + 1, sizeof(bool));
        for (int i = 0; i < sc->mlm_source.lengths[s]; i++)
            sc->mlm_masked[s][i] = sc->mlm_source.ids[s][i] == sc->mask_id; /* a literal [MASK] */
    }
}

Scenario *scenario_from_sentences(const char *const *sentences, int count, char *err, size_t errlen)
{
    if (count < 1 || count > MS_MAX_SENTENCES) {
        snprintf(err, errlen, "sentences: %d given; between 1 and %d are allowed", count, MS_MAX_SENTENCES);
        return NULL;
    }
    Scenario *sc = scenario_blank();
    sentences_alloc(&sc->sentences, count);
    for (int i = 0; i < count; i++) {
        char why[200];
        if (!tokenize(sc, sentences[i], &sc->sentences.ids[i], &sc->sentences.lengths[i], NULL, false, why,
                      sizeof why)) {
            snprintf(err, errlen, "sentences[%d]: %s", i, why);
            scenario_free(sc);
            return NULL;
        }
    }
    int L = scenario_longest(&sc->sentences);
    if (count == 3 && L == 5)
        sc->losses = dup_doubles(notebook_losses, 15);
    mlm_from_batch(sc);
    mlm_draw(sc, 0.15, sc->seed + 1);
    decoder_default(sc);
    return sc;
}

/* ---- new sentences for a scenario (the window's sentence editor) ---- */

static bool same_ids(const int *a, int na, const int *b, int nb)
{
    return na == nb && (na == 0 || memcmp(a, b, (size_t)na * sizeof *a) == 0);
}

static bool same_row(const Sentences *a, int i, const Sentences *b, int j)
{
    return same_ids(a->ids[i], a->lengths[i], b->ids[j], b->lengths[j]);
}

bool scenario_mlm_is_batch(const Scenario *sc)
{
    const Sentences *a = &sc->mlm_source, *b = &sc->sentences;
    if (a->count != b->count)
        return false;
    for (int i = 0; i < a->count; i++)
        if (!same_row(a, i, b, i))
            return false;
    return true;
}

bool scenario_decoder_is_default(const Scenario *sc, int s)
{
    EXPECT(s >= 0 && s < sc->sentences.count && s < sc->decoder.count);
    return same_ids(sc->decoder.ids[s], sc->decoder.lengths[s], sc->sentences.ids[s],
                    decoder_half(sc->sentences.lengths[s]));
}

static bool uses_id(const Sentences *s, int id)
{
    for (int i = 0; i < s->count; i++)
        for (int k = 0; k < s->lengths[i]; k++)
            if (s->ids[i][k] == id)
                return true;
    return false;
}

/* labels of ids no sentence holds any more go, as a loader would never make them */
static void prune_labels(Scenario *sc)
{
    Vocab kept = {0};
    for (int i = 0; i < sc->id_labels.count; i++) {
        int id = sc->id_labels.ids[i];
        if (uses_id(&sc->sentences, id) || uses_id(&sc->mlm_source, id) || uses_id(&sc->decoder, id))
            vocab_add(&kept, sc->id_labels.words[i], id);
    }
    vocab_free(&sc->id_labels);
    sc->id_labels = kept;
}

/* The sentences of sc become next (taken), and what hangs on them follows:
 * a decoder sentence that was its sentence's default half is the new
 * sentence's half (one the scenario gave stays; added sentences get the
 * default); each sentence keeps its prefix P, cut to its length (added
 * ones take the last one's); global positions past the longest sentence
 * go and pack_length grows to it; per-token losses and loss weights stay
 * while the batch keeps its shape [B, L] (a 3×5 batch without losses gets
 * the notebook's, as a file does); an MLM batch that is the sentences
 * follows them, an unchanged sentence keeping its [MASK] positions and a
 * changed one drawn as for a file without "mlm" (an MLM batch of its own,
 * as the running example's, stays as it is). */
static void follow_sentences(Scenario *sc, Sentences *next)
{
    Sentences before = sc->sentences;
    int B = next->count, L = scenario_longest(next), oldB = before.count, oldL = scenario_longest(&before);
    bool mlm_follows = scenario_mlm_is_batch(sc);
    Sentences dec = {0};
    sentences_alloc(&dec, B);
    for (int s = 0; s < B; s++) {
        if (s < oldB && !scenario_decoder_is_default(sc, s))
            set_row(&dec, s, sc->decoder.ids[s], sc->decoder.lengths[s]);
        else
            set_row(&dec, s, next->ids[s], decoder_half(next->lengths[s]));
    }
    sentences_free(&sc->decoder);
    sc->decoder = dec;
    if (sc->prefix) {
        int *p = xcalloc((size_t)B, sizeof *p);
        for (int s = 0; s < B; s++) {
            int was = sc->prefix[s < oldB ? s : oldB - 1];
            p[s] = was < next->lengths[s] ? was : next->lengths[s];
        }
        free(sc->prefix);
        sc->prefix = p;
    }
    int kept = 0;
    for (int i = 0; i < sc->nglobal; i++)
        if (sc->global[i] < L)
            sc->global[kept++] = sc->global[i];
    sc->nglobal = kept;
    if (sc->pack_length && sc->pack_length < L)
        sc->pack_length = L;
    if (B != oldB || L != oldL) {
        free(sc->losses);
        free(sc->loss_weights);
        sc->losses = sc->loss_weights = NULL;
    }
    if (!sc->losses && B == 3 && L == 5)
        sc->losses = dup_doubles(notebook_losses, 15);
    sc->sentences = *next;
    *next = (Sentences){0};
    if (mlm_follows) {
        bool **masked = sc->mlm_masked;
        int mB = sc->mlm_source.count, mL = scenario_longest(&sc->mlm_source);
        sc->mlm_masked = NULL;
        mlm_from_batch(sc);
        mlm_draw(sc, 0.15, sc->seed + 1);
        for (int s = 0; s < B && s < oldB; s++)
            if (same_row(&before, s, &sc->sentences, s))
                memcpy(sc->mlm_masked[s], masked[s], (size_t)before.lengths[s] * sizeof(bool));
        bools_free(masked, mB);
        if (B != mB || L != mL) {
            free(sc->mlm_losses);
            sc->mlm_losses = NULL;
        }
    }
    sentences_free(&before);
    prune_labels(sc);
}

Scenario *scenario_with_sentences(const Scenario *sc, const char *const *lines, int count, int *bad, char *err,
                                  size_t errlen)
{
    *bad = -1;
    if (count < 1) {
        snprintf(err, errlen, "the batch is empty; write at least one sentence");
        return NULL;
    }
    if (count > MS_MAX_SENTENCES) {
        *bad = MS_MAX_SENTENCES;
        snprintf(err, errlen, "sentence %d: a batch holds at most %d sentences", MS_MAX_SENTENCES, MS_MAX_SENTENCES);
        return NULL;
    }
    Scenario *c = scenario_copy(sc);
    Sentences next = {0};
    sentences_alloc(&next, count);
    int L = 0;
    for (int i = 0; i < count; i++) {
        char why[200];
        size_t off = text_utf8_bad(lines[i]);
        bool ok = lines[i][off] == '\0';
        if (!ok)
            snprintf(why, sizeof why, "byte %zu is not UTF-8; a sentence is UTF-8 text", off + 1);
        ok = ok && tokenize(c, lines[i], &next.ids[i], &next.lengths[i], NULL, true, why, sizeof why);
        if (ok && next.lengths[i] > L)
            L = next.lengths[i];
        if (!ok || !cells_fit(count, L, why, sizeof why)) {
            *bad = i;
            snprintf(err, errlen, "sentence %d: %s", i, why);
            goto fail;
        }
    }
    follow_sentences(c, &next);
    int Ld = scenario_longest(&c->decoder);
    if ((size_t)count * (size_t)Ld * (size_t)L > MS_MAX_ATTN_CELLS) {
        snprintf(err, errlen, "decoder: %d sentences of up to %d tokens against %d make more than %u attention cells",
                 count, Ld, L, (unsigned)MS_MAX_ATTN_CELLS);
        goto fail;
    }
    return c;
fail:
    sentences_free(&next);
    scenario_free(c);
    return NULL;
}

char *scenario_sentence_text(const Scenario *sc, int s)
{
    EXPECT(s >= 0 && s < sc->sentences.count);
    Strbuf sb = {0};
    for (int i = 0; i < sc->sentences.lengths[s]; i++) {
        int id = sc->sentences.ids[s][i];
        const char *w = scenario_word(sc, id);
        if (i)
            strbuf_puts(&sb, " ");
        if (w)
            strbuf_puts(&sb, w);
        else
            strbuf_printf(&sb, "#%d", id);
    }
    return strbuf_take(&sb);
}

int scenario_word_id(const Scenario *sc, const char *word)
{
    if (strcmp(word, SCENARIO_PAD_WORD) == 0)
        return sc->pad_id;
    if (strcmp(word, SCENARIO_MASK_WORD) == 0)
        return sc->mask_id;
    int id = vocab_find(&sc->vocab, word);
    return id >= 0 ? id : vocab_find(&sc->id_labels, word);
}

/* ---- loading JSON ---- */

typedef struct Loader {
    const Doc *doc;
    char *err;
    size_t errlen;
    Scenario *sc;
} Loader;

static bool get_int(Loader *ld, const cJSON *node, const char *field, long long min, long long max,
                    long long *out)
{
    return doc_get_int(ld->doc, node, field, min, max, out, ld->err, ld->errlen);
}

static bool get_real(Loader *ld, const cJSON *node, const char *field, double min, double max,
                     double *out)
{
    if (!cJSON_IsNumber(node) || !isfinite(node->valuedouble) || node->valuedouble < min ||
        node->valuedouble > max)
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field,
                        "must be a finite number from %.15g to %.15g", min, max);
    *out = node->valuedouble;
    return true;
}

static bool get_choice(Loader *ld, const cJSON *node, const char *field, const char *const *choices,
                       int *out)
{
    if (cJSON_IsString(node))
        for (int i = 0; choices[i]; i++)
            if (strcmp(node->valuestring, choices[i]) == 0) {
                *out = i;
                return true;
            }
    char list[160] = "";
    for (int i = 0; choices[i]; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, choices[i]);
    }
    return doc_fail(ld->doc, node, ld->err, ld->errlen, field, "must be one of %s", list);
}

/* a seed: a whole number JSON holds exactly */
static bool get_seed(Loader *ld, const cJSON *node, const char *field, uint64_t *out)
{
    long long v;
    if (!get_int(ld, node, field, 0, SCENARIO_MAX_SEED, &v))
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool get_bool(Loader *ld, const cJSON *node, const char *field, bool *out)
{
    if (!cJSON_IsBool(node))
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field, "must be true or false");
    *out = cJSON_IsTrue(node);
    return true;
}

/* an object holding only the keys given; `what` says which, for the message */
static bool get_object(Loader *ld, const cJSON *node, const char *field, const char *const *keys, const char *what)
{
    if (!cJSON_IsObject(node))
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field, "must be an object with %s", what);
    return doc_check_keys(ld->doc, node, field, keys, ld->err, ld->errlen);
}

static bool load_vocab(Loader *ld, const cJSON *node)
{
    Scenario *sc = ld->sc;
    if (!cJSON_IsObject(node))
        return doc_fail(ld->doc, node, ld->err, ld->errlen, "vocab",
                        "must be an object mapping words to ids, e.g. {\"The\": 1}");
    vocab_free(&sc->vocab);
    for (const cJSON *c = node->child; c; c = c->next) {
        char field[128], shown[TEXT_QUOTE_BYTES];
        snprintf(field, sizeof field, "vocab.%s", text_escape(c->string, shown, sizeof shown));
        if (sc->vocab.count >= MS_MAX_VOCAB)
            return doc_fail(ld->doc, c, ld->err, ld->errlen, "vocab", "more than %d words", MS_MAX_VOCAB);
        long long id;
        if (!get_int(ld, c, field, 0, MS_MAX_TOKEN_ID, &id))
            return false;
        const char *w = c->string;
        size_t wl = strlen(w);
        bool blank = wl == 0;
        for (const char *q = w; *q; q++)
            if ((unsigned char)*q <= 0x20 || *q == 0x7F)
                blank = true;
        if (blank || wl > MS_MAX_WORD_BYTES)
            return doc_fail(ld->doc, c, ld->err, ld->errlen, field,
                            "a word must be 1 to %d bytes without spaces or control characters",
                            MS_MAX_WORD_BYTES);
        bool is_pad = strcmp(w, SCENARIO_PAD_WORD) == 0, is_mask = strcmp(w, SCENARIO_MASK_WORD) == 0;
        if (is_pad || is_mask) {
            if (id != (is_pad ? sc->pad_id : sc->mask_id))
                return doc_fail(ld->doc, c, ld->err, ld->errlen, field,
                                "must equal %s (%d); set that field to change it",
                                is_pad ? "pad_id" : "mask_id", is_pad ? sc->pad_id : sc->mask_id);
            continue;
        }
        if (id == sc->pad_id || id == sc->mask_id)
            return doc_fail(ld->doc, c, ld->err, ld->errlen, field,
                            "id %lld is reserved for %s; pick another id", id,
                            id == sc->pad_id ? "[PAD] (pad_id)" : "[MASK] (mask_id)");
        if (vocab_has_id(&sc->vocab, (int)id))
            return doc_fail(ld->doc, c, ld->err, ld->errlen, field,
                            "id %lld is already used by another word; ids must be unique", id);
        vocab_add(&sc->vocab, w, (int)id);
    }
    return true;
}

/* one sentence: a string of words or an array of ids */
static bool load_sentence(Loader *ld, const cJSON *node, const char *field, int **ids, int *len,
                          bool **masked)
{
    Scenario *sc = ld->sc;
    if (cJSON_IsString(node)) {
        char why[200];
        if (!tokenize(sc, node->valuestring, ids, len, masked, false, why, sizeof why))
            return doc_fail(ld->doc, node, ld->err, ld->errlen, field, "%s", why);
        return true;
    }
    if (!cJSON_IsArray(node))
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field,
                        "must be a string of words or an array of token ids");
    int n = cJSON_GetArraySize(node);
    if (n == 0)
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field,
                        "is empty; every sentence needs at least one token");
    if (n > MS_MAX_SEQ_LEN)
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field,
                        "has %d tokens; the limit is %d per sentence", n, MS_MAX_SEQ_LEN);
    int *v = xcalloc((size_t)n, sizeof *v);
    bool *m = xcalloc((size_t)n, sizeof *m);
    int i = 0;
    for (const cJSON *c = node->child; c; c = c->next, i++) {
        char f[96];
        snprintf(f, sizeof f, "%s[%d]", field, i);
        long long id;
        if (!get_int(ld, c, f, 0, MS_MAX_TOKEN_ID, &id))
            goto fail;
        if (id == sc->pad_id) {
            doc_fail(ld->doc, c, ld->err, ld->errlen, f,
                     "is the pad id %d; padding is added by maskscope, do not write it", sc->pad_id);
            goto fail;
        }
        if (id != sc->mask_id && !scenario_word(sc, (int)id)) {
            if (vocab_size(sc) >= MS_MAX_VOCAB) {
                doc_fail(ld->doc, c, ld->err, ld->errlen, f, "vocabulary would exceed %d words", MS_MAX_VOCAB);
                goto fail;
            }
            /* a label to show, kept apart from the words: the word "#42"
             * is a word like any other and gets an id of its own */
            char name[24];
            snprintf(name, sizeof name, "#%lld", id);
            vocab_add(&sc->id_labels, name, (int)id);
        }
        v[i] = (int)id;
        m[i] = id == sc->mask_id;
    }
    *ids = v;
    *len = n;
    if (masked)
        *masked = m;
    else
        free(m);
    return true;
fail:
    free(v);
    free(m);
    return false;
}

static bool load_sentences(Loader *ld, const cJSON *node, const char *field, Sentences *out,
                           bool ***masked)
{
    if (!cJSON_IsArray(node))
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field,
                        "must be an array of sentences (strings or arrays of ids)");
    int n = cJSON_GetArraySize(node);
    if (n < 1 || n > MS_MAX_SENTENCES)
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field,
                        "has %d sentences; between 1 and %d are allowed", n, MS_MAX_SENTENCES);
    sentences_alloc(out, n);
    if (masked)
        *masked = xcalloc((size_t)n, sizeof **masked);
    /* bound the attention cells sentence by sentence, so a huge file is
     * turned away before all of it has been tokenised */
    int i = 0, L = 0;
    for (const cJSON *c = node->child; c; c = c->next, i++) {
        char f[64], why[200];
        snprintf(f, sizeof f, "%s[%d]", field, i);
        if (!load_sentence(ld, c, f, &out->ids[i], &out->lengths[i], masked ? &(*masked)[i] : NULL))
            return false;
        if (out->lengths[i] > L)
            L = out->lengths[i];
        if (!cells_fit(n, L, why, sizeof why))
            return doc_fail(ld->doc, c, ld->err, ld->errlen, f, "%s", why);
    }
    return true;
}

/* a [rows][cols] array of finite numbers in [min, max] into a new array */
static bool load_matrix(Loader *ld, const cJSON *node, const char *field, int rows, int cols,
                        double min, double max, double **out)
{
    if (!cJSON_IsArray(node) || cJSON_GetArraySize(node) != rows)
        return doc_fail(ld->doc, node, ld->err, ld->errlen, field,
                        "must be an array of %d rows (one per sentence) of %d numbers", rows, cols);
    double *m = xcalloc((size_t)rows * (size_t)cols, sizeof *m);
    int r = 0;
    for (const cJSON *row = node->child; row; row = row->next, r++) {
        char f[64];
        snprintf(f, sizeof f, "%s[%d]", field, r);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != cols) {
            doc_fail(ld->doc, row, ld->err, ld->errlen, f,
                     "must be an array of %d numbers (the padded length)", cols);
            goto fail;
        }
        int c = 0;
        for (const cJSON *v = row->child; v; v = v->next, c++) {
            char fc[80];
            snprintf(fc, sizeof fc, "%s[%d]", f, c);
            if (!get_real(ld, v, fc, min, max, &m[r * cols + c]))
                goto fail;
        }
    }
    *out = m;
    return true;
fail:
    free(m);
    return false;
}

static bool load_mlm(Loader *ld, const cJSON *node)
{
    Scenario *sc = ld->sc;
    static const char *const keys[] = {"sentences", "masked", "probability", "seed", "losses", NULL};
    if (!get_object(ld, node, "mlm", keys, "sentences, masked or probability, seed, losses"))
        return false;
    const cJSON *sent = doc_member(node, "sentences"), *masked = doc_member(node, "masked"),
                *prob = doc_member(node, "probability"), *seed = doc_member(node, "seed"),
                *losses = doc_member(node, "losses");
    if (sent) {
        bools_free(sc->mlm_masked, sc->mlm_source.count);
        sc->mlm_masked = NULL;
        sentences_free(&sc->mlm_source);
        if (!load_sentences(ld, sent, "mlm.sentences", &sc->mlm_source, &sc->mlm_masked))
            return false;
    }
    if (masked && prob)
        return doc_fail(ld->doc, prob, ld->err, ld->errlen, "mlm.probability",
                        "give either masked positions or a probability, not both");
    if (masked) {
        if (!cJSON_IsArray(masked) || cJSON_GetArraySize(masked) != sc->mlm_source.count)
            return doc_fail(ld->doc, masked, ld->err, ld->errlen, "mlm.masked",
                            "must be an array of %d arrays of positions (one per MLM sentence)",
                            sc->mlm_source.count);
        int s = 0;
        for (const cJSON *row = masked->child; row; row = row->next, s++) {
            char f[64];
            snprintf(f, sizeof f, "mlm.masked[%d]", s);
            if (!cJSON_IsArray(row))
                return doc_fail(ld->doc, row, ld->err, ld->errlen, f, "must be an array of positions");
            int k = 0;
            for (const cJSON *v = row->child; v; v = v->next, k++) {
                char fk[80];
                snprintf(fk, sizeof fk, "%s[%d]", f, k);
                long long pos;
                if (!get_int(ld, v, fk, 0, sc->mlm_source.lengths[s] - 1, &pos))
                    return false;
                sc->mlm_masked[s][pos] = true;
            }
        }
    } else {
        double p = 0.15;
        uint64_t sd = sc->seed + 1;
        if (prob && !get_real(ld, prob, "mlm.probability", 0, 1, &p))
            return false;
        if (seed && !get_seed(ld, seed, "mlm.seed", &sd))
            return false;
        mlm_draw(sc, p, sd);
    }
    if (losses) {
        int L = scenario_longest(&sc->mlm_source);
        if (!load_matrix(ld, losses, "mlm.losses", sc->mlm_source.count, L, 0, MS_MAX_LOSS, &sc->mlm_losses))
            return false;
    }
    return true;
}

/* "bert": BERT's masked-LM corruption of the sentences */
static bool load_bert(Loader *ld, const cJSON *node)
{
    ScenarioBert *b = &ld->sc->bert;
    static const char *const keys[] = {"probability", "seed", "selection", "max_predictions", "whole_word", NULL};
    if (!get_object(ld, node, "bert", keys, "probability, seed, selection, max_predictions, whole_word"))
        return false;
    const cJSON *n;
    long long v;
    int choice;
    if ((n = doc_member(node, "probability")) && !get_real(ld, n, "bert.probability", 0, 1, &b->probability))
        return false;
    if ((n = doc_member(node, "seed")) && !get_seed(ld, n, "bert.seed", &b->seed))
        return false;
    if ((n = doc_member(node, "selection"))) {
        if (!get_choice(ld, n, "bert.selection", (const char *const[]){"bernoulli", "count", "span", NULL}, &choice))
            return false;
        b->selection = (ScenarioBertSelection)choice;
    }
    if ((n = doc_member(node, "max_predictions"))) {
        if (b->selection != SCENARIO_BERT_COUNT)
            return doc_fail(ld->doc, n, ld->err, ld->errlen, "bert.max_predictions",
                            "caps only the \"count\" selection; add \"selection\": \"count\" or leave it out");
        if (!get_int(ld, n, "bert.max_predictions", 1, MS_MAX_SEQ_LEN, &v))
            return false;
        b->max_predictions = (int)v;
    }
    if ((n = doc_member(node, "whole_word")) && !get_bool(ld, n, "bert.whole_word", &b->whole_word))
        return false;
    return true;
}

/* "t5": T5's span corruption of the sentences */
static bool load_t5(Loader *ld, const cJSON *node)
{
    ScenarioT5 *t = &ld->sc->t5;
    static const char *const keys[] = {"noise_density", "mean_span_length", "seed", NULL};
    if (!get_object(ld, node, "t5", keys, "noise_density, mean_span_length, seed"))
        return false;
    const cJSON *n;
    if ((n = doc_member(node, "noise_density")) && !get_real(ld, n, "t5.noise_density", 0, 1, &t->noise_density))
        return false;
    if ((n = doc_member(node, "mean_span_length")) &&
        !get_real(ld, n, "t5.mean_span_length", 1, MS_MAX_SEQ_LEN, &t->mean_span_length))
        return false;
    if ((n = doc_member(node, "seed")) && !get_seed(ld, n, "t5.seed", &t->seed))
        return false;
    return true;
}

/* the settings of the wider mask families: window, prefix, sinks,
 * global tokens, packing and the decoder's sentences */
static bool load_families(Loader *ld, const cJSON *root)
{
    Scenario *sc = ld->sc;
    const cJSON *n;
    long long v;
    int B = sc->sentences.count, L = scenario_longest(&sc->sentences);
    if ((n = doc_member(root, "window"))) {
        if (!get_int(ld, n, "window", 1, MS_MAX_WINDOW, &v))
            return false;
        sc->window = (int)v;
    }
    if ((n = doc_member(root, "sinks"))) {
        if (!get_int(ld, n, "sinks", 0, MS_MAX_WINDOW, &v))
            return false;
        sc->sinks = (int)v;
    }
    if ((n = doc_member(root, "prefix"))) {
        sc->prefix = xcalloc((size_t)B, sizeof *sc->prefix);
        if (cJSON_IsNumber(n)) {
            if (!get_int(ld, n, "prefix", 0, MS_MAX_SEQ_LEN, &v))
                return false;
            for (int s = 0; s < B; s++) /* one P for every sentence, at most its length */
                sc->prefix[s] = (int)v < sc->sentences.lengths[s] ? (int)v : sc->sentences.lengths[s];
        } else if (cJSON_IsArray(n) && cJSON_GetArraySize(n) == B) {
            int s = 0;
            for (const cJSON *c = n->child; c; c = c->next, s++) {
                char f[48];
                snprintf(f, sizeof f, "prefix[%d]", s);
                if (!get_int(ld, c, f, 0, sc->sentences.lengths[s], &v))
                    return false;
                sc->prefix[s] = (int)v;
            }
        } else {
            return doc_fail(ld->doc, n, ld->err, ld->errlen, "prefix",
                            "must be a number, or an array of %d number%s (one per sentence)", B, B == 1 ? "" : "s");
        }
    }
    if ((n = doc_member(root, "global"))) {
        if (!cJSON_IsArray(n) || cJSON_GetArraySize(n) > MS_MAX_GLOBAL)
            return doc_fail(ld->doc, n, ld->err, ld->errlen, "global",
                            "must be an array of at most %d token positions", MS_MAX_GLOBAL);
        sc->nglobal = 0;
        int i = 0;
        for (const cJSON *c = n->child; c; c = c->next, i++) {
            char f[48];
            snprintf(f, sizeof f, "global[%d]", i);
            if (!get_int(ld, c, f, 0, L - 1, &v))
                return false;
            sc->global[sc->nglobal++] = (int)v;
        }
    }
    if ((n = doc_member(root, "pack_length"))) {
        if (!get_int(ld, n, "pack_length", L, MS_MAX_SEQ_LEN, &v))
            return false;
        sc->pack_length = (int)v;
    }
    if ((n = doc_member(root, "decoder"))) {
        if (!load_sentences(ld, n, "decoder", &sc->decoder, NULL))
            return false;
        if (sc->decoder.count != B)
            return doc_fail(ld->doc, n, ld->err, ld->errlen, "decoder",
                            "has %d sentence%s; give one per sentence of the batch (%d)", sc->decoder.count,
                            sc->decoder.count == 1 ? "" : "s", B);
        int Ld = scenario_longest(&sc->decoder);
        if ((size_t)B * (size_t)Ld * (size_t)L > MS_MAX_ATTN_CELLS)
            return doc_fail(ld->doc, n, ld->err, ld->errlen, "decoder",
                            "%d sentences of up to %d tokens against %d make more than %u attention cells", B, Ld,
                            L, (unsigned)MS_MAX_ATTN_CELLS);
    } else {
        decoder_default(sc);
    }
    if ((n = doc_member(root, "bert")) && !load_bert(ld, n))
        return false;
    if ((n = doc_member(root, "t5")) && !load_t5(ld, n))
        return false;
    return true;
}

static bool load(Loader *ld, const cJSON *root)
{
    Scenario *sc = ld->sc;
    static const char *const keys[] = {"name", "sentences", "vocab", "pad_id", "mask_id", "padding",
                                       "d_model", "seed", "losses", "loss_weights",
                                       "fully_masked_rows", "mask_query_rows", "mlm",
                                       "window", "prefix", "sinks", "global", "pack_length", "decoder",
                                       "positions", "bert", "t5", "generate", NULL};
    if (!cJSON_IsObject(root))
        return doc_fail(ld->doc, root, ld->err, ld->errlen, "scenario",
                        "must be a JSON object with at least \"sentences\"");
    if (!doc_check_keys(ld->doc, root, "", keys, ld->err, ld->errlen))
        return false;
    const cJSON *n;
    long long v;
    if ((n = doc_member(root, "name"))) {
        bool printable = cJSON_IsString(n);
        for (const char *q = printable ? n->valuestring : ""; *q; q++)
            if ((unsigned char)*q < 0x20 || *q == 0x7F)
                printable = false;
        if (!printable || !*n->valuestring || strlen(n->valuestring) > 80)
            return doc_fail(ld->doc, n, ld->err, ld->errlen, "name",
                            "must be a string of 1 to 80 bytes without control characters");
        free(sc->name);
        sc->name = xstrdup(n->valuestring);
    }
    if ((n = doc_member(root, "pad_id"))) {
        if (!get_int(ld, n, "pad_id", 0, MS_MAX_TOKEN_ID, &v))
            return false;
        sc->pad_id = (int)v;
    }
    if ((n = doc_member(root, "mask_id"))) {
        if (!get_int(ld, n, "mask_id", 0, MS_MAX_TOKEN_ID, &v))
            return false;
        sc->mask_id = (int)v;
    }
    if (sc->pad_id == sc->mask_id)
        return doc_fail(ld->doc, doc_member(root, "mask_id"), ld->err, ld->errlen, "mask_id",
                        "must differ from pad_id (%d)", sc->pad_id);
    if ((n = doc_member(root, "vocab"))) {
        if (!load_vocab(ld, n))
            return false;
    } else {
        for (int i = 0; i < sc->vocab.count; i++)
            if (sc->vocab.ids[i] == sc->pad_id || sc->vocab.ids[i] == sc->mask_id)
                return doc_fail(ld->doc, doc_member(root, sc->vocab.ids[i] == sc->pad_id ? "pad_id" : "mask_id"),
                                ld->err, ld->errlen, sc->vocab.ids[i] == sc->pad_id ? "pad_id" : "mask_id",
                                "collides with the default vocabulary's id for \"%s\"; give a vocab too",
                                sc->vocab.words[i]);
    }
    int choice;
    if ((n = doc_member(root, "padding"))) {
        if (!get_choice(ld, n, "padding", (const char *const[]){"right", "left", NULL}, &choice))
            return false;
        sc->padding = (ScenarioPadding)choice;
        sc->padding_given = true;
    }
    if ((n = doc_member(root, "generate"))) {
        if (!get_int(ld, n, "generate", 1, MS_MAX_GENERATE, &v))
            return false;
        sc->generate = (int)v;
    }
    if ((n = doc_member(root, "positions"))) {
        if (!get_choice(ld, n, "positions", (const char *const[]){"none", "sinusoidal", NULL}, &choice))
            return false;
        sc->positions = choice == 1;
    }
    if ((n = doc_member(root, "fully_masked_rows"))) {
        if (!get_choice(ld, n, "fully_masked_rows", (const char *const[]){"zero", "nan", NULL}, &choice))
            return false;
        sc->nan_policy = (ScenarioNanPolicy)choice;
    }
    if ((n = doc_member(root, "mask_query_rows")) && !get_bool(ld, n, "mask_query_rows", &sc->mask_query_rows))
        return false;
    if ((n = doc_member(root, "d_model"))) {
        if (!get_int(ld, n, "d_model", 1, MS_MAX_D_MODEL, &v))
            return false;
        sc->d_model = (int)v;
    }
    if ((n = doc_member(root, "seed")) && !get_seed(ld, n, "seed", &sc->seed))
        return false;
    sc->bert.seed = sc->t5.seed = sc->seed; /* unless "bert" or "t5" name their own */
    const cJSON *sent = doc_member(root, "sentences");
    if (!sent)
        return doc_fail(ld->doc, root, ld->err, ld->errlen, "sentences",
                        "is missing; a scenario needs an array of sentences");
    if (!load_sentences(ld, sent, "sentences", &sc->sentences, NULL))
        return false;
    int B = sc->sentences.count, L = scenario_longest(&sc->sentences);
    if ((n = doc_member(root, "losses")) && !load_matrix(ld, n, "losses", B, L, 0, MS_MAX_LOSS, &sc->losses))
        return false;
    if (!doc_member(root, "losses") && B == 3 && L == 5)
        sc->losses = dup_doubles(notebook_losses, 15);
    if ((n = doc_member(root, "loss_weights")) &&
        !load_matrix(ld, n, "loss_weights", B, L, 0, 1, &sc->loss_weights))
        return false;
    mlm_from_batch(sc);
    if ((n = doc_member(root, "mlm"))) {
        if (!load_mlm(ld, n))
            return false;
    } else {
        mlm_draw(sc, 0.15, sc->seed + 1);
    }
    return load_families(ld, root);
}

Scenario *scenario_parse(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    Scenario *sc = NULL;
    Doc *doc = doc_parse(text, len, name, err, errlen);
    if (!doc)
        return NULL;
    sc = scenario_blank();
    free(sc->name);
    const char *base = strrchr(name, '/');
    sc->name = xstrdup(base ? base + 1 : name);
    Loader ld = {.doc = doc, .err = err, .errlen = errlen, .sc = sc};
    if (!load(&ld, doc_root(doc)))
        goto fail;
    doc_free(doc);
    return sc;
fail:
    doc_free(doc);
    scenario_free(sc);
    return NULL;
}

Scenario *scenario_from_doc(const Doc *doc, const cJSON *obj, const char *name, char *err, size_t errlen)
{
    Scenario *sc = scenario_blank();
    free(sc->name);
    sc->name = xstrdup(name);
    Loader ld = {.doc = doc, .err = err, .errlen = errlen, .sc = sc};
    if (!load(&ld, obj)) {
        scenario_free(sc);
        doc_prefix_field(doc, "scenario.", err, errlen);
        return NULL;
    }
    return sc;
}

Scenario *scenario_load(const char *path, bool *io_error, char *err, size_t errlen)
{
    size_t len;
    char *text = doc_read_file(path, &len, io_error, err, errlen);
    if (!text)
        return NULL;
    Scenario *sc = scenario_parse(text, len, path, err, errlen);
    free(text);
    return sc;
}
