/* onc — RPC messages (RFC 5531): call and reply headers, AUTH_NONE and AUTH_SYS. */
#ifndef ONC_RPC_H
#define ONC_RPC_H

#include "onc/xdr.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ONC_RPC_VERSION 2u
#define ONC_AUTH_MAX_BODY 400u
#define ONC_AUTH_SYS_MAX_NAME 255u
#define ONC_AUTH_SYS_MAX_GIDS 16u

typedef enum onc_msg_type { ONC_CALL = 0, ONC_REPLY = 1 } onc_msg_type;
typedef enum onc_reply_stat { ONC_MSG_ACCEPTED = 0, ONC_MSG_DENIED = 1 } onc_reply_stat;

typedef enum onc_accept_stat {
	ONC_SUCCESS = 0,
	ONC_PROG_UNAVAIL = 1,
	ONC_PROG_MISMATCH = 2,
	ONC_PROC_UNAVAIL = 3,
	ONC_GARBAGE_ARGS = 4,
	ONC_SYSTEM_ERR = 5,
} onc_accept_stat;

typedef enum onc_reject_stat { ONC_RPC_MISMATCH = 0, ONC_AUTH_ERROR = 1 } onc_reject_stat;

typedef enum onc_auth_stat {
	ONC_AUTH_OK = 0,
	ONC_AUTH_BADCRED = 1,
	ONC_AUTH_REJECTEDCRED = 2,
	ONC_AUTH_BADVERF = 3,
	ONC_AUTH_REJECTEDVERF = 4,
	ONC_AUTH_TOOWEAK = 5,
	ONC_AUTH_INVALIDRESP = 6,
	ONC_AUTH_FAILED = 7,
	ONC_AUTH_KERB_GENERIC = 8,
	ONC_AUTH_TIMEEXPIRE = 9,
	ONC_AUTH_TKT_FILE = 10,
	ONC_AUTH_DECODE = 11,
	ONC_AUTH_NET_ADDR = 12,
	ONC_RPCSEC_GSS_CREDPROBLEM = 13,
	ONC_RPCSEC_GSS_CTXPROBLEM = 14,
} onc_auth_stat;

typedef enum onc_auth_flavor {
	ONC_AUTH_NONE = 0,
	ONC_AUTH_SYS = 1,
	ONC_AUTH_SHORT = 2,
	ONC_AUTH_DH = 3,
	ONC_RPCSEC_GSS = 6,
	ONC_AUTH_TLS = 7,
} onc_auth_flavor;

/* opaque_auth: a flavor and up to 400 bytes of body. A decoded body points into the message
 * buffer; it stays valid as long as that buffer does. */
typedef struct onc_opaque_auth {
	uint32_t flavor;
	uint32_t len;
	const uint8_t *body;
} onc_opaque_auth;

/* The fixed part of a call; the procedure's arguments follow it on the wire. */
typedef struct onc_call_header {
	uint32_t xid;
	uint32_t rpcvers; /* ONC_RPC_VERSION when encoding; as received when decoding */
	uint32_t prog;
	uint32_t vers;
	uint32_t proc;
	onc_opaque_auth cred;
	onc_opaque_auth verf;
} onc_call_header;

/* A reply header; which fields mean something depends on stat and accept/reject. For
 * ONC_SUCCESS the procedure's results follow it on the wire. */
typedef struct onc_reply_header {
	uint32_t xid;
	onc_reply_stat stat;
	onc_opaque_auth verf;   /* MSG_ACCEPTED */
	onc_accept_stat accept; /* MSG_ACCEPTED */
	onc_reject_stat reject; /* MSG_DENIED */
	uint32_t low, high;     /* PROG_MISMATCH and RPC_MISMATCH */
	onc_auth_stat auth;     /* AUTH_ERROR */
} onc_reply_header;

ONC_API onc_status onc_rpc_encode_call(onc_xdr_enc *e, const onc_call_header *h);
ONC_API onc_status onc_rpc_encode_reply(onc_xdr_enc *e, const onc_reply_header *h);

/* Decodes a call header; the cursor is left at the arguments. When the result is
 * ONC_ERR_RPC_MISMATCH or ONC_ERR_AUTH (with *why set), h->xid is valid and the caller
 * answers with the matching MSG_DENIED; ONC_ERR_NOT_CALL and codec errors mean the message
 * cannot be answered. Credentials with a body over 400 bytes give AUTH_BADCRED, a verifier
 * over 400 bytes AUTH_BADVERF. */
ONC_API onc_status onc_rpc_decode_call(onc_xdr_dec *d, onc_call_header *h, onc_auth_stat *why);
/* Decodes a reply header; for SUCCESS the cursor is left at the results. */
ONC_API onc_status onc_rpc_decode_reply(onc_xdr_dec *d, onc_reply_header *h);

/* What a decoded reply header means for the caller: ONC_OK for SUCCESS, else the error. */
ONC_API onc_status onc_rpc_reply_status(const onc_reply_header *h);

/* Reply headers a server sends. */
ONC_API void onc_rpc_reply_accepted(onc_reply_header *h, uint32_t xid, onc_accept_stat accept);
ONC_API void onc_rpc_reply_prog_mismatch(onc_reply_header *h, uint32_t xid, uint32_t low,
					 uint32_t high);
ONC_API void onc_rpc_reply_rpc_mismatch(onc_reply_header *h, uint32_t xid);
ONC_API void onc_rpc_reply_auth_error(onc_reply_header *h, uint32_t xid, onc_auth_stat why);

/* AUTH_SYS credential body (RFC 5531 appendix A). */
typedef struct onc_auth_sys {
	uint32_t stamp;
	char machinename[ONC_AUTH_SYS_MAX_NAME + 1]; /* NUL-terminated */
	uint32_t uid;
	uint32_t gid;
	uint32_t ngids;
	uint32_t gids[ONC_AUTH_SYS_MAX_GIDS];
} onc_auth_sys;

/* Encodes into out (ONC_AUTH_MAX_BODY bytes); *len gets the body length. */
ONC_API onc_status onc_auth_sys_encode(const onc_auth_sys *a, uint8_t out[ONC_AUTH_MAX_BODY],
				       uint32_t *len);
/* Decodes a credential body. Anything malformed — truncated, a name over 255 bytes, more than
 * 16 gids, bytes left over — gives ONC_ERR_AUTH with *why = ONC_AUTH_BADCRED. */
ONC_API onc_status onc_auth_sys_decode(const onc_opaque_auth *cred, onc_auth_sys *a,
				       onc_auth_stat *why);

/* Readable names for the protocol's enums (for messages and logs). */
ONC_API const char *onc_accept_stat_name(onc_accept_stat s);
ONC_API const char *onc_auth_stat_name(onc_auth_stat s);

#ifdef __cplusplus
}
#endif

#endif
