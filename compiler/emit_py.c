/* onc gen --lang python: one module per .x file, in the shape python/README.md describes. */
#include "emit_py.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* The tables make every name question one lookup, so that the output takes time linear in
 * the size of the file. */
typedef struct py {
	strbuf *out;
	pool *pool;
	const spec *spec;
	table names;      /* every name the file defines, enum members too */
	table consts;     /* the module's constants: const definitions and enum members */
	table earlier;    /* constants emitted so far */
	table types_seen; /* type definitions emitted so far */
	table array_defaults;    /* typedefs given a _default_T function (element_default) */
	const definition **defaults; /* the same, in order, to write at the end */
	size_t ndefaults, defaults_cap;
	/* The struct or union whose class is being written: a field named as a type shadows that
	 * type in the class's annotations, which name it through an alias then (class_hint). */
	const definition *in_class;
	table members; /* its members' names (fields, arms, discriminant) */
	table arms;    /* a union's arm fields by name (arm_fields), while it is written */
	table aliases; /* types given an alias _<T>_type, written at the end */
	const char *qual; /* samples: "calc." before the names of the module, which they import */
	const definition **aliased;
	size_t naliased, aliased_cap;
	/* The prefix every procedure of `prefixed` shares (see method_name). */
	const version *prefixed;
	const char *prefix;
	size_t prefix_len;
	/* While a pack method is written: what each line of its body codes (pack_line). */
	strbuf *fields;
} py;

static const char *const reserved[] = {
	"False", "None",   "True",    "and",   "as",	 "assert", "async",  "await",
	"break", "class",  "continue", "def",   "del",	 "elif",   "else",   "except",
	"finally", "for",  "from",    "global", "if",	 "import", "in",     "is",
	"lambda", "nonlocal", "not",  "or",    "pass",	 "raise",  "return", "try",
	"while", "with",   "yield",   "self",  "onc",	 "match",  "case",   "type",
};

/* A Python identifier for an RPC-language name: keywords (and names the module uses) get a
 * trailing underscore. */
static const char *pyname(py *g, const char *name)
{
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcmp(name, reserved[i]) == 0)
			return pool_printf(g->pool, "%s_", name);
	return name;
}

/* The names the generated functions give their parameters and locals (pack(self, p),
 * unpack_T(u), d, node, v0, v1_2, ...): a module-level name spelt the same would be shadowed
 * inside them (`struct u` unpacked by `return u.unpack(u)`). */
static bool is_local_name(const char *name)
{
	static const char *const locals[] = { "p", "u", "v", "s", "d", "cls", "node", "head",
					      "new", "arg", "timeout" };
	for (size_t i = 0; i < sizeof locals / sizeof locals[0]; i++)
		if (strcmp(name, locals[i]) == 0)
			return true;
	/* v<digits>[_<digits>], arg<digits> */
	const char *r = name[0] == 'v' ? name + 1 : strncmp(name, "arg", 3) == 0 ? name + 3 : NULL;
	if (!r || !isdigit((unsigned char)*r))
		return false;
	while (isdigit((unsigned char)*r))
		r++;
	if (*r == '_' && name[0] == 'v' && isdigit((unsigned char)r[1]))
		for (r++; isdigit((unsigned char)*r);)
			r++;
	return *r == 0;
}

/* A Python identifier for a module-level name (a type, constant, enum member, program,
 * version or procedure): pyname's, with a trailing underscore for a local's name too. */
static const char *pyglobal(py *g, const char *name)
{
	return is_local_name(name) ? pool_printf(g->pool, "%s_", name) : pyname(g, name);
}

/* True when `name` is a module-level constant of the generated module. */
static bool is_py_const(py *g, const char *name)
{
	return table_get(&g->consts, name) != NULL;
}

static void add_names(py *g)
{
	for (const definition *d = g->spec->defs; d; d = d->next) {
		if (d->kind == DEF_PASSTHROUGH)
			continue;
		table_add(&g->names, d->name, (void *)d);
		if (d->kind == DEF_CONST)
			table_add(&g->consts, d->name, (void *)d);
		for (const enum_member *m = d->kind == DEF_ENUM ? d->members : NULL; m; m = m->next) {
			table_add(&g->names, m->name, (void *)m);
			table_add(&g->consts, m->name, (void *)m);
		}
	}
}

static const char *pyvalue(py *g, const value *v)
{
	if (v->name && is_py_const(g, v->name))
		return g->qual ? pool_printf(g->pool, "%s%s", g->qual, pyglobal(g, v->name))
			       : pyglobal(g, v->name);
	if (v->known)
		return pool_printf(g->pool, "%lld", (long long)v->number);
	if (v->text && v->text[0] == '"')
		return v->text;
	return pool_printf(g->pool, "%s", v->text ? v->text : "None");
}

/* Linked lists (a struct whose last member points to the next node, plan.h's SHAPE_LIST) are
 * Python lists of their elements, as onc call shows them in JSON: a value of the struct (at
 * least one element) or optional data of it (none when the pointer is NULL). The struct's
 * class is one element: its members but the link. The bytes on the wire are the chain's. */

/* The list struct a plain or optional declaration is, NULL when it is not one (the same
 * question as plan_list_of, asked of the syntax tree for hints and defaults). */
static const definition *list_def(const decl *d)
{
	if (d->kind != DECL_PLAIN && d->kind != DECL_OPTIONAL)
		return NULL;
	const type_ref *b = type_base(&d->type);
	const definition *def = b->kind == TYPE_NAMED ? b->def : NULL;
	return def && def->kind == DEF_STRUCT && def->list_link ? def : NULL;
}

/* ---- coding: expressions printed from the plan ---- */

/* The length of a fixed array or opaque, or the maximum of a variable one. */
static const char *py_bound(py *g, const plan_value *v)
{
	return v->bound ? pyvalue(g, v->bound) : "onc.UNLIMITED";
}

static const char *bulk_kind(const plan_value *elem)
{
	return elem->kind == PLAN_SCALAR ? plan_scalars[elem->sc].py_bulk : NULL;
}

/* An expression writing the value x to packer p; NULL for void. */
static const char *py_pack(py *g, const plan_value *v, const char *x)
{
	const char *k = v->elem ? bulk_kind(v->elem) : NULL;
	switch (v->kind) {
	case PLAN_VOID:
		return NULL;
	case PLAN_SCALAR:
		if (v->sc == SC_ENUM)
			return pool_printf(g->pool, "pack_%s(p, %s)", v->en->name, x);
		return pool_printf(g->pool, "p.pack_%s(%s)", plan_scalars[v->sc].py_codec, x);
	case PLAN_STRING:
		return pool_printf(g->pool, "p.pack_string(%s, %s)", x, py_bound(g, v));
	case PLAN_OPAQUE:
		if (v->fixed)
			return pool_printf(g->pool, "p.pack_fopaque(%s, %s)", py_bound(g, v), x);
		return pool_printf(g->pool, "p.pack_opaque(%s, %s)", x, py_bound(g, v));
	case PLAN_ARRAY:
		if (v->fixed && k)
			return pool_printf(g->pool, "p.pack_fixed_scalars(\"%s\", %s, %s)", k,
					   py_bound(g, v), x);
		if (v->fixed)
			return pool_printf(g->pool, "p.pack_farray(%s, %s, lambda v: %s)", py_bound(g, v),
					   x, py_pack(g, v->elem, "v"));
		if (k)
			return pool_printf(g->pool, "p.pack_scalar_array(\"%s\", %s, %s)", k, x,
					   py_bound(g, v));
		return pool_printf(g->pool, "p.pack_array(%s, lambda v: %s, %s)", x,
				   py_pack(g, v->elem, "v"), py_bound(g, v));
	case PLAN_OPTIONAL:
		if (plan_list_of(v->elem))
			return pool_printf(g->pool, "p.pack_list(%s, lambda v: v.pack(p))", x);
		return pool_printf(g->pool, "p.pack_optional(%s, lambda v: %s)", x,
				   py_pack(g, v->elem, "v"));
	case PLAN_CALL:
		break;
	}
	return pool_printf(g->pool, "pack_%s(p, %s)", v->name, x);
}

