#include <string.h>

#include "emit_c_code.h"
#include "plan.h"
#include "table.h"

/* ---- runs of fixed-size scalars: one space check, then the _unchecked primitives ------- */

static bool unchecked(scalar sc)
{
	return plan_scalars[sc].c_unchecked != 0;
}

static const char *leaf_x(cg *g, const plan_leaf *l, const char *x)
{
	const char *m = cg_member(g, x, l->member->name);
	return l->inner ? cg_member(g, m, l->inner->name) : m;
}

/* Leaves [from, end) of a run, which are all unchecked(). */
static void chunk_op(cg *g, op o, const plan_step *run, size_t from, size_t end, int64_t bytes,
		     const char *x)
{
	cg_check(g, o == ENCODE ? "onc_xdr_enc_reserve(e, %lld)" : "onc_xdr_dec_need(d, %lld)",
		 (long long)bytes);
	for (size_t i = from; i < end; i++) {
		const plan_leaf *l = &run->leaves[i];
		scalar sc = l->value->sc;
		int bits = plan_scalars[sc].c_unchecked * 8;
		bool is_unsigned = sc == SC_UINT || sc == SC_UHYPER;
		if (o == ENCODE)
			cg_line(g, "onc_xdr_put_u%d_unchecked(e, %s%s);", bits,
				is_unsigned ? "" : cg_str(g, "(uint%d_t)", bits), leaf_x(g, l, x));
		else
			cg_line(g, "%s = %sonc_xdr_get_u%d_unchecked(d);", leaf_x(g, l, x),
				is_unsigned	 ? ""
				: sc == SC_ENUM ? cg_str(g, "(%s)(int32_t)", l->value->en->name)
						 : cg_str(g, "(int%d_t)", bits),
				bits);
	}
	for (size_t i = from; i < end && o == DECODE; i++) {
		const plan_leaf *l = &run->leaves[i];
		if (l->value->sc == SC_ENUM)
			cg_fail_if(g, cg_str(g, "!%s_is_valid(%s)", l->value->en->name, leaf_x(g, l, x)),
				   "ONC_ERR_BAD_VALUE");
	}
}

static void run_op(cg *g, op o, const plan_step *run, const char *x)
{
	for (size_t i = 0; i < run->nleaves && o != FREE;) {
		int64_t bytes;
		size_t end = plan_chunk(run, i, unchecked, &bytes);
		if (end - i >= 2) {
			chunk_op(g, o, run, i, end, bytes, x);
			i = end;
		} else {
			cg_value_op(g, o, run->leaves[i].value, leaf_x(g, &run->leaves[i], x));
			i++;
		}
	}
}

