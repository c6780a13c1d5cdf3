/* onc gen — the syntax tree of an RPC-language file, plus what the checks work out about it. */
#ifndef ONC_COMPILER_AST_H
#define ONC_COMPILER_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

typedef enum type_kind {
	TYPE_INT,    /* also rpcgen's long, short, char */
	TYPE_UINT,   /* also u_int, u_long, u_short, u_char */
	TYPE_HYPER,
	TYPE_UHYPER,
	TYPE_FLOAT,
	TYPE_DOUBLE,
	TYPE_QUAD,
	TYPE_BOOL,
	TYPE_STRING,
	TYPE_OPAQUE,
	TYPE_VOID,
	TYPE_NAMED,
} type_kind;

struct definition;

typedef struct type_ref {
	type_kind kind;
	const char *name;       /* TYPE_NAMED; for rpcgen's names (u_int, char...) the name used */
	bool keyword;           /* written `struct X`, `union X` or `enum X` */
	struct definition *def; /* TYPE_NAMED, set by the checks; NULL for an external type */
	loc where;
} type_ref;

/* A constant as written: a number or the name of a constant or enum member. */
typedef struct value {
	const char *text; /* as written, for the generated code */
	const char *name; /* NULL for a number */
	int64_t number;   /* valid when known */
	bool known;
	loc where;
} value;

typedef enum decl_kind {
	DECL_PLAIN,    /* T x */
	DECL_FIXED,    /* T x[N] */
	DECL_VAR,      /* T x<N> or T x<> */
	DECL_OPTIONAL, /* T *x */
	DECL_VOID,     /* void (a union arm or an argument list) */
} decl_kind;

typedef struct decl {
	struct decl *next;
	const char *name;
	type_ref type;
	decl_kind kind;
	bool bounded; /* DECL_VAR: a maximum was given */
	value size;   /* DECL_FIXED, bounded DECL_VAR */
	loc where;
	const char *doc; /* the comment beside it in the .x file, markers taken off; NULL for none */
} decl;

typedef struct enum_member {
	struct enum_member *next;
	const char *name;
	bool has_value;
	value val; /* as written; val.number is the effective value when val.known */
	loc where;
	const char *doc;
} enum_member;

typedef struct case_label {
	struct case_label *next;
	value val;
} case_label;

typedef struct union_arm {
	struct union_arm *next;
	case_label *labels; /* NULL for the default arm */
	decl arm;
	loc where;
} union_arm;

typedef struct procedure {
	struct procedure *next;
	const char *name;
	type_ref result; /* TYPE_VOID for void */
	type_ref *args;  /* none for (void) */
	int nargs;
	value number;
	loc where;
	const char *doc;
	/* How the arguments and the result are coded (plan.h), once the plan is built. */
	const struct plan_value **arg_plans;
	const struct plan_value *result_plan;
} procedure;

typedef struct version {
	struct version *next;
	const char *name;
	procedure *procs;
	value number;
	loc where;
	const char *doc;
	const char *c_prefix; /* before the names of its C functions (onc gen --prefix) or NULL */
} version;

typedef enum def_kind {
	DEF_CONST,
	DEF_ENUM,
	DEF_STRUCT,
	DEF_UNION,
	DEF_TYPEDEF,
	DEF_PROGRAM,
	DEF_PASSTHROUGH,
} def_kind;

typedef struct definition {
	struct definition *next;
	def_kind kind;
	const char *name; /* DEF_PASSTHROUGH: the line's text */
	loc where;
	const char *doc;  /* the comment above it (or after it on its last line) */

	value const_value;   /* DEF_CONST */
	enum_member *members; /* DEF_ENUM */
	decl *fields;        /* DEF_STRUCT */
	decl discriminant;   /* DEF_UNION */
	union_arm *arms;     /* DEF_UNION, the default arm (if any) among them */
	decl target;         /* DEF_TYPEDEF: the declaration after `typedef` */
	version *versions;   /* DEF_PROGRAM */
	value number;        /* DEF_PROGRAM */

	bool builtin; /* supplied by the compiler (netobj): its codec goes in the header */
	const char *macro; /* DEF_PASSTHROUGH of `#define NAME ...`: NAME */
	value macro_value; /* and what follows NAME; known when the checks worked its number out */

	/* Set by the checks, for types. */
	bool recursive;     /* can contain itself (through a pointer or variable array) */
	decl *list_link;    /* DEF_STRUCT: last field that points to the next node of a list */
	const type_ref *base; /* DEF_TYPEDEF of a plain declaration: what type_base() gives */
	int visit;          /* scratch for graph walks */
	struct plan_type *plan; /* how it is coded (plan.h), once the plan is built */
} definition;

typedef struct spec {
	definition *defs;
} spec;

/* True for definitions that are types (and get codecs). */
bool def_is_type(const definition *d);
/* Follows typedefs of plain declarations (`typedef T name;`) to the type they stand for; in
 * one step once the checks have set the typedefs' bases. */
const type_ref *type_base(const type_ref *t);

struct pool;
/* Puts prefix before the name of every type of a checked file (onc gen --prefix): its C
 * types and codecs are then the prefix's, for a library that holds a private copy of a
 * protocol (libonc's rpcbind: onc__). The C functions of its versions (stubs, handlers,
 * dispatchers) take it too; constants, enum members and the macros of programs and
 * procedures keep their names. Before the plan is built. */
void ast_prefix_types(spec *s, const char *prefix, struct pool *p);

#endif
