/* onc gen — memory pool: everything the compiler builds for one run is freed in one step, so
 * error recovery (which abandons half-built nodes) cannot leak. */
#ifndef ONC_COMPILER_POOL_H
#define ONC_COMPILER_POOL_H

#include <stddef.h>

typedef struct pool_block pool_block;

typedef struct pool {
	pool_block *blocks;
} pool;

/* Zeroed memory; aborts when out of memory (the compiler is a short-lived CLI). */
void *pool_alloc(pool *p, size_t n);
char *pool_strndup(pool *p, const char *s, size_t n);
char *pool_strdup(pool *p, const char *s);
/* printf into pool memory. */
char *pool_printf(pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pool_free(pool *p);

/* malloc/realloc that abort when out of memory. */
void *xmalloc(size_t n);
void *xrealloc(void *ptr, size_t n);

#endif
