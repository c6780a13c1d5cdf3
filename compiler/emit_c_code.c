#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "emit_c_code.h"

static const char *fmt(cg *g, const char *f, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, f, copy);
	va_end(copy);
	char *r = pool_alloc(g->pool, (size_t)n + 1);
	vsnprintf(r, (size_t)n + 1, f, ap);
	return r;
}

const char *cg_str(cg *g, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	const char *r = fmt(g, f, ap);
	va_end(ap);
	return r;
}

static void put_line(cg *g, int indent, const char *text)
{
	for (int i = 0; i < indent; i++)
		strbuf_puts(g->out, "\t");
	strbuf_puts(g->out, text);
	strbuf_puts(g->out, "\n");
}

/* Writes the check held back, as a test. */
static void flush(cg *g)
{
	if (!g->pending)
		return;
	const char *call = g->pending;
	g->pending = NULL;
	put_line(g, g->pending_indent, cg_str(g, "if ((s = %s) != ONC_OK)", call));
	put_line(g, g->pending_indent + 1, g->cleanup ? "goto out;" : "return s;");
	g->uses_s = true;
	g->gotos += g->cleanup;
}

void cg_line(cg *g, const char *f, ...)
{
	flush(g);
	va_list ap;
	va_start(ap, f);
	put_line(g, g->indent, fmt(g, f, ap));
	va_end(ap);
}

void cg_close_block(cg *g)
{
	g->indent--;
	cg_line(g, "}");
}

/* if ((s = <call>) != ONC_OK) return s; (or goto out), held back until the next line */
void cg_check(cg *g, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	const char *call = fmt(g, f, ap);
	va_end(ap);
	flush(g);
	if (g->on_error) { /* with a fixed error action the status itself is not needed */
		cg_line(g, "if (%s != ONC_OK)", call);
		put_line(g, g->indent + 1, g->on_error);
		return;
	}
	g->pending = call;
	g->pending_indent = g->indent;
}

/* Fails with the status: returns it, or sets s and goes to `out`. */
void cg_fail(cg *g, const char *status)
{
	if (g->on_error) {
		cg_line(g, "%s", g->on_error);
	} else if (g->cleanup) {
		cg_line(g, "s = %s;", status);
		cg_line(g, "goto out;");
		g->uses_s = true;
		g->gotos++;
	} else {
		cg_line(g, "return %s;", status);
	}
}

void cg_begin(cg *g)
{
	g->pending = NULL;
	g->gotos = 0;
	g->uses_s = false;
}

void cg_return(cg *g, const char *value)
{
	if (g->pending && g->pending_indent == g->indent && !g->cleanup &&
	    strcmp(value, "ONC_OK") == 0) {
		const char *call = g->pending;
		g->pending = NULL;
		cg_line(g, "return %s;", call);
	} else {
		cg_line(g, "return %s;", value);
	}
}

void cg_out(cg *g)
{
	if (g->pending && g->pending_indent == g->indent && g->cleanup) {
		const char *call = g->pending;
		g->pending = NULL;
		cg_line(g, "s = %s;", call);
		g->uses_s = true;
	}
	flush(g);
	if (g->gotos)
		strbuf_puts(g->out, "out:\n");
}

void cg_fail_if(cg *g, const char *cond, const char *status)
{
	bool block = g->cleanup && !g->on_error;
	cg_line(g, block ? "if (%s) {" : "if (%s)", cond);
	g->indent++;
	cg_fail(g, status);
	if (block)
		cg_close_block(g);
	else
		g->indent--;
}

const char *cg_open_loop(cg *g, const char *count)
{
	const char *i = cg_str(g, "i%d", g->loop++);
	cg_line(g, "for (uint32_t %s = 0; %s < %s; %s++) {", i, i, count, i);
	g->indent++;
	return i;
}

void cg_close_loop(cg *g)
{
	g->loop--;
	cg_close_block(g);
}

/* ---- expressions: a value is an lvalue text; "(*p)" stands for what p points to ---------- */

static bool is_deref(const char *x, size_t *inner_len)
{
	size_t n = strlen(x);
	if (n < 4 || strncmp(x, "(*", 2) != 0 || x[n - 1] != ')')
		return false;
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		depth += (x[i] == '(') - (x[i] == ')');
		if (depth == 0 && i != n - 1)
			return false;
	}
	*inner_len = n - 3;
	return true;
}

const char *cg_member(cg *g, const char *x, const char *name)
{
	size_t n;
	if (is_deref(x, &n))
		return cg_str(g, "%.*s->%s", (int)n, x + 2, name);
	return cg_str(g, "%s.%s", x, name);
}

