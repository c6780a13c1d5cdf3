/* Attacks with connections: slowloris, floods, killed clients, clients that never read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attacks.h"

static unsigned count_closed(const int *fds, unsigned n)
{
	unsigned closed = 0;
	for (unsigned i = 0; i < n; i++)
		closed += attack_is_closed(fds[i]);
	return closed;
}

static void close_all(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

/* What the slowloris attack sees. */
typedef struct watch {
	const int *fds;
	unsigned n;
	int64_t start, first_closed, all_closed; /* ms after start; -1 until seen */
	int64_t slowest;                         /* the slowest normal call, ms */
} watch;

static void watch_closed(watch *w)
{
	unsigned closed = count_closed(w->fds, w->n);
	int64_t at = attack_now_ms() - w->start;
	if (closed && w->first_closed < 0)
		w->first_closed = at;
	if (closed == w->n && w->all_closed < 0)
		w->all_closed = at;
}

/* Until `until`: normal clients one after another, and which trickling ones are closed. */
static void serve_until(const attack_target *t, watch *w, int64_t until)
{
	do {
		int64_t start = attack_now_ms();
		attack_assert_served(t);
		int64_t took = attack_now_ms() - start;
		w->slowest = took > w->slowest ? took : w->slowest;
		watch_closed(w);
		attack_sleep_ms(50);
	} while (attack_now_ms() < until);
}

