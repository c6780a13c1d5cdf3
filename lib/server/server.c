/* The server object: create, register programs, listen, run, stop. The loops (loop.c) do the
 * I/O; calls are dispatched in one of two ways:
 * - inline (no workers): decoded, dispatched and answered on the loop that read them;
 *   replies to a batch of pipelined calls leave in one write;
 * - by a worker pool (pool.c): the loop queues each call; a worker runs the handler and
 *   posts the reply to the connection, whose loop writes every reply that has gathered in
 *   one send. Pipelined calls from one connection then run on all the workers at once, and
 *   a handler that blocks holds up no connection but its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../net/net.h"
#include "internal.h"

#define DEFAULT_MAX_CONNECTIONS 4096u
#define DEFAULT_IDLE_TIMEOUT_MS 120000u
#define DEFAULT_MAX_BUFFERED ((size_t)256 << 20)
#define DEFAULT_HANDSHAKE_TIMEOUT_MS 10000u
#define MAX_LISTENERS (sizeof ((onc_server *)0)->listeners / sizeof(onc__listener))

onc_server *onc_server_create(const onc_server_options *opts, onc_status *status)
{
	onc_server *s = calloc(1, sizeof *s);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nloops = opts && opts->threads ? opts->threads : (unsigned)(cores > 0 ? cores : 1);

	*status = ONC_ERR_NOMEM;
	if (!s)
		return NULL;
	s->max_record = opts && opts->max_record ? opts->max_record : ONC_RM_DEFAULT_MAX_RECORD;
	s->max_connections = opts && opts->max_connections ? opts->max_connections
							   : DEFAULT_MAX_CONNECTIONS;
	s->idle_timeout_ms = opts && opts->idle_timeout_ms ? opts->idle_timeout_ms
							   : DEFAULT_IDLE_TIMEOUT_MS;
	s->max_buffered = opts && opts->max_buffered ? opts->max_buffered : DEFAULT_MAX_BUFFERED;
	pthread_mutex_init(&s->deferred_lock, NULL);
	pthread_cond_init(&s->deferred_done, NULL);
	if (opts && opts->tls.cert_file) {
		const onc_tls_server_options *o = &opts->tls;
		onc__tls_files files = {o->client_ca_file, NULL, o->cert_file, o->key_file};
		s->tls_ctx = onc__tls_server_ctx(&files, o->require_client_cert, status);
		if (!s->tls_ctx)
			goto err;
	}
	s->handshake_timeout_ms = opts && opts->tls.handshake_timeout_ms
					  ? opts->tls.handshake_timeout_ms
					  : DEFAULT_HANDSHAKE_TIMEOUT_MS;
	*status = ONC_ERR_NOMEM;
	s->loops = calloc(nloops, sizeof *s->loops);
	if (!s->loops || onc__pool_init(&s->pool, s, opts ? opts->workers : 0) != ONC_OK)
		goto err;
	*status = ONC_ERR_IO;
	for (; s->nloops < nloops; s->nloops++)
		if (onc__loop_init(&s->loops[s->nloops], s) != ONC_OK) {
			s->nloops++; /* destroyed below with the others */
			goto err;
		}
	*status = ONC_OK;
	return s;
err:
	if (*status == ONC_OK)
		*status = ONC_ERR_NOMEM;
	onc_server_destroy(s);
	return NULL;
}

void onc_server_destroy(onc_server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nloops; i++)
		onc__loop_destroy(&s->loops[i]);
	onc__pool_destroy(&s->pool);
	for (size_t i = 0; i < s->nlisteners; i++)
		close(s->listeners[i].src.fd);
	if (s->hooks.free)
		s->hooks.free(s->hooks.ctx);
	pthread_mutex_destroy(&s->deferred_lock);
	pthread_cond_destroy(&s->deferred_done);
	SSL_CTX_free(s->tls_ctx);
	free(s->loops);
	free(s->progs);
	free(s);
}

onc_status onc_server_register(onc_server *s, uint32_t prog, uint32_t vers, onc_dispatch_fn fn,
			       void *ctx)
{
	uint32_t low, high;
	if (!fn || onc__find_program(s, prog, vers, &low, &high))
		return ONC_ERR_INVALID_ARG;
	onc__program *grown = realloc(s->progs, (s->nprogs + 1) * sizeof *grown);
	if (!grown)
		return ONC_ERR_NOMEM;
	s->progs = grown;
	s->progs[s->nprogs++] = (onc__program){prog, vers, fn, ctx, false};
	return ONC_OK;
}

onc_status onc_server_require_tls(onc_server *s, uint32_t prog, uint32_t vers)
{
	uint32_t low, high;
	onc__program *p = (onc__program *)onc__find_program(s, prog, vers, &low, &high);
	if (!p || !s->tls_ctx)
		return ONC_ERR_INVALID_ARG;
	p->tls_only = true;
	return ONC_OK;
}

