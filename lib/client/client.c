/* The client. Any number of threads may call at once. The thread that finds nobody reading
 * the socket becomes the reader (leader/followers): it reads replies for everyone and hands
 * each to its caller by xid, so calls are pipelined on one connection without a thread of
 * the library's own. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "open.h"
#include "starttls.h"

#define DEFAULT_RETRY_MS 500
#define DEFAULT_MAX_IN_FLIGHT 1024u
#define MAX_QUEUED 16384 /* started calls written together, at most this many bytes */
#define READ_BUFFER 65536

typedef struct waiter {
	uint32_t xid;
	bool done;
	onc_status err;
	int os_error;     /* with err: the errno of the system call that failed, or 0 */
	uint8_t *reply;   /* the reply's bytes, in a buffer the waiter keeps from call to call */
	size_t reply_len, reply_cap;
	pthread_cond_t cv;
	struct waiter *next, *prev; /* every waiter of the client */
	struct waiter *same_bucket; /* the waiters whose xids hash alike */
	struct waiter *next_asleep, *prev_asleep; /* in the client's asleep list */
} waiter;

/* Waiters are found by xid in a table: xids increase (from the process's sequence), so the
 * calls in flight spread evenly over the buckets and a reply finds its call in a step or two. */
#define WAITER_BUCKETS 256u

struct onc_client {
	onc__net_addr addr;
	uint32_t prog, vers;
	int timeout_ms, retry_ms;
	onc_opaque_auth cred;
	uint8_t cred_body[ONC_AUTH_MAX_BODY];

	pthread_mutex_t send_mu; /* one writer at a time; taken before mu; guards outq */
	onc_xdr_enc outq;        /* started calls not yet written */
	atomic_bool queued;      /* outq holds calls: write them before waiting for anything */
	pthread_mutex_t mu;      /* guards what follows */
	pthread_cond_t room;     /* signalled when a call stops awaiting its reply */
	unsigned outstanding;    /* calls sent and awaiting replies */
	unsigned max_in_flight;
	int fd;                  /* -1 while not connected */
	/* RPC-with-TLS: every connection is probed and secured before its first call. */
	SSL_CTX *tls_ctx;        /* NULL: cleartext */
	onc_tls_mode tls_mode;
	char tls_name[256];      /* whom the server's certificate must name */
	SSL *ssl;                /* the connection's TLS; NULL in cleartext; replaced with fd */
	pthread_mutex_t tls_mu;  /* one SSL call at a time: the reader and a writer share ssl,
				  * and neither holds it while waiting */
	bool dead;               /* the connection failed; replaced by the next call */
	bool reader_active;
	int rcvtimeo_ms;         /* the socket's SO_RCVTIMEO; 0 = none */
	int64_t last_reply_ms;   /* when a reply last arrived */
	waiter *waiters;
	waiter *asleep;          /* the waiters whose threads wait on their cv: one of them takes
				  * over reading when the reader leaves (a waiter may have no
				  * thread on it yet: a started call not being finished) */
	waiter *buckets[WAITER_BUCKETS];
	struct onc_pending *spare; /* calls' state kept for the next calls (see take_pending) */
	unsigned nspare;
	onc_rm_reader rm;        /* the reader's alone */
	uint8_t rbuf[READ_BUFFER];
};

static bool is_stream(const onc_client *c)
{
	return c->addr.kind != ONC__NET_UDP;
}

/* xids come from one sequence for the whole process, so that no two clients use the same one
 * (a server's duplicate-request cache, and Wireshark, pair calls and replies by xid; seeds
 * taken from the clock made clients created in the same millisecond repeat each other's).
 * The sequence starts at a random point, and again in a forked child, so that processes do
 * not follow each other either. */
static atomic_uint next_xid;
static pthread_once_t xids_once = PTHREAD_ONCE_INIT;

static void seed_xids(void)
{
	uint32_t r;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)onc__now_ms() ^ (uint32_t)getpid() << 16; /* no entropy yet at boot */
	atomic_store(&next_xid, r);
}

static void init_xids(void)
{
	seed_xids();
	pthread_atfork(NULL, NULL, seed_xids);
}

/* Connects, and with TLS probes and secures the connection, by the deadline. */
static onc_status open_connection(onc_client *c, int64_t deadline, int *os_error)
{
	int left = (int)(deadline - onc__now_ms());
	if (left <= 0)
		return ONC_ERR_TIMEDOUT;
	ONC_TRY(onc__net_connect(&c->addr, left, &c->fd, os_error));
	if (!c->tls_ctx)
		return ONC_OK;
	onc_status st = onc__starttls(c->fd, c->tls_ctx, c->tls_mode, c->tls_name,
				      atomic_fetch_add(&next_xid, 1), c->prog, c->vers, deadline,
				      &c->ssl);
	if (st != ONC_OK) {
		close(c->fd);
		c->fd = -1;
	}
	return st;
}

