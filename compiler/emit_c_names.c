#include <ctype.h>
#include <string.h>

#include "emit_c.h"
#include "plan.h"

const char *c_type(pool *p, const type_ref *t)
{
	switch (t->kind) {
	case TYPE_STRING:
		return "char *";
	case TYPE_OPAQUE:
		return "uint8_t";
	case TYPE_VOID:
		return "void";
	case TYPE_NAMED:
		return t->def ? t->name : pool_printf(p, "struct %s", t->name);
	default:
		return plan_scalars[t->kind].c_type; /* ORDER SCALAR */
	}
}

const char *c_decl(pool *p, const decl *d, int indent)
{
	const char *tabs = "\t\t\t\t\t\t\t\t";
	if (indent > 7)
		indent = 7;
	switch (d->kind) {
	case DECL_VOID:
		return "void";
	case DECL_PLAIN:
		return pool_printf(p, "%s %s", c_type(p, &d->type), d->name);
	case DECL_OPTIONAL:
		return pool_printf(p, "%s *%s", c_type(p, &d->type), d->name);
	case DECL_FIXED:
		return pool_printf(p, "%s %s[%s]", c_type(p, &d->type), d->name, d->size.text);
	case DECL_VAR:
		if (d->type.kind == TYPE_STRING)
			return pool_printf(p, "char *%s", d->name);
		return pool_printf(p, "struct {\n%.*suint32_t %s_len;\n%.*s%s *%s_val;\n%.*s} %s",
				   indent + 1, tabs, d->name, indent + 1, tabs, c_type(p, &d->type),
				   d->name, indent, tabs, d->name);
	}
	return "";
}

const char *c_union_member(pool *p, const definition *u)
{
	return pool_printf(p, "%s_u", u->name);
}

bool c_arg_by_value(const type_ref *t)
{
	scalar sc;
	return type_base(t)->kind == TYPE_STRING || (plan_scalar(t, &sc) && sc != SC_QUAD);
}

const char *c_arg_decl(pool *p, const type_ref *t, const char *name)
{
	if (t->kind == TYPE_STRING)
		return pool_printf(p, "const char *%s", name);
	if (c_arg_by_value(t))
		return pool_printf(p, "%s %s", c_type(p, t), name);
	return pool_printf(p, "const %s *%s", c_type(p, t), name);
}

const char *c_local_decl(pool *p, const type_ref *t, const char *name)
{
	return t->kind == TYPE_STRING ? pool_printf(p, "char *%s", name)
				      : pool_printf(p, "%s %s", c_type(p, t), name);
}

const char *c_arg_name(pool *p, const procedure *proc, int i)
{
	return proc->nargs == 1 ? "arg" : pool_printf(p, "arg%d", i + 1);
}

static char *lower(pool *p, const char *s)
{
	char *r = pool_strdup(p, s);
	for (char *c = r; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return r;
}

static const char *c_version_suffix(pool *p, const version *v)
{
	return v->number.known ? pool_printf(p, "%lld", (long long)v->number.number) : v->number.text;
}

const char *c_proc_name(pool *p, const procedure *proc, const version *v)
{
	return pool_printf(p, "%s%s_%s", v->c_prefix ? v->c_prefix : "", lower(p, proc->name),
			   c_version_suffix(p, v));
}

const char *c_version_name(pool *p, const definition *prog, const version *v)
{
	return pool_printf(p, "%s%s_%s", v->c_prefix ? v->c_prefix : "", lower(p, prog->name),
			   c_version_suffix(p, v));
}

const char *c_client_params(pool *p, const procedure *proc)
{
	const char *r = "onc_client *c";
	for (int i = 0; i < proc->nargs; i++)
		r = pool_printf(p, "%s, %s", r, c_arg_decl(p, &proc->args[i], c_arg_name(p, proc, i)));
	if (proc->result.kind != TYPE_VOID)
		r = pool_printf(p, "%s, %s", r, c_local_decl(p, &proc->result, "*result"));
	return r;
}

const char *c_send_params(pool *p, const procedure *proc)
{
	const char *r = "onc_client *c, onc_request *r";
	for (int i = 0; i < proc->nargs; i++)
		r = pool_printf(p, "%s, %s", r, c_arg_decl(p, &proc->args[i], c_arg_name(p, proc, i)));
	return r;
}

const char *c_receive_params(pool *p, const procedure *proc)
{
	if (proc->result.kind == TYPE_VOID)
		return "onc_request *r";
	return pool_printf(p, "onc_request *r, %s", c_local_decl(p, &proc->result, "*result"));
}

const char *c_svc_params(pool *p, const procedure *proc)
{
	const char *r = "";
	for (int i = 0; i < proc->nargs; i++)
		r = pool_printf(p, "%s%s, ", r, c_arg_decl(p, &proc->args[i], c_arg_name(p, proc, i)));
	if (proc->result.kind != TYPE_VOID)
		r = pool_printf(p, "%s%s, ", r, c_local_decl(p, &proc->result, "*result"));
	return pool_printf(p, "%sonc_call *call, void *ctx", r);
}

const char *c_reply_params(pool *p, const procedure *proc)
{
	if (proc->result.kind == TYPE_VOID)
		return "onc_deferred *d";
	return pool_printf(p, "onc_deferred *d, const %s", c_local_decl(p, &proc->result, "*result"));
}

const char *c_arg_pass(pool *p, const type_ref *t, const char *name)
{
	return c_arg_by_value(t) ? name : pool_printf(p, "&%s", name);
}

void c_comment(strbuf *out, int indent, const char *doc)
{
	if (!doc)
		return;
	const char *tabs = "\t\t\t\t\t\t\t\t";
	indent = indent > 8 ? 8 : indent;
	bool one_line = !strchr(doc, '\n');
	strbuf_printf(out, "%.*s/*%s", indent, tabs, one_line ? " " : "\n");
	for (const char *s = doc; *s;) {
		size_t n = strcspn(s, "\n");
		if (!one_line)
			strbuf_printf(out, "%.*s *%s", indent, tabs, n ? " " : "");
		for (size_t i = 0; i < n; i++) {
			/* what would end or nest the comment */
			bool split = i + 1 < n && ((s[i] == '*' && s[i + 1] == '/') || (s[i] == '/' && s[i + 1] == '*'));
			strbuf_putn(out, s + i, 1);
			if (split)
				strbuf_puts(out, " ");
		}
		strbuf_puts(out, one_line ? " */\n" : "\n");
		s += n + (s[n] == '\n');
	}
	if (!one_line)
		strbuf_printf(out, "%.*s */\n", indent, tabs);
}
