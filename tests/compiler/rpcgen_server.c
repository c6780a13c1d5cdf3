#include "rpcgen_server.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "all_types.h" /* rpcgen's */

void all_types_prog_1(struct svc_req *rqstp, SVCXPRT *transp);
void all_types_prog_2(struct svc_req *rqstp, SVCXPRT *transp);

static int calls;

/* The procedures, as rpcgen -N wants them: results in static storage. */
void *all_null_1_svc(struct svc_req *r)
{
	static char nothing;
	(void)r;
	calls++;
	return &nothing;
}

void *all_null_2_svc(struct svc_req *r)
{
	return all_null_1_svc(r);
}

everything *all_echo_1_svc(everything arg, struct svc_req *r)
{
	static everything result;
	(void)r;
	calls++;
	result = arg; /* the arguments are freed after the reply is sent */
	return &result;
}

int *all_add_1_svc(int arg1, int arg2, struct svc_req *r)
{
	static int result;
	calls++;
	if (arg1 == INT32_MIN) {
		svcerr_systemerr(r->rq_xprt);
		return NULL;
	}
	result = (int)((unsigned)arg1 + (unsigned)arg2);
	return &result;
}

char **all_name_1_svc(name arg, struct svc_req *r)
{
	static char buf[256];
	static char *result = buf;
	(void)r;
	calls++;
	snprintf(buf, sizeof buf, "hello, %s", arg);
	return &result;
}

list *all_list_2_svc(smalls arg1, color arg2, quad_t arg3, struct svc_req *r)
{
	static list nodes[11];
	(void)r;
	calls++;
	uint32_t n = arg1.smalls_len;
	for (uint32_t i = 0; i < n; i++) {
		nodes[i].value = (int)(arg1.smalls_val[i].a + arg3);
		nodes[i].tag = ""; /* xdr_string cannot encode NULL */
		nodes[i].next = &nodes[i + 1];
	}
	nodes[n].value = (int)arg2;
	nodes[n].tag = "end";
	nodes[n].next = NULL;
	return &nodes[0];
}

static void *serve(void *arg)
{
	(void)arg;
	svc_run();
	return NULL;
}

bool rpcgen_server_start(uint16_t *port)
{
	SVCXPRT *xprt = svctcp_create(RPC_ANYSOCK, 0, 0);
	pthread_t thread;
	/* protocol 0: not registered with rpcbind */
	if (!xprt || !svc_register(xprt, ALL_TYPES_PROG, ALL_TYPES_V1, all_types_prog_1, 0) ||
	    !svc_register(xprt, ALL_TYPES_PROG, ALL_TYPES_V2, all_types_prog_2, 0))
		return false;
	*port = xprt->xp_port;
	if (pthread_create(&thread, NULL, serve, NULL) != 0)
		return false;
	pthread_detach(thread);
	return true;
}

int rpcgen_server_calls(void)
{
	return calls;
}
