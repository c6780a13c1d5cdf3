/* onc info's rpcbind listings, in rpcinfo's formats:
 *   onc info [HOST]            rpcbind v3 DUMP: netid, address, service and owner
 *   onc info -s [HOST]         the same, one line per program
 *   onc info -m [HOST]         rpcbind v4 GETSTAT
 *   onc info -l HOST PROG VERS rpcbind v4 GETADDRLIST
 * Without a HOST, this host's rpcbind is asked on its Unix socket, as rpcinfo does. */
#define _DEFAULT_SOURCE /* getaddrinfo */
#include <netdb.h>
#include <rpc/netdb.h> /* getrpcbynumber: glibc's reader of /etc/rpc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "info_list.h"

/* The program's name from /etc/rpc, or rpcinfo's "-". */
static const char *service_or_dash(uint32_t prog)
{
	const struct rpcent *e = getrpcbynumber((int)prog);
	return e ? e->r_name : "-";
}

const char *info_rpc_error(onc_status st)
{
	switch (st) {
	case ONC_ERR_CONNREFUSED:
		return "Unable to receive; errno = Connection refused";
	case ONC_ERR_TIMEDOUT:
		return "Timed out";
	case ONC_ERR_PROG_UNAVAIL:
		return "Program unavailable";
	case ONC_ERR_PROG_MISMATCH:
		return "Program/version mismatch";
	case ONC_ERR_PROC_UNAVAIL:
		return "Procedure unavailable";
	case ONC_ERR_GARBAGE_ARGS:
		return "Server can't decode arguments";
	case ONC_ERR_SYSTEM_ERR:
		return "Remote system error";
	case ONC_ERR_AUTH:
		return "Authentication error";
	default:
		return onc_strerror(st);
	}
}

bool info_rpcbind_addr(char *out, size_t cap, const char *host, uint16_t port)
{
	if (host) {
		arg_uri(out, cap, "tcp", host, port);
		return true;
	}
	if (access(RPCBIND_SOCKET, F_OK) != 0) {
		/* rpcinfo's words when connect() finds no socket */
		fprintf(stderr, "onc info: can't contact rpcbind: RPC: Remote system error - No "
				"such file or directory\n");
		return false;
	}
	snprintf(out, cap, "unix://%s", RPCBIND_SOCKET);
	return true;
}

/* rpcinfo's two kinds of failure: an address that does not resolve is said as a failed client
 * creation, the rest as a failed call. Returns rpcinfo's status, 1. */
static int cannot_contact(onc_status st)
{
	if (st == ONC_ERR_ADDRESS)
		fprintf(stderr, "onc info: can't contact rpcbind: RPC: (unknown error code)\n");
	else
		fprintf(stderr, "onc info: can't contact rpcbind: : RPC: %s\n", info_rpc_error(st));
	return 1;
}

/* DUMP as rpcinfo asks it: version 3, then 4, then the portmapper's DUMP as rpcbind entries
 * (owner "unknown"), when the peer does not speak the newer version. */
static onc_status dump(const char *pmap, onc_rpcb **list, size_t *n)
{
	onc_status st = onc_rpcb_dump(pmap, 3, list, n);
	if (st == ONC_ERR_PROG_MISMATCH || st == ONC_ERR_PROG_UNAVAIL)
		st = onc_rpcb_dump(pmap, 4, list, n);
	if (st != ONC_ERR_PROG_MISMATCH && st != ONC_ERR_PROG_UNAVAIL)
		return st;
	onc_pmap_mapping *m;
	ONC_TRY(onc_pmap_dump(pmap, &m, n));
	/* one block, as onc_rpcb_dump's: the entries, then their addresses */
	size_t addr_len = sizeof "255.255.255.255.255.255";
	*list = malloc(*n * (sizeof **list + addr_len) + 1);
	if (!*list) {
		free(m);
		return ONC_ERR_NOMEM;
	}
	char *addrs = (char *)(*list + *n);
	for (size_t i = 0; i < *n; i++) {
		char *a = addrs + i * addr_len;
		snprintf(a, addr_len, "0.0.0.0.%u.%u", m[i].port >> 8 & 255, m[i].port & 255);
		(*list)[i] = (onc_rpcb){m[i].prog, m[i].vers,
					m[i].prot == ONC_IPPROTO_UDP ? "udp" : "tcp", a, "unknown"};
	}
	free(m);
	return ONC_OK;
}

static void print_long(const onc_rpcb *r, size_t n)
{
	printf("   program version netid     address                service    owner\n");
	for (size_t i = 0; i < n; i++)
		printf("%10u%5u    %-9s %-22s %-10s %s\n", r[i].prog, r[i].vers, r[i].netid,
		       r[i].addr, service_or_dash(r[i].prog), r[i].owner);
}

/* -s: one line per program, in the order first listed; its versions and netids each once, the
 * last listed first, and the owner of its first entry (rpcinfo's order). */
