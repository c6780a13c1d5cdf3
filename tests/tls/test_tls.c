/* RPC-with-TLS (RFC 9289) end to end: client modes against servers with and without TLS,
 * verification failures, mutual TLS and the identity a handler sees, the per-program policy,
 * the probe and its answer byte for byte from a hand-written client (raw socket, OpenSSL
 * directly), and large records inside TLS. Certificates are made by make_certs.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tls_test.h"

#define assert_status(got, want) assert_string_equal(onc_status_name(got), onc_status_name(want))

static unsigned calls(tls_server *s)
{
	return atomic_load((_Atomic unsigned *)&s->calls);
}

/* A client of TLSPROG v1 at addr: NULL with *st set on failure. */
static onc_client *client(const char *addr, const onc_client_options *o, onc_status *st)
{
	return onc_client_create(addr, TLSPROG, 1, o, st);
}

/* A server with the test certificate (see tls_server_options) in the background. */
static void start_tls(tls_server *s, bool mutual, bool require_client_cert, bool require_tls)
{
	onc_server_options so = tls_server_options(mutual, require_client_cert);
	tls_server_start(s, &so, require_tls);
}

/* Connects to addr with o and checks what WHO answers: "tls SUBJECT;SANS" or "clear ". */
static void assert_who(const char *addr, const onc_client_options *o, const char *want)
{
	onc_status st;
	char text[1024];
	onc_client *c = client(addr, o, &st);
	assert_status(st, ONC_OK);
	assert_int_equal(onc_client_is_tls(c), strncmp(want, "tls", 3) == 0);
	assert_status(who(c, text, sizeof text), ONC_OK);
	assert_string_equal(text, want);
	onc_client_destroy(c);
}

static void test_required_verifies_ip_san(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, false, false, false);
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	assert_who(s.tcp, &o, "tls "); /* no client certificate asked for */
	tls_server_stop(&s);
}

static void test_tls_url_with_dns_name(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, false, false, false);
	onc_client_options o = tls_client_options(ONC_TLS_OFF, "ca.pem", "localhost", false);
	assert_who(s.tls, &o, "tls "); /* tls:// means required */
	tls_server_stop(&s);
}

static void test_opportunistic(void **state)
{
	(void)state;
	tls_server with, without;
	start_tls(&with, false, false, false);
	tls_server_start(&without, NULL, false);
	onc_client_options o = tls_client_options(ONC_TLS_OPPORTUNISTIC, "ca.pem", NULL, false);
	assert_who(with.tcp, &o, "tls ");
	assert_who(without.tcp, &o, "clear "); /* refused the probe: goes on in cleartext */
	tls_server_stop(&with);
	tls_server_stop(&without);
}

static void test_required_against_server_without_tls(void **state)
{
	(void)state;
	tls_server s;
	tls_server_start(&s, NULL, false);
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	onc_status st;
	assert_null(client(s.tcp, &o, &st));
	assert_status(st, ONC_ERR_TLS_UNAVAILABLE);
	assert_null(client(s.tls, NULL, &st)); /* tls:// with the system's CAs */
	assert_status(st, ONC_ERR_TLS_UNAVAILABLE);
	o.tls.mode = ONC_TLS_REQUIRED; /* UDP: no DTLS, so TLS is never there */
	assert_null(client(s.udp, &o, &st));
	assert_status(st, ONC_ERR_TLS_UNAVAILABLE);
	assert_int_equal(calls(&s), 0); /* not one call reached the server in cleartext */
	tls_server_stop(&s);
}

/* Each failure is ONC_ERR_TLS at connect time, and no call is made. */
static void test_verification_failures(void **state)
{
	(void)state;
	tls_server s, expired;
	onc_server_options so = tls_server_options(false, false);
	tls_server_start(&s, &so, false);
	char chain[128], key[128];
	snprintf(chain, sizeof chain, "%s", cert("expired.pem"));
	snprintf(key, sizeof key, "%s", cert("expired.key"));
	onc_server_options eo = so;
	eo.tls.cert_file = chain;
	eo.tls.key_file = key;
	tls_server_start(&expired, &eo, false);
	onc_status st;
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "other-ca.pem", NULL, false);
	assert_null(client(s.tcp, &o, &st)); /* signed by a CA we do not trust */
	assert_status(st, ONC_ERR_TLS);
	o = tls_client_options(ONC_TLS_OPPORTUNISTIC, "ca.pem", "other.example", false);
	assert_null(client(s.tcp, &o, &st)); /* not the name on the certificate */
	assert_status(st, ONC_ERR_TLS);     /* and no fall back to cleartext after STARTTLS */
	o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", "192.0.2.1", false);
	assert_null(client(s.tcp, &o, &st)); /* not an IP address on it */
	assert_status(st, ONC_ERR_TLS);
	o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	assert_null(client(expired.tcp, &o, &st));
	assert_status(st, ONC_ERR_TLS);
	assert_int_equal(calls(&s), 0);
	assert_int_equal(calls(&expired), 0);
	tls_server_stop(&s);
	tls_server_stop(&expired);
}

