/* RPC-with-TLS on OpenSSL 3 (see tls.h). What RFC 9289 requires of TLS is enforced here, with
 * the section that says so. */
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "tls.h"

/* RFC 9289, Section 5 (and its IANA registration, Section 8.2): both peers use the ALPN
 * protocol ID "sunrpc". In wire form: a length byte, then the name. */
static const unsigned char alpn_sunrpc[] = {6, 's', 'u', 'n', 'r', 'p', 'c'};

/* RFC 9289, Section 5: implementations MUST NOT negotiate a TLS version before 1.3. */
static SSL_CTX *new_ctx(const SSL_METHOD *method)
{
	SSL_CTX *ctx = SSL_CTX_new(method);
	if (!ctx)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Replies leave from a buffer that may grow (and move) between a write the socket did
	 * not take and its retry. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* A record's header and body in one recv(), and more records when they are there: what
	 * OpenSSL has read but not yet returned is drained by the callers (SSL_has_pending),
	 * since the poller cannot see it. */
	SSL_CTX_set_read_ahead(ctx, 1);
	/* AES-128-GCM first: TLS 1.3's mandatory suite and the fastest with AES-NI. */
	if (!SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
					   "TLS_CHACHA20_POLY1305_SHA256")) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static onc_status load_chain(SSL_CTX *ctx, const char *cert, const char *key)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return ONC_ERR_TLS;
	return ONC_OK;
}

/* Clients with the same options share their context: loading CAs and keys is most of what a
 * new context costs. The cache holds a reference on each; at most CACHE_SIZE are kept, the
 * least recently used goes first. Process-wide like the xid sequence, and guarded. */
#define CACHE_SIZE 8
static struct cached_ctx {
	char *key;
	SSL_CTX *ctx;
	uint64_t used;
} cache[CACHE_SIZE];
static uint64_t cache_clock;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static char *options_key(const onc__tls_files *o)
{
	const char *parts[] = {o->ca_file, o->ca_dir, o->cert_file, o->key_file};
	size_t len = 1;
	for (size_t i = 0; i < 4; i++)
		len += (parts[i] ? strlen(parts[i]) : 0) + 2;
	char *key = malloc(len), *p = key;
	if (!key)
		return NULL;
	for (size_t i = 0; i < 4; i++) /* "\1" marks NULL, so that NULL and "" differ */
		p += sprintf(p, "%s%c", parts[i] ? parts[i] : "\1", 0x1f);
	return key;
}

static SSL_CTX *build_client_ctx(const onc__tls_files *o, onc_status *status)
{
	SSL_CTX *ctx = new_ctx(TLS_client_method());
	onc_status st = ctx ? ONC_OK : ONC_ERR_NOMEM;
	if (st == ONC_OK && SSL_CTX_set_alpn_protos(ctx, alpn_sunrpc, sizeof alpn_sunrpc) != 0)
		st = ONC_ERR_NOMEM;
	if (st == ONC_OK && (o->ca_file || o->ca_dir) &&
	    SSL_CTX_load_verify_locations(ctx, o->ca_file, o->ca_dir) != 1)
		st = ONC_ERR_TLS;
	if (st == ONC_OK && !o->ca_file && !o->ca_dir && SSL_CTX_set_default_verify_paths(ctx) != 1)
		st = ONC_ERR_TLS;
	if (st == ONC_OK && o->cert_file)
		st = load_chain(ctx, o->cert_file, o->key_file);
	/* RFC 9289, Section 5.2.1: the client authenticates the server by its certificate. */
	if (st == ONC_OK)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (st != ONC_OK) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	*status = st;
	return ctx;
}

