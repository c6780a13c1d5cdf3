/* Load on one server, onc vs libtirpc, each measured in the same run:
 *   1. 16 client threads, each with its own TCP connection, null calls for a fixed time,
 *      against an onc server (one loop per core) and a libtirpc svc_run server;
 *   2. calls carrying 64 KiB of opaque data over one TCP connection: MB/s;
 *   3. calls that each take WORK_US of CPU in the server, 64 in flight on one connection:
 *      onc dispatching on its event loop vs onc with a worker per core (one connection's
 *      calls on every core), and libtirpc's synchronous client and svc_run server;
 *   4. 1,000 idle connections held open on an onc server in a child process: its resident
 *      memory per connection.
 * bench_load [--seconds S] [--json FILE] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_peers.h"
#include "bench_window.h"

#define PROC_WORK 2
#define THREADS 16
#define IDLE_CONNECTIONS 1000
#define WORK_US 20

/* ---- servers ---- */

/* Spins on a hash for about us microseconds of CPU (calibrated once): the stand-in for a
 * procedure that computes. */
static uint64_t rounds_per_us;

static uint64_t work(uint64_t rounds, uint64_t seed)
{
	uint64_t h = seed | 1;
	for (uint64_t i = 0; i < rounds; i++) {
		h ^= h << 13;
		h ^= h >> 7;
		h ^= h << 17;
	}
	return h;
}

static void calibrate_work(void)
{
	uint64_t rounds = 1u << 20;
	volatile uint64_t sink;
	double t = bench_now();
	sink = work(rounds, 1);
	(void)sink;
	rounds_per_us = (uint64_t)(rounds / ((bench_now() - t) * 1e6));
	if (rounds_per_us == 0)
		rounds_per_us = 1;
}

static onc_accept_stat onc_dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	uint32_t len;
	switch (call->header->proc) {
	case 0:
		return ONC_SUCCESS;
	case BENCH_PROC_BULK:
		return bench_onc_bulk_serve(call);
	case PROC_WORK:
		if (onc_xdr_get_u32(call->args, &len))
			return ONC_GARBAGE_ARGS;
		return onc_xdr_put_u64(call->results, work(WORK_US * rounds_per_us, len))
			       ? ONC_SYSTEM_ERR
			       : ONC_SUCCESS;
	default:
		return ONC_PROC_UNAVAIL;
	}
}

/* workers: see onc_server_options (0: calls run on the event loops). */
static uint16_t start_onc_server(unsigned workers)
{
	onc_server_options o = {.workers = workers};
	return bench_onc_server(&o, onc_dispatch);
}

static void tirpc_dispatch(struct svc_req *rq, SVCXPRT *x)
{
	u_int len;
	uint64_t h;
	switch (rq->rq_proc) {
	case 0:
		svc_sendreply(x, (xdrproc_t)bench_xdr_void, NULL);
		break;
	case BENCH_PROC_BULK:
		bench_tirpc_bulk_serve(x);
		break;
	case PROC_WORK:
		if (!svc_getargs(x, (xdrproc_t)xdr_u_int, (caddr_t)&len)) {
			svcerr_decode(x);
			break;
		}
		h = work(WORK_US * rounds_per_us, len);
		svc_sendreply(x, (xdrproc_t)xdr_uint64_t, (caddr_t)&h);
		break;
	default:
		svcerr_noproc(x);
	}
}

/* ---- clients ---- */

typedef struct side {
	bool onc;
	uint16_t port;
} side;

static bench_result threads_run(const side *s)
{
	uint16_t port = s->port;
	return s->onc ? bench_run_threads(THREADS, bench_onc_open, bench_onc_null, bench_onc_close,
					  &port)
		      : bench_run_threads(THREADS, bench_tirpc_open, bench_tirpc_null,
					  bench_tirpc_close, &port);
}

/* Calls of s's kind on one connection, opened and closed around the run. */
static bench_result one_connection(const side *s, bench_call_fn call)
{
	uint16_t port = s->port;
	void *c = s->onc ? bench_onc_open(&port) : bench_tirpc_open(&port);
	bench_result r = bench_run(call, c);
	(s->onc ? bench_onc_close : bench_tirpc_close)(c);
	return r;
}

/* CPU-bound calls: onc keeps BENCH_WINDOW in flight; libtirpc calls synchronously. */
static onc_status put_u32(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_u32(e, *(const uint32_t *)v);
}

static onc_status get_u64(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_u64(d, v);
}

static int tirpc_work(void *c, double *started)
{
	(void)started;
	u_int seed = 1;
	uint64_t h;
	return clnt_call((CLIENT *)c, PROC_WORK, (xdrproc_t)xdr_u_int, (caddr_t)&seed,
			 (xdrproc_t)xdr_uint64_t, (caddr_t)&h, bench_tirpc_timeout) != RPC_SUCCESS;
}

