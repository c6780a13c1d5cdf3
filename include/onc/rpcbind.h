/* onc — portmapper v2 and rpcbind v3/v4 (RFC 1833): client calls and an embedded service. */
#ifndef ONC_RPCBIND_H
#define ONC_RPCBIND_H

#include "onc/client.h"
#include "onc/server.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ONC_PMAP_PROG 100000u
#define ONC_PMAP_PORT 111u
#define ONC_IPPROTO_TCP 6u
#define ONC_IPPROTO_UDP 17u

/* Portmapper v2 mapping. */
typedef struct onc_pmap_mapping {
	uint32_t prog, vers, prot, port;
} onc_pmap_mapping;

/* rpcbind v3/v4 registration: netid "tcp", "udp", "tcp6", "udp6", "local"; addr a universal
 * address such as "127.0.0.1.8.1" (port 2049). */
typedef struct onc_rpcb {
	uint32_t prog, vers;
	char *netid, *addr, *owner;
} onc_rpcb;

/* Client side. pmap is the portmapper's address, e.g. "udp://127.0.0.1:111"; each call
 * gives up after 5 s. */
ONC_API onc_status onc_pmap_getport(const char *pmap, uint32_t prog, uint32_t vers, uint32_t prot,
				    uint16_t *port);
ONC_API onc_status onc_pmap_set(const char *pmap, const onc_pmap_mapping *m, bool *done);
ONC_API onc_status onc_pmap_unset(const char *pmap, uint32_t prog, uint32_t vers, bool *done);
/* The registrations, malloc'd: free(*list). */
ONC_API onc_status onc_pmap_dump(const char *pmap, onc_pmap_mapping **list, size_t *n);
/* rpcbind v3/v4 GETADDR (rpcb_vers 3 or 4): *uaddr malloc'd, "" when not registered. */
ONC_API onc_status onc_rpcb_getaddr(const char *pmap, uint32_t rpcb_vers, uint32_t prog,
				    uint32_t vers, const char *netid, char **uaddr);

/* rpcbind v3/v4 DUMP (rpcb_vers 3 or 4): the registrations with their netids, universal
 * addresses and owners, as one malloc'd block (the array and its strings): free(*list). */
ONC_API onc_status onc_rpcb_dump(const char *pmap, uint32_t rpcb_vers, onc_rpcb **list,
				 size_t *n);

/* One transport of an rpcbind v4 GETADDRLIST answer. */
typedef struct onc_rpcb_entry {
	char *maddr;        /* the universal address, merged for the caller */
	char *netid;        /* "tcp", "udp6", "local"... */
	uint32_t semantics; /* 1 connectionless (clts), 2 cots, 3 cots_ord */
	char *protofmly;    /* "inet", "inet6", "loopback" */
	char *proto;        /* "tcp", "udp", "-" */
} onc_rpcb_entry;

/* rpcbind v4 GETADDRLIST: every transport r->prog/r->vers is registered on (r->netid and
 * r->addr say how the caller reached rpcbind, r->owner is ignored), as one malloc'd block:
 * free(*list). */
ONC_API onc_status onc_rpcb_getaddrlist(const char *pmap, const onc_rpcb *r,
					onc_rpcb_entry **list, size_t *n);

/* rpcbind v4 GETSTAT: what one protocol version (2, 3, 4) was asked. */
#define ONC_RPCB_STAT_PROCS 13 /* procedures counted: 0 to GETSTAT (12) */
typedef struct onc_rpcb_addr_stat { /* lookups (GETPORT, GETADDR) of one prog/vers/netid */
	uint32_t prog, vers;
	int32_t success, failure;
	char *netid;
} onc_rpcb_addr_stat;
typedef struct onc_rpcb_call_stat { /* forwarded calls (CALLIT, INDIRECT) to one procedure */
	uint32_t prog, vers, proc;
	int32_t success, failure, indirect;
	char *netid;
} onc_rpcb_call_stat;
typedef struct onc_rpcb_stat {
	int32_t calls[ONC_RPCB_STAT_PROCS]; /* calls per procedure */
	int32_t sets, unsets;               /* successful SETs and UNSETs */
	onc_rpcb_addr_stat *addrs;          /* most recent first, as rpcbind lists them */
	size_t naddrs;
	onc_rpcb_call_stat *forwards;
	size_t nforwards;
} onc_rpcb_stat;

/* rpcbind v4 GETSTAT: (*stats)[0], [1] and [2] for versions 2, 3 and 4, as one malloc'd
 * block (the three, their lists and strings): free(*stats). */
ONC_API onc_status onc_rpcb_getstat(const char *pmap, onc_rpcb_stat **stats);

/* Where prog/vers listens on host ("127.0.0.1", "[::1]", "server.example") for netid "tcp",
 * "udp", "tcp6" or "udp6": asks the rpcbind at host:pmap_port (0: port 111) with v4 GETADDR,
 * then v3, then portmapper v2 GETPORT, as rpcinfo does, all within timeout_ms (0: 25 s, a
 * client's default; onc_client_create() passes the client's timeout). ONC_ERR_PROG_UNAVAIL
 * when it is not registered. */
ONC_API onc_status onc_rpcb_find_port(const char *host, uint16_t pmap_port, const char *netid,
				      uint32_t prog, uint32_t vers, int timeout_ms,
				      uint16_t *port);

/* rpcbind v4 (then v3) SET and UNSET; UNSET with an empty netid removes every transport.
 * ONC_ERR_PROG_MISMATCH when the peer is a portmapper that only speaks version 2. */
