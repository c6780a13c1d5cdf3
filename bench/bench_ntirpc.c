/* Null-procedure calls on loopback TCP with ntirpc (nfs-ganesha's fork of TI-RPC): an ntirpc
 * client calling an ntirpc server in threads of this process, measured the way bench_null.c
 * measures libtirpc (one connection, synchronous: calls/s, p50 and p99 latency, best of 3
 * rounds) and the way bench_load.c measures it with 16 client threads, each with its own
 * connection, against one server (aggregate calls/s, best of 2 rounds).
 * A binary of its own: ntirpc's headers (rpc/rpc.h, ...) clash with libtirpc's.
 * bench_ntirpc [--seconds S] [--json FILE] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"

#include <rpc/rpc.h>
#include <rpc/svc_auth.h>
#include <rpc/svc_rqst.h>
#include <version.h>

#define PROG 0x20000779u
#define THREADS 16

static struct timespec call_timeout = {25, 0};

/* ---- package setup ---- */

/* ntirpc hands every received record, call or reply, to the application's alloc_cb for a
 * struct svc_req, and gives it back through free_cb once decoded and answered. Without them
 * set it calls through NULL, on the client side too (replies arrive the same way). The
 * request holds a reference on its transport, as in nfs-ganesha. */
static struct svc_req *alloc_req(SVCXPRT *xprt, XDR *xdrs)
{
	struct svc_req *req = mem_zalloc(sizeof *req);
	SVC_REF(xprt, SVC_REF_FLAG_NONE);
	req->rq_xprt = xprt;
	req->rq_xdrs = xdrs;
	req->rq_refcnt = 1;
	return req;
}

static void free_req(struct svc_req *req, enum xprt_stat stat)
{
	(void)stat;
	SVC_RELEASE(req->rq_xprt, SVC_RELEASE_FLAG_NONE);
	mem_free(req, sizeof *req);
}

static void init_ntirpc(void)
{
	svc_init_params p;
	memset(&p, 0, sizeof p);
	p.alloc_cb = alloc_req;
	p.free_cb = free_req;
	/* epoll event channels; transports are registered on channels explicitly */
	p.flags = SVC_INIT_EPOLL | SVC_INIT_NOREG_XPRTS;
	p.max_events = 512;
	/* everything else at ntirpc's defaults: 8 channels, a work pool of up to 200 threads */
	if (!svc_init(&p))
		bench_die("svc_init failed");
}

/* ---- server ---- */

static enum xprt_stat on_call(struct svc_req *req)
{
	bool no_dispatch = false;
	if (req->rq_msg.cb_prog != PROG)
		return svcerr_noprog(req);
	if (req->rq_msg.cb_vers != 1)
		return svcerr_progvers(req, 1, 1);
	enum auth_stat why = svc_auth_authenticate(req, &no_dispatch);
	if (why != AUTH_OK)
		return svcerr_auth(req, why);
	if (no_dispatch)
		return XPRT_IDLE;
	if (req->rq_msg.cb_proc != 0)
		return svcerr_noproc(req);
	/* the results default to xdr_void (rpc_msg_init in the transport's decode) */
	return svc_sendreply(req);
}

/* Called for each accepted connection, before it is put on the listener's channel. */
static enum xprt_stat on_accept(SVCXPRT *xprt)
{
	xprt->xp_dispatch.process_cb = on_call;
	return XPRT_IDLE;
}

static SVCXPRT *listener;

static uint16_t start_server(void)
{
	uint16_t port;
	uint32_t chan;
	int fd = bench_listen_loopback(&port);
	if (svc_rqst_new_evchan(&chan, NULL, SVC_RQST_FLAG_NONE))
		bench_die("svc_rqst_new_evchan failed");
	listener = svc_vc_ncreatef(fd, 0, 0, SVC_CREATE_FLAG_CLOSE);
	if (!listener)
		bench_die("svc_vc_ncreatef failed");
	listener->xp_dispatch.rendezvous_cb = on_accept;
	if (svc_rqst_evchan_reg(chan, listener, SVC_RQST_FLAG_XPRT_UREG))
		bench_die("svc_rqst_evchan_reg failed");
	return port;
}

