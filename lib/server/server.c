/* The server: one epoll loop per thread. Every loop waits on every listener (EPOLLEXCLUSIVE
 * spreads new connections and datagrams over the loops) and does all the I/O of its own
 * connections. Calls are dispatched in one of two ways:
 * - inline (no workers): decoded, dispatched and answered on the loop that read them;
 *   replies to a batch of pipelined calls leave in one write;
 * - by a worker pool: the loop queues each call; a worker runs the handler, appends the
 *   reply to the connection's buffer and hands the connection back to its loop, which writes
 *   every reply that has gathered in one send. Pipelined calls from one connection then run
 *   on all the workers at once, and a handler that blocks holds up no connection but its own.
 * A connection's reply buffer and counters are shared with the workers under its lock; the
 * rest of its state belongs to its loop. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../net/net.h"
#include "onc/rpcbind.h"
#include "onc/server.h"

#define DEFAULT_MAX_CONNECTIONS 4096u
#define DEFAULT_IDLE_TIMEOUT_MS 120000u
#define MAX_LISTENERS 16
#define MAX_EVENTS 64
#define READ_BUFFER 65536
#define MAX_UNSENT (4u << 20) /* stop reading a connection whose peer does not read */
#define KEEP_REPLY_BUFFER (64u << 10)
#define ARENA_LIMIT (64u << 20)
#define MAX_CONN_JOBS 1024u     /* calls of one connection queued for the workers */
#define MAX_DATAGRAM_JOBS 1024u /* datagrams queued for the workers; more are dropped */

enum source_kind { SRC_WAKE, SRC_STREAM_LISTENER, SRC_DATAGRAM, SRC_CONN };

typedef struct source {
	enum source_kind kind;
	int fd;
} source;

/* A listening socket and how it is registered with rpcbind. */
typedef struct listener {
	source src; /* first: epoll hands back a source pointer */
	char netid[8];  /* "tcp", "udp6", ...; empty for Unix sockets (not registered) */
	char uaddr[64];
	uint32_t prot;  /* for portmapper v2: ONC_IPPROTO_TCP or _UDP */
	uint16_t port;
} listener;

typedef struct program {
	uint32_t prog, vers;
	onc_dispatch_fn fn;
	void *ctx;
} program;

typedef struct loop loop;

typedef struct conn {
	source src; /* first: epoll hands back a source pointer */
	loop *loop;
	onc_rm_reader rm;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int64_t last_call; /* when the last complete call arrived (or the connection opened) */
	struct conn *prev, *next;
	/* Under lock: */
	pthread_mutex_t lock;
	onc_xdr_enc out; /* encoded replies; out_sent bytes of it are already written */
	size_t out_sent;
	bool reading;    /* EPOLLIN is armed */
	bool writing;    /* EPOLLOUT is armed */
	unsigned jobs;   /* calls with the workers */
	size_t job_bytes;
	bool queued;     /* on its loop's ready list */
	bool dead;       /* closed; freed when no job and no ready list holds it */
	bool broken;     /* a reply could not be stored: close */
	struct conn *ready_next;
} conn;

struct loop {
	onc_server *srv;
	int epfd;
	source wake;
	pthread_t thread;
	conn *conns;
	onc_arena arena;
	onc_xdr_enc dgram_out;
	pthread_mutex_t ready_lock;
	conn *ready; /* connections with replies from the workers */
	uint8_t rbuf[READ_BUFFER];
};

/* A call queued for the workers: the connection to answer, or the datagram socket and the
 * sender's address. */
typedef struct job {
	struct job *next;
	conn *conn;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	size_t len;
	uint8_t msg[];
} job;

typedef struct worker {
	onc_server *srv;
	pthread_t thread;
	onc_arena arena;
	onc_xdr_enc out;
} worker;

typedef struct pool {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	job *head, **tail;
	unsigned datagrams; /* datagram jobs queued */
	bool quit;          /* finish the queue, then stop */
	worker *workers;
	unsigned n;
} pool;

