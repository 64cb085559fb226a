/* The convention translator. A mask says, for each query and key, attend
 * or not; the libraries only disagree on how to write that down:
 *
 *     meaning   additive   finfo        sdpa    mha     hf (per key)   jax
 *     attend    0.         0.           True    False   1              True
 *     blocked   -inf       -3.4028e+38  False   True    0              False
 *
 * and on the layout: Hugging Face and Flax take a head axis ([B,1,Lq,Lk]),
 * nn.MultiheadAttention takes padding alone as a [B,L] key_padding_mask,
 * and an attention_mask is one [B,L] row of 1s and 0s from which the
 * model builds the rest. Every translation here keeps the layout it used
 * (ConvLayout), so conv_from gives back the very mask conv_to was given:
 * the translator is a bijection on what each format can hold. */
#include "convention.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

static const ConvInfo formats[CONV_COUNT] = {
    [CONV_ADDITIVE] = {
        .name = "additive", .library = "the notebook (PyTorch arithmetic)",
        .meaning = "float32, 0 = attend, -inf = blocked", .keep = "0.", .block = "-inf",
        .call = "torch.softmax(q @ k.T / math.sqrt(d) + m, dim=-1)",
        .fully_masked = "NaN: softmax of only -inf is 0/0",
    },
    [CONV_FINFO] = {
        .name = "finfo", .library = "Hugging Face's 4-D mask",
        .meaning = "float32 [B, 1, Lq, Lk], 0 = attend, torch.finfo(torch.float32).min = blocked",
        .keep = "0.", .block = "-3.4028e+38",
        .call = "model(input_ids, attention_mask=m)",
        .fully_masked = "uniform weights: finfo.min + a score stays finfo.min",
    },
    [CONV_SDPA] = {
        .name = "sdpa", .library = "PyTorch F.scaled_dot_product_attention",
        .meaning = "bool, True = attend", .keep = "True", .block = "False",
        .call = "F.scaled_dot_product_attention(q, k, v, attn_mask=m)",
        .fully_masked = "NaN up to PyTorch 2.4 (1.13 here), 0 from 2.5",
    },
    [CONV_MHA] = {
        .name = "mha", .library = "PyTorch nn.MultiheadAttention",
        .meaning = "bool, True = blocked", .keep = "False", .block = "True",
        .call = "nn.MultiheadAttention(d, h)(q, k, v, attn_mask=m)",
        .fully_masked = "NaN (PyTorch 1.13 here)",
    },
    [CONV_HF] = {
        .name = "hf", .library = "Hugging Face attention_mask",
        .meaning = "int64 [B, L], 1 = a real token, 0 = [PAD]", .keep = "1", .block = "0",
        .call = "model(input_ids, attention_mask=m)",
        .fully_masked = "uniform weights: the model fills finfo.min",
    },
    [CONV_JAX] = {
        .name = "jax", .library = "JAX / Flax",
        .meaning = "bool [B, 1, Lq, Lk], True = attend", .keep = "True", .block = "False",
        .call = "nn.dot_product_attention(q, k, v, mask=m)",
        .fully_masked = "uniform weights: Flax fills finfo.min",
    },
};

const ConvInfo *conv_info(ConvFormat f)
{
    EXPECT(f >= 0 && f < CONV_COUNT);
    return &formats[f];
}

bool conv_parse(const char *name, ConvFormat *f)
{
    for (int i = 0; name && i < CONV_COUNT; i++)
        if (strcmp(formats[i].name, name) == 0) {
            *f = (ConvFormat)i;
            return true;
        }
    return false;
}

static const char *name_at(int i)
{
    return formats[i].name;
}

const char *conv_names(void)
{
    static char names[96];
    return text_join(names, sizeof names, CONV_COUNT, name_at);
}

/* ---- cells ---------------------------------------------------------------- */

static bool blocked(double v)
{
    return isinf(v) && v < 0;
}

/* format f's value for a kept or blocked cell */
static double cell(ConvFormat f, bool block)
{
    switch (f) {
    case CONV_ADDITIVE: return block ? -INFINITY : 0.0;
    case CONV_FINFO: return block ? CONV_FINFO_MIN : 0.0;
    case CONV_MHA: return block;
    default: return !block; /* sdpa, hf, jax: True / 1 = attend */
    }
}

/* whether a value of format f blocks */
static bool blocks(ConvFormat f, double v)
{
    switch (f) {
    case CONV_ADDITIVE: return blocked(v);
    case CONV_FINFO: return v == CONV_FINFO_MIN || blocked(v);
    case CONV_MHA: return v != 0;
    default: return v == 0;
    }
}

