/* A small seeded random number generator for the tests (xorshift64*). */
#ifndef ONC_TEST_RNG_H
#define ONC_TEST_RNG_H

#include <stdint.h>

typedef struct rng {
	uint64_t state;
} rng;

void rng_seed(rng *r, uint64_t seed);
uint32_t rng_u32(rng *r);
uint64_t rng_u64(rng *r);
/* 0 <= result < n */
uint32_t rng_below(rng *r, uint32_t n);

#endif
