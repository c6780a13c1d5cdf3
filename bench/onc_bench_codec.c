/* Stand-in for `onc gen bench_types.x` output (the _xdr.c part). It will be replaced by the
 * stub compiler's output; until then it is hand-written exactly the way generated code works:
 * inline primitives on the contiguous buffer, one space check for each fixed-size run of
 * fields followed by _unchecked puts and gets, bulk codecs for arrays of 4-byte scalars,
 * decoded data in the decoder's arena, and no indirect call per element. */
#include "onc_bench_codec.h"

/* id, flags, stamp: one fixed-size run of 16 bytes before the string. */
#define BENCH_ITEM_FIXED 16u
/* The smallest encoding of a bench_item (fixed run + an empty string's length). */
#define BENCH_ITEM_MIN 20u

static inline onc_status item_encode(onc_xdr_enc *e, const bench_item *v)
{
	ONC_TRY(onc_xdr_enc_reserve(e, BENCH_ITEM_FIXED));
	onc_xdr_put_u32_unchecked(e, (uint32_t)v->id);
	onc_xdr_put_u32_unchecked(e, v->flags);
	onc_xdr_put_u64_unchecked(e, (uint64_t)v->stamp);
	return onc_xdr_put_string(e, v->name, BENCH_NAME_MAX);
}

static inline onc_status item_decode(onc_xdr_dec *d, bench_item *v)
{
	ONC_TRY(onc_xdr_dec_need(d, BENCH_ITEM_FIXED));
	v->id = (int32_t)onc_xdr_get_u32_unchecked(d);
	v->flags = onc_xdr_get_u32_unchecked(d);
	v->stamp = (int64_t)onc_xdr_get_u64_unchecked(d);
	return onc_xdr_get_string(d, &v->name, BENCH_NAME_MAX);
}

onc_status bench_item_encode(onc_xdr_enc *e, const bench_item *v)
{
	return item_encode(e, v);
}

onc_status bench_item_decode(onc_xdr_dec *d, bench_item *v)
{
	return item_decode(d, v);
}

onc_status bench_ints_encode(onc_xdr_enc *e, const bench_ints *v)
{
	ONC_TRY(onc_xdr_put_array_len(e, v->bench_ints_len, UINT32_MAX));
	return onc_xdr_put_u32_array(e, (const uint32_t *)v->bench_ints_val, v->bench_ints_len);
}

onc_status bench_ints_decode(onc_xdr_dec *d, bench_ints *v)
{
	ONC_TRY(onc_xdr_get_array_len(d, &v->bench_ints_len, UINT32_MAX, 4));
	v->bench_ints_val = onc_xdr_dec_alloc(d, v->bench_ints_len, sizeof *v->bench_ints_val);
	if (!v->bench_ints_val)
		return ONC_ERR_NOMEM;
	return onc_xdr_get_u32_array(d, (uint32_t *)v->bench_ints_val, v->bench_ints_len);
}

onc_status bench_items_encode(onc_xdr_enc *e, const bench_items *v)
{
	ONC_TRY(onc_xdr_put_array_len(e, v->bench_items_len, UINT32_MAX));
	for (uint32_t i = 0; i < v->bench_items_len; i++)
		ONC_TRY(item_encode(e, &v->bench_items_val[i]));
	return ONC_OK;
}

onc_status bench_items_decode(onc_xdr_dec *d, bench_items *v)
{
	ONC_TRY(onc_xdr_get_array_len(d, &v->bench_items_len, UINT32_MAX, BENCH_ITEM_MIN));
	v->bench_items_val = onc_xdr_dec_alloc(d, v->bench_items_len, sizeof *v->bench_items_val);
	if (!v->bench_items_val)
		return ONC_ERR_NOMEM;
	for (uint32_t i = 0; i < v->bench_items_len; i++)
		ONC_TRY(item_decode(d, &v->bench_items_val[i]));
	return ONC_OK;
}
