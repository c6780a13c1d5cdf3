/* onc info: rpcinfo's job, with rpcinfo's output.
 *   onc info [--port N] -p HOST                 lists the registrations
 *   onc info [--port N] -t|-u HOST PROG [VERS]  calls NULL of each version listed
 *   onc info -n PORT -t|-u HOST PROG [VERS]     the same at PORT, without rpcbind
 *   onc info [--port N] -T NETID HOST PROG [VERS]  over NETID, where rpcbind says
 *   onc info -a UADDR -T NETID PROG [VERS]      at a universal address, without rpcbind
 *   onc info [--port N] -d [-T NETID] PROG VERS removes a registration (this host's rpcbind)
 *   onc info [--port N] [-n PORT] --tls HOST PROG [VERS]  asks each TCP version whether it
 *                                               offers RPC-with-TLS (RFC 9289's probe)
 *   onc info [--port N] [-s|-m] [HOST]         rpcbind's listing, short listing, statistics
 *   onc info [--port N] -l HOST PROG VERS       rpcbind's addresses of PROG VERS
 *   onc info -b PROG VERS                       NULL of PROG VERS broadcast on UDP
 * Without a version, those without rpcbind (and -T) call version 0 and then each version of
 * the range its PROG_MISMATCH names, as rpcinfo does. */
#include <rpc/netdb.h> /* getrpcbynumber: glibc's reader of /etc/rpc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "info_list.h"
#include "onc/rpcbind.h"

const char info_usage[] =
	"  info [--port N] [-s|-m] [-T NETID] [HOST]\n"
	"        HOST's rpcbind registrations (netid, address, service, owner), one line per\n"
	"        program with -s, or rpcbind's statistics with -m; without HOST, this host's\n"
	"        rpcbind on its Unix socket; asked over NETID with -T (but -m)\n"
	"  info [--port N] -l HOST PROG VERS\n"
	"        every address HOST's rpcbind has for PROG VERS (GETADDRLIST)\n"
	"  info -b PROG VERS\n"
	"        broadcast a call of NULL of PROG VERS through every rpcbind on this host's\n"
	"        networks (UDP) and list who answers, for 12 s\n"
	"  info [--port N] -p HOST\n"
	"  info [--port N] -t|-u HOST PROG [VERS]\n"
	"        list HOST's registrations, or call NULL of each version of PROG over TCP\n"
	"        or UDP (rpcinfo's job); PROG is a number or a name from /etc/rpc, numbers\n"
	"        are decimal or 0x hex; N is the portmapper's port (default 111)\n"
	"  info -n PORT -t|-u HOST PROG [VERS]\n"
	"  info [--port N] -T NETID HOST PROG [VERS]\n"
	"  info -a UADDR -T NETID PROG [VERS]\n"
	"        the same at PORT, over NETID (tcp, udp, tcp6, udp6) where rpcbind says,\n"
	"        or at a universal address (h1.h2.h3.h4.p1.p2); without VERS, each version\n"
	"        of the range a call of version 0 is told\n"
	"  info [--port N] -d [-T NETID] PROG VERS\n"
	"        remove PROG VERS (over NETID only, with -T) from this host's rpcbind\n"
	"  info [--port N] --tls HOST PROG [VERS]\n"
	"  info -n PORT --tls HOST PROG VERS\n"
	"        ask each TCP version (or VERS at PORT) whether it offers RPC-with-TLS\n"
	"        (RFC 9289: does it answer the AUTH_TLS probe with STARTTLS?)\n";

/* The program's name from /etc/rpc, as rpcinfo shows it; empty when it is not listed. */
static const char *service_name(uint32_t prog)
{
	const struct rpcent *e = getrpcbynumber((int)prog);
	return e ? e->r_name : "";
}

static int list(const char *pmap)
{
	onc_pmap_mapping *m;
	size_t n;
	onc_status st = onc_pmap_dump(pmap, &m, &n);
	if (st != ONC_OK) {
		fprintf(stderr, "onc info: cannot reach the portmapper at %s: %s\n", pmap,
			onc_strerror(st));
		return 1;
	}
	printf("   program vers proto   port  service\n");
	for (size_t i = 0; i < n; i++) {
		/* no name, no blank before it: rpcinfo's lines end with the port then */
		const char *name = service_name(m[i].prog);
		printf("%10u %4u %5s %6u%s%s\n", m[i].prog, m[i].vers,
		       m[i].prot == ONC_IPPROTO_TCP ? "tcp" : m[i].prot == ONC_IPPROTO_UDP ? "udp" : "?",
		       m[i].port, *name ? "  " : "", name);
	}
	free(m);
	return 0;
}

