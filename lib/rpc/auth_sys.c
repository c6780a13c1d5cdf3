#include "onc/rpc.h"

onc_status onc_auth_sys_encode(const onc_auth_sys *a, uint8_t out[ONC_AUTH_MAX_BODY],
			       uint32_t *len)
{
	onc_xdr_enc e;

	if (a->ngids > ONC_AUTH_SYS_MAX_GIDS)
		return ONC_ERR_TOO_LONG;
	onc_xdr_enc_init_fixed(&e, out, ONC_AUTH_MAX_BODY);
	ONC_TRY(onc_xdr_put_u32(&e, a->stamp));
	ONC_TRY(onc_xdr_put_string(&e, a->machinename, ONC_AUTH_SYS_MAX_NAME));
	ONC_TRY(onc_xdr_put_u32(&e, a->uid));
	ONC_TRY(onc_xdr_put_u32(&e, a->gid));
	ONC_TRY(onc_xdr_put_u32(&e, a->ngids));
	ONC_TRY(onc_xdr_put_u32_array(&e, a->gids, a->ngids));
	*len = (uint32_t)onc_xdr_enc_len(&e);
	return ONC_OK;
}

static onc_status decode_body(onc_xdr_dec *d, onc_auth_sys *a)
{
	const uint8_t *name;
	uint32_t name_len;

	ONC_TRY(onc_xdr_get_u32(d, &a->stamp));
	ONC_TRY(onc_xdr_get_opaque_ref(d, &name, &name_len, ONC_AUTH_SYS_MAX_NAME));
	memcpy(a->machinename, name, name_len);
	a->machinename[name_len] = 0;
	ONC_TRY(onc_xdr_get_u32(d, &a->uid));
	ONC_TRY(onc_xdr_get_u32(d, &a->gid));
	ONC_TRY(onc_xdr_get_array_len(d, &a->ngids, ONC_AUTH_SYS_MAX_GIDS, 4));
	ONC_TRY(onc_xdr_get_u32_array(d, a->gids, a->ngids));
	return onc_xdr_dec_finish(d);
}

onc_status onc_auth_sys_decode(const onc_opaque_auth *cred, onc_auth_sys *a, onc_auth_stat *why)
{
	onc_xdr_dec d;

	onc_xdr_dec_init(&d, cred->body, cred->len, NULL);
	if (cred->flavor != ONC_AUTH_SYS || decode_body(&d, a) != ONC_OK) {
		*why = ONC_AUTH_BADCRED;
		return ONC_ERR_AUTH;
	}
	return ONC_OK;
}
