/* End to end over loopback: onc client <-> onc server on TCP, UDP and a Unix socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "test_server.h"


static onc_client *connect_to(const char *addr, uint32_t vers)
{
	onc_status st;
	onc_client *c = onc_client_create(addr, TESTPROG, vers, NULL, &st);
	assert_int_equal(st, ONC_OK);
	assert_non_null(c);
	return c;
}

static void check_calls(const char *addr)
{
	onc_client *c = connect_to(addr, 1);
	int_pair p = {40, 2};
	int32_t sum = 0;
	const char *msg = "hello, onc";
	char *echo = NULL;

	assert_int_equal(onc_client_call(c, PROC_NULL, NULL, NULL, NULL, NULL, NULL), ONC_OK);
	assert_int_equal(onc_client_call(c, PROC_ADD, enc_int_pair, &p, dec_int, &sum, NULL), ONC_OK);
	assert_int_equal(sum, 42);
	assert_int_equal(onc_client_call(c, PROC_ECHO, enc_string, &msg, dec_string, &echo, NULL),
			 ONC_OK);
	assert_string_equal(echo, msg);
	free(echo);
	onc_client_destroy(c);
}

static void test_tcp(void **state)
{
	(void)state;
	check_calls(the_server.tcp);
}

static void test_udp(void **state)
{
	(void)state;
	check_calls(the_server.udp);
}

static void test_unix(void **state)
{
	(void)state;
	check_calls(the_server.unix_addr);
}

static void test_error_replies(void **state)
{
	(void)state;
	const char *addrs[] = {the_server.tcp, the_server.udp};
	for (int i = 0; i < 2; i++) {
		onc_client *c = connect_to(addrs[i], 1);
		onc_call_error err = {0};
		onc_call_opts opts = {.error = &err};
		assert_int_equal(onc_client_call(c, 99, NULL, NULL, NULL, NULL, NULL),
				 ONC_ERR_PROC_UNAVAIL);
		assert_int_equal(onc_client_call(c, PROC_FAIL, NULL, NULL, NULL, NULL, NULL),
				 ONC_ERR_SYSTEM_ERR);
		/* ADD without its arguments */
		assert_int_equal(onc_client_call(c, PROC_ADD, NULL, NULL, NULL, NULL, NULL),
				 ONC_ERR_GARBAGE_ARGS);
		onc_client_destroy(c);

		c = connect_to(addrs[i], 2);
		assert_int_equal(onc_client_call(c, PROC_NULL, NULL, NULL, NULL, NULL, &opts),
				 ONC_ERR_PROG_MISMATCH);
		assert_int_equal(err.low, 1);
		assert_int_equal(err.high, 3);
		onc_client_destroy(c);

		onc_status st;
		c = onc_client_create(addrs[i], TESTPROG + 1, 1, NULL, &st);
		assert_non_null(c);
		assert_int_equal(onc_client_call(c, PROC_NULL, NULL, NULL, NULL, NULL, NULL),
				 ONC_ERR_PROG_UNAVAIL);
		onc_client_destroy(c);
	}
}

static void test_auth_sys(void **state)
{
	(void)state;
	onc_auth_sys cred = {.stamp = 7, .machinename = "testhost", .uid = 1000, .gid = 100,
			     .ngids = 2, .gids = {100, 27}};
	onc_client_options o = {.auth_sys = &cred};
	onc_status st;
	onc_client *c = onc_client_create(the_server.tcp, TESTPROG, 1, &o, &st);
	int_pair p = {1, 2};
	int32_t sum;
	assert_int_equal(st, ONC_OK);
	assert_int_equal(onc_client_call(c, PROC_ADD, enc_int_pair, &p, dec_int, &sum, NULL), ONC_OK);
	assert_int_equal(sum, 3);
	onc_client_destroy(c);
}

