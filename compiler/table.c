#include "table.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

struct table_entry {
	const char *name; /* NULL in a table of numbers */
	int64_t number;
	void *value; /* NULL: a free slot */
};

/* FNV-1a */
static uint64_t hash_name(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* splitmix64's finaliser: neighbouring numbers (enum values 0, 1, 2...) spread out. */
static uint64_t hash_number(int64_t n)
{
	uint64_t h = (uint64_t)n;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9u;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebu;
	return h ^ (h >> 31);
}

static bool same_key(const table_entry *e, const char *name, int64_t number)
{
	return name ? strcmp(e->name, name) == 0 : e->number == number;
}

/* The slot holding the key, or the free slot where it would go (open addressing with linear
 * probing; the table is never more than half full). */
static table_entry *find(const table *t, const char *name, int64_t number)
{
	size_t mask = t->cap - 1;
	size_t i = (size_t)(name ? hash_name(name) : hash_number(number)) & mask;
	while (t->v[i].value && !same_key(&t->v[i], name, number))
		i = (i + 1) & mask;
	return &t->v[i];
}

static void grow(table *t)
{
	table old = *t;
	t->cap = old.cap ? old.cap * 2 : 16;
	t->v = xmalloc(t->cap * sizeof *t->v);
	memset(t->v, 0, t->cap * sizeof *t->v);
	for (size_t i = 0; i < old.cap; i++)
		if (old.v[i].value)
			*find(t, old.v[i].name, old.v[i].number) = old.v[i];
	free(old.v);
}

static void *get(const table *t, const char *name, int64_t number)
{
	if (t->n == 0)
		return NULL;
	return find(t, name, number)->value;
}

static void *add(table *t, const char *name, int64_t number, void *value)
{
	if (2 * (t->n + 1) > t->cap)
		grow(t);
	table_entry *e = find(t, name, number);
	if (e->value)
		return e->value;
	*e = (table_entry){ name, number, value };
	t->n++;
	return NULL;
}

void *table_get(const table *t, const char *name)
{
	return get(t, name, 0);
}

void *table_get_number(const table *t, int64_t number)
{
	return get(t, NULL, number);
}

void *table_add(table *t, const char *name, void *value)
{
	return add(t, name, 0, value);
}

void *table_add_number(table *t, int64_t number, void *value)
{
	return add(t, NULL, number, value);
}

void table_free(table *t)
{
	free(t->v);
	*t = (table){ 0 };
}

void *table_next(const table *t, size_t *i)
{
	for (; *i < t->cap; (*i)++)
		if (t->v[*i].value)
			return t->v[(*i)++].value;
	return NULL;
}
