/* The embedded rpcbind: portmapper v2 and rpcbind v3/v4 over one registration table.
 * Forwarded calls (CALLIT, INDIRECT) are deferred: rpcbind's forwarding thread ends each one,
 * with the service's answer or in silence when its time is up, so that no thread waits on
 * a service. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../net/net.h" /* onc__now_ms */
#include "../server/internal.h" /* the server's listeners, which rpcbind lists */
#include "codec.h"
#include "stats.h"
#include "table.h"

/* The table's size limit: local callers cannot make it take more than this. */
#define MAX_ENTRIES 4096u
/* What one owner other than root may hold, so that no user fills the table. */
#define OWNER_QUOTA 256u
#define SUPERUSER "superuser"

/* A SUCCESS reply's header: xid, REPLY, MSG_ACCEPTED, an AUTH_NONE verifier, SUCCESS. */
#define REPLY_HEADER 24u

/* Forwarded calls in flight, and how long each may take: beyond, CALLITs are dropped, so
 * that a flood of them at a service that never answers holds a fixed table and no thread. */
#define MAX_FORWARDS 64u
#define FORWARD_TIMEOUT_MS 2000
/* The forwarding thread's longest sleep: less than the timeout, so that it sees each new
 * forward before its time is up. */
#define FORWARD_TICK_MS 1000

typedef struct entry {
	uint32_t prog, vers;
	char netid[16];
	char addr[64];
	char owner[32];
} entry;

/* A forwarded call in flight, in slot xid % MAX_FORWARDS. */
typedef struct forward {
	onc_deferred *d;  /* the caller's call; NULL when the slot is free */
	uint32_t xid;     /* of the forwarded call */
	uint32_t vers;    /* of the caller's call: v2 is answered the port, v3 and v4 uaddr */
	uint16_t port;    /* where it went, on 127.0.0.1 */
	char uaddr[80];   /* the service's address, as the caller is told */
	size_t max_reply; /* the largest reply the caller may get (reply_limit) */
	int64_t deadline;
} forward;

struct onc_rpcbind {
	pthread_mutex_t mu;
	entry *entries;
	size_t n, cap;
	onc__rpcb_stats stats;
	/* CALLIT/INDIRECT, when allowed: forwarded calls leave from fwd_fd (bound to 127.0.0.1)
	 * and their answers come back to it, read by fwd_thread. Under mu but fwd_in. */
	int fwd_fd; /* -1: not allowed */
	pthread_t fwd_thread;
	bool fwd_quit;
	uint32_t fwd_serial; /* makes the forwarded calls' xids */
	forward forwards[MAX_FORWARDS];
	onc_xdr_enc fwd_out;   /* the call being forwarded */
	uint8_t fwd_in[65536]; /* the thread's: an answer */
};

onc_rpcbind *onc_rpcbind_create(onc_status *status)
{
	onc_rpcbind *rb = calloc(1, sizeof *rb);
	*status = rb ? ONC_OK : ONC_ERR_NOMEM;
	if (rb) {
		pthread_mutex_init(&rb->mu, NULL);
		rb->fwd_fd = -1;
		onc_xdr_enc_init(&rb->fwd_out);
	}
	return rb;
}

void onc_rpcbind_destroy(onc_rpcbind *rb)
{
	if (!rb)
		return;
	if (rb->fwd_fd >= 0) {
		struct sockaddr_in self;
		socklen_t len = sizeof self;
		pthread_mutex_lock(&rb->mu);
		rb->fwd_quit = true;
		pthread_mutex_unlock(&rb->mu);
		/* An empty datagram to itself wakes the thread now rather than at its next tick. */
		if (getsockname(rb->fwd_fd, (struct sockaddr *)&self, &len) == 0)
			sendto(rb->fwd_fd, "", 0, 0, (struct sockaddr *)&self, len);
		pthread_join(rb->fwd_thread, NULL);
		close(rb->fwd_fd);
	}
	onc_xdr_enc_free(&rb->fwd_out);
	onc__stats_free(&rb->stats);
	pthread_mutex_destroy(&rb->mu);
	free(rb->entries);
	free(rb);
}

/* ---- the table; callers hold mu ---- */

static entry *find(onc_rpcbind *rb, uint32_t prog, uint32_t vers, const char *netid,
		   bool any_version)
{
	entry *fallback = NULL;
	for (size_t i = 0; i < rb->n; i++) {
		entry *e = &rb->entries[i];
		if (e->prog != prog || strcmp(e->netid, netid) != 0)
			continue;
		if (e->vers == vers)
			return e;
		if (any_version)
			fallback = e; /* the last registered, as rpcbind picks */
	}
	return fallback;
}

static size_t owned_by(const onc_rpcbind *rb, const char *owner)
{
	size_t n = 0;
	for (size_t i = 0; i < rb->n; i++)
		n += strcmp(rb->entries[i].owner, owner) == 0;
	return n;
}

