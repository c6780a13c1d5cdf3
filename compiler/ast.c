#include "ast.h"

#include <stddef.h>

#include "pool.h"

bool def_is_type(const definition *d)
{
	return d->kind == DEF_ENUM || d->kind == DEF_STRUCT || d->kind == DEF_UNION ||
	       d->kind == DEF_TYPEDEF;
}

const type_ref *type_base(const type_ref *t)
{
	while (t->kind == TYPE_NAMED && t->def && t->def->kind == DEF_TYPEDEF &&
	       t->def->target.kind == DECL_PLAIN) {
		if (t->def->base)
			return t->def->base;
		t = &t->def->target.type;
	}
	return t;
}

/* A reference to a type named in the file follows that type's name. */
static void follow_name(type_ref *t)
{
	if (t->kind == TYPE_NAMED && t->def)
		t->name = t->def->name;
}

void ast_prefix_types(spec *s, const char *prefix, pool *p)
{
	for (definition *d = s->defs; d; d = d->next)
		if (def_is_type(d) && !d->builtin)
			d->name = pool_printf(p, "%s%s", prefix, d->name);
	for (definition *d = s->defs; d; d = d->next) {
		switch (d->kind) {
		case DEF_STRUCT:
			for (decl *f = d->fields; f; f = f->next)
				follow_name(&f->type);
			break;
		case DEF_UNION:
			follow_name(&d->discriminant.type);
			for (union_arm *a = d->arms; a; a = a->next)
				follow_name(&a->arm.type);
			break;
		case DEF_TYPEDEF:
			d->target.name = d->name; /* the declarator names the type too */
			follow_name(&d->target.type);
			break;
		case DEF_PROGRAM:
			for (version *v = d->versions; v; v = v->next) {
				v->c_prefix = prefix;
				for (procedure *pr = v->procs; pr; pr = pr->next) {
					follow_name(&pr->result);
					for (int i = 0; i < pr->nargs; i++)
						follow_name(&pr->args[i]);
				}
			}
			break;
		default:
			break;
		}
	}
}