struct onc_server {
	size_t max_record;
	unsigned max_connections;
	unsigned idle_timeout_ms;
	program *progs;
	size_t nprogs;
	listener listeners[MAX_LISTENERS];
	size_t nlisteners;
	loop *loops;
	unsigned nloops;
	atomic_uint nconns;
	atomic_bool stopping;
	char *portmapper; /* where to register, or NULL */
	pool pool;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- dispatch ---- */

static const program *find_program(const onc_server *s, uint32_t prog, uint32_t vers,
				   uint32_t *low, uint32_t *high)
{
	bool known = false;
	for (size_t i = 0; i < s->nprogs; i++) {
		const program *p = &s->progs[i];
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

/* Accepts AUTH_NONE and well-formed AUTH_SYS; other flavors are refused as RFC 5531 says. */
static onc_status check_credentials(const onc_call_header *h, onc_auth_sys *sys, bool *have_sys,
				    onc_auth_stat *why)
{
	*have_sys = false;
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

/* Appends the reply to msg (record-marked on streams) to out; nothing when the message
 * cannot be answered (not a call, or a header too broken to hold an xid). */
static void handle_message(onc_server *s, onc_arena *arena, const uint8_t *msg, size_t len,
			   onc_xdr_enc *out, bool stream, const struct sockaddr_storage *peer,
			   socklen_t peer_len)
{
	size_t rec = 0, start = onc_xdr_enc_len(out), results;
	onc_call_header h;
	onc_reply_header r;
	onc_auth_sys sys;
	onc_auth_stat why = ONC_AUTH_OK;
	bool have_sys = false;
	const program *p = NULL;
	onc_xdr_dec d;
	onc_status st;

	onc_xdr_dec_init(&d, msg, len, arena);
	st = onc_rpc_decode_call(&d, &h, &why);
	if (st == ONC_ERR_RPC_MISMATCH) {
		onc_rpc_reply_rpc_mismatch(&r, h.xid);
	} else if (st == ONC_ERR_AUTH) {
		onc_rpc_reply_auth_error(&r, h.xid, why);
	} else if (st != ONC_OK) {
		return;
	} else if (check_credentials(&h, &sys, &have_sys, &why) != ONC_OK) {
		onc_rpc_reply_auth_error(&r, h.xid, why);
	} else {
		p = find_program(s, h.prog, h.vers, &r.low, &r.high);
		if (!p && r.high)
			onc_rpc_reply_prog_mismatch(&r, h.xid, r.low, r.high);
		else if (!p)
			onc_rpc_reply_accepted(&r, h.xid, ONC_PROG_UNAVAIL);
		else
			onc_rpc_reply_accepted(&r, h.xid, ONC_SUCCESS);
	}

	/* st may still hold the header's RPC_MISMATCH or AUTH error, answered by r. */
	st = stream ? onc_rm_begin(out, &rec) : ONC_OK;
	if (st == ONC_OK)
		st = onc_rpc_encode_reply(out, &r);
	if (st == ONC_OK && p) {
		onc_call call = {
			.header = &h, .auth_sys = have_sys ? &sys : NULL, .args = &d,
			.results = out, .arena = arena,
			.peer = (const struct sockaddr *)peer, .peer_len = peer_len,
		};
		results = onc_xdr_enc_len(out);
		onc_accept_stat accept = p->fn(&call, p->ctx);
		if (accept != ONC_SUCCESS) {
			out->p = out->base + results - 4; /* rewrite the accept_stat */
			st = onc_xdr_put_u32(out, accept);
		}
	}
	if (st == ONC_OK && stream)
		st = onc_rm_end(out, rec, 0);
	if (st != ONC_OK)
		out->p = out->base + start; /* could not build the reply: send none */
	onc_arena_reset(arena);
}

void onc_server_process(onc_server *s, const uint8_t *msg, size_t len, onc_xdr_enc *out,
			bool record_mark)
{
	onc_arena arena;
	struct sockaddr_storage peer = {.ss_family = AF_UNIX};
	onc_arena_init(&arena, ARENA_LIMIT);
	handle_message(s, &arena, msg, len, out, record_mark, &peer, sizeof(sa_family_t));
	onc_arena_free(&arena);
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
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* ---- connections ---- */

/* A reply buffer grown by a burst is given back once it is empty, so that an idle
 * connection or worker holds little. */
static void release_if_large(onc_xdr_enc *e)
{
	if ((size_t)(e->end - e->base) > KEEP_REPLY_BUFFER)
		onc_xdr_enc_free(e);
}

static void conn_free(conn *c)
{
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* With c->lock held: closed, and neither a worker's call nor a ready list holds it; whoever
 * makes this true frees it. */
static bool conn_unused(const conn *c)
{
	return c->dead && c->jobs == 0 && !c->queued;
}

/* Memory goes before the socket: once the peer sees the connection closed, what it held
 * is already released (but for calls still with the workers, released as they finish). */
static void conn_close(conn *c)
{
	loop *l = c->loop;
	int fd = c->src.fd;
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	onc_rm_reader_free(&c->rm);
	pthread_mutex_lock(&c->lock);
	c->dead = true;
	onc_xdr_enc_free(&c->out);
	bool unused = conn_unused(c);
	pthread_mutex_unlock(&c->lock);
	if (unused)
		conn_free(c);
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	atomic_fetch_sub(&l->srv->nconns, 1);
}

/* Reads while what waits to be sent and what the workers hold stay under the bounds.
 * Called with c->lock held. */
static void conn_arm(conn *c)
{
	size_t unsent = onc_xdr_enc_len(&c->out) - c->out_sent;
	struct epoll_event ev = {.data.ptr = &c->src};
	c->reading = unsent + c->job_bytes < MAX_UNSENT && c->jobs < MAX_CONN_JOBS;
	c->writing = unsent > 0;
	ev.events = (c->reading ? EPOLLIN : 0) | (c->writing ? EPOLLOUT : 0);
	epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->src.fd, &ev);
}

/* Moves the unsent replies to the front of the buffer once more of it has been sent than is
 * left. Without this, a peer that reads slowly but never catches up keeps the buffer from
 * ever emptying, and new replies are appended behind everything already sent: the buffer
 * grows without end although the unsent part stays under MAX_UNSENT. Each byte is moved at
 * most once on average. */
static void conn_compact(conn *c)
{
	size_t unsent = onc_xdr_enc_len(&c->out) - c->out_sent;
	if (c->out_sent < unsent)
		return;
	memmove(c->out.base, c->out.base + c->out_sent, unsent);
	c->out.p = c->out.base + unsent;
	c->out_sent = 0;
}

/* Writes what it can of the pending replies; false when the connection must be closed. */
static bool conn_flush_locked(conn *c)
{
	size_t len = onc_xdr_enc_len(&c->out);
	bool was_blocked = c->writing || !c->reading;
	if (c->broken)
		return false;
	while (c->out_sent < len) {
		ssize_t n = send(c->src.fd, c->out.base + c->out_sent, len - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			conn_compact(c);
			conn_arm(c);
			return true;
		}
		if (n < 0)
			return false;
		c->out_sent += (size_t)n;
	}
	/* Everything is sent. */
	release_if_large(&c->out);
	onc_xdr_enc_reset(&c->out);
	c->out_sent = 0;
	if (was_blocked)
		conn_arm(c);
	return true;
}

static bool conn_flush(conn *c)
{
	pthread_mutex_lock(&c->lock);
	bool ok = conn_flush_locked(c);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

/* Queues jobs (a list of n calls of one source, last at *tail) for the workers; false when
 * it is a datagram and too many wait already (it is then dropped, as a datagram may be). */
static bool pool_push(pool *p, job *first, job **tail, unsigned n)
{
	bool datagram = first->conn == NULL;
	pthread_mutex_lock(&p->lock);
	bool room = !datagram || p->datagrams < MAX_DATAGRAM_JOBS;
	if (room) {
		p->datagrams += datagram;
		*p->tail = first;
		p->tail = tail;
		if (n > 1)
			pthread_cond_broadcast(&p->nonempty);
		else
			pthread_cond_signal(&p->nonempty);
	}
	pthread_mutex_unlock(&p->lock);
	return room;
}

static job *job_new(conn *c, const uint8_t *msg, size_t len)
{
	job *j = malloc(sizeof *j + len);
	if (j) {
		j->next = NULL;
		j->conn = c;
		j->len = len;
		memcpy(j->msg, msg, len);
	}
	return j;
}

static bool conn_read(conn *c)
{
	loop *l = c->loop;
	onc_server *s = l->srv;
	ssize_t n = recv(c->src.fd, l->rbuf, sizeof l->rbuf, MSG_DONTWAIT);
	job *jobs = NULL, **tail = &jobs;
	unsigned njobs = 0;
	size_t job_bytes = 0;
	bool ok = true;
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	for (size_t at = 0; at < (size_t)n && ok;) {
		size_t used, len;
		if (onc_rm_reader_feed(&c->rm, l->rbuf + at, (size_t)n - at, &used) != ONC_OK) {
			ok = false; /* over the record limit: drop the connection */
			break;
		}
		at += used;
		const uint8_t *rec = onc_rm_reader_record(&c->rm, &len);
		if (!rec)
			continue;
		if (s->pool.n == 0) {
			handle_message(s, &l->arena, rec, len, &c->out, true, &c->peer, c->peer_len);
		} else if ((*tail = job_new(c, rec, len)) != NULL) {
			tail = &(*tail)->next;
			njobs++;
			job_bytes += len;
		} else {
			ok = false;
		}
		onc_rm_reader_next(&c->rm);
		c->last_call = now_ms();
	}
	if (s->pool.n == 0)
		return ok && conn_flush(c);
	if (njobs) {
		pthread_mutex_lock(&c->lock);
		c->jobs += njobs;
		c->job_bytes += job_bytes;
		if (c->jobs >= MAX_CONN_JOBS || c->job_bytes >= MAX_UNSENT)
			conn_arm(c);
		pthread_mutex_unlock(&c->lock);
		pool_push(&s->pool, jobs, tail, njobs);
	}
	return ok;
}

/* From a worker: the reply of one of c's calls (possibly empty) is appended, and c is put on
 * its loop's ready list, the loop woken if the list was empty. */
static void conn_post_reply(conn *c, const onc_xdr_enc *reply, size_t call_len)
{
	loop *l = c->loop;
	size_t len = onc_xdr_enc_len(reply);
	bool post = false;
	pthread_mutex_lock(&c->lock);
	c->jobs--;
	c->job_bytes -= call_len;
	if (!c->dead) {
		if (len && onc_xdr_put_opaque_fixed(&c->out, reply->base, len) != ONC_OK)
			c->broken = true;
		post = !c->queued;
		c->queued = true;
	}
	bool unused = conn_unused(c);
	pthread_mutex_unlock(&c->lock);
	if (unused)
		conn_free(c);
	if (!post)
		return;
	pthread_mutex_lock(&l->ready_lock);
	bool wake = l->ready == NULL;
	c->ready_next = l->ready;
	l->ready = c;
	pthread_mutex_unlock(&l->ready_lock);
	uint64_t one = 1;
	if (wake && write(l->wake.fd, &one, sizeof one) < 0) {
		/* the counter is already set: the loop will wake anyway */
	}
}

/* On the loop: writes the replies the workers have posted. */
static void loop_flush_ready(loop *l)
{
	pthread_mutex_lock(&l->ready_lock);
	conn *c = l->ready;
	l->ready = NULL;
	pthread_mutex_unlock(&l->ready_lock);
	while (c) {
		conn *next = c->ready_next;
		pthread_mutex_lock(&c->lock);
		c->queued = false;
		bool unused = conn_unused(c);
		bool ok = c->dead || conn_flush_locked(c);
		pthread_mutex_unlock(&c->lock);
		if (unused)
			conn_free(c);
		if (!ok)
			conn_close(c);
		c = next;
	}
}

static void accept_all(loop *l, int lfd)
{
	onc_server *s = l->srv;
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof peer;
		int fd = accept4(lfd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;
		if (fd < 0)
			return;
		conn *c = NULL;
		if (atomic_fetch_add(&s->nconns, 1) < s->max_connections)
			c = calloc(1, sizeof *c);
		if (!c) {
			atomic_fetch_sub(&s->nconns, 1);
			close(fd); /* over the limit: refuse by closing at once */
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->src = (source){.kind = SRC_CONN, .fd = fd};
		c->loop = l;
		c->reading = true;
		c->peer = peer;
		c->peer_len = peer_len;
		c->last_call = now_ms();
		pthread_mutex_init(&c->lock, NULL);
		onc_rm_reader_init(&c->rm, s->max_record);
		onc_xdr_enc_init(&c->out);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c->src};
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			onc_rm_reader_free(&c->rm);
			conn_free(c);
			close(fd);
			atomic_fetch_sub(&s->nconns, 1);
			continue;
		}
		c->next = l->conns;
		if (l->conns)
			l->conns->prev = c;
		l->conns = c;
	}
}

static void answer_datagram(onc_server *s, onc_arena *arena, onc_xdr_enc *out, int fd,
			    const uint8_t *msg, size_t len, const struct sockaddr_storage *peer,
			    socklen_t peer_len)
{
	onc_xdr_enc_reset(out);
	handle_message(s, arena, msg, len, out, false, peer, peer_len);
	if (onc_xdr_enc_len(out))
		sendto(fd, out->base, onc_xdr_enc_len(out), MSG_DONTWAIT,
		       (const struct sockaddr *)peer, peer_len);
}

static void queue_datagram(pool *p, int fd, const uint8_t *msg, size_t len,
			   const struct sockaddr_storage *peer, socklen_t peer_len)
{
	job *j = job_new(NULL, msg, len);
	if (!j)
		return;
	j->fd = fd;
	j->peer = *peer;
	j->peer_len = peer_len;
	if (!pool_push(p, j, &j->next, 1))
		free(j);
}

static void serve_datagrams(loop *l, int fd)
{
	onc_server *s = l->srv;
	/* Bounded, so that one busy socket cannot starve the loop's connections. */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		ssize_t n = recvfrom(fd, l->rbuf, sizeof l->rbuf, MSG_DONTWAIT,
				     (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return;
		if (s->pool.n)
			queue_datagram(&s->pool, fd, l->rbuf, (size_t)n, &peer, plen);
		else
			answer_datagram(s, &l->arena, &l->dgram_out, fd, l->rbuf, (size_t)n, &peer,
					plen);
	}
}

/* Closes the connections that sent no call for the idle timeout and wait for no reply. */
static void close_idle(loop *l, int64_t now)
{
	conn *c = l->conns;
	while (c) {
		conn *next = c->next;
		if (now - c->last_call >= l->srv->idle_timeout_ms) {
			pthread_mutex_lock(&c->lock);
			bool busy = c->jobs > 0;
			pthread_mutex_unlock(&c->lock);
			if (!busy)
				conn_close(c);
		}
		c = next;
	}
}

static void *loop_run(void *arg)
{
	loop *l = arg;
	struct epoll_event evs[MAX_EVENTS];
	int64_t next_scan = now_ms() + 1000;

	while (!atomic_load(&l->srv->stopping)) {
		int n = epoll_wait(l->epfd, evs, MAX_EVENTS, 1000);
		for (int i = 0; i < n; i++) {
			source *src = evs[i].data.ptr;
			switch (src->kind) {
			case SRC_WAKE: {
				uint64_t count;
				if (read(src->fd, &count, sizeof count) < 0) {
					/* already read: nothing to do */
				}
				loop_flush_ready(l);
				break;
			}
			case SRC_STREAM_LISTENER:
				accept_all(l, src->fd);
				break;
			case SRC_DATAGRAM:
				serve_datagrams(l, src->fd);
				break;
			case SRC_CONN: {
				conn *c = (conn *)src;
				bool ok = !(evs[i].events & (EPOLLERR | EPOLLHUP)) ||
					  (evs[i].events & EPOLLIN);
				if (ok && (evs[i].events & EPOLLOUT))
					ok = conn_flush(c);
				if (ok && (evs[i].events & EPOLLIN) && c->reading)
					ok = conn_read(c);
				if (!ok)
					conn_close(c);
				break;
			}
			}
		}
		int64_t now = now_ms();
		if (now >= next_scan) {
			close_idle(l, now);
			next_scan = now + 1000;
		}
	}
	return NULL;
}

/* ---- the worker pool ---- */

static void *worker_run(void *arg)
{
	worker *w = arg;
	pool *p = &w->srv->pool;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!p->head && !p->quit)
			pthread_cond_wait(&p->nonempty, &p->lock);
		job *j = p->head;
		if (j) {
			p->head = j->next;
			if (!p->head)
				p->tail = &p->head;
			if (!j->conn)
				p->datagrams--;
		}
		pthread_mutex_unlock(&p->lock);
		if (!j)
			return NULL; /* quit, and the queue is empty */
		if (j->conn) {
			onc_xdr_enc_reset(&w->out);
			handle_message(w->srv, &w->arena, j->msg, j->len, &w->out, true, &j->conn->peer,
				       j->conn->peer_len);
			conn_post_reply(j->conn, &w->out, j->len);
		} else {
			answer_datagram(w->srv, &w->arena, &w->out, j->fd, j->msg, j->len, &j->peer,
					j->peer_len);
		}
		release_if_large(&w->out);
		free(j);
	}
}

/* Threads get names (top -H, perf, gdb): "onc-loop-N", "onc-worker-N". */
static bool start_thread(pthread_t *t, void *(*fn)(void *), void *arg, const char *what,
			 unsigned i)
{
	char name[16];
	if (pthread_create(t, NULL, fn, arg))
		return false;
	snprintf(name, sizeof name, "onc-%.6s-%u", what, i % 10000u);
	pthread_setname_np(*t, name);
	return true;
}

static unsigned pool_start(onc_server *s)
{
	pool *p = &s->pool;
	p->quit = false;
	for (unsigned i = 0; i < p->n; i++)
		if (!start_thread(&p->workers[i].thread, worker_run, &p->workers[i], "worker", i))
			return i;
	return p->n;
}

/* Lets the workers finish every queued call, then joins them. */
static void pool_finish(onc_server *s, unsigned started)
{
	pool *p = &s->pool;
	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->nonempty);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(p->workers[i].thread, NULL);
}

/* ---- the server object ---- */

onc_server *onc_server_create(const onc_server_options *opts, onc_status *status)
{
	onc_server *s = calloc(1, sizeof *s);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nloops = opts && opts->threads ? opts->threads : (unsigned)(cores > 0 ? cores : 1);

	*status = ONC_ERR_NOMEM;
	if (!s)
		return NULL;
	s->max_record = opts && opts->max_record ? opts->max_record : ONC_RM_DEFAULT_MAX_RECORD;
	s->max_connections = opts && opts->max_connections ? opts->max_connections
							   : DEFAULT_MAX_CONNECTIONS;
	s->idle_timeout_ms = opts && opts->idle_timeout_ms ? opts->idle_timeout_ms
							   : DEFAULT_IDLE_TIMEOUT_MS;
	pool *p = &s->pool;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->nonempty, NULL);
	p->tail = &p->head;
	s->loops = calloc(nloops, sizeof *s->loops);
	p->workers = opts && opts->workers ? calloc(opts->workers, sizeof *p->workers) : NULL;
	if (!s->loops || (opts && opts->workers && !p->workers)) {
		onc_server_destroy(s);
		return NULL;
	}
	for (; p->n < (opts ? opts->workers : 0); p->n++) {
		worker *w = &p->workers[p->n];
		w->srv = s;
		onc_arena_init(&w->arena, ARENA_LIMIT);
		onc_xdr_enc_init(&w->out);
	}
	for (; s->nloops < nloops; s->nloops++) {
		loop *l = &s->loops[s->nloops];
		l->srv = s;
		pthread_mutex_init(&l->ready_lock, NULL);
		onc_arena_init(&l->arena, ARENA_LIMIT);
		onc_xdr_enc_init(&l->dgram_out);
		l->epfd = epoll_create1(EPOLL_CLOEXEC);
		l->wake = (source){.kind = SRC_WAKE, .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &l->wake};
		if (l->epfd < 0 || l->wake.fd < 0 ||
		    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake.fd, &ev) != 0) {
			s->nloops++;
			onc_server_destroy(s);
			*status = ONC_ERR_IO;
			return NULL;
		}
	}
	*status = ONC_OK;
	return s;
}

void onc_server_destroy(onc_server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nloops; i++) {
		loop *l = &s->loops[i];
		while (l->conns)
			conn_close(l->conns);
		if (l->epfd >= 0)
			close(l->epfd);
		if (l->wake.fd >= 0)
			close(l->wake.fd);
		onc_arena_free(&l->arena);
		onc_xdr_enc_free(&l->dgram_out);
		pthread_mutex_destroy(&l->ready_lock);
	}
	for (unsigned i = 0; i < s->pool.n; i++) {
		onc_arena_free(&s->pool.workers[i].arena);
		onc_xdr_enc_free(&s->pool.workers[i].out);
	}
	pthread_mutex_destroy(&s->pool.lock);
	pthread_cond_destroy(&s->pool.nonempty);
	for (size_t i = 0; i < s->nlisteners; i++)
		close(s->listeners[i].src.fd);
	free(s->pool.workers);
	free(s->loops);
	free(s->progs);
	free(s->portmapper);
	free(s);
}

