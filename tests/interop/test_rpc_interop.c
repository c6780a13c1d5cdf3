/* Differential test of RPC message headers (RFC 5531): calls with AUTH_NONE, AUTH_SYS and other
 * credentials, and every kind of accepted and denied reply, built by libtirpc (xdr_callmsg,
 * the clnt_vc path xdr_callhdr + AUTH_MARSHALL, xdr_replymsg, xdr_authunix_parms) and by onc;
 * the bytes must be identical and each side must decode the other's. */
#include "interop.h"

#include <stdlib.h>

#define ROUNDS 600

/* memcmp, but n == 0 allows NULL pointers (an empty body may have none). */
static bool same_mem(const void *a, const void *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

/* ---- random values ---- */

static uint32_t gen_len(unsigned i, uint32_t max)
{
	static const uint32_t edges[] = {0, 1, 2, 3, 4, 5, 6, 7};
	if (i < 8)
		return edges[i] <= max ? edges[i] : max;
	if (i < 10)
		return max;
	return rnd_below(max + 1);
}

static void gen_auth_sys(onc_auth_sys *a, unsigned i)
{
	uint32_t n = gen_len(i, ONC_AUTH_SYS_MAX_NAME);
	memset(a, 0, sizeof *a);
	a->stamp = rnd_u32();
	rnd_text(a->machinename, n);
	a->machinename[n] = 0;
	a->uid = i % 5 ? rnd_u32() : 0;
	a->gid = i % 7 ? rnd_u32() : 0xffffffffu;
	a->ngids = gen_len(i / 3, ONC_AUTH_SYS_MAX_GIDS);
	for (uint32_t k = 0; k < a->ngids; k++)
		a->gids[k] = rnd_u32();
}

static void check_same_auth_sys(const onc_auth_sys *x, const onc_auth_sys *y, unsigned i)
{
	check(x->stamp == y->stamp && x->uid == y->uid && x->gid == y->gid &&
		      x->ngids == y->ngids && strcmp(x->machinename, y->machinename) == 0 &&
		      same_mem(x->gids, y->gids, x->ngids * sizeof x->gids[0]),
	      "#%u: AUTH_SYS bodies differ", i);
}

/* An opaque_auth: AUTH_NONE, or any flavor with a body of up to 400 bytes. */
static void gen_opaque_auth(onc_opaque_auth *a, uint8_t body[ONC_AUTH_MAX_BODY], unsigned i)
{
	if (i % 2 == 0) {
		*a = (onc_opaque_auth){ONC_AUTH_NONE, 0, body};
		return;
	}
	a->flavor = i % 3 ? ONC_RPCSEC_GSS : rnd_u32();
	a->len = gen_len(i / 2, ONC_AUTH_MAX_BODY);
	a->body = body;
	rnd_bytes(body, a->len);
}

/* ---- converting between the two libraries' structures ---- */

static void to_tirpc_auth(struct opaque_auth *o, const onc_opaque_auth *a)
{
	o->oa_flavor = (enum_t)a->flavor;
	o->oa_base = (caddr_t)a->body;
	o->oa_length = a->len;
}

static void check_same_auth(const struct opaque_auth *o, const onc_opaque_auth *a,
			    const char *what, unsigned i)
{
	check((uint32_t)o->oa_flavor == a->flavor && o->oa_length == a->len &&
		      same_mem(o->oa_base, a->body, a->len),
	      "#%u: %s differs", i, what);
}

static void to_authunix_parms(struct authunix_parms *p, gid_t gids[ONC_AUTH_SYS_MAX_GIDS],
			      const onc_auth_sys *a)
{
	p->aup_time = a->stamp;
	p->aup_machname = (char *)a->machinename;
	p->aup_uid = a->uid;
	p->aup_gid = a->gid;
	p->aup_len = a->ngids;
	for (uint32_t k = 0; k < a->ngids; k++)
		gids[k] = a->gids[k];
	p->aup_gids = gids;
}

/* ---- AUTH_SYS credential bodies: xdr_authunix_parms vs onc_auth_sys_encode ---- */

static void test_auth_sys_body(void **state)
{
	(void)state;
	interop_reseed();
	for (unsigned i = 0; i < ROUNDS; i++) {
		onc_auth_sys a, back;
		struct authunix_parms p, tp = {0};
		gid_t gids[ONC_AUTH_SYS_MAX_GIDS];
		uint8_t tbody[ONC_AUTH_MAX_BODY], obody[ONC_AUTH_MAX_BODY];
		uint32_t olen;
		onc_auth_stat why;
		XDR x;

		gen_auth_sys(&a, i);
		to_authunix_parms(&p, gids, &a);
		xdrmem_create(&x, (caddr_t)tbody, sizeof tbody, XDR_ENCODE);
		check(xdr_authunix_parms(&x, &p), "#%u: libtirpc cannot encode", i);
		check(onc_auth_sys_encode(&a, obody, &olen) == ONC_OK, "#%u: onc cannot encode", i);
		expect_same_bytes("authunix_parms", tbody, xdr_getpos(&x), obody, olen);

		onc_opaque_auth cred = {ONC_AUTH_SYS, xdr_getpos(&x), tbody};
		check(onc_auth_sys_decode(&cred, &back, &why) == ONC_OK,
		      "#%u: onc cannot decode libtirpc's body", i);
		check_same_auth_sys(&a, &back, i);

		xdrmem_create(&x, (caddr_t)obody, olen, XDR_DECODE);
		check(xdr_authunix_parms(&x, &tp), "#%u: libtirpc cannot decode onc's body", i);
		check(xdr_getpos(&x) == olen, "#%u: libtirpc left bytes", i);
		check(tp.aup_time == a.stamp && strcmp(tp.aup_machname, a.machinename) == 0 &&
			      tp.aup_uid == a.uid && tp.aup_gid == a.gid && tp.aup_len == a.ngids,
		      "#%u: libtirpc decoded another body", i);
		for (uint32_t k = 0; k < a.ngids; k++)
			check(tp.aup_gids[k] == a.gids[k], "#%u: gid %u differs", i, k);
		x.x_op = XDR_FREE;
		xdr_authunix_parms(&x, &tp);
	}
}

/* ---- calls ---- */

typedef struct call_case {
	onc_call_header h;
	onc_auth_sys sys; /* the credential when h.cred.flavor is AUTH_SYS */
	int32_t arg;      /* one int argument after the header */
	uint8_t cred_body[ONC_AUTH_MAX_BODY];
	uint8_t verf_body[ONC_AUTH_MAX_BODY];
} call_case;

static void gen_call(call_case *c, unsigned i)
{
	c->h.xid = rnd_u32();
	c->h.rpcvers = ONC_RPC_VERSION;
	c->h.prog = i % 4 ? rnd_u32() : 100003;
	c->h.vers = rnd_below(5);
	c->h.proc = i % 3 ? rnd_below(30) : rnd_u32();
	c->arg = (int32_t)rnd_u32();
	switch (i % 3) {
	case 0:
		c->h.cred = (onc_opaque_auth){ONC_AUTH_NONE, 0, c->cred_body};
		break;
	case 1:
		gen_auth_sys(&c->sys, i / 3);
		c->h.cred = (onc_opaque_auth){ONC_AUTH_SYS, 0, c->cred_body};
		check(onc_auth_sys_encode(&c->sys, c->cred_body, &c->h.cred.len) == ONC_OK,
		      "#%u: onc cannot encode AUTH_SYS", i);
		break;
	default:
		gen_opaque_auth(&c->h.cred, c->cred_body, i / 3 * 2 + 1);
		break;
	}
	gen_opaque_auth(&c->h.verf, c->verf_body, i / 2);
}

static void tirpc_call_msg(struct rpc_msg *m, const onc_call_header *h)
{
	memset(m, 0, sizeof *m);
	m->rm_xid = h->xid;
	m->rm_direction = CALL;
	m->rm_call.cb_rpcvers = h->rpcvers;
	m->rm_call.cb_prog = h->prog;
	m->rm_call.cb_vers = h->vers;
	m->rm_call.cb_proc = h->proc;
	to_tirpc_auth(&m->rm_call.cb_cred, &h->cred);
	to_tirpc_auth(&m->rm_call.cb_verf, &h->verf);
}

static void check_onc_reads_call(const call_case *c, const uint8_t *p, size_t n, unsigned flags,
				 unsigned i)
{
	onc_call_header h;
	onc_auth_stat why;
	onc_xdr_dec d;
	int32_t arg;
	onc_status s;

	onc_xdr_dec_init(&d, p, n, NULL);
	d.flags = flags;
	s = onc_rpc_decode_call(&d, &h, &why);
	check(s == ONC_OK, "#%u: onc cannot decode libtirpc's call: %s", i, onc_strerror(s));
	check(h.xid == c->h.xid && h.rpcvers == 2 && h.prog == c->h.prog &&
		      h.vers == c->h.vers && h.proc == c->h.proc,
	      "#%u: onc decoded another call header", i);
	check(h.cred.flavor == c->h.cred.flavor && h.cred.len == c->h.cred.len &&
		      same_mem(h.cred.body, c->h.cred.body, h.cred.len),
	      "#%u: onc decoded another credential", i);
	check(h.verf.flavor == c->h.verf.flavor && h.verf.len == c->h.verf.len &&
		      same_mem(h.verf.body, c->h.verf.body, h.verf.len),
	      "#%u: onc decoded another verifier", i);
	check(onc_xdr_get_i32(&d, &arg) == ONC_OK && arg == c->arg,
	      "#%u: the argument is not where onc left the cursor", i);
	check(onc_xdr_dec_finish(&d) == ONC_OK, "#%u: bytes left", i);
	if (h.cred.flavor == ONC_AUTH_SYS) {
		onc_auth_sys a;
		check(onc_auth_sys_decode(&h.cred, &a, &why) == ONC_OK, "#%u: AUTH_SYS body", i);
		check_same_auth_sys(&c->sys, &a, i);
	}
}

static void check_tirpc_reads_call(const call_case *c, uint8_t *p, size_t n, unsigned i)
{
	char cred[MAX_AUTH_BYTES], verf[MAX_AUTH_BYTES];
	struct rpc_msg m;
	int arg;
	XDR x;

	memset(&m, 0, sizeof m);
	m.rm_call.cb_cred.oa_base = cred;
	m.rm_call.cb_verf.oa_base = verf;
	xdrmem_create(&x, (caddr_t)p, (u_int)n, XDR_DECODE);
	check(xdr_callmsg(&x, &m), "#%u: libtirpc cannot decode onc's call", i);
	check(m.rm_xid == c->h.xid && m.rm_direction == CALL && m.rm_call.cb_rpcvers == 2 &&
		      m.rm_call.cb_prog == c->h.prog && m.rm_call.cb_vers == c->h.vers &&
		      m.rm_call.cb_proc == c->h.proc,
	      "#%u: libtirpc decoded another call header", i);
	check_same_auth(&m.rm_call.cb_cred, &c->h.cred, "credential", i);
	check_same_auth(&m.rm_call.cb_verf, &c->h.verf, "verifier", i);
	check(xdr_int(&x, &arg) && arg == c->arg, "#%u: libtirpc read another argument", i);
	check(xdr_getpos(&x) == n, "#%u: libtirpc left bytes", i);
}

/* xdr_callmsg (what svc and clnt_raw use) vs onc_rpc_encode_call. */
static void test_call(void **state)
{
	static call_case c;
	(void)state;
	interop_reseed();
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint8_t tbuf[2048];
		struct rpc_msg m;
		onc_xdr_enc e;
		XDR x;

		gen_call(&c, i);
		tirpc_call_msg(&m, &c.h);
		/* xdr_callmsg copies the auth bodies with memmove and never writes their padding:
		 * it keeps whatever the buffer held. onc must read that (it does not insist on
		 * zero padding by default); for the byte comparison, the buffer starts zeroed. */
		memset(tbuf, 0xa5, sizeof tbuf);
		xdrmem_create(&x, (caddr_t)tbuf, sizeof tbuf, XDR_ENCODE);
		check(xdr_callmsg(&x, &m) && xdr_int(&x, &c.arg), "#%u: libtirpc cannot encode", i);
		check_onc_reads_call(&c, tbuf, xdr_getpos(&x), 0, i);
		memset(tbuf, 0, sizeof tbuf);
		xdrmem_create(&x, (caddr_t)tbuf, sizeof tbuf, XDR_ENCODE);
		check(xdr_callmsg(&x, &m) && xdr_int(&x, &c.arg), "#%u: libtirpc cannot encode", i);

		onc_xdr_enc_init(&e);
		check(onc_rpc_encode_call(&e, &c.h) == ONC_OK &&
			      onc_xdr_put_i32(&e, c.arg) == ONC_OK,
		      "#%u: onc cannot encode", i);
		expect_same_bytes("call", tbuf, xdr_getpos(&x), e.base, onc_xdr_enc_len(&e));

		check_onc_reads_call(&c, tbuf, xdr_getpos(&x), ONC_XDR_STRICT_PADDING, i);
		check_tirpc_reads_call(&c, e.base, onc_xdr_enc_len(&e), i);
		onc_xdr_enc_free(&e);
	}
}

