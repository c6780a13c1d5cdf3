/* The record-marking reader, fed a stream in chunk sizes taken from the input. A reference
 * reader (the whole stream at once, written for clarity) says which records must come out and
 * where the stream breaks; the real one must agree, keep its buffer near the bytes it actually
 * received, and account for every byte. Each record is then framed again with onc_rm_begin and
 * onc_rm_end (fragment size from the input) and must read back the same.
 *
 * Input: a limit selector, a fragment size selector, the number of chunk sizes and the sizes
 * (one byte each; 0 means "everything left"), then the stream. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* A buffer may be this much larger than the record it holds: the reader keeps up to 64 KiB
 * between records, and grows by doubling. */
#define KEPT_BUFFER (64u * 1024u)

static const size_t limits[8] = {0, 1, 4, 8, 100, 4096, 70000, 1u << 24};
static const uint32_t frag_sizes[8] = {0, 1, 3, 4, 5, 64, 4096, ONC_RM_MAX_FRAG};

/* The reference reader: the next record of s[*at..n) into rec, ONC_ERR_TRUNCATED when the
 * stream ends first, ONC_ERR_RECORD_TOO_BIG with *at just past the offending header. */
static onc_status ref_next(const uint8_t *s, size_t n, size_t *at, size_t limit, onc_xdr_enc *rec)
{
	onc_xdr_enc_reset(rec);
	for (;;) {
		if (n - *at < 4)
			return ONC_ERR_TRUNCATED;
		uint32_t h = (uint32_t)s[*at] << 24 | (uint32_t)s[*at + 1] << 16 |
			     (uint32_t)s[*at + 2] << 8 | s[*at + 3];
		size_t frag = h & ONC_RM_MAX_FRAG;
		*at += 4;
		if (frag > limit - onc_xdr_enc_len(rec))
			return ONC_ERR_RECORD_TOO_BIG;
		if (n - *at < frag)
			return ONC_ERR_TRUNCATED;
		fuzz_put_raw(rec, s + *at, frag);
		*at += frag;
		if (h & ONC_RM_LAST_FRAG)
			return ONC_OK;
	}
}

/* Frames rec again with fragments of at most max_frag bytes and reads it back in one go. */
static void check_reframed(const uint8_t *rec, size_t len, uint32_t max_frag)
{
	onc_xdr_enc e;
	onc_rm_reader r;
	size_t start, used, back_len;
	uint32_t frag = max_frag ? max_frag : ONC_RM_MAX_FRAG;

	onc_xdr_enc_init(&e);
	FUZZ_CHECK(onc_rm_begin(&e, &start) == ONC_OK && start == 0);
	fuzz_put_raw(&e, rec, len);
	FUZZ_CHECK(onc_rm_end(&e, start, max_frag) == ONC_OK);
	size_t frags = len ? (len + frag - 1) / frag : 1;
	FUZZ_CHECK(onc_xdr_enc_len(&e) == len + 4 * frags);

	onc_rm_reader_init(&r, len ? len : 1);
	FUZZ_CHECK(onc_rm_reader_feed(&r, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), &used) ==
		   ONC_OK);
	FUZZ_CHECK(used == onc_xdr_enc_len(&e));
	const uint8_t *back = onc_rm_reader_record(&r, &back_len);
	FUZZ_CHECK(back && back_len == len && (!len || memcmp(back, rec, len) == 0));
	onc_rm_reader_free(&r);
	onc_xdr_enc_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	uint8_t sel = fuzz_u8(&in);
	size_t limit = limits[sel & 7];
	uint32_t max_frag = frag_sizes[sel >> 3 & 7];
	size_t nchunks = fuzz_u8(&in) % 16, got;
	const uint8_t *chunks = fuzz_take(&in, nchunks, &got);
	const uint8_t *s = in.p;
	size_t n = in.n, fed = 0, ref_at = 0, chunk_no = 0, record_bytes = 0;
	onc_rm_reader r;
	onc_xdr_enc want;
	onc_status st = ONC_OK;

	nchunks = got;
	onc_rm_reader_init(&r, limit);
	onc_xdr_enc_init(&want);
	FUZZ_CHECK(r.max_record == (limit ? limit : ONC_RM_DEFAULT_MAX_RECORD));
	limit = r.max_record;

	while (fed < n && st == ONC_OK) {
		size_t c = nchunks ? chunks[chunk_no++ % nchunks] : 0;
		size_t end = c && c < n - fed ? fed + c : n;
		while (fed < end) {
			size_t used, len;
			st = onc_rm_reader_feed(&r, s + fed, end - fed, &used);
			FUZZ_CHECK(used <= end - fed);
			fed += used;
			FUZZ_CHECK(r.len <= limit && r.cap <= limit);
			FUZZ_CHECK(r.cap <= (r.len * 2 > KEPT_BUFFER ? r.len * 2 : KEPT_BUFFER));
			if (st != ONC_OK)
				break;
			const uint8_t *rec = onc_rm_reader_record(&r, &len);
			if (!rec) {
				FUZZ_CHECK(fed == end); /* no record: it took everything */
				continue;
			}
			FUZZ_CHECK(ref_next(s, n, &ref_at, limit, &want) == ONC_OK);
			FUZZ_CHECK(ref_at == fed); /* it stops right after the record */
			FUZZ_CHECK(len == onc_xdr_enc_len(&want) &&
				   (!len || memcmp(rec, onc_xdr_enc_data(&want), len) == 0));
			record_bytes += len;
			check_reframed(rec, len, max_frag);
			onc_rm_reader_next(&r);
			FUZZ_CHECK(!onc_rm_reader_record(&r, &len));
		}
	}

	/* Whatever stopped the real reader stops the reference one at the same byte. */
	onc_status ref = ref_next(s, n, &ref_at, limit, &want);
	if (st == ONC_OK) {
		FUZZ_CHECK(fed == n && ref == ONC_ERR_TRUNCATED);
	} else {
		FUZZ_CHECK(st == ONC_ERR_RECORD_TOO_BIG && ref == st && ref_at == fed);
	}
	FUZZ_CHECK(record_bytes <= fed);
	onc_rm_reader_free(&r);
	onc_xdr_enc_free(&want);
	return 0;
}
