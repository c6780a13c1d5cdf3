/* Attacks with hostile bytes: record headers, lengths, headers and credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "attacks.h"

/* A call whose header fields may all be wrong. The credential's length field is cred_len,
 * but cred_bytes bytes follow it (zero-padded to a multiple of 4); the same for the verifier. */
typedef struct raw_call {
	uint32_t mtype, rpcvers;
	uint32_t cred_flavor, cred_len;
	const uint8_t *cred;
	size_t cred_bytes;
	uint32_t verf_len;
	size_t verf_bytes;
} raw_call;

static void put_bytes(onc_xdr_enc *e, const void *p, size_t n)
{
	assert_int_equal(onc_xdr_put_opaque_fixed(e, p, n), ONC_OK);
}

static void put_zeros(onc_xdr_enc *e, size_t n)
{
	for (size_t i = 0; i < n; i += 4)
		assert_int_equal(onc_xdr_put_u32(e, 0), ONC_OK);
}

/* Appends the raw call (record-marked unless for UDP) to e. */
static void raw_encode(const attack_target *t, const raw_call *c, uint32_t xid, bool mark,
		       onc_xdr_enc *e)
{
	size_t rec = 0;
	if (mark)
		assert_int_equal(onc_rm_begin(e, &rec), ONC_OK);
	attack_words(e, 8, (const uint32_t[]){xid, c->mtype, c->rpcvers, t->prog, t->vers, 0,
					      c->cred_flavor, c->cred_len});
	put_bytes(e, c->cred, c->cred_bytes);
	attack_words(e, 2, (const uint32_t[]){ONC_AUTH_NONE, c->verf_len});
	put_zeros(e, c->verf_bytes);
	if (mark)
		assert_int_equal(onc_rm_end(e, rec, 0), ONC_OK);
}

/* Sends c on fd (a stream, or a UDP socket when udp is set) and, when n > 0, checks the reply
 * against expected. */
