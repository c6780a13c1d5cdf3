/* Deferred replies. A handle is made by onc_call_defer() in the handler and freed by the one
 * onc_deferred_end() or onc_deferred_auth_error() that sends its reply, or onc_deferred_drop()
 * that sends none, on whatever thread.
 * It owns the call's arena (taken over from the loop or worker, so that decoded arguments
 * live until the reply) and holds a reference on the call's connection (conn.c). The server
 * counts the handles, and onc_server_run() waits until none is left: loops, workers and
 * sockets are still there when a reply is sent. */
#include <stdlib.h>
#include <sys/socket.h>

#include "internal.h"

struct onc_deferred {
	onc_server *srv;
	onc__origin from;
	uint32_t xid;
	onc_arena arena;
	onc_xdr_enc out;
	size_t rec;
	bool begun;
};

onc_deferred *onc_call_defer(onc_call *call)
{
	onc__call *c = (onc__call *)call;
	onc_server *s = c->srv;
	if (c->deferred)
		return c->deferred;
	onc_deferred *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->srv = s;
	d->from = *c->from;
	d->xid = c->xid;
	d->arena = *call->arena;
	onc_arena_init(call->arena, call->arena->limit);
	onc_xdr_enc_init(&d->out);
	if (d->from.kind == ORIGIN_CONN)
		onc__conn_hold(d->from.conn);
	pthread_mutex_lock(&s->deferred_lock);
	s->deferred++;
	pthread_mutex_unlock(&s->deferred_lock);
	c->deferred = d;
	return d;
}

onc_status onc_deferred_begin(onc_deferred *d, onc_xdr_enc **results)
{
	onc_reply_header r;
	if (d->begun)
		return ONC_ERR_INVALID_ARG;
	d->begun = true;
	onc_rpc_reply_accepted(&r, d->xid, ONC_SUCCESS);
	*results = &d->out;
	return onc__reply_begin(&d->out, d->from.stream, &r, &d->rec);
}

/* Sends reply, or nothing when it is empty. */
static void deliver(onc__origin *from, onc_xdr_enc *reply, onc_status *st)
{
	onc__capture *cap = from->capture;
	size_t len = onc_xdr_enc_len(reply);
	switch (from->kind) {
	case ORIGIN_CONN:
		*st = onc__conn_post(from->conn, reply, 1, 0); /* and the deferral's reference */
		break;
	case ORIGIN_DATAGRAM:
		if (len)
			sendto(from->fd, reply->base, len, MSG_DONTWAIT,
			       (const struct sockaddr *)&from->peer, from->peer_len);
		break;
	case ORIGIN_CAPTURE:
		pthread_mutex_lock(&cap->lock);
		if (len && onc_xdr_put_opaque_fixed(cap->out, reply->base, len) != ONC_OK)
			*st = ONC_ERR_NOMEM;
		cap->done = true;
		pthread_cond_signal(&cap->done_cond);
		pthread_mutex_unlock(&cap->lock);
		break;
	}
}

/* Delivers what d->out holds and frees d. */
static onc_status release(onc_deferred *d)
{
	onc_server *s = d->srv;
	onc_status st = ONC_OK;
	deliver(&d->from, &d->out, &st);
	onc_arena_free(&d->arena);
	onc_xdr_enc_free(&d->out);
	free(d);
	/* Last: once the count is zero, run() may return and the server go. */
	pthread_mutex_lock(&s->deferred_lock);
	if (--s->deferred == 0)
		pthread_cond_broadcast(&s->deferred_done);
	pthread_mutex_unlock(&s->deferred_lock);
	return st;
}

/* Sends the reply in d->out (or, when it cannot be finished, SYSTEM_ERR) and frees d. */
static onc_status finish(onc_deferred *d, onc_status built)
{
	if (built == ONC_OK)
		built = onc__reply_end(&d->out, d->from.stream, d->rec);
	if (built != ONC_OK) {
		onc_reply_header r;
		onc_rpc_reply_accepted(&r, d->xid, ONC_SYSTEM_ERR);
		onc_xdr_enc_reset(&d->out);
		if (onc__reply_begin(&d->out, d->from.stream, &r, &d->rec) != ONC_OK ||
		    onc__reply_end(&d->out, d->from.stream, d->rec) != ONC_OK)
			onc_xdr_enc_reset(&d->out); /* out of memory: no reply at all */
	}
	return release(d);
}

/* Replaces whatever was begun with a header-only reply r. */
static onc_status header_only(onc_deferred *d, const onc_reply_header *r)
{
	onc_xdr_enc_reset(&d->out);
	return onc__reply_begin(&d->out, d->from.stream, r, &d->rec);
}

onc_status onc_deferred_end(onc_deferred *d, onc_status why)
{
	onc_reply_header r;
	onc_xdr_enc *unused;
	if (why == ONC_OK)
		return finish(d, d->begun ? ONC_OK : onc_deferred_begin(d, &unused));
	onc__reply_for(&r, d->xid, why, ONC_AUTH_FAILED);
	return finish(d, header_only(d, &r));
}

onc_status onc_deferred_auth_error(onc_deferred *d, onc_auth_stat why)
{
	onc_reply_header r;
	onc__reply_for(&r, d->xid, ONC_ERR_AUTH, why);
	return finish(d, header_only(d, &r));
}

void onc_deferred_drop(onc_deferred *d)
{
	onc_xdr_enc_reset(&d->out);
	release(d);
}
