/* The client's writes keep its deadlines (issue 18, item 9). A call too big for the socket
 * buffers, to a server that never reads, ends at its timeout (it blocked in send() forever),
 * and the client then makes a new connection; a call that waits behind that writer ends at
 * its own timeout; and an asynchronous client whose calls and replies both fill the sockets
 * reads replies while it writes, instead of deadlocking with the server, which stops reading
 * a connection whose replies are not read. Each call runs on a thread that the test waits
 * for with a limit, so that a client that blocks fails the test instead of hanging it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "test_server.h"

#define PROG 0x20000129u
#define HUGE_CALL (16u << 20)
#define ARGS 8192u
#define RESULT 65536u
#define CALLS 1024
#define SLACK_MS 3000  /* how late past its timeout a call may end on a busy machine */
#define HANG_MS 30000  /* a call still running after this much longer is blocked for good */

/* Waits for thread t until limit_ms have passed since start_ms: false if it still runs. */
static bool joined_by(pthread_t t, int64_t start_ms, int limit_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t left = start_ms + limit_ms - now_ms();
	left = left > 0 ? left : 0;
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

static onc_status enc_huge(onc_xdr_enc *e, const void *v)
{
	(void)v;
	ONC_TRY(onc_xdr_enc_reserve(e, HUGE_CALL));
	memset(e->p, 'c', HUGE_CALL);
	e->p += HUGE_CALL;
	return ONC_OK;
}

/* One synchronous call on a thread, timed. */
typedef struct timed_call {
	onc_client *c;
	uint32_t proc;
	onc_encode_fn encode;
	int timeout_ms;
	pthread_t thread;
	int64_t start_ms, elapsed_ms;
	onc_status status;
} timed_call;

static void *run_call(void *arg)
{
	timed_call *t = arg;
	onc_call_opts o = {.timeout_ms = t->timeout_ms};
	t->status = onc_client_call(t->c, t->proc, t->encode, NULL, NULL, NULL, &o);
	t->elapsed_ms = now_ms() - t->start_ms;
	return NULL;
}

static void start_call(timed_call *t)
{
	t->start_ms = now_ms();
	assert_int_equal(pthread_create(&t->thread, NULL, run_call, t), 0);
}

/* The call ended by its timeout plus SLACK_MS; if it still runs, closing the listener of its
 * connection (which resets it, so that the send fails) ends it, and the test fails. */
static void ends_in_time(timed_call *t, int listener)
{
	if (!joined_by(t->thread, t->start_ms, t->timeout_ms + HANG_MS)) {
		close(listener);
		pthread_join(t->thread, NULL);
		fail_msg("a call with a %d ms timeout was still blocked after %d s", t->timeout_ms,
			 (t->timeout_ms + HANG_MS) / 1000);
	}
	print_message("a call with a %d ms timeout ended after %lld ms: %s\n", t->timeout_ms,
		      (long long)t->elapsed_ms, onc_status_name(t->status));
	assert_true(t->elapsed_ms <= t->timeout_ms + SLACK_MS);
}

static onc_client *client_of(uint16_t port)
{
	char addr[64];
	onc_status st;
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", port);
	onc_client *c = onc_client_create(addr, PROG, 1, NULL, &st);
	assert_int_equal(st, ONC_OK);
	return c;
}

/* Accepts a connection of the listener (waiting up to 5 s), reads one call from it and
 * answers it SUCCESS with no results. */
static void answer_one_call(int listener)
{
	struct pollfd pfd = {.fd = listener, .events = POLLIN};
	uint32_t head[2], reply[7];
	uint8_t body[512];
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	int fd = accept(listener, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(recv(fd, head, sizeof head, MSG_WAITALL), (ssize_t)sizeof head);
	size_t len = ntohl(head[0]) & 0x7fffffffu;
	assert_true(len >= 4 && len - 4 <= sizeof body);
	assert_int_equal(recv(fd, body, len - 4, MSG_WAITALL), (ssize_t)(len - 4));
	/* record mark, xid, REPLY, MSG_ACCEPTED, verifier AUTH_NONE of 0 bytes, SUCCESS */
	uint32_t words[7] = {0x80000000u | 24, 0, 1, 0, 0, 0, 0};
	for (int i = 0; i < 7; i++)
		reply[i] = htonl(words[i]);
	reply[1] = head[1];
	assert_int_equal(send(fd, reply, sizeof reply, MSG_NOSIGNAL), (ssize_t)sizeof reply);
	close(fd);
}

/* 16 MiB to a server that never reads, with a 2 s timeout: TIMEDOUT by the deadline. The
 * connection is left with part of a record written, so the next call goes on a new one. */
static void test_huge_call_to_a_server_that_never_reads(void **state)
{
	(void)state;
	uint16_t port;
	int listener = silent_socket(SOCK_STREAM, &port);
	assert_true(listener >= 0);
	onc_client *c = client_of(port);
	timed_call huge = {.c = c, .proc = 1, .encode = enc_huge, .timeout_ms = 2000};
	start_call(&huge);
	ends_in_time(&huge, listener);
	assert_int_equal(huge.status, ONC_ERR_TIMEDOUT);
	assert_true(huge.elapsed_ms >= 1900);

	int first = accept(listener, NULL, NULL); /* the connection the huge call left behind */
	assert_true(first >= 0);
	timed_call next = {.c = c, .proc = 0, .timeout_ms = 5000};
	start_call(&next);
	answer_one_call(listener);
	ends_in_time(&next, listener);
	assert_int_equal(next.status, ONC_OK);
	onc_client_destroy(c);
	close(first);
	close(listener);
}

/* A call that waits for the writer of a huge call ends at its own timeout, not the writer's. */
static void test_call_behind_a_blocked_writer(void **state)
{
	(void)state;
	uint16_t port;
	int listener = silent_socket(SOCK_STREAM, &port);
	assert_true(listener >= 0);
	onc_client *c = client_of(port);
	timed_call huge = {.c = c, .proc = 1, .encode = enc_huge, .timeout_ms = 6000};
	timed_call small = {.c = c, .proc = 0, .timeout_ms = 300};
	start_call(&huge);
	nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL); /* the huge call is writing */
	start_call(&small);
	ends_in_time(&small, listener);
	assert_int_equal(small.status, ONC_ERR_TIMEDOUT);
	ends_in_time(&huge, listener);
	assert_int_equal(huge.status, ONC_ERR_TIMEDOUT);
	onc_client_destroy(c);
	close(listener);
}

/* PROC 1: 8 KiB of arguments in, 64 KiB of results out. */
static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	static const uint8_t result[RESULT];
	const uint8_t *args;
	uint32_t len;
	if (call->header->proc != 1)
		return call->header->proc == 0 ? ONC_SUCCESS : ONC_PROC_UNAVAIL;
	if (onc_xdr_get_opaque_ref(call->args, &args, &len, ARGS) != ONC_OK)
		return ONC_GARBAGE_ARGS;
	return onc_xdr_put_opaque(call->results, result, RESULT, RESULT) ? ONC_SYSTEM_ERR
									 : ONC_SUCCESS;
}

