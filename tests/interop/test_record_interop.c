/* Differential test of record marking (RFC 5531 §11) against libtirpc's xdrrec: records that
 * xdrrec writes (split into fragments by its buffer size) come out of onc_rm_reader intact, and
 * records from onc_rm_begin/onc_rm_end (split by max_frag, also mid-word) are read by xdrrec.
 * Both directions carry the streams in random-sized pieces, down to one byte. */
#include "interop.h"

#include <stdlib.h>

#define RECORDS 40
#define MAX_WORDS 3000 /* 12 KB: several fragments at libtirpc's default 4000-byte buffer */
#define MAX_TAIL 20    /* trailing opaque bytes, so records have every length mod 4 */

/* A record's content: words, then an opaque tail, marshalled as xdr_u_int / xdr_opaque. */
typedef struct record {
	uint32_t nwords, ntail;
	uint32_t words[MAX_WORDS];
	uint8_t tail[MAX_TAIL];
} record;

static record records[RECORDS];

static void gen_records(void)
{
	for (unsigned i = 0; i < RECORDS; i++) {
		record *r = &records[i];
		/* The first records are the small edge cases: empty, one word, a lone byte. */
		r->nwords = i == 0 || i == 2 ? 0 : i == 1 ? 1 : rnd_below(MAX_WORDS + 1);
		r->ntail = i < 2 ? 0 : i == 2 ? 1 : rnd_below(MAX_TAIL + 1);
		for (uint32_t k = 0; k < r->nwords; k++)
			r->words[k] = rnd_u32();
		rnd_bytes(r->tail, r->ntail);
	}
}

/* The bytes a record carries: its XDR encoding. */
static void record_bytes(const record *r, onc_xdr_enc *e)
{
	onc_xdr_enc_reset(e);
	check(onc_xdr_put_u32_array(e, r->words, r->nwords) == ONC_OK &&
		      onc_xdr_put_opaque_fixed(e, r->tail, r->ntail) == ONC_OK,
	      "cannot encode a record");
}

/* ---- a memory stream behind xdrrec's read and write callbacks ---- */

typedef struct stream {
	uint8_t *buf;
	size_t len, cap, pos;
	unsigned max_piece; /* reads return at most this many bytes */
} stream;

static int stream_write(void *handle, void *data, int n)
{
	stream *s = handle;
	if (s->len + (size_t)n > s->cap) {
		s->cap = (s->len + (size_t)n) * 2;
		s->buf = realloc(s->buf, s->cap);
		check(s->buf != NULL, "out of memory");
	}
	memcpy(s->buf + s->len, data, (size_t)n);
	s->len += (size_t)n;
	return n;
}

static size_t piece(size_t left, unsigned max_piece)
{
	size_t n = 1 + rnd_below(max_piece);
	return n < left ? n : left;
}

/* Returns a random-sized piece, like a socket would; -1 at the end (xdrrec treats 0 as
 * "try again"). */
static int stream_read(void *handle, void *data, int n)
{
	stream *s = handle;
	size_t take = piece(s->len - s->pos, s->max_piece);
	if (take == 0)
		return -1;
	if (take > (size_t)n)
		take = (size_t)n;
	memcpy(data, s->buf + s->pos, take);
	s->pos += take;
	return (int)take;
}

/* Fragments in a stream, counted by walking the headers (to show the test splits records). */
static size_t count_fragments(const uint8_t *p, size_t len)
{
	size_t n = 0;
	for (size_t at = 0; at + 4 <= len; n++) {
		uint32_t h;
		memcpy(&h, p + at, 4);
		at += 4 + (onc_be32(h) & ONC_RM_MAX_FRAG);
	}
	return n;
}

/* ---- libtirpc writes, onc reads ---- */

static void tirpc_writes(stream *s, u_int sendsize)
{
	XDR x;
	xdrrec_create(&x, sendsize, 0, s, stream_read, stream_write);
	x.x_op = XDR_ENCODE;
	for (unsigned i = 0; i < RECORDS; i++) {
		record *r = &records[i];
		for (uint32_t k = 0; k < r->nwords; k++)
			check(xdr_u_int(&x, &r->words[k]), "xdrrec cannot encode");
		check(xdr_opaque(&x, (caddr_t)r->tail, r->ntail), "xdrrec cannot encode");
		/* sendnow = FALSE lets xdrrec pack several records into one write. */
		check(xdrrec_endofrecord(&x, i % 3 != 0 || i == RECORDS - 1), "endofrecord");
	}
	XDR_DESTROY(&x);
}