const char *cg_addr(cg *g, const char *x)
{
	size_t n;
	if (is_deref(x, &n))
		return cg_str(g, "%.*s", (int)n, x + 2);
	return cg_str(g, "&%s", x);
}

/* The value as an expression: (*v) reads better as *v. */
const char *cg_val(cg *g, const char *x)
{
	size_t n;
	if (!is_deref(x, &n))
		return x;
	for (size_t i = 2; i < n + 2; i++)
		if (!isalnum((unsigned char)x[i]) && x[i] != '_')
			return x;
	return cg_str(g, "*%.*s", (int)n, x + 2);
}

const char *cg_deref(cg *g, const char *x)
{
	return cg_str(g, "(*%s)", cg_val(g, x));
}

static const char *element(cg *g, const char *x, const char *i)
{
	return cg_str(g, "%s[%s]", x, i);
}

/* ---- values ------------------------------------------------------------------------- */

/* The length of a fixed array or opaque, or the maximum of a variable one, as C text. */
static const char *bound_text(const plan_value *v)
{
	return v->bound ? v->bound->text : "UINT32_MAX";
}

static void scalar_op(cg *g, op o, const plan_value *v, const char *x)
{
	const scalar_info *s = &plan_scalars[v->sc];
	if (v->sc == SC_ENUM && o == ENCODE)
		cg_check(g, "onc_xdr_put_enum(e, %s)", cg_val(g, x));
	else if (v->sc == SC_ENUM)
		cg_check(g, "%s_decode(d, %s)", v->en->name, cg_addr(g, x));
	else if (o == ENCODE)
		cg_check(g, "onc_xdr_put_%s(e, %s)", s->c_codec,
			 s->c_by_address ? cg_addr(g, x) : cg_val(g, x));
	else
		cg_check(g, "onc_xdr_get_%s(d, %s)", s->c_codec, cg_addr(g, x));
}

static void string_op(cg *g, op o, const plan_value *v, const char *x)
{
	if (o == ENCODE)
		cg_check(g, "onc_xdr_put_string(e, %s, %s)", cg_val(g, x), bound_text(v));
	else if (o == DECODE)
		cg_check(g, "onc_xdr_get_string(d, %s, %s)", cg_addr(g, x), bound_text(v));
	else
		cg_line(g, "free(%s);", cg_val(g, x));
}

/* Width in bytes of the elements of an array coded in bulk, or 0. */
static int bulk_width(const plan_value *elem)
{
	return elem->kind == PLAN_SCALAR ? plan_scalars[elem->sc].c_bulk : 0;
}

static void validate_enums(cg *g, const plan_value *elem, const char *x, const char *count)
{
	if (elem->kind != PLAN_SCALAR || elem->sc != SC_ENUM)
		return;
	const char *i = cg_open_loop(g, count);
	cg_fail_if(g, cg_str(g, "!%s_is_valid(%s[%s])", elem->en->name, x, i), "ONC_ERR_BAD_VALUE");
	cg_close_loop(g);
}

static void each_element(cg *g, op o, const plan_value *elem, const char *x, const char *count)
{
	const char *i = cg_open_loop(g, count);
	cg_value_op(g, o, elem, element(g, x, i));
	cg_close_loop(g);
}

static void fixed_array_op(cg *g, op o, const plan_value *v, const char *x)
{
	const char *n = bound_text(v);
	int w = bulk_width(v->elem);
	if (w && o == ENCODE) {
		cg_check(g, "onc_xdr_put_u%d_array(e, (const uint%d_t *)%s, %s)", w * 8, w * 8, cg_val(g, x), n);
	} else if (w && o == DECODE) {
		cg_check(g, "onc_xdr_get_u%d_array(d, (uint%d_t *)%s, %s)", w * 8, w * 8, cg_val(g, x), n);
		validate_enums(g, v->elem, x, n);
	} else {
		each_element(g, o, v->elem, x, n);
	}
}

static void var_array_decode(cg *g, const plan_value *v, const char *len, const char *vals)
{
	const plan_value *elem = v->elem;
	int w = bulk_width(elem);
	const char *n = cg_str(g, "n%d", g->loop);
	cg_line(g, "{");
	g->indent++;
	cg_line(g, "uint32_t %s;", n);
	cg_check(g, "onc_xdr_get_array_len(d, &%s, %s, %lld)", n, bound_text(v),
		 (long long)elem->size.min);
	cg_line(g, "%s = onc_xdr_dec_alloc(d, %s, sizeof *%s);", vals, n, vals);
	cg_fail_if(g, cg_str(g, "!%s", vals), "ONC_ERR_NOMEM");
	if (w) {
		cg_line(g, "%s = %s;", len, n);
		cg_check(g, "onc_xdr_get_u%d_array(d, (uint%d_t *)%s, %s)", w * 8, w * 8, vals, n);
		validate_enums(g, elem, vals, n);
	} else {
		/* Elements that allocate are counted as they are decoded, so that T_free() after a
		 * failure frees exactly the ones that hold something. */
		if (!elem->allocates)
			cg_line(g, "%s = %s;", len, n);
		const char *i = cg_open_loop(g, n);
		if (elem->allocates)
			cg_line(g, "%s = %s + 1;", len, i);
		cg_value_op(g, DECODE, elem, element(g, vals, i));
		cg_close_loop(g);
	}
	cg_close_block(g);
}

