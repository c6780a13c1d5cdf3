/* Wire compatibility of onc gen's client stubs: they call the server rpcgen generates,
 * running on libtirpc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <onc/client.h>

#include "random_values.h"
#include "rpcgen_server.h"

static void test_onc_client(void **state)
{
	(void)state;
	uint16_t port;
	assert_true(rpcgen_server_start(&port));
	char addr[64];
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", port);
	onc_status s;
	onc_client *c = onc_client_create(addr, ALL_TYPES_PROG, ALL_TYPES_V1, NULL, &s);
	assert_non_null(c);

	int32_t sum = 0;
	assert_int_equal(all_null_1(c), ONC_OK);
	assert_int_equal(all_add_1(c, 40, 2, &sum), ONC_OK);
	assert_int_equal(sum, 42);
	assert_int_equal(all_add_1(c, INT32_MIN, 2, &sum), ONC_ERR_SYSTEM_ERR);
	name who = "onc";
	char *greeting = NULL;
	assert_int_equal(all_name_1(c, &who, &greeting), ONC_OK);
	assert_string_equal(greeting, "hello, onc");
	free(greeting);

	small items[2] = { { .a = 10 }, { .a = 20 } };
	smalls arg = { 2, items };
	list out;
	assert_int_equal(all_list_2(c, &arg, RED, 1, &out), ONC_OK);
	assert_int_equal(out.value, 11);
	assert_non_null(out.next);
	assert_int_equal(out.next->value, 21);
	assert_non_null(out.next->next);
	assert_int_equal(out.next->next->value, RED);
	assert_string_equal(out.next->next->tag, "end");
	assert_null(out.next->next->next);
	list_free(&out);
	assert_int_equal(all_null_2(c), ONC_OK);

	rng r;
	rng_seed(&r, 2024);
	for (int round = 0; round < 50; round++) {
		everything in, back;
		random_everything(&r, &in);
		assert_int_equal(all_echo_1(c, &in, &back), ONC_OK);
		onc_xdr_enc a, b;
		onc_xdr_enc_init(&a);
		onc_xdr_enc_init(&b);
		assert_int_equal(everything_encode(&a, &in), ONC_OK);
		assert_int_equal(everything_encode(&b, &back), ONC_OK);
		assert_int_equal(onc_xdr_enc_len(&a), onc_xdr_enc_len(&b));
		assert_memory_equal(onc_xdr_enc_data(&a), onc_xdr_enc_data(&b), onc_xdr_enc_len(&a));
		onc_xdr_enc_free(&a);
		onc_xdr_enc_free(&b);
		everything_free(&in);
		everything_free(&back);
	}
	assert_int_equal(rpcgen_server_calls(), 6 + 50);
	onc_client_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_onc_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
