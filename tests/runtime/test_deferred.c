/* Deferred replies (onc_call_defer) over real sockets, with the calls on the loop and on
 * workers: the connection serves other calls while one waits; the reply comes from another
 * thread, over TCP and UDP; an AUTH_ERROR can be deferred too; a deferred call whose client
 * left is ended without a leak (ASan, valgrind); onc_server_run waits for deferred calls; a
 * dropped call gets no reply at all; at the connection limit, a connection waiting for one is
 * not evicted as idle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "test_server.h"

#define PROG 0x20000126u
enum { P_NULL, P_DEFER, P_NOW, P_DROP, P_AT_ONCE };

/* The deferred calls, handed from the handlers to the test. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static onc_deferred *waiting;
static int32_t waiting_arg;

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	int32_t n;
	switch (call->header->proc) {
	case P_NULL:
		return ONC_SUCCESS;
	case P_DEFER: {
		if (onc_xdr_get_i32(call->args, &n) != ONC_OK)
			return ONC_GARBAGE_ARGS;
		onc_deferred *d = onc_call_defer(call);
		if (!d)
			return ONC_SYSTEM_ERR;
		pthread_mutex_lock(&lock);
		waiting = d;
		waiting_arg = n;
		pthread_cond_broadcast(&changed);
		pthread_mutex_unlock(&lock);
		return ONC_SUCCESS;
	}
	case P_NOW:
		return onc_xdr_put_i32(call->results, 7) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case P_DROP: {
		onc_deferred *d = onc_call_defer(call);
		if (!d)
			return ONC_SYSTEM_ERR;
		onc_deferred_drop(d);
		return ONC_SUCCESS;
	}
	case P_AT_ONCE: { /* deferred, and answered before the handler returns: 9 */
		onc_xdr_enc *results;
		onc_deferred *d = onc_call_defer(call);
		if (!d || onc_deferred_begin(d, &results) != ONC_OK ||
		    onc_xdr_put_i32(results, 9) != ONC_OK)
			return ONC_SYSTEM_ERR;
		onc_deferred_end(d, ONC_OK);
		return ONC_SUCCESS;
	}
	default:
		return ONC_PROC_UNAVAIL;
	}
}

/* The deferred call the handler made (waits for it). */
static onc_deferred *take_deferred(int32_t *arg)
{
	pthread_mutex_lock(&lock);
	while (!waiting)
		pthread_cond_wait(&changed, &lock);
	onc_deferred *d = waiting;
	*arg = waiting_arg;
	waiting = NULL;
	pthread_mutex_unlock(&lock);
	return d;
}

static onc_status reply_plus_one(onc_deferred *d, int32_t n)
{
	onc_xdr_enc *e;
	onc_status st = onc_deferred_begin(d, &e);
	if (st == ONC_OK)
		st = onc_xdr_put_i32(e, n + 1);
	return onc_deferred_end(d, st);
}

static void start(bg_server *s, unsigned workers)
{
	bg_server_start(s, &(onc_server_options){.threads = 1, .workers = workers}, PROG, dispatch);
}

static onc_client *client(const char *addr)
{
	onc_status st;
	onc_client_options o = {.timeout_ms = 10000};
	onc_client *c = onc_client_create(addr, PROG, 1, &o, &st);
	assert_int_equal(st, ONC_OK);
	return c;
}

/* DEFER(41) waits while NOW is answered on the same client; then 42 comes. */
static void deferred_while_serving(unsigned workers, bool udp)
{
	bg_server s;
	int32_t arg = 41, v = 0, got;
	onc_status st;
	start(&s, workers);
	onc_client *c = client(udp ? s.udp : s.tcp);
	onc_pending *p = onc_client_start(c, P_DEFER, enc_int, &arg, NULL, &st);
	assert_int_equal(st, ONC_OK);
	onc_client_flush(c);
	onc_deferred *d = take_deferred(&got);
	assert_int_equal(got, 41);
	assert_int_equal(onc_client_call(c, P_NOW, NULL, NULL, dec_int, &v, NULL), ONC_OK);
	assert_int_equal(v, 7);
	assert_int_equal(reply_plus_one(d, got), ONC_OK);
	assert_int_equal(onc_client_finish(c, p, dec_int, &v), ONC_OK);
	assert_int_equal(v, 42);
	onc_client_destroy(c);
	bg_server_stop(&s);
}

