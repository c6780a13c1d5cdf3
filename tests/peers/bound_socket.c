#include "bound_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int bound_socket(int type, unsigned short *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, type, 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		perror("bind");
		exit(1);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}
