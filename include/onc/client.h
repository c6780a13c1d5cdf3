/* onc — RPC client: one connection (TCP, UDP or Unix stream) to one program version.
 *
 * A client is safe to share between threads: calls from several threads on one stream
 * connection are all in flight together and their replies are matched by xid.
 */
#ifndef ONC_CLIENT_H
#define ONC_CLIENT_H

#include "onc/rpc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How generated code passes a value's codec to the runtime: one indirect call per call. */
typedef onc_status (*onc_encode_fn)(onc_xdr_enc *e, const void *value);
typedef onc_status (*onc_decode_fn)(onc_xdr_dec *d, void *value);

typedef struct onc_client onc_client;

/* Details of a failure, for the errors that carry them: a call's (onc_call_opts.error) or a
 * client's creation (onc_client_options.error). Every field is 0 when it does not apply. */
typedef struct onc_call_error {
	uint32_t low, high; /* ONC_ERR_PROG_MISMATCH, ONC_ERR_RPC_MISMATCH: supported versions */
	onc_auth_stat auth; /* ONC_ERR_AUTH: the server's reason */
	int os_error;       /* the errno of the system call that failed (ECONNREFUSED,
			     * EADDRNOTAVAIL, EMSGSIZE...) behind a transport status */
	int gai_error;      /* ONC_ERR_ADDRESS: getaddrinfo()'s EAI_* code for a host name that
			     * does not resolve */
} onc_call_error;

/* Writes the status's text and what the detail adds to it into buf (size n, NUL-terminated
 * when n > 0, cut short when it does not fit), and returns buf:
 *   "bad or unresolvable address: Cannot assign requested address"  (strerror(os_error))
 *   "bad or unresolvable address: Name or service not known"       (gai_strerror(gai_error))
 *   "program version mismatch: server supports versions 1 to 2"
 *   "authentication error: AUTH_BADCRED"
 * and the bare onc_strerror() text when the detail adds nothing (an OS text that says the
 * same, as "Connection refused" does for ONC_ERR_CONNREFUSED, is left out). err may be NULL.
 * The Python runtime's exceptions read the same (str() of an onc.RpcError). */
ONC_API char *onc_error_text(onc_status status, const onc_call_error *err, char *buf, size_t n);

/* RPC-with-TLS (RFC 9289) on stream connections. The client probes right after connecting: a
 * NULL call with credential AUTH_TLS (empty) and verifier AUTH_NONE; a server that offers TLS
 * answers with the verifier "STARTTLS", and a TLS 1.3 handshake (ALPN "sunrpc") follows on the
 * same connection, with every later record inside TLS. */
typedef enum onc_tls_mode {
	ONC_TLS_OFF = 0,        /* cleartext, no probe ("tls://" addresses mean REQUIRED) */
	ONC_TLS_OPPORTUNISTIC,  /* TLS when the server offers it, else cleartext; a failed
				 * handshake after STARTTLS is an error (ONC_ERR_TLS), never a
				 * fall back to cleartext */
	ONC_TLS_REQUIRED,       /* TLS or nothing: a server that does not offer it gets no
				 * cleartext call, the call fails with ONC_ERR_TLS_UNAVAILABLE */
} onc_tls_mode;

typedef struct onc_tls_client_options {
	onc_tls_mode mode;
	const char *ca_file;     /* PEM file of trusted CAs; with ca_dir NULL too: the system's */
	const char *ca_dir;      /* directory of hashed CA certificates (c_rehash) */
	const char *cert_file;   /* our certificate chain (PEM), for mutual TLS; NULL: none */
	const char *key_file;    /* its private key (PEM); NULL: in cert_file */
	const char *server_name; /* the name the server's certificate must carry, a DNS name or
				  * an IP address (matched against its DNS or IP SANs), sent as
				  * SNI when a DNS name; NULL: the host of the address */
} onc_tls_client_options;

typedef struct onc_client_options {
	int timeout_ms;      /* per call, sending included; 0 means the default, 25 s as in
			      * rpcgen's clients */
	int retry_ms;        /* UDP: first retransmission delay, doubled each time; 0 = 500 ms */
	size_t max_record;   /* largest reply accepted; 0 = ONC_RM_DEFAULT_MAX_RECORD */
	unsigned max_in_flight; /* most calls awaiting replies at once; 0 = 1024 */
	const onc_auth_sys *auth_sys; /* AUTH_SYS credentials; NULL for AUTH_NONE */
	uint16_t rpcbind_port; /* where the host's rpcbind listens, for addresses without a
				* port; 0 = 111 */
	onc_tls_client_options tls; /* all zero: cleartext */
	onc_call_error *error; /* when onc_client_create() fails: why, e.g. os_error ECONNREFUSED
				* or getaddrinfo()'s gai_error (written as a call's is); may
				* be NULL */
} onc_client_options;

/* Connects to program prog, version vers at addr:
 *   "tcp://127.0.0.1:2049", "udp://[::1]:2049", "unix:///run/calc.sock",
 *   "tcp://host" or "udp://host" (no port: asked of host's rpcbind/portmapper, within the
 *   client's timeout; ONC_ERR_RPCBIND_UNREACHABLE when that rpcbind cannot be reached),
 *   "tls://host:2049" or "tls://host": TCP with RPC-with-TLS required (opts->tls says how to
 *   verify the server; its mode may relax it to ONC_TLS_OPPORTUNISTIC).
 * With TLS, every connection the client makes (the first and any after a failure) is probed
 * and secured before a call goes on it; clients made with equal TLS options share one TLS
 * context (the CA store and certificates are loaded once).
 * opts may be NULL. Returns NULL with *status set on failure, and opts->error (when set)
 * filled in: onc_error_text() prints both. */
