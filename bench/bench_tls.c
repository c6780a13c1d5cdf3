/* RPC-with-TLS (RFC 9289) beside cleartext onc and beside what people do today, libtirpc
 * through stunnel (Debian's stunnel4: a server-side stunnel in front of the libtirpc server and
 * a client-side one that the libtirpc client connects to; TLS 1.3 between them), all in one run:
 *   1. null calls, synchronous, one connection;
 *   2. null calls, 64 in flight on one connection (onc only: libtirpc's client is synchronous);
 *   3. 64 KiB arguments, synchronous, one connection: MB/s;
 *   4. new connection + handshake + one null call + close, one after another;
 *   5. resident bytes per idle TLS connection of an onc server (child process).
 * Certificates are made by tests/tls/make_certs.sh. kTLS is not used (see README).
 * bench_tls [--seconds S] [--json FILE] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_peers.h"
#include "bench_window.h"

#define IDLE_CONNECTIONS 500

static char certs[64];

/* A file of the certificate directory, in a buffer of its own per name used. */
static char server_pem[128], server_key[128], ca_pem[128];

static void name_certs(void)
{
	snprintf(server_pem, sizeof server_pem, "%s/server.pem", certs);
	snprintf(server_key, sizeof server_key, "%s/server.key", certs);
	snprintf(ca_pem, sizeof ca_pem, "%s/ca.pem", certs);
}

/* ---- servers ---- */

static onc_accept_stat onc_dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	switch (call->header->proc) {
	case 0:
		return ONC_SUCCESS;
	case BENCH_PROC_BULK:
		return bench_onc_bulk_serve(call);
	default:
		return ONC_PROC_UNAVAIL;
	}
}

static onc_server_options tls_server(void)
{
	return (onc_server_options){
		.threads = 1, .tls = {.cert_file = server_pem, .key_file = server_key}};
}

static void tirpc_dispatch(struct svc_req *rq, SVCXPRT *x)
{
	if (rq->rq_proc == 0)
		svc_sendreply(x, (xdrproc_t)bench_xdr_void, NULL);
	else if (rq->rq_proc == BENCH_PROC_BULK)
		bench_tirpc_bulk_serve(x);
	else
		svcerr_noproc(x);
}

/* stunnel4 with two services: [server] takes TLS on a port and hands cleartext to the libtirpc
 * server; [client] takes the libtirpc client's cleartext and speaks TLS to [server]. Returns
 * the [client] port; stunnel is stopped at exit. */
static pid_t stunnel_pid;

static void stop_stunnel(void)
{
	if (stunnel_pid > 0) {
		kill(stunnel_pid, SIGTERM);
		waitpid(stunnel_pid, NULL, 0);
	}
}

static uint16_t free_port(void)
{
	uint16_t port;
	close(bench_listen_loopback(&port));
	return port;
}

static uint16_t start_stunnel(uint16_t tirpc_port)
{
	uint16_t tls_port = free_port(), client_port = free_port();
	char conf[128];
	snprintf(conf, sizeof conf, "%s/stunnel.conf", certs);
	FILE *f = fopen(conf, "w");
	if (!f)
		bench_die(conf);
	fprintf(f,
		"foreground = yes\npid =\ndebug = 3\noutput = /dev/null\n"
		"[server]\naccept = 127.0.0.1:%u\nconnect = 127.0.0.1:%u\ncert = %s\nkey = %s\n"
		"sslVersionMin = TLSv1.3\nsocket = a:TCP_NODELAY=1\nsocket = r:TCP_NODELAY=1\n"
		"[client]\nclient = yes\naccept = 127.0.0.1:%u\nconnect = 127.0.0.1:%u\n"
		"CAfile = %s\nverifyChain = yes\nsslVersionMin = TLSv1.3\n"
		"socket = a:TCP_NODELAY=1\nsocket = r:TCP_NODELAY=1\n",
		tls_port, tirpc_port, server_pem, server_key, client_port, tls_port,
		ca_pem);
	fclose(f);
	stunnel_pid = fork();
	if (stunnel_pid == 0) {
		execlp("stunnel4", "stunnel4", conf, (char *)NULL);
		_exit(127);
	}
	atexit(stop_stunnel);
	/* Ready when its client side accepts and the chain through it answers. */
	for (int i = 0; i < 100; i++) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(client_port)};
		inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		bool up = connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
		close(fd);
		if (up)
			return client_port;
		usleep(50000);
	}
	bench_die("stunnel4 did not start (apt-get install stunnel4)");
}

/* ---- clients ---- */

static void *onc_tls_open(void *port)
{
	char addr[64];
	onc_status st;
	onc_client_options o = {.tls = {.ca_file = ca_pem}};
	snprintf(addr, sizeof addr, "tls://127.0.0.1:%u", *(uint16_t *)port);
	onc_client *c = onc_client_create(addr, BENCH_PROG, 1, &o, &st);
	if (!c)
		bench_die(onc_strerror(st));
	return c;
}

/* A connection per call: open (TCP, probe, handshake), one null call, close. */
typedef struct per_call {
	void *(*open)(void *port);
	int (*call)(void *client, double *started);
	void (*close)(void *client);
	uint16_t port;
} per_call;

