/* The mode table. The notebook's four modes are built in:
 *
 *     name      batch      mask terms          loss mask       opens on
 *     padding   batch      A_pad               real tokens     sentence 0
 *     causal    batch      A_causal            real tokens     the longest
 *     combined  batch      A_pad + A_causal    real tokens     sentence 0
 *     mlm       mlm_batch  A_pad               [MASK] tokens   sentence 0
 *
 * A new scheme is one row here (or one mode_register call) plus its mask
 * term in mask.c; the engine, the storyboard, print, dump, export, the
 * window and lessons all follow from the row. */
#include "mode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "corrupt.h"
#include "gallery.h"
#include "xmalloc.h"

/* the pretraining stories: what corruption does to a sentence, step by step */
static const char *const bert_story[] = {"original", "chosen", "corrupted", "labels", "loss_mask", "loss", NULL};
static const char *const t5_story[] = {"original", "noise", "input", "target", "decoder", "loss", NULL};
/* inference: the prompt, its positions, the prefill, one decode step per new token, and two lessons */
static const char *const decode_story[] = {"prompt", "positions", "prefill", "decode", "equivalence", "alignment",
                                           NULL};

static const Mode builtin[] = {
    {
        .name = "padding",
        .title = "Padding mask",
        .tab = "Padding",
        .key = '1',
        .summary = "key-column padding mask, loss over real tokens",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_padding},
        .loss = MODE_LOSS_PADDING,
        .sentence = MODE_SENTENCE_FIRST,
    },
    {
        .name = "causal",
        .title = "Causal mask",
        .tab = "Causal",
        .key = '2',
        .summary = "A_causal alone, shown on the longest sentence as in the notebook",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_causal},
        .loss = MODE_LOSS_NEXT_TOKEN,
        .sentence = MODE_SENTENCE_LONGEST,
        .output_caption = "Each output row mixes the value rows of its own and earlier tokens only: changing a "
                          "later word cannot change it.",
    },
    {
        .name = "combined",
        .title = "Padding + causal mask",
        .tab = "Padding + causal",
        .key = '3',
        .summary = "padding + causal: a decoder's training mask",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_padding, &mask_term_causal},
        .loss = MODE_LOSS_NEXT_TOKEN,
        .sentence = MODE_SENTENCE_FIRST,
        .mask_caption = "The decoder's training mask: no [PAD] keys and no future keys. Adding the two masks "
                        "blocks a cell if either blocks it.",
        .output_caption = "Each output row mixes the value rows of its own and earlier tokens only: changing a "
                          "later word cannot change it.",
    },
    {
        .name = "mlm",
        .title = "Masked language modelling",
        .tab = "MLM",
        .key = '4',
        .summary = "the batch is mlm_batch, attention is bidirectional with only the padding mask, "
                   "the loss mask selects [MASK]",
        .batch = MODE_BATCH_MLM,
        .terms = {&mask_term_padding},
        .loss = MODE_LOSS_MLM,
        .sentence = MODE_SENTENCE_FIRST,
    },
    /* the wider family: no number key, the M picker and their tabs */
    {
        .name = "sliding",
        .title = "Sliding window",
        .tab = "Sliding W",
        .summary = "causal and q - k < W: each token sees itself and the W - 1 before it (Mistral); \"window\": W",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_padding, &mask_term_window},
        .loss = MODE_LOSS_PADDING,
        .sentence = MODE_SENTENCE_LONGEST,
        .pitfall = "W counts differently by library: Hugging Face keeps W keys, the query included "
                   "(kv_idx > q_idx \u2212 W); attention-gym's q \u2212 kv \u2264 w keeps w + 1; flash-attn's "
                   "window_size=(W \u2212 1, 0) keeps W. One key off is the classic bug.",
        .setting = SETTING_WINDOW,
        .setting_label = "W",
    },
    {
        .name = "prefix",
        .title = "Prefix-LM",
        .tab = "Prefix",
        .summary = "the first P tokens seen by all, both ways; the rest causal (PaliGemma, T5's prefix-LM); \"prefix\": P",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_padding, &mask_term_prefix},
        .loss = MODE_LOSS_PREFIX,
        .sentence = MODE_SENTENCE_LONGEST,
        .pitfall = "PaliGemma writes it with a 0/1 \u201ccausal from here\u201d vector v: cum = cumsum(v), and key "
                   "k is visible from query q iff cum[k] \u2264 cum[q]. The loss skips the prefix.",
        .setting = SETTING_PREFIX,
        .setting_label = "P",
    },
    {
        .name = "packed",
        .title = "Packed documents",
        .tab = "Packed",
        .summary = "the sentences packed end to end into rows, block-diagonal causal: a token sees earlier tokens "
                   "of its own document only; \"pack_length\"",
        .batch = MODE_BATCH_PACKED,
        .terms = {&mask_term_padding, &mask_term_document},
        .loss = MODE_LOSS_PADDING,
        .sentence = MODE_SENTENCE_FIRST,
        .pitfall = "Packed without the document mask, tokens attend across documents; and position_ids must "
                   "restart at 0 for each document, or the model reads one long text.",
        .setting = SETTING_PACK_LENGTH,
        .setting_label = "pack_length",
    },
    {
        .name = "global",
        .title = "Local window + global tokens",
        .tab = "Global",
        .summary = "|q - k| < W both ways, plus global tokens that see and are seen by all (Longformer); "
                   "\"window\", \"global\"",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_padding, &mask_term_global},
        .loss = MODE_LOSS_PADDING,
        .sentence = MODE_SENTENCE_LONGEST,
        .pitfall = "Longformer takes the global tokens in a separate global_attention_mask, and they work both "
                   "ways: a global token's row and column are both open.",
        .setting = SETTING_WINDOW,
        .setting_label = "W",
    },
    {
        .name = "sink",
        .title = "Sliding window + attention sinks",
        .tab = "Sinks",
        .summary = "a causal window of W plus the first S tokens always visible (StreamingLLM); \"window\", \"sinks\"",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_padding, &mask_term_sink},
        .loss = MODE_LOSS_PADDING,
        .sentence = MODE_SENTENCE_LONGEST,
        .pitfall = "StreamingLLM keeps the first tokens' keys in the KV cache after the window moves past them; "
                   "evicting them collapses the softmax and the model's output.",
        .setting = SETTING_SINKS,
        .setting_label = "S",
    },
    {
        .name = "strided",
        .title = "Strided (Sparse Transformer)",
        .tab = "Strided",
        .summary = "causal, and q - k < W or (q - k) mod W == 0: a local window plus every W-th earlier token; "
                   "\"window\"",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_padding, &mask_term_strided},
        .loss = MODE_LOSS_PADDING,
        .sentence = MODE_SENTENCE_LONGEST,
        .pitfall = "The Sparse Transformer splits the pattern over heads or layers (one local, one strided); "
                   "shown here as one mask, the union of both.",
        .setting = SETTING_WINDOW,
        .setting_label = "W",
    },
    {
        .name = "cross",
        .title = "Cross-attention",
        .tab = "Cross",
        .summary = "decoder queries x encoder keys: a non-square mask from the encoder's padding; \"decoder\"",
        .batch = MODE_BATCH_CROSS,
        .terms = {&mask_term_cross},
        .loss = MODE_LOSS_PADDING,
        .sentence = MODE_SENTENCE_FIRST,
        .pitfall = "In nn.Transformer the encoder's padding goes in memory_key_padding_mask (True = blocked), "
                   "not in the decoder's own tgt_key_padding_mask; the decoder's self-attention stays causal.",
    },
    /* pretraining corruption: how the batch becomes a training example */
    {
        .name = "bert",
        .title = "BERT's masked-LM corruption",
        .tab = "BERT 80/10/10",
        .summary = "BERT's pretraining corruption: chosen positions become 80% [MASK], 10% a random word, 10% "
                   "unchanged; labels hold -100 where not scored; \"bert\": {probability, seed, selection, "
                   "max_predictions, whole_word}",
        .batch = MODE_BATCH_BERT,
        .terms = {&mask_term_padding},
        .loss = MODE_LOSS_LABELS,
        .sentence = MODE_SENTENCE_FIRST,
        .steps = bert_story,
        .redraw = SCENARIO_DRAW_BERT,
    },
    {
        .name = "t5",
        .title = "T5 span corruption",
        .tab = "T5 spans",
        .summary = "T5's span corruption: noise spans become sentinels <extra_id_N> in the input, the target "
                   "is the spans, scored under the decoder's causal mask; \"t5\": {noise_density, mean_span_length, "
                   "seed}",
        .batch = MODE_BATCH_T5,
        .terms = {&mask_term_cross},
        .loss = MODE_LOSS_LABELS,
        .sentence = MODE_SENTENCE_LONGEST,
        .steps = t5_story,
        .redraw = SCENARIO_DRAW_T5,
    },
    /* inference: generation with a KV cache */
    {
        .name = "decode",
        .title = "Prefill and decode with a KV cache",
        .tab = "Decode",
        .summary = "generation with a KV cache: the prompts' prefill under padding + causal, then one query per "
                   "new token against the cache under the padding mask alone; positions cumsum(attention_mask) - 1; "
                   "left padding unless \"padding\" says; \"generate\": N",
        .batch = MODE_BATCH_DECODE,
        .terms = {&mask_term_padding, &mask_term_causal},
        .loss = MODE_LOSS_NEXT_TOKEN,
        .sentence = MODE_SENTENCE_FIRST,
        .mask_caption = "The prefill's mask: all prompt tokens go through at once, so each must be kept from the "
                        "later ones (causal) and from [PAD] (padding).",
        .setting = SETTING_GENERATE,
        .setting_label = "N",
        .steps = decode_story,
        .repeat = "decode",
    },
    /* not a scheme: the gallery of classic bugs, a step per bug (gallery.h) */
    {
        .name = "bugs",
        .title = "Classic masking bugs",
        .tab = "Bugs",
        .summary = "the gallery of classic masking bugs: a step per bug, its line beside the right one "
                   "(export --bugs writes it as slides)",
        .batch = MODE_BATCH_MAIN,
        .terms = {&mask_term_padding, &mask_term_causal},
        .loss = MODE_LOSS_PADDING,
        .sentence = MODE_SENTENCE_FIRST,
        .story = &gallery_story,
    },
};