static void test_mutual_tls_identity(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, true, true, false);
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", "localhost", true);
	onc_status st;
	char text[1024];
	assert_who(s.tcp, &o, "tls O=onc,CN=onc-test-client;DNS:client.example");
	/* Without a certificate: TLS 1.3 finishes the client's handshake before the server
	 * refuses, so the refusal comes with the first call; the handler never runs. */
	unsigned before = calls(&s);
	o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	onc_client *c = client(s.tcp, &o, &st);
	if (c) {
		assert_int_not_equal(who(c, text, sizeof text), ONC_OK);
		onc_client_destroy(c);
	} else {
		assert_status(st, ONC_ERR_TLS);
	}
	assert_int_equal(calls(&s), before);
	tls_server_stop(&s);
}

static void test_program_requires_tls(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, false, false, true);
	onc_status st;
	onc_call_error err = {0};
	onc_call_opts co = {.error = &err};
	onc_client *c = client(s.tcp, NULL, &st);
	assert_status(st, ONC_OK);
	assert_status(onc_client_call(c, TLS_NULL, NULL, NULL, NULL, NULL, &co), ONC_ERR_AUTH);
	assert_int_equal(err.auth, ONC_AUTH_TOOWEAK);
	onc_client_destroy(c);
	c = client(s.udp, NULL, &st);
	assert_status(onc_client_call(c, TLS_WHO, NULL, NULL, NULL, NULL, &co), ONC_ERR_AUTH);
	assert_int_equal(err.auth, ONC_AUTH_TOOWEAK);
	onc_client_destroy(c);
	assert_int_equal(calls(&s), 0);
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	assert_who(s.tcp, &o, "tls ");
	assert_int_equal(calls(&s), 1);
	tls_server_stop(&s);
}

/* The probe of RFC 9289, Section 4.1, written out by hand: xid, CALL, rpcvers 2, TLSPROG,
 * version 1, procedure 0 (NULL), credential AUTH_TLS (7) with an empty body, verifier
 * AUTH_NONE with an empty body; behind its record mark. */
static const uint8_t probe[] = {
	0x80, 0, 0, 40, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 0, 0, 0, 2, 0x20, 0, 0x07, 0x77,
	0,    0, 0, 1,  0,    0,    0,    0,    0, 0, 0, 7, 0, 0, 0, 0, 0,    0, 0,    0,
	0,    0, 0, 0,
};

static int connect_to(uint16_t port, int type)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, type, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

static void read_all(int fd, uint8_t *buf, size_t n)
{
	while (n) {
		ssize_t got = recv(fd, buf, n, 0);
		assert_true(got > 0);
		buf += got;
		n -= (size_t)got;
	}
}

/* Probes by hand, checks the answer's every byte, then runs TLS 1.3 with OpenSSL directly
 * (ALPN "sunrpc") and makes a call inside it. */
