/* The server onc gen generates for all_types.x, running the procedures of
 * tests/compiler/all_types_impl.c, as a process: serves TCP and UDP on 127.0.0.1, prints
 * "tcp PORT udp PORT" and runs until SIGTERM. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>

#include "all_types_impl.h"

static void *serve(void *server)
{
	onc_server_run(server);
	return NULL;
}

int main(void)
{
	version_ctx v1 = { 1, 0 }, v2 = { 2, 0 };
	uint16_t tcp = 0, udp = 0;
	pthread_t thread;
	sigset_t set;
	int sig;
	onc_status s;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server threads inherit the mask */
	onc_server *srv = onc_server_create(NULL, &s);
	if (srv)
		s = all_types_prog_1_register(srv, &v1);
	if (s == ONC_OK)
		s = all_types_prog_2_register(srv, &v2);
	if (s == ONC_OK)
		s = onc_server_listen(srv, "tcp://127.0.0.1:0", &tcp);
	if (s == ONC_OK)
		s = onc_server_listen(srv, "udp://127.0.0.1:0", &udp);
	if (s == ONC_OK && pthread_create(&thread, NULL, serve, srv) != 0)
		s = ONC_ERR_IO;
	if (s != ONC_OK) {
		fprintf(stderr, "all_types_testd: %s\n", onc_strerror(s));
		return 1;
	}
	printf("tcp %u udp %u\n", tcp, udp);
	fflush(stdout);
	sigwait(&set, &sig);
	onc_server_stop(srv);
	pthread_join(thread, NULL);
	onc_server_destroy(srv);
	return 0;
}
