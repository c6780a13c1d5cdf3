#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "graph.h"

/* ORDER SCALAR */
const scalar_info plan_scalars[SC_COUNT] = {
	/* name, size, run, c_type, c_codec, c_by_address, c_unchecked, c_bulk, py_codec, py_bulk,
	 * py_struct */
	[SC_INT] = { "int", 4, true, "int32_t", "i32", false, 4, 4, "int", "int", 'i' },
	[SC_UINT] = { "unsigned int", 4, true, "uint32_t", "u32", false, 4, 4, "uint", "uint", 'I' },
	[SC_HYPER] = { "hyper", 8, true, "int64_t", "i64", false, 8, 8, "hyper", "hyper", 'q' },
	[SC_UHYPER] = { "unsigned hyper", 8, true, "uint64_t", "u64", false, 8, 8, "uhyper",
			"uhyper", 'Q' },
	[SC_FLOAT] = { "float", 4, true, "float", "float", false, 0, 4, "float", "float", 'f' },
	[SC_DOUBLE] = { "double", 8, true, "double", "double", false, 0, 8, "double", "double", 'd' },
	/* a bool is checked (0 or 1) as it is decoded: not in runs */
	[SC_QUAD] = { "quadruple", 16, false, "onc_quad", "quad", true, 0, 0, "quadruple", NULL, 0 },
	[SC_BOOL] = { "bool", 4, false, "bool", "bool", false, 0, 0, "bool", "bool", 0 },
	/* an enum's values are checked after a run is read; Python's runtime cannot */
	[SC_ENUM] = { "enum", 4, true, NULL, "enum", false, 4, 4, "enum", NULL, 0 },
};

/* The type kinds of the scalars are in the same order (ORDER SCALAR in ast.h's terms). */
_Static_assert(TYPE_INT == (int)SC_INT && TYPE_UINT == (int)SC_UINT &&
		       TYPE_HYPER == (int)SC_HYPER && TYPE_UHYPER == (int)SC_UHYPER &&
		       TYPE_FLOAT == (int)SC_FLOAT && TYPE_DOUBLE == (int)SC_DOUBLE &&
		       TYPE_QUAD == (int)SC_QUAD && TYPE_BOOL == (int)SC_BOOL,
	       "type_kind and scalar list the scalars in the same order");

const plan_type *plan_list_of(const plan_value *v)
{
	while (v->kind == PLAN_CALL && v->type && v->type->shape == SHAPE_TYPEDEF)
		v = v->type->target;
	return v->kind == PLAN_CALL && v->type && v->type->shape == SHAPE_LIST ? v->type : NULL;
}

bool plan_scalar(const type_ref *t, scalar *sc)
{
	const type_ref *b = type_base(t);
	if (b->kind <= TYPE_BOOL) {
		*sc = (scalar)b->kind;
		return true;
	}
	if (b->kind == TYPE_NAMED && b->def && b->def->kind == DEF_ENUM) {
		*sc = SC_ENUM;
		return true;
	}
	return false;
}

size_t plan_chunk(const plan_step *run, size_t from, bool (*ok)(scalar sc), int64_t *bytes)
{
	*bytes = 0;
	size_t end = from;
	for (; end < run->nleaves && ok(run->leaves[end].value->sc); end++)
		*bytes += plan_scalars[run->leaves[end].value->sc].size;
	return end;
}

/* ---- sizes: -1 stands for "none" (fixed, max) and for "too large to matter" ------------- */

/* Past this, a size is as good as unbounded (and products of sizes cannot overflow). */
#define SIZE_LIMIT (INT64_C(1) << 40)

static int64_t size_add(int64_t a, int64_t b)
{
	return a < 0 || b < 0 || a + b > SIZE_LIMIT ? -1 : a + b;
}

static int64_t size_mul(int64_t n, int64_t b)
{
	return n < 0 || b < 0 || (b && n > SIZE_LIMIT / b) ? -1 : n * b;
}

static int64_t padded(int64_t n)
{
	return (n + 3) & ~INT64_C(3);
}

/* A bound's number, or -1 when it has none or it is not known (a `%#define`d size). */
static int64_t bound_number(const plan_value *v)
{
	return v->bound && v->bound->known ? v->bound->number : -1;
}

