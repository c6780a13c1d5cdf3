#include "gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "emit_c.h"
#include "emit_py.h"
#include "parser.h"
#include "plan.h"
#include "preprocess.h"

/* Like rpcgen, the input is preprocessed once per output, with a macro saying which. */
typedef enum pass { PASS_HDR, PASS_XDR, PASS_CLNT, PASS_SVC, PASS_COUNT } pass;

static const char *const pass_define[PASS_COUNT] = { "-DRPC_HDR", "-DRPC_XDR", "-DRPC_CLNT",
						     "-DRPC_SVC" };

typedef void (*emit_fn)(strbuf *out, pool *p, const plan *pl, const char *base, const char *source);

typedef struct output {
	pass from;
	const char *suffix;
	emit_fn emit;
	bool sample;
} output;

static const output outputs[] = {
	{ PASS_HDR, ".h", emit_c_header, false },
	{ PASS_XDR, "_xdr.c", emit_c_xdr, false },
	{ PASS_CLNT, "_client.c", emit_c_client, false },
	{ PASS_SVC, "_server.c", emit_c_server, false },
	{ PASS_SVC, "_server_sample.c", emit_c_server_sample, true },
	{ PASS_CLNT, "_client_sample.c", emit_c_client_sample, true },
};

enum { NOUTPUTS = sizeof outputs / sizeof outputs[0] };

/* onc gen --lang python: one pass. */
static const output py_outputs[] = {
	{ PASS_HDR, ".py", emit_python, false },
	{ PASS_HDR, "_server_sample.py", emit_python_server_sample, true },
	{ PASS_HDR, "_client_sample.py", emit_python_client_sample, true },
};

enum { NPY_OUTPUTS = sizeof py_outputs / sizeof py_outputs[0] };

/* Preprocesses, parses, checks and plans the input for one output file. */
static int load(const gen_options *opt, pass which, const spec *macros, pool *p, diag *d,
		spec *out, plan *pl)
{
	char *text = preprocess(opt->input, pass_define[which], opt->cpp_args, opt->ncpp_args, p, d);
	if (!text)
		return d->errors ? 1 : 2;
	token_list tokens = lex(p, d, text, opt->input);
	free(text);
	*out = parse(p, d, &tokens);
	if (d->errors || !check_spec(out, macros, d, p))
		return 1;
	if (opt->prefix)
		ast_prefix_types(out, opt->prefix, p);
	plan_build(pl, out, p);
	return 0;
}

int gen_load(const gen_options *opt, pool *p, diag *d, spec *out, plan *pl)
{
	return load(opt, PASS_HDR, NULL, p, d, out, pl);
}

static void report(diag *d)
{
	diag_flush(d);
	if (d->errors)
		fprintf(stderr, "%d error%s\n", d->errors, d->errors == 1 ? "" : "s");
}

/* "dir/calc.x" -> "calc.x": generated files name their source so, the same wherever they
 * are generated. */
static const char *file_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* "dir/calc.x" -> "calc" */
static char *base_name(pool *p, const char *path)
{
	const char *name = file_name(path);
	size_t len = strlen(name);
	if (len > 2 && strcmp(name + len - 2, ".x") == 0)
		len -= 2;
	return pool_strndup(p, name, len);
}

/* Writes the outputs generated (samples only with --sample) into the output directory;
 * nothing when a sample is there already, unless --force. 0, or 2 on failure. */
static int save(const gen_options *opt, pool *p, const char *base, const output *out, size_t n,
		const strbuf *text)
{
	const char *dir = opt->outdir ? opt->outdir : ".";
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "onc: cannot create %s: %s\n", dir, strerror(errno));
		return 2;
	}
	/* Samples are where the programmer's code goes: kept, as rpcgen keeps them. */
	for (size_t i = 0; i < n && opt->sample && !opt->force; i++) {
		const char *path = pool_printf(p, "%s/%s%s", dir, base, out[i].suffix);
		if (out[i].sample && access(path, F_OK) == 0) {
			fprintf(stderr, "onc: %s exists and may hold your code: not overwritten "
					"(--force overwrites it)\n", path);
			return 2;
		}
	}
	for (size_t i = 0; i < n; i++)
		if ((opt->sample || !out[i].sample) &&
		    !strbuf_save(&text[i], pool_printf(p, "%s/%s%s", dir, base, out[i].suffix)))
			return 2;
	return 0;
}

int gen_c(const gen_options *opt)
{
	/* The header's pass lives to the end (the others take its `%#define` names); each other
	 * pass is freed once its outputs are generated, so that memory holds two at most. */
	pool p = { 0 }, pass_pool = { 0 };
	diag d;
	diag_init(&d, stderr);
	spec hdr, s;
	plan pl;
	strbuf text[NOUTPUTS] = { { 0 } };
	int rc = 0;
	const char *base = base_name(&p, opt->input);
	/* The header's pass is checked first and alone: its errors are the ones to report. */
	for (pass i = PASS_HDR; i < PASS_COUNT && rc == 0; i++) {
		pool *pp = i == PASS_HDR ? &p : &pass_pool;
		rc = load(opt, i, i == PASS_HDR ? NULL : &hdr, pp, &d, i == PASS_HDR ? &hdr : &s, &pl);
		for (size_t k = 0; k < NOUTPUTS && rc == 0; k++)
			if (outputs[k].from == i && (opt->sample || !outputs[k].sample))
				outputs[k].emit(&text[k], pp, &pl, base, file_name(opt->input));
		if (rc == 0 && i != PASS_HDR)
			pool_free(&pass_pool);
	}
	if (rc == 0) /* everything is generated before anything is written */
		rc = save(opt, &p, base, outputs, NOUTPUTS, text);
	report(&d);
	for (size_t i = 0; i < NOUTPUTS; i++)
		strbuf_free(&text[i]);
	diag_free(&d);
	pool_free(&pass_pool);
	pool_free(&p);
	return rc;
}

int gen_python(const gen_options *opt)
{
	pool p = { 0 };
	diag d;
	diag_init(&d, stderr);
	spec s;
	plan pl;
	strbuf text[NPY_OUTPUTS] = { { 0 } };
	int rc = load(opt, PASS_HDR, NULL, &p, &d, &s, &pl);
	if (rc == 0) {
		const char *base = base_name(&p, opt->input);
		for (size_t i = 0; i < NPY_OUTPUTS; i++)
			if (opt->sample || !py_outputs[i].sample)
				py_outputs[i].emit(&text[i], &p, &pl, base, file_name(opt->input));
		rc = save(opt, &p, base, py_outputs, NPY_OUTPUTS, text);
	}
	report(&d);
	for (size_t i = 0; i < NPY_OUTPUTS; i++)
		strbuf_free(&text[i]);
	diag_free(&d);
	pool_free(&p);
	return rc;
}
