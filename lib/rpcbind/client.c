#include <stdio.h>
#include <stdlib.h>

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
 * calling end by the deadline. */
static onc_status pmap_call(const char *pmap, uint32_t vers, uint32_t proc, onc_encode_fn enc,
			    const void *args, onc_decode_fn dec, void *result, int64_t deadline)
{
	onc_client_options o = {.timeout_ms = ms_left(deadline)};
	onc_status st;
	onc_client *c = onc_client_create(pmap, ONC_PMAP_PROG, vers, &o, &st);
	if (!c)
		return st;
	onc_call_opts co = {.timeout_ms = ms_left(deadline)};
	st = onc_client_call(c, proc, enc, args, dec, result, &co);
	onc_client_destroy(c);
	return st;
}

static onc_status getport(const char *pmap, uint32_t prog, uint32_t vers, uint32_t prot,
			  uint16_t *port, int64_t deadline)
{
	onc_pmap_mapping m = {prog, vers, prot, 0};
	uint32_t p;
	ONC_TRY(pmap_call(pmap, 2, PMAP_GETPORT, onc__pmap_mapping_encode, &m, onc__xdr_u32_decode,
			  &p, deadline));
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
	return getport(pmap, prog, vers, prot, port, pmap_deadline());
}

onc_status onc_pmap_set(const char *pmap, const onc_pmap_mapping *m, bool *done)
{
	return pmap_call(pmap, 2, PMAP_SET, onc__pmap_mapping_encode, m, onc__xdr_bool_decode, done,
			 pmap_deadline());
}

onc_status onc_pmap_unset(const char *pmap, uint32_t prog, uint32_t vers, bool *done)
{
	onc_pmap_mapping m = {prog, vers, 0, 0};
	return pmap_call(pmap, 2, PMAP_UNSET, onc__pmap_mapping_encode, &m, onc__xdr_bool_decode,
			 done, pmap_deadline());
}

typedef struct mapping_list {
	onc_pmap_mapping *items;
	size_t n;
} mapping_list;

/* pmaplist: a chain of "more?" booleans each followed by a mapping; read in a loop. */
static onc_status decode_pmaplist(onc_xdr_dec *d, void *v)
{
	mapping_list *l = v;
	size_t cap = 0;
	bool more;
	for (;;) {
		ONC_TRY(onc_xdr_get_bool(d, &more));
		if (!more)
			return ONC_OK;
		if (l->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			onc_pmap_mapping *grown;
			if (ncap > onc_xdr_dec_left(d) / 16 + 16)
				return ONC_ERR_TRUNCATED; /* more than the reply can hold */
			grown = realloc(l->items, ncap * sizeof *grown);
			if (!grown)
				return ONC_ERR_NOMEM;
			l->items = grown;
			cap = ncap;
		}
		ONC_TRY(onc__pmap_mapping_decode(d, &l->items[l->n]));
		l->n++;
	}
}

onc_status onc_pmap_dump(const char *pmap, onc_pmap_mapping **list, size_t *n)
{
	mapping_list l = {NULL, 0};
	onc_status st =
		pmap_call(pmap, 2, PMAP_DUMP, NULL, NULL, decode_pmaplist, &l, pmap_deadline());
	if (st != ONC_OK) {
		free(l.items);
		return st;
	}
	*list = l.items;
	*n = l.n;
	return ONC_OK;
}

static onc_status getaddr(const char *pmap, uint32_t rpcb_vers, uint32_t prog, uint32_t vers,
			  const char *netid, char **uaddr, int64_t deadline)
{
	onc_rpcb r = {prog, vers, (char *)netid, "", ""};
	*uaddr = NULL;
	return pmap_call(pmap, rpcb_vers, RPCB_GETADDR, onc__rpcb_encode, &r,
			 onc__xdr_string_decode, uaddr, deadline);
}

onc_status onc_rpcb_getaddr(const char *pmap, uint32_t rpcb_vers, uint32_t prog, uint32_t vers,
			    const char *netid, char **uaddr)
{
	return getaddr(pmap, rpcb_vers, prog, vers, netid, uaddr, pmap_deadline());
}

onc_status onc_rpcb_find_port(const char *host, uint16_t pmap_port, const char *netid,
			      uint32_t prog, uint32_t vers, int timeout_ms, uint16_t *port)
{
	char pmap[300];
	bool udp = strncmp(netid, "udp", 3) == 0;
	int64_t deadline = onc__now_ms() + (timeout_ms > 0 ? timeout_ms : ONC__DEFAULT_TIMEOUT_MS);

	snprintf(pmap, sizeof pmap, "%s://%s:%u", udp ? "udp" : "tcp", host,
		 pmap_port ? pmap_port : ONC_PMAP_PORT);
	for (uint32_t v = 4; v >= 3; v--) {
		char *uaddr = NULL;
		onc_status st = getaddr(pmap, v, prog, vers, netid, &uaddr, deadline);
		if (st == ONC_OK)
			st = *uaddr ? onc_uaddr_port(uaddr, port) : ONC_ERR_PROG_UNAVAIL;
		free(uaddr);
		/* A mismatch means this rpcbind does not speak v: try the older protocol. */
		if (st != ONC_ERR_PROG_MISMATCH && st != ONC_ERR_PROC_UNAVAIL)
			return st;
	}
	return getport(pmap, prog, vers, udp ? ONC_IPPROTO_UDP : ONC_IPPROTO_TCP, port, deadline);
}

/* A v4 call, then the same as v3 when the peer does not speak v4. */
static onc_status rpcb_call(const char *pmap, uint32_t proc, const onc_rpcb *r, bool *done)
{
	onc_status st = ONC_ERR_PROG_MISMATCH;
	for (uint32_t v = 4; v >= 3 && (st == ONC_ERR_PROG_MISMATCH || st == ONC_ERR_PROC_UNAVAIL);
	     v--)
		st = pmap_call(pmap, v, proc, onc__rpcb_encode, r, onc__xdr_bool_decode, done,
			       pmap_deadline());
	return st;
}

onc_status onc_rpcb_set(const char *pmap, const onc_rpcb *r, bool *done)
{
	return rpcb_call(pmap, RPCB_SET, r, done);
}

onc_status onc_rpcb_unset(const char *pmap, uint32_t prog, uint32_t vers, const char *netid,
			  bool *done)
{
	onc_rpcb r = {prog, vers, (char *)netid, "", ""};
	return rpcb_call(pmap, RPCB_UNSET, &r, done);
}
