#include "json_codec.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "suggest.h"

/* Values nested deeper than this are refused when decoded: each level costs stack, and a reply
 * can nest a recursive type once per 4 bytes. (jansson refuses JSON deeper than 2048 levels,
 * which bounds encoding.) */
#define MAX_DEPTH 1000

/* One walk: the JSON path to where it is, and the first error. */
typedef struct walk {
	char path[512];
	size_t len;
	char *err;
	size_t cap;
	bool failed;
	unsigned depth;
} walk;

static bool fail(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(walk *w, const char *fmt, ...)
{
	if (w->failed)
		return false;
	w->failed = true;
	int n = snprintf(w->err, w->cap, "%s: ", w->len ? w->path : ".");
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < w->cap)
		vsnprintf(w->err + n, w->cap - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* Appends ".name" or "[i]" to the path (cut short when it is long); returns where to cut it
 * back to. */
static size_t push(walk *w, const char *name, size_t index)
{
	size_t old = w->len, room = sizeof w->path - old;
	int n = name ? snprintf(w->path + old, room, ".%s", name)
		     : snprintf(w->path + old, room, "[%zu]", index);
	if (n > 0 && (size_t)n < room)
		w->len += (size_t)n;
	else
		w->path[old] = '\0';
	return old;
}

static void pop(walk *w, size_t old)
{
	w->len = old;
	w->path[old] = '\0';
}

static const char *json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

static bool expected(walk *w, const char *what, const json_t *j)
{
	return fail(w, "expected %s, got %s", what, json_kind(j));
}

static bool put(walk *w, onc_status s)
{
	return s == ONC_OK || fail(w, "%s", onc_strerror(s));
}

/* The largest count or length a bound allows. */
static uint64_t bound_of(const plan_value *v)
{
	return v->bound ? (uint64_t)v->bound->number : UINT32_MAX;
}

/* ---- strings: UTF-8, with the bytes that are not escaped (json_codec.h) ---------------- */

enum { ESCAPE_BASE = 0xEF80 }; /* U+EF80 + (byte - 0x80) stands for the byte */

/* The length of the valid UTF-8 sequence at s (n bytes left) and its code point; 0 when it is
 * not one (overlong forms, surrogates and values past U+10FFFF are not). */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
				   : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t c = len == 1 ? s[0] : s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static size_t utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | c >> 12); /* escapes only: below U+10000 */
	out[1] = (char)(0x80 | (c >> 6 & 0x3F));
	out[2] = (char)(0x80 | (c & 0x3F));
	return 3;
}

static json_t *string_to_json(const uint8_t *s, size_t n)
{
	char *text = malloc(3 * n + 1); /* an escaped byte is 3 bytes */
	if (!text)
		return NULL;
	size_t len = 0;
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t k = utf8_seq(s + i, n - i, &c);
		if (k && (c < ESCAPE_BASE || c > ESCAPE_BASE + 0x7F)) {
			memcpy(text + len, s + i, k);
			len += k;
			i += k;
		} else {
			len += utf8_put(ESCAPE_BASE + s[i] - 0x80, text + len);
			i++;
		}
	}
	json_t *j = json_stringn(text, len);
	free(text);
	return j;
}

/* The bytes a JSON string (valid UTF-8, jansson checked) stands for, into out (as long). */
static size_t string_from_json(const char *s, size_t n, uint8_t *out)
{
	size_t len = 0;
	for (size_t i = 0; i < n;) {
		uint32_t c = 0;
		size_t k = utf8_seq((const uint8_t *)s + i, n - i, &c);
		if (k == 0) /* not from jansson, which checks: copied byte by byte */
			k = 1;
		if (c >= ESCAPE_BASE && c <= ESCAPE_BASE + 0x7F) {
			out[len++] = (uint8_t)(c - ESCAPE_BASE + 0x80);
		} else {
			memcpy(out + len, s + i, k);
			len += k;
		}
		i += k;
	}
	return len;
}

/* ---- JSON to XDR ------------------------------------------------------------------------ */

static bool enc_value(walk *w, const plan_value *v, const json_t *j, onc_xdr_enc *e);

