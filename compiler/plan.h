/* onc gen — the codec plan: how every type of a checked file goes on the wire, worked out once
 * from the syntax tree and printed by each emitter (C, Python). It is also what a codec that
 * walks values at run time follows: each node says what to read or write next, with its
 * bounds, and its sizes where they are known.
 *
 * A type's plan is one of four shapes (plan_type): a struct (a list of steps; a run of
 * consecutive fixed-size scalars is one step, so that its space is checked once), a list (a
 * struct whose last member points to the next node: walked in a loop, not by recursion), a
 * union (the discriminant, then the arm its value selects) or a typedef (one value). Enums are
 * coded as scalars (SC_ENUM), checked against their members. Each value (plan_value) is a
 * scalar, a string, an opaque, an array, optional data, or a call to a named type's codec.
 *
 * Sizes are bytes on the wire. The plan lives in the run's pool and points into the syntax
 * tree (names, bounds as written, case labels), which it does not change. */
#ifndef ONC_COMPILER_PLAN_H
#define ONC_COMPILER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "pool.h"

/* ORDER SCALAR: the scalar kinds, one row each in plan_scalars. */
typedef enum scalar {
	SC_INT,
	SC_UINT,
	SC_HYPER,
	SC_UHYPER,
	SC_FLOAT,
	SC_DOUBLE,
	SC_QUAD,
	SC_BOOL,
	SC_ENUM, /* 4 bytes, a member of its enum */
	SC_COUNT,
} scalar;

/* What each scalar is on the wire and what each language's runtime calls it. */
typedef struct scalar_info {
	const char *name;    /* in the RPC language */
	int size;            /* bytes on the wire */
	bool run;            /* may be part of a run (no check beyond its enum's) */
	const char *c_type;  /* NULL for SC_ENUM: the enum's own name */
	const char *c_codec; /* onc_xdr_put_<c_codec>() and onc_xdr_get_<c_codec>() */
	bool c_by_address;   /* the put function takes a pointer */
	int c_unchecked;     /* coded by onc_xdr_put_u<8 * c_unchecked>_unchecked(); 0: not */
	int c_bulk;          /* arrays coded by onc_xdr_put_u<8 * c_bulk>_array(); 0: not */
	const char *py_codec; /* Packer.pack_<py_codec>(), Unpacker.unpack_<py_codec>() */
	const char *py_bulk;  /* the Python runtime's bulk array kind; NULL: none */
	char py_struct;       /* the struct module's code, for runs; 0: the runtime cannot */
} scalar_info;

extern const scalar_info plan_scalars[SC_COUNT];

/* Encoded sizes. */
typedef struct plan_size {
	int64_t fixed; /* the size when every value has it, else -1 */
	int64_t min;   /* the smallest: what the data left must hold before a count is believed */
	int64_t max;   /* the largest, -1 when there is none (unbounded, recursive or huge) */
} plan_size;

typedef enum plan_kind {
	PLAN_VOID,     /* nothing (a void union arm) */
	PLAN_SCALAR,   /* one scalar */
	PLAN_STRING,   /* a length, the bytes, padding to 4 */
	PLAN_OPAQUE,   /* fixed: `bound` bytes and padding; else a length, the bytes, padding */
	PLAN_ARRAY,    /* fixed: `bound` elements; else a count, then the elements */
	PLAN_OPTIONAL, /* a bool, then the element when it is true */
	PLAN_CALL,     /* a struct, union or typedef of anything but a plain value: its codec */
} plan_kind;

struct plan_type;

typedef struct plan_value {
	plan_kind kind;
	const decl *d;          /* the declaration it codes; NULL for elements and procedures */
	scalar sc;              /* PLAN_SCALAR */
	const definition *en;   /* SC_ENUM: the enum */
	const char *name;       /* PLAN_CALL: the type whose codec it calls */
	const struct plan_type *type; /* PLAN_CALL: its plan; NULL for an external type */
	bool fixed;             /* PLAN_OPAQUE, PLAN_ARRAY: fixed length */
	const value *bound;     /* the length of a fixed one, else the maximum as written; NULL
				 * when there is none (UINT32_MAX) */
	const struct plan_value *elem; /* PLAN_ARRAY, PLAN_OPTIONAL: one element */
	bool allocates;         /* decoding allocates (strings, arrays, optional data) */
	plan_size size;
} plan_value;

/* One fixed-size scalar of a run: a struct member, or a member of a small struct member
 * written out in place (`inner`). */
typedef struct plan_leaf {
	const decl *member;
	const decl *inner; /* NULL when the member is the scalar itself */
	const plan_value *value;
} plan_leaf;

/* One step of a struct: a member, or a run of consecutive members whose leaves are all
 * fixed-size scalars (a run may have one leaf). */
typedef struct plan_step {
	const decl *member;      /* NULL for a run */
	const plan_value *value; /* a member's coding */
	plan_leaf *leaves;       /* a run's leaves, in wire order */
	size_t nleaves;
	int64_t bytes; /* a run's size */
} plan_step;

typedef struct plan_arm {
	const union_arm *arm; /* its case labels (none for default) and declaration */
	const plan_value *value;
} plan_arm;

typedef enum plan_shape {
	SHAPE_ENUM,
	SHAPE_STRUCT,
	SHAPE_LIST,
	SHAPE_UNION,
	SHAPE_TYPEDEF,
} plan_shape;

typedef struct plan_type {
	const definition *def;
	plan_shape shape;
	plan_step *steps; /* SHAPE_STRUCT; SHAPE_LIST: the members before the link */
	size_t nsteps;
	const decl *link;         /* SHAPE_LIST: the member pointing to the next node */
	const plan_value *disc;   /* SHAPE_UNION: the discriminant */
	plan_arm *arms;           /* SHAPE_UNION: in file order, the default among them */
	size_t narms;
	bool has_default;         /* SHAPE_UNION */
	const plan_value *target; /* SHAPE_TYPEDEF */
	plan_size size;
	bool allocates; /* decoding allocates: the type has a free function */
	bool recursive; /* can contain itself: decoding counts depth */
} plan_type;

typedef struct plan {
	const spec *spec;
	/* Every definition, in the order a C header declares them: the file's, except that a type
	 * comes after the types it needs complete (held by value) or declared (typedefs and enums
	 * have no forward declaration). */
	const definition **c_order;
	size_t ndefs;
} plan;

/* Lowers every type and procedure of a checked file (check_spec succeeded) into plans:
 * def->plan, proc->arg_plans and proc->result_plan. */
void plan_build(plan *pl, spec *s, pool *p);

/* The list a value is, through typedefs: the plan of the SHAPE_LIST type v calls, else NULL.
 * Optional data of such a value is the same list, empty when the pointer is NULL: the
 * languages that show lists as arrays (onc call's JSON, Python) ask this of a PLAN_OPTIONAL's
 * element. */
const plan_type *plan_list_of(const plan_value *v);

/* The scalar a type stands for (through typedefs of plain declarations): an RPC-language
 * scalar or an enum. False for the others. */
bool plan_scalar(const type_ref *t, scalar *sc);

/* Each language codes a run as chunks: the leaves from `from` on that it can code with one
 * space check (`ok` says which, from plan_scalars), whose end this returns and whose size goes
 * to *bytes. A chunk of fewer than two leaves is coded leaf by leaf. */
size_t plan_chunk(const plan_step *run, size_t from, bool (*ok)(scalar sc), int64_t *bytes);

#endif
