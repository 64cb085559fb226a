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
 * the token and loss steps show the [B,L] tensors. */
#include "steps.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmalloc.h"

static const char *const attention_story[] = {"tokens", "qkv", "scores", "mask", "masked", "weights", "output", "loss"};
enum { STEP_COUNT = sizeof attention_story / sizeof attention_story[0] };

struct Steps {
    const Engine *e;
    const StepsStory *story; /* the mode's own storyboard, or NULL */
    void *story_data;
    const char *const *slugs; /* the story's step names */
    int sentence;            /* -1: the whole batch */
    int count;
    Step *steps;
    char **dim_labels;       /* d entries: "d0".. */
    char **pos_labels;       /* L entries: "0".. */
    char **sent_labels;      /* B entries: "s0".. */
    bool *pad;               /* [B*L] true where the keys' batch holds padding */
    bool *qpad;              /* [B*Lq] the same for the queries' batch (pad, but for cross-attention) */
    char **qpos_labels;      /* Lq entries: "0".. */
    bool *built;             /* [count]: a step is laid out when first asked for */
    int B, L, Lq, d;
};

/* whether a tensor's rows are query positions (the decoder's in
 * cross-attention) rather than key positions */
static bool query_rows(TensorId id)
{
    switch (id) {
    case T_QUERY_BATCH: case T_QUERY_EMBEDDINGS: case T_Q: case T_SCORES: case T_MASK: case T_MASKED:
    case T_WEIGHTS: case T_OUTPUT: case T_LOSSES: case T_LOSS_MASK: case T_MASKED_LOSSES: case T_BLOCKED_ROWS:
    case T_PADDING_LOSS_MASK: case T_DECODER_CAUSAL:
        return true;
    default:
        return id >= T_TERM;
    }
}

int steps_story(const Mode *m, const char *const **slugs)
{
    if (m->story)
        return m->story->names(slugs);
    *slugs = attention_story;
    return STEP_COUNT;
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

static Step *begin(Builder *b, int index, const char *title)
{
    b->step = &b->st->steps[index];
    b->cap = 0;
    b->step->slug = attention_story[index];
    b->step->title = title;
    return b->step;
}

static void finish(Builder *b)
{
    steps_finish(b->step);
}

/* the grid: panels of one sentence form a row; count columns from row 0 */
void steps_finish(Step *step)
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
    /* one colour range per scale across the step */
    double vmax = 0, lmax = 1;
    for (int i = 0; i < step->npanels; i++) {
        const Panel *p = &step->panels[i];
        for (size_t k = 0; k < p->view.size; k++) {
            double v = p->view.data[k];
            if (!isfinite(v))
                continue;
            if (p->scale == PANEL_VALUES)
                vmax = fmax(vmax, fabs(v));
            if (p->scale == PANEL_LOSS)
                lmax = fmax(lmax, v);
        }
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

static void fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, n, f, ap);
    va_end(ap);
}

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
    Step *step = begin(b, 0, mlm ? "The masked batch" : kind == MODE_BATCH_PACKED ? "Packed documents"
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
        fmt(step->formula, sizeof step->formula,
            "%d documents end to end in %d row%s of %d: document_ids say whose each token is; position_ids restart "
            "at 0", docs, bt->B, bt->B == 1 ? "" : "s", bt->L);
        fmt(step->caption, sizeof step->caption,
            "Packing fills each row with whole sentences instead of padding every one to the longest: %d [PAD] "
            "cell%s in all. The model must still keep the documents apart, and count positions per document.",
            pads, pads == 1 ? "" : "s");
    } else if (kind == MODE_BATCH_CROSS) {
        fmt(step->formula, sizeof step->formula,
            "encoder_batch [B, %d] answers (keys, values);  decoder_batch [B, %d] asks (queries)", bt->L,
            engine_query_length(st->e));
        fmt(step->caption, sizeof step->caption,
            "In an encoder-decoder model (translation, T5) the decoder's tokens look at the encoder's. The two "
            "batches have their own lengths, so the attention matrices are not square.");
    } else if (mlm) {
        fmt(step->formula, sizeof step->formula, "mlm_batch: [MASK] = %d replaces the words to predict",
            bt->mask_id);
        fmt(step->caption, sizeof step->caption,
            "Some words are replaced by [MASK]; the model must predict them from both sides. "
            "padding_mask marks [PAD] keys with \u2212\u221e (this batch has %d [PAD] cell%s).",
            pads, pads == 1 ? "" : "s");
    } else {
        fmt(step->formula, sizeof step->formula,
            "batch = pad_sequence(sequences, padding_value=%d);  padding_mask = create_padding_mask(batch)",
            bt->pad_id);
        fmt(step->caption, sizeof step->caption,
            "Shorter sentences are padded with [PAD] = %d on the %s to length L = %d. padding_mask is 0 for "
            "real tokens and \u2212\u221e for [PAD].",
            bt->pad_id, engine_scenario(st->e)->padding == SCENARIO_PAD_LEFT ? "left" : "right", bt->L);
    }
    /* the notebook's count_nonzero - 1 is right only with right padding */
    const Tensor *last = engine_tensor(st->e, T_LAST_INDEX);
    Tensor *naive = tensor_new1(TENSOR_INT, bt->B);
    for (int s = 0; s < bt->B; s++)
        naive->data[s] = bt->lengths[s] - 1;
    char *lt = tensor_format(last), *nt = tensor_format(naive);
    if (tensor_equal(last, naive))
        fmt(step->result, sizeof step->result, "last real token: batch_nonzero_indicies = %s", lt);
    else
        fmt(step->result, sizeof step->result, "last real token: %s  (count_nonzero \u2212 1 would say %s)", lt, nt);
    free(lt);
    free(nt);
    tensor_free(naive);
    finish(b);
}