/* A decimal string, for hypers too large for a JSON integer (jansson's are 64-bit signed):
 * its magnitude and sign. */
static bool decimal(const char *s, uint64_t *mag, bool *negative)
{
	const char *digits = s + (s[0] == '-');
	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return false;
	errno = 0;
	*mag = strtoull(digits, NULL, 10);
	*negative = s[0] == '-' && *mag != 0;
	return errno == 0;
}

static bool enc_integer(walk *w, scalar sc, const json_t *j, onc_xdr_enc *e)
{
	static const struct {
		int64_t min;
		uint64_t max;
	} range[] = {
		[SC_INT] = { INT32_MIN, INT32_MAX },
		[SC_UINT] = { 0, UINT32_MAX },
		[SC_HYPER] = { INT64_MIN, INT64_MAX },
		[SC_UHYPER] = { 0, UINT64_MAX },
	};
	const char *name = plan_scalars[sc].name;
	bool hyper = sc == SC_HYPER || sc == SC_UHYPER;
	uint64_t mag; /* the value's magnitude */
	bool negative;
	const char *text;
	if (json_is_integer(j)) {
		json_int_t n = json_integer_value(j);
		negative = n < 0;
		mag = negative ? -(uint64_t)n : (uint64_t)n;
		text = NULL;
	} else if (hyper && json_is_string(j)) {
		text = json_string_value(j);
		if (!decimal(text, &mag, &negative))
			return fail(w, "\"%s\" is not a decimal integer (%s)", text, name);
	} else {
		return expected(w, hyper ? "an integer or a decimal string" : "an integer", j);
	}
	int64_t min = range[sc].min;
	bool fits = negative ? mag <= (uint64_t)-(min + 1) + 1 && min < 0 : mag <= range[sc].max;
	if (!fits) {
		char shown[32];
		snprintf(shown, sizeof shown, "%s%" PRIu64, negative ? "-" : "", mag);
		return fail(w, "%s is out of range for %s (%" PRId64 " to %" PRIu64 ")", shown,
			    name, min, range[sc].max);
	}
	uint64_t bits = negative ? -mag : mag;
	return put(w, plan_scalars[sc].size == 8 ? onc_xdr_put_u64(e, bits)
						 : onc_xdr_put_u32(e, (uint32_t)bits));
}

/* float and double: a number, or a string for what JSON has no number for. */
static bool enc_real(walk *w, scalar sc, const json_t *j, onc_xdr_enc *e)
{
	bool dbl = sc == SC_DOUBLE;
	double x;
	if (json_is_number(j)) {
		x = json_number_value(j);
		if (!dbl && isfinite(x) && fabs(x) > FLT_MAX)
			return fail(w, "%g is out of range for float", x);
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j);
		size_t digits = dbl ? 16 : 8;
		uint8_t raw[8];
		if (strcmp(s, "NaN") == 0) {
			x = NAN;
		} else if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0) {
			x = s[0] == '-' ? -INFINITY : INFINITY;
		} else if (strncmp(s, "0x", 2) == 0 && strlen(s + 2) == digits &&
			   hex_decode(s + 2, digits, raw)) {
			return put(w, onc_xdr_put_opaque_fixed(e, raw, digits / 2));
		} else {
			return fail(w, "\"%s\" is not a %s (a number, \"NaN\", \"Infinity\", "
				       "\"-Infinity\" or 0x and %zu hex digits)",
				    s, plan_scalars[sc].name, digits);
		}
	} else {
		return expected(w, "a number", j);
	}
	return put(w, dbl ? onc_xdr_put_double(e, x) : onc_xdr_put_float(e, (float)x));
}

