/* The server rpcgen generates for all_types.x (with -DRPCGEN_SUBSET), running the procedures
 * of tests/compiler/rpcgen_server.c on libtirpc, as a process: serves TCP and UDP on
 * 127.0.0.1, prints "tcp PORT udp PORT" and runs until killed. No portmapper involved. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "all_types.h" /* rpcgen's */
#include "bound_socket.h"

void all_types_prog_1(struct svc_req *rqstp, SVCXPRT *transp);
void all_types_prog_2(struct svc_req *rqstp, SVCXPRT *transp);

int main(void)
{
	unsigned short tport, uport;
	int tfd = bound_socket(SOCK_STREAM, &tport), ufd = bound_socket(SOCK_DGRAM, &uport);
	if (listen(tfd, 16) != 0)
		return 1;
	SVCXPRT *t = svctcp_create(tfd, 0, 0), *u = svcudp_create(ufd);
	/* protocol 0: do not register with a portmapper */
	if (!t || !u || !svc_register(t, ALL_TYPES_PROG, ALL_TYPES_V1, all_types_prog_1, 0) ||
	    !svc_register(t, ALL_TYPES_PROG, ALL_TYPES_V2, all_types_prog_2, 0) ||
	    !svc_register(u, ALL_TYPES_PROG, ALL_TYPES_V1, all_types_prog_1, 0) ||
	    !svc_register(u, ALL_TYPES_PROG, ALL_TYPES_V2, all_types_prog_2, 0)) {
		fprintf(stderr, "all_types_rpcgen_testd: cannot create services\n");
		return 1;
	}
	printf("tcp %u udp %u\n", tport, uport);
	fflush(stdout);
	svc_run();
	return 1;
}
