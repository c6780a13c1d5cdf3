/* The XDR primitives: decodes a sequence of primitives chosen by the input, then encodes each
 * value again and checks that the bytes round-trip (padding aside unless it was checked).
 *
 * Input: flags (bit 0 strict padding, bits 1-2 the arena: none/small limit/no limit/tiny,
 * bit 3 a small fixed encode buffer), an arena limit byte, a buffer size byte, the number of
 * operations and one byte per operation (low 4 bits: which primitive, high 3 bits: its
 * maximum or size), then the XDR data. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define MAX_OPS 32

enum op {
	OP_U32, OP_U64, OP_I32, OP_BOOL, OP_ENUM, OP_FLOAT, OP_DOUBLE, OP_QUAD, OP_OPAQUE_FIXED,
	OP_OPAQUE_REF, OP_OPAQUE, OP_STRING, OP_U32_ARRAY, OP_U64_ARRAY, OP_SKIP_PAD, OP_ARRAY_LEN,
};

static const uint32_t maxima[8] = {0, 1, 3, 4, 16, 255, 1024, UINT32_MAX};
static const size_t fixed_sizes[8] = {0, 1, 2, 3, 4, 5, 7, 16};

typedef struct state {
	onc_xdr_dec d;
	onc_xdr_enc e;
	bool enc_ok;    /* every re-encoding so far fitted the encode buffer */
	bool limited;   /* the arena may refuse allocations */
} state;

/* The wire bytes [from, to) with their padding as the encoder writes it (zero): padding at
 * the given offsets is zeroed unless the decoder already insisted it was zero. */
static void check_reencoded(state *s, const uint8_t *from, const uint8_t *to, size_t enc_before,
			    size_t pad_at, size_t pad)
{
	size_t n = (size_t)(to - from);
	if (!s->enc_ok)
		return;
	FUZZ_CHECK(onc_xdr_enc_len(&s->e) - enc_before == n);
	if (!n)
		return; /* the encoder may not have a buffer yet */
	const uint8_t *got = onc_xdr_enc_data(&s->e) + enc_before;
	for (size_t i = 0; i < n; i++) {
		bool is_pad = i >= pad_at && i < pad_at + pad;
		FUZZ_CHECK(got[i] == (is_pad ? 0 : from[i]));
	}
}

static bool allowed_failure(const state *s, enum op op, onc_status st)
{
	bool allocates = op == OP_OPAQUE || op == OP_STRING || op == OP_U32_ARRAY ||
			 op == OP_U64_ARRAY;
	bool variable = op >= OP_OPAQUE_REF && op <= OP_U64_ARRAY;
	bool padded = op == OP_QUAD || op == OP_OPAQUE_FIXED || variable || op == OP_SKIP_PAD;
	switch (st) {
	case ONC_ERR_TRUNCATED:
		return true;
	case ONC_ERR_TOO_LONG:
		return variable || op == OP_ARRAY_LEN;
	case ONC_ERR_BAD_PADDING:
		return padded && (s->d.flags & ONC_XDR_STRICT_PADDING);
	case ONC_ERR_BAD_VALUE:
		return op == OP_BOOL || op == OP_STRING; /* not 0/1; a NUL inside a string */
	case ONC_ERR_NOMEM:
		return allocates && s->limited;
	default:
		return false;
	}
}

static void release(state *s, void *p)
{
	if (!s->d.arena)
		free(p);
}