/* Fixed and smallest sizes, and whether decoding allocates, of a value whose element (or
 * type, held by value) has them already. */
static void size_value(plan_value *v)
{
	const plan_value *e = v->elem;
	int64_t n = bound_number(v);
	switch (v->kind) {
	case PLAN_VOID:
		v->size = (plan_size){ 0, 0, 0 };
		break;
	case PLAN_SCALAR: {
		int64_t s = plan_scalars[v->sc].size;
		v->size = (plan_size){ s, s, s };
		break;
	}
	case PLAN_STRING:
		v->size = (plan_size){ -1, 4, -1 };
		v->allocates = true;
		break;
	case PLAN_OPAQUE:
		if (v->fixed) {
			v->size.fixed = v->size.min = n < 0 ? -1 : padded(n);
		} else {
			v->size = (plan_size){ -1, 4, -1 };
			v->allocates = true;
		}
		break;
	case PLAN_ARRAY:
		if (v->fixed) {
			v->size.fixed = size_mul(n, e->size.fixed);
			v->size.min = size_mul(n, e->size.min);
			v->allocates = e->allocates;
		} else {
			v->size = (plan_size){ -1, 4, -1 };
			v->allocates = true;
		}
		break;
	case PLAN_OPTIONAL:
		v->size = (plan_size){ -1, 4, -1 };
		v->allocates = true;
		break;
	case PLAN_CALL:
		if (v->type) {
			v->size = v->type->size;
			v->allocates = v->type->allocates;
		} else {
			v->size = (plan_size){ -1, 0, -1 };
		}
		break;
	}
	if (v->size.min < 0) /* too large to matter: 0 is a bound all the same */
		v->size.min = 0;
}

/* The largest size of a value whose element (or type) has its own already. */
static void max_value(plan_value *v)
{
	const plan_value *e = v->elem;
	int64_t n = bound_number(v);
	switch (v->kind) {
	case PLAN_VOID:
	case PLAN_SCALAR:
		break;
	case PLAN_STRING:
		v->size.max = n < 0 ? -1 : size_add(4, padded(n));
		break;
	case PLAN_OPAQUE:
		v->size.max = n < 0 ? -1 : size_add(v->fixed ? 0 : 4, padded(n));
		break;
	case PLAN_ARRAY:
		v->size.max = size_add(v->fixed ? 0 : 4, size_mul(n, e->size.max));
		break;
	case PLAN_OPTIONAL:
		v->size.max = size_add(4, e->size.max);
		break;
	case PLAN_CALL:
		v->size.max = v->type ? v->type->size.max : -1;
		break;
	}
}

/* ---- lowering --------------------------------------------------------------------------- */

typedef struct lowering {
	pool *pool;
	/* every value made, children before parents, for the size passes */
	plan_value **values;
	size_t nvalues, cap;
} lowering;

static plan_value *new_value(lowering *l, plan_kind kind, const decl *d)
{
	plan_value *v = pool_alloc(l->pool, sizeof *v);
	v->kind = kind;
	v->d = d;
	if (l->nvalues == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->values = xrealloc(l->values, l->cap * sizeof *l->values);
	}
	l->values[l->nvalues++] = v;
	return v;
}

/* One value of type t: a plain member, an element, an argument or a result. */
static plan_value *lower_one(lowering *l, const type_ref *t, const decl *d)
{
	const type_ref *b = type_base(t);
	scalar sc;
	if (plan_scalar(b, &sc)) {
		plan_value *v = new_value(l, PLAN_SCALAR, d);
		v->sc = sc;
		v->en = sc == SC_ENUM ? b->def : NULL;
		return v;
	}
	if (b->kind == TYPE_STRING) /* a procedure's argument or result */
		return new_value(l, PLAN_STRING, d);
	if (b->kind == TYPE_VOID)
		return new_value(l, PLAN_VOID, d);
	plan_value *v = new_value(l, PLAN_CALL, d);
	v->name = b->name;
	v->type = b->def ? b->def->plan : NULL;
	return v;
}