static void steps_op(cg *g, op o, const plan_type *t, const char *x)
{
	for (size_t i = 0; i < t->nsteps; i++) {
		const plan_step *s = &t->steps[i];
		if (s->member)
			cg_value_op(g, o, s->value, cg_member(g, x, s->member->name));
		else
			run_op(g, o, s, x);
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

static void union_op(cg *g, op o, const plan_type *t)
{
	const definition *def = t->def;
	const char *dx = cg_member(g, "(*v)", def->discriminant.name);
	if (o != FREE)
		cg_value_op(g, o, t->disc, dx);
	bool cast = t->disc->sc == SC_BOOL || t->disc->sc == SC_ENUM;
	cg_line(g, "switch (%s%s) {", cast ? "(int32_t)" : "", dx);
	const char *um = cg_member(g, "(*v)", c_union_member(g->pool, def));
	for (size_t i = 0; i < t->narms; i++) {
		const plan_arm *a = &t->arms[i];
		if (o == FREE && !a->value->allocates)
			continue;
		for (const case_label *l = a->arm->labels; l; l = l->next)
			cg_line(g, "case %s:", case_text(&l->val));
		if (!a->arm->labels)
			cg_line(g, "default:");
		g->indent++;
		if (a->value->kind != PLAN_VOID)
			cg_value_op(g, o, a->value, cg_member(g, um, a->arm->arm.name));
		cg_line(g, "break;");
		g->indent--;
	}
	if (!t->has_default) {
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

/* Lists (a struct whose last member points to the next node) are walked in a loop, so that a
 * long list needs no deep recursion. */
static void list_op(cg *g, op o, const plan_type *t)
{
	const char *name = t->def->name;
	const char *next = cg_str(g, "node->%s", t->link->name);
	if (o == ENCODE) {
		cg_line(g, "for (const struct %s *node = v; node; node = %s) {", name, next);
		g->indent++;
		steps_op(g, o, t, "(*node)");
		cg_check(g, "onc_xdr_put_bool(e, %s != NULL)", next);
		cg_close_block(g);
	} else if (o == DECODE) {
		cg_line(g, "struct %s *node = v;", name);
		cg_line(g, "for (;;) {");
		g->indent++;
		cg_line(g, "bool more;");
		steps_op(g, o, t, "(*node)");
		cg_check(g, "onc_xdr_get_bool(d, &more)");
		cg_line(g, "if (!more)");
		cg_line(g, "\tbreak;");
		cg_line(g, "%s = onc_xdr_dec_alloc(d, 1, sizeof *%s);", next, next);
		cg_fail_if(g, cg_str(g, "!%s", next), "ONC_ERR_NOMEM");
		cg_line(g, "node = %s;", next);
		cg_line(g, "memset(node, 0, sizeof *node);");
		cg_close_block(g);
	} else {
		cg_line(g, "struct %s *node = v;", name);
		cg_line(g, "while (node) {");
		g->indent++;
		cg_line(g, "struct %s *next = %s;", name, next);
		steps_op(g, o, t, "(*node)");
		cg_line(g, "if (node != v)");
		cg_line(g, "\tfree(node);");
		cg_line(g, "node = next;");
		cg_close_block(g);
	}
}

static void body_op(cg *g, op o, const plan_type *t)
{
	switch (t->shape) {
	case SHAPE_STRUCT:
		steps_op(g, o, t, "(*v)");
		break;
	case SHAPE_LIST:
		list_op(g, o, t);
		break;
	case SHAPE_UNION:
		union_op(g, o, t);
		break;
	case SHAPE_TYPEDEF:
		cg_value_op(g, o, t->target, "(*v)");
		break;
	case SHAPE_ENUM:
		break;
	}
}

/* The body goes to a buffer first: the status variable is declared only if used. */
static void function(cg *g, const char *signature, const plan_type *t, op o)
{
	strbuf body = { 0 };
	strbuf *out = g->out;
	g->out = &body;
	cg_begin(g);
	if (g->cleanup) {
		cg_line(g, "memset(v, 0, sizeof *v);");
		g->uses_s = true;
	}
	if (t->recursive && o == DECODE) {
		cg_line(g, "if (d->depth == 0)");
		cg_line(g, "\treturn ONC_ERR_TOO_DEEP;");
		cg_line(g, "d->depth--;");
	}
	body_op(g, o, t);
	if (g->cleanup) {
		cg_out(g);
		if (t->recursive)
			cg_line(g, "d->depth++;");
		cg_line(g, "if (s != ONC_OK && !d->arena)");
		cg_line(g, "\t%s_free(v);", t->def->name);
		cg_line(g, "return s;");
	} else {
		cg_return(g, "ONC_OK");
	}
	g->out = out;
	strbuf_printf(out, "%s\n{\n", signature);
	if (g->uses_s)
		strbuf_puts(out, g->cleanup ? "\tonc_status s = ONC_OK;\n" : "\tonc_status s;\n");
	strbuf_putn(out, body.data, body.len);
	strbuf_puts(out, "}\n\n");
	strbuf_free(&body);
}

static void emit_encode(cg *g, const plan_type *t)
{
	const char *n = t->def->name;
	g->cleanup = false;
	function(g, cg_str(g, "onc_status %s_encode(onc_xdr_enc *e, const %s *v)", n, n), t, ENCODE);
}

static void emit_decode(cg *g, const plan_type *t)
{
	const char *n = t->def->name;
	g->cleanup = t->allocates || t->recursive;
	function(g, cg_str(g, "onc_status %s_decode(onc_xdr_dec *d, %s *v)", n, n), t, DECODE);
}

static void emit_free(cg *g, const plan_type *t)
{
	const char *n = t->def->name;
	strbuf_printf(g->out, "void %s_free(%s *v)\n{\n", n, n);
	g->cleanup = false;
	cg_begin(g);
	body_op(g, FREE, t);
	cg_line(g, "memset(v, 0, sizeof *v);");
	strbuf_puts(g->out, "}\n\n");
}

/* Free comes first: decode calls it. */
static void emit_type_codec(cg *g, const plan_type *t)
{
	g->indent = 1;
	if (t->allocates)
		emit_free(g, t);
	emit_encode(g, t);
	emit_decode(g, t);
}

void emit_c_xdr(strbuf *out, pool *p, const plan *pl, const char *base, const char *source)
{
	const spec *s = pl->spec;
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
			emit_type_codec(&g, def->plan);
	}
}
