#include "alloc_count.h"

#include <stdatomic.h>
#include <stddef.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static atomic_ulong all;            /* every thread's */
static _Thread_local unsigned long mine; /* this thread's */

static void counted(void)
{
	mine++;
	atomic_fetch_add_explicit(&all, 1, memory_order_relaxed);
}

unsigned long alloc_count_all(void)
{
	return atomic_load(&all);
}

unsigned long alloc_count_mine(void)
{
	return mine;
}

void *malloc(size_t n)
{
	counted();
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	counted();
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	counted();
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}
