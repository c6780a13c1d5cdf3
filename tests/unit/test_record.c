/* Record marking (RFC 5531 §11): writing records as fragments, and reading them back out of a
 * byte stream that arrives in pieces of any size. */
#include "unit.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Writer
 */

/* Encodes a record of n payload bytes (0, 1, 2, ...) with max_frag into e. */
static void write_record(onc_xdr_enc *e, size_t n, uint32_t max_frag)
{
	size_t start = SIZE_MAX;
	size_t before = onc_xdr_enc_len(e);
	assert_status(onc_rm_begin(e, &start), ONC_OK);
	assert_int_equal(start, before);
	assert_status(onc_xdr_enc_reserve(e, n), ONC_OK);
	for (size_t i = 0; i < n; i++)
		*e->p++ = (uint8_t)i;
	assert_status(onc_rm_end(e, start, max_frag), ONC_OK);
}

static void test_single_fragment(void **state)
{
	(void)state;
	onc_xdr_enc e;
	size_t start;
	onc_xdr_enc_init(&e);
	assert_status(onc_rm_begin(&e, &start), ONC_OK);
	assert_int_equal(start, 0);
	assert_status(onc_xdr_put_u32(&e, 0x01020304), ONC_OK);
	assert_status(onc_xdr_put_string(&e, "rm", 8), ONC_OK);
	assert_status(onc_rm_end(&e, start, ONC_RM_MAX_FRAG), ONC_OK);
	static const uint8_t want[] = {0x80, 0, 0, 12, 1, 2, 3, 4, 0, 0, 0, 2, 'r', 'm', 0, 0};
	unit_assert_enc_bytes(&e, want, sizeof want);

	/* A second record after the first, of exactly max_frag bytes: still one fragment. */
	write_record(&e, 8, 8);
	static const uint8_t second[] = {0x80, 0, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7};
	assert_int_equal(onc_xdr_enc_len(&e), sizeof want + sizeof second);
	assert_memory_equal(onc_xdr_enc_data(&e), want, sizeof want);
	assert_memory_equal(onc_xdr_enc_data(&e) + sizeof want, second, sizeof second);

	/* An empty record is one empty last fragment. */
	onc_xdr_enc_reset(&e);
	write_record(&e, 0, 100);
	static const uint8_t empty[] = {0x80, 0, 0, 0};
	unit_assert_enc_bytes(&e, empty, sizeof empty);
	onc_xdr_enc_free(&e);
}

static void test_split_into_fragments(void **state)
{
	(void)state;
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	write_record(&e, 12, 5);
	static const uint8_t fives[] = {
		0, 0, 0, 5, 0, 1, 2, 3, 4, 0, 0, 0, 5, 5, 6, 7, 8, 9, 0x80, 0, 0, 2, 10, 11,
	};
	unit_assert_enc_bytes(&e, fives, sizeof fives);

	onc_xdr_enc_reset(&e);
	write_record(&e, 12, 4);
	static const uint8_t fours[] = {
		0, 0, 0, 4, 0, 1, 2, 3, 0, 0, 0, 4, 4, 5, 6, 7, 0x80, 0, 0, 4, 8, 9, 10, 11,
	};
	unit_assert_enc_bytes(&e, fours, sizeof fours);

	/* A record after some earlier bytes: only the record is split. */
	onc_xdr_enc_reset(&e);
	assert_status(onc_xdr_put_u32(&e, 0xeeeeeeeeu), ONC_OK);
	write_record(&e, 3, 2);
	static const uint8_t after[] = {
		0xee, 0xee, 0xee, 0xee, 0, 0, 0, 2, 0, 1, 0x80, 0, 0, 1, 2,
	};
	unit_assert_enc_bytes(&e, after, sizeof after);

	/* A long record in many fragments reads back whole (reader tests check the reader). */
	onc_xdr_enc_reset(&e);
	write_record(&e, 10000, 1000);
	assert_int_equal(onc_xdr_enc_len(&e), 10000 + 10 * 4);
	const uint8_t *p = onc_xdr_enc_data(&e);
	for (size_t f = 0; f < 10; f++) {
		const uint8_t *h = p + f * 1004;
		uint32_t hdr = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | h[2] << 8 | h[3];
		assert_int_equal(hdr, (f == 9 ? ONC_RM_LAST_FRAG : 0) | 1000u);
		assert_int_equal(h[4], (uint8_t)(f * 1000));
	}
	onc_xdr_enc_free(&e);
}

