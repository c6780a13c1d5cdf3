/* onc gen — runs the C preprocessor over a .x file the way rpcgen does. */
#ifndef ONC_COMPILER_PREPROCESS_H
#define ONC_COMPILER_PREPROCESS_H

#include <stddef.h>

/* Runs `cpp -C -traditional-cpp -D<define> <args...> <file>`: comments are kept (so that `%`
 * lines spanning a comment survive) and so is the spacing (so that columns stay right). The
 * environment variable ONC_CPP names another preprocessor. Returns the output (free() it), or
 * NULL after the preprocessor's own message or ours. */
char *preprocess(const char *file, const char *define, const char *const *args, size_t nargs);

#endif
