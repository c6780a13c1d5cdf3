/* onc info: rpcinfo's job.
 *   onc info [--port N] -p HOST               lists the registrations
 *   onc info [--port N] -t|-u HOST PROG [VERS] calls NULL of each version and reports */
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

static const char *service_name(uint32_t prog)
{
	switch (prog) {
	case 100000: return "portmapper";
	case 100003: return "nfs";
	case 100005: return "mountd";
	case 100021: return "nlockmgr";
	case 100024: return "status";
	default: return "";
	}
}

static void uri(char *out, size_t cap, const char *proto, const char *host, long port)
{
	snprintf(out, cap, strchr(host, ':') ? "%s://[%s]:%ld" : "%s://%s:%ld", proto, host, port);
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

static int ping_versions(const char *proto, const char *host, const char *pmap, uint32_t prog,
			 const char *vers_arg)
{
	uint32_t prot = proto[0] == 't' ? ONC_IPPROTO_TCP : ONC_IPPROTO_UDP;
	uint32_t low, high;
	uint16_t port;
	char addr[160];
	onc_call_error err = {0};
	int failed = 0;

	low = high = vers_arg ? (uint32_t)strtoul(vers_arg, NULL, 10) : 0;
	if (!vers_arg) {
		onc_pmap_mapping *m;
		size_t n;
		bool found = false;
		onc_status st = onc_pmap_dump(pmap, &m, &n);
		if (st != ONC_OK) {
			fprintf(stderr, "onc info: cannot reach the portmapper at %s: %s\n", pmap,
				onc_strerror(st));
			return 1;
		}
		for (size_t i = 0; i < n; i++) {
			if (m[i].prog != prog || m[i].prot != prot)
				continue;
			low = found && low < m[i].vers ? low : m[i].vers;
			high = found && high > m[i].vers ? high : m[i].vers;
			found = true;
		}
		free(m);
		if (!found) {
			fprintf(stderr, "onc info: program %u is not registered for %s\n", prog, proto);
			return 1;
		}
	}
	for (uint32_t v = low; v <= high; v++) {
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
		if (v == UINT32_MAX)
			break;
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