static void test_fragments_in_fixed_buffer(void **state)
{
	(void)state;
	/* 12 bytes in fragments of 5 need 3 headers: 24 bytes fit, 23 do not. */
	for (size_t cap = 16; cap <= 24; cap++) {
		uint8_t *buf = malloc(cap);
		assert_non_null(buf);
		onc_xdr_enc e;
		size_t start;
		onc_xdr_enc_init_fixed(&e, buf, cap);
		assert_status(onc_rm_begin(&e, &start), ONC_OK);
		assert_status(onc_xdr_put_opaque_fixed(&e, "abcdefghijkl", 12), ONC_OK);
		onc_status s = onc_rm_end(&e, start, 5);
		if (cap < 24) {
			assert_status(s, ONC_ERR_BUFFER_FULL);
		} else {
			assert_status(s, ONC_OK);
			static const uint8_t want[] = {0,    0, 0, 5, 'a', 'b', 'c', 'd',
						       'e',  0, 0, 0, 5,   'f', 'g', 'h',
						       'i',  'j', 0x80, 0, 0, 2, 'k', 'l'};
			unit_assert_enc_bytes(&e, want, sizeof want);
		}
		free(buf);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Reader
 */

/* A record expected out of a stream: its length and a seed for its bytes. */
struct rec {
	size_t len;
	uint8_t seed;
};

static uint8_t rec_byte(const struct rec *r, size_t i)
{
	return (uint8_t)(r->seed + i * 7);
}

/* Writes one fragment header and the next len bytes of record r from *off. */
static void put_frag(onc_xdr_enc *e, const struct rec *r, size_t *off, size_t len, bool last)
{
	assert_status(onc_xdr_put_u32(e, (last ? ONC_RM_LAST_FRAG : 0) | (uint32_t)len),
		      ONC_OK);
	assert_status(onc_xdr_enc_reserve(e, len), ONC_OK);
	for (size_t i = 0; i < len; i++)
		*e->p++ = rec_byte(r, (*off)++);
}

/* The test stream: records of varied sizes, some in one fragment, some in many, some with
 * empty fragments in them, one entirely empty. */
static const struct rec stream_recs[] = {
	{40, 1}, {0, 2}, {1, 3}, {3000, 4}, {17, 5}, {65, 6}, {4, 7}, {700, 8},
};

static void build_stream(onc_xdr_enc *e)
{
	onc_xdr_enc_init(e);
	for (size_t i = 0; i < UNIT_LEN(stream_recs); i++) {
		const struct rec *r = &stream_recs[i];
		size_t off = 0;
		switch (i % 4) {
		case 0: /* one fragment */
			put_frag(e, r, &off, r->len, true);
			break;
		case 1: /* fragments of at most 16 bytes */
			while (r->len - off > 16)
				put_frag(e, r, &off, 16, false);
			put_frag(e, r, &off, r->len - off, true);
			break;
		case 2: /* an empty fragment first, then the data, then an empty last one */
			put_frag(e, r, &off, 0, false);
			put_frag(e, r, &off, r->len, false);
			put_frag(e, r, &off, 0, true);
			break;
		default: /* uneven fragments: 1, 2, 3, ... bytes */
			for (size_t n = 1; r->len - off > n; n++)
				put_frag(e, r, &off, n, false);
			put_frag(e, r, &off, r->len - off, true);
			break;
		}
	}
}

static void check_record(const onc_rm_reader *r, const struct rec *want)
{
	size_t len = SIZE_MAX;
	const uint8_t *p = onc_rm_reader_record(r, &len);
	assert_non_null(p);
	assert_int_equal(len, want->len);
	for (size_t i = 0; i < len; i++)
		if (p[i] != rec_byte(want, i))
			fail_msg("record byte %zu is %u, expected %u", i, p[i], rec_byte(want, i));
}

/* Feeds the stream in chunks whose sizes come from next_chunk, checking each record as it
 * comes out. */
static void read_stream(const uint8_t *data, size_t len, size_t (*next_chunk)(uint32_t *),
			uint32_t seed)
{
	onc_rm_reader r;
	size_t got = 0, pos = 0;
	onc_rm_reader_init(&r, ONC_RM_DEFAULT_MAX_RECORD);
	while (pos < len) {
		size_t chunk = next_chunk(&seed);
		if (chunk > len - pos)
			chunk = len - pos;
		/* Each chunk in its own heap block, so ASan sees reads past it. */
		uint8_t *piece = unit_dup(data + pos, chunk);
		size_t at = 0;
		while (at < chunk) {
			size_t consumed = SIZE_MAX;
			assert_status(onc_rm_reader_feed(&r, piece + at, chunk - at, &consumed),
				      ONC_OK);
			assert_true(consumed <= chunk - at);
			at += consumed;
			size_t rlen;
			if (onc_rm_reader_record(&r, &rlen)) {
				assert_true(got < UNIT_LEN(stream_recs));
				check_record(&r, &stream_recs[got++]);
				onc_rm_reader_next(&r);
				assert_null(onc_rm_reader_record(&r, &rlen));
			} else {
				/* No record: everything offered was taken. */
				assert_int_equal(at, chunk);
			}
		}
		free(piece);
		pos += chunk;
	}
	assert_int_equal(got, UNIT_LEN(stream_recs));
	onc_rm_reader_free(&r);
}

static size_t chunk_one(uint32_t *seed)
{
	(void)seed;
	return 1;
}

static size_t chunk_all(uint32_t *seed)
{
	(void)seed;
	return SIZE_MAX;
}

static size_t chunk_random(uint32_t *seed)
{
	uint32_t x = unit_rand(seed);
	/* Mostly small pieces, sometimes large ones. */
	return (x & 0x100) ? 1 + x % 9 : 1 + x % 700;
}

static void test_reader_one_byte_at_a_time(void **state)
{
	(void)state;
	onc_xdr_enc e;
	build_stream(&e);
	read_stream(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), chunk_one, 0);
	onc_xdr_enc_free(&e);
}

static void test_reader_whole_stream_at_once(void **state)
{
	(void)state;
	onc_xdr_enc e;
	build_stream(&e);
	read_stream(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), chunk_all, 0);
	onc_xdr_enc_free(&e);
}

