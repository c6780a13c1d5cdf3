/* A stream connection: reading calls, writing replies, closing, and when its memory goes.
 *
 * Lifetime: a connection is freed by whoever drops its last reference (onc__conn_unref),
 * and by no one else. References are held
 *   - by its loop, from onc__conn_new until the end of the event batch in which
 *     onc__conn_close ran (the poller may still name it later in that batch; a closed
 *     connection ignores such events);
 *   - by each of its calls in flight: queued for or run by a worker, or deferred, until
 *     onc__conn_post has taken that call's reply (and the reference with it);
 *   - by its loop's ready list while it is on it.
 * Closing releases the socket and the buffers at once; what is left is the struct itself,
 * on which late replies find `dead` set and are dropped.
 *
 * Its TLS (starttls.c) is its own: the SSL object goes with the socket, the peer's identity
 * with the struct (calls in flight may still read it).
 *
 * Threads: the loop alone reads, writes and closes. Workers and deferred replies only
 * append to `out` and put the connection on the ready list, under its lock; the fields
 * under the lock are marked in internal.h. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* The loop's open connections are kept most recently active first (l->conns) to the least
 * (l->oldest), so that the idle timeout and the eviction at the connection limit look at the
 * oldest only. */
static void unlink_conn(onc__loop *l, onc__conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->oldest = c->prev;
	c->prev = c->next = NULL;
}

static void push_newest(onc__loop *l, onc__conn *c)
{
	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	else
		l->oldest = c;
	l->conns = c;
}

/* A complete call arrived: c is the most recently active. */
static void touch(onc__conn *c)
{
	c->last_call = onc__now_ms();
	if (c->loop->conns != c) {
		unlink_conn(c->loop, c);
		push_newest(c->loop, c);
	}
}

/* What is left of a connection once its last reference is gone. */
static void conn_free(onc__conn *c)
{
	free((void *)c->peer.sans); /* the block of the peer's identity (onc__tls_peer_get) */
	pthread_mutex_destroy(&c->lock);
	free(c);
}

onc__conn *onc__conn_new(onc__loop *l, int fd, const struct sockaddr_storage *peer,
			 socklen_t peer_len)
{
	onc__conn *c = calloc(1, sizeof *c);
	int one = 1;
	if (!c)
		return NULL;
	c->src = (onc__source){.kind = SRC_CONN, .fd = fd};
	c->loop = l;
	c->origin = (onc__origin){
		.kind = ORIGIN_CONN, .stream = true, .conn = c, .peer = *peer, .peer_len = peer_len};
	/* Taken now, for handlers that decide by who calls (rpcbind's owners): the descriptor
	 * is surely this peer's only while the loop holds it open. */
	struct ucred cred;
	socklen_t cred_len = sizeof cred;
	if (peer->ss_family == AF_UNIX &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0) {
		c->origin.has_uid = true;
		c->origin.uid = cred.uid;
	}
	c->origin.tls_offer = l->srv->tls_ctx != NULL;
	c->refs = 1; /* the loop's */
	c->reading = true;
	c->last_call = onc__now_ms();
	pthread_mutex_init(&c->lock, NULL);
	onc_rm_reader_init(&c->rm, l->srv->max_record);
	onc_xdr_enc_init(&c->out);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (onc__poller_add(&l->poller, fd, ONC__POLL_IN, &c->src) != ONC_OK) {
		onc_rm_reader_free(&c->rm);
		conn_free(c);
		return NULL;
	}
	push_newest(l, c);
	return c;
}

void onc__conn_unref(onc__conn *c)
{
	pthread_mutex_lock(&c->lock);
	bool last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		conn_free(c);
}

void onc__conn_hold(onc__conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->refs++;
	c->inflight++;
	pthread_mutex_unlock(&c->lock);
}

static bool take_unread(onc__conn *c);
static bool read_buffered(onc__conn *c);

static size_t unsent(const onc__conn *c)
{
	return onc_xdr_enc_len(&c->out) - c->out_sent;
}

/* With c->lock held: the peer ended its side and every call it sent is answered and sent. */
static bool finished(const onc__conn *c)
{
	return c->eof && c->inflight == 0 && unsent(c) == 0;
}

