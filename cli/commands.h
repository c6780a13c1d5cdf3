/* The onc command's subcommands; each returns the process exit status. */
#ifndef ONC_CLI_COMMANDS_H
#define ONC_CLI_COMMANDS_H

/* Each command's lines of the usage text. */
extern const char gen_usage[], describe_usage[], call_usage[], rpcbind_usage[], info_usage[];

int cmd_gen(int argc, char **argv);
int cmd_describe(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_rpcbind(int argc, char **argv);
int cmd_info(int argc, char **argv);

#endif
