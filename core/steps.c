/* The step engine turns (scenario, mode, sentence) into the lesson's
 * storyboard. It computes the whole batch once (batch, masks, attention,
 * losses) and then describes each step as panels: 2-D views into those
 * tensors, with the words on their axes and the operator that joins each
 * panel to the one before, so a renderer can draw
 *
 *     A_scores  +  A_pad  =  A_masked
 *
 * without knowing anything about attention. Every mode has the same
 * eight steps, in the order the notebook computes them:
 *
 *     tokens -> qkv -> scores -> mask -> masked -> weights -> output -> loss
 *
 * In the batch view (sentence -1) the per-sentence steps repeat one grid
 * row per sentence; the token and loss steps show the [B,L] tensors. */
#include "steps.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"
#include "mask.h"
#include "strbuf.h"
#include "xmalloc.h"

enum { STEP_COUNT = 8 };

typedef struct Priv {
    Tensor *KT;          /* [B,d,L]: K transposed per sentence */
    char **dim_labels;   /* d entries: "d0".. */
    char **pos_labels;   /* L entries: "0".. */
    char **sent_labels;  /* B entries: "s0".. */
    bool *pad;           /* [B*L] true where the batch holds padding */
    int B, L, d;
} Priv;

static const char *const mode_names[STEPS_MODE_COUNT] = {"padding", "causal", "combined", "mlm"};

const char *steps_mode_name(StepsMode mode)
{
    EXPECT(mode >= 0 && mode < STEPS_MODE_COUNT);
    return mode_names[mode];
}

bool steps_mode_parse(const char *name, StepsMode *mode)
{
    for (int i = 0; i < STEPS_MODE_COUNT; i++)
        if (strcmp(name, mode_names[i]) == 0) {
            *mode = (StepsMode)i;
            return true;
        }
    return false;
}

int steps_default_sentence(const Scenario *sc, StepsMode mode)
{
    if (mode != STEPS_CAUSAL)
        return 0;
    int best = 0;
    for (int s = 1; s < sc->sentences.count; s++)
        if (sc->sentences.lengths[s] > sc->sentences.lengths[best])
            best = s;
    return best;
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

static char **numbered(const char *prefix, int n)
{
    char **l = xcalloc((size_t)n + 1, sizeof *l);
    for (int i = 0; i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s%d", prefix, i);
        l[i] = xstrdup(buf);
    }
    return l;
}

static void free_labels(char **l, int n)
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
    Priv *pv;
    Step *step;
    int cap;
} Builder;

static Panel *add(Builder *b, const char *name, int sentence, Tensor view, PanelScale scale,
                  const char *op)
{
    Step *step = b->step;
    if (step->npanels == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        step->panels = xrealloc(step->panels, (size_t)b->cap * sizeof *step->panels);
    }
    Panel *p = &step->panels[step->npanels++];
    *p = (Panel){.name = name, .view = view, .scale = scale, .op = op, .sentence = sentence};
    char sup[48] = "";
    if (sentence >= 0 && view.shape[0] > 1)
        superscript(sentence, sup, sizeof sup);
    snprintf(p->title, sizeof p->title, "%s%s", name, sup);
    p->grid_row = 0;
    p->row_axis = "query";
    p->col_axis = "key";
    return p;
}

/* axes: a token-by-token panel of sentence s */
static void axes_tokens(Builder *b, Panel *p, int s, bool cols_tokens, const char *row_axis,
                        const char *col_axis)
{
    const Batch *bt = b->st->batch;
    p->row_labels = bt->labels + (size_t)s * bt->L;
    p->row_dim = b->pv->pad + (size_t)s * bt->L;
    p->row_axis = row_axis;
    p->col_axis = col_axis;
    if (cols_tokens) {
        p->col_labels = bt->labels + (size_t)s * bt->L;
        p->col_dim = b->pv->pad + (size_t)s * bt->L;
    } else {
        p->col_labels = (const char *const *)b->pv->dim_labels;
    }
}

