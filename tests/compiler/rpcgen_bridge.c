/* rpcgen's all_types.x types (this file sees rpcgen's all_types.h, not onc's). */
#include "all_types.h"
#include "rpcgen_xdr.h"

#define TYPE(T) { #T, (xdrproc_t)xdr_##T, sizeof(T) }

static const rpcgen_type types[] = {
	TYPE(scalars), TYPE(small), TYPE(nested), TYPE(arrays), TYPE(optionals),
	TYPE(list),    TYPE(tree),  TYPE(shape),  TYPE(with_default), TYPE(everything),
};

rpcgen_result rpcgen_reencode(const char *type, const uint8_t *in, size_t len, uint8_t *out,
			      size_t cap, size_t *out_len)
{
	return rpcgen_reencode_table(types, sizeof types / sizeof types[0], type, in, len, out,
				     cap, out_len);
}
