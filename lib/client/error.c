/* onc_error_text(): a status with what its error detail adds, worded as the Python runtime's
 * exceptions are (python/onc/errors.py: RpcError.__str__ and the classes' details). */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "onc/client.h"

char *onc_error_text(onc_status status, const onc_call_error *err, char *buf, size_t n)
{
	const char *text = onc_strerror(status);
	const onc_call_error none = {0};
	if (!err)
		err = &none;
	if (n == 0)
		return buf;
	if (status == ONC_ERR_PROG_MISMATCH)
		snprintf(buf, n, "%s: server supports versions %u to %u", text, err->low,
			 err->high);
	else if (status == ONC_ERR_RPC_MISMATCH)
		snprintf(buf, n, "%s: server speaks RPC versions %u to %u", text, err->low,
			 err->high);
	else if (status == ONC_ERR_AUTH && (unsigned)err->auth <= ONC_RPCSEC_GSS_CTXPROBLEM)
		snprintf(buf, n, "%s: %s", text, onc_auth_stat_name(err->auth));
	else if (status == ONC_ERR_AUTH)
		snprintf(buf, n, "%s: auth_stat %u", text, (unsigned)err->auth);
	else if (status != ONC_OK && err->os_error &&
		 strcasecmp(strerror(err->os_error), text) != 0) /* "Connection refused" */
		snprintf(buf, n, "%s: %s", text, strerror(err->os_error));
	else if (status != ONC_OK && err->gai_error)
		snprintf(buf, n, "%s: %s", text, gai_strerror(err->gai_error));
	else
		snprintf(buf, n, "%s", text);
	return buf;
}
