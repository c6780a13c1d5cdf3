/* Wire compatibility of onc gen's server: the client stubs rpcgen generates, running on
 * libtirpc, call an onc_server dispatching with onc gen's code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "all_types_impl.h"
#include "random_values.h"
#include "rpcgen_client.h"

static int setup(void **state)
{
	test_server *t = calloc(1, sizeof *t);
	assert_int_equal(test_server_start(t), ONC_OK);
	assert_true(rpcgen_client_open(t->port));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	test_server *t = *state;
	rpcgen_client_close();
	test_server_stop(t);
	free(t);
	return 0;
}

static void test_rpcgen_client(void **state)
{
	test_server *t = *state;
	int32_t sum = 0;
	assert_true(rpcgen_null());
	assert_true(rpcgen_add(-2, 44, &sum));
	assert_int_equal(sum, 42);
	assert_false(rpcgen_add(INT32_MIN, 1, &sum)); /* SYSTEM_ERR */
	char greeting[64];
	assert_true(rpcgen_name("rpcgen", greeting, sizeof greeting));
	assert_string_equal(greeting, "hello, rpcgen");

	int32_t as[3] = { 5, 6, 7 }, values[8];
	uint32_t count = 0;
	assert_true(rpcgen_list(as, 3, GREEN, -5, values, 8, &count));
	assert_int_equal(count, 4);
	assert_int_equal(values[0], 0);
	assert_int_equal(values[1], 1);
	assert_int_equal(values[2], 2);
	assert_int_equal(values[3], GREEN);

	rng r;
	rng_seed(&r, 7);
	for (int round = 0; round < 50; round++) {
		everything v;
		random_everything(&r, &v);
		onc_xdr_enc e;
		onc_xdr_enc_init(&e);
		assert_int_equal(everything_encode(&e, &v), ONC_OK);
		size_t len = onc_xdr_enc_len(&e), back_len = 0;
		uint8_t *back = malloc(len + 64);
		assert_true(rpcgen_echo(onc_xdr_enc_data(&e), len, back, len + 64, &back_len));
		assert_int_equal(back_len, len);
		assert_memory_equal(back, onc_xdr_enc_data(&e), len);
		free(back);
		onc_xdr_enc_free(&e);
		everything_free(&v);
	}
	assert_int_equal(t->v1.calls, 1 + 2 + 1 + 50);
	assert_int_equal(t->v2.calls, 1 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rpcgen_client, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
