/* Every variable the notebook prints, compared with the notebook's own
 * printed output in PyTorch's real layout (the notebook's text lost the
 * 8-space continuation indent and the integer alignment; PyTorch prints
 * both), plus its two mean losses. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "mask.h"
#include "mode.h"
#include "scenario.h"
#include "registry.h"
#include "steps.h"
#include "support.h"

static Scenario *sc;
static Engine *pad, *mlm, *causal;

static void setup(void)
{
    sc = scenario_default();
    pad = compute(sc, "padding");
    mlm = compute(sc, "mlm");
    causal = compute(sc, "causal");
}

static void teardown(void)
{
    engine_free(pad);
    engine_free(mlm);
    engine_free(causal);
    scenario_free(sc);
}

static void expect(const Tensor *t, const char *want)
{
    char *got = tensor_format(t);
    cr_assert_str_eq(got, want);
    free(got);
}

TestSuite(notebook, .init = setup, .fini = teardown);

Test(notebook, batch)
{
    expect(T(pad, T_BATCH), "tensor([[1, 2, 3, 0, 0],\n"
                            "        [1, 2, 3, 4, 5],\n"
                            "        [1, 2, 3, 4, 0]])");
}

Test(notebook, batch_shape)
{
    cr_assert_eq(engine_sentences(pad), 3);
    cr_assert_eq(engine_length(pad), 5);
}

Test(notebook, batch_nonzero_indicies)
{
    expect(T(pad, T_LAST_INDEX), "tensor([2, 4, 3])");
}

Test(notebook, padding_loss_mask)
{
    expect(T(pad, T_LOSS_MASK), "tensor([[1., 1., 1., 0., 0.],\n"
                           "        [1., 1., 1., 1., 1.],\n"
                           "        [1., 1., 1., 1., 0.]])");
}

Test(notebook, batch_losses)
{
    expect(T(pad, T_LOSSES), "tensor([[0.5135, 0.5513, 0.9017, 0.4005, 0.0784],\n"
                        "        [0.4215, 0.5581, 0.8376, 0.8771, 0.9324],\n"
                        "        [0.2851, 0.7234, 0.5639, 0.6350, 0.9162]])");
}

Test(notebook, batch_loss_is_0_650)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%.3f", engine_loss(pad));
    cr_assert_str_eq(buf, "0.650");
    /* by hand: (1.9665 + 3.6267 + 2.2074) / 12 */
    cr_assert_float_eq(engine_loss(pad), 7.8006 / 12, 1e-12);
}

Test(notebook, mlm_batch)
{
    expect(T(mlm, T_BATCH), "tensor([[  1, 999,   3,   4, 999],\n"
                            "        [999,   2, 999,   4,   5],\n"
                            "        [  1,   2,   3, 999,   5]])");
}

Test(notebook, mlm_loss_mask)
{
    expect(T(mlm, T_LOSS_MASK), "tensor([[0., 1., 0., 0., 1.],\n"
                           "        [1., 0., 1., 0., 0.],\n"
                           "        [0., 0., 0., 1., 0.]])");
}

Test(notebook, mlm_batch_loss_is_0_505)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%.3f", engine_loss(mlm));
    cr_assert_str_eq(buf, "0.505");
    /* by hand: (0.5513 + 0.0784 + 0.4215 + 0.8376 + 0.6350) / 5 */
    cr_assert_float_eq(engine_loss(mlm), 2.5238 / 5, 1e-12);
}

Test(notebook, padding_mask)
{
    expect(T(pad, T_PADDING_MASK), "tensor([[0., 0., 0., -inf, -inf],\n"
                              "        [0., 0., 0., 0., 0.],\n"
                              "        [0., 0., 0., 0., -inf]])");
}

Test(notebook, A0_pad)
{
    char *a0 = registry_format(registry_find("A0_pad"), pad, -1);
    cr_assert_str_eq(a0, "tensor([[0., 0., 0., -inf, -inf],\n"
                "        [0., 0., 0., -inf, -inf],\n"
                "        [0., 0., 0., -inf, -inf],\n"
                "        [0., 0., 0., -inf, -inf],\n"
                "        [0., 0., 0., -inf, -inf]])");
    free(a0);
}

Test(notebook, A_causal)
{
    char *text = registry_format(registry_find("A_causal"), causal, -1);
    cr_assert_str_eq(text, "tensor([[0., -inf, -inf, -inf, -inf],\n"
                          "        [0., 0., -inf, -inf, -inf],\n"
                          "        [0., 0., 0., -inf, -inf],\n"
                          "        [0., 0., 0., 0., -inf],\n"
                          "        [0., 0., 0., 0., 0.]])");
    free(text);
}

Test(notebook, causal_mode_illustrates_the_longest_sentence)
{
    cr_assert_eq(mode_default_sentence(mode_find("causal"), sc), 1);
    cr_assert_eq(mode_default_sentence(mode_find("padding"), sc), 0);
}

/* A big attention matrix prints from the rows a summarised print shows
 * (engine_row), never the whole matrix: the text must be the text of the
 * whole matrix the engine makes, for every mode, every matrix and mask
 * term it has, one sentence and the batch. */
Test(notebook, a_summarised_print_is_the_whole_matrix_s_print)
{
    char err[256];
    /* 3 sentences of up to 40 tokens: 3·40·40 cells, well past 1000 */
    Scenario *sc40 = NULL;
    {
        char json[4096];
        size_t k = (size_t)snprintf(json, sizeof json, "{\"sentences\": [\"");
        for (int i = 0; i < 40; i++) k += (size_t)snprintf(json + k, sizeof json - k, "%sw%d", i ? " " : "", i % 9);
        k += (size_t)snprintf(json + k, sizeof json - k, "\", \"a b c\", \"");
        for (int i = 0; i < 33; i++) k += (size_t)snprintf(json + k, sizeof json - k, "%sw%d", i ? " " : "", i % 7);
        snprintf(json + k, sizeof json - k, "\"], \"mask_query_rows\": true}");
        sc40 = scenario_parse(json, strlen(json), "big.json", err, sizeof err);
        cr_assert_not_null(sc40, "%s", err);
    }
    int checked = 0;
    for (int m = 0; m < mode_count(); m++) {
        if (!mode_has_tensors(mode_at(m))) continue;
        for (int i = 0; i < registry_count(); i++) {
            const RegEntry *r = registry_at(i);
            char why[256];
            if (registry_mode(r, mode_at(m), why, sizeof why) != mode_at(m)) continue;
            bool attention = r->kind == REG_TERM || (r->kind == REG_TENSOR && (r->id == T_SCORES || r->id == T_MASK ||
                                                                              r->id == T_MASKED || r->id == T_WEIGHTS));
            if (!attention) continue;
            for (int s = -1; s < 1; s++) {
                Engine *e = engine_new(sc40, mode_at(m), err, sizeof err);
                cr_assert_not_null(e, "%s", err);
                char *rows = registry_format(r, e, s);
                /* the same engine's whole tensor, made after the print */
                Tensor *whole = registry_copy(r, e, s);
                char *want = tensor_format(whole);
                cr_assert_str_eq(rows, want, "%s %s sentence %d", mode_at(m)->name, r->name, s);
                checked++;
                free(rows);
                free(want);
                tensor_free(whole);
                engine_free(e);
            }
        }
    }
    cr_assert_gt(checked, 40, "%d prints compared", checked);
    scenario_free(sc40);
}