/* Sends one raw record on a fresh TCP connection and returns the reply record's body. */
static size_t raw_call(const uint8_t *msg, size_t len, uint8_t *reply, size_t cap)
{
	onc_xdr_enc e;
	size_t start;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(the_server.tcp_port)};
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	onc_xdr_enc_init(&e);
	assert_int_equal(onc_rm_begin(&e, &start), ONC_OK);
	assert_int_equal(onc_xdr_put_opaque_fixed(&e, msg, len), ONC_OK);
	assert_int_equal(onc_rm_end(&e, start, 0), ONC_OK);
	assert_int_equal(write(fd, e.base, onc_xdr_enc_len(&e)), (ssize_t)onc_xdr_enc_len(&e));
	onc_xdr_enc_free(&e);
	uint8_t hdr[4];
	assert_int_equal(recv(fd, hdr, 4, MSG_WAITALL), 4);
	size_t n = ((size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3]);
	assert_true(hdr[0] & 0x80);
	assert_true(n <= cap);
	assert_int_equal(recv(fd, reply, n, MSG_WAITALL), (ssize_t)n);
	close(fd);
	return n;
}

static void call_words(uint32_t *w, uint32_t rpcvers, uint32_t flavor)
{
	uint32_t words[] = {0x1234, 0, rpcvers, TESTPROG, 1, 0, flavor, 0, 0, 0};
	for (int i = 0; i < 10; i++)
		w[i] = htonl(words[i]);
}

static void test_denied_replies(void **state)
{
	(void)state;
	uint32_t call[10], reply[8];
	/* rpcvers 3: MSG_DENIED, RPC_MISMATCH, low 2, high 2 */
	call_words(call, 3, ONC_AUTH_NONE);
	assert_int_equal(raw_call((uint8_t *)call, sizeof call, (uint8_t *)reply, sizeof reply), 24);
	uint32_t mismatch[] = {0x1234, 1, 1, 0, 2, 2};
	for (int i = 0; i < 6; i++)
		assert_int_equal(ntohl(reply[i]), mismatch[i]);
	/* unknown credential flavor: MSG_DENIED, AUTH_ERROR, AUTH_REJECTEDCRED */
	call_words(call, 2, 99);
	assert_int_equal(raw_call((uint8_t *)call, sizeof call, (uint8_t *)reply, sizeof reply), 20);
	uint32_t rejected[] = {0x1234, 1, 1, 1, ONC_AUTH_REJECTEDCRED};
	for (int i = 0; i < 5; i++)
		assert_int_equal(ntohl(reply[i]), rejected[i]);
	/* AUTH_SYS whose body is empty: AUTH_BADCRED */
	call_words(call, 2, ONC_AUTH_SYS);
	assert_int_equal(raw_call((uint8_t *)call, sizeof call, (uint8_t *)reply, sizeof reply), 20);
	assert_int_equal(ntohl(reply[4]), ONC_AUTH_BADCRED);
}

static void test_timeout(void **state)
{
	(void)state;
	const char *addrs[] = {the_server.tcp, the_server.udp};
	for (int i = 0; i < 2; i++) {
		onc_client *c = connect_to(addrs[i], 1);
		int32_t ms = 1500;
		onc_call_opts quick = {.timeout_ms = 200};
		assert_int_equal(onc_client_call(c, PROC_SLEEP, enc_int, &ms, NULL, NULL, &quick),
				 ONC_ERR_TIMEDOUT);
		/* The late reply is dropped; the next call gets its own answer. */
		int_pair p = {5, 6};
		int32_t sum = 0;
		assert_int_equal(onc_client_call(c, PROC_ADD, enc_int_pair, &p, dec_int, &sum, NULL),
				 ONC_OK);
		assert_int_equal(sum, 11);
		onc_client_destroy(c);
	}
}

typedef struct worker {
	onc_client *c;
	int id, bad;
	pthread_t t;
} worker;

static void *hammer(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < 1000; i++) {
		int_pair p = {w->id * 100000, i};
		int32_t sum = -1;
		if (onc_client_call(w->c, PROC_ADD, enc_int_pair, &p, dec_int, &sum, NULL) != ONC_OK ||
		    sum != p.a + p.b)
			w->bad++;
	}
	return NULL;
}

