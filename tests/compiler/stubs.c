/* onc gen's client stubs and server dispatchers for all_types.x, end to end: a real server
 * (onc_server, TCP on the loopback) runs the procedures of all_types_impl.c, and the
 * generated client stubs call them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onc/client.h>

#include "all_types_impl.h"
#include "random_values.h"

typedef struct fixture {
	test_server server;
	onc_client *client;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	onc_status s;
	assert_int_equal(test_server_start(&f->server), ONC_OK);
	char addr[64];
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", f->server.port);
	f->client = onc_client_create(addr, ALL_TYPES_PROG, ALL_TYPES_V1, NULL, &s);
	assert_non_null(f->client);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	onc_client_destroy(f->client);
	test_server_stop(&f->server);
	free(f);
	return 0;
}

static void test_scalars_and_strings(void **state)
{
	fixture *f = *state;
	int32_t sum = 0;
	assert_int_equal(all_null_1(f->client), ONC_OK);
	assert_int_equal(all_add_1(f->client, 2, 40, &sum), ONC_OK);
	assert_int_equal(sum, 42);
	assert_int_equal(all_add_1(f->client, INT32_MIN, 1, &sum), ONC_ERR_SYSTEM_ERR);
	name who = "world";
	char *greeting = NULL;
	assert_int_equal(all_name_1(f->client, &who, &greeting), ONC_OK);
	assert_string_equal(greeting, "hello, world");
	free(greeting);
	/* version 2 over the same connection */
	assert_int_equal(all_null_2(f->client), ONC_OK);
	assert_int_equal(f->server.v1.calls, 4);
	assert_int_equal(f->server.v2.calls, 1);
}

static void test_echo_everything(void **state)
{
	fixture *f = *state;
	rng r;
	rng_seed(&r, 99);
	for (int round = 0; round < 50; round++) {
		everything in, out;
		random_everything(&r, &in);
		assert_int_equal(all_echo_1(f->client, &in, &out), ONC_OK);
		onc_xdr_enc a, b;
		onc_xdr_enc_init(&a);
		onc_xdr_enc_init(&b);
		assert_int_equal(everything_encode(&a, &in), ONC_OK);
		assert_int_equal(everything_encode(&b, &out), ONC_OK);
		assert_int_equal(onc_xdr_enc_len(&a), onc_xdr_enc_len(&b));
		assert_memory_equal(onc_xdr_enc_data(&a), onc_xdr_enc_data(&b), onc_xdr_enc_len(&a));
		onc_xdr_enc_free(&a);
		onc_xdr_enc_free(&b);
		everything_free(&in);
		everything_free(&out);
	}
}

static void test_several_arguments(void **state)
{
	fixture *f = *state;
	small items[3] = { { .a = 1 }, { .a = 2 }, { .a = 3 } };
	smalls arg = { 3, items };
	list out;
	assert_int_equal(all_list_2(f->client, &arg, BLUE, 1000, &out), ONC_OK);
	int32_t want[] = { 1001, 1002, 1003, BLUE };
	int n = 0;
	for (const list *l = &out; l; l = l->next, n++) {
		assert_true(n < 4);
		assert_int_equal(l->value, want[n]);
	}
	assert_int_equal(n, 4);
	list_free(&out);
}

/* The _opts stubs: results' parts in the caller's arena (nothing for T_free), a timeout of
 * the call's own, and the error detail. */
static void test_stubs_with_options(void **state)
{
	fixture *f = *state;
	onc_arena arena;
	onc_arena_init(&arena, 1 << 20);
	onc_call_error err = {.low = 77};
	onc_call_opts opts = {.timeout_ms = 5000, .arena = &arena, .error = &err};
	name who = "arena";
	char *greeting = NULL;
	assert_int_equal(all_name_1_opts(f->client, &who, &greeting, &opts), ONC_OK);
	assert_string_equal(greeting, "hello, arena");
	assert_true(arena.used > 0); /* the greeting is the arena's: released with it */
	assert_int_equal(err.low, 77); /* untouched on success */
	int32_t sum = 0;
	assert_int_equal(all_add_1_opts(f->client, 40, 2, &sum, &opts), ONC_OK);
	assert_int_equal(sum, 42);
	assert_int_equal(all_add_1_opts(f->client, INT32_MIN, 1, &sum, NULL), ONC_ERR_SYSTEM_ERR);
	onc_arena_free(&arena);
}

/* The asynchronous halves: many calls sent before any answer is read, answers taken in
 * another order, a void procedure, a string result, and an error reply. */
static void test_async_stubs(void **state)
{
	fixture *f = *state;
	enum { N = 32 };
	onc_request adds[N], null, hello, overflow;
	for (int i = 0; i < N; i++)
		assert_int_equal(all_add_1_send(f->client, &adds[i], i, 1000 * i), ONC_OK);
	assert_int_equal(all_null_1_send(f->client, &null), ONC_OK);
	name who = "async";
	assert_int_equal(all_name_1_send(f->client, &hello, &who), ONC_OK);
	assert_int_equal(all_add_1_send(f->client, &overflow, INT32_MIN, 1), ONC_OK);

	char *greeting = NULL;
	assert_int_equal(all_name_1_receive(&hello, &greeting), ONC_OK);
	assert_string_equal(greeting, "hello, async");
	free(greeting);
	for (int i = N - 1; i >= 0; i--) {
		int32_t sum = -1;
		assert_int_equal(all_add_1_receive(&adds[i], &sum), ONC_OK);
		assert_int_equal(sum, 1001 * i);
	}
	int32_t unused;
	assert_int_equal(all_add_1_receive(&overflow, &unused), ONC_ERR_SYSTEM_ERR);
	assert_int_equal(all_null_1_receive(&null), ONC_OK);
	assert_int_equal(f->server.v1.calls, N + 3);
}

static onc_status put_one_int(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_i32(e, *(const int32_t *)v);
}

/* What the dispatcher answers for calls the stubs cannot make. */
static void test_dispatcher_errors(void **state)
{
	fixture *f = *state;
	int32_t one = 1;
	assert_int_equal(onc_client_call(f->client, 99, NULL, NULL, NULL, NULL, NULL),
			 ONC_ERR_PROC_UNAVAIL);
	/* ALL_ADD takes two ints */
	assert_int_equal(onc_client_call(f->client, ALL_ADD, put_one_int, &one, NULL, NULL, NULL),
			 ONC_ERR_GARBAGE_ARGS);
	/* procedure 0 takes no arguments */
	assert_int_equal(onc_client_call(f->client, 0, put_one_int, &one, NULL, NULL, NULL),
			 ONC_ERR_GARBAGE_ARGS);
	assert_int_equal(onc_client_call(f->client, 0, NULL, NULL, NULL, NULL, NULL), ONC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scalars_and_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stubs_with_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_stubs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispatcher_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
