/* The engine: one scenario, one mode, every tensor computed once.
 *
 *   scenario --(mode's batch)--> batch --(mode's terms)--> A_pad, A_causal, ...
 *            mask = sum of terms
 *            attention(batch, mask) -> X, Q, K, V, A_scores, A_masked, A_weights, output
 *            losses, loss mask (the mode's rule), masked mean
 *
 * The queries and the keys come from one batch, except in cross-attention,
 * where the decoder's sentences ask and the encoder's (the batch) answer:
 * Q is [B,Lq,d], K and V [B,L,d], the masks and scores [B,Lq,L], and the
 * losses belong to the decoder's tokens.
 *
 * The tensors are kept in one array indexed by TensorId, so print,
 * dump, the storyboard and the tooltips all reach a tensor the same way. */
#include "engine.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn.h"
#include "loss.h"
#include "rng.h"
#include "xmalloc.h"

struct Engine {
    unsigned long serial;       /* engine_serial */
    const Scenario *sc;
    Scenario *own_sc;           /* decode: the scenario padded on the left, when it did not say how */
    Decode *dec;                /* decode: the generation */
    char step_names[MS_MAX_GENERATE * DECODE_KINDS][24]; /* decode: "q_1", "k_cache_1", … */
    const Mode *mode;
    int nterms;
    Batch *batch;               /* the keys' (and, but for cross-attention, the queries') */
    Batch *qbatch;              /* the queries': batch, or the decoder's own */
    Batch *source;              /* bert, t5: the sentences before corruption; else the batch */
    BertDraw *bert;             /* bert: the corruption drawn */
    T5Draw *t5;                 /* t5: the corruption drawn */
    double loss_mask_only;      /* bert: the mean under (bert_input == MASK) */
    Tensor *own[T_COUNT];       /* the tensors the engine made */
    const Tensor *t[T_COUNT];   /* every tensor, by id; NULL: not computed yet */
    bool *row_blocked;          /* [B*L], with the weights */
    int blocked_rows;
    double *row;                /* scratch rows: [3 * L] */
    bool *unscored;             /* [B] */
    double loss, loss_all;
};

static void put(Engine *e, TensorId id, Tensor *t)
{
    e->own[id] = t;
    e->t[id] = t;
}

static Tensor *int_vector(int n, const int *v, int add)
{
    Tensor *t = tensor_new1(TENSOR_INT, n);
    for (int i = 0; i < n; i++)
        t->data[i] = v[i] + add;
    return t;
}

/* the per-token losses of the scenario's own sentences, [B,L]: given, or drawn */
static Tensor *sentence_losses(const Scenario *sc)
{
    int B = sc->sentences.count, L = scenario_longest(&sc->sentences);
    if (!sc->losses) return loss_random(B, L, sc->seed);
    Tensor *t = tensor_new2(TENSOR_FLOAT, B, L);
    memcpy(t->data, sc->losses, t->size * sizeof(double));
    return t;
}

/* packed rows carry each token's own loss and weight: packing moves
 * tokens, it does not change what they cost */
static void packed_from_sentences(const Engine *e, const double *by_sentence, int L0, Tensor *out)
{
    const Batch *b = e->batch;
    const Scenario *sc = e->sc;
    for (size_t i = 0; i < out->size; i++) {
        int d = b->doc[i];
        if (d < 0) continue;
        int word = b->position[i];
        /* a sentence's tokens sit after its padding when the scenario pads on the left */
        int col = sc->padding == SCENARIO_PAD_LEFT ? L0 - sc->sentences.lengths[d] + word : word;
        out->data[i] = by_sentence[(size_t)d * L0 + col];
    }
}