/* a panel of sentence s in its grid row: token rows, token or dim columns */
static Panel *add_tok(Builder *b, const char *name, int s, Tensor view, PanelScale scale, const char *op,
                      bool cols_tokens, const char *row_axis, const char *col_axis)
{
    Panel *p = add(b, name, s, view, scale, op);
    axes_tokens(b, p, s, cols_tokens, row_axis, col_axis);
    p->grid_row = b->st->sentence < 0 ? s : 0;
    return p;
}

/* the causal mask: shared by every sentence, labelled with sentence s's words */
static Panel *add_causal(Builder *b, int s, const char *op)
{
    Panel *p = add_tok(b, "A_causal", s, *b->st->A_causal, PANEL_MASK, op, true, "query", "key");
    p->sentence = -1;
    snprintf(p->title, sizeof p->title, "A_causal");
    return p;
}

/* a [B,L] tensor as a whole, or row s of it as [1,L] */
static Panel *add_batch_row(Builder *b, const char *name, const Tensor *t, int s, PanelScale scale,
                            const char *op)
{
    const Batch *bt = b->st->batch;
    Panel *p;
    if (s < 0) {
        p = add(b, name, -1, *t, scale, op);
        p->row_labels = (const char *const *)b->pv->sent_labels;
        p->col_labels = (const char *const *)b->pv->pos_labels;
        p->row_axis = "sentence";
        p->col_axis = "position";
    } else {
        p = add(b, name, s, row_view(t, s), scale, op);
        snprintf(p->title, sizeof p->title, "%s[%d]", name, s);
        p->row_labels = (const char *const *)b->pv->sent_labels + s;
        p->col_labels = bt->labels + (size_t)s * bt->L;
        p->col_dim = b->pv->pad + (size_t)s * bt->L;
        p->row_axis = "sentence";
        p->col_axis = "token";
    }
    return p;
}

static Step *begin(Builder *b, int index, const char *slug, const char *title)
{
    b->step = &b->st->steps[index];
    b->cap = 0;
    b->step->slug = slug;
    b->step->title = title;
    return b->step;
}

/* the grid: panels of one sentence form a row; count columns from row 0 */
static void finish(Builder *b)
{
    Step *step = b->step;
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
        case PANEL_TOKENS: p->vmin = 0, p->vmax = 0; break;
        }
    }
}

/* sentences this view covers: one, or all as grid rows */
static int first_s(const Steps *st) { return st->sentence < 0 ? 0 : st->sentence; }
static int last_s(const Steps *st) { return st->sentence < 0 ? st->batch->B - 1 : st->sentence; }

static const char *mask_name(StepsMode mode)
{
    switch (mode) {
    case STEPS_CAUSAL: return "A_causal";
    case STEPS_COMBINED: return "A_mask";
    default: return "A_pad";
    }
}

static void fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, n, f, ap);
    va_end(ap);
}

static void build_tokens(Builder *b)
{
    Steps *st = b->st;
    const Batch *bt = st->batch;
    bool mlm = st->mode == STEPS_MLM;
    Step *step = begin(b, 0, "tokens", mlm ? "The masked batch" : "Tokens and padding");
    add_batch_row(b, mlm ? "mlm_batch" : "batch", bt->ids, st->sentence, PANEL_TOKENS, "");
    add_batch_row(b, "padding_mask", st->padding_mask, st->sentence, PANEL_MASK, "\u2192");
    int pads = 0;
    for (int s = 0; s < bt->B; s++)
        pads += bt->L - bt->lengths[s];
    if (mlm) {
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
            bt->pad_id, st->scenario->padding == SCENARIO_PAD_LEFT ? "left" : "right", bt->L);
    }
    /* the notebook's count_nonzero - 1 is right only with right padding */
    Tensor *last = batch_last_indices(bt);
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
    tensor_free(last);
    tensor_free(naive);
    finish(b);
}