/* What a libtirpc client really sends (clnt_vc_call): xdr_callhdr, the procedure, then
 * AUTH_MARSHALL of an AUTH_SYS handle from authunix_create. */
static void test_call_authunix_create(void **state)
{
	(void)state;
	interop_reseed();
	for (unsigned i = 0; i < ROUNDS / 4; i++) {
		onc_auth_sys a, stamped;
		uid_t gids[ONC_AUTH_SYS_MAX_GIDS];
		uint8_t tbuf[1024], body[ONC_AUTH_MAX_BODY];
		onc_call_header h = {0};
		struct rpc_msg m = {0};
		onc_auth_stat why;
		onc_xdr_enc e;
		AUTH *auth;
		XDR x;

		gen_auth_sys(&a, i);
		for (uint32_t k = 0; k < a.ngids; k++)
			gids[k] = a.gids[k];
		auth = authunix_create(a.machinename, a.uid, a.gid, (int)a.ngids, gids);
		check(auth != NULL, "#%u: authunix_create failed", i);

		h.xid = rnd_u32();
		h.rpcvers = ONC_RPC_VERSION;
		h.prog = rnd_u32();
		h.vers = rnd_u32();
		h.proc = rnd_u32();
		m.rm_xid = h.xid;
		m.rm_call.cb_prog = h.prog;
		m.rm_call.cb_vers = h.vers;
		xdrmem_create(&x, (caddr_t)tbuf, sizeof tbuf, XDR_ENCODE);
		check(xdr_callhdr(&x, &m) && xdr_u_int32_t(&x, &h.proc) && AUTH_MARSHALL(auth, &x),
		      "#%u: libtirpc cannot marshal", i);

		/* The stamp is libtirpc's clock: take it from its credential. */
		onc_opaque_auth tcred = {(uint32_t)auth->ah_cred.oa_flavor, auth->ah_cred.oa_length,
					 (const uint8_t *)auth->ah_cred.oa_base};
		check(onc_auth_sys_decode(&tcred, &stamped, &why) == ONC_OK,
		      "#%u: onc cannot decode authunix_create's credential", i);
		a.stamp = stamped.stamp;
		check_same_auth_sys(&a, &stamped, i);

		h.cred = (onc_opaque_auth){ONC_AUTH_SYS, 0, body};
		check(onc_auth_sys_encode(&a, body, &h.cred.len) == ONC_OK, "#%u: encode", i);
		h.verf = (onc_opaque_auth){ONC_AUTH_NONE, 0, NULL};
		onc_xdr_enc_init(&e);
		check(onc_rpc_encode_call(&e, &h) == ONC_OK, "#%u: onc cannot encode", i);
		expect_same_bytes("clnt call", tbuf, xdr_getpos(&x), e.base, onc_xdr_enc_len(&e));
		onc_xdr_enc_free(&e);
		AUTH_DESTROY(auth);
	}
}

