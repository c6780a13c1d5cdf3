/* onc gen — the type graph: for each type of a file, the declarations it is made of that name
 * another type, walked in the orders the checks and the plan need. The walks keep stacks of
 * their own: the C stack must not grow with the input (a chain of 100,000 structs, each holding
 * the one before, is a path 100,000 long), and each visits every type and every edge once. */
#ifndef ONC_COMPILER_GRAPH_H
#define ONC_COMPILER_GRAPH_H

#include <stddef.h>

#include "ast.h"

typedef struct graph_edge {
	decl *d;           /* the declaration naming the type */
	definition *from;  /* the type it is part of */
	size_t to;         /* the index of the type it names */
} graph_edge;

typedef struct graph {
	definition **types; /* in file order; def->visit holds each one's index meanwhile */
	size_t n;
	graph_edge *edges;
	size_t *first; /* the edges of types[i] are edges[first[i]] .. edges[first[i + 1] - 1] */
} graph;

void graph_build(graph *g, spec *s);
/* Frees the graph and resets the types' visit fields. */
void graph_free(graph *g);

/* True for a declaration holding its type by value (plain or a fixed array): what needs the
 * type's size and, in C, its complete definition. */
bool graph_by_value(const decl *d);

/* The types in the post-order of depth-first walks along the edges `follow` accepts, started
 * from each type in file order: each type comes after the types it reaches, except along an
 * edge that closes a cycle, which `cycle` (when not NULL) is given. Types no edge reorders
 * stay in file order. Returns g->n types; the caller frees the array. */
definition **graph_order(const graph *g, bool (*follow)(const graph_edge *e),
			 void (*cycle)(void *ctx, const graph_edge *e), void *ctx);

/* Sets `recursive` on every type that can contain itself (by any kind of declaration). */
void graph_find_recursive(const graph *g);

#endif
