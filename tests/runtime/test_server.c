#include "test_server.h"

#include "onc/rpcbind.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

onc_status enc_int_pair(onc_xdr_enc *e, const void *v)
{
	const int_pair *p = v;
	ONC_TRY(onc_xdr_put_i32(e, p->a));
	return onc_xdr_put_i32(e, p->b);
}

onc_status enc_int(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_i32(e, *(const int32_t *)v);
}

onc_status dec_int(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_i32(d, v);
}

onc_status enc_string(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_string(e, *(const char *const *)v, 64);
}

onc_status dec_string(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_string(d, v, 64);
}

typedef struct list_node {
	int32_t v;
	struct list_node *next;
} list_node;

/* As generated code decodes a list: a loop, one arena node per element, so a long list
 * costs memory (bounded by the record and arena limits), never stack. */
static onc_accept_stat sum_list(onc_call *call)
{
	list_node *head = NULL, **tail = &head;
	int64_t sum = 0;
	bool more;
	for (uint32_t n = 0;; n++) {
		if (onc_xdr_get_bool(call->args, &more) != ONC_OK)
			return ONC_GARBAGE_ARGS;
		if (!more)
			break;
		list_node *node = NULL;
		if (n < SUM_LIST_MAX)
			node = onc_arena_alloc(call->arena, sizeof *node);
		if (!node || onc_xdr_get_i32(call->args, &node->v) != ONC_OK)
			return ONC_GARBAGE_ARGS;
		node->next = NULL;
		*tail = node;
		tail = &node->next;
	}
	for (const list_node *node = head; node; node = node->next)
		sum += node->v;
	return onc_xdr_put_i64(call->results, sum) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
}

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	int32_t a, b, ms;
	char *s;
	switch (call->header->proc) {
	case PROC_NULL:
		return ONC_SUCCESS;
	case PROC_ADD:
		if (onc_xdr_get_i32(call->args, &a) || onc_xdr_get_i32(call->args, &b))
			return ONC_GARBAGE_ARGS;
		return onc_xdr_put_i32(call->results, a + b) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case PROC_ECHO:
		if (onc_xdr_get_string(call->args, &s, 64))
			return ONC_GARBAGE_ARGS;
		return onc_xdr_put_string(call->results, s, 64) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case PROC_SLEEP:
		if (onc_xdr_get_i32(call->args, &ms))
			return ONC_GARBAGE_ARGS;
		nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
		return ONC_SUCCESS;
	case PROC_FAIL:
		return ONC_SYSTEM_ERR;
	case PROC_SUM_LIST:
		return sum_list(call);
	default:
		return ONC_PROC_UNAVAIL;
	}
}

static void *serve(void *arg)
{
	onc_server_run(arg);
	return NULL;
}

static void must(onc_status st, const char *what)
{
	if (st != ONC_OK) {
		fprintf(stderr, "%s: %s\n", what, onc_strerror(st));
		abort();
	}
}

void test_server_start(test_server *t, const onc_server_options *opts, uint16_t tcp_port)
{
	char tcp[64];
	onc_status st;
	t->srv = onc_server_create(opts, &st);
	must(st, "onc_server_create");
	must(onc_server_register(t->srv, TESTPROG, 1, dispatch, NULL), "register v1");
	must(onc_server_register(t->srv, TESTPROG, 3, dispatch, NULL), "register v3");
	snprintf(tcp, sizeof tcp, "tcp://127.0.0.1:%u", tcp_port);
	must(onc_server_listen(t->srv, tcp, &t->tcp_port), "listen tcp");
	must(onc_server_listen(t->srv, "udp://127.0.0.1:0", &t->udp_port), "listen udp");
	snprintf(t->unix_path, sizeof t->unix_path, "/tmp/onc-test-%d.sock", (int)getpid());
	snprintf(t->unix_addr, sizeof t->unix_addr, "unix://%s", t->unix_path);
	must(onc_server_listen(t->srv, t->unix_addr, NULL), "listen unix");
	snprintf(t->tcp, sizeof t->tcp, "tcp://127.0.0.1:%u", t->tcp_port);
	snprintf(t->udp, sizeof t->udp, "udp://127.0.0.1:%u", t->udp_port);
	if (t->portmapper)
		must(onc_server_use_portmapper(t->srv, t->portmapper), "use portmapper");
	pthread_create(&t->thread, NULL, serve, t->srv);
}

void test_server_stop(test_server *t)
{
	onc_server_stop(t->srv);
	pthread_join(t->thread, NULL);
	onc_server_destroy(t->srv);
	unlink(t->unix_path);
}

