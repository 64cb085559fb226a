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
};

/* SplitMix64's finaliser applied to x + golden-ratio increment. */
uint64_t rng_mix(uint64_t x);
/* mix(mix(mix(seed) ^ stream) ^ index) >> 11, scaled to [0, 1). */
double rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);
