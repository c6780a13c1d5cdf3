#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attack.h"

#ifndef ATTACK_SANITIZED
#define ATTACK_SANITIZED 0 /* set by CMake for -DONC_SANITIZE=ON builds */
#endif
#include "onc/rpcbind.h"
#include "test_server.h"

/* ---- time ---- */

int64_t attack_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool attack_under_valgrind(void)
{
	const char *v = getenv("ONC_ATTACK_VALGRIND");
	return v && *v && strcmp(v, "0") != 0;
}

int attack_ms(int ms)
{
	return attack_under_valgrind() ? 5 * ms : ms;
}

void attack_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- the child ---- */

static void raise_nofile(void)
{
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

void attack_start(attack_target *t)
{
	char threads[16], conns[16], idle[16], record[32], workers[16], buffered[32];
	int out[2];

	raise_nofile();
	snprintf(threads, sizeof threads, "%u", t->opts.threads);
	snprintf(conns, sizeof conns, "%u", t->opts.max_connections);
	snprintf(idle, sizeof idle, "%u", t->opts.idle_timeout_ms);
	snprintf(record, sizeof record, "%zu", t->opts.max_record);
	snprintf(workers, sizeof workers, "%u", t->opts.workers);
	snprintf(buffered, sizeof buffered, "%zu", t->opts.max_buffered);
	assert_int_equal(pipe(out), 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		/* glibc raises its mmap threshold each time a big block is freed, after which big
		 * blocks come from the heap and stay with malloc once freed. Fixed at its default
		 * (128 KiB), big buffers go back to the system when freed, so the resident memory
		 * left after an attack shows leaks, not malloc's caching. */
		setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072", 1);
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execl(ATTACK_SERVER, ATTACK_SERVER, t->rpcbind ? "rpcbind" : "test", "--threads",
		      threads, "--max-conn", conns, "--idle-ms", idle, "--max-record", record,
		      "--workers", workers, "--max-buffered", buffered,
		      t->callit ? "--callit" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	FILE *f = fdopen(out[0], "r");
	unsigned tcp = 0, udp = 0;
	assert_int_equal(fscanf(f, "tcp %u udp %u", &tcp, &udp), 2);
	fclose(f);
	t->tcp_port = (uint16_t)tcp;
	t->udp_port = (uint16_t)udp;
	/* Warm up (the loops' first allocations are not the attacks'), then see what the child
	 * holds with no connection open. */
	for (int i = 0; i < 4; i++)
		attack_assert_served(t);
	attack_sleep_ms(attack_ms(200));
	t->idle_fds = attack_fd_count(t->pid);
}

void attack_stop(attack_target *t)
{
	int status = -1;
	if (t->pid <= 0)
		return;
	kill(t->pid, SIGTERM);
	assert_int_equal(waitpid(t->pid, &status, 0), t->pid);
	t->pid = 0;
	/* Under valgrind (--trace-children) a leak or error in the server makes this non-zero. */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void served_test_program(const attack_target *t, const char *fmt, uint16_t port)
{
	char addr[64];
	onc_status st;
	onc_client_options o = {.timeout_ms = attack_ms(2000)};
	snprintf(addr, sizeof addr, fmt, port);
	onc_client *c = onc_client_create(addr, TESTPROG, 1, &o, &st);
	assert_non_null(c);
	int_pair p = {20, 22};
	int32_t sum = 0;
	assert_int_equal(onc_client_call(c, PROC_ADD, enc_int_pair, &p, dec_int, &sum, NULL),
			 ONC_OK);
	assert_int_equal(sum, 42);
	onc_client_destroy(c);
	(void)t;
}

void attack_assert_served(const attack_target *t)
{
	if (!t->rpcbind) {
		served_test_program(t, "tcp://127.0.0.1:%u", t->tcp_port);
		served_test_program(t, "udp://127.0.0.1:%u", t->udp_port);
		return;
	}
	char pmap[64];
	uint16_t port = 0;
	snprintf(pmap, sizeof pmap, "tcp://127.0.0.1:%u", t->tcp_port);
	assert_int_equal(onc_pmap_getport(pmap, ONC_PMAP_PROG, 2, ONC_IPPROTO_TCP, &port), ONC_OK);
	assert_int_equal(port, t->tcp_port);
	snprintf(pmap, sizeof pmap, "udp://127.0.0.1:%u", t->udp_port);
	assert_int_equal(onc_pmap_getport(pmap, ONC_PMAP_PROG, 2, ONC_IPPROTO_UDP, &port), ONC_OK);
	assert_int_equal(port, t->udp_port);
}

/* ---- memory and descriptors ---- */

long attack_status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	size_t n = strlen(field);
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	assert_true(v >= 0);
	return v;
}

int attack_fd_count(pid_t pid)
{
	char path[64];
	int n = 0;
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void reset_peak(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "5", 1), 1); /* 5: reset the peak resident set size */
	close(fd);
}

/* Waits until the child holds fds descriptors; how many it holds. */
static int wait_fds(const attack_target *t, int fds)
{
	int n = attack_fd_count(t->pid);
	int64_t until = attack_now_ms() + attack_ms(5000);
	while (n != fds && attack_now_ms() < until) {
		attack_sleep_ms(20);
		n = attack_fd_count(t->pid);
	}
	return n;
}

void attack_mem_begin(const attack_target *t, attack_mem *m, const char *what)
{
	m->what = what;
	m->fds0 = wait_fds(t, t->idle_fds);
	assert_int_equal(m->fds0, t->idle_fds);
	m->rss0 = attack_status_kib(t->pid, "VmRSS");
	reset_peak(t->pid);
	m->hwm = 0;
}

void attack_mem_peak(const attack_target *t, attack_mem *m)
{
	long hwm = attack_status_kib(t->pid, "VmHWM");
	if (hwm > m->hwm)
		m->hwm = hwm;
}

void attack_mem_end(const attack_target *t, attack_mem *m, long max_peak, long max_residual)
{
	int fds = wait_fds(t, m->fds0);
	attack_mem_peak(t, m);
	long rss = attack_status_kib(t->pid, "VmRSS");
	/* valgrind's and AddressSanitizer's allocators keep freed blocks for a while (ASan up
	 * to 256 MiB): their figures say nothing about the server's. Leaks are their job there. */
	const char *unchecked = attack_under_valgrind() ? " (not checked under valgrind)"
				: ATTACK_SANITIZED     ? " (not checked under ASan)"
						       : "";
	printf("[ MEMORY   ] %s %s: VmRSS %ld -> %ld kB (%+ld), peak %ld kB (%+ld), "
	       "fds %d -> %d%s\n",
	       t->name, m->what, m->rss0, rss, rss - m->rss0, m->hwm, m->hwm - m->rss0, m->fds0,
	       fds, unchecked);
	fflush(stdout);
	assert_int_equal(fds, m->fds0); /* every connection of the attack was closed */
	if (*unchecked)
		return;
	assert_true((m->hwm - m->rss0) * KIB < max_peak);
	assert_true((rss - m->rss0) * KIB < max_residual);
}

/* ---- raw sockets ---- */

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

int attack_try_connect(const attack_target *t)
{
	struct sockaddr_in sin = loopback(t->tcp_port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int attack_connect(const attack_target *t)
{
	int fd = attack_try_connect(t);
	assert_true(fd >= 0);
	return fd;
}

int attack_udp(const attack_target *t)
{
	struct sockaddr_in sin = loopback(t->udp_port);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

bool attack_try_send(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		b += k;
		n -= (size_t)k;
	}
	return true;
}

void attack_send(int fd, const void *p, size_t n)
{
	assert_true(attack_try_send(fd, p, n));
}

bool attack_closed_within(int fd, int ms)
{
	char buf[4096];
	int64_t until = attack_now_ms() + ms;
	for (;;) {
		int left = (int)(until - attack_now_ms());
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left < 0 || poll(&p, 1, left) <= 0)
			return false;
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return true;
	}
}

bool attack_is_closed(int fd)
{
	return attack_closed_within(fd, 0);
}

/* Reads exactly n bytes before the deadline. */
static bool recv_exact(int fd, uint8_t *buf, size_t n, int64_t until)
{
	while (n) {
		int left = (int)(until - attack_now_ms());
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left < 0 || poll(&p, 1, left) <= 0)
			return false;
		ssize_t k = recv(fd, buf, n, MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k <= 0)
			return false;
		buf += k;
		n -= (size_t)k;
	}
	return true;
}

ssize_t attack_recv_record(int fd, uint8_t *buf, size_t cap, int ms)
{
	int64_t until = attack_now_ms() + ms;
	size_t len = 0;
	for (bool last = false; !last;) {
		uint32_t h;
		if (!recv_exact(fd, (uint8_t *)&h, 4, until))
			return -1;
		h = ntohl(h);
		last = h & ONC_RM_LAST_FRAG;
		size_t frag = h & ONC_RM_MAX_FRAG;
		if (frag > cap - len || !recv_exact(fd, buf + len, frag, until))
			return -1;
		len += frag;
	}
	return (ssize_t)len;
}

static void expect_words(const uint8_t *got, ssize_t len, const uint32_t *expected, size_t n)
{
	assert_int_equal(len, (ssize_t)(4 * n));
	for (size_t i = 0; i < n; i++) {
		uint32_t w;
		memcpy(&w, got + 4 * i, 4);
		assert_int_equal(ntohl(w), expected[i]);
	}
}

void attack_expect_reply(int fd, const uint32_t *expected, size_t n)
{
	uint8_t buf[1024];
	expect_words(buf, attack_recv_record(fd, buf, sizeof buf, attack_ms(2000)), expected, n);
}

void attack_expect_datagram(int fd, const uint32_t *expected, size_t n)
{
	uint8_t buf[1024];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, attack_ms(2000)), 1);
	expect_words(buf, recv(fd, buf, sizeof buf, 0), expected, n);
}

