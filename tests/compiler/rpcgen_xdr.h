/* The libtirpc side of the differential tests: runs an rpcgen-generated xdr_ function. */
#ifndef ONC_TEST_RPCGEN_XDR_H
#define ONC_TEST_RPCGEN_XDR_H

#include <rpc/rpc.h>

#include "rpcgen_bridge.h"

typedef struct rpcgen_type {
	const char *name;
	xdrproc_t proc;
	size_t size;
} rpcgen_type;

/* rpcgen_reencode() over a table of a generated file's types. */
rpcgen_result rpcgen_reencode_table(const rpcgen_type *types, size_t ntypes, const char *type,
				    const uint8_t *in, size_t len, uint8_t *out, size_t cap,
				    size_t *out_len);

#endif
