/* The embedded rpcbind service, through the client-side calls, on a free loopback port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "onc/rpcbind.h"
#include "test_server.h"

static rpcbind_server rbs;

static void *serve(void *arg)
{
	onc_server_run(arg);
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	rpcbind_server_start(&rbs, "127.0.0.1", NULL, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rpcbind_server_stop(&rbs);
	return 0;
}

static void test_pmap_set_getport_unset(void **state)
{
	(void)state;
	onc_pmap_mapping m = {0x20000999, 2, ONC_IPPROTO_TCP, 4242};
	bool done = false;
	uint16_t port = 0;

	assert_int_equal(onc_pmap_getport(rbs.udp, m.prog, 2, ONC_IPPROTO_TCP, &port),
			 ONC_ERR_PROG_UNAVAIL);
	assert_int_equal(onc_pmap_set(rbs.udp, &m, &done), ONC_OK);
	assert_true(done);
	/* A second SET of the same program, version and protocol succeeds at the same port and
	 * is refused at another, as rpcbind 1.2.6 answers. */
	assert_int_equal(onc_pmap_set(rbs.tcp, &m, &done), ONC_OK);
	assert_true(done);
	m.port++;
	assert_int_equal(onc_pmap_set(rbs.tcp, &m, &done), ONC_OK);
	assert_false(done);
	m.port--;
	assert_int_equal(onc_pmap_getport(rbs.tcp, m.prog, 2, ONC_IPPROTO_TCP, &port), ONC_OK);
	assert_int_equal(port, 4242);
	assert_int_equal(onc_pmap_getport(rbs.tcp, m.prog, 2, ONC_IPPROTO_UDP, &port),
			 ONC_ERR_PROG_UNAVAIL);

	onc_pmap_mapping *list;
	size_t n, found = 0;
	assert_int_equal(onc_pmap_dump(rbs.tcp, &list, &n), ONC_OK);
	for (size_t i = 0; i < n; i++)
		found += list[i].prog == m.prog && list[i].port == 4242 && list[i].vers == 2;
	/* the service itself: versions 2, 3, 4 on TCP and UDP */
	assert_int_equal(n, 7);
	assert_int_equal(found, 1);
	free(list);

	assert_int_equal(onc_pmap_unset(rbs.udp, m.prog, 2, &done), ONC_OK);
	assert_true(done);
	assert_int_equal(onc_pmap_getport(rbs.udp, m.prog, 2, ONC_IPPROTO_TCP, &port),
			 ONC_ERR_PROG_UNAVAIL);
	assert_int_equal(onc_pmap_unset(rbs.udp, m.prog, 2, &done), ONC_OK);
	assert_true(done); /* nothing to remove: TRUE, as rpcbind 1.2.6 answers */
}

static void test_rpcb_getaddr(void **state)
{
	(void)state;
	char *uaddr = NULL, want[32];
	/* Registered as 0.0.0.0: answered with the loopback address to a local caller. */
	snprintf(want, sizeof want, "127.0.0.1.%u.%u", rbs.tcp_port >> 8, rbs.tcp_port & 255);
	for (uint32_t v = 3; v <= 4; v++) {
		assert_int_equal(onc_rpcb_getaddr(rbs.tcp, v, ONC_PMAP_PROG, 4, "tcp", &uaddr), ONC_OK);
		assert_string_equal(uaddr, want);
		free(uaddr);
		assert_int_equal(onc_rpcb_getaddr(rbs.udp, v, 0x20000998, 1, "tcp", &uaddr), ONC_OK);
		assert_string_equal(uaddr, "");
		free(uaddr);
	}
}

