/* onc_gen_boot: `onc gen` alone, without libonc, for the build of libonc itself (its rpcbind
 * codecs are generated from lib/rpcbind/rpcb_prot.x). Same command line as onc's:
 * `onc_gen_boot gen [options] FILE.x`. Not installed: users run `onc gen`. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "gen") != 0) {
		fprintf(stderr, "usage: onc_gen_boot gen [options] FILE.x\n%s", gen_usage);
		return 2;
	}
	return cmd_gen(argc - 1, argv + 1);
}