/* ---- client ---- */

typedef struct conn {
	CLIENT *c;
	AUTH *auth;
	int fd;
} conn;

static void *open_conn(void *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(*(uint16_t *)port)};
	struct sockaddr_storage ss;
	struct netbuf raddr = {.buf = &ss, .len = sizeof sin, .maxlen = sizeof ss};
	conn *k = calloc(1, sizeof *k);
	int one = 1;
	if (!k)
		bench_die("memory");
	k->fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (connect(k->fd, (struct sockaddr *)&sin, sizeof sin))
		bench_die("connect");
	setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, &sin, sizeof sin);
	k->c = clnt_vc_ncreatef(k->fd, &raddr, PROG, 1, 0, 0, CLNT_CREATE_FLAG_CLOSE);
	if (CLNT_FAILURE(k->c)) {
		rpc_perror(&k->c->cl_error, "clnt_vc_ncreatef");
		exit(1);
	}
	k->auth = authnone_ncreate();
	return k;
}

/* CLNT_DESTROY drops the client's reference only: the connection's transport stays on its
 * event channel, socket open, until it sees the peer go. Shutting the socket down first makes
 * both ends see end-of-file, and ntirpc then destroys both transports and closes their fds. */
static void close_conn(void *arg)
{
	conn *k = arg;
	shutdown(k->fd, SHUT_RDWR);
	CLNT_DESTROY(k->c);
	free(k);
}

/* One synchronous null call: ntirpc's request object is filled, set up (xid, timeout),
 * sent, and waited on; the library frees it on the last release. */
static int null_call(void *arg, double *started)
{
	conn *k = arg;
	struct clnt_req *cc = mem_zalloc(sizeof *cc);
	enum clnt_stat st;
	(void)started;
	clnt_req_fill(cc, k->c, k->auth, 0, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void, NULL);
	st = clnt_req_setup(cc, call_timeout);
	if (st == RPC_SUCCESS)
		st = CLNT_CALL_WAIT(cc);
	if (st == RPC_SUCCESS)
		st = cc->cc_error.re_status;
	clnt_req_release(cc);
	return st != RPC_SUCCESS;
}

int main(int argc, char **argv)
{
	const char *json = bench_args(argc, argv);
	init_ntirpc();
	uint16_t port = start_server();

	bench_result sync = {0, 0, 0}, thr = {0, 0, 0};
	void *k = open_conn(&port);
	for (int round = 0; round < 3; round++)
		bench_keep_best(&sync, bench_run(null_call, k));
	close_conn(k);
	for (int round = 0; round < 2; round++)
		bench_keep_best(&thr, bench_run_threads(THREADS, open_conn, null_call, close_conn, &port));

	printf("\nntirpc %s: null call, loopback TCP, ntirpc client + ntirpc server\n",
	       NTIRPC_VERSION);
	printf("%-44s %12s %10s %10s\n", "", "calls/s", "p50 us", "p99 us");
	printf("%-44s %12.0f %10.1f %10.1f\n", "1 connection, synchronous (best of 3)", sync.rate,
	       sync.p50_us, sync.p99_us);
	printf("%-44s %12.0f %10.1f %10.1f\n", "16 threads, own connections (best of 2)", thr.rate,
	       thr.p50_us, thr.p99_us);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f)
			bench_die(json);
		fprintf(f, "{\n  \"benchmark\": \"ntirpc\",\n  \"version\": \"%s\",\n  \"seconds\": %.1f,\n  ",
			NTIRPC_VERSION, bench_seconds);
		bench_json_result(f, "sync", sync);
		fprintf(f, ",\n  ");
		bench_json_result(f, "threads16", thr);
		fprintf(f, "\n}\n");
		fclose(f);
	}

	SVC_DESTROY(listener);
	svc_shutdown(SVC_SHUTDOWN_FLAG_NONE);
	return 0;
}