static void build_qkv(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 1, "qkv", "Queries, keys and values");
    const char *ops[4] = {"", "\u00b7W_q \u2192", "\u00b7W_k \u2192", "\u00b7W_v \u2192"};
    const char *names[4] = {"X", "Q", "K", "V"};
    Tensor *ts[4] = {st->attn->embeddings, st->attn->Q, st->attn->K, st->attn->V};
    for (int s = first_s(st); s <= last_s(st); s++)
        for (int i = 0; i < 4; i++)
            add_tok(b, names[i], s, tensor_slice(ts[i], s), PANEL_VALUES, ops[i], false, "token", "dim");
    fmt(step->formula, sizeof step->formula, "Q = X\u00b7W_q    K = X\u00b7W_k    V = X\u00b7W_v    (d_model = %d)",
        st->attn->d);
    fmt(step->caption, sizeof step->caption,
        "Each token's embedding (a row of X) is projected three ways. [PAD] has an embedding too: "
        "padding is computed like any token, then masked.");
    fmt(step->note, sizeof step->note,
        "Embeddings and W_q, W_k, W_v are drawn from seed %llu (see README); dump them to recompute in PyTorch.",
        (unsigned long long)st->scenario->seed);
    finish(b);
}

static void build_scores(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 2, "scores", "Attention scores");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, "Q", s, tensor_slice(st->attn->Q, s), PANEL_VALUES, "", false, "query", "dim");
        /* K transposed: dims down, key tokens across */
        Panel *p = add_tok(b, "K\u1d40", s, tensor_slice(b->pv->KT, s), PANEL_VALUES, "\u00d7", true, "dim", "key");
        p->row_labels = (const char *const *)b->pv->dim_labels;
        p->row_dim = NULL;
        add_tok(b, "A_scores", s, tensor_slice(st->attn->scores, s), PANEL_VALUES, "/ \u221ad_k =", true, "query", "key");
    }
    fmt(step->formula, sizeof step->formula, "A_scores = Q\u00b7K\u1d40 / \u221ad_k    (\u221ad_k = \u221a%d = %.3g)",
        st->attn->d, sqrt((double)st->attn->d));
    fmt(step->caption, sizeof step->caption,
        "Every query (row) is compared with every key (column), padding included. Nothing is masked yet.");
    fmt(step->note, sizeof step->note,
        "Scaled by \u221ad_k as in PyTorch and the original Transformer; the notebook's text writes Q\u00b7K\u1d40/d_k.");
    finish(b);
}

static void build_mask(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 3, "mask", "The attention mask");
    for (int s = first_s(st); s <= last_s(st); s++) {
        Panel *p;
        switch (st->mode) {
        case STEPS_CAUSAL:
            if (s != first_s(st))
                break; /* one shared mask */
            p = add_causal(b, st->sentence < 0 ? steps_default_sentence(st->scenario, st->mode) : s, "");
            p->grid_row = 0;
            p->row_dim = p->col_dim = NULL;
            break;
        case STEPS_COMBINED:
            add_tok(b, "A_pad", s, tensor_slice(st->A_pad, s), PANEL_MASK, "", true, "query", "key");
            p = add_causal(b, s, "+");
            add_tok(b, "A_mask", s, tensor_slice(st->mask, s), PANEL_MASK, "=", true, "query", "key");
            break;
        default:
            add_tok(b, "A_pad", s, tensor_slice(st->mask, s), PANEL_MASK, "", true, "query", "key");
            break;
        }
    }
    const char *what;
    switch (st->mode) {
    case STEPS_CAUSAL:
        fmt(step->formula, sizeof step->formula,
            "A_causal = torch.triu(torch.full((L, L), \u2212\u221e), diagonal=1)");
        what = "Each query may attend to itself and earlier keys only: everything right of the diagonal is "
               "\u2212\u221e. The same mask serves every sentence.";
        break;
    case STEPS_COMBINED:
        fmt(step->formula, sizeof step->formula, "A_mask = A_pad + A_causal");
        what = "The decoder's training mask: no [PAD] keys and no future keys. Adding the two masks blocks "
               "a cell if either blocks it.";
        break;
    default:
        fmt(step->formula, sizeof step->formula, "A_pad = padding_mask[i].repeat(L, 1)%s",
            st->scenario->mask_query_rows ? " + padded query rows" : "");
        what = st->scenario->mask_query_rows
                   ? "Padded keys (columns) and padded queries (rows) are blocked; rows of only "
                     "\u2212\u221e have no softmax."
                   : "Only the key columns of [PAD] are blocked. Padded query rows stay: they get some output, "
                     "which the loss mask removes later.";
        break;
    }
    fmt(step->caption, sizeof step->caption, "%s", what);
    fmt(step->note, sizeof step->note, "0 keeps a score; \u2212\u221e removes it, because e^\u2212\u221e = 0 after softmax.");
    finish(b);
}

