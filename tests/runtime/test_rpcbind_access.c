/* Who may change the embedded rpcbind's table, and what it answers to whom (issue 18, items 7
 * and 8). Runs as root, in a network namespace of its own (nothing here is reachable from
 * outside) where lo also carries 192.0.2.1: a call to that address comes from it too, which is
 * not a loopback address, so rpcbind takes the caller for one on another host
 * (onc_call_is_local).
 *   - A registration's owner is whoever made it, as rpcbind has it: "superuser" or the uid of
 *     a caller on the Unix socket (SO_PEERCRED), "unknown" over TCP and UDP; the owner named
 *     in the call is not believed.
 *   - Only the owner, or root, removes a registration; rpcbind's own are root's.
 *   - One owner other than root holds at most 256 registrations.
 *   - Over UDP, a caller on another host gets no reply larger than its call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "onc/rpcbind.h"
#include "test_server.h"

#define REMOTE "192.0.2.1" /* TEST-NET-1, on lo */
#define NOBODY 65534
#define OWNER_QUOTA 256
#define MAX_ENTRIES 4096
#define RPCB_SET 1
#define RPCB_UNSET 2

static rpcbind_server rbs;
static char dir[] = "/tmp/onc-rpcbind-XXXXXX";
static char sock_path[64], pmap_unix[80];

/* rpcbind on TCP and UDP (every address of the namespace) and on a Unix socket that every
 * user may connect to, as the system's /run/rpcbind.sock. */
/* What rpcbind lists of itself here: tcp and udp on 0.0.0.0 (versions 2-4), udp6 on [::1]
 * and the Unix socket (versions 3 and 4). */
#define OWN_ENTRIES (2 * 3 + 2 + 2)

static int setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) != 0 ||
	    system("ip link set lo up && ip addr add " REMOTE "/32 dev lo") != 0) {
		fprintf(stderr, "needs root: a network namespace of its own\n");
		return -1;
	}
	if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
		return -1;
	snprintf(sock_path, sizeof sock_path, "%s/rpcbind.sock", dir);
	snprintf(pmap_unix, sizeof pmap_unix, "unix://%s", sock_path);
	rpcbind_server_start(&rbs, "0.0.0.0", pmap_unix, true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rpcbind_server_stop(&rbs);
	unlink(sock_path);
	rmdir(dir);
	return 0;
}

/* ---- registrations ---- */

static bool set_rpcb(const char *pmap, const onc_rpcb *r)
{
	bool done = false;
	return onc_rpcb_set(pmap, r, &done) == ONC_OK && done;
}

static bool set(const char *pmap, uint32_t prog, const char *netid, const char *owner)
{
	return set_rpcb(pmap, &(onc_rpcb){prog, 1, (char *)netid, "0.0.0.0.7.208", (char *)owner});
}

static bool unset(const char *pmap, uint32_t prog, uint32_t vers, const char *netid)
{
	bool done = false;
	return onc_rpcb_unset(pmap, prog, vers, netid, &done) == ONC_OK && done;
}

static bool pmap_unset(const char *pmap, uint32_t prog, uint32_t vers)
{
	bool done = false;
	return onc_pmap_unset(pmap, prog, vers, &done) == ONC_OK && done;
}

typedef struct lookup {
	uint32_t prog;
	const char *netid;
	char owner[32]; /* "" when not registered */
	size_t entries; /* in the whole table */
} lookup;

/* rpcblist: a chain of "more?" booleans each followed by an rpcb. */
static onc_status find_owner(onc_xdr_dec *d, void *v)
{
	lookup *l = v;
	for (bool more;;) {
		uint32_t prog, vers, len[3];
		const uint8_t *s[3];
		ONC_TRY(onc_xdr_get_bool(d, &more));
		if (!more)
			return ONC_OK;
		ONC_TRY(onc_xdr_get_u32(d, &prog));
		ONC_TRY(onc_xdr_get_u32(d, &vers));
		for (int i = 0; i < 3; i++) /* netid, addr, owner */
			ONC_TRY(onc_xdr_get_opaque_ref(d, &s[i], &len[i], 255));
		l->entries++;
		if (prog != l->prog || len[0] != strlen(l->netid) || memcmp(s[0], l->netid, len[0]))
			continue;
		snprintf(l->owner, sizeof l->owner, "%.*s", (int)len[2], (const char *)s[2]);
	}
}

