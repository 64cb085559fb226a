/* The storyboard turns an engine's tensors into the lesson's steps. It
 * computes nothing: each panel is a 2-D view into a tensor the engine
 * already holds, with the words on its axes, the recipe that made it and
 * the operator that joins it to the panel before, so a renderer can draw
 *
 *     A_scores  +  A_pad  +  A_causal  =  A_masked
 *
 * without knowing anything about attention. The attention story has
 * eight steps, in the order the notebook computes them:
 *
 *     tokens -> qkv -> scores -> mask -> masked -> weights -> output -> loss
 *
 * The mask steps loop over the mode's mask terms, so a new mask family
 * appears here without a line of this file changing. In the batch view
 * (sentence -1) the per-sentence steps repeat one grid row per sentence;
 * the token and loss steps show the [B,L] tensors.
 *
 * A mode may tell a story of its own instead (its row's `story` names the
 * steps, from the catalogue at the end of this file). bert and t5 tell
 * what pretraining does to a sentence:
 *
 *     bert: original -> chosen -> corrupted -> labels -> loss_mask -> loss
 *     t5:   original -> noise -> input -> target -> decoder -> loss
 *
 * stacking a sentence's rows stage by stage, each cell tinted by what
 * happened to its token. */
#include "steps.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

static const char *const attention_story[] = {"tokens", "qkv", "scores", "mask", "masked", "weights", "output", "loss",
                                             NULL};

struct Steps {
    const Engine *e;
    const StepsStory *story; /* the mode's own storyboard, or NULL */
    void *story_data;
    StepsNames names;        /* the story's step names */
    int sentence;            /* -1: the whole batch */
    int count;
    Step *steps;
    char **dim_labels;       /* d entries: "d0".. */
    char **pos_labels;       /* L entries: "0".. */
    char **sent_labels;      /* B entries: "s0".. */
    bool *pad;               /* [B*L] true where the keys' batch holds padding */
    bool *qpad;              /* [B*Lq] the same for the queries' batch (pad, but for cross-attention) */
    char **qpos_labels;      /* Lq entries: "0".. */
    bool *spad;              /* [B*Ls] the same for the sentences before corruption (bert, t5) */
    char **spos_labels;      /* Ls entries: "0".. */
    bool *built;             /* [count]: a step is laid out when first asked for */
    char **loss_words;       /* [B*Lq] the word of each loss position ("[MASK]→cat" where a [MASK] hides one) */
    bool *loss_off;          /* [B*Lq] positions the loss mask multiplies by 0 */
    char **own_words;        /* [B*Lq] the word at each position (next-token loss: beside its target) */
    struct Shown *shown;     /* [count]: what steps_show asked for each step */
    unsigned char **tints;   /* the panels' tints, owned here */
    int ntints, tints_cap;
    char **tpos_labels;      /* decode: T entries, "0".., for the sequences' columns */
    int B, L, Lq, Ls, T, d;
    int decimals;            /* how cells print values (for the tooltips' rounding note) */
};

/* steps_show's choice for one step, with its own copy of the names */
struct Shown {
    bool set;                /* false: all of the step */
    bool all_panels;         /* no list of panels: every one */
    char **names;
    int nnames;
    bool hide_result, hide_caption, hide_note;
};

/* whether a tensor's rows are query positions (the decoder's in
 * cross-attention) rather than key positions */
static bool query_rows(TensorId id)
{
    switch (id) {
    case T_QUERY_BATCH: case T_QUERY_EMBEDDINGS: case T_Q: case T_SCORES: case T_MASK: case T_MASKED:
    case T_WEIGHTS: case T_OUTPUT: case T_LOSSES: case T_LOSS_MASK: case T_MASKED_LOSSES: case T_BLOCKED_ROWS:
    case T_PADDING_LOSS_MASK: case T_DECODER_CAUSAL: case T_LABELS:
        return true;
    default:
        return id >= T_TERM;
    }
}

static void name_step(StepsNames *names, const char *slug, const char *of, int repeat)
{
    EXPECT(names->count < STEPS_MAX_STORY && strlen(slug) < STEPS_SLUG_BYTES);
    int i = names->count++;
    if (repeat)
        snprintf(names->slug[i], STEPS_SLUG_BYTES, "%s%d", slug, repeat);
    else
        snprintf(names->slug[i], STEPS_SLUG_BYTES, "%s", slug);
    names->of[i] = of;
    names->repeat[i] = repeat;
}

int steps_story(const Mode *m, const Scenario *sc, StepsNames *names)
{
    names->count = 0;
    if (m->story) {
        const char *const *slugs;
        int n = m->story->names(&slugs);
        for (int i = 0; i < n; i++)
            name_step(names, slugs[i], NULL, 0);
        return names->count;
    }
    const char *const *slugs = m->steps ? m->steps : attention_story;
    for (int i = 0; slugs[i]; i++) {
        bool repeated = m->repeat && strcmp(slugs[i], m->repeat) == 0;
        int times = !repeated ? 1 : sc ? sc->generate : SCENARIO_GENERATE;
        for (int t = 1; t <= times; t++)
            name_step(names, slugs[i], slugs[i], repeated ? t : 0);
    }
    return names->count;
}

void steps_format_value(double v, bool is_int, int decimals, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "NaN");
    else if (isinf(v))
        snprintf(buf, n, v < 0 ? "\u2212\u221e" : "\u221e");
    else if (is_int)
        snprintf(buf, n, "%.0f", v);
    else {
        /* a value that rounds to zero shows as 0.00, never -0.00 */
        double scale = pow(10, decimals);
        if (fabs(v) * scale < 0.5)
            v = 0;
        if (v < 0)
            snprintf(buf, n, "\u2212%.*f", decimals, -v);
        else
            snprintf(buf, n, "%.*f", decimals, v);
    }
}

/* ---- labels ---- */

char **steps_labels(const char *prefix, int n)
{
    char **l = xcalloc((size_t)n + 1, sizeof *l);
    for (int i = 0; i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s%d", prefix, i);
        l[i] = xstrdup(buf);
    }
    return l;
}