static void test_reader_random_chunks(void **state)
{
	(void)state;
	onc_xdr_enc e;
	build_stream(&e);
	for (uint32_t seed = 1; seed <= 50; seed++)
		read_stream(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), chunk_random, seed);
	onc_xdr_enc_free(&e);
}

/* The writer's output reads back through the reader. */
static void test_writer_to_reader(void **state)
{
	(void)state;
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	write_record(&e, 1000, 7);
	write_record(&e, 0, 7);
	write_record(&e, 9, 1000);

	onc_rm_reader r;
	size_t consumed, at = 0, len = 0;
	const uint8_t *data = onc_xdr_enc_data(&e);
	static const size_t sizes[] = {1000, 0, 9};
	onc_rm_reader_init(&r, 4096);
	for (size_t i = 0; i < UNIT_LEN(sizes); i++) {
		assert_status(onc_rm_reader_feed(&r, data + at, onc_xdr_enc_len(&e) - at,
						 &consumed),
			      ONC_OK);
		at += consumed;
		const uint8_t *p = onc_rm_reader_record(&r, &len);
		assert_non_null(p);
		assert_int_equal(len, sizes[i]);
		for (size_t j = 0; j < len; j++)
			assert_int_equal(p[j], (uint8_t)j);
		onc_rm_reader_next(&r);
	}
	assert_int_equal(at, onc_xdr_enc_len(&e));
	onc_rm_reader_free(&r);
	onc_xdr_enc_free(&e);
}

/* Feeds bytes one at a time; returns the status of the first failure (or ONC_OK) and how
 * many bytes were fed when it came. */
