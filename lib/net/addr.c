#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

int64_t onc__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static onc_status parse_unix(const char *path, onc__net_addr *out)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof un->sun_path)
		return ONC_ERR_ADDRESS;
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, n + 1);
	out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	out->has_port = true;
	return ONC_OK;
}

onc_status onc__net_parse(const char *uri, onc__net_addr *out, int *gai_error)
{
	char host[256];
	const char *rest, *port = NULL;
	size_t hlen;
	struct addrinfo hints, *res;

	memset(out, 0, sizeof *out);
	if (strncmp(uri, "unix://", 7) == 0) {
		out->kind = ONC__NET_UNIX;
		return parse_unix(uri + 7, out);
	}
	if (strncmp(uri, "tcp://", 6) == 0 || strncmp(uri, "tls://", 6) == 0) {
		out->kind = ONC__NET_TCP;
		out->tls = uri[1] == 'l';
	}
	else if (strncmp(uri, "udp://", 6) == 0)
		out->kind = ONC__NET_UDP;
	else
		return ONC_ERR_ADDRESS;
	rest = uri + 6;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');
		if (!close)
			return ONC_ERR_ADDRESS;
		hlen = (size_t)(close - rest - 1);
		rest++;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != 0)
			return ONC_ERR_ADDRESS;
	} else {
		const char *colon = strrchr(rest, ':');
		hlen = colon ? (size_t)(colon - rest) : strlen(rest);
		if (colon)
			port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof host)
		return ONC_ERR_ADDRESS;
	memcpy(host, rest, hlen);
	host[hlen] = 0;
	memcpy(out->host, host, hlen + 1);

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = out->kind == ONC__NET_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int gai = getaddrinfo(host, NULL, &hints, &res);
	if (gai != 0) {
		if (gai_error)
			*gai_error = gai;
		return ONC_ERR_ADDRESS;
	}
	memcpy(&out->sa, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);

	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (*port == 0 || *end != 0 || p < 0 || p > 65535)
			return ONC_ERR_ADDRESS;
		onc__net_set_port(out, (uint16_t)p);
		out->has_port = true;
	}
	return ONC_OK;
}

uint16_t onc__net_port(const onc__net_addr *a)
{
	if (a->sa.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);
	if (a->sa.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port);
	return 0;
}

void onc__net_set_port(onc__net_addr *a, uint16_t port)
{
	if (a->sa.ss_family == AF_INET)
		((struct sockaddr_in *)&a->sa)->sin_port = htons(port);
	else if (a->sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->sa)->sin6_port = htons(port);
}

static int new_socket(const onc__net_addr *a, int extra_flags)
{
	int type = a->kind == ONC__NET_UDP ? SOCK_DGRAM : SOCK_STREAM;
	return socket(a->sa.ss_family, type | SOCK_CLOEXEC | extra_flags, 0);
}

onc_status onc__os_status(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ENOENT:
		return ONC_ERR_CONNREFUSED;
	case ETIMEDOUT:
		return ONC_ERR_TIMEDOUT;
	case ENOMEM:
	case ENOBUFS:
		return ONC_ERR_NOMEM;
	case EMSGSIZE:
		return ONC_ERR_DATAGRAM_TOO_BIG;
	case EPIPE:
	case ECONNRESET:
	case ECONNABORTED:
		return ONC_ERR_CLOSED;
	default:
		return ONC_ERR_IO;
	}
}

/* The status for a system call's errno, which *os_error (if not NULL) keeps. */
static onc_status os_fail(int err, int *os_error)
{
	if (os_error)
		*os_error = err;
	return onc__os_status(err);
}

onc_status onc__net_connect(const onc__net_addr *a, int timeout_ms, int *fd, int *os_error)
{
	int s = new_socket(a, SOCK_NONBLOCK), one = 1, err = 0;
	socklen_t len = sizeof err;
	if (s < 0)
		return os_fail(errno, os_error);
	if (connect(s, (const struct sockaddr *)&a->sa, a->len) != 0) {
		struct pollfd p = {.fd = s, .events = POLLOUT};
		err = errno;
		if (err == EINPROGRESS) {
			int n = poll(&p, 1, timeout_ms);
			if (n == 0) { /* the caller's deadline, not the system's: no OS error, as
				       * for Python's socket timeout */
				close(s);
				return ONC_ERR_TIMEDOUT;
			}
			err = n < 0 ? errno : 0;
			if (n > 0 && getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
		}
	}
	if (err == 0 && fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK) != 0)
		err = errno;
	if (err != 0) {
		close(s);
		return os_fail(err, os_error);
	}
	if (a->kind == ONC__NET_TCP)
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*fd = s;
	return ONC_OK;
}

onc_status onc__net_listen(const onc__net_addr *a, int *fd, onc__net_addr *bound,
			   int *os_error)
{
	int s = new_socket(a, SOCK_NONBLOCK), one = 1;
	*bound = *a;
	bound->len = sizeof bound->sa;
	if (s < 0)
		return os_fail(errno, os_error);
	if (a->kind == ONC__NET_UNIX)
		unlink(((const struct sockaddr_un *)&a->sa)->sun_path);
	else
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (a->sa.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(s, (const struct sockaddr *)&a->sa, a->len) != 0 ||
	    (a->kind != ONC__NET_UDP && listen(s, SOMAXCONN) != 0) ||
	    getsockname(s, (struct sockaddr *)&bound->sa, &bound->len) != 0) {
		int err = errno;
		close(s);
		os_fail(err, os_error);
		return ONC_ERR_ADDRESS; /* taken, not this host's, no such directory, no right */
	}
	*fd = s;
	return ONC_OK;
}

onc_status onc__net_adopt(int fd, onc__net_addr *bound, int *os_error)
{
	int type, listening = 0, flags = fcntl(fd, F_GETFL);
	socklen_t len = sizeof type;
	memset(bound, 0, sizeof *bound);
	bound->len = sizeof bound->sa;
	if (flags < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound->sa, &bound->len) != 0) {
		*os_error = errno;
		return ONC_ERR_ADDRESS; /* not an open socket */
	}
	int family = bound->sa.ss_family;
	if ((family != AF_INET && family != AF_INET6 && family != AF_UNIX) ||
	    (type != SOCK_STREAM && type != SOCK_DGRAM) || (family == AF_UNIX && type != SOCK_STREAM))
		return ONC_ERR_ADDRESS;
	bound->kind = family == AF_UNIX ? ONC__NET_UNIX : type == SOCK_DGRAM ? ONC__NET_UDP : ONC__NET_TCP;
	bound->has_port = family != AF_UNIX;
	len = sizeof listening;
	if (type == SOCK_STREAM &&
	    (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
	     (!listening && listen(fd, SOMAXCONN) != 0)))
		return os_fail(errno, os_error);
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
		return os_fail(errno, os_error);
	return ONC_OK;
}

onc_status onc__net_send(int fd, const uint8_t *data, size_t len, size_t *sent, int *os_error)
{
	*sent = 0;
	while (*sent < len) {
		ssize_t n = send(fd, data + *sent, len - *sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			*sent += (size_t)n;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		else if (errno != EINTR)
			return os_fail(errno, os_error);
	}
	return ONC_OK;
}
