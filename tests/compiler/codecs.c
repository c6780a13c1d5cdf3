#include "codecs.h"

#define WRAP(T, random_call)                                          \
	static void T##_random_(rng *r, void *v)                      \
	{                                                             \
		T *t = v;                                             \
		random_call;                                          \
	}                                                             \
	static onc_status T##_encode_(onc_xdr_enc *e, const void *v)  \
	{                                                             \
		return T##_encode(e, v);                              \
	}                                                             \
	static onc_status T##_decode_(onc_xdr_dec *d, void *v)        \
	{                                                             \
		return T##_decode(d, v);                              \
	}                                                             \
	static void T##_free_(void *v)                                \
	{                                                             \
		T##_free(v);                                          \
	}

#define CODEC(T, fixed) { #T, sizeof(T), fixed, T##_random_, T##_encode_, T##_decode_, T##_free_, -1 }

WRAP(scalars, random_scalars(r, t))
WRAP(small, random_small(r, t))
WRAP(nested, random_nested(r, t))
WRAP(arrays, random_arrays(r, t))
WRAP(optionals, random_optionals(r, t))
WRAP(list, random_list(r, t))
WRAP(tree, random_tree(r, t, 5))
WRAP(shape, random_shape(r, t))
WRAP(with_default, random_with_default(r, t))
WRAP(everything, random_everything(r, t))
WRAP(quads, random_quads(r, t))

const codec codecs[] = {
	CODEC(scalars, scalars_SIZE),
	CODEC(small, small_SIZE),
	CODEC(nested, nested_SIZE),
	CODEC(arrays, -1),
	CODEC(optionals, -1),
	CODEC(list, -1),
	CODEC(tree, -1),
	CODEC(shape, -1),
	CODEC(with_default, -1),
	CODEC(everything, -1),
};
const size_t ncodecs = sizeof codecs / sizeof codecs[0];
const codec quads_codec = CODEC(quads, -1);
