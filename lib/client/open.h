/* Internal: a client for an address that has its port. onc_client_create() (in
 * lib/rpcbind/connect.c, since an address without a port is looked up through rpcbind) and
 * rpcbind's own calls make clients with it, so that the client knows nothing of rpcbind. */
#ifndef ONC_CLIENT_OPEN_H
#define ONC_CLIENT_OPEN_H

#include "../net/net.h"
#include "onc/client.h"

#define ONC__DEFAULT_TIMEOUT_MS 25000 /* per call, as rpcgen's clients */

onc_client *onc__client_open(const onc__net_addr *addr, uint32_t prog, uint32_t vers,
			     const onc_client_options *opts, onc_status *status);

#endif
