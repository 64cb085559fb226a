/* print(tensor) the way PyTorch does it, so a student can put maskscope's
 * text beside the notebook's and see the same characters. The rules,
 * from torch/_tensor_str.py with the default print options (precision 4,
 * line width 80, summarise past 1000 elements with 3 edge items):
 *   - one formatter for the whole tensor decides a common width;
 *   - integers are right-aligned to the widest value;
 *   - bools print as True and False, right-aligned like integers;
 *   - floats whose finite non-zero values are all whole print as "1.",
 *     otherwise with 4 decimals, or in scientific notation when the
 *     values span more than 1000x, exceed 1e8 or go below 1e-4;
 *   - nested rows are joined by ",\n" and indented under the bracket. */
#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"
#include "xmalloc.h"

enum { PRECISION = 4, LINEWIDTH = 80, THRESHOLD = TENSOR_PRINT_THRESHOLD, EDGEITEMS = TENSOR_PRINT_EDGE };

typedef struct Formatter {
    bool floating, boolean, int_mode, sci_mode;
    int max_width;
} Formatter;

static void fmt_raw(const Formatter *f, double v, char *buf, size_t n)
{
    if (f->boolean) {
        snprintf(buf, n, "%s", v != 0 ? "True" : "False");
    } else if (!f->floating) {
        snprintf(buf, n, "%.0f", v);
    } else if (isnan(v)) {
        snprintf(buf, n, "nan");
    } else if (f->sci_mode) {
        snprintf(buf, n, "%.*e", PRECISION, v);
    } else if (f->int_mode) {
        snprintf(buf, n, isinf(v) ? "%.0f" : "%.0f.", v);
    } else {
        snprintf(buf, n, "%.*f", PRECISION, v);
    }
}

/* the formatter sees the values that will be printed (summarised or not) */
static Formatter formatter_new(TensorDtype dtype, const double *vals, size_t n)
{
    bool floating = dtype == TENSOR_FLOAT;
    Formatter f = {.floating = floating, .boolean = dtype == TENSOR_BOOL, .int_mode = true, .max_width = 1};
    char buf[64];
    if (!floating) {
        for (size_t i = 0; i < n; i++) {
            fmt_raw(&f, vals[i], buf, sizeof buf);
            if ((int)strlen(buf) > f.max_width)
                f.max_width = (int)strlen(buf);
        }
        return f;
    }
    double amin = INFINITY, amax = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        double v = vals[i];
        if (!isfinite(v) || v == 0)
            continue;
        count++;
        amin = fmin(amin, fabs(v));
        amax = fmax(amax, fabs(v));
        if (v != ceil(v))
            f.int_mode = false;
    }
    if (count == 0)
        return f;
    bool wide = amax / amin > 1000.0 || amax > 1.0e8;
    f.sci_mode = f.int_mode ? wide : (wide || amin < 1.0e-4);
    for (size_t i = 0; i < n; i++) {
        double v = vals[i];
        if (!isfinite(v) || v == 0)
            continue;
        int w;
        if (f.sci_mode)
            w = snprintf(buf, sizeof buf, "%.*e", PRECISION, v);
        else if (f.int_mode)
            w = snprintf(buf, sizeof buf, "%.0f", v) + 1;
        else
            w = snprintf(buf, sizeof buf, "%.*f", PRECISION, v);
        if (w > f.max_width)
            f.max_width = w;
    }
    return f;
}

static void format_value(const Formatter *f, double v, char *buf, size_t n)
{
    char raw[64];
    fmt_raw(f, v, raw, sizeof raw);
    int pad = f->max_width - (int)strlen(raw);
    snprintf(buf, n, "%*s%s", pad > 0 ? pad : 0, "", raw);
}

/* gather the values a summarised print shows: edge items of every dim */
static void summarised(const Tensor *t, Strbuf *out, bool summarize)
{
    if (t->ndim == 0) {
        strbuf_append(out, (const char *)&t->data[0], sizeof(double));
        return;
    }
    int n = t->shape[0];
    bool cut = summarize && n > 2 * EDGEITEMS;
    for (int i = 0; i < n; i++) {
        if (cut && i == EDGEITEMS)
            i = n - EDGEITEMS;
        Tensor s = tensor_slice(t, i);
        summarised(&s, out, summarize);
    }
}

