/* The onc C runtime with RPC-with-TLS, as a peer of the Python tests (test_tls_interop.py), on
 * the TLS tests' server and client (tests/tls/tls_test.h: TLSPROG version 1, NULL, WHO, SIZE).
 *
 *   tls_peer server cert=PEM key=PEM [client_ca=PEM] [require_client_cert] [require_tls]
 *       prints "tcp PORT udp PORT" and serves until SIGTERM (127.0.0.1)
 *   tls_peer client ADDR [mode=off|opportunistic|required] [ca=PEM] [cert=PEM key=PEM]
 *                   [name=NAME]
 *       calls NULL then WHO, prints "tls|clear WHO-ANSWER" and exits 0, or prints the status
 *       ("ONC_ERR_TLS: calling: TLS handshake ...") and exits 1 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tls_test.h"

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

static int server(int argc, char **argv)
{
	onc_server_options o = {.threads = 1};
	tls_server s;
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
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server thread inherits the mask */
	tls_server_start(&s, &o, opt(argc, argv, "require_tls") != NULL); /* aborts on failure */
	printf("tcp %u udp %u\n", s.tcp_port, s.udp_port);
	fflush(stdout);
	sigwait(&set, &sig);
	tls_server_stop(&s);
	return 0;
}

static int client(int argc, char **argv)
{
	onc_client_options o = {.timeout_ms = 10000};
	const char *mode = opt(argc, argv, "mode");
	onc_status st;
	char text[1024];
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
	    (st = who(c, text, sizeof text)) != ONC_OK) {
		onc_client_destroy(c);
		return fail("calling", st);
	}
	printf("%s %s\n", onc_client_is_tls(c) ? "tls" : "clear", text);
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
