/* Hostile peers of the STARTTLS path: a handshake that stalls (before or inside the
 * ClientHello), garbage where the ClientHello belongs, a probe and then nothing, two probes at
 * once, and a thousand handshakes. Each time the server closes that connection and keeps serving
 * a normal TLS client, and its descriptors come back to where they were. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls_test.h"

#define assert_status(got, want) assert_string_equal(onc_status_name(got), onc_status_name(want))

static tls_server srv;

static int setup(void **state)
{
	(void)state;
	onc_server_options so = tls_server_options(false, false); /* handshake timeout 500 ms */
	tls_server_start(&srv, &so, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tls_server_stop(&srv);
	return 0;
}

/* A normal TLS client is still served. */
static void still_serves(void)
{
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	onc_status st;
	char text[1024];
	onc_client *c = onc_client_create(srv.tcp, TLSPROG, 1, &o, &st);
	assert_status(st, ONC_OK);
	assert_status(who(c, text, sizeof text), ONC_OK);
	assert_string_equal(text, "tls ");
	onc_client_destroy(c);
}

static const uint8_t probe[] = {
	0x80, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0x20, 0, 0x07, 0x77,
	0,    0, 0, 1,  0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0,    0, 0,    0, 0, 0, 0, 0,
};

static int connect_server(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(srv.tcp_port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Probes and reads the 36-byte STARTTLS answer. */
static int probed(void)
{
	int fd = connect_server();
	uint8_t got[36];
	size_t have = 0;
	assert_int_equal(send(fd, probe, sizeof probe, 0), sizeof probe);
	while (have < sizeof got) {
		ssize_t n = recv(fd, got + have, sizeof got - have, 0);
		assert_true(n > 0);
		have += (size_t)n;
	}
	assert_memory_equal(got + 24, "STARTTLS", 8);
	return fd;
}

/* The server closes fd's connection (waits up to 20 s: the test is not about time). */
static void assert_closed_by_server(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t buf[256];
	for (;;) {
		assert_int_equal(poll(&p, 1, 20000), 1);
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break; /* end of file, or a reset */
		/* an alert the server sent before closing: read on */
	}
	close(fd);
}

static void test_stalled_handshake_closed(void **state)
{
	(void)state;
	int quiet = probed();                 /* no ClientHello at all */
	int partial = probed();               /* the first bytes of one, then nothing */
	assert_int_equal(send(partial, "\x16\x03\x01\x02\x00\x01", 6, 0), 6);
	still_serves();                       /* meanwhile */
	assert_closed_by_server(quiet);
	assert_closed_by_server(partial);
	still_serves();
}

static void test_garbage_instead_of_client_hello(void **state)
{
	(void)state;
	int fd = probed();
	char junk[200];
	memset(junk, 'A', sizeof junk);
	assert_int_equal(send(fd, junk, sizeof junk, 0), sizeof junk);
	assert_closed_by_server(fd);
	fd = probed(); /* a cleartext RPC call where the ClientHello belongs */
	assert_int_equal(send(fd, probe, sizeof probe, 0), sizeof probe);
	assert_closed_by_server(fd);
	still_serves();
}

static void test_probe_then_disconnect(void **state)
{
	(void)state;
	for (int i = 0; i < 50; i++) {
		int fd = connect_server();
		assert_int_equal(send(fd, probe, sizeof probe, 0), sizeof probe);
		close(fd);
		close(probed());
	}
	still_serves();
}

/* Two probes in one write: the second sits where the ClientHello belongs. The RFC's client
 * waits for the answer, so this is no such client: closed, not answered twice. */
static void test_probe_twice(void **state)
{
	(void)state;
	uint8_t two[2 * sizeof probe];
	memcpy(two, probe, sizeof probe);
	memcpy(two + sizeof probe, probe, sizeof probe);
	int fd = connect_server();
	assert_int_equal(send(fd, two, sizeof two, 0), sizeof two);
	assert_closed_by_server(fd);
	still_serves();
}

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The server runs in this process: its descriptors count here too. */
static void test_thousand_handshakes(void **state)
{
	(void)state;
	still_serves(); /* the shared client context exists before counting */
	int before = open_fds();
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	for (int i = 0; i < 1000; i++) {
		onc_status st;
		onc_client *c = onc_client_create(srv.tcp, TLSPROG, 1, &o, &st);
		assert_status(st, ONC_OK);
		assert_status(onc_client_call(c, TLS_NULL, NULL, NULL, NULL, NULL, NULL), ONC_OK);
		onc_client_destroy(c);
	}
	for (int tries = 0; open_fds() > before && tries < 200; tries++)
		usleep(100000); /* the server closes its ends as it reads the ends of file */
	/* At most as many as before: the count before may still have held the server's end of
	 * still_serves()'s connection (seen under valgrind). */
	assert_true(open_fds() <= before);
	still_serves();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stalled_handshake_closed),
		cmocka_unit_test(test_garbage_instead_of_client_hello),
		cmocka_unit_test(test_probe_then_disconnect),
		cmocka_unit_test(test_probe_twice),
		cmocka_unit_test(test_thousand_handshakes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
