/* nested_names.x through the C that onc gen writes for it: values of every type encode,
 * decode to the same values and encode to the same bytes again; the bytes are printed in hex,
 * one type a line, for the Python side (nested_names.sh) to compare with its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nested_names.h"

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                              \
			failures++;                                                  \
		}                                                                    \
	} while (0)

typedef onc_status (*encode_fn)(onc_xdr_enc *e, const void *v);
typedef onc_status (*decode_fn)(onc_xdr_dec *d, void *v);

/* Encodes v, prints the bytes, decodes them into out (malloc mode) and encodes out again. */
static void roundtrip(const char *name, const void *v, void *out, encode_fn enc, decode_fn dec)
{
	onc_xdr_enc e, again;
	onc_xdr_enc_init(&e);
	onc_xdr_enc_init(&again);
	CHECK(enc(&e, v) == ONC_OK);
	printf("%s ", name);
	for (size_t i = 0; i < onc_xdr_enc_len(&e); i++)
		printf("%02x", onc_xdr_enc_data(&e)[i]);
	printf("\n");
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), NULL);
	CHECK(dec(&d, out) == ONC_OK);
	CHECK(onc_xdr_dec_finish(&d) == ONC_OK);
	CHECK(enc(&again, out) == ONC_OK);
	CHECK(onc_xdr_enc_len(&again) == onc_xdr_enc_len(&e));
	CHECK(memcmp(onc_xdr_enc_data(&again), onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)) == 0);
	onc_xdr_enc_free(&e);
	onc_xdr_enc_free(&again);
}

/* Codecs with void pointers, for roundtrip(). */
#define CODECS(T)                                                          \
	static onc_status T##_enc(onc_xdr_enc *e, const void *v)           \
	{                                                                  \
		return T##_encode(e, v);                                   \
	}                                                                  \
	static onc_status T##_dec(onc_xdr_dec *d, void *v)                 \
	{                                                                  \
		return T##_decode(d, v);                                   \
	}
CODECS(outer)
CODECS(pair)
CODECS(in)
CODECS(pointer)
#define ROUNDTRIP(T, v, out) roundtrip(#T, v, out, T##_enc, T##_dec)

int main(void)
{
	outer o = { .m = { .m = { .v = 7, .s = "hi" }, .u = { .kind = 1 }, .w = 9 } };
	o.m.u.outer_m_u_u.m.h = -5;
	outer o2 = { 0 };
	ROUNDTRIP(outer, &o, &o2);
	CHECK(o2.m.m.v == 7 && strcmp(o2.m.m.s, "hi") == 0 && o2.m.u.kind == 1 &&
	      o2.m.u.outer_m_u_u.m.h == -5 && o2.m.w == 9);
	outer_free(&o2);

	pair pr = { .in = { .a = 3 }, .tag = NN_B }, pr2 = { { 0 }, 0 };
	ROUNDTRIP(pair, &pr, &pr2);
	CHECK(pr2.in.a == 3 && pr2.tag == NN_B);

	in i = { .z = 4 }, i2 = { 0 };
	ROUNDTRIP(in, &i, &i2);
	CHECK(i2.z == 4);

	pointer_element target = { .a = 11 };
	pointer p = &target, p2 = NULL;
	ROUNDTRIP(pointer, &p, &p2);
	CHECK(p2 && p2->a == 11);
	pointer_free(&p2);

	return failures ? 1 : 0;
}