/* Calls NULL of prog/vers at addr; on PROG_MISMATCH reports the server's range. */
static onc_status ping(const char *addr, uint32_t prog, uint32_t vers, onc_call_error *err)
{
	onc_client_options o = {.timeout_ms = 5000};
	onc_call_opts co = {.error = err};
	onc_status st;
	onc_client *c = onc_client_create(addr, prog, vers, &o, &st);
	if (c)
		st = onc_client_call(c, 0, NULL, NULL, NULL, NULL, &co);
	onc_client_destroy(c);
	return st;
}

/* rpcinfo's lines: "ready and waiting", or "is not available" with the reason on stderr. */
static bool say_ping(uint32_t prog, uint32_t vers, onc_status st, const onc_call_error *err)
{
	if (st == ONC_OK) {
		printf("program %u version %u ready and waiting\n", prog, vers);
		return true;
	}
	fflush(stdout);
	if (st == ONC_ERR_PROG_MISMATCH)
		fprintf(stderr, "onc info: RPC: Program/version mismatch; low version = %u, high "
				"version = %u\n", err->low, err->high);
	else
		fprintf(stderr, "onc info: RPC: %s\n", onc_strerror(st));
	printf("program %u version %u is not available\n", prog, vers);
	return false;
}

/* --tls: the AUTH_TLS probe instead of the NULL call (no handshake, no certificate checked). */
static bool say_tls(const char *addr, uint32_t prog, uint32_t vers)
{
	bool offered = false;
	onc_status st = onc_client_probe_tls(addr, prog, vers, 5000, &offered);
	if (st != ONC_OK)
		return say_ping(prog, vers, st, &(onc_call_error){0});
	printf("program %u version %u %s RPC-with-TLS\n", prog, vers,
	       offered ? "offers" : "does not offer");
	return offered;
}

/* At most this many versions of a program are tried: a portmapper lists what it likes. */
#define MAX_VERSIONS 64

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The distinct versions of prog over prot that the portmapper at pmap lists, sorted, at most
 * MAX_VERSIONS of them (the lowest); -1 when it cannot be asked. Only the versions listed are
 * tried, never the range between them: a hostile portmapper listing 1 and 2^32-1 would
 * otherwise make billions of calls. */
static int listed_versions(const char *pmap, uint32_t prog, uint32_t prot,
			   uint32_t out[MAX_VERSIONS], bool *more)
{
	onc_pmap_mapping *m;
	size_t n, count = 0;
	onc_status st = onc_pmap_dump(pmap, &m, &n);
	if (st != ONC_OK) {
		fprintf(stderr, "onc info: cannot reach the portmapper at %s: %s\n", pmap,
			onc_strerror(st));
		return -1;
	}
	*more = false;
	for (size_t i = 0; i < n; i++) {
		if (m[i].prog != prog || m[i].prot != prot)
			continue;
		size_t j = 0;
		while (j < count && out[j] != m[i].vers)
			j++;
		if (j < count)
			continue; /* listed twice */
		if (count < MAX_VERSIONS) {
			out[count++] = m[i].vers;
			continue;
		}
		/* full: keep the lowest, so that the answer does not depend on the order listed */
		size_t hi = 0;
		for (j = 1; j < count; j++)
			hi = out[j] > out[hi] ? j : hi;
		if (m[i].vers < out[hi])
			out[hi] = m[i].vers;
		*more = true;
	}
	free(m);
	qsort(out, count, sizeof out[0], cmp_u32);
	return (int)count;
}