static void onc_reads(const stream *s, unsigned max_piece)
{
	onc_rm_reader rd;
	onc_xdr_enc want;
	unsigned got = 0;
	size_t at = 0;

	onc_rm_reader_init(&rd, 0);
	onc_xdr_enc_init(&want);
	while (at < s->len) {
		size_t used, len;
		size_t n = piece(s->len - at, max_piece);
		onc_status st = onc_rm_reader_feed(&rd, s->buf + at, n, &used);
		check(st == ONC_OK, "onc_rm_reader_feed: %s", onc_strerror(st));
		at += used;
		const uint8_t *rec = onc_rm_reader_record(&rd, &len);
		if (!rec) {
			check(used == n, "the reader stopped early without a record");
			continue;
		}
		check(got < RECORDS, "more records than were written");
		record_bytes(&records[got], &want);
		expect_same_bytes("record", want.base, onc_xdr_enc_len(&want), rec, len);
		got++;
		onc_rm_reader_next(&rd);
	}
	check(got == RECORDS, "%u of %u records came out", got, RECORDS);
	check(rd.hdr_have == 0 && !rd.in_frag, "the reader holds a partial fragment");
	onc_xdr_enc_free(&want);
	onc_rm_reader_free(&rd);
}

static void test_tirpc_writes_onc_reads(void **state)
{
	/* 0 means libtirpc's default (4000); 100 is its smallest buffer. */
	static const u_int sendsizes[] = {0, 100, 1000, 9000, 70000};
	static const unsigned pieces[] = {1, 3, 64, 5000, 100000};
	(void)state;
	interop_reseed();
	for (unsigned k = 0; k < sizeof sendsizes / sizeof sendsizes[0]; k++) {
		stream s = {0};
		gen_records();
		tirpc_writes(&s, sendsizes[k]);
		if (sendsizes[k] < 20000)
			check(count_fragments(s.buf, s.len) > RECORDS,
			      "sendsize %u gave no multi-fragment record", sendsizes[k]);
		onc_reads(&s, pieces[k]);
		free(s.buf);
	}
}

/* ---- onc writes, libtirpc reads ---- */

static void onc_writes(onc_xdr_enc *e, uint32_t max_frag)
{
	for (unsigned i = 0; i < RECORDS; i++) {
		const record *r = &records[i];
		size_t start;
		check(onc_rm_begin(e, &start) == ONC_OK, "onc_rm_begin");
		check(onc_xdr_put_u32_array(e, r->words, r->nwords) == ONC_OK &&
			      onc_xdr_put_opaque_fixed(e, r->tail, r->ntail) == ONC_OK,
		      "onc cannot encode");
		check(onc_rm_end(e, start, max_frag) == ONC_OK, "onc_rm_end(%u)", max_frag);
	}
}

static void tirpc_reads(stream *s, u_int recvsize)
{
	uint8_t tail[MAX_TAIL];
	u_int word;
	XDR x;

	xdrrec_create(&x, 0, recvsize, s, stream_read, stream_write);
	x.x_op = XDR_DECODE;
	for (unsigned i = 0; i < RECORDS; i++) {
		const record *r = &records[i];
		check(xdrrec_skiprecord(&x), "record %u: xdrrec_skiprecord", i);
		for (uint32_t k = 0; k < r->nwords; k++) {
			check(xdr_u_int(&x, &word), "record %u: xdrrec cannot read word %u", i, k);
			check(word == r->words[k], "record %u: word %u differs", i, k);
		}
		check(xdr_opaque(&x, (caddr_t)tail, r->ntail), "record %u: no tail", i);
		check(memcmp(tail, r->tail, r->ntail) == 0, "record %u: tail differs", i);
		/* The record ends exactly here. */
		check(!xdr_u_int(&x, &word), "record %u: xdrrec read past its end", i);
	}
	check(xdrrec_skiprecord(&x) && xdrrec_eof(&x), "bytes after the last record");
	XDR_DESTROY(&x);
}

static void test_onc_writes_tirpc_reads(void **state)
{
	/* 0 = one fragment per record; odd sizes split words across fragments. */
	static const uint32_t max_frags[] = {0, 1, 4, 7, 100, 1001, 4096};
	static const u_int recvsizes[] = {0, 100, 4000, 9000, 0, 100, 70000};
	static const unsigned pieces[] = {100000, 1, 7, 64, 5000, 3, 100000};
	(void)state;
	interop_reseed();
	for (unsigned k = 0; k < sizeof max_frags / sizeof max_frags[0]; k++) {
		onc_xdr_enc e;
		onc_xdr_enc_init(&e);
		gen_records();
		onc_writes(&e, max_frags[k]);
		stream s = {e.base, onc_xdr_enc_len(&e), 0, 0, pieces[k]};
		tirpc_reads(&s, recvsizes[k]);
		onc_xdr_enc_free(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tirpc_writes_onc_reads),
		cmocka_unit_test(test_onc_writes_tirpc_reads),
	};
	return cmocka_run_group_tests(tests, interop_group_setup, NULL);
}
