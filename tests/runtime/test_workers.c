/* The worker pool (onc_server_options.workers): calls from one connection run at the same
 * time on several workers and their replies come back in the order they finish; a handler
 * that blocks holds up no other connection of its loop; a stop answers the calls in flight;
 * a client that leaves with calls in flight, and more pipelined calls than a connection may
 * have queued, are handled. The server has one event loop, so that nothing here can pass by
 * being spread over loops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "test_server.h" /* enc_int, dec_int */

#define PROG 0x20000124u
#define WORKERS 4
/* 1 MEET(n) -> bool: waits until n calls are in MEET together (false after 10 s);
 * 2 HOLD() -> bool: waits until released (false after 10 s); 3 RELEASE();
 * 4 SLOW() -> int: signals that it started, then takes 200 ms and returns 7. */
enum { P_NULL, P_MEET, P_HOLD, P_RELEASE, P_SLOW };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int meeting, holding;
static bool released, slow_started;

/* Waits (under lock) until done() or 10 s have passed; done() then. */
static bool wait_until(bool (*done)(int), int arg)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	while (!done(arg) && pthread_cond_timedwait(&changed, &lock, &until) == 0)
		;
	return done(arg);
}

static bool all_met(int n)
{
	return meeting >= n;
}

static bool is_released(int unused)
{
	(void)unused;
	return released;
}

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	int32_t n = 0;
	bool ok = true;
	switch (call->header->proc) {
	case P_NULL:
		return ONC_SUCCESS;
	case P_MEET:
		if (onc_xdr_get_i32(call->args, &n))
			return ONC_GARBAGE_ARGS;
		pthread_mutex_lock(&lock);
		meeting++;
		pthread_cond_broadcast(&changed);
		ok = wait_until(all_met, n);
		pthread_mutex_unlock(&lock);
		return onc_xdr_put_bool(call->results, ok) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case P_HOLD:
		pthread_mutex_lock(&lock);
		holding++;
		pthread_cond_broadcast(&changed);
		ok = wait_until(is_released, 0);
		pthread_mutex_unlock(&lock);
		return onc_xdr_put_bool(call->results, ok) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case P_RELEASE:
		pthread_mutex_lock(&lock);
		released = true;
		pthread_cond_broadcast(&changed);
		pthread_mutex_unlock(&lock);
		return ONC_SUCCESS;
	case P_SLOW:
		pthread_mutex_lock(&lock);
		slow_started = true;
		pthread_cond_broadcast(&changed);
		pthread_mutex_unlock(&lock);
		nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
		return onc_xdr_put_i32(call->results, 7) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	default:
		return ONC_PROC_UNAVAIL;
	}
}

static void start_idle(bg_server *s, unsigned idle_timeout_ms)
{
	pthread_mutex_lock(&lock);
	meeting = holding = 0;
	released = slow_started = false;
	pthread_mutex_unlock(&lock);
	bg_server_start(s,
			&(onc_server_options){
				.threads = 1, .workers = WORKERS, .idle_timeout_ms = idle_timeout_ms},
			PROG, dispatch);
}

static void start(bg_server *s)
{
	start_idle(s, 0);
}

static onc_client *client(const char *addr)
{
	onc_status st;
	onc_client_options o = {.timeout_ms = 30000};
	onc_client *c = onc_client_create(addr, PROG, 1, &o, &st);
	assert_int_equal(st, ONC_OK);
	return c;
}

static onc_status dec_bool(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_bool(d, v);
}

static onc_pending *start_call(onc_client *c, uint32_t proc, onc_encode_fn enc, const void *arg)
{
	onc_status st;
	onc_pending *p = onc_client_start(c, proc, enc, arg, NULL, &st);
	assert_int_equal(st, ONC_OK);
	assert_non_null(p);
	onc_client_flush(c);
	return p;
}

