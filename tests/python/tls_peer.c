/* The onc C runtime with RPC-with-TLS, as a peer of the Python tests (test_tls_interop.py).
 *
 *   tls_peer server cert=PEM key=PEM [client_ca=PEM] [require_client_cert] [require_tls]
 *       prints "tcp PORT udp PORT" and serves until SIGTERM (127.0.0.1)
 *   tls_peer client ADDR [mode=off|opportunistic|required] [ca=PEM] [cert=PEM key=PEM]
 *                   [name=NAME]
 *       calls NULL then WHO, prints "tls|clear WHO-ANSWER", exit 0; or prints the status name
 *       ("ONC_ERR_TLS: calling: TLS handshake ...") and exits 1
 *
 * TLSPROG version 1 (the Python tests serve the same): 0 NULL; 1 WHO() -> string<1024>, "tls
 * SUBJECT;SAN;SAN..." or "clear " as the handler sees its caller (onc_call_tls); 2
 * SIZE(opaque<>) -> unsigned, the argument's length plus its bytes' sum. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onc/client.h"
#include "onc/server.h"

#define TLSPROG 0x20000777u
enum { TLS_NULL, TLS_WHO, TLS_SIZE };
#define WHO_MAX 1024

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	switch (call->header->proc) {
	case TLS_NULL:
		return ONC_SUCCESS;
	case TLS_WHO: {
		char text[WHO_MAX];
		const onc_tls_peer *p = onc_call_tls(call);
		int n = snprintf(text, sizeof text, "%s %s", p ? "tls" : "clear",
		                 p ? p->subject : "");
		for (size_t i = 0; p && i < p->nsans && n < (int)sizeof text; i++)
			n += snprintf(text + n, sizeof text - (size_t)n, ";%s", p->sans[i]);
		return onc_xdr_put_string(call->results, text, WHO_MAX) == ONC_OK ? ONC_SUCCESS
		                                                                  : ONC_SYSTEM_ERR;
	}
	case TLS_SIZE: {
		const uint8_t *data;
		uint32_t len;
		if (onc_xdr_get_opaque_ref(call->args, &data, &len, 1u << 24) != ONC_OK)
			return ONC_GARBAGE_ARGS;
		uint32_t sum = len;
		for (uint32_t i = 0; i < len; i++)
			sum += data[i];
		return onc_xdr_put_u32(call->results, sum) == ONC_OK ? ONC_SUCCESS : ONC_SYSTEM_ERR;
	}
	default:
		return ONC_PROC_UNAVAIL;
	}
}

/* The value of "key=value" among args, or NULL; a bare "key" gives "". */
static const char *opt(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], key, n) == 0 && (argv[i][n] == '=' || argv[i][n] == '\0'))
			return argv[i][n] ? argv[i] + n + 1 : "";
	return NULL;
}

static int fail(const char *what, onc_status st)
{
	printf("%s: %s: %s\n", onc_status_name(st), what, onc_strerror(st));
	return 1;
}

static void *serve(void *s)
{
	onc_status st = onc_server_run(s);
	if (st != ONC_OK)
		fail("onc_server_run", st);
	return NULL;
}

static int server(int argc, char **argv)
{
	onc_server_options o = {.threads = 1};
	onc_status st;
	uint16_t tcp, udp;
	sigset_t set;
	int sig;
	o.tls.cert_file = opt(argc, argv, "cert");
	o.tls.key_file = opt(argc, argv, "key");
	o.tls.client_ca_file = opt(argc, argv, "client_ca");
	o.tls.require_client_cert = opt(argc, argv, "require_client_cert") != NULL;
	o.tls.handshake_timeout_ms = 1000;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server threads inherit the mask */
	onc_server *s = onc_server_create(&o, &st);
	if (!s)
		return fail("onc_server_create", st);
	if ((st = onc_server_register(s, TLSPROG, 1, dispatch, NULL)) != ONC_OK ||
	    (opt(argc, argv, "require_tls") &&
	     (st = onc_server_require_tls(s, TLSPROG, 1)) != ONC_OK) ||
	    (st = onc_server_listen(s, "tcp://127.0.0.1:0", &tcp)) != ONC_OK ||
	    (st = onc_server_listen(s, "udp://127.0.0.1:0", &udp)) != ONC_OK)
		return fail("setting up", st);
	printf("tcp %u udp %u\n", tcp, udp);
	fflush(stdout);
	pthread_t t;
	if (pthread_create(&t, NULL, serve, s) != 0)
		return fail("pthread_create", ONC_ERR_NOMEM);
	sigwait(&set, &sig);
	onc_server_stop(s);
	pthread_join(t, NULL);
	onc_server_destroy(s);
	return 0;
}

static onc_status dec_text(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_string(d, v, WHO_MAX);
}

static int client(int argc, char **argv)
{
	onc_client_options o = {.timeout_ms = 10000};
	const char *mode = opt(argc, argv, "mode");
	onc_status st;
	char *text = NULL;
	o.tls.mode = !mode || !strcmp(mode, "off")    ? ONC_TLS_OFF
	             : !strcmp(mode, "opportunistic") ? ONC_TLS_OPPORTUNISTIC
	                                              : ONC_TLS_REQUIRED;
	o.tls.ca_file = opt(argc, argv, "ca");
	o.tls.cert_file = opt(argc, argv, "cert");
	o.tls.key_file = opt(argc, argv, "key");
	o.tls.server_name = opt(argc, argv, "name");
	onc_client *c = onc_client_create(argv[0], TLSPROG, 1, &o, &st);
	if (!c)
		return fail("onc_client_create", st);
	if ((st = onc_client_call(c, TLS_NULL, NULL, NULL, NULL, NULL, NULL)) != ONC_OK ||
	    (st = onc_client_call(c, TLS_WHO, NULL, NULL, dec_text, &text, NULL)) != ONC_OK) {
		onc_client_destroy(c);
		return fail("calling", st);
	}
	printf("%s %s\n", onc_client_is_tls(c) ? "tls" : "clear", text);
	free(text);
	onc_client_destroy(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "server"))
		return server(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "client"))
		return client(argc - 2, argv + 2);
	fprintf(stderr, "usage: tls_peer server cert=PEM key=PEM [client_ca=PEM] "
	                "[require_client_cert] [require_tls]\n"
	                "       tls_peer client ADDR [mode=off|opportunistic|required] [ca=PEM] "
	                "[cert=PEM key=PEM] [name=NAME]\n");
	return 2;
}
