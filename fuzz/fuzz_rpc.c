/* Call and reply headers and AUTH_SYS bodies: decodes the input as each of them, encodes what
 * decoded and compares it with the input, and checks that a decoder fails only in the ways
 * the header documents.
 *
 * Input: one flag byte (bit 0: strict padding), then the message. */
#include <string.h>

#include "common.h"

/* Encoding what decoded gives the input back, or else the input had non-zero padding. */
static void check_same(const uint8_t *in, size_t in_len, const onc_xdr_enc *e,
		       onc_status strict_status)
{
	bool same = onc_xdr_enc_len(e) == in_len &&
		    (!in_len || memcmp(onc_xdr_enc_data(e), in, in_len) == 0);
	FUZZ_CHECK(onc_xdr_enc_len(e) == in_len);
	FUZZ_CHECK(same || strict_status == ONC_ERR_BAD_PADDING);
}

static void auth_equal(const onc_opaque_auth *a, const onc_opaque_auth *b)
{
	FUZZ_CHECK(a->flavor == b->flavor && a->len == b->len);
	FUZZ_CHECK(!a->len || memcmp(a->body, b->body, a->len) == 0);
}

static void fuzz_auth_sys(const onc_opaque_auth *cred)
{
	onc_auth_sys a, again;
	onc_auth_stat why = ONC_AUTH_OK;
	uint8_t body[ONC_AUTH_MAX_BODY];
	uint32_t len;

	if (onc_auth_sys_decode(cred, &a, &why) != ONC_OK) {
		FUZZ_CHECK(why == ONC_AUTH_BADCRED);
		return;
	}
	FUZZ_CHECK(cred->flavor == ONC_AUTH_SYS);
	FUZZ_CHECK(a.ngids <= ONC_AUTH_SYS_MAX_GIDS);
	const char *nul = memchr(a.machinename, 0, sizeof a.machinename);
	FUZZ_CHECK(nul);
	size_t name_len = (size_t)(nul - a.machinename);
	FUZZ_CHECK(onc_auth_sys_encode(&a, body, &len) == ONC_OK);
	FUZZ_CHECK(len <= cred->len);
	/* The same bytes, unless the name held a NUL (the rest is cut) or the padding was not
	 * zero; either way the re-encoded body decodes to the same values. */
	onc_opaque_auth re = {ONC_AUTH_SYS, len, body};
	FUZZ_CHECK(onc_auth_sys_decode(&re, &again, &why) == ONC_OK);
	FUZZ_CHECK(again.stamp == a.stamp && again.uid == a.uid && again.gid == a.gid);
	FUZZ_CHECK(again.ngids == a.ngids &&
		   memcmp(again.gids, a.gids, a.ngids * sizeof a.gids[0]) == 0);
	FUZZ_CHECK(strcmp(again.machinename, a.machinename) == 0);
	uint32_t wire_name_len = (uint32_t)cred->body[4] << 24 | (uint32_t)cred->body[5] << 16 |
				 (uint32_t)cred->body[6] << 8 | cred->body[7];
	bool zero_pad = true;
	for (size_t i = 0; i < onc_xdr_pad(wire_name_len); i++)
		zero_pad = zero_pad && cred->body[8 + wire_name_len + i] == 0;
	if (name_len == wire_name_len && zero_pad)
		FUZZ_CHECK(len == cred->len && memcmp(body, cred->body, len) == 0);
}

