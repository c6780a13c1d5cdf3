/* onc_client_create(): an address without a port ("tcp://host") is asked of the host's
 * rpcbind first. It lives here, above both the client and the rpcbind calls, so that the
 * dependency runs one way: rpcbind on top of the client. */
#include <string.h>

#include "../client/open.h"
#include "codec.h"

onc_client *onc_client_create(const char *addr, uint32_t prog, uint32_t vers,
			      const onc_client_options *opts, onc_status *status)
{
	onc__net_addr a;
	onc_call_error detail = {0};
	onc_status st = onc__net_parse(addr, &a, &detail.gai_error);
	if (st == ONC_OK && !a.has_port) {
		bool v6 = a.sa.ss_family == AF_INET6;
		const char *netid = a.kind == ONC__NET_UDP ? (v6 ? "udp6" : "udp") : (v6 ? "tcp6" : "tcp");
		uint16_t port;
		st = onc__rpcb_find_port(strstr(addr, "://") + 3, opts ? opts->rpcbind_port : 0,
					 netid, prog, vers, opts ? opts->timeout_ms : 0, &port, &detail);
		if (st == ONC_OK)
			onc__net_set_port(&a, port);
	}
	if (st != ONC_OK) {
		if (opts && opts->error)
			*opts->error = detail;
		*status = st;
		return NULL;
	}
	return onc__client_open(&a, prog, vers, opts, status);
}
