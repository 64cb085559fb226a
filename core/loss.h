#pragma once
/* Loss masking: which positions count towards the mean loss. */
#include <stdbool.h>

#include "tensor.h"

/* `(losses * mask).sum() / mask.sum()`: the masked (weighted) mean. The
 * mask may hold weights in [0,1]. Returns NaN when mask.sum() is 0, as
 * PyTorch's 0/0 does. Shapes must match. */
double loss_masked_mean(const Tensor *losses, const Tensor *mask);

/* The plain mean over every position, padding included (the wrong one). */
double loss_mean(const Tensor *losses);

/* Element-wise losses * mask into a new tensor (caller frees). */
Tensor *loss_apply_mask(const Tensor *losses, const Tensor *mask);

/* Per-position cross-entropy -log softmax(logits[i])[target[i]] for
 * logits [N,C] and targets [N] (int); positions whose target equals
 * ignore_index get 0. Returns a new [N] tensor. */
Tensor *loss_cross_entropy_each(const Tensor *logits, const Tensor *targets,
                                int ignore_index);

/* `nn.CrossEntropyLoss(ignore_index=...)` with reduction "mean": the mean
 * over positions whose target is not ignore_index; NaN if there are none. */
double loss_cross_entropy(const Tensor *logits, const Tensor *targets,
                          int ignore_index);

/* Per-position random losses in [0,1) from a seed, like torch.rand_like. */
Tensor *loss_random(int B, int L, unsigned long long seed);