void steps_labels_free(char **l, int n)
{
    if (!l)
        return;
    for (int i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

/* superscript digits for the notebook's A^(0) */
static void superscript(int n, char *buf, size_t len)
{
    static const char *const sup[10] = {"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                        "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
    char digits[16];
    snprintf(digits, sizeof digits, "%d", n);
    size_t used = 0;
    used += (size_t)snprintf(buf, len, "\u207d");
    for (char *d = digits; *d && used < len; d++)
        used += (size_t)snprintf(buf + used, len - used, "%s", sup[*d - '0']);
    if (used < len)
        snprintf(buf + used, len - used, "\u207e");
}

/* ---- panels ---- */

static Tensor row_view(const Tensor *t2, int r)
{
    Tensor v = tensor_slice(t2, r);
    v.ndim = 2;
    v.shape[1] = v.shape[0];
    v.shape[0] = 1;
    return v;
}

typedef struct Builder {
    Steps *st;
    int index;   /* the step's place in the story */
    Step *step;
    int cap;
} Builder;

static Panel *add(Builder *b, TensorId id, int sentence, Tensor view, PanelScale scale, const char *join)
{
    Step *step = b->step;
    if (step->npanels == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        step->panels = xrealloc(step->panels, (size_t)b->cap * sizeof *step->panels);
    }
    Panel *p = &step->panels[step->npanels++];
    const Engine *e = b->st->e;
    *p = (Panel){.tensor = id, .recipe = engine_recipe(e, id), .name = engine_name(e, id), .view = view,
                 .scale = scale, .join = join, .sentence = sentence, .shared = !engine_batched(id)};
    char sup[48] = "";
    if (sentence >= 0 && view.shape[0] > 1 && engine_batched(id))
        superscript(sentence, sup, sizeof sup);
    snprintf(p->title, sizeof p->title, "%s%s", p->name, sup);
    p->row_axis = "query";
    p->col_axis = "key";
    return p;
}

/* a panel of sentence s in its grid row: sentence s's slice of tensor id,
 * token rows, token or dim columns */
static Panel *add_tok(Builder *b, TensorId id, int s, PanelScale scale, const char *join, bool cols_tokens,
                      const char *row_axis, const char *col_axis)
{
    Steps *st = b->st;
    Panel *p = add(b, id, s, engine_view(st->e, id, s), scale, join);
    bool q = query_rows(id);
    p->row_labels = q ? engine_query_labels(st->e, s) : engine_labels(st->e, s);
    p->row_dim = q ? st->qpad + (size_t)s * st->Lq : st->pad + (size_t)s * st->L;
    p->row_axis = row_axis;
    p->col_axis = col_axis;
    if (cols_tokens) {
        p->col_labels = engine_labels(st->e, s);
        p->col_dim = st->pad + (size_t)s * st->L;
    } else {
        p->col_labels = (const char *const *)st->dim_labels;
    }
    p->grid_row = st->sentence < 0 ? s : 0;
    return p;
}

/* a query-by-key mask panel: mask term i, or (i < 0) the sum of the terms */
static Panel *add_mask(Builder *b, int i, int s, const char *join)
{
    TensorId id = i < 0 ? T_MASK : (TensorId)(T_TERM + i);
    Panel *p = add_tok(b, id, s, PANEL_MASK, join, true, "query", "key");
    if (i >= 0 && engine_term(b->st->e, i)->shared) {
        /* the same for every sentence: no superscript, no greyed padding */
        p->shared = true;
        snprintf(p->title, sizeof p->title, "%s", p->name);
        p->row_dim = p->col_dim = NULL;
    }
    return p;
}

/* a [B,L] tensor as a whole, or row s of it as [1,L] */
static Panel *add_batch_row(Builder *b, TensorId id, int s, PanelScale scale, const char *join)
{
    Steps *st = b->st;
    const Tensor *t = engine_tensor(st->e, id);
    Panel *p;
    if (s < 0) {
        p = add(b, id, -1, *t, scale, join);
        p->row_labels = (const char *const *)st->sent_labels;
        p->col_labels = (const char *const *)(query_rows(id) ? st->qpos_labels : st->pos_labels);
        p->row_axis = "sentence";
        p->col_axis = "position";
    } else {
        bool q = query_rows(id);
        p = add(b, id, s, row_view(t, s), scale, join);
        snprintf(p->title, sizeof p->title, "%s[%d]", p->name, s);
        p->row_labels = (const char *const *)st->sent_labels + s;
        p->col_labels = q ? engine_query_labels(st->e, s) : engine_labels(st->e, s);
        p->col_dim = q ? st->qpad + (size_t)s * st->Lq : st->pad + (size_t)s * st->L;
        p->row_axis = "sentence";
        p->col_axis = "token";
    }
    return p;
}

static Step *begin(Builder *b, const char *title)
{
    b->step = &b->st->steps[b->index];
    b->cap = 0;
    b->step->slug = b->st->names.slug[b->index];
    snprintf(b->step->title, sizeof b->step->title, "%s", title);
    b->step->strips_per_sentence = 1;
    return b->step;
}

static void finish(Builder *b)
{
    steps_finish(b->step, engine_pad_id(b->st->e), engine_mask_id(b->st->e));
}

/* the grid: panels of one sentence form a row; count columns from row 0 */
void steps_finish(Step *step, int pad_id, int mask_id)
{
    int rows = 0, cols = 0;
    for (int i = 0; i < step->npanels; i++) {
        if (step->panels[i].grid_row + 1 > rows)
            rows = step->panels[i].grid_row + 1;
        if (step->panels[i].grid_row == 0)
            cols++;
    }
    step->grid_rows = rows;
    step->grid_cols = cols;
    /* one colour range per scale across the step, and what each panel's cells hold */
    double vmax = 0, lmax = 1;
    for (int i = 0; i < step->npanels; i++) {
        Panel *p = &step->panels[i];
        unsigned has = 0;
        const double *d = p->view.data;
        size_t n = p->view.size;
        if (panel_numeric(p->scale)) {
            /* numbers: only what is not finite needs a name */
            double m = vmax, l = lmax;
            for (size_t k = 0; k < n; k++) {
                double v = d[k];
                if (!isfinite(v)) {
                    has |= v != v ? PANEL_HAS_NAN : v < 0 ? PANEL_HAS_NEG_INF : 0;
                    continue;
                }
                double a = fabs(v);
                m = a > m ? a : m;
                l = v > l ? v : l;
            }
            if (p->scale == PANEL_VALUES)
                vmax = m;
            if (p->scale == PANEL_LOSS)
                lmax = l;
        } else {
            for (size_t k = 0; k < n; k++)
                switch (panel_cell(p->scale, d[k], pad_id, mask_id)) {
                case PANEL_CELL_MASKED: has |= isinf(d[k]) ? PANEL_HAS_NEG_INF : PANEL_HAS_FINITE_MIN; break;
                case PANEL_CELL_NAN: has |= PANEL_HAS_NAN; break;
                case PANEL_CELL_PAD: has |= PANEL_HAS_PAD; break;
                case PANEL_CELL_MASK: has |= PANEL_HAS_MASK_ID; break;
                case PANEL_CELL_VALUE: break;
                }
        }
        int prow = p->view.ndim == 2 ? p->view.shape[0] : 1;
        int pcol = p->view.ndim == 2 ? p->view.shape[1] : (int)p->view.size;
        for (int k = 0; p->cell_off && k < prow * pcol && !(has & PANEL_HAS_OFF); k++)
            if (p->cell_off[k])
                has |= PANEL_HAS_OFF;
        for (int r = 0; p->row_dim && r < prow; r++)
            if (p->row_dim[r])
                has |= PANEL_HAS_DIM;
        for (int c = 0; p->col_dim && c < pcol; c++)
            if (p->col_dim[c])
                has |= PANEL_HAS_DIM;
        p->has = has;
    }
    if (vmax == 0)
        vmax = 1;
    for (int i = 0; i < step->npanels; i++) {
        Panel *p = &step->panels[i];
        switch (p->scale) {
        case PANEL_VALUES: p->vmin = -vmax, p->vmax = vmax; break;
        case PANEL_LOSS: p->vmin = 0, p->vmax = lmax; break;
        case PANEL_UNIT: p->vmin = 0, p->vmax = 1; break;
        case PANEL_MASK: p->vmin = -INFINITY, p->vmax = 0; break;
        case PANEL_TOKENS: case PANEL_INDEX: p->vmin = 0, p->vmax = 0; break;
        }
    }
}

/* sentences this view covers: one, or all as grid rows */
static int first_s(const Steps *st) { return st->sentence < 0 ? 0 : st->sentence; }
static int last_s(const Steps *st) { return st->sentence < 0 ? st->B - 1 : st->sentence; }

/* "A_pad + A_causal": the names of the mode's terms joined by " + " */
static void term_names(const Engine *e, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < engine_nterms(e) && k < n; i++) {
        int w = snprintf(buf + k, n - k, "%s%s", i ? " + " : "", engine_term(e, i)->name);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

static bool mlm_batch(const Steps *st)
{
    return engine_mode(st->e)->batch == MODE_BATCH_MLM;
}

static void build_tokens(Builder *b)
{
    Steps *st = b->st;
    const Batch *bt = engine_batch(st->e);
    bool mlm = mlm_batch(st);
    ModeBatch kind = engine_mode(st->e)->batch;
    Step *step = begin(b, mlm ? "The masked batch" : kind == MODE_BATCH_PACKED ? "Packed documents"
                             : kind == MODE_BATCH_CROSS ? "Encoder and decoder tokens" : "Tokens and padding");
    add_batch_row(b, T_BATCH, st->sentence, PANEL_TOKENS, "");
    if (kind == MODE_BATCH_PACKED) {
        add_batch_row(b, T_DOCUMENT_IDS, st->sentence, PANEL_INDEX, "");
        add_batch_row(b, T_POSITION_IDS, st->sentence, PANEL_INDEX, "");
    }
    if (kind == MODE_BATCH_CROSS)
        add_batch_row(b, T_QUERY_BATCH, st->sentence, PANEL_TOKENS, "");
    add_batch_row(b, T_PADDING_MASK, st->sentence, PANEL_MASK, kind == MODE_BATCH_MAIN || mlm ? "\u2192" : "");
    int pads = 0;
    for (int s = 0; s < bt->B; s++)
        pads += bt->L - bt->lengths[s];
    if (kind == MODE_BATCH_PACKED) {
        int docs = engine_scenario(st->e)->sentences.count;
        text_fmt(step->formula, sizeof step->formula,
            "%d documents end to end in %d row%s of %d: document_ids say whose each token is; position_ids restart "
            "at 0", docs, bt->B, bt->B == 1 ? "" : "s", bt->L);
        text_fmt(step->caption, sizeof step->caption,
            "Packing fills each row with whole sentences instead of padding every one to the longest: %d [PAD] "
            "cell%s in all. The model must still keep the documents apart, and count positions per document.",
            pads, pads == 1 ? "" : "s");
    } else if (kind == MODE_BATCH_CROSS) {
        text_fmt(step->formula, sizeof step->formula,
            "encoder_batch [B, %d] answers (keys, values);  decoder_batch [B, %d] asks (queries)", bt->L,
            engine_query_length(st->e));
        text_fmt(step->caption, sizeof step->caption,
            "In an encoder-decoder model (translation, T5) the decoder's tokens look at the encoder's. The two "
            "batches have their own lengths, so the attention matrices are not square.");
    } else if (mlm) {
        text_fmt(step->formula, sizeof step->formula, "mlm_batch: [MASK] = %d replaces the words to predict",
            bt->mask_id);
        text_fmt(step->caption, sizeof step->caption,
            "Some words are replaced by [MASK]; the model must predict them from both sides. "
            "padding_mask marks [PAD] keys with \u2212\u221e (this batch has %d [PAD] cell%s).",
            pads, pads == 1 ? "" : "s");
    } else {
        bool left = engine_scenario(st->e)->padding == SCENARIO_PAD_LEFT;
        text_fmt(step->formula, sizeof step->formula,
            "batch = pad_sequence(sequences, batch_first=True, padding_value=%d%s);  padding_mask = "
            "create_padding_mask(batch)",
            bt->pad_id, left ? ", padding_side=\"left\"" : "");
        text_fmt(step->caption, sizeof step->caption,
            "Shorter sentences are padded with [PAD] = %d on the %s to length L = %d. padding_mask is 0 for "
            "real tokens and \u2212\u221e for [PAD].",
            bt->pad_id, engine_scenario(st->e)->padding == SCENARIO_PAD_LEFT ? "left" : "right", bt->L);
    }
    if (mlm) {
        /* what the MLM batch is about: the [MASK] tokens to predict, per sentence */
        Tensor *count = tensor_new1(TENSOR_INT, bt->B);
        for (int s = 0; s < bt->B; s++)
            for (int p = 0; p < bt->L; p++)
                count->data[s] += bt->ids->data[(size_t)s * bt->L + p] == bt->mask_id;
        char *ct = tensor_format(count);
        text_fmt(step->result, sizeof step->result, "[MASK] tokens per sentence: (mlm_batch == MASK_IDX).sum(dim=1) = %s",
            ct);
        free(ct);
        tensor_free(count);
        finish(b);
        return;
    }
    if (kind != MODE_BATCH_MAIN) {
        finish(b); /* a packed row's or the decoder's last index answers no question here */
        return;
    }
    /* the notebook's count_nonzero - 1 is right only with right padding */
    const Tensor *last = engine_tensor(st->e, T_LAST_INDEX);
    Tensor *naive = tensor_new1(TENSOR_INT, bt->B);
    for (int s = 0; s < bt->B; s++)
        naive->data[s] = bt->lengths[s] - 1;
    char *lt = tensor_format(last), *nt = tensor_format(naive);
    if (tensor_equal(last, naive))
        text_fmt(step->result, sizeof step->result, "last real token: batch_nonzero_indicies = %s", lt);
    else
        text_fmt(step->result, sizeof step->result, "last real token: %s  (count_nonzero \u2212 1 would say %s)", lt, nt);
    free(lt);
    free(nt);
    tensor_free(naive);
    finish(b);
}

/* Without positional encodings a token's embedding is the same wherever it
 * stands: two equal rows of X (two [MASK]s, two [PAD]s) give equal rows of
 * Q, K, V and the output. Writes a note naming the first such pair of the
 * sentences shown, if any and if the scenario adds no positions. */
static void note_identical_rows(const Steps *st, Step *step, TensorId id)
{
    const Engine *e = st->e;
    if (engine_scenario(e)->positions || engine_is_cross(e)) return;
    const Tensor *x = engine_tensor(e, id);
    int L = st->L, d = st->d;
    for (int s = first_s(st); s <= last_s(st); s++)
        for (int a = 0; a < L; a++)
            for (int c = a + 1; c < L; c++) {
                const double *ra = x->data + ((size_t)s * L + a) * d, *rc = x->data + ((size_t)s * L + c) * d;
                if (memcmp(ra, rc, (size_t)d * sizeof *ra) != 0) continue;
                const char *w = engine_labels(e, s)[a];
                if (id == T_EMBEDDINGS)
                    text_fmt(step->note, sizeof step->note,
                        "Sentence %d's rows %d and %d (%s twice) are the same: without positional encodings a "
                        "token's embedding ignores where it stands. \"positions\": \"sinusoidal\" adds them.",
                        s, a, c, w);
                else
                    text_fmt(step->note, sizeof step->note,
                        "Sentence %d's output rows %d and %d (%s twice) are the same: same embedding, same keys "
                        "in view, so nothing tells them apart. \"positions\": \"sinusoidal\" would.", s, a, c, w);
                return;
            }
}

static void build_qkv(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, "Queries, keys and values");
    bool cross = engine_is_cross(st->e);
    /* X -> Q, K, V; in cross-attention the decoder's X makes Q, the encoder's K and V */
    /* three branches from X, one strip each: X·W_q → Q, X·W_k → K, X·W_v → V
     * (not a chain that reads as K = Q·W_k) */
    static const struct {
        TensorId out;
        const char *join;
    } branch[] = {{T_Q, "\u00b7W_q \u2192"}, {T_K, "\u00b7W_k \u2192"}, {T_V, "\u00b7W_v \u2192"}};
    step->strips_per_sentence = 3;
    for (int s = first_s(st); s <= last_s(st); s++)
        for (int k = 0; k < 3; k++) {
            int row = (st->sentence < 0 ? s : 0) * 3 + k;
            TensorId x = cross && k == 0 ? T_QUERY_EMBEDDINGS : T_EMBEDDINGS;
            add_tok(b, x, s, PANEL_VALUES, "", false, "token", "dim")->grid_row = row;
            add_tok(b, branch[k].out, s, PANEL_VALUES, branch[k].join, false, "token", "dim")->grid_row = row;
        }
    if (cross)
        text_fmt(step->formula, sizeof step->formula,
            "Q = X_dec\u00b7W_q    K = X_enc\u00b7W_k    V = X_enc\u00b7W_v    (d_model = %d)", st->d);
    else
        text_fmt(step->formula, sizeof step->formula,
            "Q = X\u00b7W_q    K = X\u00b7W_k    V = X\u00b7W_v    (d_model = %d)", st->d);
    text_fmt(step->caption, sizeof step->caption,
        "Each token's embedding (a row of X) is projected three ways. [PAD] has an embedding too: "
        "padding is computed like any token, then masked.");
    text_fmt(step->note, sizeof step->note,
        "Embeddings and W_q, W_k, W_v are drawn from seed %llu (see README); dump them to recompute in PyTorch.",
        (unsigned long long)engine_scenario(st->e)->seed);
    note_identical_rows(st, step, T_EMBEDDINGS);
    finish(b);
}

static void build_scores(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, "Attention scores");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, T_Q, s, PANEL_VALUES, "", false, "query", "dim");
        /* K transposed: dims down, key tokens across */
        Panel *p = add_tok(b, T_KT, s, PANEL_VALUES, "\u00d7", true, "dim", "key");
        p->row_labels = (const char *const *)st->dim_labels;
        p->row_dim = NULL;
        add_tok(b, T_SCORES, s, PANEL_VALUES, "/ \u221ad_k =", true, "query", "key");
    }
    text_fmt(step->formula, sizeof step->formula, "A_scores = Q\u00b7K\u1d40 / \u221ad_k    (\u221ad_k = \u221a%d = %.3g)",
        st->d, sqrt((double)st->d));
    text_fmt(step->caption, sizeof step->caption,
        "Every query (row) is compared with every key (column), padding included. Nothing is masked yet.");
    text_fmt(step->note, sizeof step->note,
        "Scaled by \u221ad_k as in PyTorch and the original Transformer; the notebook's text writes Q\u00b7K\u1d40/d_k.");
    finish(b);
}

