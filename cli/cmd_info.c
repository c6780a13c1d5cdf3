/* onc info: rpcinfo's job.
 *   onc info [--port N] -p HOST               lists the registrations
 *   onc info [--port N] -t|-u HOST PROG [VERS] calls NULL of each version listed
 *   onc info [--port N] --tls HOST PROG [VERS]  asks each TCP version whether it offers
 *                                              RPC-with-TLS (RFC 9289's AUTH_TLS probe) */
#include <rpc/netdb.h> /* getrpcbynumber: glibc's reader of /etc/rpc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "onc/rpcbind.h"

const char info_usage[] =
	"  info [--port N] -p HOST\n"
	"  info [--port N] -t|-u HOST PROG [VERS]\n"
	"  info [--port N] --tls HOST PROG [VERS]\n"
	"        list HOST's registrations, or call NULL of each version of PROG over TCP\n"
	"        or UDP (rpcinfo's job), or probe each TCP version for RPC-with-TLS\n"
	"        (RFC 9289: does it answer AUTH_TLS with STARTTLS?); PROG is a number or a\n"
	"        name from /etc/rpc, numbers are decimal or 0x hex; N is the portmapper's\n"
	"        port (default 111)\n";

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
	for (size_t i = 0; i < n; i++)
		printf("%10u %4u %5s %6u  %s\n", m[i].prog, m[i].vers,
		       m[i].prot == ONC_IPPROTO_TCP ? "tcp" : m[i].prot == ONC_IPPROTO_UDP ? "udp" : "?",
		       m[i].port, service_name(m[i].prog));
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

/* NULL of prog/vers at addr, or with tls the AUTH_TLS probe: a line for each. */
static bool check_version(const char *addr, uint32_t prog, uint32_t v, bool tls)
{
	onc_call_error err = {0};
	bool offered = false;
	onc_status st = tls ? onc_client_probe_tls(addr, prog, v, 5000, &offered)
			    : ping(addr, prog, v, &err);
	if (st != ONC_OK)
		printf("program %u version %u is not available: %s\n", prog, v, onc_strerror(st));
	else if (!tls)
		printf("program %u version %u ready and waiting\n", prog, v);
	else
		printf("program %u version %u %s RPC-with-TLS\n", prog, v,
		       offered ? "offers" : "does not offer");
	return st == ONC_OK && (offered || !tls);
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
			failed |= !check_version(addr, prog, v, tls);
		} else {
			printf("program %u version %u is not available: %s\n", prog, v,
			       onc_strerror(st));
			failed = 1;
		}
	}
	if (more) {
		fprintf(stderr, "onc info: the portmapper lists more versions of %u; only the lowest "
				"%d were tried\n",
			prog, MAX_VERSIONS);
		failed = 1;
	}
	return failed;
}

int cmd_info(int argc, char **argv)
{
	uint32_t pmap_port = ONC_PMAP_PORT;
	const char *mode = NULL;
	const char *pos[3]; /* HOST [PROG [VERS]] */
	int npos = 0;
	char pmap[160];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (arg_is_help(a)) {
			fputs(info_usage, stdout);
			return 0;
		} else if (strcmp(a, "--port") == 0) {
			if (i + 1 == argc)
				return arg_usage_error("info", "--port needs a number", info_usage);
			if (!arg_number("info", "port", argv[++i], 1, 65535, &pmap_port))
				return 2;
		} else if (strcmp(a, "-p") == 0 || strcmp(a, "-t") == 0 || strcmp(a, "-u") == 0 ||
			   strcmp(a, "--tls") == 0) {
			if (mode)
				return arg_usage_error("info", "one of -p, -t, -u and --tls",
						       info_usage);
			mode = a;
		} else if (a[0] == '-' && a[1]) {
			return arg_unknown("info", a, info_usage);
		} else if (npos == 3) {
			return arg_usage_error("info", "too many arguments", info_usage);
		} else {
			pos[npos++] = a;
		}
	}
	if (!mode)
		return arg_usage_error("info", "-p, -t, -u or --tls is needed", info_usage);
	if (mode[1] == 'p') {
		if (npos != 1)
			return arg_usage_error("info", "-p takes a HOST", info_usage);
		arg_uri(pmap, sizeof pmap, "tcp", pos[0], pmap_port);
		return list(pmap);
	}
	uint32_t prog, vers;
	if (npos < 2)
		return arg_usage_error("info", "-t, -u and --tls take a HOST and a PROG", info_usage);
	if (!arg_program("info", pos[1], &prog) ||
	    (npos == 3 && !arg_number("info", "version", pos[2], 0, UINT32_MAX, &vers)))
		return 2;
	bool tls = mode[1] == '-';
	const char *proto = mode[1] == 'u' ? "udp" : "tcp";
	arg_uri(pmap, sizeof pmap, proto, pos[0], pmap_port);
	return ping_versions(proto, pos[0], pmap, prog, npos == 3 ? &vers : NULL, tls);
}