static void exchange(const attack_target *t, int fd, bool udp, const raw_call *c, uint32_t xid,
		     const uint32_t *expected, size_t n)
{
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	raw_encode(t, c, xid, !udp, &e);
	attack_send(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
	onc_xdr_enc_free(&e);
	if (n && udp)
		attack_expect_datagram(fd, expected, n);
	else if (n)
		attack_expect_reply(fd, expected, n);
}

static raw_call valid_call(void)
{
	return (raw_call){.mtype = ONC_CALL, .rpcvers = ONC_RPC_VERSION};
}

void attack_huge_record(const attack_target *t)
{
	enum { N = 100 };
	int fds[N];
	attack_mem m;
	int64_t start = attack_now_ms(), slowest = 0;

	attack_mem_begin(t, &m, "2 GiB record headers x100");
	for (int i = 0; i < N; i++) {
		/* Half claim a last fragment of 2 GiB - 1, half a first fragment of it. */
		uint32_t huge = htonl((i & 1 ? 0 : ONC_RM_LAST_FRAG) | ONC_RM_MAX_FRAG);
		fds[i] = attack_connect(t);
		attack_send(fds[i], &huge, 4);
	}
	for (int i = 0; i < N; i++) {
		assert_true(attack_closed_within(fds[i], attack_ms(2000)));
		close(fds[i]);
	}
	slowest = attack_now_ms() - start;
	printf("[ ATTACK   ] %s: all %d closed %lld ms after the first header\n", t->name, N,
	       (long long)slowest);
	attack_mem_end(t, &m, 1 * MIB, 1 * MIB);
	attack_assert_served(t);
}

void attack_claim_up_to_limit(const attack_target *t)
{
	enum { N = 100, SENT = 1024 };
	size_t limit = t->opts.max_record ? t->opts.max_record : ONC_RM_DEFAULT_MAX_RECORD;
	static uint8_t part[4 + SENT];
	uint32_t h = htonl(ONC_RM_LAST_FRAG | (uint32_t)limit);
	int fds[N];
	attack_mem m;

	memcpy(part, &h, 4);
	attack_mem_begin(t, &m, "records claiming the limit x100, 1 KiB sent");
	for (int i = 0; i < N; i++) {
		fds[i] = attack_connect(t);
		attack_send(fds[i], part, sizeof part);
	}
	/* Legal so far: nobody is closed before the idle timeout... */
	attack_sleep_ms(200);
	attack_mem_peak(t, &m);
	for (int i = 0; i < N; i++)
		assert_false(attack_is_closed(fds[i]));
	attack_assert_served(t);
	/* ...and everyone soon after it (the server looks once a second). */
	int wait = (int)t->opts.idle_timeout_ms + attack_ms(2500);
	for (int i = 0; i < N; i++) {
		assert_true(attack_closed_within(fds[i], wait));
		close(fds[i]);
	}
	printf("[ ATTACK   ] %s: %d records of %zu bytes claimed (%zu MiB in all)\n", t->name, N,
	       limit, N * limit >> 20);
	attack_mem_end(t, &m, 2 * MIB, 1 * MIB);
	attack_assert_served(t);
}

/* A call to t's string procedure whose string claims claim bytes and has sent of them. */
static void string_call(const attack_target *t, onc_xdr_enc *e, uint32_t xid, uint32_t claim,
			size_t sent, bool mark)
{
	size_t rec = 0;
	if (mark)
		assert_int_equal(onc_rm_begin(e, &rec), ONC_OK);
	attack_call_header(e, xid, ONC_RPC_VERSION, t->prog, t->vers, t->string_proc);
	for (unsigned i = 0; i < t->string_prefix; i++)
		assert_int_equal(onc_xdr_put_u32(e, 0x20000999u), ONC_OK);
	assert_int_equal(onc_xdr_put_u32(e, claim), ONC_OK);
	for (size_t i = 0; i < sent; i += 4)
		assert_int_equal(onc_xdr_put_u32(e, 0x61616161u), ONC_OK); /* "aaaa" */
	if (mark)
		assert_int_equal(onc_rm_end(e, rec, 0), ONC_OK);
}

#define GARBAGE_ARGS(xid)                                                                          \
	ATTACK_REPLY_WORDS(xid, ONC_REPLY, ONC_MSG_ACCEPTED, 0, 0, ONC_GARBAGE_ARGS)

void attack_claimed_lengths(const attack_target *t)
{
	const struct {
		uint32_t claim;
		size_t sent;
	} cases[] = {
		{0xffffffffu, 8},              /* 4 GiB - 1 */
		{0x7ffffff0u, 8},              /* 2 GiB */
		{1000000, 1000},               /* more than follows, under the record limit */
		{t->string_max + 1, t->string_max + 4}, /* over the maximum, all bytes there */
		{t->string_max + 1000, t->string_max + 1000},
	};
	attack_mem m;

	attack_mem_begin(t, &m, "string lengths beyond the data and the maximum");
	int fd = attack_connect(t), udp = attack_udp(t);
	for (uint32_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		onc_xdr_enc e;
		onc_xdr_enc_init(&e);
		string_call(t, &e, 100 + i, cases[i].claim, cases[i].sent, true);
		attack_send(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
		attack_expect_reply(fd, GARBAGE_ARGS(100 + i));
		onc_xdr_enc_reset(&e);
		string_call(t, &e, 200 + i, cases[i].claim, cases[i].sent, false);
		attack_send(udp, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
		attack_expect_datagram(udp, GARBAGE_ARGS(200 + i));
		onc_xdr_enc_free(&e);
	}
	attack_assert_null(t, fd, 300); /* the connection is still served */
	close(fd);
	close(udp);
	attack_mem_end(t, &m, 1 * MIB, 1 * MIB);
	attack_assert_served(t);
}

/* Makes c's credential an AUTH_SYS body in body[]: stamp, machinename (claiming name_claim
 * bytes, name_len there), uid, gid, gids (claiming ngids_claim, ngids there). */
static void auth_sys(raw_call *c, uint8_t *body, size_t cap, uint32_t name_claim, size_t name_len,
		     uint32_t ngids_claim, size_t ngids)
{
	onc_xdr_enc e;
	onc_xdr_enc_init_fixed(&e, body, cap);
	attack_words(&e, 2, (const uint32_t[]){12345, name_claim});
	put_zeros(&e, name_len);
	attack_words(&e, 3, (const uint32_t[]){1000, 1000, ngids_claim});
	for (size_t i = 0; i < ngids; i++)
		assert_int_equal(onc_xdr_put_u32(&e, (uint32_t)i), ONC_OK);
	*c = valid_call();
	c->cred_flavor = ONC_AUTH_SYS;
	c->cred = body;
	c->cred_bytes = onc_xdr_enc_len(&e);
	c->cred_len = (uint32_t)c->cred_bytes;
}

#define DENIED_AUTH(xid, why)                                                                      \
	ATTACK_REPLY_WORDS(xid, ONC_REPLY, ONC_MSG_DENIED, ONC_AUTH_ERROR, why)
#define RPC_MISMATCH(xid) ATTACK_REPLY_WORDS(xid, ONC_REPLY, ONC_MSG_DENIED, ONC_RPC_MISMATCH, 2, 2)
#define SUCCESS(xid) ATTACK_REPLY_WORDS(xid, ONC_REPLY, ONC_MSG_ACCEPTED, 0, 0, ONC_SUCCESS)

void attack_denials(const attack_target *t)
{
	static uint8_t body[2048];
	raw_call c;
	attack_mem m;

	attack_mem_begin(t, &m, "bad rpcvers, flavors and credentials");
	int fd = attack_connect(t), udp = attack_udp(t);
	/* Wrong RPC versions: RPC_MISMATCH low 2 high 2. */
	c = valid_call();
	c.rpcvers = 3;
	exchange(t, fd, false, &c, 1, RPC_MISMATCH(1));
	exchange(t, udp, true, &c, 2, RPC_MISMATCH(2));
	c.rpcvers = 0xffffffffu;
	exchange(t, fd, false, &c, 3, RPC_MISMATCH(3));

	/* Flavors the server does not know: AUTH_REJECTEDCRED. */
	c = valid_call();
	c.cred_flavor = 99;
	exchange(t, fd, false, &c, 4, DENIED_AUTH(4, ONC_AUTH_REJECTEDCRED));
	exchange(t, udp, true, &c, 5, DENIED_AUTH(5, ONC_AUTH_REJECTEDCRED));
	c.cred_flavor = ONC_AUTH_DH;
	c.cred = body;
	c.cred_len = c.cred_bytes = 8;
	exchange(t, fd, false, &c, 6, DENIED_AUTH(6, ONC_AUTH_REJECTEDCRED));

	/* AUTH_SYS: a well-formed one passes; a 300-byte machinename, 20 gids, a claimed
	 * machinename or gid count of 4 Gi are AUTH_BADCRED. */
	auth_sys(&c, body, sizeof body, 8, 8, 2, 2);
	exchange(t, fd, false, &c, 7, SUCCESS(7));
	auth_sys(&c, body, sizeof body, 300, 300, 0, 0);
	exchange(t, fd, false, &c, 8, DENIED_AUTH(8, ONC_AUTH_BADCRED));
	auth_sys(&c, body, sizeof body, 8, 8, 20, 20);
	exchange(t, fd, false, &c, 9, DENIED_AUTH(9, ONC_AUTH_BADCRED));
	exchange(t, udp, true, &c, 10, DENIED_AUTH(10, ONC_AUTH_BADCRED));
	auth_sys(&c, body, sizeof body, 0xffffffffu, 8, 0, 0);
	exchange(t, fd, false, &c, 11, DENIED_AUTH(11, ONC_AUTH_BADCRED));
	auth_sys(&c, body, sizeof body, 8, 8, 0xffffffffu, 4);
	exchange(t, fd, false, &c, 12, DENIED_AUTH(12, ONC_AUTH_BADCRED));
	/* A body over 400 bytes (a valid AUTH_SYS start with 100 gids), and one claiming 4 Gi. */
	auth_sys(&c, body, sizeof body, 8, 8, 100, 100);
	assert_true(c.cred_len > ONC_AUTH_MAX_BODY);
	exchange(t, fd, false, &c, 13, DENIED_AUTH(13, ONC_AUTH_BADCRED));
	c.cred_len = 0xffffffffu;
	c.cred_bytes = 16;
	exchange(t, fd, false, &c, 14, DENIED_AUTH(14, ONC_AUTH_BADCRED));

	/* A verifier over 400 bytes: AUTH_BADVERF. */
	c = valid_call();
	c.verf_len = c.verf_bytes = 404;
	exchange(t, fd, false, &c, 15, DENIED_AUTH(15, ONC_AUTH_BADVERF));

	/* A REPLY sent to the server is not answered: the next record is the NULL call's. */
	c = valid_call();
	c.mtype = ONC_REPLY;
	exchange(t, fd, false, &c, 16, NULL, 0);
	attack_assert_null(t, fd, 17);
	close(fd);
	close(udp);
	attack_mem_end(t, &m, 1 * MIB, 1 * MIB);
	attack_assert_served(t);
}

int attack_send_list(const attack_target *t, uint32_t proc, uint32_t xid, uint32_t n,
		     int64_t *sum)
{
	onc_xdr_enc e;
	size_t rec;
	int fd = attack_connect(t);

	*sum = 0;
	onc_xdr_enc_init(&e);
	assert_int_equal(onc_rm_begin(&e, &rec), ONC_OK);
	attack_call_header(&e, xid, ONC_RPC_VERSION, t->prog, t->vers, proc);
	assert_int_equal(onc_xdr_enc_reserve(&e, 8 * (size_t)n + 4), ONC_OK);
	for (uint32_t i = 0; i < n; i++) {
		onc_xdr_put_u32_unchecked(&e, 1);
		onc_xdr_put_u32_unchecked(&e, i % 1000);
		*sum += i % 1000;
	}
	onc_xdr_put_u32_unchecked(&e, 0);
	assert_int_equal(onc_rm_end(&e, rec, 0), ONC_OK);
	/* A server that refuses the record closes the connection while it is being sent. */
	attack_try_send(fd, onc_xdr_enc_data(&e), onc_xdr_enc_len(&e));
	onc_xdr_enc_free(&e);
	return fd;
}
