/* onc gen — parser for the RPC language (RFC 4506 §6, RFC 5531 §12, and rpcgen's extensions). */
#ifndef ONC_COMPILER_PARSER_H
#define ONC_COMPILER_PARSER_H

#include "ast.h"
#include "lexer.h"
#include "suggest.h"

/* Builds the tree in pool memory; syntax errors are reported and parsing resumes at the next
 * definition. The result is only meaningful when no error was reported. */
spec parse(pool *p, diag *d, const token_list *tokens);

/* Offers the language's type names (int, unsigned, rpcgen's u_int...) to a suggestion. */
void parser_suggest_types(suggestion *s);

#endif
