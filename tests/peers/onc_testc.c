/* The onc client as a process: onc_testc ADDR. Calls NULL, ADD and ECHO and prints the
 * answers in the same form as tirpc_client. */
#include <stdio.h>
#include <stdlib.h>

#include "test_server.h"

int main(int argc, char **argv)
{
	onc_status st;
	onc_client *c;
	int_pair p = {40, 2};
	int32_t sum;
	const char *hello = "hello from onc";
	char *echo = NULL;

	if (argc != 2)
		return 2;
	c = onc_client_create(argv[1], TESTPROG, 1, NULL, &st);
	if (st == ONC_OK)
		st = onc_client_call(c, PROC_NULL, NULL, NULL, NULL, NULL, NULL);
	if (st == ONC_OK)
		st = onc_client_call(c, PROC_ADD, enc_int_pair, &p, dec_int, &sum, NULL);
	if (st == ONC_OK)
		st = onc_client_call(c, PROC_ECHO, enc_string, &hello, dec_string, &echo, NULL);
	if (st != ONC_OK) {
		fprintf(stderr, "onc_testc: %s\n", onc_strerror(st));
		return 1;
	}
	printf("null ok\nadd %d\necho %s\n", sum, echo);
	free(echo);
	onc_client_destroy(c);
	return 0;
}