static TensorDtype dtype_of(ConvFormat f)
{
    switch (f) {
    case CONV_ADDITIVE: case CONV_FINFO: return TENSOR_FLOAT;
    case CONV_HF: return TENSOR_INT;
    default: return TENSOR_BOOL;
    }
}

/* ---- layouts ---------------------------------------------------------------- */

/* m as [B,Lq,Lk] dimensions (a 2-D mask is one sentence) */
static void dims(const Tensor *m, int *B, int *Lq, int *Lk)
{
    *B = m->ndim == 3 ? m->shape[0] : 1;
    *Lq = m->shape[m->ndim - 2];
    *Lk = m->shape[m->ndim - 1];
}

/* every row of sentence s blocks the same keys */
static bool rows_alike(const Tensor *m, int s, int Lq, int Lk)
{
    const double *d = m->data + (size_t)s * Lq * Lk;
    for (int q = 1; q < Lq; q++)
        for (int k = 0; k < Lk; k++)
            if (blocked(d[(size_t)q * Lk + k]) != blocked(d[k]))
                return false;
    return true;
}

/* sentence s is a key vector (its last row) plus causal, aligned bottom-right as A_causal is */
static bool key_causal(const Tensor *m, int s, int Lq, int Lk)
{
    const double *d = m->data + (size_t)s * Lq * Lk, *last = d + (size_t)(Lq - 1) * Lk;
    int off = Lk - Lq;
    if (off < 0)
        return false;
    for (int q = 0; q < Lq; q++)
        for (int k = 0; k < Lk; k++)
            if (blocked(d[(size_t)q * Lk + k]) != (blocked(last[k]) || k > q + off))
                return false;
    return true;
}

Tensor *conv_to(ConvFormat f, const Tensor *m, bool keys, ConvLayout *layout, char *err, size_t errlen)
{
    EXPECT(keys ? m->ndim == 2 : (m->ndim == 2 || m->ndim == 3));
    *layout = (ConvLayout){.how = CONV_SAME, .keys = keys, .ndim = m->ndim};
    for (int i = 0; i < m->ndim; i++)
        layout->shape[i] = m->shape[i];
    TensorDtype dt = dtype_of(f);
    Tensor *t = NULL;
    if (keys) {
        int B = m->shape[0], L = m->shape[1];
        switch (f) {
        case CONV_FINFO: case CONV_JAX: layout->how = CONV_KEYS_SQUARE; t = tensor_new(dt, 4, (int[]){B, 1, L, L}); break;
        case CONV_SDPA: layout->how = CONV_KEYS_HEADS; t = tensor_new(dt, 4, (int[]){B, 1, 1, L}); break;
        default: t = tensor_new(dt, 2, (int[]){B, L}); break;
        }
        /* a key vector repeated over the rows of each sentence, if the layout has rows */
        size_t rows = t->size / m->size;
        for (int s = 0; s < B; s++)
            for (size_t q = 0; q < rows; q++)
                for (int k = 0; k < L; k++)
                    t->data[((size_t)s * rows + q) * L + k] = cell(f, blocked(m->data[(size_t)s * L + k]));
        return t;
    }
    int B, Lq, Lk;
    dims(m, &B, &Lq, &Lk);
    if (f == CONV_HF) {
        bool encoder = true, decoder = true;
        for (int s = 0; s < B; s++) {
            encoder = encoder && rows_alike(m, s, Lq, Lk);
            decoder = decoder && key_causal(m, s, Lq, Lk);
        }
        if (!encoder && !decoder) {
            snprintf(err, errlen, "an attention_mask [B, L] says only which tokens are padding; this mask also "
                                  "depends on the query beyond causal, so no attention_mask gives it (--as finfo "
                                  "shows the 4-D mask Hugging Face models also take)");
            return NULL;
        }
        layout->how = encoder ? CONV_ENCODER : CONV_DECODER;
        t = tensor_new(dt, 2, (int[]){B, Lk});
        for (int s = 0; s < B; s++)
            for (int k = 0; k < Lk; k++) /* the last row sees every key the vector allows */
                t->data[(size_t)s * Lk + k] = cell(f, blocked(m->data[((size_t)s * Lq + Lq - 1) * Lk + k]));
        return t;
    }
    if (f == CONV_FINFO || f == CONV_JAX) {
        layout->how = CONV_HEADS;
        t = tensor_new(dt, 4, (int[]){B, 1, Lq, Lk});
    } else {
        t = tensor_new(dt, m->ndim, m->shape);
    }
    for (size_t i = 0; i < m->size; i++)
        t->data[i] = cell(f, blocked(m->data[i]));
    (void)err, (void)errlen;
    return t;
}

