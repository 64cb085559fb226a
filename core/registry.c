/* The names print and dump know. The notebook's own variables come
 * first; some are fixed to one mode (`mlm_batch` is `batch` in mlm mode,
 * `batch_loss` the padding mode's `loss`). The rest follow --mode. Mask
 * terms (A_pad, A_causal, …) are not listed here: they are collected from
 * the mode table, so every mask family is printable by its own name. */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "xmalloc.h"

#define TENSOR(n, d, i, m, per, dump, alias) \
    {.name = n, .doc = d, .kind = REG_TENSOR, .id = i, .mode = m, .per_sentence = per, .dumped = dump, .dump_alias = alias}
#define WORDS(n, d, i, m) \
    {.name = n, .doc = d, .kind = REG_TENSOR, .id = i, .mode = m, .dumped = true, .words = true}
#define SCALAR(n, d, s, m, dump) {.name = n, .doc = d, .kind = REG_SCALAR, .scalar = s, .mode = m, .dumped = dump}

static const RegEntry fixed[] = {
    /* the notebook's cells, in its order */
    TENSOR("batch", "the padded batch the mode computes on: pad_sequence(sequences, batch_first=True) [B,L]",
           T_BATCH, NULL, false, true, NULL),
    TENSOR("batch_nonzero_indicies", "index of each sentence's last real token (the notebook's spelling) [B]",
           T_LAST_INDEX, NULL, false, true, "last_index"),
    TENSOR("padding_loss_mask", "(batch != PAD_IDX).float() [B,L]", T_PADDING_LOSS_MASK, NULL, false, true, NULL),
    TENSOR("batch_losses", "per-token losses of the batch [B,L]", T_LOSSES, "padding", false, false, NULL),
    SCALAR("batch_loss", "masked mean loss over real tokens", REG_LOSS, "padding", false),
    TENSOR("mlm_batch", "the batch with [MASK] tokens [B,L]", T_BATCH, "mlm", false, false, NULL),
    TENSOR("mlm_loss_mask", "(mlm_batch == MASK_IDX).float() [B,L]", T_LOSS_MASK, "mlm", false, false, NULL),
    SCALAR("mlm_batch_loss", "masked mean loss over [MASK] positions", REG_LOSS, "mlm", false),
    TENSOR("padding_mask", "create_padding_mask(batch): 0 / -inf [B,L]", T_PADDING_MASK, NULL, false, true, NULL),
    {.name = "A0_pad", .doc = "padding_mask[0].repeat(L, 1) [L,L]", .kind = REG_A0_PAD, .mode = "padding"},
    /* what every mode computes */
    TENSOR("lengths", "real tokens per sentence [B]", T_LENGTHS, NULL, false, true, NULL),
    TENSOR("document_ids", "the document (sentence) of each token, -1 for padding [B,L]", T_DOCUMENT_IDS, NULL,
           false, true, NULL),
    TENSOR("position_ids", "each token's position in its document (restarting at 0 when packed; in decode "
           "cumsum(attention_mask) - 1 over prompt and new tokens, [B,L+N]) [B,L]", T_POSITION_IDS, NULL, false, true,
           NULL),
    TENSOR("decoder_batch", "cross-attention: the decoder's padded tokens, the queries [B,L_dec]", T_QUERY_BATCH,
           NULL, false, true, NULL),
    TENSOR("decoder_embeddings", "cross-attention: the decoder's X, which makes Q [L_dec,d]", T_QUERY_EMBEDDINGS,
           NULL, true, true, NULL),
    /* pretraining corruption */
    WORDS("original", "bert, t5: the sentences before corruption, padded [B,L]", T_SOURCE, NULL),
    TENSOR("bert_selected", "1 where BERT chose the position to predict [B,L]", T_BERT_SELECTED, "bert", false, true,
           NULL),
    TENSOR("bert_action", "what happened there: 0 not chosen, 1 [MASK], 2 random word, 3 kept [B,L]", T_BERT_ACTION,
           "bert", false, true, NULL),
    WORDS("bert_input", "the corrupted batch BERT reads [B,L]", T_BATCH, "bert"),
    TENSOR("bert_mask_positions", "(bert_input == MASK).float(): the notebook's MLM loss mask, blind to the random "
           "and kept positions [B,L]", T_MASK_POSITIONS, "bert", false, true, NULL),
    TENSOR("labels", "bert, t5: the id each position is scored on, -100 where nothing is scored [B,L]", T_LABELS, NULL,
           false, true, NULL),
    TENSOR("t5_noise", "1 on T5's noise spans [B,L]", T_T5_NOISE, "t5", false, true, NULL),
    WORDS("t5_input", "the encoder's input: each noise span replaced by a sentinel <extra_id_N> [B,L_in]", T_BATCH,
          "t5"),
    WORDS("t5_target", "the decoder's target: each sentinel followed by its span, then a final sentinel [B,L_tgt]",
          T_QUERY_BATCH, "t5"),
    TENSOR("t5_input_lengths", "real tokens of each t5_input [B]", T_LENGTHS, "t5", false, true, NULL),
    TENSOR("t5_target_lengths", "real tokens of each t5_target [B]", T_QUERY_LENGTHS, "t5", false, true, NULL),
    TENSOR("embeddings", "token embeddings X [L,d]", T_EMBEDDINGS, NULL, true, true, NULL),
    TENSOR("W_q", "query projection [d,d]", T_W_Q, NULL, false, true, NULL),
    TENSOR("W_k", "key projection [d,d]", T_W_K, NULL, false, true, NULL),
    TENSOR("W_v", "value projection [d,d]", T_W_V, NULL, false, true, NULL),
    TENSOR("Q", "queries X @ W_q [L,d]", T_Q, NULL, true, true, NULL),
    TENSOR("K", "keys X @ W_k [L,d]", T_K, NULL, true, true, NULL),
    TENSOR("V", "values X @ W_v [L,d]", T_V, NULL, true, true, NULL),
    TENSOR("A_scores", "Q @ K^T / sqrt(d_k) [L,L]", T_SCORES, NULL, true, true, "scores"),
    TENSOR("mask", "the mode's additive attention mask: the sum of its mask terms [L,L]", T_MASK, NULL, true, true,
           NULL),
    TENSOR("A_masked", "A_scores + mask [L,L]", T_MASKED, NULL, true, true, "masked_scores"),
    TENSOR("A_weights", "softmax(A_masked, dim=-1) [L,L]", T_WEIGHTS, NULL, true, true, "weights"),
    TENSOR("fully_masked_rows_flags", "1 where every key of a query row is masked [B,L]", T_BLOCKED_ROWS, NULL,
           false, true, NULL),
    TENSOR("output", "A_weights @ V [L,d]; in decode [L+N,d]: the prefill's rows, then one per decode step",
           T_OUTPUT, NULL, true, true, NULL),
    TENSOR("losses", "the mode's per-token losses [B,L]", T_LOSSES, NULL, false, true, NULL),
    TENSOR("loss_mask", "the mode's loss mask (loss_weights included) [B,L]", T_LOSS_MASK, NULL, false, true, NULL),
    TENSOR("targets", "the token each position is scored on (a decoder's: the next one), -100 where none [B,L]",
           T_TARGETS, NULL, false, true, NULL),
    TENSOR("masked_losses", "losses * loss_mask [B,L]", T_MASKED_LOSSES, NULL, false, true, NULL),
    /* generation with a KV cache */
    WORDS("sequences", "decode: each prompt, then its N new tokens, as the KV cache holds them [B,L+N]", T_SEQUENCES,
          "decode"),
    WORDS("generated", "decode: the N new tokens of each prompt, argmax of output . E^T [B,N]", T_GENERATED,
          "decode"),
    TENSOR("attention_mask", "decode: 1 for a real token, 0 for [PAD], over prompt and new tokens [B,L+N]",
           T_ATTENTION_MASK, "decode", false, true, NULL),
    TENSOR("naive_position_ids", "decode: arange(L+N), positions counted from the left edge (wrong) [B,L+N]",
           T_NAIVE_POSITIONS, "decode", false, true, NULL),
    TENSOR("readout_ids", "decode: the tokens the readout chooses from, special ones left out [V]", T_READOUT_IDS,
           "decode", false, true, NULL),
    TENSOR("readout_embeddings", "decode: their embeddings E; logits = output . E^T [V,d]", T_READOUT, "decode",
           false, true, NULL),
    TENSOR("logits", "decode: the readout of the prefill's last prompt token, then of each step [N+1,V]", T_LOGITS,
           "decode", true, true, NULL),
    TENSOR("A_weights_full", "decode: one causal pass over prompt and new tokens, padding + causal [L+N,L+N]",
           T_FULL_WEIGHTS, "decode", true, true, NULL),
    TENSOR("output_full", "decode: that pass's output, which the steps' equal [L+N,d]", T_FULL_OUTPUT, "decode",
           true, true, NULL),
    TENSOR("A_causal_topleft", "decode: q new queries' causal mask aligned top-left, SDPA's is_causal (wrong) "
           "[q,L+N]", T_CAUSAL_TOPLEFT, "decode", false, true, NULL),
    TENSOR("A_causal_bottomright", "decode: aligned bottom-right, as flash-attn and Hugging Face (right) [q,L+N]",
           T_CAUSAL_BOTTOMRIGHT, "decode", false, true, NULL),
    SCALAR("loss", "the mode's masked mean loss", REG_LOSS, NULL, true),
    SCALAR("loss_all_positions", "the mean over every position, padding included (the wrong one)", REG_LOSS_ALL,
           NULL, true),
};

