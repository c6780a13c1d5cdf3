/* onc_call_is_local: only a Unix socket or a real loopback address is local. The server's
 * IPv6 sockets are IPv6-only, so an IPv4-mapped source (::ffff:127.0.0.1) can only come from
 * a spoofed datagram: it is not local (it once let rpcbind SET and UNSET from afar). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "onc/server.h"

static bool is_local(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &a->sin_addr), 1);
	}
	onc_call call = {.peer = (const struct sockaddr *)&ss, .peer_len = sizeof ss};
	return onc_call_is_local(&call);
}

static void test_loopback_is_local(void **state)
{
	(void)state;
	assert_true(is_local("127.0.0.1"));
	assert_true(is_local("127.1.2.3"));
	assert_true(is_local("::1"));
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	onc_call call = {.peer = (const struct sockaddr *)&un, .peer_len = sizeof un};
	assert_true(onc_call_is_local(&call));
}

static void test_others_are_not(void **state)
{
	(void)state;
	assert_false(is_local("10.0.0.1"));
	assert_false(is_local("128.0.0.1"));
	assert_false(is_local("::ffff:127.0.0.1"));
	assert_false(is_local("::ffff:127.9.9.9"));
	assert_false(is_local("::2"));
	assert_false(is_local("fe80::1"));
	onc_call call = {.peer = NULL};
	assert_false(onc_call_is_local(&call));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_is_local),
		cmocka_unit_test(test_others_are_not),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
