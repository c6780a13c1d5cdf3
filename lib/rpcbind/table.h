/* Internal to lib/rpcbind: what warmstart.c may do with service.c's registration table. */
#ifndef ONC_RPCBIND_TABLE_H
#define ONC_RPCBIND_TABLE_H

#include "codec.h"

/* Takes (lock true) or releases the table's mutex; the two below need it held. */
void onc__rpcbind_lock(onc_rpcbind *rb, bool lock);
/* The table as DUMP answers it: a pmaplist for version 2 (tcp and udp entries), an
 * rpcblist for 3 and 4 (every entry, with its owner). */
onc_status onc__rpcbind_dump(onc_rpcbind *rb, uint32_t vers, onc_xdr_enc *out);
/* Adds a registration as it was saved, owner and all; false when the table refuses it
 * (full, over its owner's quota, a string too long, or at another address already). */
bool onc__rpcbind_restore(onc_rpcbind *rb, const onc__rpcb *r);

#endif
