/* XDR decoding of hostile input: lengths that claim more than is there, maximum sizes, array
 * counts the input cannot back, padding, and decoding without an arena (malloc mode). */
#include "unit.h"

#include <string.h>

/* A decoder over a heap copy of exactly n bytes, with an arena limited to limit bytes. */
struct fixture {
	uint8_t *buf;
	onc_arena arena;
	onc_xdr_dec d;
};

static void fixture_open(struct fixture *f, const void *data, size_t n, size_t limit)
{
	f->buf = unit_dup(data, n);
	onc_arena_init(&f->arena, limit);
	onc_xdr_dec_init(&f->d, f->buf, n, &f->arena);
}

static void fixture_close(struct fixture *f)
{
	onc_arena_free(&f->arena);
	free(f->buf);
}

/* Every reader of a variable-length opaque or string, on the same input, must agree on s. */
static void expect_var_status(const void *data, size_t n, uint32_t max, unsigned flags,
			      onc_status want)
{
	struct fixture f;
	/* An arena far smaller than the 1 MiB some inputs claim: allocating for a length before
	 * checking it against the input would report ONC_ERR_NOMEM instead. */
	const size_t limit = 65536;
	uint8_t *bytes = NULL;
	const uint8_t *ref = NULL;
	char *str = NULL;
	uint32_t len;

	fixture_open(&f, data, n, limit);
	f.d.flags = flags;
	assert_status(onc_xdr_get_opaque(&f.d, &bytes, &len, max), want);
	fixture_close(&f);

	fixture_open(&f, data, n, limit);
	f.d.flags = flags;
	assert_status(onc_xdr_get_opaque_ref(&f.d, &ref, &len, max), want);
	fixture_close(&f);

	fixture_open(&f, data, n, limit);
	f.d.flags = flags;
	assert_status(onc_xdr_get_string(&f.d, &str, max), want);
	fixture_close(&f);
}

static void test_length_claims_more_than_is_there(void **state)
{
	(void)state;
	/* Claims 16 bytes, has 4. */
	static const uint8_t short_body[] = {0, 0, 0, 16, 'a', 'b', 'c', 'd'};
	expect_var_status(short_body, sizeof short_body, 255, 0, ONC_ERR_TRUNCATED);
	/* Claims 1 MiB within the maximum: must fail on the input, not on the arena. */
	static const uint8_t mib[] = {0, 0x10, 0, 0, 'a', 'b', 'c', 'd'};
	expect_var_status(mib, sizeof mib, UINT32_MAX, 0, ONC_ERR_TRUNCATED);
	/* Lengths near 2^32, where rounding up to a multiple of 4 overflows 32 bits. */
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd'};
	expect_var_status(huge, sizeof huge, UINT32_MAX, 0, ONC_ERR_TRUNCATED);
	static const uint8_t huge_pad[] = {0xff, 0xff, 0xff, 0xfd, 'a', 'b', 'c', 'd'};
	expect_var_status(huge_pad, sizeof huge_pad, UINT32_MAX, 0, ONC_ERR_TRUNCATED);
	/* The data is all there but its padding is not. */
	static const uint8_t no_pad[] = {0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e'};
	expect_var_status(no_pad, sizeof no_pad, 255, 0, ONC_ERR_TRUNCATED);
	/* Not even a whole length word. */
	static const uint8_t half_len[] = {0, 0, 0};
	expect_var_status(half_len, sizeof half_len, 255, 0, ONC_ERR_TRUNCATED);
}

static void test_max_length(void **state)
{
	(void)state;
	enum { MAX = 255 };
	char name[MAX + 2];
	memset(name, 'x', MAX + 1);
	name[MAX + 1] = '\0';

	/* string<255>: 256 bytes is too long to encode and to decode, 255 is fine. */
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_status(onc_xdr_put_string(&e, name, MAX), ONC_ERR_TOO_LONG);
	assert_status(onc_xdr_put_opaque(&e, name, MAX + 1, MAX), ONC_ERR_TOO_LONG);
	onc_xdr_enc_reset(&e);
	assert_status(onc_xdr_put_string(&e, name, MAX + 1), ONC_OK);
	expect_var_status(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), MAX, 0, ONC_ERR_TOO_LONG);
	expect_var_status(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), MAX + 1, 0, ONC_OK);

	name[MAX] = '\0';
	onc_xdr_enc_reset(&e);
	assert_status(onc_xdr_put_string(&e, name, MAX), ONC_OK);
	assert_int_equal(onc_xdr_enc_len(&e), 4 + 256);
	expect_var_status(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), MAX, 0, ONC_OK);

	struct fixture f;
	char *str = NULL;
	fixture_open(&f, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), 0);
	assert_status(onc_xdr_get_string(&f.d, &str, MAX), ONC_OK);
	assert_int_equal(strlen(str), MAX);
	assert_string_equal(str, name);
	fixture_close(&f);
	onc_xdr_enc_free(&e);

	/* A length over the maximum is refused even when the input could not hold it. */
	static const uint8_t claim[] = {0, 0, 1, 0};
	expect_var_status(claim, sizeof claim, MAX, 0, ONC_ERR_TOO_LONG);
}