static void compute_losses(Engine *e)
{
    const Scenario *sc = e->sc;
    const Batch *bt = e->qbatch; /* losses belong to the tokens that ask: the decoder's in cross-attention */
    int B = bt->B, L = bt->L;
    ModeBatch kind = e->mode->batch;
    Tensor *losses = NULL;
    if (kind == MODE_BATCH_PACKED) {
        Tensor *own = sentence_losses(sc);
        losses = tensor_new2(TENSOR_FLOAT, B, L);
        packed_from_sentences(e, own->data, own->shape[1], losses);
        tensor_free(own);
    } else {
        /* the notebook reuses batch_losses for the MLM batch, so an MLM batch
         * of the batch's shape gets the batch's losses, given or drawn */
        /* bert's input has the sentences' shape: the losses are theirs */
        const double *src = kind == MODE_BATCH_MLM                                 ? sc->mlm_losses
                             : kind == MODE_BATCH_MAIN || kind == MODE_BATCH_BERT ||
                                       kind == MODE_BATCH_DECODE ? sc->losses
                                                                 : NULL;
        if (kind == MODE_BATCH_MLM && !src && sc->losses && sc->sentences.count == B &&
            scenario_longest(&sc->sentences) == L)
            src = sc->losses;
        if (src) {
            losses = tensor_new2(TENSOR_FLOAT, B, L);
            memcpy(losses->data, src, losses->size * sizeof(double));
        } else {
            losses = loss_random(B, L, sc->seed);
        }
    }
    put(e, T_LOSSES, losses);
    Tensor *mask;
    if (e->mode->loss == MODE_LOSS_LABELS) {
        /* (labels != -100).float(): what cross-entropy's ignore_index leaves in */
        const Tensor *labels = e->t[T_LABELS];
        mask = tensor_new2(TENSOR_FLOAT, B, L);
        for (size_t i = 0; i < mask->size; i++)
            mask->data[i] = labels->data[i] != CORRUPT_IGNORE_INDEX;
    } else {
        mask = e->mode->loss == MODE_LOSS_MLM ? batch_mlm_loss_mask(bt) : batch_padding_loss_mask(bt);
    }
    /* loss_weights belong to the scenario's own sentences */
    if (e->mode->loss != MODE_LOSS_MLM && e->mode->loss != MODE_LOSS_LABELS && sc->loss_weights) {
        if (kind == MODE_BATCH_MAIN || kind == MODE_BATCH_DECODE) {
            for (size_t i = 0; i < mask->size; i++)
                mask->data[i] *= sc->loss_weights[i];
        } else if (kind == MODE_BATCH_PACKED) {
            Tensor *w = tensor_new2(TENSOR_FLOAT, B, L);
            packed_from_sentences(e, sc->loss_weights, scenario_longest(&sc->sentences), w);
            for (size_t i = 0; i < mask->size; i++)
                mask->data[i] *= w->data[i];
            tensor_free(w);
        }
    }
    if (e->mode->loss == MODE_LOSS_PREFIX) {
        /* the prefix is context, not a target: only the tokens after it are scored */
        for (int s = 0; s < B; s++) {
            int P = scenario_prefix(sc, s), seen = 0;
            for (int p = 0; p < L; p++)
                if (engine_is_real(e, s, p) && seen++ < P) mask->data[(size_t)s * L + p] = 0;
        }
    }
    /* the targets: the token each position is scored on (-100, PyTorch's
     * ignore_index, where none is); a decoder's are the next tokens */
    Tensor *targets = tensor_new2(TENSOR_INT, B, L);
    const Tensor *ids = bt->ids;
    for (int s = 0; s < B; s++)
        for (int p = 0; p < L; p++) {
            size_t i = (size_t)s * L + p;
            bool next = e->mode->loss == MODE_LOSS_NEXT_TOKEN;
            if (next && !(p + 1 < L && batch_is_real(bt, s, p) && batch_is_real(bt, s, p + 1)))
                mask->data[i] = 0; /* the last real token has no next one to predict */
            targets->data[i] = mask->data[i] == 0 ? -100 : ids->data[next ? i + 1 : i];
        }
    put(e, T_TARGETS, targets);
    put(e, T_LOSS_MASK, mask);
    put(e, T_MASKED_LOSSES, loss_apply_mask(losses, mask));
    e->unscored = xcalloc((size_t)B, sizeof *e->unscored);
    for (int s = 0; s < B; s++) {
        double m = 0;
        for (int p = 0; p < L; p++)
            m += mask->data[(size_t)s * L + p];
        e->unscored[s] = m == 0;
    }
    e->loss = loss_masked_mean(losses, mask);
    e->loss_all = loss_mean(losses);
    e->loss_mask_only = e->t[T_MASK_POSITIONS] ? loss_masked_mean(losses, e->t[T_MASK_POSITIONS]) : NAN;
}

/* T5's sentinels are no words of the scenario: their cells are labelled "<extra_id_N>" */
static void label_sentinels(Batch *b, const T5Draw *d)
{
    for (size_t i = 0; i < b->ids->size; i++) {
        int k = corrupt_t5_sentinel(d, (int)b->ids->data[i]);
        if (k >= 0)
            b->labels[i] = d->sentinel_words[k];
    }
}

/* the corruption as [B,L] tensors: bert's choice, actions and labels
 * over the original sentences; t5's noise, and labels over the targets */
static void corruption_tensors(Engine *e)
{
    const Batch *src = e->source;
    int B = src->B, Ls = src->L;
    if (e->bert) {
        const BertDraw *d = e->bert;
        Tensor *sel = tensor_new2(TENSOR_INT, B, Ls), *act = tensor_new2(TENSOR_INT, B, Ls);
        Tensor *labels = tensor_new2(TENSOR_INT, B, Ls);
        for (size_t i = 0; i < labels->size; i++)
            labels->data[i] = CORRUPT_IGNORE_INDEX;
        for (int s = 0; s < B; s++)
            for (int i = 0; i < d->lengths[s]; i++) {
                size_t at = (size_t)s * Ls + (size_t)(src->first[s] + i);
                CorruptAction a = d->action[s][i];
                sel->data[at] = a != CORRUPT_NONE;
                act->data[at] = a;
                if (a != CORRUPT_NONE)
                    labels->data[at] = src->ids->data[at];
            }
        put(e, T_BERT_SELECTED, sel);
        put(e, T_BERT_ACTION, act);
        put(e, T_LABELS, labels);
        put(e, T_MASK_POSITIONS, batch_mlm_loss_mask(e->batch));
    }
    if (e->t5) {
        const T5Draw *d = e->t5;
        Tensor *noise = tensor_new2(TENSOR_INT, B, Ls);
        for (int s = 0; s < B; s++)
            for (int i = 0; i < d->lengths[s]; i++)
                noise->data[(size_t)s * Ls + (size_t)(src->first[s] + i)] = d->noise[s][i];
        put(e, T_T5_NOISE, noise);
        /* the decoder is scored on every real target token */
        const Batch *q = e->qbatch;
        Tensor *labels = tensor_new2(TENSOR_INT, q->B, q->L);
        for (int s = 0; s < q->B; s++)
            for (int p = 0; p < q->L; p++)
                labels->data[(size_t)s * q->L + p] =
                    batch_is_real(q, s, p) ? q->ids->data[(size_t)s * q->L + p] : CORRUPT_IGNORE_INDEX;
        put(e, T_LABELS, labels);
    }
}