static void build_masked(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 4, "masked", "Masked scores");
    const char *mn = mask_name(st->mode);
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, "A_scores", s, tensor_slice(st->attn->scores, s), PANEL_VALUES, "", true, "query", "key");
        if (st->mode == STEPS_CAUSAL)
            add_causal(b, s, "+");
        else
            add_tok(b, mn, s, tensor_slice(st->mask, s), PANEL_MASK, "+", true, "query", "key");
        add_tok(b, "A_masked", s, tensor_slice(st->attn->masked, s), PANEL_VALUES, "=", true, "query", "key");
    }
    fmt(step->formula, sizeof step->formula, "A_masked = A_scores + %s", mn);
    fmt(step->caption, sizeof step->caption,
        "Adding the mask leaves allowed scores unchanged and turns blocked ones into \u2212\u221e.");
    finish(b);
}

static void build_weights(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 5, "weights", "Softmax weights");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, "A_masked", s, tensor_slice(st->attn->masked, s), PANEL_VALUES, "", true, "query", "key");
        add_tok(b, "A_weights", s, tensor_slice(st->attn->weights, s), PANEL_UNIT, "softmax \u2192", true, "query", "key");
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
        for (int q = 0; q < st->batch->L; q++)
            if (st->attn->row_blocked[s * st->batch->L + q]) {
                if (shown < 6 && used < sizeof rows)
                    used += (size_t)snprintf(rows + used, sizeof rows - used, "%s%d:%d", shown ? ", " : "", s, q);
                shown++;
            }
    if (shown)
        fmt(step->note, sizeof step->note,
            "%d fully masked row%s (sentence:row %s%s): softmax of only \u2212\u221e is undefined; %s.",
            shown, shown == 1 ? "" : "s", rows, shown > 6 ? ", \u2026" : "",
            st->scenario->nan_policy == SCENARIO_ROWS_NAN ? "PyTorch gives NaN, shown here as NaN"
                                                          : "maskscope sets the weights to 0 (safe policy)");
    finish(b);
}

static void build_output(Builder *b)
{
    Steps *st = b->st;
    Step *step = begin(b, 6, "output", "Weighted values");
    for (int s = first_s(st); s <= last_s(st); s++) {
        add_tok(b, "A_weights", s, tensor_slice(st->attn->weights, s), PANEL_UNIT, "", true, "query", "key");
        add_tok(b, "V", s, tensor_slice(st->attn->V, s), PANEL_VALUES, "\u00d7", false, "key", "dim");
        add_tok(b, "output", s, tensor_slice(st->attn->output, s), PANEL_VALUES, "=", false, "query", "dim");
    }
    fmt(step->formula, sizeof step->formula, "output = A_weights \u00b7 V");
    fmt(step->caption, sizeof step->caption, "%s",
        st->mode == STEPS_CAUSAL || st->mode == STEPS_COMBINED
            ? "Each output row mixes the value rows of its own and earlier tokens only: changing a later "
              "word cannot change it."
            : "Each output row is a weighted sum of value rows; [PAD] rows of V get weight 0, so padding "
              "never leaks into real tokens.");
    finish(b);
}

