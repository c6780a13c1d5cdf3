#include "parser.h"

#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* How deep inline definitions may nest (struct { struct { ... } a; } b): the parser, checks
 * and emitters recurse once per level, and a hostile file must not exhaust their stack.
 * Real files nest two or three deep. */
#define MAX_NESTING 64

/* An inline definition inside another, named once the outer one has its name. */
typedef struct nested {
	definition *def;
	definition *in; /* the inline definition whose member it is */
	decl *use;      /* that member */
} nested;

typedef struct parser {
	pool *pool;
	diag *diag;
	const token *tok;  /* current token */
	const token *first; /* the first token */
	definition **tail; /* where the next definition goes */
	const char *outer; /* the definition being parsed, to name inline types after */
	int depth;         /* inline definitions being parsed, one inside the other */
	definition *inlines[MAX_NESTING]; /* those definitions, outermost first */
	nested *nested;    /* of the definition being parsed, innermost first */
	size_t nnested, nested_cap;
	jmp_buf on_error;  /* a syntax error abandons the definition being parsed */
} parser;

static const char *const keywords[] = {
	"bool",	     "case",	"const",   "default", "double", "quadruple", "enum",
	"float",     "hyper",	"int",	   "opaque",  "program", "string",   "struct",
	"switch",    "typedef", "union",   "unsigned", "version", "void",
};

static bool is_keyword(const char *s)
{
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (strcmp(s, keywords[i]) == 0)
			return true;
	return false;
}

static void append(parser *p, definition *def)
{
	*p->tail = def;
	p->tail = &def->next;
}

/* `%` lines become definitions of their own, placed before the definition they occur in. */
static void skip_passthrough(parser *p)
{
	while (p->tok->kind == TOK_PASSTHROUGH) {
		definition *def = pool_alloc(p->pool, sizeof *def);
		def->kind = DEF_PASSTHROUGH;
		def->name = p->tok->text;
		def->where = p->tok->where;
		append(p, def);
		p->tok++;
	}
}

static const token *peek(parser *p)
{
	skip_passthrough(p);
	return p->tok;
}

static const token *advance(parser *p)
{
	const token *t = peek(p);
	if (t->kind != TOK_EOF)
		p->tok++;
	return t;
}

/* `hint` (a suggestion, or "") follows the message. */
static _Noreturn void syntax_error_hint(parser *p, const char *expected, const char *hint)
{
	const token *t = peek(p);
	if (t->kind == TOK_EOF)
		diag_error(p->diag, t->where, "expected %s, found end of file", expected);
	else
		diag_error(p->diag, t->where, "expected %s, found '%s'%s", expected, t->text, hint);
	longjmp(p->on_error, 1);
}

static _Noreturn void syntax_error(parser *p, const char *expected)
{
	syntax_error_hint(p, expected, "");
}

/* The token before the current one, `%` lines aside; NULL at the start. */
static const token *previous(parser *p)
{
	for (const token *t = p->tok; t > p->first;)
		if ((--t)->kind != TOK_PASSTHROUGH)
			return t;
	return NULL;
}

/* The comment above a declaration's first token, else the one after the token that ends it
 * (the one just consumed). */
static const char *doc_of(parser *p, const token *first)
{
	const token *last = previous(p);
	return first->doc ? first->doc : last ? last->trailing : NULL;
}

static bool is_punct(parser *p, char c)
{
	const token *t = peek(p);
	return t->kind == TOK_PUNCT && t->text[0] == c;
}

static bool accept_punct(parser *p, char c)
{
	if (!is_punct(p, c))
		return false;
	advance(p);
	return true;
}

/* A missing `;` (or other punctuation) at the end of a line is reported there, after the
 * token it should follow, not at the next line's first token. */
static void expect_punct(parser *p, char c)
{
	if (accept_punct(p, c))
		return;
	const token *prev = previous(p);
	const token *t = peek(p);
	if (prev && (t->kind == TOK_EOF || t->where.line > prev->where.line) &&
	    strcmp(t->where.file, prev->where.file) == 0) {
		loc end = prev->where;
		end.col += (int)strlen(prev->text);
		diag_error(p->diag, end, "expected '%c' after '%s'", c, prev->text);
		longjmp(p->on_error, 1);
	}
	char what[4] = { '\'', c, '\'', '\0' };
	syntax_error(p, what);
}

static bool is_word(parser *p, const char *word)
{
	const token *t = peek(p);
	return t->kind == TOK_IDENT && strcmp(t->text, word) == 0;
}

