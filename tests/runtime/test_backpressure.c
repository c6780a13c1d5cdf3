/* Replies are not built faster than the peer reads them (issue 18, item 1): 200 calls whose
 * results are 1 MiB each, sent in one write by a client that does not read. The server stops
 * answering once 4 MiB wait to be sent, and goes on as the client reads: memory stays near the
 * limit (not 200 MiB), and every reply still comes, in order. With the calls on the loop and
 * on workers. */
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

#include "test_server.h"

#define PROG 0x20000127u
#define CALLS 200
#define RESULT (1u << 20)

#if defined(__SANITIZE_ADDRESS__)
#define RSS_CHECKED 0 /* ASan keeps freed memory: its figures say nothing about the server */
#else
#define RSS_CHECKED 1
#endif

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	onc_status st = onc_xdr_enc_reserve(call->results, RESULT);
	if (st == ONC_OK) {
		memset(call->results->p, 'x', RESULT);
		call->results->p += RESULT;
	}
	return st == ONC_OK ? ONC_SUCCESS : ONC_SYSTEM_ERR;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void unread_replies(unsigned workers)
{
	bg_server s;
	bg_server_start(&s, &(onc_server_options){.threads = 1, .workers = workers}, PROG, dispatch);
	int small = 64 << 10, fd = connect_loopback(s.tcp_port);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	for (uint32_t xid = 1; xid <= CALLS; xid++)
		end_raw_call(&e, begin_raw_call(&e, xid, PROG, 1));
	long before = rss_kib();
	assert_int_equal(write(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)),
			 (ssize_t)onc_xdr_enc_len(&e));
	onc_xdr_enc_free(&e);
	nanosleep(&(struct timespec){0, 500 * 1000000L}, NULL); /* the server does what it will */
	long grown = rss_kib() - before;
	print_message("%u workers: %ld KiB more while nothing is read%s\n", workers, grown,
		      RSS_CHECKED ? "" : " (not checked under ASan)");
	if (RSS_CHECKED)
		assert_true(grown < 32 * 1024);

	/* Then every reply comes, whole and in order (one connection's calls, one worker or the
	 * loop at a time for each reply: xids may come in any order with workers). */
	static bool seen[CALLS + 1];
	memset(seen, 0, sizeof seen);
	uint8_t *buf = malloc(RESULT + 64);
	assert_non_null(buf);
	for (unsigned got = 0; got < CALLS; got++) {
		uint32_t w[7];
		size_t have = 0, want = 28 + RESULT;
		while (have < want) {
			ssize_t n = read(fd, buf + have, want - have);
			assert_true(n > 0);
			have += (size_t)n;
		}
		memcpy(w, buf, sizeof w);
		assert_int_equal(ntohl(w[0]), 0x80000000u | (24 + RESULT));
		uint32_t xid = ntohl(w[1]);
		assert_true(xid >= 1 && xid <= CALLS && !seen[xid]);
		seen[xid] = true;
		assert_int_equal(ntohl(w[6]), ONC_SUCCESS);
		assert_int_equal(buf[28 + RESULT - 1], 'x');
	}
	free(buf);
	close(fd);
	bg_server_stop(&s);
}

static void test_on_the_loop(void **state)
{
	(void)state;
	unread_replies(0);
}

static void test_on_workers(void **state)
{
	(void)state;
	unread_replies(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_the_loop),
		cmocka_unit_test(test_on_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
