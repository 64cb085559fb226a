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

#include "corrupt.h"
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

/* ---- the corruption: what happened to one token ---- */

static const char *word_of(const Batch *b, int s, int pos)
{
    return b->labels[(size_t)s * b->L + pos];
}

/* the decimals it takes to tell u from t (rounding keeps the order of numbers it tells apart) */
static int decimals_apart(double u, double t)
{
    int d = 2;
    while (d < 9 && round(u * pow(10, d)) == round(t * pow(10, d)))
        d++;
    return d;
}

/* u against a threshold: "u = 0.13 < p = 0.15" */
static void draw_vs(Strbuf *sb, double u, const char *rel, double t)
{
    strbuf_printf(sb, "u = %.*f %s %g", decimals_apart(u, t), u, rel, t);
}

/* u between two thresholds: "0.8 ≤ u = 0.8986 < 0.9" */
static void draw_between(Strbuf *sb, double lo, double u, double hi)
{
    int a = decimals_apart(u, lo), b = decimals_apart(u, hi);
    strbuf_printf(sb, "%g \u2264 u = %.*f < %g", lo, a > b ? a : b, u, hi);
}

/* " (position 4)" or " (positions 2–4)" */
static void places(Strbuf *sb, int first, int last, const char *of)
{
    if (first == last)
        strbuf_printf(sb, " (position %d%s)", first, of);
    else
        strbuf_printf(sb, " (positions %d\u2013%d%s)", first, last, of);
}

/* "“play ##ing”": words first … last of sentence s, cut with "…" when long */
static void words(Strbuf *sb, const Batch *b, int s, int first, int last)
{
    strbuf_puts(sb, "\u201c");
    for (int p = first; p <= last; p++) {
        if (p - first == 6) {
            strbuf_puts(sb, " \u2026");
            break;
        }
        strbuf_printf(sb, "%s%s", p > first ? " " : "", word_of(b, s, p));
    }
    strbuf_puts(sb, "\u201d");
}

/* BERT at batch position pos of sentence s: chosen or not, and what became of it */
static void bert_fate(const Engine *e, int s, int pos, Strbuf *sb)
{
    const Scenario *sc = engine_scenario(e);
    const BertDraw *d = engine_bert(e);
    const Batch *src = engine_source(e), *in = engine_batch(e);
    if (!batch_is_real(src, s, pos)) {
        strbuf_puts(sb, "[PAD]: padding is never chosen; its label is \u2212100");
        return;
    }
    int i = pos - src->first[s];
    const char *orig = word_of(src, s, pos);
    CorruptAction a = d->action[s][i];
    double cu = corrupt_bert_choice_u(sc, d, s, i);
    if (a == CORRUPT_NONE) {
        if (corrupt_is_special(sc, sc->sentences.ids[s][i])) {
            strbuf_printf(sb, "\u201c%s\u201d is a special token: never chosen, never scored", orig);
            return;
        }
        strbuf_printf(sb, "\u201c%s\u201d was not chosen", orig);
        if (!isnan(cu)) {
            strbuf_puts(sb, " (");
            draw_vs(sb, cu, "\u2265 p =", sc->bert.probability);
            strbuf_puts(sb, ")");
        }
        strbuf_puts(sb, ": unchanged, and not scored (label \u2212100)");
        return;
    }
    strbuf_printf(sb, "token %d (\u201c%s\u201d) was chosen", i, orig);
    if (!isnan(cu)) {
        strbuf_puts(sb, " (");
        draw_vs(sb, cu, "< p =", sc->bert.probability);
        strbuf_puts(sb, ")");
    }
    int f = d->first[s][i], l = d->last[s][i];
    if (sc->bert.selection == SCENARIO_BERT_SPAN) {
        strbuf_printf(sb, " in the span ");
        words(sb, src, s, src->first[s] + f, src->first[s] + l);
        places(sb, f, l, f < l ? ", one action for all" : "");
    } else if (l > f) {
        strbuf_puts(sb, " with its whole word ");
        words(sb, src, s, src->first[s] + f, src->first[s] + l);
    }
    double au = corrupt_bert_action_u(sc, d, s, i);
    switch (a) {
    case CORRUPT_MASK:
        strbuf_puts(sb, " and replaced by [MASK] (the 80% case, ");
        draw_vs(sb, au, "<", 0.8);
        strbuf_printf(sb, "): the model must recover \u201c%s\u201d", orig);
        break;
    case CORRUPT_RANDOM:
        strbuf_printf(sb, " and replaced by a random word, \u201c%s\u201d (the 10%% case, ", word_of(in, s, pos));
        draw_between(sb, 0.8, au, 0.9);
        strbuf_puts(sb, ")");
        if (d->input[s][i] == sc->sentences.ids[s][i])
            strbuf_puts(sb, ", which happens to be the original word");
        break;
    default:
        strbuf_puts(sb, " and left unchanged (the 10% case, ");
        draw_vs(sb, au, "\u2265", 0.9);
        strbuf_puts(sb, "): still scored");
        break;
    }
}