static const enum_member *member_named(const definition *en, const char *name)
{
	for (const enum_member *m = en->members; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static const enum_member *member_valued(const definition *en, int64_t n)
{
	for (const enum_member *m = en->members; m; m = m->next)
		if (m->val.known && m->val.number == n)
			return m;
	return NULL;
}

static bool enc_enum(walk *w, const definition *en, const json_t *j, onc_xdr_enc *e)
{
	const enum_member *m;
	if (json_is_string(j)) {
		const char *name = json_string_value(j);
		m = member_named(en, name);
		if (!m) {
			suggestion s = suggest_start(name);
			for (const enum_member *k = en->members; k; k = k->next)
				suggest_consider(&s, k->name);
			char hint[300];
			return fail(w, "'%s' is not a member of enum %s%s", name, en->name,
				    suggest_text(&s, hint, sizeof hint));
		}
	} else if (json_is_integer(j)) {
		m = member_valued(en, json_integer_value(j));
		if (!m)
			return fail(w, "%" JSON_INTEGER_FORMAT " is not the value of a member of enum %s",
				    json_integer_value(j), en->name);
	} else {
		return expected(w, "a member's name", j);
	}
	return put(w, onc_xdr_put_enum(e, (int32_t)m->val.number));
}

static bool enc_quad(walk *w, const json_t *j, onc_xdr_enc *e)
{
	uint8_t raw[16];
	const char *s = json_string_value(j);
	if (!s || strlen(s) != 32 || !hex_decode(s, 32, raw))
		return fail(w, "expected a quadruple as 32 hex digits");
	return put(w, onc_xdr_put_opaque_fixed(e, raw, 16));
}

static bool enc_scalar(walk *w, const plan_value *v, const json_t *j, onc_xdr_enc *e)
{
	switch (v->sc) {
	case SC_INT:
	case SC_UINT:
	case SC_HYPER:
	case SC_UHYPER:
		return enc_integer(w, v->sc, j, e);
	case SC_FLOAT:
	case SC_DOUBLE:
		return enc_real(w, v->sc, j, e);
	case SC_QUAD:
		return enc_quad(w, j, e);
	case SC_BOOL:
		if (!json_is_boolean(j))
			return expected(w, "true or false", j);
		return put(w, onc_xdr_put_bool(e, json_is_true(j)));
	case SC_ENUM:
		return enc_enum(w, v->en, j, e);
	case SC_COUNT:
		break;
	}
	return fail(w, "no such scalar");
}

/* A length against the value's: fixed ones exact, others at most their maximum. */
static bool check_length(walk *w, const plan_value *v, uint64_t n, const char *unit)
{
	uint64_t b = bound_of(v);
	if (v->fixed && n != b)
		return fail(w, "%" PRIu64 " %s, the type has exactly %" PRIu64, n, unit, b);
	if (n > b)
		return fail(w, "%" PRIu64 " %s > maximum %" PRIu64, n, unit, b);
	return true;
}

static bool enc_bytes(walk *w, const plan_value *v, const json_t *j, onc_xdr_enc *e)
{
	bool string = v->kind == PLAN_STRING;
	const json_t *text = j;
	bool hex = false;
	if (!string && json_is_object(j) && json_object_size(j) == 1 && json_object_get(j, "hex")) {
		text = json_object_get(j, "hex");
		hex = true;
	}
	if (!json_is_string(text))
		return expected(w, string ? "a string" : "base64 text or {\"hex\": \"...\"}", j);
	const char *s = json_string_value(text);
	size_t len = json_string_length(text), n;
	uint8_t *bytes = malloc(len + 1);
	if (!bytes)
		return fail(w, "out of memory");
	bool ok = true;
	if (string) {
		n = string_from_json(s, len, bytes);
	} else if (hex) {
		n = len / 2;
		ok = hex_decode(s, len, bytes) || fail(w, "not an even number of hex digits");
	} else {
		ok = base64_decode(s, len, bytes, &n) || fail(w, "not base64 (RFC 4648, padded)");
	}
	ok = ok && check_length(w, v, n, "bytes");
	if (ok && !v->fixed)
		ok = put(w, onc_xdr_put_u32(e, (uint32_t)n));
	ok = ok && put(w, onc_xdr_put_opaque_fixed(e, bytes, n));
	free(bytes);
	return ok;
}

static bool enc_array(walk *w, const plan_value *v, const json_t *j, onc_xdr_enc *e)
{
	if (!json_is_array(j))
		return expected(w, "an array", j);
	size_t n = json_array_size(j);
	if (!check_length(w, v, n, "elements"))
		return false;
	if (!v->fixed && !put(w, onc_xdr_put_u32(e, (uint32_t)n)))
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t at = push(w, NULL, i);
		if (!enc_value(w, v->elem, json_array_get(j, i), e))
			return false;
		pop(w, at);
	}
	return true;
}

static bool enc_members(walk *w, const plan_type *t, const json_t *j, onc_xdr_enc *e);

/* A list's nodes from a JSON array: each node's members, then whether another follows. */
static bool enc_list(walk *w, const plan_type *t, const json_t *j, bool may_be_empty,
		     onc_xdr_enc *e)
{
	if (!json_is_array(j))
		return expected(w, "an array (the list's nodes)", j);
	size_t n = json_array_size(j);
	if (n == 0 && !may_be_empty)
		return fail(w, "a list of at least one node, got an empty array");
	if (may_be_empty && !put(w, onc_xdr_put_bool(e, n > 0)))
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t at = push(w, NULL, i);
		if (!enc_members(w, t, json_array_get(j, i), e) ||
		    !put(w, onc_xdr_put_bool(e, i + 1 < n)))
			return false;
		pop(w, at);
	}
	return true;
}