static void build_mask(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    const Mode *m = engine_mode(e);
    int n = engine_nterms(e);
    Step *step = begin(b, "The attention mask");
    MaskInput in = engine_mask_input(e);
    if (n == 1 && engine_term(e, 0)->shared) {
        /* one shared mask for every sentence: drawn once, labelled with the shown (or default) sentence */
        int s = st->sentence < 0 ? mode_default_sentence(m, engine_scenario(e)) : st->sentence;
        Panel *p = add_mask(b, 0, s, "");
        p->grid_row = 0;
    } else {
        for (int s = first_s(st); s <= last_s(st); s++) {
            for (int i = 0; i < n; i++)
                add_mask(b, i, s, i ? "+" : "");
            if (n > 1)
                add_mask(b, -1, s, "=");
        }
    }
    if (engine_is_cross(e)) {
        /* beside it, what the decoder's own self-attention uses */
        for (int s = first_s(st); s <= last_s(st); s++) {
            Panel *p = add_tok(b, T_DECODER_CAUSAL, s, PANEL_MASK, "", true, "query", "key");
            p->col_labels = engine_query_labels(e, s);
            p->col_dim = st->qpad + (size_t)s * st->Lq;
            snprintf(p->title, sizeof p->title, "decoder's own A_causal");
        }
    }
    if (n == 1) {
        engine_term(e, 0)->formula(&in, step->formula, sizeof step->formula);
        engine_term(e, 0)->caption(&in, step->caption, sizeof step->caption);
    } else {
        char names[120];
        term_names(e, names, sizeof names);
        text_fmt(step->formula, sizeof step->formula, "A_mask = %s", names);
        if (m->mask_caption) {
            text_fmt(step->caption, sizeof step->caption, "%s", m->mask_caption);
        } else {
            /* the family's own words, and what the padding term adds */
            char own[320];
            engine_term(e, n - 1)->caption(&in, own, sizeof own);
            text_fmt(step->caption, sizeof step->caption, "%s%s", own,
                engine_term(e, 0) == &mask_term_padding ? " [PAD] keys are blocked too (A_pad)." : "");
        }
    }
    if (m->pitfall)
        text_fmt(step->note, sizeof step->note, "%s", m->pitfall);
    else
        text_fmt(step->note, sizeof step->note, "0 keeps a score; \u2212\u221e removes it, because e^\u2212\u221e = 0 after softmax.");
    finish(b);
}

static void build_masked(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    Step *step = begin(b, "Masked scores");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, T_SCORES, s, PANEL_VALUES, "", true, "query", "key");
        for (int i = 0; i < engine_nterms(e); i++)
            add_mask(b, i, s, "+");
        add_tok(b, T_MASKED, s, PANEL_VALUES, "=", true, "query", "key");
    }
    char names[120];
    term_names(e, names, sizeof names);
    text_fmt(step->formula, sizeof step->formula, "A_masked = A_scores + %s", names);
    text_fmt(step->caption, sizeof step->caption,
        "Adding the mask leaves allowed scores unchanged and turns blocked ones into \u2212\u221e.");
    finish(b);
}

static void build_weights(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, "Softmax weights");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, T_MASKED, s, PANEL_VALUES, "", true, "query", "key");
        add_tok(b, T_WEIGHTS, s, PANEL_UNIT, "softmax \u2192", true, "query", "key");
    }
    text_fmt(step->formula, sizeof step->formula, "A_weights = softmax(A_masked, dim=\u22121)");
    text_fmt(step->caption, sizeof step->caption,
        "Softmax turns each row into weights that sum to 1; \u2212\u221e becomes exactly 0, so blocked keys "
        "get no attention.");
    /* name the fully masked rows this view shows */
    int shown = 0;
    char rows[120] = "";
    size_t used = 0;
    for (int s = first_s(st); s <= last_s(st); s++)
        for (int q = 0; q < st->Lq; q++)
            if (engine_row_blocked(st->e, s, q)) {
                if (shown < 6 && used < sizeof rows)
                    used += (size_t)snprintf(rows + used, sizeof rows - used, "%s%d:%d", shown ? ", " : "", s, q);
                shown++;
            }
    if (shown)
        text_fmt(step->note, sizeof step->note,
            "%d fully masked row%s (sentence:row %s%s): softmax of only \u2212\u221e is undefined; %s.",
            shown, shown == 1 ? "" : "s", rows, shown > 6 ? ", \u2026" : "",
            engine_scenario(st->e)->nan_policy == SCENARIO_ROWS_NAN ? "PyTorch gives NaN, shown here as NaN"
                                                                    : "maskscope sets the weights to 0 (safe policy)");
    finish(b);
}

static void build_output(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, "Weighted values");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, T_WEIGHTS, s, PANEL_UNIT, "", true, "query", "key");
        add_tok(b, T_V, s, PANEL_VALUES, "\u00d7", false, "key", "dim");
        add_tok(b, T_OUTPUT, s, PANEL_VALUES, "=", false, "query", "dim");
    }
    const Mode *m = engine_mode(st->e);
    text_fmt(step->formula, sizeof step->formula, "output = A_weights \u00b7 V");
    text_fmt(step->caption, sizeof step->caption, "%s",
        m->output_caption ? m->output_caption
                          : "Each output row is a weighted sum of value rows; [PAD] rows of V get weight 0, so "
                            "padding never leaks into real tokens.");
    if (!step->note[0]) note_identical_rows(st, step, T_OUTPUT);
    finish(b);
}

/* ---- the pretraining stories (bert, t5) ----
 * A corruption step stacks one [1,L] row per stage of one sentence (or
 * the stage's whole [B,L] tensor), one grid row each, so that a position
 * lines up across the stages: original, chosen, corrupted, labels. Cells
 * are coloured by what happened to the token (a tint), so the picture
 * reads without the numbers. */

/* the batch whose positions a [B,…] tensor's columns are, with its padding and position labels */
typedef struct Positions {
    const Batch *b;
    const bool *pad;
    const char *const *numbers;
} Positions;

static bool on_source(TensorId id)
{
    return id == T_SOURCE || id == T_BERT_SELECTED || id == T_BERT_ACTION || id == T_T5_NOISE;
}

static Positions positions_of(const Steps *st, TensorId id)
{
    /* decode: the sequences' columns, prompt and new tokens */
    if (engine_decode(st->e) && (id == T_SEQUENCES || id == T_ATTENTION_MASK || id == T_POSITION_IDS ||
                                 id == T_NAIVE_POSITIONS))
        return (Positions){engine_decode(st->e)->seq, engine_decode(st->e)->pad, (const char *const *)st->tpos_labels};
    /* bert's labels are ids of the original words, which line up with its input */
    if (id == T_LABELS && engine_bert(st->e))
        id = T_SOURCE;
    if (on_source(id) && st->spad)
        return (Positions){engine_source(st->e), st->spad, (const char *const *)st->spos_labels};
    if (on_source(id) || !query_rows(id))
        return (Positions){engine_batch(st->e), st->pad, (const char *const *)st->pos_labels};
    return (Positions){engine_query_batch(st->e), st->qpad, (const char *const *)st->qpos_labels};
}

/* sentence s's row of a [B,L] tensor (s = -1: the whole tensor) on grid
 * row `row`; trimmed, the row holds the sentence's tokens without its padding */
static Panel *add_seq(Builder *b, TensorId id, int s, PanelScale scale, int row, bool trim)
{
    Steps *st = b->st;
    Positions at = positions_of(st, id);
    const Tensor *t = engine_tensor(st->e, id);
    Panel *p;
    if (s < 0) {
        p = add(b, id, -1, *t, scale, "");
        p->row_labels = (const char *const *)st->sent_labels;
        p->col_labels = at.numbers;
        p->row_axis = "sentence";
        p->col_axis = "position";
    } else {
        Tensor v = row_view(t, s);
        int first = trim ? at.b->first[s] : 0;
        if (trim) {
            v.data += first;
            v.shape[1] = at.b->lengths[s];
            v.size = (size_t)v.shape[1];
        }
        p = add(b, id, s, v, scale, "");
        snprintf(p->title, sizeof p->title, "%s[%d]", p->name, s);
        p->first_col = first;
        p->row_labels = (const char *const *)st->sent_labels + s;
        p->col_labels = at.b->labels + (size_t)s * at.b->L + first;
        p->col_dim = trim ? NULL : at.pad + (size_t)s * at.b->L;
        p->row_axis = "sentence";
        p->col_axis = "token";
    }
    p->grid_row = row;
    return p;
}

/* what a cell's token went through: a tint from (sentence, position in the panel's batch, value) */
typedef PanelTint (*TintRule)(const Steps *st, int s, int pos, double v);

static void tint(Builder *b, Panel *p, TintRule rule)
{
    Steps *st = b->st;
    int rows = p->view.shape[0], cols = p->view.shape[1];
    unsigned char *t = xcalloc((size_t)rows * (size_t)cols + 1, 1);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            t[(size_t)r * cols + c] =
                (unsigned char)rule(st, p->sentence >= 0 ? p->sentence : r, p->first_col + c,
                                    p->view.data[(size_t)r * cols + c]);
    if (st->ntints == st->tints_cap) {
        st->tints_cap = st->tints_cap ? 2 * st->tints_cap : 16;
        st->tints = xrealloc(st->tints, (size_t)st->tints_cap * sizeof *st->tints);
    }
    st->tints[st->ntints++] = t;
    p->tint = t;
}

static double cell(const Steps *st, TensorId id, int s, int pos)
{
    const Tensor *t = engine_tensor(st->e, id);
    return t->data[(size_t)s * t->shape[1] + pos];
}

/* bert: the action at a position (the input and labels line up with the original) */
static PanelTint tint_action(const Steps *st, int s, int pos, double v)
{
    (void)v;
    switch ((int)cell(st, T_BERT_ACTION, s, pos)) {
    case CORRUPT_MASK: return PANEL_TINT_MASK;
    case CORRUPT_RANDOM: return PANEL_TINT_RANDOM;
    case CORRUPT_KEEP: return PANEL_TINT_KEPT;
    default: return PANEL_TINT_NONE;
    }
}

static PanelTint tint_chosen(const Steps *st, int s, int pos, double v)
{
    (void)v;
    return cell(st, T_BERT_SELECTED, s, pos) ? PANEL_TINT_CHOSEN : PANEL_TINT_NONE;
}

static PanelTint tint_noise(const Steps *st, int s, int pos, double v)
{
    (void)v;
    return cell(st, T_T5_NOISE, s, pos) ? PANEL_TINT_NOISE : PANEL_TINT_NONE;
}

/* t5: sentinels in the input and the target; the target's other tokens are the hidden spans */
static PanelTint tint_t5(const Steps *st, int s, int pos, double v, const Batch *bt, bool target)
{
    if (corrupt_t5_sentinel(engine_t5(st->e), (int)v) >= 0)
        return PANEL_TINT_SENTINEL;
    return target && batch_is_real(bt, s, pos) ? PANEL_TINT_NOISE : PANEL_TINT_NONE;
}

static PanelTint tint_input(const Steps *st, int s, int pos, double v)
{
    return tint_t5(st, s, pos, v, engine_batch(st->e), false);
}

static PanelTint tint_target(const Steps *st, int s, int pos, double v)
{
    return tint_t5(st, s, pos, v, engine_query_batch(st->e), true);
}

/* labels: −100 is ignored; the rest say where the label came from */
static PanelTint tint_labels(const Steps *st, int s, int pos, double v)
{
    if (v == CORRUPT_IGNORE_INDEX)
        return PANEL_TINT_IGNORED;
    return engine_bert(st->e) ? tint_action(st, s, pos, v) : tint_target(st, s, pos, v);
}

/* a loss mask's scored cells, by what they score */
static PanelTint tint_scored(const Steps *st, int s, int pos, double v)
{
    if (v == 0)
        return PANEL_TINT_NONE;
    return tint_labels(st, s, pos, cell(st, T_LABELS, s, pos));
}

/* bert_input == MASK: the chosen positions it misses */
static PanelTint tint_missed(const Steps *st, int s, int pos, double v)
{
    PanelTint t = tint_action(st, s, pos, v);
    return v == 0 && (t == PANEL_TINT_RANDOM || t == PANEL_TINT_KEPT) ? t : PANEL_TINT_NONE;
}

