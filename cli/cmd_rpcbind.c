/* onc rpcbind [--host ADDR] [--port N] [--unix PATH] [--callit]: an rpcbind server
 * (portmapper v2, rpcbind v3/v4) over TCP and UDP, and a Unix socket, until SIGINT or
 * SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	"  rpcbind [--host ADDR] [--port N] [--unix PATH] [--callit]\n"
	"        serve portmapper v2 and rpcbind v3/v4 over TCP and UDP on ADDR (default\n"
	"        127.0.0.1), port N (default 111; 0: any), until SIGINT or SIGTERM; --unix also on the\n"
	"        Unix socket PATH (such as /run/rpcbind.sock), where registrations are owned by\n"
	"        their caller's uid; --callit also forwards CALLIT/INDIRECT calls (off by\n"
	"        default: they amplify traffic)\n";

int cmd_rpcbind(int argc, char **argv)
{
	const char *host = "127.0.0.1", *unix_path = NULL;
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
		} else if ((strcmp(a, "--host") == 0 || strcmp(a, "--port") == 0 ||
			    strcmp(a, "--unix") == 0) &&
			   i + 1 == argc) {
			fprintf(stderr, "onc rpcbind: %s needs a value\n", a);
			return 2;
		} else if (strcmp(a, "--host") == 0) {
			host = argv[++i];
		} else if (strcmp(a, "--port") == 0) {
			if (!arg_number("rpcbind", "port", argv[++i], 0, 65535, &port))
				return 2;
		} else if (strcmp(a, "--unix") == 0) {
			unix_path = argv[++i];
		} else if (strcmp(a, "--callit") == 0) {
			callit = true;
		} else {
			return a[0] == '-' ? arg_unknown("rpcbind", a, rpcbind_usage)
					   : arg_usage_error("rpcbind", "takes no arguments but options",
							     rpcbind_usage);
		}
	}

	onc_rpcbind *rb = onc_rpcbind_create(&st);
	if (rb && callit)
		st = onc_rpcbind_allow_callit(rb);
	onc_server *srv = st == ONC_OK ? onc_server_create(&opts, &st) : NULL;
	const char *fmt = strchr(host, ':') ? "%s://[%s]:%u" : "%s://%s:%u";
	if (srv) {
		snprintf(addr, sizeof addr, fmt, "tcp", host, port);
		st = onc_server_listen(srv, addr, &tcp_port);
	}
	if (st == ONC_OK) {
		snprintf(addr, sizeof addr, fmt, "udp", host, (uint32_t)tcp_port);
		st = onc_server_listen(srv, addr, &udp_port);
	}
	if (st == ONC_OK && unix_path) {
		snprintf(addr, sizeof addr, "unix://%s", unix_path);
		st = onc_server_listen(srv, addr, NULL);
		/* Every user may register, as itself. */
		if (st == ONC_OK && chmod(unix_path, 0666) != 0)
			st = ONC_ERR_IO;
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
	printf("onc rpcbind: serving on %s port %u (tcp and udp)%s%s\n", host, tcp_port,
	       unix_path ? " and on " : "", unix_path ? unix_path : "");
	fflush(stdout);
	onc_server_run(srv);
	onc_server_destroy(srv);
	onc_rpcbind_destroy(rb);
	return 0;
}