static int connect_and_call(void *ctx, double *started)
{
	per_call *p = ctx;
	void *c = p->open(&p->port);
	int r = p->call(c, started);
	p->close(c);
	return r;
}

static void *window(void *c)
{
	bench_window *w = calloc(1, sizeof *w); /* lives until the process ends */
	if (!w)
		bench_die("memory");
	w->c = c;
	return w;
}

int main(int argc, char **argv)
{
	const char *json = bench_args(argc, argv);
	char cmd[256];
	snprintf(certs, sizeof certs, "/tmp/onc-bench-tls-%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "sh %s %s", BENCH_MAKE_CERTS, certs);
	if (system(cmd) != 0)
		bench_die("make_certs.sh (the openssl CLI is needed)");
	name_certs();
	/* First, while this process has one thread: the server child is forked. */
	onc_server_options so = tls_server();
	double per_idle = bench_onc_bytes_per_idle(&so, onc_dispatch, onc_tls_open, IDLE_CONNECTIONS);

	onc_server_options clear_opts = {.threads = 1};
	uint16_t clear_port = bench_onc_server(&clear_opts, onc_dispatch);
	uint16_t tls_port = bench_onc_server(&so, onc_dispatch);
	uint16_t tirpc_port = bench_tirpc_server(tirpc_dispatch);
	uint16_t stunnel_port = start_stunnel(tirpc_port);
	per_call onc_tls_connect = {onc_tls_open, bench_onc_null, bench_onc_close, tls_port};
	per_call onc_clear_connect = {bench_onc_open, bench_onc_null, bench_onc_close, clear_port};
	per_call tirpc_connect = {bench_tirpc_open, bench_tirpc_null, bench_tirpc_close,
				  stunnel_port};

	bench_case sides[] = {
		{"null sync: onc cleartext", "null_onc", bench_onc_null,
		 bench_onc_open(&clear_port), {0, 0, 0}},
		{"null sync: onc TLS", "null_onc_tls", bench_onc_null, onc_tls_open(&tls_port),
		 {0, 0, 0}},
		{"null sync: libtirpc + stunnel", "null_tirpc_stunnel", bench_tirpc_null,
		 bench_tirpc_open(&stunnel_port), {0, 0, 0}},
		{"null, 64 in flight: onc cleartext", "window_onc", bench_window_step,
		 window(bench_onc_open(&clear_port)), {0, 0, 0}},
		{"null, 64 in flight: onc TLS", "window_onc_tls", bench_window_step,
		 window(onc_tls_open(&tls_port)), {0, 0, 0}},
		{"64 KiB arg: onc cleartext", "bulk_onc", bench_onc_bulk, bench_onc_open(&clear_port),
		 {0, 0, 0}},
		{"64 KiB arg: onc TLS", "bulk_onc_tls", bench_onc_bulk, onc_tls_open(&tls_port), {0, 0, 0}},
		{"64 KiB arg: libtirpc + stunnel", "bulk_tirpc_stunnel", bench_tirpc_bulk,
		 bench_tirpc_open(&stunnel_port), {0, 0, 0}},
		{"connect+call: onc cleartext", "connect_onc", connect_and_call, &onc_clear_connect,
		 {0, 0, 0}},
		{"connect+handshake+call: onc TLS", "connect_onc_tls", connect_and_call,
		 &onc_tls_connect, {0, 0, 0}},
		{"connect+handshake+call: libtirpc + stunnel", "connect_tirpc_stunnel",
		 connect_and_call, &tirpc_connect, {0, 0, 0}},
	};
	enum { SIDES = sizeof sides / sizeof *sides };
	bench_run_cases(sides, SIDES, 3);

	printf("\nRPC-with-TLS, loopback, 1 connection (best of 3 rounds of %.1f s; OpenSSL in user "
	       "space, no kTLS)\n",
	       bench_seconds);
	printf("%-44s %12s %10s %10s\n", "", "calls/s", "p50 us", "p99 us");
	for (int i = 0; i < SIDES; i++)
		printf("%-44s %12.0f %10.1f %10.1f\n", sides[i].name, sides[i].best.rate,
		       sides[i].best.p50_us, sides[i].best.p99_us);
	double r = sides[1].best.rate;
	printf("TLS null sync: %.2fx onc cleartext, %.2fx libtirpc + stunnel\n",
	       r / sides[0].best.rate, r / sides[2].best.rate);
	printf("TLS 64 KiB: %.2fx onc cleartext, %.2fx libtirpc + stunnel\n",
	       sides[6].best.rate / sides[5].best.rate, sides[6].best.rate / sides[7].best.rate);
	printf("TLS handshake+call: %.2fx libtirpc + stunnel\n",
	       sides[9].best.rate / sides[10].best.rate);
	printf("resident bytes per idle TLS connection (onc server): %.0f\n", per_idle);
	if (json) {
		char extra[96];
		snprintf(extra, sizeof extra, ",\n  \"onc_tls_bytes_per_idle_connection\": %.0f",
			 per_idle);
		bench_write_cases(json, "tls", sides, SIDES, extra);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", certs);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", certs);
	return 0;
}