const char *steps_tint_label(PanelTint t)
{
    switch (t) {
    case PANEL_TINT_CHOSEN: return "chosen";
    case PANEL_TINT_MASK: return "\u2192 [MASK] (80%)";
    case PANEL_TINT_RANDOM: return "\u2192 random word (10%)";
    case PANEL_TINT_KEPT: return "unchanged, still scored (10%)";
    case PANEL_TINT_NOISE: return "noise span";
    case PANEL_TINT_SENTINEL: return "sentinel <extra_id_N>";
    case PANEL_TINT_IGNORED: return "\u2212100: not scored";
    default: return "";
    }
}

/* counts over the sentences shown (whole: the batch) */
typedef struct Tally {
    int tokens, candidates, chosen, mask, random, kept, same, bare;
} Tally;

static Tally bert_tally(const Steps *st, bool whole)
{
    const BertDraw *d = engine_bert(st->e);
    Tally t = {0};
    int lo = whole ? 0 : first_s(st), hi = whole ? st->B - 1 : last_s(st);
    for (int s = lo; s <= hi; s++) {
        int chosen = 0;
        t.tokens += d->lengths[s];
        t.candidates += d->candidates[s];
        for (int i = 0; i < d->lengths[s]; i++) {
            CorruptAction a = d->action[s][i];
            chosen += a != CORRUPT_NONE;
            t.mask += a == CORRUPT_MASK;
            t.random += a == CORRUPT_RANDOM;
            t.kept += a == CORRUPT_KEEP;
            t.same += a == CORRUPT_RANDOM && d->input[s][i] == engine_scenario(st->e)->sentences.ids[s][i];
        }
        t.chosen += chosen;
        t.bare += chosen == 0;
    }
    return t;
}

static const char *selection_name(ScenarioBertSelection sel)
{
    return sel == SCENARIO_BERT_COUNT ? "count (BERT's code)" : sel == SCENARIO_BERT_SPAN ? "span (SpanBERT)"
                                                                                           : "bernoulli (Hugging Face)";
}

/* "[1, 1, 2]": one number per sentence, cut with "…" when it does not fit */
static void per_sentence(const int *v, int n, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < n && k < len; i++) {
        if (k + 16 >= len) {
            snprintf(buf + k, len - k, ", \u2026");
            return;
        }
        k += (size_t)snprintf(buf + k, len - k, "%s%d", i ? ", " : "", v[i]);
    }
    if (k < len)
        snprintf(buf + k, len - k, "]");
}

/* the batch view's result: "t5_input_lengths = [13, 10, 6]" */
static void result_list(Step *step, const char *name, const int *v, int n)
{
    char l[96];
    per_sentence(v, n, l, sizeof l);
    text_fmt(step->result, sizeof step->result, "%s = %s", name, l);
}

static void build_original(Builder *b)
{
    Steps *st = b->st;
    const Scenario *sc = engine_scenario(st->e);
    Step *step = begin(b, "Before corruption");
    add_seq(b, T_SOURCE, st->sentence, PANEL_TOKENS, 0, true);
    if (engine_bert(st->e)) {
        const ScenarioBert *c = &sc->bert;
        Tally t = bert_tally(st, false);
        text_fmt(step->formula, sizeof step->formula, "bert: probability = %g, selection = %s%s, seed = %llu",
            c->probability, selection_name(c->selection), c->whole_word ? ", whole words" : "",
            (unsigned long long)c->seed);
        text_fmt(step->caption, sizeof step->caption,
            "BERT pretrains on plain text: it hides some tokens and asks the model for them. Special tokens ([CLS], "
            "[SEP], [MASK]) and [PAD] are never chosen; every other token is a candidate.");
        if (c->selection == SCENARIO_BERT_BERNOULLI)
            text_fmt(step->note, sizeof step->note,
                "Hugging Face's DataCollatorForLanguageModeling: each candidate%s is chosen on its own with "
                "probability %g, so how many are chosen varies from draw to draw.",
                c->whole_word ? " word (its ## pieces with it)" : "", c->probability);
        else if (c->selection == SCENARIO_BERT_COUNT)
            text_fmt(step->note, sizeof step->note,
                "The original create_pretraining_data.py: exactly min(max_predictions = %d, max(1, round(%g \u00b7 n))) "
                "tokens per sentence, %s taken from a shuffle while they fit.",
                c->max_predictions, c->probability, c->whole_word ? "whole words" : "positions");
        else
            text_fmt(step->note, sizeof step->note,
                "SpanBERT: spans of whole words, their lengths drawn from Geo(0.2) cut at 10 words (mean 3.8), until "
                "ceil(%g \u00b7 n) tokens are covered; all tokens of a span share one action.", c->probability);
        text_fmt(step->result, sizeof step->result, "%d token%s, %d candidate%s", t.tokens, t.tokens == 1 ? "" : "s",
            t.candidates, t.candidates == 1 ? "" : "s");
    } else {
        const T5Draw *d = engine_t5(st->e);
        text_fmt(step->formula, sizeof step->formula, "t5: noise_density = %g, mean_span_length = %g, seed = %llu",
            sc->t5.noise_density, sc->t5.mean_span_length, (unsigned long long)sc->t5.seed);
        text_fmt(step->caption, sizeof step->caption,
            "T5 pretrains by hiding spans of consecutive tokens and asking the decoder to write them out. How many "
            "tokens and how many spans depends only on a sentence's length; where they fall is random.");
        if (st->sentence >= 0) {
            int s = st->sentence;
            text_fmt(step->result, sizeof step->result,
                "n = %d \u2192 %d noise token%s in %d span%s (round(n \u00b7 %g), at least 1; round(noise / %g), at "
                "least 1)", d->lengths[s], d->noise_tokens[s], d->noise_tokens[s] == 1 ? "" : "s", d->spans[s],
                d->spans[s] == 1 ? "" : "s", sc->t5.noise_density, sc->t5.mean_span_length);
        } else {
            char k[64], m[64];
            per_sentence(d->noise_tokens, d->count, k, sizeof k);
            per_sentence(d->spans, d->count, m, sizeof m);
            text_fmt(step->result, sizeof step->result, "noise tokens %s, spans %s", k, m);
        }
    }
    finish(b);
}

static void build_chosen(Builder *b)
{
    Steps *st = b->st;
    const ScenarioBert *c = &engine_scenario(st->e)->bert;
    const BertDraw *d = engine_bert(st->e);
    Step *step = begin(b, "Which positions to predict");
    tint(b, add_seq(b, T_SOURCE, st->sentence, PANEL_TOKENS, 0, true), tint_chosen);
    add_seq(b, T_BERT_SELECTED, st->sentence, PANEL_UNIT, 1, true);
    Tally t = bert_tally(st, false);
    switch (c->selection) {
    case SCENARIO_BERT_BERNOULLI:
        text_fmt(step->formula, sizeof step->formula,
            "bert_selected = torch.bernoulli(full(p = %g)), with special tokens and [PAD] set to 0", c->probability);
        text_fmt(step->caption, sizeof step->caption,
            "Every candidate%s draws its own u and is chosen when u < p. Nothing guarantees a sentence any "
            "prediction, or exactly %g%% of its tokens.", c->whole_word ? " word" : "", 100 * c->probability);
        break;
    case SCENARIO_BERT_COUNT:
        text_fmt(step->formula, sizeof step->formula,
            "num_to_predict = min(%d, max(1, round(%g \u00b7 n))); shuffled %s taken while they fit",
            c->max_predictions, c->probability, c->whole_word ? "words" : "positions");
        text_fmt(step->caption, sizeof step->caption,
            "BERT's own data code fixes the count: %g%% of the tokens, rounded, at least one%s.", 100 * c->probability,
            c->whole_word ? "; a word that would overshoot the count is skipped" : "");
        break;
    case SCENARIO_BERT_SPAN:
        text_fmt(step->formula, sizeof step->formula,
            "spans of Geo(0.2) words (at most 10) from random anchors until ceil(%g \u00b7 n) tokens are chosen",
            c->probability);
        text_fmt(step->caption, sizeof step->caption,
            "SpanBERT hides contiguous spans of whole words, so a token cannot be guessed from the rest of its "
            "word or span.");
        break;
    }
    if (st->sentence >= 0 && d->budget[st->sentence] >= 0)
        text_fmt(step->result, sizeof step->result, "%s %d (n = %d): chosen %d of %d candidates",
            c->selection == SCENARIO_BERT_COUNT ? "num_to_predict =" : "tokens to cover =",
            d->budget[st->sentence], d->lengths[st->sentence], t.chosen, t.candidates);
    else
        text_fmt(step->result, sizeof step->result, "chosen: %d of %d candidates (%.1f%%)", t.chosen, t.candidates,
            t.candidates ? 100.0 * t.chosen / t.candidates : 0.0);
    if (st->sentence >= 0 && t.chosen == 0 && c->selection == SCENARIO_BERT_BERNOULLI)
        text_fmt(step->note, sizeof step->note,
            "Nothing is chosen in this sentence, so it adds nothing to the loss; with %d independent draw%s that "
            "happens with probability (1 \u2212 %g)^%d = %.2f.", d->draws[st->sentence],
            d->draws[st->sentence] == 1 ? "" : "s", c->probability, d->draws[st->sentence],
            pow(1 - c->probability, d->draws[st->sentence]));
    else if (st->sentence < 0 && t.bare)
        text_fmt(step->note, sizeof step->note, "%d sentence%s ha%s nothing chosen, so %s nothing to the loss.", t.bare,
            t.bare == 1 ? "" : "s", t.bare == 1 ? "s" : "ve", t.bare == 1 ? "it adds" : "they add");
    finish(b);
}

static void build_corrupted(Builder *b)
{
    Steps *st = b->st;
    const ScenarioBert *c = &engine_scenario(st->e)->bert;
    Step *step = begin(b, "The 80/10/10 rule");
    tint(b, add_seq(b, T_SOURCE, st->sentence, PANEL_TOKENS, 0, true), tint_action);
    tint(b, add_seq(b, T_BATCH, st->sentence, PANEL_TOKENS, 1, true), tint_action);
    Tally t = bert_tally(st, false);
    text_fmt(step->formula, sizeof step->formula,
        "one u per %s:  u < 0.8 \u2192 [MASK];  u < 0.9 \u2192 random word;  else unchanged",
        c->selection == SCENARIO_BERT_SPAN ? "span" : "position");
    text_fmt(step->caption, sizeof step->caption,
        "Why not always [MASK]? Fine-tuning never shows [MASK], so BERT also puts random and unchanged words where "
        "it asks for a prediction: the model cannot tell which tokens were tampered with and must represent every "
        "token well.");
    text_fmt(step->result, sizeof step->result, "%d chosen: %d \u2192 [MASK], %d \u2192 random word, %d unchanged",
        t.chosen, t.mask, t.random, t.kept);
    if (t.same)
        text_fmt(step->note, sizeof step->note,
            "%d random word%s happen%s to be the original word: BERT's draw may pick it too, and it still counts as "
            "the random case.", t.same, t.same == 1 ? "" : "s", t.same == 1 ? "s" : "");
    else if (t.chosen == 0)
        text_fmt(step->note, sizeof step->note, "Nothing is chosen here, so nothing is corrupted.");
    finish(b);
}

static void build_labels(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, "Labels: original id or \u2212100");
    tint(b, add_seq(b, T_SOURCE, st->sentence, PANEL_TOKENS, 0, true), tint_action);
    tint(b, add_seq(b, T_BATCH, st->sentence, PANEL_TOKENS, 1, true), tint_action);
    tint(b, add_seq(b, T_LABELS, st->sentence, PANEL_TOKENS, 2, true), tint_labels);
    Tally t = bert_tally(st, false);
    text_fmt(step->formula, sizeof step->formula, "labels = original.clone();  labels[~bert_selected] = \u2212100");
    text_fmt(step->caption, sizeof step->caption,
        "The label is the original id at every chosen position \u2014 [MASK], random or unchanged alike \u2014 and "
        "\u2212100 everywhere else, padding included. \u2212100 is nn.CrossEntropyLoss's ignore_index: the loss "
        "leaves those positions out.");
    text_fmt(step->result, sizeof step->result, "%d of %d tokens carry a label; the other %d, and every [PAD], are \u2212100",
        t.chosen, t.tokens, t.tokens - t.chosen);
    finish(b);
}

