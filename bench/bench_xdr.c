/* XDR benchmark: onc vs libtirpc (rpcgen-generated code) vs memcpy of the same bytes.
 *
 *   bench_xdr [--json FILE] [--quick]
 *
 * Three data sets: an array of 1,000,000 ints; a variable-length array of 100,000 structs
 * { int id; unsigned flags; hyper stamp; string name<32>; }; and 10,000 struct-heavy messages
 * (a nested header struct, strings, an array of point structs, an int array and a linked list
 * of 4 events each: bench_types.x). Before anything is timed, onc and
 * libtirpc must encode each set to identical bytes and each must decode those bytes back to
 * the input. Timings are interleaved across the sides and the best of several runs is kept. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_side.h"

#define NINTS 1000000u
#define NITEMS 100000u
#define NMSGS 10000u
#define NAME_MAX_LEN 32u
#define RUNS 7             /* best of */
#define RUN_SECONDS 0.08   /* length of one run */

enum { ONC, TIRPC, MEMCPY, SIDES };
enum { ENCODE, DECODE, DIRS };
static const char *const dir_names[DIRS] = {"encode", "decode"};
static const char *const set_names[BENCH_SETS] = {"int[1000000]", "struct[100000]",
						   "message[10000]"};
static const char *const set_keys[BENCH_SETS] = {"int_array", "struct_array", "messages"};

/* The encoded bytes of each set (identical for onc and libtirpc): what every decoder reads
 * and what memcpy copies. */
static uint8_t *reference[BENCH_SETS];
static size_t reference_len[BENCH_SETS];

/* ---- memcpy of the same bytes: the ceiling ---- */

static uint8_t *copy_dst;

static void memcpy_setup(const bench_input *in)
{
	(void)in;
	size_t cap = 0;
	for (int set = 0; set < BENCH_SETS; set++)
		cap = reference_len[set] > cap ? reference_len[set] : cap;
	copy_dst = malloc(cap);
	if (!copy_dst)
		abort();
	memset(copy_dst, 0, cap); /* fault the pages in before timing */
}

static void memcpy_teardown(void)
{
	free(copy_dst);
}

static const uint8_t *memcpy_encode(bench_set set, size_t *len)
{
	memcpy(copy_dst, reference[set], reference_len[set]);
	*len = reference_len[set];
	return copy_dst;
}

static bool memcpy_decode(bench_set set, const uint8_t *p, size_t len, const bench_input *check)
{
	(void)set;
	(void)check;
	memcpy(copy_dst, p, len);
	return true;
}

static const bench_side bench_memcpy = {"memcpy", memcpy_setup, memcpy_teardown, memcpy_encode,
					memcpy_decode};

static const bench_side *const sides[SIDES] = {&bench_onc, &bench_tirpc, &bench_memcpy};

/* ---- input ---- */

static uint64_t rng = 0x243f6a8885a308d3u; /* fixed: every run encodes the same data */

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "bench_xdr: out of memory\n");
		exit(1);
	}
	return p;
}

/* A lowercase word of up to max letters (at least one). */
static char *word(uint32_t max)
{
	uint32_t n = 1 + rnd() % max;
	char *w = xmalloc(n + 1);
	for (uint32_t k = 0; k < n; k++)
		w[k] = (char)('a' + rnd() % 26);
	w[n] = 0;
	return w;
}

static void make_messages(bench_input *in)
{
	in->nmsgs = NMSGS;
	in->msgs = xmalloc(NMSGS * sizeof *in->msgs);
	for (uint32_t i = 0; i < NMSGS; i++) {
		bench_msg_row *m = &in->msgs[i];
		m->seq = i;
		m->sender = word(16);
		m->sent = (double)rnd() / 1024.0;
		m->subject = word(40);
		for (int k = 0; k < BENCH_POINTS; k++) {
			m->points[k][0] = (int32_t)rnd();
			m->points[k][1] = (int32_t)rnd();
		}
		for (int k = 0; k < BENCH_SAMPLES; k++)
			m->samples[k] = (int32_t)rnd();
		for (int k = 0; k < BENCH_EVENTS; k++) {
			m->labels[k] = word(12);
			m->values[k] = (int64_t)((uint64_t)rnd() << 32 | rnd());
		}
	}
}

