/* Internal: the server's objects, shared by its files, one job each:
 *   dispatch.c  a call message in, its reply out: header, credentials, program lookup,
 *               reply framing, the handler's answer (onc_call_*), onc_server_process;
 *   deferred.c  replies that a handler sends later (onc_deferred_*);
 *   conn.c      a stream connection: its buffers, reading, writing, closing, and its lifetime;
 *   pool.c      the worker pool;
 *   loop.c      an event loop: accepting, datagrams, idle connections, replies from workers;
 *   server.c    the server object: create, register, listen, run, stop. */
#ifndef ONC_SERVER_INTERNAL_H
#define ONC_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "../net/net.h"
#include "../net/poller.h"
#include "../net/tls.h"
#include "onc/server.h"

#define ONC__ARENA_LIMIT (64u << 20)
#define ONC__READ_BUFFER 65536
#define ONC__MAX_UNSENT (4u << 20) /* stop reading a connection whose peer does not read */
#define ONC__MAX_CONN_JOBS 256u    /* calls of one connection with the workers or deferred */
#define ONC__MAX_DATAGRAM_JOBS 1024u /* datagrams queued for the workers; more are dropped */
#define ONC__KEEP_BUFFER (64u << 10) /* larger reply buffers are given back once empty */
#define ONC__TLS_CHARGE (48u << 10) /* what a TLS connection counts in the server's budget: its
				     * handshake state, keys and record buffers */

enum onc__source_kind { SRC_STREAM_LISTENER, SRC_DATAGRAM, SRC_CONN };

/* What the poller hands back: the first member of a listener or a connection. */
typedef struct onc__source {
	enum onc__source_kind kind;
	int fd;
} onc__source;

typedef struct onc__listener {
	onc__source src;
	bool stream;
	uint16_t port;
	struct sockaddr_storage addr; /* where it is bound (AF_UNIX for Unix sockets) */
} onc__listener;

typedef struct onc__program {
	uint32_t prog, vers;
	onc_dispatch_fn fn;
	void *ctx;
	bool tls_only; /* onc_server_require_tls: cleartext calls are denied */
} onc__program;

typedef struct onc__loop onc__loop;
typedef struct onc__conn onc__conn;

/* Where a call came from, and so where its reply goes. */
typedef enum onc__origin_kind {
	ORIGIN_CONN,     /* a stream connection: the reply is appended to its buffer */
	ORIGIN_DATAGRAM, /* sent back with sendto() on fd */
	ORIGIN_CAPTURE,  /* onc_server_process(): handed to the waiting caller */
} onc__origin_kind;

typedef struct onc__capture onc__capture;

typedef struct onc__origin {
	onc__origin_kind kind;
	bool stream;         /* replies are record-marked */
	onc__conn *conn;     /* ORIGIN_CONN */
	int fd;              /* ORIGIN_DATAGRAM */
	onc__capture *capture; /* ORIGIN_CAPTURE */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	bool has_uid; /* a Unix socket's peer user, uid (SO_PEERCRED) */
	uid_t uid;
	bool tls_offer; /* a cleartext connection of a server with TLS: a probe gets STARTTLS */
	bool tls;       /* the call came inside TLS; conn->peer is the peer's identity */
} onc__origin;

/* A connection's RPC-with-TLS (lib/server/starttls.c). */
typedef enum onc__tls_state {
	ONC__TLS_NONE,      /* cleartext */
	ONC__TLS_STARTING,  /* the STARTTLS answer is being sent; nothing else is read */
	ONC__TLS_HANDSHAKE, /* the handshake runs, on the loop, non-blocking */
	ONC__TLS_ON,        /* every record goes inside TLS */
} onc__tls_state;

/* A stream connection. Its lifetime rules are at the top of conn.c. */
struct onc__conn {
	onc__source src; /* first: the poller hands back a source pointer */
	onc__loop *loop;
	onc__origin origin; /* kind ORIGIN_CONN, conn = this */
	onc_rm_reader rm;
	int64_t last_call; /* when the last complete call arrived (or the connection opened) */
	onc__conn *prev, *next; /* the loop's open connections (prev: more recently active),
				 * or its closed ones */
	uint8_t *unread;        /* bytes read but not yet taken as calls: held back while the
				 * replies in waiting are over the bounds (loop-only) */
	size_t unread_len;
	bool closed;            /* the loop has closed the socket (loop-only) */
	bool eof;               /* the peer sent end of file: answer what came, then close */
	/* Under lock: */
	pthread_mutex_t lock;
	unsigned refs;
	bool dead;       /* closed: replies are dropped */
	bool broken;     /* a reply could not be stored: close */
	bool reading;    /* ONC__POLL_IN is armed */
	bool writing;    /* ONC__POLL_OUT is armed */
	bool queued;     /* on its loop's ready list */
	unsigned inflight; /* calls with the workers or deferred, not yet answered */
	size_t inflight_bytes;
	size_t charged;  /* what it counts in srv->buffered, as of its last arm() (loop-only) */
	onc_xdr_enc out; /* encoded replies; out_sent bytes of it are already written */
	size_t out_sent;
	struct onc__job *parked; /* calls a worker put aside while too many replies wait */
	unsigned nparked;
	onc__conn *ready_next;
	/* RPC-with-TLS (loop-only; peer is set once, before the first call inside TLS, and
	 * freed with the struct, so that calls in flight may read it) */
	onc__tls_state tls_state;
	SSL *ssl;
	int64_t tls_since; /* when STARTTLS was answered: the handshake's clock */
	unsigned tls_want; /* ONC__POLL_IN / ONC__POLL_OUT: what the handshake waits for */
	onc_tls_peer peer;
};