SSL_CTX *onc__tls_client_ctx(const onc__tls_files *o, onc_status *status)
{
	char *key = options_key(o);
	SSL_CTX *ctx = NULL;
	struct cached_ctx *oldest = &cache[0];
	if (!key) {
		*status = ONC_ERR_NOMEM;
		return NULL;
	}
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SIZE && !ctx; i++) {
		if (cache[i].key && strcmp(cache[i].key, key) == 0) {
			ctx = cache[i].ctx;
			cache[i].used = ++cache_clock;
		}
		if (cache[i].used < oldest->used)
			oldest = &cache[i];
	}
	if (ctx) {
		SSL_CTX_up_ref(ctx);
		*status = ONC_OK;
		free(key);
	} else if ((ctx = build_client_ctx(o, status)) != NULL) {
		free(oldest->key);
		SSL_CTX_free(oldest->ctx);
		SSL_CTX_up_ref(ctx); /* the cache's */
		*oldest = (struct cached_ctx){key, ctx, ++cache_clock};
	} else {
		free(key);
	}
	pthread_mutex_unlock(&cache_lock);
	return ctx;
}

/* RFC 9289, Section 5: a server MUST refuse a client that does not offer "sunrpc" with the
 * no_application_protocol alert. */
static int select_sunrpc(SSL *ssl, const unsigned char **out, unsigned char *outlen,
			 const unsigned char *in, unsigned inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	unsigned char *chosen;
	if (SSL_select_next_proto(&chosen, outlen, alpn_sunrpc, sizeof alpn_sunrpc, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL; /* sends no_application_protocol */
	*out = chosen;
	return SSL_TLSEXT_ERR_OK;
}

/* OpenSSL calls select_sunrpc only when the client offers ALPN at all: a ClientHello without
 * the extension is refused here, with the same alert. */
static int require_alpn(SSL *ssl, int *alert, void *arg)
{
	(void)arg;
	const unsigned char *ext;
	size_t len;
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext,
				      &len) == 1)
		return SSL_CLIENT_HELLO_SUCCESS;
	*alert = SSL_AD_NO_APPLICATION_PROTOCOL;
	return SSL_CLIENT_HELLO_ERROR;
}

SSL_CTX *onc__tls_server_ctx(const onc__tls_files *o, bool require_client_cert,
			     onc_status *status)
{
	SSL_CTX *ctx = new_ctx(TLS_server_method());
	onc_status st = ctx ? ONC_OK : ONC_ERR_NOMEM;
	if (st == ONC_OK && !o->cert_file)
		st = ONC_ERR_INVALID_ARG;
	if (st == ONC_OK)
		st = load_chain(ctx, o->cert_file, o->key_file);
	if (st == ONC_OK && o->ca_file) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->ca_file);
		if (!names || SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			st = ONC_ERR_TLS;
		} else {
			SSL_CTX_set_client_CA_list(ctx, names);
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (require_client_cert
						     ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
		}
	} else if (st == ONC_OK && require_client_cert) {
		st = ONC_ERR_INVALID_ARG; /* nothing to verify them against */
	}
	if (st == ONC_OK) {
		SSL_CTX_set_client_hello_cb(ctx, require_alpn, NULL);
		SSL_CTX_set_alpn_select_cb(ctx, select_sunrpc, NULL);
		/* No session resumption: no tickets to compute, send and keep. */
		SSL_CTX_set_num_tickets(ctx, 0);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	}
	if (st != ONC_OK) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	*status = st;
	return ctx;
}

/* OpenSSL's socket BIO writes with write(), which raises SIGPIPE on a connection the peer has
 * closed (an alert sent to a client that went away would kill the process); a library must
 * not. This BIO is the socket BIO with send(MSG_NOSIGNAL). Made once, never changed. */
static BIO_METHOD *socket_method;
static pthread_once_t socket_method_once = PTHREAD_ONCE_INIT;

static int sock_io_result(BIO *b, ssize_t n, bool reading)
{
	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		if (reading)
			BIO_set_retry_read(b);
		else
			BIO_set_retry_write(b);
	}
	return (int)n;
}

static int sock_write(BIO *b, const char *data, int len)
{
	int fd = (int)(intptr_t)BIO_get_data(b);
	return sock_io_result(b, send(fd, data, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT), false);
}

