/* onc call's JSON codec (cli/json_codec.c) on every type of a .x file: random valid XDR values
 * (tests/compiler/random_xdr.c, from onc gen's syntax tree) are decoded and encoded by the
 * generated C codecs (the table codec_tables.sh writes), which gives the generated encoder's
 * bytes; then XDR -> JSON -> text -> JSON -> XDR must give those bytes back, and the JSON made
 * from them again must be the same JSON, and every proper prefix of the bytes is refused; random
 * bytes are decoded or refused cleanly. Then strings of arbitrary bytes (not UTF-8) through
 * JSON and back, and fixed cases: a JSON text, its type, and the exact bytes or error message.
 * usage: json_roundtrip FILE.x [cpp args...] (all_types.x: the fixed cases use its types) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "gen.h"
#include "json_codec.h"
#include "random_xdr.h"

enum { ROUNDS = 200 };

static int failures;

#define EXPECT(cond, ...)                                      \
	do {                                                   \
		if (!(cond)) {                                 \
			fprintf(stderr, "FAIL: " __VA_ARGS__); \
			fputc('\n', stderr);                   \
			failures++;                            \
			return;                                \
		}                                              \
	} while (0)

static spec s;

static const definition *find_type(const char *name)
{
	for (const definition *d = s.defs; d; d = d->next)
		if (def_is_type(d) && strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

/* How a value of a named type is coded: its codec, or a scalar for an enum. */
static plan_value type_value(const definition *d)
{
	if (d->kind == DEF_ENUM)
		return (plan_value){ .kind = PLAN_SCALAR, .sc = SC_ENUM, .en = d };
	return (plan_value){ .kind = PLAN_CALL, .name = d->name, .type = d->plan };
}

static char *hex(const uint8_t *b, size_t n)
{
	char *t = malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		sprintf(t + 2 * i, "%02x", b[i]);
	t[2 * n] = '\0';
	return t;
}

/* bytes -> JSON -> text -> JSON -> bytes: the same bytes, and the same JSON again. */
static void through_json(const char *type, const plan_value *v, const uint8_t *bytes, size_t len,
			 int round)
{
	char err[1024];
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, bytes, len, NULL);
	json_t *j = xdr_to_json(v, &d, err, sizeof err);
	EXPECT(j, "%s round %d: to JSON: %s", type, round, err);
	EXPECT(onc_xdr_dec_left(&d) == 0, "%s round %d: %zu bytes left", type, round,
	       onc_xdr_dec_left(&d));
	char *text = json_dumps(j, JSON_ENCODE_ANY);
	json_error_t jerr;
	json_t *parsed = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	EXPECT(parsed, "%s round %d: jansson cannot read its own text: %s\n%s", type, round,
	       jerr.text, text);
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	bool ok = json_to_xdr(v, parsed, &e, err, sizeof err);
	EXPECT(ok, "%s round %d: to XDR: %s\n%s", type, round, err, text);
	bool same = onc_xdr_enc_len(&e) == len && memcmp(onc_xdr_enc_data(&e), bytes, len) == 0;
	if (!same) {
		char *want = hex(bytes, len), *got = hex(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
		fprintf(stderr, "want %s\ngot  %s\n", want, got);
		free(want);
		free(got);
	}
	EXPECT(same, "%s round %d: the bytes changed through\n%s", type, round, text);
	onc_xdr_dec_init(&d, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), NULL);
	json_t *again = xdr_to_json(v, &d, err, sizeof err);
	EXPECT(again && json_equal(again, j), "%s round %d: the JSON changed", type, round);
	json_decref(again);
	onc_xdr_enc_free(&e);
	json_decref(parsed);
	free(text);
	json_decref(j);
}

/* Every proper prefix of a value's bytes is refused (XDR values are prefix-free), cleanly. */
static void prefixes(const char *type, const plan_value *v, const uint8_t *bytes, size_t len,
		     int round)
{
	for (size_t k = 0; k < len; k++) {
		char err[1024];
		onc_xdr_dec d;
		onc_xdr_dec_init(&d, bytes, k, NULL);
		json_t *j = xdr_to_json(v, &d, err, sizeof err);
		json_decref(j);
		EXPECT(!j, "%s round %d: a prefix of %zu bytes decoded", type, round, k);
	}
}

/* Random bytes: decoded or refused, never a crash or a leak (ASan); what decodes encodes
 * again to as many bytes as it took. */
static void garbage(const char *type, const plan_value *v, rng *r)
{
	for (int round = 0; round < 300; round++) {
		uint8_t b[64];
		size_t n = rng_below(r, sizeof b + 1);
		for (size_t i = 0; i < n; i++) /* small numbers: counts and discriminants that fit */
			b[i] = rng_below(r, 3) ? (uint8_t)rng_below(r, 3) : (uint8_t)rng_u32(r);
		char err[1024];
		onc_xdr_dec d;
		onc_xdr_dec_init(&d, b, n, NULL);
		json_t *j = xdr_to_json(v, &d, err, sizeof err);
		if (!j)
			continue;
		onc_xdr_enc e;
		onc_xdr_enc_init(&e);
		bool ok = json_to_xdr(v, j, &e, err, sizeof err);
		size_t took = n - onc_xdr_dec_left(&d), len = onc_xdr_enc_len(&e);
		onc_xdr_enc_free(&e);
		json_decref(j);
		EXPECT(ok, "%s garbage %d: decoded, but not encoded again: %s", type, round, err);
		EXPECT(len == took, "%s garbage %d: took %zu bytes, gave %zu", type, round, took, len);
	}
}

