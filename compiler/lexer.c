#include "lexer.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Names are copied into the generated code, and the names of inline definitions repeat those
 * of the definitions around them (outer_m_n): capping them keeps the output within a constant
 * factor of the input. Real names are a few dozen characters. */
#define MAX_NAME 255

typedef struct lexer {
	pool *pool;
	diag *diag;
	const char *p;          /* cursor */
	const char *line_start; /* start of the current line, for columns */
	const char *file;
	int line;
	token *v;
	size_t n, cap;
	/* comments waiting for the token they stand above */
	strbuf pending;
	int pending_end; /* the line the last of them ends on */
	const char *pending_file;
} lexer;

static loc at(const lexer *lx, const char *s)
{
	return (loc){ lx->file, lx->line, (int)(s - lx->line_start) + 1 };
}

static loc here(const lexer *lx)
{
	return at(lx, lx->p);
}

static void push(lexer *lx, tok_kind kind, const char *start, size_t len, loc where)
{
	if (lx->n == lx->cap) {
		lx->cap = lx->cap ? lx->cap * 2 : 256;
		token *v = pool_alloc(lx->pool, lx->cap * sizeof *v);
		if (lx->n)
			memcpy(v, lx->v, lx->n * sizeof *v);
		lx->v = v;
	}
	token t = { kind, pool_strndup(lx->pool, start, len), where, NULL, NULL };
	if (lx->pending.len && lx->pending_file == lx->file && lx->pending_end + 1 >= where.line)
		t.doc = pool_strndup(lx->pool, lx->pending.data, lx->pending.len);
	lx->pending.len = 0;
	lx->v[lx->n++] = t;
}

/* A comment's text without its markers, and without the blanks and `*` that start the
 * lines of a block comment; blank lines at either end go. */
static void comment_text(strbuf *out, const char *s, size_t n, bool block)
{
	const char *end = s + n;
	size_t first = out->len;
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *e = eol ? eol : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (block && s < e && *s == '*' && (s + 1 == e || s[1] != '/'))
			for (s++; s < e && (*s == ' ' || *s == '\t'); s++)
				;
		const char *t = e;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (t > s || out->len > first)
			strbuf_printf(out, "%.*s\n", (int)(t - s), s);
		s = eol ? eol + 1 : end;
	}
	while (out->len > first && out->data[out->len - 1] == '\n')
		out->len--;
}

/* A comment from line `first` to the current line: after a token on its line, that token's;
 * else it joins the block waiting for the next token (one not just below is dropped). */
static void comment(lexer *lx, const char *s, size_t n, bool block, int first)
{
	token *prev = lx->n ? &lx->v[lx->n - 1] : NULL;
	if (prev && !prev->trailing && prev->kind != TOK_PASSTHROUGH && prev->where.file == lx->file &&
	    prev->where.line == first && !lx->pending.len) {
		strbuf text = { 0 };
		comment_text(&text, s, n, block);
		if (text.len)
			prev->trailing = pool_strndup(lx->pool, text.data, text.len);
		strbuf_free(&text);
		return;
	}
	if (lx->pending.len && (lx->pending_file != lx->file || lx->pending_end + 1 < first))
		lx->pending.len = 0;
	if (lx->pending.len)
		strbuf_puts(&lx->pending, "\n");
	size_t before = lx->pending.len;
	comment_text(&lx->pending, s, n, block);
	if (lx->pending.len == before && before) /* an empty comment adds no line */
		lx->pending.len--;
	lx->pending_end = lx->line;
	lx->pending_file = lx->file;
}

static void newline(lexer *lx)
{
	lx->p++;
	lx->line++;
	lx->line_start = lx->p;
}

/* A preprocessor line: `# 12 "file" flags` or `#line 12 "file"` moves the position; anything
 * else (#pragma, #ident) is ignored. */
