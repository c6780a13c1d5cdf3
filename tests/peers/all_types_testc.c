/* The client stubs onc gen generates for all_types.x, as a process: all_types_testc ADDR makes
 * the calls read from stdin, one a line, and prints each answer on a line of its own:
 *   null VERSION             -> "null ok"
 *   add A B                  -> "add SUM"
 *   name HEX                 -> "name HEX"   (a `name` in XDR -> the string's bytes)
 *   list HEX COLOR HYPER     -> "list HEX"   (`smalls` in XDR -> the `list` in XDR)
 *   echo HEX                 -> "echo HEX"   (`everything` in XDR -> the same)
 * A call that fails prints "error" and onc_strerror()'s message. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onc/client.h>

#include "all_types.h"

static int nibble(char c)
{
	return c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
}

/* Decodes hex text into XDR input (its bytes stay in *buf until the next call). */
static void hex_input(onc_xdr_dec *d, const char *hex, uint8_t **buf)
{
	size_t n = strlen(hex) / 2;
	*buf = realloc(*buf, n + 1);
	for (size_t i = 0; i < n; i++)
		(*buf)[i] = (uint8_t)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
	onc_xdr_dec_init(d, *buf, n, NULL);
}

static void print_hex(const char *what, const void *data, size_t n)
{
	printf("%s ", what);
	for (size_t i = 0; i < n; i++)
		printf("%02x", ((const uint8_t *)data)[i]);
	putchar('\n');
}

/* Prints the result of T as its XDR encoding. */
#define PRINT_ENCODED(what, T, v)                                 \
	do {                                                      \
		onc_xdr_enc e;                                    \
		onc_xdr_enc_init(&e);                             \
		s = T##_encode(&e, v);                            \
		if (s == ONC_OK)                                  \
			print_hex(what, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)); \
		onc_xdr_enc_free(&e);                             \
	} while (0)

int main(int argc, char **argv)
{
	onc_status s;
	if (argc != 2)
		return 2;
	onc_client *v1 = onc_client_create(argv[1], ALL_TYPES_PROG, ALL_TYPES_V1, NULL, &s);
	onc_client *v2 = v1 ? onc_client_create(argv[1], ALL_TYPES_PROG, ALL_TYPES_V2, NULL, &s) : NULL;
	if (!v2) {
		fprintf(stderr, "all_types_testc: %s\n", onc_strerror(s));
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	uint8_t *buf = NULL;
	while (getline(&line, &cap, stdin) > 0) {
		char *hex = malloc(strlen(line) + 1);
		int version, color;
		int32_t a, b, sum;
		int64_t h;
		onc_xdr_dec d;
		if (sscanf(line, "null %d", &version) == 1) {
			s = version == 1 ? all_null_1(v1) : all_null_2(v2);
			if (s == ONC_OK)
				puts("null ok");
		} else if (sscanf(line, "add %" SCNd32 " %" SCNd32, &a, &b) == 2) {
			s = all_add_1(v1, a, b, &sum);
			if (s == ONC_OK)
				printf("add %" PRId32 "\n", sum);
		} else if (sscanf(line, "name %s", hex) == 1) {
			name n = NULL;
			char *greeting = NULL;
			hex_input(&d, hex, &buf);
			s = name_decode(&d, &n);
			if (s == ONC_OK)
				s = onc_xdr_dec_finish(&d);
			if (s == ONC_OK)
				s = all_name_1(v1, &n, &greeting);
			if (s == ONC_OK)
				print_hex("name", greeting, strlen(greeting));
			name_free(&n);
			free(greeting);
		} else if (sscanf(line, "list %s %d %" SCNd64, hex, &color, &h) == 3) {
			smalls items = { 0 };
			list out = { 0 };
			hex_input(&d, hex, &buf);
			s = smalls_decode(&d, &items);
			if (s == ONC_OK)
				s = onc_xdr_dec_finish(&d);
			if (s == ONC_OK)
				s = all_list_2(v2, &items, (enum color)color, h, &out);
			if (s == ONC_OK)
				PRINT_ENCODED("list", list, &out);
			smalls_free(&items);
			list_free(&out);
		} else if (sscanf(line, "echo %s", hex) == 1) {
			everything in = { 0 }, out = { 0 };
			hex_input(&d, hex, &buf);
			s = everything_decode(&d, &in);
			if (s == ONC_OK)
				s = onc_xdr_dec_finish(&d);
			if (s == ONC_OK)
				s = all_echo_1(v1, &in, &out);
			if (s == ONC_OK)
				PRINT_ENCODED("echo", everything, &out);
			everything_free(&in);
			everything_free(&out);
		} else {
			s = ONC_ERR_INVALID_ARG;
		}
		if (s != ONC_OK)
			printf("error %s\n", onc_strerror(s));
		fflush(stdout);
		free(hex);
	}
	free(line);
	free(buf);
	onc_client_destroy(v1);
	onc_client_destroy(v2);
	return 0;
}
