#include "rpcgen_xdr.h"

#include <stdlib.h>
#include <string.h>

rpcgen_result rpcgen_reencode_table(const rpcgen_type *types, size_t ntypes, const char *type,
				    const uint8_t *in, size_t len, uint8_t *out, size_t cap,
				    size_t *out_len)
{
	size_t i = 0;
	while (i < ntypes && strcmp(types[i].name, type) != 0)
		i++;
	if (i == ntypes)
		return RPCGEN_UNKNOWN_TYPE;
	void *v = calloc(1, types[i].size);
	XDR x;
	rpcgen_result r = RPCGEN_OK;
	xdrmem_create(&x, (char *)in, (u_int)len, XDR_DECODE);
	if (!types[i].proc(&x, v))
		r = RPCGEN_DECODE_FAILED;
	else if (xdr_getpos(&x) != len)
		r = RPCGEN_NOT_ALL_CONSUMED;
	xdr_destroy(&x);
	if (r == RPCGEN_OK) {
		xdrmem_create(&x, (char *)out, (u_int)cap, XDR_ENCODE);
		if (types[i].proc(&x, v))
			*out_len = xdr_getpos(&x);
		else
			r = RPCGEN_ENCODE_FAILED;
		xdr_destroy(&x);
	}
	xdr_free(types[i].proc, v);
	free(v);
	return r;
}