static onc_status get_len(const void *data, size_t n, uint32_t max, size_t min_elem,
			  uint32_t *count)
{
	struct fixture f;
	fixture_open(&f, data, n, 0);
	onc_status s = onc_xdr_get_array_len(&f.d, count, max, min_elem);
	if (s == ONC_OK)
		assert_int_equal(onc_xdr_dec_left(&f.d), n - 4);
	fixture_close(&f);
	return s;
}

static void test_array_counts(void **state)
{
	(void)state;
	uint32_t n = 0;
	/* Count 2 with 8 bytes after it: two 4-byte elements fit, three do not. */
	static const uint8_t two[] = {0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
	assert_status(get_len(two, sizeof two, 10, 4, &n), ONC_OK);
	assert_int_equal(n, 2);
	assert_status(get_len(two, sizeof two, 10, 8, &n), ONC_ERR_TRUNCATED);
	assert_status(get_len(two, sizeof two, 1, 4, &n), ONC_ERR_TOO_LONG);
	/* min_elem_size 0: no check against what is left. */
	assert_status(get_len(two, sizeof two, 10, 0, &n), ONC_OK);

	static const uint8_t three[] = {0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2};
	assert_status(get_len(three, sizeof three, 10, 4, &n), ONC_ERR_TRUNCATED);

	/* Counts whose total size overflows 32 (or nearly 64) bits. */
	static const uint8_t big[] = {0x40, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2};
	assert_status(get_len(big, sizeof big, UINT32_MAX, 4, &n), ONC_ERR_TRUNCATED);
	static const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1};
	assert_status(get_len(max, sizeof max, UINT32_MAX, 1, &n), ONC_ERR_TRUNCATED);
	assert_status(get_len(max, sizeof max, UINT32_MAX, SIZE_MAX, &n), ONC_ERR_TRUNCATED);
	assert_status(get_len(max, sizeof max, 100, 4, &n), ONC_ERR_TOO_LONG);

	/* The bulk readers check the whole run before reading. */
	struct fixture f;
	uint32_t out32[3];
	uint64_t out64[2];
	fixture_open(&f, two, 8, 0);
	assert_status(onc_xdr_get_u32_array(&f.d, out32, 3), ONC_ERR_TRUNCATED);
	assert_status(onc_xdr_get_u64_array(&f.d, out64, 2), ONC_ERR_TRUNCATED);
	assert_status(onc_xdr_get_u32_array(&f.d, out32, SIZE_MAX / 2), ONC_ERR_TRUNCATED);
	assert_status(onc_xdr_get_u64_array(&f.d, out64, SIZE_MAX / 4), ONC_ERR_TRUNCATED);
	assert_status(onc_xdr_get_u64_array(&f.d, out64, 1), ONC_OK);
	assert_int_equal(out64[0], 0x200000001u);
	fixture_close(&f);
}

/* A data byte followed by padding with one non-zero byte at pad_at (or none when pad_at < 0):
 * read as fixed opaque, variable opaque and string. */
static void check_padding(int pad_at)
{
	uint8_t fixed[4] = {'z', 0, 0, 0};
	uint8_t var[8] = {0, 0, 0, 1, 'z', 0, 0, 0};
	onc_status want_strict = ONC_OK;
	if (pad_at >= 0) {
		fixed[1 + pad_at] = 0x80;
		var[5 + pad_at] = 1;
		want_strict = ONC_ERR_BAD_PADDING;
	}

	for (int strict = 0; strict <= 1; strict++) {
		unsigned flags = strict ? ONC_XDR_STRICT_PADDING : 0;
		onc_status want = strict ? want_strict : ONC_OK;
		struct fixture f;
		uint8_t out = 0;

		fixture_open(&f, fixed, sizeof fixed, 0);
		f.d.flags = flags;
		assert_status(onc_xdr_get_opaque_fixed(&f.d, &out, 1), want);
		if (want == ONC_OK) {
			assert_int_equal(out, 'z');
			assert_status(onc_xdr_dec_finish(&f.d), ONC_OK);
		}
		fixture_close(&f);

		expect_var_status(var, sizeof var, 8, flags, want);

		/* Skipped padding leaves the cursor after it, with the value intact. */
		char *str = NULL;
		fixture_open(&f, var, sizeof var, 0);
		f.d.flags = flags;
		if (onc_xdr_get_string(&f.d, &str, 8) == ONC_OK) {
			assert_string_equal(str, "z");
			assert_status(onc_xdr_dec_finish(&f.d), ONC_OK);
		}
		fixture_close(&f);
	}
}