/* Ends the connection (with TLS, a close_notify if the socket takes it at once). */
static void close_connection(onc_client *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* The client's TLS settings: a tls:// address requires TLS unless the options relax it; UDP
 * has no DTLS here (RFC 9289, Section 5.1.2), so it is cleartext or, when TLS is required,
 * refused. */
static onc_status setup_tls(onc_client *c, const onc_client_options *opts)
{
	onc_tls_client_options none = {0};
	const onc_tls_client_options *o = opts ? &opts->tls : &none;
	c->tls_mode = o->mode != ONC_TLS_OFF ? o->mode : c->addr.tls ? ONC_TLS_REQUIRED : ONC_TLS_OFF;
	if (c->tls_mode == ONC_TLS_OFF)
		return ONC_OK;
	if (!is_stream(c))
		return c->tls_mode == ONC_TLS_REQUIRED ? ONC_ERR_TLS_UNAVAILABLE : ONC_OK;
	const char *name = o->server_name ? o->server_name : c->addr.host;
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof c->tls_name)
		return ONC_ERR_INVALID_ARG; /* a Unix socket has no host: name the server */
	memcpy(c->tls_name, name, n + 1);
	onc_status st;
	onc__tls_files files = {o->ca_file, o->ca_dir, o->cert_file, o->key_file};
	c->tls_ctx = onc__tls_client_ctx(&files, &st);
	return st;
}

onc_client *onc__client_open(const onc__net_addr *addr, uint32_t prog, uint32_t vers,
			     const onc_client_options *opts, onc_status *status)
{
	onc_client *c = calloc(1, sizeof *c);
	onc_status st = c ? ONC_OK : ONC_ERR_NOMEM;

	pthread_once(&xids_once, init_xids);
	if (st == ONC_OK)
		c->addr = *addr;
	if (st == ONC_OK)
		st = setup_tls(c, opts);
	if (st == ONC_OK && opts && opts->auth_sys) {
		c->cred.flavor = ONC_AUTH_SYS;
		c->cred.body = c->cred_body;
		st = onc_auth_sys_encode(opts->auth_sys, c->cred_body, &c->cred.len);
	}
	if (st != ONC_OK) {
		SSL_CTX_free(c ? c->tls_ctx : NULL);
		free(c);
		*status = st;
		return NULL;
	}
	c->prog = prog;
	c->vers = vers;
	c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : ONC__DEFAULT_TIMEOUT_MS;
	c->retry_ms = opts && opts->retry_ms > 0 ? opts->retry_ms : DEFAULT_RETRY_MS;
	onc_rm_reader_init(&c->rm, opts ? opts->max_record : 0);
	onc_xdr_enc_init(&c->outq);
	pthread_mutex_init(&c->send_mu, NULL);
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->tls_mu, NULL);
	pthread_cond_init(&c->room, NULL);
	c->max_in_flight = opts && opts->max_in_flight ? opts->max_in_flight : DEFAULT_MAX_IN_FLIGHT;
	c->fd = -1;
	int os_error = 0;
	st = open_connection(c, onc__now_ms() + c->timeout_ms, &os_error);
	if (st != ONC_OK) {
		onc_client_destroy(c);
		c = NULL;
		if (opts && opts->error)
			*opts->error = (onc_call_error){.os_error = os_error};
	}
	*status = st;
	return c;
}

static void free_spares(onc_client *c);

void onc_client_destroy(onc_client *c)
{
	if (!c)
		return;
	close_connection(c);
	free_spares(c);
	SSL_CTX_free(c->tls_ctx);
	pthread_mutex_destroy(&c->tls_mu);
	onc_rm_reader_free(&c->rm);
	onc_xdr_enc_free(&c->outq);
	pthread_cond_destroy(&c->room);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->send_mu);
	free(c);
}

/* With mu held: the connection is unusable; every waiter learns why (os_error: the errno
 * behind it, or 0). */
static void fail_connection(onc_client *c, onc_status why, int os_error)
{
	c->dead = true;
	for (waiter *w = c->waiters; w; w = w->next) {
		if (!w->done) {
			w->done = true;
			w->err = why;
			w->os_error = os_error;
			c->outstanding--;
			pthread_cond_signal(&w->cv);
		}
	}
	pthread_cond_broadcast(&c->room);
}

/* With mu held: hands a reply to the call with its xid; late and duplicate replies, and
 * replies nobody waits for, are dropped. */
