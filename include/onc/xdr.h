/* onc — XDR (RFC 4506): arenas, encoder, decoder, record marking (RFC 5531 §11).
 *
 * The primitives are inline and work on one contiguous buffer: generated code calls them
 * directly, checks space once for fixed-size runs, and uses the bulk array functions for
 * arrays of 4- and 8-byte scalars.
 */
#ifndef ONC_XDR_H
#define ONC_XDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "onc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Arena: decoded data is allocated here and freed in one step.
 */

typedef struct onc_arena_chunk onc_arena_chunk;

typedef struct onc_arena {
	uint8_t *p;             /* next free byte in the current chunk */
	uint8_t *end;           /* end of the current chunk */
	onc_arena_chunk *chunks; /* all chunks, newest first */
	size_t used;            /* bytes handed out plus chunk overhead, for the limit */
	size_t limit;           /* most bytes the arena may hold; 0 = no limit */
} onc_arena;

/* limit: the most memory the arena may take (0 for no limit). */
ONC_API void onc_arena_init(onc_arena *a, size_t limit);
/* Frees everything the arena holds; the arena can be used again afterwards. */
ONC_API void onc_arena_free(onc_arena *a);
/* Forgets every allocation but keeps one chunk of memory for the next use: for an arena
 * that serves one call after another. */
ONC_API void onc_arena_reset(onc_arena *a);
/* Out-of-line path of onc_arena_alloc: adds a chunk. */
ONC_API void *onc_arena_alloc_slow(onc_arena *a, size_t n);

/* n bytes, 8-byte aligned, uninitialised; NULL when out of memory or over the limit. */
static inline void *onc_arena_alloc(onc_arena *a, size_t n)
{
	size_t rounded = (n + 7u) & ~(size_t)7u;
	if (a->p && rounded >= n && (size_t)(a->end - a->p) >= rounded) {
		void *r = a->p;
		a->p += rounded;
		return r;
	}
	return onc_arena_alloc_slow(a, n);
}

/* ---------------------------------------------------------------------------------------------
 * Byte order
 */

static inline uint32_t onc_be32(uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v;
#else
	return __builtin_bswap32(v);
#endif
}

static inline uint64_t onc_be64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v;
#else
	return __builtin_bswap64(v);
#endif
}

/* Bytes of padding after n bytes of opaque data. */
static inline size_t onc_xdr_pad(size_t n)
{
	return (4u - (n & 3u)) & 3u;
}

/* n rounded up to a multiple of 4. */
static inline size_t onc_xdr_round(size_t n)
{
	return n + onc_xdr_pad(n);
}

/* quadruple: IEEE 754 binary128, kept as its 16 bytes in network order. */
typedef struct onc_quad {
	uint8_t bytes[16];
} onc_quad;

/* ---------------------------------------------------------------------------------------------
 * Encoder: into a growable heap buffer or into a caller's fixed buffer.
 */

typedef struct onc_xdr_enc {
	uint8_t *base; /* start of the buffer */
	uint8_t *p;    /* write cursor */
	uint8_t *end;  /* end of capacity */
	bool fixed;    /* caller's buffer: never grown, never freed */
} onc_xdr_enc;

/* A growable buffer, initially empty (no allocation until the first write). */
ONC_API void onc_xdr_enc_init(onc_xdr_enc *e);
/* Encode into buf[0..cap); writes past cap fail with ONC_ERR_BUFFER_FULL. */
ONC_API void onc_xdr_enc_init_fixed(onc_xdr_enc *e, void *buf, size_t cap);
/* Frees a growable buffer; harmless on a fixed one. */
ONC_API void onc_xdr_enc_free(onc_xdr_enc *e);
/* Makes room for n more bytes: grows a growable buffer, fails on a full fixed one. */
ONC_API onc_status onc_xdr_enc_grow(onc_xdr_enc *e, size_t n);

static inline size_t onc_xdr_enc_len(const onc_xdr_enc *e)
{
	return (size_t)(e->p - e->base);
}

static inline const uint8_t *onc_xdr_enc_data(const onc_xdr_enc *e)
{
	return e->base;
}