static void test_probe_bytes_and_handshake(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x80, 0, 0, 32,                               /* last fragment, 32 bytes */
		0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1,           /* xid, REPLY */
		0, 0, 0, 0,                                   /* MSG_ACCEPTED */
		0, 0, 0, 0, 0, 0, 0, 8, 'S', 'T', 'A', 'R', 'T', 'T', 'L', 'S', /* AUTH_NONE */
		0, 0, 0, 0,                                   /* SUCCESS */
	};
	tls_server s;
	start_tls(&s, false, false, false);
	int fd = connect_to(s.tcp_port, SOCK_STREAM);
	uint8_t got[sizeof want];
	assert_int_equal(send(fd, probe, sizeof probe, 0), sizeof probe);
	read_all(fd, got, sizeof got);
	assert_memory_equal(got, want, sizeof want);

	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_locations(ctx, cert("ca.pem"), NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)"\6sunrpc", 7);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	assert_int_equal(SSL_connect(ssl), 1);
	assert_int_equal(SSL_version(ssl), TLS1_3_VERSION);
	const unsigned char *alpn;
	unsigned alpn_len;
	SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
	assert_int_equal(alpn_len, 6);
	assert_memory_equal(alpn, "sunrpc", 6);
	/* A WHO call inside TLS. */
	uint8_t call[44];
	memcpy(call, probe, sizeof call);
	call[27] = TLS_WHO;                     /* procedure */
	call[31] = 0;                           /* credential AUTH_NONE */
	assert_int_equal(SSL_write(ssl, call, sizeof call), sizeof call);
	uint8_t reply[64];
	int n = 0;
	while (n < 4 + 24 + 8)
		n += SSL_read(ssl, reply + n, (int)sizeof reply - n);
	assert_memory_equal(reply + 4, "\x12\x34\x56\x78", 4);
	assert_memory_equal(reply + 28, "\0\0\0\4tls ", 8); /* string "tls " */
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	tls_server_stop(&s);
}

/* RFC 9289, Section 5: a client without ALPN "sunrpc" is refused. */
static void test_handshake_without_alpn_refused(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, false, false, false);
	int fd = connect_to(s.tcp_port, SOCK_STREAM);
	uint8_t got[36];
	assert_int_equal(send(fd, probe, sizeof probe, 0), sizeof probe);
	read_all(fd, got, sizeof got);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	assert_int_not_equal(SSL_connect(ssl), 1);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	/* Nor does TLS 1.2 get through. */
	fd = connect_to(s.tcp_port, SOCK_STREAM);
	assert_int_equal(send(fd, probe, sizeof probe, 0), sizeof probe);
	read_all(fd, got, sizeof got);
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)"\6sunrpc", 7);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	assert_int_not_equal(SSL_connect(ssl), 1);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	tls_server_stop(&s);
}

/* Where TLS cannot start, the probe is an unknown flavor: MSG_DENIED, AUTH_ERROR,
 * AUTH_REJECTEDCRED (as libtirpc answers it), and an opportunistic client goes on. */
static void test_probe_refused(void **state)
{
	(void)state;
	static const uint8_t denied[] = {
		0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1, /* xid, REPLY */
		0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, /* MSG_DENIED, AUTH_ERROR, AUTH_REJECTEDCRED */
	};
	tls_server without, with;
	tls_server_start(&without, NULL, false);
	onc_server_options so = tls_server_options(false, false);
	tls_server_start(&with, &so, false);
	uint8_t got[4 + sizeof denied];
	int fd = connect_to(without.tcp_port, SOCK_STREAM);
	assert_int_equal(send(fd, probe, sizeof probe, 0), sizeof probe);
	read_all(fd, got, sizeof got);
	assert_memory_equal(got, "\x80\0\0\x14", 4);
	assert_memory_equal(got + 4, denied, sizeof denied);
	close(fd);
	/* Over UDP, even on a server with TLS: there is no DTLS. */
	fd = connect_to(with.udp_port, SOCK_DGRAM);
	assert_int_equal(send(fd, probe + 4, sizeof probe - 4, 0), sizeof probe - 4);
	assert_int_equal(recv(fd, got, sizeof got, 0), sizeof denied);
	assert_memory_equal(got, denied, sizeof denied);
	close(fd);
	assert_int_equal(calls(&without) + calls(&with), 0);
	tls_server_stop(&without);
	tls_server_stop(&with);
}

/* Runs cmd and returns its standard output (at most len - 1 bytes). */
static void run(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, len - 1, f);
	out[n] = 0;
	assert_int_equal(pclose(f), 0);
}

static onc_status enc_bytes(onc_xdr_enc *e, const void *v);
static onc_status dec_u32(onc_xdr_dec *d, void *v);

#define MARKER "ONC-CLEARTEXT-MARKER"

/* A live capture: dumpcap (tshark's capture engine) writing pcap to a pipe that the test reads,
 * so that it knows what has been captured without guessing at times. */
typedef struct capture {
	pid_t pid;
	int out;             /* dumpcap's standard output */
	int sync_fd;         /* datagrams to itself, which the capture also takes */
	struct sockaddr_in sync;
	uint8_t *data;       /* the pcap stream so far */
	size_t len, cap;
} capture;

