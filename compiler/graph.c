#include "graph.h"

#include <stdlib.h>
#include <string.h>

#include "pool.h"

bool graph_by_value(const decl *d)
{
	return d->kind == DECL_PLAIN || d->kind == DECL_FIXED;
}

/* The definition a declaration refers to by name, if any. */
static definition *decl_def(const decl *d)
{
	return d->kind != DECL_VOID && d->type.kind == TYPE_NAMED ? d->type.def : NULL;
}

static void add_edge(graph *g, size_t *n, definition *from, decl *d)
{
	definition *to = decl_def(d);
	if (!to)
		return;
	if (g->edges)
		g->edges[*n] = (graph_edge){ d, from, (size_t)to->visit };
	(*n)++;
}

/* Counts the edges (g->edges NULL) or fills them in. */
static size_t add_edges(graph *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++) {
		definition *def = g->types[i];
		if (g->edges)
			g->first[i] = n;
		switch (def->kind) {
		case DEF_STRUCT:
			for (decl *f = def->fields; f; f = f->next)
				add_edge(g, &n, def, f);
			break;
		case DEF_UNION:
			add_edge(g, &n, def, &def->discriminant);
			for (union_arm *a = def->arms; a; a = a->next)
				add_edge(g, &n, def, &a->arm);
			break;
		case DEF_TYPEDEF:
			add_edge(g, &n, def, &def->target);
			break;
		default:
			break;
		}
	}
	if (g->edges)
		g->first[g->n] = n;
	return n;
}

void graph_build(graph *g, spec *s)
{
	*g = (graph){ 0 };
	for (definition *def = s->defs; def; def = def->next)
		if (def_is_type(def))
			g->n++;
	g->types = xmalloc((g->n + 1) * sizeof *g->types);
	size_t i = 0;
	for (definition *def = s->defs; def; def = def->next)
		if (def_is_type(def)) {
			def->visit = (int)i;
			g->types[i++] = def;
		}
	size_t n = add_edges(g);
	g->edges = xmalloc((n + 1) * sizeof *g->edges);
	g->first = xmalloc((g->n + 1) * sizeof *g->first);
	add_edges(g);
}

void graph_free(graph *g)
{
	for (size_t i = 0; i < g->n; i++)
		g->types[i]->visit = 0;
	free(g->types);
	free(g->edges);
	free(g->first);
}

enum { UNSEEN, ACTIVE, DONE };

typedef struct frame {
	size_t type;
	size_t edge; /* the next edge to follow */
} frame;

definition **graph_order(const graph *g, bool (*follow)(const graph_edge *e),
			 void (*cycle)(void *ctx, const graph_edge *e), void *ctx)
{
	definition **order = xmalloc((g->n + 1) * sizeof *order);
	size_t done = 0;
	unsigned char *state = xmalloc(g->n + 1);
	memset(state, UNSEEN, g->n + 1);
	frame *stack = xmalloc((g->n + 1) * sizeof *stack);
	for (size_t root = 0; root < g->n; root++) {
		if (state[root] != UNSEEN)
			continue;
		size_t sp = 0;
		stack[sp++] = (frame){ root, g->first[root] };
		state[root] = ACTIVE;
		while (sp > 0) {
			frame *f = &stack[sp - 1];
			if (f->edge == g->first[f->type + 1]) {
				state[f->type] = DONE;
				order[done++] = g->types[f->type];
				sp--;
				continue;
			}
			const graph_edge *e = &g->edges[f->edge++];
			if (!follow(e))
				continue;
			if (state[e->to] == ACTIVE) {
				if (cycle)
					cycle(ctx, e);
			} else if (state[e->to] == UNSEEN) {
				state[e->to] = ACTIVE;
				stack[sp++] = (frame){ e->to, g->first[e->to] };
			}
		}
	}
	free(stack);
	free(state);
	return order;
}

/* A type is recursive when it is on a cycle of the graph (by any kind of declaration), which
 * Tarjan's algorithm finds as its strongly connected components. */
void graph_find_recursive(const graph *g)
{
	size_t *index = xmalloc((g->n + 1) * sizeof *index);
	size_t *low = xmalloc((g->n + 1) * sizeof *low);
	size_t *component = xmalloc((g->n + 1) * sizeof *component); /* Tarjan's stack */
	bool *on = xmalloc(g->n + 1);
	frame *stack = xmalloc((g->n + 1) * sizeof *stack);
	const size_t none = (size_t)-1;
	for (size_t i = 0; i < g->n; i++) {
		index[i] = none;
		on[i] = false;
	}
	size_t next = 0, top = 0;
	for (size_t root = 0; root < g->n; root++) {
		if (index[root] != none)
			continue;
		size_t sp = 0;
		stack[sp++] = (frame){ root, g->first[root] };
		index[root] = low[root] = next++;
		component[top++] = root;
		on[root] = true;
		while (sp > 0) {
			frame *f = &stack[sp - 1];
			size_t v = f->type;
			if (f->edge < g->first[v + 1]) {
				size_t w = g->edges[f->edge++].to;
				if (w == v) {
					g->types[v]->recursive = true;
				} else if (index[w] == none) {
					index[w] = low[w] = next++;
					component[top++] = w;
					on[w] = true;
					stack[sp++] = (frame){ w, g->first[w] };
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			sp--;
			if (sp > 0 && low[v] < low[stack[sp - 1].type])
				low[stack[sp - 1].type] = low[v];
			if (low[v] != index[v])
				continue;
			/* v is the root of a component: the types above it on the stack */
			bool cycle = component[top - 1] != v;
			size_t w;
			do {
				w = component[--top];
				on[w] = false;
				if (cycle)
					g->types[w]->recursive = true;
			} while (w != v);
		}
	}
	free(index);
	free(low);
	free(component);
	free(on);
	free(stack);
}
