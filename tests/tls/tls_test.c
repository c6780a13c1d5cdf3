#include "tls_test.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char cert_dir[64];

const char *cert(const char *name)
{
	static __thread char path[128];
	if (!cert_dir[0]) {
		char cmd[256];
		snprintf(cert_dir, sizeof cert_dir, "/tmp/onc-tls-certs-%d", (int)getpid());
		snprintf(cmd, sizeof cmd, "sh %s %s", TLS_MAKE_CERTS, cert_dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "%s failed (the openssl CLI is needed)\n", cmd);
			abort();
		}
	}
	snprintf(path, sizeof path, "%s/%s", cert_dir, name);
	return path;
}

static void remove_certs(void)
{
	char cmd[128];
	if (cert_dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", cert_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", cert_dir);
	}
}

onc_server_options tls_server_options(bool mutual, bool require_client_cert)
{
	static char chain[128], key[128], ca[128];
	snprintf(chain, sizeof chain, "%s", cert("server.pem"));
	snprintf(key, sizeof key, "%s", cert("server.key"));
	snprintf(ca, sizeof ca, "%s", cert("ca.pem"));
	atexit(remove_certs);
	const char *workers = getenv("ONC_TEST_WORKERS"); /* the ctest list runs both */
	return (onc_server_options){
		.threads = 1,
		.workers = workers ? (unsigned)atoi(workers) : 0,
		.tls = {.cert_file = chain, .key_file = key, .client_ca_file = mutual ? ca : NULL,
			.require_client_cert = require_client_cert, .handshake_timeout_ms = 500},
	};
}

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	tls_server *s = ctx;
	atomic_fetch_add((_Atomic unsigned *)&s->calls, 1);
	switch (call->header->proc) {
	case TLS_NULL:
		return ONC_SUCCESS;
	case TLS_WHO: {
		char text[1024];
		const onc_tls_peer *p = onc_call_tls(call);
		int n = snprintf(text, sizeof text, "%s %s", p ? "tls" : "clear", p ? p->subject : "");
		for (size_t i = 0; p && i < p->nsans && n < (int)sizeof text; i++)
			n += snprintf(text + n, sizeof text - (size_t)n, ";%s", p->sans[i]);
		return onc_xdr_put_string(call->results, text, 1024) == ONC_OK ? ONC_SUCCESS
									      : ONC_SYSTEM_ERR;
	}
	case TLS_SIZE: {
		const uint8_t *data;
		uint32_t len;
		if (onc_xdr_get_opaque_ref(call->args, &data, &len, 1u << 24) != ONC_OK)
			return ONC_GARBAGE_ARGS;
		uint32_t sum = len;
		for (uint32_t i = 0; i < len; i++) /* every byte came through */
			sum += data[i];
		return onc_xdr_put_u32(call->results, sum) == ONC_OK ? ONC_SUCCESS : ONC_SYSTEM_ERR;
	}
	case TLS_FILL: {
		uint32_t n;
		uint8_t *out;
		if (onc_xdr_get_u32(call->args, &n) != ONC_OK || n > (4u << 20))
			return ONC_GARBAGE_ARGS;
		if (onc_xdr_put_u32(call->results, n) != ONC_OK ||
		    onc_xdr_enc_reserve(call->results, (n + 3) & ~3u) != ONC_OK)
			return ONC_SYSTEM_ERR;
		out = call->results->p;
		for (uint32_t i = 0; i < n; i++)
			out[i] = (uint8_t)(i % 251);
		memset(out + n, 0, ((n + 3) & ~3u) - n);
		call->results->p += (n + 3) & ~3u;
		return ONC_SUCCESS;
	}
	default:
		return ONC_PROC_UNAVAIL;
	}
}

static void must(onc_status st, const char *what)
{
	if (st != ONC_OK) {
		fprintf(stderr, "%s: %s\n", what, onc_strerror(st));
		abort();
	}
}

static void *serve(void *arg)
{
	must(onc_server_run(arg), "onc_server_run");
	return NULL;
}

void tls_server_start(tls_server *s, const onc_server_options *opts, bool require_tls)
{
	tls_server_start_on(s, opts, require_tls, 0);
}

void tls_server_start_on(tls_server *s, const onc_server_options *opts, bool require_tls,
			 uint16_t tcp_port)
{
	char tcp[64];
	onc_status st;
	memset(s, 0, sizeof *s);
	s->srv = onc_server_create(opts, &st);
	must(st, "onc_server_create");
	must(onc_server_register(s->srv, TLSPROG, 1, dispatch, s), "register");
	if (require_tls)
		must(onc_server_require_tls(s->srv, TLSPROG, 1), "require_tls");
	snprintf(tcp, sizeof tcp, "tcp://127.0.0.1:%u", tcp_port);
	must(onc_server_listen(s->srv, tcp, &s->tcp_port), "listen tcp");
	must(onc_server_listen(s->srv, "udp://127.0.0.1:0", &s->udp_port), "listen udp");
	snprintf(s->tcp, sizeof s->tcp, "tcp://127.0.0.1:%u", s->tcp_port);
	snprintf(s->tls, sizeof s->tls, "tls://127.0.0.1:%u", s->tcp_port);
	snprintf(s->udp, sizeof s->udp, "udp://127.0.0.1:%u", s->udp_port);
	if (pthread_create(&s->thread, NULL, serve, s->srv) != 0)
		abort();
}

void tls_server_stop(tls_server *s)
{
	onc_server_stop(s->srv);
	pthread_join(s->thread, NULL);
	onc_server_destroy(s->srv);
}

onc_client_options tls_client_options(onc_tls_mode mode, const char *ca, const char *name,
				      bool with_cert)
{
	static __thread char ca_path[128], cert_path[128], key_path[128];
	snprintf(ca_path, sizeof ca_path, "%s", cert(ca));
	snprintf(cert_path, sizeof cert_path, "%s", cert("client.pem"));
	snprintf(key_path, sizeof key_path, "%s", cert("client.key"));
	return (onc_client_options){
		.timeout_ms = 5000,
		.tls = {.mode = mode, .ca_file = ca_path, .server_name = name,
			.cert_file = with_cert ? cert_path : NULL,
			.key_file = with_cert ? key_path : NULL},
	};
}

static onc_status dec_text(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_string(d, v, 1024);
}

onc_status who(onc_client *c, char *buf, size_t len)
{
	char *text = NULL;
	onc_status st = onc_client_call(c, TLS_WHO, NULL, NULL, dec_text, &text, NULL);
	if (st == ONC_OK)
		snprintf(buf, len, "%s", text);
	free(text);
	return st;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