static void build_loss_mask(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, "Loss mask: labels != \u2212100");
    tint(b, add_seq(b, T_LABELS, st->sentence, PANEL_TOKENS, 0, true), tint_labels);
    add_seq(b, T_LOSS_MASK, st->sentence, PANEL_UNIT, 1, true);
    /* the notebook's rule beside the right one in the batch view, below it for one sentence */
    tint(b, add_seq(b, T_MASK_POSITIONS, st->sentence, PANEL_UNIT, st->sentence < 0 ? 1 : 2, true), tint_missed);
    Tally t = bert_tally(st, false);
    text_fmt(step->formula, sizeof step->formula,
        "loss_mask = (labels != \u2212100).float()      not (bert_input == MASK).float()");
    text_fmt(step->caption, sizeof step->caption,
        "The loss mask is read from the labels, not from the input. The notebook's rule, batch == MASK, finds only "
        "the [MASK] tokens: it misses the random and unchanged positions, and the model would never learn to check "
        "tokens that look normal.");
    text_fmt(step->result, sizeof step->result,
        "labels != \u2212100: %d position%s;  bert_input == MASK: %d (misses %d random + %d unchanged)", t.chosen,
        t.chosen == 1 ? "" : "s", t.mask, t.random, t.kept);
    finish(b);
}

static void build_noise(Builder *b)
{
    Steps *st = b->st;
    const Scenario *sc = engine_scenario(st->e);
    const T5Draw *d = engine_t5(st->e);
    Step *step = begin(b, "Noise: random spans");
    tint(b, add_seq(b, T_SOURCE, st->sentence, PANEL_TOKENS, 0, true), tint_noise);
    add_seq(b, T_T5_NOISE, st->sentence, PANEL_UNIT, 1, true);
    text_fmt(step->formula, sizeof step->formula,
        "t5_noise = random_spans_noise_mask(n, noise_density = %g, mean_noise_span_length = %g)",
        sc->t5.noise_density, sc->t5.mean_span_length);
    text_fmt(step->caption, sizeof step->caption,
        "The noise tokens are cut into spans and the other tokens into as many gaps, both at random, and they "
        "alternate, a gap first: the mask never starts with noise and always ends with a span.");
    if (st->sentence < 0) {
        int k = 0, m = 0;
        for (int s = 0; s < d->count; s++)
            k += d->noise_tokens[s], m += d->spans[s];
        text_fmt(step->result, sizeof step->result, "%d noise token%s in %d span%s over %d sentence%s", k,
            k == 1 ? "" : "s", m, m == 1 ? "" : "s", d->count, d->count == 1 ? "" : "s");
        finish(b);
        return;
    }
    int s = st->sentence, n = d->lengths[s];
    /* the span lengths, read off the mask */
    char lens[96];
    size_t k = (size_t)snprintf(lens, sizeof lens, "[");
    for (int i = 0, run = 0; i < n && k < sizeof lens; i++) {
        run = d->noise[s][i] ? run + 1 : 0;
        if (run && (i + 1 == n || !d->noise[s][i + 1]))
            k += (size_t)snprintf(lens + k, sizeof lens - k, "%s%d", k > 1 ? ", " : "", run);
    }
    if (k < sizeof lens)
        snprintf(lens + k, sizeof lens - k, "]");
    text_fmt(step->result, sizeof step->result, "%d noise token%s in %d span%s of lengths %s", d->noise_tokens[s],
        d->noise_tokens[s] == 1 ? "" : "s", d->spans[s], d->spans[s] == 1 ? "" : "s", lens);
    if (sc->t5.noise_density == 0) {
        text_fmt(step->note, sizeof step->note, "noise_density is 0: nothing is hidden.");
    } else if (n == 1) {
        text_fmt(step->note, sizeof step->note,
            "A one-token sentence gets no noise: T5 computes the mask for two tokens and cuts it to one.");
    } else if (d->spans[s] == 1) {
        /* where a span starts to move: the shortest sentence with two */
        int from = 0;
        for (int len = 2; len <= MS_MAX_SEQ_LEN && !from; len++) {
            int kk, mm;
            corrupt_t5_counts(len, &sc->t5, &kk, &mm);
            if (mm >= 2)
                from = len;
        }
        if (from)
            text_fmt(step->note, sizeof step->note,
                "With one span nothing is left to chance: one gap, then the span, so the noise is always the last "
                "%d token%s. Spans move once a sentence has two, from n = %d tokens at these settings.",
                d->noise_tokens[s], d->noise_tokens[s] == 1 ? "" : "s", from);
        else
            text_fmt(step->note, sizeof step->note,
                "With one span nothing is left to chance: one gap, then the span, so the noise is always the last "
                "%d token%s; at these settings no sentence has two spans.", d->noise_tokens[s],
                d->noise_tokens[s] == 1 ? "" : "s");
    }
    finish(b);
}

static void build_input(Builder *b)
{
    Steps *st = b->st;
    const T5Draw *d = engine_t5(st->e);
    Step *step = begin(b, "Input: one sentinel per span");
    tint(b, add_seq(b, T_SOURCE, st->sentence, PANEL_TOKENS, 0, true), tint_noise);
    tint(b, add_seq(b, T_BATCH, st->sentence, PANEL_TOKENS, 1, true), tint_input);
    text_fmt(step->formula, sizeof step->formula,
        "t5_input: each noise span \u2192 one sentinel, <extra_id_0>, <extra_id_1>, \u2026 in order");
    text_fmt(step->caption, sizeof step->caption,
        "However long a span is, it becomes a single sentinel, so the input is shorter than the sentence: n \u2212 "
        "noise + spans tokens. The encoder reads it with only its padding masked.");
    if (st->sentence >= 0) {
        int s = st->sentence;
        text_fmt(step->result, sizeof step->result, "t5_input_lengths[%d] = %d \u2212 %d + %d = %d", s, d->lengths[s],
            d->noise_tokens[s], d->spans[s], d->input_lengths[s]);
    } else {
        result_list(step, "t5_input_lengths", d->input_lengths, d->count);
    }
    char ids[64];
    int k = snprintf(ids, sizeof ids, "<extra_id_0> = %d", d->sentinel_ids[0]);
    if (d->nsentinels >= 2)
        snprintf(ids + k, sizeof ids - (size_t)k, ", <extra_id_1> = %d", d->sentinel_ids[1]);
    text_fmt(step->note, sizeof step->note,
        "Sentinel ids follow T5's vocabulary, where <extra_id_0> is the last id and the others count down: here %s.",
        ids);
    finish(b);
}

static void build_target(Builder *b)
{
    Steps *st = b->st;
    const T5Draw *d = engine_t5(st->e);
    Step *step = begin(b, "Target: the hidden spans");
    tint(b, add_seq(b, T_BATCH, st->sentence, PANEL_TOKENS, 0, true), tint_input);
    tint(b, add_seq(b, T_QUERY_BATCH, st->sentence, PANEL_TOKENS, 1, true), tint_target);
    text_fmt(step->formula, sizeof step->formula,
        "t5_target = <extra_id_0> span\u2080 <extra_id_1> span\u2081 \u2026 <extra_id_k>   (k spans)");
    text_fmt(step->caption, sizeof step->caption,
        "The target names each sentinel, then the tokens it hid, and a final sentinel closes it. Put each span back "
        "in place of its sentinel in the input and the sentence is whole again.");
    if (st->sentence >= 0) {
        int s = st->sentence;
        text_fmt(step->result, sizeof step->result, "t5_target_lengths[%d] = %d + %d + 1 = %d", s, d->noise_tokens[s],
            d->spans[s], d->target_lengths[s]);
    } else {
        result_list(step, "t5_target_lengths", d->target_lengths, d->count);
    }
    text_fmt(step->note, sizeof step->note,
        "T5's code ends both sequences with </s> instead; the final sentinel is how the T5 paper writes the target "
        "(its Figure 2), and it marks the end here.");
    finish(b);
}

static void build_decoder(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    Step *step = begin(b, "Decoder: causal over target");
    for (int s = first_s(st); s <= last_s(st); s++) {
        Panel *p = add_tok(b, T_DECODER_CAUSAL, s, PANEL_MASK, "", true, "query", "key");
        p->col_labels = engine_query_labels(e, s);
        p->col_dim = st->qpad + (size_t)s * st->Lq;
        add_mask(b, 0, s, "");
        /* the labels beside the masks, with the target's padding: −100 */
        tint(b, add_seq(b, T_LABELS, s, PANEL_TOKENS, st->sentence < 0 ? s : 0, false), tint_labels);
    }
    int scored = 0;
    const Tensor *lm = engine_tensor(e, T_LOSS_MASK);
    for (int s = first_s(st); s <= last_s(st); s++)
        for (int q = 0; q < st->Lq; q++)
            scored += lm->data[(size_t)s * st->Lq + q] != 0;
    text_fmt(step->formula, sizeof step->formula, "A_causal_dec over t5_target;  labels = t5_target with \u2212100 on [PAD]");
    text_fmt(step->caption, sizeof step->caption,
        "The decoder reads the target shifted right by one (from the pad id, T5's decoder_start_token_id) under a "
        "causal mask, so it predicts each target token from the ones before it and from the whole input.");
    text_fmt(step->result, sizeof step->result, "scored: %d target token%s (labels != \u2212100)", scored,
        scored == 1 ? "" : "s");
    finish(b);
}

/* ---- generation (decode): the prompt, its positions, the prefill, one
 * step per new token, the equivalence with one full pass, the alignment
 * of a causal mask for several new queries ----
 * The sequences' panels are [1,T] rows of a sentence (or the [B,T] whole),
 * T = L + N columns: each prompt, then its new tokens, as the cache holds
 * them. A decode step's panels are one query row against the S cached
 * columns. */

static const Decode *decoding(const Steps *st)
{
    return engine_decode(st->e);
}

/* the words of sentence s's sequence, its [PAD] cells */
static const char *const *seq_words(const Steps *st, int s)
{
    return decoding(st)->seq->labels + (size_t)s * decoding(st)->T;
}

static const bool *seq_pad(const Steps *st, int s)
{
    return decoding(st)->pad + (size_t)s * decoding(st)->T;
}

/* "fish, pie, fish": the word at column c of each sentence shown, or of sentence s alone */
static void words_at(const Steps *st, const Tensor *ids, int col, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int s = first_s(st); s <= last_s(st) && k < n; s++) {
        const char *w = scenario_word(engine_scenario(st->e), (int)ids->data[(size_t)s * ids->shape[1] + col]);
        k += (size_t)snprintf(buf + k, n - k, "%s\u201c%s\u201d", k ? ", " : "", w ? w : "?");
    }
}

/* the token step t's output chooses: generated token t + 1, or the one after the last */
static int chosen_after(const Decode *d, int s, int t)
{
    return t < d->N ? (int)d->generated->data[(size_t)s * d->N + t] : d->next[s];
}

static void build_prompt(Builder *b)
{
    Steps *st = b->st;
    const Batch *bt = engine_batch(st->e);
    bool left = engine_scenario(st->e)->padding == SCENARIO_PAD_LEFT;
    Step *step = begin(b, left ? "Prompts, padded on the left" : "Prompts, padded on the right");
    add_seq(b, T_BATCH, st->sentence, PANEL_TOKENS, 0, false);
    add_seq(b, T_PADDING_MASK, st->sentence, PANEL_MASK, 1, false);
    text_fmt(step->formula, sizeof step->formula, "batch = pad_sequence(prompts, padding_value=%d, padding_side=\"%s\")",
        bt->pad_id, left ? "left" : "right");
    if (left)
        text_fmt(step->caption, sizeof step->caption,
            "Generation pads on the left: every prompt then ends in the last column (%d), where its next token is "
            "read, and each new token goes into one new column for the whole batch.", bt->L - 1);
    else
        text_fmt(step->caption, sizeof step->caption,
            "Padded on the right, as the scenario says: a short prompt's last token is not in the last column, and "
            "its new tokens will follow its [PAD]s. Generation usually pads on the left.");
    const Tensor *last = engine_tensor(st->e, T_LAST_INDEX);
    char *lt = tensor_format(last);
    text_fmt(step->result, sizeof step->result, "the next token is read at each prompt's last real token: "
        "batch_nonzero_indicies = %s", lt);
    free(lt);
    int short_one = -1;
    for (int s = 0; s < bt->B && short_one < 0; s++)
        if (batch_last_index(bt, s) != bt->L - 1) short_one = s;
    if (short_one >= 0)
        text_fmt(step->note, sizeof step->note,
            "logits[:, \u22121] would read a [PAD]'s output in sentence %d: take each prompt's last real token.",
            short_one);
    else
        text_fmt(step->note, sizeof step->note, "\"generate\": %d new tokens per prompt; \"padding\": \"%s\" pads the "
            "other way.", decoding(st)->N, left ? "right" : "left");
    finish(b);
}

