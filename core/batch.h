#pragma once
/* The padded batch: pad_sequence(sequences, batch_first=True) with the
 * scenario's pad id, on the right (PyTorch's default) or the left.
 * Ownership: batch_new returns a Batch the caller frees with batch_free. */
#include "scenario.h"
#include "tensor.h"

typedef struct Batch {
    int B, L;
    Tensor *ids;       /* [B,L] int: the notebook's `batch` */
    int *lengths;      /* real tokens per sentence */
    int *first;        /* index of the first real token (0 when right-padded) */
    const char **labels; /* [B*L] word of each cell ("[PAD]" for padding); point into the scenario */
    int pad_id, mask_id;
} Batch;

/* Pads sentences into a batch; labels come from sc's vocabulary, and
 * masked (may be NULL) replaces flagged positions by sc->mask_id. */
Batch *batch_new(const Scenario *sc, const Sentences *sentences, bool *const *masked);
/* Frees the batch; batch_free(NULL) is a no-op. */
void batch_free(Batch *b);

/* True when batch cell (s, pos) holds a real token, not padding. */
bool batch_is_real(const Batch *b, int s, int pos);
/* The index of sentence s's last real token (`batch_nonzero_indicies`,
 * correct under left padding too); -1 for an empty sentence. */
int batch_last_index(const Batch *b, int s);
/* `batch_nonzero_indicies`: [B] int tensor of batch_last_index. */
Tensor *batch_last_indices(const Batch *b);
/* `padding_loss_mask = (batch != PAD_IDX).float()`: [B,L]. */
Tensor *batch_padding_loss_mask(const Batch *b);
/* `(batch == MASK_IDX).float()`: [B,L], the MLM loss mask. */
Tensor *batch_mlm_loss_mask(const Batch *b);
