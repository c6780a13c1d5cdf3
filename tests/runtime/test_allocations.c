/* In steady state a call makes no heap allocation, on the client or on the server: the
 * synchronous call, the request form the generated stubs use (begin/invoke/end), and calls
 * started and finished with 64 in flight, over TCP, UDP and a Unix socket. The server has one
 * event loop: each loop's buffers grow once, on its first datagram, which would count when
 * a second loop took its first in the measured rounds. Allocations are counted by
 * bench/alloc_count.c's malloc family (so this test is left out of the sanitizer builds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "alloc_count.h"
#include "test_server.h"

static test_server server;

static int setup(void **state)
{
	(void)state;
	onc_server_options one_loop = {.threads = 1};
	test_server_start(&server, &one_loop, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_server_stop(&server);
	return 0;
}

typedef int (*call_fn)(onc_client *c);

static const int_pair pair = {40, 2};

static int sync_call(onc_client *c)
{
	int32_t sum = 0;
	return onc_client_call(c, PROC_ADD, enc_int_pair, &pair, dec_int, &sum, NULL) != ONC_OK ||
	       sum != 42;
}

/* As a generated stub calls. */
static int request_call(onc_client *c)
{
	onc_request r;
	onc_xdr_enc *e;
	onc_xdr_dec *d;
	int32_t sum = 0;
	onc_status s = onc_request_begin(c, &r, TESTPROG, 1, PROC_ADD, &e);
	if (s != ONC_OK)
		return 1;
	s = enc_int_pair(e, &pair);
	if (s == ONC_OK)
		s = onc_request_invoke(&r, &d);
	if (s == ONC_OK)
		s = dec_int(d, &sum);
	return onc_request_end(&r, s) != ONC_OK || sum != 42;
}

#define WINDOW 64

static int window_calls(onc_client *c)
{
	onc_pending *p[WINDOW];
	for (int i = 0; i < WINDOW; i++) {
		onc_status st;
		if (!(p[i] = onc_client_start(c, PROC_ADD, enc_int_pair, &pair, NULL, &st)))
			return 1;
	}
	int bad = 0;
	for (int i = 0; i < WINDOW; i++) {
		int32_t sum = 0;
		bad |= onc_client_finish(c, p[i], dec_int, &sum) != ONC_OK || sum != 42;
	}
	return bad;
}

/* Allocations over 200 rounds of call(c), after 50 to warm the caches up. */
static unsigned long allocations_of(const char *addr, call_fn call)
{
	onc_status st;
	onc_client *c = onc_client_create(addr, TESTPROG, 1, NULL, &st);
	assert_non_null(c);
	for (int i = 0; i < 50; i++)
		assert_int_equal(call(c), 0);
	unsigned long before = alloc_count_all();
	for (int i = 0; i < 200; i++)
		assert_int_equal(call(c), 0);
	unsigned long n = alloc_count_all() - before;
	onc_client_destroy(c);
	return n;
}

static void test_no_allocation_per_call(void **state)
{
	(void)state;
	const char *addrs[] = {server.tcp, server.udp, server.unix_addr};
	struct {
		const char *name;
		call_fn fn;
	} calls[] = {{"onc_client_call", sync_call},
		     {"onc_request_begin/invoke/end", request_call},
		     {"onc_client_start/finish, 64 in flight", window_calls}};
	for (size_t a = 0; a < 3; a++)
		for (size_t i = 0; i < 3; i++) {
			unsigned long n = allocations_of(addrs[a], calls[i].fn);
			if (n)
				fail_msg("%s over %s: %lu allocations in 200 rounds", calls[i].name,
					 addrs[a], n);
		}
}

/* The check itself: a call that does allocate is counted. */
static int allocating_call(onc_client *c)
{
	void *volatile p = malloc(16); /* volatile: not a pair the compiler may take away */
	free(p);
	return sync_call(c);
}

static void test_an_allocation_is_counted(void **state)
{
	(void)state;
	assert_int_equal(allocations_of(server.tcp, allocating_call), 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_allocation_per_call),
		cmocka_unit_test(test_an_allocation_is_counted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
