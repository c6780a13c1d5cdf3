/* The embedded rpcbind service (program 100000, versions 2, 3 and 4) on a server that never
 * runs, driven through onc_server_process() with a sequence of calls: the callers count as
 * local, so SET and UNSET change the table that later calls read. Every reply must be the one
 * RFC 5531 asks for (see fuzz_process), and the results of every procedure must decode as
 * RFC 1833 types with nothing left over.
 *
 * Input: calls, each: a control byte (bits 0-3 the
 * procedure, bits 4-5 the version: 2, 3, 4 or a fuzzed one; bit 6 AUTH_SYS credentials; bit 7
 * record marking), a body length (255: the rest) and the body. */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "onc/rpcbind.h"
#include "rpcb_prot.h" /* generated: the rpcbind types, named onc__T */

#define MAX_STRING 255u

static onc_status get_string(onc_xdr_dec *d)
{
	const uint8_t *s;
	uint32_t len;
	return onc_xdr_get_opaque_ref(d, &s, &len, MAX_STRING);
}

/* A list: a bool before each element and a false at the end. */
static onc_status get_list(onc_xdr_dec *d, onc_status (*elem)(onc_xdr_dec *))
{
	bool more;
	for (;;) {
		ONC_TRY(onc_xdr_get_bool(d, &more));
		if (!more)
			return ONC_OK;
		ONC_TRY(elem(d));
	}
}

static onc_status get_pmap(onc_xdr_dec *d)
{
	uint32_t v[4];
	ONC_TRY(onc_xdr_dec_need(d, 16));
	ONC_TRY(onc_xdr_get_u32_array(d, v, 4));
	return v[3] <= 65535 ? ONC_OK : ONC_ERR_BAD_VALUE;
}

static onc_status get_rpcb(onc_xdr_dec *d)
{
	uint32_t prog, vers;
	ONC_TRY(onc_xdr_get_u32(d, &prog));
	ONC_TRY(onc_xdr_get_u32(d, &vers));
	ONC_TRY(get_string(d)); /* netid */
	ONC_TRY(get_string(d)); /* addr */
	return get_string(d);   /* owner */
}

static onc_status get_rpcb_entry(onc_xdr_dec *d)
{
	uint32_t semantics;
	ONC_TRY(get_string(d)); /* addr */
	ONC_TRY(get_string(d)); /* netid */
	ONC_TRY(onc_xdr_get_u32(d, &semantics));
	ONC_TRY(get_string(d)); /* protofmly */
	return get_string(d);   /* proto */
}

/* GETSTAT's rpcb_stat_byvers, with its lists of lookups and forwarded calls, by the codec
 * generated from lib/rpcbind/rpcb_prot.x. */
static onc_status get_stats(onc_xdr_dec *d)
{
	onc__rpcb_stat_byvers stats;
	onc_status st = onc__rpcb_stat_byvers_decode(d, &stats);
	if (st == ONC_OK)
		onc__rpcb_stat_byvers_free(&stats);
	return st;
}

/* The results of a successful call decode as the procedure's result type. */
static void check_results(uint32_t vers, uint32_t proc, const uint8_t *p, size_t len)
{
	onc_xdr_dec d;
	uint32_t u;
	bool b;
	const uint8_t *buf;
	onc_status st = ONC_OK;

	onc_xdr_dec_init(&d, p, len, NULL);
	d.flags = ONC_XDR_STRICT_PADDING;
	if (vers == 2) {
		switch (proc) {
		case 0: break;
		case 1: case 2: st = onc_xdr_get_bool(&d, &b); break;
		case 3: st = onc_xdr_get_u32(&d, &u); FUZZ_CHECK(st || u <= 65535); break;
		case 4: st = get_list(&d, get_pmap); break;
		default: FUZZ_CHECK(!"v2 procedure answered with SUCCESS");
		}
	} else {
		switch (proc) {
		case 0: break;
		case 1: case 2: st = onc_xdr_get_bool(&d, &b); break;
		case 3: case 8: case 9: st = get_string(&d); break;
		case 4: st = get_list(&d, get_rpcb); break;
		case 6: st = onc_xdr_get_u32(&d, &u); break;
		case 7: /* netbuf: maxlen, buf<> */
			st = onc_xdr_get_u32(&d, &u);
			if (!st)
				st = onc_xdr_get_opaque_ref(&d, &buf, &u, u);
			break;
		case 11: st = get_list(&d, get_rpcb_entry); break;
		case 12: st = get_stats(&d); break;
		default: FUZZ_CHECK(!"v3/v4 procedure answered with SUCCESS");
		}
		FUZZ_CHECK(vers == 4 || (proc != 9 && proc != 11 && proc != 12));
	}
	FUZZ_CHECK(st == ONC_OK && onc_xdr_dec_finish(&d) == ONC_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	onc_server_options opts = {.threads = 1};
	onc_status st;
	onc_xdr_enc msg, out;
	fuzz_reply r;

	onc_server *srv = onc_server_create(&opts, &st);
	onc_rpcbind *rb = onc_rpcbind_create(&st);
	FUZZ_CHECK(srv && rb);
	FUZZ_CHECK(onc_rpcbind_attach(rb, srv) == ONC_OK); /* no listeners: an empty table */
	onc_xdr_enc_init(&msg);
	onc_xdr_enc_init(&out);

	for (uint32_t xid = 1; in.n; xid++) {
		uint8_t ctl = fuzz_u8(&in);
		uint32_t proc = ctl & 15;
		uint32_t vers = (ctl >> 4 & 3) == 3 ? fuzz_u8(&in) : 2u + (ctl >> 4 & 3);
		size_t body_len = fuzz_u8(&in), got;
		const uint8_t *body;
		onc_xdr_enc_reset(&msg);
		fuzz_put_call(&msg, &in, xid, ONC_PMAP_PROG, vers, proc, ctl & 64 ? 1 : 0);
		body = fuzz_take(&in, body_len == 255 ? in.n : body_len, &got);
		fuzz_put_raw(&msg, body, got);
		fuzz_process(srv, onc_xdr_enc_data(&msg), onc_xdr_enc_len(&msg), ctl & 128, &out,
			     ONC_PMAP_PROG, 2, 4, &r);
		FUZZ_CHECK(r.answered);
		if (r.head.stat == ONC_MSG_ACCEPTED && r.head.accept == ONC_SUCCESS)
			check_results(vers, proc, r.results, r.results_len);
	}

	onc_xdr_enc_free(&msg);
	onc_xdr_enc_free(&out);
	onc_server_destroy(srv);
	onc_rpcbind_destroy(rb);
	return 0;
}