static void capture_start(capture *c, uint16_t tcp_port)
{
	char filter[64];
	int pipefd[2];
	socklen_t len = sizeof c->sync;
	memset(c, 0, sizeof *c);
	c->sync_fd = socket(AF_INET, SOCK_DGRAM, 0);
	c->sync.sin_family = AF_INET;
	c->sync.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(c->sync_fd, (struct sockaddr *)&c->sync, sizeof c->sync), 0);
	assert_int_equal(getsockname(c->sync_fd, (struct sockaddr *)&c->sync, &len), 0);
	snprintf(filter, sizeof filter, "tcp port %u or udp port %u", tcp_port,
		 ntohs(c->sync.sin_port));
	assert_int_equal(pipe(pipefd), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		dup2(pipefd[1], 1);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		close(pipefd[0]);
		execlp("dumpcap", "dumpcap", "-q", "-P", "-i", "lo", "-f", filter, "-w", "-",
		       (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	c->out = pipefd[0];
}

/* Reads the stream for up to ms; false at its end. */
static bool capture_read(capture *c, int ms)
{
	struct pollfd p = {.fd = c->out, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0)
		return true;
	if (c->cap - c->len < 65536) {
		c->cap = c->cap * 2 + 65536;
		c->data = realloc(c->data, c->cap);
		assert_non_null(c->data);
	}
	ssize_t n = read(c->out, c->data + c->len, c->cap - c->len);
	if (n > 0)
		c->len += (size_t)n;
	return n > 0;
}

/* Sends the datagram tag until the capture has it: then everything sent before it has been
 * captured too (dumpcap fails to start: the test fails here). */
static void capture_sync(capture *c, const char *tag)
{
	for (int i = 0; i < 200; i++) {
		sendto(c->sync_fd, tag, strlen(tag), 0, (struct sockaddr *)&c->sync, sizeof c->sync);
		int64_t until = now_ms() + 100;
		while (now_ms() < until) {
			if (memmem(c->data ? c->data : (uint8_t *)"", c->len, tag, strlen(tag)))
				return;
			if (!capture_read(c, 20))
				fail_msg("dumpcap stopped (is it installed? root?)");
		}
	}
	fail_msg("the capture never showed %s", tag);
}

/* Stops dumpcap and writes what it captured to path. */
static void capture_stop(capture *c, const char *path)
{
	int status;
	kill(c->pid, SIGINT);
	while (capture_read(c, 5000))
		;
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	close(c->out);
	close(c->sync_fd);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(c->data, 1, c->len, f), c->len);
	fclose(f);
	free(c->data);
}

/* tshark, the real decoder, on a capture of a TLS client's calls: the probe and its answer
 * decode as RPC (credential AUTH_TLS; verifier AUTH_NONE "STARTTLS"), every segment after them
 * is TLS (1.3, ALPN sunrpc), and the calls' bytes appear nowhere in cleartext. Wireshark 4.0
 * does not follow STARTTLS itself, so the RPC part is decoded as RPC and the rest as TLS. */
static void test_capture(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, false, false, false);
	char pcap[64], cmd[512], out[16384];
	snprintf(pcap, sizeof pcap, "/tmp/onc-tls-%d.pcap", (int)getpid());
	capture cap;
	capture_start(&cap, s.tcp_port);
	capture_sync(&cap, "ONC-SYNC-START");

	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	onc_status st;
	onc_client *c = client(s.tcp, &o, &st);
	assert_status(st, ONC_OK);
	onc_xdr_enc data;
	onc_xdr_enc_init(&data);
	for (int i = 0; i < 50; i++)
		assert_status(onc_xdr_put_opaque_fixed(&data, MARKER "...", 24), ONC_OK);
	uint32_t got;
	for (int i = 0; i < 3; i++)
		assert_status(onc_client_call(c, TLS_SIZE, enc_bytes, &data, dec_u32, &got, NULL),
			      ONC_OK);
	onc_xdr_enc_free(&data);
	onc_client_destroy(c);
	tls_server_stop(&s);
	capture_sync(&cap, "ONC-SYNC-END");
	capture_stop(&cap, pcap);

	/* As RPC: exactly the probe and its answer. */
	snprintf(cmd, sizeof cmd,
		 "tshark -r %s -d tcp.port==%u,rpc -o rpc.dissect_unknown_programs:TRUE -Y rpc.msgtyp "
		 "-T fields -E separator=: -e frame.number -e rpc.msgtyp -e rpc.auth.flavor "
		 "-e rpc.opaque_data 2>/dev/null",
		 pcap, s.tcp_port);
	run(cmd, out, sizeof out);
	unsigned call_frame, reply_frame;
	char reply_fields[128];
	assert_int_equal(sscanf(out, "%u:0:7,0:\n%u:1:%127s", &call_frame, &reply_frame,
				reply_fields), 3);
	assert_string_equal(reply_fields, "0:5354415254544c53"); /* AUTH_NONE, "STARTTLS" */
	unsigned lines = 0;
	for (const char *q = out; *q; q++)
		lines += *q == '\n';
	assert_int_equal(lines, 2); /* nothing else decodes as RPC */

	/* As TCP/TLS: every segment with data after the answer is TLS. */
	snprintf(cmd, sizeof cmd,
		 "tshark -2 -r %s -Y 'tcp.len > 0 && frame.number > %u' -T fields -E separator=: "
		 "-e frame.number -e _ws.col.Protocol -e tls.handshake.extensions_alpn_str "
		 "-e tls.handshake.extensions.supported_version 2>/dev/null",
		 pcap, reply_frame);
	run(cmd, out, sizeof out);
	unsigned segments = 0;
	bool alpn = false, tls13 = false;
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"), segments++) {
		unsigned frame;
		char proto[64] = "";
		assert_true(sscanf(l, "%u:%63[^:]", &frame, proto) >= 1);
		if (strncmp(proto, "TLS", 3) != 0) /* "TLSv1" (the ClientHello), "TLSv1.3" */
			fail_msg("frame %u after STARTTLS is not TLS: %s", frame, l);
		alpn |= strstr(l, "sunrpc") != NULL;
		tls13 |= strstr(l, "0x0304") != NULL;
	}
	assert_true(segments >= 6); /* hello, hello, finished, three calls, ... */
	assert_true(alpn);
	assert_true(tls13);
	/* No call body in cleartext anywhere in the capture. */
	snprintf(cmd, sizeof cmd, "grep -a -c %s %s || true", MARKER, pcap);
	run(cmd, out, sizeof out);
	assert_string_equal(out, "0\n");
	unlink(pcap);
}