onc_status onc_server_register(onc_server *s, uint32_t prog, uint32_t vers, onc_dispatch_fn fn,
			       void *ctx)
{
	uint32_t low, high;
	if (!fn || find_program(s, prog, vers, &low, &high))
		return ONC_ERR_INVALID_ARG;
	program *grown = realloc(s->progs, (s->nprogs + 1) * sizeof *grown);
	if (!grown)
		return ONC_ERR_NOMEM;
	s->progs = grown;
	s->progs[s->nprogs++] = (program){prog, vers, fn, ctx};
	return ONC_OK;
}

onc_status onc_server_listen(onc_server *s, const char *addr, uint16_t *port)
{
	onc__net_addr a;
	int fd;

	if (s->nlisteners == MAX_LISTENERS)
		return ONC_ERR_INVALID_ARG;
	ONC_TRY(onc__net_parse(addr, &a));
	if (!a.has_port)
		return ONC_ERR_ADDRESS;
	onc__net_addr bound;
	ONC_TRY(onc__net_listen(&a, &fd, &bound));
	listener *l = &s->listeners[s->nlisteners];
	memset(l, 0, sizeof *l);
	l->src = (source){.kind = a.kind == ONC__NET_UDP ? SRC_DATAGRAM : SRC_STREAM_LISTENER, .fd = fd};
	l->port = onc__net_port(&bound);
	if (a.kind != ONC__NET_UNIX &&
	    onc_uaddr_format((const struct sockaddr *)&bound.sa, l->uaddr, sizeof l->uaddr) == ONC_OK) {
		bool v6 = bound.sa.ss_family == AF_INET6;
		l->prot = a.kind == ONC__NET_TCP ? ONC_IPPROTO_TCP : ONC_IPPROTO_UDP;
		snprintf(l->netid, sizeof l->netid, "%s%s", a.kind == ONC__NET_TCP ? "tcp" : "udp",
			 v6 ? "6" : "");
	}
	if (port)
		*port = l->port;
	source *src = &l->src;
	for (unsigned i = 0; i < s->nloops; i++) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = src};
		if (epoll_ctl(s->loops[i].epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			while (i-- > 0)
				epoll_ctl(s->loops[i].epfd, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			return ONC_ERR_IO;
		}
	}
	s->nlisteners++;
	return ONC_OK;
}

