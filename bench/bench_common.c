#include "bench_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (4u << 20)

double bench_seconds = 2.0;

const char *bench_args(int argc, char **argv)
{
	const char *json = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seconds") == 0)
			bench_seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--json") == 0)
			json = argv[i + 1];
	}
	return json;
}

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void bench_die(const char *what)
{
	fprintf(stderr, "benchmark failed: %s\n", what);
	exit(1);
}

int bench_listen_loopback(uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		bench_die("listen on 127.0.0.1");
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Latencies of one run, in seconds; beyond MAX_SAMPLES calls are counted but not kept. */
typedef struct samples {
	double *v;
	size_t n, cap;
	unsigned long calls;
} samples;

static void sample(samples *s, double latency)
{
	s->calls++;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		double *v = cap <= MAX_SAMPLES ? realloc(s->v, cap * sizeof *v) : NULL;
		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = latency;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static bench_result summarize(samples *s, double elapsed)
{
	bench_result r = {(double)s->calls / elapsed, 0, 0};
	if (s->n) {
		qsort(s->v, s->n, sizeof *s->v, cmp_double);
		r.p50_us = s->v[s->n / 2] * 1e6;
		r.p99_us = s->v[s->n * 99 / 100] * 1e6;
	}
	free(s->v);
	return r;
}

/* Calls until *stop is set (or, with stop NULL, for bench_seconds). */
static void run_calls(bench_call_fn call, void *ctx, samples *s, atomic_bool *stop)
{
	double start = bench_now(), t = start;
	while (stop ? !atomic_load(stop) : t - start < bench_seconds) {
		double started = t;
		if (call(ctx, &started) != 0)
			bench_die("call");
		t = bench_now();
		sample(s, t - started);
	}
}

bench_result bench_run(bench_call_fn call, void *ctx)
{
	samples s = {0};
	double start = bench_now();
	run_calls(call, ctx, &s, NULL);
	return summarize(&s, bench_now() - start);
}

typedef struct runner {
	void *(*open)(void *arg);
	bench_call_fn call;
	void (*close)(void *conn);
	void *arg;
	atomic_bool *stop;
	samples s;
	pthread_t t;
} runner;

static void *runner_main(void *arg)
{
	runner *r = arg;
	void *conn = r->open(r->arg);
	run_calls(r->call, conn, &r->s, r->stop);
	r->close(conn);
	return NULL;
}

bench_result bench_run_threads(unsigned n, void *(*open)(void *arg), bench_call_fn call,
			       void (*close)(void *conn), void *arg)
{
	runner *r = calloc(n, sizeof *r);
	atomic_bool stop = false;
	samples all = {0};
	if (!r)
		bench_die("memory");
	for (unsigned i = 0; i < n; i++) {
		r[i] = (runner){.open = open, .call = call, .close = close, .arg = arg, .stop = &stop};
		if (pthread_create(&r[i].t, NULL, runner_main, &r[i]))
			bench_die("thread");
	}
	double start = bench_now();
	usleep((useconds_t)(bench_seconds * 1e6));
	atomic_store(&stop, true);
	double elapsed = bench_now() - start;
	for (unsigned i = 0; i < n; i++) {
		pthread_join(r[i].t, NULL);
		for (size_t k = 0; k < r[i].s.n; k++)
			sample(&all, r[i].s.v[k]);
		all.calls += r[i].s.calls - r[i].s.n; /* the calls beyond the samples kept */
		free(r[i].s.v);
	}
	free(r);
	return summarize(&all, elapsed);
}

void bench_keep_best(bench_result *best, bench_result r)
{
	if (r.rate > best->rate)
		*best = r;
}

void bench_json_result(FILE *f, const char *key, bench_result r)
{
	fprintf(f, "\"%s\": {\"calls_per_s\": %.0f, \"p50_us\": %.2f, \"p99_us\": %.2f}", key, r.rate,
		r.p50_us, r.p99_us);
}

void bench_run_cases(bench_case *cases, size_t n, int rounds)
{
	for (int round = 0; round < rounds; round++)
		for (size_t i = 0; i < n; i++)
			bench_keep_best(&cases[i].best, bench_run(cases[i].call, cases[i].ctx));
}

void bench_write_cases(const char *path, const char *benchmark, const bench_case *cases, size_t n,
		       const char *extra)
{
	FILE *f = fopen(path, "w");
	if (!f)
		bench_die(path);
	fprintf(f, "{\n  \"benchmark\": \"%s\",\n  \"seconds\": %.1f", benchmark, bench_seconds);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, ",\n  ");
		bench_json_result(f, cases[i].key, cases[i].best);
	}
	fprintf(f, "%s\n}\n", extra);
	fclose(f);
}
