#include <ctype.h>
#include <string.h>

#include "emit_c.h"
#include "table.h"

static void emit_enum(strbuf *out, const definition *def)
{
	strbuf_printf(out, "enum %s {\n", def->name);
	for (const enum_member *m = def->members; m; m = m->next) {
		c_comment(out, 1, m->doc);
		if (m->has_value)
			strbuf_printf(out, "\t%s = %s,\n", m->name, m->val.text);
		else
			strbuf_printf(out, "\t%s,\n", m->name);
	}
	strbuf_printf(out, "};\ntypedef enum %s %s;\n", def->name, def->name);
}

static void emit_struct(strbuf *out, pool *p, const definition *def)
{
	strbuf_printf(out, "struct %s {\n", def->name);
	for (const decl *f = def->fields; f; f = f->next) {
		c_comment(out, 1, f->doc);
		strbuf_printf(out, "\t%s;\n", c_decl(p, f, 1));
	}
	strbuf_puts(out, "};\n");
}

/* A union is a struct of the discriminant and a C union of the arms, as rpcgen makes it. */
static void emit_union(strbuf *out, pool *p, const definition *def)
{
	strbuf_printf(out, "struct %s {\n\t%s;\n", def->name, c_decl(p, &def->discriminant, 1));
	bool any = false;
	for (const union_arm *a = def->arms; a; a = a->next)
		any |= a->arm.kind != DECL_VOID;
	if (any) {
		strbuf_puts(out, "\tunion {\n");
		for (const union_arm *a = def->arms; a; a = a->next)
			if (a->arm.kind != DECL_VOID) {
				c_comment(out, 2, a->arm.doc);
				strbuf_printf(out, "\t\t%s;\n", c_decl(p, &a->arm, 2));
			}
		strbuf_printf(out, "\t} %s;\n", c_union_member(p, def));
	}
	strbuf_puts(out, "};\n");
}

static void emit_prototypes(strbuf *out, const definition *def)
{
	const char *n = def->name;
	strbuf_printf(out, "onc_status %s_encode(onc_xdr_enc *e, const %s *v);\n", n, n);
	strbuf_printf(out, "onc_status %s_decode(onc_xdr_dec *d, %s *v);\n", n, n);
	if (def->plan->allocates)
		strbuf_printf(out, "void %s_free(%s *v);\n", n, n);
	else
		strbuf_printf(out, "static inline void %s_free(%s *v)\n{\n\t(void)v;\n}\n", n, n);
	if (def->plan->size.fixed >= 0)
		strbuf_printf(out, "#define %s_SIZE %lldu /* encoded size in bytes */\n", n,
			      (long long)def->plan->size.fixed);
	if (def->plan->size.max >= 0)
		strbuf_printf(out, "#define %s_MAXSIZE %lldu /* largest encoded size in bytes */\n", n,
			      (long long)def->plan->size.max);
}

/* The type of a procedure's result (i < 0) or i-th argument. */
static const type_ref *proc_type(const procedure *proc, int i)
{
	return i < 0 ? &proc->result : &proc->args[i];
}

static bool is_external(const type_ref *t)
{
	return t->kind == TYPE_NAMED && !t->def;
}

/* Codec prototypes for types procedures name with `struct X` but the file does not define
 * (rpcb_prot.x's struct netbuf): the programmer supplies them. Each is declared once. */
static void emit_external_codecs(strbuf *out, pool *p, const definition *prog)
{
	table seen = { 0 };
	for (const version *v = prog->versions; v; v = v->next)
		for (const procedure *proc = v->procs; proc; proc = proc->next)
			for (int i = -1; i < proc->nargs; i++) {
				const type_ref *t = proc_type(proc, i);
				if (!is_external(t) || table_add(&seen, t->name, (void *)t))
					continue;
				const char *ct = c_type(p, t);
				strbuf_printf(out,
					      "/* %s is not defined here: its codec comes from elsewhere. */\n"
					      "onc_status %s_encode(onc_xdr_enc *e, const %s *v);\n"
					      "onc_status %s_decode(onc_xdr_dec *d, %s *v);\n"
					      "void %s_free(%s *v);\n",
					      ct, t->name, ct, t->name, ct, t->name, ct);
			}
	table_free(&seen);
}