enum { BUILTIN = sizeof builtin / sizeof builtin[0] };

static const Mode *extra[MODE_MAX - BUILTIN];
static int nextra;

int mode_count(void)
{
    return BUILTIN + nextra;
}

const Mode *mode_at(int i)
{
    EXPECT(i >= 0 && i < mode_count());
    return i < BUILTIN ? &builtin[i] : extra[i - BUILTIN];
}

int mode_index(const Mode *m)
{
    for (int i = 0; i < mode_count(); i++)
        if (mode_at(i) == m)
            return i;
    EXPECT(!"a mode outside the table");
    return -1;
}

const Mode *mode_find(const char *name)
{
    for (int i = 0; name && i < mode_count(); i++)
        if (strcmp(mode_at(i)->name, name) == 0)
            return mode_at(i);
    return NULL;
}

const Mode *mode_for_key(char key)
{
    for (int i = 0; key && i < mode_count(); i++)
        if (mode_at(i)->key == key)
            return mode_at(i);
    return NULL;
}

const Mode *mode_default(void)
{
    return &builtin[0];
}

bool mode_register(const Mode *m, char *err, size_t errlen)
{
    if (!m->name || !*m->name || !m->title || !m->tab || !m->summary) {
        snprintf(err, errlen, "a mode needs a name, title, tab and summary");
        return false;
    }
    if (mode_find(m->name)) {
        snprintf(err, errlen, "mode %s: the name is taken", m->name);
        return false;
    }
    if (m->key && mode_for_key(m->key)) {
        snprintf(err, errlen, "mode %s: key %c is taken", m->name, m->key);
        return false;
    }
    if (!m->terms[0]) {
        snprintf(err, errlen, "mode %s: needs at least one mask term", m->name);
        return false;
    }
    if (nextra == MODE_MAX - BUILTIN) {
        snprintf(err, errlen, "mode %s: the table is full (%d rows)", m->name, MODE_MAX);
        return false;
    }
    extra[nextra++] = m;
    return true;
}