/* A call with rpcvers 3: onc reports RPC_MISMATCH and still knows the xid, so a server can
 * answer it. (xdr_callmsg refuses to encode rpcvers 3, so the word is patched afterwards.) */
static void test_call_wrong_rpcvers(void **state)
{
	uint8_t tbuf[256] = {0};
	struct rpc_msg m;
	onc_call_header h = {0};
	onc_auth_stat why;
	onc_xdr_dec d;
	XDR x;
	(void)state;

	h.xid = 0x12345678;
	h.rpcvers = ONC_RPC_VERSION;
	h.prog = 100000;
	tirpc_call_msg(&m, &h);
	xdrmem_create(&x, (caddr_t)tbuf, sizeof tbuf, XDR_ENCODE);
	assert_true(xdr_callmsg(&x, &m));
	tbuf[11] = 3;
	memset(&h, 0, sizeof h);
	onc_xdr_dec_init(&d, tbuf, xdr_getpos(&x), NULL);
	assert_int_equal(onc_rpc_decode_call(&d, &h, &why), ONC_ERR_RPC_MISMATCH);
	assert_int_equal(h.xid, 0x12345678);
}

/* ---- replies ---- */

/* A reply as intended (kind, xid, versions, verifier), built independently by libtirpc from
 * these fields and by onc with the helpers a server uses (h), so a helper that fills in the
 * wrong thing shows as different bytes. */