static void test_client_finds_port_through_rpcbind(void **state)
{
	(void)state;
	onc_pmap_mapping m = {0x20000996, 1, ONC_IPPROTO_TCP, 0};
	onc_status st;
	bool done;
	/* the rpcbind service's own TCP port stands in for a registered program */
	m.port = rbs.tcp_port;
	assert_int_equal(onc_pmap_set(rbs.udp, &m, &done), ONC_OK);
	assert_true(done);
	uint16_t port = 0;
	assert_int_equal(onc_rpcb_find_port("127.0.0.1", rbs.tcp_port, "tcp", m.prog, 1, 0, &port), ONC_OK);
	assert_int_equal(port, rbs.tcp_port);
	/* GETADDR answers for any version of a registered program, as rpcbind does (the call
	 * then gets PROG_MISMATCH with the versions there are); an unknown program has none */
	assert_int_equal(onc_rpcb_find_port("127.0.0.1", rbs.tcp_port, "tcp", m.prog, 2, 0, &port), ONC_OK);
	assert_int_equal(onc_rpcb_find_port("127.0.0.1", rbs.tcp_port, "tcp", m.prog + 1, 1, 0, &port),
			 ONC_ERR_PROG_UNAVAIL);
	/* a client given no port asks that rpcbind */
	onc_client_options o = {.rpcbind_port = rbs.tcp_port};
	onc_client *c = onc_client_create("tcp://127.0.0.1", m.prog, 1, &o, &st);
	assert_non_null(c);
	onc_client_destroy(c);
	assert_null(onc_client_create("tcp://127.0.0.1", m.prog + 1, 1, &o, &st));
	assert_int_equal(st, ONC_ERR_PROG_UNAVAIL);
	assert_int_equal(onc_pmap_unset(rbs.udp, m.prog, 1, &done), ONC_OK);
}

/* A client given no port asks rpcbind within its own timeout (issue 18, item 11), not 5 s
 * whatever the timeout: 300 ms here, against an rpcbind that never answers. The bound
 * leaves room for a busy machine. */
static void test_lookup_keeps_the_callers_timeout(void **state)
{
	(void)state;
	const struct {
		int type;
		const char *addr;
	} silent[] = {{SOCK_STREAM, "tcp://127.0.0.1"}, {SOCK_DGRAM, "udp://127.0.0.1"}};
	for (size_t i = 0; i < sizeof silent / sizeof *silent; i++) {
		onc_client_options o = {.timeout_ms = 300};
		onc_status st;
		int fd = silent_socket(silent[i].type, &o.rpcbind_port);
		assert_true(fd >= 0);
		int64_t start = now_ms();
		assert_null(onc_client_create(silent[i].addr, 0x20000996, 1, &o, &st));
		int64_t took = now_ms() - start;
		print_message("%s, rpcbind silent, timeout 300 ms: %s after %lld ms\n",
			      silent[i].addr, onc_status_name(st), (long long)took);
		assert_int_equal(st, ONC_ERR_TIMEDOUT);
		assert_true(took >= 250 && took <= 300 + 3000);
		close(fd);
	}
}

static void test_uaddr_port(void **state)
{
	(void)state;
	uint16_t port = 0;
	assert_int_equal(onc_uaddr_port("127.0.0.1.8.1", &port), ONC_OK);
	assert_int_equal(port, 2049);
	assert_int_equal(onc_uaddr_port("::1.0.111", &port), ONC_OK);
	assert_int_equal(port, 111);
	assert_int_equal(onc_uaddr_port("127.0.0.1.256.1", &port), ONC_ERR_ADDRESS);
	assert_int_equal(onc_uaddr_port("1.2", &port), ONC_ERR_ADDRESS);
	assert_int_equal(onc_uaddr_port("host..1", &port), ONC_ERR_ADDRESS);
	assert_int_equal(onc_uaddr_port("", &port), ONC_ERR_ADDRESS);
}

/* Raw calls for the procedures the client side has no wrapper for. */
static onc_status put_str(onc_xdr_enc *e, const void *v)
{
	return onc_xdr_put_string(e, v, 255);
}