static void print_short(const onc_rpcb *r, size_t n)
{
	printf("   program version(s) netid(s)                         service     "
	       "owner\n");
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < i && r[j].prog != r[i].prog)
			j++;
		if (j < i)
			continue; /* printed with its first */
		int len = 0;
		printf("%10u  ", r[i].prog);
		for (size_t k = n; k-- > i;) {
			bool seen = false; /* listed before k */
			for (size_t l = i; l < k && !seen; l++)
				seen = r[l].prog == r[i].prog && r[l].vers == r[k].vers;
			if (r[k].prog == r[i].prog && !seen)
				len += printf("%s%d", len ? "," : "", (int)r[k].vers);
		}
		printf("%*s", len < 10 ? 10 - len : 1, " ");
		char netids[256] = "";
		for (size_t k = n; k-- > i;) {
			bool seen = false;
			for (size_t l = i; l < k && !seen; l++)
				seen =
				    r[l].prog == r[i].prog && strcmp(r[l].netid, r[k].netid) == 0;
			if (r[k].prog != r[i].prog || seen)
				continue;
			size_t used = strlen(netids);
			snprintf(netids + used, sizeof netids - used, "%s%s", used ? "," : "",
				 r[k].netid);
		}
		printf("%-32s %-11s %s\n", netids, service_or_dash(r[i].prog), r[i].owner);
	}
}

/* HOST's rpcbind over netid, as rpcinfo -T NETID HOST asks it: pmap its address; false after
 * saying why there is none. */
static bool rpcbind_over(char *pmap, size_t cap, const char *host, const char *netid,
			 uint16_t pmap_port)
{
	bool v6 = strcmp(netid, "tcp6") == 0 || strcmp(netid, "udp6") == 0;
	if (!v6 && strcmp(netid, "tcp") != 0 && strcmp(netid, "udp") != 0) {
		fprintf(stderr, "onc info: invalid transport: Netid not found in netconfig database\n");
		return false;
	}
	struct addrinfo hints = {.ai_family = v6 ? AF_INET6 : AF_INET}, *ai;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0) {
		fprintf(stderr, "onc info: can't contact rpcbind: RPC: Unknown host\n");
		return false;
	}
	freeaddrinfo(ai);
	arg_uri(pmap, cap, netid[0] == 'u' ? "udp" : "tcp", host, pmap_port);
	return true;
}

int info_dump(const char *host, const char *netid, uint16_t pmap_port, bool brief)
{
	char pmap[300];
	onc_rpcb *list;
	size_t n;
	if (host && netid ? !rpcbind_over(pmap, sizeof pmap, host, netid, pmap_port)
			  : !info_rpcbind_addr(pmap, sizeof pmap, host, pmap_port))
		return 1;
	onc_status st = dump(pmap, &list, &n);
	if (st != ONC_OK)
		return cannot_contact(st);
	if (n == 0)
		printf("No remote programs registered.\n");
	else if (brief)
		print_short(list, n);
	else
		print_long(list, n);
	free(list);
	return 0;
}

/* rpcinfo's table of one version's counts: a row of names, then a row of counts, each in a
 * column of whole tab stops wide enough for its count ("done/asked" for SET, UNSET, GETADDR and
 * CALLIT). */
static void print_counts(const char *const *names, int from, int to, const onc_rpcb_stat *s,
			 const int32_t counts[])
{
	char row[512];
	size_t used = 0;
	for (int p = from; p <= to; p++) {
		char field[64];
		int32_t done = -1;
		if (p == 1)
			done = s->sets;
		else if (p == 2)
			done = s->unsets;
		else if (p == 3 || p == 5) {
			done = 0;
			if (p == 3)
				for (size_t i = 0; i < s->naddrs; i++)
					done += s->addrs[i].success;
			else
				for (size_t i = 0; i < s->nforwards; i++)
					done += s->forwards[i].success;
		}
		if (done >= 0)
			snprintf(field, sizeof field, "%d/%d", done, counts[p]);
		else
			snprintf(field, sizeof field, "%d", counts[p]);
		int width = 8 * (1 + (int)strlen(field) / 8);
		printf("%-*s", width, names[p]);
		used += (size_t)snprintf(row + used, sizeof row - used, "%-*s", width, field);
	}
	printf("\n%s\n", row);
}

static void print_forwards(const onc_rpcb_stat *s, bool v4)
{
	printf(v4 ? "prog\t\tvers\tproc\tnetid\tindirect success failure\n"
		  : "prog\t\tvers\tproc\tnetid\tsuccess\tfailure\n");
	for (size_t i = 0; i < s->nforwards; i++) {
		const onc_rpcb_call_stat *f = &s->forwards[i];
		const struct rpcent *e = getrpcbynumber((int)f->prog);
		if (e)
			printf("%-16s", e->r_name);
		else
			printf("%-16d", (int)f->prog);
		printf("%d\t%d\t%s\t", (int)f->vers, (int)f->proc, f->netid);
		if (v4)
			printf("%d\t ", f->indirect);
		printf("%d\t%d\n", f->success, f->failure);
	}
}

