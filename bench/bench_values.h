/* The sets' values built from the input and compared with it, written once and compiled
 * twice: after onc gen's bench_types.h in bench_onc.c and after rpcgen's in bench_tirpc.c
 * (the two generators lay the types out alike, names included). */
#ifndef BENCH_VALUES_H
#define BENCH_VALUES_H

#include <stdlib.h>
#include <string.h>

#include "bench_side.h"

static bool bench_items_same(const bench_items *v, const bench_input *in)
{
	if (v->bench_items_len != in->nitems)
		return false;
	for (uint32_t i = 0; i < in->nitems; i++) {
		const bench_item *a = &v->bench_items_val[i];
		const bench_row *b = &in->items[i];
		if (a->id != b->id || a->flags != b->flags || a->stamp != b->stamp ||
		    strcmp(a->name, b->name) != 0)
			return false;
	}
	return true;
}

/* The generated representation of in's messages; bench_messages_release() frees it. */
static bench_messages bench_messages_build(const bench_input *in)
{
	bench_messages v = {in->nmsgs, calloc(in->nmsgs, sizeof(bench_message))};
	for (uint32_t i = 0; i < in->nmsgs; i++) {
		const bench_msg_row *r = &in->msgs[i];
		bench_message *m = &v.bench_messages_val[i];
		m->header.seq = r->seq;
		m->header.sender = r->sender;
		m->header.sent = r->sent;
		m->subject = r->subject;
		m->path.path_len = BENCH_POINTS;
		m->path.path_val = calloc(BENCH_POINTS, sizeof(bench_point));
		for (int k = 0; k < BENCH_POINTS; k++) {
			m->path.path_val[k].x = r->points[k][0];
			m->path.path_val[k].y = r->points[k][1];
		}
		m->samples.samples_len = BENCH_SAMPLES;
		m->samples.samples_val = (void *)r->samples;
		bench_event **tail = &m->events;
		for (int k = 0; k < BENCH_EVENTS; k++) {
			bench_event *e = calloc(1, sizeof *e);
			e->label = r->labels[k];
			e->value = r->values[k];
			*tail = e;
			tail = &e->next;
		}
	}
	return v;
}

static void bench_messages_release(bench_messages *v)
{
	for (uint32_t i = 0; i < v->bench_messages_len; i++) {
		bench_message *m = &v->bench_messages_val[i];
		free(m->path.path_val);
		while (m->events) {
			bench_event *next = m->events->next;
			free(m->events);
			m->events = next;
		}
	}
	free(v->bench_messages_val);
}

static bool bench_messages_same(const bench_messages *v, const bench_input *in)
{
	if (v->bench_messages_len != in->nmsgs)
		return false;
	for (uint32_t i = 0; i < in->nmsgs; i++) {
		const bench_msg_row *r = &in->msgs[i];
		const bench_message *m = &v->bench_messages_val[i];
		if (m->header.seq != r->seq || strcmp(m->header.sender, r->sender) != 0 ||
		    m->header.sent != r->sent || strcmp(m->subject, r->subject) != 0 ||
		    m->path.path_len != BENCH_POINTS || m->samples.samples_len != BENCH_SAMPLES ||
		    memcmp(m->samples.samples_val, r->samples, sizeof r->samples) != 0)
			return false;
		for (int k = 0; k < BENCH_POINTS; k++)
			if (m->path.path_val[k].x != r->points[k][0] ||
			    m->path.path_val[k].y != r->points[k][1])
				return false;
		const bench_event *e = m->events;
		for (int k = 0; k < BENCH_EVENTS; k++, e = e->next)
			if (!e || strcmp(e->label, r->labels[k]) != 0 || e->value != r->values[k])
				return false;
		if (e)
			return false;
	}
	return true;
}

#endif
