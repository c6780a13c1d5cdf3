/* Internal: the client's half of RPC-with-TLS (RFC 9289, Section 4.1): the AUTH_TLS probe,
 * what the server's answer means, and the switch to TLS on the same connection. */
#ifndef ONC_CLIENT_STARTTLS_H
#define ONC_CLIENT_STARTTLS_H

#include "../net/net.h"
#include "../net/tls.h"
#include "onc/client.h"

/* The probe: a NULL call to prog/vers whose credential is AUTH_TLS with an empty body and whose
 * verifier is AUTH_NONE, record-marked, appended to e. */
onc_status onc__starttls_probe(onc_xdr_enc *e, uint32_t xid, uint32_t prog, uint32_t vers);
/* The server's answer to the probe with this xid (one record, its mark removed): ONC_OK when
 * it offers TLS (MSG_ACCEPTED with the AUTH_NONE verifier "STARTTLS", whatever the accept
 * status), ONC_ERR_TLS_UNAVAILABLE for any other well-formed reply, a codec error otherwise. */
onc_status onc__starttls_answer(const uint8_t *rec, size_t len, uint32_t xid);

/* On the connected stream fd (blocking): probes, and when the server offers TLS makes fd
 * non-blocking and runs the handshake, verifying the server as name; *ssl is then the TLS
 * connection. When it does not offer TLS: *ssl NULL and ONC_OK for ONC_TLS_OPPORTUNISTIC,
 * ONC_ERR_TLS_UNAVAILABLE for ONC_TLS_REQUIRED (no call was made). By deadline_ms. */
onc_status onc__starttls(int fd, SSL_CTX *ctx, onc_tls_mode mode, const char *name, uint32_t xid,
			 uint32_t prog, uint32_t vers, int64_t deadline_ms, SSL **ssl);

#endif
