/* onc — the command line: gen, describe, call, rpcbind, info. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifndef ONC_VERSION
#define ONC_VERSION "unknown"
#endif

static void usage(FILE *to)
{
	fprintf(to, "usage: onc <command> [options]\n\ncommands:\n%s\n%s\n%s\n%s\n%s\n"
		    "  onc --help       this text\n  onc --version    the version\n",
		gen_usage, describe_usage, call_usage, rpcbind_usage, info_usage);
}

/* Each command gets its own arguments, argv[0] being its name. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "gen", cmd_gen },
	{ "describe", cmd_describe },
	{ "call", cmd_call },
	{ "rpcbind", cmd_rpcbind },
	{ "info", cmd_info },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("onc %s\n", ONC_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "onc: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