/* An expression reading the value from unpacker u. */
static const char *py_unpack(py *g, const plan_value *v)
{
	const char *k = v->elem ? bulk_kind(v->elem) : NULL;
	switch (v->kind) {
	case PLAN_VOID:
		return "None";
	case PLAN_SCALAR:
		if (v->sc == SC_ENUM)
			return pool_printf(g->pool, "unpack_%s(u)", v->en->name);
		return pool_printf(g->pool, "u.unpack_%s()", plan_scalars[v->sc].py_codec);
	case PLAN_STRING:
		return pool_printf(g->pool, "u.unpack_string(%s)", py_bound(g, v));
	case PLAN_OPAQUE:
		if (v->fixed)
			return pool_printf(g->pool, "u.unpack_fopaque(%s)", py_bound(g, v));
		return pool_printf(g->pool, "u.unpack_opaque(%s)", py_bound(g, v));
	case PLAN_ARRAY:
		if (v->fixed && k)
			return pool_printf(g->pool, "u.unpack_fixed_scalars(\"%s\", %s)", k, py_bound(g, v));
		if (v->fixed)
			return pool_printf(g->pool, "u.unpack_farray(%s, lambda: %s, %lld)", py_bound(g, v),
					   py_unpack(g, v->elem), (long long)v->elem->size.min);
		if (k)
			return pool_printf(g->pool, "u.unpack_scalar_array(\"%s\", %s)", k, py_bound(g, v));
		return pool_printf(g->pool, "u.unpack_array(lambda: %s, %s, %lld)", py_unpack(g, v->elem),
				   py_bound(g, v), (long long)v->elem->size.min);
	case PLAN_OPTIONAL:
		if (plan_list_of(v->elem))
			return pool_printf(g->pool, "u.unpack_list(lambda: %s.unpack(u))",
					   pyglobal(g, plan_list_of(v->elem)->def->name));
		return pool_printf(g->pool, "u.unpack_optional(lambda: %s)", py_unpack(g, v->elem));
	case PLAN_CALL:
		break;
	}
	return pool_printf(g->pool, "unpack_%s(u)", v->name);
}

/* ---- default values (what a dataclass field starts as) ---- */

static const char *default_decl(py *g, const decl *d);

static const char *default_type(py *g, const type_ref *t)
{
	t = type_base(t); /* a chain of typedefs in one step */
	switch (t->kind) {
	case TYPE_INT:
	case TYPE_UINT:
	case TYPE_HYPER:
	case TYPE_UHYPER: return "0";
	case TYPE_FLOAT:
	case TYPE_DOUBLE: return "0.0";
	case TYPE_BOOL: return "False";
	case TYPE_QUAD: return "bytes(16)";
	case TYPE_STRING: return "\"\"";
	case TYPE_OPAQUE: return "b\"\"";
	case TYPE_VOID: return "None";
	case TYPE_NAMED: break;
	}
	const definition *def = t->def;
	if (!def)
		return "None";
	switch (def->kind) {
	case DEF_ENUM:
		return def->members ? pool_printf(g->pool, "%s%s.%s", g->qual ? g->qual : "",
						  pyglobal(g, def->name), pyglobal(g, def->members->name))
				    : "0";
	case DEF_STRUCT:
	case DEF_UNION:
		return pool_printf(g->pool, def->list_link ? "[%s%s()]" : "%s%s()", g->qual ? g->qual : "",
				   pyglobal(g, def->name));
	case DEF_TYPEDEF:
		return default_decl(g, &def->target);
	default:
		return "None";
	}
}

/* The default of an array's element. When the element is itself a typedef of a fixed array,
 * its default is a function of the module (_default_T, written at the end) rather than a
 * comprehension inside the comprehension: a typedef of an array of arrays of ... costs one
 * line of output, not one level of nesting per use (nor a stack frame here). */
static const char *element_default(py *g, const type_ref *t)
{
	const type_ref *b = type_base(t);
	const definition *def = b->kind == TYPE_NAMED ? b->def : NULL;
	if (!def || def->kind != DEF_TYPEDEF || def->target.kind != DECL_FIXED ||
	    def->target.type.kind == TYPE_OPAQUE)
		return default_type(g, t);
	if (!table_add(&g->array_defaults, def->name, (void *)def)) {
		if (g->ndefaults == g->defaults_cap) {
			g->defaults_cap = g->defaults_cap ? 2 * g->defaults_cap : 16;
			g->defaults = xrealloc(g->defaults, g->defaults_cap * sizeof *g->defaults);
		}
		g->defaults[g->ndefaults++] = def;
	}
	return pool_printf(g->pool, "%s_default_%s()", g->qual ? g->qual : "", def->name);
}

static const char *default_decl(py *g, const decl *d)
{
	switch (d->kind) {
	case DECL_VOID:
		return "None";
	case DECL_OPTIONAL:
		return list_def(d) ? "[]" : "None";
	case DECL_PLAIN:
		return default_type(g, &d->type);
	case DECL_FIXED:
		if (d->type.kind == TYPE_OPAQUE)
			return pool_printf(g->pool, "bytes(%s)", pyvalue(g, &d->size));
		return pool_printf(g->pool, "[%s for _ in range(%s)]", element_default(g, &d->type),
				   pyvalue(g, &d->size));
	case DECL_VAR:
		if (d->type.kind == TYPE_STRING)
			return "\"\"";
		if (d->type.kind == TYPE_OPAQUE)
			return "b\"\"";
		return "[]";
	}
	return "None";
}

/* A default a dataclass field may hold as it is: a literal, or a const of the module (they
 * come first). Enum members may be defined later in the module: they are read when a value
 * is made. */
static bool immutable(py *g, const char *e)
{
	return strcmp(e, "0") == 0 || strcmp(e, "0.0") == 0 || strcmp(e, "False") == 0 ||
	       strcmp(e, "True") == 0 || strcmp(e, "None") == 0 || strcmp(e, "\"\"") == 0 ||
	       strcmp(e, "b\"\"") == 0 || table_get(&g->earlier, e) ||
	       (*e && strspn(e + (*e == '-'), "0123456789") == strlen(e + (*e == '-')));
}

static void emit_field(py *g, const char *name, const char *hint, const char *dflt)
{
	size_t n = strlen(dflt);
	if (immutable(g, dflt))
		strbuf_printf(g->out, "    %s: %s = %s\n", name, hint, dflt);
	else if (n > 2 && strcmp(dflt + n - 2, "()") == 0 && !strpbrk(dflt, " [.") &&
		 table_get(&g->types_seen, pool_printf(g->pool, "%.*s", (int)n - 2, dflt)))
		/* T(), T defined above */
		strbuf_printf(g->out, "    %s: %s = _dc.field(default_factory=%.*s)\n", name, hint,
			      (int)n - 2, dflt);
	else
		strbuf_printf(g->out, "    %s: %s = _dc.field(default_factory=lambda: %s)\n", name,
			      hint, dflt);
}

/* A name of Python's builtins or typing module as a hint: qualified when the .x file defines
 * the same name (struct list {...}), which the module's own name would otherwise shadow. */
static const char *std_name(py *g, const char *module, const char *name)
{
	return table_get(&g->names, name) ? pool_printf(g->pool, "%s.%s", module, name) : name;
}

/* Nesting of list hints written out; deeper ones end in list[Any] (a typedef of an array of
 * arrays of ... would otherwise give a hint as long as the chain, for each use). */
#define HINT_DEPTH 2

/* Starts or ends (NULL) the class of a struct or union: its members' names are looked up in
 * a table, so that a class of 100,000 fields costs no more per field than one of two. */
static void enter_class(py *g, const definition *def)
{
	table_free(&g->members);
	g->in_class = def;
	if (!def)
		return;
	if (def->kind == DEF_UNION) {
		table_add(&g->members, def->discriminant.name, (void *)def);
		for (const union_arm *a = def->arms; a; a = a->next)
			if (a->arm.kind != DECL_VOID)
				table_add(&g->members, a->arm.name, (void *)a);
	}
	for (const decl *f = def->kind == DEF_STRUCT ? def->fields : NULL; f && f != def->list_link;
	     f = f->next)
		table_add(&g->members, f->name, (void *)f);
}

/* The names of Python's that annotations use: a type of the file with one of them is named
 * through its alias. */
