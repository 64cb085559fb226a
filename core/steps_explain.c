/* The arithmetic behind one cell, written out for a tooltip: the window
 * shows "A_masked⁽⁰⁾[2][3] = A_scores[2][3] + A_pad[2][3] = 0.41 + (−∞) = −∞"
 * when the mouse rests on that cell. The text follows from the panel's
 * recipe (ADD, MATMUL, SOFTMAX, MUL, TRANSPOSE) and its operands' values,
 * which the engine already holds; only the inputs (tokens, embeddings,
 * mask terms, losses) get words of their own. Numbers are shown the way
 * the cells show them (2 decimals). */
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

/* operand id's [rows, cols] matrix for sentence s */
static Tensor operand(const Engine *e, TensorId id, int s)
{
    return engine_view(e, id, s);
}

static double at(const Tensor *t, int r, int c)
{
    return t->data[(size_t)r * t->shape[1] + c];
}

/* the reasons the blocked cell (q, k) of sentence s is blocked: every
 * mask term that blocks it, one after the other */
static void why_blocked(const Engine *e, int s, int q, int k, Strbuf *sb)
{
    MaskInput in = engine_mask_input(e);
    bool first = true;
    for (int i = 0; i < engine_nterms(e); i++) {
        const Tensor *t = engine_tensor(e, (TensorId)(T_TERM + i));
        if (!isinf(t->data[((size_t)s * t->shape[1] + q) * t->shape[2] + k]))
            continue;
        char why[200];
        engine_term(e, i)->why(&in, s, q, k, why, sizeof why);
        strbuf_printf(sb, "%s%s", first ? ": " : "; and ", why);
        first = false;
    }
}

static void explain_mask_term(const Engine *e, const Panel *p, int s, int q, int k, double v, Strbuf *sb)
{
    const MaskTerm *term = engine_term(e, p->tensor - T_TERM);
    /* the word on the panel's own axis: a shared mask is labelled with one sentence's words */
    const char *key = p->col_labels ? p->col_labels[k] : engine_label(e, s, k);
    strbuf_printf(sb, "%s[%d][%d] = ", p->title, q, k);
    plain(sb, v);
    if (v == 0) {
        strbuf_printf(sb, ": query %d may attend to key %d (\u201c%s\u201d)", q, k, key);
        return;
    }
    MaskInput in = engine_mask_input(e);
    char why[200];
    term->why(&in, s, q, k, why, sizeof why);
    strbuf_printf(sb, ": %s", why);
}

static void explain_input(const Steps *st, const Panel *p, int s, int row, int col, double v, Strbuf *sb)
{
    const Engine *e = steps_engine(st);
    const Batch *bt = engine_batch(e);
    const Mode *m = engine_mode(e);
    switch (p->tensor) {
    case T_BATCH:
        strbuf_printf(sb, "%s[%d][%d] = %.0f (\u201c%s\u201d)", p->name, s, col, v, engine_label(e, s, col));
        if (!engine_is_real(e, s, col))
            strbuf_puts(sb, ": padding added to reach length L");
        else if ((int)v == bt->mask_id)
            strbuf_puts(sb, ": masked, the model must predict the original word here");
        return;
    case T_PADDING_MASK:
        strbuf_printf(sb, "padding_mask[%d][%d] = ", s, col);
        plain(sb, v);
        strbuf_puts(sb, v == 0 ? ": a real token, keys here are kept" : ": [PAD], blocked as a key");
        return;
    case T_EMBEDDINGS:
        strbuf_printf(sb, "X[%d][%d] = component %d of the embedding of \u201c%s\u201d = ", row, col, col,
                      engine_label(e, s, row));
        plain(sb, v);
        return;
    default:
        break;
    }
    if (p->tensor >= T_TERM) {
        explain_mask_term(e, p, s, row, col, v, sb);
        return;
    }
    strbuf_printf(sb, "%s[%d][%d] = ", p->name, s, col);
    plain(sb, v);
    if (p->tensor == T_LOSS_MASK && v == 0)
        strbuf_puts(sb, m->loss == MODE_LOSS_MLM           ? ": not a [MASK] position, no loss"
                        : !engine_is_real(e, s, col)      ? ": [PAD], no loss"
                        : m->loss == MODE_LOSS_PREFIX     ? ": in the prefix, context and not a target"
                                                           : ": weight 0, this position teaches nothing");
}

/* out = Σₖ left[row][k]·right[k][col] × factor */
static void explain_matmul(const Engine *e, const Panel *p, int s, int row, int col, double v, Strbuf *sb)
{
    const Recipe *r = &p->recipe;
    Tensor a = operand(e, r->in[0], s), b = operand(e, r->in[1], s);
    const char *an = engine_name(e, r->in[0]), *bn = engine_name(e, r->in[1]);
    int n = a.shape[1];
    const double *arow = a.data + (size_t)row * n, *bcol = b.data + col;
    strbuf_printf(sb, "%s[%d][%d] = \u03a3\u2096 %s[%d][k]\u00b7%s[k][%d]", p->title, row, col, an, row, bn, col);
    if (r->factor == 1) {
        strbuf_puts(sb, " = ");
        terms(sb, arow, 1, bcol, (size_t)b.shape[1], n);
        result(sb, v);
        return;
    }
    double dot = 0;
    for (int k = 0; k < n; k++)
        dot += arow[k] * bcol[(size_t)k * b.shape[1]];
    double divisor = 1 / r->factor;
    strbuf_printf(sb, " / \u221a%d = (", engine_d(e));
    terms(sb, arow, 1, bcol, (size_t)b.shape[1], n);
    strbuf_puts(sb, ") / ");
    num(sb, divisor);
    strbuf_puts(sb, " = ");
    num(sb, dot);
    strbuf_puts(sb, " / ");
    num(sb, divisor);
    result(sb, v);
}