/* With c->lock held: what waits to be sent or is in flight is over the connection's bounds,
 * so no more of its calls are taken until the peer has read some replies. */
static bool over_bounds(const onc__conn *c)
{
	return unsent(c) + c->inflight_bytes >= ONC__MAX_UNSENT || c->inflight >= ONC__MAX_CONN_JOBS;
}

/* With c->lock held: c takes no more calls for now, for its own bounds or the server's
 * budget. */
static bool takes_no_calls(const onc__conn *c)
{
	return over_bounds(c) || atomic_load(&c->loop->srv->over_budget);
}

/* With c->lock held, on the loop: counts in the server's budget what c holds now (nothing
 * once closed); true while the server is over its budget. */
static bool recount(onc__conn *c)
{
	onc_server *s = c->loop->srv;
	size_t held = c->closed ? 0
				: unsent(c) + c->inflight_bytes + c->unread_len + c->rm.len +
					  (c->tls_state != ONC__TLS_NONE ? ONC__TLS_CHARGE : 0);
	size_t delta = held - c->charged; /* modulo 2^N, as the atomic's arithmetic */
	if (delta == 0) /* the usual case after a flush: no write to the shared count */
		return atomic_load(&s->over_budget);
	c->charged = held;
	atomic_fetch_add(&s->buffered, delta);
	return onc__budget_update(s);
}

/* Reads while what waits to be sent and what is in flight stay under the connection's bounds
 * and the server's budget, and until end of file. Called with c->lock held, on the loop. */
static void arm(onc__conn *c)
{
	bool over = recount(c);
	if (over && !c->eof)
		c->loop->paused = true; /* to be read again when the server is back under */
	bool reading = !c->eof && !c->unread && !over_bounds(c) && !over &&
		       c->tls_state != ONC__TLS_STARTING;
	bool writing = unsent(c) > 0;
	if (c->tls_state == ONC__TLS_HANDSHAKE) { /* only what the handshake waits for */
		reading = c->tls_want == ONC__POLL_IN;
		writing = c->tls_want == ONC__POLL_OUT;
	}
	if (reading == c->reading && writing == c->writing)
		return;
	c->reading = reading;
	c->writing = writing;
	onc__poller_mod(&c->loop->poller, c->src.fd,
			(reading ? ONC__POLL_IN : 0) | (writing ? ONC__POLL_OUT : 0), &c->src);
}

/* Moves the unsent replies to the front of the buffer once more of it has been sent than is
 * left. Without this, a peer that reads slowly but never catches up keeps the buffer from
 * ever emptying, and new replies are appended behind everything already sent: the buffer
 * grows without end although the unsent part stays under ONC__MAX_UNSENT. Each byte is moved
 * at most once on average. */
static void compact(onc__conn *c)
{
	size_t left = unsent(c);
	if (c->out_sent < left)
		return;
	memmove(c->out.base, c->out.base + c->out_sent, left);
	c->out.p = c->out.base + left;
	c->out_sent = 0;
}

/* send() in cleartext or inside TLS: bytes written, or -1 with errno (EAGAIN: full). */
static ssize_t conn_send(onc__conn *c, const uint8_t *data, size_t len)
{
	if (c->tls_state != ONC__TLS_ON)
		return send(c->src.fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	size_t n;
	onc__tls_io io = onc__tls_write(c->ssl, data, len, &n);
	if (io == ONC__TLS_DONE)
		return (ssize_t)n;
	errno = io == ONC__TLS_WANT_WRITE || io == ONC__TLS_WANT_READ ? EAGAIN : EIO;
	return -1; /* a retry passes the same bytes again (compact may move them) */
}

/* Writes what it can of the pending replies; false when the connection must be closed
 * (an error, a reply that could not be stored, or nothing more to do after end of file).
 * Once the STARTTLS answer has gone, the handshake begins. */
static bool flush_locked(onc__conn *c)
{
	size_t len = onc_xdr_enc_len(&c->out);
	if (c->broken)
		return false;
	while (c->out_sent < len) {
		ssize_t n = conn_send(c, c->out.base + c->out_sent, len - c->out_sent);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			compact(c);
			arm(c);
			return true;
		}
		if (n < 0)
			return false;
		c->out_sent += (size_t)n;
	}
	onc__release_if_large(&c->out);
	onc_xdr_enc_reset(&c->out);
	c->out_sent = 0;
	if (c->tls_state == ONC__TLS_STARTING && !onc__starttls_begin(c))
		return false;
	arm(c);
	return !finished(c);
}