static const json_t *member(walk *w, const json_t *obj, const char *name)
{
	const json_t *m = json_object_get(obj, name);
	if (!m) {
		size_t at = push(w, name, 0);
		fail(w, "missing");
		pop(w, at);
	}
	return m;
}

/* Every key of obj must name a member from `first` up to `stop`; the first that does not is
 * the error. */
static bool only_members(walk *w, const json_t *obj, const decl *first, const decl *stop)
{
	const char *key;
	const json_t *value;
	json_object_foreach ((json_t *)obj, key, value) {
		const decl *f = first;
		while (f != stop && strcmp(f->name, key) != 0)
			f = f->next;
		if (f != stop)
			continue;
		suggestion s = suggest_start(key);
		for (f = first; f != stop; f = f->next)
			suggest_consider(&s, f->name);
		char hint[300];
		return fail(w, "no member '%s'%s", key, suggest_text(&s, hint, sizeof hint));
	}
	return true;
}

/* A leaf of a struct member written in place: its member of obj (the struct member's value),
 * whose keys are checked at its first leaf. The path is left at the leaf. */
static const json_t *inner_member(walk *w, const plan_leaf *l, bool first, const json_t *obj)
{
	if (!json_is_object(obj))
		return expected(w, "an object", obj), NULL;
	if (first && !only_members(w, obj, type_base(&l->member->type)->def->fields, NULL))
		return NULL;
	const json_t *m = member(w, obj, l->inner->name);
	push(w, l->inner->name, 0);
	return m;
}

/* A struct's (or a list node's) members, from an object. */
static bool enc_members(walk *w, const plan_type *t, const json_t *j, onc_xdr_enc *e)
{
	if (!json_is_object(j))
		return expected(w, "an object", j);
	if (!only_members(w, j, t->def->fields, t->link))
		return false;
	for (size_t i = 0; i < t->nsteps; i++) {
		const plan_step *s = &t->steps[i];
		if (s->member) {
			const json_t *m = member(w, j, s->member->name);
			size_t at = push(w, s->member->name, 0);
			if (!m || !enc_value(w, s->value, m, e))
				return false;
			pop(w, at);
			continue;
		}
		/* a run: its leaves are members, or members of a struct member written in place */
		for (size_t k = 0; k < s->nleaves; k++) {
			const plan_leaf *l = &s->leaves[k];
			const json_t *m = member(w, j, l->member->name);
			size_t at = push(w, l->member->name, 0);
			if (m && l->inner && !(m = inner_member(w, l, k == 0 || s->leaves[k - 1].member != l->member, m)))
				return false;
			if (!m || !enc_value(w, l->value, m, e))
				return false;
			pop(w, at);
		}
	}
	return true;
}

/* A discriminant's value as the union's case labels hold it. */
static int64_t disc_number(scalar sc, uint32_t raw)
{
	return sc == SC_UINT ? (int64_t)raw : (int64_t)(int32_t)raw;
}

