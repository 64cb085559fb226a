/* The arithmetic behind one cell, written out for a tooltip: the window
 * shows "A_masked⁽⁰⁾[2][3] = A_scores[2][3] + A_pad[2][3] = 0.41 + (−∞) = −∞"
 * when the mouse rests on that cell. Everything is read back from the
 * tensors the step engine already holds; numbers are shown the way the
 * cells show them (2 decimals). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "steps.h"
#include "strbuf.h"

#define SHOWN_TERMS 4

/* an operand: negative numbers in parentheses, "(−0.21) + (−∞)" */
static void num(Strbuf *sb, double v)
{
    char buf[48];
    steps_format_value(v, false, 2, buf, sizeof buf);
    if (v < 0 && !isnan(v))
        strbuf_printf(sb, "(%s)", buf);
    else
        strbuf_puts(sb, buf);
}

/* a value standing alone, or a result: no parentheses */
static void plain(Strbuf *sb, double v)
{
    char buf[48];
    steps_format_value(v, false, 2, buf, sizeof buf);
    strbuf_puts(sb, buf);
}

static void result(Strbuf *sb, double v)
{
    strbuf_puts(sb, " = ");
    plain(sb, v);
}

/* "a0·b0 + a1·b1 + … " for a dot product of n terms */
static void terms(Strbuf *sb, const double *a, size_t astride, const double *b, size_t bstride, int n)
{
    for (int k = 0; k < n && k < SHOWN_TERMS; k++) {
        if (k)
            strbuf_puts(sb, " + ");
        num(sb, a[k * astride]);
        strbuf_puts(sb, "\u00b7");
        num(sb, b[k * bstride]);
    }
    if (n > SHOWN_TERMS)
        strbuf_printf(sb, " + \u2026 (%d terms)", n);
}

static bool is(const Panel *p, const char *name)
{
    return strcmp(p->name, name) == 0;
}

static bool is_mask(const Panel *p)
{
    return is(p, "A_pad") || is(p, "A_causal") || is(p, "A_mask");
}

static int sentence_of(const Steps *st, const Panel *p)
{
    if (p->sentence >= 0)
        return p->sentence;
    return st->sentence >= 0 ? st->sentence : p->grid_row;
}

static void explain_mask(const Steps *st, const Panel *p, int s, int q, int k, double v, Strbuf *sb)
{
    const Batch *bt = st->batch;
    /* the word on the panel's own axis: the shared A_causal of the batch
     * view is labelled with the longest sentence, not with sentence s */
    const char *key = p->col_labels ? p->col_labels[k] : bt->labels[s * bt->L + k];
    strbuf_printf(sb, "%s[%d][%d] = ", p->title, q, k);
    if (is(p, "A_mask")) {
        strbuf_printf(sb, "A_pad[%d][%d] + A_causal[%d][%d] = ", q, k, q, k);
        num(sb, tensor_at3(st->A_pad, s, q, k));
        strbuf_puts(sb, " + ");
        num(sb, tensor_at2(st->A_causal, q, k));
        strbuf_puts(sb, " = ");
    }
    plain(sb, v);
    if (v == 0) {
        strbuf_printf(sb, ": query %d may attend to key %d (\u201c%s\u201d)", q, k, key);
        return;
    }
    bool pad_key = !batch_is_real(bt, s, k), pad_query = !batch_is_real(bt, s, q);
    if (is(p, "A_causal") || (is(p, "A_mask") && k > q && !pad_key))
        strbuf_printf(sb, ": key %d comes after query %d, so it is in the future", k, q);
    else if (pad_key)
        strbuf_printf(sb, ": key %d is [PAD], blocked for every query", k);
    else if (pad_query)
        strbuf_printf(sb, ": query %d is [PAD] and its whole row is blocked", q);
}