typedef struct reply_case {
	unsigned kind; /* 0..5: accept_stat; 6: RPC_MISMATCH; 7..21: AUTH_ERROR, auth_stat kind-7 */
	uint32_t xid, low, high;
	bool own_versions; /* RPC_MISMATCH with low/high other than 2..2 */
	bool own_verf;     /* an accepted reply with a verifier other than AUTH_NONE */
	onc_opaque_auth verf;
	int32_t result; /* after a SUCCESS header */
	onc_reply_header h;
	uint8_t verf_body[ONC_AUTH_MAX_BODY];
} reply_case;

enum { REPLY_KINDS = 6 + 1 + 15 };

static void gen_reply(reply_case *c, unsigned i)
{
	bool odd = i / REPLY_KINDS % 2;

	c->kind = i % REPLY_KINDS;
	c->xid = rnd_u32();
	c->result = (int32_t)rnd_u32();
	c->own_versions = c->kind == 6 && odd;
	c->low = c->own_versions || c->kind == ONC_PROG_MISMATCH ? rnd_u32() : ONC_RPC_VERSION;
	c->high = c->own_versions || c->kind == ONC_PROG_MISMATCH ? rnd_u32() : ONC_RPC_VERSION;
	c->own_verf = c->kind < 6 && odd;
	if (c->own_verf)
		gen_opaque_auth(&c->verf, c->verf_body, i / REPLY_KINDS);

	if (c->kind == ONC_PROG_MISMATCH)
		onc_rpc_reply_prog_mismatch(&c->h, c->xid, c->low, c->high);
	else if (c->kind < 6)
		onc_rpc_reply_accepted(&c->h, c->xid, (onc_accept_stat)c->kind);
	else if (c->kind == 6)
		onc_rpc_reply_rpc_mismatch(&c->h, c->xid);
	else
		onc_rpc_reply_auth_error(&c->h, c->xid, (onc_auth_stat)(c->kind - 7));
	if (c->own_versions) {
		c->h.low = c->low;
		c->h.high = c->high;
	}
	if (c->own_verf)
		c->h.verf = c->verf;
}

