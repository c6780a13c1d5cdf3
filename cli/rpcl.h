/* Definitions of a checked .x file printed back in the RPC language, for onc describe and for
 * onc call's messages: names as written, constants by name, enum members with their values. */
#ifndef ONC_CLI_RPCL_H
#define ONC_CLI_RPCL_H

#include <stdio.h>

#include "ast.h"

/* A type's name: `int`, `unsigned hyper`, `string`, `colors`. */
const char *rpcl_type_name(const type_ref *t);
/* "int CALC_ADD(operands) = 1;" */
void rpcl_procedure(FILE *out, const procedure *p, const char *indent);
/* A program with the given version only (NULL for all) and the given procedure only (NULL for
 * all). */
void rpcl_program(FILE *out, const definition *prog, const version *only_vers,
		  const procedure *only_proc);
/* A const, enum, struct, union or typedef. */
void rpcl_definition(FILE *out, const definition *d);

#endif
