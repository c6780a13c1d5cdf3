/* The calc server: the procedures of calc.x, served over TCP and UDP on 127.0.0.1 and
 * registered with the host's rpcbind while it runs. Stops cleanly on SIGINT or SIGTERM.
 *
 * usage: calc_server [--rpcbind PORT] [--port PORT]
 *   --rpcbind PORT  where the portmapper/rpcbind listens (default 111)
 *   --port PORT     the port to serve on, TCP and UDP (default: any free one) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onc/rpcbind.h>
#include <onc/server.h>

#include "calc.h"

onc_status calc_add_1_svc(const operands *arg, int32_t *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = (int32_t)((uint32_t)arg->a + (uint32_t)arg->b); /* wraps, as on the client */
	return ONC_OK;
}

onc_status calc_subtract_1_svc(const operands *arg, int32_t *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = (int32_t)((uint32_t)arg->a - (uint32_t)arg->b);
	return ONC_OK;
}

onc_status calc_multiply_1_svc(int32_t a, int32_t b, int64_t *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = (int64_t)a * b; /* a hyper holds any product of two ints */
	return ONC_OK;
}

onc_status calc_divide_1_svc(const operands *arg, division *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	/* Errors are answers in the result's error arm, not crashes. */
	if (arg->b == 0 || (arg->a == INT32_MIN && arg->b == -1)) {
		result->status = arg->b == 0 ? CALC_DIVISION_BY_ZERO : CALC_OVERFLOW;
		return ONC_OK;
	}
	result->status = CALC_OK;
	result->division_u.result.quot = arg->a / arg->b;
	result->division_u.result.rem = arg->a % arg->b;
	return ONC_OK;
}

onc_status calc_echo_1_svc(const text *arg, text *result, onc_call *call, void *ctx)
{
	(void)ctx;
	/* Results live in the call's arena: freed by the server once the reply is sent. */
	size_t n = strlen(*arg);
	*result = onc_arena_alloc(call->arena, n + 1);
	if (!*result)
		return ONC_ERR_NOMEM;
	memcpy(*result, *arg, n + 1);
	return ONC_OK;
}

onc_status calc_sum_1_svc(const values *arg, int64_t *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = 0;
	for (uint32_t i = 0; i < arg->values_len; i++)
		*result += arg->values_val[i];
	return ONC_OK;
}

static onc_server *server;

static void stop(int sig)
{
	(void)sig;
	onc_server_stop(server); /* safe in a signal handler */
}

int main(int argc, char **argv)
{
	const char *rpcbind = "111", *port = "0";
	char addr[64];
	uint16_t tcp_port, udp_port;
	onc_status st;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rpcbind") == 0)
			rpcbind = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			port = argv[i + 1];
	}
	server = onc_server_create(NULL, &st);
	if (st == ONC_OK)
		st = calc_prog_1_register(server, NULL);
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%s", port);
	if (st == ONC_OK)
		st = onc_server_listen(server, addr, &tcp_port);
	snprintf(addr, sizeof addr, "udp://127.0.0.1:%s", port);
	if (st == ONC_OK)
		st = onc_server_listen(server, addr, &udp_port);
	snprintf(addr, sizeof addr, "udp://127.0.0.1:%s", rpcbind);
	if (st == ONC_OK)
		st = onc_server_use_portmapper(server, addr);
	if (st != ONC_OK) {
		fprintf(stderr, "calc_server: %s\n", onc_strerror(st));
		return 1;
	}
	signal(SIGINT, stop);
	signal(SIGTERM, stop);
	printf("calc_server: serving on 127.0.0.1, tcp port %u, udp port %u; registered with "
	       "rpcbind at port %s\n",
	       tcp_port, udp_port, rpcbind);
	fflush(stdout);
	st = onc_server_run(server); /* registers, serves, unregisters */
	onc_server_destroy(server);
	if (st != ONC_OK) {
		fprintf(stderr, "calc_server: %s\n", onc_strerror(st));
		return 1;
	}
	printf("calc_server: stopped\n");
	return 0;
}
