#include "pool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pool_block {
	pool_block *next;
	max_align_t data[];
};

void *xmalloc(size_t n)
{
	void *r = malloc(n ? n : 1);
	if (!r) {
		fputs("onc: out of memory\n", stderr);
		exit(2);
	}
	return r;
}

void *xrealloc(void *ptr, size_t n)
{
	void *r = realloc(ptr, n ? n : 1);
	if (!r) {
		fputs("onc: out of memory\n", stderr);
		exit(2);
	}
	return r;
}

void *pool_alloc(pool *p, size_t n)
{
	pool_block *b = xmalloc(sizeof *b + n);
	memset(b->data, 0, n);
	b->next = p->blocks;
	p->blocks = b;
	return b->data;
}

char *pool_strndup(pool *p, const char *s, size_t n)
{
	char *r = pool_alloc(p, n + 1);
	memcpy(r, s, n);
	return r;
}

char *pool_strdup(pool *p, const char *s)
{
	return pool_strndup(p, s, strlen(s));
}

char *pool_printf(pool *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *r = pool_alloc(p, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(r, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return r;
}

void pool_free(pool *p)
{
	while (p->blocks) {
		pool_block *next = p->blocks->next;
		free(p->blocks);
		p->blocks = next;
	}
}
