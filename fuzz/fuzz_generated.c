/* The decoders onc gen writes, for every type of tests/compiler/all_types.x (structs, unions,
 * enums, optional lists, arrays, strings, opaques, every scalar). The first input byte picks
 * the type and the mode (arena or malloc, strict padding or not); the rest is decoded. A value
 * that decodes must encode back to exactly the bytes it was decoded from (with strict padding
 * they are canonical), must decode again from them, and, in malloc mode, must be freed by
 * T_free without a leak (LeakSanitizer watches). */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "common.h"

enum { MAX_VALUE = 4096 };

static void round_trip(const codec *c, const uint8_t *data, size_t n, bool with_arena, bool strict)
{
	_Alignas(16) uint8_t value[MAX_VALUE], again[MAX_VALUE];
	onc_arena arena;
	onc_xdr_dec d;
	onc_xdr_enc e;

	FUZZ_CHECK(c->size <= MAX_VALUE);
	onc_arena_init(&arena, 1u << 20);
	onc_xdr_dec_init(&d, data, n, with_arena ? &arena : NULL);
	if (strict)
		d.flags |= ONC_XDR_STRICT_PADDING;
	memset(value, 0, c->size);
	if (c->decode(&d, value) == ONC_OK) {
		size_t used = (size_t)(d.p - data);
		onc_xdr_enc_init(&e);
		FUZZ_CHECK(c->encode(&e, value) == ONC_OK);
		if (strict) {
			FUZZ_CHECK(onc_xdr_enc_len(&e) == used);
			FUZZ_CHECK(used == 0 || memcmp(onc_xdr_enc_data(&e), data, used) == 0);
		}
		onc_xdr_dec d2;
		onc_xdr_dec_init(&d2, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), NULL);
		memset(again, 0, c->size);
		FUZZ_CHECK(c->decode(&d2, again) == ONC_OK);
		FUZZ_CHECK(onc_xdr_dec_finish(&d2) == ONC_OK);
		if (!with_arena)
			c->free(value);
		c->free(again); /* decoded without an arena */
		onc_xdr_enc_free(&e);
	}
	/* a failed malloc-mode decode has released what it allocated */
	onc_arena_free(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || ncodecs == 0)
		return 0;
	uint8_t pick = data[0];
	const codec *c = &codecs[(pick >> 2) % ncodecs];
	round_trip(c, data + 1, size - 1, pick & 1, pick & 2);
	return 0;
}