static void build_positions(Builder *b)
{
    Steps *st = b->st;
    const Decode *d = decoding(st);
    Step *step = begin(b, "Position ids: cumsum(attention_mask) \u2212 1");
    /* the right positions above the wrong ones, the tokens above their mask */
    add_seq(b, T_SEQUENCES, st->sentence, PANEL_TOKENS, 0, false);
    add_seq(b, T_POSITION_IDS, st->sentence, PANEL_INDEX, 1, false);
    add_seq(b, T_ATTENTION_MASK, st->sentence, PANEL_UNIT, 2, false);
    Panel *naive = add_seq(b, T_NAIVE_POSITIONS, st->sentence, PANEL_INDEX, 3, false);
    if (st->sentence >= 0)
        snprintf(naive->title, sizeof naive->title, "naive_position_ids[%d] \u2717", st->sentence);
    else
        snprintf(naive->title, sizeof naive->title, "naive_position_ids \u2717");
    text_fmt(step->formula, sizeof step->formula,
        "position_ids = attention_mask.cumsum(\u22121) \u2212 1,  not arange(L + N)");
    text_fmt(step->caption, sizeof step->caption,
        "A token's position is the number of real tokens before it: every prompt starts at 0 whatever its padding, "
        "and new token t of an n-token prompt sits at n + t \u2212 1. Counted from the left edge, a left-padded prompt "
        "starts late and right padding leaves a gap before the new tokens.");
    if (!d->positions) {
        text_fmt(step->note, sizeof step->note,
            "This scenario adds no positional encodings (\"positions\": \"none\"), so positions change no number "
            "here; with \"positions\": \"sinusoidal\" they go into X. [PAD] cells show \u22121 (Hugging Face writes "
            "1 there: masked anyway).");
    } else {
        int differs = -1;
        for (int s = 0; s < d->B && differs < 0; s++)
            for (int i = 0; i < d->N; i++)
                if (d->naive_generated->data[(size_t)s * d->N + i] != d->generated->data[(size_t)s * d->N + i])
                    differs = s;
        if (differs >= 0) {
            char want[96] = "", got[96] = "";
            size_t a = 0, c = 0;
            for (int i = 0; i < d->N; i++) {
                const char *w = scenario_word(engine_scenario(st->e), (int)d->generated->data[(size_t)differs * d->N + i]);
                const char *x = scenario_word(engine_scenario(st->e),
                                              (int)d->naive_generated->data[(size_t)differs * d->N + i]);
                a += (size_t)snprintf(want + a, a < sizeof want ? sizeof want - a : 0, "%s%s", i ? " " : "", w ? w : "?");
                c += (size_t)snprintf(got + c, c < sizeof got ? sizeof got - c : 0, "%s%s", i ? " " : "", x ? x : "?");
            }
            text_fmt(step->note, sizeof step->note,
                "Counted from the left edge, the outputs would move by up to %.2f and sentence %d would generate "
                "\u201c%s\u201d instead of \u201c%s\u201d.", d->naive_change, differs, got, want);
        } else {
            text_fmt(step->note, sizeof step->note,
                "Counted from the left edge, the outputs would move by up to %.2f (here the same tokens happen to "
                "come out).", d->naive_change);
        }
    }
    if (st->sentence >= 0) {
        int s = st->sentence, n = engine_batch(st->e)->lengths[s];
        text_fmt(step->result, sizeof step->result, "sentence %d: %d prompt token%s at 0 \u2026 %d, the %d new ones at %d "
            "\u2026 %d", s, n, n == 1 ? "" : "s", n - 1, d->N, n, n + d->N - 1);
    } else {
        char l[96];
        per_sentence(engine_batch(st->e)->lengths, d->B, l, sizeof l);
        text_fmt(step->result, sizeof step->result, "the new tokens start at each prompt's length: %s", l);
    }
    finish(b);
}

/* a decode tensor's panel for sentence s: its rows and columns labelled with words, dims or a new token */
static Panel *add_dec(Builder *b, TensorId id, int s, PanelScale scale, const char *join, const char *row_axis,
                      const char *col_axis)
{
    Steps *st = b->st;
    Panel *p = add(b, id, s, engine_view(st->e, id, s), scale, join);
    p->row_axis = row_axis;
    p->col_axis = col_axis;
    p->grid_row = st->sentence < 0 ? s : 0;
    return p;
}

/* labels an axis: the sequence's words from column `from` (with its [PAD]s dimmed), or the dims */
static void label_words(const Steps *st, Panel *p, bool rows, int s, int from)
{
    if (rows) {
        p->row_labels = seq_words(st, s) + from;
        p->row_dim = seq_pad(st, s) + from;
    } else {
        p->col_labels = seq_words(st, s) + from;
        p->col_dim = seq_pad(st, s) + from;
    }
}

static void build_prefill(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    const Decode *d = decoding(st);
    Step *step = begin(b, "Prefill: the whole prompt at once");
    for (int s = first_s(st); s <= last_s(st); s++) {
        /* the prompt's attention, then the cache it leaves */
        add_tok(b, T_SCORES, s, PANEL_VALUES, "", true, "query", "key");
        add_mask(b, -1, s, "+");
        add_tok(b, T_WEIGHTS, s, PANEL_UNIT, "softmax \u2192", true, "query", "key");
        Panel *k = add_tok(b, T_K, s, PANEL_VALUES, "", false, "key", "dim");
        snprintf(k->title, sizeof k->title, "k_cache (S = %d)", d->L);
        Panel *v = add_tok(b, T_V, s, PANEL_VALUES, "", false, "key", "dim");
        snprintf(v->title, sizeof v->title, "v_cache (S = %d)", d->L);
    }
    text_fmt(step->formula, sizeof step->formula,
        "A_weights = softmax(Q\u00b7K\u1d40/\u221ad_k + A_pad + A_causal);  k_cache, v_cache = K, V   (S = L = %d)",
        d->L);
    text_fmt(step->caption, sizeof step->caption,
        "All %d prompt positions go through in one pass, so each query must be kept from the later keys (causal) "
        "and from [PAD] (padding). Every key and value is kept: the cache the decode steps read. Cost: L\u00b2 = %d "
        "score cells per prompt.", d->L, d->L * d->L);
    char next[160];
    words_at(st, engine_tensor(e, T_GENERATED), 0, next, sizeof next);
    if (st->sentence >= 0)
        text_fmt(step->result, sizeof step->result, "token 1 = argmax(output[%d]\u00b7E\u1d40) = %s", d->last[st->sentence],
            next);
    else
        text_fmt(step->result, sizeof step->result, "token 1 of each prompt, read at its last real token: %s", next);
    int blocked = 0;
    for (int s = first_s(st); s <= last_s(st); s++)
        for (int q = 0; q < d->L; q++)
            blocked += engine_row_blocked(e, s, q);
    if (blocked)
        text_fmt(step->note, sizeof step->note,
            "%d [PAD] quer%s see%s no key (left padding + causal): softmax gives %s, and nothing reads %s output.",
            blocked, blocked == 1 ? "y" : "ies", blocked == 1 ? "s" : "",
            engine_scenario(e)->nan_policy == SCENARIO_ROWS_NAN ? "NaN" : "0 here (maskscope's safe policy)",
            blocked == 1 ? "its" : "their");
    finish(b);
}

static void build_decode(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    const Decode *d = decoding(st);
    int t = st->names.repeat[b->index], c = decode_column(d, t), S = c + 1;
    char title[80];
    snprintf(title, sizeof title, "Decode step %d: cache S = %d", t, S);
    Step *step = begin(b, title);
    TensorId scores = engine_step_id(t, DECODE_SCORES), mask = engine_step_id(t, DECODE_MASK);
    TensorId w = engine_step_id(t, DECODE_WEIGHTS), v = engine_step_id(t, DECODE_V_CACHE);
    TensorId out = engine_step_id(t, DECODE_OUTPUT);
    for (int s = first_s(st); s <= last_s(st); s++) {
        /* the one query row: its scores against the cache (q_t · k_cacheᵀ, in the tooltip), its mask,
         * its weights, and the cached values they read, the new token's row last */
        const char *const *words = seq_words(st, s);
        static const char *const join[] = {"", "+", "softmax \u2192"};
        const TensorId ids[] = {scores, mask, w};
        const PanelScale scale[] = {PANEL_VALUES, PANEL_MASK, PANEL_UNIT};
        for (int k = 0; k < 3; k++) {
            Panel *p = add_dec(b, ids[k], s, scale[k], join[k], "query", "key");
            p->row_labels = words + c;
            label_words(st, p, false, s, 0);
        }
        Panel *p = add_dec(b, v, s, PANEL_VALUES, "\u00d7", "key", "dim");
        label_words(st, p, true, s, 0);
        p->col_labels = (const char *const *)st->dim_labels;
        snprintf(p->title, sizeof p->title, "v_cache_%d (S = %d)", t, S);
        p = add_dec(b, out, s, PANEL_VALUES, "=", "query", "dim");
        p->row_labels = words + c;
        p->col_labels = (const char *const *)st->dim_labels;
    }
    text_fmt(step->formula, sizeof step->formula,
        "weights_%d = softmax(q_%d\u00b7k_cache_%d\u1d40/\u221ad_k + mask_%d);  output_%d = weights_%d\u00b7v_cache_%d",
        t, t, t, t, t, t, t);
    char in[160];
    words_at(st, engine_tensor(e, T_SEQUENCES), c, in, sizeof in);
    text_fmt(step->caption, sizeof step->caption,
        "Only the new token%s %s %s computed: %s key and value join the cache, which holds S = %d now, and %s one "
        "query row reads it all. The mask row blocks [PAD] only: no key after the query exists, so a causal mask "
        "would block nothing.", st->sentence < 0 ? "s" : "", in, st->sentence < 0 ? "are" : "is",
        st->sentence < 0 ? "their" : "its", S, st->sentence < 0 ? "each" : "its");
    /* what the padding mask does here: the step again without it */
    double moved = 0, weight = 0;
    int pads = 0, batch_pads = 0;
    double *o = xcalloc((size_t)d->d, sizeof *o);
    for (int s = 0; s < d->B; s++)
        for (int j = 0; j < S; j++)
            batch_pads += d->pad[(size_t)s * d->T + j];
    for (int s = first_s(st); s <= last_s(st); s++) {
        decode_attend(d, t, s, 0, o);
        const double *mine = engine_tensor(e, out)->data + (size_t)s * d->d;
        for (int j = 0; j < d->d; j++)
            moved = fmax(moved, fabs(o[j] - mine[j]));
        /* the weight the [PAD] keys would get: the unmasked softmax of the scores */
        double mx = -INFINITY, sum = 0, on_pad = 0;
        const double *sc = engine_tensor(e, scores)->data + (size_t)s * S;
        for (int j = 0; j < S; j++)
            mx = fmax(mx, sc[j]);
        for (int j = 0; j < S; j++) {
            sum += exp(sc[j] - mx);
            if (d->pad[(size_t)s * d->T + j]) {
                on_pad += exp(sc[j] - mx);
                pads++;
            }
        }
        weight = fmax(weight, on_pad / sum);
    }
    free(o);
    if (pads)
        text_fmt(step->note, sizeof step->note,
            "Without the padding mask this row would give its [PAD] key%s weight %.2f and move the output by up to "
            "%.2f: the padding mask is needed at every step.", pads == 1 ? "" : "s", weight, moved);
    else if (batch_pads)
        text_fmt(step->note, sizeof step->note,
            "This prompt has no [PAD], so here the padding mask blocks nothing; the batch's shorter prompts need it "
            "at every step.");
    else
        text_fmt(step->note, sizeof step->note, "No prompt of this batch is padded, so the mask row blocks nothing.");
    char next[160] = "";
    size_t k = 0;
    for (int s = first_s(st); s <= last_s(st) && k < sizeof next; s++) {
        const char *word = scenario_word(engine_scenario(e), chosen_after(d, s, t));
        k += (size_t)snprintf(next + k, sizeof next - k, "%s\u201c%s\u201d", k ? ", " : "", word ? word : "?");
    }
    text_fmt(step->result, sizeof step->result, "%s argmax(output_%d\u00b7E\u1d40) = %s%s;  %d score cells per prompt "
        "(the prefill: %d)", t < d->N ? "next:" : "after the last:", t, next,
        t < d->N ? "" : " (not generated)", S, d->L * d->L);
    finish(b);
}

