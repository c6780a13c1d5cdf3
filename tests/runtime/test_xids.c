/* xids are unique across the clients of a process and across a fork: 100 clients created in a
 * tight loop make 3 NULL calls each over TCP and over UDP, a forked child calls too, and the
 * server sees no xid twice. (Seeded from the clock, clients created in the same millisecond
 * used to repeat each other's xids: 20 distinct of 60 over UDP.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_server.h"

#define PROG 0x20000127u
enum { CLIENTS = 100, CALLS = 3, MAX_SEEN = 2 * CLIENTS * CALLS + 16 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t seen[MAX_SEEN];
static unsigned nseen;

static onc_accept_stat record_xid(onc_call *call, void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	if (nseen < MAX_SEEN)
		seen[nseen++] = call->header->xid;
	pthread_mutex_unlock(&lock);
	return ONC_SUCCESS;
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The number of xids the server saw more than once. */
static unsigned repeats(void)
{
	unsigned n = 0;
	qsort(seen, nseen, sizeof *seen, by_value);
	for (unsigned i = 1; i < nseen; i++)
		n += seen[i] == seen[i - 1];
	return n;
}

static void null_calls(const char *addr, unsigned n)
{
	onc_status st;
	onc_client *c = onc_client_create(addr, PROG, 1, NULL, &st);
	assert_int_equal(st, ONC_OK);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(onc_client_call(c, 0, NULL, NULL, NULL, NULL, NULL), ONC_OK);
	onc_client_destroy(c);
}

static void test_clients_of_a_process(void **state)
{
	(void)state;
	bg_server s;
	onc_client *clients[CLIENTS];
	onc_status st;
	nseen = 0;
	bg_server_start(&s, NULL, PROG, record_xid);
	for (int udp = 0; udp < 2; udp++) {
		for (int i = 0; i < CLIENTS; i++) {
			clients[i] = onc_client_create(udp ? s.udp : s.tcp, PROG, 1, NULL, &st);
			assert_int_equal(st, ONC_OK);
		}
		for (int k = 0; k < CALLS; k++)
			for (int i = 0; i < CLIENTS; i++)
				assert_int_equal(onc_client_call(clients[i], 0, NULL, NULL, NULL, NULL,
								 NULL),
						 ONC_OK);
		for (int i = 0; i < CLIENTS; i++)
			onc_client_destroy(clients[i]);
	}
	bg_server_stop(&s);
	assert_int_equal(nseen, 2 * CLIENTS * CALLS);
	assert_int_equal(repeats(), 0);
}

/* A forked child does not go on with its parent's sequence. */
static void test_fork(void **state)
{
	(void)state;
	bg_server s;
	int status;
	nseen = 0;
	bg_server_start(&s, NULL, PROG, record_xid);
	null_calls(s.udp, CALLS);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		onc_status st;
		onc_client *c = onc_client_create(s.udp, PROG, 1, NULL, &st);
		for (int i = 0; c && i < CALLS; i++)
			if (onc_client_call(c, 0, NULL, NULL, NULL, NULL, NULL) != ONC_OK)
				_exit(1);
		_exit(c ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	null_calls(s.udp, CALLS);
	bg_server_stop(&s);
	assert_int_equal(nseen, 3 * CALLS);
	assert_int_equal(repeats(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clients_of_a_process),
		cmocka_unit_test(test_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
