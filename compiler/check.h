/* onc gen — semantic checks: names, constants, types, numbers; then sizes and recursion. */
#ifndef ONC_COMPILER_CHECK_H
#define ONC_COMPILER_CHECK_H

#include "ast.h"
#include "pool.h"

/* Resolves names and reports every error found. Names `#define`d by `%` lines of `macros`
 * (another preprocessing of the same file, or NULL) count as constants too. Returns true when
 * there was no error; only then are the computed fields of the definitions valid. Types
 * that rpcgen takes from libtirpc without a definition (netobj) are added to the front. */
bool check_spec(spec *s, const spec *macros, diag *d, pool *p);

#endif
