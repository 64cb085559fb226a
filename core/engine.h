#pragma once
/* The engine computes everything a mode shows, once, for the whole
 * batch: the mode's batch, its mask terms and their sum, the attention
 * (embeddings, Q, K, V, scores, masked scores, weights, output) and the
 * losses. The storyboard (steps.h) lays these tensors out sentence by
 * sentence without recomputing them; print, dump and the tooltips read
 * them by id. Nothing outside core/ computes a number.
 * Ownership: engine_new returns an Engine the caller frees with
 * engine_free; it keeps a pointer to the scenario, which must outlive it.
 * Every tensor it hands out belongs to it. */
#include <stdbool.h>
#include <stddef.h>

#include "batch.h"
#include "corrupt.h"
#include "decode.h"
#include "mode.h"
#include "scenario.h"
#include "tensor.h"

/* Every tensor an engine holds. [B,...] tensors have the batch first. */
typedef enum TensorId {
    T_BATCH,             /* [B,L] int: the mode's padded batch (`batch` or `mlm_batch`; the encoder's in cross) */
    T_QUERY_BATCH,       /* [B,Lq] int: the queries' batch: T_BATCH, or the decoder's in cross-attention */
    T_QUERY_EMBEDDINGS,  /* [B,Lq,d]: the queries' X: T_EMBEDDINGS, or the decoder's in cross-attention */
    T_DOCUMENT_IDS,      /* [B,L] int: the document (sentence) of each token, -1 for padding */
    T_POSITION_IDS,      /* [B,L] int: its position in that document, 0 for padding */
    T_LENGTHS,           /* [B] int: real tokens per sentence */
    T_LAST_INDEX,        /* [B] int: `batch_nonzero_indicies`, right under left padding too */
    T_PADDING_MASK,      /* [B,L]: `create_padding_mask(batch)`, 0 / -inf */
    T_PADDING_LOSS_MASK, /* [B,L]: `(batch != PAD_IDX).float()` */
    T_EMBEDDINGS,        /* [B,L,d]: X, the embedding of each token id */
    T_W_Q, T_W_K, T_W_V, /* [d,d] */
    T_Q, T_K, T_V,       /* [B,L,d] */
    T_KT,                /* [B,d,L]: K transposed, as the scores step draws it */
    T_SCORES,            /* [B,L,L]: A_scores = Q K^T / sqrt(d_k) */
    T_MASK,              /* [B,L,L]: the sum of the mode's mask terms */
    T_MASKED,            /* [B,L,L]: A_masked = A_scores + mask */
    T_WEIGHTS,           /* [B,L,L]: A_weights = softmax(A_masked) */
    T_BLOCKED_ROWS,      /* [B,L] int: 1 where every key of the row is masked */
    T_OUTPUT,            /* [B,L,d]: A_weights V */
    T_LOSSES,            /* [B,L]: per-token losses */
    T_LOSS_MASK,         /* [B,L]: the mode's loss mask (weights included) */
    T_MASKED_LOSSES,     /* [B,L]: losses * loss_mask */
    T_DECODER_CAUSAL,    /* [B,Lq,Lq]: cross-attention and t5: the decoder's own causal self-attention mask */
    T_QUERY_LENGTHS,     /* [B] int: real tokens per query sentence (the decoder's, t5's targets) */
    /* pretraining corruption (bert, t5; engine_computes says which) */
    T_SOURCE,            /* [B,Ls] int: the sentences before corruption, padded */
    T_LABELS,            /* [B,Lq] int: the id the loss scores, -100 where it scores nothing */
    T_BERT_SELECTED,     /* [B,Ls] int: 1 where BERT chose the position */
    T_BERT_ACTION,       /* [B,Ls] int: CorruptAction: 0 none, 1 [MASK], 2 random, 3 kept */
    T_MASK_POSITIONS,    /* [B,L]: (bert_input == MASK).float(), the notebook's MLM loss mask */
    T_T5_NOISE,          /* [B,Ls] int: 1 on T5's noise spans */
    T_TARGETS,           /* [B,L] int: what each position is scored on: its own token, or (next-token
                          * loss) the next one, -100 where nothing is */
    /* generation (decode; T = L + N columns: the prompts, then N new tokens; T_POSITION_IDS is
     * then [B,T], cumsum(attention_mask) - 1, and T_OUTPUT [B,T,d], the prefill's rows and each step's) */
    T_SEQUENCES,         /* [B,T] int: each prompt and its new tokens, as the KV cache holds them */
    T_GENERATED,         /* [B,N] int: the new tokens */
    T_ATTENTION_MASK,    /* [B,T] int: 1 for a real token, 0 for [PAD] (Hugging Face's attention_mask) */
    T_NAIVE_POSITIONS,   /* [B,T] int: arange(T), positions counted from the left edge (wrong) */
    T_READOUT_IDS,       /* [V] int: the tokens the readout chooses from */
    T_READOUT,           /* [V,d]: their embeddings E: logits = output · Eᵀ */
    T_LOGITS,            /* [B,N+1,V]: the readout of the prefill's last prompt token, then of each step */
    T_FULL_WEIGHTS,      /* [B,T,T]: one causal pass over the whole sequence, padding + causal */
    T_FULL_OUTPUT,       /* [B,T,d]: its output, which the steps' must equal */
    T_CAUSAL_TOPLEFT,    /* [q,T]: q new queries' causal mask aligned top-left (SDPA's is_causal) */
    T_CAUSAL_BOTTOMRIGHT, /* [q,T]: aligned bottom-right (flash-attn >= 2.1, Hugging Face) */
    T_TERM,              /* [B,L,L]: mask term 0; T_TERM + i is term i of the mode */
    T_STEP = T_TERM + MODE_MAX_TERMS, /* decode step t's tensor of kind k: engine_step_id(t, k) */
    T_COUNT = T_STEP + MS_MAX_GENERATE * DECODE_KINDS
} TensorId;