ONC_API onc_status onc_rpcb_set(const char *pmap, const onc_rpcb *r, bool *done);
ONC_API onc_status onc_rpcb_unset(const char *pmap, uint32_t prog, uint32_t vers, const char *netid,
				  bool *done);

/* Registers every program version on every TCP and UDP listener of s with the portmapper at
 * pmap (e.g. "udp://127.0.0.1:111") when onc_server_run() starts, and removes them when it
 * stops. Call after the listeners and programs are set up. */
ONC_API onc_status onc_server_use_portmapper(onc_server *s, const char *pmap);

/* Universal addresses (RFC 5665): "h1.h2.h3.h4.p1.p2" and "x:x::x.p1.p2". */
ONC_API onc_status onc_uaddr_port(const char *uaddr, uint16_t *port);
/* The universal address of an AF_INET or AF_INET6 socket address; cap >= 64. */
ONC_API onc_status onc_uaddr_format(const struct sockaddr *sa, char *out, size_t cap);

/* The embedded rpcbind service: a registration table served as program 100000, versions 2, 3
 * and 4, by any onc_server. As the system's rpcbind:
 *   - only callers on this host (loopback or Unix socket) may SET and UNSET;
 *   - a registration's owner is its caller: on a Unix socket "superuser" for root and the
 *     uid in decimal for others (SO_PEERCRED), over TCP and UDP "unknown" (the owner named in
 *     the call is not believed); only the owner or root removes it, and rpcbind's own are
 *     root's;
 * and beyond it:
 *   - one owner other than root holds at most 256 of the table's 4,096 registrations;
 *   - over UDP, a caller on another host gets no reply larger than its call (none at all
 *     instead), so that rpcbind cannot amplify a reflection attack: DUMP and GETSTAT, for
 *     one, only answer such callers over TCP.
 * CALLIT/INDIRECT are refused (PROC_UNAVAIL) unless allowed: they amplify traffic. */
typedef struct onc_rpcbind onc_rpcbind;

ONC_API onc_rpcbind *onc_rpcbind_create(onc_status *status);
/* After the server that serves rb has stopped (its forwarded calls are all ended by then). */
ONC_API void onc_rpcbind_destroy(onc_rpcbind *rb);
/* Serves CALLIT (v2, v3) and INDIRECT (v4): the call is forwarded over UDP to the service
 * registered on this host, and its results are returned with its address. Call before the
 * server runs. Forwards are deferred calls (no thread waits for them) answered by a thread
 * of rb's own; at most 64 are in flight, each for at most 2 s, and a CALLIT beyond that, or
 * one that fails or times out, gets no reply (RFC 1833: CALLIT is silent on errors; INDIRECT
 * is answered PROG_UNAVAIL or SYSTEM_ERR when the program is not registered or its service
 * answers with an error). ONC_ERR_IO when the thread or its socket cannot be made. */
ONC_API onc_status onc_rpcbind_allow_callit(onc_rpcbind *rb);
/* Registers the service's three versions with srv, and lists srv's listeners (call it after
 * onc_server_listen) in the table as rpcbind lists itself: portmapper v2 on tcp and udp
 * (IPv4), versions 3 and 4 on those and on tcp6, udp6 and local (a Unix socket, by path). */
ONC_API onc_status onc_rpcbind_attach(onc_rpcbind *rb, onc_server *srv);

/* Warm start, as rpcbind -w: the table saved when rpcbind stops and restored when it starts
 * again, so that services need not register again. The files are rpcbind's own, in dir:
 * rpcbind.xdr (an rpcblist: every registration with its owner) and portmap.xdr (a pmaplist),
 * so that onc rpcbind and rpcbind 1.2.6 (-w, dir /run/rpcbind) take over each other's tables.
 *
 * onc_rpcbind_save writes both, each to a temporary file in dir first, then renamed over
 * the old one (a crash leaves the old file or the new, never half of one); mode 0600, and
 * written by root in a directory of another user's, that user's (rpcbind reads its files as
 * _rpc, the owner of its /run/rpcbind). ONC_ERR_IO (errno says why) when dir cannot be
 * written.
 *
 * onc_rpcbind_restore reads dir/rpcbind.xdr into rb (call it after onc_rpcbind_attach,
 * before the server runs) and removes both files, as rpcbind does: what is restored is
 * saved again at the next stop. Registrations of the portmapper itself are skipped (rb
 * lists its own listeners), and so are those the table refuses (full, over an owner's
 * quota, a netid or address too long for it, a second address for the same program,
 * version and netid): *restored counts those added, *skipped those refused. No file:
 * ONC_OK, nothing restored. A file that cannot be restored restores nothing and is kept, renamed
 * to rpcbind.xdr.corrupt, so that the next save does not overwrite it; its status says why:
 * not an rpcblist (ONC_ERR_TRUNCATED, ONC_ERR_TRAILING_DATA, ONC_ERR_TOO_LONG,
 * ONC_ERR_BAD_VALUE), larger than 4 MiB (ONC_ERR_RECORD_TOO_BIG), writable by group or
 * others (ONC_ERR_IO, errno EPERM: anyone could have planted registrations), unreadable
 * (ONC_ERR_IO, errno says why).
 */
ONC_API onc_status onc_rpcbind_save(onc_rpcbind *rb, const char *dir);
ONC_API onc_status onc_rpcbind_restore(onc_rpcbind *rb, const char *dir, size_t *restored,
				       size_t *skipped);

#ifdef __cplusplus
}
#endif

#endif
