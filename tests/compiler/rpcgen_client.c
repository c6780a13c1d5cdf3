#include "rpcgen_client.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "all_types.h" /* rpcgen's */

static CLIENT *v1, *v2;

static CLIENT *connect_version(uint16_t port, rpcvers_t vers)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int sock = RPC_ANYSOCK;
	return clnttcp_create(&sin, ALL_TYPES_PROG, vers, &sock, 0, 0);
}

bool rpcgen_client_open(uint16_t port)
{
	v1 = connect_version(port, ALL_TYPES_V1);
	v2 = connect_version(port, ALL_TYPES_V2);
	return v1 && v2;
}

void rpcgen_client_close(void)
{
	clnt_destroy(v1);
	clnt_destroy(v2);
}

bool rpcgen_null(void)
{
	return all_null_1(v1) && all_null_2(v2);
}

bool rpcgen_add(int32_t a, int32_t b, int32_t *sum)
{
	int *r = all_add_1(a, b, v1);
	if (r)
		*sum = *r;
	return r != NULL;
}

bool rpcgen_name(const char *who, char *out, size_t cap)
{
	char **r = all_name_1((name)who, v1);
	if (!r)
		return false;
	bool fits = strlen(*r) < cap;
	if (fits)
		strcpy(out, *r);
	xdr_free((xdrproc_t)xdr_wrapstring, (char *)r);
	return fits;
}

bool rpcgen_echo(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	everything v;
	XDR x;
	memset(&v, 0, sizeof v);
	xdrmem_create(&x, (char *)in, (u_int)len, XDR_DECODE);
	bool ok = xdr_everything(&x, &v);
	xdr_destroy(&x);
	everything *r = ok ? all_echo_1(v, v1) : NULL;
	if (r) {
		xdrmem_create(&x, (char *)out, (u_int)cap, XDR_ENCODE);
		ok = xdr_everything(&x, r);
		*out_len = xdr_getpos(&x);
		xdr_destroy(&x);
		xdr_free((xdrproc_t)xdr_everything, (char *)r);
	}
	xdr_free((xdrproc_t)xdr_everything, (char *)&v);
	return r && ok;
}

bool rpcgen_list(const int32_t *as, uint32_t n, int32_t color, int64_t add, int32_t *values,
		 uint32_t cap, uint32_t *count)
{
	small items[10];
	memset(items, 0, sizeof items);
	for (uint32_t i = 0; i < n && i < 10; i++)
		items[i].a = as[i];
	smalls arg = { n, items };
	list *r = all_list_2(arg, (enum color)color, add, v2);
	if (!r)
		return false;
	*count = 0;
	for (const list *l = r; l; l = l->next, ++*count)
		if (*count < cap)
			values[*count] = l->value;
	xdr_free((xdrproc_t)xdr_list, (char *)r);
	return true;
}