static bool hint_builtin(const char *name)
{
	static const char *const names[] = { "list", "tuple", "str", "bytes", "int", "float",
					     "bool", "Optional", "Any" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* A class (struct, union or enum) named in an annotation: through its alias inside a class
 * that has a member of the same name, or when it has a name of Python's. */
static const char *class_hint(py *g, const definition *def)
{
	if (g->qual)
		return pool_printf(g->pool, "%s%s", g->qual, pyglobal(g, def->name));
	if (!hint_builtin(def->name) && !table_get(&g->members, def->name))
		return pyglobal(g, def->name);
	if (!table_add(&g->aliases, def->name, (void *)def)) {
		if (g->naliased == g->aliased_cap) {
			g->aliased_cap = g->aliased_cap ? 2 * g->aliased_cap : 8;
			g->aliased = xrealloc(g->aliased, g->aliased_cap * sizeof *g->aliased);
		}
		g->aliased[g->naliased++] = def;
	}
	return pool_printf(g->pool, "_%s_type", def->name);
}

/* A typedef has no Python name of its own: a declaration of one is hinted as the type it
 * stands for, found in a loop (a chain of typedefs costs no stack), and Optional once however
 * many pointers it goes through (Optional[Optional[T]] is Optional[T]). Arrays are lists of
 * their element's hint, and so are linked lists (the pointer to one is the list). */
static const char *hint_depth(py *g, const decl *d, int depth, bool *is_optional)
{
	bool optional = false;
	const char *h = NULL;
	while (!h) {
		if (d->kind == DECL_VOID) {
			h = "None";
		} else if (list_def(d)) {
			h = pool_printf(g->pool, "%s[%s]", std_name(g, "_builtins", "list"),
					class_hint(g, list_def(d)));
		} else if ((d->kind == DECL_FIXED || d->kind == DECL_VAR) &&
			   (d->type.kind == TYPE_STRING || d->type.kind == TYPE_OPAQUE)) {
			h = std_name(g, "_builtins", d->type.kind == TYPE_STRING ? "str" : "bytes");
		} else if (d->kind == DECL_FIXED || d->kind == DECL_VAR) {
			decl elem = { .kind = DECL_PLAIN, .type = d->type };
			h = pool_printf(g->pool, "%s[%s]", std_name(g, "_builtins", "list"),
					depth < HINT_DEPTH ? hint_depth(g, &elem, depth + 1, NULL)
							   : "_typing.Any");
		} else {
			optional |= d->kind == DECL_OPTIONAL;
			const type_ref *t = d->kind == DECL_PLAIN ? type_base(&d->type) : &d->type;
			switch (t->kind) {
			case TYPE_INT: case TYPE_UINT: case TYPE_HYPER: case TYPE_UHYPER: h = "int"; break;
			case TYPE_FLOAT: case TYPE_DOUBLE: h = "float"; break;
			case TYPE_BOOL: h = "bool"; break;
			case TYPE_STRING: h = "str"; break;
			case TYPE_QUAD: case TYPE_OPAQUE: h = "bytes"; break;
			case TYPE_NAMED:
				if (t->def && t->def->kind == DEF_TYPEDEF)
					d = &t->def->target;
				else
					h = t->def ? class_hint(g, t->def) : "_typing.Any";
				continue;
			default: return "None"; /* void */
			}
			h = std_name(g, "_builtins", h);
		}
	}
	if (is_optional)
		*is_optional = optional;
	return optional ? pool_printf(g->pool, "%s[%s]", std_name(g, "_typing", "Optional"), h) : h;
}

static const char *hint_decl(py *g, const decl *d)
{
	return hint_depth(g, d, 0, NULL);
}

/* The hint of a procedure's argument or result type. */
static const char *hint_type(py *g, const type_ref *t)
{
	decl d = { .kind = DECL_PLAIN, .type = *t };
	return hint_decl(g, &d);
}

/* The length of the UTF-8 sequence at s, 0 when it is not one (a module must be UTF-8). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
				     : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The n bytes at s, those that are not UTF-8 as '?'; in a docstring, backslashes and double
 * quotes escaped. */
static void put_text(py *g, const char *s, size_t n, bool docstring)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len((const unsigned char *)s + i);
		if (!k || i + k > n) {
			strbuf_puts(g->out, "?");
			i++;
			continue;
		}
		if (docstring && (s[i] == '\\' || s[i] == '"'))
			strbuf_puts(g->out, "\\");
		strbuf_putn(g->out, s + i, k);
		i += k;
	}
}

/* A comment of the .x file as Python comment lines, `indent` in (nothing for NULL). */
static void py_comment(py *g, const char *indent, const char *doc)
{
	for (const char *s = doc; s && *s;) {
		size_t n = strcspn(s, "\n");
		strbuf_printf(g->out, "%s#%s", indent, n ? " " : "");
		put_text(g, s, n, false);
		strbuf_puts(g->out, "\n");
		s += n + (s[n] == '\n');
	}
}

/* A comment of the .x file as a docstring, `indent` in; `fallback` when there is none. */
static void py_docstring(py *g, const char *indent, const char *doc, const char *fallback)
{
	if (!doc || !*doc) {
		if (fallback)
			strbuf_printf(g->out, "%s\"\"\"%s\"\"\"\n", indent, fallback);
		return;
	}
	size_t first = strcspn(doc, "\n");
	strbuf_printf(g->out, "%s\"\"\"", indent);
	put_text(g, doc, first, true);
	if (!doc[first]) {
		strbuf_puts(g->out, "\"\"\"\n");
		return;
	}
	strbuf_puts(g->out, "\n");
	for (const char *s = doc + first + 1; *s;) {
		size_t n = strcspn(s, "\n");
		if (n)
			strbuf_puts(g->out, indent);
		put_text(g, s, n, true);
		strbuf_puts(g->out, "\n");
		s += n + (s[n] == '\n');
	}
	strbuf_printf(g->out, "%s\"\"\"\n", indent);
}

/* ---- definitions ---- */

/* Constants come first, before the enums: one naming an enum member gets its number. */
static void emit_const(py *g, const definition *def)
{
	const value *v = &def->const_value;
	bool named_const = v->name && table_get(&g->earlier, v->name);
	py_comment(g, "", def->doc);
	strbuf_printf(g->out, "%s = %s\n", pyglobal(g, def->name),
		      named_const ? pyglobal(g, v->name) : pyvalue(g, v));
}

static void emit_enum(py *g, const definition *def)
{
	const char *name = pyglobal(g, def->name);
	strbuf_puts(g->out, "\n\n");
	py_comment(g, "", def->doc);
	strbuf_printf(g->out, "class %s(_enum.IntEnum):\n", name);
	if (!def->members)
		strbuf_puts(g->out, "    pass\n");
	for (const enum_member *m = def->members; m; m = m->next) {
		py_comment(g, "    ", m->doc);
		strbuf_printf(g->out, "    %s = %lld\n", pyglobal(g, m->name),
			      (long long)m->val.number);
	}
	strbuf_puts(g->out, "\n\n");
	for (const enum_member *m = def->members; m; m = m->next)
		strbuf_printf(g->out, "%s = %s.%s\n", pyglobal(g, m->name), name,
			      pyglobal(g, m->name));
	strbuf_printf(g->out, "\n\ndef pack_%s(p: onc.Packer, v: %s) -> None:\n    p.pack_enum(v)\n\n\n"
		      "def unpack_%s(u: onc.Unpacker) -> %s:\n    return u.unpack_enum(%s)\n",
		      def->name, class_hint(g, def), def->name, class_hint(g, def), name);
}

static void emit_type_functions(py *g, const definition *def)
{
	const char *name = pyglobal(g, def->name);
	strbuf_printf(g->out, "\n\ndef pack_%s(p: onc.Packer, v: %s) -> None:\n    v.pack(p)\n\n\n"
		      "def unpack_%s(u: onc.Unpacker) -> %s:\n    return %s.unpack(u)\n",
		      def->name, class_hint(g, def), def->name, class_hint(g, def), name);
}

/* Runs are coded in chunks of the leaves the struct module codes (see plan_chunk). */
static bool struct_code(scalar sc)
{
	return plan_scalars[sc].py_struct != 0;
}

/* A leaf of a run: obj.member[.inner], or its path member[.inner] when obj is NULL. */
static const char *leaf_x(py *g, const plan_leaf *l, const char *obj)
{
	const char *m = obj ? pool_printf(g->pool, "%s.%s", obj, pyname(g, l->member->name))
			    : pyname(g, l->member->name);
	return l->inner ? pool_printf(g->pool, "%s.%s", m, pyname(g, l->inner->name)) : m;
}

/* Calls each(chunk) for the chunks of the runs of a struct, numbered as their formats are. */
typedef struct chunk {
	const plan_step *run;
	size_t from, end; /* end - from < 2: one leaf, coded alone */
	int index;        /* format_name(), for chunks of two or more */
} chunk;

/* The struct.Struct of a chunk: _<struct>_format, then _<struct>_format_2... */
static const char *format_name(py *g, const char *name, int index)
{
	return index ? pool_printf(g->pool, "_%s_format_%d", name, index + 1)
		     : pool_printf(g->pool, "_%s_format", name);
}

static size_t next_chunk(const plan_step *run, size_t from, int *index, chunk *c)
{
	int64_t bytes;
	size_t end = plan_chunk(run, from, struct_code, &bytes);
	if (end - from < 2)
		end = from + 1;
	*c = (chunk){ run, from, end, end - from >= 2 ? (*index)++ : -1 };
	return end;
}