static void build_loss(Builder *b)
{
    Steps *st = b->st;
    bool mlm = st->mode == STEPS_MLM;
    Step *step = begin(b, 7, "loss", mlm ? "MLM loss masking" : "Loss masking");
    const char *mask = mlm ? "mlm_loss_mask" : (st->scenario->loss_weights ? "loss_weights" : "padding_loss_mask");
    add_batch_row(b, "batch_losses", st->losses, -1, PANEL_LOSS, "");
    add_batch_row(b, mask, st->loss_mask, -1, PANEL_UNIT, "\u00d7");
    add_batch_row(b, "masked losses", st->masked_losses, -1, PANEL_LOSS, "=");
    double msum = 0, lsum = 0;
    for (size_t i = 0; i < st->loss_mask->size; i++) {
        msum += st->loss_mask->data[i];
        lsum += st->masked_losses->data[i];
    }
    fmt(step->formula, sizeof step->formula, "%s = (batch_losses * %s).sum() / %s.sum()",
        mlm ? "mlm_batch_loss" : "batch_loss", mask, mask);
    if (isnan(st->loss))
        fmt(step->result, sizeof step->result, "no position is selected: %.4f / 0 = NaN", lsum);
    else
        fmt(step->result, sizeof step->result, "mean loss = %.4f / %g = %.3f    (over every position: %.3f)",
            lsum, msum, st->loss, st->loss_all);
    fmt(step->caption, sizeof step->caption, "%s",
        mlm ? "Only the [MASK] positions are scored: the loss mask is 1 where batch == MASK_IDX. "
              "ignore_index does the same inside nn.CrossEntropyLoss."
            : "Padded positions must not teach the model: multiply by the loss mask, then divide by "
              "its sum, not by the number of cells.");
    if (isnan(st->loss))
        fmt(step->note, sizeof step->note, "Warning: the loss mask selects nothing, so the mean is 0/0.");
    else if (mlm) {
        for (int s = 0; s < st->batch->B; s++)
            if (st->unscored[s]) {
                fmt(step->note, sizeof step->note,
                    "Warning: sentence %d has no [MASK] token, so it adds nothing to the loss.", s);
                break;
            }
    }
    finish(b);
}

/* ---- the computation ---- */