typedef struct netbuf_bytes {
	uint32_t maxlen, len;
	uint8_t buf[128];
} netbuf_bytes;

static onc_status get_netbuf(onc_xdr_dec *d, void *v)
{
	netbuf_bytes *n = v;
	const uint8_t *p;
	ONC_TRY(onc_xdr_get_u32(d, &n->maxlen));
	ONC_TRY(onc_xdr_get_opaque_ref(d, &p, &n->len, sizeof n->buf));
	memcpy(n->buf, p, n->len);
	return ONC_OK;
}

static onc_status put_netbuf(onc_xdr_enc *e, const void *v)
{
	const netbuf_bytes *n = v;
	ONC_TRY(onc_xdr_put_u32(e, n->maxlen));
	return onc_xdr_put_opaque(e, n->buf, n->len, sizeof n->buf);
}

static onc_status get_str(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_string(d, v, 255);
}

static onc_status get_u32(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_u32(d, v);
}

static void test_uaddr_taddr_and_time(void **state)
{
	(void)state;
	onc_status st;
	onc_client *c = onc_client_create(rbs.tcp, ONC_PMAP_PROG, 4, NULL, &st);
	netbuf_bytes nb = {0};
	char *back = NULL;
	uint32_t t = 0;
	assert_non_null(c);

	assert_int_equal(onc_client_call(c, 7, put_str, "127.0.0.1.8.1", get_netbuf, &nb, NULL), ONC_OK);
	struct sockaddr_in sin;
	assert_int_equal(nb.len, sizeof sin);
	memcpy(&sin, nb.buf, sizeof sin);
	assert_int_equal(sin.sin_family, AF_INET);
	assert_int_equal(ntohs(sin.sin_port), 2049);
	assert_int_equal(ntohl(sin.sin_addr.s_addr), 0x7f000001);

	assert_int_equal(onc_client_call(c, 8, put_netbuf, &nb, get_str, &back, NULL), ONC_OK);
	assert_string_equal(back, "127.0.0.1.8.1");
	free(back);

	assert_int_equal(onc_client_call(c, 6, NULL, NULL, get_u32, &t, NULL), ONC_OK);
	assert_true(t + 5 >= (uint32_t)time(NULL) && t <= (uint32_t)time(NULL));

	/* INDIRECT (CALLIT's v4 name) is not served. */
	assert_int_equal(onc_client_call(c, 10, NULL, NULL, NULL, NULL, NULL), ONC_ERR_PROC_UNAVAIL);
	onc_client_destroy(c);
}

static onc_accept_stat null_only(onc_call *call, void *ctx)
{
	(void)ctx;
	return call->header->proc == 0 ? ONC_SUCCESS : ONC_PROC_UNAVAIL;
}

