#include "check.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "parser.h"
#include "pool.h"
#include "suggest.h"
#include "table.h"

typedef enum sym_kind {
	SYM_TYPE,
	SYM_CONST,
	SYM_ENUM_MEMBER,
	SYM_MACRO, /* `%#define NAME` */
	SYM_BUILTIN,
	SYM_PROGRAM,
	SYM_VERSION,
	SYM_PROCEDURE,
} sym_kind;

typedef struct symbol {
	const char *name;
	sym_kind kind;
	definition *def;       /* SYM_TYPE, SYM_CONST */
	enum_member *member;   /* SYM_ENUM_MEMBER */
	const procedure *proc; /* SYM_PROCEDURE */
	value *val;            /* SYM_PROGRAM, SYM_VERSION, SYM_PROCEDURE: they are constants too */
	int64_t number;        /* SYM_BUILTIN */
	bool evaluating;       /* being evaluated: a cycle guard */
	bool evaluated;        /* its value has its number, or never will */
	loc where;
} symbol;

typedef struct checker {
	diag *diag;
	pool *pool;
	spec *spec;
	table syms;     /* name -> symbol (pool memory) */
	table programs; /* program number -> name */
} checker;

/* Names from the .x file become C identifiers. */
static bool is_c_keyword(const char *name)
{
	static const char *const words[] = {
		"auto",	    "break",	"char",	  "continue", "do",	  "else",     "extern",
		"for",	    "goto",	"if",	  "inline",   "long",	  "register", "restrict",
		"return",   "short",	"signed", "sizeof",   "static",	  "volatile", "while",
		"_Bool",    "_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn",
		"_Static_assert", "_Thread_local",
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(name, words[i]) == 0)
			return true;
	return false;
}

static void check_c_name(checker *c, const char *name, loc where)
{
	if (name && is_c_keyword(name))
		diag_error(c->diag, where, "'%s' is a C keyword and cannot be a name here", name);
}

static symbol *lookup(checker *c, const char *name)
{
	return table_get(&c->syms, name);
}

static symbol *add(checker *c, const char *name, sym_kind kind, loc where)
{
	symbol *old = lookup(c, name);
	if (old && old->kind != SYM_MACRO && old->kind != SYM_BUILTIN) {
		if (strcmp(old->where.file, where.file) == 0)
			diag_error(c->diag, where, "duplicate definition of '%s' (first defined on line %d)",
				   name, old->where.line);
		else
			diag_error(c->diag, where, "duplicate definition of '%s' (first defined at %s:%d)",
				   name, old->where.file, old->where.line);
		return NULL;
	}
	if (!old) {
		old = pool_alloc(c->pool, sizeof *old);
		table_add(&c->syms, name, old);
	}
	*old = (symbol){ .name = name, .kind = kind, .where = where };
	return old;
}

/* The NAME of a `%#define NAME ...` line, and where what follows it starts; NULL for other
 * lines. */
static const char *macro_name(checker *c, const definition *def, const char **rest)
{
	const char *p = def->name + strspn(def->name, " \t");
	if (*p != '#')
		return NULL;
	p++;
	p += strspn(p, " \t");
	if (strncmp(p, "define", 6) != 0 || !isspace((unsigned char)p[6]))
		return NULL;
	p += 6;
	p += strspn(p, " \t");
	size_t len = 0;
	while (isalnum((unsigned char)p[len]) || p[len] == '_')
		len++;
	if (len == 0 || isdigit((unsigned char)*p))
		return NULL;
	*rest = p + len;
	return pool_strndup(c->pool, p, len);
}

/* `%#define NAME ...` lines define names the generated C code can use as sizes. */
static void add_macros(checker *c, const spec *s, bool own)
{
	for (definition *def = s->defs; def; def = def->next) {
		const char *rest;
		const char *name = def->kind == DEF_PASSTHROUGH ? macro_name(c, def, &rest) : NULL;
		if (!name)
			continue;
		symbol *sym = lookup(c, name);
		if (!sym)
			sym = add(c, name, SYM_MACRO, def->where);
		if (own && sym && sym->kind == SYM_MACRO && !sym->def) {
			sym->def = def;
			def->macro = name;
			def->macro_value.text = rest;
		}
	}
}

