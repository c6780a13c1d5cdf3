/* T_MAXSIZE of sizes.x against sizes worked out by hand, and against the bytes of a value as
 * large as its type allows. */
#include <stdio.h>
#include <string.h>

#include "sizes.h"

static int failed;

#define CHECK_SIZE(macro, want)                                                                 \
	do {                                                                                    \
		if ((macro) != (want)) {                                                        \
			printf("FAIL: %s is %u, not %u\n", #macro, (unsigned)(macro), (unsigned)(want)); \
			failed = 1;                                                             \
		}                                                                               \
	} while (0)

int main(void)
{
	CHECK_SIZE(name_MAXSIZE, 12);
	CHECK_SIZE(blob_MAXSIZE, 12);
	CHECK_SIZE(trio_MAXSIZE, 16);
	CHECK_SIZE(inner_MAXSIZE, 8);
	CHECK_SIZE(maybe_MAXSIZE, 12);
	CHECK_SIZE(three_MAXSIZE, 4);
	CHECK_SIZE(choice_MAXSIZE, 16);
	CHECK_SIZE(all_MAXSIZE, 72);
#if defined(node_MAXSIZE) || defined(unbounded_MAXSIZE)
	puts("FAIL: a largest size for a list or an unbounded string");
	failed = 1;
#endif
	char n8[] = "12345678", n8b[] = "abcdefgh";
	uint8_t b5[5] = { 1, 2, 3, 4, 5 };
	int32_t t3[3] = { 1, 2, 3 };
	inner in = { 42 };
	all v = { .n = n8, .b = { 5, b5 }, .t = { 3, t3 }, .m = &in, .x = { 7, 8, 9 } };
	v.c.k = 3;
	v.c.choice_u.n = n8b;
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	onc_status s = all_encode(&e, &v);
	if (s != ONC_OK || onc_xdr_enc_len(&e) != all_MAXSIZE) {
		printf("FAIL: the largest 'all' is %zu bytes (%s), all_MAXSIZE %u\n",
		       onc_xdr_enc_len(&e), onc_strerror(s), (unsigned)all_MAXSIZE);
		failed = 1;
	}
	onc_xdr_enc_free(&e);
	return failed;
}
