/* RPC message headers (RFC 5531 §9): calls, accepted and denied replies, byte for byte, and the
 * errors a server must be able to answer (wrong version, oversized credentials). */
#include "unit.h"

#include <string.h>

#define W(v) (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)

static void assert_auth_equal(const onc_opaque_auth *got, const onc_opaque_auth *want)
{
	assert_int_equal(got->flavor, want->flavor);
	assert_int_equal(got->len, want->len);
	if (want->len)
		assert_memory_equal(got->body, want->body, want->len);
}

/* ---------------------------------------------------------------------------------------------
 * Calls
 */

static onc_status enc_call(onc_xdr_enc *e, const void *arg)
{
	return onc_rpc_encode_call(e, arg);
}

static onc_status dec_call(onc_xdr_dec *d, const void *arg)
{
	const onc_call_header *want = arg;
	onc_call_header h;
	onc_auth_stat why = ONC_AUTH_OK;
	const uint8_t *start = d->p;
	memset(&h, 0, sizeof h);
	onc_status s = onc_rpc_decode_call(d, &h, &why);
	if (s != ONC_OK)
		return s;
	assert_int_equal(h.xid, want->xid);
	assert_int_equal(h.rpcvers, ONC_RPC_VERSION);
	assert_int_equal(h.prog, want->prog);
	assert_int_equal(h.vers, want->vers);
	assert_int_equal(h.proc, want->proc);
	assert_auth_equal(&h.cred, &want->cred);
	assert_auth_equal(&h.verf, &want->verf);
	/* The bodies point into the message (after the 8 words before the cred body). */
	if (h.cred.len)
		assert_true(h.cred.body == start + 32);
	return s;
}

static void test_call_auth_none(void **state)
{
	(void)state;
	static const onc_call_header h = {
		.xid = 0x01020304, .rpcvers = ONC_RPC_VERSION, .prog = 100003, .vers = 3,
		.proc = 1, .cred = {ONC_AUTH_NONE, 0, NULL}, .verf = {ONC_AUTH_NONE, 0, NULL},
	};
	static const uint8_t want[] = {
		W(0x01020304), W(0), W(2), W(100003), W(3), W(1), W(0), W(0), W(0), W(0),
	};
	unit_check_codec(enc_call, dec_call, &h, want, sizeof want);
}

static void test_call_with_bodies(void **state)
{
	(void)state;
	static const uint8_t cred[] = {W(0x11223344), W(4), 'h', 'o', 's', 't', W(1000), W(100),
				       W(0)};
	static const uint8_t verf[] = {'v', 'e', 'r', 'f', '!'};
	static const onc_call_header h = {
		.xid = 0xfeedface, .rpcvers = ONC_RPC_VERSION, .prog = 0x20000001, .vers = 7,
		.proc = 0, .cred = {ONC_AUTH_SYS, sizeof cred, cred},
		.verf = {ONC_RPCSEC_GSS, sizeof verf, verf},
	};
	static const uint8_t want[] = {
		W(0xfeedface), W(0), W(2), W(0x20000001), W(7), W(0),
		W(1), W(24), W(0x11223344), W(4), 'h', 'o', 's', 't', W(1000), W(100), W(0),
		W(6), W(5), 'v', 'e', 'r', 'f', '!', 0, 0, 0,
	};
	unit_check_codec(enc_call, dec_call, &h, want, sizeof want);

	/* The cursor is left at the arguments. */
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	assert_status(onc_rpc_encode_call(&e, &h), ONC_OK);
	assert_status(onc_xdr_put_u32(&e, 0xa5a5a5a5u), ONC_OK);
	onc_xdr_dec d;
	onc_call_header got;
	onc_auth_stat why;
	uint32_t arg;
	onc_xdr_dec_init(&d, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), NULL);
	assert_status(onc_rpc_decode_call(&d, &got, &why), ONC_OK);
	assert_int_equal(onc_xdr_dec_left(&d), 4);
	assert_status(onc_xdr_get_u32(&d, &arg), ONC_OK);
	assert_int_equal(arg, 0xa5a5a5a5u);
	onc_xdr_enc_free(&e);

	/* A body over 400 bytes cannot be encoded. */
	static uint8_t big[ONC_AUTH_MAX_BODY + 1];
	onc_call_header too_big = h;
	too_big.cred.len = sizeof big;
	too_big.cred.body = big;
	onc_xdr_enc_init(&e);
	assert_status(onc_rpc_encode_call(&e, &too_big), ONC_ERR_TOO_LONG);
	onc_xdr_enc_free(&e);
}