/* `typedef struct X X;` (which rpcgen accepts, nis.x has it) says nothing new: dropped. */
static void drop_self_typedefs(spec *s)
{
	for (definition **p = &s->defs; *p;) {
		const decl *t = &(*p)->target;
		if ((*p)->kind == DEF_TYPEDEF && t->kind == DECL_PLAIN && t->type.kind == TYPE_NAMED &&
		    t->type.keyword && strcmp(t->type.name, (*p)->name) == 0)
			*p = (*p)->next;
		else
			p = &(*p)->next;
	}
}

/* Adds a name defined by the file (typedef names are checked with their declaration). */
static symbol *define(checker *c, const char *name, sym_kind kind, loc where)
{
	check_c_name(c, name, where);
	return add(c, name, kind, where);
}

static void add_definitions(checker *c, spec *s)
{
	drop_self_typedefs(s);
	for (definition *def = s->defs; def; def = def->next) {
		symbol *sym;
		switch (def->kind) {
		case DEF_CONST:
			if ((sym = define(c, def->name, SYM_CONST, def->where)))
				sym->def = def;
			break;
		case DEF_ENUM:
			if ((sym = define(c, def->name, SYM_TYPE, def->where)))
				sym->def = def;
			for (enum_member *m = def->members; m; m = m->next)
				if ((sym = define(c, m->name, SYM_ENUM_MEMBER, m->where)))
					sym->member = m;
			break;
		case DEF_STRUCT:
		case DEF_UNION:
			check_c_name(c, def->name, def->where);
			/* fall through */
		case DEF_TYPEDEF:
			if ((sym = add(c, def->name, SYM_TYPE, def->where)))
				sym->def = def;
			break;
		case DEF_PROGRAM:
			if ((sym = define(c, def->name, SYM_PROGRAM, def->where)))
				sym->val = &def->number;
			for (version *v = def->versions; v; v = v->next) {
				if ((sym = define(c, v->name, SYM_VERSION, v->where)))
					sym->val = &v->number;
				for (procedure *p = v->procs; p; p = p->next) {
					/* The same procedure may appear in several versions. */
					symbol *old = lookup(c, p->name);
					if (old && old->kind == SYM_PROCEDURE && old->proc != p)
						continue;
					if ((sym = define(c, p->name, SYM_PROCEDURE, p->where))) {
						sym->proc = p;
						sym->val = &p->number;
					}
				}
			}
			break;
		case DEF_PASSTHROUGH:
			break;
		}
	}
}

static symbol *add_builtin_const(checker *c, const char *name);

/* "; did you mean 'X'?" with the closest name of a type (the language's own type names
 * among them) or of a constant, or "". Costs a look at every name: only when reporting. */
static const char *suggest_symbol(checker *c, const char *name, bool type, char *buf,
				  size_t size)
{
	suggestion s = suggest_start(name);
	if (diag_full(c->diag))
		return "";
	if (type)
		parser_suggest_types(&s);
	size_t i = 0;
	for (symbol *sym; (sym = table_next(&c->syms, &i));)
		if ((sym->kind == SYM_TYPE) == type && sym->kind != SYM_PROCEDURE)
			suggest_consider(&s, sym->name);
	return suggest_text(&s, buf, size);
}

/* The value a symbol stands for when it is a constant, a program, a version or a procedure
 * (whose numbers are constants too); NULL for the others. */
static value *sym_value(symbol *sym)
{
	switch (sym->kind) {
	case SYM_CONST:
		return &sym->def->const_value;
	case SYM_PROGRAM:
	case SYM_VERSION:
	case SYM_PROCEDURE:
		return sym->val;
	default:
		return NULL;
	}
}

/* Gives a value its number, when its name stands for one that is known. A chain of names
 * (const C = B; const B = A; ...) is followed in a loop, and every symbol on it gets the
 * number too, once: a long chain costs neither stack nor a walk per use, and an undefined
 * name at its end is reported once. */
