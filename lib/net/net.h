/* Internal: addresses and sockets shared by the client and the server. */
#ifndef ONC_NET_H
#define ONC_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "onc/status.h"

typedef enum onc__net_kind { ONC__NET_TCP, ONC__NET_UDP, ONC__NET_UNIX } onc__net_kind;

typedef struct onc__net_addr {
	onc__net_kind kind;
	bool has_port; /* false for "tcp://host" without a port */
	bool tls;      /* "tls://": TCP with RPC-with-TLS required */
	char host[256]; /* the host as written (no brackets); "" for Unix sockets */
	socklen_t len;
	struct sockaddr_storage sa;
} onc__net_addr;

/* The monotonic clock, in milliseconds, that deadlines are counted on. */
int64_t onc__now_ms(void);

/* Parses "tcp://HOST:PORT", "udp://[V6]:PORT", "tls://HOST:PORT", "unix:///PATH"; HOST may be
 * a name. When getaddrinfo() fails, *gai_error (if not NULL) gets its EAI_* code.
 *
 * The functions below that take os_error set *os_error (if not NULL) to the errno of the
 * system call that failed, and leave it alone when they succeed or no system call failed. */
onc_status onc__net_parse(const char *uri, onc__net_addr *out, int *gai_error);
uint16_t onc__net_port(const onc__net_addr *a);
void onc__net_set_port(onc__net_addr *a, uint16_t port);

/* The status for a failed system call's errno, the same for every socket call (and as
 * python/onc/errors.py's _ERRNO_STATUS): CONNREFUSED, CLOSED (EPIPE, ECONNRESET,
 * ECONNABORTED), DATAGRAM_TOO_BIG, NOMEM, TIMEDOUT, else IO. */
onc_status onc__os_status(int err);
/* A connected socket (blocking, close-on-exec, TCP_NODELAY on TCP); gives up after
 * timeout_ms with ONC_ERR_TIMEDOUT. */
onc_status onc__net_connect(const onc__net_addr *a, int timeout_ms, int *fd, int *os_error);
/* A bound (and for streams listening) non-blocking socket; *bound gets its address (with
 * the port picked when a's is 0). ONC_ERR_ADDRESS when it cannot be bound (EADDRINUSE,
 * EADDRNOTAVAIL: not one of this host's, EACCES, ENOENT...). */
onc_status onc__net_listen(const onc__net_addr *a, int *fd, onc__net_addr *bound,
			   int *os_error);
/* A socket bound by someone else (systemd, a parent): a TCP, UDP or Unix stream socket,
 * made listening (streams), non-blocking and close-on-exec; *bound gets its address.
 * ONC_ERR_ADDRESS when fd is no such socket. */
onc_status onc__net_adopt(int fd, onc__net_addr *bound, int *os_error);
/* Writes what the socket takes without waiting, retrying on EINTR: *sent bytes, fewer than
 * len (ONC_OK) when it is full. ONC_ERR_DATAGRAM_TOO_BIG for a datagram over the limit. */
onc_status onc__net_send(int fd, const uint8_t *data, size_t len, size_t *sent, int *os_error);

#endif
