/* The calc client: calls every procedure of calc.x as if it were local, and prints each call
 * and its answer. The server is found through the host's rpcbind.
 *
 * usage: calc_client [--rpcbind PORT] [tcp|udp] [HOST] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onc/client.h>

#include "calc.h"

static int failures;

/* Prints the error of a call that failed; true when it succeeded. */
static bool ok(const char *what, onc_status st)
{
	if (st == ONC_OK)
		return true;
	printf("%-28s -> error: %s\n", what, onc_strerror(st));
	failures++;
	return false;
}

int main(int argc, char **argv)
{
	onc_client_options opts = {.timeout_ms = 5000};
	const char *transport = "tcp", *host = "127.0.0.1";
	char addr[128];
	onc_status st;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rpcbind") == 0 && i + 1 < argc)
			opts.rpcbind_port = (uint16_t)atoi(argv[++i]);
		else if (strcmp(argv[i], "tcp") == 0 || strcmp(argv[i], "udp") == 0)
			transport = argv[i];
		else
			host = argv[i];
	}
	snprintf(addr, sizeof addr, "%s://%s", transport, host); /* no port: ask rpcbind */
	onc_client *c = onc_client_create(addr, CALC_PROG, CALC_V1, &opts, &st);
	if (!c) {
		fprintf(stderr, "calc_client: %s: %s\n", addr, onc_strerror(st));
		return 1;
	}
	printf("calc_client: calling the calc program at %s\n", addr);

	operands ops = {.a = 20, .b = 22};
	int32_t n;
	if (ok("add(20, 22)", calc_add_1(c, &ops, &n)))
		printf("%-28s -> %d\n", "add(20, 22)", n);
	ops = (operands){.a = 7, .b = 10};
	if (ok("subtract(7, 10)", calc_subtract_1(c, &ops, &n)))
		printf("%-28s -> %d\n", "subtract(7, 10)", n);

	int64_t big;
	if (ok("multiply(123456, 654321)", calc_multiply_1(c, 123456, 654321, &big)))
		printf("%-28s -> %lld\n", "multiply(123456, 654321)", (long long)big);

	operands divisions[] = {{17, 5}, {1, 0}};
	for (int i = 0; i < 2; i++) {
		division d;
		char what[32];
		snprintf(what, sizeof what, "divide(%d, %d)", divisions[i].a, divisions[i].b);
		if (!ok(what, calc_divide_1(c, &divisions[i], &d)))
			continue;
		if (d.status == CALC_OK)
			printf("%-28s -> %d remainder %d\n", what, d.division_u.result.quot,
			       d.division_u.result.rem);
		else
			printf("%-28s -> refused: %s\n", what,
			       d.status == CALC_DIVISION_BY_ZERO ? "division by zero" : "overflow");
	}

	text hello = "hello, onc", echoed;
	if (ok("echo(\"hello, onc\")", calc_echo_1(c, &hello, &echoed))) {
		printf("%-28s -> \"%s\"\n", "echo(\"hello, onc\")", echoed);
		text_free(&echoed); /* results are the caller's: one free per result */
	}

	int32_t numbers[100];
	for (int i = 0; i < 100; i++)
		numbers[i] = i + 1;
	values v = {.values_len = 100, .values_val = numbers};
	if (ok("sum(1..100)", calc_sum_1(c, &v, &big)))
		printf("%-28s -> %lld\n", "sum(1..100)", (long long)big);

	onc_client_destroy(c);
	return failures ? 1 : 0;
}
