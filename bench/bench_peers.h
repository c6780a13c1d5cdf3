/* The onc and libtirpc sides of the network benchmarks (bench_null, bench_load): a server of
 * each on loopback TCP, serving program BENCH_PROG version 1 from a thread of its own until
 * the process ends, and clients of it, with the null call in bench_common's shape. */
#ifndef BENCH_PEERS_H
#define BENCH_PEERS_H

#include <rpc/rpc.h>
#include <stdint.h>

#include "onc/client.h"
#include "onc/server.h"

#define BENCH_PROG 0x20000777u
/* Procedure 1 of BENCH_PROG: opaque<BENCH_BULK_BYTES> in, its length (unsigned) out. */
#define BENCH_PROC_BULK 1u
#define BENCH_BULK_BYTES 65536u

/* onc: opts as onc_server_create takes them (NULL: the defaults); the port it listens on. */
uint16_t bench_onc_server(const onc_server_options *opts, onc_dispatch_fn dispatch);
/* A client (onc_client *) of the server at *(uint16_t *)port; bench_run_threads' shape. */
void *bench_onc_open(void *port);
void bench_onc_close(void *client);
int bench_onc_null(void *client, double *started);

/* The bulk procedure's server side, onc (a dispatcher's answer for it) and libtirpc (answers
 * the request), and its calls with BENCH_BULK_BYTES of data (bench_call_fn). */
onc_accept_stat bench_onc_bulk_serve(onc_call *call);
void bench_tirpc_bulk_serve(SVCXPRT *x);
int bench_onc_bulk(void *client, double *started);
int bench_tirpc_bulk(void *client, double *started);

/* Resident bytes per idle connection of an onc server (opts, dispatch) run in a forked child:
 * n clients from open(&port), each after one NULL call, held open while the child's VmRSS is
 * read; -1 when the descriptor limit is too low. Call while this process has one thread. */
double bench_onc_bytes_per_idle(const onc_server_options *opts, onc_dispatch_fn dispatch,
				void *(*open)(void *port), unsigned n);

/* libtirpc: svc_run serves every transport of the process, so one server per process. */
uint16_t bench_tirpc_server(void (*dispatch)(struct svc_req *, SVCXPRT *));
void *bench_tirpc_open(void *port);
void bench_tirpc_close(void *client);
int bench_tirpc_null(void *client, double *started);
/* libtirpc's xdr_void is declared without parameters; this is the usual xdrproc_t shape. */
bool_t bench_xdr_void(XDR *x, void *v);
extern struct timeval bench_tirpc_timeout;

#endif
