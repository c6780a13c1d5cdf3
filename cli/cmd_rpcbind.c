/* onc rpcbind [--host ADDR] [--port N]: an rpcbind server (portmapper v2, rpcbind v3/v4)
 * over TCP and UDP, until SIGINT or SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "onc/rpcbind.h"

static onc_server *running;

static void on_signal(int sig)
{
	(void)sig;
	onc_server_stop(running);
}

const char rpcbind_usage[] =
	"  rpcbind [--host ADDR] [--port N] [--callit]\n"
	"        serve portmapper v2 and rpcbind v3/v4 over TCP and UDP on ADDR (default\n"
	"        127.0.0.1), port N (default 111; 0: any), until SIGINT or SIGTERM; --callit also\n"
	"        forwards CALLIT/INDIRECT calls (off by default: they amplify traffic)\n";

int cmd_rpcbind(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	uint32_t port = ONC_PMAP_PORT;
	char addr[128];
	uint16_t tcp_port, udp_port;
	onc_server_options opts = {.threads = 1};
	bool callit = false;
	onc_status st;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (arg_is_help(a)) {
			fputs(rpcbind_usage, stdout);
			return 0;
		} else if ((strcmp(a, "--host") == 0 || strcmp(a, "--port") == 0) && i + 1 == argc) {
			fprintf(stderr, "onc rpcbind: %s needs a value\n", a);
			return 2;
		} else if (strcmp(a, "--host") == 0) {
			host = argv[++i];
		} else if (strcmp(a, "--port") == 0) {
			if (!arg_number("rpcbind", "port", argv[++i], 0, 65535, &port))
				return 2;
		} else if (strcmp(a, "--callit") == 0) {
			callit = true;
		} else {
			return a[0] == '-' ? arg_unknown("rpcbind", a, rpcbind_usage)
					   : arg_usage_error("rpcbind", "takes no arguments but options",
							     rpcbind_usage);
		}
	}

	if (callit)
		opts.workers = 4; /* a forward blocks the thread that runs it: not the loop */
	onc_rpcbind *rb = onc_rpcbind_create(&st);
	if (rb && callit)
		onc_rpcbind_allow_callit(rb);
	onc_server *srv = rb ? onc_server_create(&opts, &st) : NULL;
	const char *fmt = strchr(host, ':') ? "%s://[%s]:%u" : "%s://%s:%u";
	if (srv) {
		snprintf(addr, sizeof addr, fmt, "tcp", host, port);
		st = onc_server_listen(srv, addr, &tcp_port);
	}
	if (st == ONC_OK) {
		snprintf(addr, sizeof addr, fmt, "udp", host, (uint32_t)tcp_port);
		st = onc_server_listen(srv, addr, &udp_port);
	}
	if (st == ONC_OK)
		st = onc_rpcbind_attach(rb, srv, tcp_port, udp_port);
	if (st != ONC_OK) {
		fprintf(stderr, "onc rpcbind: cannot serve on %s port %u: %s\n", host, port,
			onc_strerror(st));
		onc_server_destroy(srv);
		onc_rpcbind_destroy(rb);
		return 1;
	}
	running = srv;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("onc rpcbind: serving on %s port %u (tcp and udp)\n", host, tcp_port);
	fflush(stdout);
	onc_server_run(srv);
	onc_server_destroy(srv);
	onc_rpcbind_destroy(rb);
	return 0;
}
