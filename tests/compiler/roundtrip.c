/* onc gen's generated codecs (all_types.x): random values round-trip through encode and
 * decode, in arena and malloc modes; bad input is rejected with the right status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codecs.h"

enum { ROUNDS = 300 };

static void encode_value(const codec *c, const void *v, onc_xdr_enc *e)
{
	onc_xdr_enc_init(e);
	assert_int_equal(c->encode(e, v), ONC_OK);
}

/* Decodes bytes and encodes the result again: the bytes must come back unchanged. */
static void decode_and_compare(const codec *c, const uint8_t *bytes, size_t len, onc_arena *arena)
{
	void *v = calloc(1, c->size);
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, bytes, len, arena);
	assert_int_equal(c->decode(&d, v), ONC_OK);
	assert_int_equal(onc_xdr_dec_finish(&d), ONC_OK);
	assert_int_equal(d.depth, ONC_XDR_DEFAULT_DEPTH);
	onc_xdr_enc e;
	encode_value(c, v, &e);
	assert_int_equal(onc_xdr_enc_len(&e), len);
	assert_memory_equal(onc_xdr_enc_data(&e), bytes, len);
	onc_xdr_enc_free(&e);
	if (!arena)
		c->free(v);
	free(v);
}

/* Every proper prefix of a value's encoding is truncated input; a failed malloc-mode decode
 * has released what it allocated and left a value T_free() can be called on again. */
static void decode_prefixes(const codec *c, const uint8_t *bytes, size_t len)
{
	void *v = calloc(1, c->size);
	size_t step = len > 256 ? len / 97 + 1 : 1;
	for (size_t k = 0; k < len; k += step) {
		onc_xdr_dec d;
		onc_xdr_dec_init(&d, bytes, k, NULL);
		assert_int_equal(c->decode(&d, v), ONC_ERR_TRUNCATED);
		assert_int_equal(d.depth, ONC_XDR_DEFAULT_DEPTH);
		c->free(v);
	}
	free(v);
}

static void roundtrip(const codec *c, uint64_t seed)
{
	rng r;
	rng_seed(&r, seed);
	for (int round = 0; round < ROUNDS; round++) {
		void *v = calloc(1, c->size);
		c->random(&r, v);
		onc_xdr_enc e;
		encode_value(c, v, &e);
		size_t len = onc_xdr_enc_len(&e);
		if (c->fixed_size >= 0)
			assert_int_equal(len, c->fixed_size);
		assert_int_equal(len % 4, 0);

		onc_arena arena;
		onc_arena_init(&arena, 0);
		decode_and_compare(c, onc_xdr_enc_data(&e), len, &arena);
		onc_arena_free(&arena);
		decode_and_compare(c, onc_xdr_enc_data(&e), len, NULL);
		if (round < 20)
			decode_prefixes(c, onc_xdr_enc_data(&e), len);

		onc_xdr_enc_free(&e);
		c->free(v);
		free(v);
	}
}

static void test_roundtrip_all_types(void **state)
{
	(void)state;
	for (size_t i = 0; i < ncodecs; i++)
		roundtrip(&codecs[i], 1000 + i);
	roundtrip(&quads_codec, 77);
}

static onc_status decode_bytes(const codec *c, const void *bytes, size_t len)
{
	void *v = calloc(1, c->size);
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, bytes, len, NULL);
	onc_status s = c->decode(&d, v);
	if (s == ONC_OK)
		assert_int_equal(onc_xdr_dec_finish(&d), ONC_OK);
	c->free(v);
	free(v);
	return s;
}

static const codec *find(const char *name)
{
	for (size_t i = 0; i < ncodecs; i++)
		if (strcmp(codecs[i].name, name) == 0)
			return &codecs[i];
	fail_msg("no codec %s", name);
	return NULL;
}

static void test_known_bytes(void **state)
{
	(void)state;
	small v = { .a = 1, .c = BLUE, .big = 0x0102030405060708u };
	static const uint8_t want[] = { 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 };
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_int_equal(small_encode(&e, &v), ONC_OK);
	assert_int_equal(onc_xdr_enc_len(&e), sizeof want);
	assert_memory_equal(onc_xdr_enc_data(&e), want, sizeof want);

	/* A string, padded; an optional absent then present. */
	optionals o = { .oi = NULL, .os = NULL, .name = "abcde", .oh = NULL };
	static const uint8_t want_o[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 'a', 'b', 'c', 'd',
					  'e', 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7 };
	int64_t seven64 = 7;
	o.oh = &seven64;
	onc_xdr_enc_reset(&e);
	assert_int_equal(optionals_encode(&e, &o), ONC_OK);
	assert_int_equal(onc_xdr_enc_len(&e), sizeof want_o);
	assert_memory_equal(onc_xdr_enc_data(&e), want_o, sizeof want_o);
	onc_xdr_enc_free(&e);
	assert_int_equal(scalars_SIZE, 64);
	assert_int_equal(small_SIZE, 16);
	assert_int_equal(nested_SIZE, 56);
	assert_int_equal(hash_SIZE, 16);
	assert_int_equal(colors_SIZE, 16);
}

