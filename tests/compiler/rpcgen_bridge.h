/* The rpcgen + libtirpc side of the differential test, in its own translation unit (rpcgen's
 * all_types.h declares the same type names as onc's). */
#ifndef ONC_TEST_RPCGEN_BRIDGE_H
#define ONC_TEST_RPCGEN_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

typedef enum rpcgen_result {
	RPCGEN_OK,
	RPCGEN_UNKNOWN_TYPE,
	RPCGEN_DECODE_FAILED,
	RPCGEN_NOT_ALL_CONSUMED,
	RPCGEN_ENCODE_FAILED,
} rpcgen_result;

/* Decodes `in` as the named type with rpcgen's xdr_<type>, then encodes that value again into
 * out; *out_len gets the encoded length. */
rpcgen_result rpcgen_reencode(const char *type, const uint8_t *in, size_t len, uint8_t *out,
			      size_t cap, size_t *out_len);

#endif