struct onc__loop {
	onc_server *srv;
	onc__poller poller;
	pthread_t thread;
	onc__conn *conns;  /* open connections, the most recently active first */
	onc__conn *oldest; /* the last of them */
	onc__conn *closed; /* closed in this event batch: released after it */
	onc_arena arena;
	onc_xdr_enc out; /* replies being built on the loop */
	pthread_mutex_t ready_lock;
	onc__conn *ready; /* connections with replies from workers or deferred calls */
	int64_t accept_resume; /* out of descriptors: not accepting until then (0: accepting) */
	bool paused;           /* some of its connections stopped reading for the budget */
	uint8_t rbuf[ONC__READ_BUFFER];
};

/* A call queued for the workers. */
typedef struct onc__job {
	struct onc__job *next;
	onc__origin origin; /* holds a reference on origin.conn */
	size_t len;
	uint8_t msg[];
} onc__job;

typedef struct onc__worker {
	onc_server *srv;
	pthread_t thread;
	onc_arena arena;
	onc_xdr_enc out;
} onc__worker;

typedef struct onc__pool {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	onc__job *head, **tail;
	unsigned datagrams; /* datagram jobs queued */
	bool quit;          /* finish the queue, then stop */
	onc__worker *workers;
	unsigned n, started;
} onc__pool;

/* What onc_rpcbind's registration (lib/rpcbind) does when the server starts and stops. */
typedef struct onc__server_hooks {
	onc_status (*start)(onc_server *s, void *ctx);
	void (*stop)(onc_server *s, void *ctx);
	void (*free)(void *ctx);
	void *ctx;
} onc__server_hooks;

struct onc_server {
	size_t max_record;
	unsigned max_connections;
	unsigned idle_timeout_ms;
	onc__program *progs;
	size_t nprogs;
	onc__listener listeners[16];
	size_t nlisteners;
	onc__loop *loops;
	unsigned nloops;
	atomic_uint nconns;
	atomic_bool stopping;
	/* The budget for what connections hold (loop.c): bytes counted by the loops, whether
	 * they are over max_buffered, since when, and when they last went back under. */
	size_t max_buffered;
	atomic_size_t buffered;
	atomic_bool over_budget;
	atomic_int_fast64_t over_since, under_since;
	onc__pool pool;
	onc__server_hooks hooks;
	SSL_CTX *tls_ctx; /* NULL: no TLS */
	unsigned handshake_timeout_ms;
	/* Deferred calls not yet ended: run() waits for them. */
	pthread_mutex_t deferred_lock;
	pthread_cond_t deferred_done;
	unsigned deferred;
};

/* The server's side of an onc_call (which is its first member). */
typedef struct onc__call {
	onc_call call;
	onc_server *srv;
	const onc__origin *from;
	uint32_t xid;
	bool denied; /* answer MSG_DENIED / AUTH_ERROR with auth */
	onc_auth_stat auth;
	onc_deferred *deferred;
} onc__call;

/* dispatch.c: answers msg, appending the reply (record-marked when from->stream) to out, or
 * nothing when the message gets no answer or the handler deferred it (then true). The arena
 * is reset. */
bool onc__dispatch(onc_server *s, onc_arena *arena, const uint8_t *msg, size_t len,
		   onc_xdr_enc *out, const onc__origin *from);
const onc__program *onc__find_program(const onc_server *s, uint32_t prog, uint32_t vers,
				      uint32_t *low, uint32_t *high);

/* The reply header that a handler's status stands for (see onc_call_fail). */
void onc__reply_for(onc_reply_header *r, uint32_t xid, onc_status why, onc_auth_stat auth);
/* Encodes a reply header, record-marked when stream (*rec is then the mark's position). */
onc_status onc__reply_begin(onc_xdr_enc *out, bool stream, const onc_reply_header *r,
			    size_t *rec);