/* How a tensor is made from others: what a tooltip writes out. */
typedef enum TensorOp {
    OP_INPUT,     /* given or drawn: tokens, embeddings, a mask term, losses */
    OP_ADD,       /* the sum of the operands, cell by cell */
    OP_MATMUL,    /* operand 0 · operand 1, times factor */
    OP_SOFTMAX,   /* softmax of each row of operand 0 */
    OP_MUL,       /* operand 0 × operand 1, cell by cell */
    OP_TRANSPOSE, /* operand 0 transposed */
} TensorOp;

#define RECIPE_MAX_OPERANDS (MODE_MAX_TERMS + 1)

typedef struct Recipe {
    TensorOp op;
    int n;                                  /* operands */
    TensorId in[RECIPE_MAX_OPERANDS];
    double factor;                          /* OP_MATMUL: 1, or 1/sqrt(d_k) for the scores */
} Recipe;

typedef struct Engine Engine;

/* Computes mode m on scenario sc. NULL and err if the batch has more
 * than MS_MAX_ATTN_CELLS attention cells (the loaders refuse such
 * scenarios first). */
Engine *engine_new(const Scenario *sc, const Mode *m, char *err, size_t errlen);
/* Frees; engine_free(NULL) is a no-op. */
void engine_free(Engine *e);

/* A number no other engine of this process has had: a new engine may be
 * allocated where a freed one was, so a reader that keeps what it
 * computed from an engine knows it by this, not by its address. */
unsigned long engine_serial(const Engine *e);
const Mode *engine_mode(const Engine *e);
const Scenario *engine_scenario(const Engine *e);
/* The mode's batch (ids, lengths, labels). */
const Batch *engine_batch(const Engine *e);
/* The queries' batch: the batch, or the decoder's (cross, t5's targets). */
const Batch *engine_query_batch(const Engine *e);
/* The sentences before corruption (bert, t5): T_SOURCE's batch; the
 * batch itself in other modes. */
const Batch *engine_source(const Engine *e);
/* The corruption drawn (NULL outside bert, and outside t5). */
const BertDraw *engine_bert(const Engine *e);
const T5Draw *engine_t5(const Engine *e);
/* B, L (keys), Lq (queries: L but for cross-attention) and d_model. */
int engine_sentences(const Engine *e);
int engine_length(const Engine *e);
int engine_query_length(const Engine *e);
int engine_d(const Engine *e);
/* True when queries and keys come from different batches (cross-attention). */
bool engine_is_cross(const Engine *e);

/* Row q of sentence s of an attention matrix ([B, Lq, Lk]: scores, a mask
 * term, the mask, masked scores, weights) into out (Lk values), computed
 * from Q, K and the mask terms without making the whole matrix, the same
 * numbers engine_tensor holds. False for a tensor without rows. */