static void eval_value(checker *c, value *v, const char *use)
{
	symbol **path = NULL;
	size_t n = 0, cap = 0;
	bool known = false;
	int64_t number = 0;
	for (value *cur = v; cur->name;) {
		symbol *sym = lookup(c, cur->name);
		if (!sym)
			sym = add_builtin_const(c, cur->name);
		if (!sym) {
			char hint[300];
			diag_error(c->diag, cur->where, "undefined constant '%s' used %s%s", cur->name,
				   use, suggest_symbol(c, cur->name, false, hint, sizeof hint));
			break;
		}
		value *next = sym_value(sym);
		if (sym->kind == SYM_ENUM_MEMBER) {
			known = sym->member->val.known;
			number = sym->member->val.number;
		} else if (sym->kind == SYM_BUILTIN) {
			known = true;
			number = sym->number;
		} else if (sym->kind == SYM_TYPE) {
			diag_error(c->diag, cur->where, "'%s' is a type, not a constant", cur->name);
		} else if (next && sym->evaluating) {
			if (sym->kind == SYM_CONST)
				diag_error(c->diag, cur->where,
					   "constant '%s' is defined in terms of itself", cur->name);
		} else if (next && (sym->evaluated || !next->name)) {
			known = next->known;
			number = next->number;
		} else if (next) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				path = xrealloc(path, cap * sizeof *path);
			}
			path[n++] = sym;
			sym->evaluating = true;
			if (sym->kind == SYM_CONST)
				use = "in a constant";
			cur = next;
			continue;
		}
		break; /* a macro, or the end of the chain */
	}
	while (n > 0) {
		symbol *sym = path[--n];
		sym_value(sym)->known = known;
		sym_value(sym)->number = number;
		sym->evaluating = false;
		sym->evaluated = true;
	}
	free(path);
	if (v->name) {
		v->known = known;
		v->number = number;
	}
}

static void eval_const(checker *c, symbol *sym)
{
	if (sym->evaluated || sym->evaluating)
		return;
	sym->evaluating = true;
	eval_value(c, &sym->def->const_value, "in a constant");
	sym->evaluating = false;
	sym->evaluated = true;
}

static void eval_enum(checker *c, definition *def)
{
	int64_t next = 0;
	bool next_known = true;
	for (enum_member *m = def->members; m; m = m->next) {
		if (m->has_value) {
			eval_value(c, &m->val, "as an enum value");
		} else {
			m->val.known = next_known;
			m->val.number = next;
		}
		next_known = m->val.known;
		next = m->val.number + 1;
		if (m->val.known && (m->val.number < INT32_MIN || m->val.number > INT32_MAX))
			diag_error(c->diag, m->where, "enum value of '%s' does not fit in 32 bits",
				   m->name);
	}
}

/* What rpcgen's output gets from libtirpc's headers: the .x files in /usr/include use these
 * without defining them. */
static const struct {
	const char *name;
	decl_kind kind;
	int64_t size;
} builtin_types[] = {
	{ "netobj", DECL_VAR, 1024 },  /* opaque netobj<MAX_NETOBJ_SZ> */
	{ "des_block", DECL_FIXED, 8 }, /* opaque des_block[8] */
};

static const struct {
	const char *name;
	int64_t value;
} builtin_consts[] = {
	{ "MAXNETNAMELEN", 255 },
	{ "MAX_NETOBJ_SZ", 1024 },
};

/* Builtins go after the leading `%` lines, which may include the headers that define them. */
static void prepend(checker *c, definition *def)
{
	def->builtin = true;
	def->where = (loc){ "<builtin>", 0, 0 };
	definition **p = &c->spec->defs;
	while (*p && (*p)->kind == DEF_PASSTHROUGH)
		p = &(*p)->next;
	def->next = *p;
	*p = def;
}