test_server the_server;

/* ONC_TEST_WORKERS=N runs the shared server with N workers (see the ctest list). */
int the_server_setup(void **state)
{
	(void)state;
	const char *workers = getenv("ONC_TEST_WORKERS");
	onc_server_options o = {.workers = workers ? (unsigned)atoi(workers) : 0};
	test_server_start(&the_server, &o, 0);
	return 0;
}

int the_server_teardown(void **state)
{
	(void)state;
	test_server_stop(&the_server);
	return 0;
}

static void *bg_serve(void *arg)
{
	bg_server *s = arg;
	s->run_status = onc_server_run(s->srv);
	return NULL;
}

void bg_server_start(bg_server *s, const onc_server_options *opts, uint32_t prog,
		     onc_dispatch_fn fn)
{
	onc_status st;
	s->srv = onc_server_create(opts, &st);
	must(st, "onc_server_create");
	must(onc_server_register(s->srv, prog, 1, fn, NULL), "register");
	must(onc_server_listen(s->srv, "tcp://127.0.0.1:0", &s->tcp_port), "listen tcp");
	must(onc_server_listen(s->srv, "udp://127.0.0.1:0", &s->udp_port), "listen udp");
	snprintf(s->tcp, sizeof s->tcp, "tcp://127.0.0.1:%u", s->tcp_port);
	snprintf(s->udp, sizeof s->udp, "udp://127.0.0.1:%u", s->udp_port);
	if (pthread_create(&s->thread, NULL, bg_serve, s) != 0)
		must(ONC_ERR_NOMEM, "pthread_create");
}

void bg_server_stop(bg_server *s)
{
	onc_server_stop(s->srv);
	pthread_join(s->thread, NULL);
	must(s->run_status, "onc_server_run");
	onc_server_destroy(s->srv);
}

void rpcbind_server_start(rpcbind_server *s, const char *host, const char *unix_addr,
			  bool callit)
{
	char addr[64];
	onc_status st;
	s->rb = onc_rpcbind_create(&st);
	must(st, "onc_rpcbind_create");
	s->srv = onc_server_create(&(onc_server_options){.threads = 1}, &st);
	must(st, "onc_server_create");
	snprintf(addr, sizeof addr, "tcp://%s:0", host);
	must(onc_server_listen(s->srv, addr, &s->tcp_port), "listen tcp");
	snprintf(addr, sizeof addr, "udp://%s:0", host);
	must(onc_server_listen(s->srv, addr, &s->udp_port), "listen udp");
	must(onc_server_listen(s->srv, "udp://[::1]:0", &s->udp6_port), "listen udp6");
	if (unix_addr) {
		must(onc_server_listen(s->srv, unix_addr, NULL), "listen unix");
		must(chmod(unix_addr + strlen("unix://"), 0666) ? ONC_ERR_IO : ONC_OK, "chmod");
	}
	must(onc_rpcbind_attach(s->rb, s->srv), "attach");
	if (callit)
		must(onc_rpcbind_allow_callit(s->rb), "allow callit");
	snprintf(s->tcp, sizeof s->tcp, "tcp://127.0.0.1:%u", s->tcp_port);
	snprintf(s->udp, sizeof s->udp, "udp://127.0.0.1:%u", s->udp_port);
	snprintf(s->udp6, sizeof s->udp6, "udp://[::1]:%u", s->udp6_port);
	if (pthread_create(&s->thread, NULL, serve, s->srv) != 0)
		must(ONC_ERR_NOMEM, "pthread_create");
}

void rpcbind_server_stop(rpcbind_server *s)
{
	onc_server_stop(s->srv);
	pthread_join(s->thread, NULL);
	onc_server_destroy(s->srv);
	onc_rpcbind_destroy(s->rb);
}

int connect_loopback(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int silent_socket(int type, uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sin;
	int small = 4096, fd = socket(AF_INET, type, 0);
	if (fd < 0)
		return -1;
	/* its connections inherit the small buffer */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 8) != 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t begin_raw_call(onc_xdr_enc *e, uint32_t xid, uint32_t prog, uint32_t proc)
{
	onc_call_header h = {
		.xid = xid, .rpcvers = ONC_RPC_VERSION, .prog = prog, .vers = 1, .proc = proc};
	size_t rec;
	must(onc_rm_begin(e, &rec), "onc_rm_begin");
	must(onc_rpc_encode_call(e, &h), "onc_rpc_encode_call");
	return rec;
}

void end_raw_call(onc_xdr_enc *e, size_t rec)
{
	must(onc_rm_end(e, rec, 0), "onc_rm_end");
}