static int sock_read(BIO *b, char *data, int len)
{
	int fd = (int)(intptr_t)BIO_get_data(b);
	return sock_io_result(b, recv(fd, data, (size_t)len, MSG_DONTWAIT), true);
}

static long sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int sock_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static void make_socket_method(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "onc socket");
	if (m && BIO_meth_set_write(m, sock_write) && BIO_meth_set_read(m, sock_read) &&
	    BIO_meth_set_ctrl(m, sock_ctrl) && BIO_meth_set_create(m, sock_create))
		socket_method = m;
	else
		BIO_meth_free(m);
}

/* Puts ssl on fd through that BIO (the socket stays the caller's to close). */
static bool attach(SSL *ssl, int fd)
{
	pthread_once(&socket_method_once, make_socket_method);
	BIO *b = socket_method ? BIO_new(socket_method) : NULL;
	if (!b)
		return false;
	BIO_set_data(b, (void *)(intptr_t)fd);
	SSL_set_bio(ssl, b, b);
	return true;
}

SSL *onc__tls_client_new(SSL_CTX *ctx, int fd, const char *name)
{
	SSL *ssl = SSL_new(ctx);
	unsigned char ip[16];
	if (!ssl)
		return NULL;
	bool is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
	/* RFC 9289, Section 5.2.1: the server's identity is checked against the DNS name or IP
	 * address the client meant (RFC 6125); SNI carries a DNS name only (RFC 6066). */
	bool ok = attach(ssl, fd);
	if (ok && is_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1;
	else if (ok)
		ok = SSL_set1_host(ssl, name) == 1 && SSL_set_tlsext_host_name(ssl, name) == 1;
	if (!ok) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);
	return ssl;
}

SSL *onc__tls_server_new(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	if (ssl && !attach(ssl, fd)) {
		SSL_free(ssl);
		return NULL;
	}
	if (ssl)
		SSL_set_accept_state(ssl);
	return ssl;
}

static onc__tls_io outcome(SSL *ssl, int ret)
{
	switch (SSL_get_error(ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return ONC__TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return ONC__TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return ONC__TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0 && (ret == 0 || errno == ECONNRESET || errno == EPIPE))
			return ONC__TLS_EOF;
		return errno == EINTR ? ONC__TLS_WANT_READ : ONC__TLS_FAILED;
	default:
		return ONC__TLS_FAILED;
	}
}

onc__tls_io onc__tls_handshake(SSL *ssl)
{
	ERR_clear_error(); /* the error queue is per thread: start each step clean */
	int r = SSL_do_handshake(ssl);
	if (r != 1)
		return outcome(ssl, r);
	if (SSL_is_server(ssl))
		return ONC__TLS_DONE; /* select_sunrpc has already refused any other */
	/* RFC 9289, Section 5: a server that did not choose "sunrpc" is not speaking it. */
	const unsigned char *proto;
	unsigned len;
	SSL_get0_alpn_selected(ssl, &proto, &len);
	if (len != sizeof alpn_sunrpc - 1 || memcmp(proto, alpn_sunrpc + 1, len) != 0)
		return ONC__TLS_FAILED;
	return ONC__TLS_DONE;
}

onc__tls_io onc__tls_read(SSL *ssl, uint8_t *buf, size_t len, size_t *n)
{
	ERR_clear_error();
	*n = 0;
	int r = SSL_read_ex(ssl, buf, len, n);
	return r == 1 ? ONC__TLS_DONE : outcome(ssl, r);
}

onc__tls_io onc__tls_write(SSL *ssl, const uint8_t *buf, size_t len, size_t *n)
{
	ERR_clear_error();
	*n = 0;
	int r = SSL_write_ex(ssl, buf, len, n);
	return r == 1 ? ONC__TLS_DONE : outcome(ssl, r);
}

