/* onc gen — runs the C preprocessor over a .x file the way rpcgen does. */
#ifndef ONC_COMPILER_PREPROCESS_H
#define ONC_COMPILER_PREPROCESS_H

#include <stddef.h>

#include "diag.h"
#include "pool.h"

/* Runs `cpp -C -traditional-cpp -D<define> <args...> <file>`: comments are kept (so that `%`
 * lines spanning a comment survive) and so is the spacing (so that columns stay right). The
 * environment variable ONC_CPP names another preprocessor. Returns the output (free() it), or
 * NULL: after errors in the input (a missing #include...) reported to d as ours are, or after
 * a message saying why the file could not be read or the preprocessor run (d has no error). */
char *preprocess(const char *file, const char *define, const char *const *args, size_t nargs,
		 pool *p, diag *d);

#endif
