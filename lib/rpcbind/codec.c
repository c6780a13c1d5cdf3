#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "codec.h"

onc_status onc__pmap_mapping_encode(onc_xdr_enc *e, const void *v)
{
	const onc_pmap_mapping *m = v;
	ONC_TRY(onc_xdr_enc_reserve(e, 16));
	onc_xdr_put_u32_unchecked(e, m->prog);
	onc_xdr_put_u32_unchecked(e, m->vers);
	onc_xdr_put_u32_unchecked(e, m->prot);
	onc_xdr_put_u32_unchecked(e, m->port);
	return ONC_OK;
}

onc_status onc__pmap_mapping_decode(onc_xdr_dec *d, void *v)
{
	onc_pmap_mapping *m = v;
	ONC_TRY(onc_xdr_dec_need(d, 16));
	m->prog = onc_xdr_get_u32_unchecked(d);
	m->vers = onc_xdr_get_u32_unchecked(d);
	m->prot = onc_xdr_get_u32_unchecked(d);
	m->port = onc_xdr_get_u32_unchecked(d);
	return ONC_OK;
}

onc_status onc__rpcb_encode(onc_xdr_enc *e, const void *v)
{
	const onc_rpcb *r = v;
	ONC_TRY(onc_xdr_put_u32(e, r->prog));
	ONC_TRY(onc_xdr_put_u32(e, r->vers));
	ONC_TRY(onc_xdr_put_string(e, r->netid, RPCB_MAX_STRING));
	ONC_TRY(onc_xdr_put_string(e, r->addr, RPCB_MAX_STRING));
	return onc_xdr_put_string(e, r->owner, RPCB_MAX_STRING);
}

onc_status onc__rpcb_decode(onc_xdr_dec *d, void *v)
{
	onc_rpcb *r = v;
	ONC_TRY(onc_xdr_get_u32(d, &r->prog));
	ONC_TRY(onc_xdr_get_u32(d, &r->vers));
	ONC_TRY(onc_xdr_get_string(d, &r->netid, RPCB_MAX_STRING));
	ONC_TRY(onc_xdr_get_string(d, &r->addr, RPCB_MAX_STRING));
	return onc_xdr_get_string(d, &r->owner, RPCB_MAX_STRING);
}

onc_status onc__xdr_u32_decode(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_u32(d, v);
}

onc_status onc__xdr_bool_decode(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_bool(d, v);
}

onc_status onc__xdr_string_decode(onc_xdr_dec *d, void *v)
{
	return onc_xdr_get_string(d, v, RPCB_MAX_STRING);
}

onc_status onc_uaddr_port(const char *uaddr, uint16_t *port)
{
	/* The last two dot-separated fields are the port's high and low bytes. */
	const char *lo = strrchr(uaddr, '.');
	const char *hi = lo;
	unsigned h = 0, l = 0;
	if (!lo || lo == uaddr)
		return ONC_ERR_ADDRESS;
	do
		hi--;
	while (hi > uaddr && *hi != '.');
	if (*hi != '.')
		return ONC_ERR_ADDRESS;
	for (const char *p = hi + 1; p < lo; p++) {
		if (*p < '0' || *p > '9' || (h = h * 10 + (unsigned)(*p - '0')) > 255)
			return ONC_ERR_ADDRESS;
	}
	for (const char *p = lo + 1; *p; p++) {
		if (*p < '0' || *p > '9' || (l = l * 10 + (unsigned)(*p - '0')) > 255)
			return ONC_ERR_ADDRESS;
	}
	if (hi + 1 == lo || !lo[1])
		return ONC_ERR_ADDRESS;
	*port = (uint16_t)(h << 8 | l);
	return ONC_OK;
}

onc_status onc_uaddr_format(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	uint16_t port;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		port = ntohs(in6->sin6_port);
	} else {
		return ONC_ERR_ADDRESS;
	}
	int n = snprintf(out, cap, "%s.%u.%u", host, port >> 8, port & 255);
	return n > 0 && (size_t)n < cap ? ONC_OK : ONC_ERR_ADDRESS;
}