static void test_server_registers_ipv4_and_ipv6(void **state)
{
	(void)state;
	onc_status st;
	uint16_t p4, p6;
	pthread_t t;
	char *uaddr, want[64];
	onc_server *s = onc_server_create(&(onc_server_options){.threads = 1}, &st);
	assert_non_null(s);
	assert_int_equal(onc_server_register(s, 0x20000997, 1, null_only, NULL), ONC_OK);
	assert_int_equal(onc_server_listen(s, "tcp://127.0.0.1:0", &p4), ONC_OK);
	assert_int_equal(onc_server_listen(s, "udp://[::1]:0", &p6), ONC_OK);
	assert_int_equal(onc_server_use_portmapper(s, rbs.udp), ONC_OK);
	assert_int_equal(pthread_create(&t, NULL, serve, s), 0);

	/* run registers before serving: wait until the registration shows up */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(onc_rpcb_getaddr(rbs.udp6, 4, 0x20000997, 1, "udp6", &uaddr), ONC_OK);
		bool found = *uaddr != 0;
		free(uaddr);
		if (found)
			break;
		usleep(10000);
	}
	/* GETADDR answers for the transport it came on (RFC 1833): udp6 asked over UDP/IPv6 */
	snprintf(want, sizeof want, "::1.%u.%u", p6 >> 8, p6 & 255);
	assert_int_equal(onc_rpcb_getaddr(rbs.udp6, 4, 0x20000997, 1, "udp6", &uaddr), ONC_OK);
	assert_string_equal(uaddr, want);
	free(uaddr);
	snprintf(want, sizeof want, "127.0.0.1.%u.%u", p4 >> 8, p4 & 255);
	assert_int_equal(onc_rpcb_getaddr(rbs.tcp, 4, 0x20000997, 1, "tcp", &uaddr), ONC_OK);
	assert_string_equal(uaddr, want);
	free(uaddr);
	uint16_t port;
	assert_int_equal(onc_pmap_getport(rbs.udp, 0x20000997, 1, ONC_IPPROTO_TCP, &port), ONC_OK);
	assert_int_equal(port, p4);

	/* stopping removes every transport's registration */
	onc_server_stop(s);
	pthread_join(t, NULL);
	onc_server_destroy(s);
	assert_int_equal(onc_rpcb_getaddr(rbs.tcp, 4, 0x20000997, 1, "udp6", &uaddr), ONC_OK);
	assert_string_equal(uaddr, "");
	free(uaddr);
	assert_int_equal(onc_pmap_getport(rbs.udp, 0x20000997, 1, ONC_IPPROTO_TCP, &port),
			 ONC_ERR_PROG_UNAVAIL);
}

static onc_accept_stat doubler(onc_call *call, void *ctx)
{
	(void)ctx;
	int32_t v;
	if (call->header->proc != 1)
		return ONC_PROC_UNAVAIL;
	if (onc_xdr_get_i32(call->args, &v))
		return ONC_GARBAGE_ARGS;
	return onc_xdr_put_i32(call->results, 2 * v) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
}

typedef struct forwarded {
	uint32_t port;
	char *addr;
	int32_t value;
} forwarded;

static onc_status put_callit_args(onc_xdr_enc *e, const void *v)
{
	(void)v;
	static const uint8_t seven[4] = {0, 0, 0, 7};
	ONC_TRY(onc_xdr_put_u32(e, 0x20000995)); /* prog, vers, proc */
	ONC_TRY(onc_xdr_put_u32(e, 1));
	ONC_TRY(onc_xdr_put_u32(e, 1));
	return onc_xdr_put_opaque(e, seven, 4, 64); /* the arguments, XDR already */
}

static onc_status get_v2_result(onc_xdr_dec *d, void *v)
{
	forwarded *f = v;
	uint32_t n;
	ONC_TRY(onc_xdr_get_u32(d, &f->port));
	ONC_TRY(onc_xdr_get_u32(d, &n));
	return n == 4 ? onc_xdr_get_i32(d, &f->value) : ONC_ERR_BAD_VALUE;
}

static onc_status get_v4_result(onc_xdr_dec *d, void *v)
{
	forwarded *f = v;
	uint32_t n;
	ONC_TRY(onc_xdr_get_string(d, &f->addr, 255));
	ONC_TRY(onc_xdr_get_u32(d, &n));
	return n == 4 ? onc_xdr_get_i32(d, &f->value) : ONC_ERR_BAD_VALUE;
}

