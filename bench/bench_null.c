/* Null-procedure calls on loopback TCP, one connection, synchronous: onc client + onc server
 * vs libtirpc client + libtirpc server (svc_run), with a raw TCP ping-pong of the same byte
 * counts as the limit, and onc with 64 calls in flight (asynchronous). All servers run in
 * threads of this process.
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
#include <time.h>
#include <unistd.h>

#include "onc/client.h"
#include "onc/server.h"

#define PROG 0x20000777u
#define MAX_SAMPLES 2000000

typedef struct result {
	const char *name;
	double rate, p50_us, p99_us;
} result;

static double seconds = 2.0;
static double *samples;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Runs call() for the configured time; rate and latency percentiles. */
static result measure(const char *name, int (*call)(void *), void *ctx)
{
	size_t n = 0;
	double start = now(), t = start;
	while (t - start < seconds && n < MAX_SAMPLES) {
		if (call(ctx) != 0) {
			fprintf(stderr, "%s: call failed\n", name);
			exit(1);
		}
		double after = now();
		samples[n++] = after - t;
		t = after;
	}
	qsort(samples, n, sizeof *samples, cmp_double);
	return (result){name, (double)n / (t - start), samples[n / 2] * 1e6, samples[n * 99 / 100] * 1e6};
}

/* ---- onc ---- */

static onc_accept_stat null_dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	return call->header->proc == 0 ? ONC_SUCCESS : ONC_PROC_UNAVAIL;
}

static void *onc_serve(void *srv)
{
	onc_server_run(srv);
	return NULL;
}

static int onc_null(void *c)
{
	return onc_client_call(c, 0, NULL, NULL, NULL, NULL, NULL) != ONC_OK;
}

static void *setup_onc(void)
{
	onc_server_options so = {.threads = 1};
	onc_status st;
	uint16_t port;
	char addr[64];
	pthread_t t;
	onc_server *srv = onc_server_create(&so, &st);
	onc_server_register(srv, PROG, 1, null_dispatch, NULL);
	onc_server_listen(srv, "tcp://127.0.0.1:0", &port);
	pthread_create(&t, NULL, onc_serve, srv);
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", port);
	onc_client *c = onc_client_create(addr, PROG, 1, NULL, &st);
	if (!c) {
		fprintf(stderr, "onc client: %s\n", onc_strerror(st));
		exit(1);
	}
	return c; /* server and client live until the process ends */
}

/* 64 calls in flight on the one connection: each step finishes the oldest and starts one
 * more, so a "call" here is one completion. */
#define WINDOW 64

typedef struct window {
	onc_client *c;
	onc_pending *ring[WINDOW];
	unsigned next;
} window;

static int onc_windowed(void *arg)
{
	window *w = arg;
	onc_status st;
	onc_pending **slot = &w->ring[w->next++ % WINDOW];
	if (*slot && onc_client_finish(w->c, *slot, NULL, NULL) != ONC_OK)
		return 1;
	*slot = onc_client_start(w->c, 0, NULL, NULL, NULL, &st);
	return *slot == NULL;
}

static void *setup_window(void *c)
{
	static window w;
	w.c = c;
	return &w;
}

/* ---- libtirpc ---- */

/* libtirpc's xdr_void is declared without parameters; this is the usual xdrproc_t shape. */
static bool_t xdr_nothing(XDR *x, void *v)
{
	(void)x;
	(void)v;
	return TRUE;
}

static void tirpc_dispatch(struct svc_req *rq, SVCXPRT *x)
{
	if (rq->rq_proc == 0)
		svc_sendreply(x, (xdrproc_t)xdr_nothing, NULL);
	else
		svcerr_noproc(x);
}