/* The struct formats of a struct's chunks, before its class. */
static void emit_formats(py *g, const plan_type *t)
{
	const char *name = pyglobal(g, t->def->name);
	int index = 0;
	for (size_t i = 0; i < t->nsteps; i++)
		for (size_t k = 0; !t->steps[i].member && k < t->steps[i].nleaves;) {
			chunk c;
			k = next_chunk(&t->steps[i], k, &index, &c);
			if (c.index < 0)
				continue;
			strbuf_printf(g->out, "%s = _struct.Struct(\">", format_name(g, name, c.index));
			for (size_t j = c.from; j < c.end; j++)
				strbuf_printf(g->out, "%c", plan_scalars[c.run->leaves[j].value->sc].py_struct);
			strbuf_puts(g->out, "\")\n");
		}
}

/* A pack method's body is one try: its except clause asks onc.field_error() which field an
 * error came from, by the line it came from; _FIELDS, after the method, says what each line
 * codes ("name", a run's (format, "name", ...), or None). */
static void begin_pack(py *g, strbuf *fields)
{
	g->fields = fields;
	strbuf_puts(g->out, "\n    def pack(self, p: onc.Packer) -> None:\n        try:\n");
}

/* A line of the body at depth (0: the try's own), coding what. */
static void pack_line(py *g, int depth, const char *code, const char *what)
{
	strbuf_printf(g->out, "%*s%s\n", 12 + 4 * depth, "", code);
	strbuf_printf(g->fields, "        %s,\n", what ? what : "None");
}

static void end_pack(py *g)
{
	strbuf_puts(g->out, "        except onc.PACK_ERRORS as e:\n"
			    "            raise onc.field_error(e, self) from None\n\n"
			    "    # what each line of pack() after `try:` codes, for onc.field_error()\n"
			    "    _FIELDS = (\n");
	strbuf_puts(g->out, g->fields->data);
	strbuf_puts(g->out, "    )\n");
	g->fields = NULL;
}

static const char *quoted(py *g, const char *s)
{
	return pool_printf(g->pool, "\"%s\"", s);
}

/* Packs the steps of self, in a pack method. */
static void pack_steps(py *g, const plan_type *t)
{
	const char *name = pyglobal(g, t->def->name);
	int index = 0;
	for (size_t i = 0; i < t->nsteps; i++) {
		const plan_step *s = &t->steps[i];
		if (s->member) {
			const char *field = pyname(g, s->member->name);
			const char *e = py_pack(g, s->value, pool_printf(g->pool, "self.%s", field));
			if (e)
				pack_line(g, 0, e, quoted(g, field));
			continue;
		}
		for (size_t k = 0; k < s->nleaves;) {
			chunk c;
			k = next_chunk(s, k, &index, &c);
			const plan_leaf *l = &s->leaves[c.from];
			if (c.index < 0) {
				pack_line(g, 0, py_pack(g, l->value, leaf_x(g, l, "self")),
					  quoted(g, leaf_x(g, l, NULL)));
				continue;
			}
			/* pack_line()'s work, a leaf at a time: a run may have 100,000 */
			const char *format = format_name(g, name, c.index);
			strbuf_printf(g->out, "            p.pack_struct(%s", format);
			strbuf_printf(g->fields, "        (%s", format);
			for (size_t j = c.from; j < c.end; j++) {
				strbuf_printf(g->out, ", %s", leaf_x(g, &s->leaves[j], "self"));
				strbuf_printf(g->fields, ", \"%s\"", leaf_x(g, &s->leaves[j], NULL));
			}
			strbuf_puts(g->out, ")\n");
			strbuf_puts(g->fields, "),\n");
		}
	}
}

/* A run's leaves go to locals: v<i> for member i, v<i>_<j> for member j of a struct member
 * written out in place, which is then built from them. */
static void unpack_run(py *g, const plan_step *s, const char *name, int *index, int *member,
		       const char *indent)
{
	const char **locals = pool_alloc(g->pool, s->nleaves * sizeof *locals);
	int *owner = pool_alloc(g->pool, s->nleaves * sizeof *owner);
	int m = *member - 1, inner = 0;
	for (size_t j = 0; j < s->nleaves; j++) {
		const plan_leaf *l = &s->leaves[j];
		if (j == 0 || l->member != s->leaves[j - 1].member) {
			m++;
			inner = 0;
		}
		owner[j] = m;
		locals[j] = l->inner ? pool_printf(g->pool, "v%d_%d", m, inner++)
				     : pool_printf(g->pool, "v%d", m);
	}
	for (size_t k = 0; k < s->nleaves;) {
		chunk c;
		k = next_chunk(s, k, index, &c);
		strbuf_puts(g->out, indent);
		for (size_t j = c.from; j < c.end; j++)
			strbuf_printf(g->out, "%s%s", j > c.from ? ", " : "", locals[j]);
		if (c.index < 0)
			strbuf_printf(g->out, " = %s\n", py_unpack(g, s->leaves[c.from].value));
		else
			strbuf_printf(g->out, " = u.unpack_struct(%s)\n", format_name(g, name, c.index));
	}
	for (size_t j = 0; j < s->nleaves; j++) {
		const plan_leaf *l = &s->leaves[j];
		if (!l->inner || (j > 0 && l->member == s->leaves[j - 1].member))
			continue;
		strbuf_printf(g->out, "%sv%d = %s(", indent, owner[j],
			      pyglobal(g, type_base(&l->member->type)->name));
		for (size_t i = j; i < s->nleaves && s->leaves[i].member == l->member; i++)
			strbuf_printf(g->out, "%s%s", i > j ? ", " : "", locals[i]);
		strbuf_puts(g->out, ")\n");
	}
	*member = m + 1;
}

/* Decodes the steps into locals v0, v1... (one per member) of an unpack method; returns the
 * count. */
static int unpack_steps(py *g, const plan_type *t)
{
	const char *indent = "        ";
	const char *name = pyglobal(g, t->def->name);
	int index = 0, member = 0;
	for (size_t i = 0; i < t->nsteps; i++) {
		const plan_step *s = &t->steps[i];
		if (s->member)
			strbuf_printf(g->out, "%sv%d = %s\n", indent, member++, py_unpack(g, s->value));
		else
			unpack_run(g, s, name, &index, &member, indent);
	}
	return member;
}

static void emit_struct(py *g, const definition *def)
{
	const plan_type *t = def->plan;
	const char *name = pyglobal(g, def->name);
	const decl *link = def->list_link;
	strbuf_puts(g->out, "\n\n");
	emit_formats(g, t);
	strbuf_puts(g->out, "\n\n");
	if (link)
		strbuf_printf(g->out, "# An element of a linked list: the chain of its `%s` pointers is a "
				      "Python list.\n",
			      link->name);
	strbuf_printf(g->out, "@_dc.dataclass\nclass %s:\n", name);
	py_docstring(g, "    ", def->doc, NULL);
	if (def->doc)
		strbuf_puts(g->out, "\n");
	enter_class(g, def);
	for (const decl *f = def->fields; f != link; f = f->next) {
		py_comment(g, "    ", f->doc);
		emit_field(g, pyname(g, f->name), hint_decl(g, f), default_decl(g, f));
	}
	if (link && def->fields == link)
		strbuf_puts(g->out, "    pass\n");

	if (t->nsteps) {
		strbuf fields = { 0 };
		begin_pack(g, &fields);
		pack_steps(g, t);
		end_pack(g);
		strbuf_free(&fields);
	} else {
		strbuf_puts(g->out, "\n    def pack(self, p: onc.Packer) -> None:\n        pass\n");
	}
	strbuf_printf(g->out, "\n    @classmethod\n    def unpack(cls, u: onc.Unpacker) -> %s:\n",
		      class_hint(g, def));
	int n = unpack_steps(g, t);
	strbuf_puts(g->out, "        return cls(");
	for (int i = 0; i < n; i++)
		strbuf_printf(g->out, "%sv%d", i ? ", " : "", i);
	strbuf_puts(g->out, ")\n");
	enter_class(g, NULL);
	if (!link) {
		emit_type_functions(g, def);
		return;
	}
	/* A value of the struct is a list of one element or more. */
	const char *hint = pool_printf(g->pool, "%s[%s]", std_name(g, "_builtins", "list"),
				       class_hint(g, def));
	strbuf_printf(g->out, "\n\ndef pack_%s(p: onc.Packer, v: %s) -> None:\n"
			      "    p.pack_list(v, lambda v: v.pack(p), nonempty=True)\n\n\n"
			      "def unpack_%s(u: onc.Unpacker) -> %s:\n"
			      "    return u.unpack_list(lambda: %s.unpack(u), nonempty=True)\n",
		      def->name, hint, def->name, hint, name);
}

