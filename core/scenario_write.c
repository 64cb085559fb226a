/* A scenario written back as the JSON of a scenario file, so that loading
 * the text gives the same scenario: the window's sentence editor saves
 * this way (Ctrl+S), and `maskscope --scenario FILE` or `check FILE`
 * reads it. Everything the loader reads is written out: the whole
 * vocabulary, so every word keeps its id; each sentence as a string of
 * words, or as an array of ids when one of its ids has no word; the MLM
 * batch's [MASK] positions; losses, weights and every setting. Numbers are
 * text_double's, which read back exactly; strings go through cJSON, which
 * escapes quotes, backslashes and control characters. The layout is for
 * people: one member a line, one sentence or row of losses a line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "scenario.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

/* the members of one object: a comma before each but the first */
typedef struct Out {
    Strbuf *sb;
    const char *indent; /* of the object's members */
    bool first;
} Out;

static void put_string(Strbuf *sb, const char *s)
{
    cJSON *node = cJSON_CreateString(s);
    char *text = node ? cJSON_PrintUnformatted(node) : NULL;
    EXPECT(text); /* cJSON fails only when out of memory */
    strbuf_puts(sb, text);
    cJSON_free(text);
    cJSON_Delete(node);
}

static void put_number(Strbuf *sb, double v)
{
    char b[TEXT_DOUBLE_BYTES];
    strbuf_puts(sb, text_double(v, b));
}

/* starts member key: `"key": ` on a line of its own */
static void key(Out *o, const char *k)
{
    strbuf_puts(o->sb, o->first ? "\n" : ",\n");
    o->first = false;
    strbuf_puts(o->sb, o->indent);
    put_string(o->sb, k);
    strbuf_puts(o->sb, ": ");
}

static void member_int(Out *o, const char *k, long long v)
{
    key(o, k);
    strbuf_printf(o->sb, "%lld", v);
}

static void member_number(Out *o, const char *k, double v)
{
    key(o, k);
    put_number(o->sb, v);
}

static void member_string(Out *o, const char *k, const char *v)
{
    key(o, k);
    put_string(o->sb, v);
}

static void member_bool(Out *o, const char *k, bool v)
{
    key(o, k);
    strbuf_puts(o->sb, v ? "true" : "false");
}

/* opens an object member whose own members go one level deeper */
static Out open_object(Out *o, const char *k, const char *inner)
{
    key(o, k);
    strbuf_puts(o->sb, "{");
    return (Out){ .sb = o->sb, .indent = inner, .first = true };
}

static void close_object(Out *inner, const char *indent)
{
    strbuf_printf(inner->sb, "\n%s}", indent);
}

/* the word of id in the vocabulary (an id label is not a word), or NULL */
static const char *vocab_word(const Scenario *sc, int id)
{
    for (int i = 0; i < sc->vocab.count; i++)
        if (sc->vocab.ids[i] == id)
            return sc->vocab.words[i];
    return NULL;
}

/* sentence i of s: its words in one string, or its ids when one has no word */
static void put_sentence(Strbuf *sb, const Scenario *sc, const Sentences *s, int i)
{
    bool words = true;
    for (int k = 0; k < s->lengths[i]; k++)
        words &= s->ids[i][k] == sc->mask_id || vocab_word(sc, s->ids[i][k]) != NULL;
    if (!words) {
        strbuf_puts(sb, "[");
        for (int k = 0; k < s->lengths[i]; k++)
            strbuf_printf(sb, "%s%d", k ? ", " : "", s->ids[i][k]);
        strbuf_puts(sb, "]");
        return;
    }
    Strbuf line = {0};
    for (int k = 0; k < s->lengths[i]; k++) {
        int id = s->ids[i][k];
        strbuf_puts(&line, k ? " " : "");
        strbuf_puts(&line, id == sc->mask_id ? SCENARIO_MASK_WORD : vocab_word(sc, id));
    }
    put_string(sb, line.data ? line.data : "");
    strbuf_free(&line);
}

/* "key": [ one sentence a line ] */
static void member_sentences(Out *o, const char *k, const Scenario *sc, const Sentences *s)
{
    key(o, k);
    strbuf_puts(o->sb, "[");
    for (int i = 0; i < s->count; i++) {
        strbuf_printf(o->sb, "%s\n%s  ", i ? "," : "", o->indent);
        put_sentence(o->sb, sc, s, i);
    }
    strbuf_printf(o->sb, "\n%s]", o->indent);
}

/* "key": [ one row of cols numbers a line ] */
static void member_matrix(Out *o, const char *k, const double *m, int rows, int cols)
{
    key(o, k);
    strbuf_puts(o->sb, "[");
    for (int r = 0; r < rows; r++) {
        strbuf_printf(o->sb, "%s\n%s  [", r ? "," : "", o->indent);
        for (int c = 0; c < cols; c++) {
            strbuf_puts(o->sb, c ? ", " : "");
            put_number(o->sb, m[(size_t)r * (size_t)cols + (size_t)c]);
        }
        strbuf_puts(o->sb, "]");
    }
    strbuf_printf(o->sb, "\n%s]", o->indent);
}

