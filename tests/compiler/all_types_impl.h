/* Implementations of all_types.x's procedures for onc's generated server, shared by the
 * tests that call them (through onc's client stubs, and through rpcgen's). */
#ifndef ONC_TEST_ALL_TYPES_IMPL_H
#define ONC_TEST_ALL_TYPES_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include <onc/server.h>

#include "all_types.h"

/* What the server was given as ctx for a version, and how often it was called. */
typedef struct version_ctx {
	int version;
	int calls;
} version_ctx;

/* A server with both versions registered (ctx v1 and v2), listening on the loopback and
 * running in a thread of its own. */
typedef struct test_server {
	onc_server *server;
	pthread_t thread;
	uint16_t port;
	version_ctx v1, v2;
} test_server;

onc_status test_server_start(test_server *t);
void test_server_stop(test_server *t);

#endif
