/* check-mask: a mask from a user's file, judged.
 *
 * The file is what json.dump(mask.tolist(), f) writes: nested lists of
 * numbers or booleans, with -Infinity for -inf (Python's json writes it;
 * JSON has no such number, so it is read here as the string "-inf"
 * before the strict loader sees the text, keeping every byte in place for
 * error positions). Every cell is turned into "blocked or not" by the
 * format's own rule (convention.h), the layout is matched to the
 * scenario's batch ([L,L], [B,L,L], [B,1,L,L], or a [B,L] key vector),
 * and the blocked cells are compared with the masks of the mode table and
 * with the buggy lines of the gallery (bugs.h), in that order:
 *
 *   1. a bug whose cells it blocks (tril, diagonal=0, rows, inverted)
 *   2. a mode's mask, but causal alone on a left-padded batch (no-padding-left)
 *   3. a bug in the values: -inf in a finfo mask, 0/1 read as additive,
 *      -inf with a fully masked row
 *
 * Loss masks and labels are judged against the padding and MLM batches. */
#include "maskcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convention.h"
#include "doc.h"
#include "strbuf.h"
#include "xmalloc.h"

enum { FMT_LOSS = CONV_COUNT, FMT_LABELS, FMT_COUNT };
#define BF16_MIN (-3.3895313892515355e38)

struct MaskCheck {
    char *name;
    int format;
    Scenario *sc;
    Engine *e;               /* combined on the scenario: its batch and labels */
    Engine *mlm;             /* the MLM batch, for loss masks and labels */
    int ndim, shape[4];
    bool keys;               /* a [B,L] (or [B,1,1,L]) key vector, broadcast over the queries */
    bool broadcast;          /* one [L,L] matrix for every sentence */
    bool *blocked;           /* [B*L*L] attention formats */
    double *vals;            /* [B*L] loss masks and labels */
    const Engine *against;   /* the batch vals are read against (e or mlm) */
    bool zero_one, inf_in_finfo, has_inf, large_negative;
    MaskVerdict verdict;
    const Bug *bug;
    const Mode *mode;        /* the mode whose mask it is */
    char correct[160];       /* what a correct loss mask / labels / attention_mask is */
};

static const char *format_name(int f)
{
    return f == FMT_LOSS ? "loss" : f == FMT_LABELS ? "labels" : conv_info((ConvFormat)f)->name;
}

const char *maskcheck_formats(void)
{
    static char names[128];
    snprintf(names, sizeof names, "%s, loss, labels", conv_names());
    return names;
}

static int format_of(const char *name)
{
    for (int f = 0; name && f < FMT_COUNT; f++)
        if (strcmp(format_name(f), name) == 0)
            return f;
    return -1;
}

bool maskcheck_format_known(const char *name)
{
    return format_of(name) >= 0;
}

void maskcheck_free(MaskCheck *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->blocked);
    free(c->vals);
    engine_free(c->e);
    engine_free(c->mlm);
    scenario_free(c->sc);
    free(c);
}

MaskVerdict maskcheck_verdict(const MaskCheck *c) { return c->verdict; }
const Bug *maskcheck_bug(const MaskCheck *c) { return c->bug; }

/* ---- reading ---- */

/* Python's json writes -Infinity, Infinity and NaN, which JSON has not:
 * outside strings they become strings of the same length ("-inf"    ),
 * so every other byte keeps its line and column */
static void python_tokens(char *s, size_t len)
{
    static const struct { const char *token, *as; } map[] = {
        {"-Infinity", "\"-inf\"   "}, {"Infinity", "\"inf\"   "}, {"NaN", "\"n\""},
    };
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        if (in_string) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"')
                in_string = false;
            continue;
        }
        if (s[i] == '"') {
            in_string = true;
            continue;
        }
        for (size_t m = 0; m < sizeof map / sizeof *map; m++) {
            size_t n = strlen(map[m].token);
            if (i + n <= len && memcmp(s + i, map[m].token, n) == 0) {
                memcpy(s + i, map[m].as, n);
                i += n - 1;
                break;
            }
        }
    }
}

typedef struct Walk {
    const Doc *doc;
    MaskCheck *c;
    char *err;
    size_t errlen;
    double *flat;            /* leaves in order */
    const cJSON **nodes;     /* each leaf's node, for messages */
    size_t n, cap;
} Walk;