static Tensor *int_cells(const Batch *b, const int *v)
{
    Tensor *t = tensor_new2(TENSOR_INT, b->B, b->L);
    for (size_t i = 0; i < t->size; i++)
        t->data[i] = v[i];
    return t;
}

/* decode: prefill and N decode steps over the prompts; their tensors, held by the Decode */
static void generation(Engine *e)
{
    Decode *d = e->dec = decode_run(e->sc, e->batch, e->t[T_W_Q], e->t[T_W_K], e->t[T_W_V]);
    e->t[T_SEQUENCES] = d->seq->ids;
    e->t[T_GENERATED] = d->generated;
    e->t[T_ATTENTION_MASK] = d->attention_mask;
    e->t[T_POSITION_IDS] = d->position_ids;
    e->t[T_NAIVE_POSITIONS] = d->naive_positions;
    e->t[T_READOUT_IDS] = d->readout_ids;
    e->t[T_READOUT] = d->readout;
    e->t[T_LOGITS] = d->logits;
    e->t[T_OUTPUT] = d->output;
    for (int t = 1; t <= MS_MAX_GENERATE; t++)
        for (int k = 0; k < DECODE_KINDS; k++)
            decode_name(t, (DecodeKind)k, e->step_names[engine_step_id(t, (DecodeKind)k) - T_STEP],
                        sizeof e->step_names[0]);
}

Engine *engine_new(const Scenario *sc, const Mode *m, char *err, size_t errlen)
{
    int B0, Lq0, Lk0;
    mode_shape(m, sc, &B0, &Lq0, &Lk0);
    if (m->batch == MODE_BATCH_DECODE && mode_cells(m, sc) > MS_MAX_ATTN_CELLS) {
        snprintf(err, errlen, "mode decode: %d prompt%s of up to %d tokens and %d new tokens each make more than "
                 "%u attention cells; give shorter prompts or a smaller \"generate\"", B0, B0 == 1 ? "" : "s", Lk0,
                 sc->generate, (unsigned)MS_MAX_ATTN_CELLS);
        return NULL;
    }
    if (mode_cells(m, sc) > MS_MAX_ATTN_CELLS) {
        snprintf(err, errlen, "mode %s: %d rows of %d x %d tokens are more than %u attention cells%s", m->name, B0,
                 Lq0, Lk0, (unsigned)MS_MAX_ATTN_CELLS,
                 m->batch == MODE_BATCH_PACKED ? "; set a smaller pack_length" : "");
        return NULL;
    }
    static atomic_ulong serials;
    Engine *e = xcalloc(1, sizeof *e);
    e->serial = atomic_fetch_add(&serials, 1) + 1;
    if (m->batch == MODE_BATCH_DECODE && !sc->padding_given && sc->padding != SCENARIO_PAD_LEFT) {
        /* generation pads on the left unless told; the losses and loss weights given for the
         * scenario's own padding do not fit the new layout, so they are drawn instead */
        sc = e->own_sc = scenario_copy(sc);
        e->own_sc->padding = SCENARIO_PAD_LEFT;
        free(e->own_sc->losses);
        free(e->own_sc->loss_weights);
        e->own_sc->losses = e->own_sc->loss_weights = NULL;
    }
    e->sc = sc;
    e->mode = m;
    e->nterms = mode_nterms(m);
    switch (m->batch) {
    case MODE_BATCH_PACKED: e->batch = batch_packed(sc); break;
    case MODE_BATCH_MLM: e->batch = batch_new(sc, &sc->mlm_source, sc->mlm_masked); break;
    case MODE_BATCH_BERT: {
        e->bert = corrupt_bert(sc);
        Sentences in = {.count = e->bert->count, .lengths = e->bert->lengths, .ids = e->bert->input};
        e->batch = batch_new(sc, &in, NULL);
        break;
    }
    case MODE_BATCH_T5: {
        /* the encoder reads t5_input; the decoder asks with t5_target */
        e->t5 = corrupt_t5(sc);
        Sentences in = {.count = e->t5->count, .lengths = e->t5->input_lengths, .ids = e->t5->input};
        Sentences out = {.count = e->t5->count, .lengths = e->t5->target_lengths, .ids = e->t5->target};
        e->batch = batch_new(sc, &in, NULL);
        e->qbatch = batch_new(sc, &out, NULL);
        label_sentinels(e->batch, e->t5);
        label_sentinels(e->qbatch, e->t5);
        break;
    }
    default: e->batch = batch_new(sc, &sc->sentences, NULL); break;
    }
    if (!e->qbatch)
        e->qbatch = m->batch == MODE_BATCH_CROSS ? batch_new(sc, &sc->decoder, NULL) : e->batch;
    e->source = e->bert || e->t5 ? batch_new(sc, &sc->sentences, NULL) : e->batch;
    const Batch *bt = e->batch;
    int B = bt->B, L = bt->L, d = sc->d_model;
    e->row = xcalloc(3 * (size_t)L + 1, sizeof *e->row);

    /* what every step needs, small: the batch and its masks as vectors,
     * the embeddings and projections; the L×L tensors wait until asked for */
    e->t[T_BATCH] = bt->ids;
    put(e, T_LENGTHS, int_vector(B, bt->lengths, 0));
    put(e, T_QUERY_LENGTHS, int_vector(e->qbatch->B, e->qbatch->lengths, 0));
    if (e->source != e->batch) {
        e->t[T_SOURCE] = e->source->ids;
        corruption_tensors(e);
    }
    put(e, T_LAST_INDEX, batch_last_indices(bt));
    put(e, T_PADDING_MASK, mask_padding(bt));
    put(e, T_PADDING_LOSS_MASK, batch_padding_loss_mask(e->qbatch));
    put(e, T_DOCUMENT_IDS, int_cells(bt, bt->doc));
    if (m->batch != MODE_BATCH_DECODE) put(e, T_POSITION_IDS, int_cells(bt, bt->position));
    Tensor *x = attn_embed(bt, d, sc->seed);
    if (sc->positions) attn_add_positions(x, bt);
    put(e, T_EMBEDDINGS, x);
    if (e->qbatch != e->batch) {
        e->t[T_QUERY_BATCH] = e->qbatch->ids;
        Tensor *xq = attn_embed(e->qbatch, d, sc->seed);
        if (sc->positions) attn_add_positions(xq, e->qbatch);
        put(e, T_QUERY_EMBEDDINGS, xq);
    } else {
        e->t[T_QUERY_BATCH] = bt->ids;
        e->t[T_QUERY_EMBEDDINGS] = e->t[T_EMBEDDINGS];
    }
    put(e, T_W_Q, attn_matrix(sc->seed, RNG_W_Q, d));
    put(e, T_W_K, attn_matrix(sc->seed, RNG_W_K, d));
    put(e, T_W_V, attn_matrix(sc->seed, RNG_W_V, d));
    put(e, T_Q, attn_project(e->t[T_QUERY_EMBEDDINGS], e->t[T_W_Q]));
    put(e, T_K, attn_project(e->t[T_EMBEDDINGS], e->t[T_W_K]));
    put(e, T_V, attn_project(e->t[T_EMBEDDINGS], e->t[T_W_V]));
    Tensor *kt = tensor_new3(TENSOR_FLOAT, B, d, L);
    for (int s = 0; s < B; s++)
        for (int j = 0; j < d; j++)
            for (int k = 0; k < L; k++)
                kt->data[((size_t)s * d + j) * L + k] = e->t[T_K]->data[((size_t)s * L + k) * d + j];
    put(e, T_KT, kt);
    if (m->batch == MODE_BATCH_DECODE) generation(e);
    compute_losses(e);
    return e;
}