/* The arm a discriminant's value selects: its case, else the default; NULL for none. */
static const plan_arm *arm_for(const plan_type *t, int64_t n)
{
	const plan_arm *dflt = NULL;
	for (size_t i = 0; i < t->narms; i++) {
		const plan_arm *a = &t->arms[i];
		if (!a->arm->labels)
			dflt = a;
		for (const case_label *l = a->arm->labels; l; l = l->next)
			if (l->val.known && l->val.number == n)
				return a;
	}
	return dflt;
}

static bool enc_union(walk *w, const plan_type *t, const json_t *j, onc_xdr_enc *e)
{
	if (!json_is_object(j))
		return expected(w, "an object", j);
	const char *dname = t->def->discriminant.name;
	const json_t *dj = member(w, j, dname);
	size_t at = push(w, dname, 0);
	if (!dj || !enc_value(w, t->disc, dj, e))
		return false;
	pop(w, at);
	uint32_t raw;
	memcpy(&raw, onc_xdr_enc_data(e) + onc_xdr_enc_len(e) - 4, 4);
	int64_t n = disc_number(t->disc->sc, onc_be32(raw));
	const plan_arm *arm = arm_for(t, n);
	if (!arm)
		return fail(w, "%s = %" PRId64 " selects no arm of union %s", dname, n, t->def->name);
	bool is_void = arm->arm->arm.kind == DECL_VOID;
	const char *aname = is_void ? NULL : arm->arm->arm.name;
	const char *key;
	const json_t *value;
	json_object_foreach ((json_t *)j, key, value)
		if (strcmp(key, dname) != 0 && (!aname || strcmp(key, aname) != 0)) {
			if (aname)
				return fail(w, "no member '%s' (the arm of %s = %" PRId64 " is '%s')",
					    key, dname, n, aname);
			return fail(w, "no member '%s' (the arm of %s = %" PRId64 " is void)", key,
				    dname, n);
		}
	if (is_void)
		return true;
	const json_t *aj = member(w, j, aname);
	at = push(w, aname, 0);
	if (!aj || !enc_value(w, arm->value, aj, e))
		return false;
	pop(w, at);
	return true;
}

static bool enc_type(walk *w, const plan_value *v, const json_t *j, onc_xdr_enc *e)
{
	const plan_type *t = v->type;
	if (!t)
		return fail(w, "type %s is not defined in the .x file: it cannot be coded", v->name);
	switch (t->shape) {
	case SHAPE_STRUCT:
		return enc_members(w, t, j, e);
	case SHAPE_LIST:
		return enc_list(w, t, j, false, e);
	case SHAPE_UNION:
		return enc_union(w, t, j, e);
	case SHAPE_TYPEDEF:
		return enc_value(w, t->target, j, e);
	case SHAPE_ENUM: /* enums are scalars */
		break;
	}
	return fail(w, "type %s has no codec", v->name);
}

static bool enc_value(walk *w, const plan_value *v, const json_t *j, onc_xdr_enc *e)
{
	switch (v->kind) {
	case PLAN_VOID:
		return json_is_null(j) || expected(w, "null", j);
	case PLAN_SCALAR:
		return enc_scalar(w, v, j, e);
	case PLAN_STRING:
	case PLAN_OPAQUE:
		return enc_bytes(w, v, j, e);
	case PLAN_ARRAY:
		return enc_array(w, v, j, e);
	case PLAN_OPTIONAL: {
		const plan_type *list = plan_list_of(v->elem);
		if (list)
			return enc_list(w, list, j, true, e);
		if (json_is_null(j))
			return put(w, onc_xdr_put_bool(e, false));
		return put(w, onc_xdr_put_bool(e, true)) && enc_value(w, v->elem, j, e);
	}
	case PLAN_CALL:
		return enc_type(w, v, j, e);
	}
	return fail(w, "no such value");
}

bool json_to_xdr(const plan_value *v, const json_t *j, onc_xdr_enc *e, char *err, size_t cap)
{
	walk w = { .err = err, .cap = cap };
	return enc_value(&w, v, j, e);
}