static void field(char *buf, size_t n, const int *index, int depth)
{
    size_t k = (size_t)snprintf(buf, n, "mask");
    for (int i = 0; i < depth && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "[%d]", index[i]);
}

/* a leaf as a number: booleans 1/0, the strings of ±inf and NaN; false and err otherwise */
static bool leaf(Walk *w, const cJSON *node, const char *where, double *v)
{
    if (cJSON_IsBool(node)) {
        *v = cJSON_IsTrue(node);
        return true;
    }
    if (cJSON_IsNumber(node)) {
        *v = node->valuedouble;
        return true;
    }
    if (cJSON_IsString(node)) {
        const char *s = node->valuestring;
        if (!strcmp(s, "-inf") || !strcmp(s, "-Infinity")) {
            *v = -INFINITY;
            return true;
        }
        if (!strcmp(s, "inf") || !strcmp(s, "Infinity")) {
            *v = INFINITY;
            return true;
        }
        if (!strcmp(s, "n") || !strcmp(s, "nan") || !strcmp(s, "NaN"))
            return doc_fail(w->doc, node, w->err, w->errlen, where, "NaN is not a mask value");
    }
    return doc_fail(w->doc, node, w->err, w->errlen, where,
                    "must be a number or true/false, as tensor.tolist() writes a mask");
}

static bool walk(Walk *w, const cJSON *node, int depth, int *index)
{
    char where[96];
    field(where, sizeof where, index, depth);
    if (depth == w->c->ndim) {
        double v = 0;
        if (!leaf(w, node, where, &v))
            return false;
        if (w->n == w->cap) {
            w->cap = w->cap ? 2 * w->cap : 256;
            w->flat = xrealloc(w->flat, w->cap * sizeof *w->flat);
            w->nodes = xrealloc(w->nodes, w->cap * sizeof *w->nodes);
        }
        w->flat[w->n] = v;
        w->nodes[w->n++] = node;
        return true;
    }
    if (!cJSON_IsArray(node))
        return doc_fail(w->doc, node, w->err, w->errlen, where, "must be a list of %d, as mask%s has %d dimensions",
                        w->c->shape[depth], depth ? "[0]…" : "", w->c->ndim - depth);
    int size = cJSON_GetArraySize(node);
    if (size != w->c->shape[depth])
        return doc_fail(w->doc, node, w->err, w->errlen, where, "has %d elements where the first has %d; every row "
                        "of a tensor has the same length", size, w->c->shape[depth]);
    int i = 0;
    for (const cJSON *ch = node->child; ch; ch = ch->next, i++) {
        index[depth] = i;
        if (!walk(w, ch, depth + 1, index))
            return false;
    }
    return true;
}

/* the shape from the first elements, down to the first non-list */
static bool shape_of(const Doc *doc, const cJSON *root, MaskCheck *c, char *err, size_t errlen)
{
    const cJSON *node = root;
    c->ndim = 0;
    while (cJSON_IsArray(node)) {
        if (c->ndim == 4)
            return doc_fail(doc, root, err, errlen, "mask", "has more than 4 dimensions; a mask has 2 to 4");
        int n = cJSON_GetArraySize(node);
        if (n == 0)
            return doc_fail(doc, node, err, errlen, "mask", "an empty list; a mask has at least one token");
        c->shape[c->ndim++] = n;
        node = node->child;
    }
    if (c->ndim < 2)
        return doc_fail(doc, root, err, errlen, "mask", "must be a nested list ([L, L], [B, L, L], [B, 1, L, L] or "
                        "[B, L]), as mask.tolist() writes it");
    return true;
}

/* ---- the layout against the batch ---- */

static void shape_text(char *buf, size_t n, const MaskCheck *c)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < c->ndim && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%d", i ? ", " : "", c->shape[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