/* ---- the L×L tensors, computed on first use ----
 * Each is made row by row from the small tensors (Q, K, V) and the mask
 * terms' rows, reusing a tensor already made when there is one, so that
 * asking for A_weights alone holds one L×L matrix, not six. */

static void materialize(Engine *e, TensorId id);

static const Tensor *need(Engine *e, TensorId id)
{
    if (!e->t[id])
        materialize(e, id);
    return e->t[id];
}

/* row q of sentence s of tensor id: the stored row, or computed into buf */
static const double *row_of(Engine *e, TensorId id, int s, int q, double *buf)
{
    int L = e->batch->L, Lq = e->qbatch->L, d = engine_d(e);
    size_t r = ((size_t)s * Lq + q) * L;
    if (e->t[id])
        return e->t[id]->data + r;
    MaskInput in = engine_mask_input(e);
    switch (id) {
    case T_SCORES:
        attn_scores_row(e->t[T_Q]->data + ((size_t)s * Lq + q) * d, e->t[T_K]->data + (size_t)s * L * d, L, d,
                        1.0 / sqrt((double)d), buf);
        return buf;
    case T_MASK:
        mask_terms_row(e->mode->terms, e->nterms, &in, s, q, buf);
        return buf;
    case T_MASKED: {
        double *m = e->row + 2 * (size_t)L; /* the mask row in the last scratch row */
        const double *sc = row_of(e, T_SCORES, s, q, buf);
        const double *mk = row_of(e, T_MASK, s, q, m);
        for (int k = 0; k < L; k++)
            buf[k] = sc[k] + mk[k];
        return buf;
    }
    default:
        EXPECT(!"a tensor without rows");
        return NULL;
    }
}

