#include "onc/rpc.h"

static onc_status put_auth(onc_xdr_enc *e, const onc_opaque_auth *a)
{
	ONC_TRY(onc_xdr_put_u32(e, a->flavor));
	return onc_xdr_put_opaque(e, a->body, a->len, ONC_AUTH_MAX_BODY);
}

/* An opaque_auth whose body is over 400 bytes is ONC_ERR_TOO_LONG; the body is not copied. */
static onc_status get_auth(onc_xdr_dec *d, onc_opaque_auth *a)
{
	ONC_TRY(onc_xdr_get_u32(d, &a->flavor));
	return onc_xdr_get_opaque_ref(d, &a->body, &a->len, ONC_AUTH_MAX_BODY);
}

onc_status onc_rpc_encode_call(onc_xdr_enc *e, const onc_call_header *h)
{
	ONC_TRY(onc_xdr_enc_reserve(e, 24));
	onc_xdr_put_u32_unchecked(e, h->xid);
	onc_xdr_put_u32_unchecked(e, ONC_CALL);
	onc_xdr_put_u32_unchecked(e, h->rpcvers);
	onc_xdr_put_u32_unchecked(e, h->prog);
	onc_xdr_put_u32_unchecked(e, h->vers);
	onc_xdr_put_u32_unchecked(e, h->proc);
	ONC_TRY(put_auth(e, &h->cred));
	return put_auth(e, &h->verf);
}

onc_status onc_rpc_decode_call(onc_xdr_dec *d, onc_call_header *h, onc_auth_stat *why)
{
	uint32_t mtype;
	onc_status s;

	ONC_TRY(onc_xdr_get_u32(d, &h->xid));
	ONC_TRY(onc_xdr_get_u32(d, &mtype));
	if (mtype != ONC_CALL)
		return ONC_ERR_NOT_CALL;
	ONC_TRY(onc_xdr_get_u32(d, &h->rpcvers));
	if (h->rpcvers != ONC_RPC_VERSION)
		return ONC_ERR_RPC_MISMATCH;
	ONC_TRY(onc_xdr_dec_need(d, 12));
	h->prog = onc_xdr_get_u32_unchecked(d);
	h->vers = onc_xdr_get_u32_unchecked(d);
	h->proc = onc_xdr_get_u32_unchecked(d);
	s = get_auth(d, &h->cred);
	if (s == ONC_ERR_TOO_LONG) {
		*why = ONC_AUTH_BADCRED;
		return ONC_ERR_AUTH;
	}
	ONC_TRY(s);
	s = get_auth(d, &h->verf);
	if (s == ONC_ERR_TOO_LONG) {
		*why = ONC_AUTH_BADVERF;
		return ONC_ERR_AUTH;
	}
	return s;
}

onc_status onc_rpc_encode_reply(onc_xdr_enc *e, const onc_reply_header *h)
{
	ONC_TRY(onc_xdr_enc_reserve(e, 12));
	onc_xdr_put_u32_unchecked(e, h->xid);
	onc_xdr_put_u32_unchecked(e, ONC_REPLY);
	onc_xdr_put_u32_unchecked(e, h->stat);
	if (h->stat == ONC_MSG_ACCEPTED) {
		ONC_TRY(put_auth(e, &h->verf));
		ONC_TRY(onc_xdr_put_u32(e, h->accept));
		if (h->accept != ONC_PROG_MISMATCH)
			return ONC_OK;
	} else {
		ONC_TRY(onc_xdr_put_u32(e, h->reject));
		if (h->reject == ONC_AUTH_ERROR)
			return onc_xdr_put_u32(e, h->auth);
	}
	ONC_TRY(onc_xdr_put_u32(e, h->low));
	return onc_xdr_put_u32(e, h->high);
}

