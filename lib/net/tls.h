/* Internal: RPC-with-TLS (RFC 9289) on OpenSSL 3: the contexts that the client and the server
 * build from their options, non-blocking I/O steps for the event loop and for the client, and
 * the peer's identity. The AUTH_TLS probe itself belongs to the client (lib/client/starttls.c)
 * and the server (lib/server/starttls.c); this file knows nothing of RPC. */
#ifndef ONC_NET_TLS_H
#define ONC_NET_TLS_H

#include <openssl/ssl.h>

#include "onc/status.h"

/* The verifier body a server that offers TLS answers the probe with (RFC 9289, Section 4.1). */
#define ONC__STARTTLS "STARTTLS"
#define ONC__STARTTLS_LEN 8u

/* The files a context is made from (PEM; NULL: none), as the client and server options name
 * them. */
typedef struct onc__tls_files {
	const char *ca_file, *ca_dir; /* whom to trust; client with both NULL: the system's CAs */
	const char *cert_file, *key_file; /* our chain and key (key NULL: in cert_file) */
} onc__tls_files;

/* A client context: TLS 1.3 only, ALPN "sunrpc", the CAs, our certificate. Clients with equal
 * files share one (a reference each: SSL_CTX_free when done). NULL with *status set when a
 * file cannot be loaded. */
SSL_CTX *onc__tls_client_ctx(const onc__tls_files *f, onc_status *status);
/* A server context: TLS 1.3 only, ALPN "sunrpc" required of clients, the certificate chain and
 * key; with f->ca_file, client certificates are asked for (and required when
 * require_client_cert is set) and verified against those CAs. */
SSL_CTX *onc__tls_server_ctx(const onc__tls_files *f, bool require_client_cert,
			     onc_status *status);

/* A client connection on fd (non-blocking) that verifies the server's certificate for name (a
 * DNS name, also sent as SNI, or an IP address). NULL when out of memory. */
SSL *onc__tls_client_new(SSL_CTX *ctx, int fd, const char *name);
/* A server connection on fd (non-blocking). */
SSL *onc__tls_server_new(SSL_CTX *ctx, int fd);

/* What a non-blocking step came to. */
typedef enum onc__tls_io {
	ONC__TLS_DONE,       /* the handshake finished, or bytes were moved */
	ONC__TLS_WANT_READ,  /* call again once fd is readable */
	ONC__TLS_WANT_WRITE, /* call again once fd is writable */
	ONC__TLS_EOF,        /* the peer closed (close_notify or end of file) */
	ONC__TLS_FAILED,     /* a TLS or socket error: the connection is unusable */
} onc__tls_io;

/* One step of the handshake. Once done, the client has checked that the server chose ALPN
 * "sunrpc" (the server refuses a client without it during the handshake). */
onc__tls_io onc__tls_handshake(SSL *ssl);
/* Reads up to len bytes (*n of them when DONE). */
onc__tls_io onc__tls_read(SSL *ssl, uint8_t *buf, size_t len, size_t *n);
/* Writes up to len bytes (*n of them when DONE; a retry after WANT_* passes the same bytes
 * again, possibly from another address and followed by more). */
onc__tls_io onc__tls_write(SSL *ssl, const uint8_t *buf, size_t len, size_t *n);
/* The handshake with fd blocking in poll() until deadline_ms (onc__now_ms clock): ONC_OK,
 * ONC_ERR_TIMEDOUT or ONC_ERR_TLS. */
onc_status onc__tls_handshake_by(SSL *ssl, int fd, int64_t deadline_ms);

/* The peer certificate's subject (RFC 2253) and SANs ("DNS:x", "IP:a"), in one allocation
 * that starts at *sans: free with free((void *)*sans). A peer without a certificate gets
 * subject "" and no SANs. */
onc_status onc__tls_peer_get(SSL *ssl, const char **subject, const char *const **sans,
			     size_t *nsans);

#endif