/* The fields of a union's arms: one per name (arms may share one), in file order; the
 * discriminant's name is not among them. */
typedef struct arm_field {
	const char *name;
	const char *hint;     /* Optional[...] */
	bool optional;        /* the arm itself is optional data: None is a value */
	const char *doc;      /* the first arm's comment */
} arm_field;

static const char *arm_name(py *g, const definition *def, const decl *d)
{
	const char *n = pyname(g, d->name);
	return strcmp(d->name, def->discriminant.name) == 0 ? pool_printf(g->pool, "%s_arm", n) : n;
}

/* Also fills g->arms, name -> arm_field, for the union being written. */
static size_t arm_fields(py *g, const definition *def, arm_field **out)
{
	size_t n = 0;
	for (const union_arm *a = def->arms; a; a = a->next)
		n++;
	arm_field *f = pool_alloc(g->pool, (n ? n : 1) * sizeof *f);
	size_t k = 0;
	table_free(&g->arms);
	for (const union_arm *a = def->arms; a; a = a->next) {
		if (a->arm.kind == DECL_VOID)
			continue;
		const char *name = arm_name(g, def, &a->arm);
		bool optional;
		const char *hint = hint_depth(g, &a->arm, 0, &optional);
		arm_field *same = table_get(&g->arms, name);
		if (same) {
			if (strcmp(same->hint, hint) != 0 && !same->optional)
				same->hint = "_typing.Any"; /* the name with two types */
			continue;
		}
		f[k] = (arm_field){ name, optional ? hint : pool_printf(g->pool, "%s[%s]",
					 std_name(g, "_typing", "Optional"), hint), optional, a->arm.doc };
		table_add(&g->arms, name, &f[k++]);
	}
	*out = f;
	return k;
}

/* "(A, B, )": a union arm's case labels. */
static const char *labels(py *g, const union_arm *a)
{
	const char *out = "(";
	for (const case_label *l = a->labels; l; l = l->next)
		out = pool_printf(g->pool, "%s%s%s", out, l == a->labels ? "" : ", ", pyvalue(g, &l->val));
	return pool_printf(g->pool, "%s%s)", out, a->labels && !a->labels->next ? "," : "");
}

/* "cls(d, b=...)": the value of a union whose arm `arm` (void: none) holds `x`; the arm
 * fields start as None but the first's (`first`), which is set to None when another arm is
 * meant. */
static const char *union_value(py *g, const definition *def, const char *first, const decl *arm,
			       const char *x)
{
	const char *name = arm->kind != DECL_VOID ? arm_name(g, def, arm) : "";
	const char *out = *name ? pool_printf(g->pool, "cls(d, %s=%s", name, x) : "cls(d";
	if (*first && strcmp(first, name) != 0)
		out = pool_printf(g->pool, "%s, %s=None", out, first);
	return pool_printf(g->pool, "%s)", out);
}

/* Writes an arm's value: from its field, which must hold one unless the arm is optional
 * data (onc.arm raises an XdrError naming the field). */
static const char *arm_pack(py *g, const definition *def, const plan_arm *a)
{
	if (a->arm->arm.kind == DECL_VOID)
		return NULL;
	const char *name = arm_name(g, def, &a->arm->arm);
	const arm_field *f = table_get(&g->arms, name);
	const char *x = pool_printf(g->pool, f->optional ? "self.%s" : "onc.arm(self.%s)", name);
	return py_pack(g, a->value, x);
}

static void emit_union(py *g, const definition *def)
{
	const char *name = pyglobal(g, def->name);
	const char *disc = pyname(g, def->discriminant.name);
	arm_field *f;
	size_t nf = arm_fields(g, def, &f);
	const union_arm *first = def->arms;
	for (const union_arm *a = def->arms; a; a = a->next)
		if (a->labels) {
			first = a;
			break;
		}
	const char *ddflt = first && first->labels ? pyvalue(g, &first->labels->val)
						   : default_decl(g, &def->discriminant);
	const type_ref *dt = type_base(&def->discriminant.type);
	if (first && first->labels && dt->kind == TYPE_BOOL)
		ddflt = first->labels->val.number ? "True" : "False";
	else if (first && first->labels && first->labels->val.name && dt->kind == TYPE_NAMED &&
		 dt->def && dt->def->kind == DEF_ENUM)
		for (const enum_member *m = dt->def->members; m; m = m->next)
			if (strcmp(m->name, first->labels->val.name) == 0) /* Enum.MEMBER */
				ddflt = pool_printf(g->pool, "%s.%s", pyglobal(g, dt->def->name),
						    pyglobal(g, m->name));
	strbuf_printf(g->out, "\n\n@_dc.dataclass\nclass %s:\n", name);
	py_docstring(g, "    ", def->doc, NULL);
	if (def->doc)
		strbuf_puts(g->out, "\n");
	enter_class(g, def);
	emit_field(g, disc, hint_decl(g, &def->discriminant), ddflt);
	/* The arm of the first case starts with its default, so that T() codes; the others
	 * start empty. */
	const char *first_arm = first && first->arm.kind != DECL_VOID ? arm_name(g, def, &first->arm)
								      : "";
	for (size_t i = 0; i < nf; i++) {
		const char *dflt = strcmp(f[i].name, first_arm) == 0 ? default_decl(g, &first->arm)
								     : "None";
		/* An empty list (array or linked list) in an Optional field: mypy infers the type
		 * of a bare [] from the field's, which it cannot when that is Optional. */
		if (strcmp(dflt, "[]") == 0)
			dflt = pool_printf(g->pool, "%s()", hint_decl(g, &first->arm));
		py_comment(g, "    ", f[i].doc);
		emit_field(g, f[i].name, f[i].hint, dflt);
	}

	/* The first arm's default is for T(); made with another discriminant, T has it None, as
	 * a decoded T does. */
	bool in_default = false;
	const char *first_labels = "";
	for (const union_arm *a = def->arms; *first_arm && a; a = a->next) {
		if (a->arm.kind == DECL_VOID || strcmp(arm_name(g, def, &a->arm), first_arm) != 0)
			continue;
		in_default |= !a->labels;
		for (const case_label *l = a->labels; l; l = l->next)
			first_labels = pool_printf(g->pool, "%s%s%s", first_labels, *first_labels ? ", " : "",
						   pyvalue(g, &l->val));
	}
	if (*first_arm && !in_default)
		strbuf_printf(g->out, "\n    def __post_init__(self) -> None:\n"
				      "        if self.%s not in (%s%s):\n            self.%s = None\n",
			      disc, first_labels, strchr(first_labels, ',') ? "" : ",", first_arm);

	const plan_type *t = def->plan;
	const plan_arm *dflt = NULL;
	strbuf fields = { 0 };
	const char *qdisc = quoted(g, disc);
	begin_pack(g, &fields);
	pack_line(g, 0, pool_printf(g->pool, "d = self.%s", disc), NULL);
	pack_line(g, 0, py_pack(g, t->disc, "d"), qdisc);
	bool any = false;
	for (size_t i = 0; i < t->narms; i++) {
		const plan_arm *a = &t->arms[i];
		if (!a->arm->labels) {
			dflt = a;
			continue;
		}
		const char *e = arm_pack(g, def, a);
		pack_line(g, 0, pool_printf(g->pool, "%s d in %s:", any ? "elif" : "if",
					    labels(g, a->arm)), NULL);
		pack_line(g, 1, e ? e : "pass", e ? quoted(g, arm_name(g, def, &a->arm->arm)) : NULL);
		any = true;
	}
	const char *e = dflt ? arm_pack(g, def, dflt) : NULL;
	if (dflt && e) {
		pack_line(g, 0, any ? "else:" : "if True:", NULL);
		pack_line(g, 1, e, quoted(g, arm_name(g, def, &dflt->arm->arm)));
	} else if (!dflt) {
		pack_line(g, 0, any ? "else:" : "if True:", NULL);
		pack_line(g, 1, "raise onc.XdrError(f\"no arm for {d!r}\", status=onc.Status.BAD_VALUE)",
			  qdisc);
	}
	end_pack(g);
	strbuf_free(&fields);

	strbuf_printf(g->out, "\n    @classmethod\n    def unpack(cls, u: onc.Unpacker) -> %s:\n"
			      "        d = %s\n", class_hint(g, def), py_unpack(g, t->disc));
	for (size_t i = 0; i < t->narms; i++) {
		const plan_arm *a = &t->arms[i];
		if (!a->arm->labels)
			continue;
		strbuf_printf(g->out, "        if d in %s:\n            return %s\n", labels(g, a->arm),
			      union_value(g, def, first_arm, &a->arm->arm, py_unpack(g, a->value)));
	}
	if (dflt)
		strbuf_printf(g->out, "        return %s\n",
			      union_value(g, def, first_arm, &dflt->arm->arm, py_unpack(g, dflt->value)));
	else
		strbuf_printf(g->out, "        raise onc.XdrError(f\"%s: no arm for {d!r}\", "
				      "status=onc.Status.BAD_VALUE)\n",
			      name);
	enter_class(g, NULL);
	emit_type_functions(g, def);
}