static plan_value *lower_decl(lowering *l, const decl *d)
{
	const value *bound = d->kind == DECL_FIXED || d->bounded ? &d->size : NULL;
	plan_value *v;
	switch (d->kind) {
	case DECL_VOID:
		return new_value(l, PLAN_VOID, d);
	case DECL_PLAIN:
		return lower_one(l, &d->type, d);
	case DECL_OPTIONAL: {
		const plan_value *e = lower_one(l, &d->type, NULL);
		v = new_value(l, PLAN_OPTIONAL, d);
		v->elem = e;
		return v;
	}
	case DECL_FIXED:
	case DECL_VAR:
		break;
	}
	if (d->type.kind == TYPE_STRING) {
		v = new_value(l, PLAN_STRING, d);
	} else if (d->type.kind == TYPE_OPAQUE) {
		v = new_value(l, PLAN_OPAQUE, d);
	} else {
		const plan_value *e = lower_one(l, &d->type, NULL);
		v = new_value(l, PLAN_ARRAY, d);
		v->elem = e;
	}
	v->fixed = d->kind == DECL_FIXED;
	v->bound = bound;
	return v;
}

/* A plain member of a fixed-size scalar type that runs may hold. */
static bool is_leaf(const decl *d)
{
	scalar sc;
	return d->kind == DECL_PLAIN && plan_scalar(&d->type, &sc) && plan_scalars[sc].run;
}

/* A struct member is written out in place, its members joining the run around it, when its
 * struct is small and made of leaves only:
 *   - at most INLINE_MAX_MEMBERS members, each an is_leaf() (no struct inside: what is
 *     inlined is never itself inlining);
 *   - their names, and the names of their enum types, at most INLINE_MAX_NAMES characters.
 * So each use costs at most a constant amount of code (16 leaves named with at most 256
 * characters of the struct's names, plus the use's own member name, which the input spells at
 * the use), and the output stays linear in the input: a struct using another twice, itself
 * using another twice, and so on, doubled the output per level when every flat struct was
 * inlined (a 30-level chain made gigabytes). Any other struct member is coded by a call. */
enum { INLINE_MAX_MEMBERS = 16, INLINE_MAX_NAMES = 256 };

static const definition *inline_struct(const decl *d)
{
	if (d->kind != DECL_PLAIN)
		return NULL;
	const type_ref *b = type_base(&d->type);
	const definition *def = b->kind == TYPE_NAMED ? b->def : NULL;
	if (!def || def->kind != DEF_STRUCT || def->list_link || !def->fields)
		return NULL;
	int members = 0;
	size_t names = 0;
	for (const decl *f = def->fields; f; f = f->next) {
		if (!is_leaf(f) || ++members > INLINE_MAX_MEMBERS)
			return NULL;
		names += strnlen(f->name, INLINE_MAX_NAMES + 1);
		const type_ref *fb = type_base(&f->type);
		if (fb->kind == TYPE_NAMED)
			names += strnlen(fb->def->name, INLINE_MAX_NAMES + 1);
		if (names > INLINE_MAX_NAMES)
			return NULL;
	}
	return def;
}

static void add_leaf(lowering *l, plan_step *run, size_t *cap, const decl *member,
		     const decl *inner)
{
	if (run->nleaves == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		plan_leaf *v = pool_alloc(l->pool, *cap * sizeof *v);
		if (run->nleaves)
			memcpy(v, run->leaves, run->nleaves * sizeof *v);
		run->leaves = v;
	}
	const decl *d = inner ? inner : member;
	const plan_value *value = lower_one(l, &d->type, d);
	run->leaves[run->nleaves++] = (plan_leaf){ member, inner, value };
	run->bytes += plan_scalars[value->sc].size;
}

/* The members of a struct up to (not including) `stop`: runs of leaves and inline structs,
 * and the others one step each. */
static void lower_fields(lowering *l, plan_type *t, const decl *first, const decl *stop)
{
	size_t cap = 0, leaf_cap = 0;
	for (const decl *f = first; f != stop; f = f->next) {
		const definition *in = inline_struct(f);
		bool flat = in || is_leaf(f);
		plan_step *last = t->nsteps ? &t->steps[t->nsteps - 1] : NULL;
		if (!flat || !last || last->member) {
			if (t->nsteps == cap) {
				cap = cap ? 2 * cap : 8;
				plan_step *v = pool_alloc(l->pool, cap * sizeof *v);
				if (t->nsteps)
					memcpy(v, t->steps, t->nsteps * sizeof *v);
				t->steps = v;
			}
			last = &t->steps[t->nsteps++];
			leaf_cap = 0;
			if (!flat) {
				last->member = f;
				last->value = lower_decl(l, f);
				continue;
			}
		}
		if (in)
			for (const decl *g = in->fields; g; g = g->next)
				add_leaf(l, last, &leaf_cap, f, g);
		else
			add_leaf(l, last, &leaf_cap, f, NULL);
	}
}

