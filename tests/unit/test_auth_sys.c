/* AUTH_SYS credentials (RFC 5531 appendix A): the body's bytes, its limits, and malformed
 * bodies reported as AUTH_BADCRED. */
#include "unit.h"

#include <string.h>

#define W(v) (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)

static void make_auth(onc_auth_sys *a, const char *name, uint32_t ngids)
{
	memset(a, 0, sizeof *a);
	a->stamp = 0x11223344;
	strcpy(a->machinename, name);
	a->uid = 1000;
	a->gid = 100;
	a->ngids = ngids;
	for (uint32_t i = 0; i < ngids && i < ONC_AUTH_SYS_MAX_GIDS; i++)
		a->gids[i] = 100 + i * 1000;
}

static void assert_auth_sys_equal(const onc_auth_sys *got, const onc_auth_sys *want)
{
	assert_int_equal(got->stamp, want->stamp);
	assert_string_equal(got->machinename, want->machinename);
	assert_int_equal(got->uid, want->uid);
	assert_int_equal(got->gid, want->gid);
	assert_int_equal(got->ngids, want->ngids);
	assert_memory_equal(got->gids, want->gids, want->ngids * sizeof want->gids[0]);
}

/* Decodes body[0..n) from a heap copy of exactly n bytes. */
static onc_status decode_body(const uint8_t *body, size_t n, onc_auth_sys *a,
			      onc_auth_stat *why)
{
	uint8_t *copy = unit_dup(body, n);
	onc_opaque_auth cred = {ONC_AUTH_SYS, (uint32_t)n, copy};
	*why = ONC_AUTH_OK;
	onc_status s = onc_auth_sys_decode(&cred, a, why);
	free(copy);
	return s;
}

static void roundtrip(const onc_auth_sys *a, uint8_t out[ONC_AUTH_MAX_BODY], uint32_t *len)
{
	onc_auth_sys back;
	onc_auth_stat why;
	assert_status(onc_auth_sys_encode(a, out, len), ONC_OK);
	assert_true(*len <= ONC_AUTH_MAX_BODY);
	assert_status(decode_body(out, *len, &back, &why), ONC_OK);
	assert_auth_sys_equal(&back, a);
}

static void test_encode_bytes(void **state)
{
	(void)state;
	onc_auth_sys a;
	uint8_t out[ONC_AUTH_MAX_BODY];
	uint32_t len = 0;

	make_auth(&a, "host", 2);
	roundtrip(&a, out, &len);
	static const uint8_t want[] = {
		W(0x11223344), W(4), 'h', 'o', 's', 't', W(1000), W(100), W(2), W(100), W(1100),
	};
	assert_int_equal(len, sizeof want);
	assert_memory_equal(out, want, sizeof want);

	/* A name that needs padding, no gids. */
	make_auth(&a, "abcde", 0);
	roundtrip(&a, out, &len);
	static const uint8_t padded[] = {
		W(0x11223344), W(5), 'a', 'b', 'c', 'd', 'e', 0, 0, 0, W(1000), W(100), W(0),
	};
	assert_int_equal(len, sizeof padded);
	assert_memory_equal(out, padded, sizeof padded);

	/* An empty name. */
	make_auth(&a, "", 1);
	roundtrip(&a, out, &len);
	static const uint8_t empty[] = {W(0x11223344), W(0), W(1000), W(100), W(1), W(100)};
	assert_int_equal(len, sizeof empty);
	assert_memory_equal(out, empty, sizeof empty);
}

/* A body with a name of name_len 'n' bytes and ngids gids, bypassing the encoder's checks. */
static size_t raw_body(uint8_t *buf, size_t cap, uint32_t name_len, uint32_t ngids)
{
	onc_xdr_enc e;
	char name[1024];
	assert_true(name_len <= sizeof name);
	memset(name, 'n', name_len);
	onc_xdr_enc_init_fixed(&e, buf, cap);
	assert_status(onc_xdr_put_u32(&e, 1), ONC_OK);
	assert_status(onc_xdr_put_opaque(&e, name, name_len, UINT32_MAX), ONC_OK);
	assert_status(onc_xdr_put_u32(&e, 2), ONC_OK);
	assert_status(onc_xdr_put_u32(&e, 3), ONC_OK);
	assert_status(onc_xdr_put_u32(&e, ngids), ONC_OK);
	for (uint32_t i = 0; i < ngids; i++)
		assert_status(onc_xdr_put_u32(&e, i), ONC_OK);
	return onc_xdr_enc_len(&e);
}

static void test_limits(void **state)
{
	(void)state;
	onc_auth_sys a;
	uint8_t out[ONC_AUTH_MAX_BODY];
	uint32_t len;
	onc_auth_stat why;
	char name[ONC_AUTH_SYS_MAX_NAME + 1];

	/* The largest body: a 255-byte name and 16 gids. */
	memset(name, 'm', ONC_AUTH_SYS_MAX_NAME);
	name[ONC_AUTH_SYS_MAX_NAME] = '\0';
	make_auth(&a, name, ONC_AUTH_SYS_MAX_GIDS);
	roundtrip(&a, out, &len);
	assert_int_equal(len, 4 + 4 + 256 + 4 + 4 + 4 + 16 * 4);

	/* The same limits on bodies built by hand. */
	uint8_t buf[1024];
	size_t n = raw_body(buf, sizeof buf, 255, 16);
	assert_status(decode_body(buf, n, &a, &why), ONC_OK);
	assert_int_equal(strlen(a.machinename), 255);
	assert_int_equal(a.ngids, 16);
	assert_int_equal(a.gids[15], 15);

	n = raw_body(buf, sizeof buf, 256, 0);
	assert_status(decode_body(buf, n, &a, &why), ONC_ERR_AUTH);
	assert_int_equal(why, ONC_AUTH_BADCRED);

	n = raw_body(buf, sizeof buf, 4, 17);
	assert_status(decode_body(buf, n, &a, &why), ONC_ERR_AUTH);
	assert_int_equal(why, ONC_AUTH_BADCRED);

	/* A gid count far beyond what is there. */
	n = raw_body(buf, sizeof buf, 4, 0);
	buf[n - 4] = 0xff;
	assert_status(decode_body(buf, n, &a, &why), ONC_ERR_AUTH);
	assert_int_equal(why, ONC_AUTH_BADCRED);

	/* More gids than the struct holds cannot be encoded. */
	make_auth(&a, "h", ONC_AUTH_SYS_MAX_GIDS);
	a.ngids = ONC_AUTH_SYS_MAX_GIDS + 1;
	assert_true(onc_auth_sys_encode(&a, out, &len) != ONC_OK);
}

static void test_malformed(void **state)
{
	(void)state;
	onc_auth_sys a;
	onc_auth_stat why;
	uint8_t buf[64];
	size_t n = raw_body(buf, sizeof buf, 5, 3);

	/* Every truncation. */
	for (size_t len = 0; len < n; len++) {
		assert_status(decode_body(buf, len, &a, &why), ONC_ERR_AUTH);
		assert_int_equal(why, ONC_AUTH_BADCRED);
	}
	assert_status(decode_body(buf, n, &a, &why), ONC_OK);
	assert_string_equal(a.machinename, "nnnnn");
	assert_int_equal(a.ngids, 3);

	/* Bytes left over. */
	for (size_t extra = 1; extra <= 4; extra++) {
		memset(buf + n, 0, extra);
		assert_status(decode_body(buf, n + extra, &a, &why), ONC_ERR_AUTH);
		assert_int_equal(why, ONC_AUTH_BADCRED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