void mode_names(char *buf, size_t n, const char *last_sep)
{
    size_t k = 0;
    buf[0] = '\0';
    int count = mode_count();
    for (int i = 0; i < count && k < n; i++) {
        const char *sep = i == 0 ? "" : i == count - 1 ? last_sep : ", ";
        int w = snprintf(buf + k, n - k, "%s%s", sep, mode_at(i)->name);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

int mode_nterms(const Mode *m)
{
    int n = 0;
    while (n < MODE_MAX_TERMS && m->terms[n])
        n++;
    return n;
}

void mode_shape(const Mode *m, const Scenario *sc, int *B, int *Lq, int *Lk)
{
    switch (m->batch) {
    case MODE_BATCH_MLM:
        *B = sc->mlm_source.count;
        *Lq = *Lk = scenario_longest(&sc->mlm_source);
        return;
    case MODE_BATCH_PACKED:
        *B = batch_pack_rows(sc);
        *Lq = *Lk = batch_pack_length(sc);
        return;
    case MODE_BATCH_CROSS:
        *B = sc->sentences.count;
        *Lq = scenario_longest(&sc->decoder);
        *Lk = scenario_longest(&sc->sentences);
        return;
    case MODE_BATCH_T5:
        *B = sc->sentences.count;
        corrupt_t5_shape(sc, Lk, Lq); /* the encoder reads t5_input, the decoder asks with t5_target */
        return;
    default:
        *B = sc->sentences.count;
        *Lq = *Lk = scenario_longest(&sc->sentences);
        return;
    }
}

size_t mode_cells(const Mode *m, const Scenario *sc)
{
    int B, Lq, Lk;
    mode_shape(m, sc, &B, &Lq, &Lk);
    if (m->batch == MODE_BATCH_DECODE)
        Lq = Lk = Lk + sc->generate; /* the whole sequences: A_weights_full */
    return (size_t)B * (size_t)Lq * (size_t)Lk;
}

static bool mode_rows_are_sentences(const Mode *m)
{
    return m->batch == MODE_BATCH_MAIN || m->batch == MODE_BATCH_BERT || m->batch == MODE_BATCH_T5 ||
           m->batch == MODE_BATCH_DECODE;
}

bool mode_has_tensors(const Mode *m)
{
    return m->story == NULL;
}

int mode_default_sentence(const Mode *m, const Scenario *sc)
{
    if (m->sentence != MODE_SENTENCE_LONGEST || !mode_rows_are_sentences(m))
        return 0;
    const Sentences *ss = &sc->sentences;
    int best = 0;
    for (int s = 1; s < ss->count; s++)
        if (ss->lengths[s] > ss->lengths[best])
            best = s;
    return best;
}

/* ---- the mask builder ---- */

static const struct {
    const char *name;
    const MaskTerm *term;
    ScenarioSetting setting; /* what name=VALUE sets */
    const char *label;
} buildable[] = {
    {"padding", &mask_term_padding, SETTING_NONE, NULL},
    {"causal", &mask_term_causal, SETTING_NONE, NULL},
    {"window", &mask_term_window, SETTING_WINDOW, "W"},
    {"prefix", &mask_term_prefix, SETTING_PREFIX, "P"},
    {"sinks", &mask_term_sink, SETTING_SINKS, "S"},
    {"global", &mask_term_global, SETTING_NONE, NULL},
    {"strided", &mask_term_strided, SETTING_WINDOW, "W"},
    {"document", &mask_term_document, SETTING_NONE, NULL},
};
enum { BUILDABLE = sizeof buildable / sizeof buildable[0] };
_Static_assert(BUILDABLE <= MODE_BUILDABLE_MAX, "MODE_BUILDABLE_MAX counts the builder's terms");

static Mode custom = {
    .name = "custom",
    .title = "Your mask",
    .tab = "Custom",
    .summary = "the mask builder: the terms of --terms (or the window's B strip) added together",
    .batch = MODE_BATCH_MAIN,
    .terms = {&mask_term_padding},
    .loss = MODE_LOSS_PADDING,
    .sentence = MODE_SENTENCE_LONGEST,
};
static bool custom_registered;

const char *mode_build_terms(void)
{
    static char names[256];
    size_t k = 0;
    for (int i = 0; i < BUILDABLE && k < sizeof names; i++)
        k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "", buildable[i].name);
    return names;
}

int mode_buildable_count(void) { return BUILDABLE; }
const char *mode_buildable_name(int i) { return buildable[i].name; }
const char *mode_buildable_label(int i) { return buildable[i].label; }
ScenarioSetting mode_buildable_setting(int i) { return buildable[i].setting; }

bool mode_buildable_in(const Mode *m, int i)
{
    for (int t = 0; t < MODE_MAX_TERMS && m->terms[t]; t++)
        if (m->terms[t] == buildable[i].term) return true;
    return false;
}

bool mode_is_built(const Mode *m) { return m == &custom; }

void mode_build_spec(const Mode *m, int toggle, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < BUILDABLE && k < n; i++)
        if (mode_buildable_in(m, i) != (i == toggle))
            k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? "," : "", buildable[i].name);
}

