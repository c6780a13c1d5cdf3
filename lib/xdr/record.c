#include <stdlib.h>

#include "onc/xdr.h"

/* Buffers bigger than this are released between records, so an idle stream holds little. */
#define KEEP_BUFFER (64u * 1024u)
#define MIN_BUFFER 4096u

static void put_header(uint8_t *at, uint32_t len, bool last)
{
	uint32_t h = onc_be32(len | (last ? ONC_RM_LAST_FRAG : 0));
	memcpy(at, &h, 4);
}

onc_status onc_rm_begin(onc_xdr_enc *e, size_t *record_start)
{
	onc_status s = onc_xdr_enc_reserve(e, 4);
	if (s != ONC_OK)
		return s;
	*record_start = onc_xdr_enc_len(e);
	e->p += 4;
	return ONC_OK;
}

onc_status onc_rm_end(onc_xdr_enc *e, size_t record_start, uint32_t max_frag)
{
	size_t body = onc_xdr_enc_len(e) - record_start - 4;
	size_t frags, extra;
	onc_status s;

	if (max_frag == 0 || max_frag > ONC_RM_MAX_FRAG)
		max_frag = ONC_RM_MAX_FRAG;
	if (body <= max_frag) {
		put_header(e->base + record_start, (uint32_t)body, true);
		return ONC_OK;
	}
	frags = (body + max_frag - 1) / max_frag;
	extra = (frags - 1) * 4;
	s = onc_xdr_enc_reserve(e, extra);
	if (s != ONC_OK)
		return s;
	/* Open gaps for the headers from the last fragment back, so no byte is overwritten
	 * before it has moved. */
	uint8_t *rec = e->base + record_start;
	for (size_t i = frags; i-- > 0;) {
		size_t off = i * (size_t)max_frag;
		size_t n = i == frags - 1 ? body - off : max_frag;
		uint8_t *hdr = rec + off + 4 * i;
		memmove(hdr + 4, rec + 4 + off, n);
		put_header(hdr, (uint32_t)n, i == frags - 1);
	}
	e->p += extra;
	return ONC_OK;
}

void onc_rm_reader_init(onc_rm_reader *r, size_t max_record)
{
	memset(r, 0, sizeof *r);
	r->max_record = max_record ? max_record : ONC_RM_DEFAULT_MAX_RECORD;
}

void onc_rm_reader_free(onc_rm_reader *r)
{
	free(r->buf);
	onc_rm_reader_init(r, r->max_record);
}

void onc_rm_reader_next(onc_rm_reader *r)
{
	r->ready = false;
	r->len = 0;
	if (r->cap > KEEP_BUFFER) {
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
	}
}

/* Room for n more bytes, growing geometrically but never past what the current fragment
 * has announced: memory follows the data that actually arrived. */
static onc_status make_room(onc_rm_reader *r, size_t n)
{
	size_t need = r->len + n;
	size_t want, promised = r->len + r->frag_left;
	uint8_t *nb;

	if (need <= r->cap)
		return ONC_OK;
	want = r->cap * 2 > MIN_BUFFER ? r->cap * 2 : MIN_BUFFER;
	if (want > promised)
		want = promised;
	if (want < need)
		want = need;
	nb = realloc(r->buf, want);
	if (!nb)
		return ONC_ERR_NOMEM;
	r->buf = nb;
	r->cap = want;
	return ONC_OK;
}

onc_status onc_rm_reader_feed(onc_rm_reader *r, const uint8_t *data, size_t len,
			      size_t *consumed)
{
	size_t at = 0;
	onc_status s = ONC_OK;

	while (at < len && !r->ready) {
		if (!r->in_frag) {
			while (r->hdr_have < 4 && at < len)
				r->hdr[r->hdr_have++] = data[at++];
			if (r->hdr_have < 4)
				break;
			uint32_t h;
			memcpy(&h, r->hdr, 4);
			h = onc_be32(h);
			r->hdr_have = 0;
			r->last = (h & ONC_RM_LAST_FRAG) != 0;
			r->frag_left = h & ONC_RM_MAX_FRAG;
			if (r->frag_left > r->max_record - r->len) {
				s = ONC_ERR_RECORD_TOO_BIG;
				break;
			}
			r->in_frag = true;
		} else {
			size_t take = len - at < r->frag_left ? len - at : r->frag_left;
			s = make_room(r, take);
			if (s != ONC_OK)
				break;
			memcpy(r->buf + r->len, data + at, take);
			r->len += take;
			r->frag_left -= (uint32_t)take;
			at += take;
		}
		if (r->in_frag && r->frag_left == 0) {
			r->in_frag = false;
			r->ready = r->last;
		}
	}
	*consumed = at;
	return s;
}