static bool accept_word(parser *p, const char *word)
{
	if (!is_word(p, word))
		return false;
	advance(p);
	return true;
}

static void expect_word(parser *p, const char *word)
{
	if (accept_word(p, word))
		return;
	suggestion s = suggest_start(peek(p)->text);
	suggest_consider(&s, word);
	char hint[300];
	syntax_error_hint(p, pool_printf(p->pool, "'%s'", word), suggest_text(&s, hint, sizeof hint));
}

static const token *expect_ident(parser *p, const char *what)
{
	const token *t = peek(p);
	if (t->kind != TOK_IDENT || is_keyword(t->text))
		syntax_error(p, what);
	return advance(p);
}

static value parse_value(parser *p)
{
	value v = { .where = peek(p)->where };
	bool negative = accept_punct(p, '-');
	const token *t = peek(p);
	if (t->kind == TOK_IDENT && !negative && !is_keyword(t->text)) {
		advance(p);
		v.text = v.name = t->text;
		return v;
	}
	if (t->kind != TOK_NUMBER)
		syntax_error(p, "a number or a constant name");
	advance(p);
	char *end;
	errno = 0;
	unsigned long long n = strtoull(t->text, &end, 0);
	if (*end) {
		diag_error(p->diag, t->where, "invalid number '%s'", t->text);
		longjmp(p->on_error, 1);
	}
	if (errno || n > (negative ? (1ull << 63) : UINT64_MAX >> 1)) {
		diag_error(p->diag, t->where, "number '%s' is too large", t->text);
		longjmp(p->on_error, 1);
	}
	v.number = negative ? (int64_t)(0 - n) : (int64_t)n;
	v.known = true;
	v.text = negative ? pool_printf(p->pool, "-%s", t->text) : t->text;
	return v;
}

typedef struct type_name {
	const char *name;
	type_kind kind;
} type_name;

/* Type names rpcgen knows from libtirpc's xdr_ functions (the .x files of /usr/include use
 * them without defining them); long, short and char are 4 bytes on the wire like int. */
static const type_name rpcgen_types[] = {
	{ "long", TYPE_INT },	    { "short", TYPE_INT },	 { "char", TYPE_INT },
	{ "int32_t", TYPE_INT },    { "u_int", TYPE_UINT },	 { "u_long", TYPE_UINT },
	{ "u_short", TYPE_UINT },   { "u_char", TYPE_UINT },	 { "uint32_t", TYPE_UINT },
	{ "u_int32_t", TYPE_UINT }, { "rpcprog_t", TYPE_UINT },  { "rpcvers_t", TYPE_UINT },
	{ "rpcproc_t", TYPE_UINT }, { "rpcprot_t", TYPE_UINT },  { "rpcport_t", TYPE_UINT },
	{ "int64_t", TYPE_HYPER },  { "quad_t", TYPE_HYPER },	 { "uint64_t", TYPE_UHYPER },
	{ "u_int64_t", TYPE_UHYPER }, { "u_quad_t", TYPE_UHYPER }, { "bool_t", TYPE_BOOL },
};

/* The language's own type words (besides `unsigned`, which starts two of them). */
static const type_name type_words[] = {
	{ "int", TYPE_INT },	   { "hyper", TYPE_HYPER },   { "float", TYPE_FLOAT },
	{ "double", TYPE_DOUBLE }, { "quadruple", TYPE_QUAD }, { "bool", TYPE_BOOL },
	{ "string", TYPE_STRING }, { "opaque", TYPE_OPAQUE }, { "void", TYPE_VOID },
};

static bool rpcgen_type_name(const char *s, type_kind *kind)
{
	for (size_t i = 0; i < sizeof rpcgen_types / sizeof rpcgen_types[0]; i++)
		if (strcmp(s, rpcgen_types[i].name) == 0) {
			*kind = rpcgen_types[i].kind;
			return true;
		}
	return false;
}

void parser_suggest_types(suggestion *s)
{
	for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++)
		suggest_consider(s, type_words[i].name);
	suggest_consider(s, "unsigned");
	for (size_t i = 0; i < sizeof rpcgen_types / sizeof rpcgen_types[0]; i++)
		suggest_consider(s, rpcgen_types[i].name);
}

static void parse_enum_body(parser *p, definition *def);
static void parse_struct_body(parser *p, definition *def);
static void parse_union_body(parser *p, definition *def);

/* An inline definition (RFC 4506: `struct { ... } x;`, likewise union and enum): it becomes a
 * definition of its own, placed before the one using it and named when the member's name is
 * known (see parse_decl). */