static int ping_versions(const char *proto, const char *host, const char *pmap, uint32_t prog,
			 const uint32_t *vers, bool tls)
{
	uint32_t prot = proto[0] == 't' ? ONC_IPPROTO_TCP : ONC_IPPROTO_UDP;
	uint32_t versions[MAX_VERSIONS];
	bool more = false;
	int count = 1;
	uint16_t port;
	char addr[160];
	onc_call_error err = {0};
	int failed = 0;

	if (vers) {
		versions[0] = *vers;
	} else {
		count = listed_versions(pmap, prog, prot, versions, &more);
		if (count < 0)
			return 1;
		if (count == 0) {
			fprintf(stderr, "onc info: program %u is not registered for %s\n", prog, proto);
			return 1;
		}
	}
	for (int i = 0; i < count; i++) {
		uint32_t v = versions[i];
		onc_status st = onc_pmap_getport(pmap, prog, v, prot, &port);
		if (st == ONC_OK) {
			arg_uri(addr, sizeof addr, proto, host, port);
			if (tls) {
				failed |= !say_tls(addr, prog, v);
				continue;
			}
			st = ping(addr, prog, v, &err);
		}
		failed |= !say_ping(prog, v, st, &err);
	}
	if (more) {
		fprintf(stderr, "onc info: the portmapper lists more versions of %u; only the lowest "
				"%d were tried\n",
			prog, MAX_VERSIONS);
		failed = 1;
	}
	return failed;
}

/* The versions to call at addr when none is given, as rpcinfo finds them: version 0's
 * PROG_MISMATCH range (its lowest MAX_VERSIONS), or 0 when the server has it; -1 after saying
 * why there are none. */
static int probed_versions(const char *addr, uint32_t prog, uint32_t out[MAX_VERSIONS],
			   bool *more)
{
	onc_call_error err = {0};
	onc_status st = ping(addr, prog, 0, &err);
	*more = false;
	if (st == ONC_OK) {
		out[0] = 0;
		return 1;
	}
	if (st != ONC_ERR_PROG_MISMATCH || err.low > err.high) {
		fprintf(stderr, "onc info: RPC: %s\n", onc_strerror(st));
		return -1;
	}
	int n = 0;
	for (uint64_t v = err.low; v <= err.high && n < MAX_VERSIONS; v++)
		out[n++] = (uint32_t)v;
	*more = (uint64_t)err.high - err.low >= MAX_VERSIONS;
	return n;
}

/* -n, -a and -T: NULL of vers, or of each version the server names, at addr. */
static int ping_at(const char *addr, uint32_t prog, const uint32_t *vers)
{
	uint32_t versions[MAX_VERSIONS];
	bool more = false;
	int count = 1, failed = 0;
	if (vers)
		versions[0] = *vers;
	else if ((count = probed_versions(addr, prog, versions, &more)) < 0)
		return 1;
	for (int i = 0; i < count; i++) {
		onc_call_error err = {0};
		failed |= !say_ping(prog, versions[i], ping(addr, prog, versions[i], &err), &err);
	}
	if (more) {
		fprintf(stderr, "onc info: the server has more versions of %u; only the lowest %d "
				"were tried\n", prog, MAX_VERSIONS);
		failed = 1;
	}
	return failed;
}

/* The transport of an rpcinfo netid: tcp or udp; NULL for one onc does not speak. */
static const char *netid_proto(const char *netid)
{
	if (strcmp(netid, "tcp") == 0 || strcmp(netid, "tcp6") == 0)
		return "tcp";
	if (strcmp(netid, "udp") == 0 || strcmp(netid, "udp6") == 0)
		return "udp";
	fprintf(stderr, "onc info: Could not find %s (tcp, udp, tcp6 or udp6)\n", netid);
	return NULL;
}

/* -T NETID HOST PROG [VERS]: where HOST's rpcbind says the program is on NETID. */
static int ping_netid(const char *netid, const char *host, uint16_t pmap_port, uint32_t prog,
		      const uint32_t *vers)
{
	const char *proto = netid_proto(netid);
	if (!proto)
		return 1;
	uint16_t port;
	/* without a version, rpcbind is asked for version 0: it answers with another's address */
	onc_status st = onc_rpcb_find_port(host, pmap_port, netid, prog, vers ? *vers : 0, 5000,
					   &port);
	if (st != ONC_OK) {
		fprintf(stderr, "onc info: RPC: %s\n",
			st == ONC_ERR_PROG_UNAVAIL ? "Program not registered" : onc_strerror(st));
		return 1;
	}
	char addr[300];
	arg_uri(addr, sizeof addr, proto, host, port);
	return ping_at(addr, prog, vers);
}

