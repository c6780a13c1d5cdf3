/* Connection lifetimes under a hostile or hasty peer:
 * - clients that reset their connection (SO_LINGER {1, 0}) while a worker still runs their
 *   call, with other connections keeping the loop busy, for a bounded time and with 1-2
 *   loops and 0-4 workers: the server must neither crash nor lose track of memory (run in
 *   the ASan build and under valgrind);
 * - a client that sends many calls and then shuts down its sending side: every reply comes
 *   before the server closes, with and without workers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "test_server.h"

#define PROG 0x20000125u
enum { P_NULL, P_NAP };
#define RESETTERS 6
#define BUSY 2
#define ATTACK_MS 1500

static void sleep_us(long us)
{
	nanosleep(&(struct timespec){us / 1000000, (us % 1000000) * 1000}, NULL);
}

/* NAP(us) -> int: sleeps up to us microseconds and answers how long it slept. */
static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	uint32_t us;
	switch (call->header->proc) {
	case P_NULL:
		return ONC_SUCCESS;
	case P_NAP:
		if (onc_xdr_get_u32(call->args, &us) != ONC_OK)
			return ONC_GARBAGE_ARGS;
		sleep_us(us);
		return onc_xdr_put_u32(call->results, us) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	default:
		return ONC_PROC_UNAVAIL;
	}
}

static void start(bg_server *s, unsigned threads, unsigned workers)
{
	bg_server_start(s, &(onc_server_options){.threads = threads, .workers = workers}, PROG,
			dispatch);
}

/* Appends one record-marked call of proc (with a u32 argument when proc is NAP). */
static void put_call(onc_xdr_enc *e, uint32_t xid, uint32_t proc, uint32_t arg)
{
	size_t rec = begin_raw_call(e, xid, PROG, proc);
	if (proc == P_NAP)
		assert_int_equal(onc_xdr_put_u32(e, arg), ONC_OK);
	end_raw_call(e, rec);
}

static bool write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads record-marked replies until end of file (or error); returns how many came, each
 * checked to be a SUCCESS reply to one of xids 1..max, none twice. */