/* Variable-length arrays and opaques are {NAME_len, NAME_val} structs (rpcgen's layout). */
static void var_array_op(cg *g, op o, const plan_value *v, const char *x)
{
	const char *len = cg_member(g, x, cg_str(g, "%s_len", v->d->name));
	const char *vals = cg_member(g, x, cg_str(g, "%s_val", v->d->name));
	if (o == FREE) {
		if (v->kind == PLAN_ARRAY && v->elem->allocates)
			each_element(g, FREE, v->elem, vals, len);
		cg_line(g, "free(%s);", vals);
	} else if (v->kind == PLAN_OPAQUE && o == ENCODE) {
		cg_check(g, "onc_xdr_put_opaque(e, %s, %s, %s)", vals, len, bound_text(v));
	} else if (v->kind == PLAN_OPAQUE) {
		cg_check(g, "onc_xdr_get_opaque(d, &%s, &%s, %s)", vals, len, bound_text(v));
	} else if (o == DECODE) {
		var_array_decode(g, v, len, vals);
	} else {
		int w = bulk_width(v->elem);
		cg_check(g, "onc_xdr_put_array_len(e, %s, %s)", len, bound_text(v));
		if (w)
			cg_check(g, "onc_xdr_put_u%d_array(e, (const uint%d_t *)%s, %s)", w * 8, w * 8, vals, len);
		else
			each_element(g, ENCODE, v->elem, vals, len);
	}
}

static void optional_op(cg *g, op o, const plan_value *v, const char *x)
{
	const char *p = cg_val(g, x);
	if (o == ENCODE) {
		cg_check(g, "onc_xdr_put_bool(e, %s != NULL)", p);
		cg_line(g, "if (%s) {", p);
		g->indent++;
		cg_value_op(g, ENCODE, v->elem, cg_deref(g, x));
		cg_close_block(g);
	} else if (o == DECODE) {
		/* The pointer is NULL already: the enclosing value was zeroed first. */
		cg_line(g, "{");
		g->indent++;
		cg_line(g, "bool present;");
		cg_check(g, "onc_xdr_get_bool(d, &present)");
		cg_line(g, "if (present) {");
		g->indent++;
		cg_line(g, "%s = onc_xdr_dec_alloc(d, 1, sizeof *%s);", p, p);
		cg_fail_if(g, cg_str(g, "!%s", p), "ONC_ERR_NOMEM");
		cg_value_op(g, DECODE, v->elem, cg_deref(g, x));
		cg_close_block(g);
		cg_close_block(g);
	} else {
		cg_line(g, "if (%s) {", p);
		g->indent++;
		cg_value_op(g, FREE, v->elem, cg_deref(g, x));
		cg_line(g, "free(%s);", p);
		cg_close_block(g);
	}
}

void cg_value_op(cg *g, op o, const plan_value *v, const char *x)
{
	if (o == FREE && !v->allocates)
		return;
	switch (v->kind) {
	case PLAN_VOID:
		break;
	case PLAN_SCALAR:
		scalar_op(g, o, v, x);
		break;
	case PLAN_STRING:
		string_op(g, o, v, x);
		break;
	case PLAN_OPAQUE:
		if (!v->fixed)
			var_array_op(g, o, v, x);
		else if (o == ENCODE)
			cg_check(g, "onc_xdr_put_opaque_fixed(e, %s, %s)", cg_val(g, x), bound_text(v));
		else
			cg_check(g, "onc_xdr_get_opaque_fixed(d, %s, %s)", cg_val(g, x), bound_text(v));
		break;
	case PLAN_ARRAY:
		if (v->fixed)
			fixed_array_op(g, o, v, x);
		else
			var_array_op(g, o, v, x);
		break;
	case PLAN_OPTIONAL:
		optional_op(g, o, v, x);
		break;
	case PLAN_CALL:
		if (o == FREE)
			cg_line(g, "%s_free(%s);", v->name, cg_addr(g, x));
		else
			cg_check(g, "%s_%s(%s, %s)", v->name, o == ENCODE ? "encode" : "decode",
				 o == ENCODE ? "e" : "d", cg_addr(g, x));
		break;
	}
}