void attack_slowloris(const attack_target *t)
{
	enum { N = 1000, SECONDS = 5 };
	static int fds[N];
	uint8_t call[64];
	onc_xdr_enc e;
	attack_mem m;
	watch w = {.fds = fds, .n = N, .first_closed = -1, .all_closed = -1};

	onc_xdr_enc_init_fixed(&e, call, sizeof call);
	attack_null_call(t, &e, 1);
	attack_mem_begin(t, &m, "slowloris: 1000 connections, one byte a second");
	w.start = attack_now_ms();
	for (unsigned i = 0; i < N; i++)
		fds[i] = attack_connect(t);
	for (unsigned s = 0; s < SECONDS; s++) {
		for (unsigned i = 0; i < N; i++) /* fails once the server has closed it */
			send(fds[i], call + s, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		attack_mem_peak(t, &m);
		serve_until(t, &w, w.start + 1000 * (s + 1));
	}
	/* Idle timeout + the server's once-a-second scan, and slack for a slow machine. */
	int64_t deadline = w.start + t->opts.idle_timeout_ms + attack_ms(3000);
	while (w.all_closed < 0 && attack_now_ms() < deadline) {
		attack_sleep_ms(50);
		watch_closed(&w);
	}
	printf("[ ATTACK   ] %s: slowest normal call %lld ms; the %d trickling connections were "
	       "closed from %lld to %lld ms after the first connected (idle timeout %u ms)\n",
	       t->name, (long long)w.slowest, N, (long long)w.first_closed,
	       (long long)w.all_closed, t->opts.idle_timeout_ms);
	/* Nobody before the idle timeout, everyone within it and the scan's second after. */
	assert_true(w.first_closed >= t->opts.idle_timeout_ms);
	assert_true(w.all_closed >= 0);
	assert_true(w.slowest < attack_ms(1000));
	close_all(fds, N);
	attack_mem_end(t, &m, 8 * MIB, 1 * MIB);
	attack_assert_served(t);
}

void attack_flood(const attack_target *t)
{
	enum { OVER = 100, NEWCOMERS = 50, MAX_FDS = 4096 };
	static int fds[MAX_FDS + NEWCOMERS];
	const unsigned limit = t->opts.max_connections;
	const unsigned n = limit + OVER;
	attack_mem m;
	unsigned closed = 0, served = 0;
	int held = 0;

	assert_true(n <= MAX_FDS);
	attack_mem_begin(t, &m, "flood: the connection limit and 100 beyond");
	for (unsigned i = 0; i < n; i++)
		fds[i] = attack_connect(t);
	/* Each connection beyond the limit closes one connection at once: itself, or (once the
	 * flood has lasted the eviction delay, as it may on a loaded machine where a connect
	 * waits for a SYN to be sent again) one that has been idle longer. */
	for (int64_t until = attack_now_ms() + attack_ms(2000); attack_now_ms() < until;) {
		closed = count_closed(fds, n);
		held = attack_fd_count(t->pid) - t->idle_fds;
		if (closed >= OVER && held >= (int)limit)
			break;
		attack_sleep_ms(20);
	}
	attack_sleep_ms(100);
	closed = count_closed(fds, n);
	held = attack_fd_count(t->pid) - t->idle_fds;
	printf("[ ATTACK   ] %s: %u connections over a limit of %u: %u closed, %d held\n", t->name,
	       n, limit, closed, held);
	assert_int_equal(held, limit);
	/* Under valgrind, one or two flood connections have been seen to stay neither accepted
	 * nor refused for over 10 s (never natively; not understood yet). */
	if (attack_under_valgrind())
		assert_true(closed <= OVER && closed + 5 >= OVER);
	else
		assert_int_equal(closed, OVER);
	attack_mem_peak(t, &m);

	/* Every connection held is served, and makes a call as a client keeping its slots before
	 * each idle timeout would; then 50 newcomers arrive and stay. Each takes the place of a
	 * connection idle for the eviction delay, and is served. */
	for (unsigned i = 0; i < n; i++)
		if (!attack_is_closed(fds[i]))
			attack_assert_null(t, fds[i], 3 + i);
	attack_sleep_ms(1200);
	for (unsigned i = 0; i < NEWCOMERS; i++) {
		fds[n + i] = attack_connect(t);
		served += attack_null_served(t, fds[n + i], 7);
	}
	held = attack_fd_count(t->pid) - t->idle_fds;
	printf("[ ATTACK   ] %s: slots held by active connections: %u of %u newcomers served, "
	       "%d held\n", t->name, served, NEWCOMERS, held);
	assert_int_equal(served, NEWCOMERS);
	assert_int_equal(held, limit);

	/* The flood ends: everyone is served again. */
	close_all(fds, n + NEWCOMERS);
	attack_mem_end(t, &m, 8 * MIB, 1 * MIB);
	attack_assert_served(t);
}

/* In a child process: connects, sends len bytes of data, tells ready and waits to be killed. */
static pid_t doomed_client(const attack_target *t, const uint8_t *data, size_t len, int ready)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid)
		return pid;
	int fd = attack_try_connect(t); /* no cmocka in the child: it must not return */
	if (fd < 0 || !attack_try_send(fd, data, len) || write(ready, "x", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

void attack_killed_mid_record(const attack_target *t)
{
	enum { N = 20, CLAIM = 512 * 1024, SENT = 256 * 1024 };
	size_t limit = t->opts.max_record ? t->opts.max_record : ONC_RM_DEFAULT_MAX_RECORD;
	static uint8_t data[4 + SENT];
	pid_t pids[N];
	int ready[2];
	attack_mem m;

	assert_true(CLAIM <= limit);
	uint32_t h = htonl(ONC_RM_LAST_FRAG | CLAIM);
	memcpy(data, &h, 4);
	assert_int_equal(pipe(ready), 0);
	attack_mem_begin(t, &m, "20 clients killed mid-record (256 KiB of 512 KiB sent)");
	/* Half stop inside the header, half inside the body. */
	for (int i = 0; i < N; i++)
		pids[i] = doomed_client(t, data, i & 1 ? 2 : sizeof data, ready[1]);
	for (int i = 0; i < N; i++) {
		char c;
		assert_int_equal(read(ready[0], &c, 1), 1);
	}
	attack_sleep_ms(100);
	attack_assert_served(t);
	attack_mem_peak(t, &m);
	for (int i = 0; i < N; i++) {
		kill(pids[i], SIGKILL);
		assert_int_equal(waitpid(pids[i], NULL, 0), pids[i]);
	}
	close(ready[0]);
	close(ready[1]);
	/* 10 x 256 KiB were buffered, as they arrived; all of it goes with the connections. */
	attack_mem_end(t, &m, 16 * MIB, 1 * MIB);
	attack_assert_served(t);
}

/* One copy of t's chatty call after another, record-marked, about 64 KiB in all. */
static void chatty_batch(const attack_target *t, onc_xdr_enc *e)
{
	while (onc_xdr_enc_len(e) < 64 * 1024) {
		size_t rec;
		assert_int_equal(onc_rm_begin(e, &rec), ONC_OK);
		attack_call_header(e, 7, ONC_RPC_VERSION, t->prog, t->vers, t->chatty_proc);
		assert_int_equal(onc_xdr_put_opaque_fixed(e, t->chatty_args, t->chatty_args_len),
				 ONC_OK);
		assert_int_equal(onc_rm_end(e, rec, 0), ONC_OK);
	}
}

void attack_never_reads(const attack_target *t)
{
	const size_t give_up = 256 * MIB; /* a server without backpressure would take it all */
	int small = 4096;
	onc_xdr_enc batch;
	attack_mem m;
	size_t sent = 0, at = 0;
	bool stalled = false;

	onc_xdr_enc_init(&batch);
	chatty_batch(t, &batch);
	const uint8_t *data = onc_xdr_enc_data(&batch);
	size_t len = onc_xdr_enc_len(&batch);

	attack_mem_begin(t, &m, "a client that never reads its replies");
	int fd = attack_connect(t);
	/* Our side holds little of the replies: what is not read stays with the server. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	int64_t start = attack_now_ms(), progress = start;
	while (sent < give_up && attack_now_ms() - start < attack_ms(10000)) {
		ssize_t k = send(fd, data + at, len - at, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			sent += (size_t)k;
			at = (at + (size_t)k) % len;
			progress = attack_now_ms();
			continue;
		}
		assert_true(k < 0 && (errno == EAGAIN || errno == EINTR));
		if (attack_now_ms() - progress > attack_ms(1000)) {
			stalled = true; /* the server has stopped reading us */
			break;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		poll(&p, 1, 100);
	}
	attack_mem_peak(t, &m);
	printf("[ ATTACK   ] %s: the server stopped reading after %zu KiB of calls (%s)\n", t->name,
	       sent >> 10, stalled ? "stalled" : "never stalled");
	assert_true(stalled);
	/* Others are served while it sits there. */
	int64_t took = attack_now_ms();
	attack_assert_served(t);
	took = attack_now_ms() - took;
	assert_true(took < attack_ms(1000));
	close(fd);
	onc_xdr_enc_free(&batch);
	attack_mem_end(t, &m, 16 * MIB, 2 * MIB);
	attack_assert_served(t);
}

void attack_slow_reader(const attack_target *t)
{
	static uint8_t sink[16 * 1024];
	onc_xdr_enc batch;
	attack_mem m;
	size_t sent = 0, got = 0, at = 0;

	onc_xdr_enc_init(&batch);
	chatty_batch(t, &batch);
	const uint8_t *data = onc_xdr_enc_data(&batch);
	size_t len = onc_xdr_enc_len(&batch);

	attack_mem_begin(t, &m, "a client that reads slowly and never catches up");
	int fd = attack_connect(t);
	for (int64_t start = attack_now_ms(); attack_now_ms() - start < 3000;) {
		ssize_t k;
		while ((k = send(fd, data + at, len - at, MSG_NOSIGNAL | MSG_DONTWAIT)) > 0) {
			sent += (size_t)k;
			at = (at + (size_t)k) % len;
		}
		k = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
		got += k > 0 ? (size_t)k : 0;
		attack_sleep_ms(1);
	}
	attack_mem_peak(t, &m);
	printf("[ ATTACK   ] %s: %zu KiB of calls sent, %zu KiB of replies read in 3 s\n", t->name,
	       sent >> 10, got >> 10);
	assert_true(got > 0);
	attack_assert_served(t);
	close(fd);
	onc_xdr_enc_free(&batch);
	attack_mem_end(t, &m, 16 * MIB, 2 * MIB);
	attack_assert_served(t);
}

/* Sends batches round-robin on fds until none has taken any for a second (or 10 s); the
 * bytes sent. */
static size_t pump_until_stalled(int *fds, unsigned n, const uint8_t *data, size_t len)
{
	size_t sent = 0, at[64] = {0};
	assert_true(n <= 64);
	int64_t start = attack_now_ms(), progress = start;
	while (attack_now_ms() - progress < attack_ms(1000) &&
	       attack_now_ms() - start < attack_ms(10000)) {
		bool moved = false;
		for (unsigned i = 0; i < n; i++) {
			ssize_t k = send(fds[i], data + at[i], len - at[i], MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0) {
				sent += (size_t)k;
				at[i] = (at[i] + (size_t)k) % len;
				moved = true;
			}
		}
		if (moved)
			progress = attack_now_ms();
		else
			attack_sleep_ms(10);
	}
	return sent;
}

void attack_many_never_read(const attack_target *t)
{
	enum { N = 32 };
	int fds[N], small = 4096;
	onc_xdr_enc batch;
	attack_mem m;
	unsigned closed = 0;
	bool served = false;

	onc_xdr_enc_init(&batch);
	chatty_batch(t, &batch);
	attack_mem_begin(t, &m, "32 clients that never read their replies, within a budget");
	for (int i = 0; i < N; i++) {
		fds[i] = attack_connect(t);
		setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	}
	size_t sent = pump_until_stalled(fds, N, onc_xdr_enc_data(&batch), onc_xdr_enc_len(&batch));
	attack_mem_peak(t, &m);
	/* Over the budget for 2 s, the server closes those that hold the most; a newcomer is
	 * served once it is back under (it may wait while the others fill it again). */
	for (int64_t until = attack_now_ms() + attack_ms(10000);
	     attack_now_ms() < until && (!closed || !served);) {
		closed = count_closed((const int *)fds, N);
		if (!served) {
			int fd = attack_connect(t);
			served = attack_null_served(t, fd, 9);
			close(fd);
		}
		attack_sleep_ms(100);
	}
	printf("[ ATTACK   ] %s: %zu KiB of calls sent by %d clients that never read: %u closed "
	       "as the largest holders, a newcomer %s\n",
	       t->name, sent >> 10, N, closed, served ? "served" : "never served");
	assert_true(closed >= 1);
	assert_true(served);
	close_all(fds, N);
	onc_xdr_enc_free(&batch);
	/* Each connection alone could hold 4 MiB of replies: 128 MiB in all without the budget.
	 * What stays resident after the first round is malloc's (the workers' arenas keep freed
	 * small blocks): three rounds in a row on one server left +5,076, +8 and +1,256 KiB. */
	attack_mem_end(t, &m, ATTACK_BUDGET + 12 * MIB, 8 * MIB);
	attack_assert_served(t);
}