/* -a UADDR -T NETID PROG [VERS]: at a universal address ("h1.h2.h3.h4.p1.p2", "::1.p1.p2"). */
static int ping_uaddr(const char *uaddr, const char *netid, uint32_t prog, const uint32_t *vers)
{
	const char *proto = netid_proto(netid);
	if (!proto)
		return 1;
	uint16_t port;
	const char *dot = strrchr(uaddr, '.');
	size_t host_len = 0;
	if (dot && dot > uaddr) {
		const char *p = dot - 1;
		while (p > uaddr && *p != '.')
			p--;
		host_len = (size_t)(p - uaddr);
	}
	if (host_len == 0 || host_len >= 256 || onc_uaddr_port(uaddr, &port) != ONC_OK) {
		fprintf(stderr, "onc info: '%s' is not a universal address (h1.h2.h3.h4.p1.p2)\n",
			uaddr);
		return 1;
	}
	char host[256], addr[300];
	memcpy(host, uaddr, host_len);
	host[host_len] = '\0';
	arg_uri(addr, sizeof addr, proto, host, port);
	return ping_at(addr, prog, vers);
}

/* -d [-T NETID] PROG VERS: through this host's rpcbind, on its Unix socket when it has one (so
 * that it knows who asks, as rpcinfo does), else on TCP at 127.0.0.1. */
static int unregister(uint32_t prog, uint32_t vers, const char *netid, uint16_t pmap_port,
		      bool port_given)
{
	char pmap[160];
	if (!port_given && access(RPCBIND_SOCKET, F_OK) == 0)
		snprintf(pmap, sizeof pmap, "unix://%s", RPCBIND_SOCKET);
	else
		arg_uri(pmap, sizeof pmap, "tcp", "127.0.0.1", pmap_port);
	bool done = false;
	onc_status st = onc_rpcb_unset(pmap, prog, vers, netid ? netid : "", &done);
	if (st != ONC_OK || !done) {
		fprintf(stderr, "onc info: Could not delete registration for prog %u version %u%s%s\n",
			prog, vers, st != ONC_OK ? ": " : "", st != ONC_OK ? onc_strerror(st) : "");
		return 1;
	}
	return 0;
}

/* Says what is wrong and how onc info is used; returns rpcinfo's status for it, 1. */
static int usage_error(const char *text)
{
	arg_usage_error("info", text, info_usage);
	return 1;
}

/* [-s|-m] [-T NETID] [HOST]; -m asks over TCP whatever NETID, as rpcinfo does */
static int listing(char mode, const char *netid, int npos, const char **pos, uint16_t pmap_port)
{
	if (npos > 1)
		return usage_error("a listing takes at most a HOST");
	const char *host = npos ? pos[0] : NULL;
	return mode == 'm' ? info_stat(host, pmap_port)
			   : info_dump(host, netid, pmap_port, mode == 's');
}

/* -l HOST PROG VERS, -b PROG VERS */
static int addrlist_or_broadcast(char mode, int npos, const char **pos, uint16_t pmap_port)
{
	int first = mode == 'l';
	uint32_t prog, vers;
	if (npos != first + 2)
		return usage_error(mode == 'l' ? "-l takes a HOST, a PROG and a VERS"
					       : "-b takes a PROG and a VERS");
	if (!arg_rpcinfo_program(pos[first], &prog) ||
	    !arg_rpcinfo_number("version", pos[first + 1], 0, UINT32_MAX, &vers))
		return 1;
	return mode == 'l' ? info_addrlist(pos[0], pmap_port, prog, vers)
			   : info_broadcast(prog, vers);
}

