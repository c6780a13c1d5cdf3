/* The AUTH_TLS probe and the switch to TLS, client side (RFC 9289, Section 4.1). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "starttls.h"

#define MAX_ANSWER 1024 /* a probe's answer is a reply header: far smaller */

onc_status onc__starttls_probe(onc_xdr_enc *e, uint32_t xid, uint32_t prog, uint32_t vers)
{
	/* RFC 9289, Section 4.1: a NULL procedure call, credential AUTH_TLS with a zero-length
	 * body, verifier AUTH_NONE; to the program and version the client means to use. */
	onc_call_header h = {
		.xid = xid, .rpcvers = ONC_RPC_VERSION, .prog = prog, .vers = vers, .proc = 0,
		.cred = {ONC_AUTH_TLS, 0, NULL}, .verf = {ONC_AUTH_NONE, 0, NULL},
	};
	size_t rec;
	ONC_TRY(onc_rm_begin(e, &rec));
	ONC_TRY(onc_rpc_encode_call(e, &h));
	return onc_rm_end(e, rec, 0);
}

onc_status onc__starttls_answer(const uint8_t *rec, size_t len, uint32_t xid)
{
	onc_reply_header h;
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, rec, len, NULL);
	ONC_TRY(onc_rpc_decode_reply(&d, &h));
	if (h.xid != xid)
		return ONC_ERR_NOT_REPLY;
	/* RFC 9289, Section 4.1: the server offers TLS by MSG_ACCEPTED and an AUTH_NONE verifier
	 * holding "STARTTLS"; the client proceeds whatever the accept status. Anything else
	 * (MSG_DENIED / AUTH_ERROR from a server that does not know AUTH_TLS) is a refusal. */
	if (h.stat == ONC_MSG_ACCEPTED && h.verf.flavor == ONC_AUTH_NONE &&
	    h.verf.len == ONC__STARTTLS_LEN && memcmp(h.verf.body, ONC__STARTTLS, ONC__STARTTLS_LEN) == 0)
		return ONC_OK;
	return ONC_ERR_TLS_UNAVAILABLE;
}

/* Reads exactly n bytes by the deadline: never more, since what follows the answer on the
 * connection is the server's part of the handshake. */
static onc_status read_exact(int fd, uint8_t *buf, size_t n, int64_t deadline_ms)
{
	while (n) {
		ssize_t got = recv(fd, buf, n, MSG_DONTWAIT);
		if (got > 0) {
			buf += got;
			n -= (size_t)got;
			continue;
		}
		if (got == 0)
			return ONC_ERR_CLOSED;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return errno == ECONNRESET ? ONC_ERR_CLOSED : ONC_ERR_IO;
		int64_t left = deadline_ms - onc__now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) == 0)
			return ONC_ERR_TIMEDOUT;
	}
	return ONC_OK;
}

/* Sends the probe and reads its answer (one record of one fragment, as every onc and libtirpc
 * server writes a reply header). */
static onc_status probe(int fd, uint32_t xid, uint32_t prog, uint32_t vers, int64_t deadline_ms)
{
	uint8_t buf[64], answer[MAX_ANSWER];
	onc_xdr_enc e;
	size_t sent = 0, len;
	onc_xdr_enc_init_fixed(&e, buf, sizeof buf);
	ONC_TRY(onc__starttls_probe(&e, xid, prog, vers));
	len = onc_xdr_enc_len(&e);
	while (sent < len) {
		size_t n;
		ONC_TRY(onc__net_send(fd, buf + sent, len - sent, &n, NULL));
		sent += n;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int64_t left = deadline_ms - onc__now_ms();
		if (sent < len && (left <= 0 || poll(&p, 1, (int)left) == 0))
			return ONC_ERR_TIMEDOUT;
	}
	uint8_t mark[4];
	uint32_t m;
	ONC_TRY(read_exact(fd, mark, 4, deadline_ms));
	memcpy(&m, mark, 4);
	m = onc_be32(m);
	len = m & ~ONC_RM_LAST_FRAG;
	if (!(m & ONC_RM_LAST_FRAG) || len > sizeof answer)
		return ONC_ERR_RECORD_TOO_BIG;
	ONC_TRY(read_exact(fd, answer, len, deadline_ms));
	return onc__starttls_answer(answer, len, xid);
}

onc_status onc__starttls(int fd, SSL_CTX *ctx, onc_tls_mode mode, const char *name, uint32_t xid,
			 uint32_t prog, uint32_t vers, int64_t deadline_ms, SSL **ssl)
{
	*ssl = NULL;
	onc_status st = probe(fd, xid, prog, vers, deadline_ms);
	if (st == ONC_ERR_TLS_UNAVAILABLE && mode == ONC_TLS_OPPORTUNISTIC)
		return ONC_OK; /* cleartext, as the user allowed */
	if (st != ONC_OK)
		return st;
	/* RFC 9289, Section 4.1: the ClientHello goes on the same connection. The handshake and
	 * everything after it run non-blocking: the client's reads and writes wait in poll(),
	 * each until its own deadline. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		return ONC_ERR_IO;
	SSL *s = onc__tls_client_new(ctx, fd, name);
	if (!s)
		return ONC_ERR_NOMEM;
	st = onc__tls_handshake_by(s, fd, deadline_ms);
	if (st != ONC_OK) {
		SSL_free(s);
		return st;
	}
	*ssl = s;
	return ONC_OK;
}

onc_status onc_client_probe_tls(const char *addr, uint32_t prog, uint32_t vers, int timeout_ms,
				bool *offered)
{
	onc__net_addr a;
	int fd;
	int64_t deadline = onc__now_ms() + (timeout_ms > 0 ? timeout_ms : 25000);
	ONC_TRY(onc__net_parse(addr, &a, NULL));
	if (a.kind == ONC__NET_UDP || !a.has_port)
		return ONC_ERR_ADDRESS; /* a stream address with its port: no DTLS, no lookup */
	ONC_TRY(onc__net_connect(&a, (int)(deadline - onc__now_ms()), &fd, NULL));
	uint32_t xid;
	if (getrandom(&xid, sizeof xid, 0) != sizeof xid)
		xid = (uint32_t)onc__now_ms();
	onc_status st = probe(fd, xid, prog, vers, deadline);
	close(fd);
	*offered = st == ONC_OK;
	return st == ONC_ERR_TLS_UNAVAILABLE ? ONC_OK : st;
}
