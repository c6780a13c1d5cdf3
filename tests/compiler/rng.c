#include "rng.h"

void rng_seed(rng *r, uint64_t seed)
{
	r->state = seed * 0x9e3779b97f4a7c15u + 1;
}

uint32_t rng_u32(rng *r)
{
	r->state ^= r->state >> 12;
	r->state ^= r->state << 25;
	r->state ^= r->state >> 27;
	return (uint32_t)((r->state * 0x2545f4914f6cdd1du) >> 32);
}

uint64_t rng_u64(rng *r)
{
	return (uint64_t)rng_u32(r) << 32 | rng_u32(r);
}

uint32_t rng_below(rng *r, uint32_t n)
{
	return rng_u32(r) % n;
}
