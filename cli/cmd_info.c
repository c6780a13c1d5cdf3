/* onc info: rpcinfo's job.
 *   onc info [--port N] -p HOST               lists the registrations
 *   onc info [--port N] -t|-u HOST PROG [VERS] calls NULL of each version listed */
#include <rpc/netdb.h> /* getrpcbynumber: glibc's reader of /etc/rpc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "onc/rpcbind.h"

const char info_usage[] =
	"  info [--port N] -p HOST\n"
	"  info [--port N] -t|-u HOST PROG [VERS]\n"
	"        list HOST's registrations, or call NULL of each version of PROG over TCP\n"
	"        or UDP (rpcinfo's job); N is the portmapper's port (default 111)\n";

static int usage(void)
{
	fprintf(stderr, "usage:\n%s", info_usage);
	return 2;
}

/* The program's name from /etc/rpc, as rpcinfo shows it; empty when it is not listed. */
static const char *service_name(uint32_t prog)
{
	const struct rpcent *e = getrpcbynumber((int)prog);
	return e ? e->r_name : "";
}

/* HOST may be given as in a URL, with brackets around an IPv6 address, or without them. */
static void uri(char *out, size_t cap, const char *proto, const char *host, long port)
{
	bool bare_v6 = strchr(host, ':') && host[0] != '[';
	snprintf(out, cap, bare_v6 ? "%s://[%s]:%ld" : "%s://%s:%ld", proto, host, port);
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

static int ping_versions(const char *proto, const char *host, const char *pmap, uint32_t prog,
			 const char *vers_arg)
{
	uint32_t prot = proto[0] == 't' ? ONC_IPPROTO_TCP : ONC_IPPROTO_UDP;
	uint32_t versions[MAX_VERSIONS];
	bool more = false;
	int count = 1;
	uint16_t port;
	char addr[160];
	onc_call_error err = {0};
	int failed = 0;

	if (vers_arg) {
		versions[0] = (uint32_t)strtoul(vers_arg, NULL, 10);
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
			uri(addr, sizeof addr, proto, host, port);
			st = ping(addr, prog, v, &err);
		}
		if (st == ONC_OK) {
			printf("program %u version %u ready and waiting\n", prog, v);
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
	long pmap_port = ONC_PMAP_PORT;
	const char *mode = NULL;
	int i = 1;
	char pmap[160];

	if (i + 1 < argc && strcmp(argv[i], "--port") == 0) {
		pmap_port = strtol(argv[i + 1], NULL, 10);
		i += 2;
	}
	if (i < argc)
		mode = argv[i++];
	if (!mode || i >= argc || pmap_port <= 0 || pmap_port > 65535)
		return usage();
	const char *host = argv[i++];
	if (strcmp(mode, "-p") == 0 && i == argc) {
		uri(pmap, sizeof pmap, "tcp", host, pmap_port);
		return list(pmap);
	}
	if ((strcmp(mode, "-t") == 0 || strcmp(mode, "-u") == 0) && (i == argc - 1 || i == argc - 2)) {
		const char *proto = mode[1] == 't' ? "tcp" : "udp";
		uri(pmap, sizeof pmap, proto, host, pmap_port);
		return ping_versions(proto, host, pmap, (uint32_t)strtoul(argv[i], NULL, 10),
				     i + 1 < argc ? argv[i + 1] : NULL);
	}
	return usage();
}
