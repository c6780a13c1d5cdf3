/* The server under attack, as a child process whose memory the tests can measure:
 *   attack_server test|rpcbind [--threads N] [--max-conn N] [--idle-ms N] [--max-record N]
 *                 [--workers N] [--max-buffered N] [--callit]
 * "test" serves the test program of tests/runtime (TCP, UDP, a Unix socket); "rpcbind" serves
 * the embedded rpcbind service over TCP and UDP as `onc rpcbind` does (one thread), forwarding
 * CALLIT with --callit. Prints
 * "tcp PORT udp PORT", serves until SIGTERM, then shuts down and frees everything (so that
 * valgrind, when the child runs under it, sees every leak) and exits 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "onc/rpcbind.h"
#include "test_server.h"

static int usage(void)
{
	fprintf(stderr, "usage: attack_server test|rpcbind [--threads N] [--max-conn N] "
			"[--idle-ms N] [--max-record N] [--workers N] [--max-buffered N] [--callit]\n");
	return 2;
}

static bool parse_options(int argc, char **argv, onc_server_options *o, bool *callit)
{
	for (int i = 2; i < argc; i++) {
		const char *name = argv[i];
		if (strcmp(name, "--callit") == 0) {
			*callit = true;
			continue;
		}
		if (++i >= argc)
			return false;
		unsigned long v = strtoul(argv[i], NULL, 10);
		if (strcmp(name, "--threads") == 0)
			o->threads = (unsigned)v;
		else if (strcmp(name, "--max-conn") == 0)
			o->max_connections = (unsigned)v;
		else if (strcmp(name, "--idle-ms") == 0)
			o->idle_timeout_ms = (unsigned)v;
		else if (strcmp(name, "--max-record") == 0)
			o->max_record = v;
		else if (strcmp(name, "--workers") == 0)
			o->workers = (unsigned)v;
		else if (strcmp(name, "--max-buffered") == 0)
			o->max_buffered = v;
		else
			return false;
	}
	return true;
}

static void *serve(void *srv)
{
	onc_server_run(srv);
	return NULL;
}

static void wait_for_sigterm(void)
{
	sigset_t set;
	int sig;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
}

static int run_test_program(const onc_server_options *o)
{
	test_server t = {0};
	test_server_start(&t, o, 0);
	printf("tcp %u udp %u\n", t.tcp_port, t.udp_port);
	fflush(stdout);
	wait_for_sigterm();
	test_server_stop(&t);
	return 0;
}

static int run_rpcbind(const onc_server_options *o, bool callit)
{
	onc_status st;
	uint16_t tcp_port = 0, udp_port = 0;
	pthread_t thread;
	onc_rpcbind *rb = onc_rpcbind_create(&st);
	onc_server *srv = rb ? onc_server_create(o, &st) : NULL;
	if (srv)
		st = onc_server_listen(srv, "tcp://127.0.0.1:0", &tcp_port);
	if (st == ONC_OK)
		st = onc_server_listen(srv, "udp://127.0.0.1:0", &udp_port);
	if (st == ONC_OK)
		st = onc_rpcbind_attach(rb, srv);
	if (st == ONC_OK && callit)
		st = onc_rpcbind_allow_callit(rb);
	if (st != ONC_OK) {
		fprintf(stderr, "attack_server: %s\n", onc_strerror(st));
		return 1;
	}
	printf("tcp %u udp %u\n", tcp_port, udp_port);
	fflush(stdout);
	pthread_create(&thread, NULL, serve, srv);
	wait_for_sigterm();
	onc_server_stop(srv);
	pthread_join(thread, NULL);
	onc_server_destroy(srv);
	onc_rpcbind_destroy(rb);
	return 0;
}

int main(int argc, char **argv)
{
	onc_server_options o = {0};
	bool callit = false;
	struct rlimit rl;
	sigset_t set;

	if (argc < 2 || !parse_options(argc, argv, &o, &callit))
		return usage();
	/* Enough descriptors for the floods. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server threads inherit the mask */
	if (strcmp(argv[1], "test") == 0)
		return run_test_program(&o);
	if (strcmp(argv[1], "rpcbind") == 0)
		return run_rpcbind(&o, callit);
	return usage();
}