static void deliver(onc_client *c, const uint8_t *msg, size_t len)
{
	uint32_t xid;
	if (len < 4)
		return;
	memcpy(&xid, msg, 4);
	xid = onc_be32(xid);
	for (waiter *w = c->buckets[xid % WAITER_BUCKETS]; w; w = w->same_bucket) {
		if (w->xid != xid || w->done)
			continue;
		uint8_t *room = len <= w->reply_cap ? w->reply : realloc(w->reply, len);
		w->done = true;
		c->outstanding--;
		pthread_cond_broadcast(&c->room);
		w->err = room ? ONC_OK : ONC_ERR_NOMEM;
		if (room) {
			w->reply = room;
			w->reply_cap = len > w->reply_cap ? len : w->reply_cap;
			memcpy(w->reply, msg, len);
			w->reply_len = len;
		}
		c->last_reply_ms = onc__now_ms();
		pthread_cond_signal(&w->cv);
		return;
	}
}

/* Sets the socket's receive timeout when it is off by more than this: a blocking recv()
 * with SO_RCVTIMEO is one system call where poll() + recv() are two. */
#define RCVTIMEO_SLACK_MS 20

bool onc_client_is_tls(onc_client *c)
{
	pthread_mutex_lock(&c->mu);
	bool tls = c->ssl != NULL;
	pthread_mutex_unlock(&c->mu);
	return tls;
}

/* receive() inside TLS: the socket is non-blocking and the wait is in poll(), so that a
 * writer may use the connection meanwhile; the wait comes first when OpenSSL holds nothing
 * read ahead (a reply is seldom there already: one system call saved per call). */
static ssize_t tls_receive(onc_client *c, int wait_ms, bool *ready)
{
	int64_t until = onc__now_ms() + wait_ms;
	pthread_mutex_lock(&c->tls_mu);
	bool buffered = SSL_has_pending(c->ssl);
	pthread_mutex_unlock(&c->tls_mu);
	struct pollfd first = {.fd = c->fd, .events = POLLIN};
	if (!buffered && wait_ms > 0 && poll(&first, 1, wait_ms) == 0) {
		*ready = false;
		return 0;
	}
	*ready = true;
	for (;;) {
		size_t n;
		pthread_mutex_lock(&c->tls_mu);
		onc__tls_io io = onc__tls_read(c->ssl, c->rbuf, sizeof c->rbuf, &n);
		pthread_mutex_unlock(&c->tls_mu);
		if (io == ONC__TLS_DONE)
			return (ssize_t)n;
		if (io == ONC__TLS_EOF)
			return 0;
		if (io == ONC__TLS_FAILED) {
			errno = EPROTO; /* a TLS alert or error: ONC_ERR_TLS (read_replies) */
			return -1;
		}
		int64_t left = until - onc__now_ms();
		struct pollfd p = {.fd = c->fd, .events = io == ONC__TLS_WANT_READ ? POLLIN : POLLOUT};
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			*ready = false;
			return 0;
		}
	}
}

/* Waits up to wait_ms (0: not at all) for data and reads what is there: *ready is false on a
 * timeout. */
static ssize_t receive(onc_client *c, int wait_ms, bool *ready)
{
	ssize_t n;
	if (c->ssl)
		return tls_receive(c, wait_ms, ready);
	if (wait_ms == 0) {
		n = recv(c->fd, c->rbuf, sizeof c->rbuf, MSG_DONTWAIT);
		*ready = n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
		return n;
	}
	if (is_stream(c)) {
		if (c->rcvtimeo_ms == 0 || abs(c->rcvtimeo_ms - wait_ms) > RCVTIMEO_SLACK_MS) {
			struct timeval tv = {wait_ms / 1000, (wait_ms % 1000) * 1000};
			setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
			c->rcvtimeo_ms = wait_ms;
		}
		n = recv(c->fd, c->rbuf, sizeof c->rbuf, 0);
		*ready = n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
		return n;
	}
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	*ready = poll(&pfd, 1, wait_ms) > 0;
	return *ready ? recv(c->fd, c->rbuf, sizeof c->rbuf, MSG_DONTWAIT) : 0;
}

/* The reader's turn, entered and left with mu held: waits up to wait_ms for data and
 * delivers every complete reply it brings; *os_error gets the errno of a failed read. */
static onc_status read_replies(onc_client *c, int wait_ms, int *os_error)
{
	bool ready;

	pthread_mutex_unlock(&c->mu);
	ssize_t n = receive(c, wait_ms, &ready);
	int err = errno;
	pthread_mutex_lock(&c->mu);

	if (!ready)
		return ONC_OK;
	if (n == 0 && is_stream(c))
		return ONC_ERR_CLOSED;
	if (n < 0) {
		if (err == EINTR || err == EAGAIN)
			return ONC_OK;
		if (err == EPROTO) /* set by tls_receive for a TLS failure */
			return ONC_ERR_TLS;
		*os_error = err;
		return onc__os_status(err);
	}
	if (!is_stream(c)) {
		deliver(c, c->rbuf, (size_t)n);
		return ONC_OK;
	}
	for (size_t at = 0; at < (size_t)n;) {
		size_t used, len;
		ONC_TRY(onc_rm_reader_feed(&c->rm, c->rbuf + at, (size_t)n - at, &used));
		at += used;
		const uint8_t *rec = onc_rm_reader_record(&c->rm, &len);
		if (rec) {
			deliver(c, rec, len);
			onc_rm_reader_next(&c->rm);
		}
	}
	return ONC_OK;
}