static void fuzz_call(const uint8_t *msg, size_t len, bool strict)
{
	onc_xdr_dec d, sd;
	onc_call_header h, sh;
	onc_auth_stat why = ONC_AUTH_OK, swhy;
	onc_xdr_enc e;

	onc_xdr_dec_init(&d, msg, len, NULL);
	onc_status st = onc_rpc_decode_call(&d, &h, &why);
	FUZZ_CHECK(d.p >= msg && d.p <= d.end);
	switch (st) {
	case ONC_OK:
		break;
	case ONC_ERR_RPC_MISMATCH:
		FUZZ_CHECK(h.rpcvers != ONC_RPC_VERSION);
		return;
	case ONC_ERR_AUTH:
		FUZZ_CHECK(why == ONC_AUTH_BADCRED || why == ONC_AUTH_BADVERF);
		return;
	case ONC_ERR_NOT_CALL:
	case ONC_ERR_TRUNCATED:
		return;
	default:
		FUZZ_CHECK(!"unexpected status from onc_rpc_decode_call");
	}
	FUZZ_CHECK(h.rpcvers == ONC_RPC_VERSION);
	FUZZ_CHECK(h.cred.len <= ONC_AUTH_MAX_BODY && h.verf.len <= ONC_AUTH_MAX_BODY);
	FUZZ_CHECK(h.cred.body >= msg && h.cred.body + h.cred.len <= msg + len);
	FUZZ_CHECK(h.verf.body >= msg && h.verf.body + h.verf.len <= msg + len);

	onc_xdr_dec_init(&sd, msg, len, NULL);
	sd.flags = ONC_XDR_STRICT_PADDING;
	onc_status sst = onc_rpc_decode_call(&sd, &sh, &swhy);
	FUZZ_CHECK(sst == ONC_OK || sst == ONC_ERR_BAD_PADDING);
	if (strict && sst != ONC_OK)
		return;

	onc_xdr_enc_init(&e);
	FUZZ_CHECK(onc_rpc_encode_call(&e, &h) == ONC_OK);
	check_same(msg, (size_t)(d.p - msg), &e, sst);
	onc_xdr_dec_init(&sd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), NULL);
	FUZZ_CHECK(onc_rpc_decode_call(&sd, &sh, &swhy) == ONC_OK && onc_xdr_dec_finish(&sd) == 0);
	FUZZ_CHECK(sh.xid == h.xid && sh.prog == h.prog && sh.vers == h.vers && sh.proc == h.proc);
	auth_equal(&sh.cred, &h.cred);
	auth_equal(&sh.verf, &h.verf);
	onc_xdr_enc_free(&e);
	fuzz_auth_sys(&h.cred);
}

static void fuzz_reply_header(const uint8_t *msg, size_t len)
{
	onc_xdr_dec d, sd;
	onc_reply_header h, sh;
	onc_xdr_enc e;

	memset(&h, 0, sizeof h);
	onc_xdr_dec_init(&d, msg, len, NULL);
	onc_status st = onc_rpc_decode_reply(&d, &h);
	FUZZ_CHECK(d.p >= msg && d.p <= d.end);
	if (st != ONC_OK) {
		FUZZ_CHECK(st == ONC_ERR_TRUNCATED || st == ONC_ERR_NOT_REPLY ||
			   st == ONC_ERR_TOO_LONG || st == ONC_ERR_BAD_VALUE);
		return;
	}
	onc_status meaning = onc_rpc_reply_status(&h);
	FUZZ_CHECK(meaning < ONC_STATUS_COUNT_ && onc_strerror(meaning));
	FUZZ_CHECK(onc_accept_stat_name(h.accept) && onc_auth_stat_name(h.auth));
	if (h.stat == ONC_MSG_ACCEPTED)
		FUZZ_CHECK(h.verf.len <= ONC_AUTH_MAX_BODY);

	onc_xdr_dec_init(&sd, msg, len, NULL);
	sd.flags = ONC_XDR_STRICT_PADDING;
	memset(&sh, 0, sizeof sh);
	onc_status sst = onc_rpc_decode_reply(&sd, &sh);
	FUZZ_CHECK(sst == ONC_OK || sst == ONC_ERR_BAD_PADDING);

	onc_xdr_enc_init(&e);
	FUZZ_CHECK(onc_rpc_encode_reply(&e, &h) == ONC_OK);
	check_same(msg, (size_t)(d.p - msg), &e, sst);
	onc_xdr_enc_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	bool strict = fuzz_u8(&in) & 1;
	onc_opaque_auth raw = {ONC_AUTH_SYS, (uint32_t)in.n, in.p};

	fuzz_call(in.p, in.n, strict);
	fuzz_reply_header(in.p, in.n);
	fuzz_auth_sys(&raw);
	return 0;
}
