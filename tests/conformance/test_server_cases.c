/* The C server's answers to the table of cases in server_cases.txt ($CASES), through
 * onc_server_process() and the dispatcher that onc gen writes for conform.x. The Python
 * server answers the same table (tests/python/test_server_cases.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform.h"
#include "onc/server.h"

onc_status conform_echo_1_svc(int32_t arg, int32_t *result, onc_call *call, void *ctx)
{
	(void)call, (void)ctx;
	*result = arg;
	return ONC_OK;
}

onc_status conform_echo_3_svc(int32_t arg, int32_t *result, onc_call *call, void *ctx)
{
	return conform_echo_1_svc(arg, result, call, ctx);
}

onc_status conform_fail_1_svc(int32_t arg, int32_t *result, onc_call *call, void *ctx)
{
	(void)result, (void)ctx;
	switch (arg) {
	case 1:
		return ONC_ERR_PROC_UNAVAIL;
	case 2:
		return ONC_ERR_GARBAGE_ARGS;
	case 3:
		return ONC_ERR_SYSTEM_ERR;
	case 4:
		return onc_call_auth_error(call, ONC_AUTH_TOOWEAK);
	case 5:
		return ONC_ERR_PROG_UNAVAIL;
	default:
		return ONC_ERR_NOMEM;
	}
}

typedef struct later {
	onc_deferred *d;
	int32_t n;
} later;

static void *answer_later(void *arg)
{
	later *l = arg;
	int32_t v = l->n + 1;
	nanosleep(&(struct timespec){0, 1000000}, NULL);
	assert_int_equal(conform_defer_1_reply(l->d, &v), ONC_OK);
	free(l);
	return NULL;
}

onc_status conform_defer_1_svc(int32_t arg, int32_t *result, onc_call *call, void *ctx)
{
	(void)result, (void)ctx;
	later *l = malloc(sizeof *l);
	pthread_t t;
	if (!l)
		return ONC_ERR_NOMEM;
	l->n = arg;
	l->d = onc_call_defer(call);
	if (!l->d || pthread_create(&t, NULL, answer_later, l) != 0) {
		free(l);
		return ONC_ERR_NOMEM;
	}
	pthread_detach(t);
	return ONC_OK;
}

onc_status conform_wrong_1_svc(int32_t arg, conform_short *result, onc_call *call, void *ctx)
{
	(void)arg, (void)call, (void)ctx;
	*result = "longer than four";
	return ONC_OK;
}

/* Reads hex words ("0000002a 00000001 ...") into out; returns the byte count. */
static size_t parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; *s; s++) {
		unsigned v;
		if (*s == ' ' || *s == '\n')
			continue;
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		s++;
	}
	return n;
}

static void hex_line(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out += sprintf(out, "%02x%s", b[i], i % 4 == 3 && i + 1 < n ? " " : "");
	*out = 0;
}

static void test_every_case(void **state)
{
	(void)state;
	const char *path = getenv("CASES");
	FILE *f = fopen(path ? path : "server_cases.txt", "r");
	char line[4096], name[4096] = "", got_hex[4096], want_hex[4096];
	uint8_t call[1024], want[1024];
	size_t call_len = 0, cases = 0, failed = 0;
	onc_status st;
	assert_non_null(f);
	onc_server *s = onc_server_create(&(onc_server_options){.threads = 1}, &st);
	assert_non_null(s);
	assert_int_equal(conform_prog_1_register(s, NULL), ONC_OK);
	assert_int_equal(conform_prog_3_register(s, NULL), ONC_OK);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "case ", 5) == 0) {
			snprintf(name, sizeof name, "%s", line + 5);
		} else if (strncmp(line, "call ", 5) == 0) {
			call_len = parse_hex(line + 5, call, sizeof call);
		} else if (strncmp(line, "reply ", 6) == 0) {
			bool none = strncmp(line + 6, "none", 4) == 0;
			size_t want_len = none ? 0 : parse_hex(line + 6, want, sizeof want);
			onc_xdr_enc out;
			onc_xdr_enc_init(&out);
			onc_server_process(s, call, call_len, &out, false);
			cases++;
			if (onc_xdr_enc_len(&out) != want_len ||
			    (want_len && memcmp(onc_xdr_enc_data(&out), want, want_len) != 0)) {
				hex_line(onc_xdr_enc_data(&out), onc_xdr_enc_len(&out), got_hex);
				hex_line(want, want_len, want_hex);
				print_error("case %s  want %s\n  got  %s\n", name,
					    none ? "none" : want_hex, got_hex);
				failed++;
			}
			onc_xdr_enc_free(&out);
		}
	}
	fclose(f);
	onc_server_destroy(s);
	print_message("%zu cases, %zu answered otherwise\n", cases, failed);
	assert_true(cases >= 25);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_case),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