static void tirpc_reply_msg(struct rpc_msg *m, const reply_case *c)
{
	memset(m, 0, sizeof *m);
	m->rm_xid = c->xid;
	m->rm_direction = REPLY;
	if (c->kind < 6) {
		m->rm_reply.rp_stat = MSG_ACCEPTED;
		if (c->own_verf)
			to_tirpc_auth(&m->acpted_rply.ar_verf, &c->verf);
		else
			m->acpted_rply.ar_verf = _null_auth;
		m->acpted_rply.ar_stat = (enum accept_stat)c->kind;
		if (c->kind == PROG_MISMATCH) {
			m->acpted_rply.ar_vers.low = c->low;
			m->acpted_rply.ar_vers.high = c->high;
		} else if (c->kind == SUCCESS) {
			m->acpted_rply.ar_results.where = (caddr_t)&c->result;
			m->acpted_rply.ar_results.proc = (xdrproc_t)xdr_int;
		}
	} else if (c->kind == 6) {
		m->rm_reply.rp_stat = MSG_DENIED;
		m->rjcted_rply.rj_stat = RPC_MISMATCH;
		m->rjcted_rply.rj_vers.low = c->low;
		m->rjcted_rply.rj_vers.high = c->high;
	} else {
		m->rm_reply.rp_stat = MSG_DENIED;
		m->rjcted_rply.rj_stat = AUTH_ERROR;
		m->rjcted_rply.rj_why = (enum auth_stat)(c->kind - 7);
	}
}