/* Decodes one primitive and re-encodes it; the decoder's status. */
static onc_status step(state *s, uint8_t opbyte)
{
	enum op op = (enum op)(opbyte & 15);
	uint32_t max = maxima[opbyte >> 4 & 7];
	const uint8_t *from = s->d.p;
	size_t before = onc_xdr_enc_len(&s->e), pad = 0, pad_at = 0;
	onc_status st = ONC_OK, est = ONC_OK;
	uint32_t u32, n = 0;
	uint64_t u64;
	bool b;
	float f;
	double dbl;
	onc_quad q;
	uint8_t fixed[16];
	const uint8_t *ref;
	uint8_t *bytes = NULL;
	char *str = NULL;
	void *arr = NULL;

	switch (op) {
	case OP_U32:
	case OP_I32:
	case OP_ENUM:
		st = op == OP_U32 ? onc_xdr_get_u32(&s->d, &u32)
		     : op == OP_I32 ? onc_xdr_get_i32(&s->d, (int32_t *)&u32)
				    : onc_xdr_get_enum(&s->d, (int32_t *)&u32);
		if (!st)
			est = onc_xdr_put_u32(&s->e, u32);
		break;
	case OP_U64:
		if (!(st = onc_xdr_get_u64(&s->d, &u64)))
			est = onc_xdr_put_u64(&s->e, u64);
		break;
	case OP_BOOL:
		if (!(st = onc_xdr_get_bool(&s->d, &b)))
			est = onc_xdr_put_bool(&s->e, b);
		break;
	case OP_FLOAT:
		if (!(st = onc_xdr_get_float(&s->d, &f)))
			est = onc_xdr_put_float(&s->e, f);
		break;
	case OP_DOUBLE:
		if (!(st = onc_xdr_get_double(&s->d, &dbl)))
			est = onc_xdr_put_double(&s->e, dbl);
		break;
	case OP_QUAD:
		if (!(st = onc_xdr_get_quad(&s->d, &q)))
			est = onc_xdr_put_quad(&s->e, &q);
		break;
	case OP_OPAQUE_FIXED:
		n = (uint32_t)fixed_sizes[opbyte >> 4 & 7];
		pad_at = n;
		pad = onc_xdr_pad(n);
		if (!(st = onc_xdr_get_opaque_fixed(&s->d, fixed, n)))
			est = onc_xdr_put_opaque_fixed(&s->e, fixed, n);
		break;
	case OP_OPAQUE_REF:
		if (!(st = onc_xdr_get_opaque_ref(&s->d, &ref, &n, max))) {
			FUZZ_CHECK(n <= max && ref == from + 4);
			est = onc_xdr_put_opaque(&s->e, ref, n, max);
		}
		break;
	case OP_OPAQUE:
		if (!(st = onc_xdr_get_opaque(&s->d, &bytes, &n, max))) {
			FUZZ_CHECK(n <= max && (!n || memcmp(bytes, from + 4, n) == 0));
			est = onc_xdr_put_opaque(&s->e, bytes, n, max);
		}
		break;
	case OP_STRING:
		if (!(st = onc_xdr_get_string(&s->d, &str, max))) {
			memcpy(&u32, from, 4);
			n = onc_be32(u32);
			FUZZ_CHECK(n <= max && str[n] == 0 && strlen(str) <= n);
			FUZZ_CHECK(!n || memcmp(str, from + 4, n) == 0);
			/* A string with a NUL inside does not round-trip through put_string. */
			est = strlen(str) == n ? onc_xdr_put_string(&s->e, str, max)
					       : onc_xdr_put_opaque(&s->e, str, n, max);
		}
		break;
	case OP_U32_ARRAY:
	case OP_U64_ARRAY: {
		size_t size = op == OP_U32_ARRAY ? 4 : 8;
		if ((st = onc_xdr_get_array_len(&s->d, &n, max, size)))
			break;
		arr = onc_xdr_dec_alloc(&s->d, n, size);
		if (!arr) {
			st = ONC_ERR_NOMEM;
			break;
		}
		st = size == 4 ? onc_xdr_get_u32_array(&s->d, arr, n)
			       : onc_xdr_get_u64_array(&s->d, arr, n);
		FUZZ_CHECK(st == ONC_OK); /* the count was checked against what is left */
		est = onc_xdr_put_array_len(&s->e, n, max);
		if (!est)
			est = size == 4 ? onc_xdr_put_u32_array(&s->e, arr, n)
					: onc_xdr_put_u64_array(&s->e, arr, n);
		break;
	}
	case OP_SKIP_PAD:
		n = opbyte >> 4 & 7;
		pad = onc_xdr_pad(n);
		if (!(st = onc_xdr_skip_pad(&s->d, n)))
			est = onc_xdr_enc_reserve(&s->e, pad);
		if (!st && !est && pad) {
			memset(s->e.p, 0, pad);
			s->e.p += pad;
		}
		break;
	case OP_ARRAY_LEN:
		/* A count with no element size: only the maximum limits it. */
		if (!(st = onc_xdr_get_array_len(&s->d, &n, max, 0)))
			est = onc_xdr_put_array_len(&s->e, n, max);
		break;
	}

	FUZZ_CHECK(s->d.p >= from && s->d.p <= s->d.end);
	if (st != ONC_OK) {
		FUZZ_CHECK(allowed_failure(s, op, st));
	} else {
		if (op >= OP_OPAQUE_REF && op <= OP_STRING) {
			pad_at = 4 + (size_t)n;
			pad = onc_xdr_pad(n);
		}
		FUZZ_CHECK(est == ONC_OK || est == ONC_ERR_BUFFER_FULL);
		s->enc_ok = s->enc_ok && est == ONC_OK;
		if (s->d.flags & ONC_XDR_STRICT_PADDING)
			pad = 0; /* checked zero: compare it too */
		check_reencoded(s, from, s->d.p, before, pad_at, pad);
	}
	release(s, bytes);
	release(s, str);
	release(s, arr);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t tiny_limit = 64;
	fuzz_in in = {data, size};
	uint8_t flags = fuzz_u8(&in);
	size_t limit = ((size_t)fuzz_u8(&in) + 1) * 64;
	size_t cap = fuzz_u8(&in);
	size_t nops = fuzz_u8(&in) % (MAX_OPS + 1), got;
	const uint8_t *ops = fuzz_take(&in, nops, &got);
	uint8_t fixed_buf[256];
	onc_arena arena;
	state s = {.enc_ok = true};

	nops = got;
	switch (flags >> 1 & 3) {
	case 1:
		onc_arena_init(&arena, limit);
		break;
	case 3:
		onc_arena_init(&arena, tiny_limit);
		break;
	default:
		onc_arena_init(&arena, 0);
		break;
	}
	s.limited = (flags >> 1 & 3) % 2 == 1;
	onc_xdr_dec_init(&s.d, in.p, in.n, (flags >> 1 & 3) ? &arena : NULL);
	if (flags & 1)
		s.d.flags = ONC_XDR_STRICT_PADDING;
	if (flags & 8)
		onc_xdr_enc_init_fixed(&s.e, fixed_buf, cap);
	else
		onc_xdr_enc_init(&s.e);

	for (size_t i = 0; i < nops; i++)
		if (step(&s, ops[i]) != ONC_OK)
			break;

	FUZZ_CHECK(!arena.limit || arena.used <= arena.limit);
	onc_arena_free(&arena);
	onc_xdr_enc_free(&s.e);
	return 0;
}