/* A SET of what is registered already, at the same address, succeeds and changes nothing;
 * at another address it fails (as rpcbind 1.2.6 answers both). */
static bool add(onc_rpcbind *rb, uint32_t prog, uint32_t vers, const char *netid,
		const char *addr, const char *owner)
{
	const entry *there = find(rb, prog, vers, netid, false);
	if (there)
		return strcmp(there->addr, addr) == 0;
	if (strlen(netid) >= sizeof rb->entries->netid || strlen(addr) >= sizeof rb->entries->addr)
		return false;
	if (rb->n == MAX_ENTRIES ||
	    (strcmp(owner, SUPERUSER) != 0 && owned_by(rb, owner) >= OWNER_QUOTA))
		return false;
	if (rb->n == rb->cap) {
		size_t ncap = rb->cap ? rb->cap * 2 : 16;
		entry *grown = realloc(rb->entries, ncap * sizeof *grown);
		if (!grown)
			return false;
		rb->entries = grown;
		rb->cap = ncap;
	}
	entry *e = &rb->entries[rb->n++];
	e->prog = prog;
	e->vers = vers;
	snprintf(e->netid, sizeof e->netid, "%s", netid);
	snprintf(e->addr, sizeof e->addr, "%s", addr);
	snprintf(e->owner, sizeof e->owner, "%s", owner);
	return true;
}

/* prog/vers on netid, or on every netid when netid is empty. */
static bool matches(const entry *e, uint32_t prog, uint32_t vers, const char *netid)
{
	return e->prog == prog && e->vers == vers && (!*netid || strcmp(e->netid, netid) == 0);
}

/* Removes prog/vers on netid (every netid when empty) for owner: the superuser removes any
 * registration, others only their own, and nothing when one of them is someone else's (then
 * false). Nothing to remove is true, as rpcbind 1.2.6 answers. */
static bool remove_entries(onc_rpcbind *rb, uint32_t prog, uint32_t vers, const char *netid,
			   const char *owner)
{
	size_t kept = 0;
	bool root = strcmp(owner, SUPERUSER) == 0;
	for (size_t i = 0; i < rb->n; i++)
		if (!root && matches(&rb->entries[i], prog, vers, netid) &&
		    strcmp(rb->entries[i].owner, owner) != 0)
			return false;
	for (size_t i = 0; i < rb->n; i++)
		if (!matches(&rb->entries[i], prog, vers, netid))
			rb->entries[kept++] = rb->entries[i];
	rb->n = kept;
	return true;
}

/* Who owns what the caller registers, as rpcbind names owners: on a Unix socket "superuser"
 * for root, else the uid in decimal (SO_PEERCRED); over TCP and UDP, where nobody can tell,
 * "unknown", so that any local user is the owner of what any other set that way. The owner
 * a call names is not believed. */
static void caller_owner(const onc_call *call, char owner[16])
{
	uid_t uid;
	if (!onc_call_peer_uid(call, &uid))
		snprintf(owner, 16, "unknown");
	else if (uid == 0)
		snprintf(owner, 16, SUPERUSER);
	else
		snprintf(owner, 16, "%u", (unsigned)uid);
}

static const char *prot_netid(uint32_t prot)
{
	return prot == ONC_IPPROTO_TCP ? "tcp" : prot == ONC_IPPROTO_UDP ? "udp" : NULL;
}

/* Registrations made with 0.0.0.0 or :: are answered with the loopback address to local
 * callers, the way rpcbind merges addresses. */
static void answer_addr(const entry *e, const onc_call *call, char *out, size_t cap)
{
	const char *a = e->addr;
	const char *port = strrchr(a, '.');
	while (port && port > a && *--port != '.')
		;
	if (port && onc_call_is_local(call)) {
		if (strncmp(a, "0.0.0.0.", 8) == 0 && (size_t)(port - a) == 7) {
			snprintf(out, cap, "127.0.0.1%s", port);
			return;
		}
		if (strncmp(a, "::.", 3) == 0 && (size_t)(port - a) == 2) {
			snprintf(out, cap, "::1%s", port);
			return;
		}
	}
	snprintf(out, cap, "%s", a);
}

/* ---- the table as DUMP answers it, and as warmstart.c saves and restores it ---- */

/* pmaplist (v2: tcp and udp only) or rpcblist (v3, v4: every entry), its nodes from arena,
 * its strings the table's. Under mu. */
static onc_status pmap_list(onc_rpcbind *rb, onc_arena *arena, onc__pmaplist_ptr *out)
{
	onc__pmaplist **tail = out;
	for (size_t i = 0; i < rb->n; i++) {
		const entry *e = &rb->entries[i];
		uint16_t port;
		uint32_t prot = strcmp(e->netid, "tcp") == 0   ? ONC_IPPROTO_TCP
				: strcmp(e->netid, "udp") == 0 ? ONC_IPPROTO_UDP
							       : 0;
		if (!prot || onc_uaddr_port(e->addr, &port) != ONC_OK)
			continue;
		onc__pmaplist *node = onc_arena_alloc(arena, sizeof *node);
		if (!node)
			return ONC_ERR_NOMEM;
		*node = (onc__pmaplist){{e->prog, e->vers, prot, port}, NULL};
		*tail = node;
		tail = &node->next;
	}
	*tail = NULL;
	return ONC_OK;
}

