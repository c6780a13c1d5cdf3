/* onc call's codec: JSON values to XDR bytes and back, for any type of a .x file, by walking
 * the compiler's codec plan (compiler/plan.h) at run time. README.md's "JSON mapping" table is
 * the specification; in short:
 *   int, unsigned int, hyper, unsigned hyper   JSON integers, range-checked; a hyper or
 *                                              unsigned hyper may also be a decimal string
 *                                              (unsigned hyper above 2^63-1 is printed so)
 *   float, double        JSON numbers; "NaN", "Infinity", "-Infinity", or "0x" and the
 *                        IEEE 754 bits in hex (8 or 16 digits) for other NaNs
 *   quadruple            a string of 32 hex digits: the 16 bytes on the wire
 *   bool                 true or false
 *   enum                 the member's name (a member's number is accepted)
 *   string               a JSON string; a byte that is not part of valid UTF-8 is the
 *                        character U+EF80 + (byte - 0x80), and so are the three bytes of a
 *                        character from U+EF80 to U+EFFF (MirBSD's OPTU-8 escape)
 *   opaque               a base64 string (RFC 4648, padded); {"hex": "..."} is accepted
 *   T x[N], T x<N>       a JSON array, of N elements or at most N
 *   T *x                 null, or the value
 *   a list (a struct whose last member points to the next node)
 *                        a JSON array of its nodes, each an object without the link member;
 *                        through a pointer the array may be empty
 *   struct               an object with every member, none other
 *   union                an object: the discriminant by its name, and the selected arm's
 *                        member by its name (nothing for a void arm)
 *   procedure arguments  the one argument's value; a JSON array for two or more; nothing
 *                        (or null) for void */
#ifndef ONC_CLI_JSON_CODEC_H
#define ONC_CLI_JSON_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include <onc/xdr.h>

#include "plan.h"

/* Encodes j, a value coded as v says, onto e. On bad input returns false with "PATH: what is
 * wrong" in err (PATH as in jq: `.entries[3].value`, `.` for the value itself). */
bool json_to_xdr(const plan_value *v, const json_t *j, onc_xdr_enc *e, char *err, size_t cap);

/* Decodes one value coded as v from d, as JSON (a new reference); NULL with "PATH: what is
 * wrong" in err when the bytes are not such a value. */
json_t *xdr_to_json(const plan_value *v, onc_xdr_dec *d, char *err, size_t cap);

/* A procedure's arguments (nargs of them, coded as args says) from their JSON form: one value
 * as it is, several as an array, none as null or no JSON at all (j NULL). */
bool json_args_to_xdr(const plan_value *const *args, int nargs, const json_t *j,
		      onc_xdr_enc *e, char *err, size_t cap);

#endif