static void test_shared_client_threads(void **state)
{
	(void)state;
	onc_client *c = connect_to(the_server.tcp, 1);
	worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (worker){.c = c, .id = i};
		pthread_create(&w[i].t, NULL, hammer, &w[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(w[i].t, NULL);
		assert_int_equal(w[i].bad, 0);
	}
	onc_client_destroy(c);
}

static void test_reconnect_after_restart(void **state)
{
	(void)state;
	onc_client *c = connect_to(the_server.tcp, 1);
	int_pair p = {2, 2};
	int32_t sum = 0;
	assert_int_equal(onc_client_call(c, PROC_ADD, enc_int_pair, &p, dec_int, &sum, NULL), ONC_OK);

	uint16_t port = the_server.tcp_port;
	test_server_stop(&the_server);
	usleep(200 * 1000); /* longer than the client's quiet time: it checks the connection */
	assert_int_equal(onc_client_call(c, PROC_NULL, NULL, NULL, NULL, NULL, NULL),
			 ONC_ERR_CONNREFUSED);

	/* A new server on the same port: the same client reconnects by itself. */
	test_server_start(&the_server, NULL, port);
	sum = 0;
	assert_int_equal(onc_client_call(c, PROC_ADD, enc_int_pair, &p, dec_int, &sum, NULL), ONC_OK);
	assert_int_equal(sum, 4);
	onc_client_destroy(c);
}

static void test_connection_refused(void **state)
{
	(void)state;
	onc_status st;
	/* A port nobody listens on: the one the test server's UDP socket has, over TCP. */
	char addr[64];
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", the_server.udp_port);
	assert_null(onc_client_create(addr, TESTPROG, 1, NULL, &st));
	assert_int_equal(st, ONC_ERR_CONNREFUSED);
}

static void test_connect_timeout(void **state)
{
	(void)state;
	/* A listener that never accepts, its backlog full: further handshakes go unanswered. */
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), fill[4];
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	for (int i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sin, sizeof sin);
	}
	usleep(100 * 1000);
	char addr[64];
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", ntohs(sin.sin_port));
	onc_call_error err = {.os_error = -1};
	onc_client_options o = {.timeout_ms = 300, .error = &err};
	onc_status st;
	char text[128];
	assert_null(onc_client_create(addr, TESTPROG, 1, &o, &st));
	assert_int_equal(st, ONC_ERR_TIMEDOUT);
	/* The client's own deadline, not an errno: worded as Python's (test_errors.py). */
	assert_int_equal(err.os_error, 0);
	assert_string_equal(onc_error_text(st, &err, text, sizeof text), "timed out");
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
}

/* The form generated stubs use: arguments and results coded in line. */
static onc_status add_by_request(onc_client *c, uint32_t vers, int32_t a, int32_t b, int32_t *sum)
{
	onc_request r;
	onc_xdr_enc *e;
	onc_xdr_dec *d;
	onc_status s = onc_request_begin(c, &r, TESTPROG, vers, PROC_ADD, &e);
	if (s != ONC_OK)
		return s;
	s = onc_xdr_put_i32(e, a);
	if (s == ONC_OK)
		s = onc_xdr_put_i32(e, b);
	if (s == ONC_OK)
		s = onc_request_invoke(&r, &d);
	if (s == ONC_OK)
		s = onc_xdr_get_i32(d, sum);
	return onc_request_end(&r, s);
}

static void test_request_form(void **state)
{
	(void)state;
	const char *addrs[] = {the_server.tcp, the_server.udp};
	for (int i = 0; i < 2; i++) {
		onc_client *c = connect_to(addrs[i], 1);
		int32_t sum = 0;
		assert_int_equal(add_by_request(c, 1, 19, 23, &sum), ONC_OK);
		assert_int_equal(sum, 42);
		/* another version of the program over the same connection */
		assert_int_equal(add_by_request(c, 3, -1, 1, &sum), ONC_OK);
		assert_int_equal(sum, 0);
		assert_int_equal(add_by_request(c, 2, 1, 1, &sum), ONC_ERR_PROG_MISMATCH);
		/* begun and abandoned before sending */
		onc_request r;
		onc_xdr_enc *e;
		assert_int_equal(onc_request_begin(c, &r, TESTPROG, 1, PROC_ADD, &e), ONC_OK);
		assert_int_equal(onc_request_end(&r, ONC_ERR_INVALID_ARG), ONC_ERR_INVALID_ARG);
		assert_int_equal(add_by_request(c, 1, 2, 3, &sum), ONC_OK);
		assert_int_equal(sum, 5);
		onc_client_destroy(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_error_replies),
		cmocka_unit_test(test_auth_sys),
		cmocka_unit_test(test_denied_replies),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_shared_client_threads),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_reconnect_after_restart),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_request_form),
	};
	return cmocka_run_group_tests(tests, the_server_setup, the_server_teardown);
}