bool engine_row(const Engine *e, TensorId id, int s, int q, double *out);
/* Decode step t's (1..MS_MAX_GENERATE) tensor of kind k, and back:
 * false when id is no step's. */
TensorId engine_step_id(int t, DecodeKind k);
bool engine_step_of(TensorId id, int *t, DecodeKind *k);
/* The generation (NULL outside decode). */
const Decode *engine_decode(const Engine *e);
/* The new queries decode's alignment step checks at once: the scenario's
 * queries (--queries), else its N; 0 outside decode. */
int engine_queries(const Engine *e);

/* The tensor with this id (never NULL for T_BATCH..T_MASKED_LOSSES and
 * for T_TERM + i with i < engine_nterms; a decode step's only up to its N). */
const Tensor *engine_tensor(const Engine *e, TensorId id);
/* True when dimension 0 of the tensor is the batch (W_q, W_k, W_v are not). */
bool engine_batched(TensorId id);
/* Whether an engine of mode m has tensor id (the corruption's tensors
 * belong to bert and t5, the decoder's to cross and t5, generation's to
 * decode: its steps up to MS_MAX_GENERATE, of which an engine holds its N). */
bool engine_computes(const Mode *m, TensorId id);
/* Sentence s's [rows, cols] matrix of a 3-D batched tensor, or the whole
 * of a 2-D shared one (W_q); a view into the engine's data. */
Tensor engine_view(const Engine *e, TensorId id, int s);
/* The name a student knows the tensor by: "A_scores", "mlm_batch",
 * "A_pad", "A_mask" (the sum of several terms), "padding_loss_mask". */
const char *engine_name(const Engine *e, TensorId id);

/* How tensor id is computed in this engine. */
Recipe engine_recipe(const Engine *e, TensorId id);

/* The mode's mask terms. */
int engine_nterms(const Engine *e);
const MaskTerm *engine_term(const Engine *e, int i);
/* What the terms were built from (for their formula, caption and why). */
MaskInput engine_mask_input(const Engine *e);

/* The word at (s, pos) ("[PAD]" for padding), its id, and whether it is a real token. */
const char *engine_label(const Engine *e, int s, int pos);
int engine_id(const Engine *e, int s, int pos);
bool engine_is_real(const Engine *e, int s, int pos);
/* Sentence s as words, padding left out ("The [MASK] ate fish"; in bert
 * and t5 the sentence before corruption), into buf. */
void engine_sentence_text(const Engine *e, int s, char *buf, size_t n);
/* The index in sentence s's own words of batch position pos, or -1 for padding. */
int engine_word_index(const Engine *e, int s, int pos);
/* The word a [MASK] at (s, pos) replaced, or NULL (not masked, or typed as [MASK]). */
const char *engine_hidden_word(const Engine *e, int s, int pos);
/* The ids of [PAD] and [MASK] in this engine's batch. */
int engine_pad_id(const Engine *e);
int engine_mask_id(const Engine *e);
/* Labels of sentence s: L entries (keys); the queries' labels: Lq entries. */
const char *const *engine_labels(const Engine *e, int s);
const char *const *engine_query_labels(const Engine *e, int s);
/* Whether query position pos of sentence s is a real token. */
bool engine_query_is_real(const Engine *e, int s, int pos);

/* One line on the random draw the mode shows, e.g. "BERT, seed 3: 2 of
 * 12 candidates chosen: 1 [MASK], 0 random, 1 unchanged"; "" in modes
 * without one. */
void engine_draw_summary(const Engine *e, char *buf, size_t n);

/* The masked mean loss, and the mean over every position (the wrong one). */
double engine_loss(const Engine *e);
double engine_loss_all(const Engine *e);
/* bert: the mean the notebook's `batch == MASK` loss mask would give
 * (T_MASK_POSITIONS), which leaves out the random and kept positions;
 * NaN when nothing is [MASK], and NaN in other modes. */
double engine_loss_mask_only(const Engine *e);
/* True when sentence s's loss mask is all 0: it teaches nothing. */
bool engine_unscored(const Engine *e, int s);
/* True when every key of query row q of sentence s is masked; and how many such rows. */
bool engine_row_blocked(const Engine *e, int s, int q);
int engine_blocked_rows(const Engine *e);