/* T5: the run of noise or kept tokens around original word i of sentence s */
typedef struct T5Place {
    bool noise;
    int span;          /* the noise span's number, or the spans before a kept token */
    int first, last;   /* the span's word positions in the original */
    int input;         /* the word's (or its span's sentinel's) index in t5_input */
} T5Place;

static T5Place t5_place(const T5Draw *d, int s, int i)
{
    T5Place pl = {.span = -1};
    int j = -1, span = -1;
    for (int k = 0; k <= i; k++) {
        bool starts = d->noise[s][k] && (k == 0 || !d->noise[s][k - 1]);
        span += starts;
        if (!d->noise[s][k] || starts)
            j++;
    }
    pl.noise = d->noise[s][i];
    pl.span = span;
    pl.input = j;
    pl.first = pl.last = i;
    while (pl.noise && pl.first > 0 && d->noise[s][pl.first - 1])
        pl.first--;
    while (pl.noise && pl.last + 1 < d->lengths[s] && d->noise[s][pl.last + 1])
        pl.last++;
    return pl;
}

/* word i of the original */
static void t5_source(const Engine *e, int s, int i, Strbuf *sb)
{
    const T5Draw *d = engine_t5(e);
    const Batch *src = engine_source(e);
    T5Place pl = t5_place(d, s, i);
    const char *w = word_of(src, s, src->first[s] + i);
    if (!pl.noise) {
        strbuf_printf(sb, "\u201c%s\u201d is kept: t5_input[%d][%d]", w, s, pl.input);
        return;
    }
    strbuf_printf(sb, "\u201c%s\u201d is in noise span %d, ", w, pl.span);
    words(sb, src, s, src->first[s] + pl.first, src->first[s] + pl.last);
    places(sb, pl.first, pl.last, "");
    strbuf_printf(sb, ": t5_input holds %s in its place, and t5_target spells it out", d->sentinel_words[pl.span]);
}

/* token j of t5_input (target false) or t5_target (target true) of sentence s */
static void t5_token(const Engine *e, int s, int pos, bool target, Strbuf *sb)
{
    const T5Draw *d = engine_t5(e);
    const Batch *b = target ? engine_query_batch(e) : engine_batch(e), *src = engine_source(e);
    if (!batch_is_real(b, s, pos)) {
        strbuf_printf(sb, "[PAD]: padding to the longest %s%s", target ? "target" : "input",
                      target ? "; its label is \u2212100, so the loss skips it" : "");
        return;
    }
    int j = pos - b->first[s], id = target ? d->target[s][j] : d->input[s][j];
    int k = corrupt_t5_sentinel(d, id);
    /* walk the original to the token (or span) at index j */
    int at = -1, span = -1;
    for (int i = 0; i < d->lengths[s]; i++) {
        bool starts = d->noise[s][i] && (i == 0 || !d->noise[s][i - 1]);
        span += starts;
        if (target ? (starts || d->noise[s][i]) : (starts || !d->noise[s][i])) {
            /* a sentinel takes a place of its own in the target, before its span */
            at += target && starts ? 2 : 1;
            if (at >= j) {
                T5Place pl = t5_place(d, s, i);
                if (k >= 0) {
                    strbuf_printf(sb, "sentinel %d stands for noise span %d, ", k, k);
                    words(sb, src, s, src->first[s] + pl.first, src->first[s] + pl.last);
                    places(sb, pl.first, pl.last, " of the original");
                    if (target)
                        strbuf_puts(sb, "; the tokens after it spell the span out");
                } else {
                    strbuf_printf(sb, "\u201c%s\u201d: position %d of the original, %s", word_of(b, s, pos), i,
                                  target ? "hidden in the input by " : "not noise");
                    if (target)
                        strbuf_puts(sb, d->sentinel_words[span]);
                }
                return;
            }
        }
    }
    /* past every span: the final sentinel */
    strbuf_printf(sb, "the final sentinel %s: it closes the target", d->sentinel_words[k >= 0 ? k : 0]);
}