static void test_callit(void **state)
{
	(void)state;
	/* refused by default */
	onc_status st;
	onc_client *c = onc_client_create(rbs.udp, ONC_PMAP_PROG, 2, NULL, &st);
	forwarded f = {0};
	assert_int_equal(onc_client_call(c, 5, put_callit_args, NULL, get_v2_result, &f, NULL),
			 ONC_ERR_PROC_UNAVAIL);
	onc_client_destroy(c);

	/* allowed: a second rpcbind, forwarding to a service on this host */
	rpcbind_server rb2;
	bg_server service;
	rpcbind_server_start(&rb2, "127.0.0.1", NULL, true);
	bg_server_start(&service, &(onc_server_options){.threads = 1}, 0x20000995, doubler);
	uint16_t udp = service.udp_port;
	bool done;
	onc_pmap_mapping m = {0x20000995, 1, ONC_IPPROTO_UDP, udp};
	assert_int_equal(onc_pmap_set(rb2.udp, &m, &done), ONC_OK);
	assert_true(done);

	c = onc_client_create(rb2.udp, ONC_PMAP_PROG, 2, NULL, &st);
	assert_int_equal(onc_client_call(c, 5, put_callit_args, NULL, get_v2_result, &f, NULL), ONC_OK);
	assert_int_equal(f.port, udp);
	assert_int_equal(f.value, 14);
	onc_client_destroy(c);

	char want[64];
	snprintf(want, sizeof want, "127.0.0.1.%u.%u", udp >> 8, udp & 255);
	c = onc_client_create(rb2.udp, ONC_PMAP_PROG, 4, NULL, &st);
	f = (forwarded){0};
	assert_int_equal(onc_client_call(c, 10, put_callit_args, NULL, get_v4_result, &f, NULL), ONC_OK);
	assert_string_equal(f.addr, want);
	assert_int_equal(f.value, 14);
	free(f.addr);
	onc_client_destroy(c);

	/* a program that is not registered: INDIRECT says so, CALLIT stays silent (RFC 1833) */
	assert_int_equal(onc_pmap_unset(rb2.udp, 0x20000995, 1, &done), ONC_OK);
	c = onc_client_create(rb2.udp, ONC_PMAP_PROG, 4, NULL, &st);
	assert_int_equal(onc_client_call(c, 10, put_callit_args, NULL, get_v4_result, &f, NULL),
			 ONC_ERR_PROG_UNAVAIL);
	onc_client_destroy(c);
	c = onc_client_create(rb2.udp, ONC_PMAP_PROG, 2, &(onc_client_options){.timeout_ms = 500},
			      &st);
	assert_int_equal(onc_client_call(c, 5, put_callit_args, NULL, get_v2_result, &f, NULL),
			 ONC_ERR_TIMEDOUT);
	onc_client_destroy(c);

	bg_server_stop(&service);
	rpcbind_server_stop(&rb2);
}

/* rpcbind v3/v4 DUMP, v4 GETADDRLIST and GETSTAT (onc info's listing, -l and -m), against a
 * service of the test's own, so that its counts are this test's calls. */
