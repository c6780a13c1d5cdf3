/* A libtirpc server built from rpcgen's dispatcher (peers.x); serves TCP and UDP on
 * 127.0.0.1, prints "tcp PORT udp PORT" and runs until killed. No portmapper involved. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bound_socket.h"
#include "peers.h"

void testprog_1(struct svc_req *req, SVCXPRT *xprt);

void *test_null_1_svc(void *arg, struct svc_req *req)
{
	static char dummy;
	(void)arg;
	(void)req;
	return &dummy;
}

int *test_add_1_svc(int_pair *p, struct svc_req *req)
{
	static int sum;
	(void)req;
	sum = p->a + p->b;
	return &sum;
}

str64 *test_echo_1_svc(str64 *s, struct svc_req *req)
{
	static str64 copy;
	(void)req;
	copy = *s;
	return &copy;
}

int main(void)
{
	unsigned short tport, uport;
	int tfd = bound_socket(SOCK_STREAM, &tport), ufd = bound_socket(SOCK_DGRAM, &uport);
	SVCXPRT *t, *u;

	if (listen(tfd, 16) != 0)
		return 1;
	t = svctcp_create(tfd, 0, 0);
	u = svcudp_create(ufd);
	/* protocol 0: do not register with a portmapper */
	if (!t || !u || !svc_register(t, TESTPROG, TESTVERS, testprog_1, 0) ||
	    !svc_register(u, TESTPROG, TESTVERS, testprog_1, 0)) {
		fprintf(stderr, "tirpc_server: cannot create services\n");
		return 1;
	}
	printf("tcp %u udp %u\n", tport, uport);
	fflush(stdout);
	svc_run();
	return 1;
}
