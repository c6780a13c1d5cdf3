#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../client/open.h"
#include "codec.h"

#define PMAP_TIMEOUT_MS 5000 /* a call to a portmapper given by its address */

static int64_t pmap_deadline(void)
{
	return onc__now_ms() + PMAP_TIMEOUT_MS;
}

/* The time left until deadline, at least 1 ms (0 would mean a client's default): a step
 * that finds none left times out at once. */
static int ms_left(int64_t deadline)
{
	int64_t left = deadline - onc__now_ms();
	return left > 0 ? (int)left : 1;
}

/* One call to the portmapper at pmap, version vers, on a short-lived client: connecting and
 * calling end by the deadline. err (may be NULL) gets the failure's detail. */
static onc_status pmap_call_detail(const char *pmap, uint32_t vers, uint32_t proc,
				   onc_encode_fn enc, const void *args, onc_decode_fn dec,
				   void *result, int64_t deadline, onc_call_error *err)
{
	onc_client_options o = {.timeout_ms = ms_left(deadline), .error = err};
	onc_status st;
	onc_client *c = onc_client_create(pmap, ONC_PMAP_PROG, vers, &o, &st);
	if (!c)
		return st;
	onc_call_opts co = {.timeout_ms = ms_left(deadline), .error = err};
	st = onc_client_call(c, proc, enc, args, dec, result, &co);
	onc_client_destroy(c);
	return st;
}

static onc_status pmap_call(const char *pmap, uint32_t vers, uint32_t proc, onc_encode_fn enc,
			    const void *args, onc_decode_fn dec, void *result, int64_t deadline)
{
	return pmap_call_detail(pmap, vers, proc, enc, args, dec, result, deadline, NULL);
}

/* onc_client_call's codecs take untyped values; the generated ones typed values. */
static onc_status put_mapping(onc_xdr_enc *e, const void *v)
{
	return onc__mapping_encode(e, v);
}

static onc_status put_rpcb(onc_xdr_enc *e, const void *v)
{
	return onc__rpcb_encode(e, v);
}

static onc_status get_u32(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_u32(d, v);
}

static onc_status get_bool(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_bool(d, v);
}

static onc_status get_uaddr(onc_xdr_dec *d, void *v)
{
	return onc__rpcb_uaddr_decode(d, v);
}

static onc_status get_pmaplist(onc_xdr_dec *d, void *v)
{
	return onc__pmaplist_ptr_decode(d, v);
}

static onc_status getport(const char *pmap, uint32_t prog, uint32_t vers, uint32_t prot,
			  uint16_t *port, int64_t deadline, onc_call_error *err)
{
	onc__mapping m = {prog, vers, prot, 0};
	uint32_t p;
	ONC_TRY(pmap_call_detail(pmap, PMAPVERS, PMAPPROC_GETPORT, put_mapping, &m, get_u32, &p,
				 deadline, err));
	if (p == 0)
		return ONC_ERR_PROG_UNAVAIL;
	if (p > 65535)
		return ONC_ERR_BAD_VALUE;
	*port = (uint16_t)p;
	return ONC_OK;
}

onc_status onc_pmap_getport(const char *pmap, uint32_t prog, uint32_t vers, uint32_t prot,
			    uint16_t *port)
{
	return getport(pmap, prog, vers, prot, port, pmap_deadline(), NULL);
}

onc_status onc_pmap_set(const char *pmap, const onc_pmap_mapping *m, bool *done)
{
	onc__mapping x = {m->prog, m->vers, m->prot, m->port};
	return pmap_call(pmap, PMAPVERS, PMAPPROC_SET, put_mapping, &x, get_bool, done,
			 pmap_deadline());
}

onc_status onc_pmap_unset(const char *pmap, uint32_t prog, uint32_t vers, bool *done)
{
	onc__mapping m = {prog, vers, 0, 0};
	return pmap_call(pmap, PMAPVERS, PMAPPROC_UNSET, put_mapping, &m, get_bool, done,
			 pmap_deadline());
}