/* WORKERS calls pipelined on one connection are all in their handler at once. */
static void test_one_connection_uses_every_worker(void **state)
{
	(void)state;
	bg_server s;
	start(&s);
	onc_client *c = client(s.tcp);
	int32_t n = WORKERS;
	onc_pending *p[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		p[i] = start_call(c, P_MEET, enc_int, &n);
	for (int i = 0; i < WORKERS; i++) {
		bool met = false;
		assert_int_equal(onc_client_finish(c, p[i], dec_bool, &met), ONC_OK);
		assert_true(met);
	}
	onc_client_destroy(c);
	bg_server_stop(&s);
}

/* A held call does not stop the next call on its connection: RELEASE is answered first,
 * then HOLD. Over TCP and over UDP. */
static void out_of_order(const char *which)
{
	bg_server s;
	start(&s);
	onc_client *c = client(strcmp(which, "tcp") == 0 ? s.tcp : s.udp);
	onc_pending *held = start_call(c, P_HOLD, NULL, NULL);
	assert_int_equal(onc_client_call(c, P_RELEASE, NULL, NULL, NULL, NULL, NULL), ONC_OK);
	bool ok = false;
	assert_int_equal(onc_client_finish(c, held, dec_bool, &ok), ONC_OK);
	assert_true(ok);
	onc_client_destroy(c);
	bg_server_stop(&s);
}

static void test_replies_in_finishing_order_tcp(void **state)
{
	(void)state;
	out_of_order("tcp");
}

static void test_replies_in_finishing_order_udp(void **state)
{
	(void)state;
	out_of_order("udp");
}

/* A client goes away while its call is held; the loop serves others meanwhile, and the
 * late reply to the closed connection is dropped (ASan and valgrind check the memory). */
static void test_client_leaves_with_calls_in_flight(void **state)
{
	(void)state;
	bg_server s;
	start(&s);
	onc_client *c = client(s.tcp);
	onc_pending *held[2] = {start_call(c, P_HOLD, NULL, NULL), start_call(c, P_HOLD, NULL, NULL)};
	pthread_mutex_lock(&lock);
	while (holding < 2)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	onc_client_cancel(c, held[0]);
	onc_client_cancel(c, held[1]);
	onc_client_destroy(c);
	onc_client *other = client(s.tcp);
	assert_int_equal(onc_client_call(other, P_NULL, NULL, NULL, NULL, NULL, NULL), ONC_OK);
	assert_int_equal(onc_client_call(other, P_RELEASE, NULL, NULL, NULL, NULL, NULL), ONC_OK);
	assert_int_equal(onc_client_call(other, P_NULL, NULL, NULL, NULL, NULL, NULL), ONC_OK);
	onc_client_destroy(other);
	bg_server_stop(&s);
}

/* A call held past the idle timeout keeps its connection open: the reply still comes. */
static void test_idle_timeout_spares_calls_in_flight(void **state)
{
	(void)state;
	bg_server s;
	start_idle(&s, 100);
	onc_client *c = client(s.tcp);
	onc_pending *held = start_call(c, P_HOLD, NULL, NULL);
	/* the idle scan runs once a second: two of them pass */
	nanosleep(&(struct timespec){2, 200 * 1000000L}, NULL);
	onc_client *other = client(s.tcp);
	assert_int_equal(onc_client_call(other, P_RELEASE, NULL, NULL, NULL, NULL, NULL), ONC_OK);
	bool ok = false;
	assert_int_equal(onc_client_finish(c, held, dec_bool, &ok), ONC_OK);
	assert_true(ok);
	onc_client_destroy(other);
	onc_client_destroy(c);
	bg_server_stop(&s);
}

static void *stop_when_slow_started(void *arg)
{
	bg_server *s = arg;
	pthread_mutex_lock(&lock);
	while (!slow_started)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	onc_server_stop(s->srv);
	return NULL;
}

/* onc_server_stop while a worker runs a call: run() returns after the reply is sent. */
static void test_stop_answers_calls_in_flight(void **state)
{
	(void)state;
	bg_server s;
	pthread_t t;
	start(&s);
	onc_client *c = client(s.tcp);
	onc_pending *p = start_call(c, P_SLOW, NULL, NULL);
	assert_int_equal(pthread_create(&t, NULL, stop_when_slow_started, &s), 0);
	int32_t v = 0;
	assert_int_equal(onc_client_finish(c, p, dec_int, &v), ONC_OK);
	assert_int_equal(v, 7);
	pthread_join(t, NULL);
	pthread_join(s.thread, NULL);
	assert_int_equal(s.run_status, ONC_OK);
	onc_server_destroy(s.srv);
	onc_client_destroy(c);
}

/* 5,000 null calls written at once (several times what one connection may have queued for
 * the workers): reading stops and starts again, and each call is answered once. */
static void test_more_calls_than_the_queue_bound(void **state)
{
	(void)state;
	enum { N = 5000, CALL = 44, REPLY = 28 };
	bg_server s;
	start(&s);
	int fd = connect_loopback(s.tcp_port);
	assert_true(fd >= 0);

	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	for (uint32_t xid = 1; xid <= N; xid++)
		end_raw_call(&e, begin_raw_call(&e, xid, PROG, P_NULL));
	assert_int_equal(onc_xdr_enc_len(&e), (size_t)N * CALL);
	/* The replies are small: the socket buffers hold them all, so one write can be whole. */
	assert_int_equal(write(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)), (ssize_t)(N * CALL));
	onc_xdr_enc_free(&e);

	static uint8_t replies[N * REPLY];
	static bool seen[N + 1];
	size_t got = 0;
	while (got < sizeof replies) {
		ssize_t n = read(fd, replies + got, sizeof replies - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	for (size_t i = 0; i < N; i++) {
		uint32_t xid;
		memcpy(&xid, replies + i * REPLY + 4, 4);
		xid = ntohl(xid);
		assert_true(xid >= 1 && xid <= N && !seen[xid]);
		seen[xid] = true;
	}
	close(fd);
	bg_server_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_connection_uses_every_worker),
		cmocka_unit_test(test_replies_in_finishing_order_tcp),
		cmocka_unit_test(test_replies_in_finishing_order_udp),
		cmocka_unit_test(test_client_leaves_with_calls_in_flight),
		cmocka_unit_test(test_stop_answers_calls_in_flight),
		cmocka_unit_test(test_idle_timeout_spares_calls_in_flight),
		cmocka_unit_test(test_more_calls_than_the_queue_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
