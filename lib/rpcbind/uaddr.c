/* Universal addresses (RFC 5665): the port of one, and one of a socket address. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "onc/rpcbind.h"

onc_status onc_uaddr_port(const char *uaddr, uint16_t *port)
{
	/* The last two dot-separated fields are the port's high and low bytes. */
	const char *lo = strrchr(uaddr, '.');
	const char *hi = lo;
	unsigned h = 0, l = 0;
	if (!lo || lo == uaddr)
		return ONC_ERR_ADDRESS;
	do
		hi--;
	while (hi > uaddr && *hi != '.');
	if (*hi != '.')
		return ONC_ERR_ADDRESS;
	for (const char *p = hi + 1; p < lo; p++) {
		if (*p < '0' || *p > '9' || (h = h * 10 + (unsigned)(*p - '0')) > 255)
			return ONC_ERR_ADDRESS;
	}
	for (const char *p = lo + 1; *p; p++) {
		if (*p < '0' || *p > '9' || (l = l * 10 + (unsigned)(*p - '0')) > 255)
			return ONC_ERR_ADDRESS;
	}
	if (hi + 1 == lo || !lo[1])
		return ONC_ERR_ADDRESS;
	*port = (uint16_t)(h << 8 | l);
	return ONC_OK;
}

onc_status onc_uaddr_format(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	uint16_t port;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		port = ntohs(in6->sin6_port);
	} else {
		return ONC_ERR_ADDRESS;
	}
	int n = snprintf(out, cap, "%s.%u.%u", host, port >> 8, port & 255);
	return n > 0 && (size_t)n < cap ? ONC_OK : ONC_ERR_ADDRESS;
}
