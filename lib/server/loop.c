/* An event loop, one per server thread. Every loop waits on every listener (an exclusive
 * wake-up spreads new connections and datagrams over the loops) and does all the I/O of its
 * own connections. Connections closed during an event batch are released after it (see
 * conn.c), so a later event of the same batch never names freed memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

#define MAX_EVENTS 64
#define DATAGRAMS_PER_EVENT 64 /* so that one busy socket cannot starve the connections */

onc_status onc__loop_init(onc__loop *l, onc_server *s)
{
	l->srv = s;
	pthread_mutex_init(&l->ready_lock, NULL);
	onc_arena_init(&l->arena, ONC__ARENA_LIMIT);
	onc_xdr_enc_init(&l->out);
	return onc__poller_init(&l->poller);
}

void onc__loop_destroy(onc__loop *l)
{
	while (l->conns)
		onc__conn_close(l->conns);
	onc__loop_release_closed(l);
	onc__poller_close(&l->poller);
	onc_arena_free(&l->arena);
	onc_xdr_enc_free(&l->out);
	pthread_mutex_destroy(&l->ready_lock);
}

void onc__loop_post(onc__loop *l, onc__conn *c)
{
	pthread_mutex_lock(&l->ready_lock);
	bool wake = l->ready == NULL;
	c->ready_next = l->ready;
	l->ready = c;
	pthread_mutex_unlock(&l->ready_lock);
	if (wake)
		onc__poller_wake(&l->poller);
}

void onc__loop_flush_ready(onc__loop *l)
{
	pthread_mutex_lock(&l->ready_lock);
	onc__conn *c = l->ready;
	l->ready = NULL;
	pthread_mutex_unlock(&l->ready_lock);
	while (c) {
		onc__conn *next = c->ready_next;
		onc__conn_flush_posted(c);
		c = next;
	}
}

void onc__loop_release_closed(onc__loop *l)
{
	while (l->closed) {
		onc__conn *c = l->closed;
		l->closed = c->next;
		onc__conn_unref(c); /* the loop's */
	}
}

#define ACCEPT_PAUSE_MS 100
/* At the connection limit, a newcomer takes the place of the connection idle the longest, if
 * that one has sent no call for this long: a connection just opened, or that just made a
 * call, is not taken for an idle one. */
#define EVICT_AFTER_MS 1000

/* From c towards the more recently active, the first connection with no complete call for
 * ms and no call in flight; NULL when there is none (they are in order of activity). */
static onc__conn *idle_from(onc__conn *c, int64_t now, unsigned ms)
{
	for (; c && now - c->last_call >= ms; c = c->prev)
		if (!onc__conn_busy(c))
			return c;
	return NULL;
}

/* At the connection limit: closes the connection of this loop idle the longest, if one has
 * been idle long enough. Without this, a client that makes one call per connection before
 * each idle timeout would keep every slot, and no one else would be served. */
static bool evict_idle(onc__loop *l)
{
	onc__conn *c = idle_from(l->oldest, onc__now_ms(), EVICT_AFTER_MS);
	if (c)
		onc__conn_close(c);
	return c != NULL;
}

/* Takes this loop's stream listeners off (pause) or back on its poller. */
static void watch_listeners(onc__loop *l, bool on)
{
	onc_server *s = l->srv;
	for (size_t i = 0; i < s->nlisteners; i++) {
		onc__listener *ls = &s->listeners[i];
		if (ls->src.kind != SRC_STREAM_LISTENER)
			continue;
		if (on)
			onc__poller_add(&l->poller, ls->src.fd, ONC__POLL_IN | ONC__POLL_EXCLUSIVE,
					&ls->src);
		else
			onc__poller_del(&l->poller, ls->src.fd);
	}
}

static void accept_all(onc__loop *l, int lfd)
{
	onc_server *s = l->srv;
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof peer;
		int fd = accept4(lfd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM)) {
			/* The connection stays in the backlog and the listener readable: polling it
			 * again would spin. Serve the open connections, try again a little later. */
			watch_listeners(l, false);
			l->accept_resume = onc__now_ms() + ACCEPT_PAUSE_MS;
			return;
		}
		if (fd < 0)
			return;
		/* Each admission over the limit is paired with an eviction (which counts the
		 * evicted connection out), or refused by closing at once. */
		bool full = atomic_fetch_add(&s->nconns, 1) >= s->max_connections;
		if ((full && !evict_idle(l)) || !onc__conn_new(l, fd, &peer, peer_len)) {
			atomic_fetch_sub(&s->nconns, 1);
			close(fd);
		}
	}
}

static void serve_datagrams(onc__loop *l, int fd)
{
	onc_server *s = l->srv;
	for (int i = 0; i < DATAGRAMS_PER_EVENT; i++) {
		onc__origin from = {.kind = ORIGIN_DATAGRAM, .fd = fd, .peer_len = sizeof from.peer};
		ssize_t n = recvfrom(fd, l->rbuf, sizeof l->rbuf, MSG_DONTWAIT,
				     (struct sockaddr *)&from.peer, &from.peer_len);
		if (n < 0)
			return;
		if (s->pool.n) {
			onc__job *j = onc__job_new(&from, l->rbuf, (size_t)n);
			if (j && !onc__pool_push(&s->pool, j, &j->next, 1))
				free(j); /* too many queued: dropped, as a full socket would */
			continue;
		}
		onc__dispatch(s, &l->arena, l->rbuf, (size_t)n, &l->out, &from);
		if (onc_xdr_enc_len(&l->out))
			sendto(fd, l->out.base, onc_xdr_enc_len(&l->out), MSG_DONTWAIT,
			       (const struct sockaddr *)&from.peer, from.peer_len);
		onc_xdr_enc_reset(&l->out); /* empty between uses: connections append to it */
	}
}