bool steps_explain(const Steps *st, int step, int panel, int row, int col, char *buf, size_t n)
{
    if (step < 0 || step >= st->count || panel < 0 || panel >= st->steps[step].npanels)
        return false;
    const Panel *p = &st->steps[step].panels[panel];
    if (row < 0 || col < 0 || row >= p->view.shape[0] || col >= p->view.shape[1])
        return false;
    const Batch *bt = st->batch;
    const Attention *a = st->attn;
    int L = bt->L, d = a->d;
    int s = sentence_of(st, p);
    double v = tensor_at2(&p->view, row, col);
    Strbuf sb = {0};

    if (p->view.shape[0] == bt->B && p->sentence < 0 && !is_mask(p) && bt->B > 0 &&
        (p->scale == PANEL_TOKENS || p->scale == PANEL_LOSS || p->scale == PANEL_UNIT ||
         is(p, "padding_mask")))
        s = row; /* a [B,L] panel: rows are sentences */
    int pos = col;

    if (p->scale == PANEL_TOKENS) {
        const char *w = bt->labels[s * L + pos];
        strbuf_printf(&sb, "%s[%d][%d] = %.0f (\u201c%s\u201d)", p->name, s, pos, v, w);
        if (!batch_is_real(bt, s, pos))
            strbuf_puts(&sb, ": padding added to reach length L");
        else if ((int)v == bt->mask_id)
            strbuf_puts(&sb, ": masked, the model must predict the original word here");
    } else if (is(p, "padding_mask")) {
        strbuf_printf(&sb, "padding_mask[%d][%d] = ", s, pos);
        plain(&sb, v);
        strbuf_puts(&sb, v == 0 ? ": a real token, keys here are kept" : ": [PAD], blocked as a key");
    } else if (is_mask(p)) {
        explain_mask(st, p, s, row, col, v, &sb);
    } else if (is(p, "X")) {
        strbuf_printf(&sb, "X[%d][%d] = component %d of the embedding of \u201c%s\u201d = ", row, col, col,
                      bt->labels[s * L + row]);
        plain(&sb, v);
    } else if (strcmp(st->steps[step].slug, "qkv") == 0 && (is(p, "Q") || is(p, "K") || is(p, "V"))) {
        const Tensor *w = is(p, "Q") ? a->W_q : is(p, "K") ? a->W_k : a->W_v;
        strbuf_printf(&sb, "%s[%d][%d] = \u03a3\u2096 X[%d][k]\u00b7W_%c[k][%d] = ", p->name, row, col, row,
                      p->name[0] + ('a' - 'A'), col);
        terms(&sb, &a->embeddings->data[((size_t)s * L + row) * d], 1, &w->data[col], (size_t)d, d);
        result(&sb, v);
    } else if (strncmp(p->name, "K\u1d40", strlen("K\u1d40")) == 0) {
        strbuf_printf(&sb, "K\u1d40[%d][%d] = K[%d][%d] = ", row, col, col, row);
        plain(&sb, v);
    } else if (is(p, "A_scores")) {
        const double *qv = &a->Q->data[((size_t)s * L + row) * d];
        const double *kv = &a->K->data[((size_t)s * L + col) * d];
        double dot = 0;
        for (int j = 0; j < d; j++)
            dot += qv[j] * kv[j];
        strbuf_printf(&sb, "%s[%d][%d] = Q[%d]\u00b7K[%d] / \u221a%d = (", p->title, row, col, row, col, d);
        terms(&sb, qv, 1, kv, 1, d);
        strbuf_puts(&sb, ") / ");
        num(&sb, sqrt((double)d));
        strbuf_puts(&sb, " = ");
        num(&sb, dot);
        strbuf_puts(&sb, " / ");
        num(&sb, sqrt((double)d));
        result(&sb, v);
    } else if (is(p, "A_masked")) {
        const char *mn = st->mode == STEPS_CAUSAL ? "A_causal" : st->mode == STEPS_COMBINED ? "A_mask" : "A_pad";
        strbuf_printf(&sb, "%s[%d][%d] = A_scores[%d][%d] + %s[%d][%d] = ", p->title, row, col, row, col, mn, row,
                      col);
        num(&sb, tensor_at3(a->scores, s, row, col));
        strbuf_puts(&sb, " + ");
        num(&sb, tensor_at3(a->mask, s, row, col));
        result(&sb, v);
    } else if (is(p, "A_weights")) {
        const double *m = &a->masked->data[((size_t)s * L + row) * L];
        const double *w = &a->weights->data[((size_t)s * L + row) * L];
        double sum = 0, mx = -INFINITY;
        for (int k = 0; k < L; k++) {
            sum += isnan(w[k]) ? 0 : w[k];
            mx = fmax(mx, m[k]);
        }
        if (a->row_blocked[s * L + row]) {
            strbuf_printf(&sb, "%s[%d][%d] = ", p->title, row, col);
            plain(&sb, v);
            strbuf_printf(&sb, ": every key of row %d is \u2212\u221e, softmax is 0/0; %s", row,
                          isnan(v) ? "PyTorch returns NaN" : "maskscope's safe policy gives 0");
        } else {
            double e = 0;
            for (int k = 0; k < L; k++)
                e += exp(m[k] - mx);
            strbuf_printf(&sb, "%s[%d][%d] = e^(A_masked[%d][%d] \u2212 max) / \u03a3 = e^(", p->title, row, col, row,
                          col);
            num(&sb, m[col]);
            strbuf_puts(&sb, " \u2212 ");
            num(&sb, mx);
            strbuf_puts(&sb, ") / ");
            num(&sb, e);
            result(&sb, v);
            strbuf_printf(&sb, "; row %d sums to %.4f", row, sum);
        }
    } else if (is(p, "output") || (is(p, "V") && strcmp(st->steps[step].slug, "output") == 0)) {
        if (is(p, "V")) {
            strbuf_printf(&sb, "V[%d][%d] = value of \u201c%s\u201d, dim %d = ", row, col, bt->labels[s * L + row],
                          col);
            plain(&sb, v);
        } else {
            strbuf_printf(&sb, "output[%d][%d] = \u03a3\u2096 A_weights[%d][k]\u00b7V[k][%d] = ", row, col, row, col);
            terms(&sb, &a->weights->data[((size_t)s * L + row) * L], 1, &a->V->data[(size_t)s * L * d + col],
                  (size_t)d, L);
            result(&sb, v);
        }
    } else if (is(p, "masked losses")) {
        strbuf_printf(&sb, "batch_losses[%d][%d] \u00d7 mask[%d][%d] = ", s, pos, s, pos);
        num(&sb, tensor_at2(st->losses, s, pos));
        strbuf_puts(&sb, " \u00d7 ");
        num(&sb, tensor_at2(st->loss_mask, s, pos));
        result(&sb, v);
    } else {
        strbuf_printf(&sb, "%s[%d][%d] = ", p->name, s, pos);
        plain(&sb, v);
        if (p->scale == PANEL_UNIT && v == 0)
            strbuf_puts(&sb, st->mode == STEPS_MLM         ? ": not a [MASK] position, no loss"
                             : !batch_is_real(bt, s, pos) ? ": [PAD], no loss"
                                                          : ": weight 0, this position teaches nothing");
    }
    snprintf(buf, n, "%s", sb.data ? sb.data : "");
    strbuf_free(&sb);
    return true;
}
