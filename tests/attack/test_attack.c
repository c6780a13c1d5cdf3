/* The attacks of issue 7 against a server in a child process: built twice, as
 * test_attack_program (the test program of tests/runtime) and test_attack_rpcbind (the
 * embedded rpcbind service set up as `onc rpcbind` sets it up). Each test starts its own
 * server, so that its memory figures are its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attacks.h"
#include "onc/rpcbind.h"
#include "test_server.h"

#define MAX_RECORD (16u << 20) /* room for a list of a million elements */
#define LONG_IDLE_MS 30000u

#if ATTACK_RPCBIND
/* As `onc rpcbind` runs it (one thread, default record limit), with test-sized limits. */
static const attack_target target = {
	.name = "rpcbind",
	.rpcbind = true,
	.opts = {.threads = 1, .max_connections = 1100, .idle_timeout_ms = 2000},
	.prog = ONC_PMAP_PROG,
	.vers = 3,
	.string_proc = 3, /* RPCB_GETADDR(rpcb): prog, vers, then the netid string<255> */
	.string_prefix = 2,
	.string_max = 255,
	.chatty_proc = 4, /* RPCB_DUMP: a 44-byte call, a reply of every registration */
};
#else
/* ECHO's argument: a string of 64 bytes, the most it takes. */
#define X16 "xxxxxxxxxxxxxxxx"
static const uint8_t echo_64[4 + 64] = "\0\0\0\x40" X16 X16 X16 X16;

/* With ATTACK_WORKERS, its calls run on a worker pool (onc_server_options.workers). */
static const attack_target target = {
	.name = ATTACK_WORKERS ? "test program, workers" : "test program",
	.opts = {.threads = 2, .max_connections = 1100, .idle_timeout_ms = 2000,
		 .max_record = MAX_RECORD, .workers = ATTACK_WORKERS ? 2 : 0},
	.prog = TESTPROG,
	.vers = 1,
	.string_proc = PROC_ECHO,
	.string_max = 64,
	.chatty_proc = PROC_ECHO,
	.chatty_args = echo_64,
	.chatty_args_len = sizeof echo_64,
};
#endif

static attack_target running;

static int start_running(void **state)
{
	attack_start(&running);
	*state = &running;
	return 0;
}

static int start(void **state)
{
	running = target;
	return start_running(state);
}

/* For attacks that take longer than the idle timeout while nobody completes a call. */
static int start_long_idle(void **state)
{
	running = target;
	running.opts.idle_timeout_ms = LONG_IDLE_MS;
	return start_running(state);
}

/* With a server-wide budget of ATTACK_BUDGET for what connections hold. */
static int start_budget(void **state)
{
	running = target;
	running.opts.idle_timeout_ms = LONG_IDLE_MS;
	running.opts.max_buffered = ATTACK_BUDGET;
	attack_start(&running);
	*state = &running;
	return 0;
}

static int stop(void **state)
{
	attack_stop(*state);
	return 0;
}

static void test_huge_record(void **state)
{
	attack_huge_record(*state);
}

static void test_claim_up_to_limit(void **state)
{
	attack_claim_up_to_limit(*state);
}

static void test_claimed_lengths(void **state)
{
	attack_claimed_lengths(*state);
}

static void test_denials(void **state)
{
	attack_denials(*state);
}

static void test_slowloris(void **state)
{
	attack_slowloris(*state);
}

static void test_flood(void **state)
{
	attack_flood(*state);
}

static void test_killed_mid_record(void **state)
{
	attack_killed_mid_record(*state);
}

static void test_never_reads(void **state)
{
	attack_never_reads(*state);
}

static void test_many_never_read(void **state)
{
	attack_many_never_read(*state);
}

static void test_slow_reader(void **state)
{
	attack_slow_reader(*state);
}

#if ATTACK_RPCBIND
/* rpcbind takes no list: a million-element list sent to DUMP is refused by the record limit
 * (1 MiB) as it arrives: the connection is closed, nothing is allocated for the rest. */
