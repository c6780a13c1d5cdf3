/* onc info's rpcbind listings (info_list.c), each in rpcinfo's format; each returns the exit
 * status rpcinfo would, after printing what it would. HOST NULL: this host's rpcbind on its
 * Unix socket; pmap_port: rpcbind's port on HOST. */
#ifndef ONC_CLI_INFO_LIST_H
#define ONC_CLI_INFO_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "onc/rpcbind.h"

/* rpcbind DUMP, in full or (brief, -s) one line per program; over netid ("tcp", "udp",
 * "tcp6", "udp6") when it is not NULL and there is a HOST, else over TCP. */
int info_dump(const char *host, const char *netid, uint16_t pmap_port, bool brief);
/* -m: rpcbind's GETSTAT counts. */
int info_stat(const char *host, uint16_t pmap_port);
/* -l: the addresses GETADDRLIST gives for prog/vers. */
int info_addrlist(const char *host, uint16_t pmap_port, uint32_t prog, uint32_t vers);
/* -b: NULL of prog/vers broadcast to every rpcbind on this host's networks. */
int info_broadcast(uint32_t prog, uint32_t vers);

/* clnt_sperrno's words for st, as rpcinfo prints them after "RPC: ". */
const char *info_rpc_error(onc_status st);
/* The address of HOST's rpcbind into out; false after saying why there is none. */
bool info_rpcbind_addr(char *out, size_t cap, const char *host, uint16_t pmap_port);

#endif
