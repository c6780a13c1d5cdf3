/* onc gen — the C emitter: `<base>.h` (types, constants, prototypes) and `<base>_xdr.c`
 * (encode, decode and free functions for every type). */
#ifndef ONC_COMPILER_EMIT_C_H
#define ONC_COMPILER_EMIT_C_H

#include "ast.h"
#include "plan.h"
#include "pool.h"
#include "strbuf.h"

/* `base` names the outputs ("calc" for calc.h and calc_xdr.c); `source` is the .x file. */
void emit_c_header(strbuf *out, pool *p, const plan *pl, const char *base, const char *source);
void emit_c_xdr(strbuf *out, pool *p, const plan *pl, const char *base, const char *source);
/* <base>_client.c: one function per procedure and version (onc/client.h). */
void emit_c_client(strbuf *out, pool *p, const plan *pl, const char *base, const char *source);
/* <base>_server.c: a dispatcher per program version and its registration (onc/server.h). */
void emit_c_server(strbuf *out, pool *p, const plan *pl, const char *base, const char *source);
/* --sample: <base>_server_sample.c (empty procedures) and <base>_client_sample.c (a main that
 * calls each one). */
void emit_c_server_sample(strbuf *out, pool *p, const plan *pl, const char *base, const char *source);
void emit_c_client_sample(strbuf *out, pool *p, const plan *pl, const char *base, const char *source);

/* Shared by both files (emit_c_names.c). */

/* The C type of one value of t: int32_t, onc_quad, intpair, struct netbuf, ... */
const char *c_type(pool *p, const type_ref *t);
/* A declaration as it appears in a struct or typedef, without the `;`; indent is the number
 * of tabs before it, for the members of an inline struct. */
const char *c_decl(pool *p, const decl *d, int indent);
/* A comment of the .x file as a C comment on lines of its own, `indent` tabs in (nothing for
 * NULL). */
void c_comment(strbuf *out, int indent, const char *doc);
/* The name of the union member holding a union's arms (rpcgen's convention). */
const char *c_union_member(pool *p, const definition *u);

/* Procedures. Arguments are passed by value when scalar (and strings as const char *), else
 * by const pointer; results go to caller storage. */
bool c_arg_by_value(const type_ref *t);
const char *c_arg_decl(pool *p, const type_ref *t, const char *name);
/* A local variable (or, with name "*x", a pointer parameter) of the type. */
const char *c_local_decl(pool *p, const type_ref *t, const char *name);
/* "arg" for a single argument, else "arg1", "arg2"... */
const char *c_arg_name(pool *p, const procedure *proc, int i);
/* How a local holding an argument is passed: "arg" or "&arg". */
const char *c_arg_pass(pool *p, const type_ref *t, const char *name);
/* calc_add_1 for CALC_ADD in version 1; calc_prog_1 for program CALC_PROG version 1. */
const char *c_proc_name(pool *p, const procedure *proc, const version *v);
const char *c_version_name(pool *p, const definition *prog, const version *v);
/* The parameter lists of a client stub and of a server procedure (`..._svc`). */
const char *c_client_params(pool *p, const procedure *proc);
/* The asynchronous stubs' parameters: name_send(c, r, args...), name_receive(r, result). */
const char *c_send_params(pool *p, const procedure *proc);
const char *c_receive_params(pool *p, const procedure *proc);
const char *c_svc_params(pool *p, const procedure *proc);
/* A deferred call's reply function (`..._reply`). */
const char *c_reply_params(pool *p, const procedure *proc);

#endif
