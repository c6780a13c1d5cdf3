/* Internal to lib/rpcbind: what the embedded rpcbind's GETSTAT reports, counted as rpcbind
 * 1.2.6 counts it (its rpcb_stat.c): per protocol version, the calls to each procedure, the
 * successful SETs and UNSETs, the lookups of each prog/vers/netid (GETPORT, GETADDR,
 * GETVERSADDR, GETADDRLIST) and the forwarded calls to each prog/vers/proc/netid (CALLIT,
 * INDIRECT), each list keeping its 4,096 most recent. The caller serializes (rpcbind's mu). */
#ifndef ONC_RPCBIND_STATS_H
#define ONC_RPCBIND_STATS_H

#include "codec.h"

typedef struct onc__lookup_stat {
	uint32_t prog, vers;
	int32_t success, failure;
	char netid[8];
} onc__lookup_stat;

typedef struct onc__forward_stat {
	uint32_t prog, vers, proc;
	int32_t success, failure, indirect;
	char netid[8];
} onc__forward_stat;

typedef struct onc__version_stats {
	uint32_t calls[RPCBSTAT_HIGHPROC];
	uint32_t sets, unsets;
	onc__lookup_stat *lookups; /* oldest first */
	size_t nlookups;
	onc__forward_stat *forwards; /* oldest first */
	size_t nforwards;
} onc__version_stats;

typedef struct onc__rpcb_stats {
	onc__version_stats v[RPCBVERS_STAT]; /* versions 2, 3, 4 */
} onc__rpcb_stats;

/* A call to proc of rpcbind version vers (2 to 4). */
void onc__stats_call(onc__rpcb_stats *s, uint32_t vers, uint32_t proc);
/* A SET (set) or UNSET, counted when it did what it was asked (ok). */
void onc__stats_change(onc__rpcb_stats *s, uint32_t vers, bool set, bool ok);
/* A lookup of prog/pvers by a caller on netid, which found an address (found) or not. */
void onc__stats_lookup(onc__rpcb_stats *s, uint32_t vers, uint32_t prog, uint32_t pvers,
		       const char *netid, bool found);
/* A forward of prog/pvers/proc for a caller on netid, which is registered (found) or not;
 * indirect for RPCBPROC_INDIRECT. */
void onc__stats_forward(onc__rpcb_stats *s, uint32_t vers, uint32_t prog, uint32_t pvers,
			uint32_t proc, const char *netid, bool found, bool indirect);
/* GETSTAT's answer, the lists most recent first as rpcbind sends them, their nodes taken
 * from arena; they point into s, so they are encoded before s changes. */
onc_status onc__stats_fill(const onc__rpcb_stats *s, onc__rpcb_stat_byvers out, onc_arena *arena);
void onc__stats_free(onc__rpcb_stats *s);

#endif