static definition *parse_inline(parser *p, def_kind kind, loc where)
{
	if (p->depth == MAX_NESTING) {
		diag_error(p->diag, where, "inline definitions nested more than %d deep",
			   MAX_NESTING);
		longjmp(p->on_error, 1);
	}
	definition *def = pool_alloc(p->pool, sizeof *def);
	def->kind = kind;
	def->where = where;
	p->inlines[p->depth++] = def;
	if (kind == DEF_STRUCT)
		parse_struct_body(p, def);
	else if (kind == DEF_UNION)
		parse_union_body(p, def);
	else
		parse_enum_body(p, def);
	append(p, def);
	p->depth--;
	return def;
}

/* type: a scalar, a name, or (when inline_ok) an inline struct, union or enum body */
static type_ref parse_type(parser *p, bool inline_ok)
{
	type_ref t = { .where = peek(p)->where };
	if (accept_word(p, "unsigned")) {
		t.kind = TYPE_UINT;
		if (accept_word(p, "hyper"))
			t.kind = TYPE_UHYPER;
		else if (!accept_word(p, "int") && !accept_word(p, "long") && !accept_word(p, "short"))
			accept_word(p, "char");
		return t;
	}
	for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++)
		if (accept_word(p, type_words[i].name)) {
			t.kind = type_words[i].kind;
			return t;
		}
	static const struct {
		const char *word;
		def_kind kind;
		const char *body; /* what starts an inline body */
	} compound[] = {
		{ "struct", DEF_STRUCT, "{" },
		{ "union", DEF_UNION, "switch" },
		{ "enum", DEF_ENUM, "{" },
	};
	for (size_t i = 0; i < 3 && !t.keyword; i++) {
		if (!accept_word(p, compound[i].word))
			continue;
		t.keyword = true;
		const token *next = peek(p);
		if (strcmp(next->text, compound[i].body) == 0) {
			if (!inline_ok) {
				diag_error(p->diag, t.where,
					   "a procedure's argument or result cannot be an inline definition: define the type and use its name");
				longjmp(p->on_error, 1);
			}
			t.kind = TYPE_NAMED;
			t.def = parse_inline(p, compound[i].kind, t.where);
			return t;
		}
	}
	const token *name = expect_ident(p, "a type");
	t.name = name->text; /* for an rpcgen name, what was written */
	if (!t.keyword && rpcgen_type_name(name->text, &t.kind))
		return t;
	t.kind = TYPE_NAMED;
	return t;
}

/* declaration: void | type ident | type ident[N] | type ident<N?> | type *ident */
static void parse_decl(parser *p, decl *out)
{
	out->where = peek(p)->where;
	out->type = parse_type(p, true);
	if (out->type.kind == TYPE_VOID && !is_punct(p, '*')) {
		out->kind = DECL_VOID;
		return;
	}
	out->kind = accept_punct(p, '*') ? DECL_OPTIONAL : DECL_PLAIN;
	const token *name = expect_ident(p, "a name");
	out->name = name->text;
	out->where = name->where;
	/* An inline definition is named outer_member; in a typedef, after the typedef (which
	 * then says nothing more: see parse_definition), or name_element for an array or
	 * pointer. Inside another inline definition, it is named after that one's name, which
	 * is not known yet (see name_nested). */
	if (out->type.def && !out->type.name) {
		if (p->depth > 0) {
			if (p->nnested == p->nested_cap) {
				p->nested_cap = p->nested_cap ? 2 * p->nested_cap : 16;
				p->nested = xrealloc(p->nested, p->nested_cap * sizeof *p->nested);
			}
			p->nested[p->nnested++] =
				(nested){ out->type.def, p->inlines[p->depth - 1], out };
		} else {
			out->type.name = out->type.def->name =
				p->outer ? pool_printf(p->pool, "%s_%s", p->outer, name->text)
				: is_punct(p, '[') || is_punct(p, '<') || out->kind == DECL_OPTIONAL
					? pool_printf(p->pool, "%s_element", name->text)
					: name->text;
		}
	}
	if (out->kind == DECL_OPTIONAL)
		return;
	if (accept_punct(p, '[')) {
		out->kind = DECL_FIXED;
		out->size = parse_value(p);
		expect_punct(p, ']');
	} else if (accept_punct(p, '<')) {
		out->kind = DECL_VAR;
		if (!is_punct(p, '>')) {
			out->bounded = true;
			out->size = parse_value(p);
		}
		expect_punct(p, '>');
	}
}