static void print_lookups(const onc_rpcb_stat *s)
{
	printf("prog\t\tvers\tnetid\t  success\tfailure\n");
	for (size_t i = 0; i < s->naddrs; i++) {
		const onc_rpcb_addr_stat *a = &s->addrs[i];
		const struct rpcent *e = getrpcbynumber((int)a->prog);
		if (e)
			printf("%-16s", e->r_name);
		else
			printf("%-16d", (int)a->prog);
		printf("%d\t%s\t  %-12d\t%d\n", (int)a->vers, a->netid, a->success, a->failure);
	}
}

int info_stat(const char *host, uint16_t pmap_port)
{
	static const char *const names[ONC_RPCB_STAT_PROCS] = {"NULL",    "SET",     "UNSET",
							       "GETADDR", "DUMP",    "CALLIT",
							       "TIME",    "U2T",     "T2U",
							       "VERADDR", "INDRECT", "GETLIST",
							       "GETSTAT"};
	static const char *const pmap_names[] = {"NULL",    "SET",  "UNSET",
						 "GETPORT", "DUMP", "CALLIT"};
	char pmap[300];
	onc_rpcb_stat *s;
	if (!info_rpcbind_addr(pmap, sizeof pmap, host, pmap_port))
		return 1;
	onc_status st = onc_rpcb_getstat(pmap, &s);
	if (st != ONC_OK)
		return cannot_contact(st);

	printf("PORTMAP (version 2) statistics\n");
	print_counts(pmap_names, 0, 5, &s[0], s[0].calls);
	printf("\n");
	if (s[0].calls[5]) {
		printf("PMAP_RMTCALL call statistics\n");
		print_forwards(&s[0], false);
		printf("\n");
	}
	if (s[0].calls[3]) {
		printf("PMAP_GETPORT call statistics\n");
		print_lookups(&s[0]);
		printf("\n");
	}
	printf("RPCBIND (version 3) statistics\n");
	print_counts(names, 0, 8, &s[1], s[1].calls);
	printf("\n");
	if (s[1].calls[5]) {
		printf("RPCB_RMTCALL (version 3) call statistics\n");
		print_forwards(&s[1], false);
		printf("\n");
	}
	if (s[1].calls[3]) {
		printf("RPCB_GETADDR (version 3) call statistics\n");
		print_lookups(&s[1]);
		printf("\n");
	}
	/* rpcbind counts GETADDRLIST's lookups as GETADDR's: rpcinfo adds its calls there */
	int32_t v4[ONC_RPCB_STAT_PROCS];
	memcpy(v4, s[2].calls, sizeof v4);
	v4[3] += v4[11];
	printf("RPCBIND (version 4) statistics\n");
	print_counts(names, 0, 8, &s[2], v4);
	print_counts(names, 9, 12, &s[2], v4);
	if (s[2].calls[5] || s[2].calls[10]) {
		printf("\nRPCB_RMTCALL (version 4) call statistics\n");
		print_forwards(&s[2], true);
	}
	if (s[2].calls[3]) {
		printf("\nRPCB_GETADDR (version 4) call statistics\n");
		print_lookups(&s[2]);
	}
	free(s);
	return 0;
}

int info_addrlist(const char *host, uint16_t pmap_port, uint32_t prog, uint32_t vers)
{
	char pmap[300], uaddr[64] = "";
	/* rpcbind is told the address it was reached at, as rpcinfo tells it */
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0)
		return cannot_contact(ONC_ERR_ADDRESS);
	bool v6 = ai->ai_family == AF_INET6;
	if (v6)
		((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons(pmap_port);
	else
		((struct sockaddr_in *)ai->ai_addr)->sin_port = htons(pmap_port);
	onc_uaddr_format(ai->ai_addr, uaddr, sizeof uaddr);
	freeaddrinfo(ai);
	info_rpcbind_addr(pmap, sizeof pmap, host, pmap_port);

	onc_rpcb r = {prog, vers, v6 ? "tcp6" : "tcp", uaddr, ""};
	onc_rpcb_entry *e;
	size_t n;
	onc_status st = onc_rpcb_getaddrlist(pmap, &r, &e, &n);
	if (st != ONC_OK)
		return cannot_contact(st);
	if (n == 0)
		printf("No remote programs registered.\n");
	else
		printf("   program vers  tp_family/name/class    address\t\t  service\n");
	for (size_t i = 0; i < n; i++) {
		char family[128];
		snprintf(family, sizeof family, "%s/%s/%s ", e[i].protofmly, e[i].proto,
			 e[i].semantics == 1   ? "clts"
			 : e[i].semantics == 2 ? "cots"
					       : "cots_ord");
		printf("%10u%3u    %-24s%-24s %-13s\n", prog, vers, family, e[i].maddr,
		       service_or_dash(prog));
	}
	free(e);
	return 0;
}