/* A random value through the generated decoder and encoder, then through JSON. */
static void one_value(const codec *c, const plan_value *v, const strbuf *random, int round)
{
	void *value = calloc(1, c->size);
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, random->data, random->len, NULL);
	onc_status st = c->decode(&d, value);
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	if (st == ONC_OK)
		st = c->encode(&e, value);
	c->free(value);
	free(value);
	if (st == ONC_OK)
		through_json(c->name, v, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), round);
	if (st == ONC_OK && round < 5)
		prefixes(c->name, v, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), round);
	onc_xdr_enc_free(&e);
	EXPECT(st == ONC_OK, "%s round %d: generated codec: %s", c->name, round, onc_strerror(st));
}

/* Strings of any bytes but NUL (a C string ends there), short and long, through the typedef
 * `name` (string<32>) when the file has it. */
static void any_bytes(rng *r)
{
	const definition *d = find_type("name");
	if (!d)
		return;
	plan_value v = type_value(d);
	for (int round = 0; round < 2000; round++) {
		uint8_t b[4 + 32 + 3] = { 0 };
		uint32_t n = rng_below(r, 33);
		for (uint32_t i = 0; i < n; i++) {
			/* bias toward UTF-8 lead bytes, continuations and the escape range */
			uint32_t k = rng_below(r, 4);
			b[4 + i] = k == 0 ? (uint8_t)(1 + rng_below(r, 255))
			       : k == 1 ? (uint8_t)(0x80 + rng_below(r, 0x40))
			       : k == 2 ? (uint8_t)(0xC0 + rng_below(r, 0x40))
					: (uint8_t[]){ 0xEE, 0xBE, 0xBF, 0x80 }[rng_below(r, 4)];
		}
		b[3] = (uint8_t)n;
		through_json("name (any bytes)", &v, b, 4 + ((n + 3) & ~3u), round);
		if (failures)
			return;
	}
}

/* A JSON text of a type, and the bytes it must give ("" for none) or the error. */
static const struct fixed_case {
	const char *type, *json, *hex, *error;
} cases[] = {
	{ "small", "{\"a\": -1, \"c\": \"BLUE\", \"big\": 18446744073709551615}", NULL,
	  "invalid JSON" },
	{ "small", "{\"a\": -1, \"c\": \"BLUE\", \"big\": \"18446744073709551615\"}",
	  "ffffffff00000002ffffffffffffffff", NULL },
	{ "small", "{\"a\": 1, \"c\": 2, \"big\": 9223372036854775807}",
	  "00000001000000027fffffffffffffff", NULL },
	{ "small", "{\"a\": 2147483648, \"c\": \"RED\", \"big\": 0}", NULL,
	  ".a: 2147483648 is out of range for int (-2147483648 to 2147483647)" },
	{ "small", "{\"a\": 1, \"c\": \"BLEU\", \"big\": 0}", NULL,
	  ".c: 'BLEU' is not a member of enum color; did you mean 'BLUE'?" },
	{ "small", "{\"a\": 1, \"c\": 7, \"big\": 0}", NULL,
	  ".c: 7 is not the value of a member of enum color" },
	{ "small", "{\"a\": 1, \"c\": \"RED\", \"big\": -1}", NULL,
	  ".big: -1 is out of range for unsigned hyper (0 to 18446744073709551615)" },
	{ "small", "{\"a\": 1, \"c\": \"RED\"}", NULL, ".big: missing" },
	{ "small", "{\"a\": 1, \"c\": \"RED\", \"big\": 0, \"bgi\": 1}", NULL,
	  ".: no member 'bgi'; did you mean 'big'?" },
	{ "small", "[1, 2]", NULL, ".: expected an object, got an array" },
	{ "name", "\"h\\u00e9\"", "0000000368c3a900", NULL },
	{ "name", "\"\\uef80\\uefff\"", "0000000280ff0000", NULL },
	{ "name", "\"0123456789012345678901234567890123\"", NULL,
	  ".: 34 bytes > maximum 32" },
	{ "hash", "\"AAECAwQFBgcICQoLDA0ODw==\"", "000102030405060708090a0b0c0d0e0f", NULL },
	{ "hash", "{\"hex\": \"000102030405060708090a0b0c0d0e0f\"}",
	  "000102030405060708090a0b0c0d0e0f", NULL },
	{ "hash", "\"AAEC\"", NULL, ".: 3 bytes, the type has exactly 16" },
	{ "blob", "\"AAE=\"", "000000020001" "0000", NULL },
	{ "blob", "\"AAF=\"", NULL, ".: not base64 (RFC 4648, padded)" },
	{ "hypers", "[1]", NULL, ".: 1 elements, the type has exactly 2" },
	{ "smalls", "[{\"a\": 1, \"c\": \"RED\", \"big\": 0}, {\"a\": 1, \"c\": \"RED\", \"big\": \"x\"}]",
	  NULL, "[1].big: \"x\" is not a decimal integer (unsigned hyper)" },
	{ "shape", "{\"c\": \"RED\", \"radius\": 5}", "0000000000000005", NULL },
	{ "shape", "{\"c\": \"GREEN\", \"radius\": 5}", NULL,
	  ".: no member 'radius' (the arm of c = 1 is 'label')" },
	{ "maybe", "{\"present\": false}", "00000000", NULL },
	{ "with_default", "{\"kind\": 9, \"f\": \"NaN\"}", "000000097fc00000", NULL },
	{ "with_default", "{\"kind\": 9, \"f\": \"0x7fc00001\"}", "000000097fc00001", NULL },
	{ "with_default", "{\"kind\": 9, \"f\": -0.0}", "0000000980000000", NULL },
	{ "with_default", "{\"kind\": 9, \"f\": 1e39}", NULL, ".f: 1e+39 is out of range for float" },
	{ "big_case", "{\"k\": 4000000000, \"big\": -2}", "ee6b2800fffffffe", NULL },
	{ "big_case", "{\"k\": 3}", NULL, ".: k = 3 selects no arm of union big_case" },
	{ "listptr", "[]", "00000000", NULL },
	{ "listptr", "[{\"value\": 1, \"tag\": \"a\"}, {\"value\": 2, \"tag\": \"\"}]",
	  "00000001" "00000001" "0000000161000000" "00000001" "00000002" "00000000" "00000000",
	  NULL },
	{ "list", "[]", NULL, ".: a list of at least one node, got an empty array" },
	{ "list", "[{\"value\": 1, \"tag\": \"a\", \"next\": null}]", NULL,
	  "[0]: no member 'next'" },
	{ "nested", "{\"inner\": {\"a\": 1, \"c\": \"RED\", \"big\": 0, \"x\": 1}, \"h\": 0, "
		    "\"pair\": []}",
	  NULL, ".inner: no member 'x'" },
};

