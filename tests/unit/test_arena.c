/* Arenas: alignment, no overlap, the memory limit, big blocks, free and reuse. */
#include "unit.h"

#include <string.h>

/* Allocates blocks of the given sizes, fills each with its own byte, then checks none was
 * overwritten by a later one and that each is 8-byte aligned. */
static void alloc_and_check(onc_arena *a, const size_t *sizes, size_t count)
{
	uint8_t **blocks = calloc(count, sizeof *blocks);
	assert_non_null(blocks);
	for (size_t i = 0; i < count; i++) {
		blocks[i] = onc_arena_alloc(a, sizes[i]);
		assert_non_null(blocks[i]);
		assert_int_equal((uintptr_t)blocks[i] % 8, 0);
		memset(blocks[i], (int)(i & 0xff), sizes[i]);
	}
	for (size_t i = 0; i < count; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			if (blocks[i][j] != (uint8_t)(i & 0xff))
				fail_msg("block %zu byte %zu overwritten", i, j);
	free(blocks);
}

static void test_alignment_and_no_overlap(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 3, 7, 8, 9, 13, 2, 16, 17, 31, 5, 100, 1, 1, 1, 64, 63};
	onc_arena a;
	onc_arena_init(&a, 0);
	for (int round = 0; round < 50; round++)
		alloc_and_check(&a, sizes, UNIT_LEN(sizes));
	onc_arena_free(&a);
}

/* Counts the 64-byte blocks an arena with the given limit hands out before it says no. */
static size_t fill_to_limit(onc_arena *a, size_t limit)
{
	size_t n = 0;
	for (;;) {
		uint8_t *p = onc_arena_alloc(a, 64);
		if (!p)
			break;
		memset(p, 0x5a, 64);
		n++;
		assert_true(n * 64 <= limit);
	}
	return n;
}

static void test_limit(void **state)
{
	(void)state;
	const size_t limit = 16384;
	onc_arena a;
	onc_arena_init(&a, limit);

	size_t n = fill_to_limit(&a, limit);
	/* The limit is reached (no more than a few chunks' overhead short of it) ... */
	assert_true(n * 64 >= limit / 2);
	assert_true(a.used <= limit);
	/* ... what is left takes fewer than 64 bytes' worth of 8-byte blocks ... */
	size_t crumbs = 0;
	while (onc_arena_alloc(&a, 8) != NULL)
		assert_true(++crumbs < 64 / 8 + 1);
	assert_true((n * 64 + crumbs * 8) <= limit);
	/* ... and then the limit stays reached, for small and big requests alike. */
	assert_null(onc_arena_alloc(&a, 1));
	assert_null(onc_arena_alloc(&a, 64));
	assert_null(onc_arena_alloc(&a, limit));
	assert_true(a.used <= limit);

	/* After free, the same amount is available again. */
	onc_arena_free(&a);
	assert_int_equal(fill_to_limit(&a, limit), n);
	onc_arena_free(&a);

	/* A single request over the limit fails at once, and does not use the arena up. */
	onc_arena_init(&a, limit);
	assert_null(onc_arena_alloc(&a, limit + 1));
	assert_null(onc_arena_alloc(&a, SIZE_MAX / 2));
	assert_non_null(onc_arena_alloc(&a, limit / 4));
	onc_arena_free(&a);
}

/* A limit smaller than the arena's usual chunk still lets allocations that fit through. */
static void test_small_limit(void **state)
{
	(void)state;
	static const size_t limits[] = {256, 1024, 4096};
	for (size_t i = 0; i < UNIT_LEN(limits); i++) {
		onc_arena a;
		onc_arena_init(&a, limits[i]);
		uint8_t *p = onc_arena_alloc(&a, 1);
		assert_non_null(p);
		uint8_t *q = onc_arena_alloc(&a, limits[i] / 4);
		assert_non_null(q);
		memset(q, 0x77, limits[i] / 4);
		*p = 1;
		assert_true(a.used <= limits[i]);
		assert_null(onc_arena_alloc(&a, limits[i]));
		onc_arena_free(&a);
	}
}

