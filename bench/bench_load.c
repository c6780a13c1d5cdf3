/* Load on one server, onc vs libtirpc, each measured in the same run:
 *   1. 16 client threads, each with its own TCP connection, null calls for a fixed time,
 *      against an onc server (one loop per core) and a libtirpc svc_run server;
 *   2. calls carrying 64 KiB of opaque data over one TCP connection: MB/s;
 *   3. 1,000 idle connections held open on an onc server in a child process: its resident
 *      memory per connection.
 * bench_load [--seconds S] [--json FILE] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <rpc/rpc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "onc/client.h"
#include "onc/server.h"

#define PROG 0x20000778u
#define PROC_BULK 1
#define BULK_BYTES 65536u
#define THREADS 16
#define IDLE_CONNECTIONS 1000

static double seconds = 2.0;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_load: %s\n", what);
	exit(1);
}

/* ---- servers ---- */

static onc_accept_stat onc_dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	const uint8_t *data;
	uint32_t len;
	switch (call->header->proc) {
	case 0:
		return ONC_SUCCESS;
	case PROC_BULK:
		if (onc_xdr_get_opaque_ref(call->args, &data, &len, BULK_BYTES))
			return ONC_GARBAGE_ARGS;
		return onc_xdr_put_u32(call->results, len) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	default:
		return ONC_PROC_UNAVAIL;
	}
}

static void *onc_serve(void *srv)
{
	onc_server_run(srv);
	return NULL;
}

static uint16_t start_onc_server(void)
{
	onc_status st;
	uint16_t port;
	pthread_t t;
	onc_server *srv = onc_server_create(NULL, &st);
	if (!srv || onc_server_register(srv, PROG, 1, onc_dispatch, NULL) ||
	    onc_server_listen(srv, "tcp://127.0.0.1:0", &port))
		die("onc server");
	pthread_create(&t, NULL, onc_serve, srv);
	pthread_detach(t);
	return port;
}

/* libtirpc's xdr_void is declared without parameters; this is the usual xdrproc_t shape. */
static bool_t xdr_nothing(XDR *x, void *v)
{
	(void)x;
	(void)v;
	return TRUE;
}

typedef struct bulk {
	u_int len;
	char *data;
} bulk;

static bool_t xdr_bulk(XDR *x, void *v)
{
	bulk *b = v;
	return xdr_bytes(x, &b->data, &b->len, BULK_BYTES);
}

static void tirpc_dispatch(struct svc_req *rq, SVCXPRT *x)
{
	bulk b = {0, NULL};
	u_int len;
	switch (rq->rq_proc) {
	case 0:
		svc_sendreply(x, (xdrproc_t)xdr_nothing, NULL);
		break;
	case PROC_BULK:
		if (!svc_getargs(x, (xdrproc_t)xdr_bulk, (caddr_t)&b)) {
			svcerr_decode(x);
			break;
		}
		len = b.len;
		svc_sendreply(x, (xdrproc_t)xdr_u_int, (caddr_t)&len);
		svc_freeargs(x, (xdrproc_t)xdr_bulk, (caddr_t)&b);
		break;
	default:
		svcerr_noproc(x);
	}
}

static void *tirpc_serve(void *arg)
{
	(void)arg;
	svc_run();
	return NULL;
}

static uint16_t start_tirpc_server(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	pthread_t t;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		die("listen");
	SVCXPRT *x = svctcp_create(fd, 0, 0);
	if (!x || !svc_register(x, PROG, 1, tirpc_dispatch, 0))
		die("libtirpc server");
	pthread_create(&t, NULL, tirpc_serve, NULL);
	pthread_detach(t);
	return ntohs(sin.sin_port);
}

/* ---- clients ---- */

typedef struct side {
	bool onc;
	uint16_t port;
} side;

typedef struct runner {
	const side *s;
	atomic_bool *stop;
	unsigned long calls;
	pthread_t t;
} runner;

static onc_client *onc_connect(uint16_t port)
{
	char addr[64];
	onc_status st;
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", port);
	onc_client *c = onc_client_create(addr, PROG, 1, NULL, &st);
	if (!c)
		die(onc_strerror(st));
	return c;
}

static CLIENT *tirpc_connect(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	int sock = RPC_ANYSOCK;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	CLIENT *c = clnttcp_create(&sin, PROG, 1, &sock, 0, 0);
	if (!c)
		die("libtirpc client");
	return c;
}

static void *null_caller(void *arg)
{
	runner *r = arg;
	struct timeval tv = {25, 0};
	if (r->s->onc) {
		onc_client *c = onc_connect(r->s->port);
		while (!atomic_load(&r->stop[0]) &&
		       onc_client_call(c, 0, NULL, NULL, NULL, NULL, NULL) == ONC_OK)
			r->calls++;
		onc_client_destroy(c);
	} else {
		CLIENT *c = tirpc_connect(r->s->port);
		while (!atomic_load(&r->stop[0]) &&
		       clnt_call(c, 0, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL,
				 tv) == RPC_SUCCESS)
			r->calls++;
		clnt_destroy(c);
	}
	return NULL;
}