Tensor *conv_from(ConvFormat f, const Tensor *t, const ConvLayout *layout)
{
    Tensor *m = tensor_new(TENSOR_FLOAT, layout->ndim, layout->shape);
    if (layout->keys) {
        /* the first row of each sentence's block holds the key vector */
        int B = layout->shape[0], L = layout->shape[1];
        size_t per = t->size / (size_t)B;
        for (int s = 0; s < B; s++)
            for (int k = 0; k < L; k++)
                m->data[(size_t)s * L + k] = cell(CONV_ADDITIVE, blocks(f, t->data[(size_t)s * per + k]));
        return m;
    }
    int B, Lq, Lk;
    dims(m, &B, &Lq, &Lk);
    if (layout->how == CONV_ENCODER || layout->how == CONV_DECODER) {
        int off = Lk - Lq;
        for (int s = 0; s < B; s++)
            for (int q = 0; q < Lq; q++)
                for (int k = 0; k < Lk; k++) {
                    bool b = blocks(f, t->data[(size_t)s * Lk + k]) || (layout->how == CONV_DECODER && k > q + off);
                    m->data[((size_t)s * Lq + q) * Lk + k] = cell(CONV_ADDITIVE, b);
                }
        return m;
    }
    EXPECT(t->size == m->size);
    for (size_t i = 0; i < m->size; i++)
        m->data[i] = cell(CONV_ADDITIVE, blocks(f, t->data[i]));
    return m;
}

/* ---- print --as ------------------------------------------------------------- */

static void shape_text(Strbuf *sb, const Tensor *t)
{
    strbuf_puts(sb, "[");
    for (int i = 0; i < t->ndim; i++)
        strbuf_printf(sb, "%s%d", i ? ", " : "", t->shape[i]);
    strbuf_puts(sb, "]");
}

char *conv_text(ConvFormat f, const Tensor *m, bool keys, const char *name, char *err, size_t errlen)
{
    ConvLayout lay;
    char why[320];
    Tensor *t = conv_to(f, m, keys, &lay, why, sizeof why);
    if (!t) {
        snprintf(err, errlen, "%s --as %s: %s", name, formats[f].name, why);
        return NULL;
    }
    Strbuf sb = {0};
    strbuf_puts(&sb, "# ");
    switch (f) {
    case CONV_ADDITIVE:
        strbuf_puts(&sb, "softmax(scores + m): float32 ");
        shape_text(&sb, t);
        strbuf_puts(&sb, ", 0 = attend, -inf = blocked (the notebook's additive mask)");
        break;
    case CONV_FINFO:
        strbuf_puts(&sb, "Hugging Face's 4-D mask, softmax(scores + m): float32 ");
        shape_text(&sb, t);
        strbuf_puts(&sb, ", 0 = attend, torch.finfo(torch.float32).min = blocked");
        break;
    case CONV_SDPA:
        strbuf_puts(&sb, "F.scaled_dot_product_attention(q, k, v, attn_mask=m): bool ");
        shape_text(&sb, t);
        strbuf_puts(&sb, ", True = attend");
        break;
    case CONV_MHA:
        strbuf_printf(&sb, "nn.MultiheadAttention(d, heads)(q, k, v, %s=m): bool ", keys ? "key_padding_mask" : "attn_mask");
        shape_text(&sb, t);
        strbuf_puts(&sb, keys ? ", True = blocked ([PAD])" : ", True = blocked");
        break;
    case CONV_HF:
        strbuf_puts(&sb, "model(input_ids, attention_mask=m): int64 ");
        shape_text(&sb, t);
        strbuf_puts(&sb, ", 1 = a real token, 0 = [PAD]");
        if (lay.how == CONV_DECODER)
            strbuf_puts(&sb, "; a decoder (GPT-2, Llama) adds the causal mask itself");
        else if (!keys)
            strbuf_puts(&sb, "; an encoder (BERT) attends both ways, as does cross-attention to it");
        break;
    case CONV_JAX:
        strbuf_puts(&sb, "flax.linen: nn.dot_product_attention(q, k, v, mask=m): bool ");
        shape_text(&sb, t);
        strbuf_puts(&sb, ", True = attend");
        break;
    default: break;
    }
    char *text = f == CONV_JAX ? tensor_format_numpy(t) : tensor_format(t);
    strbuf_printf(&sb, "\n%s\n", text);
    free(text);
    tensor_free(t);
    return strbuf_take(&sb);
}