bool json_args_to_xdr(const plan_value *const *args, int nargs, const json_t *j,
		      onc_xdr_enc *e, char *err, size_t cap)
{
	walk w = { .err = err, .cap = cap };
	if (nargs == 0)
		return !j || json_is_null(j) || fail(&w, "the procedure takes no arguments");
	if (!j)
		return fail(&w, "the procedure takes %s", nargs == 1 ? "an argument" : "arguments");
	if (nargs == 1)
		return enc_value(&w, args[0], j, e);
	if (!json_is_array(j) || json_array_size(j) != (size_t)nargs)
		return fail(&w, "the procedure takes %d arguments: expected an array of %d", nargs,
			    nargs);
	for (int i = 0; i < nargs; i++) {
		size_t at = push(&w, NULL, (size_t)i);
		if (!enc_value(&w, args[i], json_array_get(j, (size_t)i), e))
			return false;
		pop(&w, at);
	}
	return true;
}

/* ---- XDR to JSON ------------------------------------------------------------------------ */

static json_t *dec_value(walk *w, const plan_value *v, onc_xdr_dec *d);

static json_t *nomem(walk *w, json_t *partial)
{
	json_decref(partial);
	fail(w, "out of memory");
	return NULL;
}

/* Takes a status: NULL (and the error) unless it is ONC_OK. */
static bool got(walk *w, onc_status s)
{
	return s == ONC_OK || fail(w, "%s", onc_strerror(s));
}

static json_t *json_u64(uint64_t n)
{
	if (n <= INT64_MAX)
		return json_integer((json_int_t)n);
	char text[24];
	snprintf(text, sizeof text, "%" PRIu64, n);
	return json_string(text);
}

/* A float or double's JSON: a number when it is finite, else a string (json_codec.h). */
static json_t *json_ieee(double x, uint64_t bits, uint64_t quiet_nan, int digits)
{
	if (isfinite(x))
		return json_real(x);
	if (isinf(x))
		return json_string(x < 0 ? "-Infinity" : "Infinity");
	if (bits == quiet_nan)
		return json_string("NaN");
	char text[24];
	snprintf(text, sizeof text, "0x%0*" PRIx64, digits, bits);
	return json_string(text);
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
	char text[2 * 16 + 1];
	for (size_t i = 0; i < n; i++)
		snprintf(text + 2 * i, 3, "%02x", b[i]);
	return json_string(text);
}

static json_t *dec_scalar(walk *w, const plan_value *v, onc_xdr_dec *d)
{
	uint32_t u = 0; /* (the compiler cannot see that got() is false without them) */
	uint64_t h = 0;
	switch (v->sc) {
	case SC_INT:
		return got(w, onc_xdr_get_u32(d, &u)) ? json_integer((int32_t)u) : NULL;
	case SC_UINT:
		return got(w, onc_xdr_get_u32(d, &u)) ? json_integer(u) : NULL;
	case SC_HYPER:
		return got(w, onc_xdr_get_u64(d, &h)) ? json_integer((json_int_t)(int64_t)h) : NULL;
	case SC_UHYPER:
		return got(w, onc_xdr_get_u64(d, &h)) ? json_u64(h) : NULL;
	case SC_FLOAT: {
		float f;
		if (!got(w, onc_xdr_get_u32(d, &u)))
			return NULL;
		memcpy(&f, &u, 4);
		return json_ieee(f, u, 0x7fc00000, 8);
	}
	case SC_DOUBLE: {
		double x;
		if (!got(w, onc_xdr_get_u64(d, &h)))
			return NULL;
		memcpy(&x, &h, 8);
		return json_ieee(x, h, UINT64_C(0x7ff8000000000000), 16);
	}
	case SC_QUAD:
		if (!got(w, onc_xdr_dec_need(d, 16)))
			return NULL;
		d->p += 16;
		return hex_json(d->p - 16, 16);
	case SC_BOOL:
		if (!got(w, onc_xdr_get_u32(d, &u)))
			return NULL;
		if (u > 1)
			return fail(w, "%" PRIu32 " is not a bool", u), NULL;
		return json_boolean(u);
	case SC_ENUM: {
		if (!got(w, onc_xdr_get_u32(d, &u)))
			return NULL;
		const enum_member *m = member_valued(v->en, (int32_t)u);
		if (!m)
			return fail(w, "%" PRId32 " is not the value of a member of enum %s",
				    (int32_t)u, v->en->name), NULL;
		return json_string(m->name);
	}
	case SC_COUNT:
		break;
	}
	return fail(w, "no such scalar"), NULL;
}