enum { FIXED = sizeof fixed / sizeof fixed[0] };

/* the mask terms of the table, collected once per table size */
static RegEntry terms[MODE_MAX * MODE_MAX_TERMS];
static int nterms, collected_for = -1;

/* decode's step tensors, q_1 … output_N, named once (the transposed cache is only drawn) */
static const struct {
    DecodeKind kind;
    const char *pattern, *doc;
} step_kinds[] = {
    {DECODE_Q, "q_t", "decode step t: the new token's query [1,d]"},
    {DECODE_K_CACHE, "k_cache_t", "decode step t: every key so far, the new token's last [L+t,d]"},
    {DECODE_V_CACHE, "v_cache_t", "decode step t: every value so far [L+t,d]"},
    {DECODE_SCORES, "scores_t", "decode step t: q_t @ k_cache_t^T / sqrt(d_k) [1,L+t]"},
    {DECODE_MASK, "mask_t", "decode step t: the padding mask's row, no causal part [1,L+t]"},
    {DECODE_MASKED, "masked_t", "decode step t: scores_t + mask_t [1,L+t]"},
    {DECODE_WEIGHTS, "weights_t", "decode step t: softmax(masked_t) [1,L+t]"},
    {DECODE_OUTPUT, "output_t", "decode step t: weights_t @ v_cache_t [1,d]"},
};
enum { STEP_KINDS = sizeof step_kinds / sizeof step_kinds[0], STEP_ENTRIES = STEP_KINDS * MS_MAX_GENERATE };
static RegEntry steps[STEP_ENTRIES];
static char step_names[STEP_ENTRIES][24];