static bench_result work_run(const side *s)
{
	uint16_t port = s->port;
	if (!s->onc)
		return one_connection(s, tirpc_work);
	static const uint32_t seed = 1;
	uint64_t h;
	bench_window w = {.c = bench_onc_open(&port), .proc = PROC_WORK, .encode = put_u32,
			  .args = &seed, .decode = get_u64, .result = &h};
	bench_result r = bench_run(bench_window_step, &w);
	bench_window_drain(&w);
	bench_onc_close(w.c);
	return r;
}

static void print_row(const char *what, bench_result r, double vs)
{
	printf("%-46s %12.0f %10.1f %10.1f %9.2fx\n", what, r.rate, r.p50_us, r.p99_us, vs);
}

int main(int argc, char **argv)
{
	const char *json = bench_args(argc, argv);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	/* First, while this process is small and has one thread: the server child is forked. */
	double per_conn =
		bench_onc_bytes_per_idle(NULL, onc_dispatch, bench_onc_open, IDLE_CONNECTIONS);
	calibrate_work();
	side onc = {true, start_onc_server(0)}, tirpc = {false, bench_tirpc_server(tirpc_dispatch)};
	side pool = {true, start_onc_server(cores > 0 ? (unsigned)cores : 1)};

	/* Alternate rounds, keep each side's best. */
	bench_result thr[2] = {{0, 0, 0}, {0, 0, 0}}, bulk[2] = {{0, 0, 0}, {0, 0, 0}},
		     cpu[3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
	for (int round = 0; round < 2; round++) {
		const side *sides[3] = {&onc, &tirpc, &pool};
		for (int i = 0; i < 2; i++) {
			bench_keep_best(&thr[i], threads_run(sides[i]));
			bench_keep_best(&bulk[i],
					one_connection(sides[i], sides[i]->onc ? bench_onc_bulk
									       : bench_tirpc_bulk));
		}
		for (int i = 0; i < 3; i++)
			bench_keep_best(&cpu[i], work_run(sides[i]));
	}
	double mb = BENCH_BULK_BYTES / 1e6;

	printf("\nload on one server (best of 2 rounds of %.1f s)\n", bench_seconds);
	printf("%-46s %12s %10s %10s %10s\n", "", "calls/s", "p50 us", "p99 us", "vs libtirpc");
	print_row("16 threads, own connections: onc", thr[0], thr[0].rate / thr[1].rate);
	print_row("16 threads, own connections: libtirpc", thr[1], 1);
	print_row("64 KiB argument, 1 connection: onc", bulk[0], bulk[0].rate / bulk[1].rate);
	print_row("64 KiB argument, 1 connection: libtirpc", bulk[1], 1);
	printf("  (MB/s: onc %.0f, libtirpc %.0f)\n", bulk[0].rate * mb, bulk[1].rate * mb);
	printf("calls of %d us CPU each, 1 connection:\n", WORK_US);
	print_row("  onc, 64 in flight, calls on the event loop", cpu[0], cpu[0].rate / cpu[1].rate);
	print_row("  onc, 64 in flight, a worker per core", cpu[2], cpu[2].rate / cpu[1].rate);
	print_row("  libtirpc, synchronous", cpu[1], 1);
	printf("resident bytes per idle connection (onc server): %.0f\n", per_conn);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f)
			bench_die(json);
		fprintf(f, "{\n  \"benchmark\": \"load\",\n  \"seconds\": %.1f,\n", bench_seconds);
		fprintf(f, "  \"threads16\": {");
		bench_json_result(f, "onc", thr[0]);
		fprintf(f, ", ");
		bench_json_result(f, "libtirpc", thr[1]);
		fprintf(f, "},\n  \"bulk64k\": {\"onc_mb_per_s\": %.0f, \"libtirpc_mb_per_s\": %.0f, ",
			bulk[0].rate * mb, bulk[1].rate * mb);
		bench_json_result(f, "onc", bulk[0]);
		fprintf(f, ", ");
		bench_json_result(f, "libtirpc", bulk[1]);
		fprintf(f, "},\n  \"cpu_bound\": {\"work_us\": %d, ", WORK_US);
		bench_json_result(f, "onc_inline_64_in_flight", cpu[0]);
		fprintf(f, ", ");
		bench_json_result(f, "onc_workers_64_in_flight", cpu[2]);
		fprintf(f, ", ");
		bench_json_result(f, "libtirpc", cpu[1]);
		fprintf(f, "},\n  \"onc_bytes_per_idle_connection\": %.0f\n}\n", per_conn);
		fclose(f);
	}
	return 0;
}
