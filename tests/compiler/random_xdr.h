/* Random, valid XDR bytes for any type of a checked .x file, built by walking onc gen's own
 * syntax tree: input for differential tests that need no hand-written value builders. */
#ifndef ONC_TEST_RANDOM_XDR_H
#define ONC_TEST_RANDOM_XDR_H

#include "ast.h"
#include "rng.h"
#include "strbuf.h"

/* Appends one random encoded value of the type to out. */
void random_xdr(const definition *type, rng *r, strbuf *out);

#endif
