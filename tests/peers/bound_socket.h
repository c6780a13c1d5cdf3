/* For the rpcgen/libtirpc peer servers, which take sockets already bound: a socket of the
 * given type (SOCK_STREAM, SOCK_DGRAM) bound to a free port on 127.0.0.1 (*port); exits
 * the process on failure. */
#ifndef PEERS_BOUND_SOCKET_H
#define PEERS_BOUND_SOCKET_H

int bound_socket(int type, unsigned short *port);

#endif
