#include <stdint.h>
#include <stdlib.h>

#include "onc/xdr.h"

/* Chunks double in size from FIRST_CHUNK up to MAX_CHUNK; larger requests get a chunk of
 * their own, so a big array does not waste a half-used chunk. */
#define FIRST_CHUNK 4096u
#define MAX_CHUNK (256u * 1024u)

struct onc_arena_chunk {
	onc_arena_chunk *next;
	size_t size; /* usable bytes after the header */
	_Alignas(16) uint8_t data[];
};

void onc_arena_init(onc_arena *a, size_t limit)
{
	a->p = a->end = NULL;
	a->chunks = NULL;
	a->used = 0;
	a->limit = limit;
}

void onc_arena_free(onc_arena *a)
{
	onc_arena_chunk *c = a->chunks;
	while (c) {
		onc_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	onc_arena_init(a, a->limit);
}

void onc_arena_reset(onc_arena *a)
{
	onc_arena_chunk *keep = a->chunks;
	if (keep && keep->size > MAX_CHUNK)
		keep = NULL; /* a big request's own chunk: not worth keeping */
	onc_arena_chunk *c = a->chunks;
	while (c) {
		onc_arena_chunk *next = c->next;
		if (c != keep)
			free(c);
		c = next;
	}
	onc_arena_init(a, a->limit);
	if (keep) {
		keep->next = NULL;
		a->chunks = keep;
		a->p = keep->data;
		a->end = keep->data + keep->size;
		a->used = sizeof *keep + keep->size;
	}
}

void *onc_arena_alloc_slow(onc_arena *a, size_t n)
{
	size_t rounded = (n + 7u) & ~(size_t)7u;
	size_t last = a->chunks ? a->chunks->size : FIRST_CHUNK / 2;
	size_t size = last < MAX_CHUNK ? last * 2 : MAX_CHUNK;
	bool own_chunk = rounded > size / 4;
	onc_arena_chunk *c;

	if (rounded < n || rounded > PTRDIFF_MAX - sizeof *c)
		return NULL;
	if (own_chunk)
		size = rounded;
	/* Near the limit, a smaller chunk that still holds this request. */
	if (a->limit && a->used <= a->limit && sizeof *c + size > a->limit - a->used &&
	    sizeof *c + rounded <= a->limit - a->used)
		size = (a->limit - a->used - sizeof *c) & ~(size_t)7u;
	if (a->limit && (a->used > a->limit || sizeof *c + size > a->limit - a->used))
		return NULL;
	c = malloc(sizeof *c + size);
	if (!c)
		return NULL;
	c->size = size;
	a->used += sizeof *c + size;
	if (own_chunk && a->chunks) {
		/* Keep bump-allocating from the current chunk. */
		c->next = a->chunks->next;
		a->chunks->next = c;
		return c->data;
	}
	c->next = a->chunks;
	a->chunks = c;
	a->p = c->data + rounded;
	a->end = c->data + size;
	return c->data;
}