ONC_API onc_client *onc_client_create(const char *addr, uint32_t prog, uint32_t vers,
				      const onc_client_options *opts, onc_status *status);
/* Asks the server at addr ("tcp://host:port", "tls://host:port", "unix:///path") whether it
 * offers RPC-with-TLS to prog/vers: one AUTH_TLS probe on a new connection, closed after the
 * answer (no handshake, no certificate checked; `onc info --tls`). ONC_OK with *offered set,
 * or why the server could not be asked. */
ONC_API onc_status onc_client_probe_tls(const char *addr, uint32_t prog, uint32_t vers,
					int timeout_ms, bool *offered);
/* True when the client's connection is protected by TLS (after STARTTLS). */
ONC_API bool onc_client_is_tls(onc_client *c);
/* Closes the connection and frees the client; no call may be in progress on it. */
ONC_API void onc_client_destroy(onc_client *c);

/* Per-call settings; a NULL pointer means all defaults. */
typedef struct onc_call_opts {
	int timeout_ms;       /* 0: the client's timeout */
	onc_arena *arena;     /* where the result's strings, arrays and optional data go;
			       * NULL: they are malloc'd and the generated T_free() releases them */
	onc_call_error *error; /* when the call fails: every field written (0 where it does not
				* apply); untouched when it succeeds; may be NULL */
} onc_call_opts;

/* Calls procedure proc: encodes args with encode (NULL for void arguments), waits for the
 * reply and decodes the results into result with decode (NULL for void results).
 * In steady state a call allocates nothing (this form, the started calls below and the
 * onc_request form of the generated stubs alike): the client keeps the state of up to 64
 * finished calls, with their request and reply buffers up to 64 KiB each, for the next ones.
 * Every call ends by its deadline, ONC_ERR_TIMEDOUT, also when the server does not take its
 * request: replies are read while the socket is full (a server may wait for us to read
 * before it reads more), and a request not written in time leaves the connection with part
 * of a record in it, so every call on the connection fails and the next opens a new one. */
ONC_API onc_status onc_client_call(onc_client *c, uint32_t proc, onc_encode_fn encode,
				   const void *args, onc_decode_fn decode, void *result,
				   const onc_call_opts *opts);

/* Asynchronous calls: start queues the call and returns at once; finish waits for the reply
 * (until the call's deadline, counted from start) and decodes it. Many calls may be started
 * before any is finished, from one thread or several: they are all in flight on the one
 * connection, and whichever thread waits reads replies for all of them. Started calls are
 * written together, in as few system calls as possible: at the latest before any thread
 * blocks waiting for a reply on this client, when 16 KiB are queued, on a synchronous call,
 * or on onc_client_flush(). When max_in_flight
 * calls await replies, start waits (reading replies meanwhile) until one comes: memory and
 * the server's queue stay bounded. Every started call must be finished or cancelled. */
typedef struct onc_pending onc_pending;

/* NULL with *status set when the call could not be sent. */
ONC_API onc_pending *onc_client_start(onc_client *c, uint32_t proc, onc_encode_fn encode,
				      const void *args, const onc_call_opts *opts,
				      onc_status *status);
/* The reply of a started call, decoded as onc_client_call() would; frees p. */
ONC_API onc_status onc_client_finish(onc_client *c, onc_pending *p, onc_decode_fn decode,
				     void *result);
/* Writes the calls started so far now, waiting at most the client's timeout. */
ONC_API void onc_client_flush(onc_client *c);
/* Abandons a started call: its reply is dropped if it comes; frees p. */
ONC_API void onc_client_cancel(onc_client *c, onc_pending *p);

/* The form generated stubs use: the arguments are encoded in line, with no call through a
 * function pointer, and any program and version may be called over the client's connection:
 * a stub calls the version in its name (calc_add_1: version 1, calc_add_2: version 2) whatever
 * version the client was created for, so one client can call every version a server has (a
 * server without it answers PROG_MISMATCH, with its versions in the error detail).
 *   onc_request r; onc_xdr_enc *e; onc_xdr_dec *d;
 *   onc_status s = onc_request_begin(c, &r, PROG, VERS, PROC, &e);  -- nothing to end on error;
 *                                             e and d may not be NULL
 *   if (s == ONC_OK) s = <encode the arguments into e>;
 *   if (s == ONC_OK) s = onc_request_invoke(&r, &d);                -- sends, waits
 *   if (s == ONC_OK) s = <decode the results from d>;                 -- malloc'd, see T_free
 *   return onc_request_end(&r, s);                                   -- releases, returns s */
typedef struct onc_request {
	onc_client *client;
	onc_pending *pending;
	bool sent;
	onc_xdr_dec results;
} onc_request;

ONC_API onc_status onc_request_begin(onc_client *c, onc_request *r, uint32_t prog, uint32_t vers,
				     uint32_t proc, onc_xdr_enc **args);
/* The same with per-call options (timeout, arena for the results, error detail; NULL: the
 * defaults), as the generated T_n_opts() stubs call it. */
ONC_API onc_status onc_request_begin_opts(onc_client *c, onc_request *r, uint32_t prog,
					  uint32_t vers, uint32_t proc, const onc_call_opts *opts,
					  onc_xdr_enc **args);
/* Sends and waits: onc_request_send() then onc_request_wait(). */
ONC_API onc_status onc_request_invoke(onc_request *r, onc_xdr_dec **results);
/* The asynchronous halves: send queues the call (as onc_client_start does) and returns; wait,
 * later and from any thread, waits for its reply. The request must stay alive in between. */
ONC_API onc_status onc_request_send(onc_request *r);
ONC_API onc_status onc_request_wait(onc_request *r, onc_xdr_dec **results);
ONC_API onc_status onc_request_end(onc_request *r, onc_status status);

#ifdef __cplusplus
}
#endif

#endif