static void parse_enum_body(parser *p, definition *def)
{
	enum_member **tail = &def->members;
	expect_punct(p, '{');
	do {
		if (is_punct(p, '}') && def->members)
			break; /* a trailing comma */
		enum_member *m = pool_alloc(p->pool, sizeof *m);
		const token *name = expect_ident(p, "an enum member name");
		m->name = name->text;
		m->where = name->where;
		if (accept_punct(p, '=')) {
			m->has_value = true;
			m->val = parse_value(p);
		}
		m->doc = doc_of(p, name);
		if (!m->doc && is_punct(p, ',')) /* the comment after `RED = 1,` */
			m->doc = peek(p)->trailing;
		*tail = m;
		tail = &m->next;
	} while (accept_punct(p, ','));
	expect_punct(p, '}');
}

static void parse_struct_body(parser *p, definition *def)
{
	decl **tail = &def->fields;
	expect_punct(p, '{');
	do {
		decl *f = pool_alloc(p->pool, sizeof *f);
		const token *first = peek(p);
		parse_decl(p, f);
		expect_punct(p, ';');
		f->doc = doc_of(p, first);
		*tail = f;
		tail = &f->next;
	} while (!is_punct(p, '}'));
	expect_punct(p, '}');
}

static void parse_union_body(parser *p, definition *def)
{
	union_arm **tail = &def->arms;
	expect_word(p, "switch");
	expect_punct(p, '(');
	parse_decl(p, &def->discriminant);
	expect_punct(p, ')');
	expect_punct(p, '{');
	while (!is_punct(p, '}')) {
		union_arm *arm = pool_alloc(p->pool, sizeof *arm);
		const token *first = peek(p);
		arm->where = first->where;
		if (accept_word(p, "default")) {
			expect_punct(p, ':');
		} else {
			case_label **ltail = &arm->labels;
			do {
				expect_word(p, "case");
				case_label *l = pool_alloc(p->pool, sizeof *l);
				l->val = parse_value(p);
				expect_punct(p, ':');
				*ltail = l;
				ltail = &l->next;
			} while (is_word(p, "case"));
		}
		const token *decl_first = peek(p);
		parse_decl(p, &arm->arm);
		expect_punct(p, ';');
		arm->arm.doc = first->doc ? first->doc : doc_of(p, decl_first);
		*tail = arm;
		tail = &arm->next;
	}
	expect_punct(p, '}');
}

static procedure *parse_procedure(parser *p)
{
	procedure *proc = pool_alloc(p->pool, sizeof *proc);
	const token *start = peek(p);
	proc->result = parse_type(p, false);
	const token *name = expect_ident(p, "a procedure name");
	proc->name = name->text;
	proc->where = name->where;
	expect_punct(p, '(');
	type_ref first = parse_type(p, false);
	if (first.kind != TYPE_VOID) {
		int cap = 4;
		proc->args = pool_alloc(p->pool, (size_t)cap * sizeof *proc->args);
		proc->args[proc->nargs++] = first;
		while (accept_punct(p, ',')) {
			if (proc->nargs == cap) {
				type_ref *args = pool_alloc(p->pool, (size_t)(cap *= 2) * sizeof *args);
				memcpy(args, proc->args, (size_t)proc->nargs * sizeof *args);
				proc->args = args;
			}
			proc->args[proc->nargs++] = parse_type(p, false);
		}
	}
	expect_punct(p, ')');
	expect_punct(p, '=');
	proc->number = parse_value(p);
	expect_punct(p, ';');
	proc->doc = doc_of(p, start);
	return proc;
}

static version *parse_version(parser *p)
{
	version *v = pool_alloc(p->pool, sizeof *v);
	v->doc = peek(p)->doc;
	expect_word(p, "version");
	const token *name = expect_ident(p, "a version name");
	v->name = name->text;
	v->where = name->where;
	expect_punct(p, '{');
	procedure **tail = &v->procs;
	do {
		*tail = parse_procedure(p);
		tail = &(*tail)->next;
	} while (!is_punct(p, '}'));
	expect_punct(p, '}');
	expect_punct(p, '=');
	v->number = parse_value(p);
	expect_punct(p, ';');
	return v;
}

static void parse_program_body(parser *p, definition *def)
{
	version **tail = &def->versions;
	expect_punct(p, '{');
	do {
		*tail = parse_version(p);
		tail = &(*tail)->next;
	} while (!is_punct(p, '}'));
	expect_punct(p, '}');
	expect_punct(p, '=');
	def->number = parse_value(p);
}

