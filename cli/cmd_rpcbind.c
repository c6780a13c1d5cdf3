/* onc rpcbind: an rpcbind server (portmapper v2, rpcbind v3/v4) that can stand in for the
 * system's: on 127.0.0.1 and [::1] (or the addresses given), TCP and UDP, each on a socket of
 * its own, and on the Unix socket /run/rpcbind.sock, until SIGINT or SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "onc/rpcbind.h"
#include "systemd.h"

#define MAX_HOSTS 8

static onc_server *running;

static void on_signal(int sig)
{
	(void)sig;
	onc_server_stop(running);
}

const char rpcbind_usage[] =
	"  rpcbind [--host ADDR]... [--port N] [--unix PATH|none] [--callit] [--warm-start DIR]\n"
	"        serve portmapper v2 and rpcbind v3/v4 over TCP and UDP on each ADDR (default\n"
	"        127.0.0.1 and ::1), port N (default 111), and on the Unix socket PATH (default\n"
	"        " RPCBIND_SOCKET " with port 111, none otherwise), where registrations are owned\n"
	"        by their caller's uid, until SIGINT or SIGTERM; --callit also forwards\n"
	"        CALLIT/INDIRECT calls (off by default: they amplify traffic); --warm-start\n"
	"        restores the registrations saved in DIR at the last stop and saves them there\n"
	"        at this one (rpcbind -w's files: DIR /run/rpcbind takes over rpcbind's);\n"
	"        started by systemd (rpcbind.socket, LISTEN_FDS), it serves the sockets passed\n"
	"        instead of ADDRs and PATH, and tells systemd when it is ready (NOTIFY_SOCKET)\n";

/* Listens on tcp and udp at host:port (the same port for both; 0: one the system picks for
 * TCP, then that one for UDP). */
static onc_status listen_host(onc_server *srv, const char *host, uint16_t *port)
{
	char addr[128];
	arg_uri(addr, sizeof addr, "tcp", host, *port);
	ONC_TRY(onc_server_listen(srv, addr, port));
	arg_uri(addr, sizeof addr, "udp", host, *port);
	return onc_server_listen(srv, addr, NULL);
}

/* The Unix socket, where every user may register, as itself. A socket file left by an
 * earlier run is replaced, as rpcbind does. */
static onc_status listen_unix(onc_server *srv, const char *path)
{
	char addr[128];
	if (snprintf(addr, sizeof addr, "unix://%s", path) >= (int)sizeof addr)
		return ONC_ERR_ADDRESS;
	if (unlink(path) != 0 && errno != ENOENT)
		return ONC_ERR_IO;
	ONC_TRY(onc_server_listen(srv, addr, NULL));
	return chmod(path, 0666) == 0 ? ONC_OK : ONC_ERR_IO;
}

/* Restores what was saved in dir, and says what: a file that cannot be restored is named
 * with why (and kept aside), and the table starts empty. dir is made when missing. */
static void warm_start(onc_rpcbind *rb, const char *dir)
{
	size_t restored, skipped;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		fprintf(stderr, "onc rpcbind: cannot make %s: %s\n", dir, strerror(errno));
	onc_status st = onc_rpcbind_restore(rb, dir, &restored, &skipped);
	if (st == ONC_OK && restored + skipped)
		printf("onc rpcbind: restored %zu registrations from %s/rpcbind.xdr (%zu refused)\n",
		       restored, dir, skipped);
	else if (st != ONC_OK)
		fprintf(stderr,
			"onc rpcbind: cannot restore %s/rpcbind.xdr (%s): starting with no "
			"registrations; the file is kept as rpcbind.xdr.corrupt\n",
			dir, st != ONC_ERR_IO ? onc_strerror(st)
			     : errno == EPERM ? "group or others may write it"
					      : strerror(errno));
}