static onc_status enc_args(onc_xdr_enc *e, const void *v)
{
	(void)v;
	static const uint8_t args[ARGS];
	return onc_xdr_put_opaque(e, args, ARGS, ARGS);
}

static onc_status dec_result(onc_xdr_dec *d, void *v)
{
	const uint8_t *data;
	uint32_t *len = v;
	return onc_xdr_get_opaque_ref(d, &data, len, RESULT);
}

/* n calls started on c (with onc_client_start, or onc_request_send), then finished; ok
 * counts those answered in full. */
typedef struct async_calls {
	onc_client *c;
	int n;
	bool requests;
	int ok;
} async_calls;

/* Starts call i: p[i] or r[i].pending stays NULL when it could not be sent. */
static void start_one(async_calls *a, onc_pending **p, onc_request *r, int i)
{
	onc_status st;
	onc_xdr_enc *e;
	if (!a->requests) {
		p[i] = onc_client_start(a->c, 1, enc_args, NULL, NULL, &st);
		return;
	}
	st = onc_request_begin(a->c, &r[i], PROG, 1, 1, &e);
	if (st == ONC_OK)
		st = enc_args(e, NULL);
	if (st == ONC_OK)
		st = onc_request_send(&r[i]);
	if (st != ONC_OK)
		onc_request_end(&r[i], st);
}

