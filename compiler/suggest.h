/* onc gen — "did you mean": the known name closest to a misspelt one (strcut -> struct,
 * itn -> int), by edit distance with transpositions. */
#ifndef ONC_COMPILER_SUGGEST_H
#define ONC_COMPILER_SUGGEST_H

#include <stddef.h>

typedef struct suggestion {
	const char *name; /* the misspelt name */
	const char *best; /* the closest candidate so far, NULL when none is close enough */
	size_t distance;
} suggestion;

/* Starts looking for names close to `name`. */
suggestion suggest_start(const char *name);
/* Considers one candidate: close enough is at most one edit for short names, two for longer
 * ones, and never half the name; among equals the first in byte order wins. */
void suggest_consider(suggestion *s, const char *candidate);
/* "; did you mean 'X'?" written into buf for the best candidate, or "" when there is none. */
const char *suggest_text(const suggestion *s, char *buf, size_t size);

#endif
