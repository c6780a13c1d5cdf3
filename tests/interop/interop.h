/* Shared helpers for the differential tests against libtirpc.
 *
 * libtirpc is the oracle: the bytes it writes are what every ONC RPC peer expects, so onc
 * must write exactly the same bytes and read whatever libtirpc writes. Values are random but
 * seeded; the seed is printed on every failure (and can be fixed with ONC_INTEROP_SEED=n).
 */
#ifndef ONC_INTEROP_H
#define ONC_INTEROP_H

/* libtirpc's headers first: they need the BSD types (u_int, caddr_t, quad_t) that
 * _DEFAULT_SOURCE (set by CMake) exposes. onc's names all carry the onc_ prefix, so the two
 * sets of headers coexist. */
#include <rpc/rpc.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "onc/rpc.h"
#include "onc/xdr.h"

/* Seeds the generator once (ONC_INTEROP_SEED or the clock) and returns the seed. */
uint64_t interop_seed(void);
/* Restarts the generator from the seed; each test calls it so tests are independent. */
void interop_reseed(void);

uint32_t rnd_u32(void);
uint64_t rnd_u64(void);
/* Uniform in [0, n), n > 0. */
uint32_t rnd_below(uint32_t n);
void rnd_bytes(void *out, size_t n);
/* n random bytes, none of them zero (string contents). */
void rnd_text(char *out, size_t n);

/* Fails the test (printing the seed, both hex dumps and where they differ) unless the two
 * byte strings are equal. */
#define expect_same_bytes(what, a, alen, b, blen)                                          \
	expect_same_bytes_at(what, a, alen, b, blen, __FILE__, __LINE__)
void expect_same_bytes_at(const char *what, const void *a, size_t alen, const void *b,
			  size_t blen, const char *file, int line);

/* Fails the test with a printf-style message and the seed unless cond holds. */
#define check(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond))                                                               \
			check_failed_at(#cond, __FILE__, __LINE__, __VA_ARGS__);           \
	} while (0)
void check_failed_at(const char *cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));

/* A group setup for cmocka that prints the seed, so a log always shows it. */
int interop_group_setup(void **state);

#endif
