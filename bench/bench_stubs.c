/* The calls users make: the stubs onc gen writes (calc.x's calc_add_1, and its _send/_receive
 * halves with 64 in flight), beside onc_client_call() with the same arguments, on loopback
 * TCP to a server of the generated dispatcher; and the heap allocations each call makes, on
 * the client and on the server, counted by the malloc family of alloc_count.c.
 * bench_stubs [--seconds S] [--json FILE] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "onc/client.h"
#include "onc/server.h"

#include "alloc_count.h"
#include "bench_common.h"
#include "calc.h"

/* ---- the server: calc's procedures, as little as they can do ---- */

onc_status calc_add_1_svc(const operands *arg, int32_t *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = arg->a + arg->b;
	return ONC_OK;
}

onc_status calc_subtract_1_svc(const operands *arg, int32_t *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = arg->a - arg->b;
	return ONC_OK;
}

onc_status calc_multiply_1_svc(int32_t arg1, int32_t arg2, int64_t *result, onc_call *call,
			       void *ctx)
{
	(void)call, (void)ctx;
	*result = (int64_t)arg1 * arg2;
	return ONC_OK;
}

onc_status calc_divide_1_svc(const operands *arg, division *result, onc_call *call, void *ctx)
{
	(void)arg, (void)call, (void)ctx;
	result->status = CALC_DIVISION_BY_ZERO;
	return ONC_OK;
}

onc_status calc_echo_1_svc(const text *arg, text *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = *arg;
	return ONC_OK;
}

onc_status calc_sum_1_svc(const values *arg, int64_t *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = 0;
	for (uint32_t i = 0; i < arg->values_len; i++)
		*result += arg->values_val[i];
	return ONC_OK;
}

static void *serve(void *srv)
{
	onc_server_run(srv);
	return NULL;
}

static onc_client *calc_client(void)
{
	onc_status st;
	uint16_t port;
	pthread_t t;
	onc_server_options so = {.threads = 1};
	onc_server *srv = onc_server_create(&so, &st);
	if (!srv || calc_prog_1_register(srv, NULL) ||
	    onc_server_listen(srv, "tcp://127.0.0.1:0", &port) ||
	    pthread_create(&t, NULL, serve, srv))
		bench_die("calc server");
	pthread_detach(t);
	char addr[64];
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", port);
	onc_client *c = onc_client_create(addr, CALC_PROG, CALC_V1, NULL, &st);
	if (!c)
		bench_die(onc_strerror(st));
	return c;
}

/* ---- the three ways to call ---- */

static const operands args = {40, 2};

static int stub_sync(void *c, double *started)
{
	(void)started;
	int32_t sum;
	return calc_add_1(c, &args, &sum) != ONC_OK || sum != 42;
}

static onc_status encode_operands(onc_xdr_enc *e, const void *v)
{
	return operands_encode(e, v);
}

static onc_status decode_int(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_i32(d, v);
}

static int client_call(void *c, double *started)
{
	(void)started;
	int32_t sum;
	return onc_client_call(c, CALC_ADD, encode_operands, &args, decode_int, &sum, NULL) !=
		       ONC_OK ||
	       sum != 42;
}

#define WINDOW 64

/* _send/_receive with WINDOW calls in flight: each step receives the oldest and sends one
 * more in its place, so a "call" of the run is one completion (as bench_window.h). */
typedef struct window {
	onc_client *c;
	onc_request ring[WINDOW];
	double started[WINDOW];
	unsigned next;
	bool full;
} window;

static int stub_window(void *ctx, double *started)
{
	window *w = ctx;
	if (!w->full) {
		for (unsigned i = 0; i < WINDOW; i++) {
			w->started[i] = bench_now();
			if (calc_add_1_send(w->c, &w->ring[i], &args) != ONC_OK)
				return -1;
		}
		w->full = true;
	}
	unsigned i = w->next;
	int32_t sum;
	if (calc_add_1_receive(&w->ring[i], &sum) != ONC_OK || sum != 42)
		return -1;
	*started = w->started[i];
	w->started[i] = bench_now();
	if (calc_add_1_send(w->c, &w->ring[i], &args) != ONC_OK)
		return -1;
	w->next = (i + 1) % WINDOW;
	return 0;
}

/* Heap allocations per call, client and server, over n steps after the first 1,000 (caches
 * warmed, connections made). The client runs on this thread; everything else is the
 * server's. */
static void count_allocations(bench_call_fn call, void *ctx, double *client, double *server)
{
	enum { WARM = 1000, N = 10000 };
	double started;
	for (int i = 0; i < WARM; i++)
		if (call(ctx, &started))
			bench_die("call");
	unsigned long mine = alloc_count_mine(), all = alloc_count_all();
	for (int i = 0; i < N; i++)
		if (call(ctx, &started))
			bench_die("call");
	unsigned long my_delta = alloc_count_mine() - mine, all_delta = alloc_count_all() - all;
	*client = (double)my_delta / N;
	*server = (double)(all_delta - my_delta) / N;
}

int main(int argc, char **argv)
{
	const char *json = bench_args(argc, argv);
	window *w = calloc(1, sizeof *w); /* lives until the process ends */
	if (!w)
		bench_die("memory");
	w->c = calc_client();
	struct side {
		const char *name, *key;
		bench_call_fn call;
		void *ctx;
		bench_result best;
		double client_allocs, server_allocs;
	} sides[] = {
		{"calc_add_1 (stub), sync", "stub_sync", stub_sync, calc_client(), {0, 0, 0}, 0, 0},
		{"onc_client_call, sync", "client_call", client_call, calc_client(), {0, 0, 0}, 0, 0},
		{"calc_add_1_send/_receive, 64 in flight", "stub_64_in_flight", stub_window, w,
		 {0, 0, 0}, 0, 0},
	};
	enum { SIDES = sizeof sides / sizeof *sides };
	for (int i = 0; i < SIDES; i++)
		count_allocations(sides[i].call, sides[i].ctx, &sides[i].client_allocs,
				  &sides[i].server_allocs);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < SIDES; i++)
			bench_keep_best(&sides[i].best, bench_run(sides[i].call, sides[i].ctx));

	printf("\ngenerated stubs, loopback TCP, 1 connection (best of 3 rounds of %.1f s)\n",
	       bench_seconds);
	printf("%-40s %12s %10s %10s %14s %14s\n", "", "calls/s", "p50 us", "p99 us",
	       "client allocs", "server allocs");
	for (int i = 0; i < SIDES; i++)
		printf("%-40s %12.0f %10.1f %10.1f %14.2f %14.2f\n", sides[i].name, sides[i].best.rate,
		       sides[i].best.p50_us, sides[i].best.p99_us, sides[i].client_allocs,
		       sides[i].server_allocs);
	printf("(allocations: malloc, calloc and realloc calls per call, in steady state)\n");
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f)
			bench_die(json);
		fprintf(f, "{\n  \"benchmark\": \"stubs\",\n  \"seconds\": %.1f", bench_seconds);
		for (int i = 0; i < SIDES; i++) {
			fprintf(f, ",\n  ");
			bench_json_result(f, sides[i].key, sides[i].best);
			fprintf(f, ",\n  \"%s_allocs\": {\"client\": %.2f, \"server\": %.2f}",
				sides[i].key, sides[i].client_allocs, sides[i].server_allocs);
		}
		fprintf(f, "\n}\n");
		fclose(f);
	}
	return 0;
}
