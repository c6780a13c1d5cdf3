/* A generated type's onc codec behind one interface, for tests that loop over types. */
#ifndef ONC_TEST_CODEC_H
#define ONC_TEST_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <onc/xdr.h>

#include "rng.h"

typedef struct codec {
	const char *name;
	size_t size;        /* sizeof the C type */
	int64_t fixed_size; /* T_SIZE, or -1 */
	void (*random)(rng *r, void *v); /* NULL when there is no random value builder */
	onc_status (*encode)(onc_xdr_enc *e, const void *v);
	onc_status (*decode)(onc_xdr_dec *d, void *v);
	void (*free)(void *v);
	int64_t max_size; /* T_MAXSIZE, or -1 (not checked) */
} codec;

/* The codecs of the types of one generated file. */
extern const codec codecs[];
extern const size_t ncodecs;

#endif