/* Serves on fd, bound at bound; the server owns fd once this succeeds, the caller before. */
static onc_status add_listener(onc_server *s, int fd, const onc__net_addr *bound, uint16_t *port)
{
	if (s->nlisteners == MAX_LISTENERS)
		return ONC_ERR_INVALID_ARG;
	onc__listener *l = &s->listeners[s->nlisteners];
	memset(l, 0, sizeof *l);
	l->src = (onc__source){
		.kind = bound->kind == ONC__NET_UDP ? SRC_DATAGRAM : SRC_STREAM_LISTENER, .fd = fd};
	l->stream = bound->kind != ONC__NET_UDP;
	l->port = onc__net_port(bound);
	l->addr = bound->sa;
	for (unsigned i = 0; i < s->nloops; i++) {
		if (onc__poller_add(&s->loops[i].poller, fd, ONC__POLL_IN | ONC__POLL_EXCLUSIVE,
				    &l->src) != ONC_OK) {
			while (i-- > 0)
				onc__poller_del(&s->loops[i].poller, fd);
			return ONC_ERR_IO;
		}
	}
	if (port)
		*port = l->port;
	s->nlisteners++;
	return ONC_OK;
}

onc_status onc_server_listen(onc_server *s, const char *addr, uint16_t *port)
{
	onc__net_addr a, bound;
	int fd, os_error = 0;
	onc_status st = s->nlisteners == MAX_LISTENERS ? ONC_ERR_INVALID_ARG
						       : onc__net_parse(addr, &a, NULL);
	if (st == ONC_OK && !a.has_port)
		st = ONC_ERR_ADDRESS;
	if (st == ONC_OK)
		st = onc__net_listen(&a, &fd, &bound, &os_error);
	if (st == ONC_OK) {
		st = add_listener(s, fd, &bound, port);
		if (st != ONC_OK)
			close(fd);
	}
	if (st != ONC_OK)
		errno = os_error;
	return st;
}

onc_status onc_server_listen_fd(onc_server *s, int fd, uint16_t *port)
{
	onc__net_addr bound;
	int os_error = 0;
	onc_status st = onc__net_adopt(fd, &bound, &os_error);
	if (st == ONC_OK)
		st = add_listener(s, fd, &bound, port);
	if (st != ONC_OK)
		errno = os_error;
	return st;
}

void onc__server_set_hooks(onc_server *s, const onc__server_hooks *h)
{
	if (s->hooks.free)
		s->hooks.free(s->hooks.ctx);
	s->hooks = *h;
}

/* Every loop has stopped: the calls with the workers and the deferred calls are answered,
 * then every reply is written and every connection closed, here on this thread. */
static void drain(onc_server *s)
{
	onc__pool_finish(&s->pool);
	pthread_mutex_lock(&s->deferred_lock);
	while (s->deferred)
		pthread_cond_wait(&s->deferred_done, &s->deferred_lock);
	pthread_mutex_unlock(&s->deferred_lock);
	for (unsigned i = 0; i < s->nloops; i++) {
		onc__loop *l = &s->loops[i];
		onc__loop_flush_ready(l);
		while (l->conns) {
			onc__conn *c = l->conns;
			onc__conn_event(c, ONC__POLL_OUT); /* may close c */
			onc__conn_close(c);
		}
		onc__loop_release_closed(l);
	}
}

onc_status onc_server_run(onc_server *s)
{
	unsigned started = 1;
	onc_status st = ONC_OK;

	if (s->hooks.start)
		ONC_TRY(s->hooks.start(s, s->hooks.ctx));
	/* A stop asked for before this point stands (clearing it here lost it, and run() then
	 * served until another stop); it is cleared as run() returns, for the next run. */
	st = onc__pool_start(&s->pool);
	while (st == ONC_OK && started < s->nloops) {
		if (!onc__start_thread(&s->loops[started].thread, onc__loop_run, &s->loops[started],
				       "loop", started))
			st = ONC_ERR_NOMEM;
		else
			started++;
	}
	if (st != ONC_OK)
		onc_server_stop(s);
	onc__loop_run(&s->loops[0]);
	for (unsigned i = 1; i < started; i++)
		pthread_join(s->loops[i].thread, NULL);
	drain(s);
	if (s->hooks.stop)
		s->hooks.stop(s, s->hooks.ctx);
	atomic_store(&s->stopping, false);
	return st;
}

void onc_server_stop(onc_server *s)
{
	atomic_store(&s->stopping, true);
	for (unsigned i = 0; i < s->nloops; i++)
		onc__poller_wake(&s->loops[i].poller);
}

/* Threads get names (top -H, perf, gdb): "onc-loop-N", "onc-worker-N". */
bool onc__start_thread(pthread_t *t, void *(*fn)(void *), void *arg, const char *what, unsigned i)
{
	char name[16];
	if (pthread_create(t, NULL, fn, arg))
		return false;
	snprintf(name, sizeof name, "onc-%.6s-%u", what, i % 10000u);
	pthread_setname_np(*t, name);
	return true;
}