onc_status onc__reply_end(onc_xdr_enc *out, bool stream, size_t rec);

/* deferred.c: onc_server_process() waits here for a deferred reply. */
struct onc__capture {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	onc_xdr_enc *out;
	bool done;
};

/* conn.c */
onc__conn *onc__conn_new(onc__loop *l, int fd, const struct sockaddr_storage *peer,
			 socklen_t peer_len);
void onc__conn_unref(onc__conn *c);
/* On the loop: handles a poller event. */
void onc__conn_event(onc__conn *c, unsigned events);
/* On the loop: closes the socket; the memory goes when the last reference does. */
void onc__conn_close(onc__conn *c);
/* On the loop: writes the replies posted to c (it was on the ready list). */
void onc__conn_flush_posted(onc__conn *c);
/* From any thread: appends the replies of calls of c that were in flight (reply may be
 * empty: a call deferred or got no answer), drops their references, and has the loop write
 * the replies; reply is left empty. ONC_ERR_CLOSED when the connection has gone (the replies
 * are dropped). */
onc_status onc__conn_post(onc__conn *c, onc_xdr_enc *reply, unsigned calls, size_t call_bytes);
/* Counts one more call of c in flight, with its reference (a deferral); onc__conn_post
 * ends it. */
void onc__conn_hold(onc__conn *c);
/* True while a call of c is with the workers or deferred. */
bool onc__conn_busy(onc__conn *c);
/* From a worker, before it runs job j of c: true when it may; false when too many of c's
 * replies wait to be sent, and c keeps j until they have been (then the loop queues it again,
 * or drops it with the connection). */
bool onc__conn_may_run(onc__conn *c, struct onc__job *j);

/* starttls.c: the server's half of RFC 9289. */
/* True for a well-formed AUTH_TLS probe: a call whose credential is AUTH_TLS. */
bool onc__starttls_is_probe(const uint8_t *msg, size_t len);
/* For a call with credential AUTH_TLS: AUTH_OK when it is a proper probe, else the reason. */
onc_auth_stat onc__starttls_check(const onc_call_header *h);
/* On the loop, once the STARTTLS answer has been sent: starts the handshake; false when the
 * connection must be closed. */
bool onc__starttls_begin(onc__conn *c);
/* On the loop: one step of the handshake (c->tls_want says what it waits for); false when it
 * failed and the connection must be closed. */
bool onc__starttls_step(onc__conn *c);
/* On the loop: closes the connections whose handshake has run past the server's timeout. */
void onc__starttls_expire(onc__loop *l, int64_t now);

/* pool.c */
onc_status onc__pool_init(onc__pool *p, onc_server *s, unsigned n);
void onc__pool_destroy(onc__pool *p);
onc_status onc__pool_start(onc__pool *p);
/* Lets the workers finish every queued call, then joins them. */
void onc__pool_finish(onc__pool *p);
/* Queues n jobs (first .. *tail); false when a datagram does not fit (dropped by caller). */
bool onc__pool_push(onc__pool *p, onc__job *first, onc__job **tail, unsigned n);
onc__job *onc__job_new(const onc__origin *from, const uint8_t *msg, size_t len);

/* loop.c */
onc_status onc__loop_init(onc__loop *l, onc_server *s);
void onc__loop_destroy(onc__loop *l);
void *onc__loop_run(void *arg);
/* Puts c on its loop's ready list and wakes the loop if the list was empty; the caller has
 * set c->queued and taken the list's reference. */
void onc__loop_post(onc__loop *l, onc__conn *c);
/* Writes what the workers and deferred calls posted. */
void onc__loop_flush_ready(onc__loop *l);
/* Releases the connections closed during the batch. */
void onc__loop_release_closed(onc__loop *l);

/* After a loop changed s->buffered: brings the over-budget state in line with the total;
 * true while the server is over its budget. Going back under it wakes every loop, so that
 * each has its connections read again. */
bool onc__budget_update(onc_server *s);
/* On the loop, once the server is back under its budget: c reads again and takes the calls it
 * held back. */
void onc__conn_resume(onc__conn *c);

/* A reply buffer grown by a burst is given back once it is empty, so that an idle
 * connection or worker holds little. */
static inline void onc__release_if_large(onc_xdr_enc *e)
{
	if ((size_t)(e->end - e->base) > ONC__KEEP_BUFFER)
		onc_xdr_enc_free(e);
}
bool onc__start_thread(pthread_t *t, void *(*fn)(void *), void *arg, const char *what, unsigned i);

/* server.c: the registration hooks of lib/rpcbind, and what they need to know. */
void onc__server_set_hooks(onc_server *s, const onc__server_hooks *h);

#endif