static void emit_program(strbuf *out, pool *p, const definition *def)
{
	strbuf_printf(out, "#define %s %s\n", def->name, def->number.text);
	/* Procedure numbers are defined once even when several versions share a procedure. */
	table seen = { 0 };
	for (const version *v = def->versions; v; v = v->next) {
		c_comment(out, 0, v->doc);
		strbuf_printf(out, "#define %s %s\n", v->name, v->number.text);
		for (const procedure *proc = v->procs; proc; proc = proc->next)
			if (!table_add(&seen, proc->name, (void *)proc)) {
				c_comment(out, 0, proc->doc);
				strbuf_printf(out, "#define %s %s\n", proc->name, proc->number.text);
			}
	}
	table_free(&seen);
	emit_external_codecs(out, p, def);
	for (const version *v = def->versions; v; v = v->next) {
		strbuf_printf(out,
			      "\n/* %s: the client stubs (results in caller storage, malloc'd parts freed\n"
			      " * with T_free()), each also with per-call options (_opts: timeout, an arena\n"
			      " * for the results' parts, error detail) and in two halves for asynchronous\n"
			      " * calls (_send starts the call, kept by the caller's onc_request; _receive\n"
			      " * waits for its answer); each calls the version in its name over the client's\n"
			      " * connection, whatever version the client was made for;\n"
			      " * the procedures a server implements (call->arena holds the\n"
			      " * arguments and is where results' parts go; a status other than ONC_OK picks an\n"
			      " * error reply, see onc_call_fail); the replies of calls deferred with\n"
			      " * onc_call_defer(); the version's dispatcher, and its registration with a\n"
			      " * server, whose ctx is passed to each procedure (a server that wraps the\n"
			      " * dispatcher registers its own function and calls it from there). */\n",
			      v->name);
		for (const procedure *proc = v->procs; proc; proc = proc->next) {
			const char *name = c_proc_name(p, proc, v);
			strbuf_printf(out, "onc_status %s(%s);\n", name, c_client_params(p, proc));
			strbuf_printf(out, "onc_status %s_opts(%s, const onc_call_opts *opts);\n", name,
				      c_client_params(p, proc));
			strbuf_printf(out, "onc_status %s_send(%s);\n", name, c_send_params(p, proc));
			strbuf_printf(out, "onc_status %s_receive(%s);\n", name,
				      c_receive_params(p, proc));
		}
		for (const procedure *proc = v->procs; proc; proc = proc->next)
			strbuf_printf(out, "onc_status %s_svc(%s);\n", c_proc_name(p, proc, v),
				      c_svc_params(p, proc));
		for (const procedure *proc = v->procs; proc; proc = proc->next)
			strbuf_printf(out, "onc_status %s_reply(%s);\n", c_proc_name(p, proc, v),
				      c_reply_params(p, proc));
		strbuf_printf(out, "onc_accept_stat %s_dispatch(onc_call *call, void *ctx);\n",
			      c_version_name(p, def, v));
		strbuf_printf(out, "onc_status %s_register(onc_server *srv, void *ctx);\n",
			      c_version_name(p, def, v));
	}
}

/* Types rpcgen takes from libtirpc, laid out as libtirpc does (so that both can be included),
 * with inline codecs so that no two generated files define the same function. */
static const struct {
	const char *name;
	const char *text;
} builtin_types[] = {
	{ "netobj",
	  "#ifndef _TIRPC_XDR_H /* <rpc/xdr.h> defines the same struct */\n"
	  "struct netobj {\n\tuint32_t n_len;\n\tchar *n_bytes;\n};\n"
	  "typedef struct netobj netobj;\n"
	  "#endif\n"
	  "static inline void netobj_free(netobj *v)\n{\n\tfree(v->n_bytes);\n\tmemset(v, 0, sizeof *v);\n}\n"
	  "static inline onc_status netobj_encode(onc_xdr_enc *e, const netobj *v)\n{\n"
	  "\treturn onc_xdr_put_opaque(e, v->n_bytes, v->n_len, 1024);\n}\n"
	  "static inline onc_status netobj_decode(onc_xdr_dec *d, netobj *v)\n{\n"
	  "\tuint8_t *bytes = NULL;\n"
	  "\tonc_status s = onc_xdr_get_opaque(d, &bytes, &v->n_len, 1024);\n"
	  "\tv->n_bytes = (char *)bytes;\n"
	  "\treturn s;\n}\n"
	  "#define netobj_MAXSIZE 1028u\n" },
	{ "des_block",
	  "#ifndef _TIRPC_AUTH_H /* <rpc/auth.h> defines the same union */\n"
	  "union des_block {\n\tstruct {\n\t\tuint32_t high;\n\t\tuint32_t low;\n\t} key;\n\tchar c[8];\n};\n"
	  "typedef union des_block des_block;\n"
	  "#endif\n"
	  "static inline void des_block_free(des_block *v)\n{\n\t(void)v;\n}\n"
	  "static inline onc_status des_block_encode(onc_xdr_enc *e, const des_block *v)\n{\n"
	  "\treturn onc_xdr_put_opaque_fixed(e, v->c, 8);\n}\n"
	  "static inline onc_status des_block_decode(onc_xdr_dec *d, des_block *v)\n{\n"
	  "\treturn onc_xdr_get_opaque_fixed(d, v->c, 8);\n}\n"
	  "#define des_block_SIZE 8u\n"
	  "#define des_block_MAXSIZE 8u\n" },
};

