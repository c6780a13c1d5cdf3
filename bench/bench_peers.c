#include "bench_peers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"

struct timeval bench_tirpc_timeout = {25, 0};

static void *onc_serve(void *srv)
{
	onc_server_run(srv);
	return NULL;
}

uint16_t bench_onc_server(const onc_server_options *opts, onc_dispatch_fn dispatch)
{
	onc_status st;
	uint16_t port;
	pthread_t t;
	onc_server *srv = onc_server_create(opts, &st);
	if (!srv || onc_server_register(srv, BENCH_PROG, 1, dispatch, NULL) ||
	    onc_server_listen(srv, "tcp://127.0.0.1:0", &port) ||
	    pthread_create(&t, NULL, onc_serve, srv))
		bench_die("onc server");
	pthread_detach(t);
	return port;
}

void *bench_onc_open(void *port)
{
	char addr[64];
	onc_status st;
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", *(uint16_t *)port);
	onc_client *c = onc_client_create(addr, BENCH_PROG, 1, NULL, &st);
	if (!c)
		bench_die(onc_strerror(st));
	return c;
}

void bench_onc_close(void *client)
{
	onc_client_destroy(client);
}

int bench_onc_null(void *client, double *started)
{
	(void)started;
	return onc_client_call(client, 0, NULL, NULL, NULL, NULL, NULL) != ONC_OK;
}

static char payload[BENCH_BULK_BYTES];

onc_accept_stat bench_onc_bulk_serve(onc_call *call)
{
	const uint8_t *data;
	uint32_t len;
	if (onc_xdr_get_opaque_ref(call->args, &data, &len, BENCH_BULK_BYTES))
		return ONC_GARBAGE_ARGS;
	return onc_xdr_put_u32(call->results, len) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
}

typedef struct bulk {
	u_int len;
	char *data;
} bulk;

static bool_t xdr_bulk(XDR *x, void *v)
{
	bulk *b = v;
	return xdr_bytes(x, &b->data, &b->len, BENCH_BULK_BYTES);
}

void bench_tirpc_bulk_serve(SVCXPRT *x)
{
	bulk b = {0, NULL};
	if (!svc_getargs(x, (xdrproc_t)xdr_bulk, (caddr_t)&b)) {
		svcerr_decode(x);
		return;
	}
	u_int len = b.len;
	svc_sendreply(x, (xdrproc_t)xdr_u_int, (caddr_t)&len);
	svc_freeargs(x, (xdrproc_t)xdr_bulk, (caddr_t)&b);
}

static onc_status put_bulk(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_opaque(e, v, BENCH_BULK_BYTES, BENCH_BULK_BYTES);
}

static onc_status get_u32(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_u32(d, v);
}

int bench_onc_bulk(void *c, double *started)
{
	(void)started;
	uint32_t got = 0;
	return onc_client_call(c, BENCH_PROC_BULK, put_bulk, payload, get_u32, &got, NULL) !=
		       ONC_OK ||
	       got != BENCH_BULK_BYTES;
}

int bench_tirpc_bulk(void *c, double *started)
{
	(void)started;
	bulk b = {BENCH_BULK_BYTES, payload};
	u_int got = 0;
	return clnt_call((CLIENT *)c, BENCH_PROC_BULK, (xdrproc_t)xdr_bulk, (caddr_t)&b,
			 (xdrproc_t)xdr_u_int, (caddr_t)&got, bench_tirpc_timeout) != RPC_SUCCESS ||
	       got != BENCH_BULK_BYTES;
}

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

double bench_onc_bytes_per_idle(const onc_server_options *opts, onc_dispatch_fn dispatch,
				void *(*open)(void *port), unsigned n)
{
	int pipefd[2];
	uint16_t port;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * n + 64 || pipe(pipefd))
		return -1;
	pid_t child = fork();
	if (child == 0) {
		onc_status st;
		onc_server *srv = onc_server_create(opts, &st);
		if (!srv)
			_exit(1);
		onc_server_register(srv, BENCH_PROG, 1, dispatch, NULL);
		onc_server_listen(srv, "tcp://127.0.0.1:0", &port);
		if (write(pipefd[1], &port, sizeof port) != sizeof port)
			_exit(1);
		onc_server_run(srv);
		_exit(0);
	}
	if (read(pipefd[0], &port, sizeof port) != sizeof port)
		bench_die("server child");
	/* One connection and call first, so that the baseline has every lazy setup done. */
	onc_client *warm = open(&port);
	onc_client_call(warm, 0, NULL, NULL, NULL, NULL, NULL);
	usleep(100000);
	long before = rss_kib(child);
	onc_client **c = calloc(n, sizeof *c);
	if (!c)
		bench_die("memory");
	for (unsigned i = 0; i < n; i++) {
		c[i] = open(&port);
		if (onc_client_call(c[i], 0, NULL, NULL, NULL, NULL, NULL) != ONC_OK)
			bench_die("idle connection call");
	}
	usleep(200000);
	long after = rss_kib(child);
	for (unsigned i = 0; i < n; i++)
		onc_client_destroy(c[i]);
	free(c);
	onc_client_destroy(warm);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return (double)(after - before) * 1024.0 / n;
}

static void *tirpc_serve(void *arg)
{
	(void)arg;
	svc_run(); /* until the process ends */
	return NULL;
}

uint16_t bench_tirpc_server(void (*dispatch)(struct svc_req *, SVCXPRT *))
{
	uint16_t port;
	pthread_t t;
	SVCXPRT *x = svctcp_create(bench_listen_loopback(&port), 0, 0);
	if (!x || !svc_register(x, BENCH_PROG, 1, dispatch, 0) ||
	    pthread_create(&t, NULL, tirpc_serve, NULL))
		bench_die("libtirpc server");
	pthread_detach(t);
	return port;
}

void *bench_tirpc_open(void *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(*(uint16_t *)port)};
	int sock = RPC_ANYSOCK;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	CLIENT *c = clnttcp_create(&sin, BENCH_PROG, 1, &sock, 0, 0);
	if (!c)
		bench_die("libtirpc client");
	return c;
}

void bench_tirpc_close(void *client)
{
	clnt_destroy((CLIENT *)client);
}

bool_t bench_xdr_void(XDR *x, void *v)
{
	(void)x;
	(void)v;
	return TRUE;
}

int bench_tirpc_null(void *client, double *started)
{
	(void)started;
	return clnt_call((CLIENT *)client, 0, (xdrproc_t)bench_xdr_void, NULL,
			 (xdrproc_t)bench_xdr_void, NULL, bench_tirpc_timeout) != RPC_SUCCESS;
}
