/* The convention translator: each format's values and layout checked
 * against hand-written tensors, PyTorch's and NumPy's printed text (pasted
 * from torch 1.13 and numpy 1.24), and a round trip through every format
 * for every mask of every mode of the table. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convention.h"
#include "registry.h"
#include "support.h"

/* sentence s's combined mask of the running example */
static Tensor *combined(int s)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "combined");
    Tensor v = engine_view(e, T_MASK, s);
    Tensor *m = tensor_copy(&v);
    engine_free(e);
    scenario_free(sc);
    return m;
}

static Tensor *to(ConvFormat f, const Tensor *m, bool keys, ConvLayout *lay)
{
    char err[256];
    Tensor *t = conv_to(f, m, keys, lay, err, sizeof err);
    cr_assert_not_null(t, "%s: %s", conv_info(f)->name, err);
    return t;
}

static void expect_values(const Tensor *t, int ndim, const int *shape, const double *want)
{
    cr_assert_eq(t->ndim, ndim);
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        cr_assert_eq(t->shape[i], shape[i], "dim %d: %d, not %d", i, t->shape[i], shape[i]);
        n *= (size_t)shape[i];
    }
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(t->data[i], want[i], "cell %zu: %g, not %g", i, t->data[i], want[i]);
}

Test(convention, the_same_mask_in_each_library_s_words)
{
    /* "The cat ate [PAD] [PAD]" under padding + causal, written by hand */
    static const int keep[5][5] = {{1, 0, 0, 0, 0}, {1, 1, 0, 0, 0}, {1, 1, 1, 0, 0}, {1, 1, 1, 0, 0}, {1, 1, 1, 0, 0}};
    double sdpa[25], mha[25], finfo[25];
    for (int i = 0; i < 25; i++) {
        sdpa[i] = keep[i / 5][i % 5];
        mha[i] = !keep[i / 5][i % 5];
        finfo[i] = keep[i / 5][i % 5] ? 0.0 : -3.4028234663852886e38; /* torch.finfo(torch.float32).min */
    }
    Tensor *m = combined(0);
    ConvLayout lay;
    Tensor *t = to(CONV_SDPA, m, false, &lay);
    cr_assert_eq(t->dtype, TENSOR_BOOL);
    expect_values(t, 2, (int[]){5, 5}, sdpa);
    tensor_free(t);
    t = to(CONV_MHA, m, false, &lay);
    expect_values(t, 2, (int[]){5, 5}, mha);
    tensor_free(t);
    t = to(CONV_FINFO, m, false, &lay);
    cr_assert_eq(lay.how, CONV_HEADS);
    expect_values(t, 4, (int[]){1, 1, 5, 5}, finfo);
    tensor_free(t);
    t = to(CONV_JAX, m, false, &lay);
    expect_values(t, 4, (int[]){1, 1, 5, 5}, sdpa);
    tensor_free(t);
    /* padding + causal is an attention_mask of the real tokens for a decoder */
    t = to(CONV_HF, m, false, &lay);
    cr_assert_eq(lay.how, CONV_DECODER);
    cr_assert_eq(t->dtype, TENSOR_INT);
    expect_values(t, 2, (int[]){1, 5}, (double[]){1, 1, 1, 0, 0});
    tensor_free(t);
    tensor_free(m);
}

