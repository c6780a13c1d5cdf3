/* Errors keep their cause (issue 17): the errno or getaddrinfo() code of what failed is in the
 * error detail, onc_error_text() prints it, and three failures say what happened: a listen on
 * an address that is not this host's (EADDRNOTAVAIL), a UDP call larger than a datagram
 * (EMSGSIZE: its own status, and the client still works), and a port lookup whose rpcbind
 * refuses the connection (its own status, not the service's "connection refused"). Real
 * sockets on loopback; 10.255.255.1 is no address of this host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_server.h"

#define BIG_CALL 65536u /* one byte of opaque data too many for any datagram, with its header */

/* A port of 127.0.0.1 where nothing listens (type SOCK_STREAM or SOCK_DGRAM): bound a moment
 * and closed. */
static uint16_t closed_port(int type)
{
	int s = socket(AF_INET, type, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

static void assert_text(onc_status st, const onc_call_error *err, const char *want)
{
	char text[256];
	assert_string_equal(onc_error_text(st, err, text, sizeof text), want);
}

static void test_listen_on_a_foreign_address(void **state)
{
	(void)state;
	onc_status st;
	onc_server *srv = onc_server_create(NULL, &st);
	assert_non_null(srv);
	errno = 0;
	st = onc_server_listen(srv, "tcp://10.255.255.1:0", NULL);
	int os_error = errno;
	assert_string_equal(onc_status_name(st), "ONC_ERR_ADDRESS");
	assert_int_equal(os_error, EADDRNOTAVAIL);
	onc_call_error e = {.os_error = os_error};
	assert_text(st, &e, "bad or unresolvable address: Cannot assign requested address");
	/* A taken port is the same status, with its own reason. */
	uint16_t port;
	assert_int_equal(onc_server_listen(srv, "tcp://127.0.0.1:0", &port), ONC_OK);
	char addr[64];
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", port);
	onc_server *other = onc_server_create(NULL, &st);
	st = onc_server_listen(other, addr, NULL);
	assert_string_equal(onc_status_name(st), "ONC_ERR_ADDRESS");
	assert_int_equal(errno, EADDRINUSE);
	st = onc_server_listen(other, "unix:///nonexistent/onc.sock", NULL);
	assert_string_equal(onc_status_name(st), "ONC_ERR_ADDRESS");
	assert_int_equal(errno, ENOENT);
	onc_server_destroy(other);
	onc_server_destroy(srv);
}

static onc_status put_big(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_opaque(e, v, BIG_CALL, ~0u);
}

static void test_udp_call_too_big(void **state)
{
	(void)state;
	static uint8_t big[BIG_CALL];
	onc_status st;
	onc_client *c = onc_client_create(the_server.udp, TESTPROG, 1, NULL, &st);
	assert_non_null(c);
	onc_call_error err = {.low = 7, .os_error = 1}; /* all written when the call fails */
	onc_call_opts o = {.timeout_ms = 2000, .error = &err};
	st = onc_client_call(c, PROC_ECHO, put_big, big, NULL, NULL, &o);
	assert_string_equal(onc_status_name(st), "ONC_ERR_DATAGRAM_TOO_BIG");
	assert_int_equal(err.os_error, EMSGSIZE);
	assert_int_equal(err.low, 0);
	assert_text(st, &err, "message too large for a UDP datagram: Message too long");
	/* Nothing was sent and nothing else failed: the next call goes through (and leaves the
	 * detail alone: calls sharing one onc_call_opts do not write to it when they succeed). */
	assert_int_equal(onc_client_call(c, PROC_NULL, NULL, NULL, NULL, NULL, &o), ONC_OK);
	assert_int_equal(err.os_error, EMSGSIZE);
	onc_client_destroy(c);
}

static void test_lookup_with_rpcbind_refusing(void **state)
{
	(void)state;
	const char *addrs[] = {"tcp://127.0.0.1", "udp://127.0.0.1"};
	for (size_t i = 0; i < 2; i++) {
		onc_call_error err;
		onc_client_options o = {.timeout_ms = 2000, .error = &err,
					.rpcbind_port = closed_port(i ? SOCK_DGRAM : SOCK_STREAM)};
		onc_status st;
		assert_null(onc_client_create(addrs[i], TESTPROG, 1, &o, &st));
		assert_string_equal(onc_status_name(st), "ONC_ERR_RPCBIND_UNREACHABLE");
		assert_int_equal(err.os_error, ECONNREFUSED);
		assert_text(st, &err,
			    "cannot reach the host's rpcbind/portmapper: Connection refused");
		/* The public lookup says the same. */
		uint16_t port;
		st = onc_rpcb_find_port("127.0.0.1", o.rpcbind_port, i ? "udp" : "tcp", TESTPROG, 1,
					2000, &port);
		assert_string_equal(onc_status_name(st), "ONC_ERR_RPCBIND_UNREACHABLE");
	}
}

static void test_create_keeps_the_os_reason(void **state)
{
	(void)state;
	onc_call_error err;
	onc_client_options o = {.timeout_ms = 2000, .error = &err};
	onc_status st;
	char addr[64];
	/* The service's own port refused: its status, and an OS text that adds nothing. */
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", closed_port(SOCK_STREAM));
	assert_null(onc_client_create(addr, TESTPROG, 1, &o, &st));
	assert_string_equal(onc_status_name(st), "ONC_ERR_CONNREFUSED");
	assert_int_equal(err.os_error, ECONNREFUSED);
	assert_text(st, &err, "connection refused");
	/* A Unix socket that is not there. */
	assert_null(onc_client_create("unix:///nonexistent/onc.sock", TESTPROG, 1, &o, &st));
	assert_int_equal(err.os_error, ENOENT);
	assert_text(st, &err, "connection refused: No such file or directory");
	/* A name that does not resolve: getaddrinfo's code (which one depends on the resolver). */
	assert_null(onc_client_create("tcp://no-such-host.invalid:1", TESTPROG, 1, &o, &st));
	assert_string_equal(onc_status_name(st), "ONC_ERR_ADDRESS");
	assert_int_not_equal(err.gai_error, 0);
	assert_int_equal(err.os_error, 0);
	char text[256];
	onc_error_text(st, &err, text, sizeof text);
	assert_true(strncmp(text, "bad or unresolvable address: ", 29) == 0 && strlen(text) > 29);
}

/* A server that takes the connection, reads the call and resets the connection (SO_LINGER
 * 0) instead of answering. */
static void *reset_after_the_call(void *arg)
{
	int lfd = *(int *)arg, fd = accept(lfd, NULL, NULL);
	uint8_t buf[64];
	struct linger now = {1, 0};
	assert_true(fd >= 0 && read(fd, buf, sizeof buf) > 0);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
	close(fd);
	return NULL;
}

/* A reset while the call waits for its reply is "connection closed", with the errno, as a
 * reset while sending is, and as Python says (test_errors.py). */
static void test_reset_while_waiting(void **state)
{
	(void)state;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	char addr[64];
	pthread_t t;
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(pthread_create(&t, NULL, reset_after_the_call, &lfd), 0);
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", ntohs(a.sin_port));
	onc_status st;
	onc_client *c = onc_client_create(addr, TESTPROG, 1, NULL, &st);
	assert_non_null(c);
	onc_call_error err;
	onc_call_opts o = {.timeout_ms = 5000, .error = &err};
	st = onc_client_call(c, PROC_NULL, NULL, NULL, NULL, NULL, &o);
	pthread_join(t, NULL);
	assert_string_equal(onc_status_name(st), "ONC_ERR_CLOSED");
	assert_int_equal(err.os_error, ECONNRESET);
	assert_text(st, &err, "connection closed: Connection reset by peer");
	onc_client_destroy(c);
	close(lfd);
}

static void test_error_text(void **state)
{
	(void)state;
	onc_call_error e = {.low = 1, .high = 3, .auth = ONC_AUTH_BADCRED};
	assert_text(ONC_ERR_PROG_MISMATCH, &e,
		    "program version mismatch: server supports versions 1 to 3");
	assert_text(ONC_ERR_RPC_MISMATCH, &e,
		    "RPC version mismatch: server speaks RPC versions 1 to 3");
	assert_text(ONC_ERR_AUTH, &e, "authentication error: AUTH_BADCRED");
	e.auth = 99;
	assert_text(ONC_ERR_AUTH, &e, "authentication error: auth_stat 99");
	assert_text(ONC_ERR_TIMEDOUT, NULL, "timed out");
	assert_text(ONC_OK, &(onc_call_error){.os_error = EIO}, "success");
	char small[8];
	assert_string_equal(onc_error_text(ONC_ERR_IO, &(onc_call_error){.os_error = EIO}, small,
					   sizeof small),
			    "I/O err");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_on_a_foreign_address),
		cmocka_unit_test(test_udp_call_too_big),
		cmocka_unit_test(test_lookup_with_rpcbind_refusing),
		cmocka_unit_test(test_create_keeps_the_os_reason),
		cmocka_unit_test(test_reset_while_waiting),
		cmocka_unit_test(test_error_text),
	};
	return cmocka_run_group_tests(tests, the_server_setup, the_server_teardown);
}
