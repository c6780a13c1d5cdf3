/* XDR primitives (RFC 4506 §4): the exact bytes of each, encoded into a growable buffer and
 * into fixed buffers of every size, decoded back, and truncated at every byte. */
#include "unit.h"

#include <string.h>

/* enc_NAME / dec_NAME for a scalar type: the value is compared bit for bit. */
#define SCALAR_CODEC(name, type, put, get)                                                   \
	static onc_status enc_##name(onc_xdr_enc *e, const void *arg)                        \
	{                                                                                    \
		return put(e, *(const type *)arg);                                           \
	}                                                                                    \
	static onc_status dec_##name(onc_xdr_dec *d, const void *arg)                        \
	{                                                                                    \
		type v;                                                                      \
		onc_status s = get(d, &v);                                                   \
		if (s == ONC_OK)                                                             \
			assert_memory_equal(&v, arg, sizeof v);                              \
		return s;                                                                    \
	}

SCALAR_CODEC(i32, int32_t, onc_xdr_put_i32, onc_xdr_get_i32)
SCALAR_CODEC(u32, uint32_t, onc_xdr_put_u32, onc_xdr_get_u32)
SCALAR_CODEC(enum, int32_t, onc_xdr_put_enum, onc_xdr_get_enum)
SCALAR_CODEC(bool, bool, onc_xdr_put_bool, onc_xdr_get_bool)
SCALAR_CODEC(i64, int64_t, onc_xdr_put_i64, onc_xdr_get_i64)
SCALAR_CODEC(u64, uint64_t, onc_xdr_put_u64, onc_xdr_get_u64)
SCALAR_CODEC(float, float, onc_xdr_put_float, onc_xdr_get_float)
SCALAR_CODEC(double, double, onc_xdr_put_double, onc_xdr_get_double)

static onc_status enc_quad(onc_xdr_enc *e, const void *arg)
{
	return onc_xdr_put_quad(e, arg);
}

static onc_status dec_quad(onc_xdr_dec *d, const void *arg)
{
	onc_quad v;
	onc_status s = onc_xdr_get_quad(d, &v);
	if (s == ONC_OK)
		assert_memory_equal(v.bytes, ((const onc_quad *)arg)->bytes, 16);
	return s;
}