/* which cells are blocked, by the format's rule, into c->blocked; false and err for a value the format has not */
static bool attention_cells(MaskCheck *c, Walk *w, char *err, size_t errlen)
{
    int B = engine_sentences(c->e), L = engine_length(c->e);
    const int *sh = c->shape;
    int nd = c->ndim;
    /* the layouts a format's API takes, read against the batch */
    bool square = sh[nd - 1] == L && sh[nd - 2] == L;
    bool heads = nd == 4 && sh[1] == 1 && (sh[0] == B || sh[0] == 1) && square;
    bool key_heads = nd == 4 && sh[1] == 1 && sh[2] == 1 && sh[0] == B && sh[3] == L;
    bool batch3 = nd == 3 && (sh[0] == B || sh[0] == 1) && square;
    bool keys2 = nd == 2 && sh[0] == B && sh[1] == L && (!square || c->format == CONV_HF);
    bool one = nd == 2 && square && c->format != CONV_HF;
    char shown[64];
    shape_text(shown, sizeof shown, c);
    if (!(heads || key_heads || batch3 || keys2 || one) || (c->format == CONV_HF && !keys2) ||
        (c->format == CONV_MHA && (heads || key_heads))) {
        const char *want = c->format == CONV_HF    ? "[B, L]"
                           : c->format == CONV_MHA ? "[L, L] or [B, L, L] (attn_mask), or [B, L] (key_padding_mask)"
                                                   : "[L, L], [B, L, L], [B, 1, L, L] or [B, 1, 1, L]";
        return doc_fail(w->doc, doc_root(w->doc), err, errlen, "mask", "shape %s does not fit the batch of %d "
                        "sentence%s of %d tokens; --as %s takes %s", shown, B, B == 1 ? "" : "s", L,
                        format_name(c->format), want);
    }
    c->keys = key_heads || keys2;
    c->broadcast = one || ((batch3 || heads) && sh[0] == 1 && B > 1);
    /* a 0/1 additive mask is a keep mask (1 = attend), read as the code that multiplies it would */
    if (c->format == CONV_ADDITIVE)
        for (size_t i = 0; i < w->n; i++)
            c->zero_one = c->zero_one || w->flat[i] == 1;
    bool *cell = xcalloc(w->n, sizeof *cell);
    char where[96];
    for (size_t i = 0; i < w->n; i++) {
        double v = w->flat[i];
        bool ok = true;
        switch (c->format) {
        case CONV_ADDITIVE:
            if (c->zero_one)
                ok = v == 0 || v == 1, cell[i] = v == 0;
            else {
                ok = v == 0 || (v < 0 && (isinf(v) || v <= -1e4));
                cell[i] = v != 0;
                c->has_inf = c->has_inf || isinf(v);
                c->large_negative = c->large_negative || (v < 0 && !isinf(v));
            }
            break;
        case CONV_FINFO:
            ok = v == 0 || v == CONV_FINFO_MIN || v == BUGS_F16_MIN || v == BF16_MIN || (isinf(v) && v < 0);
            cell[i] = v != 0;
            c->inf_in_finfo = c->inf_in_finfo || isinf(v);
            break;
        case CONV_MHA:
            ok = v == 0 || v == 1, cell[i] = v == 1;
            break;
        default: /* sdpa, jax, hf: True / 1 = attend */
            ok = v == 0 || v == 1, cell[i] = v == 0;
            break;
        }
        if (!ok) {
            int index[4];
            for (int d = c->ndim - 1, rest = (int)i; d >= 0; d--)
                index[d] = rest % c->shape[d], rest /= c->shape[d];
            field(where, sizeof where, index, c->ndim);
            free(cell);
            const ConvInfo *fi = conv_info((ConvFormat)c->format);
            if (c->zero_one)
                return doc_fail(w->doc, w->nodes[i], err, errlen, where, "%g in a 0/1 mask; a mask holds 1 (attend) "
                                "and 0 (blocked) or 0 and -inf, not both", v);
            return doc_fail(w->doc, w->nodes[i], err, errlen, where, "%g is not a value of --as %s (%s): %s attends, "
                            "%s blocks", v, fi->name, fi->meaning, fi->keep, fi->block);
        }
    }
    /* spread over [B, L, L]: one matrix for every sentence, or a key vector for every query */
    c->blocked = xcalloc((size_t)B * L * L, sizeof *c->blocked);
    for (int s = 0; s < B; s++)
        for (int q = 0; q < L; q++)
            for (int k = 0; k < L; k++) {
                size_t from = c->keys ? (size_t)s * L + k : c->broadcast ? (size_t)q * L + k : ((size_t)s * L + q) * L + k;
                c->blocked[((size_t)s * L + q) * L + k] = cell[from];
            }
    free(cell);
    return true;
}