static onc_status rpcb_list(onc_rpcbind *rb, onc_arena *arena, onc__rpcblist_ptr *out)
{
	onc__rp__list **tail = out;
	for (size_t i = 0; i < rb->n; i++) {
		entry *e = &rb->entries[i];
		onc__rp__list *node = onc_arena_alloc(arena, sizeof *node);
		if (!node)
			return ONC_ERR_NOMEM;
		*node = (onc__rp__list){{e->prog, e->vers, e->netid, e->addr, e->owner}, NULL};
		*tail = node;
		tail = &node->rpcb_next;
	}
	*tail = NULL;
	return ONC_OK;
}

onc_status onc__rpcbind_dump(onc_rpcbind *rb, uint32_t vers, onc_xdr_enc *out)
{
	onc_arena arena;
	onc__pmaplist_ptr pmap;
	onc__rpcblist_ptr rpcb;
	onc_status st;
	onc_arena_init(&arena, 0);
	if (vers == 2) {
		st = pmap_list(rb, &arena, &pmap);
		if (st == ONC_OK)
			st = onc__pmaplist_ptr_encode(out, &pmap);
	} else {
		st = rpcb_list(rb, &arena, &rpcb);
		if (st == ONC_OK)
			st = onc__rpcblist_ptr_encode(out, &rpcb);
	}
	onc_arena_free(&arena);
	return st;
}

void onc__rpcbind_lock(onc_rpcbind *rb, bool lock)
{
	if (lock)
		pthread_mutex_lock(&rb->mu);
	else
		pthread_mutex_unlock(&rb->mu);
}

/* A registration as it was saved, owner and all; false when the table refuses it. Under mu. */
bool onc__rpcbind_restore(onc_rpcbind *rb, const onc__rpcb *r)
{
	return add(rb, r->r_prog, r->r_vers, r->r_netid, r->r_addr, r->r_owner);
}

/* The netid of the transport a call came on. GETADDR and GETVERSADDR answer for it, not for
 * the netid the call names: "The netid field of the argument is ignored and the netid is
 * inferred from the netid of the transport on which the request came in" (RFC 1833, 2.2.1,
 * RPCBPROC_GETADDR), and rpcbind 1.2.6 does so for both. */
static const char *transport_netid(const onc_call *call)
{
	bool dgram = onc_call_is_datagram(call);
	switch (call->peer_len ? call->peer->sa_family : AF_UNIX) {
	case AF_INET:
		return dgram ? "udp" : "tcp";
	case AF_INET6:
		return dgram ? "udp6" : "tcp6";
	default:
		return "local";
	}
}

/* ---- the procedures of rpcb_prot.x, called by its generated dispatchers through
 * dispatch() below, with mu held for all but the forwarding ones ---- */

/* What dispatch() passes them as ctx. */
typedef struct request {
	onc_rpcbind *rb;
	size_t max_reply; /* reply_limit() */
} request;

/* A copy of s in the call's arena, for a result. */
static onc_status keep(onc_call *call, const char *s, char **out)
{
	size_t n = strlen(s) + 1;
	if (!(*out = onc_arena_alloc(call->arena, n)))
		return ONC_ERR_NOMEM;
	memcpy(*out, s, n);
	return ONC_OK;
}

static onc_status callit(const request *rq, onc_call *call, uint32_t prog, uint32_t vers,
			 uint32_t proc, const uint8_t *args, uint32_t nargs);

/* SET (set) or UNSET of r, from a local caller only, and counted. */
static onc_status change(const request *rq, onc_call *call, const onc__rpcb *r, bool set,
			 bool *result)
{
	onc_rpcbind *rb = rq->rb;
	char owner[16];
	caller_owner(call, owner);
	*result = onc_call_is_local(call) &&
		  (set ? add(rb, r->r_prog, r->r_vers, r->r_netid, r->r_addr, owner)
		       : remove_entries(rb, r->r_prog, r->r_vers, r->r_netid, owner));
	onc__stats_change(&rb->stats, call->header->vers, set, *result);
	return ONC_OK;
}

/* GETADDR (any version of prog when r's is not registered) and GETVERSADDR: the address on
 * the caller's transport, "" when there is none. */
static onc_status lookup(const request *rq, onc_call *call, const onc__rpcb *r,
			 bool any_version, onc__rpcb_uaddr *result)
{
	onc_rpcbind *rb = rq->rb;
	char addr[80] = "";
	const entry *e = find(rb, r->r_prog, r->r_vers, transport_netid(call), any_version);
	if (e)
		answer_addr(e, call, addr, sizeof addr);
	onc__stats_lookup(&rb->stats, call->header->vers, r->r_prog, r->r_vers,
			  transport_netid(call), addr[0] != 0);
	return keep(call, addr, result);
}

