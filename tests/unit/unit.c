#include "unit.h"

#include <string.h>

void unit_assert_status(onc_status got, onc_status want, const char *file, int line)
{
	if (got != want) {
		print_error("%s:%d: status %d (%s), expected %d (%s)\n", file, line, (int)got,
			    onc_strerror(got), (int)want, onc_strerror(want));
		fail();
	}
}

void unit_assert_enc_bytes(const onc_xdr_enc *e, const void *want, size_t n)
{
	assert_int_equal(onc_xdr_enc_len(e), n);
	if (n)
		assert_memory_equal(onc_xdr_enc_data(e), want, n);
}

uint8_t *unit_dup(const void *data, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	if (n)
		memcpy(p, data, n);
	return p;
}

void unit_check_encode(unit_enc_fn enc, const void *arg, const void *want, size_t n)
{
	onc_xdr_enc e;

	onc_xdr_enc_init(&e);
	assert_status(enc(&e, arg), ONC_OK);
	unit_assert_enc_bytes(&e, want, n);
	onc_xdr_enc_free(&e);

	/* Every fixed capacity from 0 to n; a heap block of exactly cap bytes so that ASan sees
	 * any write past it. */
	for (size_t cap = 0; cap <= n; cap++) {
		uint8_t *buf = malloc(cap ? cap : 1);
		assert_non_null(buf);
		/* Junk in the buffer, so that padding is seen to be written as zeros. */
		memset(buf, 0xa5, cap ? cap : 1);
		onc_xdr_enc_init_fixed(&e, buf, cap);
		onc_status s = enc(&e, arg);
		if (cap < n) {
			assert_status(s, ONC_ERR_BUFFER_FULL);
		} else {
			assert_status(s, ONC_OK);
			unit_assert_enc_bytes(&e, want, n);
		}
		onc_xdr_enc_free(&e);
		free(buf);
	}
}

onc_status unit_decode_exact(unit_dec_fn dec, const void *arg, const void *data, size_t n,
			     unsigned flags)
{
	uint8_t *copy = unit_dup(data, n);
	onc_arena arena;
	onc_xdr_dec d;

	onc_arena_init(&arena, 0);
	onc_xdr_dec_init(&d, copy, n, &arena);
	d.flags = flags;
	onc_status s = dec(&d, arg);
	if (s == ONC_OK)
		s = onc_xdr_dec_finish(&d);
	onc_arena_free(&arena);
	free(copy);
	return s;
}

void unit_check_decode(unit_dec_fn dec, const void *arg, const void *bytes, size_t n,
		       unsigned flags)
{
	assert_status(unit_decode_exact(dec, arg, bytes, n, flags), ONC_OK);
	for (size_t len = 0; len < n; len++) {
		onc_status s = unit_decode_exact(dec, arg, bytes, len, flags);
		if (s != ONC_ERR_TRUNCATED) {
			print_error("input truncated to %zu of %zu bytes\n", len, n);
			assert_status(s, ONC_ERR_TRUNCATED);
		}
	}
}

void unit_check_codec(unit_enc_fn enc, unit_dec_fn dec, const void *arg, const void *want,
		      size_t n)
{
	unit_check_encode(enc, arg, want, n);
	unit_check_decode(dec, arg, want, n, 0);
	unit_check_decode(dec, arg, want, n, ONC_XDR_STRICT_PADDING);
}

uint32_t unit_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}
