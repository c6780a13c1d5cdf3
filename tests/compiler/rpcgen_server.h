/* rpcgen's server dispatchers for all_types.x (with libtirpc) and procedures for them, for a
 * test that includes onc's all_types.h. */
#ifndef ONC_TEST_RPCGEN_SERVER_H
#define ONC_TEST_RPCGEN_SERVER_H

#include <stdbool.h>
#include <stdint.h>

/* Serves both versions over TCP on a free port (*port), from a thread running svc_run(); it
 * runs until the process exits (libtirpc has no way to stop it from another thread). */
bool rpcgen_server_start(uint16_t *port);
/* Calls answered so far. */
int rpcgen_server_calls(void);

#endif
