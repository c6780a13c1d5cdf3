/* Bytes as text for onc call's JSON: base64 (RFC 4648 §4, padded) and hex. */
#ifndef ONC_CLI_BASE64_H
#define ONC_CLI_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The base64 text of n bytes, NUL-terminated, into out (base64_len(n) + 1 bytes). */
size_t base64_len(size_t n);
void base64_encode(const uint8_t *in, size_t n, char *out);
/* Decodes len characters (padding required, no spaces) into out (at least len / 4 * 3
 * bytes); *n gets the count. False when the text is not base64. */
bool base64_decode(const char *in, size_t len, uint8_t *out, size_t *n);
/* Decodes len hex digits (an even count, either case) into out (len / 2 bytes). */
bool hex_decode(const char *in, size_t len, uint8_t *out);

#endif
