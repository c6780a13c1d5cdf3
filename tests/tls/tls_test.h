/* What the TLS tests share: certificates made at test time (make_certs.sh, the openssl CLI), a
 * server of TLSPROG in a background thread, and clients with TLS options.
 *   TLSPROG version 1: 0 NULL; 1 WHO() -> string: "tls|clear subject;san;san..." as the
 *   handler sees its caller (onc_call_tls); 2 SIZE(opaque<>) -> unsigned: the argument's length,
 *   for large records; 3 FILL(unsigned n) -> opaque<>: n bytes, byte i being i % 251. */
#ifndef TLS_TEST_H
#define TLS_TEST_H

#include <pthread.h>

#include "onc/client.h"
#include "onc/server.h"

#define TLSPROG 0x20000777u
enum { TLS_NULL, TLS_WHO, TLS_SIZE, TLS_FILL };

typedef struct tls_server {
	onc_server *srv;
	pthread_t thread;
	uint16_t tcp_port, udp_port;
	char tcp[64], tls[64], udp[64];
	unsigned calls; /* handler runs, atomically */
} tls_server;

/* The certificate directory (made once per run) and a file in it. */
const char *cert(const char *name);
/* Server options: the test server certificate, with the client CA when mutual is set; one loop,
 * and ONC_TEST_WORKERS workers (none when unset). */
onc_server_options tls_server_options(bool mutual, bool require_client_cert);
/* Starts a server with these options (NULL: no TLS); require_tls: TLSPROG v1 takes TLS only. */
void tls_server_start(tls_server *s, const onc_server_options *opts, bool require_tls);
/* The same on TCP port tcp_port of 127.0.0.1 (0: a free one). */
void tls_server_start_on(tls_server *s, const onc_server_options *opts, bool require_tls,
			 uint16_t tcp_port);
void tls_server_stop(tls_server *s);
/* Client options verifying the server against ca (a file of cert()) as name (NULL: the URL's
 * host); with_cert: present the client certificate. */
onc_client_options tls_client_options(onc_tls_mode mode, const char *ca, const char *name,
				      bool with_cert);
/* The monotonic clock in milliseconds. */
int64_t now_ms(void);
/* WHO over c into buf: the call's status. */
onc_status who(onc_client *c, char *buf, size_t len);

#endif
