/* onc gen — lexer for the RPC language, reading the C preprocessor's output. */
#ifndef ONC_COMPILER_LEXER_H
#define ONC_COMPILER_LEXER_H

#include <stddef.h>

#include "diag.h"
#include "pool.h"
#include "strbuf.h"

typedef enum tok_kind {
	TOK_EOF,
	TOK_IDENT,
	TOK_NUMBER,
	TOK_STRING,      /* "text", only as the value of a const; text keeps the quotes */
	TOK_PUNCT,       /* one of { } ( ) [ ] < > ; , : = * - */
	TOK_PASSTHROUGH, /* a `%` line; text is what follows the `%` */
} tok_kind;

typedef struct token {
	tok_kind kind;
	const char *text;
	loc where;
	/* Comments, their markers taken off and lines joined by \n: the block just above the
	 * token (ending on the line before it or on its line), and the one after it on its line. */
	const char *doc;
	const char *trailing;
} token;

typedef struct token_list {
	token *v;
	size_t n;
} token_list;

/* Splits preprocessed text into tokens, following `# line "file"` markers; the list always
 * ends with TOK_EOF. Bad characters are reported and skipped. */
token_list lex(pool *p, diag *d, const char *text, const char *file);

#endif
