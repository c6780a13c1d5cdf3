/* onc gen — hash tables keyed by name or by number, so that looking up a name or finding a
 * duplicate costs the same however large the file: the checks and emitters stay linear in the
 * size of their input (a 40,000-member enum must not take 40,000 string compares per name). */
#ifndef ONC_COMPILER_TABLE_H
#define ONC_COMPILER_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct table_entry table_entry;

/* Zero-initialised is empty. A table is keyed either by names or by numbers, not both; the
 * names are not copied (pool strings outlive the table). Values are never NULL. */
typedef struct table {
	table_entry *v;
	size_t n, cap;
} table;

/* The value stored under the key, or NULL. */
void *table_get(const table *t, const char *name);
void *table_get_number(const table *t, int64_t number);
/* Stores the value unless the key is there already; returns the value found (NULL when the
 * key was new and the value was stored). */
void *table_add(table *t, const char *name, void *value);
void *table_add_number(table *t, int64_t number, void *value);
/* The values one by one, in no particular order: start with *i = 0; NULL after the last. */
void *table_next(const table *t, size_t *i);
void table_free(table *t);

#endif
