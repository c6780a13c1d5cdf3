/* RPC-with-TLS, the server's side (RFC 9289): bytes from a peer to a running server with TLS,
 * over a Unix socket, through the real event loop: the AUTH_TLS probe, its STARTTLS answer,
 * and whatever the peer sends where the ClientHello belongs. A probe that the server answers
 * with STARTTLS must get exactly the RFC's 32-byte reply with the probe's xid; the connection
 * must end (no hang: 5 s) and nothing may leak or crash.
 *
 * Input: one record-marked message first; when it is an AUTH_TLS call, the answer is read
 * before the rest is sent (as a client waits before its ClientHello); then the rest, then end
 * of file. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"

#define PROG 0x20000f23u

static onc_server *server;
static struct sockaddr_un addr;

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	return call->header->proc == 0 ? ONC_SUCCESS : ONC_PROC_UNAVAIL;
}

static void *serve(void *arg)
{
	onc_server_run(arg);
	return NULL;
}

static void start(void)
{
	static char dir[64], cert[96], key[96], cmd[256], uri[96];
	onc_status st;
	pthread_t t;
	snprintf(dir, sizeof dir, "/tmp/onc-fuzz-starttls-%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "sh %s %s", MAKE_CERTS, dir);
	if (system(cmd) != 0)
		abort(); /* the openssl CLI is needed */
	snprintf(cert, sizeof cert, "%s/server.pem", dir);
	snprintf(key, sizeof key, "%s/server.key", dir);
	onc_server_options o = {
		.threads = 1, .tls = {.cert_file = cert, .key_file = key, .handshake_timeout_ms = 1000}};
	server = onc_server_create(&o, &st);
	if (!server || onc_server_register(server, PROG, 1, dispatch, NULL) != ONC_OK)
		abort();
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s/server.sock", dir);
	snprintf(uri, sizeof uri, "unix://%s", addr.sun_path);
	if (onc_server_listen(server, uri, NULL) != ONC_OK || pthread_create(&t, NULL, serve, server))
		abort();
}

/* Reads what comes until end of file, or until want bytes when want is not 0; aborts after
 * three waits of 3 s in a row without a byte (the server hangs; under run.sh's 10 s limit).
 * One wait is not enough: this machine's clock has been seen to jump by seconds, ending a wait
 * at once (the fuzzer then found the connection answered the moment it looked again). */
static size_t drain(int fd, uint8_t *out, size_t want)
{
	uint8_t buf[4096];
	size_t have = 0;
	for (int quiet = 0;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 3000) != 1) {
			if (++quiet == 3)
				abort();
			continue;
		}
		quiet = 0;
		ssize_t n = recv(fd, buf, want ? want - have : sizeof buf, 0);
		if (n <= 0)
			return have;
		if (out)
			memcpy(out + have, buf, (size_t)n);
		have += (size_t)n;
		if (want && have == want)
			return have;
	}
}

static void send_all(int fd, const uint8_t *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n <= 0)
			return; /* the server closed: what it does with the rest is not the point */
		data += n;
		len -= (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, start);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
		abort();
	size_t first = size;
	if (size >= 4) {
		uint32_t mark = (uint32_t)data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
		size_t len = mark & 0x7fffffffu;
		if (len <= size - 4)
			first = 4 + len;
	}
	/* xid, CALL, 2, prog, vers, proc 0, AUTH_TLS, 0, AUTH_NONE, 0: a probe the server takes */
	bool probe = first == 44 && memcmp(data, "\x80\0\0\x28", 4) == 0 &&
		     memcmp(data + 8, "\0\0\0\0\0\0\0\2", 8) == 0 &&
		     memcmp(data + 20, "\0\0\0\1\0\0\0\0\0\0\0\7\0\0\0\0\0\0\0\0\0\0\0\0", 24) == 0;
	send_all(fd, data, first);
	if (probe) {
		uint8_t answer[36];
		static const uint8_t want[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8,
					       'S', 'T', 'A', 'R', 'T', 'T', 'L', 'S', 0, 0, 0, 0};
		bool prog = memcmp(data + 16, "\x20\x00\x0f\x23", 4) == 0;
		if (drain(fd, answer, sizeof answer) != sizeof answer ||
		    memcmp(answer, "\x80\0\0\x20", 4) != 0 || memcmp(answer + 4, data + 4, 4) != 0 ||
		    memcmp(answer + 8, want, sizeof want - (prog ? 0 : 4)) != 0)
			abort(); /* not the RFC's answer */
	}
	send_all(fd, data + first, size - first);
	shutdown(fd, SHUT_WR);
	drain(fd, NULL, 0);
	close(fd);
	return 0;
}