static void explain_add(const Engine *e, const Panel *p, int s, int row, int col, double v, Strbuf *sb)
{
    const Recipe *r = &p->recipe;
    strbuf_printf(sb, "%s[%d][%d] = ", p->title, row, col);
    for (int i = 0; i < r->n; i++)
        strbuf_printf(sb, "%s%s[%d][%d]", i ? " + " : "", engine_name(e, r->in[i]), row, col);
    strbuf_puts(sb, " = ");
    for (int i = 0; i < r->n; i++) {
        Tensor t = operand(e, r->in[i], s);
        if (i)
            strbuf_puts(sb, " + ");
        num(sb, at(&t, row, col));
    }
    result(sb, v);
    if (isinf(v) && v < 0 && (p->tensor == T_MASK || p->tensor == T_MASKED))
        why_blocked(e, s, row, col, sb);
}

static void explain_softmax(const Engine *e, const Panel *p, int s, int row, int col, double v, Strbuf *sb)
{
    Tensor in = operand(e, p->recipe.in[0], s), out = operand(e, p->tensor, s);
    const char *inn = engine_name(e, p->recipe.in[0]);
    int L = in.shape[1];
    const double *m = in.data + (size_t)row * L, *w = out.data + (size_t)row * L;
    double sum = 0, mx = -INFINITY;
    for (int k = 0; k < L; k++) {
        sum += isnan(w[k]) ? 0 : w[k];
        mx = fmax(mx, m[k]);
    }
    strbuf_printf(sb, "%s[%d][%d] = ", p->title, row, col);
    if (engine_row_blocked(e, s, row)) {
        plain(sb, v);
        strbuf_printf(sb, ": every key of row %d is \u2212\u221e, softmax is 0/0; %s", row,
                      isnan(v) ? "PyTorch returns NaN" : "maskscope's safe policy gives 0");
        return;
    }
    double total = 0;
    for (int k = 0; k < L; k++)
        total += exp(m[k] - mx);
    strbuf_printf(sb, "e^(%s[%d][%d] \u2212 max) / \u03a3 = e^(", inn, row, col);
    num(sb, m[col]);
    strbuf_puts(sb, " \u2212 ");
    num(sb, mx);
    strbuf_puts(sb, ") / ");
    num(sb, total);
    result(sb, v);
    strbuf_printf(sb, "; row %d sums to %.4f", row, sum);
}

static void explain_mul(const Engine *e, const Panel *p, int s, int col, double v, Strbuf *sb)
{
    const Recipe *r = &p->recipe;
    const Tensor *a = engine_tensor(e, r->in[0]), *b = engine_tensor(e, r->in[1]);
    size_t i = (size_t)s * a->shape[1] + col;
    strbuf_printf(sb, "%s[%d][%d] \u00d7 %s[%d][%d] = ", engine_name(e, r->in[0]), s, col, engine_name(e, r->in[1]),
                  s, col);
    num(sb, a->data[i]);
    strbuf_puts(sb, " \u00d7 ");
    num(sb, b->data[i]);
    result(sb, v);
}

bool steps_explain(const Steps *st, int step, int panel, int row, int col, char *buf, size_t n)
{
    if (step < 0 || step >= steps_count(st) || panel < 0 || panel >= steps_at(st, step)->npanels)
        return false;
    const Panel *p = &steps_at(st, step)->panels[panel];
    if (row < 0 || col < 0 || row >= p->view.shape[0] || col >= p->view.shape[1])
        return false;
    bool done;
    bool told = steps_story_explain(st, step, panel, row, col, buf, n, &done);
    if (done)
        return told;
    const Engine *e = steps_engine(st);
    /* a [B,L] panel shown whole: rows are sentences */
    int s = p->sentence >= 0 ? p->sentence : row;
    double v = tensor_at2(&p->view, row, col);
    Strbuf sb = {0};
    switch (p->recipe.op) {
    case OP_INPUT: explain_input(st, p, s, row, col, v, &sb); break;
    case OP_ADD: explain_add(e, p, s, row, col, v, &sb); break;
    case OP_MATMUL: explain_matmul(e, p, s, row, col, v, &sb); break;
    case OP_SOFTMAX: explain_softmax(e, p, s, row, col, v, &sb); break;
    case OP_MUL: explain_mul(e, p, s, col, v, &sb); break;
    case OP_TRANSPOSE:
        strbuf_printf(&sb, "%s[%d][%d] = %s[%d][%d] = ", p->name, row, col, engine_name(e, p->recipe.in[0]), col, row);
        plain(&sb, v);
        break;
    }
    snprintf(buf, n, "%s", sb.data ? sb.data : "");
    strbuf_free(&sb);
    return true;
}