/* Names the inline definitions nested in others after their whole path (outer_a_b for
 * member b of the inline definition of member a of outer), so that two of them named after
 * the same member do not clash. Outer ones come last in the list: named first. */
static void name_nested(parser *p)
{
	for (size_t i = p->nnested; i-- > 0;) {
		nested *n = &p->nested[i];
		n->use->type.name = n->def->name =
			pool_printf(p->pool, "%s_%s", n->in->name, n->use->name);
	}
	p->nnested = 0;
}

static definition *parse_definition(parser *p)
{
	static const struct {
		const char *word;
		def_kind kind;
	} starts[] = {
		{ "const", DEF_CONST },	    { "enum", DEF_ENUM },	{ "struct", DEF_STRUCT },
		{ "union", DEF_UNION },	    { "typedef", DEF_TYPEDEF }, { "program", DEF_PROGRAM },
	};
	definition *def = pool_alloc(p->pool, sizeof *def);
	const token *first = peek(p);
	size_t i = 0;
	while (i < sizeof starts / sizeof starts[0] && !is_word(p, starts[i].word))
		i++;
	if (i == sizeof starts / sizeof starts[0]) {
		suggestion sg = suggest_start(peek(p)->text);
		for (i = 0; i < sizeof starts / sizeof starts[0]; i++)
			suggest_consider(&sg, starts[i].word);
		char hint[300];
		syntax_error_hint(p, "a definition (const, enum, struct, union, typedef or program)",
				  suggest_text(&sg, hint, sizeof hint));
	}
	advance(p);
	def->kind = starts[i].kind;
	if (def->kind == DEF_TYPEDEF) {
		p->outer = NULL;
		parse_decl(p, &def->target);
		if (def->target.kind == DECL_VOID)
			syntax_error(p, "a type name after 'typedef void'");
		def->name = def->target.name;
		def->where = def->target.where;
		/* typedef struct { ... } name; defines the struct itself */
		if (def->target.type.def && def->target.kind == DECL_PLAIN) {
			expect_punct(p, ';');
			def->target.type.def->doc = doc_of(p, first);
			name_nested(p);
			return NULL;
		}
	} else {
		const token *name = expect_ident(p, "a name");
		def->name = p->outer = name->text;
		def->where = name->where;
	}
	switch (def->kind) {
	case DEF_CONST:
		expect_punct(p, '=');
		if (peek(p)->kind == TOK_STRING) /* rpcgen allows string constants */
			def->const_value = (value){ .text = advance(p)->text, .where = def->where };
		else
			def->const_value = parse_value(p);
		break;
	case DEF_ENUM:
		parse_enum_body(p, def);
		break;
	case DEF_STRUCT:
		parse_struct_body(p, def);
		break;
	case DEF_UNION:
		parse_union_body(p, def);
		break;
	case DEF_PROGRAM:
		parse_program_body(p, def);
		break;
	case DEF_TYPEDEF:
	case DEF_PASSTHROUGH:
		break;
	}
	expect_punct(p, ';');
	def->doc = doc_of(p, first);
	name_nested(p);
	return def;
}

/* After a syntax error: skip to the `;` that ends the broken definition. */
static void recover(parser *p, const token *start)
{
	int depth = 0;
	for (const token *t = start; t < p->tok; t++)
		if (t->kind == TOK_PUNCT)
			depth += (t->text[0] == '{') - (t->text[0] == '}');
	for (;;) {
		const token *t = advance(p);
		if (t->kind == TOK_EOF)
			return;
		if (t->kind != TOK_PUNCT)
			continue;
		depth += (t->text[0] == '{') - (t->text[0] == '}');
		if (depth <= 0 && t->text[0] == ';')
			return;
	}
}

spec parse(pool *pl, diag *d, const token_list *tokens)
{
	/* Not automatic objects: they change between setjmp and longjmp. */
	spec *s = pool_alloc(pl, sizeof *s);
	parser *p = pool_alloc(pl, sizeof *p);
	p->pool = pl;
	p->diag = d;
	p->tok = p->first = tokens->v;
	p->tail = &s->defs;
	while (peek(p)->kind != TOK_EOF && !diag_full(d)) {
		const token *start = p->tok;
		p->depth = 0;
		p->nnested = 0;
		if (setjmp(p->on_error) != 0) {
			recover(p, start);
			continue;
		}
		definition *def = parse_definition(p);
		if (def) /* NULL for a typedef of an inline definition, already appended */
			append(p, def);
	}
	free(p->nested);
	return *s;
}
