/* The embedded rpcbind: portmapper v2 and rpcbind v3/v4 over one registration table. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "codec.h"

/* The table's size limit: local callers cannot make it take more than this. */
#define MAX_ENTRIES 4096u

typedef struct entry {
	uint32_t prog, vers;
	char netid[16];
	char addr[64];
	char owner[32];
} entry;

/* What GETSTAT reports for one protocol version. */
typedef struct stats {
	uint32_t calls[RPCB_STAT_PROCS];
	uint32_t sets, unsets;
} stats;

struct onc_rpcbind {
	pthread_mutex_t mu;
	entry *entries;
	size_t n, cap;
	stats by_version[3]; /* versions 2, 3, 4 */
	bool callit;         /* CALLIT/INDIRECT served */
};

/* How long a forwarded CALLIT may take. */
#define CALLIT_TIMEOUT_MS 2000

onc_rpcbind *onc_rpcbind_create(onc_status *status)
{
	onc_rpcbind *rb = calloc(1, sizeof *rb);
	*status = rb ? ONC_OK : ONC_ERR_NOMEM;
	if (rb)
		pthread_mutex_init(&rb->mu, NULL);
	return rb;
}

void onc_rpcbind_destroy(onc_rpcbind *rb)
{
	if (!rb)
		return;
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
		if (any_version && !fallback)
			fallback = e;
	}
	return fallback;
}

