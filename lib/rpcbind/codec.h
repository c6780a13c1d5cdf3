/* Internal to lib/rpcbind: XDR of the portmapper and rpcbind types (RFC 1833), and the names
 * rpcbind gives a server's listeners. */
#ifndef ONC_RPCBIND_CODEC_H
#define ONC_RPCBIND_CODEC_H

#include "onc/rpcbind.h"

/* Procedures (RFC 1833). */
enum {
	PMAP_NULL = 0, PMAP_SET = 1, PMAP_UNSET = 2, PMAP_GETPORT = 3, PMAP_DUMP = 4,
	PMAP_CALLIT = 5, RPCB_CALLIT = 5, RPCB_INDIRECT = 10,
	RPCB_NULL = 0, RPCB_SET = 1, RPCB_UNSET = 2, RPCB_GETADDR = 3, RPCB_DUMP = 4,
	RPCB_GETTIME = 6, RPCB_UADDR2TADDR = 7, RPCB_TADDR2UADDR = 8, RPCB_GETVERSADDR = 9,
	RPCB_GETADDRLIST = 11, RPCB_GETSTAT = 12,
};

/* Longest netid, universal address and owner this implementation accepts. */
#define RPCB_MAX_STRING 255u
/* RPCBSTAT_HIGHPROC: statistics are kept for procedures 0..12 of versions 2, 3 and 4. */
#define RPCB_STAT_PROCS 13u

onc_status onc__pmap_mapping_encode(onc_xdr_enc *e, const void *v);
onc_status onc__pmap_mapping_decode(onc_xdr_dec *d, void *v);
onc_status onc__rpcb_encode(onc_xdr_enc *e, const void *v);
onc_status onc__rpcb_decode(onc_xdr_dec *d, void *v);
onc_status onc__xdr_u32_decode(onc_xdr_dec *d, void *v);
onc_status onc__xdr_bool_decode(onc_xdr_dec *d, void *v);
onc_status onc__xdr_string_decode(onc_xdr_dec *d, void *v);

/* register.c: the netid ("tcp", "udp6", "local", ...) and universal address (a path for
 * Unix sockets) of one of a server's listeners; false when it has none (a Unix datagram
 * socket). */
#define ONC__UADDR_MAX 108
struct onc__listener;
bool onc__listener_names(const struct onc__listener *l, char netid[8],
			 char uaddr[ONC__UADDR_MAX]);

#endif
