/* onc — status codes shared by every layer. */
#ifndef ONC_STATUS_H
#define ONC_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Every library function reports through one of these; onc_strerror() gives the text. */
typedef enum onc_status {
	ONC_OK = 0,

	/* Codec (XDR, record marking) */
	ONC_ERR_NOMEM,          /* allocation failed or an arena limit was reached */
	ONC_ERR_TRUNCATED,      /* fewer bytes than the data needs */
	ONC_ERR_TOO_LONG,       /* a length exceeds the declared maximum */
	ONC_ERR_BUFFER_FULL,    /* a fixed encode buffer has no room left */
	ONC_ERR_BAD_PADDING,    /* non-zero padding when zero padding is required */
	ONC_ERR_BAD_VALUE,      /* bool not 0/1, unknown enum or union discriminant */
	ONC_ERR_RECORD_TOO_BIG, /* a record exceeds the record size limit */
	ONC_ERR_TRAILING_DATA,  /* bytes left over after a complete message */
	ONC_ERR_INVALID_ARG,    /* the caller passed something unusable */
	ONC_ERR_TOO_DEEP,       /* nesting deeper than the decoder allows */

	/* RPC message level (RFC 5531) */
	ONC_ERR_NOT_CALL,       /* a message that should be a call is not one */
	ONC_ERR_NOT_REPLY,      /* a message that should be a reply is not one */
	ONC_ERR_RPC_MISMATCH,   /* MSG_DENIED / RPC_MISMATCH */
	ONC_ERR_AUTH,           /* MSG_DENIED / AUTH_ERROR */
	ONC_ERR_PROG_UNAVAIL,
	ONC_ERR_PROG_MISMATCH,
	ONC_ERR_PROC_UNAVAIL,
	ONC_ERR_GARBAGE_ARGS,
	ONC_ERR_SYSTEM_ERR,

	/* Transport level */
	ONC_ERR_TIMEDOUT,
	ONC_ERR_CONNREFUSED,
	ONC_ERR_IO,
	ONC_ERR_CLOSED,
	ONC_ERR_ADDRESS,

	ONC_STATUS_COUNT_ /* not a status: the number of them */
} onc_status;

/* Evaluates an onc_status expression and returns it from the enclosing function unless OK. */
#define ONC_TRY(expr)                                                                              \
	do {                                                                                       \
		onc_status onc_try_s_ = (expr);                                                    \
		if (onc_try_s_ != ONC_OK)                                                          \
			return onc_try_s_;                                                         \
	} while (0)

/* A short English text for a status; never NULL, also for unknown values. */
const char *onc_strerror(onc_status status);

#ifdef __cplusplus
}
#endif

#endif
