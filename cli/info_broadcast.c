/* onc info -b PROG VERS: NULL of PROG VERS through every rpcbind on this host's IPv4 networks,
 * as rpcinfo -b (libtirpc's rpc_broadcast) does it: to port 111 at each broadcast address of
 * each interface that is up, an rpcbind v3 CALLIT and a portmapper v2 CALLIT, sent at once and
 * again after 4 s; answers are printed as they come, for 12 s in all, one line each,
 * "UADDR<tab>HOST": for a v2 answer, the address that answered with the port it names; for a v3
 * answer, the universal address it names. Answers repeat (once per call answered): rpcinfo's
 * manual says to pipe them through sort and uniq. */
#define _DEFAULT_SOURCE /* getifaddrs, getnameinfo, getentropy */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "info_list.h"
#include "onc/rpc.h"

#define FIRST_WAIT_MS 4000 /* then twice that, as rpc_broadcast waits */
#define MAX_TARGETS 64

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The broadcast addresses of the IPv4 interfaces that are up, port 111 each; how many. */
static int broadcast_targets(struct sockaddr_in out[MAX_TARGETS])
{
	struct ifaddrs *ifs;
	int n = 0;
	if (getifaddrs(&ifs) != 0)
		return 0;
	for (const struct ifaddrs *i = ifs; i && n < MAX_TARGETS; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_broadaddr ||
		    !(i->ifa_flags & IFF_UP) || !(i->ifa_flags & IFF_BROADCAST) ||
		    (i->ifa_flags & IFF_LOOPBACK))
			continue;
		out[n] = *(const struct sockaddr_in *)i->ifa_broadaddr;
		out[n++].sin_port = htons(ONC_PMAP_PORT);
	}
	freeifaddrs(ifs);
	return n;
}

/* A CALLIT of NULL of prog/vers: rpcbind v3's (xid) or the portmapper's (xid + 1). Both carry
 * the same arguments: prog, vers, proc, and no procedure arguments. */
static onc_status callit(onc_xdr_enc *e, uint32_t xid, uint32_t rpcb_vers, uint32_t prog,
			 uint32_t vers)
{
	onc_call_header h = {.xid = xid,
			     .rpcvers = ONC_RPC_VERSION,
			     .prog = ONC_PMAP_PROG,
			     .vers = rpcb_vers,
			     .proc = 5 /* CALLIT, in both versions */};
	ONC_TRY(onc_rpc_encode_call(e, &h));
	ONC_TRY(onc_xdr_put_u32(e, prog));
	ONC_TRY(onc_xdr_put_u32(e, vers));
	ONC_TRY(onc_xdr_put_u32(e, 0));
	return onc_xdr_put_u32(e, 0);
}

/* Prints one answer to the call with xid (v3) or xid + 1 (v2); ignores anything else. */
static void answer(const uint8_t *msg, size_t len, const struct sockaddr_in *from, uint32_t xid)
{
	onc_xdr_dec d;
	onc_reply_header h;
	onc_xdr_dec_init(&d, msg, len, NULL);
	if (onc_rpc_decode_reply(&d, &h) != ONC_OK || onc_rpc_reply_status(&h) != ONC_OK ||
	    (h.xid != xid && h.xid != xid + 1))
		return;
	struct sockaddr_in who = *from;
	char uaddr[300];
	if (h.xid == xid + 1) { /* call_result: the service's port */
		uint32_t port;
		if (onc_xdr_get_u32(&d, &port) != ONC_OK || port > 65535)
			return;
		who.sin_port = htons((uint16_t)port);
		if (onc_uaddr_format((struct sockaddr *)&who, uaddr, sizeof uaddr) != ONC_OK)
			return;
	} else { /* rpcb_rmtcallres: the service's universal address */
		char *addr = NULL;
		uint16_t port;
		if (onc_xdr_get_string(&d, &addr, 255) != ONC_OK)
			return;
		snprintf(uaddr, sizeof uaddr, "%s", addr);
		free(addr);
		/* the host named is that of the address, as rpcinfo names it */
		char host[256];
		const char *dot = strrchr(uaddr, '.');
		size_t host_len = 0;
		if (dot && dot > uaddr)
			for (const char *p = dot - 1; p > uaddr; p--)
				if (*p == '.') {
					host_len = (size_t)(p - uaddr);
					break;
				}
		if (onc_uaddr_port(uaddr, &port) != ONC_OK || host_len == 0 ||
		    host_len >= sizeof host)
			return;
		memcpy(host, uaddr, host_len);
		host[host_len] = '\0';
		if (inet_pton(AF_INET, host, &who.sin_addr) != 1)
			return; /* an IPv6 service answering over IPv4: not named here */
		who.sin_port = htons(port);
	}
	char name[NI_MAXHOST];
	if (getnameinfo((struct sockaddr *)&who, sizeof who, name, sizeof name, NULL, 0, 0) != 0)
		snprintf(name, sizeof name, "unknown");
	printf("%s\t%s\n", uaddr, name);
	fflush(stdout);
}

int info_broadcast(uint32_t prog, uint32_t vers)
{
	struct sockaddr_in to[MAX_TARGETS];
	int ntargets = broadcast_targets(to);
	if (ntargets == 0) {
		/* rpc_broadcast's answer when no transport can broadcast */
		fprintf(stderr, "onc info: broadcast failed: RPC: Unknown protocol\n");
		return 1;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), on = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
		perror("onc info: broadcast socket");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	uint32_t xid;
	if (getentropy(&xid, sizeof xid) != 0)
		xid = (uint32_t)now_ms();
	xid &= ~1u; /* xid for v3, xid + 1 for v2 */
	uint8_t calls[2][128];
	size_t call_len[2];
	for (int i = 0; i < 2; i++) {
		onc_xdr_enc e;
		onc_xdr_enc_init_fixed(&e, calls[i], sizeof calls[i]);
		callit(&e, xid + (uint32_t)i, i == 0 ? 3 : 2, prog, vers);
		call_len[i] = onc_xdr_enc_len(&e);
	}
	for (int wait = FIRST_WAIT_MS; wait <= 2 * FIRST_WAIT_MS; wait *= 2) {
		for (int t = 0; t < ntargets; t++)
			for (int i = 0; i < 2; i++)
				if (sendto(fd, calls[i], call_len[i], 0, (struct sockaddr *)&to[t],
					   sizeof to[t]) < 0)
					perror("onc info: broadcast");
		int64_t end = now_ms() + wait;
		for (int64_t left; (left = end - now_ms()) > 0;) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, (int)left) <= 0)
				continue;
			uint8_t msg[65536];
			struct sockaddr_in from;
			socklen_t from_len = sizeof from;
			ssize_t n =
			    recvfrom(fd, msg, sizeof msg, 0, (struct sockaddr *)&from, &from_len);
			if (n > 0 && from.sin_family == AF_INET)
				answer(msg, (size_t)n, &from, xid);
		}
	}
	close(fd);
	return 0; /* rpcinfo's status when the time is up, answered or not */
}