/* What `onc info --tls` asks: the probe alone, no handshake. */
static void test_probe_api(void **state)
{
	(void)state;
	tls_server with, without;
	start_tls(&with, false, false, false);
	tls_server_start(&without, NULL, false);
	bool offered = false;
	assert_status(onc_client_probe_tls(with.tcp, TLSPROG, 1, 5000, &offered), ONC_OK);
	assert_true(offered);
	assert_status(onc_client_probe_tls(without.tcp, TLSPROG, 1, 5000, &offered), ONC_OK);
	assert_false(offered);
	assert_status(onc_client_probe_tls(with.udp, TLSPROG, 1, 5000, &offered), ONC_ERR_ADDRESS);
	assert_int_equal(calls(&with) + calls(&without), 0);
	tls_server_stop(&with);
	tls_server_stop(&without);
}

/* The same from the command line: onc info -n PORT --tls HOST PROG VERS. */
static void test_onc_info_tls(void **state)
{
	(void)state;
	tls_server with, without;
	start_tls(&with, false, false, false);
	tls_server_start(&without, NULL, false);
	char cmd[256], out[256];
	snprintf(cmd, sizeof cmd, "%s info -n %u --tls 127.0.0.1 %u 1", ONC_CLI, with.tcp_port,
		 TLSPROG);
	run(cmd, out, sizeof out);
	assert_string_equal(out, "program 536872823 version 1 offers RPC-with-TLS\n");
	snprintf(cmd, sizeof cmd, "%s info -n %u --tls 127.0.0.1 %u 1; echo status $?", ONC_CLI,
		 without.tcp_port, TLSPROG);
	run(cmd, out, sizeof out);
	assert_string_equal(out, "program 536872823 version 1 does not offer RPC-with-TLS\n"
				 "status 1\n");
	tls_server_stop(&with);
	tls_server_stop(&without);
}

static onc_status enc_bytes(onc_xdr_enc *e, const void *v)
{
	const onc_xdr_enc *data = v;
	return onc_xdr_put_opaque(e, data->base, onc_xdr_enc_len(data), 1u << 26);
}