onc_status onc_server_use_portmapper(onc_server *s, const char *pmap)
{
	char *copy = strdup(pmap);
	if (!copy)
		return ONC_ERR_NOMEM;
	free(s->portmapper);
	s->portmapper = copy;
	return ONC_OK;
}

/* Registers (or removes) every program version on every TCP/UDP listener: rpcbind v4 or v3
 * SET with netid and universal address, or portmapper v2 SET for IPv4 when that is all the
 * host's portmapper speaks. */
static onc_status portmapper_update(onc_server *s, bool set)
{
	for (size_t p = 0; p < s->nprogs; p++) {
		uint32_t prog = s->progs[p].prog, vers = s->progs[p].vers;
		bool done;
		if (!set) {
			if (onc_rpcb_unset(s->portmapper, prog, vers, "", &done) == ONC_ERR_PROG_MISMATCH)
				onc_pmap_unset(s->portmapper, prog, vers, &done);
			continue;
		}
		for (size_t i = 0; i < s->nlisteners; i++) {
			const listener *l = &s->listeners[i];
			onc_rpcb r = {prog, vers, (char *)l->netid, (char *)l->uaddr, "onc"};
			onc_pmap_mapping m = {prog, vers, l->prot, l->port};
			if (!l->netid[0])
				continue;
			onc_status st = onc_rpcb_set(s->portmapper, &r, &done);
			if (st == ONC_ERR_PROG_MISMATCH && !strchr(l->netid, '6'))
				st = onc_pmap_set(s->portmapper, &m, &done);
			ONC_TRY(st);
			if (!done)
				return ONC_ERR_ADDRESS; /* refused: already registered elsewhere */
		}
	}
	return ONC_OK;
}

