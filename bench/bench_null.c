/* Null-procedure calls on loopback TCP, one connection, synchronous: onc client + onc server
 * vs libtirpc client + libtirpc server (svc_run), with a raw TCP ping-pong of the same byte
 * counts as the limit, and onc with 64 calls in flight (asynchronous), its server
 * dispatching on its event loop and on a pool of 2 workers (what handing calls over costs
 * when they do nothing). All servers run in threads of this process.
 * bench_null [--seconds S] [--json FILE] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <rpc/rpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_peers.h"
#include "bench_window.h"

/* ---- onc ---- */

static onc_accept_stat null_dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	return call->header->proc == 0 ? ONC_SUCCESS : ONC_PROC_UNAVAIL;
}

/* An onc server of one loop (with workers, see onc_server_options) and a client of it; both
 * live until the process ends. */
static void *setup_onc(unsigned workers)
{
	onc_server_options so = {.threads = 1, .workers = workers};
	uint16_t port = bench_onc_server(&so, null_dispatch);
	return bench_onc_open(&port);
}

/* 64 calls in flight on the one connection (bench_window.h). */
static void *setup_window(void *c)
{
	bench_window *w = calloc(1, sizeof *w); /* lives until the process ends */
	if (!w)
		bench_die("memory");
	w->c = c;
	return w;
}

/* ---- libtirpc ---- */

static void tirpc_dispatch(struct svc_req *rq, SVCXPRT *x)
{
	if (rq->rq_proc == 0)
		svc_sendreply(x, (xdrproc_t)bench_xdr_void, NULL);
	else
		svcerr_noproc(x);
}

static void *setup_tirpc(void)
{
	uint16_t port = bench_tirpc_server(tirpc_dispatch);
	return bench_tirpc_open(&port);
}

/* ---- raw ping-pong: the same bytes, no RPC ---- */

#define CALL_BYTES 44  /* record mark + call header with AUTH_NONE */
#define REPLY_BYTES 28 /* record mark + accepted SUCCESS reply */

static int read_full(int fd, char *buf, size_t n)
{
	while (n) {
		ssize_t got = read(fd, buf, n);
		if (got <= 0)
			return -1;
		buf += got;
		n -= (size_t)got;
	}
	return 0;
}

static void *raw_serve(void *arg)
{
	int lfd = *(int *)arg, one = 1;
	int fd = accept(lfd, NULL, NULL);
	char buf[CALL_BYTES] = {0};
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	while (read_full(fd, buf, CALL_BYTES) == 0 && write(fd, buf, REPLY_BYTES) == REPLY_BYTES)
		;
	close(fd);
	return NULL;
}

static int raw_call(void *arg, double *started)
{
	(void)started;
	int fd = *(int *)arg;
	char buf[CALL_BYTES] = {0};
	if (write(fd, buf, CALL_BYTES) != CALL_BYTES)
		return -1;
	return read_full(fd, buf, REPLY_BYTES);
}

static void *setup_raw(void)
{
	uint16_t port;
	int lfd = bench_listen_loopback(&port), one = 1;
	pthread_t t;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	static int listen_fd;
	listen_fd = lfd;
	pthread_create(&t, NULL, raw_serve, &listen_fd);
	pthread_detach(t);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin))
		bench_die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	static int client_fd;
	client_fd = fd;
	return &client_fd;
}

int main(int argc, char **argv)
{
	const char *json = bench_args(argc, argv);
	bench_case sides[] = {
		{"onc", "onc", bench_onc_null, setup_onc(0), {0, 0, 0}},
		{"libtirpc", "libtirpc", bench_tirpc_null, setup_tirpc(), {0, 0, 0}},
		{"raw TCP ping-pong", "raw", raw_call, setup_raw(), {0, 0, 0}},
		{"onc, 64 in flight", "onc_64_in_flight", bench_window_step,
		 setup_window(setup_onc(0)), {0, 0, 0}},
		{"  ... on 2 workers", "onc_64_in_flight_workers", bench_window_step,
		 setup_window(setup_onc(2)), {0, 0, 0}},
	};
	enum { SIDES = sizeof sides / sizeof *sides };
	bench_run_cases(sides, SIDES, 3);
	double tirpc = sides[1].best.rate, raw = sides[2].best.rate;

	printf("\nnull call, loopback TCP, 1 connection (best of 3 rounds of %.1f s)\n",
	       bench_seconds);
	printf("%-20s %12s %10s %10s %12s %12s\n", "", "calls/s", "p50 us", "p99 us", "vs libtirpc",
	       "vs raw");
	for (int i = 0; i < SIDES; i++) {
		const bench_result *r = &sides[i].best;
		printf("%-20s %12.0f %10.1f %10.1f %11.2fx %11.2fx\n", sides[i].name, r->rate,
		       r->p50_us, r->p99_us, r->rate / tirpc, r->rate / raw);
	}
	if (json)
		bench_write_cases(json, "null_call_tcp", sides, SIDES, "");
	return 0;
}