Steps *steps_build(const Scenario *sc, StepsMode mode, int sentence, char *err, size_t errlen)
{
    EXPECT(mode >= 0 && mode < STEPS_MODE_COUNT);
    bool mlm = mode == STEPS_MLM;
    const Sentences *sents = mlm ? &sc->mlm_source : &sc->sentences;
    if (sentence < -1 || sentence >= sents->count) {
        snprintf(err, errlen, "sentence: %d is out of range; the %sbatch has sentences 0 to %d (or all)",
                 sentence, mlm ? "MLM " : "", sents->count - 1);
        return NULL;
    }
    int L0 = scenario_longest(sents);
    if ((size_t)sents->count * (size_t)L0 * (size_t)L0 > MS_MAX_ATTN_CELLS) {
        snprintf(err, errlen, "sentences: %d sentences of up to %d tokens are more than %u attention cells",
                 sents->count, L0, (unsigned)MS_MAX_ATTN_CELLS);
        return NULL;
    }
    Steps *st = xcalloc(1, sizeof *st);
    Priv *pv = xcalloc(1, sizeof *pv);
    st->priv = pv;
    st->mode = mode;
    st->sentence = sentence;
    st->scenario = sc;
    st->batch = batch_new(sc, sents, mlm ? sc->mlm_masked : NULL);
    Batch *bt = st->batch;
    int B = bt->B, L = bt->L, d = sc->d_model;

    /* masks */
    st->padding_mask = mask_padding(bt);
    st->A_pad = sc->mask_query_rows ? mask_padding_full(bt) : mask_padding_keys(bt);
    st->A_causal = mask_causal(L);
    switch (mode) {
    case STEPS_CAUSAL: st->mask = mask_add(NULL, st->A_causal, B); break;
    case STEPS_COMBINED: st->mask = mask_add(st->A_pad, st->A_causal, B); break;
    default: st->mask = tensor_copy(st->A_pad); break;
    }

    /* attention */
    st->attn = attn_compute(bt, st->mask, d, sc->seed, sc->nan_policy);
    pv->B = B, pv->L = L, pv->d = d;
    pv->KT = tensor_new3(TENSOR_FLOAT, B, d, L);
    for (int s = 0; s < B; s++)
        for (int j = 0; j < d; j++)
            for (int k = 0; k < L; k++)
                *tensor_ptr3(pv->KT, s, j, k) = tensor_at3(st->attn->K, s, k, j);

    /* losses: the notebook reuses batch_losses for the MLM batch, so an MLM
     * batch of the batch's shape gets the batch's losses, given or drawn */
    const double *src = mlm ? (sc->mlm_losses ? sc->mlm_losses : NULL) : sc->losses;
    if (mlm && !src && sc->losses && sc->sentences.count == B) {
        if (scenario_longest(&sc->sentences) == L)
            src = sc->losses;
    }
    if (src) {
        st->losses = tensor_new2(TENSOR_FLOAT, B, L);
        memcpy(st->losses->data, src, st->losses->size * sizeof(double));
    } else {
        st->losses = loss_random(B, L, sc->seed);
    }
    st->loss_mask = mlm ? batch_mlm_loss_mask(bt) : batch_padding_loss_mask(bt);
    if (!mlm && sc->loss_weights)
        for (size_t i = 0; i < st->loss_mask->size; i++)
            st->loss_mask->data[i] *= sc->loss_weights[i];
    st->masked_losses = loss_apply_mask(st->losses, st->loss_mask);
    st->unscored = xcalloc((size_t)B, sizeof *st->unscored);
    for (int s = 0; s < B; s++) {
        double m = 0;
        for (int p = 0; p < L; p++)
            m += tensor_at2(st->loss_mask, s, p);
        st->unscored[s] = m == 0;
    }
    st->loss = loss_masked_mean(st->losses, st->loss_mask);
    st->loss_all = loss_mean(st->losses);

    /* labels */
    pv->dim_labels = numbered("d", d);
    pv->pos_labels = numbered("", L);
    pv->sent_labels = numbered("s", B);
    pv->pad = xcalloc((size_t)B * (size_t)L, sizeof *pv->pad);
    for (int s = 0; s < B; s++)
        for (int p = 0; p < L; p++)
            pv->pad[s * L + p] = !batch_is_real(bt, s, p);

    /* the storyboard */
    st->count = STEP_COUNT;
    st->steps = xcalloc(STEP_COUNT, sizeof *st->steps);
    Builder b = {.st = st, .pv = pv};
    build_tokens(&b);
    build_qkv(&b);
    build_scores(&b);
    build_mask(&b);
    build_masked(&b);
    build_weights(&b);
    build_output(&b);
    build_loss(&b);
    return st;
}

void steps_free(Steps *st)
{
    if (!st)
        return;
    Priv *pv = st->priv;
    for (int i = 0; i < st->count; i++)
        free(st->steps[i].panels);
    free(st->steps);
    batch_free(st->batch);
    tensor_free(st->padding_mask);
    tensor_free(st->mask);
    tensor_free(st->A_causal);
    tensor_free(st->A_pad);
    attn_free(st->attn);
    tensor_free(st->losses);
    tensor_free(st->loss_mask);
    tensor_free(st->masked_losses);
    free(st->unscored);
    if (pv) {
        tensor_free(pv->KT);
        free_labels(pv->dim_labels, pv->d);
        free_labels(pv->pos_labels, pv->L);
        free_labels(pv->sent_labels, pv->B);
        free(pv->pad);
        free(pv);
    }
    free(st);
}

int steps_find(const Steps *st, const char *slug)
{
    for (int i = 0; i < st->count; i++)
        if (strcmp(st->steps[i].slug, slug) == 0)
            return i;
    return -1;
}
