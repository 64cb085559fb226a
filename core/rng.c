/* SplitMix64 (Steele, Lea and Flood) used as a hash: no state, so the
 * embedding of "cat" is the same in every sentence and every run. */
#include "rng.h"

uint64_t rng_mix(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

double rng_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t z = rng_mix(rng_mix(rng_mix(seed) ^ stream) ^ index);
    return (double)(z >> 11) * 0x1.0p-53;
}
