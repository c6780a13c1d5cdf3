/* One call message in, its reply out (RFC 5531): the header, the credentials, the program
 * and version, the handler, and the reply that its answer stands for. No I/O here. */
#include <netinet/in.h>
#include <string.h>

#include "internal.h"

const onc__program *onc__find_program(const onc_server *s, uint32_t prog, uint32_t vers,
				      uint32_t *low, uint32_t *high)
{
	bool known = false;
	for (size_t i = 0; i < s->nprogs; i++) {
		const onc__program *p = &s->progs[i];
		if (p->prog != prog)
			continue;
		if (p->vers == vers)
			return p;
		*low = known && *low < p->vers ? *low : p->vers;
		*high = known && *high > p->vers ? *high : p->vers;
		known = true;
	}
	if (!known)
		*low = *high = 0;
	return NULL;
}

/* Accepts AUTH_NONE, well-formed AUTH_SYS and, on a cleartext connection of a server with TLS,
 * the AUTH_TLS probe (*starttls set); other flavors are refused as RFC 5531 says. AUTH_TLS where
 * TLS cannot start (no TLS configured, UDP: no DTLS here, or already inside TLS) is a flavor
 * this server does not take, and the refusal tells the client to go on without TLS (RFC 9289,
 * Section 4.1). */
static onc_status check_credentials(const onc_call_header *h, const onc__origin *from,
				    onc_auth_sys *sys, bool *have_sys, bool *starttls,
				    onc_auth_stat *why)
{
	*have_sys = false;
	*starttls = false;
	if (h->cred.flavor == ONC_AUTH_TLS && from->tls_offer) {
		*why = onc__starttls_check(h);
		*starttls = *why == ONC_AUTH_OK;
		return *starttls ? ONC_OK : ONC_ERR_AUTH;
	}
	if (h->verf.flavor != ONC_AUTH_NONE) {
		*why = ONC_AUTH_BADVERF;
		return ONC_ERR_AUTH;
	}
	if (h->cred.flavor == ONC_AUTH_NONE)
		return ONC_OK;
	if (h->cred.flavor == ONC_AUTH_SYS) {
		*have_sys = true;
		return onc_auth_sys_decode(&h->cred, sys, why);
	}
	*why = ONC_AUTH_REJECTEDCRED;
	return ONC_ERR_AUTH;
}

static onc_accept_stat accept_for(onc_status why)
{
	switch (why) {
	case ONC_OK:
		return ONC_SUCCESS;
	case ONC_ERR_PROG_UNAVAIL:
		return ONC_PROG_UNAVAIL;
	case ONC_ERR_PROC_UNAVAIL:
		return ONC_PROC_UNAVAIL;
	case ONC_ERR_GARBAGE_ARGS:
		return ONC_GARBAGE_ARGS;
	default:
		return ONC_SYSTEM_ERR;
	}
}

void onc__reply_for(onc_reply_header *r, uint32_t xid, onc_status why, onc_auth_stat auth)
{
	if (why == ONC_ERR_AUTH)
		onc_rpc_reply_auth_error(r, xid, auth == ONC_AUTH_OK ? ONC_AUTH_FAILED : auth);
	else
		onc_rpc_reply_accepted(r, xid, accept_for(why));
}

onc_status onc__reply_begin(onc_xdr_enc *out, bool stream, const onc_reply_header *r,
			    size_t *rec)
{
	if (stream)
		ONC_TRY(onc_rm_begin(out, rec));
	return onc_rpc_encode_reply(out, r);
}

onc_status onc__reply_end(onc_xdr_enc *out, bool stream, size_t rec)
{
	return stream ? onc_rm_end(out, rec, 0) : ONC_OK;
}

onc_accept_stat onc_call_fail(onc_call *call, onc_status why)
{
	onc__call *c = (onc__call *)call;
	if (why == ONC_ERR_AUTH && !c->denied) {
		c->denied = true;
		c->auth = ONC_AUTH_FAILED;
	}
	return accept_for(why);
}

onc_status onc_call_auth_error(onc_call *call, onc_auth_stat why)
{
	onc__call *c = (onc__call *)call;
	c->denied = true;
	c->auth = why == ONC_AUTH_OK ? ONC_AUTH_FAILED : why;
	return ONC_ERR_AUTH;
}

