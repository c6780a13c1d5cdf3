#include <string.h>

#include "emit_c_code.h"
#include "table.h"

/* ---- runs of fixed-size scalars: one space check, then the _unchecked primitives ------- */

/* An int, unsigned, hyper, unsigned hyper or enum member. */
static bool is_scalar_leaf(const decl *d)
{
	if (d->kind != DECL_PLAIN)
		return false;
	const type_ref *b = type_base(&d->type);
	switch (b->kind) {
	case TYPE_INT:
	case TYPE_UINT:
	case TYPE_HYPER:
	case TYPE_UHYPER:
		return true;
	case TYPE_NAMED:
		return b->def && b->def->kind == DEF_ENUM;
	default:
		return false;
	}
}

/* A struct member joins its neighbours' run, its own members written out in place (no call),
 * when its struct is small and made of scalar leaves only:
 *   - at most INLINE_MAX_MEMBERS members, each an is_scalar_leaf() (no struct inside: what is
 *     inlined is never itself inlining);
 *   - their names, and the names of their enum types, at most INLINE_MAX_NAMES characters.
 * So each use costs at most a constant amount of code (16 lines of at most 256 characters of
 * the struct's names, plus the use's own member name, which the input spells at the use), and
 * the output stays linear in the input: a struct using another twice, itself using another
 * twice, and so on, doubled the output per level when every flat struct was inlined (a 30-level
 * chain made gigabytes). Any other struct member is coded by a call to its type's function. */
enum { INLINE_MAX_MEMBERS = 16, INLINE_MAX_NAMES = 256 };

static bool inline_struct(const type_ref *b)
{
	const definition *def = b->kind == TYPE_NAMED ? b->def : NULL;
	if (!def || def->kind != DEF_STRUCT || def->list_link)
		return false;
	int members = 0;
	size_t names = 0;
	for (const decl *f = def->fields; f; f = f->next) {
		if (!is_scalar_leaf(f) || ++members > INLINE_MAX_MEMBERS)
			return false;
		names += strnlen(f->name, INLINE_MAX_NAMES + 1);
		const definition *en = cg_enum_def(&f->type);
		if (en)
			names += strnlen(en->name, INLINE_MAX_NAMES + 1);
		if (names > INLINE_MAX_NAMES)
			return false;
	}
	return members > 0;
}

/* A member coded in a run. */
static bool is_flat(const decl *d)
{
	return is_scalar_leaf(d) || (d->kind == DECL_PLAIN && inline_struct(type_base(&d->type)));
}

typedef struct leaf {
	const char *x;
	const type_ref *type; /* a scalar or an enum */
} leaf;

typedef struct leaves {
	leaf *v;
	size_t n, cap;
	int64_t bytes;
} leaves;

static void add_leaf(cg *g, leaves *ls, const decl *d, const char *x)
{
	const type_ref *b = type_base(&d->type);
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 16;
		leaf *v = pool_alloc(g->pool, ls->cap * sizeof *v);
		if (ls->n)
			memcpy(v, ls->v, ls->n * sizeof *v);
		ls->v = v;
	}
	ls->v[ls->n++] = (leaf){ x, b };
	ls->bytes += b->kind == TYPE_HYPER || b->kind == TYPE_UHYPER ? 8 : 4;
}

/* The leaves of an is_flat() member: itself, or an inline_struct()'s members. */
static void collect_leaves(cg *g, leaves *ls, const decl *d, const char *x)
{
	const type_ref *b = type_base(&d->type);
	if (!is_scalar_leaf(d)) {
		for (const decl *f = b->def->fields; f; f = f->next)
			add_leaf(g, ls, f, cg_member(g, x, f->name));
		return;
	}
	add_leaf(g, ls, d, x);
}

