/* The server's request path, bytes in to bytes out, through onc_server_process(), with a test
 * program whose procedures decode the usual argument shapes. Every reply must be the one
 * RFC 5531 asks for (see fuzz_process), and a SUCCESS reply must carry exactly the results
 * the procedure encoded.
 *
 * Input: byte 0 bit 0 = record-mark the reply, bit 1 = the rest is the raw message; otherwise
 * proc, version, credential and program selectors, an xid, then the arguments. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define TEST_PROG 0x20000f22u
#define TEST_VERS_LOW 1u
#define TEST_VERS_HIGH 2u
#define MAX_NAME 64u
#define MAX_INTS 100u

enum { P_NULL, P_INC, P_ECHO, P_SUM, P_LIST, P_ALL, P_FAIL, P_COUNT };

typedef struct node {
	int32_t v;
	struct node *next;
} node;

/* What the last dispatch put in its results, to compare with the reply. */
static onc_xdr_enc expected;
static onc_server *server;

static onc_status get_ints(onc_xdr_dec *d, uint32_t **v, uint32_t *n)
{
	ONC_TRY(onc_xdr_get_array_len(d, n, MAX_INTS, 4));
	*v = onc_xdr_dec_alloc(d, *n, sizeof **v);
	if (!*v)
		return ONC_ERR_NOMEM;
	return onc_xdr_get_u32_array(d, *v, *n);
}

/* struct node { int v; node *next; } as an optional chain, decoded without recursion. */
static onc_status get_list(onc_xdr_dec *d, node **head)
{
	node **link = head;
	bool more;
	for (;;) {
		ONC_TRY(onc_xdr_get_bool(d, &more));
		if (!more)
			break;
		node *n = onc_xdr_dec_alloc(d, 1, sizeof *n);
		if (!n)
			return ONC_ERR_NOMEM;
		ONC_TRY(onc_xdr_get_i32(d, &n->v));
		*link = n;
		link = &n->next;
	}
	*link = NULL;
	return ONC_OK;
}

static onc_status put_list(onc_xdr_enc *e, const node *n)
{
	for (; n; n = n->next) {
		ONC_TRY(onc_xdr_put_bool(e, true));
		ONC_TRY(onc_xdr_put_i32(e, n->v));
	}
	return onc_xdr_put_bool(e, false);
}

/* Decodes proc's arguments and encodes its results into e. */
static onc_accept_stat run(uint32_t proc, onc_xdr_dec *args, onc_xdr_enc *e)
{
	uint32_t u, n = 0, *ints = NULL, sum = 0;
	char *name = NULL;
	node *list = NULL;

	switch (proc) {
	case P_NULL:
		return ONC_SUCCESS;
	case P_INC:
		if (onc_xdr_get_u32(args, &u))
			return ONC_GARBAGE_ARGS;
		return onc_xdr_put_u32(e, u + 1) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case P_ECHO:
		if (onc_xdr_get_string(args, &name, MAX_NAME))
			return ONC_GARBAGE_ARGS;
		FUZZ_CHECK(strlen(name) <= MAX_NAME);
		return onc_xdr_put_string(e, name, MAX_NAME) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case P_SUM:
		if (get_ints(args, &ints, &n))
			return ONC_GARBAGE_ARGS;
		for (uint32_t i = 0; i < n; i++)
			sum += ints[i];
		if (onc_xdr_put_u32(e, sum) || onc_xdr_put_array_len(e, n, MAX_INTS) ||
		    onc_xdr_put_u32_array(e, ints, n))
			return ONC_SYSTEM_ERR;
		return ONC_SUCCESS;
	case P_LIST:
		if (get_list(args, &list))
			return ONC_GARBAGE_ARGS;
		return put_list(e, list) ? ONC_SYSTEM_ERR : ONC_SUCCESS;
	case P_ALL:
		if (onc_xdr_get_u32(args, &u) || onc_xdr_get_string(args, &name, MAX_NAME) ||
		    get_ints(args, &ints, &n) || get_list(args, &list) || onc_xdr_dec_finish(args))
			return ONC_GARBAGE_ARGS;
		if (onc_xdr_put_u32(e, u) || onc_xdr_put_string(e, name, MAX_NAME) ||
		    onc_xdr_put_array_len(e, n, MAX_INTS) || onc_xdr_put_u32_array(e, ints, n) ||
		    put_list(e, list))
			return ONC_SYSTEM_ERR;
		return ONC_SUCCESS;
	case P_FAIL:
		/* Results already written must not reach the reply. */
		onc_xdr_put_u32(e, 0xdeadbeef);
		return ONC_SYSTEM_ERR;
	default:
		return ONC_PROC_UNAVAIL;
	}
}

