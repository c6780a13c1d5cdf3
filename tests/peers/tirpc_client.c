/* A libtirpc client built from rpcgen's stubs (peers.x): tirpc_client tcp|udp PORT.
 * Calls NULL, ADD and ECHO on 127.0.0.1 and prints the answers, one per line. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peers.h"

int main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int sock = RPC_ANYSOCK;
	struct timeval wait = {1, 0};
	CLIENT *c;

	if (argc != 3)
		return 2;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	if (strcmp(argv[1], "tcp") == 0)
		c = clnttcp_create(&sin, TESTPROG, TESTVERS, &sock, 0, 0);
	else
		c = clntudp_create(&sin, TESTPROG, TESTVERS, wait, &sock);
	if (!c) {
		clnt_pcreateerror("tirpc_client");
		return 1;
	}
	int_pair p = {.a = 40, .b = 2};
	str64 hello = "hello from libtirpc";
	int *sum;
	str64 *echo;
	if (!test_null_1(NULL, c) || !(sum = test_add_1(&p, c)) ||
	    !(echo = test_echo_1(&hello, c))) {
		clnt_perror(c, "tirpc_client");
		return 1;
	}
	printf("null ok\nadd %d\necho %s\n", *sum, *echo);
	clnt_freeres(c, (xdrproc_t)xdr_str64, (char *)echo);
	clnt_destroy(c);
	return 0;
}
