/* systemd's socket activation and readiness notification (cli/systemd.c). */
#ifndef ONC_CLI_SYSTEMD_H
#define ONC_CLI_SYSTEMD_H

#define SYSTEMD_LISTEN_FDS_START 3

/* The number of sockets systemd passed this process (descriptors 3, 4, ...; made
 * close-on-exec), 0 when none, -1 (after a message) when the variables are wrong. The
 * variables are removed either way. */
int systemd_listen_fds(void);
/* Tells systemd state ("READY=1") when NOTIFY_SOCKET names where; nothing otherwise. */
void systemd_notify(const char *state);

#endif
