/* Helpers shared by the cmocka unit tests of the XDR and RPC layers. */
#ifndef ONC_TESTS_UNIT_H
#define ONC_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "onc/rpc.h"
#include "onc/xdr.h"

#define UNIT_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Asserts that status s equals the expected one, naming both in the failure message. */
#define assert_status(s, want) unit_assert_status((s), (want), __FILE__, __LINE__)
void unit_assert_status(onc_status got, onc_status want, const char *file, int line);

/* Asserts that the encoder holds exactly want[0..n). */
void unit_assert_enc_bytes(const onc_xdr_enc *e, const void *want, size_t n);

/* Writes a value into an encoder; arg is the value (test-specific). */
typedef onc_status (*unit_enc_fn)(onc_xdr_enc *e, const void *arg);
/* Reads a value from a decoder and, when that succeeds, asserts it equals arg. */
typedef onc_status (*unit_dec_fn)(onc_xdr_dec *d, const void *arg);

/* Encodes arg into a growable buffer and into a fixed buffer of exactly n bytes (both must give
 * want[0..n)), and into fixed buffers of every smaller size (each must fail with
 * ONC_ERR_BUFFER_FULL). */
void unit_check_encode(unit_enc_fn enc, const void *arg, const void *want, size_t n);

/* Decodes bytes[0..n) (must succeed, consume everything and match arg), then every strict
 * prefix of it from a heap block of exactly that size (each must fail with ONC_ERR_TRUNCATED;
 * ASan catches any read past the end). Decoding uses an arena, with the given decoder flags. */
void unit_check_decode(unit_dec_fn dec, const void *arg, const void *bytes, size_t n,
		       unsigned flags);

/* unit_check_encode, then unit_check_decode of the expected bytes with flags 0 and with
 * ONC_XDR_STRICT_PADDING. */
void unit_check_codec(unit_enc_fn enc, unit_dec_fn dec, const void *arg, const void *want,
		      size_t n);

/* A heap copy of exactly n bytes of data (never NULL; free with free()). */
uint8_t *unit_dup(const void *data, size_t n);

/* Decodes data[0..n) from a heap block of exactly n bytes with dec, using an arena, and
 * returns the status. */
onc_status unit_decode_exact(unit_dec_fn dec, const void *arg, const void *data, size_t n,
			     unsigned flags);

/* A small deterministic PRNG (xorshift32) for chunk sizes and fill patterns. */
uint32_t unit_rand(uint32_t *state);

#endif
