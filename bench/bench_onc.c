/* The onc side: the codec `onc gen bench_types.x` writes, with an encode buffer reused across
 * iterations and decoded data in an arena freed in one step. */
#include <stdlib.h>

#include "bench_side.h"
#include "bench_types.h"
#include "bench_values.h"

static bench_ints ints;
static bench_items items;
static bench_messages msgs;
static onc_xdr_enc enc;

static void setup(const bench_input *in)
{
	ints.bench_ints_len = in->nints;
	ints.bench_ints_val = in->ints;
	items.bench_items_len = in->nitems;
	items.bench_items_val = calloc(in->nitems, sizeof *items.bench_items_val);
	for (uint32_t i = 0; i < in->nitems; i++) {
		const bench_row *r = &in->items[i];
		items.bench_items_val[i] = (bench_item){r->id, r->flags, r->stamp, r->name};
	}
	msgs = bench_messages_build(in);
	onc_xdr_enc_init(&enc);
}

static void teardown(void)
{
	free(items.bench_items_val);
	bench_messages_release(&msgs);
	onc_xdr_enc_free(&enc);
}

static const uint8_t *encode(bench_set set, size_t *len)
{
	onc_status s;
	onc_xdr_enc_reset(&enc);
	s = set == BENCH_INTS    ? bench_ints_encode(&enc, &ints)
	    : set == BENCH_ITEMS ? bench_items_encode(&enc, &items)
				 : bench_messages_encode(&enc, &msgs);
	*len = onc_xdr_enc_len(&enc);
	return s == ONC_OK ? onc_xdr_enc_data(&enc) : NULL;
}

static bool same_ints(const bench_ints *v, const bench_input *in)
{
	return v->bench_ints_len == in->nints &&
	       memcmp(v->bench_ints_val, in->ints, in->nints * sizeof *in->ints) == 0;
}

static bool decode(bench_set set, const uint8_t *p, size_t len, const bench_input *check)
{
	onc_arena arena;
	onc_xdr_dec d;
	bool ok;

	onc_arena_init(&arena, 0);
	onc_xdr_dec_init(&d, p, len, &arena);
	if (set == BENCH_INTS) {
		bench_ints v;
		ok = bench_ints_decode(&d, &v) == ONC_OK && (!check || same_ints(&v, check));
	} else if (set == BENCH_ITEMS) {
		bench_items v;
		ok = bench_items_decode(&d, &v) == ONC_OK && (!check || bench_items_same(&v, check));
	} else {
		bench_messages v;
		ok = bench_messages_decode(&d, &v) == ONC_OK &&
		     (!check || bench_messages_same(&v, check));
	}
	ok = ok && onc_xdr_dec_finish(&d) == ONC_OK;
	onc_arena_free(&arena);
	return ok;
}

const bench_side bench_onc = {"onc", setup, teardown, encode, decode};
