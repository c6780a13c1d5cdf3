/* The libtirpc side: the code `rpcgen -c bench_types.x` generates, driven the way an
 * rpcgen program does: xdrmem over a preallocated buffer to encode; to decode, xdr_bench_*
 * into preallocated arrays (xdr_array reuses them), with xdr_string malloc'ing every name,
 * which xdr_free then releases, as a program must. */
#include <stdlib.h>
#include <string.h>

#include "bench_side.h"
#include "bench_types.h"
#include "bench_values.h"

static bench_ints ints;
static bench_items items;
static bench_messages msgs;
static char *buf;
static u_int buf_cap;
static int *ints_out;        /* reused decode target for the int array */
static bench_item *items_out; /* reused decode target for the struct array */

static void setup(const bench_input *in)
{
	ints.bench_ints_len = in->nints;
	ints.bench_ints_val = in->ints;
	items.bench_items_len = in->nitems;
	items.bench_items_val = calloc(in->nitems, sizeof(bench_item));
	for (uint32_t i = 0; i < in->nitems; i++) {
		const bench_row *r = &in->items[i];
		items.bench_items_val[i] = (bench_item){r->id, r->flags, r->stamp, r->name};
	}
	msgs = bench_messages_build(in);
	/* Large enough for any set: 4 bytes per int, at most 52 per item, at most 448 per
	 * message, plus counts. */
	buf_cap = 4 + 4 * in->nints;
	if (4 + 52 * in->nitems > buf_cap)
		buf_cap = 4 + 52 * in->nitems;
	if (4 + 448 * in->nmsgs > buf_cap)
		buf_cap = 4 + 448 * in->nmsgs;
	buf = malloc(buf_cap);
	ints_out = malloc(in->nints * sizeof *ints_out);
	items_out = calloc(in->nitems, sizeof *items_out);
}

static void teardown(void)
{
	free(items.bench_items_val);
	bench_messages_release(&msgs);
	free(buf);
	free(ints_out);
	free(items_out);
}

static const uint8_t *encode(bench_set set, size_t *len)
{
	XDR x;
	bool_t ok;
	xdrmem_create(&x, buf, buf_cap, XDR_ENCODE);
	ok = set == BENCH_INTS    ? xdr_bench_ints(&x, &ints)
	     : set == BENCH_ITEMS ? xdr_bench_items(&x, &items)
				  : xdr_bench_messages(&x, &msgs);
	*len = xdr_getpos(&x);
	return ok ? (const uint8_t *)buf : NULL;
}

static bool decode(bench_set set, const uint8_t *p, size_t len, const bench_input *check)
{
	XDR x;
	bool ok;

	xdrmem_create(&x, (char *)p, (u_int)len, XDR_DECODE);
	if (set == BENCH_INTS) {
		bench_ints v = {0, ints_out};
		ok = xdr_bench_ints(&x, &v) &&
		     (!check || (v.bench_ints_len == check->nints &&
				 memcmp(v.bench_ints_val, check->ints, len - 4) == 0));
	} else if (set == BENCH_MESSAGES) {
		/* Everything malloc'd by the decoder, released by xdr_free, as a program does. */
		bench_messages v = {0, NULL};
		ok = xdr_bench_messages(&x, &v) && (!check || bench_messages_same(&v, check));
		xdr_free((xdrproc_t)xdr_bench_messages, &v);
	} else {
		bench_items v = {0, items_out};
		ok = xdr_bench_items(&x, &v) && (!check || bench_items_same(&v, check));
		/* Frees each name (what xdr_free(xdr_bench_items) does, minus the reused array). */
		for (u_int i = 0; i < v.bench_items_len; i++)
			xdr_free((xdrproc_t)xdr_bench_item, &items_out[i]);
	}
	return ok && xdr_getpos(&x) == len;
}

const bench_side bench_tirpc = {"libtirpc", setup, teardown, encode, decode};