static void materialize(Engine *e, TensorId id)
{
    const Batch *bt = e->batch;
    int B = bt->B, L = bt->L, Lq = e->qbatch->L, d = engine_d(e);
    MaskInput in = engine_mask_input(e);
    int t;
    DecodeKind kind;
    if (engine_step_of(id, &t, &kind)) {
        EXPECT(e->dec && t <= e->dec->N);
        put(e, id, decode_step(e->dec, t, kind));
        return;
    }
    if (id >= T_TERM) {
        int i = id - T_TERM;
        EXPECT(i < e->nterms);
        put(e, id, mask_term_build(e->mode->terms[i], &in));
        return;
    }
    if (id == T_MASK && e->nterms == 1) { /* one term: the mask is that term, not a copy of it */
        e->t[T_MASK] = need(e, T_TERM);
        return;
    }
    switch (id) {
    case T_MASK:
    case T_SCORES:
    case T_MASKED: {
        Tensor *t = tensor_new3(TENSOR_FLOAT, B, Lq, L);
        for (int s = 0; s < B; s++)
            for (int q = 0; q < Lq; q++) {
                double *out = t->data + ((size_t)s * Lq + q) * L;
                const double *r = row_of(e, id, s, q, out);
                if (r != out)
                    memcpy(out, r, (size_t)L * sizeof *out);
            }
        put(e, id, t);
        return;
    }
    case T_WEIGHTS: {
        Tensor *t = tensor_new3(TENSOR_FLOAT, B, Lq, L);
        e->row_blocked = xcalloc((size_t)B * (size_t)Lq, sizeof *e->row_blocked);
        for (int s = 0; s < B; s++)
            for (int q = 0; q < Lq; q++) {
                double *w = t->data + ((size_t)s * Lq + q) * L;
                const double *m = row_of(e, T_MASKED, s, q, e->row);
                memcpy(w, m, (size_t)L * sizeof *w);
                if (attn_softmax_row(w, L, e->sc->nan_policy)) {
                    e->row_blocked[(size_t)s * Lq + q] = true;
                    e->blocked_rows++;
                }
            }
        put(e, id, t);
        return;
    }
    case T_FULL_WEIGHTS:
    case T_FULL_OUTPUT: {
        Tensor *w, *o;
        decode_full(e->dec, e->sc, &w, &o);
        put(e, T_FULL_WEIGHTS, w);
        put(e, T_FULL_OUTPUT, o);
        return;
    }
    case T_CAUSAL_TOPLEFT:
    case T_CAUSAL_BOTTOMRIGHT:
        put(e, id, decode_aligned_causal(engine_queries(e), e->dec->T, id == T_CAUSAL_BOTTOMRIGHT));
        return;
    case T_DECODER_CAUSAL: {
        MaskInput self = {.queries = e->qbatch, .keys = e->qbatch, .sc = e->sc};
        put(e, id, mask_term_build(&mask_term_causal, &self));
        return;
    }
    case T_BLOCKED_ROWS: {
        need(e, T_WEIGHTS);
        Tensor *t = tensor_new2(TENSOR_INT, B, Lq);
        for (size_t i = 0; i < t->size; i++)
            t->data[i] = e->row_blocked[i];
        put(e, id, t);
        return;
    }
    case T_OUTPUT: {
        const Tensor *w = need(e, T_WEIGHTS);
        Tensor *t = tensor_new3(TENSOR_FLOAT, B, Lq, d);
        for (int s = 0; s < B; s++)
            for (int q = 0; q < Lq; q++)
                attn_output_row(w->data + ((size_t)s * Lq + q) * L, e->t[T_V]->data + (size_t)s * L * d, L, d,
                                t->data + ((size_t)s * Lq + q) * d);
        put(e, id, t);
        return;
    }
    default:
        EXPECT(!"a tensor the engine cannot make");
    }
}

void engine_free(Engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < T_COUNT; i++)
        tensor_free(e->own[i]);
    if (e->qbatch != e->batch)
        batch_free(e->qbatch);
    if (e->source != e->batch)
        batch_free(e->source);
    batch_free(e->batch);
    corrupt_bert_free(e->bert);
    corrupt_t5_free(e->t5);
    decode_free(e->dec);
    scenario_free(e->own_sc);
    free(e->row_blocked);
    free(e->row);
    free(e->unscored);
    free(e);
}

unsigned long engine_serial(const Engine *e) { return e->serial; }
const Mode *engine_mode(const Engine *e) { return e->mode; }
const Scenario *engine_scenario(const Engine *e) { return e->sc; }
const Batch *engine_batch(const Engine *e) { return e->batch; }
const Batch *engine_query_batch(const Engine *e) { return e->qbatch; }
const Batch *engine_source(const Engine *e) { return e->source; }
const BertDraw *engine_bert(const Engine *e) { return e->bert; }
const T5Draw *engine_t5(const Engine *e) { return e->t5; }
double engine_loss_mask_only(const Engine *e) { return e->loss_mask_only; }
int engine_sentences(const Engine *e) { return e->batch->B; }
int engine_length(const Engine *e) { return e->batch->L; }
int engine_query_length(const Engine *e) { return e->qbatch->L; }
bool engine_is_cross(const Engine *e) { return e->qbatch != e->batch; }
int engine_d(const Engine *e) { return e->t[T_W_Q]->shape[0]; }
int engine_nterms(const Engine *e) { return e->nterms; }
double engine_loss(const Engine *e) { return e->loss; }
double engine_loss_all(const Engine *e) { return e->loss_all; }
/* computing a tensor on first use does not change what the engine holds,
 * only when: so the accessors take a const Engine and fill the cache */
static Engine *lazy(const Engine *e)
{
    return (Engine *)e;
}

int engine_blocked_rows(const Engine *e)
{
    need(lazy(e), T_WEIGHTS);
    return e->blocked_rows;
}