static void build_equivalence(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    const Decode *d = decoding(st);
    Step *step = begin(b, "The cache changes the cost, not the numbers");
    for (int s = first_s(st); s <= last_s(st); s++) {
        Panel *p = add_dec(b, T_FULL_WEIGHTS, s, PANEL_UNIT, "", "query", "key");
        label_words(st, p, true, s, 0);
        label_words(st, p, false, s, 0);
        p = add_dec(b, T_FULL_OUTPUT, s, PANEL_VALUES, "", "query", "dim");
        label_words(st, p, true, s, 0);
        p->col_labels = (const char *const *)st->dim_labels;
        p = add_dec(b, T_OUTPUT, s, PANEL_VALUES, "=", "query", "dim");
        label_words(st, p, true, s, 0);
        p->col_labels = (const char *const *)st->dim_labels;
    }
    text_fmt(step->formula, sizeof step->formula,
        "output (prefill + decode steps) = output_full (one causal pass, L + N = %d)", d->T);
    text_fmt(step->caption, sizeof step->caption,
        "Decode step t's weights are row L + t \u2212 1 of the full causal pass, cut at its own column: nothing after "
        "it existed yet. The cache spares recomputing the rows before it; every number stays the same.");
    const Tensor *full = engine_tensor(e, T_FULL_OUTPUT), *mine = engine_tensor(e, T_OUTPUT);
    double most = 0;
    for (int s = first_s(st); s <= last_s(st); s++)
        for (int c = 0; c < d->T; c++)
            for (int j = 0; j < d->d && !d->pad[(size_t)s * d->T + c]; j++) {
                size_t i = ((size_t)s * d->T + c) * d->d + j;
                most = fmax(most, fabs(full->data[i] - mine->data[i]));
            }
    char diff[32];
    if (most == 0) snprintf(diff, sizeof diff, "0, bit for bit");
    else snprintf(diff, sizeof diff, "%.1e", most);
    text_fmt(step->result, sizeof step->result,
        "max |output \u2212 output_full| = %s;  score cells per prompt: %lld with the cache, %lld without", diff,
        decode_cost(d), decode_cost_without_cache(d));
    text_fmt(step->note, sizeof step->note,
        "The same holds against --mode combined on the sequences as sentences: the decoder's training mask gives "
        "the numbers generation gives.");
    finish(b);
}

static void build_alignment(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    const Decode *d = decoding(st);
    int q = engine_queries(e), S = d->T;
    Step *step = begin(b, "Causal mask for q new queries: bottom-right");
    int s = st->sentence < 0 ? 0 : st->sentence;
    for (int k = 0; k < 2; k++) {
        TensorId id = k ? T_CAUSAL_BOTTOMRIGHT : T_CAUSAL_TOPLEFT;
        Panel *p = add(b, id, s, *engine_tensor(e, id), PANEL_MASK, "");
        snprintf(p->title, sizeof p->title, "%s %s", p->name, k ? "\u2713" : "\u2717");
        p->row_labels = seq_words(st, s) + (S - q);
        p->col_labels = seq_words(st, s);
        p->row_axis = "query";
        p->col_axis = "key";
        p->grid_row = 0;
    }
    text_fmt(step->formula, sizeof step->formula,
        "q = %d new queries, S = %d keys:  top-left keeps k \u2264 i;  bottom-right keeps k \u2264 i + S \u2212 q = "
        "i + %d", q, S, S - q);
    text_fmt(step->caption, sizeof step->caption,
        "Speculative or chunked decoding checks q new tokens at once against the cache. New query i is token S "
        "\u2212 q + i, so it may see every key up to itself: the diagonal ends in the bottom-right corner (flash-attn "
        "since 2.1; Hugging Face offsets by the cache length). SDPA's is_causal=True puts it top-left.");
    text_fmt(step->note, sizeof step->note,
        "scaled_dot_product_attention(is_causal=True) with q < S lets new query 0 see key 0 alone, a single decode "
        "query too (PyTorch #103082, #144858): pass the bottom-right mask as attn_mask.");
    const Tensor *tl = engine_tensor(e, T_CAUSAL_TOPLEFT), *br = engine_tensor(e, T_CAUSAL_BOTTOMRIGHT);
    int differ = 0;
    for (size_t i = 0; i < tl->size; i++)
        differ += tl->data[i] != br->data[i];
    text_fmt(step->result, sizeof step->result, "new query 0 sees 1 key top-left, %d bottom-right;  %d of %d cells differ "
        "(--queries Q: another q)", S - q + 1, differ, q * S);
    finish(b);
}

static void build_loss(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    const Mode *m = engine_mode(e);
    bool mlm = m->loss == MODE_LOSS_MLM, labels = m->loss == MODE_LOSS_LABELS, bert = engine_bert(e) != NULL;
    Step *step = begin(b, mlm ? "MLM loss masking" : bert ? "Loss: every chosen position"
                          : labels ? "The loss over the target" : "Loss masking");
    const char *mask = engine_name(e, T_LOSS_MASK);
    /* a decoder's loss: each position is scored on the next token */
    bool next = engine_mode(e)->loss == MODE_LOSS_NEXT_TOKEN;
    /* (first its own strip: the tokens and what each position is scored on) */
    if (next) {
        add_batch_row(b, T_QUERY_BATCH, -1, PANEL_TOKENS, "")->cell_labels = (const char *const *)st->own_words;
        Panel *t = add_batch_row(b, T_TARGETS, -1, PANEL_TOKENS, "\u2192");
        t->cell_labels = (const char *const *)st->loss_words;
        t->cell_off = st->loss_off;
        step->strips_per_sentence = 2;
    }
    int row = next ? 1 : 0;
    /* each cell says whose loss it is; masked-out positions are drawn as such */
    Panel *in = add_batch_row(b, T_LOSSES, -1, PANEL_LOSS, "");
    in->cell_labels = (const char *const *)st->loss_words;
    in->grid_row = row;
    Panel *lmp = add_batch_row(b, T_LOSS_MASK, -1, PANEL_UNIT, "\u00d7");
    lmp->cell_labels = (const char *const *)st->loss_words;
    lmp->grid_row = row;
    Panel *out = add_batch_row(b, T_MASKED_LOSSES, -1, PANEL_LOSS, "=");
    out->cell_labels = (const char *const *)st->loss_words;
    out->cell_off = st->loss_off;
    out->grid_row = row;
    if (labels)
        tint(b, lmp, tint_scored);
    const Tensor *lm = engine_tensor(e, T_LOSS_MASK), *ml = engine_tensor(e, T_MASKED_LOSSES);
    double msum = 0, lsum = 0;
    for (size_t i = 0; i < lm->size; i++) {
        msum += lm->data[i];
        lsum += ml->data[i];
    }
    double loss = engine_loss(e);
    if (next)
        text_fmt(step->formula, sizeof step->formula, "targets = batch[:, 1:];  loss = (losses * %s).sum() / %s.sum()",
            mask, mask);
    else if (labels)
        text_fmt(step->formula, sizeof step->formula, "loss = (batch_losses * loss_mask).sum() / loss_mask.sum()");
    else
        text_fmt(step->formula, sizeof step->formula, "%s = (batch_losses * %s).sum() / %s.sum()",
            mlm ? "mlm_batch_loss" : "batch_loss", mask, mask);
    if (isnan(loss))
        text_fmt(step->result, sizeof step->result, "no position is selected: %.4f / 0 = NaN", lsum);
    else
        text_fmt(step->result, sizeof step->result,
            "mean = %.4f / %g = %.3f    wrong: %.4f / all %zu positions = %.3f;  mean of all %zu losses = %.3f",
            lsum, msum, loss, lsum, lm->size, lsum / (double)lm->size, lm->size, engine_loss_all(e));
    text_fmt(step->caption, sizeof step->caption, "%s",
        mlm ? "Only the [MASK] positions are scored: the loss mask is 1 where batch == MASK_IDX. "
              "ignore_index does the same inside nn.CrossEntropyLoss."
        : bert ? "Every chosen position is scored \u2014 [MASK], random and unchanged alike \u2014 and \u2212100 keeps "
                 "the rest out: multiplying by loss_mask and dividing by its sum is what CrossEntropyLoss(ignore_index"
                 "=\u2212100) computes."
        : labels ? "The decoder is scored on every real target token, sentinels and span tokens alike; the "
                   "target's padding has label \u2212100. No input token is scored: T5 only learns to write out "
                   "what was hidden."
        : m->loss == MODE_LOSS_PREFIX
            ? "A prefix-LM reads its prefix as context and is graded only on what follows: the loss mask is 0 "
              "on the prefix and on [PAD], and the mean divides by the targets alone."
        : next
            ? "A decoder learns to predict the next token: position t is scored on token t + 1 (the causal mask "
              "keeps t from seeing it). The last real token has no next token, so it is not scored; nor is [PAD]."
            : "Padded positions must not teach the model: multiply by the loss mask, then divide by "
              "its sum, not by the number of cells.");
    if (bert) {
        /* below: what the notebook's batch == MASK rule would score */
        Panel *p = add_batch_row(b, T_MASK_POSITIONS, -1, PANEL_UNIT, "");
        p->grid_row = 1;
        tint(b, p, tint_missed);
        Tally t = bert_tally(st, true);
        int masks = t.mask;
        if (t.chosen == 0)
            text_fmt(step->note, sizeof step->note, "Warning: nothing is chosen in the whole batch, so the mean is 0/0.");
        else if (t.random + t.kept == 0)
            text_fmt(step->note, sizeof step->note,
                "Here every chosen position is [MASK], so the notebook's bert_input == MASK happens to agree; "
                "another seed will show it miss the random and unchanged ones.");
        else if (masks == 0)
            text_fmt(step->note, sizeof step->note,
                "The notebook's bert_input == MASK would select nothing here (0/0 = NaN): it misses the %d random "
                "and %d unchanged position%s BERT scores.", t.random, t.kept, t.random + t.kept == 1 ? "" : "s");
        else
            text_fmt(step->note, sizeof step->note,
                "The notebook's bert_input == MASK would average %d position%s: %.3f instead of %.3f, because it "
                "leaves out %d random and %d unchanged position%s.", masks, masks == 1 ? "" : "s",
                engine_loss_mask_only(e), loss, t.random, t.kept, t.kept == 1 ? "" : "s");
    } else if (isnan(loss))
        text_fmt(step->note, sizeof step->note, "Warning: the loss mask selects nothing, so the mean is 0/0.");
    else if (mlm) {
        for (int s = 0; s < st->B; s++)
            if (engine_unscored(e, s)) {
                text_fmt(step->note, sizeof step->note,
                    "Warning: sentence %d has no [MASK] token, so it adds nothing to the loss.", s);
                break;
            }
    }
    finish(b);
}

/* ---- the storyboard ---- */

/* every step a story may name, and its builder */
static const struct {
    const char *slug;
    void (*build)(Builder *);
} catalogue[] = {
    {"tokens", build_tokens}, {"qkv", build_qkv}, {"scores", build_scores}, {"mask", build_mask},
    {"masked", build_masked}, {"weights", build_weights}, {"output", build_output}, {"loss", build_loss},
    {"original", build_original}, {"chosen", build_chosen}, {"corrupted", build_corrupted},
    {"labels", build_labels}, {"loss_mask", build_loss_mask}, {"noise", build_noise}, {"input", build_input},
    {"target", build_target}, {"decoder", build_decoder}, {"prompt", build_prompt}, {"positions", build_positions},
    {"prefill", build_prefill}, {"decode", build_decode}, {"equivalence", build_equivalence},
    {"alignment", build_alignment},
};

static int builder_of(const char *slug)
{
    for (int k = 0; k < (int)(sizeof catalogue / sizeof catalogue[0]); k++)
        if (strcmp(catalogue[k].slug, slug) == 0)
            return k;
    return -1;
}