static unsigned read_replies(int fd, uint32_t max)
{
	bool *seen = calloc(max + 1, 1);
	uint8_t buf[4096];
	size_t have = 0;
	unsigned replies = 0;
	assert_non_null(seen);
	for (;;) {
		ssize_t n = recv(fd, buf + have, sizeof buf - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		/* null and NAP replies: marker, xid, REPLY, ACCEPTED, verf(2), SUCCESS [, u32] */
		for (;;) {
			uint32_t w[7];
			if (have < 28)
				break;
			memcpy(w, buf, 28);
			size_t len = ntohl(w[0]) & 0x7fffffffu;
			if (have < 4 + len)
				break;
			uint32_t xid = ntohl(w[1]);
			assert_true(xid >= 1 && xid <= max && !seen[xid]);
			assert_int_equal(ntohl(w[2]), ONC_REPLY);
			assert_int_equal(ntohl(w[3]), ONC_MSG_ACCEPTED);
			assert_int_equal(ntohl(w[6]), ONC_SUCCESS);
			seen[xid] = true;
			replies++;
			memmove(buf, buf + 4 + len, have - 4 - len);
			have -= 4 + len;
		}
	}
	free(seen);
	return replies;
}

typedef struct attack {
	uint16_t port;
	int64_t until;
	atomic_uint resets, busy_replies;
	unsigned seed;
} attack;

/* Connects, sends one NAP call of 0-300 us, waits 0-400 us and resets the connection. */
static void *resetter(void *arg)
{
	attack *a = arg;
	unsigned seed = atomic_fetch_add(&a->resets, 1) + a->seed;
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	while (now_ms() < a->until) {
		int fd = connect_loopback(a->port);
		if (fd < 0)
			continue;
		onc_xdr_enc_reset(&e);
		put_call(&e, 1, P_NAP, (uint32_t)(rand_r(&seed) % 300));
		write_all(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
		sleep_us(rand_r(&seed) % 400);
		struct linger lg = {1, 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(fd);
		atomic_fetch_add(&a->resets, 1);
	}
	onc_xdr_enc_free(&e);
	return NULL;
}

/* Keeps the loop busy: batches of 16 pipelined null calls, each batch's replies read. */
static void *busy(void *arg)
{
	attack *a = arg;
	int fd = connect_loopback(a->port);
	onc_xdr_enc e;
	assert_true(fd >= 0);
	onc_xdr_enc_init(&e);
	for (uint32_t i = 1; i <= 16; i++)
		put_call(&e, i, P_NULL, 0);
	while (now_ms() < a->until) {
		uint8_t reply[28 * 16];
		size_t got = 0;
		if (!write_all(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)))
			break;
		while (got < sizeof reply) {
			ssize_t n = recv(fd, reply + got, sizeof reply - got, 0);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got < sizeof reply)
			break;
		atomic_fetch_add(&a->busy_replies, 16);
	}
	onc_xdr_enc_free(&e);
	close(fd);
	return NULL;
}

/* The server still answers after the attack: one NAP call on a fresh connection. */
static void assert_serving(uint16_t port)
{
	onc_xdr_enc e;
	int fd = connect_loopback(port);
	assert_true(fd >= 0);
	onc_xdr_enc_init(&e);
	put_call(&e, 1, P_NAP, 1);
	assert_true(write_all(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)));
	shutdown(fd, SHUT_WR);
	assert_int_equal(read_replies(fd, 1), 1);
	onc_xdr_enc_free(&e);
	close(fd);
}

static void reset_with_calls_in_flight(unsigned threads, unsigned workers)
{
	bg_server s;
	attack a = {.until = now_ms() + ATTACK_MS, .seed = threads * 100 + workers};
	pthread_t r[RESETTERS], b[BUSY];
	start(&s, threads, workers);
	a.port = s.tcp_port;
	for (int i = 0; i < BUSY; i++)
		assert_int_equal(pthread_create(&b[i], NULL, busy, &a), 0);
	for (int i = 0; i < RESETTERS; i++)
		assert_int_equal(pthread_create(&r[i], NULL, resetter, &a), 0);
	for (int i = 0; i < RESETTERS; i++)
		pthread_join(r[i], NULL);
	for (int i = 0; i < BUSY; i++)
		pthread_join(b[i], NULL);
	print_message("%u loop(s), %u workers: %u resets, %u null calls answered meanwhile\n",
		      threads, workers, atomic_load(&a.resets) - RESETTERS,
		      atomic_load(&a.busy_replies));
	assert_true(atomic_load(&a.resets) > RESETTERS);
	assert_true(atomic_load(&a.busy_replies) > 0);
	assert_serving(s.tcp_port);
	bg_server_stop(&s);
}

static void test_reset_one_loop_four_workers(void **state)
{
	(void)state;
	reset_with_calls_in_flight(1, 4);
}

static void test_reset_two_loops_one_worker(void **state)
{
	(void)state;
	reset_with_calls_in_flight(2, 1);
}

static void test_reset_two_loops_two_workers(void **state)
{
	(void)state;
	reset_with_calls_in_flight(2, 2);
}

static void test_reset_one_loop_no_workers(void **state)
{
	(void)state;
	reset_with_calls_in_flight(1, 0);
}

/* 200 pipelined calls (slow ones among them), then SHUT_WR: all 200 replies arrive, then
 * end of file. */
static void half_close(unsigned workers)
{
	enum { N = 200 };
	bg_server s;
	onc_xdr_enc e;
	start(&s, 1, workers);
	int fd = connect_loopback(s.tcp_port);
	assert_true(fd >= 0);
	onc_xdr_enc_init(&e);
	for (uint32_t xid = 1; xid <= N; xid++)
		put_call(&e, xid, xid % 10 ? P_NULL : P_NAP, 2000);
	assert_true(write_all(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)));
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_int_equal(read_replies(fd, N), N);
	onc_xdr_enc_free(&e);
	close(fd);
	bg_server_stop(&s);
}

static void test_half_close_no_workers(void **state)
{
	(void)state;
	half_close(0);
}

static void test_half_close_four_workers(void **state)
{
	(void)state;
	half_close(4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_one_loop_four_workers),
		cmocka_unit_test(test_reset_two_loops_one_worker),
		cmocka_unit_test(test_reset_two_loops_two_workers),
		cmocka_unit_test(test_reset_one_loop_no_workers),
		cmocka_unit_test(test_half_close_no_workers),
		cmocka_unit_test(test_half_close_four_workers),
	};
	if (getenv("TEST_FILTER")) /* e.g. TEST_FILTER='test_half_close*' */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