static definition *add_builtin_type(checker *c, const char *name)
{
	for (size_t i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++) {
		if (strcmp(name, builtin_types[i].name) != 0)
			continue;
		definition *def = pool_alloc(c->pool, sizeof *def);
		def->kind = DEF_TYPEDEF;
		def->name = builtin_types[i].name;
		def->target = (decl){ .name = def->name, .kind = builtin_types[i].kind, .bounded = true,
				      .type = { .kind = TYPE_OPAQUE },
				      .size = { .text = pool_printf(c->pool, "%lld", (long long)builtin_types[i].size),
						.number = builtin_types[i].size, .known = true } };
		prepend(c, def);
		add(c, def->name, SYM_TYPE, def->where)->def = def;
		return def;
	}
	return NULL;
}

static symbol *add_builtin_const(checker *c, const char *name)
{
	for (size_t i = 0; i < sizeof builtin_consts / sizeof builtin_consts[0]; i++) {
		if (strcmp(name, builtin_consts[i].name) != 0)
			continue;
		definition *def = pool_alloc(c->pool, sizeof *def);
		def->kind = DEF_CONST;
		def->name = builtin_consts[i].name;
		def->const_value = (value){ .text = pool_printf(c->pool, "%lld", (long long)builtin_consts[i].value),
					    .number = builtin_consts[i].value, .known = true };
		prepend(c, def);
		symbol *sym = add(c, def->name, SYM_CONST, def->where);
		sym->def = def;
		return sym;
	}
	return NULL;
}

/* ---- `%#define` values ----------------------------------------------------------------- */

/* A `%#define`'s value worked out as C would: integer arithmetic (+ - * / and parentheses) on
 * numbers and on names whose values are known, for the languages that do not read C (Python).
 * Anything else (casts, strings, a name not known, an overflow) leaves the value unknown. */
typedef struct macro_expr {
	checker *c;
	const char *p;
	int depth; /* bounds the recursion on hostile input */
	bool ok;
} macro_expr;

enum { MACRO_MAX_DEPTH = 32 };

static int64_t macro_sum(macro_expr *m);

/* Blanks and comments (cpp -C keeps them) */
static void macro_space(macro_expr *m)
{
	for (;;) {
		m->p += strspn(m->p, " \t");
		if (m->p[0] == '/' && m->p[1] == '*') {
			const char *end = strstr(m->p + 2, "*/");
			m->p = end ? end + 2 : m->p + strlen(m->p);
		} else if (m->p[0] == '/' && m->p[1] == '/') {
			m->p += strlen(m->p);
		} else {
			return;
		}
	}
}

static bool macro_name_value(macro_expr *m, const char *name, int64_t *out)
{
	symbol *sym = lookup(m->c, name);
	const value *v = NULL;
	if (!sym)
		return false;
	if (sym->kind == SYM_BUILTIN) {
		*out = sym->number;
		return true;
	}
	if (sym->kind == SYM_ENUM_MEMBER)
		v = &sym->member->val;
	else if (sym->kind == SYM_MACRO)
		v = sym->def ? &sym->def->macro_value : NULL;
	else
		v = sym_value(sym);
	if (!v || !v->known)
		return false;
	*out = v->number;
	return true;
}

/* primary -> number | name | '(' sum ')' | ('-' | '+') primary */
static int64_t macro_primary(macro_expr *m)
{
	int64_t v = 0;
	macro_space(m);
	if (++m->depth > MACRO_MAX_DEPTH) {
		m->ok = false;
	} else if (*m->p == '(') {
		m->p++;
		v = macro_sum(m);
		macro_space(m);
		if (*m->p == ')')
			m->p++;
		else
			m->ok = false;
	} else if (*m->p == '-' || *m->p == '+') {
		bool minus = *m->p++ == '-';
		v = macro_primary(m);
		if (minus && v == INT64_MIN)
			m->ok = false;
		else if (minus)
			v = -v;
	} else if (isdigit((unsigned char)*m->p)) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(m->p, &end, 0);
		if (errno || n > INT64_MAX || isalnum((unsigned char)*end) || *end == '_')
			m->ok = false;
		v = (int64_t)n;
		m->p = end;
	} else if (isalpha((unsigned char)*m->p) || *m->p == '_') {
		size_t len = 0;
		while (isalnum((unsigned char)m->p[len]) || m->p[len] == '_')
			len++;
		m->ok &= macro_name_value(m, pool_strndup(m->c->pool, m->p, len), &v);
		m->p += len;
	} else {
		m->ok = false;
	}
	m->depth--;
	return v;
}

