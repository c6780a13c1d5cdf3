/* onc — status codes shared by every layer. */
#ifndef ONC_STATUS_H
#define ONC_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a function of the public API: libonc is compiled with -fvisibility=hidden, so that
 * libonc.so exports these and nothing else (internal names shared between its files are onc__,
 * and hidden). Every header of include/onc/ includes this one. */
#if defined(__GNUC__)
#define ONC_API __attribute__((visibility("default")))
#else
#define ONC_API
#endif

/* Every status once, as X(NAME, text) for ONC_NAME: the enum, onc_strerror() and
 * onc_status_name() are all made from this list. A status's value is its place in the list, and
 * the values are ABI: append, never reorder or remove. python/onc/errors.py keeps the same list
 * (tests/python/test_errors.py checks it against this one). */
#define ONC_STATUS_LIST(X)                                                                         \
	X(OK, "success")                                                                           \
	/* Codec (XDR, record marking) */                                                          \
	/* allocation failed or an arena limit was reached */                                      \
	X(ERR_NOMEM, "out of memory")                                                              \
	/* fewer bytes than the data needs */                                                      \
	X(ERR_TRUNCATED, "message truncated")                                                      \
	/* a length exceeds the declared maximum */                                                \
	X(ERR_TOO_LONG, "length exceeds the declared maximum")                                     \
	/* a fixed encode buffer has no room left */                                               \
	X(ERR_BUFFER_FULL, "encode buffer full")                                                   \
	/* non-zero padding when zero padding is required */                                       \
	X(ERR_BAD_PADDING, "non-zero padding")                                                     \
	/* bool not 0/1, unknown enum or union discriminant */                                     \
	X(ERR_BAD_VALUE, "value out of range for its type")                                        \
	/* a record exceeds the record size limit */                                               \
	X(ERR_RECORD_TOO_BIG, "record exceeds the size limit")                                     \
	/* bytes left over after a complete message */                                             \
	X(ERR_TRAILING_DATA, "unexpected bytes after the message")                                 \
	/* the caller passed something unusable */                                                 \
	X(ERR_INVALID_ARG, "invalid argument")                                                     \
	/* nesting deeper than the decoder allows */                                               \
	X(ERR_TOO_DEEP, "data nested too deeply")                                                  \
                                                                                                   \
	/* RPC message level (RFC 5531) */                                                         \
	/* a message that should be a call is not one */                                           \
	X(ERR_NOT_CALL, "message is not an RPC call")                                              \
	/* a message that should be a reply is not one */                                          \
	X(ERR_NOT_REPLY, "message is not an RPC reply")                                            \
	/* MSG_DENIED / RPC_MISMATCH */                                                            \
	X(ERR_RPC_MISMATCH, "RPC version mismatch")                                                \
	/* MSG_DENIED / AUTH_ERROR */                                                              \
	X(ERR_AUTH, "authentication error")                                                        \
	X(ERR_PROG_UNAVAIL, "program unavailable")                                                 \
	X(ERR_PROG_MISMATCH, "program version mismatch")                                           \
	X(ERR_PROC_UNAVAIL, "procedure unavailable")                                               \
	X(ERR_GARBAGE_ARGS, "server could not decode the arguments")                               \
	X(ERR_SYSTEM_ERR, "remote system error")                                                   \
                                                                                                   \
	/* Transport level */                                                                      \
	X(ERR_TIMEDOUT, "timed out")                                                               \
	X(ERR_CONNREFUSED, "connection refused")                                                   \
	X(ERR_IO, "I/O error")                                                                     \
	X(ERR_CLOSED, "connection closed")                                                         \
	X(ERR_ADDRESS, "bad or unresolvable address")                                             \
                                                                                                   \
	/* RPC-with-TLS (RFC 9289) */                                                              \
	/* TLS is required and the server did not answer the AUTH_TLS probe with STARTTLS */       \
	X(ERR_TLS_UNAVAILABLE, "server does not offer RPC-with-TLS")                               \
	/* the TLS handshake failed: certificate, name, version, ALPN or the peer went away */      \
	X(ERR_TLS, "TLS handshake or certificate verification failed")                             \
                                                                                                   \
	/* Transport level, added later */                                                         \
	/* a UDP call (or reply) larger than a datagram can carry (EMSGSIZE): use TCP */           \
	X(ERR_DATAGRAM_TOO_BIG, "message too large for a UDP datagram")                            \
	/* looking up a port (an address without one), the host's rpcbind could not be reached: */ \
	/* refused, reset or a network error; the error detail has the OS reason */                \
	X(ERR_RPCBIND_UNREACHABLE, "cannot reach the host's rpcbind/portmapper")

/* Every library function reports through one of these; onc_strerror() gives the text. */
typedef enum onc_status {
#define ONC_STATUS_ENUM_(name, text) ONC_##name,
	ONC_STATUS_LIST(ONC_STATUS_ENUM_)
#undef ONC_STATUS_ENUM_
	ONC_STATUS_COUNT_ /* not a status: the number of them */
} onc_status;

/* Evaluates an onc_status expression and returns it from the enclosing function unless OK. */
#define ONC_TRY(expr)                                                                              \
	do {                                                                                       \
		onc_status onc_try_s_ = (expr);                                                    \
		if (onc_try_s_ != ONC_OK)                                                          \
			return onc_try_s_;                                                         \
	} while (0)

/* A short English text for a status ("out of memory"), a static string: never NULL, and
 * "unknown status" for a value not in the list. */
ONC_API const char *onc_strerror(onc_status status);
/* The status's name as the enum spells it ("ONC_ERR_NOMEM"), a static string: never NULL, and
 * "ONC_UNKNOWN_STATUS" for a value not in the list. For logs and tests. */
ONC_API const char *onc_status_name(onc_status status);

#ifdef __cplusplus
}
#endif

#endif