/* Checks value (a pointer) against the listed bytes with enc_NAME / dec_NAME. */
#define CODEC(name, value, ...)                                                              \
	do {                                                                                 \
		static const uint8_t want_[] = {__VA_ARGS__};                                \
		unit_check_codec(enc_##name, dec_##name, value, want_, sizeof want_);        \
	} while (0)

static void test_int(void **state)
{
	(void)state;
	CODEC(i32, &(int32_t){0}, 0, 0, 0, 0);
	CODEC(i32, &(int32_t){1}, 0, 0, 0, 1);
	CODEC(i32, &(int32_t){-1}, 0xff, 0xff, 0xff, 0xff);
	CODEC(i32, &(int32_t){0x12345678}, 0x12, 0x34, 0x56, 0x78);
	CODEC(i32, &(int32_t){INT32_MIN}, 0x80, 0, 0, 0);
	CODEC(i32, &(int32_t){INT32_MAX}, 0x7f, 0xff, 0xff, 0xff);
}

static void test_unsigned(void **state)
{
	(void)state;
	CODEC(u32, &(uint32_t){0xdeadbeefu}, 0xde, 0xad, 0xbe, 0xef);
	CODEC(u32, &(uint32_t){UINT32_MAX}, 0xff, 0xff, 0xff, 0xff);
	CODEC(u32, &(uint32_t){258}, 0, 0, 1, 2);
}

static void test_enum(void **state)
{
	(void)state;
	CODEC(enum, &(int32_t){2}, 0, 0, 0, 2);
	CODEC(enum, &(int32_t){-3}, 0xff, 0xff, 0xff, 0xfd);
}

static void test_bool(void **state)
{
	(void)state;
	CODEC(bool, &(bool){true}, 0, 0, 0, 1);
	CODEC(bool, &(bool){false}, 0, 0, 0, 0);

	/* Only 0 and 1 are booleans. */
	static const uint32_t bad[] = {2, 0x100, 0x01000000u, 0xffffffffu};
	for (size_t i = 0; i < UNIT_LEN(bad); i++) {
		uint32_t wire = onc_be32(bad[i]);
		onc_xdr_dec d;
		bool v = true;
		onc_xdr_dec_init(&d, &wire, 4, NULL);
		assert_status(onc_xdr_get_bool(&d, &v), ONC_ERR_BAD_VALUE);
	}
}

static void test_hyper(void **state)
{
	(void)state;
	CODEC(i64, &(int64_t){-2}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe);
	CODEC(i64, &(int64_t){0x0102030405060708}, 1, 2, 3, 4, 5, 6, 7, 8);
	CODEC(i64, &(int64_t){INT64_MIN}, 0x80, 0, 0, 0, 0, 0, 0, 0);
}

static void test_unsigned_hyper(void **state)
{
	(void)state;
	CODEC(u64, &(uint64_t){0xfedcba9876543210u}, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32,
	      0x10);
	CODEC(u64, &(uint64_t){1}, 0, 0, 0, 0, 0, 0, 0, 1);
}

static void test_float(void **state)
{
	(void)state;
	CODEC(float, &(float){1.0f}, 0x3f, 0x80, 0, 0);
	CODEC(float, &(float){-2.5f}, 0xc0, 0x20, 0, 0);
	CODEC(float, &(float){0.0f}, 0, 0, 0, 0);

	/* A NaN keeps its payload: bits go through untouched. */
	uint32_t bits = 0x7fc00001u;
	float nan;
	memcpy(&nan, &bits, 4);
	CODEC(float, &nan, 0x7f, 0xc0, 0x00, 0x01);
}

static void test_double(void **state)
{
	(void)state;
	CODEC(double, &(double){1.0}, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0);
	CODEC(double, &(double){-0.1}, 0xbf, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a);
	CODEC(double, &(double){2.5}, 0x40, 0x04, 0, 0, 0, 0, 0, 0);
}

static void test_quadruple(void **state)
{
	(void)state;
	/* 1.0 and -2.0 in IEEE 754 binary128, most significant byte first. */
	static const onc_quad one = {{0x3f, 0xff}};
	static const onc_quad minus_two = {{0xc0, 0x00}};
	CODEC(quad, &one, 0x3f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	CODEC(quad, &minus_two, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	static const onc_quad pattern = {
		{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
	CODEC(quad, &pattern, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
}

/* ------------------------------------------------------------------------------------------ */

struct bytes_arg {
	const void *data;
	size_t n;
	uint32_t max;
};

static onc_status enc_fixed_opaque(onc_xdr_enc *e, const void *arg)
{
	const struct bytes_arg *a = arg;
	return onc_xdr_put_opaque_fixed(e, a->data, a->n);
}

static onc_status dec_fixed_opaque(onc_xdr_dec *d, const void *arg)
{
	const struct bytes_arg *a = arg;
	uint8_t out[64];
	assert_true(a->n <= sizeof out);
	onc_status s = onc_xdr_get_opaque_fixed(d, out, a->n);
	if (s == ONC_OK && a->n)
		assert_memory_equal(out, a->data, a->n);
	return s;
}

static void test_fixed_opaque(void **state)
{
	(void)state;
	static const uint8_t five[] = {1, 2, 3, 4, 5};
	CODEC(fixed_opaque, (&(struct bytes_arg){five, 5, 0}), 1, 2, 3, 4, 5, 0, 0, 0);
	CODEC(fixed_opaque, (&(struct bytes_arg){five, 4, 0}), 1, 2, 3, 4);
	CODEC(fixed_opaque, (&(struct bytes_arg){five, 3, 0}), 1, 2, 3, 0);
	CODEC(fixed_opaque, (&(struct bytes_arg){five, 2, 0}), 1, 2, 0, 0);
	CODEC(fixed_opaque, (&(struct bytes_arg){five, 1, 0}), 1, 0, 0, 0);
}

static onc_status enc_var_opaque(onc_xdr_enc *e, const void *arg)
{
	const struct bytes_arg *a = arg;
	return onc_xdr_put_opaque(e, a->data, a->n, a->max);
}

/* Decodes with both the copying and the by-reference reader. */
static onc_status dec_var_opaque(onc_xdr_dec *d, const void *arg)
{
	const struct bytes_arg *a = arg;
	onc_xdr_dec ref = *d;
	const uint8_t *rdata = NULL;
	uint8_t *data = NULL;
	uint32_t len = 0, rlen = 0;

	onc_status rs = onc_xdr_get_opaque_ref(&ref, &rdata, &rlen, a->max);
	onc_status s = onc_xdr_get_opaque(d, &data, &len, a->max);
	assert_status(rs, s);
	if (s != ONC_OK)
		return s;
	assert_true(ref.p == d->p);
	assert_int_equal(len, a->n);
	assert_int_equal(rlen, a->n);
	if (a->n) {
		assert_memory_equal(data, a->data, a->n);
		assert_memory_equal(rdata, a->data, a->n);
		/* By reference means pointing just past the length word in the input. */
		assert_true(rdata == ref.p - onc_xdr_round(a->n));
	}
	return s;
}

static void test_var_opaque(void **state)
{
	(void)state;
	static const uint8_t abc[] = {'a', 'b', 'c', 'd', 'e'};
	CODEC(var_opaque, (&(struct bytes_arg){abc, 3, 10}), 0, 0, 0, 3, 'a', 'b', 'c', 0);
	CODEC(var_opaque, (&(struct bytes_arg){abc, 4, 4}), 0, 0, 0, 4, 'a', 'b', 'c', 'd');
	CODEC(var_opaque, (&(struct bytes_arg){abc, 5, UINT32_MAX}), 0, 0, 0, 5, 'a', 'b', 'c',
	      'd', 'e', 0, 0, 0);
	CODEC(var_opaque, (&(struct bytes_arg){abc, 0, 0}), 0, 0, 0, 0);

	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_status(onc_xdr_put_opaque(&e, abc, 5, 4), ONC_ERR_TOO_LONG);
	onc_xdr_enc_free(&e);
}

struct string_arg {
	const char *str;
	uint32_t max;
};

static onc_status enc_string(onc_xdr_enc *e, const void *arg)
{
	const struct string_arg *a = arg;
	return onc_xdr_put_string(e, a->str, a->max);
}

static onc_status dec_string(onc_xdr_dec *d, const void *arg)
{
	const struct string_arg *a = arg;
	char *str = NULL;
	onc_status s = onc_xdr_get_string(d, &str, a->max);
	if (s == ONC_OK) {
		assert_non_null(str);
		assert_string_equal(str, a->str ? a->str : "");
	}
	return s;
}

static void test_string(void **state)
{
	(void)state;
	CODEC(string, (&(struct string_arg){"hello", 255}), 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o',
	      0, 0, 0);
	CODEC(string, (&(struct string_arg){"four", 4}), 0, 0, 0, 4, 'f', 'o', 'u', 'r');
	CODEC(string, (&(struct string_arg){"", 0}), 0, 0, 0, 0);
	CODEC(string, (&(struct string_arg){NULL, 8}), 0, 0, 0, 0);

	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_status(onc_xdr_put_string(&e, "hello", 4), ONC_ERR_TOO_LONG);
	onc_xdr_enc_free(&e);
}

/* ------------------------------------------------------------------------------------------ */

/* An array of 4- or 8-byte scalars; max == 0 means fixed length, else variable up to max. */
struct array_arg {
	const void *v;
	size_t n;
	size_t width;
	uint32_t max;
};

static onc_status enc_array(onc_xdr_enc *e, const void *arg)
{
	const struct array_arg *a = arg;
	if (a->max) {
		onc_status s = onc_xdr_put_array_len(e, a->n, a->max);
		if (s != ONC_OK)
			return s;
	}
	return a->width == 4 ? onc_xdr_put_u32_array(e, a->v, a->n)
			     : onc_xdr_put_u64_array(e, a->v, a->n);
}

static onc_status dec_array(onc_xdr_dec *d, const void *arg)
{
	const struct array_arg *a = arg;
	uint32_t n = (uint32_t)a->n;
	onc_status s;

	if (a->max) {
		s = onc_xdr_get_array_len(d, &n, a->max, a->width);
		if (s != ONC_OK)
			return s;
		assert_int_equal(n, a->n);
	}
	void *out = onc_xdr_dec_alloc(d, n, a->width);
	assert_non_null(out);
	s = a->width == 4 ? onc_xdr_get_u32_array(d, out, n) : onc_xdr_get_u64_array(d, out, n);
	if (s == ONC_OK && n)
		assert_memory_equal(out, a->v, n * a->width);
	return s;
}

static void test_fixed_array(void **state)
{
	(void)state;
	static const int32_t ints[] = {1, -1, 0x01020304};
	static const double dbls[] = {1.0, -2.5};
	CODEC(array, (&(struct array_arg){ints, 3, 4, 0}), 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 1,
	      2, 3, 4);
	CODEC(array, (&(struct array_arg){dbls, 2, 8, 0}), 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0,
	      0x04, 0, 0, 0, 0, 0, 0);
	CODEC(array, (&(struct array_arg){ints, 1, 4, 0}), 0, 0, 0, 1);
}

static void test_var_array(void **state)
{
	(void)state;
	static const uint32_t u[] = {7, 0x80000000u};
	static const int64_t h[] = {-1, 0x0a0b0c0d0e0f1011};
	CODEC(array, (&(struct array_arg){u, 2, 4, 5}), 0, 0, 0, 2, 0, 0, 0, 7, 0x80, 0, 0, 0);
	CODEC(array, (&(struct array_arg){h, 2, 8, 2}), 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff,
	      0xff, 0xff, 0xff, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11);
	CODEC(array, (&(struct array_arg){u, 0, 4, 5}), 0, 0, 0, 0);

	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_status(onc_xdr_put_array_len(&e, 3, 2), ONC_ERR_TOO_LONG);
	onc_xdr_enc_free(&e);
}

/* Bulk encoding gives the same bytes as one put per element, for a long array, and bulk
 * decoding reads them back from an input that is not 4-byte aligned in memory. */
static void test_bulk_arrays_match_elementwise(void **state)
{
	(void)state;
	enum { N = 1000 };
	uint32_t *u = malloc(N * sizeof *u);
	uint64_t *h = malloc(N * sizeof *h);
	uint32_t seed = 1;
	assert_non_null(u);
	assert_non_null(h);
	for (size_t i = 0; i < N; i++) {
		u[i] = unit_rand(&seed);
		h[i] = (uint64_t)unit_rand(&seed) << 32 | unit_rand(&seed);
	}

	onc_xdr_enc bulk, each;
	onc_xdr_enc_init(&bulk);
	onc_xdr_enc_init(&each);
	assert_status(onc_xdr_put_u32_array(&bulk, u, N), ONC_OK);
	assert_status(onc_xdr_put_u64_array(&bulk, h, N), ONC_OK);
	for (size_t i = 0; i < N; i++)
		assert_status(onc_xdr_put_u32(&each, u[i]), ONC_OK);
	for (size_t i = 0; i < N; i++)
		assert_status(onc_xdr_put_u64(&each, h[i]), ONC_OK);
	unit_assert_enc_bytes(&bulk, onc_xdr_enc_data(&each), onc_xdr_enc_len(&each));
	assert_int_equal(onc_xdr_enc_len(&bulk), N * 12);

	size_t len = onc_xdr_enc_len(&bulk);
	uint8_t *odd = malloc(len + 1);
	assert_non_null(odd);
	memcpy(odd + 1, onc_xdr_enc_data(&bulk), len);
	uint32_t *u2 = malloc(N * sizeof *u2);
	uint64_t *h2 = malloc(N * sizeof *h2);
	assert_non_null(u2);
	assert_non_null(h2);
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, odd + 1, len, NULL);
	assert_status(onc_xdr_get_u32_array(&d, u2, N), ONC_OK);
	assert_status(onc_xdr_get_u64_array(&d, h2, N), ONC_OK);
	assert_status(onc_xdr_dec_finish(&d), ONC_OK);
	assert_memory_equal(u2, u, N * sizeof *u);
	assert_memory_equal(h2, h, N * sizeof *h);

	free(u2);
	free(h2);
	free(odd);
	onc_xdr_enc_free(&bulk);
	onc_xdr_enc_free(&each);
	free(u);
	free(h);
}

/* ------------------------------------------------------------------------------------------ */

/* Optional data (`int *p`): a bool, then the value when it is there. */
struct optional_arg {
	bool present;
	int32_t value;
};

static onc_status enc_optional(onc_xdr_enc *e, const void *arg)
{
	const struct optional_arg *a = arg;
	onc_status s = onc_xdr_put_bool(e, a->present);
	if (s == ONC_OK && a->present)
		s = onc_xdr_put_i32(e, a->value);
	return s;
}

static onc_status dec_optional(onc_xdr_dec *d, const void *arg)
{
	const struct optional_arg *a = arg;
	bool present;
	onc_status s = onc_xdr_get_bool(d, &present);
	if (s != ONC_OK)
		return s;
	assert_int_equal(present, a->present);
	if (!present)
		return ONC_OK;
	int32_t *p = onc_xdr_dec_alloc(d, 1, sizeof *p);
	assert_non_null(p);
	s = onc_xdr_get_i32(d, p);
	if (s == ONC_OK)
		assert_int_equal(*p, a->value);
	return s;
}

static void test_optional(void **state)
{
	(void)state;
	CODEC(optional, (&(struct optional_arg){true, -7}), 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xf9);
	CODEC(optional, (&(struct optional_arg){false, 0}), 0, 0, 0, 0);

	/* A "present" flag of 2 is not a bool. */
	static const uint8_t bad[] = {0, 0, 0, 2, 0, 0, 0, 1};
	assert_status(unit_decode_exact(dec_optional, &(struct optional_arg){true, 1}, bad,
					sizeof bad, 0),
		      ONC_ERR_BAD_VALUE);
}

/* void: nothing on the wire; an empty encoding and an empty input that decodes completely. */
static void test_void(void **state)
{
	(void)state;
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_int_equal(onc_xdr_enc_len(&e), 0);
	assert_status(onc_xdr_put_opaque_fixed(&e, NULL, 0), ONC_OK);
	assert_int_equal(onc_xdr_enc_len(&e), 0);
	onc_xdr_enc_free(&e);

	uint8_t none[1] = {0};
	onc_xdr_enc_init_fixed(&e, none, 0);
	assert_status(onc_xdr_put_opaque_fixed(&e, NULL, 0), ONC_OK);
	assert_int_equal(onc_xdr_enc_len(&e), 0);

	onc_xdr_dec d;
	onc_xdr_dec_init(&d, none, 0, NULL);
	assert_status(onc_xdr_dec_finish(&d), ONC_OK);
	assert_status(onc_xdr_get_opaque_fixed(&d, none, 0), ONC_OK);
	assert_status(onc_xdr_dec_finish(&d), ONC_OK);
}

/* ------------------------------------------------------------------------------------------ */

static void test_growable_buffer(void **state)
{
	(void)state;
	enum { N = 100000 };
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	for (uint32_t i = 0; i < N; i++)
		assert_status(onc_xdr_put_u32(&e, i), ONC_OK);
	assert_int_equal(onc_xdr_enc_len(&e), 4 * N);
	const uint8_t *p = onc_xdr_enc_data(&e);
	for (uint32_t i = 0; i < N; i += 9973) {
		uint32_t want = onc_be32(i);
		assert_memory_equal(p + 4 * i, &want, 4);
	}

	/* reset empties it and keeps the capacity: the next writes need no growth. */
	size_t cap = (size_t)(e.end - e.base);
	onc_xdr_enc_reset(&e);
	assert_int_equal(onc_xdr_enc_len(&e), 0);
	assert_int_equal((size_t)(e.end - e.base), cap);
	assert_status(onc_xdr_enc_reserve(&e, cap), ONC_OK);
	onc_xdr_put_u32_unchecked(&e, 0x01020304);
	onc_xdr_put_u64_unchecked(&e, 0x05060708090a0b0cu);
	static const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	unit_assert_enc_bytes(&e, want, sizeof want);
	onc_xdr_enc_free(&e);
}

static void test_fixed_buffer(void **state)
{
	(void)state;
	uint8_t buf[8];
	onc_xdr_enc e;
	onc_xdr_enc_init_fixed(&e, buf, sizeof buf);
	assert_true(onc_xdr_enc_data(&e) == buf);
	assert_status(onc_xdr_put_u32(&e, 0xa1a2a3a4u), ONC_OK);
	assert_status(onc_xdr_put_u64(&e, 1), ONC_ERR_BUFFER_FULL);
	assert_status(onc_xdr_enc_grow(&e, 5), ONC_ERR_BUFFER_FULL);
	/* A failed write leaves what was written. */
	static const uint8_t first[] = {0xa1, 0xa2, 0xa3, 0xa4};
	unit_assert_enc_bytes(&e, first, 4);
	assert_status(onc_xdr_put_u32(&e, 0xb1b2b3b4u), ONC_OK);
	assert_status(onc_xdr_put_u32(&e, 0), ONC_ERR_BUFFER_FULL);
	static const uint8_t both[] = {0xa1, 0xa2, 0xa3, 0xa4, 0xb1, 0xb2, 0xb3, 0xb4};
	unit_assert_enc_bytes(&e, both, 8);
	assert_memory_equal(buf, both, 8);
	onc_xdr_enc_free(&e); /* harmless on a fixed buffer */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_hyper),
		cmocka_unit_test(test_unsigned_hyper),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_quadruple),
		cmocka_unit_test(test_fixed_opaque),
		cmocka_unit_test(test_var_opaque),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_fixed_array),
		cmocka_unit_test(test_var_array),
		cmocka_unit_test(test_bulk_arrays_match_elementwise),
		cmocka_unit_test(test_optional),
		cmocka_unit_test(test_growable_buffer),
		cmocka_unit_test(test_fixed_buffer),
		/* Last: under UBSan a failure here aborts the run. */
		cmocka_unit_test(test_void),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