int cmd_info(int argc, char **argv)
{
	uint32_t pmap_port = ONC_PMAP_PORT, port = 0;
	const char *mode = NULL, *netid = NULL, *uaddr = NULL;
	const char *pos[3]; /* [HOST] PROG [VERS] */
	int npos = 0;
	bool port_given = false, direct = false;
	char pmap[160];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool valued = strcmp(a, "--port") == 0 || strcmp(a, "-n") == 0 ||
			      strcmp(a, "-T") == 0 || strcmp(a, "-a") == 0;
		if (arg_is_help(a)) {
			fputs(info_usage, stdout);
			return 0;
		} else if (valued && i + 1 == argc) {
			char text[64];
			snprintf(text, sizeof text, "%s needs a value", a);
			return usage_error(text);
		} else if (strcmp(a, "--port") == 0) {
			if (!arg_rpcinfo_number("port", argv[++i], 1, 65535, &pmap_port))
				return 1;
			port_given = true;
		} else if (strcmp(a, "-n") == 0) {
			if (!arg_rpcinfo_number("port", argv[++i], 1, 65535, &port))
				return 1;
			direct = true;
		} else if (strcmp(a, "-T") == 0) {
			netid = argv[++i];
		} else if (strcmp(a, "-a") == 0) {
			uaddr = argv[++i];
		} else if (strcmp(a, "-p") == 0 || strcmp(a, "-t") == 0 || strcmp(a, "-u") == 0 ||
			   strcmp(a, "-d") == 0 || strcmp(a, "--tls") == 0 || strcmp(a, "-s") == 0 ||
			   strcmp(a, "-m") == 0 || strcmp(a, "-l") == 0 || strcmp(a, "-b") == 0) {
			if (mode)
				return usage_error("one of -p, -t, -u, -d, --tls, -s, -m, -l and -b");
			mode = a;
		} else if (a[0] == '-' && a[1]) {
			arg_unknown("info", a, info_usage);
			return 1; /* rpcinfo's status */
		} else if (npos == 3) {
			return usage_error("too many arguments");
		} else {
			pos[npos++] = a;
		}
	}
	bool pinging = mode && (mode[1] == 't' || mode[1] == 'u' || mode[1] == '-'); /* --tls */
	bool listed = mode ? mode[1] == 's' || mode[1] == 'm' : !uaddr && npos <= 1;
	if ((direct && !pinging) || (uaddr && !netid) || (uaddr && mode) ||
	    (netid && mode && mode[1] != 'd' && !listed))
		return usage_error("-n goes with -t, -u or --tls, -a with -T, and -T alone or with -a, "
				   "-d, -s or -m");
	if (listed && !direct)
		return listing(mode ? mode[1] : 0, netid, npos, pos, (uint16_t)pmap_port);
	if (!mode && !netid)
		return usage_error(direct ? "-n goes with -t, -u or --tls"
					  : "a listing takes at most a HOST; a call, -T NETID");
	if (mode && (mode[1] == 'l' || mode[1] == 'b'))
		return addrlist_or_broadcast(mode[1], npos, pos, (uint16_t)pmap_port);
	if (mode && mode[1] == 'p') {
		if (npos != 1)
			return usage_error("-p takes a HOST");
		arg_uri(pmap, sizeof pmap, "tcp", pos[0], pmap_port);
		return list(pmap);
	}
	/* -a and -d take no HOST */
	int first = uaddr || (mode && mode[1] == 'd') ? 0 : 1;
	uint32_t prog, vers;
	if (npos < first + 1 || (mode && mode[1] == 'd' && npos != 2))
		return usage_error(first  ? "a HOST and a PROG are needed"
				   : mode ? "-d takes a PROG and a VERS"
					  : "-a takes a PROG");
	if (!arg_rpcinfo_program(pos[first], &prog) ||
	    (npos == first + 2 &&
	     !arg_rpcinfo_number("version", pos[first + 1], 0, UINT32_MAX, &vers)))
		return 1;
	const uint32_t *v = npos == first + 2 ? &vers : NULL;
	if (mode && mode[1] == 'd')
		return unregister(prog, vers, netid, (uint16_t)pmap_port, port_given);
	if (uaddr)
		return ping_uaddr(uaddr, netid, prog, v);
	if (netid)
		return ping_netid(netid, pos[0], (uint16_t)pmap_port, prog, v);
	bool tls = mode[1] == '-'; /* --tls: TCP, the AUTH_TLS probe */
	const char *proto = mode[1] == 'u' ? "udp" : "tcp";
	if (direct && tls && !v)
		return usage_error("-n with --tls takes a VERS");
	if (direct) {
		char addr[300];
		arg_uri(addr, sizeof addr, proto, pos[0], port);
		return tls ? !say_tls(addr, prog, *v) : ping_at(addr, prog, v);
	}
	arg_uri(pmap, sizeof pmap, proto, pos[0], pmap_port);
	return ping_versions(proto, pos[0], pmap, prog, v, tls);
}