static void make_input(bench_input *in)
{
	in->nints = NINTS;
	in->ints = xmalloc(NINTS * sizeof *in->ints);
	in->nitems = NITEMS;
	in->items = xmalloc(NITEMS * sizeof *in->items);
	for (uint32_t i = 0; i < NINTS; i++)
		in->ints[i] = (int32_t)rnd();
	for (uint32_t i = 0; i < NITEMS; i++) {
		bench_row *r = &in->items[i];
		uint32_t n = rnd() % (NAME_MAX_LEN + 1);
		r->id = (int32_t)i;
		r->flags = rnd();
		r->stamp = (int64_t)((uint64_t)rnd() << 32 | rnd());
		r->name = xmalloc(n + 1);
		for (uint32_t k = 0; k < n; k++)
			r->name[k] = (char)('a' + rnd() % 26);
		r->name[n] = 0;
	}
	make_messages(in);
}

static void free_input(bench_input *in)
{
	for (uint32_t i = 0; i < in->nmsgs; i++) {
		free(in->msgs[i].sender);
		free(in->msgs[i].subject);
		for (int k = 0; k < BENCH_EVENTS; k++)
			free(in->msgs[i].labels[k]);
	}
	free(in->msgs);
	for (uint32_t i = 0; i < in->nitems; i++)
		free(in->items[i].name);
	free(in->items);
	free(in->ints);
}

/* onc and libtirpc must agree on every byte, and each must read the bytes back to the input. */
static void cross_check(const bench_input *in)
{
	for (int set = 0; set < BENCH_SETS; set++) {
		size_t onc_len, tirpc_len;
		const uint8_t *onc = bench_onc.encode((bench_set)set, &onc_len);
		reference[set] = onc ? xmalloc(onc_len) : NULL;
		if (onc)
			memcpy(reference[set], onc, onc_len);
		reference_len[set] = onc_len;
		const uint8_t *tirpc = bench_tirpc.encode((bench_set)set, &tirpc_len);
		if (!onc || !tirpc || onc_len != tirpc_len || memcmp(onc, tirpc, onc_len) != 0) {
			fprintf(stderr, "bench_xdr: onc and libtirpc encode %s differently\n",
				set_names[set]);
			exit(1);
		}
		for (int s = ONC; s <= TIRPC; s++) {
			if (!sides[s]->decode((bench_set)set, reference[set], onc_len, in)) {
				fprintf(stderr, "bench_xdr: %s decodes %s wrongly\n", sides[s]->name,
					set_names[set]);
				exit(1);
			}
		}
	}
}

/* ---- timing ---- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_once(const bench_side *s, bench_set set, int dir)
{
	size_t len;
	bool ok = dir == ENCODE ? s->encode(set, &len) != NULL
				: s->decode(set, reference[set], reference_len[set], NULL);
	if (!ok) {
		fprintf(stderr, "bench_xdr: %s %s %s failed\n", s->name, set_names[set],
			dir_names[dir]);
		exit(1);
	}
}

/* Seconds per operation, averaged over reps. */
static double time_reps(const bench_side *s, bench_set set, int dir, unsigned reps)
{
	double t0 = now();
	for (unsigned i = 0; i < reps; i++)
		run_once(s, set, dir);
	return (now() - t0) / reps;
}

/* best[set][dir][side]: the fastest seconds per operation seen. */
static double best[BENCH_SETS][DIRS][SIDES];

static void measure(int runs, double run_seconds)
{
	for (int set = 0; set < BENCH_SETS; set++) {
		for (int dir = 0; dir < DIRS; dir++) {
			unsigned reps[SIDES];
			for (int s = 0; s < SIDES; s++) {
				/* Warm up (page faults, caches, malloc's heap) and size the runs. */
				double t = time_reps(sides[s], (bench_set)set, dir, 1);
				reps[s] = t >= run_seconds ? 1 : (unsigned)(run_seconds / t);
				best[set][dir][s] = t;
			}
			/* Interleaved, so drift in machine load hits every side alike. */
			for (int r = 0; r < runs; r++) {
				for (int s = 0; s < SIDES; s++) {
					double t = time_reps(sides[s], (bench_set)set, dir, reps[s]);
					if (t < best[set][dir][s])
						best[set][dir][s] = t;
				}
			}
		}
	}
}