static void name_steps(void)
{
    if (steps[0].name) return;
    for (int t = 1; t <= MS_MAX_GENERATE; t++)
        for (int k = 0; k < STEP_KINDS; k++) {
            int i = (t - 1) * STEP_KINDS + k;
            decode_name(t, step_kinds[k].kind, step_names[i], sizeof step_names[i]);
            steps[i] = (RegEntry){.name = step_names[i], .doc = step_kinds[k].doc, .kind = REG_TENSOR,
                                  .id = engine_step_id(t, step_kinds[k].kind), .mode = "decode", .per_sentence = true,
                                  .dumped = true, .step = t, .pattern = step_kinds[k].pattern};
        }
}

static void collect_terms(void)
{
    if (collected_for == mode_count())
        return;
    nterms = 0;
    for (int i = 0; i < mode_count(); i++)
        for (const MaskTerm *const *t = mode_at(i)->terms; *t; t++) {
            bool seen = false;
            for (int k = 0; k < nterms && !seen; k++)
                seen = terms[k].term == *t || strcmp(terms[k].name, (*t)->name) == 0;
            if (!seen)
                terms[nterms++] = (RegEntry){.name = (*t)->name, .doc = (*t)->doc, .kind = REG_TERM, .term = *t,
                                             .per_sentence = !(*t)->shared, .dumped = true};
        }
    collected_for = mode_count();
}

