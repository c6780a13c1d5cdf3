#include <stdlib.h>

#include "onc/xdr.h"

/* ---- encoder ---- */

void onc_xdr_enc_init(onc_xdr_enc *e)
{
	e->base = e->p = e->end = NULL;
	e->fixed = false;
}

void onc_xdr_enc_init_fixed(onc_xdr_enc *e, void *buf, size_t cap)
{
	e->base = e->p = buf;
	e->end = e->base + cap;
	e->fixed = true;
}

void onc_xdr_enc_free(onc_xdr_enc *e)
{
	if (!e->fixed)
		free(e->base);
	onc_xdr_enc_init(e);
}

onc_status onc_xdr_enc_grow(onc_xdr_enc *e, size_t n)
{
	size_t len = onc_xdr_enc_len(e);
	size_t cap = (size_t)(e->end - e->base);
	size_t want;
	uint8_t *nb;

	if ((size_t)(e->end - e->p) >= n)
		return ONC_OK;
	if (e->fixed)
		return ONC_ERR_BUFFER_FULL;
	if (n > SIZE_MAX / 2 - len)
		return ONC_ERR_NOMEM;
	want = cap ? cap : 256;
	while (want - len < n)
		want *= 2;
	nb = realloc(e->base, want);
	if (!nb)
		return ONC_ERR_NOMEM;
	e->base = nb;
	e->p = nb + len;
	e->end = nb + want;
	return ONC_OK;
}

/* The byte-swapping loops are written so the compiler vectorises them; with GCC on x86-64
 * they are also built for SSSE3 and AVX2 (which have a byte shuffle) and picked at load
 * time. (clang 14 does not emit the resolvers for C.) */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BULK __attribute__((target_clones("avx2", "ssse3", "default")))
#else
#define BULK
#endif

BULK onc_status onc_xdr_put_u32_array(onc_xdr_enc *e, const uint32_t *v, size_t n)
{
	onc_status s;
	if (n == 0)
		return ONC_OK; /* a fresh growable buffer has no storage to point into */
	if (n > SIZE_MAX / 4)
		return ONC_ERR_TOO_LONG;
	s = onc_xdr_enc_reserve(e, n * 4);
	if (s != ONC_OK)
		return s;
	uint8_t *out = e->p;
	for (size_t i = 0; i < n; i++) {
		uint32_t be = onc_be32(v[i]);
		memcpy(out + 4 * i, &be, 4);
	}
	e->p += n * 4;
	return ONC_OK;
}

BULK onc_status onc_xdr_put_u64_array(onc_xdr_enc *e, const uint64_t *v, size_t n)
{
	onc_status s;
	if (n == 0)
		return ONC_OK; /* a fresh growable buffer has no storage to point into */
	if (n > SIZE_MAX / 8)
		return ONC_ERR_TOO_LONG;
	s = onc_xdr_enc_reserve(e, n * 8);
	if (s != ONC_OK)
		return s;
	uint8_t *out = e->p;
	for (size_t i = 0; i < n; i++) {
		uint64_t be = onc_be64(v[i]);
		memcpy(out + 8 * i, &be, 8);
	}
	e->p += n * 8;
	return ONC_OK;
}

/* ---- decoder ---- */

void *onc_xdr_dec_alloc(onc_xdr_dec *d, size_t n, size_t size)
{
	size_t bytes;
	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (d->arena)
		return onc_arena_alloc(d->arena, bytes);
	return malloc(bytes ? bytes : 1);
}

onc_status onc_xdr_get_opaque_ref(onc_xdr_dec *d, const uint8_t **data, uint32_t *len,
				  uint32_t max)
{
	uint32_t n;
	onc_status s = onc_xdr_get_u32(d, &n);
	if (s != ONC_OK)
		return s;
	if (n > max)
		return ONC_ERR_TOO_LONG;
	if (onc_xdr_dec_left(d) < n)
		return ONC_ERR_TRUNCATED;
	*data = d->p;
	*len = n;
	d->p += n;
	return onc_xdr_skip_pad(d, n);
}

onc_status onc_xdr_get_opaque(onc_xdr_dec *d, uint8_t **data, uint32_t *len, uint32_t max)
{
	const uint8_t *src;
	uint32_t n;
	ONC_TRY(onc_xdr_get_opaque_ref(d, &src, &n, max));
	uint8_t *copy = onc_xdr_dec_alloc(d, n, 1);
	if (!copy)
		return ONC_ERR_NOMEM;
	memcpy(copy, src, n);
	*data = copy;
	*len = n;
	return ONC_OK;
}

onc_status onc_xdr_get_string(onc_xdr_dec *d, char **str, uint32_t max)
{
	const uint8_t *src;
	uint32_t n;
	ONC_TRY(onc_xdr_get_opaque_ref(d, &src, &n, max));
	/* A NUL inside would silently cut the C string short (and change its meaning). */
	if (n && memchr(src, 0, n))
		return ONC_ERR_BAD_VALUE;
	char *copy = onc_xdr_dec_alloc(d, (size_t)n + 1, 1);
	if (!copy)
		return ONC_ERR_NOMEM;
	memcpy(copy, src, n);
	copy[n] = 0;
	*str = copy;
	return ONC_OK;
}

BULK onc_status onc_xdr_get_u32_array(onc_xdr_dec *d, uint32_t *out, size_t n)
{
	if (n > onc_xdr_dec_left(d) / 4)
		return ONC_ERR_TRUNCATED;
	const uint8_t *in = d->p;
	for (size_t i = 0; i < n; i++) {
		uint32_t v;
		memcpy(&v, in + 4 * i, 4);
		out[i] = onc_be32(v);
	}
	d->p += n * 4;
	return ONC_OK;
}

BULK onc_status onc_xdr_get_u64_array(onc_xdr_dec *d, uint64_t *out, size_t n)
{
	if (n > onc_xdr_dec_left(d) / 8)
		return ONC_ERR_TRUNCATED;
	const uint8_t *in = d->p;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		memcpy(&v, in + 8 * i, 8);
		out[i] = onc_be64(v);
	}
	d->p += n * 8;
	return ONC_OK;
}