static bool value_cells(MaskCheck *c, Walk *w, char *err, size_t errlen)
{
    const Engine *main_e = c->e, *mlm_e = c->mlm;
    bool fits_main = c->ndim == 2 && c->shape[0] == engine_sentences(main_e) && c->shape[1] == engine_length(main_e);
    bool fits_mlm = c->ndim == 2 && c->shape[0] == engine_sentences(mlm_e) && c->shape[1] == engine_length(mlm_e);
    if (!fits_main && !fits_mlm) {
        char shown[64];
        shape_text(shown, sizeof shown, c);
        return doc_fail(w->doc, doc_root(w->doc), err, errlen, "mask", "shape %s does not fit the batch (%d × %d) or "
                        "the MLM batch (%d × %d); --as %s takes [B, L]", shown, engine_sentences(main_e),
                        engine_length(main_e), engine_sentences(mlm_e), engine_length(mlm_e), format_name(c->format));
    }
    c->against = fits_main ? main_e : mlm_e;
    for (size_t i = 0; i < w->n; i++) {
        double v = w->flat[i];
        bool ok = c->format == FMT_LOSS ? v >= 0 && v <= 1
                                        : v == floor(v) && (v == -100 || (v >= 0 && v <= MS_MAX_TOKEN_ID));
        char where[96];
        field(where, sizeof where, (int[]){(int)i / c->shape[1], (int)i % c->shape[1]}, 2);
        if (!ok)
            return doc_fail(w->doc, w->nodes[i], err, errlen, where, c->format == FMT_LOSS
                            ? "%g is not a loss weight; a loss mask holds numbers from 0 (not counted) to 1"
                            : "%g is not a label; labels are token ids from 0, or -100 (ignored)", v);
    }
    c->vals = xmalloc(w->n * sizeof *c->vals);
    memcpy(c->vals, w->flat, w->n * sizeof *c->vals);
    return true;
}

/* ---- judging ---- */

static bool left_padded(const Engine *e)
{
    for (int s = 0; s < engine_sentences(e); s++)
        for (int p = 1; p < engine_length(e); p++)
            if (!engine_is_real(e, s, p - 1) && engine_is_real(e, s, p))
                return true;
    return false;
}

static bool fully_masked(const MaskCheck *c, int s, int q)
{
    int L = engine_length(c->e);
    for (int k = 0; k < L; k++)
        if (!c->blocked[((size_t)s * L + q) * L + k])
            return false;
    return true;
}

static int fully_masked_rows(const MaskCheck *c)
{
    int n = 0;
    for (int s = 0; s < engine_sentences(c->e); s++)
        for (int q = 0; q < engine_length(c->e); q++)
            n += fully_masked(c, s, q);
    return n;
}

/* the first mode of the table, computed on this batch, whose mask blocks
 * exactly these cells, with its padding term (*bare false) or without it */
static const Mode *mode_matching(MaskCheck *c, bool *bare)
{
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < mode_count(); i++) {
            const Mode *m = mode_at(i);
            if (!mode_has_tensors(m) || m->batch != MODE_BATCH_MAIN || mode_is_built(m))
                continue;
            int n = mode_nterms(m);
            if (pass == 1 && (n < 2 || m->terms[0] != &mask_term_padding))
                continue;
            char err[256];
            Engine *e = engine_new(c->sc, m, err, sizeof err);
            if (!e)
                continue;
            bool same = true;
            size_t cells = (size_t)engine_sentences(e) * engine_length(e) * engine_length(e);
            for (size_t k = 0; k < cells && same; k++) {
                bool blocked = false;
                for (int t = pass; t < n; t++) /* pass 1 leaves the padding term out */
                    blocked = blocked || isinf(engine_tensor(e, (TensorId)(T_TERM + t))->data[k]);
                same = c->blocked[k] == blocked;
            }
            engine_free(e);
            if (same) {
                *bare = pass == 1;
                return m;
            }
        }
    return NULL;
}

