/* The onc test server as a process: prints "tcp PORT udp PORT" and serves until SIGTERM.
 * onc_testd [PORTMAPPER]: registers with the portmapper at that address while it runs. */
#include <signal.h>
#include <stdio.h>

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
	test_server_start(&t, NULL, 0);
	printf("tcp %u udp %u\n", t.tcp_port, t.udp_port);
	fflush(stdout);
	sigwait(&set, &sig);
	test_server_stop(&t);
	return 0;
}