static onc_status expected_status(const onc_reply_header *h)
{
	static const onc_status accepted[] = {ONC_OK, ONC_ERR_PROG_UNAVAIL, ONC_ERR_PROG_MISMATCH,
					      ONC_ERR_PROC_UNAVAIL, ONC_ERR_GARBAGE_ARGS,
					      ONC_ERR_SYSTEM_ERR};
	if (h->stat == ONC_MSG_ACCEPTED)
		return accepted[h->accept];
	return h->reject == ONC_RPC_MISMATCH ? ONC_ERR_RPC_MISMATCH : ONC_ERR_AUTH;
}

static void check_onc_reads_reply(const reply_case *c, const uint8_t *p, size_t n, unsigned i)
{
	const onc_reply_header *want = &c->h;
	onc_reply_header h;
	onc_xdr_dec d;
	onc_status s;

	memset(&h, 0, sizeof h);
	onc_xdr_dec_init(&d, p, n, NULL);
	d.flags = ONC_XDR_STRICT_PADDING;
	s = onc_rpc_decode_reply(&d, &h);
	check(s == ONC_OK, "#%u: onc cannot decode libtirpc's reply: %s", i, onc_strerror(s));
	check(h.xid == want->xid && h.stat == want->stat, "#%u: onc decoded another reply", i);
	if (h.stat == ONC_MSG_ACCEPTED) {
		check(h.accept == want->accept && h.verf.flavor == want->verf.flavor &&
			      h.verf.len == want->verf.len &&
			      same_mem(h.verf.body, want->verf.body, h.verf.len),
		      "#%u: onc decoded another accepted reply", i);
		if (h.accept == ONC_PROG_MISMATCH)
			check(h.low == want->low && h.high == want->high, "#%u: versions", i);
	} else {
		check(h.reject == want->reject, "#%u: onc decoded another reject_stat", i);
		if (h.reject == ONC_RPC_MISMATCH)
			check(h.low == want->low && h.high == want->high, "#%u: versions", i);
		else
			check(h.auth == want->auth, "#%u: onc decoded another auth_stat", i);
	}
	check(onc_rpc_reply_status(&h) == expected_status(want), "#%u: onc_rpc_reply_status %s",
	      i, onc_strerror(onc_rpc_reply_status(&h)));
	if (h.stat == ONC_MSG_ACCEPTED && h.accept == ONC_SUCCESS) {
		int32_t result;
		check(onc_xdr_get_i32(&d, &result) == ONC_OK && result == c->result,
		      "#%u: the result is not where onc left the cursor", i);
	}
	check(onc_xdr_dec_finish(&d) == ONC_OK, "#%u: bytes left", i);
}