/* netbuf { unsigned maxlen; opaque buf<>; } holding a struct sockaddr as this host lays it
 * out, which is what libtirpc puts there. An address that does not parse is answered with
 * an empty netbuf, as rpcbind does. */
static onc_status uaddr2taddr(onc_call *call, const char *uaddr, onc__netbuf *result)
{
	char host[RPCB_MAXSTRING + 1];
	uint16_t port;
	struct sockaddr_storage *ss = onc_arena_alloc(call->arena, sizeof *ss);
	socklen_t len = 0;

	if (!ss)
		return ONC_ERR_NOMEM;
	memset(ss, 0, sizeof *ss);
	snprintf(host, sizeof host, "%s", uaddr);
	char *dot = strrchr(host, '.');
	while (dot && dot > host && *--dot != '.')
		;
	if (dot && onc_uaddr_port(uaddr, &port) == ONC_OK) {
		*dot = 0;
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			in->sin_port = htons(port);
			len = sizeof *in;
		} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(port);
			len = sizeof *in6;
		}
	}
	*result = (onc__netbuf){.maxlen = len, .buf = {len, (uint8_t *)ss}};
	return ONC_OK;
}

/* An address that is not one is answered with the empty string, as rpcbind does. */
static onc_status taddr2uaddr(onc_call *call, const onc__netbuf *in, onc__rpcb_uaddr *result)
{
	char uaddr[80] = "";
	struct sockaddr_storage ss;
	uint32_t len = in->buf.buf_len; /* at most RPCB_MAXADDRLEN, sizeof ss */
	memset(&ss, 0, sizeof ss);
	if (len)
		memcpy(&ss, in->buf.buf_val, len);
	size_t need = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (len < need || onc_uaddr_format((const struct sockaddr *)&ss, uaddr, sizeof uaddr))
		uaddr[0] = 0;
	return keep(call, uaddr, result);
}

/* The protocol family of a netid, as netconfig names it. */
static const char *netid_family(const char *netid)
{
	if (strcmp(netid, "local") == 0 || strcmp(netid, "unix") == 0)
		return "loopback";
	return strchr(netid, '6') ? "inet6" : "inet";
}

/* GETADDRLIST: every transport prog/vers is registered on in the protocol family of the
 * caller's transport (as rpcbind 1.2.6 answers: an inet caller learns of no inet6 or local
 * address), with its netconfig facts. Counted as one lookup. */
static onc_status getaddrlist(const request *rq, onc_call *call, const onc__rpcb *r,
			      onc__rpcb_entry_list_ptr *result)
{
	onc_rpcbind *rb = rq->rb;
	const char *family = netid_family(transport_netid(call));
	onc__rpcb_entry_list **tail = result;
	for (size_t i = 0; i < rb->n; i++) {
		entry *e = &rb->entries[i];
		char addr[80];
		if (e->prog != r->r_prog || e->vers != r->r_vers ||
		    strcmp(netid_family(e->netid), family) != 0)
			continue;
		bool udp = strncmp(e->netid, "udp", 3) == 0;
		bool local = strcmp(family, "loopback") == 0;
		onc__rpcb_entry_list *node = onc_arena_alloc(call->arena, sizeof *node);
		answer_addr(e, call, addr, sizeof addr);
		if (!node)
			return ONC_ERR_NOMEM;
		*node = (onc__rpcb_entry_list){.rpcb_entry_map = {
			.r_nc_netid = e->netid,
			.r_nc_semantics = udp ? 1 : 3, /* NC_TPI_CLTS 1, NC_TPI_COTS_ORD 3 */
			.r_nc_protofmly = (char *)family,
			.r_nc_proto = local ? "-" : udp ? "udp" : "tcp",
		}};
		ONC_TRY(keep(call, addr, &node->rpcb_entry_map.r_maddr));
		*tail = node;
		tail = &node->rpcb_entry_next;
	}
	*tail = NULL;
	onc__stats_lookup(&rb->stats, 4, r->r_prog, r->r_vers, transport_netid(call),
			  *result != NULL);
	return ONC_OK;
}

/* version 2, the portmapper */

onc_status onc__pmapproc_null_2_svc(onc_call *call, void *ctx)
{
	(void)call;
	(void)ctx;
	return ONC_OK;
}

onc_status onc__pmapproc_set_2_svc(const onc__mapping *m, bool *result, onc_call *call,
				   void *ctx)
{
	char addr[32];
	snprintf(addr, sizeof addr, "0.0.0.0.%u.%u", m->port >> 8 & 255, m->port & 255);
	onc__rpcb r = {m->prog, m->vers, (char *)prot_netid(m->prot), addr, NULL};
	if (!r.r_netid || m->port > 65535) {
		*result = false;
		onc__stats_change(&((request *)ctx)->rb->stats, 2, true, false);
		return ONC_OK;
	}
	return change(ctx, call, &r, true, result);
}

