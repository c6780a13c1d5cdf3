#include "random_xdr.h"

#include <string.h>

/* Nesting beyond this makes optional data absent and arrays empty, so values stay small. */
enum { MAX_DEPTH = 4, MAX_ITEMS = 3, MAX_BYTES = 12 };

static void put32(strbuf *out, uint32_t v)
{
	char b[4] = { (char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v };
	strbuf_putn(out, b, 4);
}

static void put_random(rng *r, strbuf *out, size_t n)
{
	for (size_t i = 0; i < n; i += 4)
		put32(out, rng_u32(r));
}

/* n printable bytes and zero padding */
static void put_bytes(rng *r, strbuf *out, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		char c = (char)(' ' + rng_below(r, 95));
		strbuf_putn(out, &c, 1);
	}
	strbuf_putn(out, "\0\0\0", (4 - (n & 3)) & 3);
}

/* A length up to the declared maximum (and to `cap`). */
static uint32_t random_len(rng *r, const decl *d, uint32_t cap)
{
	uint64_t max = d->bounded ? (uint64_t)d->size.number : UINT32_MAX;
	return rng_below(r, (uint32_t)(max < cap ? max : cap) + 1);
}

static void random_value(const type_ref *t, rng *r, strbuf *out, int depth);
static void definition_value(const definition *def, rng *r, strbuf *out, int depth);

static void random_decl(const decl *d, rng *r, strbuf *out, int depth)
{
	switch (d->kind) {
	case DECL_VOID:
		break;
	case DECL_PLAIN:
		random_value(&d->type, r, out, depth);
		break;
	case DECL_OPTIONAL:
		if (depth >= MAX_DEPTH || rng_below(r, 2)) {
			put32(out, 0);
		} else {
			put32(out, 1);
			random_value(&d->type, r, out, depth + 1);
		}
		break;
	case DECL_FIXED:
		if (d->type.kind == TYPE_OPAQUE) {
			put_bytes(r, out, (uint32_t)d->size.number);
		} else {
			for (int64_t i = 0; i < d->size.number; i++)
				random_value(&d->type, r, out, depth + 1);
		}
		break;
	case DECL_VAR:
		if (d->type.kind == TYPE_STRING || d->type.kind == TYPE_OPAQUE) {
			uint32_t n = random_len(r, d, MAX_BYTES);
			put32(out, n);
			put_bytes(r, out, n);
		} else {
			uint32_t n = depth >= MAX_DEPTH ? 0 : random_len(r, d, MAX_ITEMS);
			put32(out, n);
			for (uint32_t i = 0; i < n; i++)
				random_value(&d->type, r, out, depth + 1);
		}
		break;
	}
}

static bool is_case(const definition *u, int64_t v)
{
	for (const union_arm *a = u->arms; a; a = a->next)
		for (const case_label *l = a->labels; l; l = l->next)
			if (l->val.number == v)
				return true;
	return false;
}

/* A discriminant for the default arm: a value of its type that no case names, if any. */
static bool default_discriminant(const definition *u, rng *r, int64_t *v)
{
	const type_ref *t = type_base(&u->discriminant.type);
	for (int tries = 0; tries < 64; tries++) {
		if (t->kind == TYPE_BOOL) {
			*v = rng_below(r, 2);
		} else if (t->kind == TYPE_NAMED) {
			int n = 0;
			for (const enum_member *m = t->def->members; m; m = m->next)
				n++;
			const enum_member *m = t->def->members;
			for (uint32_t k = rng_below(r, (uint32_t)n); k; k--)
				m = m->next;
			*v = m->val.number;
		} else {
			*v = t->kind == TYPE_INT ? (int32_t)rng_u32(r) : (int64_t)rng_u32(r);
		}
		if (!is_case(u, *v))
			return true;
	}
	return false;
}

static void union_value(const definition *u, rng *r, strbuf *out, int depth)
{
	int narms = 0;
	for (const union_arm *a = u->arms; a; a = a->next)
		narms++;
	for (;;) {
		const union_arm *a = u->arms;
		for (uint32_t k = rng_below(r, (uint32_t)narms); k; k--)
			a = a->next;
		int64_t disc;
		if (a->labels) {
			int nlabels = 0;
			for (const case_label *l = a->labels; l; l = l->next)
				nlabels++;
			const case_label *l = a->labels;
			for (uint32_t k = rng_below(r, (uint32_t)nlabels); k; k--)
				l = l->next;
			disc = l->val.number;
		} else if (!default_discriminant(u, r, &disc)) {
			continue;
		}
		put32(out, (uint32_t)disc);
		random_decl(&a->arm, r, out, depth);
		return;
	}
}

/* rpcgen codes char and short through C variables of that size: keep values in range. */
static uint32_t rpcgen_int(const type_ref *t, uint32_t v)
{
	if (!t->name)
		return v;
	if (strcmp(t->name, "char") == 0)
		return (uint32_t)(int32_t)(int8_t)v;
	if (strcmp(t->name, "u_char") == 0)
		return (uint8_t)v;
	if (strcmp(t->name, "short") == 0)
		return (uint32_t)(int32_t)(int16_t)v;
	if (strcmp(t->name, "u_short") == 0)
		return (uint16_t)v;
	return v;
}

static void random_value(const type_ref *t, rng *r, strbuf *out, int depth)
{
	t = type_base(t);
	switch (t->kind) {
	case TYPE_INT:
	case TYPE_UINT:
		put32(out, rpcgen_int(t, rng_u32(r)));
		break;
	case TYPE_FLOAT:
		put_random(r, out, 4);
		break;
	case TYPE_HYPER:
	case TYPE_UHYPER:
	case TYPE_DOUBLE:
		put_random(r, out, 8);
		break;
	case TYPE_QUAD:
		put_random(r, out, 16);
		break;
	case TYPE_BOOL:
		put32(out, rng_below(r, 2));
		break;
	case TYPE_NAMED:
		definition_value(t->def, r, out, depth);
		break;
	default: /* string and opaque only occur as declarations */
		break;
	}
}

static void definition_value(const definition *def, rng *r, strbuf *out, int depth)
{
	switch (def->kind) {
	case DEF_ENUM: {
		int n = 0;
		for (const enum_member *m = def->members; m; m = m->next)
			n++;
		const enum_member *m = def->members;
		for (uint32_t k = rng_below(r, (uint32_t)n); k; k--)
			m = m->next;
		put32(out, (uint32_t)m->val.number);
		break;
	}
	case DEF_STRUCT:
		for (const decl *f = def->fields; f; f = f->next)
			random_decl(f, r, out, depth);
		break;
	case DEF_UNION:
		union_value(def, r, out, depth);
		break;
	case DEF_TYPEDEF:
		random_decl(&def->target, r, out, depth);
		break;
	default:
		break;
	}
}

void random_xdr(const definition *type, rng *r, strbuf *out)
{
	definition_value(type, r, out, 0);
}