/* Zero bytes is not "out of memory": a valid pointer, on a fresh arena as on a used one. */
static void test_zero_size(void **state)
{
	(void)state;
	onc_arena a;
	onc_arena_init(&a, 0);
	assert_non_null(onc_arena_alloc(&a, 0));
	assert_non_null(onc_arena_alloc(&a, 8));
	assert_non_null(onc_arena_alloc(&a, 0));
	onc_arena_free(&a);
}

static void test_sizes_that_overflow(void **state)
{
	(void)state;
	onc_arena a;
	onc_arena_init(&a, 0);
	assert_null(onc_arena_alloc(&a, SIZE_MAX));
	assert_null(onc_arena_alloc(&a, SIZE_MAX - 3));
	/* Fits in size_t once rounded, but not with a chunk header added. */
	assert_null(onc_arena_alloc(&a, SIZE_MAX - 8));
	/* Still usable. */
	uint8_t *p = onc_arena_alloc(&a, 10);
	assert_non_null(p);
	memset(p, 1, 10);
	onc_arena_free(&a);
}

static void test_big_allocations(void **state)
{
	(void)state;
	onc_arena a;
	onc_arena_init(&a, 0);
	uint8_t *small = onc_arena_alloc(&a, 24);
	assert_non_null(small);
	memset(small, 0x11, 24);

	/* Blocks much bigger than any chunk, interleaved with small ones. */
	static const size_t big[] = {1u << 20, 3u << 20, 65537, 10u << 20};
	for (size_t i = 0; i < UNIT_LEN(big); i++) {
		uint8_t *p = onc_arena_alloc(&a, big[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 8, 0);
		memset(p, 0x22, big[i]);
		assert_int_equal(p[0], 0x22);
		assert_int_equal(p[big[i] - 1], 0x22);
		uint8_t *q = onc_arena_alloc(&a, 8);
		assert_non_null(q);
		memset(q, 0x33, 8);
		assert_int_equal(p[big[i] - 1], 0x22);
	}
	for (int i = 0; i < 24; i++)
		assert_int_equal(small[i], 0x11);

	/* A big block within a limit, then nothing past it. */
	onc_arena_free(&a);
	onc_arena_init(&a, 2u << 20);
	uint8_t *p = onc_arena_alloc(&a, 1u << 20);
	assert_non_null(p);
	memset(p, 0x44, 1u << 20);
	assert_null(onc_arena_alloc(&a, 1u << 20));
	onc_arena_free(&a);
}

static void test_free_and_reuse(void **state)
{
	(void)state;
	static const size_t sizes[] = {8, 1000, 5, 70000, 12};
	onc_arena a;
	onc_arena_init(&a, 0);
	/* Free with nothing allocated is harmless. */
	onc_arena_free(&a);
	for (int round = 0; round < 20; round++) {
		alloc_and_check(&a, sizes, UNIT_LEN(sizes));
		onc_arena_free(&a);
	}
	/* Free twice in a row. */
	onc_arena_free(&a);
	assert_non_null(onc_arena_alloc(&a, 1));
	onc_arena_free(&a);
}

static void test_reset_keeps_one_chunk(void **state)
{
	(void)state;
	static const size_t sizes[] = {10, 200, 3000, 40, 5};
	onc_arena a;
	onc_arena_init(&a, 1u << 20);
	uint8_t *first = onc_arena_alloc(&a, 16);
	assert_non_null(first);
	alloc_and_check(&a, sizes, 5);
	/* a block big enough to get a chunk of its own is not kept */
	assert_non_null(onc_arena_alloc(&a, 512u << 10));
	onc_arena_reset(&a);
	/* one small chunk is left, and the next allocation starts at its beginning again */
	assert_true(a.used > 0 && a.used < 8192);
	assert_ptr_equal(onc_arena_alloc(&a, 16), first);
	alloc_and_check(&a, sizes, 5);
	assert_null(onc_arena_alloc(&a, 1u << 20));
	onc_arena_free(&a);
	/* resetting an empty arena leaves it empty */
	onc_arena_reset(&a);
	assert_null(a.chunks);
	assert_non_null(onc_arena_alloc(&a, 1));
	onc_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_no_overlap),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_small_limit),
		cmocka_unit_test(test_zero_size),
		cmocka_unit_test(test_sizes_that_overflow),
		cmocka_unit_test(test_big_allocations),
		cmocka_unit_test(test_free_and_reuse),
		cmocka_unit_test(test_reset_keeps_one_chunk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
