#pragma once
/* Small dense tensors of doubles, row-major, up to four dimensions.
 * Ownership: tensor_new/tensor_copy return a tensor the caller frees with
 * tensor_free; tensor_slice returns a non-owning view (never freed) that
 * lives as long as its parent. */
#include <stdbool.h>
#include <stddef.h>

#define TENSOR_MAX_DIMS 4

typedef enum TensorDtype {
    TENSOR_FLOAT, /* printed like torch.float32 */
    TENSOR_INT,   /* printed like torch.int64; values are whole numbers */
    TENSOR_BOOL,  /* printed like torch.bool: 0 is False, anything else True */
} TensorDtype;

typedef struct Tensor {
    TensorDtype dtype;
    int ndim;
    int shape[TENSOR_MAX_DIMS];
    size_t size;  /* product of shape */
    double *data; /* row-major */
    bool owned;   /* false for views from tensor_slice */
} Tensor;

/* A zero-filled tensor of ndim (0..4) dimensions; shape entries >= 0. */
Tensor *tensor_new(TensorDtype dtype, int ndim, const int *shape);
/* Shorthands for one, two and three dimensions. */
Tensor *tensor_new1(TensorDtype dtype, int n);
Tensor *tensor_new2(TensorDtype dtype, int rows, int cols);
Tensor *tensor_new3(TensorDtype dtype, int a, int b, int c);
/* A deep copy. */
Tensor *tensor_copy(const Tensor *t);
/* Frees an owned tensor; tensor_free(NULL) is a no-op. */
void tensor_free(Tensor *t);

/* A view of t[i] (one dimension less), sharing t's data. */
Tensor tensor_slice(const Tensor *t, int i);

/* Element access by index; EXPECTs the index is in range. */
double tensor_at2(const Tensor *t, int r, int c);
double tensor_at3(const Tensor *t, int a, int b, int c);
double *tensor_ptr2(Tensor *t, int r, int c);
double *tensor_ptr3(Tensor *t, int a, int b, int c);

/* True when the two tensors have the same dtype, shape and values
 * (NaN equals NaN, -inf equals -inf). */
bool tensor_equal(const Tensor *a, const Tensor *b);

/* Writes PyTorch's print(t) text for t into a newly allocated string
 * the caller frees: the same layout, widths, precision (4), line width
 * (80) and summarisation (over 1000 elements) as torch's default. */
char *tensor_format(const Tensor *t);
/* A tensor of more than TENSOR_PRINT_THRESHOLD elements prints only the
 * first and last TENSOR_PRINT_EDGE items of each longer dimension (and
 * its number format is chosen from those alone), as PyTorch's does. */
enum { TENSOR_PRINT_THRESHOLD = 1000, TENSOR_PRINT_EDGE = 3 };
/* Writes NumPy's str(t) (what print() shows for a NumPy or JAX array)
 * for a bool or int tensor: elements separated by spaces, line width 75,
 * summarised over 1000 elements with 3 edge items. Caller frees. */
char *tensor_format_numpy(const Tensor *t);
