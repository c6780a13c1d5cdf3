/* The onc command's subcommands; each returns the process exit status. */
#ifndef ONC_CLI_COMMANDS_H
#define ONC_CLI_COMMANDS_H

int cmd_rpcbind(int argc, char **argv);
int cmd_info(int argc, char **argv);

#endif
