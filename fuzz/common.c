#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

uint8_t fuzz_u8(fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

uint32_t fuzz_u32(fuzz_in *in)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | fuzz_u8(in);
	return v;
}

const uint8_t *fuzz_take(fuzz_in *in, size_t n, size_t *got)
{
	const uint8_t *p = in->p;
	*got = n < in->n ? n : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}

void fuzz_put_raw(onc_xdr_enc *e, const void *data, size_t n)
{
	if (!n)
		return; /* an empty growable buffer has no storage: e->p is NULL */
	FUZZ_CHECK(onc_xdr_enc_reserve(e, n) == ONC_OK);
	memcpy(e->p, data, n);
	e->p += n;
}

/* An opaque_auth with a raw body of up to 510 bytes, so bodies over the 400-byte limit occur. */
static void put_raw_auth(onc_xdr_enc *e, fuzz_in *in, uint32_t flavor)
{
	size_t len;
	const uint8_t *body = fuzz_take(in, (size_t)fuzz_u8(in) * 2, &len);
	FUZZ_CHECK(onc_xdr_put_u32(e, flavor) == ONC_OK);
	FUZZ_CHECK(onc_xdr_put_u32(e, (uint32_t)len) == ONC_OK);
	FUZZ_CHECK(onc_xdr_put_opaque_fixed(e, body, len) == ONC_OK);
}

static void put_auth_sys(onc_xdr_enc *e, fuzz_in *in)
{
	onc_auth_sys a = {0};
	uint8_t body[ONC_AUTH_MAX_BODY];
	uint32_t len;
	size_t name_len;
	const uint8_t *name = fuzz_take(in, fuzz_u8(in), &name_len);

	a.stamp = fuzz_u32(in);
	for (size_t i = 0; i < name_len; i++)
		a.machinename[i] = name[i] ? (char)name[i] : 'x';
	a.uid = fuzz_u32(in);
	a.gid = fuzz_u32(in);
	a.ngids = fuzz_u8(in) % (ONC_AUTH_SYS_MAX_GIDS + 1);
	for (uint32_t i = 0; i < a.ngids; i++)
		a.gids[i] = fuzz_u32(in);
	FUZZ_CHECK(onc_auth_sys_encode(&a, body, &len) == ONC_OK);
	FUZZ_CHECK(onc_xdr_put_u32(e, ONC_AUTH_SYS) == ONC_OK);
	FUZZ_CHECK(onc_xdr_put_opaque(e, body, len, ONC_AUTH_MAX_BODY) == ONC_OK);
}

/* cred: bits 0-1 pick the credential (AUTH_NONE, a valid AUTH_SYS, a raw AUTH_SYS body, a raw
 * body of a flavor read from the input); bit 2 asks for a verifier other than AUTH_NONE. */
void fuzz_put_call(onc_xdr_enc *e, fuzz_in *in, uint32_t xid, uint32_t prog, uint32_t vers,
		   uint32_t proc, uint8_t cred)
{
	onc_call_header h = {.xid = xid, .rpcvers = ONC_RPC_VERSION, .prog = prog, .vers = vers,
			     .proc = proc};
	FUZZ_CHECK(onc_rpc_encode_call(e, &h) == ONC_OK);
	e->p -= 16; /* keep xid..proc, write the credential and verifier below */
	switch (cred & 3) {
	case 0:
		FUZZ_CHECK(onc_xdr_put_u32(e, ONC_AUTH_NONE) == ONC_OK);
		FUZZ_CHECK(onc_xdr_put_u32(e, 0) == ONC_OK);
		break;
	case 1:
		put_auth_sys(e, in);
		break;
	case 2:
		put_raw_auth(e, in, ONC_AUTH_SYS);
		break;
	default:
		put_raw_auth(e, in, fuzz_u8(in));
		break;
	}
	FUZZ_CHECK(onc_xdr_put_u32(e, cred & 4 ? 1u + fuzz_u8(in) : ONC_AUTH_NONE) == ONC_OK);
	FUZZ_CHECK(onc_xdr_put_u32(e, 0) == ONC_OK);
}

/* FUZZ_VERBOSE=1 in the environment: one line per accepted reply, to see what seeds reach. */
static bool verbose(void)
{
	static int on = -1;
	if (on < 0)
		on = getenv("FUZZ_VERBOSE") != NULL;
	return on;
}