/* The table, through rpcbind v3 DUMP at pmap: the owner of prog version 1 on netid. */
static lookup dump(const char *pmap, uint32_t prog, const char *netid)
{
	onc_status st;
	lookup l = {.prog = prog, .netid = netid};
	onc_client *c = onc_client_create(pmap, ONC_PMAP_PROG, 3, NULL, &st);
	if (c)
		st = onc_client_call(c, 4, NULL, NULL, find_owner, &l, NULL);
	onc_client_destroy(c);
	if (st != ONC_OK)
		fprintf(stderr, "DUMP at %s: %s\n", pmap, onc_strerror(st));
	return l;
}

static const char *owner_of(uint32_t prog, const char *netid)
{
	static lookup l;
	l = dump(rbs.tcp, prog, netid);
	return l.owner;
}

/* ---- another user: calls made in a child process ---- */

/* In the child, where cmocka's asserts cannot end the test: counts and says what failed. */
static unsigned failed;
#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			failed++;                                                     \
			fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)

/* Runs fn in a child process as user uid, whose calls on the Unix socket then carry that uid:
 * true when every check of fn passed. */
static bool as_user(uid_t uid, void (*fn)(void))
{
	int status = -1;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CHECK(setresgid(uid, uid, uid) == 0 && setresuid(uid, uid, uid) == 0);
		if (!failed)
			fn();
		_exit(failed ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void nobody_sets(void)
{
	CHECK(set(pmap_unix, 0x20001003, "tcp", "superuser"));
	CHECK(set(rbs.udp, 0x20001004, "tcp", "superuser"));
}

static void test_the_owner_is_who_sets(void **state)
{
	(void)state;
	assert_true(set(pmap_unix, 0x20001001, "tcp", "somebody"));
	assert_string_equal(owner_of(0x20001001, "tcp"), "superuser");
	assert_true(set(rbs.udp, 0x20001002, "udp", "superuser"));
	assert_string_equal(owner_of(0x20001002, "udp"), "unknown");
	assert_true(as_user(NOBODY, nobody_sets));
	assert_string_equal(owner_of(0x20001003, "tcp"), "65534");
	assert_string_equal(owner_of(0x20001004, "tcp"), "unknown");
	/* rpcbind's own */
	assert_string_equal(owner_of(ONC_PMAP_PROG, "udp"), "superuser");
	for (uint32_t p = 0x20001001; p <= 0x20001004; p++)
		assert_true(unset(pmap_unix, p, 1, ""));
}

static void nobody_unsets(void)
{
	CHECK(!unset(pmap_unix, 0x20002001, 1, "tcp"));
	CHECK(!unset(pmap_unix, 0x20002001, 1, ""));
	CHECK(!pmap_unset(pmap_unix, 0x20002001, 1));
	CHECK(!unset(rbs.udp, 0x20002001, 1, ""));
	CHECK(!pmap_unset(rbs.udp, 0x20002001, 1));
	CHECK(!unset(pmap_unix, ONC_PMAP_PROG, 4, "tcp"));
	CHECK(!unset(rbs.udp, ONC_PMAP_PROG, 2, ""));
	CHECK(!pmap_unset(rbs.tcp, ONC_PMAP_PROG, 2));
	/* "unknown" is anybody on TCP or UDP: as rpcbind, they may remove its entries */
	CHECK(!unset(pmap_unix, 0x20002002, 1, ""));
	CHECK(unset(rbs.udp, 0x20002002, 1, ""));
	/* its own */
	CHECK(set(pmap_unix, 0x20002003, "udp", ""));
	CHECK(unset(pmap_unix, 0x20002003, 1, "udp"));
	CHECK(set(pmap_unix, 0x20002004, "udp", ""));
}

static void test_only_the_owner_or_root_unsets(void **state)
{
	(void)state;
	assert_true(set(pmap_unix, 0x20002001, "tcp", ""));
	assert_true(set(pmap_unix, 0x20002001, "udp", ""));
	assert_true(set(rbs.tcp, 0x20002002, "tcp", ""));
	assert_true(as_user(NOBODY, nobody_unsets));
	assert_string_equal(owner_of(0x20002001, "tcp"), "superuser");
	assert_string_equal(owner_of(0x20002001, "udp"), "superuser");
	assert_string_equal(owner_of(ONC_PMAP_PROG, "tcp"), "superuser");
	assert_string_equal(owner_of(0x20002002, "tcp"), "");
	/* root removes anyone's */
	assert_string_equal(owner_of(0x20002004, "udp"), "65534");
	assert_true(pmap_unset(pmap_unix, 0x20002004, 1));
	assert_true(unset(pmap_unix, 0x20002001, 1, ""));
}

static onc_status put_rpcb(onc_xdr_enc *e, const void *v)
{
	const onc_rpcb *r = v;
	ONC_TRY(onc_xdr_put_u32(e, r->prog));
	ONC_TRY(onc_xdr_put_u32(e, r->vers));
	ONC_TRY(onc_xdr_put_string(e, r->netid, 255));
	ONC_TRY(onc_xdr_put_string(e, r->addr, 255));
	return onc_xdr_put_string(e, r->owner, 255);
}

static onc_status get_bool(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_bool(d, v);
}

/* rpcbind v4 SET or UNSET (proc) of count programs from first (version 1, "tcp") on one
 * connection to pmap, as fast as they go: how many were done. */
static unsigned many(const char *pmap, uint32_t proc, uint32_t first, unsigned count)
{
	onc_status st;
	unsigned done = 0;
	onc_client *c = onc_client_create(pmap, ONC_PMAP_PROG, 4, NULL, &st);
	for (unsigned i = 0; c && i < count; i++) {
		onc_rpcb r = {first + i, 1, "tcp", "0.0.0.0.7.208", ""};
		bool ok = false;
		if (onc_client_call(c, proc, put_rpcb, &r, get_bool, &ok, NULL) == ONC_OK && ok)
			done++;
	}
	onc_client_destroy(c);
	return done;
}

/* One user tries to fill the table, over the Unix socket and over UDP. */
static void nobody_fills_the_table(void)
{
	CHECK(many(pmap_unix, RPCB_SET, 0x20010000, MAX_ENTRIES) == OWNER_QUOTA);
	CHECK(many(rbs.udp, RPCB_SET, 0x20020000, MAX_ENTRIES) == OWNER_QUOTA);
	CHECK(many(pmap_unix, RPCB_UNSET, 0x20010000, OWNER_QUOTA) == OWNER_QUOTA);
}

static void test_one_user_cannot_fill_the_table(void **state)
{
	(void)state;
	bool ok = as_user(NOBODY, nobody_fills_the_table);
	size_t entries = dump(rbs.tcp, 0, "").entries;
	/* root is not limited, and finds room */
	unsigned by_root = many(pmap_unix, RPCB_SET, 0x20030000, 2 * OWNER_QUOTA);
	many(pmap_unix, RPCB_UNSET, 0x20030000, 2 * OWNER_QUOTA);
	many(pmap_unix, RPCB_UNSET, 0x20010000, MAX_ENTRIES);
	many(pmap_unix, RPCB_UNSET, 0x20020000, MAX_ENTRIES);
	assert_true(ok);
	assert_int_equal(entries, OWN_ENTRIES + OWNER_QUOTA);
	assert_int_equal(by_root, 2 * OWNER_QUOTA);
}

static bool registered(uint32_t prog)
{
	char *uaddr = NULL;
	bool found = onc_rpcb_getaddr(rbs.tcp, 4, prog, 1, "udp", &uaddr) == ONC_OK && *uaddr;
	free(uaddr);
	return found;
}

/* A server of this user registers through the Unix socket as itself, and removes its
 * registration when it stops. */
static void nobody_serves(void)
{
	test_server t = {.portmapper = pmap_unix};
	test_server_start(&t, &(onc_server_options){.threads = 1}, 0);
	for (int i = 0; i < 200 && !registered(TESTPROG); i++)
		usleep(10000);
	CHECK(strcmp(owner_of(TESTPROG, "udp"), "65534") == 0);
	test_server_stop(&t);
	CHECK(!registered(TESTPROG));
}

static void test_servers_register_as_their_user(void **state)
{
	(void)state;
	assert_true(as_user(NOBODY, nobody_serves));
}

/* ---- replies to callers on other hosts ---- */

typedef struct probe {
	const char *what;
	uint32_t vers, proc;
	size_t nargs;
	uint32_t args[6];
} probe;

#define PROBE_PROG 0x20005001 /* a service whose proc 1 answers 1,000 bytes, proc 2 four */
#define UDP_WORD 0x75647000   /* "udp" */

static const probe rpcbind_probes[] = {
	{"portmapper v2 DUMP", 2, 4, 0, {0}},
	{"rpcbind v3 DUMP", 3, 4, 0, {0}},
	{"rpcbind v4 DUMP", 4, 4, 0, {0}},
	{"rpcbind v4 GETSTAT", 4, 12, 0, {0}},
	{"rpcbind v4 GETADDRLIST", 4, 11, 6, {ONC_PMAP_PROG, 4, 3, UDP_WORD, 0, 0}},
	{"rpcbind v3 GETADDR", 3, 3, 6, {ONC_PMAP_PROG, 3, 3, UDP_WORD, 0, 0}},
	{"rpcbind v4 GETTIME", 4, 6, 0, {0}},
	{"portmapper v2 NULL", 2, 0, 0, {0}},
	{"portmapper v2 GETPORT", 2, 3, 4, {ONC_PMAP_PROG, 2, ONC_IPPROTO_UDP, 0}},
};

/* The forwarded calls: answered in order by the one service, so the last comes back last. */
static const probe callit_probes[] = {
	{"portmapper v2 CALLIT of 1,000 bytes", 2, 5, 5, {PROBE_PROG, 1, 1, 4, 0}},
	{"rpcbind v4 INDIRECT of 1,000 bytes", 4, 10, 5, {PROBE_PROG, 1, 1, 4, 0}},
	{"portmapper v2 CALLIT of 4 bytes", 2, 5, 5, {PROBE_PROG, 1, 2, 4, 0}},
};

static size_t call_size(const probe *p)
{
	return 40 + 4 * p->nargs;
}

/* Sends the n probes from a UDP socket connected to host, xids 1..n, and reads the replies
 * until the last probe's (2 s at most): replies[i] is the size of probe i's reply, 0 when it
 * got none. The last probe must be answered, after all the others. */
static void exchange(const char *host, const probe *p, size_t n, size_t *replies)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(rbs.udp_port)};
	uint8_t buf[65536];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, host, &to.sin_addr), 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
	for (size_t i = 0; i < n; i++) {
		onc_call_header h = {.xid = (uint32_t)i + 1, .rpcvers = ONC_RPC_VERSION,
				     .prog = ONC_PMAP_PROG, .vers = p[i].vers, .proc = p[i].proc};
		onc_xdr_enc e;
		onc_xdr_enc_init_fixed(&e, buf, sizeof buf);
		assert_int_equal(onc_rpc_encode_call(&e, &h), ONC_OK);
		assert_int_equal(onc_xdr_put_u32_array(&e, p[i].args, p[i].nargs), ONC_OK);
		assert_int_equal(onc_xdr_enc_len(&e), call_size(&p[i]));
		assert_int_equal(send(fd, buf, onc_xdr_enc_len(&e), 0), (ssize_t)call_size(&p[i]));
		replies[i] = 0;
	}
	while (!replies[n - 1]) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, 2000), 1);
		ssize_t len = recv(fd, buf, sizeof buf, 0);
		uint32_t xid;
		assert_true(len >= 4);
		memcpy(&xid, buf, 4);
		xid = ntohl(xid);
		assert_true(xid >= 1 && xid <= n);
		replies[xid - 1] = (size_t)len;
	}
	close(fd);
}

