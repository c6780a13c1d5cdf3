/* A server's registration with the host's portmapper: every program version on every TCP and
 * UDP listener is SET when the server starts running and UNSET when it stops. The server
 * knows nothing of rpcbind; it runs the hooks set here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "../server/internal.h"
#include "codec.h"

bool onc__listener_names(const onc__listener *l, char netid[8], char uaddr[ONC__UADDR_MAX])
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr;
	if (sa->sa_family == AF_UNIX) {
		snprintf(netid, 8, "local");
		return l->stream && snprintf(uaddr, ONC__UADDR_MAX, "%s",
					     ((const struct sockaddr_un *)sa)->sun_path) <
					    ONC__UADDR_MAX;
	}
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return false;
	snprintf(netid, 8, "%s%s", l->stream ? "tcp" : "udp", sa->sa_family == AF_INET6 ? "6" : "");
	return onc_uaddr_format(sa, uaddr, ONC__UADDR_MAX) == ONC_OK;
}

/* Registers (or removes) every program version on every TCP/UDP listener (Unix sockets are
 * not registered, as libtirpc's servers do not register theirs): rpcbind v4 or v3
 * SET with netid and universal address, or portmapper v2 SET for IPv4 when that is all the
 * host's portmapper speaks. */
static onc_status update(onc_server *s, const char *pmap, bool set)
{
	for (size_t p = 0; p < s->nprogs; p++) {
		uint32_t prog = s->progs[p].prog, vers = s->progs[p].vers;
		bool done;
		if (!set) {
			if (onc_rpcb_unset(pmap, prog, vers, "", &done) == ONC_ERR_PROG_MISMATCH)
				onc_pmap_unset(pmap, prog, vers, &done);
			continue;
		}
		for (size_t i = 0; i < s->nlisteners; i++) {
			const onc__listener *l = &s->listeners[i];
			char netid[8], uaddr[ONC__UADDR_MAX];
			if (!onc__listener_names(l, netid, uaddr) || strcmp(netid, "local") == 0)
				continue;
			onc_rpcb r = {prog, vers, netid, uaddr, "onc"};
			onc_pmap_mapping m = {prog, vers, l->stream ? ONC_IPPROTO_TCP : ONC_IPPROTO_UDP,
					      l->port};
			onc_status st = onc_rpcb_set(pmap, &r, &done);
			if (st == ONC_ERR_PROG_MISMATCH && !strchr(netid, '6'))
				st = onc_pmap_set(pmap, &m, &done);
			ONC_TRY(st);
			if (!done)
				return ONC_ERR_ADDRESS; /* refused: already registered elsewhere */
		}
	}
	return ONC_OK;
}

static onc_status on_start(onc_server *s, void *pmap)
{
	update(s, pmap, false); /* a stale registration of an earlier run */
	return update(s, pmap, true);
}

static void on_stop(onc_server *s, void *pmap)
{
	update(s, pmap, false);
}

onc_status onc_server_use_portmapper(onc_server *s, const char *pmap)
{
	onc__server_hooks h = {.start = on_start, .stop = on_stop, .free = free, .ctx = strdup(pmap)};
	if (!h.ctx)
		return ONC_ERR_NOMEM;
	onc__server_set_hooks(s, &h);
	return ONC_OK;
}
