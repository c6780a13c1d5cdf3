/* Differential test of the XDR primitives: for every RFC 4506 type (xdr_cases.c), onc and
 * libtirpc must write identical bytes for the same value, each must decode the other's bytes
 * back to that value, and both must refuse every truncation of them. */
#include "xdr_cases.h"

#include <stdlib.h>

#define VALUES 1000     /* per type */
#define TRUNC_VALUES 40 /* of those, how many are also checked cut short at every byte */
#define BUF 8192        /* larger than any encoded test value */

/* ---- the checks ---- */

static bool same_value(const xtype *t, const void *a, const void *b)
{
	return t->equal ? t->equal(a, b) : memcmp(a, b, t->size) == 0;
}

static void fresh(const xtype *t, void *out, const void *v)
{
	memset(out, 0, t->size);
	if (t->shape)
		t->shape(out, v);
}

/* Frees what libtirpc allocated while decoding into out (what xdr_free does). */
static void tirpc_free(const xtype *t, void *out)
{
	XDR x;
	x.x_op = XDR_FREE;
	t->tirpc(&x, out);
}

static bool onc_decodes(const xtype *t, const uint8_t *p, size_t n, void *out, unsigned flags,
			onc_status *why)
{
	onc_arena arena;
	onc_xdr_dec d;
	onc_arena_init(&arena, 0);
	onc_xdr_dec_init(&d, p, n, &arena);
	d.flags = flags;
	*why = t->dec(&d, out);
	if (*why == ONC_OK)
		*why = onc_xdr_dec_finish(&d);
	onc_arena_free(&arena);
	return *why == ONC_OK;
}

/* onc decodes into an arena that is freed before this returns, so compare inside. */
static void check_onc_reads(const xtype *t, const uint8_t *p, size_t n, const void *v,
			    unsigned i)
{
	onc_arena arena;
	onc_xdr_dec d;
	void *out = malloc(t->size);
	onc_status s;

	fresh(t, out, v);
	onc_arena_init(&arena, 0);
	onc_xdr_dec_init(&d, p, n, &arena);
	d.flags = ONC_XDR_STRICT_PADDING; /* libtirpc pads with zeros */
	s = t->dec(&d, out);
	check(s == ONC_OK, "%s #%u: onc cannot decode libtirpc's bytes: %s", t->name, i,
	      onc_strerror(s));
	check(onc_xdr_dec_finish(&d) == ONC_OK, "%s #%u: onc left %zu bytes", t->name, i,
	      onc_xdr_dec_left(&d));
	check(same_value(t, v, out), "%s #%u: onc decoded another value", t->name, i);
	onc_arena_free(&arena);
	free(out);
}

static void check_tirpc_reads(const xtype *t, uint8_t *p, size_t n, const void *v, unsigned i)
{
	void *out = malloc(t->size);
	XDR x;

	fresh(t, out, v);
	xdrmem_create(&x, (caddr_t)p, (u_int)n, XDR_DECODE);
	check(t->tirpc(&x, out), "%s #%u: libtirpc cannot decode onc's bytes", t->name, i);
	check(xdr_getpos(&x) == n, "%s #%u: libtirpc read %u of %zu bytes", t->name, i,
	      xdr_getpos(&x), n);
	check(same_value(t, v, out), "%s #%u: libtirpc decoded another value", t->name, i);
	tirpc_free(t, out);
	free(out);
}

/* Every strict prefix of a value's bytes must be refused by both decoders. */
static void check_truncations(const xtype *t, uint8_t *p, size_t n, const void *v, unsigned i)
{
	void *out = malloc(t->size);
	for (size_t cut = 0; cut < n; cut++) {
		onc_status why;
		XDR x;
		fresh(t, out, v);
		check(!onc_decodes(t, p, cut, out, 0, &why),
		      "%s #%u: onc accepted %zu of %zu bytes", t->name, i, cut, n);
		fresh(t, out, v);
		xdrmem_create(&x, (caddr_t)p, (u_int)cut, XDR_DECODE);
		check(!t->tirpc(&x, out), "%s #%u: libtirpc accepted %zu of %zu bytes", t->name,
		      i, cut, n);
		tirpc_free(t, out);
	}
	free(out);
}

static void check_value(const xtype *t, const void *v, unsigned i)
{
	static uint8_t tbuf[BUF];
	onc_xdr_enc e;
	XDR x;
	onc_status s;

	xdrmem_create(&x, (caddr_t)tbuf, sizeof tbuf, XDR_ENCODE);
	check(t->tirpc(&x, (void *)v), "%s #%u: libtirpc cannot encode", t->name, i);
	size_t tlen = xdr_getpos(&x);

	onc_xdr_enc_init(&e);
	s = t->enc(&e, v);
	check(s == ONC_OK, "%s #%u: onc cannot encode: %s", t->name, i, onc_strerror(s));
	expect_same_bytes(t->name, tbuf, tlen, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));

	check_onc_reads(t, tbuf, tlen, v, i);
	check_tirpc_reads(t, e.base, onc_xdr_enc_len(&e), v, i);
	if (i < TRUNC_VALUES)
		check_truncations(t, e.base, onc_xdr_enc_len(&e), v, i);
	onc_xdr_enc_free(&e);
}

