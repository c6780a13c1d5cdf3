/* The XDR types of the differential test, each as libtirpc and onc see it. */
#ifndef ONC_XDR_CASES_H
#define ONC_XDR_CASES_H

#include "interop.h"

/* One XDR type as both libraries see it. A value has one C representation, the one rpcgen
 * declares, so a value decoded by either side compares with the original. */
typedef struct xtype {
	const char *name;
	size_t size;                              /* of the C representation */
	void (*gen)(void *v, unsigned i);         /* the i-th test value: edges first */
	void (*shape)(void *out, const void *v);  /* copies type parameters before a decode */
	bool_t (*tirpc)(XDR *x, void *v);         /* libtirpc: encode, decode or free */
	onc_status (*enc)(onc_xdr_enc *e, const void *v);
	onc_status (*dec)(onc_xdr_dec *d, void *v);
	bool (*equal)(const void *a, const void *b); /* NULL: same bits */
	uint32_t max;                             /* declared maximum length or count, if any */
} xtype;

/* Every type: scalars, opaques, strings, arrays, vectors, optional data, a linked list,
 * a union; NULL-terminated. */
extern const xtype *const xdr_cases[];

/* The type called name (as in xdr_cases), or NULL. */
const xtype *xdr_case(const char *name);

#endif
