#include "all_types_impl.h"

#include <string.h>

static void count(void *ctx, int version)
{
	version_ctx *v = ctx;
	if (v->version == version) /* a wrong ctx shows up as a missing count */
		v->calls++;
}

onc_status all_null_1_svc(onc_call *call, void *ctx)
{
	(void)call;
	count(ctx, 1);
	return ONC_OK;
}

onc_status all_echo_1_svc(const everything *arg, everything *result, onc_call *call, void *ctx)
{
	(void)call;
	count(ctx, 1);
	*result = *arg; /* its parts live in the call's arena until the reply is sent */
	return ONC_OK;
}

onc_status all_add_1_svc(int32_t arg1, int32_t arg2, int32_t *result, onc_call *call, void *ctx)
{
	(void)call;
	count(ctx, 1);
	if (arg1 == INT32_MIN)
		return ONC_ERR_INVALID_ARG; /* the caller gets SYSTEM_ERR */
	*result = (int32_t)((uint32_t)arg1 + (uint32_t)arg2);
	return ONC_OK;
}

onc_status all_name_1_svc(const name *arg, char **result, onc_call *call, void *ctx)
{
	count(ctx, 1);
	size_t n = strlen(*arg);
	*result = onc_arena_alloc(call->arena, n + 8);
	if (!*result)
		return ONC_ERR_NOMEM;
	memcpy(*result, "hello, ", 7);
	memcpy(*result + 7, *arg, n + 1);
	return ONC_OK;
}

onc_status all_null_2_svc(onc_call *call, void *ctx)
{
	(void)call;
	count(ctx, 2);
	return ONC_OK;
}

/* A list with one node per element of arg1 (value a + arg3), ending with a node holding
 * arg2. */
onc_status all_list_2_svc(const smalls *arg1, color arg2, int64_t arg3, list *result,
			  onc_call *call, void *ctx)
{
	count(ctx, 2);
	list *node = result;
	for (uint32_t i = 0; i < arg1->smalls_len; i++) {
		node->value = (int32_t)(arg1->smalls_val[i].a + arg3);
		node->next = onc_arena_alloc(call->arena, sizeof *node->next);
		if (!node->next)
			return ONC_ERR_NOMEM;
		node = node->next;
		node->tag = NULL;
	}
	node->value = (int32_t)arg2;
	node->tag = "end";
	node->next = NULL;
	return ONC_OK;
}

static void *serve(void *server)
{
	onc_server_run(server);
	return NULL;
}

onc_status test_server_start(test_server *t)
{
	onc_status s;
	t->v1 = (version_ctx){ 1, 0 };
	t->v2 = (version_ctx){ 2, 0 };
	t->server = onc_server_create(NULL, &s);
	if (!t->server)
		return s;
	s = all_types_prog_1_register(t->server, &t->v1);
	if (s == ONC_OK)
		s = all_types_prog_2_register(t->server, &t->v2);
	if (s == ONC_OK)
		s = onc_server_listen(t->server, "tcp://127.0.0.1:0", &t->port);
	if (s == ONC_OK && pthread_create(&t->thread, NULL, serve, t->server) != 0)
		s = ONC_ERR_IO;
	if (s != ONC_OK)
		onc_server_destroy(t->server);
	return s;
}

void test_server_stop(test_server *t)
{
	onc_server_stop(t->server);
	pthread_join(t->thread, NULL);
	onc_server_destroy(t->server);
}
