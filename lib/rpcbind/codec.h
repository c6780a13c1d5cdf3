/* Internal to lib/rpcbind: the portmapper and rpcbind types, their codecs and procedure numbers
 * (rpcb_prot.h, generated at build time from rpcb_prot.x: RFC 1833), and the names rpcbind
 * gives a server's listeners; the port lookup with its error detail. */
#ifndef ONC_RPCBIND_CODEC_H
#define ONC_RPCBIND_CODEC_H

#include "onc/rpcbind.h"
#include "rpcb_prot.h"

/* register.c: the netid ("tcp", "udp6", "local", ...) and universal address (a path for
 * Unix sockets) of one of a server's listeners; false when it has none (a Unix datagram
 * socket). */
#define ONC__UADDR_MAX 108
struct onc__listener;
bool onc__listener_names(const struct onc__listener *l, char netid[8],
			 char uaddr[ONC__UADDR_MAX]);

/* client.c: onc_rpcb_find_port() with the failure's detail in err (may be NULL), for
 * onc_client_create() (connect.c). */
onc_status onc__rpcb_find_port(const char *host, uint16_t pmap_port, const char *netid,
			       uint32_t prog, uint32_t vers, int timeout_ms, uint16_t *port,
			       onc_call_error *err);

#endif