static onc_status feed_bytewise(onc_rm_reader *r, const uint8_t *data, size_t len,
				size_t *fed)
{
	for (*fed = 0; *fed < len; (*fed)++) {
		size_t consumed;
		uint8_t *one = unit_dup(data + *fed, 1);
		onc_status s = onc_rm_reader_feed(r, one, 1, &consumed);
		free(one);
		if (s != ONC_OK) {
			(*fed)++;
			return s;
		}
		assert_int_equal(consumed, 1);
	}
	return ONC_OK;
}

/* The most a reader may have allocated when the bytes it has seen do not justify more. */
#define SMALL_CAP 65536u

static void test_header_over_limit(void **state)
{
	(void)state;
	onc_rm_reader r;
	size_t consumed = 0, fed;

	/* One byte over the limit, all at once and one byte at a time: refused at the header. */
	static const uint8_t over[] = {0x80, 0, 0x04, 0x01, 1, 2, 3, 4};
	onc_rm_reader_init(&r, 1024);
	assert_status(onc_rm_reader_feed(&r, over, sizeof over, &consumed),
		      ONC_ERR_RECORD_TOO_BIG);
	assert_true(r.cap <= 1024);
	onc_rm_reader_free(&r);

	onc_rm_reader_init(&r, 1024);
	assert_status(feed_bytewise(&r, over, sizeof over, &fed), ONC_ERR_RECORD_TOO_BIG);
	assert_int_equal(fed, 4);
	assert_true(r.cap <= 1024);
	onc_rm_reader_free(&r);

	/* The biggest header there is, against the default limit. */
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	onc_rm_reader_init(&r, ONC_RM_DEFAULT_MAX_RECORD);
	assert_status(onc_rm_reader_feed(&r, huge, sizeof huge, &consumed),
		      ONC_ERR_RECORD_TOO_BIG);
	assert_true(r.cap <= SMALL_CAP);
	onc_rm_reader_free(&r);

	/* A non-last fragment one byte over the limit (4 MiB) is refused just the same. */
	static const uint8_t frag[] = {0x00, 0x40, 0, 0x01, 0, 0, 0, 0};
	onc_rm_reader_init(&r, ONC_RM_DEFAULT_MAX_RECORD);
	assert_status(onc_rm_reader_feed(&r, frag, sizeof frag, &consumed),
		      ONC_ERR_RECORD_TOO_BIG);
	assert_true(r.cap <= SMALL_CAP);
	onc_rm_reader_free(&r);
}

static void test_big_claim_allocates_only_what_arrives(void **state)
{
	(void)state;
	onc_rm_reader r;
	size_t consumed = 0, len = 0;

	/* Exactly the limit (4 MiB) is allowed, but 16 bytes of it do not buy 4 MiB of memory. */
	static const uint8_t claim[] = {0x80, 0x40, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
					9,    10,   11, 12, 13, 14, 15, 16};
	onc_rm_reader_init(&r, ONC_RM_DEFAULT_MAX_RECORD);
	assert_status(onc_rm_reader_feed(&r, claim, sizeof claim, &consumed), ONC_OK);
	assert_int_equal(consumed, sizeof claim);
	assert_null(onc_rm_reader_record(&r, &len));
	assert_true(r.cap <= SMALL_CAP);
	onc_rm_reader_free(&r);

	/* A limit that is not a power of two: the full claimed record does come out. */
	const size_t limit = 100000;
	uint8_t *data = malloc(4 + limit);
	assert_non_null(data);
	data[0] = 0x80;
	data[1] = (uint8_t)(limit >> 16);
	data[2] = (uint8_t)(limit >> 8);
	data[3] = (uint8_t)limit;
	for (size_t i = 0; i < limit; i++)
		data[4 + i] = (uint8_t)(i * 13);
	onc_rm_reader_init(&r, limit);
	size_t at = 0;
	while (at < 4 + limit) {
		size_t piece = 4 + limit - at < 4093 ? 4 + limit - at : 4093;
		assert_status(onc_rm_reader_feed(&r, data + at, piece, &consumed), ONC_OK);
		at += consumed;
		/* Memory grows with the data, not with the claim. */
		assert_true(r.cap <= SMALL_CAP || r.cap <= 2 * at);
	}
	const uint8_t *p = onc_rm_reader_record(&r, &len);
	assert_non_null(p);
	assert_int_equal(len, limit);
	assert_memory_equal(p, data + 4, limit);
	onc_rm_reader_free(&r);
	free(data);
}