bool onc_call_is_local(const onc_call *call)
{
	const struct sockaddr *sa = call->peer;
	if (!sa || sa->sa_family == AF_UNIX)
		return sa != NULL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	/* Not ::ffff:127.x.x.x: IPv6 sockets are IPv6-only, so only a spoofed datagram has it. */
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

const onc_tls_peer *onc_call_tls(const onc_call *call)
{
	const onc__origin *from = ((const onc__call *)call)->from;
	return from->tls ? &from->conn->peer : NULL;
}

bool onc_call_is_datagram(const onc_call *call)
{
	return ((const onc__call *)call)->from->kind == ORIGIN_DATAGRAM;
}

bool onc_call_peer_uid(const onc_call *call, uid_t *uid)
{
	const onc__origin *from = ((const onc__call *)call)->from;
	if (from->has_uid)
		*uid = from->uid;
	return from->has_uid;
}

/* The reply to a call the server answers without a handler, or NULL for one to dispatch
 * (*p set, r an accepted SUCCESS header). false when the message gets no answer. */
static bool answer_header(onc_server *s, onc_xdr_dec *d, const onc__origin *from,
			  onc_call_header *h, onc_auth_sys *sys, bool *have_sys, onc_reply_header *r,
			  const onc__program **p)
{
	onc_auth_stat why = ONC_AUTH_OK;
	bool starttls;
	onc_status st = onc_rpc_decode_call(d, h, &why);
	*p = NULL;
	if (st == ONC_ERR_RPC_MISMATCH) {
		onc_rpc_reply_rpc_mismatch(r, h->xid);
	} else if (st == ONC_ERR_AUTH) {
		onc_rpc_reply_auth_error(r, h->xid, why);
	} else if (st != ONC_OK) {
		return false;
	} else if (check_credentials(h, from, sys, have_sys, &starttls, &why) != ONC_OK) {
		onc_rpc_reply_auth_error(r, h->xid, why);
	} else {
		*p = onc__find_program(s, h->prog, h->vers, &r->low, &r->high);
		if (!*p && r->high)
			onc_rpc_reply_prog_mismatch(r, h->xid, r->low, r->high);
		else if (!*p)
			onc_rpc_reply_accepted(r, h->xid, ONC_PROG_UNAVAIL);
		else if ((*p)->tls_only && !from->tls && !starttls)
			/* RFC 5531: AUTH_TOOWEAK, "rejected for security reasons": this program
			 * takes calls inside TLS only (onc_server_require_tls). */
			onc_rpc_reply_auth_error(r, h->xid, ONC_AUTH_TOOWEAK);
		else
			onc_rpc_reply_accepted(r, h->xid, ONC_SUCCESS);
		if (r->stat == ONC_MSG_DENIED)
			*p = NULL;
		if (starttls) {
			/* RFC 9289, Section 4.1: MSG_ACCEPTED with the AUTH_NONE verifier
			 * "STARTTLS", whatever the accept status; the NULL procedure itself is
			 * not run. */
			r->verf = (onc_opaque_auth){ONC_AUTH_NONE, ONC__STARTTLS_LEN,
						    (const uint8_t *)ONC__STARTTLS};
			*p = NULL;
		}
	}
	return true;
}

bool onc__dispatch(onc_server *s, onc_arena *arena, const uint8_t *msg, size_t len,
		   onc_xdr_enc *out, const onc__origin *from)
{
	size_t rec = 0, start = onc_xdr_enc_len(out);
	onc_call_header h;
	onc_reply_header r;
	onc_auth_sys sys;
	bool have_sys = false, deferred = false;
	const onc__program *p;
	onc_xdr_dec d;
	onc_status st;

	onc_xdr_dec_init(&d, msg, len, arena);
	if (!answer_header(s, &d, from, &h, &sys, &have_sys, &r, &p)) {
		onc_arena_reset(arena);
		return false;
	}
	st = onc__reply_begin(out, from->stream, &r, &rec);
	if (st == ONC_OK && p) {
		onc__call c = {
			.call = {.header = &h, .auth_sys = have_sys ? &sys : NULL, .args = &d,
				 .results = out, .arena = arena,
				 .peer = (const struct sockaddr *)&from->peer, .peer_len = from->peer_len},
			.srv = s, .from = from, .xid = h.xid,
		};
		size_t results = onc_xdr_enc_len(out);
		onc_accept_stat accept = p->fn(&c.call, p->ctx);
		deferred = c.deferred != NULL;
		if (deferred) {
			out->p = out->base + start; /* the reply comes later */
			return true;
		}
		if (c.denied) {
			out->p = out->base + start;
			onc_rpc_reply_auth_error(&r, h.xid, c.auth);
			st = onc__reply_begin(out, from->stream, &r, &rec);
		} else if (accept != ONC_SUCCESS) {
			out->p = out->base + results - 4; /* rewrite the accept_stat */
			st = onc_xdr_put_u32(out, accept);
		}
	}
	if (st == ONC_OK)
		st = onc__reply_end(out, from->stream, rec);
	if (st != ONC_OK)
		out->p = out->base + start; /* could not build the reply: send none */
	onc_arena_reset(arena);
	return false;
}

void onc_server_process(onc_server *s, const uint8_t *msg, size_t len, onc_xdr_enc *out,
			bool record_mark)
{
	onc_arena arena;
	onc_xdr_enc reply; /* the dispatcher's own: a deferred reply goes to out meanwhile, from
			    * whatever thread, maybe before the dispatcher has let go of its */
	onc__capture cap = {.out = out};
	onc__origin from = {.kind = ORIGIN_CAPTURE, .stream = record_mark, .capture = &cap,
			    .peer.ss_family = AF_UNIX, .peer_len = sizeof(sa_family_t)};
	pthread_mutex_init(&cap.lock, NULL);
	pthread_cond_init(&cap.done_cond, NULL);
	onc_arena_init(&arena, ONC__ARENA_LIMIT);
	onc_xdr_enc_init(&reply);
	if (onc__dispatch(s, &arena, msg, len, &reply, &from)) {
		pthread_mutex_lock(&cap.lock);
		while (!cap.done)
			pthread_cond_wait(&cap.done_cond, &cap.lock);
		pthread_mutex_unlock(&cap.lock);
	} else if (onc_xdr_enc_len(&reply)) {
		/* all or nothing: without room in out, no reply, as when the dispatcher has none */
		(void)onc_xdr_put_opaque_fixed(out, reply.base, onc_xdr_enc_len(&reply));
	}
	onc_xdr_enc_free(&reply);
	onc_arena_free(&arena);
	pthread_mutex_destroy(&cap.lock);
	pthread_cond_destroy(&cap.done_cond);
}