static void test_deep_list(void **state)
{
	const attack_target *t = *state;
	attack_mem m;
	int64_t sum;

	attack_mem_begin(t, &m, "a list of 1,000,000 elements (8 MB) to DUMP");
	int fd = attack_send_list(t, t->chatty_proc, 1, 1000000, &sum);
	assert_true(attack_closed_within(fd, attack_ms(2000)));
	close(fd);
	attack_mem_end(t, &m, 2 * MIB, 1 * MIB);
	attack_assert_served(t);
}

/* As `onc rpcbind --callit` runs it. */
static int start_callit(void **state)
{
	running = target;
	running.callit = true;
	return start_running(state);
}

#define DEAD_PROG 0x20006001 /* registered, but never answers */

/* A CALLIT (v2) or INDIRECT (v4) datagram on fd: ADD(20, 22) of prog version 1. */
static void send_callit(int fd, uint32_t xid, uint32_t vers, uint32_t prog)
{
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	attack_call_header(&e, xid, ONC_RPC_VERSION, ONC_PMAP_PROG, vers, vers == 4 ? 10 : 5);
	attack_words(&e, 6, (const uint32_t[]){prog, 1, PROC_ADD, 8, 20, 22});
	send(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e), 0); /* lost when the socket is full */
	onc_xdr_enc_free(&e);
}

static void set_udp_mapping(const attack_target *t, uint32_t prog, uint16_t port)
{
	char pmap[64];
	bool done = false;
	onc_pmap_mapping m = {prog, 1, ONC_IPPROTO_UDP, port};
	snprintf(pmap, sizeof pmap, "udp://127.0.0.1:%u", t->udp_port);
	onc_status st = port ? onc_pmap_set(pmap, &m, &done) : onc_pmap_unset(pmap, prog, 1, &done);
	assert_int_equal(st, ONC_OK);
	assert_true(done);
}

/* Issue 18, item 5: 2,000 CALLITs (v2) and INDIRECTs (v4) in ten bursts at a registered
 * service that never answers. Forwards in flight are bounded, the rest are dropped, and each
 * ends at its timeout with no reply (RFC 1833: a failed CALLIT is silent); meanwhile rpcbind
 * answers GETPORT and DUMP as usual, with the same threads and little memory. After it, a
 * CALLIT to a live service is answered with that service's results. */
static void test_callit_flood(void **state)
{
	const attack_target *t = *state;
	struct sockaddr_in dead = {.sin_family = AF_INET};
	socklen_t len = sizeof dead;
	char pmap_tcp[64];
	attack_mem m;

	int dead_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	dead.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(dead_fd, (struct sockaddr *)&dead, sizeof dead), 0);
	assert_int_equal(getsockname(dead_fd, (struct sockaddr *)&dead, &len), 0);
	set_udp_mapping(t, DEAD_PROG, ntohs(dead.sin_port));
	snprintf(pmap_tcp, sizeof pmap_tcp, "tcp://127.0.0.1:%u", t->tcp_port);
	long threads = attack_status_kib(t->pid, "Threads");

	attack_mem_begin(t, &m, "2,000 CALLITs to a service that never answers");
	int fd = attack_udp(t);
	for (uint32_t burst = 0; burst < 10; burst++) {
		for (uint32_t i = 0; i < 200; i++)
			send_callit(fd, burst * 200 + i + 1, i % 2 ? 4 : 2, DEAD_PROG);
		attack_mem_peak(t, &m);
		int64_t start = attack_now_ms();
		onc_pmap_mapping *list;
		size_t n;
		attack_assert_served(t); /* GETPORT over TCP and UDP, the rpcbind client's 5 s */
		assert_int_equal(onc_pmap_dump(pmap_tcp, &list, &n), ONC_OK);
		free(list);
		printf("[ CALLIT   ] after %u CALLITs: GETPORT (TCP, UDP) and DUMP answered in "
		       "%lld ms, %ld threads\n",
		       (burst + 1) * 200, (long long)(attack_now_ms() - start),
		       attack_status_kib(t->pid, "Threads"));
		assert_int_equal(attack_status_kib(t->pid, "Threads"), threads);
	}
	/* Not one reply: the forwards time out (2 s) in silence. */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, attack_ms(3000)), 0);
	attack_mem_end(t, &m, 4 * MIB, 1 * MIB);

	test_server live = {0};
	test_server_start(&live, &(onc_server_options){.threads = 1}, 0);
	set_udp_mapping(t, TESTPROG, live.udp_port);
	send_callit(fd, 7, 2, TESTPROG);
	attack_expect_datagram(fd, ATTACK_REPLY_WORDS(7, ONC_REPLY, ONC_MSG_ACCEPTED, 0, 0,
						      ONC_SUCCESS, live.udp_port, 4, 42));
	test_server_stop(&live);
	set_udp_mapping(t, TESTPROG, 0);
	set_udp_mapping(t, DEAD_PROG, 0);
	close(fd);
	close(dead_fd);
	attack_assert_served(t);
}
#else
/* Sends a list of n elements to SUM_LIST and checks the reply: the sum (as a hyper), or
 * GARBAGE_ARGS when garbage is set. */