int registry_count(void)
{
    collect_terms();
    name_steps();
    return FIXED + nterms + STEP_ENTRIES;
}

const RegEntry *registry_at(int i)
{
    EXPECT(i >= 0 && i < registry_count());
    return i < FIXED ? &fixed[i] : i < FIXED + nterms ? &terms[i - FIXED] : &steps[i - FIXED - nterms];
}

bool registry_held(const RegEntry *r, const Engine *e)
{
    if (r->step) return engine_decode(e) && r->step <= engine_decode(e)->N;
    return r->kind != REG_TENSOR || engine_computes(engine_mode(e), r->id);
}

const RegEntry *registry_find(const char *name)
{
    for (int i = 0; i < registry_count(); i++)
        if (strcmp(registry_at(i)->name, name) == 0)
            return registry_at(i);
    return NULL;
}

static int term_index(const Mode *m, const MaskTerm *t)
{
    for (int i = 0; i < mode_nterms(m); i++)
        if (m->terms[i] == t)
            return i;
    return -1;
}

/* whether mode m computes entry r (a term: has it) */
static bool computed_in(const RegEntry *r, const Mode *m)
{
    return r->kind == REG_TERM ? term_index(m, r->term) >= 0 : r->kind != REG_TENSOR || engine_computes(m, r->id);
}

const Mode *registry_mode(const RegEntry *r, const Mode *asked, char *err, size_t errlen)
{
    if (r->mode) {
        const Mode *m = mode_find(r->mode);
        EXPECT(m);
        if (asked && asked != m) {
            snprintf(err, errlen, "%s does not depend on --mode (it is the %s mode's)", r->name, m->name);
            return NULL;
        }
        return m;
    }
    if (asked) {
        if (computed_in(r, asked))
            return asked;
        char with[256] = "";
        size_t k = 0;
        for (int i = 0; i < mode_count() && k < sizeof with; i++)
            if (computed_in(r, mode_at(i)))
                k += (size_t)snprintf(with + k, sizeof with - k, "%s%s", k ? ", " : "", mode_at(i)->name);
        snprintf(err, errlen, "%s is not %s mode %s; the modes with it: %s", r->name,
                 r->kind == REG_TERM ? "a mask of" : "computed in", asked->name, with);
        return NULL;
    }
    if (computed_in(r, mode_default()))
        return mode_default();
    for (int i = 0; i < mode_count(); i++)
        if (computed_in(r, mode_at(i)))
            return mode_at(i);
    EXPECT(!"an entry no mode computes");
    return NULL;
}

const Tensor *registry_tensor(const RegEntry *r, const Engine *e)
{
    switch (r->kind) {
    case REG_TENSOR: return engine_tensor(e, r->id);
    case REG_TERM: {
        int i = term_index(engine_mode(e), r->term);
        EXPECT(i >= 0);
        return engine_tensor(e, (TensorId)(T_TERM + i));
    }
    default: return NULL;
    }
}

const char *const *registry_words(const RegEntry *r, const Engine *e, int s)
{
    EXPECT(r->words && r->kind == REG_TENSOR);
    switch (r->id) {
    case T_SOURCE: return engine_source(e)->labels + (size_t)s * engine_source(e)->L;
    case T_QUERY_BATCH: return engine_query_labels(e, s);
    case T_BATCH: return engine_labels(e, s);
    case T_SEQUENCES: return engine_decode(e)->seq->labels + (size_t)s * engine_decode(e)->T;
    case T_GENERATED: return engine_decode(e)->seq->labels + (size_t)s * engine_decode(e)->T + engine_decode(e)->L;
    default: EXPECT(!"words of a tensor that holds no token ids"); return NULL;
    }
}

double registry_scalar(const RegEntry *r, const Engine *e)
{
    EXPECT(r->kind == REG_SCALAR);
    return r->scalar == REG_LOSS ? engine_loss(e) : engine_loss_all(e);
}