static void fixed_cases(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct fixed_case *c = &cases[i];
		const definition *d = find_type(c->type);
		EXPECT(d, "case %zu: no type %s", i, c->type);
		plan_value v = type_value(d);
		json_error_t jerr;
		json_t *j = json_loads(c->json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (!j) {
			EXPECT(c->error && strcmp(c->error, "invalid JSON") == 0,
			       "case %zu: invalid JSON: %s", i, jerr.text);
			continue;
		}
		char err[1024] = "";
		onc_xdr_enc e;
		onc_xdr_enc_init(&e);
		bool ok = json_to_xdr(&v, j, &e, err, sizeof err);
		char *got = hex(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
		bool right = c->error ? !ok && strcmp(err, c->error) == 0 : ok && strcmp(got, c->hex) == 0;
		if (!right)
			fprintf(stderr, "case %zu (%s %s):\n  want %s\n  got  %s\n", i, c->type, c->json,
				c->error ? c->error : c->hex, ok ? got : err);
		free(got);
		onc_xdr_enc_free(&e);
		json_decref(j);
		EXPECT(right, "case %zu", i);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: json_roundtrip FILE.x [cpp args...]\n", stderr);
		return 2;
	}
	pool p = { 0 };
	diag dg;
	diag_init(&dg, stderr);
	gen_options opt = { .input = argv[1],
			    .cpp_args = (const char *const *)argv + 2,
			    .ncpp_args = (size_t)argc - 2 };
	plan pl;
	if (gen_load(&opt, &p, &dg, &s, &pl) != 0) {
		diag_flush(&dg);
		return 2;
	}
	rng r;
	rng_seed(&r, 42);
	strbuf bytes = { 0 };
	size_t values = 0;
	for (size_t i = 0; i < ncodecs && !failures; i++) {
		const definition *def = find_type(codecs[i].name);
		if (!def) {
			fprintf(stderr, "FAIL: %s: not in %s\n", codecs[i].name, argv[1]);
			failures++;
			break;
		}
		plan_value v = type_value(def);
		for (int round = 0; round < ROUNDS && !failures; round++) {
			bytes.len = 0;
			random_xdr(def, &r, &bytes);
			one_value(&codecs[i], &v, &bytes, round);
			values++;
		}
		if (!failures)
			garbage(codecs[i].name, &v, &r);
	}
	if (!failures)
		any_bytes(&r);
	if (!failures)
		fixed_cases();
	printf("%s: %zu types, %zu random values, %zu fixed cases, %d failures\n", argv[1], ncodecs,
	       values, sizeof cases / sizeof cases[0], failures);
	strbuf_free(&bytes);
	diag_free(&dg);
	pool_free(&p);
	return failures || ncodecs == 0 ? 1 : 0;
}