/* `%#define NAME VALUE` lines (sizes rpcgen's users name that way): a Python constant when
 * the checks worked VALUE out. */
static void emit_define(py *g, const definition *def)
{
	if (def->macro && def->macro_value.known)
		strbuf_printf(g->out, "%s = %lld\n", def->macro, (long long)def->macro_value.number);
}

static bool defined_before(py *g, const definition *target)
{
	return table_get(&g->types_seen, target->name) == target;
}

static void emit_typedef(py *g, const definition *def)
{
	const decl *t = &def->target;
	if (t->kind == DECL_PLAIN && t->type.kind == TYPE_NAMED && t->type.def &&
	    (t->type.def->kind == DEF_STRUCT || t->type.def->kind == DEF_UNION ||
	     t->type.def->kind == DEF_ENUM) &&
	    defined_before(g, t->type.def))
		strbuf_printf(g->out, "\n\n%s = %s\n", pyglobal(g, def->name),
			      pyglobal(g, t->type.name));
	const char *e = py_pack(g, def->plan->target, "v");
	const char *hint = hint_decl(g, t);
	strbuf_puts(g->out, "\n\n");
	py_comment(g, "", def->doc);
	strbuf_printf(g->out, "def pack_%s(p: onc.Packer, v: %s) -> None:\n    %s\n\n\n"
			      "def unpack_%s(u: onc.Unpacker) -> %s:\n    return %s\n",
		      def->name, hint, e ? e : "pass", def->name, hint, py_unpack(g, def->plan->target));
}

/* ---- programs ---- */

/* CALC_PROG -> Calc, TESTPROG -> Testprog, ALL_TYPES_PROG -> AllTypes */
static const char *camel(py *g, const char *name)
{
	size_t len = strlen(name);
	static const char *const suffixes[] = { "_PROGRAM", "_PROG" };
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && strcmp(name + len - n, suffixes[i]) == 0) {
			len -= n;
			break;
		}
	}
	char *out = pool_alloc(g->pool, len + 2);
	size_t o = 0;
	bool up = true;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '_') {
			up = true;
			continue;
		}
		out[o++] = (char)(up ? toupper((unsigned char)name[i]) : tolower((unsigned char)name[i]));
		up = false;
	}
	if (o == 0 || isdigit((unsigned char)out[0])) {
		memmove(out + 1, out, o);
		out[0] = 'P';
		o++;
	}
	out[o] = 0;
	return out;
}

static const char *const method_reserved[] = { "call", "close", "dispatch", "prog", "vers",
					       "timeout", "address", "connect" };

/* The method of a procedure: its name in lower case, without the prefix every procedure of
 * the version shares (TEST_ADD -> add, NFSPROC_GETATTR -> getattr). */
static void find_prefix(py *g, const version *v)
{
	const char *prefix = NULL;
	size_t plen = 0;
	int with = 0;
	bool same = true;
	for (const procedure *q = v->procs; q; q = q->next) {
		const char *us = strchr(q->name, '_');
		if (!us)
			continue;
		size_t n = (size_t)(us - q->name) + 1;
		if (!us[1] || isdigit((unsigned char)us[1]))
			same = false;
		if (!prefix) {
			prefix = q->name;
			plen = n;
		} else if (n != plen || strncmp(prefix, q->name, n) != 0) {
			same = false;
		}
		with++;
	}
	g->prefixed = v;
	g->prefix = same && with >= 2 ? prefix : NULL;
	g->prefix_len = plen;
}

