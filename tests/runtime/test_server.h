/* A test program served by an onc_server in a background thread:
 *   TESTPROG 0x20000123, versions 1 and 3;
 *   0 NULL, 1 ADD(int, int) -> int, 2 ECHO(string<64>) -> string, 3 SLEEP(ms) -> void,
 *   4 FAIL() -> SYSTEM_ERR,
 *   5 SUM_LIST(list) -> hyper: the sum of a linked list `struct node { int v; node *next; }`
 *     sent as optional data (TRUE, v, TRUE, v, ..., FALSE), decoded iteratively (no recursion)
 *     into the call's arena; over SUM_LIST_MAX elements is GARBAGE_ARGS. */
#ifndef TEST_SERVER_H
#define TEST_SERVER_H

#include <pthread.h>

#include "onc/client.h"
#include "onc/rpcbind.h"
#include "onc/server.h"

#define TESTPROG 0x20000123u
enum { PROC_NULL, PROC_ADD, PROC_ECHO, PROC_SLEEP, PROC_FAIL, PROC_SUM_LIST };
#define SUM_LIST_MAX (1u << 20)

typedef struct test_server {
	onc_server *srv;
	pthread_t thread;
	uint16_t tcp_port, udp_port;
	char unix_path[64];
	char tcp[64], udp[64], unix_addr[80];
	const char *portmapper; /* set before start to register there */
} test_server;

/* Starts the server on 127.0.0.1 (TCP on tcp_port, or a free port for 0; UDP on a free
 * port) and on a Unix socket. */
void test_server_start(test_server *t, const onc_server_options *opts, uint16_t tcp_port);
void test_server_stop(test_server *t);

/* cmocka group fixtures for the files that share one server with default options. */
extern test_server the_server;
int the_server_setup(void **state);
int the_server_teardown(void **state);

/* A server of one program version (prog, version 1, dispatcher fn) in a background thread,
 * listening on TCP and UDP ports of 127.0.0.1 that it picks. Stopping checks that run
 * returned ONC_OK, and frees it. For the tests of one server behaviour each. */
typedef struct bg_server {
	onc_server *srv;
	pthread_t thread;
	uint16_t tcp_port, udp_port;
	char tcp[64], udp[64]; /* "tcp://127.0.0.1:PORT" ... */
	onc_status run_status;
} bg_server;

void bg_server_start(bg_server *s, const onc_server_options *opts, uint32_t prog,
		     onc_dispatch_fn fn);
void bg_server_stop(bg_server *s);
/* The embedded rpcbind in a background thread, served as `onc rpcbind` serves it (one loop):
 * on TCP and UDP ports of host ("127.0.0.1", "0.0.0.0") that it picks, on the Unix socket
 * unix_addr ("unix:///path", open to every user) unless NULL, forwarding CALLIT when callit is
 * set. tcp and udp are its addresses on 127.0.0.1. */
typedef struct rpcbind_server {
	onc_rpcbind *rb;
	onc_server *srv;
	pthread_t thread;
	uint16_t tcp_port, udp_port, udp6_port;
	char tcp[64], udp[64], udp6[64]; /* udp6: on [::1], where GETADDR answers for udp6 */
} rpcbind_server;

void rpcbind_server_start(rpcbind_server *s, const char *host, const char *unix_addr,
			  bool callit);
void rpcbind_server_stop(rpcbind_server *s);

/* A blocking TCP socket connected to 127.0.0.1:port, or -1. */
int connect_loopback(uint16_t port);
/* A socket of type SOCK_STREAM or SOCK_DGRAM on a free port of 127.0.0.1 that never answers,
 * or -1: a stream one listens and never accepts, so its connections complete and what they
 * send stays unread once a small receive buffer is full; a datagram one never reads. */
int silent_socket(int type, uint16_t *port);
/* The monotonic clock in milliseconds, to time calls. */
int64_t now_ms(void);
/* Appends a record-marked call header of prog version 1; its arguments follow, then
 * end_raw_call(e, rec). */
size_t begin_raw_call(onc_xdr_enc *e, uint32_t xid, uint32_t prog, uint32_t proc);
void end_raw_call(onc_xdr_enc *e, size_t rec);

typedef struct int_pair {
	int32_t a, b;
} int_pair;

onc_status enc_int_pair(onc_xdr_enc *e, const void *v);
onc_status dec_int(onc_xdr_dec *d, void *v);
onc_status enc_int(onc_xdr_enc *e, const void *v);
onc_status enc_string(onc_xdr_enc *e, const void *v);
onc_status dec_string(onc_xdr_dec *d, void *v);

#endif