/* A length or count read off the wire, against the value's maximum. */
static bool dec_length(walk *w, const plan_value *v, onc_xdr_dec *d, uint32_t *n,
		       const char *unit)
{
	if (v->fixed) {
		*n = (uint32_t)bound_of(v);
		return true;
	}
	*n = 0;
	return got(w, onc_xdr_get_u32(d, n)) && check_length(w, v, *n, unit);
}

static json_t *dec_bytes(walk *w, const plan_value *v, onc_xdr_dec *d)
{
	uint32_t n = 0;
	if (!dec_length(w, v, d, &n, "bytes") || !got(w, onc_xdr_dec_need(d, n)))
		return NULL;
	const uint8_t *b = d->p;
	d->p += n;
	if (!got(w, onc_xdr_skip_pad(d, n)))
		return NULL;
	if (v->kind == PLAN_STRING)
		return string_to_json(b, n);
	char *text = malloc(base64_len(n) + 1);
	if (!text)
		return nomem(w, NULL);
	base64_encode(b, n, text);
	json_t *j = json_string(text);
	free(text);
	return j;
}

static json_t *dec_array(walk *w, const plan_value *v, onc_xdr_dec *d)
{
	uint32_t n = 0;
	if (!dec_length(w, v, d, &n, "elements"))
		return NULL;
	/* each element takes its smallest size, so a count the bytes cannot back is refused
	 * before anything is made (elements of no size at all: a bounded count of them) */
	int64_t min = v->elem->size.min;
	if (min ? n > onc_xdr_dec_left(d) / (uint64_t)min : n > 65536)
		return got(w, ONC_ERR_TRUNCATED), NULL;
	json_t *a = json_array();
	for (uint32_t i = 0; a && i < n; i++) {
		size_t at = push(w, NULL, i);
		json_t *x = dec_value(w, v->elem, d);
		if (!x || json_array_append_new(a, x) != 0)
			return x ? nomem(w, a) : (json_decref(a), NULL);
		pop(w, at);
	}
	return a ? a : nomem(w, NULL);
}

/* Sets obj[name] to x, a new reference; false when x is NULL or cannot be set. */
static bool set(walk *w, json_t *obj, const char *name, json_t *x)
{
	if (x && json_object_set_new(obj, name, x) == 0)
		return true;
	if (x)
		nomem(w, NULL);
	return false;
}

static json_t *dec_members(walk *w, const plan_type *t, onc_xdr_dec *d)
{
	json_t *obj = json_object();
	if (!obj)
		return nomem(w, NULL);
	for (size_t i = 0; i < t->nsteps; i++) {
		const plan_step *s = &t->steps[i];
		if (s->member) {
			size_t at = push(w, s->member->name, 0);
			if (!set(w, obj, s->member->name, dec_value(w, s->value, d)))
				return json_decref(obj), NULL;
			pop(w, at);
			continue;
		}
		for (size_t k = 0; k < s->nleaves; k++) {
			const plan_leaf *l = &s->leaves[k];
			size_t at = push(w, l->member->name, 0);
			json_t *into = obj;
			const char *name = l->member->name;
			if (l->inner) {
				into = json_object_get(obj, name);
				if (!into && !set(w, obj, name, into = json_object()))
					return json_decref(obj), NULL;
				name = l->inner->name;
				push(w, name, 0);
			}
			if (!set(w, into, name, dec_value(w, l->value, d)))
				return json_decref(obj), NULL;
			pop(w, at);
		}
	}
	return obj;
}

/* A list's nodes as an array: one node at least, or none when the list is behind a pointer
 * (its first "more" says so). */
