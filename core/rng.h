#pragma once
/* The one random source: counter-based, so any value can be recomputed
 * from (seed, stream, index) alone, on any machine, in any order. */
#include <stdint.h>

enum {
    RNG_EMBEDDINGS = 1, /* index = token_id * MS_MAX_D_MODEL + component */
    RNG_W_Q = 2,        /* index = row * d + col */
    RNG_W_K = 3,
    RNG_W_V = 4,
    RNG_LOSSES = 5,     /* index = sentence * L + position */
    RNG_MLM_MASK = 6,   /* index = sentence * L + position: which MLM positions get [MASK] */
    /* pretraining corruption (corrupt.h): index = sentence * 2^32 + k */
    RNG_BERT_SELECT = 7, /* bernoulli: k = a word's first position; count: k = the shuffle's step */
    RNG_BERT_ACTION = 8, /* k = position (SpanBERT: the span's first): [MASK], random or kept */
    RNG_BERT_RANDOM = 9, /* k = position: which random word */
    RNG_BERT_SPAN = 10,  /* SpanBERT: k = 2·span its length, 2·span + 1 its anchor */
    RNG_T5_NOISE = 11,   /* k = the shuffle's step: the noise span lengths */
    RNG_T5_GAPS = 12,    /* k = the shuffle's step: the lengths of the runs between them */
};

/* SplitMix64's finaliser applied to x + golden-ratio increment. */
uint64_t rng_mix(uint64_t x);
/* mix(mix(mix(seed) ^ stream) ^ index) >> 11, scaled to [0, 1). */
double rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);
