/* onc gen — from a .x file to generated sources. */
#ifndef ONC_COMPILER_GEN_H
#define ONC_COMPILER_GEN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gen_options {
	const char *input;          /* the .x file */
	const char *outdir;         /* where outputs go; NULL for the current directory */
	const char *const *cpp_args; /* extra -I/-D/-U arguments for the preprocessor */
	size_t ncpp_args;
	bool sample;                 /* also write <base>_server_sample.c and _client_sample.c */
	bool force;                  /* overwrite samples that exist */
	const char *prefix;          /* C: put before every type's name (ast_prefix_types); NULL */
} gen_options;

/* Generates <base>.h, <base>_xdr.c, <base>_client.c and <base>_server.c (and the samples,
 * which must not exist unless `force`). Errors go to stderr; returns 0 on success, 1 when the
 * input has errors, 2 when a tool or the file system failed or a sample exists. No output is
 * written unless everything succeeded. */
int gen_c(const gen_options *opt);

/* Reads opt->input for a program that uses its types at run time (onc describe, onc call):
 * preprocessed as for a header, parsed, checked and planned into *out and *pl, which live in
 * p. Errors go to d; returns 0, 1 when the input has errors, 2 when a tool failed. */
struct spec;
struct plan;
struct pool;
struct diag;
int gen_load(const gen_options *opt, struct pool *p, struct diag *d, struct spec *out,
	     struct plan *pl);

/* Generates <base>.py for the Python runtime (python/onc); same return values. */
int gen_python(const gen_options *opt);

#endif