static void emit_run(cg *g, op o, const leaves *ls)
{
	if (o == ENCODE) {
		cg_check(g, "onc_xdr_enc_reserve(e, %lld)", (long long)ls->bytes);
		for (size_t i = 0; i < ls->n; i++) {
			const leaf *l = &ls->v[i];
			bool wide = l->type->kind == TYPE_HYPER || l->type->kind == TYPE_UHYPER;
			bool cast = l->type->kind != TYPE_UINT && l->type->kind != TYPE_UHYPER;
			cg_line(g, "onc_xdr_put_u%d_unchecked(e, %s%s);", wide ? 64 : 32,
			     cast ? (wide ? "(uint64_t)" : "(uint32_t)") : "", l->x);
		}
		return;
	}
	cg_check(g, "onc_xdr_dec_need(d, %lld)", (long long)ls->bytes);
	for (size_t i = 0; i < ls->n; i++) {
		const leaf *l = &ls->v[i];
		bool wide = l->type->kind == TYPE_HYPER || l->type->kind == TYPE_UHYPER;
		const char *cast = l->type->kind == TYPE_INT	 ? "(int32_t)"
				   : l->type->kind == TYPE_HYPER ? "(int64_t)"
				   : l->type->kind == TYPE_NAMED ? cg_str(g, "(%s)(int32_t)", l->type->name)
								 : "";
		cg_line(g, "%s = %sonc_xdr_get_u%d_unchecked(d);", l->x, cast, wide ? 64 : 32);
	}
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].type->kind == TYPE_NAMED)
			cg_fail_if(g, cg_str(g, "!%s_is_valid(%s)", ls->v[i].type->name, ls->v[i].x),
				"ONC_ERR_BAD_VALUE");
}

/* The members of a struct from `first` up to (not including) `stop`. */
static void fields_op(cg *g, op o, const decl *first, const decl *stop, const char *x)
{
	const decl *f = first;
	while (f != stop) {
		if (o != FREE && is_flat(f)) {
			leaves ls = { 0 };
			const decl *end = f;
			for (; end != stop && is_flat(end); end = end->next)
				collect_leaves(g, &ls, end, cg_member(g, x, end->name));
			if (ls.n >= 2) {
				emit_run(g, o, &ls);
				f = end;
				continue;
			}
		}
		cg_decl_op(g, o, f, cg_member(g, x, f->name));
		f = f->next;
	}
}

/* ---- functions ------------------------------------------------------------------------ */

static void emit_enum_valid(cg *g, const definition *def)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	size_t count = 0;
	bool all_known = true;
	/* Members that repeat an earlier member's value are left out (a switch cannot have the
	 * same case twice). */
	table values = { 0 };
	for (const enum_member *m = def->members; m; m = m->next) {
		if (m->val.known && table_add_number(&values, m->val.number, (void *)m))
			continue;
		all_known &= m->val.known;
		count++;
		if (m->val.number < lo)
			lo = m->val.number;
		if (m->val.number > hi)
			hi = m->val.number;
	}
	strbuf_printf(g->out, "static bool %s_is_valid(int32_t v)\n{\n", def->name);
	if (all_known && hi - lo + 1 == (int64_t)count) {
		if (lo == hi)
			strbuf_printf(g->out, "\treturn v == %lld;\n", (long long)lo);
		else
			strbuf_printf(g->out, "\treturn v >= %lld && v <= %lld;\n", (long long)lo,
				      (long long)hi);
	} else {
		strbuf_puts(g->out, "\tswitch (v) {\n");
		for (const enum_member *m = def->members; m; m = m->next)
			if (!m->val.known || table_get_number(&values, m->val.number) == m)
				strbuf_printf(g->out, "\tcase %s:\n", m->name);
		strbuf_puts(g->out, "\t\treturn true;\n\tdefault:\n\t\treturn false;\n\t}\n");
	}
	table_free(&values);
	strbuf_printf(g->out, "}\n_Static_assert(sizeof(%s) == 4, \"enum arrays are coded in bulk\");\n\n",
		      def->name);
}