/* generation's own tensors */
static bool engine_computes_decode(TensorId id)
{
    return (id >= T_SEQUENCES && id <= T_CAUSAL_BOTTOMRIGHT) || id >= T_STEP;
}

const Tensor *engine_tensor(const Engine *e, TensorId id)
{
    EXPECT(id >= 0 && id < T_COUNT);
    EXPECT(id < T_TERM || id >= T_STEP || (int)id - T_TERM < e->nterms);
    EXPECT(!engine_computes_decode(id) || e->dec);
    return need(lazy(e), id);
}

bool engine_row(const Engine *ce, TensorId id, int s, int q, double *out)
{
    Engine *e = lazy(ce);
    int L = e->batch->L;
    EXPECT(s >= 0 && s < e->batch->B && q >= 0 && q < e->qbatch->L);
    const double *r;
    if (id >= T_TERM) {
        EXPECT((int)id - T_TERM < e->nterms);
        if (e->t[id]) {
            r = e->t[id]->data + ((size_t)s * e->qbatch->L + q) * L;
        } else {
            MaskInput in = engine_mask_input(e);
            e->mode->terms[id - T_TERM]->row(&in, s, q, out);
            r = out;
        }
    } else if (id == T_SCORES || id == T_MASK || id == T_MASKED) {
        r = row_of(e, id, s, q, out);
    } else if (id == T_WEIGHTS) {
        if (e->t[id]) {
            r = e->t[id]->data + ((size_t)s * e->qbatch->L + q) * L;
        } else {
            r = row_of(e, T_MASKED, s, q, out);
            if (r != out)
                memcpy(out, r, (size_t)L * sizeof *out);
            attn_softmax_row(out, L, e->sc->nan_policy);
            return true;
        }
    } else {
        return false;
    }
    if (r != out)
        memcpy(out, r, (size_t)L * sizeof *out);
    return true;
}

bool engine_batched(TensorId id)
{
    switch (id) {
    case T_W_Q: case T_W_K: case T_W_V: case T_READOUT_IDS: case T_READOUT: case T_CAUSAL_TOPLEFT:
    case T_CAUSAL_BOTTOMRIGHT:
        return false;
    default:
        return true;
    }
}

TensorId engine_step_id(int t, DecodeKind k)
{
    EXPECT(t >= 1 && t <= MS_MAX_GENERATE && k >= 0 && k < DECODE_KINDS);
    return (TensorId)(T_STEP + (t - 1) * DECODE_KINDS + k);
}

bool engine_step_of(TensorId id, int *t, DecodeKind *k)
{
    if (id < T_STEP || id >= T_COUNT) return false;
    *t = (id - T_STEP) / DECODE_KINDS + 1;
    *k = (DecodeKind)((id - T_STEP) % DECODE_KINDS);
    return true;
}

const Decode *engine_decode(const Engine *e) { return e->dec; }

int engine_queries(const Engine *e)
{
    if (!e->dec) return 0;
    int q = e->sc->queries ? e->sc->queries : e->dec->N;
    return q < e->dec->T ? q : e->dec->T;
}

bool engine_computes(const Mode *m, TensorId id)
{
    bool bert = m->batch == MODE_BATCH_BERT, t5 = m->batch == MODE_BATCH_T5;
    switch (id) {
    case T_SOURCE: case T_LABELS: return bert || t5;
    case T_BERT_SELECTED: case T_BERT_ACTION: case T_MASK_POSITIONS: return bert;
    case T_T5_NOISE: return t5;
    /* a decoder of their own */
    case T_QUERY_BATCH: case T_QUERY_EMBEDDINGS: case T_QUERY_LENGTHS: case T_DECODER_CAUSAL:
        return m->batch == MODE_BATCH_CROSS || t5;
    default:
        if (engine_computes_decode(id)) return m->batch == MODE_BATCH_DECODE;
        return id < T_TERM || (int)id - T_TERM < mode_nterms(m);
    }
}

Tensor engine_view(const Engine *e, TensorId id, int s)
{
    const Tensor *t = engine_tensor(e, id);
    EXPECT(t);
    if (!engine_batched(id))
        return *t;
    EXPECT(t->ndim == 3 && s >= 0 && s < t->shape[0]);
    return tensor_slice(t, s);
}