onc_status onc__tls_handshake_by(SSL *ssl, int fd, int64_t deadline_ms)
{
	for (;;) {
		onc__tls_io io = onc__tls_handshake(ssl);
		if (io == ONC__TLS_DONE)
			return ONC_OK;
		if (io != ONC__TLS_WANT_READ && io != ONC__TLS_WANT_WRITE)
			return ONC_ERR_TLS;
		int64_t left = deadline_ms - onc__now_ms();
		struct pollfd p = {.fd = fd, .events = io == ONC__TLS_WANT_READ ? POLLIN : POLLOUT};
		if (left <= 0 || poll(&p, 1, (int)left) == 0)
			return ONC_ERR_TIMEDOUT;
	}
}

/* One SAN as text ("DNS:name", "IP:addr", ...) into out (when not NULL); its length. */
static size_t san_text(const GENERAL_NAME *g, char *out)
{
	char ip[INET6_ADDRSTRLEN];
	const char *kind = NULL, *text = NULL;
	int len = 0;
	if (g->type == GEN_DNS || g->type == GEN_URI || g->type == GEN_EMAIL) {
		const ASN1_IA5STRING *s = g->d.ia5;
		kind = g->type == GEN_DNS ? "DNS:" : g->type == GEN_URI ? "URI:" : "email:";
		text = (const char *)ASN1_STRING_get0_data(s);
		len = ASN1_STRING_length(s);
	} else if (g->type == GEN_IPADD) {
		int n = ASN1_STRING_length(g->d.ip);
		int af = n == 4 ? AF_INET : n == 16 ? AF_INET6 : 0;
		if (!af || !inet_ntop(af, ASN1_STRING_get0_data(g->d.ip), ip, sizeof ip))
			return 0;
		kind = "IP:";
		text = ip;
		len = (int)strlen(ip);
	} else {
		return 0; /* other kinds (directory names, ...) are not shown */
	}
	size_t klen = strlen(kind);
	if (out) {
		memcpy(out, kind, klen);
		memcpy(out + klen, text, (size_t)len);
		out[klen + (size_t)len] = 0;
	}
	return klen + (size_t)len + 1;
}

onc_status onc__tls_peer_get(SSL *ssl, const char **subject_out, const char *const **sans_out,
			     size_t *nsans_out)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	GENERAL_NAMES *sans = cert ? X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL) : NULL;
	int nsans = sans ? sk_GENERAL_NAME_num(sans) : 0;
	char *subject = NULL;
	long subject_len = 0;
	BIO *bio = BIO_new(BIO_s_mem());
	onc_status st = bio ? ONC_OK : ONC_ERR_NOMEM;
	if (st == ONC_OK && cert)
		X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
	if (st == ONC_OK)
		subject_len = BIO_get_mem_data(bio, &subject);
	/* One block: the SAN pointers, then the subject and each SAN, NUL-terminated. */
	size_t size = (size_t)nsans * sizeof(char *) + (size_t)subject_len + 1;
	for (int i = 0; i < nsans; i++)
		size += san_text(sk_GENERAL_NAME_value(sans, i), NULL);
	char *block = st == ONC_OK ? malloc(size) : NULL;
	if (st == ONC_OK && !block)
		st = ONC_ERR_NOMEM;
	if (st == ONC_OK) {
		const char **list = (const char **)block;
		char *p = block + (size_t)nsans * sizeof(char *);
		if (subject_len > 0) /* an empty BIO has no data pointer */
			memcpy(p, subject, (size_t)subject_len);
		p[subject_len] = 0;
		*subject_out = p;
		p += subject_len + 1;
		*nsans_out = 0;
		for (int i = 0; i < nsans; i++) {
			size_t n = san_text(sk_GENERAL_NAME_value(sans, i), p);
			if (n) {
				list[(*nsans_out)++] = p;
				p += n;
			}
		}
		*sans_out = list;
	}
	BIO_free(bio);
	GENERAL_NAMES_free(sans);
	X509_free(cert);
	return st;
}
