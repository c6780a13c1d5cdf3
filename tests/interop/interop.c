#include "interop.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t seed;
static bool seeded;
static uint64_t state;

uint64_t interop_seed(void)
{
	if (!seeded) {
		const char *env = getenv("ONC_INTEROP_SEED");
		if (env && *env) {
			seed = strtoull(env, NULL, 0);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			seed = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
		}
		seeded = true;
	}
	return seed;
}

void interop_reseed(void)
{
	state = interop_seed();
}

/* splitmix64: small, fast, and every seed gives a good sequence. */
uint64_t rnd_u64(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

uint32_t rnd_u32(void)
{
	return (uint32_t)(rnd_u64() >> 32);
}

uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rnd_u32() * n) >> 32);
}

void rnd_bytes(void *out, size_t n)
{
	uint8_t *p = out;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd_u32();
}

void rnd_text(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(1 + rnd_below(255));
}

static void hexdump(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "  %s (%zu bytes):", label, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 == 0 ? "\n    " : (i % 4 == 0 ? " " : ""), p[i]);
	fprintf(stderr, "\n");
}

void expect_same_bytes_at(const char *what, const void *a, size_t alen, const void *b,
			  size_t blen, const char *file, int line)
{
	const uint8_t *pa = a, *pb = b;
	size_t n = alen < blen ? alen : blen, i = 0;

	while (i < n && pa[i] == pb[i])
		i++;
	if (i == n && alen == blen)
		return;
	fprintf(stderr, "%s:%d: %s: bytes differ at offset %zu (ONC_INTEROP_SEED=%" PRIu64 ")\n",
		file, line, what, i, interop_seed());
	hexdump("libtirpc", pa, alen);
	hexdump("onc", pb, blen);
	_fail(file, line);
	abort();
}

void check_failed_at(const char *cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: check failed: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (ONC_INTEROP_SEED=%" PRIu64 ")\n", interop_seed());
	_fail(file, line);
	abort();
}

int interop_group_setup(void **state_)
{
	(void)state_;
	print_message("interop seed: ONC_INTEROP_SEED=%" PRIu64 "\n", interop_seed());
	return 0;
}
