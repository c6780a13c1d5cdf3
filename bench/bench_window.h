/* onc calls kept in flight on one connection for a timed run (bench_common.h): each step
 * finishes the oldest call and starts one more, so a "call" of the run is one completion,
 * and its latency is that call's, start to reply. */
#ifndef BENCH_WINDOW_H
#define BENCH_WINDOW_H

#include "onc/client.h"

#define BENCH_WINDOW 64

typedef struct bench_window {
	onc_client *c;
	uint32_t proc;
	onc_encode_fn encode; /* the same arguments for every call */
	const void *args;
	onc_decode_fn decode; /* into result, overwritten by each reply */
	void *result;
	onc_pending *ring[BENCH_WINDOW];
	double started[BENCH_WINDOW];
	unsigned next;
} bench_window;

/* A bench_call_fn: ctx is a bench_window. */
int bench_window_step(void *ctx, double *started);
/* Finishes the calls still in flight. */
void bench_window_drain(bench_window *w);

#endif