static void test_total_over_limit(void **state)
{
	(void)state;
	onc_rm_reader r;
	onc_xdr_enc e;
	size_t fed;
	const struct rec rec = {101, 9};
	size_t off;

	/* 60 + 41 bytes against a limit of 100: the second header is refused. */
	onc_xdr_enc_init(&e);
	off = 0;
	put_frag(&e, &rec, &off, 60, false);
	put_frag(&e, &rec, &off, 41, true);
	onc_rm_reader_init(&r, 100);
	assert_status(feed_bytewise(&r, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), &fed),
		      ONC_ERR_RECORD_TOO_BIG);
	assert_int_equal(fed, 4 + 60 + 4);
	onc_rm_reader_free(&r);

	/* 60 + 40 is exactly the limit. */
	const struct rec exact = {100, 9};
	onc_xdr_enc_reset(&e);
	off = 0;
	put_frag(&e, &exact, &off, 60, false);
	put_frag(&e, &exact, &off, 40, true);
	onc_rm_reader_init(&r, 100);
	assert_status(feed_bytewise(&r, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), &fed),
		      ONC_OK);
	check_record(&r, &exact);
	onc_rm_reader_free(&r);

	/* Many small fragments that add up past the limit. */
	const struct rec many = {200, 3};
	onc_xdr_enc_reset(&e);
	off = 0;
	for (int i = 0; i < 19; i++)
		put_frag(&e, &many, &off, 10, false);
	put_frag(&e, &many, &off, 10, true);
	onc_rm_reader_init(&r, 105);
	assert_status(feed_bytewise(&r, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), &fed),
		      ONC_ERR_RECORD_TOO_BIG);
	assert_int_equal(fed, 10 * 14 + 4);
	onc_rm_reader_free(&r);
	onc_xdr_enc_free(&e);
}

static void test_reader_stops_after_a_record(void **state)
{
	(void)state;
	/* Two records in one buffer: the first feed stops at the end of the first. */
	static const uint8_t two[] = {0x80, 0, 0, 4, 'a', 'b', 'c', 'd', 0x80, 0, 0, 1, 'e'};
	onc_rm_reader r;
	size_t consumed, len = 0;
	onc_rm_reader_init(&r, 64);
	assert_null(onc_rm_reader_record(&r, &len));
	assert_status(onc_rm_reader_feed(&r, two, sizeof two, &consumed), ONC_OK);
	assert_int_equal(consumed, 8);
	const uint8_t *p = onc_rm_reader_record(&r, &len);
	assert_non_null(p);
	assert_int_equal(len, 4);
	assert_memory_equal(p, "abcd", 4);
	onc_rm_reader_next(&r);
	assert_status(onc_rm_reader_feed(&r, two + 8, sizeof two - 8, &consumed), ONC_OK);
	assert_int_equal(consumed, 5);
	p = onc_rm_reader_record(&r, &len);
	assert_non_null(p);
	assert_int_equal(len, 1);
	assert_int_equal(p[0], 'e');
	onc_rm_reader_next(&r);

	/* Feeding nothing is harmless. */
	assert_status(onc_rm_reader_feed(&r, two, 0, &consumed), ONC_OK);
	assert_int_equal(consumed, 0);
	assert_null(onc_rm_reader_record(&r, &len));
	onc_rm_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_fragment),
		cmocka_unit_test(test_split_into_fragments),
		cmocka_unit_test(test_fragments_in_fixed_buffer),
		cmocka_unit_test(test_reader_one_byte_at_a_time),
		cmocka_unit_test(test_reader_whole_stream_at_once),
		cmocka_unit_test(test_reader_random_chunks),
		cmocka_unit_test(test_writer_to_reader),
		cmocka_unit_test(test_header_over_limit),
		cmocka_unit_test(test_big_claim_allocates_only_what_arrives),
		cmocka_unit_test(test_total_over_limit),
		cmocka_unit_test(test_reader_stops_after_a_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