static void build_qkv(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 1, "Queries, keys and values");
    bool cross = engine_is_cross(st->e);
    /* X -> Q, K, V; in cross-attention the decoder's X makes Q, the encoder's K and V */
    static const struct {
        TensorId id;
        const char *join;
    } self[] = {{T_EMBEDDINGS, ""}, {T_Q, "\u00b7W_q \u2192"}, {T_K, "\u00b7W_k \u2192"}, {T_V, "\u00b7W_v \u2192"}},
      both[] = {{T_QUERY_EMBEDDINGS, ""}, {T_Q, "\u00b7W_q \u2192"}, {T_EMBEDDINGS, ""}, {T_K, "\u00b7W_k \u2192"},
                {T_V, "\u00b7W_v \u2192"}};
    int n = cross ? 5 : 4;
    for (int s = first_s(st); s <= last_s(st); s++)
        for (int i = 0; i < n; i++)
            add_tok(b, cross ? both[i].id : self[i].id, s, PANEL_VALUES, cross ? both[i].join : self[i].join, false,
                    "token", "dim");
    if (cross)
        fmt(step->formula, sizeof step->formula,
            "Q = X_dec\u00b7W_q    K = X_enc\u00b7W_k    V = X_enc\u00b7W_v    (d_model = %d)", st->d);
    else
        fmt(step->formula, sizeof step->formula,
            "Q = X\u00b7W_q    K = X\u00b7W_k    V = X\u00b7W_v    (d_model = %d)", st->d);
    fmt(step->caption, sizeof step->caption,
        "Each token's embedding (a row of X) is projected three ways. [PAD] has an embedding too: "
        "padding is computed like any token, then masked.");
    fmt(step->note, sizeof step->note,
        "Embeddings and W_q, W_k, W_v are drawn from seed %llu (see README); dump them to recompute in PyTorch.",
        (unsigned long long)engine_scenario(st->e)->seed);
    finish(b);
}