static void check_tirpc_reads_reply(const reply_case *c, uint8_t *p, size_t n, unsigned i)
{
	const onc_reply_header *want = &c->h;
	char verf[MAX_AUTH_BYTES];
	struct rpc_msg m;
	int result = 0;
	XDR x;

	memset(&m, 0, sizeof m);
	m.acpted_rply.ar_verf.oa_base = verf;
	m.acpted_rply.ar_results.where = (caddr_t)&result;
	m.acpted_rply.ar_results.proc = (xdrproc_t)xdr_int;
	xdrmem_create(&x, (caddr_t)p, (u_int)n, XDR_DECODE);
	check(xdr_replymsg(&x, &m), "#%u: libtirpc cannot decode onc's reply", i);
	check(xdr_getpos(&x) == n, "#%u: libtirpc read %u of %zu bytes", i, xdr_getpos(&x), n);
	check(m.rm_xid == want->xid && m.rm_direction == REPLY &&
		      (uint32_t)m.rm_reply.rp_stat == want->stat,
	      "#%u: libtirpc decoded another reply", i);
	if (want->stat == ONC_MSG_ACCEPTED) {
		check((uint32_t)m.acpted_rply.ar_stat == want->accept, "#%u: accept_stat", i);
		check_same_auth(&m.acpted_rply.ar_verf, &want->verf, "reply verifier", i);
		if (want->accept == ONC_PROG_MISMATCH)
			check(m.acpted_rply.ar_vers.low == want->low &&
				      m.acpted_rply.ar_vers.high == want->high,
			      "#%u: versions", i);
		if (want->accept == ONC_SUCCESS)
			check(result == c->result, "#%u: libtirpc read another result", i);
	} else {
		check((uint32_t)m.rjcted_rply.rj_stat == want->reject, "#%u: reject_stat", i);
		if (want->reject == ONC_RPC_MISMATCH)
			check(m.rjcted_rply.rj_vers.low == want->low &&
				      m.rjcted_rply.rj_vers.high == want->high,
			      "#%u: versions", i);
		else
			check((uint32_t)m.rjcted_rply.rj_why == want->auth, "#%u: auth_stat", i);
	}
}

static void test_reply(void **state)
{
	static reply_case c;
	(void)state;
	interop_reseed();
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint8_t tbuf[1024];
		struct rpc_msg m;
		onc_xdr_enc e;
		onc_status s;
		XDR x;

		memset(&c, 0, sizeof c);
		gen_reply(&c, i);
		tirpc_reply_msg(&m, &c);
		xdrmem_create(&x, (caddr_t)tbuf, sizeof tbuf, XDR_ENCODE);
		check(xdr_replymsg(&x, &m), "#%u: libtirpc cannot encode", i);

		onc_xdr_enc_init(&e);
		s = onc_rpc_encode_reply(&e, &c.h);
		if (s == ONC_OK && c.h.stat == ONC_MSG_ACCEPTED && c.h.accept == ONC_SUCCESS)
			s = onc_xdr_put_i32(&e, c.result);
		check(s == ONC_OK, "#%u: onc cannot encode: %s", i, onc_strerror(s));
		expect_same_bytes("reply", tbuf, xdr_getpos(&x), e.base, onc_xdr_enc_len(&e));

		check_onc_reads_reply(&c, tbuf, xdr_getpos(&x), i);
		check_tirpc_reads_reply(&c, e.base, onc_xdr_enc_len(&e), i);
		onc_xdr_enc_free(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_sys_body),
		cmocka_unit_test(test_call),
		cmocka_unit_test(test_call_authunix_create),
		cmocka_unit_test(test_call_wrong_rpcvers),
		cmocka_unit_test(test_reply),
	};
	return cmocka_run_group_tests(tests, interop_group_setup, NULL);
}
