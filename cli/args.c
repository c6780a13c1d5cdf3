#include "args.h"

#include <errno.h>
#include <rpc/netdb.h> /* getrpcbyname: glibc's reader of /etc/rpc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void arg_uri(char *out, size_t cap, const char *proto, const char *host, uint32_t port)
{
	bool bare_v6 = strchr(host, ':') && host[0] != '[';
	snprintf(out, cap, bare_v6 ? "%s://[%s]:%u" : "%s://%s:%u", proto, host, port);
}

bool arg_is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* Decimal, or hex after 0x: not octal after a 0 (rpcinfo reads 010 as ten). */
static bool parse_number(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	if (!*digits || strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789") != strlen(digits))
		return false;
	errno = 0;
	unsigned long long n = strtoull(digits, NULL, hex ? 16 : 10);
	if (errno || n < min || n > max)
		return false;
	*out = (uint32_t)n;
	return true;
}

bool arg_number(const char *cmd, const char *what, const char *s, uint32_t min, uint32_t max,
		uint32_t *out)
{
	if (parse_number(s, min, max, out))
		return true;
	fprintf(stderr, "onc %s: %s '%s' is not a number from %u to %u (decimal or 0x hex)\n", cmd,
		what, s, min, max);
	return false;
}

/* A program number or a name /etc/rpc lists. */
static bool find_program(const char *s, uint32_t *out)
{
	if (parse_number(s, 0, UINT32_MAX, out))
		return true;
	const struct rpcent *e = getrpcbyname(s);
	if (e)
		*out = (uint32_t)e->r_number;
	return e != NULL;
}

bool arg_program(const char *cmd, const char *s, uint32_t *out)
{
	if (find_program(s, out))
		return true;
	fprintf(stderr, "onc %s: program '%s' is neither a number (decimal or 0x hex) nor a name "
			"in /etc/rpc\n", cmd, s);
	return false;
}

bool arg_rpcinfo_program(const char *s, uint32_t *out)
{
	if (find_program(s, out))
		return true;
	/* rpcinfo looks up in /etc/rpc what is not all digits */
	bool digits = *s && strspn(s, "0123456789") == strlen(s);
	fprintf(stderr, digits ? "onc info: %s is illegal program number\n"
			       : "onc info: %s is unknown service\n", s);
	return false;
}

bool arg_rpcinfo_number(const char *what, const char *s, uint32_t min, uint32_t max,
			uint32_t *out)
{
	if (parse_number(s, min, max, out))
		return true;
	fprintf(stderr, "onc info: %s is illegal %s number\n", s, what);
	return false;
}

int arg_unknown(const char *cmd, const char *a, const char *usage)
{
	fprintf(stderr, "onc %s: unknown option '%s'\nusage:\n%s", cmd, a, usage);
	return 2;
}

int arg_usage_error(const char *cmd, const char *text, const char *usage)
{
	fprintf(stderr, "onc %s: %s\nusage:\n%s", cmd, text, usage);
	return 2;
}

bool arg_cpp(const char *cmd, int argc, char **argv, int *i, const char **cpp, size_t *ncpp,
	     bool *bad)
{
	const char *a = argv[*i];
	if (strncmp(a, "-I", 2) != 0 && strncmp(a, "-D", 2) != 0 && strncmp(a, "-U", 2) != 0)
		return false;
	cpp[(*ncpp)++] = a;
	if (a[2])
		return true;
	if (*i + 1 == argc) {
		fprintf(stderr, "onc %s: %s needs an argument\n", cmd, a);
		*bad = true;
		return true;
	}
	cpp[(*ncpp)++] = argv[++*i];
	return true;
}
