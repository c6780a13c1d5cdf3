/* Status texts and names, protocol enum names: never NULL, distinct for distinct values. */
#include "unit.h"

#include <string.h>

/* Checks name(0..count-1) are non-empty and pairwise distinct, and that the out-of-range values
 * still get a text. */
static void check_names(const char *(*name)(int), int count)
{
	for (int i = 0; i < count; i++) {
		const char *a = name(i);
		assert_non_null(a);
		assert_true(a[0] != '\0');
		for (int j = 0; j < i; j++)
			if (strcmp(a, name(j)) == 0)
				fail_msg("values %d and %d share the text \"%s\"", j, i, a);
	}
	static const int out_of_range[] = {-1, 1000, 0x7fffffff};
	for (size_t i = 0; i < UNIT_LEN(out_of_range); i++) {
		assert_non_null(name(out_of_range[i]));
		/* An unknown value must not read as the success value. */
		assert_string_not_equal(name(out_of_range[i]), name(0));
	}
	assert_non_null(name(count));
	assert_string_not_equal(name(count), name(0));
}

static const char *status_text(int s)
{
	return onc_strerror((onc_status)s);
}

static const char *status_name(int s)
{
	return onc_status_name((onc_status)s);
}

static const char *accept_name(int s)
{
	return onc_accept_stat_name((onc_accept_stat)s);
}

static const char *auth_name(int s)
{
	return onc_auth_stat_name((onc_auth_stat)s);
}

static void test_strerror(void **state)
{
	(void)state;
	check_names(status_text, ONC_STATUS_COUNT_);
	assert_string_equal(onc_strerror(ONC_ERR_NOMEM), "out of memory");
	assert_string_equal(onc_strerror(ONC_STATUS_COUNT_), "unknown status");
}

/* The names are the enum's own spelling: the X-macro list gives both. */
static void test_status_name(void **state)
{
	(void)state;
	check_names(status_name, ONC_STATUS_COUNT_);
	assert_string_equal(onc_status_name(ONC_OK), "ONC_OK");
	assert_string_equal(onc_status_name(ONC_ERR_NOMEM), "ONC_ERR_NOMEM");
	assert_string_equal(onc_status_name(ONC_ERR_ADDRESS), "ONC_ERR_ADDRESS");
	assert_string_equal(onc_status_name(ONC_STATUS_COUNT_), "ONC_UNKNOWN_STATUS");
	assert_string_equal(onc_status_name((onc_status)-1), "ONC_UNKNOWN_STATUS");
}

static void test_protocol_names(void **state)
{
	(void)state;
	check_names(accept_name, ONC_SYSTEM_ERR + 1);
	check_names(auth_name, ONC_RPCSEC_GSS_CTXPROBLEM + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_status_name),
		cmocka_unit_test(test_protocol_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
