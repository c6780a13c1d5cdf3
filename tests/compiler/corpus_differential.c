/* Differential test on a corpus file: random valid XDR values of each of its types (built from
 * onc gen's syntax tree of the file) are decoded and encoded again by onc's generated code and
 * by rpcgen's (with libtirpc); both must accept them and give back the same bytes. onc must
 * also reject every proper prefix of them as truncated. Built with ONC_ONLY, for what rpcgen
 * cannot do, only onc's side runs.
 * usage: corpus_differential FILE.x [cpp args...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codec.h"
#include "parser.h"
#include "preprocess.h"
#include "random_xdr.h"
#ifndef ONC_ONLY
#include "rpcgen_bridge.h"
#endif

enum { ROUNDS = 200 };

static int failures;

#define EXPECT(cond, ...)                                       \
	do {                                                    \
		if (!(cond)) {                                  \
			fprintf(stderr, "FAIL: " __VA_ARGS__);  \
			fputc('\n', stderr);                   \
			failures++;                             \
			return;                                 \
		}                                               \
	} while (0)

static const definition *find_type(const spec *s, const char *name)
{
	for (const definition *d = s->defs; d; d = d->next)
		if (def_is_type(d) && strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

/* Every proper prefix is truncated input, and a failed decode leaves nothing allocated. */
static void prefixes(const codec *c, const uint8_t *bytes, size_t len, int round)
{
	void *v = calloc(1, c->size);
	for (size_t k = 0; k < len; k++) {
		onc_xdr_dec d;
		onc_xdr_dec_init(&d, bytes, k, NULL);
		onc_status s = c->decode(&d, v);
		c->free(v);
		if (s != ONC_ERR_TRUNCATED) {
			free(v);
			EXPECT(false, "%s round %d: prefix of %zu bytes: %s", c->name, round, k,
			       onc_strerror(s));
		}
	}
	free(v);
}

static void one_value(const codec *c, const uint8_t *bytes, size_t len, int round)
{
	void *v = calloc(1, c->size);
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, bytes, len, NULL);
	onc_status s = c->decode(&d, v);
	EXPECT(s == ONC_OK, "%s round %d: onc decode: %s", c->name, round, onc_strerror(s));
	EXPECT(onc_xdr_dec_finish(&d) == ONC_OK, "%s round %d: onc left bytes", c->name, round);
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	s = c->encode(&e, v);
	c->free(v);
	free(v);
	EXPECT(s == ONC_OK, "%s round %d: onc encode: %s", c->name, round, onc_strerror(s));
	EXPECT(c->max_size < 0 || len <= (size_t)c->max_size,
	       "%s round %d: %zu bytes, more than %s_MAXSIZE (%lld)", c->name, round, len, c->name,
	       (long long)c->max_size);
	bool same = onc_xdr_enc_len(&e) == len && memcmp(onc_xdr_enc_data(&e), bytes, len) == 0;
	onc_xdr_enc_free(&e);
	EXPECT(same, "%s round %d: onc changed the bytes", c->name, round);

#ifndef ONC_ONLY
	uint8_t *theirs = malloc(len + 64);
	size_t rlen = 0;
	rpcgen_result r = rpcgen_reencode(c->name, bytes, len, theirs, len + 64, &rlen);
	same = r == RPCGEN_OK && rlen == len && memcmp(theirs, bytes, len) == 0;
	free(theirs);
	EXPECT(r == RPCGEN_OK, "%s round %d: rpcgen failed (%d)", c->name, round, (int)r);
	EXPECT(same, "%s round %d: rpcgen changed the bytes", c->name, round);
#endif
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: corpus_differential FILE.x [cpp args...]\n", stderr);
		return 2;
	}
	pool p = { 0 };
	diag dg;
	diag_init(&dg, stderr);
	char *text = preprocess(argv[1], "-DRPC_HDR", (const char *const *)argv + 2, (size_t)argc - 2,
				&p, &dg);
	if (!text) {
		diag_flush(&dg);
		return 2;
	}
	token_list tokens = lex(&p, &dg, text, argv[1]);
	free(text);
	spec s = parse(&p, &dg, &tokens);
	if (dg.errors || !check_spec(&s, NULL, &dg, &p)) {
		diag_flush(&dg);
		return 2;
	}

	rng r;
	rng_seed(&r, 42);
	strbuf bytes = { 0 };
	size_t values = 0;
	for (size_t i = 0; i < ncodecs; i++) {
		const definition *def = find_type(&s, codecs[i].name);
		if (!def) {
			fprintf(stderr, "FAIL: %s: not in %s\n", codecs[i].name, argv[1]);
			failures++;
			continue;
		}
		for (int round = 0; round < ROUNDS && !failures; round++) {
			bytes.len = 0;
			random_xdr(def, &r, &bytes);
			one_value(&codecs[i], (const uint8_t *)bytes.data, bytes.len, round);
			if (round < 10)
				prefixes(&codecs[i], (const uint8_t *)bytes.data, bytes.len, round);
			values++;
		}
	}
	printf("%s: %zu types, %zu values, %d failures\n", argv[1], ncodecs, values, failures);
	strbuf_free(&bytes);
	diag_free(&dg);
	pool_free(&p);
	return failures || ncodecs == 0 ? 1 : 0;
}