/* product -> primary { ('*' | '/') primary } */
static int64_t macro_product(macro_expr *m)
{
	int64_t v = macro_primary(m);
	for (macro_space(m); m->ok && (*m->p == '*' || *m->p == '/'); macro_space(m)) {
		char op = *m->p++;
		int64_t r = macro_primary(m);
		if (op == '*')
			m->ok &= !__builtin_mul_overflow(v, r, &v);
		else if (r == 0 || (v == INT64_MIN && r == -1))
			m->ok = false;
		else
			v /= r;
	}
	return v;
}

/* sum -> product { ('+' | '-') product } */
static int64_t macro_sum(macro_expr *m)
{
	int64_t v = macro_product(m);
	for (macro_space(m); m->ok && (*m->p == '+' || *m->p == '-'); macro_space(m)) {
		char op = *m->p++;
		int64_t r = macro_product(m);
		m->ok &= !(op == '+' ? __builtin_add_overflow(v, r, &v) : __builtin_sub_overflow(v, r, &v));
	}
	return v;
}

/* In file order: a `%#define` may use the ones before it. */
static void eval_macros(checker *c, spec *s)
{
	for (definition *def = s->defs; def; def = def->next) {
		if (!def->macro)
			continue;
		macro_expr m = { .c = c, .p = def->macro_value.text, .ok = true };
		macro_space(&m);
		bool empty = !*m.p;
		int64_t v = macro_sum(&m);
		macro_space(&m);
		def->macro_value.known = m.ok && !empty && !*m.p;
		def->macro_value.number = v;
	}
}

static bool is_plain_typedef(const definition *def)
{
	return def && def->kind == DEF_TYPEDEF && def->target.kind == DECL_PLAIN;
}

/* Sets the base of every typedef of a plain declaration (see type_base), before any check
 * asks: each chain of typedefs is walked once, however many use it, and a cycle (typedef a b;
 * typedef b a;) ends the walk instead of looping; the by-value check reports it. The names
 * the chains go through are resolved here, quietly: check_decl reports what is wrong. */
static void find_typedef_bases(checker *c, spec *s)
{
	enum { WALKING = 1 };
	definition **chain = NULL;
	size_t cap = 0;
	for (definition *def = s->defs; def; def = def->next) {
		size_t n = 0;
		const type_ref *end = NULL;
		definition *d = def;
		while (is_plain_typedef(d) && !d->base && d->visit != WALKING) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				chain = xrealloc(chain, cap * sizeof *chain);
			}
			chain[n++] = d;
			d->visit = WALKING;
			type_ref *t = &d->target.type;
			if (t->kind == TYPE_NAMED && !t->def) {
				symbol *sym = lookup(c, t->name);
				if (sym && sym->kind == SYM_TYPE)
					t->def = sym->def;
			}
			if (t->kind != TYPE_NAMED || !is_plain_typedef(t->def)) {
				end = t;
				break;
			}
			d = t->def;
		}
		if (!end && is_plain_typedef(d) && d->base)
			end = d->base;
		/* without an end, a cycle: each typedef on it is its own base */
		while (n > 0) {
			d = chain[--n];
			d->base = end ? end : &d->target.type;
			d->visit = 0;
		}
	}
	free(chain);
}

/* Resolves a named type; `external` allows an undefined `struct X` (a procedure argument whose
 * codec the programmer writes, as rpcb_prot.x does with struct netbuf). */
static void resolve_type(checker *c, type_ref *t, bool external)
{
	if (t->kind != TYPE_NAMED)
		return;
	symbol *sym = lookup(c, t->name);
	if (!sym && (t->def = add_builtin_type(c, t->name)))
		return;
	if (!sym) {
		char hint[300];
		if (!(external && t->keyword))
			diag_error(c->diag, t->where, "undefined type '%s'%s", t->name,
				   suggest_symbol(c, t->name, true, hint, sizeof hint));
		return;
	}
	if (sym->kind != SYM_TYPE) {
		diag_error(c->diag, t->where, "'%s' is not a type", t->name);
		return;
	}
	t->def = sym->def;
}