static void test_type(void **state)
{
	const xtype *t = *state;
	void *v = malloc(t->size);
	interop_reseed();
	for (unsigned i = 0; i < VALUES; i++) {
		memset(v, 0, t->size);
		t->gen(v, i);
		check_value(t, v, i);
	}
	free(v);
}

/* ---- limits and leniency, checked on both sides ---- */

/* Both decoders refuse bytes that go one over a declared maximum. */
static void check_both_refuse(const xtype *t, const onc_xdr_enc *e)
{
	void *out = calloc(1, t->size);
	onc_status why;
	XDR x;

	check(!onc_decodes(t, e->base, onc_xdr_enc_len(e), out, 0, &why), "%s: onc accepted",
	      t->name);
	check(why == ONC_ERR_TOO_LONG, "%s: onc said %s", t->name, onc_strerror(why));
	memset(out, 0, t->size);
	xdrmem_create(&x, (caddr_t)e->base, (u_int)onc_xdr_enc_len(e), XDR_DECODE);
	check(!t->tirpc(&x, out), "%s: libtirpc accepted", t->name);
	tirpc_free(t, out);
	free(out);
}

static void test_over_max_refused_by_both(void **state)
{
	static const char *const byte_types[] = {"str", "vopaque"};
	const xtype *ints = xdr_case("iarray");
	onc_xdr_enc e;
	(void)state;

	onc_xdr_enc_init(&e);
	for (unsigned k = 0; k < 2; k++) {
		const xtype *t = xdr_case(byte_types[k]);
		char text[256];
		assert_true(t->max + 1 <= sizeof text);
		memset(text, 'x', sizeof text);
		onc_xdr_enc_reset(&e);
		assert_int_equal(onc_xdr_put_opaque(&e, text, t->max + 1, UINT32_MAX), ONC_OK);
		check_both_refuse(t, &e);
	}
	onc_xdr_enc_reset(&e);
	assert_int_equal(onc_xdr_put_u32(&e, ints->max + 1), ONC_OK);
	for (uint32_t k = 0; k <= ints->max; k++)
		assert_int_equal(onc_xdr_put_u32(&e, k), ONC_OK);
	check_both_refuse(ints, &e);
	onc_xdr_enc_free(&e);
}

/* Non-zero padding: libtirpc ignores it, and so does onc unless told to be strict. */
static void test_nonzero_padding(void **state)
{
	uint8_t bytes[] = {0, 0, 0, 3, 'a', 'b', 'c', 0xff};
	char *s = NULL;
	onc_xdr_dec d;
	XDR x;
	(void)state;

	xdrmem_create(&x, (caddr_t)bytes, sizeof bytes, XDR_DECODE);
	assert_true(xdr_string(&x, &s, 40));
	assert_string_equal(s, "abc");
	free(s);
	s = NULL;
	onc_xdr_dec_init(&d, bytes, sizeof bytes, NULL);
	assert_int_equal(onc_xdr_get_string(&d, &s, 40), ONC_OK);
	assert_string_equal(s, "abc");
	free(s);
	onc_xdr_dec_init(&d, bytes, sizeof bytes, NULL);
	d.flags = ONC_XDR_STRICT_PADDING;
	assert_int_equal(onc_xdr_get_string(&d, &s, 40), ONC_ERR_BAD_PADDING);
}

/* A bool of 2 is where the two differ on purpose: libtirpc reads any non-zero as TRUE,
 * onc refuses everything but 0 and 1 (RFC 4506 §4.4). */
static void test_bool_outside_0_1(void **state)
{
	uint8_t bytes[] = {0, 0, 0, 2};
	bool_t b = 0;
	bool ob;
	onc_xdr_dec d;
	XDR x;
	(void)state;

	xdrmem_create(&x, (caddr_t)bytes, sizeof bytes, XDR_DECODE);
	assert_true(xdr_bool(&x, &b));
	assert_int_equal(b, TRUE);
	onc_xdr_dec_init(&d, bytes, sizeof bytes, NULL);
	assert_int_equal(onc_xdr_get_bool(&d, &ob), ONC_ERR_BAD_VALUE);
}

int main(void)
{
	static const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_over_max_refused_by_both),
		cmocka_unit_test(test_nonzero_padding),
		cmocka_unit_test(test_bool_outside_0_1),
	};
	struct CMUnitTest tests[64];
	size_t n = 0;

	/* One test per type, named after it. */
	for (const xtype *const *t = xdr_cases; *t; t++)
		tests[n++] = (struct CMUnitTest){(*t)->name, test_type, NULL, NULL, (void *)*t};
	for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++)
		tests[n++] = extra[k];
	return _cmocka_run_group_tests("xdr_interop", tests, n, interop_group_setup, NULL);
}
