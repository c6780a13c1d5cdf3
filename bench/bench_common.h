/* What the network benchmarks share: the command line, the clock, latency samples and their
 * percentiles, timed runs of one caller or of many threads, a loopback listener, JSON. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bench_result {
	double rate;           /* calls per second */
	double p50_us, p99_us; /* latency of a call, start to reply */
} bench_result;

/* Seconds per timed run (--seconds S, default 2). */
extern double bench_seconds;

/* Reads --seconds S and --json FILE; returns FILE or NULL. */
const char *bench_args(int argc, char **argv);
double bench_now(void);
void bench_die(const char *what) __attribute__((noreturn));
/* A listening TCP socket on 127.0.0.1 at a free port (*port). */
int bench_listen_loopback(uint16_t *port);

/* One call for a timed run: 0 on success. *started holds when it began; a call that finishes
 * one started earlier (calls in flight) sets it to that call's start. */
typedef int (*bench_call_fn)(void *ctx, double *started);

/* Calls call(ctx) for bench_seconds. */
bench_result bench_run(bench_call_fn call, void *ctx);

/* n threads, each with its own connection from open(arg), call(conn) for bench_seconds, then
 * close(conn): the calls of all threads together. */
bench_result bench_run_threads(unsigned n, void *(*open)(void *arg), bench_call_fn call,
			       void (*close)(void *conn), void *arg);

/* Keeps the better of two runs (by rate). */
void bench_keep_best(bench_result *best, bench_result r);

/* "key": {"calls_per_s": ..., "p50_us": ..., "p99_us": ...} */
void bench_json_result(FILE *f, const char *key, bench_result r);

/* One case of a benchmark that runs several side by side. */
typedef struct bench_case {
	const char *name, *key; /* for the table, for the JSON */
	bench_call_fn call;
	void *ctx;
	bench_result best;
} bench_case;

/* Runs the cases in alternating rounds, so that a noisy moment hits all of them; each keeps
 * its best round. */
void bench_run_cases(bench_case *cases, size_t n, int rounds);
/* Writes {"benchmark": benchmark, "seconds": ..., KEY: result, ...} to path, with extra (JSON
 * members, each starting ",\n  ") before the closing brace. */
void bench_write_cases(const char *path, const char *benchmark, const bench_case *cases, size_t n,
		       const char *extra);

#endif