static void check_size(checker *c, decl *d)
{
	if (d->kind != DECL_FIXED && !(d->kind == DECL_VAR && d->bounded))
		return;
	eval_value(c, &d->size, "as a size");
	if (d->size.known && (d->size.number < 0 || d->size.number > UINT32_MAX))
		diag_error(c->diag, d->size.where, "size %s of '%s' is out of range", d->size.text,
			   d->name);
}

/* A declaration in a struct, union arm or typedef. */
static void check_decl(checker *c, decl *d)
{
	check_c_name(c, d->name, d->where);
	resolve_type(c, &d->type, false);
	check_size(c, d);
	switch (d->type.kind) {
	case TYPE_STRING:
		if (d->kind != DECL_VAR)
			diag_error(c->diag, d->where,
				   "string '%s' must be declared as 'string %s<N>' or 'string %s<>'",
				   d->name, d->name, d->name);
		break;
	case TYPE_OPAQUE:
		if (d->kind != DECL_VAR && d->kind != DECL_FIXED)
			diag_error(c->diag, d->where,
				   "opaque '%s' must be declared as 'opaque %s[N]' or 'opaque %s<N>'",
				   d->name, d->name, d->name);
		break;
	case TYPE_VOID:
		if (d->kind != DECL_VOID)
			diag_error(c->diag, d->where, "'void' cannot be the type of '%s'", d->name);
		break;
	default:
		break;
	}
}

static void check_struct(checker *c, definition *def)
{
	for (decl *f = def->fields; f; f = f->next) {
		if (f->kind == DECL_VOID)
			diag_error(c->diag, f->where, "a struct member cannot be 'void'");
		else
			check_decl(c, f);
	}
	table names = { 0 };
	for (decl *f = def->fields; f; f = f->next)
		if (f->name && table_add(&names, f->name, f))
			diag_error(c->diag, f->where, "duplicate member '%s'", f->name);
	table_free(&names);
}

static bool is_discriminant_type(const type_ref *t)
{
	t = type_base(t);
	return t->kind == TYPE_INT || t->kind == TYPE_UINT || t->kind == TYPE_BOOL ||
	       (t->kind == TYPE_NAMED && t->def && t->def->kind == DEF_ENUM);
}

/* A case label the discriminant can never hold is an error: one outside the range of its type
 * (as coded: 32 bits, whatever rpcgen name it has), or not a value of its enum, whose decoder
 * refuses any other. */
static void check_label(checker *c, const decl *disc, const case_label *l)
{
	const type_ref *t = type_base(&disc->type);
	int64_t v = l->val.number, lo, hi;
	if (!l->val.known)
		return;
	/* "70000", or "BIG (4294967296)" for a named one */
	const char *text = l->val.name ? pool_printf(c->pool, "%s (%lld)", l->val.text, (long long)v)
				       : l->val.text;
	if (t->kind == TYPE_NAMED && t->def && t->def->kind == DEF_ENUM) {
		for (const enum_member *m = t->def->members; m; m = m->next)
			if (!m->val.known || m->val.number == v)
				return; /* unknown: reported already */
		diag_error(c->diag, l->val.where, "case value %s is not a value of enum '%s'", text,
			   t->def->name);
		return;
	}
	switch (t->kind) {
	case TYPE_INT:
		lo = INT32_MIN, hi = INT32_MAX;
		break;
	case TYPE_UINT:
		lo = 0, hi = UINT32_MAX;
		break;
	case TYPE_BOOL:
		lo = 0, hi = 1;
		break;
	default:
		return;
	}
	if (v < lo || v > hi)
		diag_error(c->diag, l->val.where,
			   "case value %s is out of range for the discriminant '%s' (%lld to %lld)",
			   text, disc->name ? disc->name : "", (long long)lo, (long long)hi);
}

