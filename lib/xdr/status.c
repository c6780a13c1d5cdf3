#include "onc/status.h"

static const char *const messages[ONC_STATUS_COUNT_] = {
	[ONC_OK] = "success",
	[ONC_ERR_NOMEM] = "out of memory",
	[ONC_ERR_TRUNCATED] = "message truncated",
	[ONC_ERR_TOO_LONG] = "length exceeds the declared maximum",
	[ONC_ERR_BUFFER_FULL] = "encode buffer full",
	[ONC_ERR_BAD_PADDING] = "non-zero padding",
	[ONC_ERR_BAD_VALUE] = "value out of range for its type",
	[ONC_ERR_RECORD_TOO_BIG] = "record exceeds the size limit",
	[ONC_ERR_TRAILING_DATA] = "unexpected bytes after the message",
	[ONC_ERR_INVALID_ARG] = "invalid argument",
	[ONC_ERR_TOO_DEEP] = "data nested too deeply",
	[ONC_ERR_NOT_CALL] = "message is not an RPC call",
	[ONC_ERR_NOT_REPLY] = "message is not an RPC reply",
	[ONC_ERR_RPC_MISMATCH] = "RPC version mismatch",
	[ONC_ERR_AUTH] = "authentication error",
	[ONC_ERR_PROG_UNAVAIL] = "program unavailable",
	[ONC_ERR_PROG_MISMATCH] = "program version mismatch",
	[ONC_ERR_PROC_UNAVAIL] = "procedure unavailable",
	[ONC_ERR_GARBAGE_ARGS] = "server could not decode the arguments",
	[ONC_ERR_SYSTEM_ERR] = "remote system error",
	[ONC_ERR_TIMEDOUT] = "timed out",
	[ONC_ERR_CONNREFUSED] = "connection refused",
	[ONC_ERR_IO] = "I/O error",
	[ONC_ERR_CLOSED] = "connection closed",
	[ONC_ERR_ADDRESS] = "bad or unresolvable address",
};

const char *onc_strerror(onc_status status)
{
	if ((unsigned)status >= ONC_STATUS_COUNT_ || !messages[status])
		return "unknown status";
	return messages[status];
}
