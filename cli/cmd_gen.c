/* onc gen: the RPC-language compiler's command line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "gen.h"
#include "pool.h"

const char gen_usage[] =
	"  gen [-o DIR] [--sample [--force]] [--lang c|python] [--prefix P] [-I DIR]\n"
	"      [-D NAME[=VALUE]] FILE.x\n"
	"        generate C code from an RPC-language file: FILE.h (types, constants,\n"
	"        prototypes), FILE_xdr.c (encode, decode and free functions),\n"
	"        FILE_client.c (client stubs) and FILE_server.c (dispatchers); with\n"
	"        --sample also FILE_server_sample.c and FILE_client_sample.c to start from\n"
	"        (kept if they exist, unless --force);\n"
	"        with --lang python, FILE.py (types, codecs, client and server classes;\n"
	"        with --sample also FILE_server_sample.py and FILE_client_sample.py);\n"
	"        --prefix P puts P before the C name of every type and its codecs\n";

/* [A-Za-z_][A-Za-z0-9_]* */
static bool is_identifier(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	while (*++s)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

int cmd_gen(int argc, char **argv)
{
	gen_options opt = { 0 };
	const char **cpp = xmalloc((size_t)argc * sizeof *cpp);
	size_t ncpp = 0;
	int rc = 2;
	bool python = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool bad = false;
		if (strcmp(a, "-o") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "onc gen: %s needs an argument\n", a);
				goto done;
			}
			opt.outdir = argv[++i];
		} else if (arg_cpp("gen", argc, argv, &i, cpp, &ncpp, &bad)) {
			if (bad)
				goto done;
		} else if (strcmp(a, "--lang") == 0 || strncmp(a, "--lang=", 7) == 0) {
			const char *lang = a[6] == '=' ? a + 7 : i + 1 < argc ? argv[++i] : NULL;
			if (!lang || (strcmp(lang, "c") != 0 && strcmp(lang, "python") != 0)) {
				fprintf(stderr, "onc gen: --lang takes c or python\n");
				goto done;
			}
			python = strcmp(lang, "python") == 0;
		} else if (strcmp(a, "--prefix") == 0 || strncmp(a, "--prefix=", 9) == 0) {
			opt.prefix = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : NULL;
			if (!is_identifier(opt.prefix)) {
				fprintf(stderr, "onc gen: --prefix takes the start of a C name, not '%s'\n",
					opt.prefix ? opt.prefix : "");
				goto done;
			}
		} else if (strcmp(a, "--sample") == 0) {
			opt.sample = true;
		} else if (strcmp(a, "--force") == 0) {
			opt.force = true;
		} else if (arg_is_help(a)) {
			fputs(gen_usage, stdout);
			rc = 0;
			goto done;
		} else if (a[0] == '-') {
			rc = arg_unknown("gen", a, gen_usage);
			goto done;
		} else if (opt.input) {
			fprintf(stderr, "onc gen: one input file at a time (%s and %s)\n", opt.input, a);
			goto done;
		} else {
			opt.input = a;
		}
	}
	if (!opt.input) {
		fprintf(stderr, "onc gen: no input file\nusage:\n%s", gen_usage);
		goto done;
	}
	opt.cpp_args = cpp;
	opt.ncpp_args = ncpp;
	if (python && opt.prefix) {
		fprintf(stderr, "onc gen: --prefix is for C only\n");
		goto done;
	}
	rc = python ? gen_python(&opt) : gen_c(&opt);
done:
	free(cpp);
	return rc;
}
