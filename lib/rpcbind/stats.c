/* The embedded rpcbind's GETSTAT counts (stats.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* Each list's length, as rpcbind's MAX_STAT_BUCKETS: a new entry beyond it pushes out the
 * oldest. */
#define MAX_STAT_ENTRIES 4096u

void onc__stats_call(onc__rpcb_stats *s, uint32_t vers, uint32_t proc)
{
	if (proc < RPCBSTAT_HIGHPROC)
		s->v[vers - 2].calls[proc]++;
}

void onc__stats_change(onc__rpcb_stats *s, uint32_t vers, bool set, bool ok)
{
	if (ok && set)
		s->v[vers - 2].sets++;
	else if (ok)
		s->v[vers - 2].unsets++;
}

/* A new entry at the end of list (n of them, each of size bytes), the oldest pushed out when
 * it is full; NULL when memory runs out (the call then goes uncounted). */
static void *append(void **list, size_t *n, size_t size)
{
	char *l = *list;
	if (*n == MAX_STAT_ENTRIES) {
		memmove(l, l + size, (*n - 1) * size);
		return l + (*n - 1) * size;
	}
	/* grows by doubling from 4: it is full when n is 4 or a higher power of two */
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		l = realloc(l, (*n ? *n * 2 : 4) * size);
		if (!l)
			return NULL;
		*list = l;
	}
	return l + (*n)++ * size;
}

void onc__stats_lookup(onc__rpcb_stats *s, uint32_t vers, uint32_t prog, uint32_t pvers,
		       const char *netid, bool found)
{
	onc__version_stats *v = &s->v[vers - 2];
	onc__lookup_stat *e = NULL;
	for (size_t i = 0; i < v->nlookups && !e; i++)
		if (v->lookups[i].prog == prog && v->lookups[i].vers == pvers &&
		    strcmp(v->lookups[i].netid, netid) == 0)
			e = &v->lookups[i];
	if (!e) {
		if (!(e = append((void **)&v->lookups, &v->nlookups, sizeof *e)))
			return;
		*e = (onc__lookup_stat){.prog = prog, .vers = pvers};
		snprintf(e->netid, sizeof e->netid, "%s", netid);
	}
	if (found)
		e->success++;
	else
		e->failure++;
}

void onc__stats_forward(onc__rpcb_stats *s, uint32_t vers, uint32_t prog, uint32_t pvers,
			uint32_t proc, const char *netid, bool found, bool indirect)
{
	onc__version_stats *v = &s->v[vers - 2];
	onc__forward_stat *e = NULL;
	for (size_t i = 0; i < v->nforwards && !e; i++)
		if (v->forwards[i].prog == prog && v->forwards[i].vers == pvers &&
		    v->forwards[i].proc == proc && strcmp(v->forwards[i].netid, netid) == 0)
			e = &v->forwards[i];
	if (!e) {
		if (!(e = append((void **)&v->forwards, &v->nforwards, sizeof *e)))
			return;
		/* a new entry starts with indirect 1 whichever the call, as rpcbind 1.2.6's */
		*e = (onc__forward_stat){.prog = prog, .vers = pvers, .proc = proc, .indirect = 1};
		snprintf(e->netid, sizeof e->netid, "%s", netid);
	} else if (indirect) {
		e->indirect++;
	}
	if (found)
		e->success++;
	else
		e->failure++;
}

onc_status onc__stats_fill(const onc__rpcb_stats *s, onc__rpcb_stat_byvers out, onc_arena *arena)
{
	memset(out, 0, sizeof(onc__rpcb_stat_byvers));
	for (int i = 0; i < RPCBVERS_STAT; i++) {
		onc__rpcb_stat *b = &out[i];
		for (unsigned p = 0; p < RPCBSTAT_HIGHPROC; p++)
			b->info[p] = (int32_t)s->v[i].calls[p];
		b->setinfo = (int32_t)s->v[i].sets;
		b->unsetinfo = (int32_t)s->v[i].unsets;
		/* each list linked newest first */
		for (size_t j = 0; j < s->v[i].nlookups; j++) {
			const onc__lookup_stat *e = &s->v[i].lookups[j];
			onc__rpcbs_addrlist *node = onc_arena_alloc(arena, sizeof *node);
			if (!node)
				return ONC_ERR_NOMEM;
			*node = (onc__rpcbs_addrlist){e->prog, e->vers, e->success, e->failure,
						      (char *)e->netid, b->addrinfo};
			b->addrinfo = node;
		}
		for (size_t j = 0; j < s->v[i].nforwards; j++) {
			const onc__forward_stat *e = &s->v[i].forwards[j];
			onc__rpcbs_rmtcalllist *node = onc_arena_alloc(arena, sizeof *node);
			if (!node)
				return ONC_ERR_NOMEM;
			*node = (onc__rpcbs_rmtcalllist){e->prog,     e->vers,     e->proc,
							 e->success,  e->failure,  e->indirect,
							 (char *)e->netid, b->rmtinfo};
			b->rmtinfo = node;
		}
	}
	return ONC_OK;
}

void onc__stats_free(onc__rpcb_stats *s)
{
	for (int i = 0; i < RPCBVERS_STAT; i++) {
		free(s->v[i].lookups);
		free(s->v[i].forwards);
	}
}
