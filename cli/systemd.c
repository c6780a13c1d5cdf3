/* The two systemd protocols a daemon speaks, without libsystemd: socket activation
 * (sd_listen_fds(3): LISTEN_PID, LISTEN_FDS, descriptors from 3) and the readiness
 * notification of Type=notify units (sd_notify(3): a datagram to NOTIFY_SOCKET). */
#define _POSIX_C_SOURCE 200809L /* unsetenv */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "systemd.h"

int systemd_listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	int n = 0;
	/* Meant for this process, or (the variables are inherited) for another. */
	if (pid && fds && strtol(pid, &end, 10) == getpid() && !*end) {
		long v = strtol(fds, &end, 10);
		if (*end || end == fds || v < 0 || v > 64 - SYSTEMD_LISTEN_FDS_START) {
			fprintf(stderr, "onc: LISTEN_FDS is not a number of descriptors: %s\n", fds);
			n = -1;
		}
		for (int fd = SYSTEMD_LISTEN_FDS_START; n == 0 && fd < SYSTEMD_LISTEN_FDS_START + v;
		     fd++)
			if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
				fprintf(stderr, "onc: descriptor %d of LISTEN_FDS=%s: %s\n", fd, fds,
					strerror(errno));
				n = -1;
			}
		if (n == 0)
			n = (int)v;
	}
	/* Not passed on to children, as sd_listen_fds(1) does. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return n;
}

void systemd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = path ? strlen(path) : 0;
	if (len < 2 || len >= sizeof sa.sun_path || (path[0] != '/' && path[0] != '@'))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = 0; /* an abstract socket */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}