static void emit_enum_codec(cg *g, const definition *def)
{
	const char *n = def->name;
	strbuf_printf(g->out,
		      "onc_status %s_encode(onc_xdr_enc *e, const %s *v)\n{\n"
		      "\treturn onc_xdr_put_enum(e, *v);\n}\n\n",
		      n, n);
	strbuf_printf(g->out,
		      "onc_status %s_decode(onc_xdr_dec *d, %s *v)\n{\n"
		      "\tint32_t raw;\n"
		      "\tonc_status s = onc_xdr_get_enum(d, &raw);\n"
		      "\tif (s != ONC_OK)\n\t\treturn s;\n"
		      "\tif (!%s_is_valid(raw))\n\t\treturn ONC_ERR_BAD_VALUE;\n"
		      "\t*v = (%s)raw;\n"
		      "\treturn ONC_OK;\n}\n\n",
		      n, n, n, n);
}

static const char *case_text(const value *v)
{
	if (v->name && strcmp(v->name, "TRUE") == 0)
		return "true";
	if (v->name && strcmp(v->name, "FALSE") == 0)
		return "false";
	return v->text;
}

static void union_op(cg *g, op o, const definition *def)
{
	const decl *disc = &def->discriminant;
	const char *dx = cg_member(g, "(*v)", disc->name);
	if (o != FREE)
		cg_decl_op(g, o, disc, dx);
	const type_ref *b = type_base(&disc->type);
	bool cast = b->kind == TYPE_BOOL || b->kind == TYPE_NAMED;
	cg_line(g, "switch (%s%s) {", cast ? "(int32_t)" : "", dx);
	bool has_default = false;
	const char *um = cg_member(g, "(*v)", c_union_member(g->pool, def));
	for (const union_arm *a = def->arms; a; a = a->next) {
		if (o == FREE && !decl_needs_free(&a->arm))
			continue;
		for (const case_label *l = a->labels; l; l = l->next)
			cg_line(g, "case %s:", case_text(&l->val));
		if (!a->labels) {
			cg_line(g, "default:");
			has_default = true;
		}
		g->indent++;
		if (a->arm.kind != DECL_VOID)
			cg_decl_op(g, o, &a->arm, cg_member(g, um, a->arm.name));
		cg_line(g, "break;");
		g->indent--;
	}
	if (!has_default) {
		cg_line(g, "default:");
		g->indent++;
		if (o == FREE)
			cg_line(g, "break;");
		else
			cg_fail(g, "ONC_ERR_BAD_VALUE");
		g->indent--;
	}
	cg_line(g, "}");
}

typedef void (*body_fn)(cg *g, op o, const definition *def);

static void body_op(cg *g, op o, const definition *def)
{
	switch (def->kind) {
	case DEF_STRUCT:
		fields_op(g, o, def->fields, NULL, "(*v)");
		break;
	case DEF_UNION:
		union_op(g, o, def);
		break;
	case DEF_TYPEDEF:
		cg_decl_op(g, o, &def->target, "(*v)");
		break;
	default:
		break;
	}
}

/* Lists (a struct whose last member points to the next node) are walked in a loop, so that a
 * long list needs no deep recursion. */
static void list_op(cg *g, op o, const definition *def)
{
	const decl *link = def->list_link;
	const char *next = cg_str(g, "node->%s", link->name);
	if (o == ENCODE) {
		cg_line(g, "for (const struct %s *node = v; node; node = %s) {", def->name, next);
		g->indent++;
		fields_op(g, o, def->fields, link, "(*node)");
		cg_check(g, "onc_xdr_put_bool(e, %s != NULL)", next);
		cg_close_block(g);
	} else if (o == DECODE) {
		cg_line(g, "struct %s *node = v;", def->name);
		cg_line(g, "for (;;) {");
		g->indent++;
		cg_line(g, "bool more;");
		fields_op(g, o, def->fields, link, "(*node)");
		cg_check(g, "onc_xdr_get_bool(d, &more)");
		cg_line(g, "if (!more)");
		cg_line(g, "\tbreak;");
		cg_line(g, "%s = onc_xdr_dec_alloc(d, 1, sizeof *%s);", next, next);
		cg_fail_if(g, cg_str(g, "!%s", next), "ONC_ERR_NOMEM");
		cg_line(g, "node = %s;", next);
		cg_line(g, "memset(node, 0, sizeof *node);");
		cg_close_block(g);
	} else {
		cg_line(g, "struct %s *node = v;", def->name);
		cg_line(g, "while (node) {");
		g->indent++;
		cg_line(g, "struct %s *next = %s;", def->name, next);
		fields_op(g, o, def->fields, link, "(*node)");
		cg_line(g, "if (node != v)");
		cg_line(g, "\tfree(node);");
		cg_line(g, "node = next;");
		cg_close_block(g);
	}
}

