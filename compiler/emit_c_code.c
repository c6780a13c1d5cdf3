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

void cg_line(cg *g, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	for (int i = 0; i < g->indent; i++)
		strbuf_puts(g->out, "\t");
	strbuf_puts(g->out, fmt(g, f, ap));
	strbuf_puts(g->out, "\n");
	va_end(ap);
}

void cg_close_block(cg *g)
{
	g->indent--;
	cg_line(g, "}");
}

/* if ((s = <call>) != ONC_OK) return s; (or goto out) */
void cg_check(cg *g, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	/* With a fixed error action the status itself is not needed. */
	cg_line(g, g->on_error ? "if (%s != ONC_OK)" : "if ((s = %s) != ONC_OK)", fmt(g, f, ap));
	va_end(ap);
	g->indent++;
	cg_line(g, "%s", g->on_error ? g->on_error : g->cleanup ? "goto out;" : "return s;");
	g->indent--;
}

/* Fails with the status: returns it, or sets s and goes to `out`. */
void cg_fail(cg *g, const char *status)
{
	if (g->on_error) {
		cg_line(g, "%s", g->on_error);
	} else if (g->cleanup) {
		cg_line(g, "s = %s;", status);
		cg_line(g, "goto out;");
	} else {
		cg_line(g, "return %s;", status);
	}
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

/* ---- types --------------------------------------------------------------------------- */

const definition *cg_enum_def(const type_ref *t)
{
	t = type_base(t);
	return t->kind == TYPE_NAMED && t->def && t->def->kind == DEF_ENUM ? t->def : NULL;
}

/* 4 or 8 for element types coded in bulk as uint32_t / uint64_t, else 0. */
static int bulk_width(const type_ref *t)
{
	switch (type_base(t)->kind) {
	case TYPE_INT:
	case TYPE_UINT:
	case TYPE_FLOAT:
		return 4;
	case TYPE_HYPER:
	case TYPE_UHYPER:
	case TYPE_DOUBLE:
		return 8;
	default:
		return cg_enum_def(t) ? 4 : 0;
	}
}

bool cg_type_needs_free(const type_ref *t)
{
	t = type_base(t);
	return t->kind == TYPE_NAMED && t->def && t->def->needs_free;
}

static int64_t type_min_size(const type_ref *t)
{
	t = type_base(t);
	if (t->kind == TYPE_NAMED)
		return t->def ? t->def->min_size : 0;
	return bulk_width(t) ? bulk_width(t) : t->kind == TYPE_QUAD ? 16 : 4;
}

/* Scalars, by type kind: the put and get functions, and whether they take an address. */
static const struct {
	const char *name;
	bool by_address;
} scalar_codec[] = {
	[TYPE_INT] = { "i32", false },	 [TYPE_UINT] = { "u32", false },
	[TYPE_HYPER] = { "i64", false }, [TYPE_UHYPER] = { "u64", false },
	[TYPE_FLOAT] = { "float", false }, [TYPE_DOUBLE] = { "double", false },
	[TYPE_QUAD] = { "quad", true },	 [TYPE_BOOL] = { "bool", false },
};

/* One value of type t (an element, the target of a pointer, or a plain member). */
void cg_value_op(cg *g, op o, const type_ref *t, const char *x)
{
	const type_ref *b = type_base(t);
	if (b->kind == TYPE_NAMED) {
		if (o == FREE) {
			if (cg_type_needs_free(b))
				cg_line(g, "%s_free(%s);", b->name, cg_addr(g, x));
		} else if (o == ENCODE && cg_enum_def(b)) {
			cg_check(g, "onc_xdr_put_enum(e, %s)", cg_val(g, x));
		} else {
			cg_check(g, "%s_%s(%s, %s)", b->name, o == ENCODE ? "encode" : "decode",
			      o == ENCODE ? "e" : "d", cg_addr(g, x));
		}
		return;
	}
	if (b->kind == TYPE_STRING) { /* a procedure's argument or result */
		if (o == ENCODE)
			cg_check(g, "onc_xdr_put_string(e, %s, UINT32_MAX)", cg_val(g, x));
		else if (o == DECODE)
			cg_check(g, "onc_xdr_get_string(d, %s, UINT32_MAX)", cg_addr(g, x));
		else
			cg_line(g, "free(%s);", cg_val(g, x));
		return;
	}
	if (o == ENCODE)
		cg_check(g, "onc_xdr_put_%s(e, %s)", scalar_codec[b->kind].name,
		      scalar_codec[b->kind].by_address ? cg_addr(g, x) : cg_val(g, x));
	else if (o == DECODE)
		cg_check(g, "onc_xdr_get_%s(d, %s)", scalar_codec[b->kind].name, cg_addr(g, x));
}

static void validate_enums(cg *g, const type_ref *t, const char *x, const char *count)
{
	const definition *en = cg_enum_def(t);
	if (!en)
		return;
	const char *i = cg_open_loop(g, count);
	cg_fail_if(g, cg_str(g, "!%s_is_valid(%s[%s])", en->name, x, i), "ONC_ERR_BAD_VALUE");
	cg_close_loop(g);
}

static void fixed_array_op(cg *g, op o, const decl *d, const char *x)
{
	const char *n = c_max(d);
	int w = bulk_width(&d->type);
	if (o == FREE) {
		const char *i = cg_open_loop(g, n);
		cg_value_op(g, FREE, &d->type, element(g, x, i));
		cg_close_loop(g);
	} else if (d->type.kind == TYPE_OPAQUE) {
		if (o == ENCODE)
			cg_check(g, "onc_xdr_put_opaque_fixed(e, %s, %s)", cg_val(g, x), n);
		else
			cg_check(g, "onc_xdr_get_opaque_fixed(d, %s, %s)", cg_val(g, x), n);
	} else if (w && o == ENCODE) {
		cg_check(g, "onc_xdr_put_u%d_array(e, (const uint%d_t *)%s, %s)", w * 8, w * 8, cg_val(g, x), n);
	} else if (w) {
		cg_check(g, "onc_xdr_get_u%d_array(d, (uint%d_t *)%s, %s)", w * 8, w * 8, cg_val(g, x), n);
		validate_enums(g, &d->type, x, n);
	} else {
		const char *i = cg_open_loop(g, n);
		cg_value_op(g, o, &d->type, element(g, x, i));
		cg_close_loop(g);
	}
}

static void var_array_decode(cg *g, const decl *d, const char *len, const char *vals)
{
	int w = bulk_width(&d->type);
	const char *n = cg_str(g, "n%d", g->loop);
	cg_line(g, "{");
	g->indent++;
	cg_line(g, "uint32_t %s;", n);
	cg_check(g, "onc_xdr_get_array_len(d, &%s, %s, %lld)", n, c_max(d),
	      (long long)type_min_size(&d->type));
	cg_line(g, "%s = onc_xdr_dec_alloc(d, %s, sizeof *%s);", vals, n, vals);
	cg_fail_if(g, cg_str(g, "!%s", vals), "ONC_ERR_NOMEM");
	if (w) {
		cg_line(g, "%s = %s;", len, n);
		cg_check(g, "onc_xdr_get_u%d_array(d, (uint%d_t *)%s, %s)", w * 8, w * 8, vals, n);
		validate_enums(g, &d->type, vals, n);
	} else {
		bool counted = cg_type_needs_free(&d->type);
		/* Elements that allocate are counted as they are decoded, so that T_free() after a
		 * failure frees exactly the ones that hold something. */
		if (!counted)
			cg_line(g, "%s = %s;", len, n);
		const char *i = cg_open_loop(g, n);
		if (counted)
			cg_line(g, "%s = %s + 1;", len, i);
		cg_value_op(g, DECODE, &d->type, element(g, vals, i));
		cg_close_loop(g);
	}
	cg_close_block(g);
}

static void var_array_op(cg *g, op o, const decl *d, const char *x)
{
	if (d->type.kind == TYPE_STRING) {
		if (o == ENCODE)
			cg_check(g, "onc_xdr_put_string(e, %s, %s)", cg_val(g, x), c_max(d));
		else if (o == DECODE)
			cg_check(g, "onc_xdr_get_string(d, %s, %s)", cg_addr(g, x), c_max(d));
		else
			cg_line(g, "free(%s);", cg_val(g, x));
		return;
	}
	const char *len = cg_member(g, x, cg_str(g, "%s_len", d->name));
	const char *vals = cg_member(g, x, cg_str(g, "%s_val", d->name));
	if (d->type.kind == TYPE_OPAQUE) {
		if (o == ENCODE)
			cg_check(g, "onc_xdr_put_opaque(e, %s, %s, %s)", vals, len, c_max(d));
		else if (o == DECODE)
			cg_check(g, "onc_xdr_get_opaque(d, &%s, &%s, %s)", vals, len, c_max(d));
		else
			cg_line(g, "free(%s);", vals);
		return;
	}
	int w = bulk_width(&d->type);
	if (o == DECODE) {
		var_array_decode(g, d, len, vals);
	} else if (o == ENCODE) {
		cg_check(g, "onc_xdr_put_array_len(e, %s, %s)", len, c_max(d));
		if (w) {
			cg_check(g, "onc_xdr_put_u%d_array(e, (const uint%d_t *)%s, %s)", w * 8, w * 8, vals, len);
		} else {
			const char *i = cg_open_loop(g, len);
			cg_value_op(g, ENCODE, &d->type, element(g, vals, i));
			cg_close_loop(g);
		}
	} else {
		if (cg_type_needs_free(&d->type)) {
			const char *i = cg_open_loop(g, len);
			cg_value_op(g, FREE, &d->type, element(g, vals, i));
			cg_close_loop(g);
		}
		cg_line(g, "free(%s);", vals);
	}
}

static void optional_op(cg *g, op o, const decl *d, const char *x)
{
	const char *p = cg_val(g, x);
	if (o == ENCODE) {
		cg_check(g, "onc_xdr_put_bool(e, %s != NULL)", p);
		cg_line(g, "if (%s) {", p);
		g->indent++;
		cg_value_op(g, ENCODE, &d->type, cg_deref(g, x));
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
		cg_value_op(g, DECODE, &d->type, cg_deref(g, x));
		cg_close_block(g);
		cg_close_block(g);
	} else {
		cg_line(g, "if (%s) {", p);
		g->indent++;
		cg_value_op(g, FREE, &d->type, cg_deref(g, x));
		cg_line(g, "free(%s);", p);
		cg_close_block(g);
	}
}

void cg_decl_op(cg *g, op o, const decl *d, const char *x)
{
	if (o == FREE && !decl_needs_free(d))
		return;
	switch (d->kind) {
	case DECL_VOID:
		break;
	case DECL_PLAIN:
		cg_value_op(g, o, &d->type, x);
		break;
	case DECL_OPTIONAL:
		optional_op(g, o, d, x);
		break;
	case DECL_FIXED:
		fixed_array_op(g, o, d, x);
		break;
	case DECL_VAR:
		var_array_op(g, o, d, x);
		break;
	}
}

