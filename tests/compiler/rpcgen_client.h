/* rpcgen's client stubs for all_types.x (with libtirpc), driven from a test that includes
 * onc's all_types.h: values cross as XDR bytes. */
#ifndef ONC_TEST_RPCGEN_CLIENT_H
#define ONC_TEST_RPCGEN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Connects clients for versions 1 and 2 to 127.0.0.1:port over TCP. */
bool rpcgen_client_open(uint16_t port);
void rpcgen_client_close(void);

bool rpcgen_null(void);
bool rpcgen_add(int32_t a, int32_t b, int32_t *sum);
/* The reply's string, copied into out. */
bool rpcgen_name(const char *who, char *out, size_t cap);
/* An encoded `everything` is decoded, sent with ALL_ECHO, and the result encoded into out. */
bool rpcgen_echo(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);
/* ALL_LIST (version 2) with smalls whose a members are as[0..n); the list's values go to
 * values (up to cap), *count gets the list's length. */
bool rpcgen_list(const int32_t *as, uint32_t n, int32_t color, int64_t add, int32_t *values,
		 uint32_t cap, uint32_t *count);

#endif
