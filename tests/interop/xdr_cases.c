/* The XDR types of the differential test. Each has one C representation, the one rpcgen
 * declares, a generator (edge values first, then seeded random ones), the libtirpc routine,
 * and onc's encoder and decoder written the way generated code uses the primitives. */
#include "xdr_cases.h"

#include <limits.h>

/* ---- generators ---- */

static const uint32_t edges32[] = {
	0, 1, 0xffffffffu /* -1 */, 0x80000000u /* INT_MIN */, 0x7fffffffu /* INT_MAX */,
	0x80000001u, 0x7ffffffeu, 0xff, 0x100, 0xffff, 0x10000, 0xfffffffeu,
};
static const uint64_t edges64[] = {
	0, 1, UINT64_MAX, 0x8000000000000000u, 0x7fffffffffffffffu, 0xffffffffu, 0x100000000u,
	0x80000000u, 0xffffffff00000000u, 0x0123456789abcdefu,
};
/* Zeros, infinities, quiet and signalling NaNs (with payloads and sign), denormals, extremes:
 * the bits must travel unchanged. */
static const uint32_t float_edges[] = {
	0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u,
	0x7f800001u, 0x7fbfffffu, 0xffffffffu, 0x00000001u, 0x007fffffu, 0x7f7fffffu,
	0x3f800000u,
};
static const uint64_t double_edges[] = {
	0x0000000000000000u, 0x8000000000000000u, 0x7ff0000000000000u, 0xfff0000000000000u,
	0x7ff8000000000000u, 0xfff8000000000001u, 0x7ff0000000000001u, 0x7ff7ffffffffffffu,
	0xffffffffffffffffu, 0x0000000000000001u, 0x000fffffffffffffu, 0x7fefffffffffffffu,
	0x3ff0000000000000u,
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t pick32(const uint32_t *edges, size_t n, unsigned i)
{
	return i < n ? edges[i] : rnd_u32();
}

static uint64_t pick64(const uint64_t *edges, size_t n, unsigned i)
{
	return i < n ? edges[i] : rnd_u64();
}

static void gen_u32(void *v, unsigned i)
{
	uint32_t x = pick32(edges32, COUNT(edges32), i);
	memcpy(v, &x, 4);
}

static void gen_u64(void *v, unsigned i)
{
	uint64_t x = pick64(edges64, COUNT(edges64), i);
	memcpy(v, &x, 8);
}

static void gen_float(void *v, unsigned i)
{
	uint32_t x = pick32(float_edges, COUNT(float_edges), i);
	memcpy(v, &x, 4);
}

static void gen_double(void *v, unsigned i)
{
	uint64_t x = pick64(double_edges, COUNT(double_edges), i);
	memcpy(v, &x, 8);
}

/* Lengths 0..7 first (every padding case), then random up to max. */
static uint32_t gen_len(unsigned i, uint32_t max)
{
	return i < 8 && i <= max ? i : rnd_below(max + 1);
}

/* ---- scalars: int, unsigned int, enum, hyper, unsigned hyper, float, double ---- */

#define SCALAR(id, ctype, tirpc_fn, tirpc_ctype, put_fn, get_fn)                           \
	static bool_t id##_tirpc(XDR *x, void *v)                                          \
	{                                                                                  \
		return tirpc_fn(x, (tirpc_ctype *)v);                                      \
	}                                                                                  \
	static onc_status id##_enc(onc_xdr_enc *e, const void *v)                          \
	{                                                                                  \
		return put_fn(e, *(const ctype *)v);                                       \
	}                                                                                  \
	static onc_status id##_dec(onc_xdr_dec *d, void *v)                                \
	{                                                                                  \
		return get_fn(d, (ctype *)v);                                              \
	}

SCALAR(int, int32_t, xdr_int, int, onc_xdr_put_i32, onc_xdr_get_i32)
SCALAR(uint, uint32_t, xdr_u_int, u_int, onc_xdr_put_u32, onc_xdr_get_u32)
SCALAR(enum, int32_t, xdr_enum, enum_t, onc_xdr_put_enum, onc_xdr_get_enum)
SCALAR(hyper, int64_t, xdr_hyper, quad_t, onc_xdr_put_i64, onc_xdr_get_i64)
SCALAR(uhyper, uint64_t, xdr_u_hyper, u_quad_t, onc_xdr_put_u64, onc_xdr_get_u64)
SCALAR(float, float, xdr_float, float, onc_xdr_put_float, onc_xdr_get_float)
SCALAR(double, double, xdr_double, double, onc_xdr_put_double, onc_xdr_get_double)

/* bool: bool_t on the libtirpc side, bool in onc. */
static void gen_bool(void *v, unsigned i)
{
	bool_t b = i < 2 ? (bool_t)i : (bool_t)rnd_below(2);
	memcpy(v, &b, sizeof b);
}

static bool_t bool_tirpc(XDR *x, void *v)
{
	return xdr_bool(x, (bool_t *)v);
}

static onc_status bool_enc(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_bool(e, *(const bool_t *)v != 0);
}

static onc_status bool_dec(onc_xdr_dec *d, void *v)
{
	bool b;
	onc_status s = onc_xdr_get_bool(d, &b);
	if (s == ONC_OK)
		*(bool_t *)v = b;
	return s;
}

/* ---- fixed-length opaque: opaque data[n], n = 0..64 ---- */

#define FOPAQUE_MAX 64
typedef struct fopaque {
	u_int n; /* the declared length: part of the type, not of the value */
	uint8_t data[FOPAQUE_MAX];
} fopaque;

static void fopaque_gen(void *v, unsigned i)
{
	fopaque *o = v;
	memset(o, 0, sizeof *o);
	o->n = gen_len(i, FOPAQUE_MAX);
	rnd_bytes(o->data, o->n);
}

static void fopaque_shape(void *out, const void *v)
{
	((fopaque *)out)->n = ((const fopaque *)v)->n;
}

static bool_t fopaque_tirpc(XDR *x, void *v)
{
	fopaque *o = v;
	return xdr_opaque(x, (caddr_t)o->data, o->n);
}

static onc_status fopaque_enc(onc_xdr_enc *e, const void *v)
{
	const fopaque *o = v;
	return onc_xdr_put_opaque_fixed(e, o->data, o->n);
}

static onc_status fopaque_dec(onc_xdr_dec *d, void *v)
{
	fopaque *o = v;
	return onc_xdr_get_opaque_fixed(d, o->data, o->n);
}

static bool fopaque_equal(const void *a, const void *b)
{
	const fopaque *x = a, *y = b;
	return x->n == y->n && memcmp(x->data, y->data, x->n) == 0;
}

/* ---- variable-length opaque: opaque data<64> ---- */

#define VOPAQUE_MAX 64
typedef struct vopaque {
	u_int len;
	char *val;
	char buf[VOPAQUE_MAX];
} vopaque;

static void vopaque_gen(void *v, unsigned i)
{
	vopaque *o = v;
	o->len = gen_len(i, VOPAQUE_MAX);
	o->val = o->buf;
	rnd_bytes(o->buf, o->len);
}

static bool_t vopaque_tirpc(XDR *x, void *v)
{
	vopaque *o = v;
	return xdr_bytes(x, &o->val, &o->len, VOPAQUE_MAX);
}

static onc_status vopaque_enc(onc_xdr_enc *e, const void *v)
{
	const vopaque *o = v;
	return onc_xdr_put_opaque(e, o->val, o->len, VOPAQUE_MAX);
}

static onc_status vopaque_dec(onc_xdr_dec *d, void *v)
{
	vopaque *o = v;
	return onc_xdr_get_opaque(d, (uint8_t **)&o->val, &o->len, VOPAQUE_MAX);
}

static bool vopaque_equal(const void *a, const void *b)
{
	const vopaque *x = a, *y = b;
	return x->len == y->len && (x->len == 0 || memcmp(x->val, y->val, x->len) == 0);
}

/* ---- string<40> ---- */

#define STRING_MAX 40
typedef struct str {
	char *s;
	char buf[STRING_MAX + 1];
} str;

static void str_gen(void *v, unsigned i)
{
	str *o = v;
	uint32_t n = gen_len(i, STRING_MAX);
	rnd_text(o->buf, n);
	o->buf[n] = 0;
	o->s = o->buf;
}

static bool_t str_tirpc(XDR *x, void *v)
{
	return xdr_string(x, &((str *)v)->s, STRING_MAX);
}

static onc_status str_enc(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_string(e, ((const str *)v)->s, STRING_MAX);
}

static onc_status str_dec(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_string(d, &((str *)v)->s, STRING_MAX);
}

static bool str_equal(const void *a, const void *b)
{
	return strcmp(((const str *)a)->s, ((const str *)b)->s) == 0;
}

/* ---- variable arrays of 4- and 8-byte scalars: int<50>, hyper<50> (onc: bulk) ---- */

#define ARRAY_MAX 50
typedef struct sarray {
	u_int len;
	void *val;
	uint64_t buf[ARRAY_MAX];
} sarray;

static void sarray_gen(sarray *a, unsigned i, void (*gen)(void *, unsigned), size_t elsize)
{
	a->len = gen_len(i, ARRAY_MAX);
	a->val = a->buf;
	for (u_int k = 0; k < a->len; k++)
		gen((uint8_t *)a->buf + k * elsize, (i * 7 + k) % 16);
}

static bool sarray_equal(const sarray *x, const sarray *y, size_t elsize)
{
	return x->len == y->len && (x->len == 0 || memcmp(x->val, y->val, x->len * elsize) == 0);
}

static onc_status sarray_dec(onc_xdr_dec *d, sarray *a, size_t elsize)
{
	onc_status s = onc_xdr_get_array_len(d, &a->len, ARRAY_MAX, elsize);
	if (s != ONC_OK)
		return s;
	a->val = onc_xdr_dec_alloc(d, a->len, elsize);
	if (!a->val)
		return ONC_ERR_NOMEM;
	return elsize == 4 ? onc_xdr_get_u32_array(d, a->val, a->len)
			   : onc_xdr_get_u64_array(d, a->val, a->len);
}

static void iarray_gen(void *v, unsigned i)
{
	sarray_gen(v, i, gen_u32, 4);
}

static bool_t iarray_tirpc(XDR *x, void *v)
{
	sarray *a = v;
	return xdr_array(x, (caddr_t *)&a->val, &a->len, ARRAY_MAX, sizeof(int),
			 (xdrproc_t)xdr_int);
}

static onc_status iarray_enc(onc_xdr_enc *e, const void *v)
{
	const sarray *a = v;
	onc_status s = onc_xdr_put_array_len(e, a->len, ARRAY_MAX);
	return s != ONC_OK ? s : onc_xdr_put_u32_array(e, a->val, a->len);
}

static onc_status iarray_dec(onc_xdr_dec *d, void *v)
{
	return sarray_dec(d, v, 4);
}

static bool iarray_equal(const void *a, const void *b)
{
	return sarray_equal(a, b, 4);
}

static void harray_gen(void *v, unsigned i)
{
	sarray_gen(v, i, gen_u64, 8);
}

static bool_t harray_tirpc(XDR *x, void *v)
{
	sarray *a = v;
	return xdr_array(x, (caddr_t *)&a->val, &a->len, ARRAY_MAX, sizeof(quad_t),
			 (xdrproc_t)xdr_hyper);
}

static onc_status harray_enc(onc_xdr_enc *e, const void *v)
{
	const sarray *a = v;
	onc_status s = onc_xdr_put_array_len(e, a->len, ARRAY_MAX);
	return s != ONC_OK ? s : onc_xdr_put_u64_array(e, a->val, a->len);
}

static onc_status harray_dec(onc_xdr_dec *d, void *v)
{
	return sarray_dec(d, v, 8);
}

static bool harray_equal(const void *a, const void *b)
{
	return sarray_equal(a, b, 8);
}

/* ---- variable array of strings: string names<8> (xdr_wrapstring: unbounded strings) ---- */

#define NAMES_MAX 8
#define NAME_LEN 15
typedef struct names {
	u_int len;
	char **val;
	char *ptrs[NAMES_MAX];
	char bufs[NAMES_MAX][NAME_LEN + 1];
} names;

static void names_gen(void *v, unsigned i)
{
	names *a = v;
	a->len = gen_len(i, NAMES_MAX);
	a->val = a->ptrs;
	for (u_int k = 0; k < a->len; k++) {
		uint32_t n = rnd_below(NAME_LEN + 1);
		rnd_text(a->bufs[k], n);
		a->bufs[k][n] = 0;
		a->ptrs[k] = a->bufs[k];
	}
}

static bool_t names_tirpc(XDR *x, void *v)
{
	names *a = v;
	return xdr_array(x, (caddr_t *)&a->val, &a->len, NAMES_MAX, sizeof(char *),
			 (xdrproc_t)xdr_wrapstring);
}

static onc_status names_enc(onc_xdr_enc *e, const void *v)
{
	const names *a = v;
	onc_status s = onc_xdr_put_array_len(e, a->len, NAMES_MAX);
	for (u_int k = 0; s == ONC_OK && k < a->len; k++)
		s = onc_xdr_put_string(e, a->val[k], UINT32_MAX);
	return s;
}

static onc_status names_dec(onc_xdr_dec *d, void *v)
{
	names *a = v;
	onc_status s = onc_xdr_get_array_len(d, &a->len, NAMES_MAX, 4);
	if (s != ONC_OK)
		return s;
	a->val = onc_xdr_dec_alloc(d, a->len, sizeof(char *));
	if (!a->val)
		return ONC_ERR_NOMEM;
	for (u_int k = 0; s == ONC_OK && k < a->len; k++)
		s = onc_xdr_get_string(d, &a->val[k], UINT32_MAX);
	return s;
}

static bool names_equal(const void *a, const void *b)
{
	const names *x = a, *y = b;
	if (x->len != y->len)
		return false;
	for (u_int k = 0; k < x->len; k++)
		if (strcmp(x->val[k], y->val[k]) != 0)
			return false;
	return true;
}

/* ---- fixed arrays (xdr_vector): int v[7], double w[5] (onc: bulk, no count) ---- */

typedef struct vectors {
	int32_t v[7];
	uint64_t w[5]; /* double bits */
} vectors;

static void vectors_gen(void *v, unsigned i)
{
	vectors *o = v;
	for (unsigned k = 0; k < 7; k++)
		gen_u32(&o->v[k], i < 4 ? i * 7 + k : UINT_MAX);
	for (unsigned k = 0; k < 5; k++)
		gen_double(&o->w[k], i < 4 ? i * 5 + k : UINT_MAX);
}

static bool_t vectors_tirpc(XDR *x, void *v)
{
	vectors *o = v;
	return xdr_vector(x, (char *)o->v, 7, sizeof(int), (xdrproc_t)xdr_int) &&
	       xdr_vector(x, (char *)o->w, 5, sizeof(double), (xdrproc_t)xdr_double);
}

static onc_status vectors_enc(onc_xdr_enc *e, const void *v)
{
	const vectors *o = v;
	onc_status s = onc_xdr_put_u32_array(e, (const uint32_t *)o->v, 7);
	return s != ONC_OK ? s : onc_xdr_put_u64_array(e, o->w, 5);
}

static onc_status vectors_dec(onc_xdr_dec *d, void *v)
{
	vectors *o = v;
	onc_status s = onc_xdr_get_u32_array(d, (uint32_t *)o->v, 7);
	return s != ONC_OK ? s : onc_xdr_get_u64_array(d, o->w, 5);
}

/* ---- optional data: int *p (xdr_pointer) ---- */

typedef struct optint {
	int32_t *p;
	int32_t store;
} optint;

static void optint_gen(void *v, unsigned i)
{
	optint *o = v;
	gen_u32(&o->store, i / 2);
	o->p = i % 2 ? &o->store : NULL;
}

static bool_t optint_tirpc(XDR *x, void *v)
{
	return xdr_pointer(x, (char **)&((optint *)v)->p, sizeof(int32_t), (xdrproc_t)xdr_int);
}

static onc_status optint_enc(onc_xdr_enc *e, const void *v)
{
	const optint *o = v;
	onc_status s = onc_xdr_put_bool(e, o->p != NULL);
	return s != ONC_OK || !o->p ? s : onc_xdr_put_i32(e, *o->p);
}

static onc_status optint_dec(onc_xdr_dec *d, void *v)
{
	optint *o = v;
	bool present;
	onc_status s = onc_xdr_get_bool(d, &present);
	if (s != ONC_OK || !present)
		return s;
	o->p = onc_xdr_dec_alloc(d, 1, sizeof *o->p);
	return o->p ? onc_xdr_get_i32(d, o->p) : ONC_ERR_NOMEM;
}

static bool optint_equal(const void *a, const void *b)
{
	const optint *x = a, *y = b;
	return x->p && y->p ? *x->p == *y->p : x->p == y->p;
}

/* ---- a linked list through optional data: struct node { int v; string name<8>; node *next; }
 * libtirpc recurses through xdr_pointer; onc walks it in a loop. */

#define LIST_MAX 20
#define NODE_NAME_MAX 8
struct node {
	int32_t v;
	char *name;
	struct node *next;
};
typedef struct list {
	struct node *head;
	struct node nodes[LIST_MAX];
	char names[LIST_MAX][NODE_NAME_MAX + 1];
} list;

static void list_gen(void *v, unsigned i)
{
	list *l = v;
	uint32_t n = gen_len(i, LIST_MAX);
	struct node **link = &l->head;
	for (uint32_t k = 0; k < n; k++) {
		struct node *nd = &l->nodes[k];
		uint32_t len = rnd_below(NODE_NAME_MAX + 1);
		gen_u32(&nd->v, k);
		rnd_text(l->names[k], len);
		l->names[k][len] = 0;
		nd->name = l->names[k];
		*link = nd;
		link = &nd->next;
	}
	*link = NULL;
}

static bool_t xdr_node(XDR *x, struct node *nd)
{
	return xdr_int(x, &nd->v) && xdr_string(x, &nd->name, NODE_NAME_MAX) &&
	       xdr_pointer(x, (char **)&nd->next, sizeof *nd, (xdrproc_t)xdr_node);
}

static bool_t list_tirpc(XDR *x, void *v)
{
	return xdr_pointer(x, (char **)&((list *)v)->head, sizeof(struct node),
			   (xdrproc_t)xdr_node);
}

static onc_status list_enc(onc_xdr_enc *e, const void *v)
{
	const struct node *nd = ((const list *)v)->head;
	onc_status s;
	for (;; nd = nd->next) {
		if ((s = onc_xdr_put_bool(e, nd != NULL)) != ONC_OK || !nd)
			return s;
		if ((s = onc_xdr_put_i32(e, nd->v)) != ONC_OK ||
		    (s = onc_xdr_put_string(e, nd->name, NODE_NAME_MAX)) != ONC_OK)
			return s;
	}
}

static onc_status list_dec(onc_xdr_dec *d, void *v)
{
	struct node **link = &((list *)v)->head;
	for (;;) {
		bool present;
		onc_status s = onc_xdr_get_bool(d, &present);
		*link = NULL;
		if (s != ONC_OK || !present)
			return s;
		struct node *nd = onc_xdr_dec_alloc(d, 1, sizeof *nd);
		if (!nd)
			return ONC_ERR_NOMEM;
		nd->next = NULL;
		*link = nd;
		if ((s = onc_xdr_get_i32(d, &nd->v)) != ONC_OK ||
		    (s = onc_xdr_get_string(d, &nd->name, NODE_NAME_MAX)) != ONC_OK)
			return s;
		link = &nd->next;
	}
}

static bool list_equal(const void *a, const void *b)
{
	const struct node *x = ((const list *)a)->head, *y = ((const list *)b)->head;
	for (; x && y; x = x->next, y = y->next)
		if (x->v != y->v || strcmp(x->name, y->name) != 0)
			return false;
	return !x && !y;
}

/* ---- a discriminated union (xdr_union with a discriminant table):
 *   union u switch (int kind) {
 *   case 1: int i;  case 2: string s<16>;  case 3: hyper h;  case 4: void;
 *   default: double d;
 *   };
 */

#define UNION_STRING_MAX 16
typedef struct un {
	enum_t kind;
	union {
		int32_t i;
		char *s;
		quad_t h;
		double d;
	} u;
	char sbuf[UNION_STRING_MAX + 1];
} un;

static bool_t xdr_string16(XDR *x, char **s)
{
	return xdr_string(x, s, UNION_STRING_MAX);
}

static const struct xdr_discrim un_arms[] = {
	{1, (xdrproc_t)xdr_int},
	{2, (xdrproc_t)xdr_string16},
	{3, (xdrproc_t)xdr_hyper},
	/* xdr_void takes no arguments; the cast through void (*)(void) is the usual way. */
	{4, (xdrproc_t)(void (*)(void))xdr_void},
	{__dontcare__, NULL},
};

static void un_gen(void *v, unsigned i)
{
	static const enum_t kinds[] = {1, 2, 3, 4, 0, -1, 5, INT_MIN, INT_MAX};
	un *o = v;
	memset(o, 0, sizeof *o);
	o->kind = i < COUNT(kinds) ? kinds[i] : rnd_below(3) ? (enum_t)(1 + rnd_below(4))
							      : (enum_t)rnd_u32();
	switch (o->kind) {
	case 1: gen_u32(&o->u.i, i); break;
	case 2: {
		uint32_t n = gen_len(i, UNION_STRING_MAX);
		rnd_text(o->sbuf, n);
		o->sbuf[n] = 0;
		o->u.s = o->sbuf;
		break;
	}
	case 3: gen_u64(&o->u.h, i); break;
	case 4: break;
	default: gen_double(&o->u.d, i); break;
	}
}

static bool_t un_tirpc(XDR *x, void *v)
{
	un *o = v;
	return xdr_union(x, &o->kind, (char *)&o->u, un_arms, (xdrproc_t)xdr_double);
}

static onc_status un_enc(onc_xdr_enc *e, const void *v)
{
	const un *o = v;
	onc_status s = onc_xdr_put_enum(e, o->kind);
	if (s != ONC_OK)
		return s;
	switch (o->kind) {
	case 1: return onc_xdr_put_i32(e, o->u.i);
	case 2: return onc_xdr_put_string(e, o->u.s, UNION_STRING_MAX);
	case 3: return onc_xdr_put_i64(e, o->u.h);
	case 4: return ONC_OK;
	default: return onc_xdr_put_double(e, o->u.d);
	}
}

static onc_status un_dec(onc_xdr_dec *d, void *v)
{
	un *o = v;
	onc_status s = onc_xdr_get_enum(d, &o->kind);
	if (s != ONC_OK)
		return s;
	switch (o->kind) {
	case 1: return onc_xdr_get_i32(d, &o->u.i);
	case 2: return onc_xdr_get_string(d, &o->u.s, UNION_STRING_MAX);
	case 3: return onc_xdr_get_i64(d, (int64_t *)&o->u.h);
	case 4: return ONC_OK;
	default: return onc_xdr_get_double(d, &o->u.d);
	}
}

static bool un_equal(const void *a, const void *b)
{
	const un *x = a, *y = b;
	if (x->kind != y->kind)
		return false;
	switch (x->kind) {
	case 1: return x->u.i == y->u.i;
	case 2: return strcmp(x->u.s, y->u.s) == 0;
	case 3: return x->u.h == y->u.h;
	case 4: return true;
	default: return memcmp(&x->u.d, &y->u.d, sizeof x->u.d) == 0;
	}
}

/* ---- the table ---- */

#define XT(id, ctype, gen_fn, shape_fn, eq, max)                                           \
	static const xtype xt_##id = {#id,   sizeof(ctype), gen_fn, shape_fn, id##_tirpc,      \
				      id##_enc, id##_dec, eq, max}

XT(int, int32_t, gen_u32, NULL, NULL, 0);
XT(uint, uint32_t, gen_u32, NULL, NULL, 0);
XT(enum, enum_t, gen_u32, NULL, NULL, 0);
XT(bool, bool_t, gen_bool, NULL, NULL, 0);
XT(hyper, int64_t, gen_u64, NULL, NULL, 0);
XT(uhyper, uint64_t, gen_u64, NULL, NULL, 0);
XT(float, float, gen_float, NULL, NULL, 0);
XT(double, double, gen_double, NULL, NULL, 0);
XT(fopaque, fopaque, fopaque_gen, fopaque_shape, fopaque_equal, 0);
XT(vopaque, vopaque, vopaque_gen, NULL, vopaque_equal, VOPAQUE_MAX);
XT(str, str, str_gen, NULL, str_equal, STRING_MAX);
XT(iarray, sarray, iarray_gen, NULL, iarray_equal, ARRAY_MAX);
XT(harray, sarray, harray_gen, NULL, harray_equal, ARRAY_MAX);
XT(names, names, names_gen, NULL, names_equal, NAMES_MAX);
XT(vectors, vectors, vectors_gen, NULL, NULL, 0);
XT(optint, optint, optint_gen, NULL, optint_equal, 0);
XT(list, list, list_gen, NULL, list_equal, 0);
XT(un, un, un_gen, NULL, un_equal, 0);

const xtype *const xdr_cases[] = {
	&xt_int,    &xt_uint,   &xt_enum,   &xt_bool,    &xt_hyper,  &xt_uhyper,
	&xt_float,  &xt_double, &xt_fopaque, &xt_vopaque, &xt_str,   &xt_iarray,
	&xt_harray, &xt_names,  &xt_vectors, &xt_optint, &xt_list,   &xt_un,
	NULL,
};

const xtype *xdr_case(const char *name)
{
	for (const xtype *const *t = xdr_cases; *t; t++)
		if (strcmp((*t)->name, name) == 0)
			return *t;
	return NULL;
}