static int listen_loopback(unsigned short *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		perror("listen");
		exit(1);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static void *tirpc_serve(void *arg)
{
	(void)arg;
	svc_run(); /* runs until the process ends */
	return NULL;
}

static int tirpc_null(void *arg)
{
	CLIENT *c = arg;
	struct timeval tv = {25, 0};
	return clnt_call(c, 0, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL, tv) !=
	       RPC_SUCCESS;
}

static void *setup_tirpc(void)
{
	unsigned short port;
	int fd = listen_loopback(&port), sock = RPC_ANYSOCK;
	SVCXPRT *x = svctcp_create(fd, 0, 0);
	pthread_t t;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (!x || !svc_register(x, PROG, 1, tirpc_dispatch, 0)) {
		fprintf(stderr, "libtirpc server setup failed\n");
		exit(1);
	}
	pthread_create(&t, NULL, tirpc_serve, NULL);
	pthread_detach(t);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	CLIENT *c = clnttcp_create(&sin, PROG, 1, &sock, 0, 0);
	if (!c) {
		clnt_pcreateerror("libtirpc client");
		exit(1);
	}
	return c;
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

static int raw_call(void *arg)
{
	int fd = *(int *)arg;
	char buf[CALL_BYTES] = {0};
	if (write(fd, buf, CALL_BYTES) != CALL_BYTES)
		return -1;
	return read_full(fd, buf, REPLY_BYTES);
}

static void *setup_raw(void)
{
	unsigned short port;
	int lfd = listen_loopback(&port), one = 1;
	pthread_t t;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	static int listen_fd;
	listen_fd = lfd;
	pthread_create(&t, NULL, raw_serve, &listen_fd);
	pthread_detach(t);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin)) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	static int client_fd;
	client_fd = fd;
	return &client_fd;
}

int main(int argc, char **argv)
{
	const char *json = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--json") == 0)
			json = argv[i + 1];
	}
	samples = malloc(MAX_SAMPLES * sizeof *samples);
	/* Rounds alternate between the sides so that a noisy moment hits all of them; each side
	 * keeps its best round. */
	struct side {
		const char *name;
		int (*call)(void *);
		void *ctx;
		result best;
	} sides[] = {
		{"onc", onc_null, setup_onc(), {0}},
		{"libtirpc", tirpc_null, setup_tirpc(), {0}},
		{"raw TCP ping-pong", raw_call, setup_raw(), {0}},
		{"onc, 64 in flight", onc_windowed, setup_window(setup_onc()), {0}},
	};
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++) {
			result r = measure(sides[i].name, sides[i].call, sides[i].ctx);
			if (r.rate > sides[i].best.rate)
				sides[i].best = r;
		}
	}
	result onc = sides[0].best, tirpc = sides[1].best, raw = sides[2].best,
	       async = sides[3].best;

	printf("\nnull call, loopback TCP, 1 connection, synchronous (best of 3 rounds of %.1f s)\n",
	       seconds);
	printf("%-20s %12s %10s %10s %12s %12s\n", "", "calls/s", "p50 us", "p99 us", "vs libtirpc",
	       "vs raw");
	const result *all[] = {&onc, &tirpc, &raw, &async};
	for (int i = 0; i < 4; i++)
		printf("%-20s %12.0f %10.1f %10.1f %11.2fx %11.2fx\n", all[i]->name, all[i]->rate,
		       all[i]->p50_us, all[i]->p99_us, all[i]->rate / tirpc.rate,
		       all[i]->rate / raw.rate);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\n  \"benchmark\": \"null_call_tcp_sync\",\n  \"seconds\": %.1f,\n", seconds);
		static const char *const keys[] = {"onc", "libtirpc", "raw", "onc_64_in_flight"};
		for (int i = 0; i < 4; i++)
			fprintf(f, "  \"%s\": {\"calls_per_s\": %.0f, \"p50_us\": %.2f, \"p99_us\": %.2f}%s\n",
				keys[i], all[i]->rate, all[i]->p50_us, all[i]->p99_us, i < 3 ? "," : "");
		fprintf(f, "}\n");
		fclose(f);
	}
	free(samples);
	return 0;
}