/* Removes prog/vers on every protocol (prot and port are ignored). */
onc_status onc__pmapproc_unset_2_svc(const onc__mapping *m, bool *result, onc_call *call,
				     void *ctx)
{
	onc_rpcbind *rb = ((request *)ctx)->rb;
	char owner[16];
	caller_owner(call, owner);
	*result = false;
	if (onc_call_is_local(call)) {
		*result = remove_entries(rb, m->prog, m->vers, "tcp", owner);
		*result = remove_entries(rb, m->prog, m->vers, "udp", owner) || *result;
	}
	onc__stats_change(&rb->stats, 2, false, *result);
	return ONC_OK;
}

/* Another version's port when this one is not registered, as rpcbind answers: the caller
 * then learns from the server which versions there are (PROG_MISMATCH). */
onc_status onc__pmapproc_getport_2_svc(const onc__mapping *m, uint32_t *result,
				       onc_call *call, void *ctx)
{
	onc_rpcbind *rb = ((request *)ctx)->rb;
	const char *netid = prot_netid(m->prot);
	const entry *e = netid ? find(rb, m->prog, m->vers, netid, true) : NULL;
	uint16_t port = 0;
	if (e && onc_uaddr_port(e->addr, &port) != ONC_OK)
		port = 0;
	onc__stats_lookup(&rb->stats, 2, m->prog, m->vers, transport_netid(call), port != 0);
	*result = port;
	return ONC_OK;
}

onc_status onc__pmapproc_dump_2_svc(onc__pmaplist_ptr *result, onc_call *call, void *ctx)
{
	return pmap_list(((request *)ctx)->rb, call->arena, result);
}

onc_status onc__pmapproc_callit_2_svc(const onc__call_args *a, onc__call_result *result,
				      onc_call *call, void *ctx)
{
	(void)result;
	return callit(ctx, call, a->prog, a->vers, a->proc, a->args.args_val, a->args.args_len);
}

/* versions 3 and 4, rpcbind: 4 answers what 3 does, and more */

onc_status onc__rpcbproc_null_3_svc(onc_call *call, void *ctx)
{
	(void)call;
	(void)ctx;
	return ONC_OK;
}

onc_status onc__rpcbproc_set_3_svc(const onc__rpcb *r, bool *result, onc_call *call, void *ctx)
{
	return change(ctx, call, r, true, result);
}

onc_status onc__rpcbproc_unset_3_svc(const onc__rpcb *r, bool *result, onc_call *call,
				     void *ctx)
{
	return change(ctx, call, r, false, result);
}

onc_status onc__rpcbproc_getaddr_3_svc(const onc__rpcb *r, onc__rpcb_uaddr *result,
				       onc_call *call, void *ctx)
{
	return lookup(ctx, call, r, true, result);
}

onc_status onc__rpcbproc_dump_3_svc(onc__rpcblist_ptr *result, onc_call *call, void *ctx)
{
	return rpcb_list(((request *)ctx)->rb, call->arena, result);
}

onc_status onc__rpcbproc_callit_3_svc(const onc__rpcb_rmtcallargs *a,
				      onc__rpcb_rmtcallres *result, onc_call *call, void *ctx)
{
	(void)result;
	return callit(ctx, call, a->prog, a->vers, a->proc, a->args.args_val, a->args.args_len);
}

onc_status onc__rpcbproc_gettime_3_svc(uint32_t *result, onc_call *call, void *ctx)
{
	(void)call;
	(void)ctx;
	*result = (uint32_t)time(NULL);
	return ONC_OK;
}

onc_status onc__rpcbproc_uaddr2taddr_3_svc(const onc__rpcb_uaddr *uaddr, onc__netbuf *result,
					   onc_call *call, void *ctx)
{
	(void)ctx;
	return uaddr2taddr(call, *uaddr, result);
}

onc_status onc__rpcbproc_taddr2uaddr_3_svc(const onc__netbuf *taddr, onc__rpcb_uaddr *result,
					   onc_call *call, void *ctx)
{
	(void)ctx;
	return taddr2uaddr(call, taddr, result);
}

onc_status onc__rpcbproc_null_4_svc(onc_call *call, void *ctx)
{
	return onc__rpcbproc_null_3_svc(call, ctx);
}

onc_status onc__rpcbproc_set_4_svc(const onc__rpcb *r, bool *result, onc_call *call, void *ctx)
{
	return change(ctx, call, r, true, result);
}

onc_status onc__rpcbproc_unset_4_svc(const onc__rpcb *r, bool *result, onc_call *call,
				     void *ctx)
{
	return change(ctx, call, r, false, result);
}

onc_status onc__rpcbproc_getaddr_4_svc(const onc__rpcb *r, onc__rpcb_uaddr *result,
				       onc_call *call, void *ctx)
{
	return lookup(ctx, call, r, true, result);
}

onc_status onc__rpcbproc_dump_4_svc(onc__rpcblist_ptr *result, onc_call *call, void *ctx)
{
	return rpcb_list(((request *)ctx)->rb, call->arena, result);
}