static void lower_type(lowering *l, definition *def)
{
	plan_type *t = def->plan;
	switch (def->kind) {
	case DEF_ENUM:
		t->shape = SHAPE_ENUM;
		break;
	case DEF_STRUCT:
		t->shape = def->list_link ? SHAPE_LIST : SHAPE_STRUCT;
		t->link = def->list_link;
		lower_fields(l, t, def->fields, def->list_link);
		break;
	case DEF_UNION:
		t->shape = SHAPE_UNION;
		t->disc = lower_decl(l, &def->discriminant);
		for (const union_arm *a = def->arms; a; a = a->next)
			t->narms++;
		t->arms = pool_alloc(l->pool, t->narms * sizeof *t->arms);
		t->narms = 0;
		for (const union_arm *a = def->arms; a; a = a->next) {
			t->arms[t->narms++] = (plan_arm){ a, lower_decl(l, &a->arm) };
			t->has_default |= !a->labels;
		}
		break;
	case DEF_TYPEDEF:
		t->shape = SHAPE_TYPEDEF;
		t->target = lower_decl(l, &def->target);
		break;
	default:
		break;
	}
}

/* Once the types it holds by value have theirs: fixed and smallest size, allocation. */
static void size_type(plan_type *t)
{
	switch (t->shape) {
	case SHAPE_ENUM:
		t->size = (plan_size){ 4, 4, 4 };
		return;
	case SHAPE_TYPEDEF:
		t->size = t->target->size;
		t->allocates = t->target->allocates;
		return;
	case SHAPE_STRUCT:
	case SHAPE_LIST:
		t->size = (plan_size){ 0, 0, 0 };
		for (size_t i = 0; i < t->nsteps; i++) {
			const plan_step *s = &t->steps[i];
			plan_size z = s->member ? s->value->size : (plan_size){ s->bytes, s->bytes, 0 };
			t->size.fixed = size_add(t->size.fixed, z.fixed);
			t->size.min = size_add(t->size.min, z.min);
			t->allocates |= s->member && s->value->allocates;
		}
		if (t->link) { /* the link: optional data */
			t->size.fixed = -1;
			t->size.min = size_add(t->size.min, 4);
			t->allocates = true;
		}
		break;
	case SHAPE_UNION: {
		int64_t fixed = -2, min = -1; /* -2: no arm seen yet; -1: none smaller */
		for (size_t i = 0; i < t->narms; i++) {
			const plan_size *z = &t->arms[i].value->size;
			fixed = fixed == -2 || fixed == z->fixed ? z->fixed : -1;
			min = min < 0 || z->min < min ? z->min : min;
			t->allocates |= t->arms[i].value->allocates;
		}
		t->size.fixed = fixed < 0 ? -1 : size_add(4, fixed);
		t->size.min = size_add(4, min < 0 ? 0 : min);
		break;
	}
	}
	if (t->size.min < 0)
		t->size.min = 0;
}

/* Once every type it names has its largest size (the types it reaches, unless recursive). */
static void max_type(plan_type *t)
{
	int64_t max = 0;
	switch (t->shape) {
	case SHAPE_ENUM:
		return;
	case SHAPE_TYPEDEF:
		max = t->target->size.max;
		break;
	case SHAPE_STRUCT:
	case SHAPE_LIST:
		for (size_t i = 0; i < t->nsteps; i++) {
			const plan_step *s = &t->steps[i];
			max = size_add(max, s->member ? s->value->size.max : s->bytes);
		}
		break;
	case SHAPE_UNION:
		for (size_t i = 0; i < t->narms && max >= 0; i++) {
			int64_t m = t->arms[i].value->size.max;
			max = m < 0 ? -1 : m > max ? m : max;
		}
		max = size_add(4, max);
		break;
	}
	t->size.max = t->recursive || t->link ? -1 : max;
}

