/* One contestant of the XDR benchmark: onc, libtirpc (rpcgen code), or memcpy as the ceiling.
 * Each side keeps its own C representation of the same input, encodes into a buffer it
 * reuses, and decodes and releases the result the way a program using it would. */
#ifndef BENCH_SIDE_H
#define BENCH_SIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The values every side encodes, built once. */
typedef struct bench_row {
	int32_t id;
	uint32_t flags;
	int64_t stamp;
	char *name; /* at most 32 bytes */
} bench_row;

/* One struct-heavy message (bench_types.x's bench_message) as plain C. */
#define BENCH_POINTS 8
#define BENCH_SAMPLES 16
#define BENCH_EVENTS 4
typedef struct bench_msg_row {
	uint32_t seq;
	char *sender;
	double sent;
	char *subject;
	int32_t points[BENCH_POINTS][2];
	int32_t samples[BENCH_SAMPLES];
	char *labels[BENCH_EVENTS];
	int64_t values[BENCH_EVENTS];
} bench_msg_row;

typedef struct bench_input {
	uint32_t nints;
	int32_t *ints;
	uint32_t nitems;
	bench_row *items;
	uint32_t nmsgs;
	bench_msg_row *msgs;
} bench_input;

typedef enum bench_set { BENCH_INTS, BENCH_ITEMS, BENCH_MESSAGES, BENCH_SETS } bench_set;

typedef struct bench_side {
	const char *name;
	void (*setup)(const bench_input *in);
	void (*teardown)(void);
	/* Encodes the input set into the side's buffer; NULL on failure. */
	const uint8_t *(*encode)(bench_set set, size_t *len);
	/* Decodes p[0..len) and releases the result; with check, also compares it with the input
	 * first. False on any error or difference. */
	bool (*decode)(bench_set set, const uint8_t *p, size_t len, const bench_input *check);
} bench_side;

extern const bench_side bench_onc;
extern const bench_side bench_tirpc;

#endif