onc_status onc__rpcbproc_bcast_4_svc(const onc__rpcb_rmtcallargs *a,
				     onc__rpcb_rmtcallres *result, onc_call *call, void *ctx)
{
	return onc__rpcbproc_callit_3_svc(a, result, call, ctx);
}

onc_status onc__rpcbproc_gettime_4_svc(uint32_t *result, onc_call *call, void *ctx)
{
	return onc__rpcbproc_gettime_3_svc(result, call, ctx);
}

onc_status onc__rpcbproc_uaddr2taddr_4_svc(const onc__rpcb_uaddr *uaddr, onc__netbuf *result,
					   onc_call *call, void *ctx)
{
	return onc__rpcbproc_uaddr2taddr_3_svc(uaddr, result, call, ctx);
}

onc_status onc__rpcbproc_taddr2uaddr_4_svc(const onc__netbuf *taddr, onc__rpcb_uaddr *result,
					   onc_call *call, void *ctx)
{
	return onc__rpcbproc_taddr2uaddr_3_svc(taddr, result, call, ctx);
}

onc_status onc__rpcbproc_getversaddr_4_svc(const onc__rpcb *r, onc__rpcb_uaddr *result,
					   onc_call *call, void *ctx)
{
	return lookup(ctx, call, r, false, result);
}

onc_status onc__rpcbproc_indirect_4_svc(const onc__rpcb_rmtcallargs *a,
					onc__rpcb_rmtcallres *result, onc_call *call, void *ctx)
{
	return onc__rpcbproc_callit_3_svc(a, result, call, ctx);
}

onc_status onc__rpcbproc_getaddrlist_4_svc(const onc__rpcb *r,
					   onc__rpcb_entry_list_ptr *result, onc_call *call,
					   void *ctx)
{
	return getaddrlist(ctx, call, r, result);
}

onc_status onc__rpcbproc_getstat_4_svc(onc__rpcb_stat_byvers *result, onc_call *call, void *ctx)
{
	return onc__stats_fill(&((request *)ctx)->rb->stats, *result, call->arena);
}

/* ---- what is answered, and to whom ---- */

/* The largest reply a caller may get. Over UDP, a caller on another host is whoever the
 * datagram's source address names, unchecked: it gets no reply larger than its call, so that
 * rpcbind cannot amplify a reflection attack. Local callers and TCP get any. Call before the
 * arguments are decoded. */
static size_t reply_limit(const onc_call *call)
{
	const onc_call_header *h = call->header;
	if (!onc_call_is_datagram(call) || onc_call_is_local(call))
		return SIZE_MAX;
	/* xid, CALL, rpcvers, prog, vers, proc, two opaque_auths: 40 bytes and the bodies */
	return 40 + onc_xdr_round(h->cred.len) + onc_xdr_round(h->verf.len) +
	       onc_xdr_dec_left(call->args);
}

/* Ends the call with no reply at all. */
static onc_accept_stat no_reply(onc_call *call)
{
	onc_deferred *d = onc_call_defer(call);
	if (!d)
		return ONC_SYSTEM_ERR; /* out of memory: an error, still smaller than any call */
	onc_deferred_drop(d);
	return ONC_SUCCESS; /* not sent: the call was deferred */
}

/* ---- CALLIT (v2, v3) and INDIRECT (v4): off unless allowed ----
 * A forward that fails is answered with an error for INDIRECT, as RFC 1833 has it (PROG_UNAVAIL
 * when the program is not registered, SYSTEM_ERR when its service answers with an error),
 * and not at all for CALLIT. A forward that times out, or finds every slot taken, is not
 * answered either way: it may be one of a flood. */

/* A failed forward's end. */
static void refuse(onc_deferred *d, bool indirect, onc_status why)
{
	if (indirect)
		onc_deferred_end(d, why);
	else
		onc_deferred_drop(d);
}

/* Sends the call to prog/vers/proc with args, as registered for UDP, from the forwarding
 * socket, and takes a slot for d until it is answered. Under mu. */