static bool add(onc_rpcbind *rb, uint32_t prog, uint32_t vers, const char *netid,
		const char *addr, const char *owner)
{
	if (find(rb, prog, vers, netid, false) || strlen(netid) >= sizeof rb->entries->netid ||
	    strlen(addr) >= sizeof rb->entries->addr)
		return false;
	if (rb->n == MAX_ENTRIES)
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

/* Removes prog/vers on netid, or on every netid when netid is empty. */
static bool remove_entries(onc_rpcbind *rb, uint32_t prog, uint32_t vers, const char *netid)
{
	size_t kept = 0;
	for (size_t i = 0; i < rb->n; i++) {
		entry *e = &rb->entries[i];
		if (e->prog == prog && e->vers == vers && (!*netid || strcmp(e->netid, netid) == 0))
			continue;
		rb->entries[kept++] = *e;
	}
	bool removed = kept < rb->n;
	rb->n = kept;
	return removed;
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

static void count_change(onc_rpcbind *rb, const onc_call *call, bool set, bool ok)
{
	stats *st = &rb->by_version[call->header->vers - 2];
	if (ok && set)
		st->sets++;
	else if (ok)
		st->unsets++;
}

/* ---- version 2 ---- */

static onc_accept_stat pmap_v2(onc_rpcbind *rb, onc_call *call)
{
	onc_pmap_mapping m;
	uint32_t proc = call->header->proc;
	bool ok = false;

	if (proc == PMAP_NULL)
		return ONC_SUCCESS;
	if (proc == PMAP_DUMP) {
		for (size_t i = 0; i < rb->n; i++) {
			const entry *e = &rb->entries[i];
			uint16_t port;
			uint32_t prot = strcmp(e->netid, "tcp") == 0   ? ONC_IPPROTO_TCP
					: strcmp(e->netid, "udp") == 0 ? ONC_IPPROTO_UDP
								       : 0;
			if (!prot || onc_uaddr_port(e->addr, &port) != ONC_OK)
				continue;
			onc_pmap_mapping out = {e->prog, e->vers, prot, port};
			if (onc_xdr_put_bool(call->results, true) ||
			    onc__pmap_mapping_encode(call->results, &out))
				return ONC_SYSTEM_ERR;
		}
		return onc_xdr_put_bool(call->results, false) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	}
	if (proc > PMAP_GETPORT)
		return ONC_PROC_UNAVAIL;
	if (onc__pmap_mapping_decode(call->args, &m) != ONC_OK)
		return ONC_GARBAGE_ARGS;
	if (proc == PMAP_GETPORT) {
		const char *netid = prot_netid(m.prot);
		const entry *e = netid ? find(rb, m.prog, m.vers, netid, false) : NULL;
		uint16_t port = 0;
		if (e && onc_uaddr_port(e->addr, &port) != ONC_OK)
			port = 0;
		return onc_xdr_put_u32(call->results, port) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	}
	if (onc_call_is_local(call)) {
		if (proc == PMAP_SET) {
			char addr[32];
			snprintf(addr, sizeof addr, "0.0.0.0.%u.%u", m.port >> 8 & 255, m.port & 255);
			ok = prot_netid(m.prot) && m.port <= 65535 &&
			     add(rb, m.prog, m.vers, prot_netid(m.prot), addr, "unknown");
		} else {
			ok = remove_entries(rb, m.prog, m.vers, "tcp");
			ok = remove_entries(rb, m.prog, m.vers, "udp") || ok;
		}
	}
	count_change(rb, call, proc == PMAP_SET, ok);
	return onc_xdr_put_bool(call->results, ok) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
}

/* ---- versions 3 and 4 ---- */

/* netbuf { unsigned maxlen; opaque buf<>; } holding a struct sockaddr as this host lays it
 * out, which is what libtirpc puts there. */
static onc_accept_stat uaddr2taddr(onc_call *call)
{
	char *uaddr;
	uint16_t port;
	struct sockaddr_storage ss;
	socklen_t len = 0;

	if (onc_xdr_get_string(call->args, &uaddr, RPCB_MAX_STRING) != ONC_OK)
		return ONC_GARBAGE_ARGS;
	memset(&ss, 0, sizeof ss);
	char *dot = strrchr(uaddr, '.');
	while (dot && dot > uaddr && *--dot != '.')
		;
	if (dot && onc_uaddr_port(uaddr, &port) == ONC_OK) {
		*dot = 0;
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		if (inet_pton(AF_INET, uaddr, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			in->sin_port = htons(port);
			len = sizeof *in;
		} else if (inet_pton(AF_INET6, uaddr, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(port);
			len = sizeof *in6;
		}
	}
	/* An address that does not parse is answered with an empty netbuf, as rpcbind does. */
	if (onc_xdr_put_u32(call->results, len) ||
	    onc_xdr_put_opaque(call->results, &ss, len, sizeof ss))
		return ONC_SYSTEM_ERR;
	return ONC_SUCCESS;
}

static onc_accept_stat taddr2uaddr(onc_call *call)
{
	uint32_t maxlen, len;
	const uint8_t *buf;
	char uaddr[80] = "";
	struct sockaddr_storage ss;

	if (onc_xdr_get_u32(call->args, &maxlen) ||
	    onc_xdr_get_opaque_ref(call->args, &buf, &len, sizeof ss))
		return ONC_GARBAGE_ARGS;
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, buf, len);
	size_t need = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	/* An address that is not one is answered with the empty string, as rpcbind does. */
	if (len < need || onc_uaddr_format((const struct sockaddr *)&ss, uaddr, sizeof uaddr))
		uaddr[0] = 0;
	return onc_xdr_put_string(call->results, uaddr, RPCB_MAX_STRING) ? ONC_SYSTEM_ERR
									 : ONC_SUCCESS;
}

/* rpcb_entry_list: every transport prog/vers is registered on, with its netconfig facts. */
static onc_accept_stat getaddrlist(onc_rpcbind *rb, onc_call *call, const onc_rpcb *r)
{
	onc_xdr_enc *out = call->results;
	for (size_t i = 0; i < rb->n; i++) {
		const entry *e = &rb->entries[i];
		char addr[80];
		if (e->prog != r->prog || e->vers != r->vers)
			continue;
		bool udp = strncmp(e->netid, "udp", 3) == 0;
		bool local = strcmp(e->netid, "local") == 0 || strcmp(e->netid, "unix") == 0;
		answer_addr(e, call, addr, sizeof addr);
		if (onc_xdr_put_bool(out, true) || onc_xdr_put_string(out, addr, RPCB_MAX_STRING) ||
		    onc_xdr_put_string(out, e->netid, RPCB_MAX_STRING) ||
		    /* NC_TPI_CLTS 1, NC_TPI_COTS_ORD 3 */
		    onc_xdr_put_u32(out, udp ? 1 : 3) ||
		    onc_xdr_put_string(out, local ? "loopback" : strchr(e->netid, '6') ? "inet6" : "inet",
				       RPCB_MAX_STRING) ||
		    onc_xdr_put_string(out, local ? "-" : udp ? "udp" : "tcp", RPCB_MAX_STRING))
			return ONC_SYSTEM_ERR;
	}
	return onc_xdr_put_bool(out, false) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
}

/* rpcb_stat_byvers: per version, calls per procedure and successful SETs/UNSETs; the
 * address and remote-call lists are left empty. */
static onc_accept_stat getstat(onc_rpcbind *rb, onc_call *call)
{
	for (int v = 0; v < 3; v++) {
		const stats *st = &rb->by_version[v];
		if (onc_xdr_put_u32_array(call->results, st->calls, RPCB_STAT_PROCS) ||
		    onc_xdr_put_u32(call->results, st->sets) ||
		    onc_xdr_put_u32(call->results, st->unsets) ||
		    onc_xdr_put_bool(call->results, false) || onc_xdr_put_bool(call->results, false))
			return ONC_SYSTEM_ERR;
	}
	return ONC_SUCCESS;
}

static onc_status put_rpcb(onc_xdr_enc *e, const entry *x)
{
	onc_rpcb r = {x->prog, x->vers, (char *)x->netid, (char *)x->addr, (char *)x->owner};
	return onc__rpcb_encode(e, &r);
}

static onc_accept_stat rpcb_v34(onc_rpcbind *rb, onc_call *call)
{
	uint32_t proc = call->header->proc;
	onc_rpcb r;
	char addr[80];

	switch (proc) {
	case RPCB_NULL:
		return ONC_SUCCESS;
	case RPCB_DUMP:
		for (size_t i = 0; i < rb->n; i++)
			if (onc_xdr_put_bool(call->results, true) ||
			    put_rpcb(call->results, &rb->entries[i]))
				return ONC_SYSTEM_ERR;
		return onc_xdr_put_bool(call->results, false) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case RPCB_GETTIME:
		return onc_xdr_put_u32(call->results, (uint32_t)time(NULL)) ? ONC_SYSTEM_ERR
									    : ONC_SUCCESS;
	case RPCB_UADDR2TADDR:
		return uaddr2taddr(call);
	case RPCB_TADDR2UADDR:
		return taddr2uaddr(call);
	case RPCB_GETSTAT:
		return call->header->vers == 4 ? getstat(rb, call) : ONC_PROC_UNAVAIL;
	case RPCB_SET:
	case RPCB_UNSET:
	case RPCB_GETADDR:
	case RPCB_GETVERSADDR:
	case RPCB_GETADDRLIST:
		break;
	default:
		return ONC_PROC_UNAVAIL;
	}
	if ((proc == RPCB_GETVERSADDR || proc == RPCB_GETADDRLIST) && call->header->vers != 4)
		return ONC_PROC_UNAVAIL;
	if (onc__rpcb_decode(call->args, &r) != ONC_OK)
		return ONC_GARBAGE_ARGS;
	if (proc == RPCB_GETADDRLIST)
		return getaddrlist(rb, call, &r);
	if (proc == RPCB_GETADDR || proc == RPCB_GETVERSADDR) {
		const entry *e = find(rb, r.prog, r.vers, r.netid, proc == RPCB_GETADDR);
		addr[0] = 0;
		if (e)
			answer_addr(e, call, addr, sizeof addr);
		return onc_xdr_put_string(call->results, addr, RPCB_MAX_STRING) ? ONC_SYSTEM_ERR
										 : ONC_SUCCESS;
	}
	bool ok = false;
	if (onc_call_is_local(call))
		ok = proc == RPCB_SET ? add(rb, r.prog, r.vers, r.netid, r.addr, r.owner)
				      : remove_entries(rb, r.prog, r.vers, r.netid);
	count_change(rb, call, proc == RPCB_SET, ok);
	return onc_xdr_put_bool(call->results, ok) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
}

/* ---- CALLIT (v2, v3) and INDIRECT (v4): off unless allowed ---- */

typedef struct raw_bytes {
	const uint8_t *p;
	uint32_t n;
	onc_arena *arena; /* where decoded results are copied */
} raw_bytes;

/* The forwarded arguments are XDR already: written as they are. */
static onc_status put_raw(onc_xdr_enc *e, const void *v)
{
	const raw_bytes *b = v;
	if (b->n % 4)
		return ONC_ERR_BAD_VALUE;
	return onc_xdr_put_opaque_fixed(e, b->p, b->n);
}

/* The results, whatever they are: the rest of the reply, copied out. */
static onc_status take_rest(onc_xdr_dec *d, void *v)
{
	raw_bytes *b = v;
	b->n = (uint32_t)onc_xdr_dec_left(d);
	uint8_t *copy = onc_arena_alloc(b->arena, b->n ? b->n : 1);
	if (!copy)
		return ONC_ERR_NOMEM;
	memcpy(copy, d->p, b->n);
	d->p = d->end;
	b->p = copy;
	return ONC_OK;
}

/* Calls prog/vers/proc with the caller's arguments on the service registered for UDP on this
 * host, and answers with where it is and its results. The table is only read under mu; the
 * call itself is made without it. */
static onc_accept_stat callit(onc_rpcbind *rb, onc_call *call)
{
	uint32_t prog, vers, proc;
	raw_bytes args = {0}, res = {.arena = call->arena};
	char uaddr[80] = "", target[96];
	uint16_t port = 0;

	if (onc_xdr_get_u32(call->args, &prog) || onc_xdr_get_u32(call->args, &vers) ||
	    onc_xdr_get_u32(call->args, &proc) ||
	    onc_xdr_get_opaque_ref(call->args, &args.p, &args.n, UINT32_MAX))
		return ONC_GARBAGE_ARGS;
	pthread_mutex_lock(&rb->mu);
	const entry *e = prog == ONC_PMAP_PROG ? NULL : find(rb, prog, vers, "udp", false);
	if (e) {
		answer_addr(e, call, uaddr, sizeof uaddr);
		onc_uaddr_port(e->addr, &port);
	}
	pthread_mutex_unlock(&rb->mu);
	if (!port)
		return ONC_SYSTEM_ERR; /* not registered (rpcbind stays silent; so should we) */
	snprintf(target, sizeof target, "udp://127.0.0.1:%u", port);
	onc_client_options o = {.timeout_ms = CALLIT_TIMEOUT_MS};
	onc_status st;
	onc_client *c = onc_client_create(target, prog, vers, &o, &st);
	if (c)
		st = onc_client_call(c, proc, put_raw, &args, take_rest, &res, NULL);
	onc_client_destroy(c);
	if (st != ONC_OK)
		return ONC_SYSTEM_ERR;
	onc_xdr_enc *out = call->results;
	st = call->header->vers == 2 ? onc_xdr_put_u32(out, port)
				      : onc_xdr_put_string(out, uaddr, RPCB_MAX_STRING);
	if (st == ONC_OK)
		st = onc_xdr_put_opaque(out, res.p, res.n, UINT32_MAX);
	return st == ONC_OK ? ONC_SUCCESS : ONC_SYSTEM_ERR;
}

static bool is_callit(const onc_call *call)
{
	uint32_t proc = call->header->proc;
	return proc == PMAP_CALLIT || (call->header->vers == 4 && proc == RPCB_INDIRECT);
}

void onc_rpcbind_allow_callit(onc_rpcbind *rb)
{
	rb->callit = true;
}

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	onc_rpcbind *rb = ctx;
	uint32_t proc = call->header->proc;
	pthread_mutex_lock(&rb->mu);
	if (proc < RPCB_STAT_PROCS)
		rb->by_version[call->header->vers - 2].calls[proc]++;
	bool forward = is_callit(call);
	onc_accept_stat st = forward ? ONC_PROC_UNAVAIL
			     : call->header->vers == 2 ? pmap_v2(rb, call)
						       : rpcb_v34(rb, call);
	bool allowed = rb->callit;
	pthread_mutex_unlock(&rb->mu);
	if (forward && allowed)
		st = callit(rb, call);
	return st;
}

onc_status onc_rpcbind_attach(onc_rpcbind *rb, onc_server *srv, uint16_t tcp_port,
			      uint16_t udp_port)
{
	static const char *const netids[] = {"tcp", "udp"};
	const uint16_t ports[] = {tcp_port, udp_port};
	for (uint32_t v = 2; v <= 4; v++) {
		ONC_TRY(onc_server_register(srv, ONC_PMAP_PROG, v, dispatch, rb));
		for (int i = 0; i < 2; i++) {
			char addr[32];
			if (!ports[i])
				continue;
			snprintf(addr, sizeof addr, "0.0.0.0.%u.%u", ports[i] >> 8, ports[i] & 255);
			pthread_mutex_lock(&rb->mu);
			add(rb, ONC_PMAP_PROG, v, netids[i], addr, "superuser");
			pthread_mutex_unlock(&rb->mu);
		}
	}
	return ONC_OK;
}