static void test_tcp_on_the_loop(void **state)
{
	(void)state;
	deferred_while_serving(0, false);
}

static void test_tcp_on_workers(void **state)
{
	(void)state;
	deferred_while_serving(2, false);
}

static void test_udp_on_the_loop(void **state)
{
	(void)state;
	deferred_while_serving(0, true);
}

static void test_udp_on_workers(void **state)
{
	(void)state;
	deferred_while_serving(2, true);
}

/* A deferred AUTH_ERROR reaches the client with its reason. */
static void test_deferred_auth_error(void **state)
{
	(void)state;
	bg_server s;
	int32_t arg = 1, got;
	onc_call_error err = {0};
	onc_call_opts opts = {.error = &err};
	onc_status st;
	start(&s, 0);
	onc_client *c = client(s.tcp);
	onc_pending *p = onc_client_start(c, P_DEFER, enc_int, &arg, &opts, &st);
	assert_int_equal(st, ONC_OK);
	onc_client_flush(c);
	assert_int_equal(onc_deferred_auth_error(take_deferred(&got), ONC_AUTH_TOOWEAK), ONC_OK);
	assert_int_equal(onc_client_finish(c, p, NULL, NULL), ONC_ERR_AUTH);
	assert_int_equal(err.auth, ONC_AUTH_TOOWEAK);
	onc_client_destroy(c);
	bg_server_stop(&s);
}

/* The client leaves before the reply: ending the call says so, and frees everything. */
static void client_leaves(unsigned workers)
{
	bg_server s;
	int32_t arg = 1, got, v;
	onc_status st;
	start(&s, workers);
	onc_client *c = client(s.tcp);
	onc_pending *p = onc_client_start(c, P_DEFER, enc_int, &arg, NULL, &st);
	assert_int_equal(st, ONC_OK);
	onc_client_flush(c);
	onc_deferred *d = take_deferred(&got);
	onc_client_cancel(c, p);
	onc_client_destroy(c);
	/* the loop sees the end of file; with a call in flight it keeps the connection until
	 * the reply is written (a half-close must get every reply) */
	onc_client *other = client(s.tcp);
	assert_int_equal(onc_client_call(other, P_NOW, NULL, NULL, dec_int, &v, NULL), ONC_OK);
	assert_int_equal(reply_plus_one(d, got), ONC_OK); /* written, though no one reads it */
	assert_int_equal(onc_client_call(other, P_NOW, NULL, NULL, dec_int, &v, NULL), ONC_OK);
	onc_client_destroy(other);
	bg_server_stop(&s);
}

static void test_client_leaves_on_the_loop(void **state)
{
	(void)state;
	client_leaves(0);
}

static void test_client_leaves_on_workers(void **state)
{
	(void)state;
	client_leaves(2);
}

/* A connection that is reset (not half-closed) is closed at once: the late reply is told. */
static void test_reply_after_reset(void **state)
{
	(void)state;
	bg_server s;
	int32_t got, v;
	onc_xdr_enc e;
	start(&s, 0);
	int fd = connect_loopback(s.tcp_port);
	assert_true(fd >= 0);
	onc_xdr_enc_init(&e);
	size_t rec = begin_raw_call(&e, 1, PROG, P_DEFER);
	assert_int_equal(onc_xdr_put_i32(&e, 5), ONC_OK);
	end_raw_call(&e, rec);
	assert_int_equal(write(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)),
			 (ssize_t)onc_xdr_enc_len(&e));
	onc_xdr_enc_free(&e);
	onc_deferred *d = take_deferred(&got);
	struct linger lg = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	/* one loop: by the time it answers a later connection, it has seen the reset */
	onc_client *other = client(s.tcp);
	assert_int_equal(onc_client_call(other, P_NOW, NULL, NULL, dec_int, &v, NULL), ONC_OK);
	assert_int_equal(reply_plus_one(d, got), ONC_ERR_CLOSED);
	onc_client_destroy(other);
	bg_server_stop(&s);
}