static onc_status forward_call(onc_rpcbind *rb, onc_deferred *d, const onc_call *call,
			       uint32_t prog, uint32_t vers, uint32_t proc, const uint8_t *args,
			       uint32_t nargs, size_t max_reply)
{
	const entry *e = prog == ONC_PMAP_PROG ? NULL : find(rb, prog, vers, "udp", false);
	uint16_t port = 0;
	if (!e || onc_uaddr_port(e->addr, &port) != ONC_OK || !port)
		return ONC_ERR_PROG_UNAVAIL;
	uint32_t slot = 0;
	while (slot < MAX_FORWARDS && rb->forwards[slot].d)
		slot++;
	if (slot == MAX_FORWARDS)
		return ONC_ERR_NOMEM; /* every slot taken */

	forward *f = &rb->forwards[slot];
	onc_call_header h = {.xid = ++rb->fwd_serial * MAX_FORWARDS + slot,
			     .rpcvers = ONC_RPC_VERSION, .prog = prog, .vers = vers, .proc = proc};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	onc_xdr_enc_reset(&rb->fwd_out);
	if (onc_rpc_encode_call(&rb->fwd_out, &h) != ONC_OK ||
	    onc_xdr_put_opaque_fixed(&rb->fwd_out, args, nargs) != ONC_OK ||
	    sendto(rb->fwd_fd, rb->fwd_out.base, onc_xdr_enc_len(&rb->fwd_out), MSG_DONTWAIT,
		   (const struct sockaddr *)&to, sizeof to) < 0)
		return ONC_ERR_SYSTEM_ERR;
	*f = (forward){.d = d, .xid = h.xid, .vers = call->header->vers, .port = port,
		       .max_reply = max_reply, .deadline = onc__now_ms() + FORWARD_TIMEOUT_MS};
	answer_addr(e, call, f->uaddr, sizeof f->uaddr);
	return ONC_OK;
}

/* Forwards the call and defers it: the forwarding thread answers it. */
static onc_status callit(const request *rq, onc_call *call, uint32_t prog, uint32_t vers,
			 uint32_t proc, const uint8_t *args, uint32_t nargs)
{
	onc_rpcbind *rb = rq->rb;
	bool indirect = call->header->vers == 4;
	onc_deferred *d = onc_call_defer(call);
	if (!d)
		return ONC_ERR_SYSTEM_ERR;
	pthread_mutex_lock(&rb->mu);
	/* counted as rpcbind counts it: a success when prog/vers is registered on the caller's
	 * transport, whatever the forward comes to */
	const char *netid = transport_netid(call);
	const entry *e = find(rb, prog, vers, netid, false);
	onc__stats_forward(&rb->stats, call->header->vers, prog, vers, proc, netid, e != NULL,
			   indirect);
	onc_status st = forward_call(rb, d, call, prog, vers, proc, args, nargs, rq->max_reply);
	pthread_mutex_unlock(&rb->mu);
	if (st == ONC_ERR_NOMEM)
		onc_deferred_drop(d);
	else if (st != ONC_OK)
		refuse(d, indirect, st);
	return ONC_OK; /* not sent: the call was deferred */
}

/* Answers f's caller with the service's results, the rest of d after the reply header:
 * where the service is (its port for v2, its universal address for v3 and v4), then the
 * results as opaque data; or not at all, when that is larger than the caller may get. */
static void forward_reply(const forward *f, onc_xdr_dec *d)
{
	size_t n = onc_xdr_dec_left(d);
	size_t where = f->vers == 2 ? 4 : 4 + onc_xdr_round(strlen(f->uaddr));
	onc_xdr_enc *out;
	if (REPLY_HEADER + where + 4 + onc_xdr_round(n) > f->max_reply) {
		onc_deferred_drop(f->d);
		return;
	}
	onc__call_result v2 = {f->port, {(uint32_t)n, (uint8_t *)d->p}};
	onc__rpcb_rmtcallres v34 = {(char *)f->uaddr, {(uint32_t)n, (uint8_t *)d->p}};
	onc_status st = onc_deferred_begin(f->d, &out);
	if (st == ONC_OK)
		st = f->vers == 2 ? onc__call_result_encode(out, &v2)
				  : onc__rpcb_rmtcallres_encode(out, &v34);
	onc_deferred_end(f->d, st);
}

/* A datagram on the forwarding socket: the answer to the forward in its xid's slot, when it
 * comes from where that forward went; anything else is dropped. */
static void answered(onc_rpcbind *rb, size_t len, const struct sockaddr_in *from)
{
	onc_xdr_dec d;
	onc_reply_header h;
	onc_xdr_dec_init(&d, rb->fwd_in, len, NULL);
	if (onc_rpc_decode_reply(&d, &h) != ONC_OK)
		return;
	pthread_mutex_lock(&rb->mu);
	forward f = rb->forwards[h.xid % MAX_FORWARDS];
	bool ours = f.d && f.xid == h.xid && from->sin_port == htons(f.port);
	if (ours)
		rb->forwards[h.xid % MAX_FORWARDS].d = NULL;
	pthread_mutex_unlock(&rb->mu);
	if (!ours)
		return;
	if (h.stat == ONC_MSG_ACCEPTED && h.accept == ONC_SUCCESS)
		forward_reply(&f, &d);
	else
		refuse(f.d, f.vers == 4, ONC_ERR_SYSTEM_ERR);
}

/* Ends the forwards whose time is up, in silence (a slow service looks like a dead one).
 * Returns how long the thread may sleep, or -1 once it is to quit. */