static onc_status dec_u32(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_u32(d, v);
}

/* Records of 64 KiB and 3 MiB (many TLS records each), and 64 calls in flight at once. */
static void test_large_and_pipelined(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, false, false, false);
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	onc_status st;
	onc_client *c = client(s.tcp, &o, &st);
	assert_status(st, ONC_OK);
	size_t sizes[] = {65536, 3u << 20};
	for (size_t k = 0; k < 2; k++) {
		onc_xdr_enc data;
		uint32_t want = (uint32_t)sizes[k], got = 0;
		onc_xdr_enc_init(&data);
		for (size_t i = 0; i < sizes[k]; i++) {
			uint8_t b = (uint8_t)(i * 7 + k);
			assert_status(onc_xdr_put_opaque_fixed(&data, &b, 1), ONC_OK);
			want += b;
			data.p -= 3; /* one byte at a time: opaque_fixed pads to 4 */
		}
		assert_status(onc_client_call(c, TLS_SIZE, enc_bytes, &data, dec_u32, &got, NULL),
			      ONC_OK);
		assert_int_equal(got, want);
		onc_xdr_enc_free(&data);
	}
	onc_pending *p[64];
	for (int i = 0; i < 64; i++) {
		p[i] = onc_client_start(c, TLS_NULL, NULL, NULL, NULL, &st);
		assert_status(st, ONC_OK);
	}
	for (int i = 0; i < 64; i++)
		assert_status(onc_client_finish(c, p[i], NULL, NULL), ONC_OK);
	onc_client_destroy(c);
	tls_server_stop(&s);
}

static onc_status enc_u32(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_u32(e, *(const uint32_t *)v);
}

/* FILL's reply: n bytes, byte i being i % 251 (checked here, so that a reply cut or reordered
 * inside TLS fails). */
static onc_status dec_fill(onc_xdr_dec *d, void *v)
{
	const uint8_t *data;
	uint32_t len;
	ONC_TRY(onc_xdr_get_opaque_ref(d, &data, &len, 4u << 20));
	for (uint32_t i = 0; i < len; i++)
		if (data[i] != (uint8_t)(i % 251))
			return ONC_ERR_BAD_VALUE;
	*(uint32_t *)v = len;
	return ONC_OK;
}

/* Replies far larger than the socket takes, 16 of them in flight: the server's TLS writes wait
 * for room (the reply buffer grows and moves between a write and its retry) and every byte
 * still arrives in order. */
static void test_large_replies_inside_tls(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, false, false, false);
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	o.timeout_ms = 120000; /* 16 MiB through TLS takes its time under valgrind */
	onc_status st;
	onc_client *c = client(s.tcp, &o, &st);
	assert_status(st, ONC_OK);
	onc_pending *p[16];
	uint32_t sizes[16];
	for (int i = 0; i < 16; i++) {
		sizes[i] = (1u << 20) + (uint32_t)i * 4099;
		p[i] = onc_client_start(c, TLS_FILL, enc_u32, &sizes[i], NULL, &st);
		assert_status(st, ONC_OK);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t got = 0;
		assert_status(onc_client_finish(c, p[i], dec_fill, &got), ONC_OK);
		assert_int_equal(got, sizes[i]);
	}
	onc_client_destroy(c);
	tls_server_stop(&s);
}

/* The server goes away and another takes its port: the next call connects again, probes and
 * makes a new handshake before it is sent. */
static void test_reconnects_with_new_handshake(void **state)
{
	(void)state;
	tls_server s;
	start_tls(&s, false, false, false);
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	onc_status st;
	char text[1024];
	onc_client *c = client(s.tcp, &o, &st);
	assert_status(st, ONC_OK);
	assert_status(who(c, text, sizeof text), ONC_OK);
	uint16_t port = s.tcp_port;
	tls_server_stop(&s);
	onc_server_options so = tls_server_options(false, false);
	tls_server_start_on(&s, &so, false, port);
	st = who(c, text, sizeof text);
	if (st == ONC_ERR_CLOSED) /* the old connection's end was seen only by this call */
		st = who(c, text, sizeof text);
	assert_status(st, ONC_OK);
	assert_string_equal(text, "tls ");
	assert_true(onc_client_is_tls(c));
	assert_int_equal(calls(&s), 1); /* the new server saw one call, inside TLS */
	onc_client_destroy(c);
	tls_server_stop(&s);
}