/* Prints what each probe got, and asserts that no reply was larger than its call. */
static void assert_no_larger(const char *host, const probe *p, size_t n)
{
	size_t replies[16];
	exchange(host, p, n, replies);
	for (size_t i = 0; i < n; i++)
		printf("[ RATIO    ] %s from %s: call %zu bytes, reply %zu bytes (x%.2f)\n",
		       p[i].what, host, call_size(&p[i]), replies[i],
		       (double)replies[i] / (double)call_size(&p[i]));
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		assert_true(replies[i] <= call_size(&p[i]));
}

/* proc 1: 1,000 bytes of opaque data; proc 2: an int. */
static onc_accept_stat chatty(onc_call *call, void *ctx)
{
	(void)ctx;
	static const uint8_t bytes[1000];
	switch (call->header->proc) {
	case 1:
		return onc_xdr_put_opaque(call->results, bytes, sizeof bytes, sizeof bytes)
			       ? ONC_SYSTEM_ERR
			       : ONC_SUCCESS;
	case 2:
		return onc_xdr_put_u32(call->results, 7) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	default:
		return ONC_PROC_UNAVAIL;
	}
}

/* A table as an NFS server's host has it: nfs, mountd, nlockmgr, status and nfs_acl, their
 * versions, on four transports. */
