/* Shared helpers for the libFuzzer targets: reading the fuzzer's bytes as parameters, checking
 * invariants (a failed check aborts, which libFuzzer reports as a crash), building call headers
 * so that the fuzzer reaches the procedures, and checking the server's replies. */
#ifndef ONC_FUZZ_COMMON_H
#define ONC_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "onc/server.h"

/* Aborts with the failed condition: a broken invariant is a crash for libFuzzer. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, #cond);                                      \
	} while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *what);

/* The fuzzer's input, consumed from the front; reading past the end gives zeros. */
typedef struct fuzz_in {
	const uint8_t *p;
	size_t n;
} fuzz_in;

uint8_t fuzz_u8(fuzz_in *in);
uint32_t fuzz_u32(fuzz_in *in);
/* Up to n bytes (fewer at the end of the input); *got says how many. */
const uint8_t *fuzz_take(fuzz_in *in, size_t n, size_t *got);

/* Appends n bytes as they are (no padding). */
void fuzz_put_raw(onc_xdr_enc *e, const void *data, size_t n);

/* A call header for prog/vers/proc whose credentials are picked by cred (see common.c:
 * AUTH_NONE, a valid AUTH_SYS, fuzzed AUTH_SYS bodies, other flavors), with the verifier
 * AUTH_NONE. Takes what it needs of in. */
void fuzz_put_call(onc_xdr_enc *e, fuzz_in *in, uint32_t xid, uint32_t prog, uint32_t vers,
		   uint32_t proc, uint8_t cred);

/* What onc_server_process() must have done with msg, worked out independently of the server. */
typedef struct fuzz_reply {
	bool answered;         /* a reply was produced */
	onc_call_header call;  /* valid when the call header decoded */
	onc_reply_header head; /* the reply's header, when answered */
	const uint8_t *results; /* after the header, for SUCCESS */
	size_t results_len;
} fuzz_reply;

/* Runs msg through the server and checks the reply against RFC 5531: one reply exactly when
 * the header can be answered, the call's xid, the denial the header deserves, framing when
 * record-marked. progs[] lists the server's versions of prog (vers_low..vers_high, all
 * served) so that PROG_MISMATCH and PROG_UNAVAIL can be predicted. The reply stays in out. */
void fuzz_process(onc_server *srv, const uint8_t *msg, size_t len, bool record_mark,
		  onc_xdr_enc *out, uint32_t prog, uint32_t vers_low, uint32_t vers_high,
		  fuzz_reply *r);

#endif
