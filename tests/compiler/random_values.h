/* Random values of all_types.x's types, built in onc's C representation with malloc, so that
 * T_free() releases them. */
#ifndef ONC_TEST_RANDOM_VALUES_H
#define ONC_TEST_RANDOM_VALUES_H

#include <stdint.h>

#include "all_types.h"
#include "rng.h"

void random_scalars(rng *r, scalars *v);
void random_small(rng *r, small *v);
void random_nested(rng *r, nested *v);
void random_arrays(rng *r, arrays *v);
void random_optionals(rng *r, optionals *v);
void random_list(rng *r, list *v);
void random_tree(rng *r, tree *v, int depth);
void random_shape(rng *r, shape *v);
void random_with_default(rng *r, with_default *v);
void random_everything(rng *r, everything *v);
void random_quads(rng *r, quads *v);

/* A list of n nodes (n >= 1) whose values count from 0. */
void make_list(list *head, uint32_t n);

#endif