int cmd_rpcbind(int argc, char **argv)
{
	const char *hosts[MAX_HOSTS], *unix_path = NULL, *warm_dir = NULL;
	size_t nhosts = 0;
	uint32_t port = ONC_PMAP_PORT;
	onc_server_options opts = {.threads = 1};
	bool callit = false, placed = false;
	onc_status st;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (arg_is_help(a)) {
			fputs(rpcbind_usage, stdout);
			return 0;
		} else if ((strcmp(a, "--host") == 0 || strcmp(a, "--port") == 0 ||
			    strcmp(a, "--unix") == 0 || strcmp(a, "--warm-start") == 0) &&
			   i + 1 == argc) {
			fprintf(stderr, "onc rpcbind: %s needs a value\n", a);
			return 2;
		} else if (strcmp(a, "--host") == 0) {
			if (nhosts == MAX_HOSTS) {
				fprintf(stderr, "onc rpcbind: at most %d --host\n", MAX_HOSTS);
				return 2;
			}
			hosts[nhosts++] = argv[++i];
			placed = true;
		} else if (strcmp(a, "--port") == 0) {
			placed = true;
			if (!arg_number("rpcbind", "port", argv[++i], 0, 65535, &port))
				return 2;
		} else if (strcmp(a, "--unix") == 0) {
			unix_path = argv[++i];
			placed = true;
		} else if (strcmp(a, "--warm-start") == 0) {
			warm_dir = argv[++i];
		} else if (strcmp(a, "--callit") == 0) {
			callit = true;
		} else {
			return a[0] == '-' ? arg_unknown("rpcbind", a, rpcbind_usage)
					   : arg_usage_error("rpcbind", "takes no arguments but options",
							     rpcbind_usage);
		}
	}
	/* Started by systemd (rpcbind.socket): its sockets, and no others, as rpcbind does. */
	int passed = systemd_listen_fds();
	if (passed < 0)
		return 1;
	if (passed > 0 && placed) {
		fprintf(stderr, "onc rpcbind: --host, --port and --unix do not go with the sockets "
				"systemd passed (LISTEN_FDS)\n");
		return 2;
	}
	if (passed == 0 && nhosts == 0) {
		hosts[nhosts++] = "127.0.0.1";
		hosts[nhosts++] = "::1";
	}
	if (!unix_path)
		unix_path = port == ONC_PMAP_PORT && passed == 0 ? RPCBIND_SOCKET : "none";
	if (strcmp(unix_path, "none") == 0)
		unix_path = NULL;

	uint16_t bound = (uint16_t)port;
	const char *failed = unix_path;
	char fd_name[48] = "", port_name[16];
	snprintf(port_name, sizeof port_name, " port %u", port);
	onc_rpcbind *rb = onc_rpcbind_create(&st);
	if (rb && callit)
		st = onc_rpcbind_allow_callit(rb);
	onc_server *srv = st == ONC_OK ? onc_server_create(&opts, &st) : NULL;
	errno = 0; /* from here, what a failed listen leaves there is printed */
	for (int fd = SYSTEMD_LISTEN_FDS_START; st == ONC_OK && fd < SYSTEMD_LISTEN_FDS_START + passed;
	     fd++) {
		snprintf(fd_name, sizeof fd_name, "descriptor %d from systemd", fd);
		failed = fd_name;
		st = onc_server_listen_fd(srv, fd, NULL);
	}
	for (size_t i = 0; st == ONC_OK && i < nhosts; i++) {
		failed = hosts[i];
		st = listen_host(srv, hosts[i], &bound);
	}
	if (st == ONC_OK && unix_path) {
		failed = unix_path;
		st = listen_unix(srv, unix_path);
	}
	onc_call_error why = {.os_error = st != ONC_OK ? errno : 0};
	if (st == ONC_OK)
		st = onc_rpcbind_attach(rb, srv);
	if (st != ONC_OK) {
		char text[256];
		fprintf(stderr, "onc rpcbind: cannot serve on %s%s: %s\n", failed ? failed : "",
			passed > 0 ? "" : port_name, onc_error_text(st, &why, text, sizeof text));
		onc_server_destroy(srv);
		onc_rpcbind_destroy(rb);
		return 1;
	}
	if (warm_dir)
		warm_start(rb, warm_dir);
	running = srv;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (passed > 0) {
		printf("onc rpcbind: serving on the %d sockets systemd passed\n", passed);
	} else {
		printf("onc rpcbind: serving on");
		for (size_t i = 0; i < nhosts; i++)
			printf(" %s", hosts[i]);
		printf(" port %u (tcp and udp)%s%s\n", bound, unix_path ? " and on " : "",
		       unix_path ? unix_path : "");
	}
	fflush(stdout);
	systemd_notify("READY=1");
	onc_server_run(srv);
	onc_server_destroy(srv);
	int rc = 0;
	if (warm_dir && (st = onc_rpcbind_save(rb, warm_dir)) != ONC_OK) {
		fprintf(stderr, "onc rpcbind: cannot save the registrations in %s: %s%s%s\n",
			warm_dir, onc_strerror(st), st == ONC_ERR_IO ? ": " : "",
			st == ONC_ERR_IO ? strerror(errno) : "");
		rc = 1;
	}
	onc_rpcbind_destroy(rb);
	if (unix_path)
		unlink(unix_path);
	return rc;
}