const char *engine_name(const Engine *e, TensorId id)
{
    bool mlm = e->mode->batch == MODE_BATCH_MLM, cross = engine_is_cross(e);
    bool bert = e->mode->batch == MODE_BATCH_BERT, t5 = e->mode->batch == MODE_BATCH_T5;
    if (id >= T_STEP) return e->step_names[id - T_STEP];
    if (id >= T_TERM) {
        EXPECT((int)id - T_TERM < e->nterms);
        return e->mode->terms[id - T_TERM]->name;
    }
    switch (id) {
    case T_BATCH: return mlm ? "mlm_batch" : bert ? "bert_input" : t5 ? "t5_input" : cross ? "encoder_batch" : "batch";
    case T_QUERY_BATCH: return t5 ? "t5_target" : cross ? "decoder_batch" : engine_name(e, T_BATCH);
    case T_QUERY_LENGTHS: return t5 ? "t5_target_lengths" : cross ? "decoder_lengths" : "lengths";
    case T_SOURCE: return "original";
    case T_LABELS: return "labels";
    case T_BERT_SELECTED: return "bert_selected";
    case T_BERT_ACTION: return "bert_action";
    case T_MASK_POSITIONS: return "bert_mask_positions";
    case T_T5_NOISE: return "t5_noise";
    case T_QUERY_EMBEDDINGS: return cross ? "X_dec" : "X";
    case T_DOCUMENT_IDS: return "document_ids";
    case T_POSITION_IDS: return "position_ids";
    case T_LENGTHS: return t5 ? "t5_input_lengths" : "lengths";
    case T_LAST_INDEX: return "batch_nonzero_indicies";
    case T_PADDING_MASK: return "padding_mask";
    case T_PADDING_LOSS_MASK: return "padding_loss_mask";
    case T_EMBEDDINGS: return cross ? "X_enc" : "X";
    case T_W_Q: return "W_q";
    case T_W_K: return "W_k";
    case T_W_V: return "W_v";
    case T_Q: return "Q";
    case T_K: return "K";
    case T_V: return "V";
    case T_KT: return "K\u1d40";
    case T_SCORES: return "A_scores";
    case T_MASK: return e->nterms > 1 ? "A_mask" : e->mode->terms[0]->name;
    case T_MASKED: return "A_masked";
    case T_WEIGHTS: return "A_weights";
    case T_BLOCKED_ROWS: return "fully_masked_rows_flags";
    case T_OUTPUT: return "output";
    case T_LOSSES: return "batch_losses";
    case T_LOSS_MASK:
        return e->mode->loss == MODE_LOSS_MLM          ? "mlm_loss_mask"
               : e->mode->loss == MODE_LOSS_PREFIX     ? "target_loss_mask"
               : e->mode->loss == MODE_LOSS_NEXT_TOKEN ? "next_token_mask"
               : e->mode->loss == MODE_LOSS_LABELS     ? "loss_mask"
               : e->sc->loss_weights && !mlm      ? "loss_weights"
                                              : "padding_loss_mask";
    case T_MASKED_LOSSES: return "masked losses";
    case T_DECODER_CAUSAL: return "A_causal_dec";
    case T_TARGETS: return "targets";
    case T_SEQUENCES: return "sequences";
    case T_GENERATED: return "generated";
    case T_ATTENTION_MASK: return "attention_mask";
    case T_NAIVE_POSITIONS: return "naive_position_ids";
    case T_READOUT_IDS: return "readout_ids";
    case T_READOUT: return "readout_embeddings";
    case T_LOGITS: return "logits";
    case T_FULL_WEIGHTS: return "A_weights_full";
    case T_FULL_OUTPUT: return "output_full";
    case T_CAUSAL_TOPLEFT: return "A_causal_topleft";
    case T_CAUSAL_BOTTOMRIGHT: return "A_causal_bottomright";
    default: break;
    }
    EXPECT(!"a tensor without a name");
    return "";
}

const MaskTerm *engine_term(const Engine *e, int i)
{
    EXPECT(i >= 0 && i < e->nterms);
    return e->mode->terms[i];
}

MaskInput engine_mask_input(const Engine *e)
{
    return (MaskInput){.queries = e->qbatch, .keys = e->batch, .sc = e->sc};
}

const char *engine_label(const Engine *e, int s, int pos)
{
    EXPECT(s >= 0 && s < e->batch->B && pos >= 0 && pos < e->batch->L);
    return e->batch->labels[(size_t)s * e->batch->L + pos];
}

const char *engine_hidden_word(const Engine *e, int s, int pos)
{
    EXPECT(s >= 0 && s < e->batch->B && pos >= 0 && pos < e->batch->L);
    return e->batch->hidden[(size_t)s * e->batch->L + pos];
}

const char *const *engine_labels(const Engine *e, int s)
{
    EXPECT(s >= 0 && s < e->batch->B);
    return e->batch->labels + (size_t)s * e->batch->L;
}

const char *const *engine_query_labels(const Engine *e, int s)
{
    EXPECT(s >= 0 && s < e->qbatch->B);
    return e->qbatch->labels + (size_t)s * e->qbatch->L;
}

bool engine_query_is_real(const Engine *e, int s, int pos)
{
    return batch_is_real(e->qbatch, s, pos);
}

int engine_id(const Engine *e, int s, int pos)
{
    EXPECT(s >= 0 && s < e->batch->B && pos >= 0 && pos < e->batch->L);
    return (int)e->batch->ids->data[(size_t)s * e->batch->L + pos];
}

bool engine_is_real(const Engine *e, int s, int pos)
{
    return batch_is_real(e->batch, s, pos);
}

bool engine_unscored(const Engine *e, int s)
{
    EXPECT(s >= 0 && s < e->batch->B);
    return e->unscored[s];
}

bool engine_row_blocked(const Engine *e, int s, int q)
{
    EXPECT(s >= 0 && s < e->qbatch->B && q >= 0 && q < e->qbatch->L);
    need(lazy(e), T_WEIGHTS);
    return e->row_blocked[(size_t)s * e->qbatch->L + q];
}

static Recipe recipe(TensorOp op, int n, const TensorId *in, double factor)
{
    Recipe r = {.op = op, .n = n, .factor = factor};
    for (int i = 0; i < n; i++)
        r.in[i] = in[i];
    return r;
}