static const char *method_name(py *g, const version *v, const procedure *proc)
{
	if (g->prefixed != v)
		find_prefix(g, v);
	const char *n = proc->name;
	if (g->prefix && strncmp(n, g->prefix, g->prefix_len) == 0)
		n += g->prefix_len;
	char *low = pool_strdup(g->pool, n);
	for (char *c = low; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (size_t i = 0; i < sizeof method_reserved / sizeof method_reserved[0]; i++)
		if (strcmp(low, method_reserved[i]) == 0)
			return pool_printf(g->pool, "%s_", low);
	return pyname(g, low);
}

/* The struct whose fields become the method's parameters, for a procedure taking one struct;
 * NULL when the arguments are passed as they are. */
static const definition *expanded(py *g, const procedure *proc)
{
	if (proc->nargs != 1)
		return NULL;
	const type_ref *b = type_base(&proc->args[0]);
	if (b->kind != TYPE_NAMED || !b->def || b->def->kind != DEF_STRUCT || b->def->list_link ||
	    !b->def->fields)
		return NULL;
	/* Not when a parameter would shadow a name the method uses: its lambdas' parameters, the
	 * struct's class, the procedure's number. */
	for (const decl *f = b->def->fields; f; f = f->next) {
		const char *n = pyname(g, f->name);
		if (strcmp(n, "timeout") == 0 || strcmp(n, "p") == 0 || strcmp(n, "u") == 0 ||
		    strcmp(n, "s") == 0 || strcmp(n, pyglobal(g, b->def->name)) == 0 ||
		    strcmp(n, pyglobal(g, proc->name)) == 0)
			return NULL;
	}
	return b->def;
}

/* An argument's parameter: a lone argument of a typedef is named after it (text, values),
 * others are arg (arg1, arg2... when there are several), as rpcgen names them. A struct,
 * union or enum keeps arg: its name is its class's. */
static const char *arg_name(py *g, const procedure *proc, int i)
{
	const type_ref *t = &proc->args[i];
	if (proc->nargs == 1 && t->kind == TYPE_NAMED && t->def && t->def->kind == DEF_TYPEDEF &&
	    strcmp(t->name, "timeout") && strcmp(t->name, "p") && strcmp(t->name, "u") &&
	    strcmp(t->name, "s") && !table_get(&g->consts, t->name))
		return pyname(g, t->name);
	return proc->nargs == 1 ? "arg" : pool_printf(g->pool, "arg%d", i + 1);
}

/* ", a: int, b: int" (with hints) or ", a, b" (without) */
static const char *params(py *g, const procedure *proc, bool hints)
{
	const definition *s = expanded(g, proc);
	const char *out = "";
	if (s) {
		for (const decl *f = s->fields; f; f = f->next)
			out = pool_printf(g->pool, "%s, %s%s%s", out, pyname(g, f->name),
					  hints ? ": " : "", hints ? hint_decl(g, f) : "");
		return out;
	}
	for (int i = 0; i < proc->nargs; i++)
		out = pool_printf(g->pool, "%s, %s%s%s", out, arg_name(g, proc, i), hints ? ": " : "",
				  hints ? hint_type(g, &proc->args[i]) : "");
	return out;
}

/* The encoder of a call's arguments: "None" or a lambda of packer p. */
static const char *arg_encoder(py *g, const procedure *proc)
{
	const definition *s = expanded(g, proc);
	if (s) {
		const char *a = "";
		for (const decl *f = s->fields; f; f = f->next)
			a = pool_printf(g->pool, "%s%s%s", a, *a ? ", " : "", pyname(g, f->name));
		return pool_printf(g->pool, "lambda p: pack_%s(p, %s(%s))", s->name, pyglobal(g, s->name),
				   a);
	}
	if (proc->nargs == 0)
		return "None";
	if (proc->nargs == 1)
		return pool_printf(g->pool, "lambda p: %s",
				   py_pack(g, proc->arg_plans[0], arg_name(g, proc, 0)));
	/* several: a local function writing them in turn */
	strbuf_puts(g->out, "        def encode(p: onc.Packer) -> None:\n");
	for (int i = 0; i < proc->nargs; i++)
		strbuf_printf(g->out, "            %s\n",
			      py_pack(g, proc->arg_plans[i], arg_name(g, proc, i)));
	strbuf_puts(g->out, "\n");
	return "encode";
}

/* The client class of a version, synchronous (onc.Client) or asyncio (onc.aio.Client). */
static void emit_client(py *g, const definition *prog, const version *v, const char *cls,
			bool aio)
{
	strbuf_printf(g->out, "\n\nclass %s%sClient(%s):\n"
			      "    \"\"\"%s version %lld (%s)%s.\"\"\"\n\n"
			      "    PROGRAM = %s\n    VERSION = %s\n",
		      cls, aio ? "Async" : "", aio ? "onc.aio.Client" : "onc.Client", prog->name,
		      (long long)v->number.number, v->name, aio ? ", on asyncio" : "",
		      pyglobal(g, prog->name), pyglobal(g, v->name));
	for (const procedure *proc = v->procs; proc; proc = proc->next) {
		const char *result = hint_type(g, &proc->result);
		strbuf_printf(g->out, "\n    %sdef %s(self%s, *, timeout: %s[float] = None) -> %s:\n",
			      aio ? "async " : "", method_name(g, v, proc), params(g, proc, true),
			      std_name(g, "_typing", "Optional"), result);
		py_docstring(g, "        ", proc->doc, NULL);
		const char *dec = proc->result.kind == TYPE_VOID
					  ? "None"
					  : pool_printf(g->pool, "lambda u: %s", py_unpack(g, proc->result_plan));
		const char *enc = arg_encoder(g, proc);
		strbuf_printf(g->out, "        %sself.call(\n            %s,\n            %s,\n"
				      "            %s,\n            timeout=timeout,\n        )\n",
			      proc->result.kind == TYPE_VOID ? (aio ? "await " : "")
							     : (aio ? "return await " : "return "),
			      pyglobal(g, proc->name), enc, dec);
	}
}

/* The decoder of a procedure's arguments for the server: what it returns is the tuple the
 * method is called with. A struct taken apart into its fields gets a function of its own. */
static const char *arg_decoder(py *g, const procedure *proc, const char *cls, const char *method)
{
	const definition *s = expanded(g, proc);
	if (s) {
		const char *fn = pool_printf(g->pool, "_%s_%s_args", cls, method);
		strbuf_printf(g->out, "\n\ndef %s(u: onc.Unpacker) -> %s[", fn,
			      std_name(g, "_builtins", "tuple"));
		for (const decl *f = s->fields; f; f = f->next)
			strbuf_printf(g->out, "%s%s", f == s->fields ? "" : ", ", hint_decl(g, f));
		strbuf_printf(g->out, "]:\n    s = %s\n    return (", py_unpack(g, proc->arg_plans[0]));
		for (const decl *f = s->fields; f; f = f->next)
			strbuf_printf(g->out, "%ss.%s", f == s->fields ? "" : ", ", pyname(g, f->name));
		strbuf_puts(g->out, s->fields->next ? ")\n" : ",)\n");
		return fn;
	}
	if (proc->nargs == 0)
		return "None";
	const char *a = "";
	for (int i = 0; i < proc->nargs; i++)
		a = pool_printf(g->pool, "%s%s%s", a, i ? ", " : "", py_unpack(g, proc->arg_plans[i]));
	return pool_printf(g->pool, proc->nargs == 1 ? "lambda u: (%s,)" : "lambda u: (%s)", a);
}

static void emit_server(py *g, const definition *prog, const version *v, const char *cls)
{
	size_t n = 0;
	for (const procedure *proc = v->procs; proc; proc = proc->next)
		n++;
	const char **decoders = pool_alloc(g->pool, (n + 1) * sizeof *decoders);
	size_t i = 0;
	for (const procedure *proc = v->procs; proc; proc = proc->next)
		decoders[i++] = arg_decoder(g, proc, cls, method_name(g, v, proc));
	strbuf_printf(g->out, "\n\nclass %sServer(onc.Program):\n"
			      "    \"\"\"%s version %lld (%s): subclass it and implement the methods.\"\"\"\n\n"
			      "    PROGRAM = %s\n    VERSION = %s\n    PROCEDURES = {\n",
		      cls, prog->name, (long long)v->number.number, v->name, pyglobal(g, prog->name),
		      pyglobal(g, v->name));
	i = 0;
	for (const procedure *proc = v->procs; proc; proc = proc->next) {
		const char *enc = proc->result.kind == TYPE_VOID
					  ? "None"
					  : pool_printf(g->pool, "lambda p, v: %s",
							py_pack(g, proc->result_plan, "v"));
		strbuf_printf(g->out, "        %s: onc.Procedure(\n            \"%s\",\n            %s,\n"
				      "            %s,\n        ),\n",
			      pyglobal(g, proc->name), method_name(g, v, proc), decoders[i++], enc);
	}
	strbuf_puts(g->out, "    }\n");
	for (const procedure *proc = v->procs; proc; proc = proc->next) {
		bool null = proc->number.number == 0 && proc->nargs == 0 &&
			    proc->result.kind == TYPE_VOID;
		strbuf_printf(g->out, "\n    def %s(self%s) -> %s:\n", method_name(g, v, proc),
			      params(g, proc, true), hint_type(g, &proc->result));
		py_docstring(g, "        ", proc->doc, NULL);
		strbuf_printf(g->out, "        %s\n", null ? "pass" : "raise onc.ProcUnavail()");
	}
}

/* The name the classes of a version start with: Calc, or CalcV2 when the program has several
 * versions. */
static const char *version_class(py *g, const definition *prog, const version *v)
{
	const char *cls = camel(g, prog->name);
	return prog->versions->next ? pool_printf(g->pool, "%sV%lld", cls, (long long)v->number.number)
				    : cls;
}

static void emit_version(py *g, const definition *prog, const version *v)
{
	const char *cls = version_class(g, prog, v);
	emit_client(g, prog, v, cls, false);
	emit_client(g, prog, v, cls, true);
	emit_server(g, prog, v, cls);
}

static void emit_program(py *g, const definition *def)
{
	strbuf_printf(g->out, "\n\n%s = %s\n", pyglobal(g, def->name), pyvalue(g, &def->number));
	for (const version *v = def->versions; v; v = v->next) {
		py_comment(g, "", v->doc); /* as C has it above the version's number */
		strbuf_printf(g->out, "%s = %s\n", pyglobal(g, v->name), pyvalue(g, &v->number));
		for (const procedure *proc = v->procs; proc; proc = proc->next)
			strbuf_printf(g->out, "%s = %s\n", pyglobal(g, proc->name),
				      pyvalue(g, &proc->number));
	}
	for (const version *v = def->versions; v; v = v->next)
		emit_version(g, def, v);
}

/* True when the module's body uses `prefix` (a module alias followed by a dot). */
static bool uses(const strbuf *body, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *s = body->data; s && (s = strstr(s, prefix)); s += n)
		if (s == body->data || !(isalnum((unsigned char)s[-1]) || s[-1] == '_' || s[-1] == '.'))
			return true;
	return false;
}

/* Ends out with an empty line (once). */
static void blank_line(strbuf *out)
{
	if (out->len < 2 || strcmp(out->data + out->len - 2, "\n\n") != 0)
		strbuf_puts(out, "\n");
}

/* The imports `body` uses and nothing else (the module passes linters as it is), then body.
 * `module`: the generated module a sample imports (NULL for the module itself). */
static void put_imports(strbuf *out, const strbuf *body, const char *module)
{
	static const char *const aliased[][2] = {
		{ "builtins", "_builtins" }, { "dataclasses", "_dc" }, { "enum", "_enum" },
		{ "struct", "_struct" },     { "typing", "_typing" },
	};
	/* onc.aio is an attribute of onc, loaded when first used (python/onc/__init__.py):
	 * rpcb_prot.py, generated too, is imported by onc.rpcbind, which onc.aio uses. */
	static const char *const plain[] = { "onc", "onc.rpcbind" };
	char use[64];
	if (uses(body, "sys."))
		strbuf_puts(out, "import sys\n");
	for (size_t i = 0; i < sizeof aliased / sizeof aliased[0]; i++) {
		snprintf(use, sizeof use, "%s.", aliased[i][1]);
		if (uses(body, use))
			strbuf_printf(out, "import %s as %s\n", aliased[i][0], aliased[i][1]);
	}
	if (uses(body, "Optional["))
		strbuf_puts(out, "from typing import Optional\n");
	bool first = true; /* of the group of onc's modules, after a blank line */
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		snprintf(use, sizeof use, "%s.", plain[i]);
		if (uses(body, use)) {
			if (first)
				blank_line(out);
			strbuf_printf(out, "import %s\n", plain[i]);
			first = false;
		}
	}
	if (module) {
		blank_line(out);
		strbuf_printf(out, "import %s\n", module);
	}
	if (body->len && body->data[0] != '\n')
		blank_line(out);
	strbuf_putn(out, body->data, body->len);
}

