/* onc gen --lang python — the Python emitter: `<base>.py`, a module on the onc runtime
 * (python/onc) with constants, enums, dataclasses, codecs, client and server classes. */
#ifndef ONC_COMPILER_EMIT_PY_H
#define ONC_COMPILER_EMIT_PY_H

#include "ast.h"
#include "plan.h"
#include "pool.h"
#include "strbuf.h"

void emit_python(strbuf *out, pool *p, const plan *pl, const char *base, const char *source);
/* <base>_server_sample.py and <base>_client_sample.py: a server implementing every procedure
 * with a placeholder result, and a client calling each, on the module emit_python writes. */
void emit_python_server_sample(strbuf *out, pool *p, const plan *pl, const char *base,
			       const char *source);
void emit_python_client_sample(strbuf *out, pool *p, const plan *pl, const char *base,
			       const char *source);

#endif