static void build_scores(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 2, "Attention scores");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, T_Q, s, PANEL_VALUES, "", false, "query", "dim");
        /* K transposed: dims down, key tokens across */
        Panel *p = add_tok(b, T_KT, s, PANEL_VALUES, "\u00d7", true, "dim", "key");
        p->row_labels = (const char *const *)st->dim_labels;
        p->row_dim = NULL;
        add_tok(b, T_SCORES, s, PANEL_VALUES, "/ \u221ad_k =", true, "query", "key");
    }
    fmt(step->formula, sizeof step->formula, "A_scores = Q\u00b7K\u1d40 / \u221ad_k    (\u221ad_k = \u221a%d = %.3g)",
        st->d, sqrt((double)st->d));
    fmt(step->caption, sizeof step->caption,
        "Every query (row) is compared with every key (column), padding included. Nothing is masked yet.");
    fmt(step->note, sizeof step->note,
        "Scaled by \u221ad_k as in PyTorch and the original Transformer; the notebook's text writes Q\u00b7K\u1d40/d_k.");
    finish(b);
}

static void build_mask(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    const Mode *m = engine_mode(e);
    int n = engine_nterms(e);
    Step *step = begin(b, 3, "The attention mask");
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
        fmt(step->formula, sizeof step->formula, "A_mask = %s", names);
        if (m->mask_caption) {
            fmt(step->caption, sizeof step->caption, "%s", m->mask_caption);
        } else {
            /* the family's own words, and what the padding term adds */
            char own[320];
            engine_term(e, n - 1)->caption(&in, own, sizeof own);
            fmt(step->caption, sizeof step->caption, "%s%s", own,
                engine_term(e, 0) == &mask_term_padding ? " [PAD] keys are blocked too (A_pad)." : "");
        }
    }
    if (m->pitfall)
        fmt(step->note, sizeof step->note, "%s", m->pitfall);
    else
        fmt(step->note, sizeof step->note, "0 keeps a score; \u2212\u221e removes it, because e^\u2212\u221e = 0 after softmax.");
    finish(b);
}

static void build_masked(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    Step *step = begin(b, 4, "Masked scores");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, T_SCORES, s, PANEL_VALUES, "", true, "query", "key");
        for (int i = 0; i < engine_nterms(e); i++)
            add_mask(b, i, s, "+");
        add_tok(b, T_MASKED, s, PANEL_VALUES, "=", true, "query", "key");
    }
    char names[120];
    term_names(e, names, sizeof names);
    fmt(step->formula, sizeof step->formula, "A_masked = A_scores + %s", names);
    fmt(step->caption, sizeof step->caption,
        "Adding the mask leaves allowed scores unchanged and turns blocked ones into \u2212\u221e.");
    finish(b);
}

static void build_weights(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 5, "Softmax weights");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, T_MASKED, s, PANEL_VALUES, "", true, "query", "key");
        add_tok(b, T_WEIGHTS, s, PANEL_UNIT, "softmax \u2192", true, "query", "key");
    }
    fmt(step->formula, sizeof step->formula, "A_weights = softmax(A_masked, dim=\u22121)");
    fmt(step->caption, sizeof step->caption,
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
        fmt(step->note, sizeof step->note,
            "%d fully masked row%s (sentence:row %s%s): softmax of only \u2212\u221e is undefined; %s.",
            shown, shown == 1 ? "" : "s", rows, shown > 6 ? ", \u2026" : "",
            engine_scenario(st->e)->nan_policy == SCENARIO_ROWS_NAN ? "PyTorch gives NaN, shown here as NaN"
                                                                    : "maskscope sets the weights to 0 (safe policy)");
    finish(b);
}

static void build_output(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 6, "Weighted values");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, T_WEIGHTS, s, PANEL_UNIT, "", true, "query", "key");
        add_tok(b, T_V, s, PANEL_VALUES, "\u00d7", false, "key", "dim");
        add_tok(b, T_OUTPUT, s, PANEL_VALUES, "=", false, "query", "dim");
    }
    const Mode *m = engine_mode(st->e);
    fmt(step->formula, sizeof step->formula, "output = A_weights \u00b7 V");
    fmt(step->caption, sizeof step->caption, "%s",
        m->output_caption ? m->output_caption
                          : "Each output row is a weighted sum of value rows; [PAD] rows of V get weight 0, so "
                            "padding never leaks into real tokens.");
    finish(b);
}

