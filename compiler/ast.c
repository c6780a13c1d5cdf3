#include "ast.h"

#include <stddef.h>

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