static int expire(onc_rpcbind *rb)
{
	onc_deferred *late[MAX_FORWARDS];
	size_t n = 0;
	int64_t now = onc__now_ms(), next = now + FORWARD_TICK_MS;
	pthread_mutex_lock(&rb->mu);
	for (forward *f = rb->forwards; f < rb->forwards + MAX_FORWARDS; f++) {
		if (f->d && f->deadline <= now) {
			late[n++] = f->d;
			f->d = NULL;
		} else if (f->d && f->deadline < next) {
			next = f->deadline;
		}
	}
	bool quit = rb->fwd_quit;
	pthread_mutex_unlock(&rb->mu);
	for (size_t i = 0; i < n; i++)
		onc_deferred_drop(late[i]);
	return quit ? -1 : (int)(next - now);
}

/* The forwarding thread: takes answers and ends what is late, until onc_rpcbind_destroy().
 * At most MAX_FORWARDS datagrams at a time, so that a stream of them never holds off the
 * timeouts. */
static void *forwarding(void *arg)
{
	onc_rpcbind *rb = arg;
	for (int wait; (wait = expire(rb)) >= 0;) {
		struct pollfd p = {.fd = rb->fwd_fd, .events = POLLIN};
		if (poll(&p, 1, wait) <= 0)
			continue;
		for (unsigned i = 0; i < MAX_FORWARDS; i++) {
			struct sockaddr_in from;
			socklen_t from_len = sizeof from;
			ssize_t len = recvfrom(rb->fwd_fd, rb->fwd_in, sizeof rb->fwd_in,
					       MSG_DONTWAIT, (struct sockaddr *)&from, &from_len);
			if (len < 0)
				break;
			answered(rb, (size_t)len, &from);
		}
	}
	return NULL;
}

static bool is_callit(const onc_call *call)
{
	uint32_t proc = call->header->proc;
	return proc == PMAPPROC_CALLIT || (call->header->vers == 4 && proc == RPCBPROC_INDIRECT);
}

onc_status onc_rpcbind_allow_callit(onc_rpcbind *rb)
{
	struct sockaddr_in self = {.sin_family = AF_INET};
	self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (rb->fwd_fd >= 0)
		return ONC_OK;
	rb->fwd_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rb->fwd_fd >= 0 && bind(rb->fwd_fd, (struct sockaddr *)&self, sizeof self) == 0 &&
	    pthread_create(&rb->fwd_thread, NULL, forwarding, rb) == 0)
		return ONC_OK;
	if (rb->fwd_fd >= 0)
		close(rb->fwd_fd);
	rb->fwd_fd = -1;
	return ONC_ERR_IO;
}

/* Every call to rpcbind: counted, then answered by rpcb_prot.x's dispatcher for its version
 * under mu, or without it for the forwarding procedures, which take it themselves. */
static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	static const onc_dispatch_fn by_version[] = {
		[2] = onc__rpcbprog_2_dispatch,
		[3] = onc__rpcbprog_3_dispatch,
		[4] = onc__rpcbprog_4_dispatch,
	};
	request rq = {ctx, reply_limit(call)};
	uint32_t vers = call->header->vers; /* 2 to 4: registered so */
	size_t start = onc_xdr_enc_len(call->results);
	call->args->flags |= ONC_XDR_ALLOW_TRAILING; /* as rpcbind, which never looks */
	pthread_mutex_lock(&rq.rb->mu);
	onc__stats_call(&rq.rb->stats, vers, call->header->proc);
	if (is_callit(call)) {
		bool allowed = rq.rb->fwd_fd >= 0;
		pthread_mutex_unlock(&rq.rb->mu);
		if (!allowed)
			return ONC_PROC_UNAVAIL;
		onc_accept_stat st = by_version[vers](call, &rq);
		/* CALLIT's arguments that do not decode get no answer, INDIRECT's GARBAGE_ARGS */
		return st == ONC_GARBAGE_ARGS && vers != 4 ? no_reply(call) : st;
	}
	onc_accept_stat st = by_version[vers](call, &rq);
	size_t len = onc_xdr_enc_len(call->results) - start;
	pthread_mutex_unlock(&rq.rb->mu);
	if (st == ONC_SUCCESS && REPLY_HEADER + len > rq.max_reply)
		return no_reply(call);
	return st;
}

onc_status onc_rpcbind_attach(onc_rpcbind *rb, onc_server *srv)
{
	for (uint32_t v = 2; v <= 4; v++)
		ONC_TRY(onc_server_register(srv, ONC_PMAP_PROG, v, dispatch, rb));
	pthread_mutex_lock(&rb->mu);
	for (size_t i = 0; i < srv->nlisteners; i++) {
		char netid[8], addr[ONC__UADDR_MAX];
		if (!onc__listener_names(&srv->listeners[i], netid, addr))
			continue;
		/* The portmapper (v2) knows IPv4 only; v3 and v4 every transport. */
		uint32_t low = strcmp(netid, "tcp") == 0 || strcmp(netid, "udp") == 0 ? 2 : 3;
		for (uint32_t v = low; v <= 4; v++)
			add(rb, ONC_PMAP_PROG, v, netid, addr, SUPERUSER);
	}
	pthread_mutex_unlock(&rb->mu);
	return ONC_OK;
}