static onc_accept_stat dispatch(onc_call *call, void *ctx)
{
	(void)ctx;
	FUZZ_CHECK(call->header->prog == TEST_PROG);
	FUZZ_CHECK(call->header->vers >= TEST_VERS_LOW && call->header->vers <= TEST_VERS_HIGH);
	FUZZ_CHECK(call->args->arena == call->arena);
	FUZZ_CHECK(onc_call_is_local(call));
	if (call->auth_sys) {
		FUZZ_CHECK(call->auth_sys->ngids <= ONC_AUTH_SYS_MAX_GIDS);
		FUZZ_CHECK(memchr(call->auth_sys->machinename, 0, ONC_AUTH_SYS_MAX_NAME + 1));
	}
	onc_xdr_enc_reset(&expected);
	onc_accept_stat st = run(call->header->proc, call->args, &expected);
	if (st == ONC_SUCCESS &&
	    onc_xdr_put_opaque_fixed(call->results, onc_xdr_enc_data(&expected),
				     onc_xdr_enc_len(&expected)) != ONC_OK)
		return ONC_SYSTEM_ERR;
	if (st != ONC_SUCCESS)
		onc_xdr_put_u32(call->results, 0xdeadbeef); /* dropped by the server */
	return st;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	onc_server_options opts = {.threads = 1};
	onc_status st;
	(void)argc;
	(void)argv;
	server = onc_server_create(&opts, &st);
	FUZZ_CHECK(server);
	for (uint32_t v = TEST_VERS_LOW; v <= TEST_VERS_HIGH; v++)
		FUZZ_CHECK(onc_server_register(server, TEST_PROG, v, dispatch, NULL) == ONC_OK);
	onc_xdr_enc_init(&expected);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	uint8_t mode = fuzz_u8(&in);
	bool record_mark = mode & 1;
	onc_xdr_enc msg, out;
	fuzz_reply r;

	onc_xdr_enc_init(&msg);
	onc_xdr_enc_init(&out);
	if (mode & 2) {
		fuzz_put_raw(&msg, in.p, in.n);
	} else {
		uint32_t proc = fuzz_u8(&in) % (P_COUNT + 1);
		uint32_t vers = fuzz_u8(&in) % (TEST_VERS_HIGH + 2);
		uint8_t cred = fuzz_u8(&in);
		uint8_t prog_sel = fuzz_u8(&in);
		uint32_t prog = prog_sel & 0x80 ? fuzz_u32(&in) : TEST_PROG;
		uint32_t xid = fuzz_u32(&in);
		fuzz_put_call(&msg, &in, xid, prog, vers, proc, cred);
		fuzz_put_raw(&msg, in.p, in.n);
	}
	onc_xdr_enc_reset(&expected);
	fuzz_process(server, onc_xdr_enc_data(&msg), onc_xdr_enc_len(&msg), record_mark, &out,
		     TEST_PROG, TEST_VERS_LOW, TEST_VERS_HIGH, &r);
	if (r.answered && r.head.accept == ONC_SUCCESS && r.head.stat == ONC_MSG_ACCEPTED) {
		FUZZ_CHECK(r.results_len == onc_xdr_enc_len(&expected));
		FUZZ_CHECK(!r.results_len ||
			   memcmp(r.results, onc_xdr_enc_data(&expected), r.results_len) == 0);
	}
	onc_xdr_enc_free(&msg);
	onc_xdr_enc_free(&out);
	return 0;
}
