/* RPC-with-TLS (RFC 9289), the server's half: recognising the AUTH_TLS probe, and the TLS
 * handshake that follows the STARTTLS answer, run step by step on the connection's loop so that
 * a slow or hostile peer holds up nothing but itself. The connection owns its TLS state
 * (conn.c frees it); a handshake that has not finished handshake_timeout_ms after STARTTLS is
 * closed, and a handshaking connection counts in max_connections and the budget as any other. */
#include "internal.h"

bool onc__starttls_is_probe(const uint8_t *msg, size_t len)
{
	onc_call_header h;
	onc_auth_stat why;
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, msg, len, NULL);
	return onc_rpc_decode_call(&d, &h, &why) == ONC_OK && h.cred.flavor == ONC_AUTH_TLS &&
	       onc__starttls_check(&h) == ONC_AUTH_OK;
}

/* RFC 9289, Section 4.1: the probe is a NULL call, its AUTH_TLS credential has an empty body
 * and its verifier is AUTH_NONE. */
onc_auth_stat onc__starttls_check(const onc_call_header *h)
{
	if (h->cred.len != 0 || h->proc != 0)
		return ONC_AUTH_BADCRED;
	if (h->verf.flavor != ONC_AUTH_NONE || h->verf.len != 0)
		return ONC_AUTH_BADVERF;
	return ONC_AUTH_OK;
}

bool onc__starttls_begin(onc__conn *c)
{
	c->ssl = onc__tls_server_new(c->loop->srv->tls_ctx, c->src.fd);
	if (!c->ssl)
		return false;
	c->tls_state = ONC__TLS_HANDSHAKE;
	return onc__starttls_step(c);
}

bool onc__starttls_step(onc__conn *c)
{
	switch (onc__tls_handshake(c->ssl)) {
	case ONC__TLS_WANT_READ:
		c->tls_want = ONC__POLL_IN;
		return true;
	case ONC__TLS_WANT_WRITE:
		c->tls_want = ONC__POLL_OUT;
		return true;
	case ONC__TLS_DONE:
		break;
	default:
		return false; /* refused (version, ALPN, certificate) or broken off */
	}
	if (onc__tls_peer_get(c->ssl, &c->peer.subject, &c->peer.sans, &c->peer.nsans) != ONC_OK)
		return false;
	/* From here every call of this connection is a call over TLS; the jobs and deferred
	 * calls made from it copy the origin with the flag. */
	c->origin.tls = true;
	c->tls_state = ONC__TLS_ON;
	c->tls_want = 0;
	c->last_call = onc__now_ms(); /* the idle timeout counts from here */
	return true;
}

void onc__starttls_expire(onc__loop *l, int64_t now)
{
	unsigned timeout = l->srv->handshake_timeout_ms;
	for (onc__conn *c = l->conns, *next; c; c = next) {
		next = c->next;
		if ((c->tls_state == ONC__TLS_STARTING || c->tls_state == ONC__TLS_HANDSHAKE) &&
		    now - c->tls_since >= timeout)
			onc__conn_close(c);
	}
}
