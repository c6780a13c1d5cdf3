/* Who may change the embedded rpcbind's table (issue 18, item 7). Runs as root (to call as
 * another user too), in a network namespace of its own.
 *   - A registration's owner is whoever made it, as rpcbind has it: "superuser" or the uid of
 *     a caller on the Unix socket (SO_PEERCRED), "unknown" over TCP and UDP; the owner named
 *     in the call is not believed.
 *   - Only the owner, or root, removes a registration; rpcbind's own are root's.
 *   - One owner other than root holds at most 256 registrations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "onc/rpcbind.h"
#include "test_server.h"

#define NOBODY 65534
#define OWNER_QUOTA 256
#define MAX_ENTRIES 4096
#define RPCB_SET 1
#define RPCB_UNSET 2

static rpcbind_server rbs;
static char dir[] = "/tmp/onc-rpcbind-XXXXXX";
static char sock_path[64], pmap_unix[80];

/* rpcbind on TCP and UDP and on a Unix socket that every user may connect to, as the
 * system's /run/rpcbind.sock. */
static int setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) != 0 || system("ip link set lo up") != 0) {
		fprintf(stderr, "needs root: a network namespace of its own\n");
		return -1;
	}
	if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
		return -1;
	snprintf(sock_path, sizeof sock_path, "%s/rpcbind.sock", dir);
	snprintf(pmap_unix, sizeof pmap_unix, "unix://%s", sock_path);
	rpcbind_server_start(&rbs, "127.0.0.1", pmap_unix, false);
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
	assert_int_equal(entries, 6 + OWNER_QUOTA);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_owner_is_who_sets),
		cmocka_unit_test(test_only_the_owner_or_root_unsets),
		cmocka_unit_test(test_one_user_cannot_fill_the_table),
		cmocka_unit_test(test_servers_register_as_their_user),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
