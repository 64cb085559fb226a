/* Every variable the notebook prints, compared with the notebook's own
 * printed output in PyTorch's real layout (the notebook's text lost the
 * 8-space continuation indent and the integer alignment; PyTorch prints
 * both), plus its two mean losses. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "batch.h"
#include "mask.h"
#include "scenario.h"
#include "steps.h"

static Scenario *sc;
static Steps *pad, *mlm;

static void setup(void)
{
    char err[256];
    sc = scenario_default();
    pad = steps_build(sc, STEPS_PADDING, 0, err, sizeof err);
    mlm = steps_build(sc, STEPS_MLM, 0, err, sizeof err);
    cr_assert(pad && mlm, "%s", err);
}

static void teardown(void)
{
    steps_free(pad);
    steps_free(mlm);
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
    expect(pad->batch->ids, "tensor([[1, 2, 3, 0, 0],\n"
                            "        [1, 2, 3, 4, 5],\n"
                            "        [1, 2, 3, 4, 0]])");
}

Test(notebook, batch_shape)
{
    cr_assert_eq(pad->batch->B, 3);
    cr_assert_eq(pad->batch->L, 5);
}

Test(notebook, batch_nonzero_indicies)
{
    Tensor *t = batch_last_indices(pad->batch);
    expect(t, "tensor([2, 4, 3])");
    tensor_free(t);
}

Test(notebook, padding_loss_mask)
{
    expect(pad->loss_mask, "tensor([[1., 1., 1., 0., 0.],\n"
                           "        [1., 1., 1., 1., 1.],\n"
                           "        [1., 1., 1., 1., 0.]])");
}

Test(notebook, batch_losses)
{
    expect(pad->losses, "tensor([[0.5135, 0.5513, 0.9017, 0.4005, 0.0784],\n"
                        "        [0.4215, 0.5581, 0.8376, 0.8771, 0.9324],\n"
                        "        [0.2851, 0.7234, 0.5639, 0.6350, 0.9162]])");
}

Test(notebook, batch_loss_is_0_650)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%.3f", pad->loss);
    cr_assert_str_eq(buf, "0.650");
    /* by hand: (1.9665 + 3.6267 + 2.2074) / 12 */
    cr_assert_float_eq(pad->loss, 7.8006 / 12, 1e-12);
}

Test(notebook, mlm_batch)
{
    expect(mlm->batch->ids, "tensor([[  1, 999,   3,   4, 999],\n"
                            "        [999,   2, 999,   4,   5],\n"
                            "        [  1,   2,   3, 999,   5]])");
}

Test(notebook, mlm_loss_mask)
{
    expect(mlm->loss_mask, "tensor([[0., 1., 0., 0., 1.],\n"
                           "        [1., 0., 1., 0., 0.],\n"
                           "        [0., 0., 0., 1., 0.]])");
}

Test(notebook, mlm_batch_loss_is_0_505)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%.3f", mlm->loss);
    cr_assert_str_eq(buf, "0.505");
    /* by hand: (0.5513 + 0.0784 + 0.4215 + 0.8376 + 0.6350) / 5 */
    cr_assert_float_eq(mlm->loss, 2.5238 / 5, 1e-12);
}

Test(notebook, padding_mask)
{
    expect(pad->padding_mask, "tensor([[0., 0., 0., -inf, -inf],\n"
                              "        [0., 0., 0., 0., 0.],\n"
                              "        [0., 0., 0., 0., -inf]])");
}

Test(notebook, A0_pad)
{
    Tensor a0 = tensor_slice(pad->A_pad, 0);
    expect(&a0, "tensor([[0., 0., 0., -inf, -inf],\n"
                "        [0., 0., 0., -inf, -inf],\n"
                "        [0., 0., 0., -inf, -inf],\n"
                "        [0., 0., 0., -inf, -inf],\n"
                "        [0., 0., 0., -inf, -inf]])");
}

Test(notebook, A_causal)
{
    expect(pad->A_causal, "tensor([[0., -inf, -inf, -inf, -inf],\n"
                          "        [0., 0., -inf, -inf, -inf],\n"
                          "        [0., 0., 0., -inf, -inf],\n"
                          "        [0., 0., 0., 0., -inf],\n"
                          "        [0., 0., 0., 0., 0.]])");
}

Test(notebook, causal_mode_illustrates_the_longest_sentence)
{
    cr_assert_eq(steps_default_sentence(sc, STEPS_CAUSAL), 1);
    cr_assert_eq(steps_default_sentence(sc, STEPS_PADDING), 0);
}