static void directive(lexer *lx)
{
	const char *p = lx->p + 1;
	const char *eol = p + strcspn(p, "\n");
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "line", 4) == 0)
		p += 4;
	char *after;
	long n = strtol(p, &after, 10);
	if (after != p && n > 0 && n <= INT_MAX) {
		p = after;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			const char *q = ++p;
			while (q < eol && *q != '"')
				q++;
			if (strlen(lx->file) != (size_t)(q - p) || strncmp(lx->file, p, (size_t)(q - p)))
				lx->file = pool_strndup(lx->pool, p, (size_t)(q - p));
		}
		lx->line = (int)n - 1; /* the marker names the line after it */
	}
	lx->p = eol;
	if (*lx->p)
		newline(lx);
}

static void block_comment(lexer *lx)
{
	loc start = here(lx);
	lx->p += 2;
	const char *text = lx->p;
	while (*lx->p && !(lx->p[0] == '*' && lx->p[1] == '/')) {
		if (*lx->p == '\n')
			newline(lx);
		else
			lx->p++;
	}
	if (!*lx->p) {
		diag_error(lx->diag, start, "unterminated comment");
		return;
	}
	comment(lx, text, (size_t)(lx->p - text), true, start.line);
	lx->p += 2;
}

token_list lex(pool *p, diag *d, const char *text, const char *file)
{
	lexer lx = { .pool = p, .diag = d, .p = text, .line_start = text, .file = file, .line = 1 };
	while (*lx.p) {
		const char *s = lx.p;
		char c = *s;
		if (c == '\n') {
			newline(&lx);
		} else if (isspace((unsigned char)c)) {
			lx.p++;
		} else if ((c == '#' || c == '%') && strspn(lx.line_start, " \t") == (size_t)(s - lx.line_start)) {
			if (c == '#') {
				directive(&lx);
			} else {
				size_t len = strcspn(s + 1, "\n");
				push(&lx, TOK_PASSTHROUGH, s + 1, len, here(&lx));
				lx.p = s + 1 + len;
			}
		} else if (c == '/' && s[1] == '*') {
			block_comment(&lx);
		} else if (c == '/' && s[1] == '/') {
			lx.p += strcspn(s, "\n");
			comment(&lx, s + 2, (size_t)(lx.p - s - 2), false, lx.line);
		} else if (isalpha((unsigned char)c) || c == '_') {
			while (isalnum((unsigned char)*lx.p) || *lx.p == '_')
				lx.p++;
			if (lx.p - s > MAX_NAME)
				diag_error(d, at(&lx, s), "name longer than %d characters", MAX_NAME);
			push(&lx, TOK_IDENT, s, (size_t)(lx.p - s), at(&lx, s));
		} else if (isdigit((unsigned char)c)) {
			while (isalnum((unsigned char)*lx.p))
				lx.p++;
			push(&lx, TOK_NUMBER, s, (size_t)(lx.p - s), at(&lx, s));
		} else if (c == '"') {
			size_t len = 1;
			while (s[len] && s[len] != '"' && s[len] != '\n')
				len += s[len] == '\\' && s[len + 1] && s[len + 1] != '\n' ? 2 : 1;
			if (s[len] != '"') {
				diag_error(d, here(&lx), "unterminated string");
				lx.p = s + len;
				continue;
			}
			push(&lx, TOK_STRING, s, len + 1, here(&lx));
			lx.p = s + len + 1;
		} else if (strchr("{}()[]<>;,:=*-", c)) {
			push(&lx, TOK_PUNCT, s, 1, here(&lx));
			lx.p++;
		} else {
			if (isprint((unsigned char)c))
				diag_error(d, here(&lx), "unexpected character '%c'", c);
			else
				diag_error(d, here(&lx), "unexpected byte 0x%02x", (unsigned char)c);
			lx.p++;
		}
	}
	push(&lx, TOK_EOF, "", 0, here(&lx));
	strbuf_free(&lx.pending);
	return (token_list){ lx.v, lx.n };
}
