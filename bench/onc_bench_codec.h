/* Stand-in for `onc gen bench_types.x` output (the header part): the C types and codec
 * prototypes for bench_types.x. It will be replaced by the stub compiler's output once that
 * exists; until then it is written by hand in the style the generated code will have (names
 * too: <type>_encode/_decode, and <name>_len/<name>_val for variable-length arrays, so
 * bench_onc.c works unchanged with the generated header). */
#ifndef ONC_BENCH_CODEC_H
#define ONC_BENCH_CODEC_H

#include <stdint.h>

#include "onc/xdr.h"

#define BENCH_NAME_MAX 32

typedef struct bench_item {
	int32_t id;
	uint32_t flags;
	int64_t stamp;
	char *name;
} bench_item;

typedef struct {
	uint32_t bench_ints_len;
	int32_t *bench_ints_val;
} bench_ints;

typedef struct {
	uint32_t bench_items_len;
	bench_item *bench_items_val;
} bench_items;

onc_status bench_item_encode(onc_xdr_enc *e, const bench_item *v);
onc_status bench_item_decode(onc_xdr_dec *d, bench_item *v);
onc_status bench_ints_encode(onc_xdr_enc *e, const bench_ints *v);
onc_status bench_ints_decode(onc_xdr_dec *d, bench_ints *v);
onc_status bench_items_encode(onc_xdr_enc *e, const bench_items *v);
onc_status bench_items_decode(onc_xdr_dec *d, bench_items *v);

#endif