static json_t *dec_list(walk *w, const plan_type *t, bool may_be_empty, onc_xdr_dec *d)
{
	json_t *a = json_array();
	if (!a)
		return nomem(w, NULL);
	uint32_t more = 1;
	if (may_be_empty && !got(w, onc_xdr_get_u32(d, &more)))
		return json_decref(a), NULL;
	for (size_t i = 0; more; i++) {
		if (more > 1)
			return fail(w, "%" PRIu32 " is not a bool", more), json_decref(a), NULL;
		size_t at = push(w, NULL, i);
		json_t *node = dec_members(w, t, d);
		if (!node)
			return json_decref(a), NULL;
		if (json_array_append_new(a, node) != 0)
			return nomem(w, a);
		if (!got(w, onc_xdr_get_u32(d, &more)))
			return json_decref(a), NULL;
		pop(w, at);
	}
	return a;
}

static json_t *dec_union(walk *w, const plan_type *t, onc_xdr_dec *d)
{
	const char *dname = t->def->discriminant.name;
	const uint8_t *at_disc = d->p;
	json_t *obj = json_object();
	if (!obj)
		return nomem(w, NULL);
	size_t at = push(w, dname, 0);
	if (!set(w, obj, dname, dec_value(w, t->disc, d)))
		return json_decref(obj), NULL;
	pop(w, at);
	uint32_t raw;
	memcpy(&raw, at_disc, 4);
	int64_t n = disc_number(t->disc->sc, onc_be32(raw));
	const plan_arm *arm = arm_for(t, n);
	if (!arm)
		return fail(w, "%s = %" PRId64 " selects no arm of union %s", dname, n, t->def->name),
		       json_decref(obj), NULL;
	if (arm->arm->arm.kind == DECL_VOID)
		return obj;
	at = push(w, arm->arm->arm.name, 0);
	if (!set(w, obj, arm->arm->arm.name, dec_value(w, arm->value, d)))
		return json_decref(obj), NULL;
	pop(w, at);
	return obj;
}

static json_t *dec_type(walk *w, const plan_value *v, onc_xdr_dec *d)
{
	const plan_type *t = v->type;
	if (!t)
		return fail(w, "type %s is not defined in the .x file: it cannot be coded", v->name),
		       NULL;
	json_t *j = NULL;
	switch (t->shape) {
	case SHAPE_STRUCT:
		j = dec_members(w, t, d);
		break;
	case SHAPE_LIST:
		j = dec_list(w, t, false, d);
		break;
	case SHAPE_UNION:
		j = dec_union(w, t, d);
		break;
	case SHAPE_TYPEDEF:
		j = dec_value(w, t->target, d);
		break;
	case SHAPE_ENUM:
		fail(w, "type %s has no codec", v->name);
		break;
	}
	return j;
}

static json_t *dec_one(walk *w, const plan_value *v, onc_xdr_dec *d)
{
	switch (v->kind) {
	case PLAN_VOID:
		return json_null();
	case PLAN_SCALAR:
		return dec_scalar(w, v, d);
	case PLAN_STRING:
	case PLAN_OPAQUE:
		return dec_bytes(w, v, d);
	case PLAN_ARRAY:
		return dec_array(w, v, d);
	case PLAN_OPTIONAL: {
		const plan_type *list = plan_list_of(v->elem);
		if (list)
			return dec_list(w, list, true, d);
		uint32_t present = 0;
		if (!got(w, onc_xdr_get_u32(d, &present)))
			return NULL;
		if (present > 1)
			return fail(w, "%" PRIu32 " is not a bool", present), NULL;
		return present ? dec_value(w, v->elem, d) : json_null();
	}
	case PLAN_CALL:
		return dec_type(w, v, d);
	}
	return fail(w, "no such value"), NULL;
}

static json_t *dec_value(walk *w, const plan_value *v, onc_xdr_dec *d)
{
	if (w->depth == MAX_DEPTH)
		return fail(w, "nested more than %d levels deep", MAX_DEPTH), NULL;
	w->depth++;
	json_t *j = dec_one(w, v, d);
	w->depth--;
	return j;
}

json_t *xdr_to_json(const plan_value *v, onc_xdr_dec *d, char *err, size_t cap)
{
	walk w = { .err = err, .cap = cap };
	return dec_value(&w, v, d);
}
