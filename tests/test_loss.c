/* Loss masking and cross-entropy against hand arithmetic. */
#include <criterion/criterion.h>
#include <math.h>

#include "loss.h"

static Tensor *row(int n, const double *v)
{
    Tensor *t = tensor_new1(TENSOR_FLOAT, n);
    for (int i = 0; i < n; i++)
        t->data[i] = v[i];
    return t;
}

Test(loss, masked_mean_divides_by_the_mask_sum)
{
    Tensor *l = row(4, (double[]){1, 2, 3, 4}), *m = row(4, (double[]){1, 1, 0, 0});
    cr_assert_float_eq(loss_masked_mean(l, m), 1.5, 1e-15);
    cr_assert_float_eq(loss_mean(l), 2.5, 1e-15);
    tensor_free(l);
    tensor_free(m);
}

Test(loss, weighted_masks_give_a_weighted_mean)
{
    /* (1*1 + 2*0.5 + 3*0 + 4*1) / (1 + 0.5 + 0 + 1) = 6 / 2.5 */
    Tensor *l = row(4, (double[]){1, 2, 3, 4}), *m = row(4, (double[]){1, 0.5, 0, 1});
    cr_assert_float_eq(loss_masked_mean(l, m), 2.4, 1e-15);
    Tensor *applied = loss_apply_mask(l, m);
    cr_assert_float_eq(applied->data[1], 1.0, 1e-15);
    cr_assert(applied->data[2] == 0.0);
    tensor_free(applied);
    tensor_free(l);
    tensor_free(m);
}

Test(loss, an_empty_mask_gives_nan_like_torch)
{
    Tensor *l = row(2, (double[]){1, 2}), *m = row(2, (double[]){0, 0});
    cr_assert(isnan(loss_masked_mean(l, m)));
    tensor_free(l);
    tensor_free(m);
}

Test(loss, cross_entropy_by_hand)
{
    /* logits [0, 0] with target 0: -log(1/2) = ln 2; [ln 3, 0] target 0: -log(3/4) */
    Tensor *logits = tensor_new2(TENSOR_FLOAT, 2, 2);
    logits->data[2] = log(3.0);
    Tensor *t = tensor_new1(TENSOR_INT, 2);
    Tensor *each = loss_cross_entropy_each(logits, t, -100);
    cr_assert_float_eq(each->data[0], log(2.0), 1e-12);
    cr_assert_float_eq(each->data[1], -log(0.75), 1e-12);
    tensor_free(each);
    tensor_free(logits);
    tensor_free(t);
}

Test(loss, ignore_index_equals_multiplying_by_the_mask)
{
    int N = 6, C = 5, PAD = 0;
    Tensor *logits = tensor_new2(TENSOR_FLOAT, N, C);
    for (int i = 0; i < N * C; i++)
        logits->data[i] = sin(i * 1.7) * 3;
    Tensor *targets = row(N, (double[]){3, 1, 0, 4, 0, 2});
    targets->dtype = TENSOR_INT;
    Tensor *all = loss_cross_entropy_each(logits, targets, -1); /* nothing ignored */
    Tensor *mask = tensor_new1(TENSOR_FLOAT, N);
    for (int i = 0; i < N; i++)
        mask->data[i] = targets->data[i] != PAD;
    double by_mask = loss_masked_mean(all, mask);
    double by_ignore = loss_cross_entropy(logits, targets, PAD);
    cr_assert_float_eq(by_ignore, by_mask, 1e-12);
    cr_assert(fabs(by_ignore - loss_mean(all)) > 1e-3); /* ignoring changed something */
    tensor_free(all);
    tensor_free(mask);
    tensor_free(targets);
    tensor_free(logits);
}

Test(loss, random_losses_are_deterministic_and_in_range)
{
    Tensor *a = loss_random(3, 7, 11), *b = loss_random(3, 7, 11), *c = loss_random(3, 7, 12);
    cr_assert(tensor_equal(a, b));
    cr_assert_not(tensor_equal(a, c));
    for (size_t i = 0; i < a->size; i++)
        cr_assert(a->data[i] >= 0 && a->data[i] < 1);
    tensor_free(a);
    tensor_free(b);
    tensor_free(c);
}