/* The budget for what connections hold (options.max_buffered). Each loop counts its
 * connections' bytes in s->buffered (conn.c: recount). Past the budget no connection takes
 * more calls; they read again under three quarters of it (those holding the least first), so
 * that the server does not flap at the line. A server that stays over it for BUDGET_GRACE_MS
 * closes the connections holding the most: without that, peers that send calls and never
 * read their replies would keep the server from reading anyone else. Going over again within
 * BUDGET_GRACE_MS of getting under continues the same episode: peers that fill the budget
 * again as soon as the server reads cannot restart the clock. */
#define BUDGET_GRACE_MS 2000

static size_t low_mark(const onc_server *s)
{
	return s->max_buffered / 4 * 3;
}

/* Each loop that changes s->buffered calls this after its change, and it reads the total
 * again after each change of state it makes: so whichever loop changes the total last leaves
 * the state right for it. Deciding on the total a loop's own change produced was not enough:
 * with two loops, one adding and one taking away, the state could be left over the budget
 * with the total under it, and every connection paused for good. */
bool onc__budget_update(onc_server *s)
{
	for (;;) {
		bool over = atomic_load(&s->over_budget);
		size_t total = atomic_load(&s->buffered);
		if (!over && total >= s->max_buffered) {
			int64_t now = onc__now_ms();
			if (now - atomic_load(&s->under_since) >= BUDGET_GRACE_MS)
				atomic_store(&s->over_since, now);
			atomic_compare_exchange_strong(&s->over_budget, &over, true);
		} else if (over && total < low_mark(s)) {
			if (!atomic_compare_exchange_strong(&s->over_budget, &over, false))
				continue;
			atomic_store(&s->under_since, onc__now_ms());
			if (!atomic_load(&s->stopping)) /* stopped: the pollers may be closed */
				for (unsigned i = 0; i < s->nloops; i++)
					onc__poller_wake(&s->loops[i].poller);
		} else {
			return over;
		}
	}
}

static int by_charge(const void *a, const void *b)
{
	size_t x = (*(onc__conn *const *)a)->charged, y = (*(onc__conn *const *)b)->charged;
	return x < y ? -1 : x > y;
}

/* This loop's open connections, holding the least first; *n of them (NULL when none, or out
 * of memory). The caller frees the array. */
static onc__conn **by_holding(onc__loop *l, size_t *n)
{
	size_t i = 0;
	*n = 0;
	for (onc__conn *c = l->conns; c; c = c->next)
		++*n;
	onc__conn **v = *n ? malloc(*n * sizeof *v) : NULL;
	if (!v)
		return NULL;
	for (onc__conn *c = l->conns; c; c = c->next)
		v[i++] = c;
	qsort(v, *n, sizeof *v, by_charge);
	return v;
}

/* Back under the budget: the connections that stopped reading for it read again, those
 * holding the least first, so that a client with one call goes before those that fill the
 * budget again at once. */
static void resume_paused(onc__loop *l)
{
	size_t n;
	if (!l->paused || atomic_load(&l->srv->over_budget))
		return;
	l->paused = false;
	onc__conn **v = by_holding(l, &n);
	for (size_t i = 0; v && i < n; i++)
		onc__conn_resume(v[i]);
	free(v);
}

/* Over the budget for BUDGET_GRACE_MS: closes this loop's connections that hold the most
 * until the server is back under three quarters of it. */
static void close_offenders(onc__loop *l, int64_t now)
{
	onc_server *s = l->srv;
	size_t n;
	if (!atomic_load(&s->over_budget) || now - atomic_load(&s->over_since) < BUDGET_GRACE_MS)
		return;
	onc__conn **v = by_holding(l, &n);
	for (size_t i = n; v && i-- > 0 && atomic_load(&s->buffered) >= low_mark(s);)
		onc__conn_close(v[i]);
	free(v);
}

/* Closes the connections that sent no call for the idle timeout and wait for no reply. */
static void close_idle(onc__loop *l, int64_t now)
{
	unsigned timeout = l->srv->idle_timeout_ms;
	onc__conn *c = idle_from(l->oldest, now, timeout);
	while (c) {
		onc__conn *newer = c->prev;
		onc__conn_close(c);
		c = idle_from(newer, now, timeout);
	}
}

void *onc__loop_run(void *arg)
{
	onc__loop *l = arg;
	onc__poll_event evs[MAX_EVENTS];
	int64_t next_scan = onc__now_ms() + 1000;

	while (!atomic_load(&l->srv->stopping)) {
		int64_t now = onc__now_ms();
		if (l->accept_resume && now >= l->accept_resume) {
			l->accept_resume = 0;
			watch_listeners(l, true);
		}
		int timeout = l->accept_resume ? (int)(l->accept_resume - now) : 1000;
		int n = onc__poller_wait(&l->poller, evs, MAX_EVENTS, timeout);
		for (int i = 0; i < n; i++) {
			onc__source *src = evs[i].ptr;
			if (!src) {
				onc__loop_flush_ready(l);
				continue;
			}
			switch (src->kind) {
			case SRC_STREAM_LISTENER:
				accept_all(l, src->fd);
				break;
			case SRC_DATAGRAM:
				serve_datagrams(l, src->fd);
				break;
			case SRC_CONN:
				onc__conn_event((onc__conn *)src, evs[i].events);
				break;
			}
		}
		resume_paused(l);
		onc__loop_release_closed(l);
		now = onc__now_ms();
		if (now >= next_scan) {
			close_idle(l, now);
			close_offenders(l, now);
			if (l->srv->tls_ctx)
				onc__starttls_expire(l, now);
			onc__loop_release_closed(l);
			next_scan = now + 1000;
		}
	}
	return NULL;
}
