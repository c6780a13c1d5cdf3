/* The onc test server as a process: prints "tcp PORT udp PORT" and serves until SIGTERM.
 * onc_testd [PORTMAPPER]: registers with the portmapper at that address while it runs.
 * ONC_TEST_WORKERS=N: the calls run on N worker threads (pipelined calls of one connection at
 * once), as the runtime tests' shared server. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_server.h"

int main(int argc, char **argv)
{
	test_server t = {.portmapper = argc > 1 ? argv[1] : NULL};
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server threads inherit the mask */
	const char *workers = getenv("ONC_TEST_WORKERS");
	onc_server_options o = {.workers = workers ? (unsigned)atoi(workers) : 0};
	test_server_start(&t, &o, 0);
	printf("tcp %u udp %u\n", t.tcp_port, t.udp_port);
	fflush(stdout);
	sigwait(&set, &sig);
	test_server_stop(&t);
	return 0;
}
