/* onc's generated codecs against rpcgen's (linked with libtirpc), on all_types.x: random
 * values encoded by onc are decoded by rpcgen's code, which encodes them again to the same
 * bytes; onc decodes rpcgen's bytes and encodes them again to the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "codecs.h"
#include "rpcgen_bridge.h"

enum { ROUNDS = 500 };

static void compare_with_rpcgen(const codec *c, uint64_t seed)
{
	rng r;
	rng_seed(&r, seed);
	for (int round = 0; round < ROUNDS; round++) {
		void *v = calloc(1, c->size);
		c->random(&r, v);
		onc_xdr_enc e;
		onc_xdr_enc_init(&e);
		assert_int_equal(c->encode(&e, v), ONC_OK);
		size_t len = onc_xdr_enc_len(&e);

		/* rpcgen: decode onc's bytes, encode again */
		size_t cap = len + 64, rlen = 0;
		uint8_t *theirs = malloc(cap);
		assert_int_equal(rpcgen_reencode(c->name, onc_xdr_enc_data(&e), len, theirs, cap, &rlen),
				 RPCGEN_OK);
		assert_int_equal(rlen, len);
		assert_memory_equal(theirs, onc_xdr_enc_data(&e), len);

		/* onc: decode rpcgen's bytes, encode again */
		void *back = calloc(1, c->size);
		onc_xdr_dec d;
		onc_xdr_dec_init(&d, theirs, rlen, NULL);
		assert_int_equal(c->decode(&d, back), ONC_OK);
		assert_int_equal(onc_xdr_dec_finish(&d), ONC_OK);
		onc_xdr_enc_reset(&e);
		assert_int_equal(c->encode(&e, back), ONC_OK);
		assert_int_equal(onc_xdr_enc_len(&e), rlen);
		assert_memory_equal(onc_xdr_enc_data(&e), theirs, rlen);

		c->free(back);
		free(back);
		free(theirs);
		onc_xdr_enc_free(&e);
		c->free(v);
		free(v);
	}
}

static void test_against_rpcgen(void **state)
{
	(void)state;
	for (size_t i = 0; i < ncodecs; i++)
		compare_with_rpcgen(&codecs[i], 5000 + i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_rpcgen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