static onc_status finish_one(async_calls *a, onc_pending **p, onc_request *r, int i,
			     uint32_t *len)
{
	onc_xdr_dec *d;
	onc_status st;
	if (!a->requests)
		return p[i] ? onc_client_finish(a->c, p[i], dec_result, len) : ONC_ERR_CLOSED;
	if (!r[i].pending)
		return ONC_ERR_CLOSED;
	st = onc_request_wait(&r[i], &d);
	if (st == ONC_OK)
		st = dec_result(d, len);
	return onc_request_end(&r[i], st);
}

static void *run_async(void *arg)
{
	async_calls *a = arg;
	onc_pending **p = calloc((size_t)a->n, sizeof *p);
	onc_request *r = calloc((size_t)a->n, sizeof *r);
	if (!p || !r)
		abort();
	for (int i = 0; i < a->n; i++)
		start_one(a, p, r, i);
	for (int i = 0; i < a->n; i++) {
		uint32_t len = 0;
		a->ok += finish_one(a, p, r, i, &len) == ONC_OK && len == RESULT;
	}
	free(p);
	free(r);
	return NULL;
}

/* threads threads each start calls_each calls on one client, then finish them: 8 KiB out and
 * 64 KiB back each, so that the calls fill the server's socket while its replies fill ours. */
static void async_calls_on(int threads, int calls_each, bool requests)
{
	bg_server s;
	bg_server_start(&s, &(onc_server_options){.threads = 1}, PROG, dispatch);
	onc_client *c = client_of(s.tcp_port);
	async_calls a[4];
	pthread_t t[4];
	int64_t start = now_ms();
	assert_true(threads <= 4);
	for (int i = 0; i < threads; i++) {
		a[i] = (async_calls){.c = c, .n = calls_each, .requests = requests};
		assert_int_equal(pthread_create(&t[i], NULL, run_async, &a[i]), 0);
	}
	for (int i = 0; i < threads; i++) {
		if (!joined_by(t[i], start, HANG_MS)) {
			bg_server_stop(&s); /* its connections close: the client's sends fail */
			for (int j = i; j < threads; j++)
				pthread_join(t[j], NULL);
			fail_msg("%d threads of %d asynchronous calls: still blocked after %d s",
				 threads, calls_each, HANG_MS / 1000);
		}
	}
	print_message("%d threads of %d calls: %lld ms\n", threads, calls_each,
		      (long long)(now_ms() - start));
	for (int i = 0; i < threads; i++)
		assert_int_equal(a[i].ok, calls_each);
	onc_client_destroy(c);
	bg_server_stop(&s);
}

static void test_async_reads_while_it_writes(void **state)
{
	(void)state;
	async_calls_on(1, CALLS, false);
}

static void test_requests_read_while_they_write(void **state)
{
	(void)state;
	async_calls_on(1, CALLS, true);
}

/* Writers and readers on several threads (also run under ThreadSanitizer). */
static void test_threads_read_while_they_write(void **state)
{
	(void)state;
	async_calls_on(4, CALLS / 4, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huge_call_to_a_server_that_never_reads),
		cmocka_unit_test(test_call_behind_a_blocked_writer),
		cmocka_unit_test(test_async_reads_while_it_writes),
		cmocka_unit_test(test_requests_read_while_they_write),
		cmocka_unit_test(test_threads_read_while_they_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
