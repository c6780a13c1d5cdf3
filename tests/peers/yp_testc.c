/* An onc C client of ypserv, yp_client.py's twin: the stubs onc gen makes of the system's yp.x,
 * finding ypserv through the rpcbind on this host (no port given), over TCP, UDP and IPv6.
 * Prints the same lines as yp_client.py for run_rpcbind_ypserv.sh to compare.
 * Usage: yp_testc DOMAIN MAP */
#include <stdio.h>
#include <string.h>

#include <onc/client.h>

#include "yp.h"

static int failed;

/* True when the call succeeded; else says why on the line the test compares. */
static bool ok(const char *addr, const char *what, onc_status st)
{
	if (st == ONC_OK)
		return true;
	printf("%s %s: %s\n", addr, what, onc_strerror(st));
	failed = 1;
	return false;
}

/* The names yp_client.py prints (Python's enum names) for the answers the test expects. */
static const char *ypstat_name(ypstat s)
{
	return s == YP_TRUE ? "YP_TRUE" : s == YP_NOKEY ? "YP_NOKEY" : "another ypstat";
}

int main(int argc, char **argv)
{
	static const char *const addrs[] = {"tcp://127.0.0.1", "udp://127.0.0.1", "tcp://[::1]"};
	static const char *const keys[] = {"beta", "nosuchkey"};
	onc_client_options opts = {.timeout_ms = 5000};

	if (argc != 3) {
		fprintf(stderr, "usage: yp_testc DOMAIN MAP\n");
		return 2;
	}
	domainname domain = argv[1];
	for (size_t a = 0; a < sizeof addrs / sizeof *addrs; a++) {
		onc_status st;
		onc_client *c = onc_client_create(addrs[a], YPPROG, YPVERS, &opts, &st);
		if (!ok(addrs[a], "connect", st))
			continue;
		bool served;
		if (ok(addrs[a], "domain", ypproc_domain_2(c, &domain, &served)))
			printf("%s domain %s\n", addrs[a], served ? "True" : "False");
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
			ypreq_key req = {.domain = argv[1],
					 .map = argv[2],
					 .key = {.keydat_len = (uint32_t)strlen(keys[k]),
						 .keydat_val = (uint8_t *)keys[k]}};
			ypresp_val r;
			if (!ok(addrs[a], keys[k], ypproc_match_2(c, &req, &r)))
				continue;
			printf("%s match %s %s %.*s\n", addrs[a], keys[k], ypstat_name(r.stat),
			       (int)r.val.valdat_len,
			       r.val.valdat_len ? (const char *)r.val.valdat_val : "");
			ypresp_val_free(&r);
		}
		onc_client_destroy(c);
	}
	return failed;
}
