#pragma once
/* Attention masks in the notebook's additive form (0 keeps, -inf blocks)
 * and the boolean forms libraries take. Every function returns a new
 * tensor the caller frees with tensor_free. */
#include "batch.h"
#include "tensor.h"

/* `create_padding_mask(batch)`: [B,L], -inf where batch == pad. */
Tensor *mask_padding(const Batch *b);
/* A_pad: [B,L,L], row q of sentence s is padding_mask[s] (keys only). */
Tensor *mask_padding_keys(const Batch *b);
/* Like mask_padding_keys, but padded query rows are blocked entirely. */
Tensor *mask_padding_full(const Batch *b);
/* `torch.triu(torch.full((L, L), -inf), diagonal=1)`: [L,L]. */
Tensor *mask_causal(int L);
/* The [B,L,L] mask each batch row gets: a [L,L] mask repeated, plus an
 * optional [B,L,L] (either may be NULL, not both). */
Tensor *mask_add(const Tensor *per_sentence, const Tensor *shared_LL, int B);

/* Additive (0/-inf) to boolean keep (1 where attention is allowed). */
Tensor *mask_to_keep(const Tensor *additive);
/* Additive to boolean block (1 where attention is blocked: PyTorch's
 * `attn_mask` bool convention in nn.MultiheadAttention). */
Tensor *mask_to_block(const Tensor *additive);
/* Boolean keep to additive. */
Tensor *mask_from_keep(const Tensor *keep);