static void emit_encode(cg *g, const definition *def, body_fn body)
{
	strbuf_printf(g->out, "onc_status %s_encode(onc_xdr_enc *e, const %s *v)\n{\n",
		      def->name, def->name);
	g->cleanup = false;
	cg_line(g, "onc_status s;");
	body(g, ENCODE, def);
	cg_line(g, "return ONC_OK;");
	strbuf_puts(g->out, "}\n\n");
}

static void emit_decode(cg *g, const definition *def, body_fn body)
{
	strbuf_printf(g->out, "onc_status %s_decode(onc_xdr_dec *d, %s *v)\n{\n",
		      def->name, def->name);
	g->cleanup = def->needs_free || def->recursive;
	cg_line(g, g->cleanup ? "onc_status s = ONC_OK;" : "onc_status s;");
	if (g->cleanup)
		cg_line(g, "memset(v, 0, sizeof *v);");
	if (def->recursive) {
		cg_line(g, "if (d->depth == 0)");
		cg_line(g, "\treturn ONC_ERR_TOO_DEEP;");
		cg_line(g, "d->depth--;");
	}
	body(g, DECODE, def);
	if (g->cleanup) {
		strbuf_puts(g->out, "out:\n");
		if (def->recursive)
			cg_line(g, "d->depth++;");
		cg_line(g, "if (s != ONC_OK && !d->arena)");
		cg_line(g, "\t%s_free(v);", def->name);
		cg_line(g, "return s;");
	} else {
		cg_line(g, "return ONC_OK;");
	}
	strbuf_puts(g->out, "}\n\n");
}

static void emit_free(cg *g, const definition *def, body_fn body)
{
	strbuf_printf(g->out, "void %s_free(%s *v)\n{\n", def->name, def->name);
	g->cleanup = false;
	body(g, FREE, def);
	cg_line(g, "memset(v, 0, sizeof *v);");
	strbuf_puts(g->out, "}\n\n");
}

/* Free comes first: decode calls it. */
static void emit_type_codec(cg *g, const definition *def)
{
	body_fn body = def->list_link ? list_op : body_op;
	g->indent = 1;
	if (def->needs_free)
		emit_free(g, def, body);
	emit_encode(g, def, body);
	emit_decode(g, def, body);
}

void emit_c_xdr(strbuf *out, pool *p, const spec *s, const char *base, const char *source)
{
	cg g = { .out = out, .pool = p };
	strbuf_printf(out, "/* Generated by onc gen from %s; do not edit. */\n", source);
	strbuf_printf(out, "#include <stdlib.h>\n#include <string.h>\n\n#include \"%s.h\"\n\n", base);
	for (const definition *def = s->defs; def; def = def->next)
		if (def->kind == DEF_ENUM)
			emit_enum_valid(&g, def);
	for (const definition *def = s->defs; def; def = def->next) {
		if (def->kind == DEF_PASSTHROUGH)
			strbuf_printf(out, "%s\n", def->name);
		else if (def->kind == DEF_ENUM)
			emit_enum_codec(&g, def);
		else if (def_is_type(def) && !def->builtin)
			emit_type_codec(&g, def);
	}
}