static void test_dump_addrlist_and_stats(void **state)
{
	(void)state;
	rpcbind_server rb2;
	char here[32];
	bool done;
	rpcbind_server_start(&rb2, "127.0.0.1", NULL, false);
	snprintf(here, sizeof here, "127.0.0.1.%u.%u", rb2.tcp_port >> 8, rb2.tcp_port & 255);
	onc_rpcb r = {0x20005555, 1, "udp", "127.0.0.1.4.1", "somebody"};
	assert_int_equal(onc_rpcb_set(rb2.tcp, &r, &done), ONC_OK);
	assert_true(done);

	for (uint32_t v = 3; v <= 4; v++) {
		onc_rpcb *list;
		size_t n, found = 0;
		assert_int_equal(onc_rpcb_dump(rb2.tcp, v, &list, &n), ONC_OK);
		for (size_t i = 0; i < n; i++)
			found += list[i].prog == r.prog && list[i].vers == 1 &&
				 strcmp(list[i].netid, "udp") == 0 &&
				 strcmp(list[i].addr, r.addr) == 0 &&
				 strcmp(list[i].owner, "unknown") == 0; /* not whom the call names */
		assert_int_equal(found, 1);
		free(list);
	}

	/* an IPv4 caller learns of the IPv4 addresses only */
	onc_rpcb q = {ONC_PMAP_PROG, 4, "tcp", here, ""};
	onc_rpcb_entry *e;
	size_t n;
	assert_int_equal(onc_rpcb_getaddrlist(rb2.tcp, &q, &e, &n), ONC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].maddr, here);
	assert_string_equal(e[0].netid, "tcp");
	assert_int_equal(e[0].semantics, 3);
	assert_string_equal(e[1].netid, "udp");
	assert_int_equal(e[1].semantics, 1);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(e[i].protofmly, "inet");
		assert_string_equal(e[i].proto, e[i].netid);
	}
	free(e);
	q.vers = 9;
	assert_int_equal(onc_rpcb_getaddrlist(rb2.tcp, &q, &e, &n), ONC_OK);
	assert_int_equal(n, 0);
	free(e);
	char *uaddr;
	assert_int_equal(onc_rpcb_getaddr(rb2.tcp, 4, r.prog, 1, "udp", &uaddr), ONC_OK);
	assert_string_equal(uaddr, ""); /* asked over TCP, where it is not */
	free(uaddr);

	onc_rpcb_stat *s;
	assert_int_equal(onc_rpcb_getstat(rb2.tcp, &s), ONC_OK);
	assert_int_equal(s[2].calls[12], 1); /* this GETSTAT, counted before it answers */
	assert_int_equal(s[2].calls[11], 2);
	assert_int_equal(s[2].sets, 1);
	assert_int_equal(s[1].calls[4], 1);
	assert_int_equal(s[0].naddrs + s[1].naddrs + s[0].nforwards, 0);
	/* one entry per prog/vers/netid of the caller's transport, the most recent first */
	assert_int_equal(s[2].naddrs, 3);
	const struct {
		uint32_t prog, vers;
		int32_t success, failure;
	} want[] = {{r.prog, 1, 0, 1}, {ONC_PMAP_PROG, 9, 0, 1}, {ONC_PMAP_PROG, 4, 1, 0}};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(s[2].addrs[i].prog, want[i].prog);
		assert_int_equal(s[2].addrs[i].vers, want[i].vers);
		assert_int_equal(s[2].addrs[i].success, want[i].success);
		assert_int_equal(s[2].addrs[i].failure, want[i].failure);
		assert_string_equal(s[2].addrs[i].netid, "tcp");
	}
	free(s);
	rpcbind_server_stop(&rb2);
}

/* dir/name's bytes (malloc'd) and length. */
static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char path[256];
	struct stat sb;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	uint8_t *buf = malloc((size_t)sb.st_size + 1);
	assert_int_equal(read(fd, buf, (size_t)sb.st_size), sb.st_size);
	close(fd);
	*len = (size_t)sb.st_size;
	return buf;
}