Test(convention, an_attention_mask_holds_padding_alone)
{
    Scenario *sc = scenario_default();
    char err[256];
    ConvLayout lay;
    /* the padding mode's mask: every row alike, an encoder's attention_mask */
    Engine *e = compute(sc, "padding");
    Tensor *t = conv_to(CONV_HF, engine_tensor(e, T_MASK), false, &lay, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    cr_assert_eq(lay.how, CONV_ENCODER);
    expect_values(t, 2, (int[]){3, 5}, (double[]){1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0});
    tensor_free(t);
    engine_free(e);
    /* a sliding window is neither padding nor padding + causal */
    e = compute(sc, "sliding");
    cr_assert_null(conv_to(CONV_HF, engine_tensor(e, T_MASK), false, &lay, err, sizeof err));
    cr_assert(strstr(err, "attention_mask [B, L] says only which tokens are padding"), "%s", err);
    engine_free(e);
    scenario_free(sc);
}

Test(convention, padding_mask_is_a_key_padding_mask)
{
    Scenario *sc = scenario_default();
    Engine *e = compute(sc, "padding");
    const Tensor *pm = engine_tensor(e, T_PADDING_MASK);
    ConvLayout lay;
    Tensor *t = to(CONV_MHA, pm, true, &lay);
    expect_values(t, 2, (int[]){3, 5}, (double[]){0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    tensor_free(t);
    /* SDPA broadcasts a [B, 1, 1, L] key mask over heads and queries */
    t = to(CONV_SDPA, pm, true, &lay);
    expect_values(t, 4, (int[]){3, 1, 1, 5}, (double[]){1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0});
    tensor_free(t);
    engine_free(e);
    scenario_free(sc);
}

Test(convention, prints_as_pytorch_and_numpy_do)
{
    Tensor *m = combined(2); /* "The cat ate fish [PAD]" */
    char err[256];
    char *text = conv_text(CONV_SDPA, m, false, "mask", err, sizeof err);
    cr_assert_not_null(text, "%s", err);
    /* torch 1.13: print((torch.tril(torch.ones(5, 5)) * torch.tensor([1, 1, 1, 1, 0])).bool()) */
    cr_assert_str_eq(text, "# F.scaled_dot_product_attention(q, k, v, attn_mask=m): bool [5, 5], True = attend\n"
                           "tensor([[ True, False, False, False, False],\n"
                           "        [ True,  True, False, False, False],\n"
                           "        [ True,  True,  True, False, False],\n"
                           "        [ True,  True,  True,  True, False],\n"
                           "        [ True,  True,  True,  True, False]])\n");
    free(text);
    text = conv_text(CONV_JAX, m, false, "mask", err, sizeof err);
    /* numpy 1.24: print(np.array(that)[None, None]) */
    cr_assert_str_eq(text, "# flax.linen: nn.dot_product_attention(q, k, v, mask=m): bool [1, 1, 5, 5], True = attend\n"
                           "[[[[ True False False False False]\n"
                           "   [ True  True False False False]\n"
                           "   [ True  True  True False False]\n"
                           "   [ True  True  True  True False]\n"
                           "   [ True  True  True  True False]]]]\n");
    free(text);
    text = conv_text(CONV_FINFO, m, false, "mask", err, sizeof err);
    const char *row0 = "tensor([[[[ 0.0000e+00, -3.4028e+38, -3.4028e+38, -3.4028e+38, -3.4028e+38],\n";
    cr_assert(strstr(text, row0), "%s", text);
    free(text);
    tensor_free(m);
}

Test(convention, numpy_wraps_and_summarises_as_numpy_does)
{
    /* numpy 1.24: str(np.arange(12) % 3 != 0) and a 1100-element bool vector */
    Tensor *t = tensor_new1(TENSOR_BOOL, 12);
    for (int i = 0; i < 12; i++) t->data[i] = i % 3 != 0;
    char *s = tensor_format_numpy(t);
    cr_assert_str_eq(s, "[False  True  True False  True  True False  True  True False  True  True]");
    free(s);
    tensor_free(t);
    t = tensor_new1(TENSOR_BOOL, 13);
    for (int i = 0; i < 13; i++) t->data[i] = i % 3 != 0;
    s = tensor_format_numpy(t);
    cr_assert_str_eq(s, "[False  True  True False  True  True False  True  True False  True  True\n False]");
    free(s);
    tensor_free(t);
    t = tensor_new1(TENSOR_BOOL, 1100);
    s = tensor_format_numpy(t);
    cr_assert_str_eq(s, "[False False False ... False False False]");
    free(s);
    tensor_free(t);
}

/* every format of every mask of every mode comes back as it went */
Test(convention, every_format_round_trips)
{
    Scenario *sc = scenario_default();
    int tried = 0, hf = 0;
    for (int i = 0; i < mode_count(); i++) {
        const Mode *m = mode_at(i);
        Engine *e = compute(sc, m->name);
        for (int r = 0; r < registry_count(); r++) {
            const RegEntry *re = registry_at(r);
            bool keys;
            char err[256];
            if (!registry_is_mask(re, &keys) || registry_mode(re, m, err, sizeof err) != m) continue;
            for (int s = -1; s < engine_sentences(e); s++) {
                Tensor *mask = registry_copy(re, e, s);
                for (int f = 0; f < CONV_COUNT; f++) {
                    ConvLayout lay;
                    Tensor *t = conv_to((ConvFormat)f, mask, keys, &lay, err, sizeof err);
                    if (!t) {
                        cr_assert_eq(f, CONV_HF, "%s %s: only hf may refuse: %s", m->name, re->name, err);
                        continue;
                    }
                    Tensor *back = conv_from((ConvFormat)f, t, &lay);
                    cr_assert(tensor_equal(back, mask), "%s %s sentence %d --as %s", m->name, re->name, s,
                              conv_info((ConvFormat)f)->name);
                    tried++;
                    hf += f == CONV_HF;
                    tensor_free(back);
                    tensor_free(t);
                }
                tensor_free(mask);
            }
        }
        engine_free(e);
    }
    cr_assert_gt(tried, 300, "%d translations", tried);
    cr_assert_gt(hf, 20, "%d attention_masks", hf);
    scenario_free(sc);
}