/* some real token sees a [PAD] */
static bool reads_padding(const MaskCheck *c)
{
    int B = engine_sentences(c->e), L = engine_length(c->e);
    for (int s = 0; s < B; s++)
        for (int q = 0; q < L; q++)
            for (int k = 0; k < L; k++)
                if (engine_is_real(c->e, s, q) && !engine_is_real(c->e, s, k) && !c->blocked[((size_t)s * L + q) * L + k])
                    return true;
    return false;
}

static void judge_attention(MaskCheck *c)
{
    for (int i = 0; i < bugs_count() && !c->bug; i++) {
        const Bug *b = bugs_at(i);
        if (b->kind == BUG_ATTENTION && b->blocks && !b->left_padding && bugs_blocks_match(b, c->e, c->blocked))
            c->bug = b;
    }
    bool bare = false;
    if (!c->bug)
        c->mode = mode_matching(c, &bare);
    /* a mask without its padding term (causal alone is the causal mode): right only while no real token sees a [PAD] */
    bool no_padding = c->mode && (bare || strcmp(c->mode->name, "causal") == 0);
    if (no_padding && reads_padding(c))
        c->bug = bugs_find("no-padding-left");
    else if (bare)
        snprintf(c->correct, sizeof c->correct, "the mask of mode %s without its padding term: no real token sees a "
                 "[PAD] here (padding on the right), but add A_pad for a batch padded on the left", c->mode->name);
    if (!c->bug && c->format == CONV_HF && !c->mode && reads_padding(c) && left_padded(c->e))
        c->bug = bugs_find("no-padding-left");
    if (!c->bug && c->inf_in_finfo)
        c->bug = bugs_find("finfo-min-then-add");
    if (!c->bug && c->zero_one)
        c->bug = bugs_find("mask-after-softmax");
    if (!c->bug && c->format == CONV_ADDITIVE && c->has_inf && fully_masked_rows(c))
        c->bug = bugs_find("fp16-neg-inf");
    c->verdict = c->bug ? MASK_BUG : c->mode ? MASK_CORRECT : MASK_UNKNOWN;
}

static void judge_values(MaskCheck *c)
{
    int B = c->shape[0], L = c->shape[1];
    bool main_fits = B == engine_sentences(c->e) && L == engine_length(c->e);
    bool mlm_fits = B == engine_sentences(c->mlm) && L == engine_length(c->mlm);
    if (c->format == FMT_LOSS) {
        const Tensor *pm = engine_tensor(c->e, T_LOSS_MASK);
        Tensor *mm = batch_mlm_loss_mask(engine_batch(c->mlm));
        bool same_padding = main_fits, same_mlm = mlm_fits, counts_pad = false;
        for (size_t i = 0; i < (size_t)B * L; i++) {
            same_padding = same_padding && c->vals[i] == pm->data[i];
            same_mlm = same_mlm && c->vals[i] == mm->data[i];
            counts_pad = counts_pad || (!engine_is_real(c->against, (int)(i / L), (int)(i % L)) && c->vals[i] != 0);
        }
        tensor_free(mm);
        if (same_padding)
            snprintf(c->correct, sizeof c->correct, "the padding loss mask: (batch != PAD_IDX).float()%s",
                     engine_scenario(c->e)->loss_weights ? " times the scenario's loss_weights" : "");
        else if (same_mlm)
            snprintf(c->correct, sizeof c->correct, "the MLM loss mask: (mlm_batch == MASK_IDX).float()");
        else if (counts_pad)
            c->bug = bugs_find("loss-over-padding");
        else
            snprintf(c->correct, sizeof c->correct, "a weighted loss mask that counts no [PAD]");
    } else {
        /* -100 exactly where nothing is to be learnt: [PAD] for a language model, all but [MASK] for MLM */
        bool lm = main_fits, mlm_ok = mlm_fits, any_ignored = false;
        for (int s = 0; s < B; s++)
            for (int p = 0; p < L; p++) {
                bool ignored = c->vals[(size_t)s * L + p] == -100;
                any_ignored = any_ignored || ignored;
                if (main_fits)
                    lm = lm && ignored == !engine_is_real(c->e, s, p);
                if (mlm_fits)
                    mlm_ok = mlm_ok && ignored == (engine_id(c->mlm, s, p) != engine_mask_id(c->mlm));
            }
        if (lm)
            snprintf(c->correct, sizeof c->correct, "language-model labels: -100 at every [PAD]");
        else if (mlm_ok)
            snprintf(c->correct, sizeof c->correct, "MLM labels: -100 everywhere but the [MASK] positions");
        else if (!any_ignored)
            c->bug = bugs_find("no-ignore-index");
    }
    c->verdict = c->bug ? MASK_BUG : c->correct[0] ? MASK_CORRECT : MASK_UNKNOWN;
}

