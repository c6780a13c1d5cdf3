/* all_types.x's onc codecs: `codecs` (codec.h) holds the types rpcgen + libtirpc can code
 * too, which is all but quads. */
#ifndef ONC_TEST_CODECS_H
#define ONC_TEST_CODECS_H

#include "codec.h"
#include "random_values.h"

/* quadruple, which only onc has. */
extern const codec quads_codec;

#endif
