/* tensor_format must print what PyTorch's print() prints. The expected
 * strings are PyTorch's documented output for these inputs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "tensor.h"

static void expect_format(const Tensor *t, const char *want)
{
    char *got = tensor_format(t);
    cr_assert_str_eq(got, want);
    free(got);
}

static Tensor *vec(TensorDtype dt, int n, const double *v)
{
    Tensor *t = tensor_new1(dt, n);
    for (int i = 0; i < n; i++)
        t->data[i] = v[i];
    return t;
}

Test(tensor, integers_align_to_the_widest_value)
{
    Tensor *t = tensor_new2(TENSOR_INT, 2, 3);
    double v[] = {1, 999, 3, 999, 2, 5};
    for (int i = 0; i < 6; i++)
        t->data[i] = v[i];
    expect_format(t, "tensor([[  1, 999,   3],\n        [999,   2,   5]])");
    tensor_free(t);
}

Test(tensor, whole_floats_print_with_a_trailing_point_and_inf_unpadded)
{
    Tensor *t = vec(TENSOR_FLOAT, 3, (double[]){0, -INFINITY, 0});
    expect_format(t, "tensor([0., -inf, 0.])");
    tensor_free(t);
    t = vec(TENSOR_FLOAT, 3, (double[]){1, 0, 10});
    expect_format(t, "tensor([ 1.,  0., 10.])");
    tensor_free(t);
}

Test(tensor, fractions_get_four_decimals_and_a_common_width)
{
    Tensor *t = vec(TENSOR_FLOAT, 2, (double[]){0.5, -1.25});
    expect_format(t, "tensor([ 0.5000, -1.2500])");
    tensor_free(t);
}

Test(tensor, wide_ranges_switch_to_scientific)
{
    Tensor *t = vec(TENSOR_FLOAT, 2, (double[]){1e-5, 1.0});
    expect_format(t, "tensor([1.0000e-05, 1.0000e+00])");
    tensor_free(t);
}

Test(tensor, nan_prints_as_nan)
{
    Tensor *t = vec(TENSOR_FLOAT, 2, (double[]){NAN, 0.5});
    expect_format(t, "tensor([   nan, 0.5000])");
    tensor_free(t);
}

Test(tensor, scalars_and_empties)
{
    Tensor *t = tensor_new(TENSOR_FLOAT, 0, NULL);
    t->data[0] = 0.65;
    expect_format(t, "tensor(0.6500)");
    tensor_free(t);
    t = tensor_new1(TENSOR_FLOAT, 0);
    expect_format(t, "tensor([])");
    tensor_free(t);
}

Test(tensor, long_tensors_are_summarised_with_three_edge_items)
{
    /* torch.arange(2000) */
    Tensor *t = tensor_new1(TENSOR_INT, 2000);
    for (int i = 0; i < 2000; i++)
        t->data[i] = i;
    expect_format(t, "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
    tensor_free(t);
}

Test(tensor, long_rows_wrap_at_eighty_columns)
{
    /* torch.ones(12): each "1." is width 2 + ", " = 4 per item, (80-7)/4 = 18 per line: no wrap */
    Tensor *t = tensor_new1(TENSOR_FLOAT, 12);
    for (int i = 0; i < 12; i++)
        t->data[i] = 1;
    expect_format(t, "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.])");
    tensor_free(t);
    /* torch.full((10,), 0.5): width 6 + 2 = 8 per item, (80-7)/8 = 9 per line */
    t = tensor_new1(TENSOR_FLOAT, 10);
    for (int i = 0; i < 10; i++)
        t->data[i] = 0.5;
    expect_format(t, "tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000,\n"
                     "        0.5000])");
    tensor_free(t);
}

Test(tensor, three_dimensions_separate_blocks_with_a_blank_line)
{
    Tensor *t = tensor_new3(TENSOR_INT, 2, 1, 2);
    for (int i = 0; i < 4; i++)
        t->data[i] = i;
    expect_format(t, "tensor([[[0, 1]],\n\n        [[2, 3]]])");
    tensor_free(t);
}

Test(tensor, slices_share_data_and_equality_sees_nan)
{
    Tensor *t = tensor_new3(TENSOR_FLOAT, 2, 2, 2);
    for (int i = 0; i < 8; i++)
        t->data[i] = i;
    Tensor s = tensor_slice(t, 1);
    cr_assert_eq(s.ndim, 2);
    cr_assert_eq(tensor_at2(&s, 1, 0), 6.0);
    *tensor_ptr3(t, 1, 1, 0) = NAN;
    cr_assert(isnan(tensor_at2(&s, 1, 0)));
    Tensor *c = tensor_copy(t);
    cr_assert(tensor_equal(t, c));
    c->data[0] = 42;
    cr_assert_not(tensor_equal(t, c));
    tensor_free(c);
    tensor_free(t);
    tensor_free(NULL);
}