onc_status onc_pmap_dump(const char *pmap, onc_pmap_mapping **list, size_t *n)
{
	onc__pmaplist_ptr head = NULL;
	size_t count = 0;
	onc_status st = pmap_call(pmap, PMAPVERS, PMAPPROC_DUMP, NULL, NULL, get_pmaplist, &head,
				  pmap_deadline());
	for (const onc__pmaplist *l = head; st == ONC_OK && l; l = l->next)
		count++;
	*list = NULL;
	if (st == ONC_OK && count && !(*list = malloc(count * sizeof **list)))
		st = ONC_ERR_NOMEM;
	if (st == ONC_OK) {
		size_t i = 0;
		for (const onc__pmaplist *l = head; l; l = l->next, i++)
			(*list)[i] = (onc_pmap_mapping){l->map.prog, l->map.vers, l->map.prot,
							l->map.port};
		*n = count;
	}
	onc__pmaplist_ptr_free(&head);
	return st;
}

/* ---- answers copied into one malloc'd block, so that the caller frees one pointer ---- */

/* A copy is made twice by the same function: first with at == NULL, to measure (nothing is
 * written), then into a block of that size. */
typedef struct block {
	char *at;
	size_t used;
} block;

static void *carve(block *b, size_t len)
{
	void *p = b->at ? b->at + b->used : NULL;
	b->used += (len + 7) & ~(size_t)7; /* keeps the next piece aligned */
	return p;
}

static char *carve_str(block *b, const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = carve(b, len);
	if (p)
		memcpy(p, s, len);
	return p;
}

/* Runs copy(b, from, out) to measure, then into a new block whose address lands in *out. */
static onc_status copy_to_block(void (*copy)(block *, const void *, void *), const void *from,
				void *out)
{
	block b = {NULL, 0};
	copy(&b, from, out);
	if (!(b.at = malloc(b.used ? b.used : 1)))
		return ONC_ERR_NOMEM;
	b.used = 0;
	copy(&b, from, out);
	return ONC_OK;
}

typedef struct rpcb_list {
	onc_rpcb *items;
	size_t n;
} rpcb_list;

static void copy_rpcbs(block *b, const void *from, void *out)
{
	rpcb_list *o = out;
	size_t n = 0;
	for (const onc__rp__list *l = *(const onc__rpcblist_ptr *)from; l; l = l->rpcb_next)
		n++;
	onc_rpcb *items = carve(b, n * sizeof *items);
	size_t i = 0;
	for (const onc__rp__list *l = *(const onc__rpcblist_ptr *)from; l; l = l->rpcb_next, i++) {
		const onc__rpcb *r = &l->rpcb_map;
		onc_rpcb x = {r->r_prog, r->r_vers, carve_str(b, r->r_netid),
			      carve_str(b, r->r_addr), carve_str(b, r->r_owner)};
		if (items)
			items[i] = x;
	}
	*o = (rpcb_list){items, n};
}

static onc_status get_rpcblist(onc_xdr_dec *d, void *v)
{
	return onc__rpcblist_ptr_decode(d, v);
}

onc_status onc_rpcb_dump(const char *pmap, uint32_t rpcb_vers, onc_rpcb **list, size_t *n)
{
	onc__rpcblist_ptr head = NULL;
	rpcb_list out;
	onc_status st = pmap_call(pmap, rpcb_vers, RPCBPROC_DUMP, NULL, NULL, get_rpcblist, &head,
				  pmap_deadline());
	if (st == ONC_OK)
		st = copy_to_block(copy_rpcbs, &head, &out);
	onc__rpcblist_ptr_free(&head);
	*list = st == ONC_OK ? out.items : NULL;
	*n = st == ONC_OK ? out.n : 0;
	return st;
}

typedef struct entry_list {
	onc_rpcb_entry *items;
	size_t n;
} entry_list;

