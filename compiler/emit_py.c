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
	/* The prefix every procedure of `prefixed` shares (see method_name). */
	const version *prefixed;
	const char *prefix;
	size_t prefix_len;
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
		return pyglobal(g, v->name);
	if (v->known)
		return pool_printf(g->pool, "%lld", (long long)v->number);
	if (v->text && v->text[0] == '"')
		return v->text;
	return pool_printf(g->pool, "%s", v->text ? v->text : "None");
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
		return def->members ? pool_printf(g->pool, "%s.%s", pyglobal(g, def->name),
						  pyglobal(g, def->members->name))
				    : "0";
	case DEF_STRUCT:
	case DEF_UNION:
		return pool_printf(g->pool, "%s()", pyglobal(g, def->name));
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
	return pool_printf(g->pool, "_default_%s()", def->name);
}

static const char *default_decl(py *g, const decl *d)
{
	switch (d->kind) {
	case DECL_VOID:
	case DECL_OPTIONAL:
		return "None";
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

static bool immutable(const char *e)
{
	return strcmp(e, "0") == 0 || strcmp(e, "0.0") == 0 || strcmp(e, "False") == 0 ||
	       strcmp(e, "None") == 0 || strcmp(e, "\"\"") == 0 || strcmp(e, "b\"\"") == 0;
}

static void emit_field(py *g, const char *name, const char *hint, const char *dflt)
{
	if (immutable(dflt))
		strbuf_printf(g->out, "    %s: \"%s\" = %s\n", name, hint, dflt);
	else
		strbuf_printf(g->out, "    %s: \"%s\" = _dc.field(default_factory=lambda: %s)\n", name,
			      hint, dflt);
}

/* A name of Python's builtins or typing module as a hint: qualified when the .x file defines
 * the same name (struct list {...}), which the module's own name would otherwise shadow. */
static const char *std_name(py *g, const char *module, const char *name)
{
	return table_get(&g->names, name) ? pool_printf(g->pool, "%s.%s", module, name) : name;
}

/* A typedef has no Python name of its own: a declaration of one is hinted as the type it
 * stands for, found in a loop (a chain of typedefs costs no stack), and Optional once however
 * many pointers it goes through (Optional[Optional[T]] is Optional[T]). */
static const char *hint_decl(py *g, const decl *d)
{
	bool optional = false;
	const char *h = NULL;
	while (!h) {
		if (d->kind == DECL_VOID) {
			h = "None";
		} else if (d->kind == DECL_FIXED || d->kind == DECL_VAR) {
			h = std_name(g, "_builtins", d->type.kind == TYPE_STRING   ? "str"
						     : d->type.kind == TYPE_OPAQUE ? "bytes"
										   : "list");
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
					h = pyglobal(g, t->name);
				continue;
			default: h = "object"; break;
			}
			h = std_name(g, "_builtins", h);
		}
	}
	return optional ? pool_printf(g->pool, "%s[%s]", std_name(g, "_typing", "Optional"), h) : h;
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

/* A comment of the .x file as Python comment lines, `indent` in (nothing for NULL); bytes
 * that are not UTF-8 become '?'. */
static void py_comment(py *g, const char *indent, const char *doc)
{
	for (const char *s = doc; s && *s;) {
		size_t n = strcspn(s, "\n");
		strbuf_printf(g->out, "%s#%s", indent, n ? " " : "");
		for (size_t i = 0; i < n;) {
			size_t k = utf8_len((const unsigned char *)s + i);
			strbuf_putn(g->out, k && i + k <= n ? s + i : "?", k && i + k <= n ? k : 1);
			i += k && i + k <= n ? k : 1;
		}
		strbuf_puts(g->out, "\n");
		s += n + (s[n] == '\n');
	}
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
	strbuf_printf(g->out, "\n\ndef pack_%s(p, v):\n    p.pack_enum(v)\n\n\n"
		      "def unpack_%s(u):\n    return u.unpack_enum(%s)\n",
		      def->name, def->name, name);
}

static void emit_type_functions(py *g, const definition *def)
{
	strbuf_printf(g->out, "\n\ndef pack_%s(p, v):\n    v.pack(p)\n\n\n"
		      "def unpack_%s(u):\n    return %s.unpack(u)\n",
		      def->name, def->name, pyglobal(g, def->name));
}

/* Runs are coded in chunks of the leaves the struct module codes (see plan_chunk). */
static bool struct_code(scalar sc)
{
	return plan_scalars[sc].py_struct != 0;
}

static const char *leaf_x(py *g, const plan_leaf *l, const char *obj)
{
	const char *m = pool_printf(g->pool, "%s.%s", obj, pyname(g, l->member->name));
	return l->inner ? pool_printf(g->pool, "%s.%s", m, pyname(g, l->inner->name)) : m;
}

/* Calls each(chunk) for the chunks of the runs of a struct, numbered as their formats are. */
typedef struct chunk {
	const plan_step *run;
	size_t from, end; /* end - from < 2: one leaf, coded alone */
	int index;        /* _<struct>_RUN<index>, for chunks of two or more */
} chunk;

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
	const char *name = pyname(g, t->def->name);
	int index = 0;
	for (size_t i = 0; i < t->nsteps; i++)
		for (size_t k = 0; !t->steps[i].member && k < t->steps[i].nleaves;) {
			chunk c;
			k = next_chunk(&t->steps[i], k, &index, &c);
			if (c.index < 0)
				continue;
			strbuf_printf(g->out, "_%s_RUN%d = _struct.Struct(\">", name, c.index);
			for (size_t j = c.from; j < c.end; j++)
				strbuf_printf(g->out, "%c", plan_scalars[c.run->leaves[j].value->sc].py_struct);
			strbuf_puts(g->out, "\")\n");
		}
}

/* Packs the steps of `obj` ("self" or "node"). */
static void pack_steps(py *g, const plan_type *t, const char *obj, const char *indent)
{
	const char *name = pyname(g, t->def->name);
	int index = 0;
	for (size_t i = 0; i < t->nsteps; i++) {
		const plan_step *s = &t->steps[i];
		if (s->member) {
			const char *e = py_pack(g, s->value,
						pool_printf(g->pool, "%s.%s", obj, pyname(g, s->member->name)));
			if (e)
				strbuf_printf(g->out, "%s%s\n", indent, e);
			continue;
		}
		for (size_t k = 0; k < s->nleaves;) {
			chunk c;
			k = next_chunk(s, k, &index, &c);
			if (c.index < 0) {
				strbuf_printf(g->out, "%s%s\n", indent,
					      py_pack(g, s->leaves[c.from].value, leaf_x(g, &s->leaves[c.from], obj)));
				continue;
			}
			strbuf_printf(g->out, "%sp.pack_struct(_%s_RUN%d", indent, name, c.index);
			for (size_t j = c.from; j < c.end; j++)
				strbuf_printf(g->out, ", %s", leaf_x(g, &s->leaves[j], obj));
			strbuf_puts(g->out, ")\n");
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
			strbuf_printf(g->out, " = u.unpack_struct(_%s_RUN%d)\n", name, c.index);
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

/* Decodes the steps into locals v0, v1... (one per member); returns the count. */
static int unpack_steps(py *g, const plan_type *t, const char *indent)
{
	const char *name = pyname(g, t->def->name);
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
	py_comment(g, "", def->doc);
	strbuf_printf(g->out, "@_dc.dataclass\nclass %s:\n", name);
	for (const decl *f = def->fields; f; f = f->next) {
		py_comment(g, "    ", f->doc);
		emit_field(g, pyname(g, f->name), hint_decl(g, f), default_decl(g, f));
	}

	strbuf_puts(g->out, "\n    def pack(self, p):\n");
	if (link) {
		strbuf_puts(g->out, "        node = self\n        while True:\n");
		pack_steps(g, t, "node", "            ");
		strbuf_printf(g->out, "            node = node.%s\n"
				      "            if node is None:\n"
				      "                p.pack_uint(0)\n"
				      "                return\n"
				      "            p.pack_uint(1)\n",
			      pyname(g, link->name));
	} else {
		pack_steps(g, t, "self", "        ");
	}
	strbuf_puts(g->out, "\n    @classmethod\n    def unpack(cls, u):\n");
	if (link) {
		strbuf_puts(g->out, "        head = node = None\n        while True:\n");
		int n = unpack_steps(g, t, "            ");
		strbuf_puts(g->out, "            new = cls(");
		for (int i = 0; i < n; i++)
			strbuf_printf(g->out, "v%d, ", i);
		strbuf_printf(g->out, "None)\n"
				      "            if node is None:\n"
				      "                head = new\n"
				      "            else:\n"
				      "                node.%s = new\n"
				      "            node = new\n"
				      "            if not u.unpack_bool():\n"
				      "                return head\n",
			      pyname(g, link->name));
	} else {
		int n = unpack_steps(g, t, "        ");
		strbuf_puts(g->out, "        return cls(");
		for (int i = 0; i < n; i++)
			strbuf_printf(g->out, "%sv%d", i ? ", " : "", i);
		strbuf_puts(g->out, ")\n");
	}
	emit_type_functions(g, def);
}

static void emit_union(py *g, const definition *def)
{
	const char *name = pyglobal(g, def->name);
	const char *disc = pyname(g, def->discriminant.name);
	const char *arm = strcmp(disc, "value") == 0 ? "arm" : "value";
	const union_arm *first = def->arms;
	for (const union_arm *a = def->arms; a; a = a->next)
		if (a->labels) {
			first = a;
			break;
		}
	const char *ddflt = first && first->labels ? pyvalue(g, &first->labels->val)
						   : default_decl(g, &def->discriminant);
	strbuf_puts(g->out, "\n\n");
	py_comment(g, "", def->doc);
	strbuf_printf(g->out, "@_dc.dataclass\nclass %s:\n", name);
	emit_field(g, disc, hint_decl(g, &def->discriminant), ddflt);
	/* What the arm holds for each case, as C has it above each member of the union. */
	for (const union_arm *a = def->arms; a; a = a->next) {
		if (!a->arm.doc)
			continue;
		const char *cases = a->labels ? "case " : "default";
		for (const case_label *l = a->labels; l; l = l->next)
			cases = pool_printf(g->pool, "%s%s%s", cases, l->val.text, l->next ? ", " : "");
		py_comment(g, "    ", pool_printf(g->pool, "%s: %s", cases, a->arm.doc));
	}
	emit_field(g, arm, "object", first ? default_decl(g, &first->arm) : "None");

	const plan_type *t = def->plan;
	const plan_arm *dflt = NULL;
	strbuf_printf(g->out, "\n    def pack(self, p):\n        d = self.%s\n        %s\n", disc,
		      py_pack(g, t->disc, "d"));
	bool any = false;
	for (size_t i = 0; i < t->narms; i++) {
		const plan_arm *a = &t->arms[i];
		if (!a->arm->labels) {
			dflt = a;
			continue;
		}
		strbuf_printf(g->out, "        %s d in (", any ? "elif" : "if");
		for (const case_label *l = a->arm->labels; l; l = l->next)
			strbuf_printf(g->out, "%s, ", pyvalue(g, &l->val));
		const char *e = py_pack(g, a->value, pool_printf(g->pool, "self.%s", arm));
		strbuf_printf(g->out, "):\n            %s\n", e ? e : "pass");
		any = true;
	}
	const char *e = dflt ? py_pack(g, dflt->value, pool_printf(g->pool, "self.%s", arm)) : NULL;
	if (dflt && e)
		strbuf_printf(g->out, "        %s\n            %s\n", any ? "else:" : "if True:", e);
	else if (!dflt)
		strbuf_printf(g->out, "        %s\n            raise onc.XdrError("
				      "f\"%s: no arm for {d!r}\", status=onc.Status.BAD_VALUE)\n",
			      any ? "else:" : "if True:", name);

	strbuf_printf(g->out, "\n    @classmethod\n    def unpack(cls, u):\n        d = %s\n",
		      py_unpack(g, t->disc));
	for (size_t i = 0; i < t->narms; i++) {
		const plan_arm *a = &t->arms[i];
		if (!a->arm->labels)
			continue;
		strbuf_puts(g->out, "        if d in (");
		for (const case_label *l = a->arm->labels; l; l = l->next)
			strbuf_printf(g->out, "%s, ", pyvalue(g, &l->val));
		strbuf_printf(g->out, "):\n            return cls(d, %s)\n", py_unpack(g, a->value));
	}
	if (dflt)
		strbuf_printf(g->out, "        return cls(d, %s)\n", py_unpack(g, dflt->value));
	else
		strbuf_printf(g->out, "        raise onc.XdrError(f\"%s: no arm for {d!r}\", "
				      "status=onc.Status.BAD_VALUE)\n",
			      name);
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
	strbuf_puts(g->out, "\n\n");
	py_comment(g, "", def->doc);
	strbuf_printf(g->out, "def pack_%s(p, v):\n    %s\n\n\ndef unpack_%s(u):\n    return %s\n",
		      def->name, e ? e : "pass", def->name, py_unpack(g, def->plan->target));
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

static const char *arg_name(py *g, const procedure *proc, int i)
{
	return proc->nargs == 1 ? "arg" : pool_printf(g->pool, "arg%d", i + 1);
}

/* ", a, b" or ", arg1, arg2" */
static const char *params(py *g, const procedure *proc)
{
	const definition *s = expanded(g, proc);
	const char *out = "";
	if (s) {
		for (const decl *f = s->fields; f; f = f->next)
			out = pool_printf(g->pool, "%s, %s", out, pyname(g, f->name));
		return out;
	}
	for (int i = 0; i < proc->nargs; i++)
		out = pool_printf(g->pool, "%s, %s", out, arg_name(g, proc, i));
	return out;
}

static void emit_version(py *g, const definition *prog, const version *v, bool several)
{
	const char *cls = camel(g, prog->name);
	if (several)
		cls = pool_printf(g->pool, "%sV%lld", cls, (long long)v->number.number);
	/* Client */
	strbuf_printf(g->out, "\n\nclass %sClient(onc.Client):\n"
			      "    \"\"\"%s version %lld (%s).\"\"\"\n"
			      "    PROGRAM = %s\n    VERSION = %s\n",
		      cls, prog->name, (long long)v->number.number, v->name, pyglobal(g, prog->name),
		      pyglobal(g, v->name));
	for (const procedure *proc = v->procs; proc; proc = proc->next) {
		const char *m = method_name(g, v, proc);
		strbuf_puts(g->out, "\n");
		py_comment(g, "    ", proc->doc);
		strbuf_printf(g->out, "    def %s(self%s, *, timeout=None):\n", m, params(g, proc));
		const char *enc = "None";
		const definition *s = expanded(g, proc);
		if (s) {
			const char *a = "";
			for (const decl *f = s->fields; f; f = f->next)
				a = pool_printf(g->pool, "%s%s%s", a, *a ? ", " : "", pyname(g, f->name));
			enc = pool_printf(g->pool, "lambda p: pack_%s(p, %s(%s))", s->name,
					  pyglobal(g, s->name), a);
		} else if (proc->nargs == 1) {
			enc = pool_printf(g->pool, "lambda p: %s",
					  py_pack(g, proc->arg_plans[0], arg_name(g, proc, 0)));
		} else if (proc->nargs > 1) {
			const char *a = "";
			for (int i = 0; i < proc->nargs; i++)
				a = pool_printf(g->pool, "%s%s, ", a,
						py_pack(g, proc->arg_plans[i], arg_name(g, proc, i)));
			enc = pool_printf(g->pool, "lambda p: (%s)", a);
		}
		const char *dec = proc->result.kind == TYPE_VOID
					  ? "None"
					  : pool_printf(g->pool, "lambda u: %s", py_unpack(g, proc->result_plan));
		strbuf_printf(g->out, "        return self.call(%s, %s,\n                         %s, "
				      "timeout=timeout)\n",
			      pyglobal(g, proc->name), enc, dec);
	}
	/* Server base */
	strbuf_printf(g->out, "\n\nclass %sServer(onc.Program):\n"
			      "    \"\"\"%s version %lld (%s): subclass it and implement the methods.\"\"\"\n"
			      "    PROGRAM = %s\n    VERSION = %s\n    PROCEDURES = {\n",
		      cls, prog->name, (long long)v->number.number, v->name, pyglobal(g, prog->name),
		      pyglobal(g, v->name));
	for (const procedure *proc = v->procs; proc; proc = proc->next) {
		const char *dec = "None";
		const definition *s = expanded(g, proc);
		if (s) {
			const char *a = "";
			for (const decl *f = s->fields; f; f = f->next)
				a = pool_printf(g->pool, "%ss.%s, ", a, pyname(g, f->name));
			dec = pool_printf(g->pool, "lambda u: (lambda s: (%s))(%s)", a,
					  py_unpack(g, proc->arg_plans[0]));
		} else if (proc->nargs > 0) {
			const char *a = "";
			for (int i = 0; i < proc->nargs; i++)
				a = pool_printf(g->pool, "%s%s, ", a, py_unpack(g, proc->arg_plans[i]));
			dec = pool_printf(g->pool, "lambda u: (%s)", a);
		}
		const char *enc = proc->result.kind == TYPE_VOID
					  ? "None"
					  : pool_printf(g->pool, "lambda p, v: %s",
							py_pack(g, proc->result_plan, "v"));
		strbuf_printf(g->out, "        %s: onc.Procedure(\"%s\", %s,\n                     %s),\n",
			      pyglobal(g, proc->name), method_name(g, v, proc), dec, enc);
	}
	strbuf_puts(g->out, "    }\n");
	for (const procedure *proc = v->procs; proc; proc = proc->next) {
		bool null = proc->number.number == 0 && proc->nargs == 0 &&
			    proc->result.kind == TYPE_VOID;
		strbuf_printf(g->out, "\n    def %s(self%s):\n        %s\n", method_name(g, v, proc),
			      params(g, proc), null ? "pass" : "raise onc.ProcUnavail()");
	}
}

static void emit_program(py *g, const definition *def)
{
	strbuf_printf(g->out, "\n%s = %s\n", pyglobal(g, def->name), pyvalue(g, &def->number));
	int n = 0;
	for (const version *v = def->versions; v; v = v->next) {
		n++;
		py_comment(g, "", v->doc);
		strbuf_printf(g->out, "%s = %s\n", pyglobal(g, v->name), pyvalue(g, &v->number));
		for (const procedure *proc = v->procs; proc; proc = proc->next)
			strbuf_printf(g->out, "%s = %s\n", pyglobal(g, proc->name),
				      pyvalue(g, &proc->number));
	}
	for (const version *v = def->versions; v; v = v->next)
		emit_version(g, def, v, n > 1);
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
	py g = { .out = out, .pool = p, .spec = s };
	add_names(&g);
	strbuf_printf(out, "\"\"\"%s: generated by `onc gen --lang python` from %s; do not edit.\n\n"
			   "Types are dataclasses (structs, unions) and IntEnums; pack_T(p, v) and "
			   "unpack_T(u)\ncode every type with the onc runtime's Packer and Unpacker; "
			   "T_SIZE is a type's encoded\nsize when it is fixed, T_MAXSIZE the largest "
			   "when there is one.\"\"\"\n\n"
			   "# flake8: noqa\n"
			   "import dataclasses as _dc\nimport enum as _enum\nimport struct as _struct\n"
			   "import builtins as _builtins\nimport typing as _typing\nfrom typing import Optional\n\nimport onc\n\n",
		      base, source);
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
	free(g.defaults);
	table_free(&g.array_defaults);
	table_free(&g.names);
	table_free(&g.consts);
	table_free(&g.earlier);
	table_free(&g.types_seen);
}
