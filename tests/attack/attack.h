/* Attack tests: a server in a child process (attack_server), raw sockets against it, its
 * memory and descriptors measured from /proc before and after each attack, and a normal
 * client that must still be served. Everything is on loopback and bounded in count and time.
 *
 * cmocka.h must be included before this header. */
#ifndef ATTACK_H
#define ATTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "onc/server.h"

#define KIB 1024L
#define MIB (1024L * 1024L)

/* What a server child is and how to reach it. */
typedef struct attack_target {
	const char *name;    /* for the printed figures */
	bool rpcbind;        /* the embedded rpcbind service, else the test program */
	bool callit;         /* rpcbind forwards CALLIT and INDIRECT (onc rpcbind --callit) */
	onc_server_options opts;
	pid_t pid;
	uint16_t tcp_port, udp_port;
	/* The program raw calls go to, and the procedures the attacks use. */
	uint32_t prog, vers;
	uint32_t string_proc;         /* its arguments: string_prefix words, then a string */
	unsigned string_prefix;
	uint32_t string_max;          /* the string's declared maximum */
	uint32_t chatty_proc;         /* a call whose reply is larger than the call */
	const uint8_t *chatty_args;
	size_t chatty_args_len;
	int idle_fds; /* the child's descriptors with no connection open (set by attack_start) */
} attack_target;

/* Starts t's server (raising this process's descriptor limit first); cmocka fails on error. */
void attack_start(attack_target *t);
/* SIGTERM, then asserts that the child shut down cleanly (exit status 0). */
void attack_stop(attack_target *t);

/* A normal client is served: the test program adds 20 + 22 over TCP and UDP (2 s deadline);
 * rpcbind answers GETPORT for itself over TCP and UDP (the rpcbind client's 5 s deadline). */
void attack_assert_served(const attack_target *t);

/* ---- memory and descriptors of the child ---- */

long attack_status_kib(pid_t pid, const char *field); /* "VmRSS", "VmHWM" from /proc */
int attack_fd_count(pid_t pid);

typedef struct attack_mem {
	const char *what;
	long rss0, hwm;
	int fds0;
} attack_mem;

/* Waits (up to 5 s) for the child to hold no connection, records its resident memory and
 * descriptors, and resets its peak (VmHWM). */
void attack_mem_begin(const attack_target *t, attack_mem *m, const char *what);
/* Remembers the peak so far (call while the attack is at its height). */
void attack_mem_peak(const attack_target *t, attack_mem *m);
/* After the attack: waits (up to 5 s) for the child to be back to its descriptors, prints the
 * figures, and asserts that the peak grew by less than max_peak and the resident memory by less
 * than max_residual over the start (both in bytes); the memory is not checked under valgrind
 * or in sanitizer builds, whose allocators hold on to freed memory. */
void attack_mem_end(const attack_target *t, attack_mem *m, long max_peak, long max_residual);

/* ---- raw sockets ---- */

int attack_connect(const attack_target *t); /* blocking TCP; asserts */
int attack_try_connect(const attack_target *t); /* -1 on failure (for child processes) */
int attack_udp(const attack_target *t);     /* a connected UDP socket */
void attack_send(int fd, const void *p, size_t n); /* all of it, asserts */
bool attack_try_send(int fd, const void *p, size_t n); /* false when the peer is gone */
/* True when the peer closes fd within ms (data that arrives first is dropped). */
bool attack_closed_within(int fd, int ms);
/* True when fd has been closed by the peer, without waiting. */
bool attack_is_closed(int fd);
/* Reads one whole record (any number of fragments) into buf within ms; its length, or -1 on
 * a timeout, a close or a record longer than cap. */
ssize_t attack_recv_record(int fd, uint8_t *buf, size_t cap, int ms);
/* Asserts that the next record on fd is exactly the n big-endian words expected. */
void attack_expect_reply(int fd, const uint32_t *expected, size_t n);
/* The same for one datagram on a UDP socket. */
void attack_expect_datagram(int fd, const uint32_t *expected, size_t n);

/* ---- messages ---- */

#define ATTACK_REPLY_WORDS(...) ((const uint32_t[]){__VA_ARGS__}), \
	(sizeof((const uint32_t[]){__VA_ARGS__}) / 4)

/* Appends words to e. */
void attack_words(onc_xdr_enc *e, size_t n, const uint32_t *w);
/* Appends a call header to e: xid, CALL, rpcvers, prog, vers, proc, AUTH_NONE, AUTH_NONE. */
void attack_call_header(onc_xdr_enc *e, uint32_t xid, uint32_t rpcvers, uint32_t prog,
			uint32_t vers, uint32_t proc);
/* The record-marked NULL call of t's program. */
void attack_null_call(const attack_target *t, onc_xdr_enc *e, uint32_t xid);
/* Sends a NULL call on fd and asserts its SUCCESS reply: the connection is still served. */
void attack_assert_null(const attack_target *t, int fd, uint32_t xid);
/* The same, without asserting: true when the NULL call got its SUCCESS reply in time. */
bool attack_null_served(const attack_target *t, int fd, uint32_t xid);

/* ---- time ---- */

int64_t attack_now_ms(void);
/* True when ONC_ATTACK_VALGRIND is set (by memcheck.sh): the test and its server child run
 * under valgrind, so deadlines are 5 times longer and resident memory is printed, not
 * checked (valgrind's allocator keeps what is freed); descriptors are still checked. */
bool attack_under_valgrind(void);
/* ms, or 5 * ms under valgrind: for the deadlines the tests wait on (never the server's own
 * timeouts, which are its options). */
int attack_ms(int ms);
void attack_sleep_ms(int ms);

#endif