Recipe engine_recipe(const Engine *e, TensorId id)
{
    TensorId terms[RECIPE_MAX_OPERANDS];
    for (int i = 0; i < e->nterms; i++)
        terms[i + 1] = (TensorId)(T_TERM + i);
    switch (id) {
    case T_Q: return recipe(OP_MATMUL, 2, (TensorId[]){T_QUERY_EMBEDDINGS, T_W_Q}, 1);
    case T_K: return recipe(OP_MATMUL, 2, (TensorId[]){T_EMBEDDINGS, T_W_K}, 1);
    case T_V: return recipe(OP_MATMUL, 2, (TensorId[]){T_EMBEDDINGS, T_W_V}, 1);
    case T_KT: return recipe(OP_TRANSPOSE, 1, (TensorId[]){T_K}, 1);
    case T_SCORES: return recipe(OP_MATMUL, 2, (TensorId[]){T_Q, T_KT}, 1 / sqrt((double)engine_d(e)));
    case T_MASK: return recipe(OP_ADD, e->nterms, terms + 1, 1);
    case T_MASKED:
        terms[0] = T_SCORES;
        return recipe(OP_ADD, e->nterms + 1, terms, 1);
    case T_WEIGHTS: return recipe(OP_SOFTMAX, 1, (TensorId[]){T_MASKED}, 1);
    case T_OUTPUT:
        if (e->dec) break; /* decode: assembled from the prefill's rows and the steps' */
        return recipe(OP_MATMUL, 2, (TensorId[]){T_WEIGHTS, T_V}, 1);
    case T_MASKED_LOSSES: return recipe(OP_MUL, 2, (TensorId[]){T_LOSSES, T_LOSS_MASK}, 1);
    default: break;
    }
    int t;
    DecodeKind k;
    if (engine_step_of(id, &t, &k)) {
        /* a decode step: one query row against the cache */
        switch (k) {
        case DECODE_KT_CACHE: return recipe(OP_TRANSPOSE, 1, (TensorId[]){engine_step_id(t, DECODE_K_CACHE)}, 1);
        case DECODE_SCORES:
            return recipe(OP_MATMUL, 2, (TensorId[]){engine_step_id(t, DECODE_Q), engine_step_id(t, DECODE_KT_CACHE)},
                          1 / sqrt((double)engine_d(e)));
        case DECODE_MASKED:
            return recipe(OP_ADD, 2, (TensorId[]){engine_step_id(t, DECODE_SCORES), engine_step_id(t, DECODE_MASK)}, 1);
        case DECODE_WEIGHTS: return recipe(OP_SOFTMAX, 1, (TensorId[]){engine_step_id(t, DECODE_MASKED)}, 1);
        case DECODE_OUTPUT:
            return recipe(OP_MATMUL, 2,
                          (TensorId[]){engine_step_id(t, DECODE_WEIGHTS), engine_step_id(t, DECODE_V_CACHE)}, 1);
        default: break;
        }
    }
    return recipe(OP_INPUT, 0, NULL, 1);
}

void engine_sentence_text(const Engine *e, int s, char *buf, size_t n)
{
    EXPECT(n > 0);
    buf[0] = '\0';
    size_t k = 0;
    const Batch *b = e->source; /* bert and t5: the sentence before corruption */
    for (int p = 0; p < b->L && k + 1 < n; p++) {
        if (!batch_is_real(b, s, p))
            continue;
        int w = snprintf(buf + k, n - k, "%s%s", k ? " " : "", b->labels[(size_t)s * b->L + p]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

int engine_word_index(const Engine *e, int s, int pos)
{
    return engine_is_real(e, s, pos) ? pos - e->batch->first[s] : -1;
}

void engine_draw_summary(const Engine *e, char *buf, size_t n)
{
    EXPECT(n > 0);
    buf[0] = '\0';
    if (e->bert) {
        int cand = 0, count[4] = {0};
        for (int s = 0; s < e->bert->count; s++) {
            cand += e->bert->candidates[s];
            for (int i = 0; i < e->bert->lengths[s]; i++)
                count[e->bert->action[s][i]]++;
        }
        snprintf(buf, n, "BERT, seed %llu: %d of %d candidates chosen: %d [MASK], %d random, %d unchanged",
                 (unsigned long long)e->sc->bert.seed, count[1] + count[2] + count[3], cand, count[CORRUPT_MASK],
                 count[CORRUPT_RANDOM], count[CORRUPT_KEEP]);
    } else if (e->t5) {
        int spans = 0, movable = 0;
        for (int s = 0; s < e->t5->count; s++) {
            spans += e->t5->spans[s];
            movable += e->t5->spans[s] >= 2;
        }
        if (movable)
            snprintf(buf, n, "T5, seed %llu: %d spans, placed anew in %d sentence%s", (unsigned long long)e->sc->t5.seed,
                     spans, movable, movable == 1 ? "" : "s");
        else
            snprintf(buf, n, "T5, seed %llu: no sentence has two spans, so no draw can move them (see the noise step)",
                     (unsigned long long)e->sc->t5.seed);
    }
}

int engine_pad_id(const Engine *e) { return e->batch->pad_id; }
int engine_mask_id(const Engine *e) { return e->batch->mask_id; }
