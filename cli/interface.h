/* An interface for onc describe and onc call: a .x file read, checked and planned as onc gen
 * reads it, and its programs, versions and procedures found by name or number. */
#ifndef ONC_CLI_INTERFACE_H
#define ONC_CLI_INTERFACE_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "plan.h"
#include "pool.h"

typedef struct interface {
	pool pool;
	spec spec;
	plan plan;
} interface;

/* Reads path; errors in it are printed. Returns 0, 1 (errors in the file) or 2 (it could not be
 * read); the interface must be freed in every case. */
int interface_load(interface *x, const char *path, const char *const *cpp, size_t ncpp);
void interface_free(interface *x);

/* What a dotted name PROG[.VERS[.PROC]] names; each part is a name from the file or a number. */
typedef struct target {
	const definition *prog;
	const version *vers; /* NULL when the name stops at the program */
	const procedure *proc; /* NULL when it stops at the version */
} target;

/* Finds name, which must have at least `parts` parts; false after printing why to stderr as
 * "onc CMD: ..." with the closest name ("did you mean"). */
bool interface_find(const interface *x, const char *cmd, const char *name, int parts, target *out);

#endif