/* T_SIZE and T_MAXSIZE, as the C header has them: the plan's sizes. */
static void emit_sizes(py *g, const definition *def)
{
	const plan_size *z = &def->plan->size;
	if (z->fixed >= 0 || z->max >= 0)
		strbuf_puts(g->out, "\n\n");
	if (z->fixed >= 0)
		strbuf_printf(g->out, "%s_SIZE = %lld  # encoded size in bytes\n", def->name,
			      (long long)z->fixed);
	if (z->max >= 0)
		strbuf_printf(g->out, "%s_MAXSIZE = %lld  # largest encoded size in bytes\n",
			      def->name, (long long)z->max);
}

void emit_python(strbuf *out, pool *p, const plan *pl, const char *base, const char *source)
{
	const spec *s = pl->spec;
	strbuf body = { 0 };
	py g = { .out = &body, .pool = p, .spec = s };
	add_names(&g);
	for (const definition *d = s->defs; d; d = d->next) {
		if (d->kind == DEF_CONST)
			emit_const(&g, d);
		else if (d->kind == DEF_PASSTHROUGH)
			emit_define(&g, d);
		if (d->kind == DEF_CONST)
			table_add(&g.earlier, d->name, (void *)d);
	}
	for (const definition *d = s->defs; d; d = d->next) {
		switch (d->kind) {
		case DEF_ENUM: emit_enum(&g, d); break;
		case DEF_STRUCT: emit_struct(&g, d); break;
		case DEF_UNION: emit_union(&g, d); break;
		case DEF_TYPEDEF: emit_typedef(&g, d); break;
		default: break;
		}
		if (def_is_type(d)) {
			emit_sizes(&g, d);
			table_add(&g.types_seen, d->name, (void *)d);
		}
	}
	/* writing one may ask for another */
	for (size_t i = 0; i < g.ndefaults; i++)
		strbuf_printf(out, "\n\ndef _default_%s():\n    return %s\n", g.defaults[i]->name,
			      default_decl(&g, &g.defaults[i]->target));
	for (const definition *d = s->defs; d; d = d->next)
		if (d->kind == DEF_PROGRAM)
			emit_program(&g, d);
	if (g.naliased)
		strbuf_puts(&body, "\n\n# Types named in annotations where their own name means "
				   "something else.\n");
	for (size_t i = 0; i < g.naliased; i++)
		strbuf_printf(&body, "_%s_type = %s\n", g.aliased[i]->name, pyname(&g, g.aliased[i]->name));

	strbuf_printf(out, "\"\"\"%s: generated by `onc gen --lang python` from %s; do not edit.\n\n"
			   "Types are dataclasses (structs, unions) and IntEnums; pack_T(p, v) and "
			   "unpack_T(u)\ncode every type with the onc runtime's Packer and Unpacker.\"\"\"\n\n"
			   "from __future__ import annotations\n\n",
		      base, source);
	put_imports(out, &body, NULL);
	strbuf_free(&body);
	free(g.defaults);
	free(g.aliased);
	table_free(&g.aliases);
	table_free(&g.members);
	table_free(&g.arms);
	table_free(&g.array_defaults);
	table_free(&g.names);
	table_free(&g.consts);
	table_free(&g.earlier);
	table_free(&g.types_seen);
}

/* ---- samples: where the programmer's code starts (onc gen --lang python --sample) ---- */

static void sample_free(py *g)
{
	free(g->defaults);
	table_free(&g->array_defaults);
	table_free(&g->names);
	table_free(&g->consts);
}

/* A value of a procedure's argument or result type to start from. */
static const char *sample_value(py *g, const type_ref *t)
{
	decl d = { .kind = DECL_PLAIN, .type = *t };
	return default_decl(g, &d);
}

/* A sample's docstring and imports, then its body. */
static void sample_write(strbuf *out, strbuf *body, const char *base, const char *what,
			 const char *usage)
{
	strbuf_printf(out, "\"\"\"%s for %s.x, to start from: `onc gen --lang python --sample` "
			   "wrote it, and it is\nyours to edit (onc gen does not overwrite it "
			   "without --force).\n\nusage: %s\n\"\"\"\n\n",
		      what, base, usage);
	put_imports(out, body, base);
	strbuf_free(body);
}

void emit_python_server_sample(strbuf *out, pool *p, const plan *pl, const char *base,
			       const char *source)
{
	(void)source;
	strbuf body = { 0 };
	py g = { .out = &body, .pool = p, .spec = pl->spec, .qual = pool_printf(p, "%s.", base) };
	add_names(&g);
	const char *classes = "";
	for (const definition *d = pl->spec->defs; d; d = d->next) {
		if (d->kind != DEF_PROGRAM)
			continue;
		for (const version *v = d->versions; v; v = v->next) {
			const char *cls = version_class(&g, d, v);
			classes = pool_printf(p, "%s    server.register(%s())\n", classes, cls);
			strbuf_printf(&body, "\n\nclass %s(%s.%sServer):\n", cls, base, cls);
			for (const procedure *proc = v->procs; proc; proc = proc->next) {
				bool void_result = proc->result.kind == TYPE_VOID;
				strbuf_printf(&body, "%s    def %s(self%s) -> %s:\n", proc == v->procs ? "" : "\n",
					      method_name(&g, v, proc),
					      params(&g, proc, true), hint_type(&g, &proc->result));
				py_docstring(&g, "        ", proc->doc, NULL);
				strbuf_printf(&body, "        return %s  # your code here\n",
					      void_result ? "None" : sample_value(&g, &proc->result));
			}
		}
	}
	strbuf_printf(&body, "\n\ndef main(argv: list[str]) -> int:\n"
			   "    port = int(argv[0]) if argv else 0\n"
			   "    server = onc.Server()\n%s"
			   "    tcp = server.listen(f\"tcp://0.0.0.0:{port}\")\n"
			   "    udp = server.listen(f\"udp://0.0.0.0:{port}\")\n"
			   "    onc.rpcbind.use_portmapper(server)  # until it stops\n"
			   "    print(f\"serving on tcp port {tcp} and udp port {udp}\")\n"
			   "    server.serve_forever()\n"
			   "    return 0\n\n\n"
			   "if __name__ == \"__main__\":\n"
			   "    sys.exit(main(sys.argv[1:]))\n",
		      classes);
	sample_write(out, &body, base, "A server",
		     pool_printf(p, "python3 %s_server_sample.py [PORT]   (registers with the "
				    "host's rpcbind)", base));
	sample_free(&g);
}

void emit_python_client_sample(strbuf *out, pool *p, const plan *pl, const char *base,
			       const char *source)
{
	(void)source;
	strbuf body = { 0 };
	py g = { .out = &body, .pool = p, .spec = pl->spec, .qual = pool_printf(p, "%s.", base) };
	add_names(&g);
	strbuf_puts(&body, "\n\ndef main(argv: list[str]) -> int:\n"
			   "    host = argv[0] if argv else \"127.0.0.1\"\n");
	for (const definition *d = pl->spec->defs; d; d = d->next) {
		if (d->kind != DEF_PROGRAM)
			continue;
		for (const version *v = d->versions; v; v = v->next) {
			const char *cls = version_class(&g, d, v);
			strbuf_printf(&body, "    with %s.%sClient(f\"tcp://{host}\") as c:\n", base, cls);
			for (const procedure *proc = v->procs; proc; proc = proc->next) {
				const definition *s = expanded(&g, proc);
				const char *args = "";
				if (s) {
					for (const decl *f = s->fields; f; f = f->next)
						args = pool_printf(p, "%s%s%s", args, *args ? ", " : "",
								   default_decl(&g, f));
				} else {
					for (int i = 0; i < proc->nargs; i++)
						args = pool_printf(p, "%s%s%s", args, i ? ", " : "",
								   sample_value(&g, &proc->args[i]));
				}
				if (proc->result.kind == TYPE_VOID)
					strbuf_printf(&body, "        c.%s(%s)\n        print(\"%s: done\")\n",
						      method_name(&g, v, proc), args, proc->name);
				else
					strbuf_printf(&body, "        print(\"%s:\", c.%s(%s))\n", proc->name,
						      method_name(&g, v, proc), args);
			}
		}
	}
	strbuf_puts(&body, "    return 0\n\n\nif __name__ == \"__main__\":\n"
			   "    sys.exit(main(sys.argv[1:]))\n");
	sample_write(out, &body, base, "A client",
		     pool_printf(p, "python3 %s_client_sample.py [HOST]   (finds the server "
				    "through HOST's rpcbind)", base));
	sample_free(&g);
}