static void check_union(checker *c, definition *def)
{
	decl *disc = &def->discriminant;
	check_decl(c, disc);
	/* reported: undefined, or a typedef cycle (for the by-value check) */
	const type_ref *base = type_base(&disc->type);
	bool undefined = (disc->type.kind == TYPE_NAMED && !disc->type.def) ||
			 (base->kind == TYPE_NAMED && is_plain_typedef(base->def));
	bool valid = !undefined && disc->kind == DECL_PLAIN && is_discriminant_type(&disc->type);
	if (!undefined && !valid)
		diag_error(c->diag, disc->where,
			   "the discriminant of union '%s' must be int, unsigned int, bool or an enum",
			   def->name);
	bool has_case = false, has_default = false;
	table cases = { 0 };
	for (union_arm *arm = def->arms; arm; arm = arm->next) {
		check_decl(c, &arm->arm);
		if (!arm->labels && has_default)
			diag_error(c->diag, arm->where, "union '%s' has more than one default arm",
				   def->name);
		has_default |= !arm->labels;
		for (case_label *l = arm->labels; l; l = l->next) {
			has_case = true;
			eval_value(c, &l->val, "as a case value");
			if (valid)
				check_label(c, disc, l);
			const case_label *first = l->val.known ? table_add_number(&cases, l->val.number, l) : NULL;
			if (first)
				diag_error(c->diag, l->val.where, "duplicate case value %s (first on line %d)",
					   l->val.text, first->val.where.line);
		}
		if (arm->arm.name && strcmp(arm->arm.name, disc->name ? disc->name : "") == 0)
			diag_error(c->diag, arm->arm.where, "duplicate member '%s'", arm->arm.name);
	}
	table_free(&cases);
	if (!has_case)
		diag_error(c->diag, def->where, "union '%s' has no cases", def->name);
	table names = { 0 };
	for (union_arm *a = def->arms; a; a = a->next)
		if (a->arm.name && table_add(&names, a->arm.name, a))
			diag_error(c->diag, a->arm.where, "duplicate member '%s'", a->arm.name);
	table_free(&names);
}

static void check_proc_type(checker *c, type_ref *t, const char *what)
{
	resolve_type(c, t, true);
	if (t->kind == TYPE_OPAQUE)
		diag_error(c->diag, t->where, "opaque cannot be %s; declare a typedef for it", what);
}

/* Numbers must be unique among siblings: procedures of a version, versions of a program,
 * programs of a file. `seen` maps the numbers so far to the names that have them. */
static void check_number(checker *c, table *seen, const value *v, const char *what,
			 const char *name)
{
	if (v->known && (v->number < 0 || v->number > UINT32_MAX)) {
		diag_error(c->diag, v->where, "%s number %s of '%s' is out of range (0 to 4294967295)",
			   what, v->text, name);
		return;
	}
	const char *prev = v->known ? table_add_number(seen, v->number, (char *)name) : NULL;
	if (prev)
		diag_error(c->diag, v->where, "%s number %s of '%s' is already used by '%s'", what,
			   v->text, name, prev);
}

/* A procedure as first defined in a program, for the versions after it. */
typedef struct first_proc {
	const procedure *proc;
	const version *in;
} first_proc;