/* "key": [a, b, c] */
static void member_ints(Out *o, const char *k, const int *v, int n)
{
    key(o, k);
    strbuf_puts(o->sb, "[");
    for (int i = 0; i < n; i++)
        strbuf_printf(o->sb, "%s%d", i ? ", " : "", v[i]);
    strbuf_puts(o->sb, "]");
}

/* what the loader accepts as "name": 1 to 80 bytes of UTF-8 without control characters */
static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 80 || name[text_utf8_bad(name)])
        return false;
    for (const char *q = name; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7F)
            return false;
    return true;
}

/* the decoder's sentences are the loader's default: each sentence's first half */
static bool decoder_default(const Scenario *sc)
{
    for (int s = 0; s < sc->sentences.count; s++)
        if (!scenario_decoder_is_default(sc, s))
            return false;
    return true;
}

/* "mlm": the MLM batch's own sentences when they are not the batch's, and its [MASK] positions */
static void member_mlm(Out *o, const Scenario *sc)
{
    const Sentences *m = &sc->mlm_source;
    Out in = open_object(o, "mlm", "    ");
    if (!scenario_mlm_is_batch(sc))
        member_sentences(&in, "sentences", sc, m);
    key(&in, "masked");
    strbuf_puts(in.sb, "[");
    for (int s = 0; s < m->count; s++) {
        strbuf_puts(in.sb, s ? ", [" : "[");
        for (int p = 0, k = 0; p < m->lengths[s]; p++)
            if (sc->mlm_masked[s][p])
                strbuf_printf(in.sb, "%s%d", k++ ? ", " : "", p);
        strbuf_puts(in.sb, "]");
    }
    strbuf_puts(in.sb, "]");
    if (sc->mlm_losses)
        member_matrix(&in, "losses", sc->mlm_losses, m->count, scenario_longest(m));
    close_object(&in, "  ");
}

static void member_corruption(Out *o, const Scenario *sc)
{
    static const char *const selections[] = { "bernoulli", "count", "span" };
    Out in = open_object(o, "bert", "    ");
    member_number(&in, "probability", sc->bert.probability);
    member_int(&in, "seed", (long long)sc->bert.seed);
    member_string(&in, "selection", selections[sc->bert.selection]);
    if (sc->bert.selection == SCENARIO_BERT_COUNT)
        member_int(&in, "max_predictions", sc->bert.max_predictions);
    member_bool(&in, "whole_word", sc->bert.whole_word);
    close_object(&in, "  ");
    in = open_object(o, "t5", "    ");
    member_number(&in, "noise_density", sc->t5.noise_density);
    member_number(&in, "mean_span_length", sc->t5.mean_span_length);
    member_int(&in, "seed", (long long)sc->t5.seed);
    close_object(&in, "  ");
}

char *scenario_to_json(const Scenario *sc)
{
    Strbuf sb = {0};
    strbuf_puts(&sb, "{");
    Out o = { .sb = &sb, .indent = "  ", .first = true };
    int B = sc->sentences.count, L = scenario_longest(&sc->sentences);
    if (name_ok(sc->name))
        member_string(&o, "name", sc->name);
    member_sentences(&o, "sentences", sc, &sc->sentences);
    Out in = open_object(&o, "vocab", "    ");
    for (int i = 0; i < sc->vocab.count; i++)
        member_int(&in, sc->vocab.words[i], sc->vocab.ids[i]);
    close_object(&in, "  ");
    member_int(&o, "pad_id", sc->pad_id);
    member_int(&o, "mask_id", sc->mask_id);
    member_string(&o, "padding", sc->padding == SCENARIO_PAD_LEFT ? "left" : "right");
    member_int(&o, "d_model", sc->d_model);
    member_int(&o, "seed", (long long)sc->seed);
    member_string(&o, "positions", sc->positions ? "sinusoidal" : "none");
    member_string(&o, "fully_masked_rows", sc->nan_policy == SCENARIO_ROWS_NAN ? "nan" : "zero");
    member_bool(&o, "mask_query_rows", sc->mask_query_rows);
    if (sc->losses)
        member_matrix(&o, "losses", sc->losses, B, L);
    if (sc->loss_weights)
        member_matrix(&o, "loss_weights", sc->loss_weights, B, L);
    member_mlm(&o, sc);
    member_int(&o, "window", sc->window);
    member_int(&o, "sinks", sc->sinks);
    if (sc->prefix)
        member_ints(&o, "prefix", sc->prefix, B);
    member_ints(&o, "global", sc->global, sc->nglobal);
    if (sc->pack_length)
        member_int(&o, "pack_length", sc->pack_length);
    if (!decoder_default(sc))
        member_sentences(&o, "decoder", sc, &sc->decoder);
    member_corruption(&o, sc);
    strbuf_puts(&sb, "\n}\n");
    return strbuf_take(&sb);
}