static const uint32_t nfs_like[][2] = {{100003, 3}, {100003, 4}, {100005, 1}, {100005, 2},
				       {100005, 3}, {100021, 1}, {100021, 3}, {100021, 4},
				       {100024, 1}, {100227, 3}};
static const char *const transports[] = {"tcp", "udp", "tcp6", "udp6"};

static void nfs_table(bool registered)
{
	for (size_t i = 0; i < sizeof nfs_like / sizeof *nfs_like; i++)
		for (size_t t = 0; t < 4; t++) {
			uint32_t prog = nfs_like[i][0], vers = nfs_like[i][1];
			char *netid = (char *)transports[t];
			onc_rpcb r = {prog, vers, netid, strchr(netid, '6') ? "::.8.1" : "0.0.0.0.8.1", ""};
			assert_true(registered ? set_rpcb(pmap_unix, &r)
					       : unset(pmap_unix, prog, vers, netid));
		}
}

static void test_no_udp_reply_to_another_host_is_larger_than_its_call(void **state)
{
	(void)state;
	size_t n = sizeof rpcbind_probes / sizeof *rpcbind_probes;
	size_t replies[16];
	bg_server service;
	bg_server_start(&service, &(onc_server_options){.threads = 1}, PROBE_PROG, chatty);
	onc_pmap_mapping m = {PROBE_PROG, 1, ONC_IPPROTO_UDP, service.udp_port};
	bool done;
	assert_int_equal(onc_pmap_set(pmap_unix, &m, &done), ONC_OK);
	assert_true(done);
	nfs_table(true);

	assert_no_larger(REMOTE, rpcbind_probes, n);
	assert_no_larger(REMOTE, callit_probes, sizeof callit_probes / sizeof *callit_probes);
	/* the small ones are still answered */
	exchange(REMOTE, rpcbind_probes, n, replies);
	for (size_t i = 5; i < n; i++)
		assert_true(replies[i] > 0);

	/* a local caller gets every answer */
	exchange("127.0.0.1", rpcbind_probes, n, replies);
	for (size_t i = 0; i < n; i++)
		assert_true(replies[i] > 0);
	assert_true(replies[1] > 20 * call_size(&rpcbind_probes[1]));
	exchange("127.0.0.1", callit_probes, 3, replies);
	assert_true(replies[0] > 1000 && replies[1] > 1000 && replies[2] > 0);
	/* and TCP is answered in full */
	char remote_tcp[64];
	snprintf(remote_tcp, sizeof remote_tcp, "tcp://" REMOTE ":%u", rbs.tcp_port);
	assert_int_equal(dump(remote_tcp, 0, "").entries, OWN_ENTRIES + 40 + 1);

	nfs_table(false);
	assert_true(pmap_unset(pmap_unix, PROBE_PROG, 1));
	bg_server_stop(&service);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_owner_is_who_sets),
		cmocka_unit_test(test_only_the_owner_or_root_unsets),
		cmocka_unit_test(test_one_user_cannot_fill_the_table),
		cmocka_unit_test(test_servers_register_as_their_user),
		cmocka_unit_test(test_no_udp_reply_to_another_host_is_larger_than_its_call),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