/* the corruption's tensors; false if p shows none of them */
static bool explain_corruption(const Steps *st, const Panel *p, int s, int pos, double v, Strbuf *sb)
{
    const Engine *e = steps_engine(st);
    bool bert = engine_bert(e) != NULL, t5 = engine_t5(e) != NULL;
    if (!bert && !t5)
        return false;
    const Batch *src = engine_source(e);
    char val[48];
    steps_format_value(v, p->view.dtype == TENSOR_INT, 2, val, sizeof val);
    switch (p->tensor) {
    case T_SOURCE: case T_BERT_SELECTED: case T_BERT_ACTION: case T_T5_NOISE:
        strbuf_printf(sb, "%s[%d][%d] = %s: ", p->name, s, pos, val);
        if (bert)
            bert_fate(e, s, pos, sb);
        else if (!batch_is_real(src, s, pos))
            strbuf_puts(sb, "[PAD]: padding, never noise");
        else
            t5_source(e, s, pos - src->first[s], sb);
        return true;
    case T_BATCH:
    case T_QUERY_BATCH:
        strbuf_printf(sb, "%s[%d][%d] = %s (\u201c%s\u201d): ", p->name, s, pos, val,
                      word_of(p->tensor == T_BATCH ? engine_batch(e) : engine_query_batch(e), s, pos));
        if (bert)
            bert_fate(e, s, pos, sb);
        else
            t5_token(e, s, pos, p->tensor == T_QUERY_BATCH, sb);
        return true;
    case T_LABELS:
        strbuf_printf(sb, "labels[%d][%d] = %s: ", s, pos, val);
        if (bert)
            bert_fate(e, s, pos, sb);
        else
            t5_token(e, s, pos, true, sb);
        return true;
    case T_MASK_POSITIONS: {
        strbuf_printf(sb, "bert_mask_positions[%d][%d] = %s: ", s, pos, val);
        double label = tensor_at2(engine_tensor(e, T_LABELS), s, pos);
        if (v != 0)
            strbuf_puts(sb, "bert_input holds [MASK] here, and labels scores it too");
        else if (label != CORRUPT_IGNORE_INDEX)
            strbuf_printf(sb, "bert_input holds \u201c%s\u201d, not [MASK], yet BERT scores this position (its label is "
                          "%.0f): this mask misses it", word_of(engine_batch(e), s, pos), label);
        else
            strbuf_puts(sb, "not [MASK] and not scored: both masks agree");
        return true;
    }
    case T_LOSS_MASK: {
        double label = tensor_at2(engine_tensor(e, T_LABELS), s, pos);
        strbuf_printf(sb, "loss_mask[%d][%d] = %s: ", s, pos, val);
        if (label == CORRUPT_IGNORE_INDEX)
            strbuf_puts(sb, "labels is \u2212100 here, so the loss skips it");
        else
            strbuf_printf(sb, "labels is %.0f here, so the loss scores it", label);
        return true;
    }
    default:
        return false;
    }
}

/* ---- generation (decode): where a sequence's cell or a step's number comes from ---- */

static const char *seq_word(const Decode *d, int s, int c)
{
    return d->seq->labels[(size_t)s * d->T + c];
}