/* Calls per second with THREADS threads calling for the configured time. */
static double threads_rate(const side *s)
{
	runner r[THREADS];
	atomic_bool stop = false;
	unsigned long total = 0;
	for (int i = 0; i < THREADS; i++) {
		r[i] = (runner){.s = s, .stop = &stop};
		pthread_create(&r[i].t, NULL, null_caller, &r[i]);
	}
	double start = now();
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&stop, true);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(r[i].t, NULL);
		total += r[i].calls;
	}
	return (double)total / (now() - start);
}

static onc_status put_bulk(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_opaque(e, v, BULK_BYTES, BULK_BYTES);
}

static onc_status get_u32(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_u32(d, v);
}

/* MB/s of 64 KiB arguments, synchronous calls on one connection. */
static double bulk_rate(const side *s, char *payload)
{
	unsigned long calls = 0;
	double start = now(), t = start;
	struct timeval tv = {25, 0};
	onc_client *oc = s->onc ? onc_connect(s->port) : NULL;
	CLIENT *tc = s->onc ? NULL : tirpc_connect(s->port);
	bulk b = {BULK_BYTES, payload};
	while (t - start < seconds) {
		uint32_t got = 0;
		bool ok = oc ? onc_client_call(oc, PROC_BULK, put_bulk, payload, get_u32, &got, NULL) == ONC_OK
			     : clnt_call(tc, PROC_BULK, (xdrproc_t)xdr_bulk, (caddr_t)&b,
					 (xdrproc_t)xdr_u_int, (caddr_t)&got, tv) == RPC_SUCCESS;
		if (!ok || got != BULK_BYTES)
			die("bulk call failed");
		calls++;
		t = now();
	}
	if (oc)
		onc_client_destroy(oc);
	else
		clnt_destroy(tc);
	return (double)calls * BULK_BYTES / (t - start) / 1e6;
}

/* ---- memory per idle connection ---- */

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static double bytes_per_connection(void)
{
	int pipefd[2];
	uint16_t port;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * IDLE_CONNECTIONS + 64 || pipe(pipefd))
		return -1;
	pid_t child = fork();
	if (child == 0) {
		onc_status st;
		onc_server *srv = onc_server_create(NULL, &st);
		onc_server_register(srv, PROG, 1, onc_dispatch, NULL);
		onc_server_listen(srv, "tcp://127.0.0.1:0", &port);
		if (write(pipefd[1], &port, sizeof port) != sizeof port)
			_exit(1);
		onc_server_run(srv);
		_exit(0);
	}
	if (read(pipefd[0], &port, sizeof port) != sizeof port)
		die("server child");
	/* One connection and call first, so that the baseline has every lazy setup done. */
	onc_client *warm = onc_connect(port);
	onc_client_call(warm, 0, NULL, NULL, NULL, NULL, NULL);
	usleep(100000);
	long before = rss_kib(child);
	static onc_client *c[IDLE_CONNECTIONS];
	for (int i = 0; i < IDLE_CONNECTIONS; i++) {
		c[i] = onc_connect(port);
		if (onc_client_call(c[i], 0, NULL, NULL, NULL, NULL, NULL) != ONC_OK)
			die("idle connection call");
	}
	usleep(200000);
	long after = rss_kib(child);
	for (int i = 0; i < IDLE_CONNECTIONS; i++)
		onc_client_destroy(c[i]);
	onc_client_destroy(warm);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return (double)(after - before) * 1024.0 / IDLE_CONNECTIONS;
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
	side onc = {true, start_onc_server()}, tirpc = {false, start_tirpc_server()};
	char *payload = malloc(BULK_BYTES);
	for (unsigned i = 0; i < BULK_BYTES; i++)
		payload[i] = (char)i;

	/* Alternate rounds, keep each side's best. */
	double thr[2] = {0, 0}, mbs[2] = {0, 0};
	for (int round = 0; round < 2; round++) {
		const side *sides[2] = {&onc, &tirpc};
		for (int i = 0; i < 2; i++) {
			double r = threads_rate(sides[i]), m = bulk_rate(sides[i], payload);
			thr[i] = r > thr[i] ? r : thr[i];
			mbs[i] = m > mbs[i] ? m : mbs[i];
		}
	}
	double per_conn = bytes_per_connection();

	printf("\nload on one server (best of 2 rounds of %.1f s)\n", seconds);
	printf("%-44s %12s %12s %8s\n", "", "onc", "libtirpc", "ratio");
	printf("%-44s %12.0f %12.0f %7.2fx\n", "16 threads, own connections: calls/s", thr[0], thr[1],
	       thr[0] / thr[1]);
	printf("%-44s %12.0f %12.0f %7.2fx\n", "64 KiB argument, 1 connection: MB/s", mbs[0], mbs[1],
	       mbs[0] / mbs[1]);
	printf("%-44s %12.0f\n", "resident bytes per idle connection (server)", per_conn);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f,
			"{\n  \"benchmark\": \"load\",\n  \"seconds\": %.1f,\n"
			"  \"threads16_calls_per_s\": {\"onc\": %.0f, \"libtirpc\": %.0f},\n"
			"  \"bulk64k_mb_per_s\": {\"onc\": %.0f, \"libtirpc\": %.0f},\n"
			"  \"onc_bytes_per_idle_connection\": %.0f\n}\n",
			seconds, thr[0], thr[1], mbs[0], mbs[1], per_conn);
		fclose(f);
	}
	free(payload);
	return 0;
}