/* At the connection limit, a connection waiting for a deferred reply is not taken for an
 * idle one however long it waits: the newcomer is refused, and the reply still arrives. */
static void test_limit_spares_deferred_calls(void **state)
{
	(void)state;
	bg_server s;
	int32_t arg = 3, got, v = 0;
	onc_status st;
	bg_server_start(&s, &(onc_server_options){.threads = 1, .max_connections = 1}, PROG,
			dispatch);
	onc_client *c = client(s.tcp);
	onc_pending *p = onc_client_start(c, P_DEFER, enc_int, &arg, NULL, &st);
	assert_int_equal(st, ONC_OK);
	onc_client_flush(c);
	onc_deferred *d = take_deferred(&got);
	nanosleep(&(struct timespec){1, 200 * 1000000L}, NULL); /* past the eviction delay */
	int late = connect_loopback(s.tcp_port);
	char byte;
	assert_true(late >= 0);
	setsockopt(late, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){2, 0}, sizeof(struct timeval));
	assert_int_equal(recv(late, &byte, 1, 0), 0); /* refused: closed at once */
	close(late);
	assert_int_equal(reply_plus_one(d, got), ONC_OK);
	assert_int_equal(onc_client_finish(c, p, dec_int, &v), ONC_OK);
	assert_int_equal(v, 4);
	onc_client_destroy(c);
	bg_server_stop(&s);
}

/* The xid of the first reply on fd, a TCP connection (record-marked) or a UDP socket. */
static uint32_t first_reply_xid(int fd, bool udp)
{
	uint8_t buf[64];
	size_t want = udp ? 4 : 8, got = 0;
	while (got < want) {
		ssize_t n = recv(fd, buf + got, sizeof buf - got, 0);
		assert_true(n > 0);
		got += (size_t)n;
	}
	uint32_t xid;
	memcpy(&xid, buf + want - 4, 4);
	return ntohl(xid);
}

/* A call of PROG version 1 without arguments, record-marked for a stream. */
static void put_call(onc_xdr_enc *e, uint32_t xid, uint32_t proc, bool stream)
{
	onc_call_header h = {
		.xid = xid, .rpcvers = ONC_RPC_VERSION, .prog = PROG, .vers = 1, .proc = proc};
	if (stream)
		end_raw_call(e, begin_raw_call(e, xid, PROG, proc));
	else
		assert_int_equal(onc_rpc_encode_call(e, &h), ONC_OK);
}

/* DROP (deferred, then dropped) gets no reply at all, over TCP, UDP and onc_server_process:
 * the first reply on the socket is that of the NOW after it. */
static void test_dropped(void **state)
{
	(void)state;
	bg_server s;
	onc_xdr_enc e, out;
	struct sockaddr_in to = {.sin_family = AF_INET};
	start(&s, 0);
	to.sin_port = htons(s.udp_port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int udp = 0; udp < 2; udp++) {
		int fd = udp ? socket(AF_INET, SOCK_DGRAM, 0) : connect_loopback(s.tcp_port);
		assert_true(fd >= 0);
		assert_true(!udp || connect(fd, (struct sockaddr *)&to, sizeof to) == 0);
		for (uint32_t xid = 1; xid <= 2; xid++) {
			onc_xdr_enc_init(&e);
			put_call(&e, xid, xid == 1 ? P_DROP : P_NOW, !udp);
			assert_int_equal(send(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), 0),
					 (ssize_t)onc_xdr_enc_len(&e));
			onc_xdr_enc_free(&e);
		}
		assert_int_equal(first_reply_xid(fd, udp), 2);
		close(fd);
	}
	onc_xdr_enc_init(&e);
	onc_xdr_enc_init(&out);
	put_call(&e, 1, P_DROP, false);
	onc_server_process(s.srv, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), &out, false);
	assert_int_equal(onc_xdr_enc_len(&out), 0);
	onc_xdr_enc_free(&e);
	onc_xdr_enc_free(&out);
	bg_server_stop(&s);
}

