/* Texts for statuses and protocol enums: never NULL, distinct for distinct values. */
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

static const char *status_name(int s)
{
	return onc_strerror((onc_status)s);
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
	check_names(status_name, ONC_STATUS_COUNT_);
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
		cmocka_unit_test(test_protocol_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