static void abs_time(struct timespec *ts, int64_t at_ms)
{
	struct timespec now;
	int64_t delta = at_ms - onc__now_ms();
	clock_gettime(CLOCK_REALTIME, &now);
	ts->tv_sec = now.tv_sec + delta / 1000;
	ts->tv_nsec = now.tv_nsec + (delta % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* A call between start and finish. */
struct onc_pending {
	struct onc_pending *next_spare; /* in the client's spare list */
	waiter w;
	int64_t deadline;
	int64_t retry_ms, resend_at; /* UDP retransmission */
	onc_arena *arena;
	onc_call_error *error; /* the caller's: given detail, only when the call fails */
	onc_call_error detail; /* gathered meanwhile */
	onc_xdr_enc req; /* the encoded call, kept for retransmission */
	size_t record;   /* where its record mark is, on streams */
};

/* With mu held: the reader gives up its role, and whoever waits may take it over. */
static void wake_others(onc_client *c)
{
	if (c->asleep)
		pthread_cond_signal(&c->asleep->cv);
	pthread_cond_broadcast(&c->room);
}

/* With mu held: waits on w's cv until at_ms, for its reply or for the reader's turn. */
static void sleep_until(onc_client *c, waiter *w, int64_t at_ms)
{
	struct timespec ts;
	abs_time(&ts, at_ms);
	w->prev_asleep = NULL;
	w->next_asleep = c->asleep;
	if (c->asleep)
		c->asleep->prev_asleep = w;
	c->asleep = w;
	pthread_cond_timedwait(&w->cv, &c->mu, &ts);
	if (w->prev_asleep)
		w->prev_asleep->next_asleep = w->next_asleep;
	else
		c->asleep = w->next_asleep;
	if (w->next_asleep)
		w->next_asleep->prev_asleep = w->prev_asleep;
}

/* One turn as the reader, for up to wait_ms, with mu held. */
static void read_turn(onc_client *c, int wait_ms)
{
	int os_error = 0;
	c->reader_active = true;
	onc_status st = read_replies(c, wait_ms, &os_error);
	c->reader_active = false;
	if (st != ONC_OK)
		fail_connection(c, st, os_error);
}

static void flush_by(onc_client *c, int64_t deadline);

/* Waits for p's reply until its deadline, reading for everyone when nobody else is; on UDP,
 * resends the request with doubling delays. Entered and left with mu held. */
static onc_status wait_reply(onc_client *c, onc_pending *p)
{
	waiter *w = &p->w;
	while (!w->done) {
		int64_t now = onc__now_ms(), until = p->deadline;
		if (now >= p->deadline)
			return ONC_ERR_TIMEDOUT;
		if (!is_stream(c)) {
			if (now >= p->resend_at) {
				send(c->fd, p->req.base, onc_xdr_enc_len(&p->req), MSG_DONTWAIT);
				p->retry_ms *= 2;
				p->resend_at = now + p->retry_ms;
			}
			if (p->resend_at < until)
				until = p->resend_at;
		}
		if (c->dead)
			return ONC_ERR_CLOSED;
		if (atomic_load(&c->queued)) {
			/* About to block: first take the replies already here, then send the
			 * started calls, so that nothing waits on a call still in the queue. */
			if (!c->reader_active)
				read_turn(c, 0);
			if (w->done)
				break;
			pthread_mutex_unlock(&c->mu);
			flush_by(c, p->deadline);
			pthread_mutex_lock(&c->mu);
			continue;
		}
		if (!c->reader_active)
			read_turn(c, (int)(until - now));
		else
			sleep_until(c, w, until);
	}
	return w->err;
}

/* Backpressure, with mu held: waits (reading replies when nobody else is) until fewer than
 * max_in_flight calls await replies, or the deadline passes. */
static onc_status make_room(onc_client *c, int64_t deadline)
{
	onc_status st = ONC_OK;
	bool did_read = false;
	while (c->outstanding >= c->max_in_flight && st == ONC_OK) {
		int64_t now = onc__now_ms();
		if (now >= deadline) {
			st = ONC_ERR_TIMEDOUT;
		} else if (c->dead) {
			st = ONC_ERR_CLOSED;
		} else if (!c->reader_active) {
			read_turn(c, (int)(deadline - now));
			did_read = true;
		} else {
			struct timespec ts;
			abs_time(&ts, deadline);
			pthread_cond_timedwait(&c->room, &c->mu, &ts);
		}
	}
	if (did_read)
		wake_others(c); /* the calls still waiting need a new reader */
	return st;
}

/* A connection quiet for longer than this is checked before use; calls in quick succession
 * skip the extra system call (a server restart takes longer than this). */
#define QUIET_MS 100

/* With nothing in flight a stream has nothing to say: readable means the peer closed it
 * (or a reply came too late to matter), so the call goes on a new connection. Inside TLS the
 * peer may also have sent a record that is not data (a session ticket): that is read, and
 * only end of file, an error or data count. */
static bool peer_closed(onc_client *c)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN | POLLRDHUP};
	if (poll(&pfd, 1, 0) <= 0)
		return false;
	if (!c->ssl || (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return true;
	bool ready;
	return receive(c, 0, &ready) != 0 || ready;
}

/* Writes what the connection takes without waiting (*sent bytes; fewer than len when full). */
static onc_status conn_send(onc_client *c, const uint8_t *data, size_t len, size_t *sent,
			    int *os_error)
{
	if (!c->ssl)
		return onc__net_send(c->fd, data, len, sent, os_error);
	*sent = 0;
	while (*sent < len) {
		size_t n;
		pthread_mutex_lock(&c->tls_mu);
		onc__tls_io io = onc__tls_write(c->ssl, data + *sent, len - *sent, &n);
		pthread_mutex_unlock(&c->tls_mu);
		if (io == ONC__TLS_DONE)
			*sent += n;
		else if (io == ONC__TLS_WANT_WRITE || io == ONC__TLS_WANT_READ)
			break; /* retried with the same bytes once the socket takes more */
		else
			return io == ONC__TLS_EOF ? ONC_ERR_CLOSED : ONC_ERR_TLS;
	}
	return ONC_OK;
}

/* How long a writer waiting for room in the socket sleeps while another thread is the reader:
 * that reader may leave without telling it, and then the writer must read itself. */
#define WRITE_WAIT_MS 10

/* With send_mu held and the socket full: waits until it takes more or the deadline passes.
 * The peer may not read our calls until we read its replies (both ways full: an onc server
 * stops reading a connection once 4 MiB of its replies wait), so replies are read and
 * delivered meanwhile, by this thread when no other is the reader. */
static onc_status await_room(onc_client *c, int64_t deadline, bool *did_read, int *os_error)
{
	int64_t left = deadline - onc__now_ms();
	if (left <= 0)
		return ONC_ERR_TIMEDOUT;
	pthread_mutex_lock(&c->mu);
	bool can_read = !c->reader_active;
	pthread_mutex_unlock(&c->mu);
	int wait_ms = can_read || left < WRITE_WAIT_MS ? (int)left : WRITE_WAIT_MS;
	struct pollfd pfd = {.fd = c->fd, .events = POLLOUT | (can_read ? POLLIN : 0)};
	if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR) {
		*os_error = errno;
		return ONC_ERR_IO;
	}
	if (!(pfd.revents & POLLIN))
		return ONC_OK; /* room, or an error that the next send reports */
	pthread_mutex_lock(&c->mu);
	if (!c->reader_active) { /* another thread may have become the reader since */
		read_turn(c, 0);
		*did_read = true;
	}
	onc_status st = c->dead ? ONC_ERR_CLOSED : ONC_OK;
	pthread_mutex_unlock(&c->mu);
	return st;
}

/* With send_mu held: writes data by the deadline, reading replies while the socket is full. */
static onc_status send_all(onc_client *c, const uint8_t *data, size_t len, int64_t deadline,
			   int *os_error)
{
	onc_status st = ONC_OK;
	bool did_read = false;
	while (len && st == ONC_OK) {
		size_t sent;
		st = conn_send(c, data, len, &sent, os_error);
		data += sent;
		len -= sent;
		if (st == ONC_OK && len)
			st = await_room(c, deadline, &did_read, os_error);
	}
	if (did_read) {
		pthread_mutex_lock(&c->mu);
		wake_others(c); /* the calls still waiting need a new reader */
		pthread_mutex_unlock(&c->mu);
	}
	return st;
}

/* With send_mu held: writes the queued requests and then req (len may be 0) by the deadline.
 * A failure, a timeout included, may leave part of a record written: the connection is
 * failed, and the next call makes a new one; a datagram too large was not sent at all, and
 * fails its call alone. *os_error gets the errno of a failed system call. */
static onc_status write_out(onc_client *c, const uint8_t *req, size_t len, int64_t deadline,
			    int *os_error)
{
	onc_status st = ONC_OK;
	if (onc_xdr_enc_len(&c->outq)) {
		if (len)
			st = onc_xdr_put_opaque_fixed(&c->outq, req, len); /* records are 4-aligned */
		req = c->outq.base;
		len = onc_xdr_enc_len(&c->outq);
	}
	if (st == ONC_OK && len)
		st = send_all(c, req, len, deadline, os_error);
	onc_xdr_enc_reset(&c->outq);
	atomic_store(&c->queued, false);
	if (st != ONC_OK && st != ONC_ERR_DATAGRAM_TOO_BIG) {
		pthread_mutex_lock(&c->mu);
		fail_connection(c, st, *os_error);
		pthread_mutex_unlock(&c->mu);
	}
	return st;
}

/* Takes send_mu, waiting for the writer before us until the deadline at most. */
static onc_status lock_send(onc_client *c, int64_t deadline)
{
	struct timespec ts;
	abs_time(&ts, deadline);
	return pthread_mutex_timedlock(&c->send_mu, &ts) == 0 ? ONC_OK : ONC_ERR_TIMEDOUT;
}

/* Registers w and sends the request by the deadline, connecting first when the previous
 * connection is gone (every call on it has been failed by then). With defer, a stream
 * request may wait in the queue for the next write instead (see onc_client_start). */
static onc_status send_request(onc_client *c, waiter *w, const uint8_t *req, size_t len,
			       bool defer, int64_t deadline, int *os_error)
{
	ONC_TRY(lock_send(c, deadline));
	onc_status st = ONC_OK;
	pthread_mutex_lock(&c->mu);
	if (!c->dead && c->fd >= 0 && is_stream(c) && !c->waiters &&
	    onc__now_ms() - c->last_reply_ms > QUIET_MS && peer_closed(c))
		c->dead = true;
	if (c->dead && c->reader_active) {
		st = ONC_ERR_CLOSED; /* the reader is still leaving the old connection */
	} else if (c->dead) {
		close_connection(c);
		c->dead = false;
		c->rcvtimeo_ms = 0;
		onc_rm_reader_free(&c->rm);
		onc_xdr_enc_reset(&c->outq); /* its calls have all been failed */
		atomic_store(&c->queued, false);
	}
	if (st == ONC_OK && c->fd < 0)
		st = open_connection(c, deadline, os_error);
	if (st == ONC_OK) {
		waiter **bucket = &c->buckets[w->xid % WAITER_BUCKETS];
		w->prev = NULL;
		w->next = c->waiters;
		if (w->next)
			w->next->prev = w;
		c->waiters = w;
		w->same_bucket = *bucket;
		*bucket = w;
		c->outstanding++;
	}
	pthread_mutex_unlock(&c->mu);
	if (st == ONC_OK) {
		if (defer && is_stream(c) && onc_xdr_enc_len(&c->outq) + len <= MAX_QUEUED &&
		    onc_xdr_put_opaque_fixed(&c->outq, req, len) == ONC_OK)
			atomic_store(&c->queued, true);
		else
			st = write_out(c, req, len, deadline, os_error);
	}
	pthread_mutex_unlock(&c->send_mu);
	return st;
}

/* Writes the queued calls by the deadline; a failure has failed the connection. */
static void flush_by(onc_client *c, int64_t deadline)
{
	if (lock_send(c, deadline) != ONC_OK)
		return;
	int os_error = 0;
	if (c->fd >= 0)
		write_out(c, NULL, 0, deadline, &os_error);
	pthread_mutex_unlock(&c->send_mu);
}

void onc_client_flush(onc_client *c)
{
	flush_by(c, onc__now_ms() + c->timeout_ms);
}

static void unlink_waiter(onc_client *c, waiter *w)
{
	for (waiter **p = &c->buckets[w->xid % WAITER_BUCKETS]; *p; p = &(*p)->same_bucket) {
		if (*p == w) {
			*p = w->same_bucket;
			if (w->prev)
				w->prev->next = w->next;
			else
				c->waiters = w->next;
			if (w->next)
				w->next->prev = w->prev;
			if (!w->done)
				c->outstanding--;
			break;
		}
	}
	if (!c->reader_active)
		wake_others(c);
}

/* The reply's header: ONC_OK with d at the results, or the error the reply carries (its
 * detail kept in p). */
static onc_status open_reply(onc_pending *p, onc_xdr_dec *d)
{
	onc_reply_header h;
	onc_status st;

	onc_xdr_dec_init(d, p->w.reply, p->w.reply_len, p->arena);
	ONC_TRY(onc_rpc_decode_reply(d, &h));
	st = onc_rpc_reply_status(&h);
	if (st != ONC_OK) {
		p->detail.low = h.low;
		p->detail.high = h.high;
		p->detail.auth = h.auth;
	}
	return st;
}

/* A call ends with status st: the caller's error detail gets what was gathered when it
 * failed, every field (0 where it does not apply), and stays untouched when it succeeded
 * (calls that share one onc_call_opts do not write to it then). */
static onc_status report(onc_pending *p, onc_status st)
{
	if (st != ONC_OK && p->error)
		*p->error = p->detail;
	return st;
}

/* Fills in p's xid, deadline and options, and encodes the call header (behind a record
 * mark on streams) into p->req; the arguments go after it. */
static onc_status begin_call(onc_client *c, onc_pending *p, uint32_t prog, uint32_t vers,
			     uint32_t proc, const onc_call_opts *opts)
{
	int timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : c->timeout_ms;
	p->w.xid = atomic_fetch_add(&next_xid, 1);
	p->deadline = onc__now_ms() + timeout;
	p->retry_ms = c->retry_ms;
	p->resend_at = onc__now_ms() + c->retry_ms;
	p->arena = opts ? opts->arena : NULL;
	p->error = opts ? opts->error : NULL;
	onc_call_header h = {
		.xid = p->w.xid, .rpcvers = ONC_RPC_VERSION, .prog = prog, .vers = vers,
		.proc = proc, .cred = c->cred, .verf = {ONC_AUTH_NONE, 0, NULL},
	};
	if (is_stream(c))
		ONC_TRY(onc_rm_begin(&p->req, &p->record));
	return onc_rpc_encode_call(&p->req, &h);
}

/* Closes the call's record and sends it, waiting for room first (max_in_flight); on
 * failure p is unlinked, and its owner gives it back (put_pending). */
static onc_status submit_call(onc_client *c, onc_pending *p, bool defer)
{
	onc_status st = is_stream(c) ? onc_rm_end(&p->req, p->record, 0) : ONC_OK;
	if (st == ONC_OK) {
		pthread_mutex_lock(&c->mu);
		bool full = c->outstanding >= c->max_in_flight;
		pthread_mutex_unlock(&c->mu);
		if (full) /* the replies that make room need their calls sent */
			flush_by(c, p->deadline);
		pthread_mutex_lock(&c->mu);
		st = make_room(c, p->deadline);
		pthread_mutex_unlock(&c->mu);
	}
	if (st != ONC_OK)
		return st;
	pthread_cond_init(&p->w.cv, NULL);
	int os_error = 0;
	st = send_request(c, &p->w, p->req.base, onc_xdr_enc_len(&p->req), defer, p->deadline,
			  &os_error);
	if (st != ONC_OK) {
		p->detail.os_error = os_error;
		pthread_mutex_lock(&c->mu);
		unlink_waiter(c, &p->w);
		pthread_mutex_unlock(&c->mu);
		pthread_cond_destroy(&p->w.cv);
	}
	return st;
}

/* A call's state comes from the client's spare list when it has one, with the request and
 * reply buffers of an earlier call, so that in steady state a call allocates nothing; the
 * list holds SPARE_CALLS at most, and buffers of SPARE_BUFFER bytes at most. NULL: no memory. */
#define SPARE_CALLS 64
#define SPARE_BUFFER 65536

static onc_pending *take_pending(onc_client *c)
{
	pthread_mutex_lock(&c->mu);
	onc_pending *p = c->spare;
	if (p) {
		c->spare = p->next_spare;
		c->nspare--;
	}
	pthread_mutex_unlock(&c->mu);
	if (!p) {
		p = calloc(1, sizeof *p);
		if (p)
			onc_xdr_enc_init(&p->req);
		return p;
	}
	onc_xdr_enc req = p->req;
	uint8_t *reply = p->w.reply;
	size_t reply_cap = p->w.reply_cap;
	*p = (onc_pending){.req = req, .w = {.reply = reply, .reply_cap = reply_cap}};
	onc_xdr_enc_reset(&p->req);
	return p;
}

static void free_pending(onc_pending *p)
{
	onc_xdr_enc_free(&p->req);
	free(p->w.reply);
	free(p);
}

static void free_spares(onc_client *c)
{
	while (c->spare) {
		onc_pending *p = c->spare;
		c->spare = p->next_spare;
		free_pending(p);
	}
}

/* Gives p back to the client's spare list (or frees it). */
static void put_pending(onc_client *c, onc_pending *p)
{
	if ((size_t)(p->req.end - p->req.base) > SPARE_BUFFER)
		onc_xdr_enc_free(&p->req); /* a large call's buffers are not kept */
	if (p->w.reply_cap > SPARE_BUFFER) {
		free(p->w.reply);
		p->w.reply = NULL;
		p->w.reply_cap = 0;
	}
	pthread_mutex_lock(&c->mu);
	bool keep = c->nspare < SPARE_CALLS;
	if (keep) {
		p->next_spare = c->spare;
		c->spare = p;
		c->nspare++;
	}
	pthread_mutex_unlock(&c->mu);
	if (!keep)
		free_pending(p);
}

/* Drops p from the client and gives back what it holds. */
static void end_call(onc_client *c, onc_pending *p)
{
	pthread_mutex_lock(&c->mu);
	unlink_waiter(c, &p->w);
	pthread_mutex_unlock(&c->mu);
	pthread_cond_destroy(&p->w.cv);
	put_pending(c, p);
}

/* Takes a call's state, encodes the call with its arguments into it and sends it (or queues
 * it, with defer); NULL with *status set when that fails, with nothing left to release. */
static onc_pending *start_pending(onc_client *c, uint32_t proc, onc_encode_fn encode,
				  const void *args, const onc_call_opts *opts, bool defer,
				  onc_status *status)
{
	onc_pending *p = take_pending(c);
	onc_status st = p ? begin_call(c, p, c->prog, c->vers, proc, opts) : ONC_ERR_NOMEM;
	if (st == ONC_OK && encode)
		st = encode(&p->req, args);
	if (st == ONC_OK)
		st = submit_call(c, p, defer);
	if (st != ONC_OK && p) {
		report(p, st);
		put_pending(c, p);
		p = NULL;
	} else if (st != ONC_OK && opts && opts->error) {
		*opts->error = (onc_call_error){0};
	}
	*status = st;
	return p;
}

static onc_status wait_for(onc_client *c, onc_pending *p)
{
	pthread_mutex_lock(&c->mu);
	onc_status st = wait_reply(c, p);
	if (st != ONC_OK)
		p->detail.os_error = p->w.os_error;
	pthread_mutex_unlock(&c->mu);
	return st;
}

static onc_status finish_call(onc_client *c, onc_pending *p, onc_decode_fn decode, void *result)
{
	onc_xdr_dec d;
	onc_status st = wait_for(c, p);
	if (st == ONC_OK)
		st = open_reply(p, &d);
	if (st == ONC_OK && decode)
		st = decode(&d, result);
	report(p, st);
	end_call(c, p);
	return st;
}

onc_status onc_client_call(onc_client *c, uint32_t proc, onc_encode_fn encode, const void *args,
			   onc_decode_fn decode, void *result, const onc_call_opts *opts)
{
	onc_status st;
	onc_pending *p = start_pending(c, proc, encode, args, opts, false, &st);
	return p ? finish_call(c, p, decode, result) : st;
}

onc_pending *onc_client_start(onc_client *c, uint32_t proc, onc_encode_fn encode,
			      const void *args, const onc_call_opts *opts, onc_status *status)
{
	return start_pending(c, proc, encode, args, opts, true, status);
}

onc_status onc_client_finish(onc_client *c, onc_pending *p, onc_decode_fn decode, void *result)
{
	return finish_call(c, p, decode, result);
}

void onc_client_cancel(onc_client *c, onc_pending *p)
{
	end_call(c, p);
}

onc_status onc_request_begin(onc_client *c, onc_request *r, uint32_t prog, uint32_t vers,
			     uint32_t proc, onc_xdr_enc **args)
{
	return onc_request_begin_opts(c, r, prog, vers, proc, NULL, args);
}

onc_status onc_request_begin_opts(onc_client *c, onc_request *r, uint32_t prog, uint32_t vers,
				  uint32_t proc, const onc_call_opts *opts, onc_xdr_enc **args)
{
	onc_status st;
	r->client = c;
	r->sent = false;
	r->pending = take_pending(c);
	if (!r->pending) {
		if (opts && opts->error)
			*opts->error = (onc_call_error){0};
		return ONC_ERR_NOMEM;
	}
	st = begin_call(c, r->pending, prog, vers, proc, opts);
	if (st != ONC_OK) {
		report(r->pending, st);
		put_pending(c, r->pending);
		r->pending = NULL;
		return st;
	}
	*args = &r->pending->req;
	return ONC_OK;
}

/* Sends the call now (invoke), or queues it to go with the next write (send: see
 * onc_client_start). */
static onc_status request_submit(onc_request *r, bool defer)
{
	ONC_TRY(submit_call(r->client, r->pending, defer));
	r->sent = true;
	return ONC_OK;
}

onc_status onc_request_send(onc_request *r)
{
	return request_submit(r, true);
}

onc_status onc_request_wait(onc_request *r, onc_xdr_dec **results)
{
	ONC_TRY(wait_for(r->client, r->pending));
	ONC_TRY(open_reply(r->pending, &r->results));
	*results = &r->results;
	return ONC_OK;
}

onc_status onc_request_invoke(onc_request *r, onc_xdr_dec **results)
{
	ONC_TRY(request_submit(r, false));
	return onc_request_wait(r, results);
}

onc_status onc_request_end(onc_request *r, onc_status status)
{
	if (r->pending)
		report(r->pending, status);
	if (r->pending && r->sent)
		end_call(r->client, r->pending);
	else if (r->pending)
		put_pending(r->client, r->pending);
	r->pending = NULL;
	return status;
}