Steps *steps_build(const Engine *e, int sentence, char *err, size_t errlen)
{
    int B = engine_sentences(e), L = engine_length(e), Lq = engine_query_length(e), d = engine_d(e);
    if (sentence < -1 || sentence >= B) {
        snprintf(err, errlen, "sentence: %d is out of range; the %sbatch has sentences 0 to %d (or all)", sentence,
                 engine_mode(e)->batch == MODE_BATCH_MLM ? "MLM " : "", B - 1);
        return NULL;
    }
    Steps *st = xcalloc(1, sizeof *st);
    st->e = e;
    st->sentence = sentence;
    st->B = B, st->L = L, st->Lq = Lq, st->d = d;
    st->dim_labels = steps_labels("d", d);
    st->pos_labels = steps_labels("", L);
    st->sent_labels = steps_labels("s", B);
    st->qpos_labels = steps_labels("", Lq);
    st->pad = xcalloc((size_t)B * (size_t)L, sizeof *st->pad);
    st->qpad = xcalloc((size_t)B * (size_t)Lq, sizeof *st->qpad);
    for (int s = 0; s < B; s++) {
        for (int p = 0; p < L; p++)
            st->pad[s * L + p] = !engine_is_real(e, s, p);
        for (int p = 0; p < Lq; p++)
            st->qpad[s * Lq + p] = !engine_query_is_real(e, s, p);
    }
    const Batch *src = engine_source(e);
    if (src != engine_batch(e)) {
        /* the sentences before corruption have their own length */
        st->Ls = src->L;
        st->spos_labels = steps_labels("", src->L);
        st->spad = xcalloc((size_t)B * (size_t)src->L, sizeof *st->spad);
        for (int s = 0; s < B; s++)
            for (int p = 0; p < src->L; p++)
                st->spad[s * src->L + p] = !batch_is_real(src, s, p);
    }
    if (engine_decode(e)) {
        st->T = engine_decode(e)->T;
        st->tpos_labels = steps_labels("", st->T);
    }
    st->story = engine_mode(e)->story;
    st->count = steps_story(engine_mode(e), engine_scenario(e), &st->names);
    for (int i = 0; !st->story && i < st->count; i++)
        EXPECT(builder_of(st->names.of[i]) >= 0); /* a story names only steps the catalogue has */
    if (st->story)
        st->story_data = st->story->open(e, sentence);
    st->steps = xcalloc((size_t)st->count, sizeof *st->steps);
    st->built = xcalloc((size_t)st->count, sizeof *st->built);

    /* the words of the loss positions (the queries' batch: the decoder's in cross-attention) */
    st->loss_words = xcalloc((size_t)B * (size_t)Lq, sizeof *st->loss_words);
    st->loss_off = xcalloc((size_t)B * (size_t)Lq, sizeof *st->loss_off);
    st->own_words = xcalloc((size_t)B * (size_t)Lq, sizeof *st->own_words);
    const Tensor *lmask = engine_tensor(e, T_LOSS_MASK);
    bool next = engine_mode(e)->loss == MODE_LOSS_NEXT_TOKEN;
    for (int s = 0; s < B; s++)
        for (int p = 0; p < Lq; p++) {
            size_t i = (size_t)s * Lq + p;
            const char *w = engine_query_labels(e, s)[p];
            const char *hidden = Lq == L && !engine_is_cross(e) ? engine_hidden_word(e, s, p) : NULL;
            size_t n = strlen(w) + (hidden ? strlen(hidden) + 4 : 0) + 1;
            st->own_words[i] = xmalloc(strlen(w) + 1);
            memcpy(st->own_words[i], w, strlen(w) + 1);
            st->loss_off[i] = lmask->data[i] == 0;
            if (next) {
                /* scored on the next word: "→cat"; nothing after the last real token */
                const char *t = st->loss_off[i] || p + 1 >= Lq ? "\u2014" : engine_query_labels(e, s)[p + 1];
                n = strlen(t) + 4;
                st->loss_words[i] = xmalloc(n);
                snprintf(st->loss_words[i], n, "%s%s", st->loss_off[i] ? "" : "\u2192", t);
                continue;
            }
            st->loss_words[i] = xmalloc(n);
            if (hidden) snprintf(st->loss_words[i], n, "%s\u2192%s", w, hidden);
            else snprintf(st->loss_words[i], n, "%s", w);
        }
    st->decimals = 2;
    st->shown = xcalloc((size_t)st->count, sizeof *st->shown);
    return st;
}

/* ---- showing part of a step ---- */

static bool shown_name(const struct Shown *sh, const char *name)
{
    if (sh->all_panels)
        return true;
    for (int k = 0; k < sh->nnames; k++)
        if (strcmp(sh->names[k], name) == 0)
            return true;
    return false;
}

/* keeps the panels sh names, in order; an operator stays only between
 * two panels that were neighbours, so "A × B = C" without B reads "A  C" */
static void keep_shown(Step *step, const struct Shown *sh)
{
    int kept = 0;
    bool prev_kept = false;
    int prev_row = -1;
    for (int i = 0; i < step->npanels; i++) {
        Panel p = step->panels[i];
        bool keep = shown_name(sh, p.name);
        if (keep) {
            if (!(prev_kept && prev_row == p.grid_row))
                p.join = "";
            step->panels[kept++] = p;
        }
        prev_kept = keep;
        prev_row = p.grid_row;
    }
    step->npanels = kept;
    /* the grid counts what is left; colour ranges stay the whole step's,
     * so a revealed panel keeps the colours it would have had */
    int rows = 0, cols = 0;
    for (int i = 0; i < step->npanels; i++) {
        if (step->panels[i].grid_row + 1 > rows)
            rows = step->panels[i].grid_row + 1;
        if (step->panels[i].grid_row == step->panels[0].grid_row)
            cols++;
    }
    step->grid_rows = rows;
    step->grid_cols = cols;
    if (sh->hide_result)
        step->result[0] = '\0';
    if (sh->hide_caption)
        step->caption[0] = '\0';
    if (sh->hide_note)
        step->note[0] = '\0';
}

static void shown_clear(struct Shown *sh)
{
    for (int k = 0; k < sh->nnames; k++)
        free(sh->names[k]);
    free(sh->names);
    *sh = (struct Shown){0};
}

/* lays out step i: only now does the engine compute what it shows */
static void build_step(Steps *st, int i)
{
    if (st->story) {
        st->steps[i].slug = st->names.slug[i];
        st->steps[i].strips_per_sentence = 1;
        st->story->layout(st->story_data, i, &st->steps[i]);
        steps_finish(&st->steps[i], engine_pad_id(st->e), engine_mask_id(st->e));
    } else {
        Builder b = {.st = st, .index = i};
        catalogue[builder_of(st->names.of[i])].build(&b);
    }
    if (st->shown[i].set)
        keep_shown(&st->steps[i], &st->shown[i]);
    st->built[i] = true;
}

void steps_show(Steps *st, int i, const StepsShow *show)
{
    EXPECT(i >= 0 && i < st->count);
    struct Shown *sh = &st->shown[i];
    shown_clear(sh);
    if (show) {
        *sh = (struct Shown){.set = true, .all_panels = !show->show, .hide_result = show->hide_result,
                             .hide_caption = show->hide_caption, .hide_note = show->hide_note};
        if (show->show && show->nshow > 0) {
            sh->names = xcalloc((size_t)show->nshow, sizeof *sh->names);
            for (int k = 0; k < show->nshow; k++)
                sh->names[k] = xstrdup(show->show[k]);
            sh->nnames = show->nshow;
        }
    }
    /* laid out already: again on next use, with the new choice */
    if (st->built[i]) {
        free(st->steps[i].panels);
        memset(&st->steps[i], 0, sizeof st->steps[i]);
        st->built[i] = false;
    }
}

bool steps_has_panel(const Steps *st, int i, const char *name, char *names, size_t n)
{
    const Step *step = steps_at(st, i);
    for (int k = 0; k < step->npanels; k++)
        if (strcmp(step->panels[k].name, name) == 0)
            return true;
    size_t used = 0;
    if (names && n)
        names[0] = '\0';
    for (int k = 0; names && k < step->npanels && used < n; k++) {
        bool seen = false;
        for (int j = 0; j < k && !seen; j++)
            seen = strcmp(step->panels[j].name, step->panels[k].name) == 0;
        if (!seen)
            used += (size_t)snprintf(names + used, n - used, "%s%s", used ? ", " : "", step->panels[k].name);
    }
    return false;
}

void steps_free(Steps *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->count; i++)
        free(st->steps[i].panels);
    if (st->story)
        st->story->close(st->story_data);
    free(st->steps);
    free(st->built);
    for (int i = 0; i < st->count; i++)
        shown_clear(&st->shown[i]);
    free(st->shown);
    for (int i = 0; i < st->ntints; i++)
        free(st->tints[i]);
    free(st->tints);
    steps_labels_free(st->dim_labels, st->d);
    steps_labels_free(st->pos_labels, st->L);
    steps_labels_free(st->qpos_labels, st->Lq);
    steps_labels_free(st->spos_labels, st->Ls);
    steps_labels_free(st->tpos_labels, st->T);
    free(st->qpad);
    free(st->spad);
    steps_labels_free(st->sent_labels, st->B);
    free(st->pad);
    steps_labels_free(st->loss_words, st->B * st->Lq);
    steps_labels_free(st->own_words, st->B * st->Lq);
    free(st->loss_off);
    free(st);
}

void steps_set_decimals(Steps *st, int decimals) { st->decimals = decimals < 0 ? 0 : decimals > 6 ? 6 : decimals; }
int steps_decimals(const Steps *st) { return st->decimals; }
const Engine *steps_engine(const Steps *st) { return st->e; }

bool steps_story_explain(const Steps *st, int step, int panel, int row, int col, char *buf, size_t n, bool *done)
{
    *done = st->story != NULL;
    if (!st->story || !st->story->explain)
        return false;
    return st->story->explain(st->story_data, steps_at(st, step), panel, row, col, buf, n);
}
int steps_sentence(const Steps *st) { return st->sentence; }
int steps_count(const Steps *st) { return st->count; }

const Step *steps_at(const Steps *st, int i)
{
    EXPECT(i >= 0 && i < st->count);
    /* laying a step out on first use changes only when it is done: the
     * storyboard is const to its readers */
    if (!st->built[i])
        build_step((Steps *)st, i);
    return &st->steps[i];
}

const char *steps_slug(const Steps *st, int i)
{
    EXPECT(i >= 0 && i < st->count);
    return st->names.slug[i];
}

bool steps_token(const Steps *st, int step, int panel, bool rows, int s, int pos, const char **word, int *id)
{
    if (step < 0 || step >= st->count || panel < 0 || panel >= steps_at(st, step)->npanels || s < 0 || s >= st->B)
        return false;
    const Panel *p = &steps_at(st, step)->panels[panel];
    const char *axis = rows ? p->row_axis : p->col_axis;
    if (!axis || (strcmp(axis, "token") != 0 && strcmp(axis, "query") != 0 && strcmp(axis, "key") != 0 &&
                  strcmp(axis, "position") != 0))
        return false;
    /* a [B,L] tensor's columns, else an attention matrix's queries (rows) or keys */
    const Batch *b = strcmp(axis, "token") == 0 || strcmp(axis, "position") == 0 ? positions_of(st, p->tensor).b
                     : strcmp(axis, "query") == 0                                 ? engine_query_batch(st->e)
                                                                                  : engine_batch(st->e);
    if (rows && strcmp(axis, "token") == 0)
        b = query_rows(p->tensor) ? engine_query_batch(st->e) : engine_batch(st->e); /* X, V: a token per row */
    /* decode: the axes past the prompt are the sequences' columns; a step's one row is its new token */
    const Decode *d = engine_decode(st->e);
    int t;
    DecodeKind k;
    bool step_tensor = engine_step_of(p->tensor, &t, &k);
    bool causal = p->tensor == T_CAUSAL_TOPLEFT || p->tensor == T_CAUSAL_BOTTOMRIGHT;
    if (d && (step_tensor || causal || p->tensor == T_FULL_WEIGHTS || p->tensor == T_FULL_OUTPUT ||
              p->tensor == T_OUTPUT || positions_of(st, p->tensor).b == d->seq)) {
        b = d->seq;
        if (rows && step_tensor && k != DECODE_K_CACHE && k != DECODE_V_CACHE) pos += decode_column(d, t);
        if (rows && causal) pos += d->T - engine_queries(st->e);
    }
    if (!rows)
        pos += p->first_col;
    if (pos < 0 || pos >= b->L)
        return false;
    *word = b->labels[(size_t)s * b->L + pos];
    *id = (int)b->ids->data[(size_t)s * b->L + pos];
    return true;
}

int steps_find(const Steps *st, const char *slug)
{
    for (int i = 0; i < st->count; i++)
        if (strcmp(steps_slug(st, i), slug) == 0)
            return i;
    return -1;
}