MaskCheck *maskcheck_parse(const char *text, size_t len, const char *name, const char *as, const Scenario *sc,
                           char *err, size_t errlen)
{
    int format = format_of(as);
    EXPECT(format >= 0);
    MaskCheck *c = xcalloc(1, sizeof *c);
    c->format = format;
    c->name = xstrdup(name);
    c->sc = scenario_copy(sc);
    Doc *doc = NULL;
    Walk w = {0};
    char *copy = xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    python_tokens(copy, len);
    if (!(c->e = engine_new(c->sc, mode_find("combined"), err, errlen)) ||
        !(c->mlm = engine_new(c->sc, mode_find("mlm"), err, errlen)))
        goto fail;
    if (!(doc = doc_parse(copy, len, name, err, errlen)))
        goto fail;
    if (!shape_of(doc, doc_root(doc), c, err, errlen))
        goto fail;
    w = (Walk){.doc = doc, .c = c, .err = err, .errlen = errlen};
    int index[4] = {0};
    if (!walk(&w, doc_root(doc), 0, index))
        goto fail;
    if (format >= FMT_LOSS ? !value_cells(c, &w, err, errlen) : !attention_cells(c, &w, err, errlen))
        goto fail;
    if (format >= FMT_LOSS)
        judge_values(c);
    else
        judge_attention(c);
    free(w.flat);
    free(w.nodes);
    doc_free(doc);
    free(copy);
    return c;
fail:
    free(w.flat);
    free(w.nodes);
    doc_free(doc);
    free(copy);
    maskcheck_free(c);
    return NULL;
}

/* ---- the report ---- */

/* "The cat ate" of the keys query q of sentence s sees; positions past 16 keys */
static void sees(const MaskCheck *c, int s, int q, Strbuf *sb)
{
    int L = engine_length(c->e), n = 0;
    for (int k = 0; k < L; k++) {
        if (c->blocked[((size_t)s * L + q) * L + k])
            continue;
        if (n++ == 16) {
            strbuf_puts(sb, " \u2026");
            break;
        }
        strbuf_printf(sb, " %s", engine_label(c->e, s, k));
    }
    if (!n)
        strbuf_puts(sb, " nothing: a fully masked row");
}

static void report_attention(const MaskCheck *c, Strbuf *sb)
{
    const Engine *e = c->e;
    int B = engine_sentences(e), L = engine_length(e);
    strbuf_puts(sb, "Which keys each query sees:\n");
    for (int s = 0; s < B; s++) {
        char words[512];
        engine_sentence_text(e, s, words, sizeof words);
        strbuf_printf(sb, "  sentence %d: %s\n", s, words);
        for (int q = 0; q < L; q++) {
            strbuf_printf(sb, "    %d %s \u2192", q, engine_label(e, s, q));
            sees(c, s, q, sb);
            strbuf_puts(sb, "\n");
        }
    }
    /* causal: no real query sees a later key */
    int cs = -1, cq = -1, ck = -1, ps = -1, pq = -1, pk = -1;
    for (int s = 0; s < B; s++)
        for (int q = 0; q < L; q++) {
            if (!engine_is_real(e, s, q))
                continue;
            for (int k = 0; k < L; k++) {
                if (c->blocked[((size_t)s * L + q) * L + k])
                    continue;
                if (k > q && cs < 0)
                    cs = s, cq = q, ck = k;
                if (!engine_is_real(e, s, k) && ps < 0)
                    ps = s, pq = q, pk = k;
            }
        }
    if (cs < 0)
        strbuf_puts(sb, "Causal: yes, no token sees a later one.\n");
    else
        strbuf_printf(sb, "Causal: no, \u201c%s\u201d (%d) sees the later \u201c%s\u201d (%d) in sentence %d.\n",
                      engine_label(e, cs, cq), cq, engine_label(e, cs, ck), ck, cs);
    bool any_pad = false;
    for (int s = 0; s < B; s++)
        for (int k = 0; k < L; k++)
            any_pad = any_pad || !engine_is_real(e, s, k);
    if (!any_pad)
        strbuf_puts(sb, "Padding: the batch has no [PAD].\n");
    else if (ps < 0)
        strbuf_puts(sb, "Padding: every [PAD] key is blocked for the real tokens.\n");
    else
        strbuf_printf(sb, "Padding: not blocked; \u201c%s\u201d (%d) sees the [PAD] at %d in sentence %d.\n",
                      engine_label(e, ps, pq), pq, pk, ps);
    int full = fully_masked_rows(c);
    if (!full) {
        strbuf_puts(sb, "Fully masked rows: none.\n");
    } else {
        strbuf_printf(sb, "Fully masked rows: %d (sentence:row", full);
        int shown = 0;
        for (int s = 0; s < B; s++)
            for (int q = 0; q < L; q++)
                if (fully_masked(c, s, q) && shown++ < 8)
                    strbuf_printf(sb, "%s%d:%d", shown == 1 ? " " : ", ", s, q);
        strbuf_printf(sb, "%s); %s gives them %s.\n", full > 8 ? ", \u2026" : "",
                      conv_info((ConvFormat)c->format)->library, conv_info((ConvFormat)c->format)->fully_masked);
    }
}