/* The values a type is made of, in the list of all values: [first, end) */
typedef struct span {
	size_t first, end;
} span;

static bool follow_by_value(const graph_edge *e)
{
	return graph_by_value(e->d);
}

static bool follow_all(const graph_edge *e)
{
	(void)e;
	return true;
}

/* What a C header needs before a type: the types it holds by value complete, and the typedefs
 * and enums it names at all declared (a struct or union has its forward typedef). */
static bool follow_declared(const graph_edge *e)
{
	def_kind to = e->d->type.def->kind;
	return graph_by_value(e->d) || to == DEF_TYPEDEF || to == DEF_ENUM;
}

static void c_order(plan *pl, spec *s, const graph *g, pool *p)
{
	pl->ndefs = 0;
	for (definition *def = s->defs; def; def = def->next)
		pl->ndefs++;
	pl->c_order = pool_alloc(p, (pl->ndefs + 1) * sizeof *pl->c_order);
	definition **order = graph_order(g, follow_declared, NULL, NULL);
	bool *placed = xmalloc(g->n + 1);
	memset(placed, 0, g->n + 1);
	size_t n = 0, next = 0;
	/* A type not placed yet is the root of the next walk, which ends with it. */
	for (definition *def = s->defs; def; def = def->next) {
		if (!def_is_type(def)) {
			pl->c_order[n++] = def;
			continue;
		}
		while (!placed[def->visit]) {
			definition *t = order[next++];
			placed[t->visit] = true;
			pl->c_order[n++] = t;
		}
	}
	free(placed);
	free(order);
}

void plan_build(plan *pl, spec *s, pool *p)
{
	lowering l = { .pool = p };
	graph g;
	graph_build(&g, s);
	span *spans = xmalloc((g.n + 1) * sizeof *spans);
	for (size_t i = 0; i < g.n; i++) {
		g.types[i]->plan = pool_alloc(p, sizeof *g.types[i]->plan);
		g.types[i]->plan->def = g.types[i];
		g.types[i]->plan->recursive = g.types[i]->recursive;
		g.types[i]->plan->size.max = g.types[i]->recursive ? -1 : 0;
	}
	for (size_t i = 0; i < g.n; i++) {
		spans[i].first = l.nvalues;
		lower_type(&l, g.types[i]);
		spans[i].end = l.nvalues;
	}
	/* Sizes from the inside out: each type after those it holds by value. Its values were
	 * made children first. */
	definition **order = graph_order(&g, follow_by_value, NULL, NULL);
	for (size_t i = 0; i < g.n; i++) {
		const span *sp = &spans[order[i]->visit];
		for (size_t k = sp->first; k < sp->end; k++)
			size_value(l.values[k]);
		size_type(order[i]->plan);
	}
	free(order);
	/* Largest sizes after every type a type names: a type on no cycle reaches none that
	 * reaches it back, and one on a cycle has none. */
	order = graph_order(&g, follow_all, NULL, NULL);
	for (size_t i = 0; i < g.n; i++) {
		const span *sp = &spans[order[i]->visit];
		for (size_t k = sp->first; k < sp->end; k++)
			max_value(l.values[k]);
		max_type(order[i]->plan);
	}
	free(order);
	/* Calls through pointers and variable arrays were sized before their types. */
	for (size_t k = 0; k < l.nvalues; k++)
		if (l.values[k]->kind == PLAN_CALL)
			size_value(l.values[k]);
	size_t procs_first = l.nvalues;
	for (definition *def = s->defs; def; def = def->next)
		for (version *v = def->kind == DEF_PROGRAM ? def->versions : NULL; v; v = v->next)
			for (procedure *proc = v->procs; proc; proc = proc->next) {
				const plan_value **args = pool_alloc(p, ((size_t)proc->nargs + 1) * sizeof *args);
				for (int i = 0; i < proc->nargs; i++)
					args[i] = lower_one(&l, &proc->args[i], NULL);
				proc->arg_plans = args;
				proc->result_plan = lower_one(&l, &proc->result, NULL);
			}
	for (size_t k = procs_first; k < l.nvalues; k++) {
		size_value(l.values[k]);
		max_value(l.values[k]);
	}
	pl->spec = s;
	c_order(pl, s, &g, p);
	free(spans);
	free(l.values);
	graph_free(&g);
}