/* A deferred reply sent before the handler returns (as one from another thread may be, when
 * that thread is quick) reaches onc_server_process()'s caller: it used to be appended to the
 * caller's buffer and then cut off with the reply header the dispatcher had begun there. */
static void test_answered_before_the_handler_returns(void **state)
{
	(void)state;
	bg_server s;
	onc_xdr_enc e, out;
	start(&s, 0);
	onc_xdr_enc_init(&e);
	onc_xdr_enc_init(&out);
	put_call(&e, 5, P_AT_ONCE, false);
	onc_server_process(s.srv, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), &out, false);
	/* xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier, SUCCESS, 9 */
	static const uint8_t want[] = {0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
	assert_int_equal(onc_xdr_enc_len(&out), sizeof want);
	assert_memory_equal(onc_xdr_enc_data(&out), want, sizeof want);
	onc_xdr_enc_free(&e);
	onc_xdr_enc_free(&out);
	bg_server_stop(&s);
}

typedef struct stopper {
	bg_server *s;
	bool returned;
} stopper;

static void *stop_and_join(void *arg)
{
	stopper *t = arg;
	onc_server_stop(t->s->srv);
	pthread_join(t->s->thread, NULL);
	pthread_mutex_lock(&lock);
	t->returned = true;
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* onc_server_run returns only once the deferred call is ended, and its reply is delivered. */
static void test_run_waits_for_deferred_calls(void **state)
{
	(void)state;
	bg_server s;
	stopper t = {.s = &s};
	pthread_t th;
	int32_t arg = 9, got, v = 0;
	onc_status st;
	start(&s, 2);
	onc_client *c = client(s.tcp);
	onc_pending *p = onc_client_start(c, P_DEFER, enc_int, &arg, NULL, &st);
	assert_int_equal(st, ONC_OK);
	onc_client_flush(c);
	onc_deferred *d = take_deferred(&got);
	assert_int_equal(pthread_create(&th, NULL, stop_and_join, &t), 0);
	nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
	pthread_mutex_lock(&lock);
	assert_false(t.returned);
	pthread_mutex_unlock(&lock);
	assert_int_equal(reply_plus_one(d, got), ONC_OK);
	pthread_join(th, NULL);
	assert_true(t.returned);
	assert_int_equal(onc_client_finish(c, p, dec_int, &v), ONC_OK);
	assert_int_equal(v, 10);
	assert_int_equal(s.run_status, ONC_OK);
	onc_server_destroy(s.srv);
	onc_client_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_on_the_loop),
		cmocka_unit_test(test_tcp_on_workers),
		cmocka_unit_test(test_udp_on_the_loop),
		cmocka_unit_test(test_udp_on_workers),
		cmocka_unit_test(test_deferred_auth_error),
		cmocka_unit_test(test_client_leaves_on_the_loop),
		cmocka_unit_test(test_client_leaves_on_workers),
		cmocka_unit_test(test_reply_after_reset),
		cmocka_unit_test(test_run_waits_for_deferred_calls),
		cmocka_unit_test(test_limit_spares_deferred_calls),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_answered_before_the_handler_returns),
	};
	if (getenv("TEST_FILTER")) /* e.g. TEST_FILTER='test_udp*' */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