/* The reply header the server owes this call, or false when it owes none. */
static bool expected_reply(const uint8_t *msg, size_t len, uint32_t prog, uint32_t vers_low,
			   uint32_t vers_high, onc_call_header *h, onc_reply_header *want)
{
	onc_xdr_dec d;
	onc_auth_stat why = ONC_AUTH_OK;
	onc_auth_sys sys;

	onc_xdr_dec_init(&d, msg, len, NULL);
	onc_status st = onc_rpc_decode_call(&d, h, &why);
	if (st == ONC_ERR_RPC_MISMATCH) {
		onc_rpc_reply_rpc_mismatch(want, h->xid);
		return true;
	}
	if (st == ONC_ERR_AUTH) {
		FUZZ_CHECK(why == ONC_AUTH_BADCRED || why == ONC_AUTH_BADVERF);
		onc_rpc_reply_auth_error(want, h->xid, why);
		return true;
	}
	if (st != ONC_OK)
		return false;
	if (h->verf.flavor != ONC_AUTH_NONE)
		onc_rpc_reply_auth_error(want, h->xid, ONC_AUTH_BADVERF);
	else if (h->cred.flavor == ONC_AUTH_SYS && onc_auth_sys_decode(&h->cred, &sys, &why))
		onc_rpc_reply_auth_error(want, h->xid, ONC_AUTH_BADCRED);
	else if (h->cred.flavor != ONC_AUTH_NONE && h->cred.flavor != ONC_AUTH_SYS)
		onc_rpc_reply_auth_error(want, h->xid, ONC_AUTH_REJECTEDCRED);
	else if (h->prog != prog)
		onc_rpc_reply_accepted(want, h->xid, ONC_PROG_UNAVAIL);
	else if (h->vers < vers_low || h->vers > vers_high)
		onc_rpc_reply_prog_mismatch(want, h->xid, vers_low, vers_high);
	else
		onc_rpc_reply_accepted(want, h->xid, ONC_SUCCESS);
	return true;
}

void fuzz_process(onc_server *srv, const uint8_t *msg, size_t len, bool record_mark,
		  onc_xdr_enc *out, uint32_t prog, uint32_t vers_low, uint32_t vers_high,
		  fuzz_reply *r)
{
	onc_reply_header want;
	onc_xdr_dec d;

	memset(r, 0, sizeof *r);
	onc_xdr_enc_reset(out);
	onc_server_process(srv, msg, len, out, record_mark);
	bool owed = expected_reply(msg, len, prog, vers_low, vers_high, &r->call, &want);
	r->answered = onc_xdr_enc_len(out) > 0;
	FUZZ_CHECK(r->answered == owed);
	if (!owed)
		return;

	onc_xdr_dec_init(&d, onc_xdr_enc_data(out), onc_xdr_enc_len(out), NULL);
	d.flags = ONC_XDR_STRICT_PADDING;
	if (record_mark) {
		uint32_t mark;
		FUZZ_CHECK(onc_xdr_get_u32(&d, &mark) == ONC_OK);
		FUZZ_CHECK(mark == (ONC_RM_LAST_FRAG | (uint32_t)onc_xdr_dec_left(&d)));
	}
	FUZZ_CHECK(onc_rpc_decode_reply(&d, &r->head) == ONC_OK);
	FUZZ_CHECK(r->head.xid == want.xid);
	FUZZ_CHECK(r->head.stat == want.stat);
	if (want.stat == ONC_MSG_DENIED) {
		FUZZ_CHECK(r->head.reject == want.reject);
		if (want.reject == ONC_AUTH_ERROR)
			FUZZ_CHECK(r->head.auth == want.auth);
		else
			FUZZ_CHECK(r->head.low == ONC_RPC_VERSION &&
				   r->head.high == ONC_RPC_VERSION);
		FUZZ_CHECK(onc_xdr_dec_finish(&d) == ONC_OK);
		return;
	}
	FUZZ_CHECK(r->head.verf.flavor == ONC_AUTH_NONE && r->head.verf.len == 0);
	if (want.accept == ONC_SUCCESS) {
		/* The program's own answer: SUCCESS or one of the errors a dispatcher may give. */
		FUZZ_CHECK(r->head.accept == ONC_SUCCESS || r->head.accept == ONC_PROC_UNAVAIL ||
			   r->head.accept == ONC_GARBAGE_ARGS || r->head.accept == ONC_SYSTEM_ERR);
	} else {
		FUZZ_CHECK(r->head.accept == want.accept);
		if (want.accept == ONC_PROG_MISMATCH)
			FUZZ_CHECK(r->head.low == want.low && r->head.high == want.high);
	}
	if (verbose())
		fprintf(stderr, "call xid %u prog %u vers %u proc %u: %s, %zu bytes of results\n",
			r->call.xid, r->call.prog, r->call.vers, r->call.proc,
			onc_accept_stat_name(r->head.accept), onc_xdr_dec_left(&d));
	if (r->head.accept == ONC_SUCCESS) {
		r->results = d.p;
		r->results_len = onc_xdr_dec_left(&d);
	} else {
		FUZZ_CHECK(onc_xdr_dec_finish(&d) == ONC_OK);
	}
}
