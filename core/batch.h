#pragma once
/* The padded batch: pad_sequence(sequences, batch_first=True) with the
 * scenario's pad id, on the right (PyTorch's default) or the left.
 * Ownership: batch_new returns a Batch the caller frees with batch_free. */
#include "scenario.h"
#include "tensor.h"
#include "xmalloc.h"

typedef struct Batch {
    int B, L;
    Tensor *ids;       /* [B,L] int: the notebook's `batch` */
    int *lengths;      /* real tokens per sentence */
    int *first;        /* index of the first real token (0 when right-padded) */
                       /* (real cells are those with doc >= 0: batch_append's rows may have [PAD] inside) */
    const char **labels; /* [B*L] word of each cell ("[PAD]" for padding); point into the scenario */
    const char **hidden; /* [B*L] the word a [MASK] replaced (masked batches), else NULL */
    int *doc;          /* [B*L] the document (sentence) a token belongs to, -1 for padding */
    int *position;     /* [B*L] its position within that document (position_ids), 0 for padding */
    int pad_id, mask_id;
} Batch;

/* Pads sentences into a batch; labels come from sc's vocabulary, and
 * masked (may be NULL) replaces flagged positions by sc->mask_id. */
Batch *batch_new(const Scenario *sc, const Sentences *sentences, bool *const *masked);
/* Sequence packing: sc's sentences end to end in rows of
 * batch_pack_length(sc) tokens, in order, a sentence that does not fit
 * in a row's room starting the next row; rows padded on the right. Each
 * token keeps its document (the sentence) and its position in it. */
Batch *batch_packed(const Scenario *sc);
/* The packed rows' length: sc->pack_length, else every token in one row
 * when that fits MS_MAX_ATTN_CELLS, else the longest rows that do (never
 * shorter than the longest sentence). */
int batch_pack_length(const Scenario *sc);
/* How many packed rows batch_packed makes. */
int batch_pack_rows(const Scenario *sc);

/* Generation: b with n more columns, ids [B*n] (row by row) appended to
 * every row after its last column, as a KV cache grows: under right
 * padding a short row's [PAD]s stay between its prompt and the new
 * tokens. A new token's position is the count of real tokens before it. */
Batch *batch_append(const Scenario *sc, const Batch *b, const int *ids, int n);
/* Frees the batch; batch_free(NULL) is a no-op. */
void batch_free(Batch *b);

/* True when batch cell (s, pos) holds a real token, not padding (a
 * generated sequence may have [PAD] in its middle). Inline: masks ask it
 * once per cell of an L×L matrix. */
static inline bool batch_is_real(const Batch *b, int s, int pos)
{
    EXPECT(s >= 0 && s < b->B && pos >= 0 && pos < b->L);
    return b->doc[(size_t)s * b->L + pos] >= 0;
}
/* The index of sentence s's last real token (`batch_nonzero_indicies`,
 * correct under left padding too); -1 for an empty sentence. */
int batch_last_index(const Batch *b, int s);
/* `batch_nonzero_indicies`: [B] int tensor of batch_last_index. */
Tensor *batch_last_indices(const Batch *b);
/* `padding_loss_mask = (batch != PAD_IDX).float()`: [B,L]. */
Tensor *batch_padding_loss_mask(const Batch *b);
/* `(batch == MASK_IDX).float()`: [B,L], the MLM loss mask. */
Tensor *batch_mlm_loss_mask(const Batch *b);
