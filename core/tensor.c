/* A tensor here is just a shape and a flat row-major array of doubles.
 * Everything maskscope shows is at most three-dimensional ([B,L,L] for a
 * batch of attention matrices), but for the four-dimensional [B,1,L,L]
 * masks Hugging Face and JAX take, so there is no stride machinery: a slice
 * t[i] is the contiguous block that starts at i * (size / shape[0]). */
#include "tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

Tensor *tensor_new(TensorDtype dtype, int ndim, const int *shape)
{
    EXPECT(ndim >= 0 && ndim <= TENSOR_MAX_DIMS);
    Tensor *t = xcalloc(1, sizeof *t);
    t->dtype = dtype;
    t->ndim = ndim;
    t->size = 1;
    for (int i = 0; i < ndim; i++) {
        EXPECT(shape[i] >= 0);
        t->shape[i] = shape[i];
        t->size *= (size_t)shape[i];
    }
    t->data = xcalloc(t->size, sizeof *t->data);
    t->owned = true;
    return t;
}

Tensor *tensor_new1(TensorDtype dtype, int n)
{
    return tensor_new(dtype, 1, (int[]){n});
}

Tensor *tensor_new2(TensorDtype dtype, int rows, int cols)
{
    return tensor_new(dtype, 2, (int[]){rows, cols});
}

Tensor *tensor_new3(TensorDtype dtype, int a, int b, int c)
{
    return tensor_new(dtype, 3, (int[]){a, b, c});
}

Tensor *tensor_copy(const Tensor *t)
{
    Tensor *c = tensor_new(t->dtype, t->ndim, t->shape);
    memcpy(c->data, t->data, t->size * sizeof *t->data);
    return c;
}

void tensor_free(Tensor *t)
{
    if (!t)
        return;
    EXPECT(t->owned);
    free(t->data);
    free(t);
}

Tensor tensor_slice(const Tensor *t, int i)
{
    EXPECT(t->ndim >= 1 && i >= 0 && i < t->shape[0]);
    Tensor v = {.dtype = t->dtype, .ndim = t->ndim - 1, .size = 1, .owned = false};
    for (int k = 1; k < t->ndim; k++) {
        v.shape[k - 1] = t->shape[k];
        v.size *= (size_t)t->shape[k];
    }
    v.data = t->data + (size_t)i * v.size;
    return v;
}

double tensor_at2(const Tensor *t, int r, int c)
{
    EXPECT(t->ndim == 2 && r >= 0 && r < t->shape[0] && c >= 0 && c < t->shape[1]);
    return t->data[(size_t)r * (size_t)t->shape[1] + (size_t)c];
}

double tensor_at3(const Tensor *t, int a, int b, int c)
{
    EXPECT(t->ndim == 3 && a >= 0 && a < t->shape[0] && b >= 0 && b < t->shape[1] &&
           c >= 0 && c < t->shape[2]);
    return t->data[((size_t)a * (size_t)t->shape[1] + (size_t)b) * (size_t)t->shape[2] + (size_t)c];
}

double *tensor_ptr2(Tensor *t, int r, int c)
{
    EXPECT(t->ndim == 2 && r >= 0 && r < t->shape[0] && c >= 0 && c < t->shape[1]);
    return &t->data[(size_t)r * (size_t)t->shape[1] + (size_t)c];
}

double *tensor_ptr3(Tensor *t, int a, int b, int c)
{
    EXPECT(t->ndim == 3 && a >= 0 && a < t->shape[0] && b >= 0 && b < t->shape[1] &&
           c >= 0 && c < t->shape[2]);
    return &t->data[((size_t)a * (size_t)t->shape[1] + (size_t)b) * (size_t)t->shape[2] + (size_t)c];
}

bool tensor_equal(const Tensor *a, const Tensor *b)
{
    if (a->dtype != b->dtype || a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    for (size_t i = 0; i < a->size; i++) {
        double x = a->data[i], y = b->data[i];
        if (isnan(x) && isnan(y))
            continue;
        if (x != y)
            return false;
    }
    return true;
}