static void test_bad_values(void **state)
{
	(void)state;
	const codec *sm = find("small"), *sh = find("shape");
	uint8_t b[16] = { 0, 0, 0, 1, 0, 0, 0, 3 }; /* color 3 is not declared */
	assert_int_equal(decode_bytes(sm, b, 16), ONC_ERR_BAD_VALUE);
	b[7] = 2;
	assert_int_equal(decode_bytes(sm, b, 16), ONC_OK);

	/* sparse: S_LOW=-5, S_MID=10, S_HIGH=1000 */
	only_void ov;
	onc_xdr_dec d;
	uint8_t sp[4] = { 0, 0, 0, 11 };
	onc_xdr_dec_init(&d, sp, 4, NULL);
	assert_int_equal(only_void_decode(&d, &ov), ONC_ERR_BAD_VALUE);
	uint8_t sp2[4] = { 0, 0, 0x03, 0xe8 };
	onc_xdr_dec_init(&d, sp2, 4, NULL);
	assert_int_equal(only_void_decode(&d, &ov), ONC_OK);
	assert_int_equal(ov.k, S_HIGH);

	/* A union without default rejects an undeclared discriminant; one with a default
	 * takes it. */
	uint8_t u[8] = { 0, 0, 0, 5, 0, 0, 0, 0 };
	assert_int_equal(decode_bytes(sh, u, 8), ONC_ERR_BAD_VALUE);
	with_default wd;
	uint8_t w[8] = { 0, 0, 0, 99, 0x3f, 0x80, 0, 0 };
	onc_xdr_dec_init(&d, w, 8, NULL);
	assert_int_equal(with_default_decode(&d, &wd), ONC_OK);
	assert_true(wd.with_default_u.f == 1.0f);
	big_case bc;
	uint8_t k[8] = { 0xee, 0x6b, 0x28, 0x00, 0, 0, 0, 9 };
	onc_xdr_dec_init(&d, k, 8, NULL);
	assert_int_equal(big_case_decode(&d, &bc), ONC_OK);
	assert_int_equal(bc.big_case_u.big, 9);
	k[0] = 0;
	onc_xdr_dec_init(&d, k, 8, NULL);
	assert_int_equal(big_case_decode(&d, &bc), ONC_ERR_BAD_VALUE);

	/* bool must be 0 or 1 */
	maybe mb;
	uint8_t m[4] = { 0, 0, 0, 2 };
	onc_xdr_dec_init(&d, m, 4, NULL);
	assert_int_equal(maybe_decode(&d, &mb), ONC_ERR_BAD_VALUE);

	/* bounded lengths */
	arrays ar;
	memset(&ar, 0, sizeof ar);
	char longname[MAXNAME + 2];
	memset(longname, 'x', sizeof longname - 1);
	longname[MAXNAME + 1] = '\0';
	ar.s = "";
	ar.sb = longname;
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_int_equal(arrays_encode(&e, &ar), ONC_ERR_TOO_LONG);
	onc_xdr_enc_free(&e);
}

/* Deep nesting through a non-list member fails cleanly, and the depth is restored. */
static void test_depth(void **state)
{
	(void)state;
	tree root = { 0 };
	tree *t = &root;
	for (int i = 0; i < 50; i++) {
		t->left = calloc(1, sizeof *t->left);
		t = t->left;
	}
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_int_equal(tree_encode(&e, &root), ONC_OK);
	tree out;
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), NULL);
	d.depth = 10;
	assert_int_equal(tree_decode(&d, &out), ONC_ERR_TOO_DEEP);
	assert_int_equal(d.depth, 10);
	onc_xdr_dec_init(&d, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), NULL);
	assert_int_equal(tree_decode(&d, &out), ONC_OK);
	assert_int_equal(d.depth, ONC_XDR_DEFAULT_DEPTH);
	tree_free(&out);
	tree_free(&root);
	onc_xdr_enc_free(&e);
}

/* A list far longer than the depth allowance: coded in a loop, not by recursion. */
static void test_long_list(void **state)
{
	(void)state;
	enum { N = 200000 };
	list head;
	make_list(&head, N);
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_int_equal(list_encode(&e, &head), ONC_OK);
	assert_int_equal(onc_xdr_enc_len(&e), (size_t)N * 12);
	list_free(&head);

	for (int mode = 0; mode < 2; mode++) {
		onc_arena arena;
		onc_arena_init(&arena, 0);
		list out;
		onc_xdr_dec d;
		onc_xdr_dec_init(&d, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), mode ? &arena : NULL);
		assert_int_equal(list_decode(&d, &out), ONC_OK);
		assert_int_equal(onc_xdr_dec_finish(&d), ONC_OK);
		uint32_t n = 0;
		for (const list *l = &out; l; l = l->next)
			assert_int_equal(l->value, n++);
		assert_int_equal(n, N);
		if (!mode)
			list_free(&out);
		onc_arena_free(&arena);
	}
	onc_xdr_enc_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_types),
		cmocka_unit_test(test_known_bytes),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_long_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