onc_status onc_rpc_decode_reply(onc_xdr_dec *d, onc_reply_header *h)
{
	uint32_t mtype, v;

	ONC_TRY(onc_xdr_get_u32(d, &h->xid));
	ONC_TRY(onc_xdr_get_u32(d, &mtype));
	if (mtype != ONC_REPLY)
		return ONC_ERR_NOT_REPLY;
	ONC_TRY(onc_xdr_get_u32(d, &v));
	if (v == ONC_MSG_ACCEPTED) {
		h->stat = ONC_MSG_ACCEPTED;
		ONC_TRY(get_auth(d, &h->verf));
		ONC_TRY(onc_xdr_get_u32(d, &v));
		if (v > ONC_SYSTEM_ERR)
			return ONC_ERR_BAD_VALUE;
		h->accept = (onc_accept_stat)v;
		if (h->accept != ONC_PROG_MISMATCH)
			return ONC_OK;
	} else if (v == ONC_MSG_DENIED) {
		h->stat = ONC_MSG_DENIED;
		ONC_TRY(onc_xdr_get_u32(d, &v));
		if (v > ONC_AUTH_ERROR)
			return ONC_ERR_BAD_VALUE;
		h->reject = (onc_reject_stat)v;
		if (h->reject == ONC_AUTH_ERROR) {
			ONC_TRY(onc_xdr_get_u32(d, &v));
			h->auth = (onc_auth_stat)v;
			return ONC_OK;
		}
	} else {
		return ONC_ERR_BAD_VALUE;
	}
	ONC_TRY(onc_xdr_get_u32(d, &h->low));
	return onc_xdr_get_u32(d, &h->high);
}

onc_status onc_rpc_reply_status(const onc_reply_header *h)
{
	static const onc_status accepted[] = {
		[ONC_SUCCESS] = ONC_OK,
		[ONC_PROG_UNAVAIL] = ONC_ERR_PROG_UNAVAIL,
		[ONC_PROG_MISMATCH] = ONC_ERR_PROG_MISMATCH,
		[ONC_PROC_UNAVAIL] = ONC_ERR_PROC_UNAVAIL,
		[ONC_GARBAGE_ARGS] = ONC_ERR_GARBAGE_ARGS,
		[ONC_SYSTEM_ERR] = ONC_ERR_SYSTEM_ERR,
	};
	if (h->stat == ONC_MSG_DENIED)
		return h->reject == ONC_RPC_MISMATCH ? ONC_ERR_RPC_MISMATCH : ONC_ERR_AUTH;
	if ((unsigned)h->accept > ONC_SYSTEM_ERR)
		return ONC_ERR_BAD_VALUE;
	return accepted[h->accept];
}

static void reply_init(onc_reply_header *h, uint32_t xid, onc_reply_stat stat)
{
	memset(h, 0, sizeof *h);
	h->xid = xid;
	h->stat = stat;
	h->verf.flavor = ONC_AUTH_NONE;
}

void onc_rpc_reply_accepted(onc_reply_header *h, uint32_t xid, onc_accept_stat accept)
{
	reply_init(h, xid, ONC_MSG_ACCEPTED);
	h->accept = accept;
}

void onc_rpc_reply_prog_mismatch(onc_reply_header *h, uint32_t xid, uint32_t low, uint32_t high)
{
	onc_rpc_reply_accepted(h, xid, ONC_PROG_MISMATCH);
	h->low = low;
	h->high = high;
}

void onc_rpc_reply_rpc_mismatch(onc_reply_header *h, uint32_t xid)
{
	reply_init(h, xid, ONC_MSG_DENIED);
	h->reject = ONC_RPC_MISMATCH;
	h->low = h->high = ONC_RPC_VERSION;
}

void onc_rpc_reply_auth_error(onc_reply_header *h, uint32_t xid, onc_auth_stat why)
{
	reply_init(h, xid, ONC_MSG_DENIED);
	h->reject = ONC_AUTH_ERROR;
	h->auth = why;
}

const char *onc_accept_stat_name(onc_accept_stat s)
{
	static const char *const names[] = {
		"SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH", "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown accept_stat";
}

const char *onc_auth_stat_name(onc_auth_stat s)
{
	static const char *const names[] = {
		"AUTH_OK",         "AUTH_BADCRED",       "AUTH_REJECTEDCRED",
		"AUTH_BADVERF",    "AUTH_REJECTEDVERF",  "AUTH_TOOWEAK",
		"AUTH_INVALIDRESP", "AUTH_FAILED",       "AUTH_KERB_GENERIC",
		"AUTH_TIMEEXPIRE", "AUTH_TKT_FILE",      "AUTH_DECODE",
		"AUTH_NET_ADDR",   "RPCSEC_GSS_CREDPROBLEM", "RPCSEC_GSS_CTXPROBLEM",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown auth_stat";
}