/* "the prefill" or "decode step 2": who put column c of the sequence into the cache */
static void cached_by(const Decode *d, int c, Strbuf *sb)
{
    if (c < d->L)
        strbuf_puts(sb, "the prefill");
    else
        strbuf_printf(sb, "decode step %d", c - d->L + 1);
}

static bool explain_decode(const Steps *st, const Panel *p, int s, int row, int col, double v, Strbuf *sb)
{
    const Engine *e = steps_engine(st);
    const Decode *d = engine_decode(e);
    if (!d)
        return false;
    char val[48];
    steps_format_value(v, p->view.dtype == TENSOR_INT, 2, val, sizeof val);
    int t;
    DecodeKind k;
    if (engine_step_of(p->tensor, &t, &k)) {
        int c = decode_column(d, t);
        strbuf_printf(sb, "%s[%d][%d] = %s", p->title, row, col, val);
        switch (k) {
        case DECODE_MASK:
            if (isinf(v))
                strbuf_printf(sb, ": key %d (\u201c%s\u201d) is [PAD], blocked at every step", col, seq_word(d, s, col));
            else
                strbuf_printf(sb, ": \u201c%s\u201d is a real token; no key comes after the query (column %d), so "
                              "nothing else is blocked", seq_word(d, s, col), c);
            return true;
        case DECODE_K_CACHE:
        case DECODE_V_CACHE:
            strbuf_printf(sb, ": component %d of the %s of \u201c%s\u201d (column %d), cached by ", col,
                          k == DECODE_K_CACHE ? "key" : "value", seq_word(d, s, row), row);
            cached_by(d, row, sb);
            return true;
        case DECODE_Q:
            strbuf_printf(sb, ": component %d of the new token \u201c%s\u201d's query, x\u00b7W_q", col, seq_word(d, s, c));
            return true;
        default:
            return false;
        }
    }
    switch (p->tensor) {
    case T_SEQUENCES:
        strbuf_printf(sb, "sequences[%d][%d] = %s (\u201c%s\u201d): ", s, col, val, seq_word(d, s, col));
        if (d->pad[(size_t)s * d->T + col])
            strbuf_puts(sb, "[PAD]");
        else if (col < d->L)
            strbuf_puts(sb, "a prompt token");
        else if (col == d->L)
            strbuf_puts(sb, "new token 1, chosen from the prefill's output at the last prompt token");
        else
            strbuf_printf(sb, "new token %d, chosen from decode step %d's output", col - d->L + 1, col - d->L);
        return true;
    case T_ATTENTION_MASK:
        strbuf_printf(sb, "attention_mask[%d][%d] = %s: %s", s, col, val,
                      v != 0 ? "a real token" : "[PAD], blocked as a key at every step");
        return true;
    case T_POSITION_IDS:
        strbuf_printf(sb, "position_ids[%d][%d] = %s: ", s, col, val);
        if (d->pad[(size_t)s * d->T + col])
            strbuf_puts(sb, "[PAD]: blocked, so its position does not matter (Hugging Face writes 1 there)");
        else
            strbuf_printf(sb, "\u201c%s\u201d has %.0f real token%s before it", seq_word(d, s, col), v,
                          v == 1 ? "" : "s");
        return true;
    case T_NAIVE_POSITIONS:
        strbuf_printf(sb, "naive_position_ids[%d][%d] = %s: counted from the left edge", s, col, val);
        if (!d->pad[(size_t)s * d->T + col])
            strbuf_printf(sb, "; \u201c%s\u201d is at position %.0f", seq_word(d, s, col),
                          tensor_at2(d->position_ids, s, col));
        return true;
    case T_OUTPUT:
    case T_FULL_OUTPUT:
        strbuf_printf(sb, "%s[%d][%d] = %s: ", p->title, row, col, val);
        if (p->tensor == T_FULL_OUTPUT)
            strbuf_printf(sb, "row %d of one causal pass over all %d tokens; ", row, d->T);
        if (row < d->L)
            strbuf_printf(sb, "the prefill's row %d (A_weights\u00b7V)", row);
        else
            strbuf_printf(sb, "decode step %d's output_%d", row - d->L + 1, row - d->L + 1);
        if (p->tensor == T_FULL_OUTPUT && !d->pad[(size_t)s * d->T + row])
            strbuf_printf(sb, ", the same number (%.17g against %.17g)", v,
                          tensor_at3(engine_tensor(e, T_OUTPUT), s, row, col));
        return true;
    case T_FULL_WEIGHTS:
        strbuf_printf(sb, "%s[%d][%d] = %s: ", p->title, row, col, val);
        if (col > row)
            strbuf_printf(sb, "key %d comes after query %d: blocked", col, row);
        else if (d->pad[(size_t)s * d->T + col])
            strbuf_printf(sb, "key %d is [PAD]: blocked", col);
        else if (row >= d->L)
            strbuf_printf(sb, "decode step %d's weights_%d[0][%d], from the cache", row - d->L + 1, row - d->L + 1,
                          col);
        else
            strbuf_printf(sb, "the prefill's A_weights[%d][%d]", row, col);
        return true;
    case T_CAUSAL_TOPLEFT:
    case T_CAUSAL_BOTTOMRIGHT: {
        int q = engine_queries(e), off = p->tensor == T_CAUSAL_BOTTOMRIGHT ? d->T - q : 0;
        strbuf_printf(sb, "%s[%d][%d] = %s: new query %d (token %d) %s key %d", p->name, row, col, val, row,
                      d->T - q + row, isinf(v) ? "may not see" : "sees", col);
        strbuf_printf(sb, p->tensor == T_CAUSAL_BOTTOMRIGHT ? " (kept while k \u2264 i + S \u2212 q = %d)"
                                                            : " (top-left keeps k \u2264 i = %d: wrong for q < S)",
                      row + off);
        return true;
    }
    default:
        return false;
    }
}

