/* onc call's JSON codec (cli/json_codec.c) on every type of tests/compiler/all_types.x, both
 * ways. The first input byte picks the type and the direction; the rest is either JSON text,
 * which must be refused with a message or encoded to XDR that decodes back to JSON encoding to
 * the same bytes, or XDR bytes, which must be refused or decoded to JSON that encodes to as
 * many bytes as were read. Nothing may crash, leak or recurse without bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "gen.h"
#include "json_codec.h"

static const definition **types;
static size_t ntypes;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	static pool p;
	static spec s;
	static plan pl;
	diag d;
	diag_init(&d, stderr);
	gen_options opt = { .input = ALL_TYPES_X };
	if (gen_load(&opt, &p, &d, &s, &pl) != 0) {
		diag_flush(&d);
		abort();
	}
	diag_free(&d);
	for (const definition *def = s.defs; def; def = def->next)
		ntypes += def_is_type(def);
	types = malloc(ntypes * sizeof *types);
	ntypes = 0;
	for (const definition *def = s.defs; def; def = def->next)
		if (def_is_type(def))
			types[ntypes++] = def;
	return 0;
}

static plan_value type_value(const definition *d)
{
	if (d->kind == DEF_ENUM)
		return (plan_value){ .kind = PLAN_SCALAR, .sc = SC_ENUM, .en = d };
	return (plan_value){ .kind = PLAN_CALL, .name = d->name, .type = d->plan };
}

static void from_json(const plan_value *v, const uint8_t *data, size_t n)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)data, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!j)
		return;
	char err[1024] = "";
	onc_xdr_enc e, e2;
	onc_xdr_enc_init(&e);
	onc_xdr_enc_init(&e2);
	if (json_to_xdr(v, j, &e, err, sizeof err)) {
		onc_xdr_dec d;
		onc_xdr_dec_init(&d, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), NULL);
		json_t *back = xdr_to_json(v, &d, err, sizeof err);
		FUZZ_CHECK(back && onc_xdr_dec_left(&d) == 0);
		FUZZ_CHECK(json_to_xdr(v, back, &e2, err, sizeof err));
		FUZZ_CHECK(onc_xdr_enc_len(&e2) == onc_xdr_enc_len(&e) &&
			   memcmp(onc_xdr_enc_data(&e2), onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)) == 0);
		json_decref(back);
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	onc_xdr_enc_free(&e);
	onc_xdr_enc_free(&e2);
	json_decref(j);
}

static void from_xdr(const plan_value *v, const uint8_t *data, size_t n)
{
	char err[1024] = "";
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, data, n, NULL);
	json_t *j = xdr_to_json(v, &d, err, sizeof err);
	if (!j) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	FUZZ_CHECK(json_to_xdr(v, j, &e, err, sizeof err));
	FUZZ_CHECK(onc_xdr_enc_len(&e) == n - onc_xdr_dec_left(&d));
	onc_xdr_enc_free(&e);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || ntypes == 0)
		return 0;
	plan_value v = type_value(types[(data[0] >> 1) % ntypes]);
	if (data[0] & 1)
		from_json(&v, data + 1, size - 1);
	else
		from_xdr(&v, data + 1, size - 1);
	return 0;
}