static void check_program(checker *c, definition *def)
{
	eval_value(c, &def->number, "as a program number");
	check_number(c, &c->programs, &def->number, "program", def->name);
	table versions = { 0 }, firsts = { 0 };
	for (version *v = def->versions; v; v = v->next) {
		eval_value(c, &v->number, "as a version number");
		check_number(c, &versions, &v->number, "version", v->name);
		table names = { 0 }, numbers = { 0 };
		for (procedure *p = v->procs; p; p = p->next) {
			eval_value(c, &p->number, "as a procedure number");
			check_proc_type(c, &p->result, "a procedure result");
			for (int i = 0; i < p->nargs; i++) {
				if (p->args[i].kind == TYPE_VOID)
					diag_error(c->diag, p->args[i].where,
						   "'void' must be a procedure's only argument");
				check_proc_type(c, &p->args[i], "a procedure argument");
			}
			/* Versions share a procedure's #define: its number must be the same. */
			const first_proc *f = table_get(&firsts, p->name);
			if (f && f->in != v && p->number.known &&
			    f->proc->number.number != p->number.number)
				diag_error(c->diag, p->number.where,
					   "procedure '%s' is number %s in version '%s' but %s here",
					   p->name, f->proc->number.text, f->in->name, p->number.text);
			if (!f && p->number.known) {
				first_proc *n = pool_alloc(c->pool, sizeof *n);
				*n = (first_proc){ p, v };
				table_add(&firsts, p->name, n);
			}
			if (table_add(&names, p->name, p))
				diag_error(c->diag, p->where,
					   "procedure '%s' is already defined in version '%s'", p->name,
					   v->name);
			check_number(c, &numbers, &p->number, "procedure", p->name);
		}
		table_free(&names);
		table_free(&numbers);
	}
	table_free(&versions);
	table_free(&firsts);
}

/* ---- the type graph --------------------------------------------------------------------- */

static bool follow_by_value(const graph_edge *e)
{
	return graph_by_value(e->d);
}

/* An edge back to a type still being walked by value: a type containing itself. */
static void report_self_containing(void *ctx, const graph_edge *e)
{
	checker *c = ctx;
	diag_error(c->diag, e->d->where,
		   "'%s' contains itself by value (infinite size): make '%s' optional ('*') or a variable-length array",
		   e->d->type.def->name, e->d->name ? e->d->name : "");
}

/* The last member of a struct, when it points to the next node of a list. */
static decl *find_list_link(definition *def)
{
	decl *last = def->fields;
	while (last && last->next)
		last = last->next;
	if (!last || last->type.kind != TYPE_NAMED || !last->type.def)
		return NULL;
	const decl *target = last;
	if (last->kind == DECL_PLAIN && last->type.def->kind == DEF_TYPEDEF)
		target = &last->type.def->target;
	if (target->kind == DECL_OPTIONAL && target->type.kind == TYPE_NAMED &&
	    target->type.def == def)
		return last;
	return NULL;
}

static void analyse_types(checker *c, spec *s)
{
	graph g;
	graph_build(&g, s);
	free(graph_order(&g, follow_by_value, report_self_containing, c));
	if (!c->diag->errors) {
		graph_find_recursive(&g);
		for (size_t i = 0; i < g.n; i++)
			if (g.types[i]->kind == DEF_STRUCT)
				g.types[i]->list_link = find_list_link(g.types[i]);
	}
	graph_free(&g);
}

bool check_spec(spec *s, const spec *macros, diag *d, pool *p)
{
	checker c = { .diag = d, .pool = p, .spec = s };
	int errors_before = d->errors;
	add(&c, "TRUE", SYM_BUILTIN, (loc){ "<builtin>", 0, 0 })->number = 1;
	add(&c, "FALSE", SYM_BUILTIN, (loc){ "<builtin>", 0, 0 })->number = 0;
	add_definitions(&c, s);
	add_macros(&c, s, true);
	if (macros)
		add_macros(&c, macros, false);
	find_typedef_bases(&c, s);
	for (definition *def = s->defs; def; def = def->next)
		if (def->kind == DEF_ENUM)
			eval_enum(&c, def);
	for (definition *def = s->defs; def; def = def->next) {
		switch (def->kind) {
		case DEF_CONST: {
			symbol *sym = lookup(&c, def->name);
			if (sym && sym->def == def)
				eval_const(&c, sym);
			break;
		}
		case DEF_STRUCT:
			check_struct(&c, def);
			break;
		case DEF_UNION:
			check_union(&c, def);
			break;
		case DEF_TYPEDEF:
			check_decl(&c, &def->target);
			break;
		case DEF_PROGRAM:
			check_program(&c, def);
			break;
		default:
			break;
		}
	}
	eval_macros(&c, s);
	if (d->errors == errors_before)
		analyse_types(&c, s);
	table_free(&c.syms);
	table_free(&c.programs);
	return d->errors == errors_before;
}