/* Empties the buffer, keeping its capacity. */
static inline void onc_xdr_enc_reset(onc_xdr_enc *e)
{
	e->p = e->base;
}

/* Makes sure n bytes can be written with the _unchecked functions. */
static inline onc_status onc_xdr_enc_reserve(onc_xdr_enc *e, size_t n)
{
	if ((size_t)(e->end - e->p) >= n)
		return ONC_OK;
	return onc_xdr_enc_grow(e, n);
}

static inline void onc_xdr_put_u32_unchecked(onc_xdr_enc *e, uint32_t v)
{
	v = onc_be32(v);
	memcpy(e->p, &v, 4);
	e->p += 4;
}

static inline void onc_xdr_put_u64_unchecked(onc_xdr_enc *e, uint64_t v)
{
	v = onc_be64(v);
	memcpy(e->p, &v, 8);
	e->p += 8;
}

static inline onc_status onc_xdr_put_u32(onc_xdr_enc *e, uint32_t v)
{
	onc_status s = onc_xdr_enc_reserve(e, 4);
	if (s == ONC_OK)
		onc_xdr_put_u32_unchecked(e, v);
	return s;
}

static inline onc_status onc_xdr_put_u64(onc_xdr_enc *e, uint64_t v)
{
	onc_status s = onc_xdr_enc_reserve(e, 8);
	if (s == ONC_OK)
		onc_xdr_put_u64_unchecked(e, v);
	return s;
}

static inline onc_status onc_xdr_put_i32(onc_xdr_enc *e, int32_t v)
{
	return onc_xdr_put_u32(e, (uint32_t)v);
}

static inline onc_status onc_xdr_put_i64(onc_xdr_enc *e, int64_t v)
{
	return onc_xdr_put_u64(e, (uint64_t)v);
}

static inline onc_status onc_xdr_put_enum(onc_xdr_enc *e, int32_t v)
{
	return onc_xdr_put_u32(e, (uint32_t)v);
}

static inline onc_status onc_xdr_put_bool(onc_xdr_enc *e, bool v)
{
	return onc_xdr_put_u32(e, v ? 1u : 0u);
}

static inline onc_status onc_xdr_put_float(onc_xdr_enc *e, float v)
{
	uint32_t bits;
	memcpy(&bits, &v, 4);
	return onc_xdr_put_u32(e, bits);
}

static inline onc_status onc_xdr_put_double(onc_xdr_enc *e, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, 8);
	return onc_xdr_put_u64(e, bits);
}

/* n bytes followed by zero padding to a multiple of four. */
static inline onc_status onc_xdr_put_opaque_fixed(onc_xdr_enc *e, const void *data, size_t n)
{
	size_t padded = onc_xdr_round(n);
	onc_status s;
	if (padded < n)
		return ONC_ERR_TOO_LONG;
	s = onc_xdr_enc_reserve(e, padded);
	if (s != ONC_OK)
		return s;
	if (padded == 0)
		return ONC_OK; /* an empty growable buffer has no storage yet: e->p is NULL */
	/* Zero the last word first, then copy: a fixed-size store instead of a padding loop. */
	uint32_t zero = 0;
	memcpy(e->p + padded - 4, &zero, 4);
	memcpy(e->p, data, n);
	e->p += padded;
	return ONC_OK;
}

static inline onc_status onc_xdr_put_quad(onc_xdr_enc *e, const onc_quad *v)
{
	return onc_xdr_put_opaque_fixed(e, v->bytes, 16);
}

/* Variable-length opaque: length, bytes, padding; n > max gives ONC_ERR_TOO_LONG. */
static inline onc_status onc_xdr_put_opaque(onc_xdr_enc *e, const void *data, size_t n,
					    uint32_t max)
{
	onc_status s;
	if (n > max)
		return ONC_ERR_TOO_LONG;
	s = onc_xdr_put_u32(e, (uint32_t)n);
	if (s != ONC_OK)
		return s;
	return onc_xdr_put_opaque_fixed(e, data, n);
}

