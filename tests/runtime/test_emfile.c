/* Out of file descriptors (issue 18, item 3; the CVE-2021-46828 pattern): a server whose
 * descriptors are all taken by idle connections must not spin on its readable listener, and
 * must go on serving the connections it has, and new ones once some close. The server runs in
 * a child process with a low RLIMIT_NOFILE; the test measures its CPU time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_server.h"

#define FDS 48    /* the child's descriptor limit */
#define IDLE 60   /* connections the test opens: more than the child can accept */

static onc_accept_stat null_only(onc_call *call, void *ctx)
{
	(void)ctx;
	return call->header->proc == 0 ? ONC_SUCCESS : ONC_PROC_UNAVAIL;
}

/* The child: a server of one loop, its port written to the pipe, until SIGTERM. */
static void child(int out)
{
	struct rlimit rl = {FDS, FDS};
	sigset_t set;
	bg_server s;
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed assertion in the test ends the server too */
	setrlimit(RLIMIT_NOFILE, &rl);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	bg_server_start(&s, &(onc_server_options){.threads = 1}, 0x20000128u, null_only);
	if (write(out, &s.tcp_port, sizeof s.tcp_port) != sizeof s.tcp_port)
		_exit(2);
	int sig;
	sigwait(&set, &sig);
	bg_server_stop(&s);
	_exit(0);
}

static double cpu_seconds(pid_t pid)
{
	char path[64];
	unsigned long ut = 0, st = 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	/* pid (comm) state ... utime is field 14, stime 15; comm has no spaces here */
	int n = fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
	fclose(f);
	assert_int_equal(n, 2);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A NULL call on fd (an open connection) is answered. */
static bool null_call_answered(int fd)
{
	onc_xdr_enc e;
	uint8_t reply[28];
	size_t got = 0;
	onc_xdr_enc_init(&e);
	end_raw_call(&e, begin_raw_call(&e, 7, 0x20000128u, 0));
	bool ok = write(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e)) == (ssize_t)onc_xdr_enc_len(&e);
	onc_xdr_enc_free(&e);
	while (ok && got < sizeof reply) {
		ssize_t n = read(fd, reply + got, sizeof reply - got);
		ok = n > 0;
		got += ok ? (size_t)n : 0;
	}
	return ok && reply[27] == 0; /* SUCCESS */
}

static void test_out_of_descriptors(void **state)
{
	(void)state;
	int p[2], fds[IDLE];
	uint16_t port;
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(p[1]);
	assert_int_equal(read(p[0], &port, sizeof port), (ssize_t)sizeof port);
	int early = connect_loopback(port);
	assert_true(early >= 0);
	assert_true(null_call_answered(early));
	for (int i = 0; i < IDLE; i++) {
		fds[i] = connect_loopback(port); /* the backlog takes those not accepted */
		assert_true(fds[i] >= 0);
	}
	nanosleep(&(struct timespec){0, 300 * 1000000L}, NULL);
	double before = cpu_seconds(pid);
	nanosleep(&(struct timespec){1, 0}, NULL);
	double used = cpu_seconds(pid) - before;
	print_message("server CPU while out of descriptors: %.0f%% of a core\n", used * 100);
	assert_true(used < 0.3);
	/* a connection it has is still served */
	assert_true(null_call_answered(early));
	/* once the idle connections close, a new one is accepted and served */
	for (int i = 0; i < IDLE; i++)
		close(fds[i]);
	int late = connect_loopback(port);
	assert_true(late >= 0);
	assert_true(null_call_answered(late));
	close(late);
	close(early);
	kill(pid, SIGTERM);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_descriptors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