static void report_values(const MaskCheck *c, Strbuf *sb)
{
    const Engine *e = c->against;
    int B = engine_sentences(e), L = engine_length(e);
    strbuf_printf(sb, "Read against the %s:\n", e == c->mlm ? "MLM batch" : "batch");
    for (int s = 0; s < B; s++) {
        strbuf_printf(sb, "  sentence %d:", s);
        for (int p = 0; p < L; p++) {
            double v = c->vals[(size_t)s * L + p];
            if (c->format == FMT_LOSS)
                strbuf_printf(sb, " %s=%g", engine_label(e, s, p), v);
            else
                strbuf_printf(sb, " %s=%s", engine_label(e, s, p), v == -100 ? "ignored" : "target");
        }
        strbuf_puts(sb, "\n");
    }
}

char *maskcheck_report(const MaskCheck *c)
{
    Strbuf sb = {0};
    char shown[64];
    shape_text(shown, sizeof shown, c);
    const Engine *e = c->e;
    if (c->format >= FMT_LOSS)
        strbuf_printf(&sb, "%s: %s, shape %s\n", c->name, c->format == FMT_LOSS ? "a loss mask" : "labels", shown);
    else
        strbuf_printf(&sb, "%s: --as %s (%s), shape %s%s\n", c->name, format_name(c->format),
                      c->zero_one ? "read as a 0/1 keep mask: 1 = attend" : conv_info((ConvFormat)c->format)->meaning,
                      shown, c->keys ? ", a key vector for every query"
                                     : c->broadcast ? ", one matrix for every sentence" : "");
    strbuf_printf(&sb, "Scenario: %s, %d sentences of up to %d tokens.\n", engine_scenario(e)->name,
                  engine_sentences(e), engine_length(e));
    if (c->format >= FMT_LOSS)
        report_values(c, &sb);
    else
        report_attention(c, &sb);
    if (c->large_negative)
        strbuf_puts(&sb, "Note: blocked cells hold a finite number: a fully masked row gets uniform weights instead "
                         "of NaN, and a number below -65504 overflows to -inf in float16.\n");
    switch (c->verdict) {
    case MASK_CORRECT:
        if (c->correct[0])
            strbuf_printf(&sb, "Verdict: correct, %s.\n", c->correct);
        else if (c->mode)
            strbuf_printf(&sb, "Verdict: correct, the mask of mode %s (%s).\n", c->mode->name, c->mode->title);
        break;
    case MASK_BUG:
        strbuf_printf(&sb, "Verdict: the known bug %s, %s. %s\n", c->bug->slug, c->bug->title, c->bug->why);
        strbuf_printf(&sb, "  Symptom: %s\n  Fix: %s\n", c->bug->symptom, c->bug->right_code);
        break;
    case MASK_UNKNOWN:
        strbuf_puts(&sb, "Verdict: not a mask of any mode (maskscope --help lists them) and no known bug.\n");
        break;
    }
    return strbuf_take(&sb);
}