const Mode *mode_build(const char *spec, Scenario *sc, char *err, size_t errlen)
{
    const MaskTerm *terms[MODE_MAX_TERMS + 1] = {0};
    ScenarioSetting setting = SETTING_NONE;
    const char *label = NULL;
    ModeBatch batch = MODE_BATCH_MAIN;
    Scenario *trial = scenario_copy(sc); /* values land here first: sc changes only on success */
    int n = 0;
    const char *p = spec;
    bool ok = false;
    while (*p) {
        char item[64];
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof item || (p[len] == ',' && !p[len + 1])) {
            snprintf(err, errlen, "--terms: '%.60s' has an empty or over-long item; e.g. padding,causal,window=2",
                     spec);
            goto done;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        p += len + (p[len] == ',');
        char *value = strchr(item, '=');
        if (value) *value++ = '\0';
        int k = 0;
        while (k < BUILDABLE && strcmp(buildable[k].name, item) != 0) k++;
        if (k == BUILDABLE) {
            snprintf(err, errlen, "--terms: '%.40s' is not a mask term; use %s", item, mode_build_terms());
            goto done;
        }
        for (int i = 0; i < n; i++)
            if (terms[i] == buildable[k].term) {
                snprintf(err, errlen, "--terms: %s is given twice", item);
                goto done;
            }
        if (n == MODE_MAX_TERMS) {
            snprintf(err, errlen, "--terms: at most %d terms", MODE_MAX_TERMS);
            goto done;
        }
        terms[n++] = buildable[k].term;
        if (buildable[k].setting != SETTING_NONE) {
            setting = buildable[k].setting;
            label = buildable[k].label;
        }
        if (buildable[k].term == &mask_term_document) batch = MODE_BATCH_PACKED;
        if (!value) continue;
        char *end;
        if (buildable[k].term == &mask_term_global) {
            trial->nglobal = 0;
            for (char *v = value; *v;) {
                long g = strtol(v, &end, 10);
                int L = scenario_longest(&trial->sentences);
                if (end == v || g < 0 || g >= L || trial->nglobal == MS_MAX_GLOBAL || (*end && *end != '+')) {
                    snprintf(err, errlen, "--terms: global=%.40s: give token positions 0..%d joined by +, e.g. "
                             "global=0+3", value, L - 1);
                    goto done;
                }
                trial->global[trial->nglobal++] = (int)g;
                v = end + (*end == '+');
            }
            continue;
        }
        if (buildable[k].setting == SETTING_NONE) {
            snprintf(err, errlen, "--terms: %s takes no value", item);
            goto done;
        }
        long v = strtol(value, &end, 10);
        int lo = buildable[k].setting == SETTING_WINDOW ? 1 : 0;
        if (end == value || *end || v < lo || v > MS_MAX_WINDOW) {
            snprintf(err, errlen, "--terms: %s=%.40s: must be a whole number from %d to %d", item, value, lo,
                     MS_MAX_WINDOW);
            goto done;
        }
        scenario_set(trial, buildable[k].setting, (int)v);
    }
    if (n == 0) {
        snprintf(err, errlen, "--terms: name at least one term: %s", mode_build_terms());
        goto done;
    }
    if (!custom_registered) {
        if (!mode_register(&custom, err, errlen)) goto done;
        custom_registered = true;
    }
    memset(custom.terms, 0, sizeof custom.terms);
    memcpy(custom.terms, terms, (size_t)n * sizeof *terms);
    custom.batch = batch;
    custom.setting = setting;
    custom.setting_label = label;
    /* the values the spec gave */
    sc->window = trial->window;
    sc->sinks = trial->sinks;
    sc->nglobal = trial->nglobal;
    memcpy(sc->global, trial->global, sizeof sc->global);
    if (trial->prefix) {
        free(sc->prefix);
        sc->prefix = trial->prefix;
        trial->prefix = NULL;
    }
    ok = true;
done:
    scenario_free(trial);
    return ok ? &custom : NULL;
}
