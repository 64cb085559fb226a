/* Loss masking decides which positions teach the model. With per-token
 * losses l and a mask m of the same shape,
 *
 *     mean = sum(l * m) / sum(m)
 *
 * m = padding_loss_mask gives the notebook's 0.650, m = mlm_loss_mask its
 * 0.505, and m with weights in [0,1] gives a weighted mean (noisy labels,
 * curriculum). Cross-entropy with ignore_index is the same idea built into
 * the loss: ignored positions are left out of both sum and count. */
#include "loss.h"

#include <math.h>

#include "rng.h"
#include "xmalloc.h"

static void same_shape(const Tensor *a, const Tensor *b)
{
    EXPECT(a->ndim == b->ndim && a->size == b->size);
    for (int i = 0; i < a->ndim; i++)
        EXPECT(a->shape[i] == b->shape[i]);
}

double loss_masked_mean(const Tensor *losses, const Tensor *mask)
{
    same_shape(losses, mask);
    double num = 0, den = 0;
    for (size_t i = 0; i < losses->size; i++) {
        num += losses->data[i] * mask->data[i];
        den += mask->data[i];
    }
    return den == 0 ? NAN : num / den;
}

double loss_mean(const Tensor *losses)
{
    double sum = 0;
    for (size_t i = 0; i < losses->size; i++)
        sum += losses->data[i];
    return losses->size ? sum / (double)losses->size : NAN;
}

Tensor *loss_apply_mask(const Tensor *losses, const Tensor *mask)
{
    same_shape(losses, mask);
    Tensor *t = tensor_copy(losses);
    for (size_t i = 0; i < t->size; i++)
        t->data[i] *= mask->data[i];
    return t;
}

Tensor *loss_cross_entropy_each(const Tensor *logits, const Tensor *targets, int ignore_index)
{
    EXPECT(logits->ndim == 2 && targets->ndim == 1 && targets->shape[0] == logits->shape[0]);
    int N = logits->shape[0], C = logits->shape[1];
    Tensor *out = tensor_new1(TENSOR_FLOAT, N);
    for (int i = 0; i < N; i++) {
        int t = (int)targets->data[i];
        if (t == ignore_index)
            continue;
        EXPECT(t >= 0 && t < C);
        /* log-sum-exp with the max taken out */
        double m = -INFINITY;
        for (int c = 0; c < C; c++)
            m = fmax(m, tensor_at2(logits, i, c));
        double sum = 0;
        for (int c = 0; c < C; c++)
            sum += exp(tensor_at2(logits, i, c) - m);
        out->data[i] = m + log(sum) - tensor_at2(logits, i, t);
    }
    return out;
}

double loss_cross_entropy(const Tensor *logits, const Tensor *targets, int ignore_index)
{
    Tensor *each = loss_cross_entropy_each(logits, targets, ignore_index);
    double sum = 0;
    int count = 0;
    for (int i = 0; i < each->shape[0]; i++)
        if ((int)targets->data[i] != ignore_index) {
            sum += each->data[i];
            count++;
        }
    tensor_free(each);
    return count ? sum / count : NAN;
}

Tensor *loss_random(int B, int L, unsigned long long seed)
{
    Tensor *t = tensor_new2(TENSOR_FLOAT, B, L);
    for (size_t i = 0; i < t->size; i++)
        t->data[i] = rng_uniform(seed, RNG_LOSSES, i);
    return t;
}