static void sum_list(const attack_target *t, uint32_t n, bool garbage)
{
	int64_t sum;
	int fd = attack_send_list(t, PROC_SUM_LIST, n, n, &sum);
	if (garbage)
		attack_expect_reply(fd, ATTACK_REPLY_WORDS(n, ONC_REPLY, ONC_MSG_ACCEPTED, 0, 0,
							   ONC_GARBAGE_ARGS));
	else
		attack_expect_reply(fd, ATTACK_REPLY_WORDS(n, ONC_REPLY, ONC_MSG_ACCEPTED, 0, 0,
							   ONC_SUCCESS, (uint32_t)(sum >> 32),
							   (uint32_t)sum));
	close(fd);
}

/* A linked list of a million elements is decoded without recursion (a recursive decoder
 * would need a million stack frames); one over the decoder's limit is GARBAGE_ARGS; one
 * over the record limit is refused as it arrives. */
static void test_deep_list(void **state)
{
	const attack_target *t = *state;
	attack_mem m;
	int64_t sum;

	/* 8 MB of record and 16 MB of nodes (16 bytes each) at the peak; all given back. */
	for (int i = 0; i < 2; i++) {
		attack_mem_begin(t, &m, i ? "the same list again" : "a list of 1,000,000 elements");
		sum_list(t, 1000000, false);
		attack_mem_end(t, &m, 48 * MIB, 1 * MIB);
	}

	attack_mem_begin(t, &m, "lists over the decoder's and the record's limits");
	sum_list(t, SUM_LIST_MAX + 1, true);
	int fd = attack_send_list(t, PROC_SUM_LIST, 2, MAX_RECORD / 8, &sum);
	assert_true(attack_closed_within(fd, attack_ms(2000)));
	close(fd);
	attack_mem_end(t, &m, 48 * MIB, 1 * MIB);
	attack_assert_served(t);
}
#endif

#define ATTACK(f) cmocka_unit_test_setup_teardown(f, start, stop)
#define ATTACK_LONG_IDLE(f) cmocka_unit_test_setup_teardown(f, start_long_idle, stop)
#define ATTACK_WITH_BUDGET(f) cmocka_unit_test_setup_teardown(f, start_budget, stop)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ATTACK(test_huge_record),
		ATTACK(test_claim_up_to_limit),
		ATTACK(test_claimed_lengths),
		ATTACK(test_denials),
		ATTACK(test_deep_list),
		ATTACK(test_slowloris),
		ATTACK_LONG_IDLE(test_flood),
		ATTACK(test_killed_mid_record),
		ATTACK_LONG_IDLE(test_never_reads),
		ATTACK_LONG_IDLE(test_slow_reader),
		ATTACK_WITH_BUDGET(test_many_never_read),
#if ATTACK_RPCBIND
		cmocka_unit_test_setup_teardown(test_callit_flood, start_callit, stop),
#endif
	};
	return cmocka_run_group_tests_name(target.name, tests, NULL, NULL);
}
