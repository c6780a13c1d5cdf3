/* onc gen — generating C statements that encode, decode and free values; shared by the XDR,
 * client and server emitters. */
#ifndef ONC_COMPILER_EMIT_C_CODE_H
#define ONC_COMPILER_EMIT_C_CODE_H

#include "emit_c.h"
#include "plan.h"

/* Code generation state for one function. Generated code names: e (encoder), d (decoder),
 * v (the value), s (status), node (list walking), i<N>/n<N> (loop counters and counts). */
typedef struct cg {
	strbuf *out;
	pool *pool;
	int indent;
	int loop;             /* nesting of generated loops, for unique counter names */
	bool cleanup;         /* decoding: failures go to `out`, which frees what was decoded */
	const char *on_error; /* when set, what a failed step does instead ("return X;") */
	/* The last check, held back: when a function ends right after it, it becomes the return
	 * value or the last assignment to s, not a test followed by the same thing. */
	const char *pending;
	int pending_indent;
	int gotos;   /* `goto out` written in this function: no label without one */
	bool uses_s; /* the status variable is used: no declaration without a use */
} cg;

typedef enum op { ENCODE, DECODE, FREE } op;

const char *cg_str(cg *g, const char *f, ...) __attribute__((format(printf, 2, 3)));
/* One line at the current indentation. */
void cg_line(cg *g, const char *f, ...) __attribute__((format(printf, 2, 3)));
void cg_close_block(cg *g);
/* if ((s = <call>) != ONC_OK) <fail>, or with on_error: if (<call> != ONC_OK) <on_error> */
void cg_check(cg *g, const char *f, ...) __attribute__((format(printf, 2, 3)));
void cg_fail(cg *g, const char *status);
/* Starts a function's body: nothing held back, no goto, s not used. */
void cg_begin(cg *g);
/* Ends a function without cleanup: return <value>;, or the last check's call when it is the
 * last statement and value is ONC_OK. */
void cg_return(cg *g, const char *value);
/* Ends the steps of a function with cleanup: the `out` label (when anything goes there),
 * reached with s set by the last check directly when it is the last statement. */
void cg_out(cg *g);
void cg_fail_if(cg *g, const char *cond, const char *status);
const char *cg_open_loop(cg *g, const char *count);
void cg_close_loop(cg *g);

/* Values are lvalue texts; "(*p)" stands for what p points to. */
const char *cg_member(cg *g, const char *x, const char *name);
const char *cg_addr(cg *g, const char *x);
const char *cg_val(cg *g, const char *x);
const char *cg_deref(cg *g, const char *x);

/* Encodes, decodes or frees the value x as its plan says. */
void cg_value_op(cg *g, op o, const plan_value *v, const char *x);

#endif