/* A NUL-terminated string (NULL is encoded as the empty string). */
static inline onc_status onc_xdr_put_string(onc_xdr_enc *e, const char *str, uint32_t max)
{
	return onc_xdr_put_opaque(e, str, str ? strlen(str) : 0, max);
}

/* The count of a variable-length array, checked against its maximum. */
static inline onc_status onc_xdr_put_array_len(onc_xdr_enc *e, size_t n, uint32_t max)
{
	if (n > max)
		return ONC_ERR_TOO_LONG;
	return onc_xdr_put_u32(e, (uint32_t)n);
}

/* Bulk: n 4-byte (or 8-byte) scalars in one pass (int, unsigned, enum, bool, float / hyper,
 * double); signed and float arrays are passed through a cast, the bits are the same. */
ONC_API onc_status onc_xdr_put_u32_array(onc_xdr_enc *e, const uint32_t *v, size_t n);
ONC_API onc_status onc_xdr_put_u64_array(onc_xdr_enc *e, const uint64_t *v, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Decoder: a cursor over a contiguous buffer; never reads past its end.
 */

enum {
	ONC_XDR_STRICT_PADDING = 1u << 0, /* padding bytes must be zero */
	/* onc_xdr_dec_finish() lets bytes after the data be: arguments taken as rpcgen's
	 * servers take them (libonc's rpcbind, as rpcbind does) */
	ONC_XDR_ALLOW_TRAILING = 1u << 1,
};

typedef struct onc_xdr_dec {
	const uint8_t *p;   /* read cursor */
	const uint8_t *end; /* end of input */
	onc_arena *arena;   /* where strings, opaques, arrays and optional data go;
			     * NULL: they are malloc'd, and the caller frees each one */
	unsigned flags;     /* ONC_XDR_STRICT_PADDING, ONC_XDR_ALLOW_TRAILING */
	unsigned depth;     /* remaining nesting allowance for recursive types */
} onc_xdr_dec;

/* Default depth allowance for nested (recursive) types. */
#define ONC_XDR_DEFAULT_DEPTH 1024u

static inline void onc_xdr_dec_init(onc_xdr_dec *d, const void *data, size_t len, onc_arena *arena)
{
	/* An empty input may come as NULL; a real address keeps the cursor arithmetic (p + 0)
	 * defined behaviour. */
	d->p = data ? (const uint8_t *)data : (const uint8_t *)"";
	d->end = d->p + len;
	d->arena = arena;
	d->flags = 0;
	d->depth = ONC_XDR_DEFAULT_DEPTH;
}

static inline size_t onc_xdr_dec_left(const onc_xdr_dec *d)
{
	return (size_t)(d->end - d->p);
}

/* ONC_OK when at least n bytes are left, so that n bytes may be read _unchecked. */
static inline onc_status onc_xdr_dec_need(const onc_xdr_dec *d, size_t n)
{
	return onc_xdr_dec_left(d) >= n ? ONC_OK : ONC_ERR_TRUNCATED;
}

/* ONC_OK when the whole input was consumed (or what is left may be: ONC_XDR_ALLOW_TRAILING). */
static inline onc_status onc_xdr_dec_finish(const onc_xdr_dec *d)
{
	return d->p == d->end || (d->flags & ONC_XDR_ALLOW_TRAILING) ? ONC_OK
								      : ONC_ERR_TRAILING_DATA;
}

static inline uint32_t onc_xdr_get_u32_unchecked(onc_xdr_dec *d)
{
	uint32_t v;
	memcpy(&v, d->p, 4);
	d->p += 4;
	return onc_be32(v);
}

static inline uint64_t onc_xdr_get_u64_unchecked(onc_xdr_dec *d)
{
	uint64_t v;
	memcpy(&v, d->p, 8);
	d->p += 8;
	return onc_be64(v);
}

static inline onc_status onc_xdr_get_u32(onc_xdr_dec *d, uint32_t *v)
{
	if (onc_xdr_dec_left(d) < 4)
		return ONC_ERR_TRUNCATED;
	*v = onc_xdr_get_u32_unchecked(d);
	return ONC_OK;
}

static inline onc_status onc_xdr_get_u64(onc_xdr_dec *d, uint64_t *v)
{
	if (onc_xdr_dec_left(d) < 8)
		return ONC_ERR_TRUNCATED;
	*v = onc_xdr_get_u64_unchecked(d);
	return ONC_OK;
}

static inline onc_status onc_xdr_get_i32(onc_xdr_dec *d, int32_t *v)
{
	return onc_xdr_get_u32(d, (uint32_t *)v);
}

static inline onc_status onc_xdr_get_i64(onc_xdr_dec *d, int64_t *v)
{
	return onc_xdr_get_u64(d, (uint64_t *)v);
}

/* Reads the enum's integer; checking it against the declared values is the caller's job. */
static inline onc_status onc_xdr_get_enum(onc_xdr_dec *d, int32_t *v)
{
	return onc_xdr_get_i32(d, v);
}

/* Only 0 and 1 are booleans; anything else is ONC_ERR_BAD_VALUE. */
static inline onc_status onc_xdr_get_bool(onc_xdr_dec *d, bool *v)
{
	uint32_t raw;
	onc_status s = onc_xdr_get_u32(d, &raw);
	if (s != ONC_OK)
		return s;
	if (raw > 1)
		return ONC_ERR_BAD_VALUE;
	*v = raw == 1;
	return ONC_OK;
}

static inline onc_status onc_xdr_get_float(onc_xdr_dec *d, float *v)
{
	uint32_t bits;
	onc_status s = onc_xdr_get_u32(d, &bits);
	if (s == ONC_OK)
		memcpy(v, &bits, 4);
	return s;
}

static inline onc_status onc_xdr_get_double(onc_xdr_dec *d, double *v)
{
	uint64_t bits;
	onc_status s = onc_xdr_get_u64(d, &bits);
	if (s == ONC_OK)
		memcpy(v, &bits, 8);
	return s;
}

/* Skips the padding after n bytes of opaque data (checked when STRICT_PADDING is set). */
static inline onc_status onc_xdr_skip_pad(onc_xdr_dec *d, size_t n)
{
	size_t pad = onc_xdr_pad(n);
	if (onc_xdr_dec_left(d) < pad)
		return ONC_ERR_TRUNCATED;
	if (d->flags & ONC_XDR_STRICT_PADDING) {
		for (size_t i = 0; i < pad; i++)
			if (d->p[i] != 0)
				return ONC_ERR_BAD_PADDING;
	}
	d->p += pad;
	return ONC_OK;
}

/* n bytes into out (plus padding skipped). */
static inline onc_status onc_xdr_get_opaque_fixed(onc_xdr_dec *d, void *out, size_t n)
{
	if (onc_xdr_dec_left(d) < n)
		return ONC_ERR_TRUNCATED;
	if (n)
		memcpy(out, d->p, n);
	d->p += n;
	return onc_xdr_skip_pad(d, n);
}

static inline onc_status onc_xdr_get_quad(onc_xdr_dec *d, onc_quad *v)
{
	return onc_xdr_get_opaque_fixed(d, v->bytes, 16);
}

/* Variable-length opaque, pointing into the input buffer (no copy); valid while it is. */
ONC_API onc_status onc_xdr_get_opaque_ref(onc_xdr_dec *d, const uint8_t **data, uint32_t *len,
					  uint32_t max);
/* Variable-length opaque copied into the arena (or a malloc'd block, see onc_xdr_dec). */
ONC_API onc_status onc_xdr_get_opaque(onc_xdr_dec *d, uint8_t **data, uint32_t *len, uint32_t max);
/* A string copied into the arena (or a malloc'd block) and NUL-terminated; one with a NUL
 * byte inside is ONC_ERR_BAD_VALUE (as a C string it would be cut short). */
ONC_API onc_status onc_xdr_get_string(onc_xdr_dec *d, char **str, uint32_t max);

/* The count of a variable-length array: fails with ONC_ERR_TOO_LONG above max, and with
 * ONC_ERR_TRUNCATED when n elements of at least min_elem_size bytes cannot fit in what is
 * left, so nothing is ever allocated for a count the input cannot back. */
static inline onc_status onc_xdr_get_array_len(onc_xdr_dec *d, uint32_t *n, uint32_t max,
					       size_t min_elem_size)
{
	uint32_t count;
	onc_status s = onc_xdr_get_u32(d, &count);
	if (s != ONC_OK)
		return s;
	if (count > max)
		return ONC_ERR_TOO_LONG;
	if (min_elem_size && count > onc_xdr_dec_left(d) / min_elem_size)
		return ONC_ERR_TRUNCATED;
	*n = count;
	return ONC_OK;
}

/* Allocates n * size bytes (uninitialised) from the decoder's arena, or with malloc when it has
 * none; NULL on overflow or when out of memory. n == 0 gives a valid pointer. */
ONC_API void *onc_xdr_dec_alloc(onc_xdr_dec *d, size_t n, size_t size);

/* Bulk decode of n scalars into caller storage. */
ONC_API onc_status onc_xdr_get_u32_array(onc_xdr_dec *d, uint32_t *out, size_t n);
ONC_API onc_status onc_xdr_get_u64_array(onc_xdr_dec *d, uint64_t *out, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Record marking (RFC 5531 §11): a record is one or more fragments, each behind a 4-byte
 * header whose top bit marks the last fragment and whose low 31 bits give its length.
 */

#define ONC_RM_LAST_FRAG 0x80000000u
#define ONC_RM_MAX_FRAG 0x7fffffffu
/* The default limit on a record: 4 MiB, room for an NFS READ or WRITE of 1 MiB with its
 * headers (1 MiB was one header too small) and for large listings (a YPPROC_ALL of tens of
 * thousands of entries, an rpcbind DUMP of a full table). A record's memory is taken as its
 * bytes arrive, not when its header claims them, so the limit costs nothing until used. */
#define ONC_RM_DEFAULT_MAX_RECORD (4u << 20)

/* Encoder side: call onc_rm_begin() before encoding a message (it reserves a fragment
 * header and returns where the record starts), and onc_rm_end() after; onc_rm_end() fills in
 * the header and, when the message is longer than max_frag, splits it into fragments. */
ONC_API onc_status onc_rm_begin(onc_xdr_enc *e, size_t *record_start);
ONC_API onc_status onc_rm_end(onc_xdr_enc *e, size_t record_start, uint32_t max_frag);

/* Reader side: bytes arrive in pieces of any size; complete records come out. */
typedef struct onc_rm_reader {
	uint8_t hdr[4];     /* partial fragment header */
	unsigned hdr_have;  /* bytes of hdr received */
	uint32_t frag_left; /* bytes of the current fragment still to come */
	bool in_frag;       /* a header was read and its fragment is being received */
	bool last;          /* the current fragment is the record's last */
	bool ready;         /* a complete record is in buf */
	uint8_t *buf;       /* the record being assembled */
	size_t len;         /* bytes of it received */
	size_t cap;         /* allocated size of buf */
	size_t max_record;  /* limit on a record's total size */
} onc_rm_reader;

ONC_API void onc_rm_reader_init(onc_rm_reader *r, size_t max_record);
ONC_API void onc_rm_reader_free(onc_rm_reader *r);

/* Consumes bytes until a record is complete or the input is used up; *consumed says how many
 * were taken. When a record is complete, onc_rm_reader_record() returns it, and
 * onc_rm_reader_next() must be called before feeding more. A fragment header that would take
 * the record past max_record fails with ONC_ERR_RECORD_TOO_BIG before any of it is buffered;
 * memory grows only as data actually arrives. After an error the stream is unusable. */
ONC_API onc_status onc_rm_reader_feed(onc_rm_reader *r, const uint8_t *data, size_t len,
				      size_t *consumed);

/* The complete record, or NULL when none is ready. */
static inline const uint8_t *onc_rm_reader_record(const onc_rm_reader *r, size_t *len)
{
	if (!r->ready)
		return NULL;
	*len = r->len;
	return r->buf ? r->buf : (const uint8_t *)"";
}

/* Drops the current record, keeping the buffer for the next one. */
ONC_API void onc_rm_reader_next(onc_rm_reader *r);

#ifdef __cplusplus
}
#endif

#endif