static void test_padding(void **state)
{
	(void)state;
	check_padding(-1);
	for (int i = 0; i < 3; i++)
		check_padding(i);

	/* The encoder writes zeros, even over junk in a fixed buffer (bytes checked in test_xdr;
	 * here through skip_pad's strict check on the encoder's own output). */
	uint8_t buf[16];
	memset(buf, 0xee, sizeof buf);
	onc_xdr_enc e;
	onc_xdr_enc_init_fixed(&e, buf, sizeof buf);
	assert_status(onc_xdr_put_string(&e, "abcde", 16), ONC_OK);
	assert_int_equal(onc_xdr_enc_len(&e), 12);
	static const uint8_t want[] = {0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0};
	assert_memory_equal(buf, want, sizeof want);
	assert_int_equal(buf[12], 0xee);
}

/* With no arena, strings, opaques and dec_alloc blocks come from malloc; ASan checks that free()
 * is the right way to release them and that nothing leaks. */
static void test_no_arena_uses_malloc(void **state)
{
	(void)state;
	static const uint8_t in[] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0, 2, 9, 8, 0, 0,
				     0, 0, 0, 0};
	onc_xdr_dec d;
	char *str = NULL;
	uint8_t *data = NULL;
	uint32_t len = 0;

	onc_xdr_dec_init(&d, in, sizeof in, NULL);
	assert_status(onc_xdr_get_string(&d, &str, 10), ONC_OK);
	assert_string_equal(str, "abc");
	assert_status(onc_xdr_get_opaque(&d, &data, &len, 10), ONC_OK);
	assert_int_equal(len, 2);
	assert_int_equal(data[0], 9);
	assert_int_equal(data[1], 8);
	/* An empty string is still a string. */
	char *empty = NULL;
	assert_status(onc_xdr_get_string(&d, &empty, 10), ONC_OK);
	assert_non_null(empty);
	assert_string_equal(empty, "");
	assert_status(onc_xdr_dec_finish(&d), ONC_OK);
	free(str);
	free(data);
	free(empty);

	uint64_t *block = onc_xdr_dec_alloc(&d, 3, sizeof *block);
	assert_non_null(block);
	block[2] = 1;
	free(block);
	void *zero = onc_xdr_dec_alloc(&d, 0, 8);
	assert_non_null(zero);
	free(zero);
	assert_null(onc_xdr_dec_alloc(&d, SIZE_MAX / 2 + 1, 2));
	assert_null(onc_xdr_dec_alloc(&d, 2, SIZE_MAX / 2 + 1));
}

static void test_string_with_nul_inside(void **state)
{
	(void)state;
	/* "ab\0c": refused as a string, kept whole as opaque data */
	static const uint8_t wire[] = {0, 0, 0, 4, 'a', 'b', 0, 'c'};
	onc_arena a;
	onc_xdr_dec d;
	char *s = NULL;
	uint8_t *o = NULL;
	uint32_t len = 0;
	onc_arena_init(&a, 0);
	onc_xdr_dec_init(&d, wire, sizeof wire, &a);
	assert_int_equal(onc_xdr_get_string(&d, &s, 255), ONC_ERR_BAD_VALUE);
	onc_xdr_dec_init(&d, wire, sizeof wire, &a);
	assert_int_equal(onc_xdr_get_opaque(&d, &o, &len, 255), ONC_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(o, "ab\0c", 4);
	onc_arena_free(&a);
}

static void test_dec_alloc_arena(void **state)
{
	(void)state;
	onc_arena arena;
	onc_xdr_dec d;
	onc_arena_init(&arena, 1u << 20);
	onc_xdr_dec_init(&d, "", 0, &arena);
	assert_non_null(onc_xdr_dec_alloc(&d, 0, 4));
	uint32_t *p = onc_xdr_dec_alloc(&d, 10, 4);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 8, 0);
	assert_null(onc_xdr_dec_alloc(&d, SIZE_MAX / 4 + 1, 4));
	/* Over the arena's limit. */
	assert_null(onc_xdr_dec_alloc(&d, 2u << 20, 1));
	onc_arena_free(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_claims_more_than_is_there),
		cmocka_unit_test(test_max_length),
		cmocka_unit_test(test_array_counts),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_string_with_nul_inside),
		cmocka_unit_test(test_no_arena_uses_malloc),
		cmocka_unit_test(test_dec_alloc_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
