/* The install test's program: a server on a loopback port in a thread, and a client calling
 * it, with code onc gen wrote from hello.x. Prints the answer; exits 0 when it is right. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onc/client.h>
#include <onc/server.h>

#include "hello.h"

onc_status greet_1_svc(const greeting *arg, char **result, onc_call *call, void *ctx)
{
	(void)ctx;
	size_t one = strlen("hello, ") + strlen(arg->name) + 2, n = 0;
	if (arg->times < 1 || arg->times > 8)
		return ONC_ERR_BAD_VALUE;
	*result = onc_arena_alloc(call->arena, one * (size_t)arg->times + 1);
	if (!*result)
		return ONC_ERR_NOMEM;
	for (int i = 0; i < arg->times; i++)
		n += (size_t)sprintf(*result + n, "%shello, %s", i ? "; " : "", arg->name);
	return ONC_OK;
}

static void *serve(void *srv)
{
	onc_server_run(srv);
	return NULL;
}

int main(void)
{
	onc_status st;
	uint16_t port;
	char addr[64];
	onc_server *srv = onc_server_create(NULL, &st);
	if (!srv || (st = onc_server_listen(srv, "tcp://127.0.0.1:0", &port)) != ONC_OK ||
	    (st = hello_prog_1_register(srv, NULL)) != ONC_OK) {
		fprintf(stderr, "server: %s\n", onc_strerror(st));
		return 1;
	}
	pthread_t t;
	pthread_create(&t, NULL, serve, srv);
	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", port);
	onc_client *c = onc_client_create(addr, HELLO_PROG, HELLO_V1, NULL, &st);
	char *answer = NULL;
	greeting g = { "onc", 2 };
	if (c)
		st = greet_1(c, &g, &answer);
	printf("%s\n", st == ONC_OK ? answer : onc_strerror(st));
	int rc = st == ONC_OK && strcmp(answer, "hello, onc; hello, onc") == 0 ? 0 : 1;
	free(answer);
	onc_client_destroy(c);
	onc_server_stop(srv);
	pthread_join(t, NULL);
	onc_server_destroy(srv);
	return rc;
}