/* A peer that answers the probe, completes the handshake and then reads nothing. */
typedef struct deaf_peer {
	int listen_fd, fd;
	uint16_t port;
	int done[2]; /* a pipe: the test writes when the peer may go */
	pthread_t thread;
} deaf_peer;

static int pick_sunrpc(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	return SSL_select_next_proto((unsigned char **)out, outlen,
				     (const unsigned char *)"\6sunrpc", 7, in, inlen) ==
			       OPENSSL_NPN_NEGOTIATED
		       ? SSL_TLSEXT_ERR_OK
		       : SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void *deaf_serve(void *arg)
{
	deaf_peer *d = arg;
	uint8_t call[44], answer[36] = {0x80, 0, 0, 32};
	d->fd = accept(d->listen_fd, NULL, NULL);
	size_t have = 0;
	while (have < sizeof call) {
		ssize_t n = recv(d->fd, call + have, sizeof call - have, 0);
		if (n <= 0)
			return NULL;
		have += (size_t)n;
	}
	memcpy(answer + 4, call + 4, 4); /* xid; REPLY, MSG_ACCEPTED, AUTH_NONE "STARTTLS" */
	memcpy(answer + 8, "\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\x08STARTTLS\0\0\0\0", 28);
	if (send(d->fd, answer, sizeof answer, 0) != (ssize_t)sizeof answer)
		return NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate_chain_file(ctx, cert("server.pem"));
	SSL_CTX_use_PrivateKey_file(ctx, cert("server.key"), SSL_FILETYPE_PEM);
	SSL_CTX_set_alpn_select_cb(ctx, pick_sunrpc, NULL);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, d->fd);
	if (SSL_accept(ssl) == 1) {
		char c;
		if (read(d->done[0], &c, 1) < 0) /* and never reads the connection */
			perror("read");
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return NULL;
}

/* A TLS call that the peer never takes ends by its deadline (the client's writes inside TLS
 * wait in poll(), not in a blocking send). */
static void test_send_deadline_inside_tls(void **state)
{
	(void)state;
	deaf_peer d = {.fd = -1};
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(d.listen_fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(d.listen_fd, 1), 0);
	assert_int_equal(getsockname(d.listen_fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(pipe(d.done), 0);
	assert_int_equal(pthread_create(&d.thread, NULL, deaf_serve, &d), 0);
	char addr[64];
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", ntohs(a.sin_port));
	onc_client_options o = tls_client_options(ONC_TLS_REQUIRED, "ca.pem", NULL, false);
	o.timeout_ms = 1000;
	onc_status st;
	onc_client *c = client(addr, &o, &st);
	assert_status(st, ONC_OK);
	onc_xdr_enc data;
	onc_xdr_enc_init(&data);
	for (int i = 0; i < (32 << 20) / 4096; i++) /* more than the socket buffers hold */
		assert_status(onc_xdr_put_opaque_fixed(&data, (uint8_t[4096]){0}, 4096), ONC_OK);
	uint32_t got;
	assert_status(onc_client_call(c, TLS_SIZE, enc_bytes, &data, dec_u32, &got, NULL),
		      ONC_ERR_TIMEDOUT);
	onc_xdr_enc_free(&data);
	onc_client_destroy(c);
	assert_int_equal(write(d.done[1], "x", 1), 1);
	pthread_join(d.thread, NULL);
	close(d.fd);
	close(d.listen_fd);
	close(d.done[0]);
	close(d.done[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_verifies_ip_san),
		cmocka_unit_test(test_tls_url_with_dns_name),
		cmocka_unit_test(test_opportunistic),
		cmocka_unit_test(test_required_against_server_without_tls),
		cmocka_unit_test(test_verification_failures),
		cmocka_unit_test(test_mutual_tls_identity),
		cmocka_unit_test(test_program_requires_tls),
		cmocka_unit_test(test_probe_bytes_and_handshake),
		cmocka_unit_test(test_handshake_without_alpn_refused),
		cmocka_unit_test(test_probe_refused),
		cmocka_unit_test(test_probe_api),
		cmocka_unit_test(test_onc_info_tls),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_large_and_pipelined),
		cmocka_unit_test(test_send_deadline_inside_tls),
		cmocka_unit_test(test_large_replies_inside_tls),
		cmocka_unit_test(test_reconnects_with_new_handshake),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