/* ---- messages ---- */

void attack_words(onc_xdr_enc *e, size_t n, const uint32_t *w)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(onc_xdr_put_u32(e, w[i]), ONC_OK);
}

void attack_call_header(onc_xdr_enc *e, uint32_t xid, uint32_t rpcvers, uint32_t prog,
			uint32_t vers, uint32_t proc)
{
	attack_words(e, 10,
		     (const uint32_t[]){xid, ONC_CALL, rpcvers, prog, vers, proc, 0, 0, 0, 0});
}

void attack_null_call(const attack_target *t, onc_xdr_enc *e, uint32_t xid)
{
	size_t rec;
	assert_int_equal(onc_rm_begin(e, &rec), ONC_OK);
	attack_call_header(e, xid, ONC_RPC_VERSION, t->prog, t->vers, 0);
	assert_int_equal(onc_rm_end(e, rec, 0), ONC_OK);
}

bool attack_null_served(const attack_target *t, int fd, uint32_t xid)
{
	static const uint32_t words[] = {0, ONC_REPLY, ONC_MSG_ACCEPTED, 0, 0, ONC_SUCCESS};
	uint8_t reply[sizeof words];
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	attack_null_call(t, &e, xid);
	bool sent = attack_try_send(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
	onc_xdr_enc_free(&e);
	if (!sent || attack_recv_record(fd, reply, sizeof reply, attack_ms(2000)) != sizeof reply)
		return false;
	for (size_t i = 0; i < 6; i++) {
		uint32_t w;
		memcpy(&w, reply + 4 * i, 4);
		if (ntohl(w) != (i ? words[i] : xid))
			return false;
	}
	return true;
}

void attack_assert_null(const attack_target *t, int fd, uint32_t xid)
{
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	attack_null_call(t, &e, xid);
	attack_send(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
	onc_xdr_enc_free(&e);
	attack_expect_reply(fd, ATTACK_REPLY_WORDS(xid, ONC_REPLY, ONC_MSG_ACCEPTED, 0, 0,
						   ONC_SUCCESS));
}