/* What rpcgen's output gets from libtirpc's headers, defined once whichever generated
 * headers are included. */
static void emit_builtin(strbuf *out, pool *p, const definition *def)
{
	if (def->kind == DEF_CONST) {
		strbuf_printf(out, "#ifndef %s\n#define %s %s\n#endif\n\n", def->name, def->name,
			      def->const_value.text);
		return;
	}
	char *guard = pool_printf(p, "ONC_BUILTIN_%s", def->name);
	for (char *c = guard; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	strbuf_printf(out, "#ifndef %s\n#define %s\n#include <stdlib.h>\n", guard, guard);
	for (size_t i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++)
		if (strcmp(def->name, builtin_types[i].name) == 0)
			strbuf_puts(out, builtin_types[i].text);
	strbuf_printf(out, "#endif\n\n");
}

void emit_c_header(strbuf *out, pool *p, const plan *pl, const char *base, const char *source)
{
	const spec *s = pl->spec;
	char *guard = pool_printf(p, "%s_H_ONC", base);
	for (char *c = guard; *c; c++)
		*c = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
	strbuf_printf(out, "/* Generated by onc gen from %s; do not edit. */\n", source);
	bool programs = false;
	for (const definition *def = s->defs; def; def = def->next)
		programs |= def->kind == DEF_PROGRAM;
	/* programs' dispatchers return an onc_accept_stat */
	strbuf_printf(out, "#ifndef %s\n#define %s\n\n#include <onc/%s.h>\n\n", guard, guard,
		      programs ? "rpc" : "xdr");
	strbuf_puts(out, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	strbuf_puts(out,
		    "/* For every type T: T_encode() appends it to an encoder; T_decode() reads it,\n"
		    " * allocating strings, arrays and optional data from the decoder's arena (or with\n"
		    " * malloc when the decoder has none: then T_free() releases them, and a failed\n"
		    " * T_decode() has already released them); T_SIZE is the encoded size when it is\n"
		    " * fixed, T_MAXSIZE the largest when there is one (a buffer that size always holds\n"
		    " * a T). */\n\n");
	bool any = false;
	for (const definition *def = s->defs; def; def = def->next)
		if (def->kind == DEF_STRUCT || def->kind == DEF_UNION) {
			strbuf_printf(out, "typedef struct %s %s;\n", def->name, def->name);
			any = true;
		}
	if (programs)
		strbuf_puts(out, "typedef struct onc_client onc_client; /* <onc/client.h> */\n"
				 "typedef struct onc_server onc_server; /* <onc/server.h> */\n"
				 "typedef struct onc_request onc_request;\n"
				 "typedef struct onc_call_opts onc_call_opts;\n"
				 "typedef struct onc_call onc_call;\n"
				 "typedef struct onc_deferred onc_deferred;\n");
	if (any || programs)
		strbuf_puts(out, "\n");
	for (size_t i = 0; i < pl->ndefs; i++) {
		const definition *def = pl->c_order[i];
		if (def->builtin) {
			emit_builtin(out, p, def);
			continue;
		}
		c_comment(out, 0, def->doc);
		switch (def->kind) {
		case DEF_PASSTHROUGH:
			strbuf_printf(out, "%s\n", def->name);
			continue;
		case DEF_CONST:
			strbuf_printf(out, def->const_value.text[0] == '-' ? "#define %s (%s)\n" : "#define %s %s\n",
				      def->name, def->const_value.text);
			continue;
		case DEF_PROGRAM:
			emit_program(out, p, def);
			break;
		case DEF_ENUM:
			emit_enum(out, def);
			break;
		case DEF_STRUCT:
			emit_struct(out, p, def);
			break;
		case DEF_UNION:
			emit_union(out, p, def);
			break;
		case DEF_TYPEDEF:
			strbuf_printf(out, "typedef %s;\n", c_decl(p, &def->target, 0));
			break;
		}
		if (def_is_type(def))
			emit_prototypes(out, def);
		strbuf_puts(out, "\n");
	}
	strbuf_printf(out, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}