static void vector_str(const Tensor *t, int indent, bool summarize, const Formatter *f, Strbuf *out)
{
    int element_length = f->max_width + 2;
    int per_line = (LINEWIDTH - indent) / element_length;
    if (per_line < 1)
        per_line = 1;
    int n = t->shape[0];
    bool cut = summarize && n > 2 * EDGEITEMS;
    char buf[96];
    strbuf_puts(out, "[");
    int item = 0;
    for (int i = 0; i < n; i++) {
        if (item > 0) {
            if (item % per_line == 0) {
                strbuf_puts(out, ",\n");
                strbuf_repeat(out, ' ', (size_t)indent + 1);
            } else {
                strbuf_puts(out, ", ");
            }
        }
        if (cut && i == EDGEITEMS) {
            strbuf_puts(out, " ...");
            i = n - EDGEITEMS - 1;
        } else {
            format_value(f, t->data[i], buf, sizeof buf);
            strbuf_puts(out, buf);
        }
        item++;
    }
    strbuf_puts(out, "]");
}

static void tensor_str(const Tensor *t, int indent, bool summarize, const Formatter *f, Strbuf *out)
{
    if (t->ndim == 1) {
        vector_str(t, indent, summarize, f, out);
        return;
    }
    int n = t->shape[0];
    bool cut = summarize && n > 2 * EDGEITEMS;
    strbuf_puts(out, "[");
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            strbuf_puts(out, ",");
            strbuf_repeat(out, '\n', (size_t)t->ndim - 1);
            strbuf_repeat(out, ' ', (size_t)indent + 1);
        }
        if (cut && i == EDGEITEMS) {
            strbuf_puts(out, "...");
            i = n - EDGEITEMS - 1;
            continue;
        }
        Tensor s = tensor_slice(t, i);
        tensor_str(&s, indent + 1, summarize, f, out);
    }
    strbuf_puts(out, "]");
}

char *tensor_format(const Tensor *t)
{
    Strbuf out = {0};
    strbuf_puts(&out, "tensor(");
    if (t->size == 0) {
        strbuf_puts(&out, "[]");
        if (t->ndim != 1) {
            strbuf_puts(&out, ", size=(");
            for (int i = 0; i < t->ndim; i++)
                strbuf_printf(&out, i ? ", %d" : "%d", t->shape[i]);
            strbuf_puts(&out, t->ndim == 1 ? ",))" : "))");
            return strbuf_take(&out);
        }
        strbuf_puts(&out, ")");
        return strbuf_take(&out);
    }
    bool summarize = t->size > THRESHOLD;
    Strbuf vals = {0};
    summarised(t, &vals, summarize);
    Formatter f = formatter_new(t->dtype, (const double *)(void *)vals.data,
                                vals.len / sizeof(double));
    strbuf_free(&vals);
    if (t->ndim == 0) {
        char buf[96];
        format_value(&f, t->data[0], buf, sizeof buf);
        strbuf_puts(&out, buf);
    } else {
        tensor_str(t, (int)strlen("tensor("), summarize, &f, &out);
    }
    strbuf_puts(&out, ")");
    return strbuf_take(&out);
}

/* ---- NumPy's str() ------------------------------------------------------
 * JAX's print(x) is NumPy's str() of its value, so the jax form prints
 * the way numpy/core/arrayprint.py's _formatArray lays out an array with
 * separator " ": a bool is " True" or "False" (the leading space keeps
 * columns aligned); a row wraps before the line would pass the width,
 * continuing under its first element; nested rows are separated by as
 * many newlines as axes remain below them. */

enum { NP_LINEWIDTH = 75 };

typedef struct NpFormat {
    bool boolean;
    int width; /* integers: right-aligned to the widest */
} NpFormat;