static void spill(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static bool exists(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* --warm-start: what one table saves another restores, all of it or, from a file cut short
 * anywhere or with bytes after its end, nothing, with the file kept aside. */
static void test_warm_start(void **state)
{
	(void)state;
	char dir[] = "/tmp/onc_warm_XXXXXX", dir2[] = "/tmp/onc_warm_XXXXXX";
	onc_rpcb r = {0x20000997, 1, "udp", "127.0.0.1.1.2", "ignored"};
	onc_pmap_mapping m = {0x20000997, 2, ONC_IPPROTO_TCP, 4243};
	size_t restored, skipped, len, len2, pmap_len;
	bool done;
	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(dir2));
	assert_int_equal(onc_rpcb_set(rbs.tcp, &r, &done), ONC_OK);
	assert_true(done);
	assert_int_equal(onc_pmap_set(rbs.udp, &m, &done), ONC_OK);
	assert_true(done);

	assert_int_equal(onc_rpcbind_save(rbs.rb, dir), ONC_OK);
	uint8_t *saved = slurp(dir, "rpcbind.xdr", &len);
	free(slurp(dir, "portmap.xdr", &pmap_len));
	assert_false(exists(dir, ".rpcbind.xdr.tmp"));
	/* a pmaplist of the tcp and udp entries: the service's versions 2, 3, 4 on each, and
	 * the two */
	assert_int_equal(pmap_len, 8 * (4 + 16) + 4);

	onc_status st;
	onc_rpcbind *rb = onc_rpcbind_create(&st);
	assert_int_equal(onc_rpcbind_restore(rb, dir, &restored, &skipped), ONC_OK);
	assert_int_equal(restored, 2); /* the portmapper's own are rb's listeners' business */
	assert_int_equal(skipped, 0);
	assert_false(exists(dir, "rpcbind.xdr"));
	assert_false(exists(dir, "portmap.xdr"));
	/* No file: a cold start. */
	assert_int_equal(onc_rpcbind_restore(rb, dir, &restored, &skipped), ONC_OK);
	assert_int_equal(restored, 0);
	/* What rb saves is the two, with their owners ("unknown": set over TCP). */
	assert_int_equal(onc_rpcbind_save(rb, dir2), ONC_OK);
	uint8_t *again = slurp(dir2, "rpcbind.xdr", &len2);
	assert_non_null(memmem(again, len2, "127.0.0.1.1.2", 13));
	assert_non_null(memmem(again, len2, "unknown", 7));
	assert_null(memmem(again, len2, "ignored", 7));
	free(again);
	onc_rpcbind_destroy(rb);

	for (size_t cut = 0; cut <= len + 4; cut++) {
		uint8_t more[4] = {0, 0, 0, 0};
		spill(dir, "rpcbind.xdr", saved, cut <= len ? cut : len);
		if (cut > len) { /* and bytes after the end */
			char path[256];
			snprintf(path, sizeof path, "%s/rpcbind.xdr", dir);
			int fd = open(path, O_WRONLY | O_APPEND);
			assert_int_equal(write(fd, more, cut - len), (ssize_t)(cut - len));
			close(fd);
		}
		rb = onc_rpcbind_create(&st);
		st = onc_rpcbind_restore(rb, dir, &restored, &skipped);
		onc_rpcbind_destroy(rb);
		if (cut == len) {
			assert_int_equal(st, ONC_OK);
			assert_int_equal(restored, 2);
			continue;
		}
		assert_int_equal(st, cut < len ? ONC_ERR_TRUNCATED : ONC_ERR_TRAILING_DATA);
		assert_int_equal(restored, 0);
		assert_false(exists(dir, "rpcbind.xdr"));
		size_t kept_len;
		uint8_t *kept = slurp(dir, "rpcbind.xdr.corrupt", &kept_len);
		assert_int_equal(kept_len, cut);
		assert_memory_equal(kept, saved, cut < len ? cut : len);
		free(kept);
	}
	free(saved);

	/* A directory that is not there cannot be saved in. */
	char gone[300];
	snprintf(gone, sizeof gone, "%s/not/there", dir);
	assert_int_equal(onc_rpcbind_save(rbs.rb, gone), ONC_ERR_IO);
	assert_int_equal(errno, ENOENT);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, dir2);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(onc_rpcb_unset(rbs.tcp, r.prog, r.vers, "", &done), ONC_OK);
	assert_int_equal(onc_pmap_unset(rbs.udp, m.prog, m.vers, &done), ONC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pmap_set_getport_unset),
		cmocka_unit_test(test_rpcb_getaddr),
		cmocka_unit_test(test_uaddr_port),
		cmocka_unit_test(test_client_finds_port_through_rpcbind),
		cmocka_unit_test(test_lookup_keeps_the_callers_timeout),
		cmocka_unit_test(test_uaddr_taddr_and_time),
		cmocka_unit_test(test_server_registers_ipv4_and_ipv6),
		cmocka_unit_test(test_callit),
		cmocka_unit_test(test_dump_addrlist_and_stats),
		cmocka_unit_test(test_warm_start),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
