/* onc call --list [--rpcbind PORT] [-I DIR] [-D NAME[=VALUE]] HOST [FILE.x...]: the programs
 * HOST's rpcbind lists, named and described from the .x files given. */
#ifndef ONC_CLI_CALL_LIST_H
#define ONC_CLI_CALL_LIST_H

/* Takes onc call's arguments (argv[0] "call"); returns the exit status. */
int call_list(int argc, char **argv, const char *usage);

#endif