static void copy_entries(block *b, const void *from, void *out)
{
	entry_list *o = out;
	size_t n = 0;
	const onc__rpcb_entry_list *l;
	for (l = *(const onc__rpcb_entry_list_ptr *)from; l; l = l->rpcb_entry_next)
		n++;
	onc_rpcb_entry *items = carve(b, n * sizeof *items);
	size_t i = 0;
	for (l = *(const onc__rpcb_entry_list_ptr *)from; l; l = l->rpcb_entry_next, i++) {
		const onc__rpcb_entry *e = &l->rpcb_entry_map;
		onc_rpcb_entry x = {carve_str(b, e->r_maddr), carve_str(b, e->r_nc_netid),
				    e->r_nc_semantics, carve_str(b, e->r_nc_protofmly),
				    carve_str(b, e->r_nc_proto)};
		if (items)
			items[i] = x;
	}
	*o = (entry_list){items, n};
}

static onc_status get_entry_list(onc_xdr_dec *d, void *v)
{
	return onc__rpcb_entry_list_ptr_decode(d, v);
}

onc_status onc_rpcb_getaddrlist(const char *pmap, const onc_rpcb *r, onc_rpcb_entry **list,
				size_t *n)
{
	onc__rpcb x = {r->prog, r->vers, r->netid, r->addr, r->owner};
	onc__rpcb_entry_list_ptr head = NULL;
	entry_list out;
	onc_status st = pmap_call(pmap, RPCBVERS4, RPCBPROC_GETADDRLIST, put_rpcb, &x,
				  get_entry_list, &head, pmap_deadline());
	if (st == ONC_OK)
		st = copy_to_block(copy_entries, &head, &out);
	onc__rpcb_entry_list_ptr_free(&head);
	*list = st == ONC_OK ? out.items : NULL;
	*n = st == ONC_OK ? out.n : 0;
	return st;
}

static void copy_stats(block *b, const void *from, void *out)
{
	const onc__rpcb_stat *in = from; /* onc__rpcb_stat_byvers */
	onc_rpcb_stat *stats = carve(b, RPCBVERS_STAT * sizeof *stats);
	for (int v = 0; v < RPCBVERS_STAT; v++) {
		onc_rpcb_stat s = {.sets = in[v].setinfo, .unsets = in[v].unsetinfo};
		memcpy(s.calls, in[v].info, sizeof s.calls);
		for (const onc__rpcbs_addrlist *a = in[v].addrinfo; a; a = a->next)
			s.naddrs++;
		for (const onc__rpcbs_rmtcalllist *f = in[v].rmtinfo; f; f = f->next)
			s.nforwards++;
		s.addrs = carve(b, s.naddrs * sizeof *s.addrs);
		s.forwards = carve(b, s.nforwards * sizeof *s.forwards);
		size_t i = 0;
		for (const onc__rpcbs_addrlist *a = in[v].addrinfo; a; a = a->next, i++) {
			onc_rpcb_addr_stat x = {a->prog, a->vers, a->success, a->failure,
						carve_str(b, a->netid)};
			if (s.addrs)
				s.addrs[i] = x;
		}
		i = 0;
		for (const onc__rpcbs_rmtcalllist *f = in[v].rmtinfo; f; f = f->next, i++) {
			onc_rpcb_call_stat x = {f->prog,
						f->vers,
						f->proc,
						f->success,
						f->failure,
						f->indirect,
						carve_str(b, f->netid)};
			if (s.forwards)
				s.forwards[i] = x;
		}
		if (stats)
			stats[v] = s;
	}
	*(onc_rpcb_stat **)out = stats;
}

static onc_status get_stat_byvers(onc_xdr_dec *d, void *v)
{
	return onc__rpcb_stat_byvers_decode(d, v);
}

onc_status onc_rpcb_getstat(const char *pmap, onc_rpcb_stat **stats)
{
	onc__rpcb_stat_byvers in;
	memset(&in, 0, sizeof in);
	onc_status st = pmap_call(pmap, RPCBVERS4, RPCBPROC_GETSTAT, NULL, NULL, get_stat_byvers,
				  &in, pmap_deadline());
	*stats = NULL;
	if (st == ONC_OK)
		st = copy_to_block(copy_stats, in, stats);
	onc__rpcb_stat_byvers_free(&in);
	return st;
}

