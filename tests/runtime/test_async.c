/* Asynchronous calls: many in flight on one connection, finished in any order, cancelled,
 * and bounded by max_in_flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>

#include "test_server.h"

static onc_client *the_client; /* for finish_on_thread */

static onc_client *client(const char *addr, unsigned max_in_flight)
{
	onc_status st;
	onc_client_options o = {.max_in_flight = max_in_flight};
	onc_client *c = onc_client_create(addr, TESTPROG, 1, &o, &st);
	assert_int_equal(st, ONC_OK);
	return c;
}

static onc_pending *start_add(onc_client *c, int_pair *p)
{
	onc_status st;
	onc_pending *pending = onc_client_start(c, PROC_ADD, enc_int_pair, p, NULL, &st);
	assert_int_equal(st, ONC_OK);
	assert_non_null(pending);
	return pending;
}

/* n calls in flight (up to 1000: several share each bucket of the client's xid table),
 * finished in the order they were started or in reverse. */
static void many_in_flight_n(const char *addr, int n, bool reverse)
{
	enum { N = 1000 };
	onc_client *c = client(addr, 0);
	static int_pair args[N];
	static onc_pending *p[N];
	assert_true(n <= N);
	for (int i = 0; i < n; i++) {
		args[i] = (int_pair){i, 1000 * i};
		p[i] = start_add(c, &args[i]);
	}
	for (int k = 0; k < n; k++) {
		int i = reverse ? n - 1 - k : k;
		int32_t sum = -1;
		assert_int_equal(onc_client_finish(c, p[i], dec_int, &sum), ONC_OK);
		assert_int_equal(sum, 1001 * i);
	}
	onc_client_destroy(c);
}

static void many_in_flight(const char *addr, bool reverse)
{
	many_in_flight_n(addr, 64, reverse);
}

static void test_tcp_1000_in_flight(void **state)
{
	(void)state;
	many_in_flight_n(the_server.tcp, 1000, true);
	many_in_flight_n(the_server.tcp, 1000, false);
}

static void test_tcp_in_order(void **state)
{
	(void)state;
	many_in_flight(the_server.tcp, false);
}

static void test_tcp_reverse(void **state)
{
	(void)state;
	many_in_flight(the_server.tcp, true);
}

static void test_udp(void **state)
{
	(void)state;
	many_in_flight(the_server.udp, false);
}

static void test_unix(void **state)
{
	(void)state;
	many_in_flight(the_server.unix_addr, true);
}

static void *finish_on_thread(void *p)
{
	return (void *)(intptr_t)onc_client_finish(the_client, p, NULL, NULL);
}

/* The reader hands its turn to a thread that waits, not to a started call that nobody
 * finishes yet. A thread finishes r (300 ms), reading; this one then sends s1 (100 ms, run
 * after r) and s2, and finishes s1, asleep meanwhile. When r is answered the turn must come
 * here, to s1, not to s2 (the call started last), or s1's reply waits unread until its
 * deadline. */
static void test_reader_hands_over_to_a_waiting_thread(void **state)
{
	(void)state;
	onc_status st;
	int32_t ms[2] = {300, 100};
	onc_client *c = onc_client_create(the_server.tcp, TESTPROG, 1,
					  &(onc_client_options){.timeout_ms = 5000}, &st);
	assert_non_null(c);
	the_client = c;
	onc_pending *r = onc_client_start(c, PROC_SLEEP, enc_int, &ms[0], NULL, &st);
	assert_non_null(r);
	onc_client_flush(c); /* the server reads it alone: its reply is sent alone */
	pthread_t t;
	void *r_status;
	assert_int_equal(pthread_create(&t, NULL, finish_on_thread, r), 0);
	nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL); /* it is the reader by now */
	onc_pending *s1 = onc_client_start(c, PROC_SLEEP, enc_int, &ms[1], NULL, &st);
	onc_pending *s2 = onc_client_start(c, PROC_NULL, NULL, NULL, NULL, &st);
	assert_true(s1 && s2);
	assert_int_equal(onc_client_finish(c, s1, NULL, NULL), ONC_OK);
	pthread_join(t, &r_status);
	assert_int_equal((intptr_t)r_status, ONC_OK);
	assert_int_equal(onc_client_finish(c, s2, NULL, NULL), ONC_OK);
	onc_client_destroy(c);
}

static void test_cancel(void **state)
{
	(void)state;
	onc_client *c = client(the_server.tcp, 0);
	int_pair args[10];
	onc_pending *p[10];
	for (int i = 0; i < 10; i++) {
		args[i] = (int_pair){i, i};
		p[i] = start_add(c, &args[i]);
	}
	for (int i = 0; i < 10; i += 2)
		onc_client_cancel(c, p[i]);
	for (int i = 1; i < 10; i += 2) {
		int32_t sum = -1;
		assert_int_equal(onc_client_finish(c, p[i], dec_int, &sum), ONC_OK);
		assert_int_equal(sum, 2 * i);
	}
	/* The cancelled calls' replies were dropped; a new call gets its own. */
	int_pair q = {7, 8};
	int32_t sum = -1;
	assert_int_equal(onc_client_call(c, PROC_ADD, enc_int_pair, &q, dec_int, &sum, NULL), ONC_OK);
	assert_int_equal(sum, 15);
	onc_client_destroy(c);
}

static void test_backpressure_many(void **state)
{
	(void)state;
	/* 500 calls through a window of 4: start waits for room, reading replies meanwhile. */
	enum { N = 500 };
	onc_client *c = client(the_server.tcp, 4);
	static int_pair args[N];
	static onc_pending *p[N];
	for (int i = 0; i < N; i++) {
		args[i] = (int_pair){i, -2 * i};
		p[i] = start_add(c, &args[i]);
	}
	for (int i = 0; i < N; i++) {
		int32_t sum = 0;
		assert_int_equal(onc_client_finish(c, p[i], dec_int, &sum), ONC_OK);
		assert_int_equal(sum, -i);
	}
	onc_client_destroy(c);
}

static void test_backpressure_bound(void **state)
{
	(void)state;
	/* A window of 1 held by a slow call: the next start gives up at its own deadline. */
	onc_client *c = client(the_server.tcp, 1);
	int32_t ms = 1000;
	onc_status st;
	onc_pending *slow = onc_client_start(c, PROC_SLEEP, enc_int, &ms, NULL, &st);
	assert_non_null(slow);
	onc_call_opts quick = {.timeout_ms = 200};
	assert_null(onc_client_start(c, PROC_NULL, NULL, NULL, &quick, &st));
	assert_int_equal(st, ONC_ERR_TIMEDOUT);
	assert_int_equal(onc_client_finish(c, slow, NULL, NULL), ONC_OK);
	onc_client_destroy(c);
}

static void test_async_timeout(void **state)
{
	(void)state;
	onc_client *c = client(the_server.tcp, 0);
	int32_t ms = 1000;
	onc_call_opts quick = {.timeout_ms = 200};
	onc_status st;
	onc_pending *p = onc_client_start(c, PROC_SLEEP, enc_int, &ms, &quick, &st);
	assert_non_null(p);
	assert_int_equal(onc_client_finish(c, p, NULL, NULL), ONC_ERR_TIMEDOUT);
	onc_client_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_in_order),
		cmocka_unit_test(test_tcp_reverse),
		cmocka_unit_test(test_tcp_1000_in_flight),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_reader_hands_over_to_a_waiting_thread),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_backpressure_many),
		cmocka_unit_test(test_backpressure_bound),
		cmocka_unit_test(test_async_timeout),
	};
	return cmocka_run_group_tests(tests, the_server_setup, the_server_teardown);
}
