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
#include <string.h>

#include "xmalloc.h"

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
        .loss = MODE_LOSS_PADDING,
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
        .loss = MODE_LOSS_PADDING,
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

const Sentences *mode_sentences(const Mode *m, const Scenario *sc)
{
    return m->batch == MODE_BATCH_MLM ? &sc->mlm_source : &sc->sentences;
}

int mode_default_sentence(const Mode *m, const Scenario *sc)
{
    if (m->sentence != MODE_SENTENCE_LONGEST)
        return 0;
    const Sentences *ss = mode_sentences(m, sc);
    int best = 0;
    for (int s = 1; s < ss->count; s++)
        if (ss->lengths[s] > ss->lengths[best])
            best = s;
    return best;
}