static onc_status getaddr(const char *pmap, uint32_t rpcb_vers, uint32_t prog, uint32_t vers,
			  const char *netid, char **uaddr, int64_t deadline, onc_call_error *err)
{
	onc__rpcb r = {prog, vers, (char *)netid, "", ""};
	*uaddr = NULL;
	return pmap_call_detail(pmap, rpcb_vers, RPCBPROC_GETADDR, put_rpcb, &r, get_uaddr, uaddr,
				deadline, err);
}

onc_status onc_rpcb_getaddr(const char *pmap, uint32_t rpcb_vers, uint32_t prog, uint32_t vers,
			    const char *netid, char **uaddr)
{
	return getaddr(pmap, rpcb_vers, prog, vers, netid, uaddr, pmap_deadline(), NULL);
}

static onc_status find_port(const char *host, uint16_t pmap_port, const char *netid,
			    uint32_t prog, uint32_t vers, int timeout_ms, uint16_t *port,
			    onc_call_error *err)
{
	char pmap[300];
	bool udp = strncmp(netid, "udp", 3) == 0;
	int64_t deadline = onc__now_ms() + (timeout_ms > 0 ? timeout_ms : ONC__DEFAULT_TIMEOUT_MS);

	snprintf(pmap, sizeof pmap, "%s://%s:%u", udp ? "udp" : "tcp", host,
		 pmap_port ? pmap_port : ONC_PMAP_PORT);
	for (uint32_t v = 4; v >= 3; v--) {
		char *uaddr = NULL;
		onc_status st = getaddr(pmap, v, prog, vers, netid, &uaddr, deadline, err);
		if (st == ONC_OK)
			st = *uaddr ? onc_uaddr_port(uaddr, port) : ONC_ERR_PROG_UNAVAIL;
		free(uaddr);
		/* A mismatch means this rpcbind does not speak v: try the older protocol. */
		if (st != ONC_ERR_PROG_MISMATCH && st != ONC_ERR_PROC_UNAVAIL)
			return st;
	}
	return getport(pmap, prog, vers, udp ? ONC_IPPROTO_UDP : ONC_IPPROTO_TCP, port, deadline,
		       err);
}

onc_status onc__rpcb_find_port(const char *host, uint16_t pmap_port, const char *netid,
			       uint32_t prog, uint32_t vers, int timeout_ms, uint16_t *port,
			       onc_call_error *err)
{
	onc_status st = find_port(host, pmap_port, netid, prog, vers, timeout_ms, port, err);
	/* The lookup's transport failed, not the service's: say so (a timeout stays one). */
	if (st == ONC_ERR_CONNREFUSED || st == ONC_ERR_CLOSED || st == ONC_ERR_IO)
		return ONC_ERR_RPCBIND_UNREACHABLE;
	return st;
}

onc_status onc_rpcb_find_port(const char *host, uint16_t pmap_port, const char *netid,
			      uint32_t prog, uint32_t vers, int timeout_ms, uint16_t *port)
{
	return onc__rpcb_find_port(host, pmap_port, netid, prog, vers, timeout_ms, port, NULL);
}

/* A v4 call, then the same as v3 when the peer does not speak v4. */
static onc_status rpcb_call(const char *pmap, uint32_t proc, const onc__rpcb *r, bool *done)
{
	onc_status st = ONC_ERR_PROG_MISMATCH;
	for (uint32_t v = RPCBVERS4;
	     v >= RPCBVERS && (st == ONC_ERR_PROG_MISMATCH || st == ONC_ERR_PROC_UNAVAIL); v--)
		st = pmap_call(pmap, v, proc, put_rpcb, r, get_bool, done, pmap_deadline());
	return st;
}

onc_status onc_rpcb_set(const char *pmap, const onc_rpcb *r, bool *done)
{
	onc__rpcb x = {r->prog, r->vers, r->netid, r->addr, r->owner};
	return rpcb_call(pmap, RPCBPROC_SET, &x, done);
}

onc_status onc_rpcb_unset(const char *pmap, uint32_t prog, uint32_t vers, const char *netid,
			  bool *done)
{
	onc__rpcb r = {prog, vers, (char *)netid, "", ""};
	return rpcb_call(pmap, RPCBPROC_UNSET, &r, done);
}