/* A call on the wire with any msg_type, rpcvers and credential / verifier body lengths. */
static void put_raw_call(onc_xdr_enc *e, uint32_t xid, uint32_t type, uint32_t rpcvers,
			 uint32_t cred_len, uint32_t verf_len)
{
	static const uint8_t body[1024];
	onc_xdr_enc_init(e);
	assert_status(onc_xdr_put_u32(e, xid), ONC_OK);
	assert_status(onc_xdr_put_u32(e, type), ONC_OK);
	assert_status(onc_xdr_put_u32(e, rpcvers), ONC_OK);
	assert_status(onc_xdr_put_u32(e, 100000), ONC_OK);
	assert_status(onc_xdr_put_u32(e, 2), ONC_OK);
	assert_status(onc_xdr_put_u32(e, 3), ONC_OK);
	assert_status(onc_xdr_put_u32(e, ONC_AUTH_SYS), ONC_OK);
	assert_status(onc_xdr_put_opaque(e, body, cred_len, sizeof body), ONC_OK);
	assert_status(onc_xdr_put_u32(e, ONC_AUTH_NONE), ONC_OK);
	assert_status(onc_xdr_put_opaque(e, body, verf_len, sizeof body), ONC_OK);
}

/* Decodes a raw call from an exact-size copy; returns the status, the header and why. */
static onc_status decode_raw_call(uint32_t xid, uint32_t type, uint32_t rpcvers,
				  uint32_t cred_len, uint32_t verf_len, onc_call_header *h,
				  onc_auth_stat *why)
{
	onc_xdr_enc e;
	onc_xdr_dec d;
	put_raw_call(&e, xid, type, rpcvers, cred_len, verf_len);
	uint8_t *copy = unit_dup(onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
	onc_xdr_dec_init(&d, copy, onc_xdr_enc_len(&e), NULL);
	memset(h, 0, sizeof *h);
	*why = ONC_AUTH_OK;
	onc_status s = onc_rpc_decode_call(&d, h, why);
	if (s == ONC_OK)
		assert_status(onc_xdr_dec_finish(&d), ONC_OK);
	free(copy);
	onc_xdr_enc_free(&e);
	return s;
}

static void test_call_errors(void **state)
{
	(void)state;
	onc_call_header h;
	onc_auth_stat why;

	assert_status(decode_raw_call(7, ONC_CALL, 2, 400, 400, &h, &why), ONC_OK);
	assert_int_equal(h.cred.len, 400);
	assert_int_equal(h.verf.len, 400);

	/* Only version 2: the xid is there to answer with RPC_MISMATCH. */
	static const uint32_t versions[] = {0, 1, 3, 0xffffffffu};
	for (size_t i = 0; i < UNIT_LEN(versions); i++) {
		assert_status(decode_raw_call(0xabcd0000u + (uint32_t)i, ONC_CALL, versions[i], 0,
					      0, &h, &why),
			      ONC_ERR_RPC_MISMATCH);
		assert_int_equal(h.xid, 0xabcd0000u + i);
	}

	assert_status(decode_raw_call(8, ONC_CALL, 2, 401, 0, &h, &why), ONC_ERR_AUTH);
	assert_int_equal(why, ONC_AUTH_BADCRED);
	assert_int_equal(h.xid, 8);
	assert_status(decode_raw_call(9, ONC_CALL, 2, 1000, 0, &h, &why), ONC_ERR_AUTH);
	assert_int_equal(why, ONC_AUTH_BADCRED);
	assert_int_equal(h.xid, 9);

	assert_status(decode_raw_call(10, ONC_CALL, 2, 0, 401, &h, &why), ONC_ERR_AUTH);
	assert_int_equal(why, ONC_AUTH_BADVERF);
	assert_int_equal(h.xid, 10);

	/* A reply (or anything but a call) is not a call. */
	assert_status(decode_raw_call(11, ONC_REPLY, 2, 0, 0, &h, &why), ONC_ERR_NOT_CALL);
	assert_status(decode_raw_call(12, 2, 2, 0, 0, &h, &why), ONC_ERR_NOT_CALL);
}

/* ---------------------------------------------------------------------------------------------
 * Replies
 */

static onc_status enc_reply(onc_xdr_enc *e, const void *arg)
{
	return onc_rpc_encode_reply(e, arg);
}

static onc_status dec_reply(onc_xdr_dec *d, const void *arg)
{
	const onc_reply_header *want = arg;
	onc_reply_header h;
	memset(&h, 0, sizeof h);
	onc_status s = onc_rpc_decode_reply(d, &h);
	if (s != ONC_OK)
		return s;
	assert_int_equal(h.xid, want->xid);
	assert_int_equal(h.stat, want->stat);
	if (h.stat == ONC_MSG_ACCEPTED) {
		assert_auth_equal(&h.verf, &want->verf);
		assert_int_equal(h.accept, want->accept);
		if (h.accept == ONC_PROG_MISMATCH) {
			assert_int_equal(h.low, want->low);
			assert_int_equal(h.high, want->high);
		}
	} else {
		assert_int_equal(h.reject, want->reject);
		if (h.reject == ONC_RPC_MISMATCH) {
			assert_int_equal(h.low, want->low);
			assert_int_equal(h.high, want->high);
		} else {
			assert_int_equal(h.auth, want->auth);
		}
	}
	assert_status(onc_rpc_reply_status(&h), onc_rpc_reply_status(want));
	return s;
}

#define REPLY_CODEC(h, ...)                                                                  \
	do {                                                                                 \
		static const uint8_t want_[] = {__VA_ARGS__};                                \
		unit_check_codec(enc_reply, dec_reply, h, want_, sizeof want_);              \
	} while (0)

static void test_accepted_replies(void **state)
{
	(void)state;
	onc_reply_header h;

	onc_rpc_reply_accepted(&h, 0x11, ONC_SUCCESS);
	REPLY_CODEC(&h, W(0x11), W(1), W(0), W(0), W(0), W(0));
	assert_status(onc_rpc_reply_status(&h), ONC_OK);

	onc_rpc_reply_accepted(&h, 0x12, ONC_PROG_UNAVAIL);
	REPLY_CODEC(&h, W(0x12), W(1), W(0), W(0), W(0), W(1));
	assert_status(onc_rpc_reply_status(&h), ONC_ERR_PROG_UNAVAIL);

	onc_rpc_reply_prog_mismatch(&h, 0x13, 2, 0x10000004);
	REPLY_CODEC(&h, W(0x13), W(1), W(0), W(0), W(0), W(2), W(2), W(0x10000004));
	assert_status(onc_rpc_reply_status(&h), ONC_ERR_PROG_MISMATCH);
	assert_int_equal(h.low, 2);
	assert_int_equal(h.high, 0x10000004);

	onc_rpc_reply_accepted(&h, 0x14, ONC_PROC_UNAVAIL);
	REPLY_CODEC(&h, W(0x14), W(1), W(0), W(0), W(0), W(3));
	assert_status(onc_rpc_reply_status(&h), ONC_ERR_PROC_UNAVAIL);

	onc_rpc_reply_accepted(&h, 0x15, ONC_GARBAGE_ARGS);
	REPLY_CODEC(&h, W(0x15), W(1), W(0), W(0), W(0), W(4));
	assert_status(onc_rpc_reply_status(&h), ONC_ERR_GARBAGE_ARGS);

	onc_rpc_reply_accepted(&h, 0xffffffffu, ONC_SYSTEM_ERR);
	REPLY_CODEC(&h, W(0xffffffffu), W(1), W(0), W(0), W(0), W(5));
	assert_status(onc_rpc_reply_status(&h), ONC_ERR_SYSTEM_ERR);

	/* A verifier with a body (the RPC-with-TLS answer: AUTH_NONE, "STARTTLS"). */
	onc_rpc_reply_accepted(&h, 0x16, ONC_SUCCESS);
	h.verf = (onc_opaque_auth){ONC_AUTH_NONE, 8, (const uint8_t *)"STARTTLS"};
	REPLY_CODEC(&h, W(0x16), W(1), W(0), W(0), W(8), 'S', 'T', 'A', 'R', 'T', 'T', 'L', 'S',
		    W(0));
	h.verf = (onc_opaque_auth){ONC_AUTH_SYS, 3, (const uint8_t *)"abc"};
	REPLY_CODEC(&h, W(0x16), W(1), W(0), W(1), W(3), 'a', 'b', 'c', 0, W(0));
}

static void test_denied_replies(void **state)
{
	(void)state;
	onc_reply_header h;

	onc_rpc_reply_rpc_mismatch(&h, 0x21);
	assert_int_equal(h.low, ONC_RPC_VERSION);
	assert_int_equal(h.high, ONC_RPC_VERSION);
	REPLY_CODEC(&h, W(0x21), W(1), W(1), W(0), W(2), W(2));
	assert_status(onc_rpc_reply_status(&h), ONC_ERR_RPC_MISMATCH);

	/* Any low / high pair goes through. */
	h.low = 3;
	h.high = 0xfffffff0u;
	REPLY_CODEC(&h, W(0x21), W(1), W(1), W(0), W(3), W(0xfffffff0u));

	onc_rpc_reply_auth_error(&h, 0x22, ONC_AUTH_BADCRED);
	REPLY_CODEC(&h, W(0x22), W(1), W(1), W(1), W(1));
	assert_status(onc_rpc_reply_status(&h), ONC_ERR_AUTH);

	onc_rpc_reply_auth_error(&h, 0x23, ONC_AUTH_TOOWEAK);
	REPLY_CODEC(&h, W(0x23), W(1), W(1), W(1), W(5));
	onc_rpc_reply_auth_error(&h, 0x24, ONC_RPCSEC_GSS_CTXPROBLEM);
	REPLY_CODEC(&h, W(0x24), W(1), W(1), W(1), W(14));
	assert_status(onc_rpc_reply_status(&h), ONC_ERR_AUTH);
}

static onc_status decode_reply_bytes(const uint8_t *data, size_t n, onc_reply_header *h)
{
	onc_xdr_dec d;
	uint8_t *copy = unit_dup(data, n);
	onc_xdr_dec_init(&d, copy, n, NULL);
	onc_status s = onc_rpc_decode_reply(&d, h);
	free(copy);
	return s;
}

static void test_reply_errors(void **state)
{
	(void)state;
	onc_reply_header h;

	/* A call is not a reply. */
	static const uint8_t call[] = {W(1), W(0), W(2), W(1), W(1), W(1), W(0), W(0), W(0), W(0)};
	assert_status(decode_reply_bytes(call, sizeof call, &h), ONC_ERR_NOT_REPLY);

	/* Unknown reply_stat, accept_stat and reject_stat values. */
	static const uint8_t stat[] = {W(1), W(1), W(2), W(0), W(0), W(0)};
	assert_status(decode_reply_bytes(stat, sizeof stat, &h), ONC_ERR_BAD_VALUE);
	static const uint8_t accept[] = {W(1), W(1), W(0), W(0), W(0), W(6)};
	assert_status(decode_reply_bytes(accept, sizeof accept, &h), ONC_ERR_BAD_VALUE);
	static const uint8_t reject[] = {W(1), W(1), W(1), W(2), W(0), W(0)};
	assert_status(decode_reply_bytes(reject, sizeof reject, &h), ONC_ERR_BAD_VALUE);

	/* The results follow a SUCCESS header. */
	static const uint8_t results[] = {W(5), W(1), W(0), W(0), W(0), W(0), W(0x600d)};
	onc_xdr_dec d;
	uint32_t v;
	onc_xdr_dec_init(&d, results, sizeof results, NULL);
	assert_status(onc_rpc_decode_reply(&d, &h), ONC_OK);
	assert_int_equal(h.xid, 5);
	assert_status(onc_rpc_reply_status(&h), ONC_OK);
	assert_status(onc_xdr_get_u32(&d, &v), ONC_OK);
	assert_int_equal(v, 0x600d);
	assert_status(onc_xdr_dec_finish(&d), ONC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_auth_none),
		cmocka_unit_test(test_call_with_bodies),
		cmocka_unit_test(test_call_errors),
		cmocka_unit_test(test_accepted_replies),
		cmocka_unit_test(test_denied_replies),
		cmocka_unit_test(test_reply_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
