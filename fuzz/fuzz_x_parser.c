/* The `.x` front end of `onc gen`: lexer, parser, checks and, for inputs without errors, the
 * codec plan and the C emitters, on text as the preprocessor would hand it over (cpp itself is
 * not run).
 *
 * Error messages quote source lines, which diag reads from the file a `# line "file"` marker
 * names. So that fuzzed markers cannot name /dev/stdin or /dev/zero, `/` on marker lines
 * becomes `_`: only files in the working directory can be named, and run.sh runs the fuzzer
 * in an empty one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common.h"
#include "emit_c.h"
#include "parser.h"
#include "plan.h"

static FILE *sink;

/* Replaces `/` on lines whose first non-blank character is `#`, as the lexer sees them. */
static void defuse_markers(char *text)
{
	for (char *line = text; *line;) {
		char *p = line + strspn(line, " \t");
		char *eol = p + strcspn(p, "\n");
		if (*p == '#')
			for (; p < eol; p++)
				if (*p == '/')
					*p = '_';
		line = *eol ? eol + 1 : eol;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	FUZZ_CHECK(sink);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	pool p = {0};
	diag d;

	FUZZ_CHECK(text);
	memcpy(text, data, size);
	text[size] = 0;
	defuse_markers(text);
	diag_init(&d, sink);

	token_list tokens = lex(&p, &d, text, "fuzz.x");
	FUZZ_CHECK(tokens.n > 0 && tokens.v[tokens.n - 1].kind == TOK_EOF);
	spec s = parse(&p, &d, &tokens);
	if (!d.errors && check_spec(&s, NULL, &d, &p)) {
		strbuf header = {0}, xdr = {0};
		plan pl;
		plan_build(&pl, &s, &p);
		emit_c_header(&header, &p, &pl, "fuzz", "fuzz.x");
		emit_c_xdr(&xdr, &p, &pl, "fuzz", "fuzz.x");
		strbuf_free(&header);
		strbuf_free(&xdr);
	}
	FUZZ_CHECK(d.errors <= d.limit);

	diag_free(&d);
	pool_free(&p);
	free(text);
	return 0;
}