static void np_word(const NpFormat *f, double v, char *buf, size_t n)
{
    if (f->boolean)
        snprintf(buf, n, "%s", v != 0 ? " True" : "False");
    else
        snprintf(buf, n, "%*.0f", f->width, v);
}

/* _extendLine: wrap before word when it would pass width, unless the line holds only its indent */
static void np_extend(Strbuf *s, Strbuf *line, const char *word, int width, size_t hang)
{
    bool wrap = (int)(line->len + strlen(word)) > width && line->len > hang;
    if (wrap) {
        size_t keep = line->len;
        while (keep > 0 && line->data[keep - 1] == ' ')
            keep--;
        strbuf_append(s, line->data, keep);
        strbuf_puts(s, "\n");
        line->len = 0;
        strbuf_repeat(line, ' ', hang);
    }
    strbuf_puts(line, word);
}

/* the text of t (no leading hanging indent), continuation lines indented by hang spaces */
static void np_rec(const NpFormat *f, const Tensor *t, size_t hang, int width, bool summary, Strbuf *out)
{
    int n = t->shape[0];
    bool cut = summary && n > 2 * EDGEITEMS;
    int lead = cut ? EDGEITEMS : 0, trail = cut ? EDGEITEMS : n;
    Strbuf s = {0};
    if (t->ndim == 1) {
        Strbuf line = {0};
        char word[64];
        strbuf_repeat(&line, ' ', hang);
        for (int i = 0; i < lead; i++) {
            np_word(f, t->data[i], word, sizeof word);
            np_extend(&s, &line, word, width - 1, hang);
            strbuf_puts(&line, " ");
        }
        if (cut) {
            np_extend(&s, &line, "...", width - 1, hang);
            strbuf_puts(&line, " ");
        }
        for (int i = trail; i > 1; i--) {
            np_word(f, t->data[n - i], word, sizeof word);
            np_extend(&s, &line, word, width - 1, hang);
            strbuf_puts(&line, " ");
        }
        np_word(f, t->data[n - 1], word, sizeof word);
        np_extend(&s, &line, word, width - 1, hang);
        strbuf_append(&s, line.data, line.len);
        strbuf_free(&line);
    } else {
        size_t newlines = (size_t)t->ndim - 1;
        for (int k = 0; k < lead + trail; k++) {
            int i = k < lead ? k : n - (lead + trail - k);
            strbuf_repeat(&s, ' ', hang);
            if (cut && k == lead) {
                strbuf_puts(&s, "...");
                strbuf_repeat(&s, '\n', newlines);
                strbuf_repeat(&s, ' ', hang);
            }
            Tensor sub = tensor_slice(t, i);
            np_rec(f, &sub, hang + 1, width - 1, summary, &s);
            if (k + 1 < lead + trail)
                strbuf_repeat(&s, '\n', newlines);
        }
    }
    strbuf_puts(out, "[");
    if (s.len > hang)
        strbuf_append(out, s.data + hang, s.len - hang);
    strbuf_puts(out, "]");
    strbuf_free(&s);
}

char *tensor_format_numpy(const Tensor *t)
{
    EXPECT(t->dtype != TENSOR_FLOAT && t->ndim >= 1);
    Strbuf out = {0};
    if (t->size == 0) {
        strbuf_puts(&out, "[]");
        return strbuf_take(&out);
    }
    bool summary = t->size > THRESHOLD;
    NpFormat f = {.boolean = t->dtype == TENSOR_BOOL, .width = 1};
    if (!f.boolean) {
        /* the width comes from the values shown, as NumPy's IntegerFormat does */
        Strbuf vals = {0};
        summarised(t, &vals, summary);
        const double *v = (const double *)(void *)vals.data;
        for (size_t i = 0; i < vals.len / sizeof(double); i++) {
            char buf[32];
            int w = snprintf(buf, sizeof buf, "%.0f", v[i]);
            if (w > f.width)
                f.width = w;
        }
        strbuf_free(&vals);
    }
    np_rec(&f, t, 1, NP_LINEWIDTH, summary, &out);
    return strbuf_take(&out);
}