onc_status onc_server_run(onc_server *s)
{
	unsigned started = 1, workers;
	onc_status st = ONC_OK;

	if (s->portmapper) {
		portmapper_update(s, false); /* a stale registration of an earlier run */
		ONC_TRY(portmapper_update(s, true));
	}
	atomic_store(&s->stopping, false);
	workers = pool_start(s);
	if (workers < s->pool.n) {
		onc_server_stop(s);
		st = ONC_ERR_NOMEM;
	}
	for (; started < s->nloops && st == ONC_OK; started++) {
		if (!start_thread(&s->loops[started].thread, loop_run, &s->loops[started], "loop",
				  started)) {
			onc_server_stop(s);
			st = ONC_ERR_NOMEM;
			break;
		}
	}
	loop_run(&s->loops[0]);
	for (unsigned i = 1; i < started; i++)
		pthread_join(s->loops[i].thread, NULL);
	/* Every loop has stopped: the calls with the workers are answered, then every reply
	 * is written and every connection closed, here on this thread. */
	pool_finish(s, workers);
	for (unsigned i = 0; i < s->nloops; i++) {
		loop *l = &s->loops[i];
		loop_flush_ready(l);
		while (l->conns) {
			conn_flush(l->conns);
			conn_close(l->conns);
		}
	}
	if (s->portmapper)
		portmapper_update(s, false);
	return st;
}

void onc_server_stop(onc_server *s)
{
	uint64_t one = 1;
	atomic_store(&s->stopping, true);
	for (unsigned i = 0; i < s->nloops; i++)
		if (write(s->loops[i].wake.fd, &one, sizeof one) < 0) {
			/* the counter is already set: the loop will wake anyway */
		}
}