static void build_loss(Builder *b)
{
    Steps *st = b->st;
    const Engine *e = st->e;
    bool mlm = engine_mode(e)->loss == MODE_LOSS_MLM;
    Step *step = begin(b, 7, mlm ? "MLM loss masking" : "Loss masking");
    const char *mask = engine_name(e, T_LOSS_MASK);
    add_batch_row(b, T_LOSSES, -1, PANEL_LOSS, "");
    add_batch_row(b, T_LOSS_MASK, -1, PANEL_UNIT, "\u00d7");
    add_batch_row(b, T_MASKED_LOSSES, -1, PANEL_LOSS, "=");
    const Tensor *lm = engine_tensor(e, T_LOSS_MASK), *ml = engine_tensor(e, T_MASKED_LOSSES);
    double msum = 0, lsum = 0;
    for (size_t i = 0; i < lm->size; i++) {
        msum += lm->data[i];
        lsum += ml->data[i];
    }
    double loss = engine_loss(e);
    fmt(step->formula, sizeof step->formula, "%s = (batch_losses * %s).sum() / %s.sum()",
        mlm ? "mlm_batch_loss" : "batch_loss", mask, mask);
    if (isnan(loss))
        fmt(step->result, sizeof step->result, "no position is selected: %.4f / 0 = NaN", lsum);
    else
        fmt(step->result, sizeof step->result, "mean loss = %.4f / %g = %.3f    (over every position: %.3f)",
            lsum, msum, loss, engine_loss_all(e));
    fmt(step->caption, sizeof step->caption, "%s",
        mlm ? "Only the [MASK] positions are scored: the loss mask is 1 where batch == MASK_IDX. "
              "ignore_index does the same inside nn.CrossEntropyLoss."
        : engine_mode(e)->loss == MODE_LOSS_PREFIX
            ? "A prefix-LM reads its prefix as context and is graded only on what follows: the loss mask is 0 "
              "on the prefix and on [PAD], and the mean divides by the targets alone."
            : "Padded positions must not teach the model: multiply by the loss mask, then divide by "
              "its sum, not by the number of cells.");
    if (isnan(loss))
        fmt(step->note, sizeof step->note, "Warning: the loss mask selects nothing, so the mean is 0/0.");
    else if (mlm) {
        for (int s = 0; s < st->B; s++)
            if (engine_unscored(e, s)) {
                fmt(step->note, sizeof step->note,
                    "Warning: sentence %d has no [MASK] token, so it adds nothing to the loss.", s);
                break;
            }
    }
    finish(b);
}

/* ---- the storyboard ---- */

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

    st->story = engine_mode(e)->story;
    st->count = st->story ? st->story->names(&st->slugs) : STEP_COUNT;
    if (st->story)
        st->story_data = st->story->open(e, sentence);
    st->steps = xcalloc((size_t)st->count, sizeof *st->steps);
    st->built = xcalloc((size_t)st->count, sizeof *st->built);
    return st;
}

/* lays out step i: only now does the engine compute what it shows */
static void build_step(Steps *st, int i)
{
    static void (*const builders[STEP_COUNT])(Builder *) = {
        build_tokens, build_qkv, build_scores, build_mask, build_masked, build_weights, build_output, build_loss,
    };
    if (st->story) {
        st->steps[i].slug = st->slugs[i];
        st->story->layout(st->story_data, i, &st->steps[i]);
        steps_finish(&st->steps[i]);
    } else {
        Builder b = {.st = st};
        builders[i](&b);
    }
    st->built[i] = true;
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
    steps_labels_free(st->dim_labels, st->d);
    steps_labels_free(st->pos_labels, st->L);
    steps_labels_free(st->qpos_labels, st->Lq);
    free(st->qpad);
    steps_labels_free(st->sent_labels, st->B);
    free(st->pad);
    free(st);
}

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
    return st->story ? st->slugs[i] : attention_story[i];
}

int steps_find(const Steps *st, const char *slug)
{
    for (int i = 0; i < st->count; i++)
        if (strcmp(steps_slug(st, i), slug) == 0)
            return i;
    return -1;
}
