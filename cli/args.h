/* The onc command's argument helpers: numbers, program names, help and unknown options, said
 * the same way by every subcommand. Each helper that fails has printed why, naming the
 * argument. */
#ifndef ONC_CLI_ARGS_H
#define ONC_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the system's rpcbind listens on this host for local callers. */
#define RPCBIND_SOCKET "/run/rpcbind.sock"

/* --help or -h */
bool arg_is_help(const char *a);
/* A number in decimal or hex (0x...) from min to max; `what` names it in the message. */
bool arg_number(const char *cmd, const char *what, const char *s, uint32_t min, uint32_t max,
		 uint32_t *out);
/* A program: a number, or a name /etc/rpc lists (as rpcinfo takes them). */
bool arg_program(const char *cmd, const char *s, uint32_t *out);
/* arg_program and arg_number for onc info, said in rpcinfo's words, which scripts written
 * for rpcinfo may read: "onc info: X is unknown service", "X is illegal WHAT number". */
bool arg_rpcinfo_program(const char *s, uint32_t *out);
bool arg_rpcinfo_number(const char *what, const char *s, uint32_t min, uint32_t max,
			uint32_t *out);
/* The preprocessor's arguments (-I DIR, -IDIR, -D NAME[=VALUE], -U NAME) as onc gen takes
 * them: when argv[*i] is one, it (and its value) go to cpp, *i moves past it and this returns
 * true; false when it is none. A missing value is said (naming cmd) and sets *bad. */
bool arg_cpp(const char *cmd, int argc, char **argv, int *i, const char **cpp, size_t *ncpp,
	     bool *bad);

/* Prints "onc CMD: unknown option 'A'" and the usage to stderr; returns 2. */
int arg_unknown(const char *cmd, const char *a, const char *usage);
/* "PROTO://HOST:PORT" into out; HOST may be given as in a URL, with brackets around an IPv6
 * address, or without them. */
void arg_uri(char *out, size_t cap, const char *proto, const char *host, uint32_t port);
/* Prints "onc CMD: TEXT" and the usage to stderr; returns 2. */
int arg_usage_error(const char *cmd, const char *text, const char *usage);

#endif
