/* The worker pool: threads that run the calls the loops queue. A job holds a reference on its
 * connection (conn.c) until the worker has posted the reply; a datagram job is answered with
 * sendto() from the worker. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

onc__job *onc__job_new(const onc__origin *from, const uint8_t *msg, size_t len)
{
	onc__job *j = malloc(sizeof *j + len);
	if (j) {
		j->next = NULL;
		j->origin = *from;
		j->len = len;
		memcpy(j->msg, msg, len);
	}
	return j;
}

bool onc__pool_push(onc__pool *p, onc__job *first, onc__job **tail, unsigned n)
{
	bool datagram = first->origin.kind == ORIGIN_DATAGRAM;
	pthread_mutex_lock(&p->lock);
	bool room = !datagram || p->datagrams < ONC__MAX_DATAGRAM_JOBS;
	if (room) {
		p->datagrams += datagram;
		*p->tail = first;
		p->tail = tail;
		if (n > 1)
			pthread_cond_broadcast(&p->nonempty);
		else
			pthread_cond_signal(&p->nonempty);
	}
	pthread_mutex_unlock(&p->lock);
	return room;
}

/* Runs a job and frees it, before its reply leaves: once the peer has its answer, the call's
 * memory is already given back. */
static void run_job(onc__worker *w, onc__job *j)
{
	onc__origin from = j->origin;
	size_t len = j->len;
	if (from.kind == ORIGIN_CONN && !onc__conn_may_run(from.conn, j))
		return; /* put aside until its connection's replies are read */
	onc_xdr_enc_reset(&w->out);
	onc__dispatch(w->srv, &w->arena, j->msg, len, &w->out, &from);
	free(j);
	if (from.kind == ORIGIN_CONN)
		onc__conn_post(from.conn, &w->out, 1, len); /* and the job's reference */
	else if (onc_xdr_enc_len(&w->out))
		sendto(from.fd, w->out.base, onc_xdr_enc_len(&w->out), MSG_DONTWAIT,
		       (const struct sockaddr *)&from.peer, from.peer_len);
	onc__release_if_large(&w->out);
}

static void *worker_run(void *arg)
{
	onc__worker *w = arg;
	onc__pool *p = &w->srv->pool;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!p->head && !p->quit)
			pthread_cond_wait(&p->nonempty, &p->lock);
		onc__job *j = p->head;
		if (j) {
			p->head = j->next;
			if (!p->head)
				p->tail = &p->head;
			if (j->origin.kind == ORIGIN_DATAGRAM)
				p->datagrams--;
		}
		pthread_mutex_unlock(&p->lock);
		if (!j)
			return NULL; /* quit, and the queue is empty */
		run_job(w, j);
	}
}

onc_status onc__pool_init(onc__pool *p, onc_server *s, unsigned n)
{
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->nonempty, NULL);
	p->tail = &p->head;
	if (n && !(p->workers = calloc(n, sizeof *p->workers)))
		return ONC_ERR_NOMEM;
	for (; p->n < n; p->n++) {
		onc__worker *w = &p->workers[p->n];
		w->srv = s;
		onc_arena_init(&w->arena, ONC__ARENA_LIMIT);
		onc_xdr_enc_init(&w->out);
	}
	return ONC_OK;
}

void onc__pool_destroy(onc__pool *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		onc_arena_free(&p->workers[i].arena);
		onc_xdr_enc_free(&p->workers[i].out);
	}
	free(p->workers);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->nonempty);
}

onc_status onc__pool_start(onc__pool *p)
{
	p->quit = false;
	for (p->started = 0; p->started < p->n; p->started++)
		if (!onc__start_thread(&p->workers[p->started].thread, worker_run,
				       &p->workers[p->started], "worker", p->started))
			return ONC_ERR_NOMEM;
	return ONC_OK;
}

void onc__pool_finish(onc__pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->nonempty);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->started; i++)
		pthread_join(p->workers[i].thread, NULL);
	p->started = 0;
}