Tensor *registry_copy(const RegEntry *r, const Engine *e, int s)
{
    if (r->kind == REG_SCALAR)
        return NULL;
    if (r->kind == REG_A0_PAD) {
        /* the notebook's padding_mask[0].repeat(L, 1): key columns only,
         * even when the scenario also blocks padded query rows */
        Tensor *keys = mask_padding_keys(engine_batch(e));
        Tensor view = tensor_slice(keys, 0);
        Tensor *copy = tensor_copy(&view);
        tensor_free(keys);
        return copy;
    }
    const Tensor *t = registry_tensor(r, e);
    /* a shared mask is one [L,L] matrix: sentence 0's copy */
    if (r->kind == REG_TERM && r->term->shared) {
        Tensor view = tensor_slice(t, 0);
        return tensor_copy(&view);
    }
    if (!r->per_sentence || s < 0)
        return tensor_copy(t);
    Tensor view = tensor_slice(t, s);
    return tensor_copy(&view);
}

bool registry_is_mask(const RegEntry *r, bool *keys)
{
    *keys = r->kind == REG_TENSOR && r->id == T_PADDING_MASK;
    return r->kind == REG_TERM || r->kind == REG_A0_PAD || *keys ||
           (r->kind == REG_TENSOR && (r->id == T_MASK || r->id == T_CAUSAL_TOPLEFT || r->id == T_CAUSAL_BOTTOMRIGHT));
}

/* the items of a dimension of n a summarised print shows */
static bool shown_item(int i, int n)
{
    return n <= 2 * TENSOR_PRINT_EDGE || i < TENSOR_PRINT_EDGE || i >= n - TENSOR_PRINT_EDGE;
}

/* A big attention matrix as print shows it: only the rows a summarised
 * print reads are computed (engine_row), the rest stay untouched zero
 * pages; NULL when the tensor is small or has no rows. */
static Tensor *printed_rows(const RegEntry *r, const Engine *e, int s)
{
    TensorId id;
    if (r->kind == REG_TERM)
        id = (TensorId)(T_TERM + term_index(engine_mode(e), r->term));
    else if (r->kind == REG_TENSOR && (r->id == T_SCORES || r->id == T_MASK || r->id == T_MASKED || r->id == T_WEIGHTS))
        id = r->id;
    else
        return NULL;
    int B = engine_sentences(e), Lq = engine_query_length(e), L = engine_length(e);
    bool shared = r->kind == REG_TERM && r->term->shared, one = shared || (r->per_sentence && s >= 0);
    int first = shared ? 0 : one ? s : 0, nb = one ? 1 : B;
    if ((size_t)nb * Lq * L <= TENSOR_PRINT_THRESHOLD)
        return NULL;
    Tensor *t = one ? tensor_new2(TENSOR_FLOAT, Lq, L) : tensor_new3(TENSOR_FLOAT, nb, Lq, L);
    for (int b = 0; b < nb; b++)
        for (int q = 0; q < Lq; q++)
            if ((one || shown_item(b, nb)) && shown_item(q, Lq))
                EXPECT(engine_row(e, id, first + b, q, t->data + ((size_t)b * Lq + q) * L));
    return t;
}

char *registry_format(const RegEntry *r, const Engine *e, int s)
{
    if (r->kind == REG_SCALAR) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.3f", registry_scalar(r, e));
        return xstrdup(buf);
    }
    if (r->kind == REG_A0_PAD) {
        Tensor *t = registry_copy(r, e, s);
        char *text = tensor_format(t);
        tensor_free(t);
        return text;
    }
    Tensor *rows = printed_rows(r, e, s);
    if (rows) {
        char *text = tensor_format(rows);
        tensor_free(rows);
        return text;
    }
    /* the engine's own tensor, or a sentence's slice of it: no copy */
    const Tensor *t = registry_tensor(r, e);
    Tensor view = (r->kind == REG_TERM && r->term->shared) ? tensor_slice(t, 0)
                  : (!r->per_sentence || s < 0)             ? *t
                                                            : tensor_slice(t, s);
    return tensor_format(&view);
}
