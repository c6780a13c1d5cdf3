#include "bench_window.h"

int bench_window_step(void *ctx, double *started)
{
	bench_window *w = ctx;
	onc_status st;
	unsigned slot = w->next++ % BENCH_WINDOW;
	double now = *started;
	if (w->ring[slot]) {
		if (onc_client_finish(w->c, w->ring[slot], w->decode, w->result) != ONC_OK)
			return 1;
		*started = w->started[slot];
	}
	w->ring[slot] = onc_client_start(w->c, w->proc, w->encode, w->args, NULL, &st);
	w->started[slot] = now;
	return w->ring[slot] == NULL;
}

void bench_window_drain(bench_window *w)
{
	for (unsigned i = 0; i < BENCH_WINDOW; i++) {
		if (w->ring[i])
			onc_client_finish(w->c, w->ring[i], NULL, NULL);
		w->ring[i] = NULL;
	}
}