/* ---- report ---- */

static uint32_t set_items(int set)
{
	return set == BENCH_INTS ? NINTS : set == BENCH_ITEMS ? NITEMS : NMSGS;
}

static double mb_per_s(int set, double seconds)
{
	return (double)reference_len[set] / seconds / 1e6;
}

static void print_row(const char *label, int set, const double t[SIDES])
{
	printf("%-14s %-13s %9.0f %10.3g %9.0f %10.3g %8.2fx %9.0f %7.0f%%\n", set_names[set],
	       label, mb_per_s(set, t[ONC]), set_items(set) / t[ONC], mb_per_s(set, t[TIRPC]),
	       set_items(set) / t[TIRPC], t[TIRPC] / t[ONC], mb_per_s(set, t[MEMCPY]),
	       100.0 * t[MEMCPY] / t[ONC]);
}

static void print_table(void)
{
	printf("%-14s %-13s %9s %10s %9s %10s %9s %9s %8s\n", "data", "operation", "onc MB/s",
	       "items/s", "tirpc MB/s", "items/s", "onc/tirpc", "memcpy MB/s", "of memcpy");
	for (int set = 0; set < BENCH_SETS; set++) {
		double both[SIDES];
		for (int dir = 0; dir < DIRS; dir++)
			print_row(dir_names[dir], set, best[set][dir]);
		for (int s = 0; s < SIDES; s++)
			both[s] = best[set][ENCODE][s] + best[set][DECODE][s];
		print_row("encode+decode", set, both);
	}
}

static void json_side(FILE *f, int set, double seconds, const char *name, const char *end)
{
	fprintf(f, "      \"%s\": {\"seconds\": %.9f, \"mb_per_s\": %.1f, \"items_per_s\": %.0f}%s\n",
		name, seconds, mb_per_s(set, seconds), set_items(set) / seconds, end);
}

static int write_json(const char *path, int runs)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "{\n  \"benchmark\": \"xdr\",\n  \"best_of_runs\": %d,\n  \"cases\": [\n", runs);
	for (int set = 0; set < BENCH_SETS; set++) {
		for (int dir = 0; dir <= DIRS; dir++) {
			double t[SIDES];
			for (int s = 0; s < SIDES; s++)
				t[s] = dir < DIRS ? best[set][dir][s]
						  : best[set][ENCODE][s] + best[set][DECODE][s];
			fprintf(f, "    {\"data\": \"%s\", \"operation\": \"%s\", \"bytes\": %zu, "
				   "\"items\": %u,\n",
				set_keys[set], dir < DIRS ? dir_names[dir] : "encode+decode",
				reference_len[set], set_items(set));
			json_side(f, set, t[ONC], "onc", ",");
			json_side(f, set, t[TIRPC], "libtirpc", ",");
			json_side(f, set, t[MEMCPY], "memcpy", ",");
			fprintf(f, "      \"onc_vs_libtirpc\": %.2f, \"onc_vs_memcpy\": %.3f}%s\n",
				t[TIRPC] / t[ONC], t[MEMCPY] / t[ONC],
				set == BENCH_SETS - 1 && dir == DIRS ? "" : ",");
		}
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f);
}

int main(int argc, char **argv)
{
	const char *json = NULL;
	int runs = RUNS;
	double run_seconds = RUN_SECONDS;
	bench_input in;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
			json = argv[++i];
		} else if (strcmp(argv[i], "--quick") == 0) {
			runs = 2;
			run_seconds = 0.01;
		} else {
			fprintf(stderr, "usage: %s [--json FILE] [--quick]\n", argv[0]);
			return 2;
		}
	}

	make_input(&in);
	bench_onc.setup(&in);
	bench_tirpc.setup(&in);
	cross_check(&in);
	bench_memcpy.setup(&in);

	measure(runs, run_seconds);
	printf("XDR codecs: onc vs libtirpc (rpcgen -c code), best of %d runs; "
	       "onc/tirpc = libtirpc time / onc time\n",
	       runs);
	print_table();
	if (json && write_json(json, runs) != 0)
		return 1;

	for (int s = 0; s < SIDES; s++)
		sides[s]->teardown();
	for (int set = 0; set < BENCH_SETS; set++)
		free(reference[set]);
	free_input(&in);
	return 0;
}