static bool flush(onc__conn *c)
{
	pthread_mutex_lock(&c->lock);
	bool ok = flush_locked(c);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

/* Appends src's bytes to dst; when dst is empty the buffers are swapped instead (src is then
 * left empty, holding dst's old memory). */
static onc_status take_replies(onc_xdr_enc *dst, onc_xdr_enc *src)
{
	size_t len = onc_xdr_enc_len(src);
	if (len == 0)
		return ONC_OK;
	if (onc_xdr_enc_len(dst) == 0) {
		onc_xdr_enc t = *dst;
		*dst = *src;
		*src = t;
		return ONC_OK;
	}
	onc_status st = onc_xdr_put_opaque_fixed(dst, src->base, len);
	onc_xdr_enc_reset(src);
	return st;
}

onc_status onc__conn_post(onc__conn *c, onc_xdr_enc *reply, unsigned calls, size_t call_bytes)
{
	bool post = false, dead, last;
	pthread_mutex_lock(&c->lock);
	c->inflight -= calls;
	c->inflight_bytes -= call_bytes;
	c->refs -= calls;
	dead = c->dead;
	if (!dead) {
		if (take_replies(&c->out, reply) != ONC_OK)
			c->broken = true;
		post = !c->queued;
		if (post) {
			c->queued = true;
			c->refs++; /* the ready list's */
		}
	}
	last = c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (post)
		onc__loop_post(c->loop, c);
	if (last)
		conn_free(c);
	onc_xdr_enc_reset(reply);
	return dead ? ONC_ERR_CLOSED : ONC_OK;
}

void onc__conn_flush_posted(onc__conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->queued = false;
	bool ok = c->dead || flush_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (ok && !c->closed)
		ok = take_unread(c) && read_buffered(c);
	if (!ok)
		onc__conn_close(c);
	onc__conn_unref(c); /* the ready list's */
}

/* Takes the calls in data: answered here (no workers: their replies gather in the loop's
 * buffer and join the connection's in one step), or queued for the workers. It stops once
 * the replies waiting to be sent (or the calls in flight) pass the bounds, and keeps the rest
 * in c->unread for when the peer has read: replies are never built faster than they are
 * read. False when the connection must be closed. */
static bool take_calls(onc__conn *c, const uint8_t *data, size_t n)
{
	onc__loop *l = c->loop;
	onc_server *s = l->srv;
	onc__job *jobs = NULL, **tail = &jobs;
	unsigned njobs = 0;
	size_t job_bytes = 0, at = 0;
	bool ok = true, full;

	pthread_mutex_lock(&c->lock);
	full = takes_no_calls(c);
	size_t base_bytes = unsent(c) + c->inflight_bytes;
	unsigned base_calls = c->inflight;
	pthread_mutex_unlock(&c->lock);
	/* The bounds are checked against this snapshot: what workers add meanwhile is bounded
	 * by the calls they hold (and a worker puts a call aside past the bound). */
	while (at < n && ok && !full) {
		size_t used, len;
		if (onc_rm_reader_feed(&c->rm, data + at, n - at, &used) != ONC_OK) {
			ok = false; /* over the record limit: drop the connection */
			break;
		}
		at += used;
		const uint8_t *rec = onc_rm_reader_record(&c->rm, &len);
		if (!rec)
			continue;
		if (c->origin.tls_offer && onc__starttls_is_probe(rec, len)) {
			/* RFC 9289, Section 4.1: the client waits for the answer before its
			 * ClientHello, so nothing follows the probe, and no reply to an earlier call
			 * may come after it (it would be inside TLS): anything else is not a client
			 * following the RFC. The answer is made here, on the loop. */
			ok = at == n && base_calls + njobs == 0;
			if (ok) {
				onc__dispatch(s, &l->arena, rec, len, &l->out, &c->origin);
				c->origin.tls_offer = false;
				c->tls_state = ONC__TLS_STARTING;
				c->tls_since = onc__now_ms();
				onc_rm_reader_next(&c->rm);
				touch(c);
			}
			break;
		}
		if (s->pool.n == 0) {
			onc__dispatch(s, &l->arena, rec, len, &l->out, &c->origin);
		} else if ((*tail = onc__job_new(&c->origin, rec, len)) != NULL) {
			tail = &(*tail)->next;
			njobs++;
			job_bytes += len;
		} else {
			ok = false;
		}
		onc_rm_reader_next(&c->rm);
		touch(c);
		full = base_bytes + onc_xdr_enc_len(&l->out) + job_bytes >= ONC__MAX_UNSENT ||
		       base_calls + njobs >= ONC__MAX_CONN_JOBS || atomic_load(&s->over_budget);
	}
	if (ok && at < n && !(c->unread == data && at == 0)) {
		uint8_t *rest = malloc(n - at);
		if (rest)
			memcpy(rest, data + at, n - at);
		free(c->unread);
		c->unread = rest;
		c->unread_len = n - at;
		ok = rest != NULL;
	} else if (ok && at == n && c->unread) {
		free(c->unread);
		c->unread = NULL;
		c->unread_len = 0;
	}
	pthread_mutex_lock(&c->lock);
	if (take_replies(&c->out, &l->out) != ONC_OK)
		c->broken = true;
	c->refs += njobs;
	c->inflight += njobs;
	c->inflight_bytes += job_bytes;
	ok = ok && flush_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (njobs)
		onc__pool_push(&s->pool, jobs, tail, njobs);
	return ok;
}

/* recv() in cleartext or inside TLS: bytes read, 0 at end of file, or -1 with errno. Inside
 * TLS, OpenSSL may hold records it read ahead: see read_buffered. */
static ssize_t conn_recv(onc__conn *c, uint8_t *buf, size_t len)
{
	if (c->tls_state != ONC__TLS_ON)
		return recv(c->src.fd, buf, len, MSG_DONTWAIT);
	size_t n;
	switch (onc__tls_read(c->ssl, buf, len, &n)) {
	case ONC__TLS_DONE:
		return (ssize_t)n;
	case ONC__TLS_EOF:
		return 0;
	case ONC__TLS_WANT_READ:
	case ONC__TLS_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	default:
		errno = EIO;
		return -1;
	}
}

/* Reads once; inside TLS, again while OpenSSL holds bytes it read ahead (the poller cannot
 * see them) and the connection still reads, until it needs the socket. */
static bool read_calls(onc__conn *c)
{
	onc__loop *l = c->loop;
	for (;;) {
		ssize_t n = conn_recv(c, l->rbuf, sizeof l->rbuf);
		bool ok;
		if (n == 0) {
			pthread_mutex_lock(&c->lock);
			c->eof = true;
			arm(c);
			ok = !finished(c);
			pthread_mutex_unlock(&c->lock);
			return ok;
		}
		if (n < 0)
			return errno == EINTR || errno == EAGAIN;
		if (!take_calls(c, l->rbuf, (size_t)n) || !take_unread(c))
			return false;
		if (c->closed || c->tls_state != ONC__TLS_ON || !c->reading ||
		    !SSL_has_pending(c->ssl))
			return true;
	}
}

bool onc__conn_may_run(onc__conn *c, onc__job *j)
{
	pthread_mutex_lock(&c->lock);
	bool park = !c->dead && unsent(c) >= ONC__MAX_UNSENT;
	if (park) {
		j->next = c->parked;
		c->parked = j;
		c->nparked++;
	}
	pthread_mutex_unlock(&c->lock);
	return !park;
}

/* On the loop: the calls that workers put aside go back to them once the replies in waiting
 * are under the bound again. */
static void requeue_parked(onc__conn *c)
{
	pthread_mutex_lock(&c->lock);
	onc__job *jobs = NULL, **tail = &jobs;
	unsigned n = 0;
	if (c->parked && unsent(c) < ONC__MAX_UNSENT) {
		jobs = c->parked;
		n = c->nparked;
		c->parked = NULL;
		c->nparked = 0;
		while (*tail)
			tail = &(*tail)->next;
	}
	pthread_mutex_unlock(&c->lock);
	if (n)
		onc__pool_push(&c->loop->srv->pool, jobs, tail, n);
}

/* On the loop, after replies were written: the calls held back, while there is room. */
static bool take_unread(onc__conn *c)
{
	bool ok = true;
	if (atomic_load(&c->loop->srv->stopping))
		return true; /* stopping: no new calls; closing drops what was held back */
	requeue_parked(c);
	while (ok && c->unread) {
		pthread_mutex_lock(&c->lock);
		bool full = c->dead || takes_no_calls(c);
		pthread_mutex_unlock(&c->lock);
		if (full)
			break; /* until the peer reads (POLLOUT), the workers post, or the server is
				* back under its budget (onc__conn_resume) */
		ok = take_calls(c, c->unread, c->unread_len);
	}
	return ok;
}

void onc__conn_resume(onc__conn *c)
{
	if (c->closed)
		return; /* by an earlier resume of the same pass */
	pthread_mutex_lock(&c->lock);
	arm(c);
	pthread_mutex_unlock(&c->lock);
	if (!take_unread(c) || !read_buffered(c))
		onc__conn_close(c);
}

/* Inside TLS, the records that OpenSSL read ahead are invisible to the poller: when a
 * connection reads again, they are taken as the socket's would be. */
static bool read_buffered(onc__conn *c)
{
	if (c->closed || c->tls_state != ONC__TLS_ON || !c->reading || !SSL_has_pending(c->ssl))
		return true;
	return read_calls(c);
}

void onc__conn_event(onc__conn *c, unsigned events)
{
	bool ok;
	if (c->closed)
		return; /* closed earlier in this batch */
	ok = !(events & ONC__POLL_CLOSED) || (events & ONC__POLL_IN);
	if (ok && c->tls_state == ONC__TLS_HANDSHAKE) {
		ok = onc__starttls_step(c);
		pthread_mutex_lock(&c->lock);
		arm(c);
		pthread_mutex_unlock(&c->lock);
		if (ok) /* the first calls may have come with the client's Finished */
			ok = read_buffered(c);
		if (!ok)
			onc__conn_close(c);
		return;
	}
	if (ok && (events & ONC__POLL_OUT))
		ok = flush(c) && take_unread(c);
	if (ok && (events & ONC__POLL_IN) && c->reading)
		ok = read_calls(c);
	else if (ok)
		ok = read_buffered(c); /* a flush may have let it read again */
	if (!ok)
		onc__conn_close(c);
}

/* Memory goes before the socket: once the peer sees the connection closed, what it held
 * is already released (but for the struct, which its calls in flight still reference). */
void onc__conn_close(onc__conn *c)
{
	onc__loop *l = c->loop;
	if (c->closed)
		return;
	c->closed = true;
	unlink_conn(l, c);
	c->next = l->closed;
	l->closed = c;
	onc_rm_reader_free(&c->rm);
	free(c->unread);
	c->unread = NULL;
	pthread_mutex_lock(&c->lock);
	c->dead = true;
	onc_xdr_enc_free(&c->out);
	c->out_sent = 0;
	recount(c);
	onc__job *parked = c->parked;
	c->parked = NULL;
	c->nparked = 0;
	pthread_mutex_unlock(&c->lock);
	while (parked) { /* never to run: each gives back its call and reference */
		onc__job *j = parked;
		onc_xdr_enc none;
		parked = j->next;
		onc_xdr_enc_init(&none);
		onc__conn_post(c, &none, 1, j->len); /* the loop's reference keeps c */
		free(j);
	}
	onc__poller_del(&l->poller, c->src.fd);
	SSL_free(c->ssl); /* no close_notify: the peer learns from the closed socket */
	c->ssl = NULL;
	close(c->src.fd);
	atomic_fetch_sub(&l->srv->nconns, 1);
}

bool onc__conn_busy(onc__conn *c)
{
	pthread_mutex_lock(&c->lock);
	bool busy = c->inflight > 0;
	pthread_mutex_unlock(&c->lock);
	return busy;
}