static void explain_input(const Steps *st, const Panel *p, int s, int row, int col, double v, Strbuf *sb)
{
    const Engine *e = steps_engine(st);
    const Batch *bt = engine_batch(e);
    const Mode *m = engine_mode(e);
    if (explain_corruption(st, p, s, col, v, sb) || explain_decode(st, p, s, row, col, v, sb))
        return;
    switch (p->tensor) {
    case T_DECODER_CAUSAL: {
        const char *const *q = engine_query_labels(e, s);
        strbuf_printf(sb, "%s[%d][%d] = ", p->title, row, col);
        plain(sb, v);
        if (isinf(v))
            strbuf_printf(sb, ": decoder token %d (\u201c%s\u201d) may not look at the later token %d (\u201c%s\u201d)",
                          row, q[row], col, q[col]);
        else
            strbuf_printf(sb, ": decoder token %d (\u201c%s\u201d) may look at token %d (\u201c%s\u201d)", row, q[row],
                          col, q[col]);
        return;
    }
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

static void explain_softmax(const Engine *e, const Panel *p, int s, int row, int col, double v, int decimals,
                            Strbuf *sb)
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
    if (mx == -INFINITY) { /* every key of the row is masked */
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
    /* the printed values are rounded: say so when they do not add up to what the row sums to */
    double printed = 0, scale = pow(10, decimals);
    for (int k = 0; k < L; k++)
        printed += isnan(w[k]) ? 0 : round(w[k] * scale) / scale;
    if (fabs(printed - round(sum * scale) / scale) > 0.5 / scale)
        strbuf_printf(sb, " (its values as printed, rounded to %d decimals, add up to %.*f)", decimals, decimals,
                      printed);
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
    /* a sentence's row shown without its padding: column col is batch position first_col + col */
    case OP_INPUT: explain_input(st, p, s, row, p->first_col + col, v, &sb); break;
    case OP_ADD: explain_add(e, p, s, row, col, v, &sb); break;
    case OP_MATMUL: explain_matmul(e, p, s, row, col, v, &sb); break;
    case OP_SOFTMAX: explain_softmax(e, p, s, row, col, v, steps_decimals(st), &sb); break;
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
