/* Composite messages: the RFC 4506 §7 example, byte for byte, and a struct that uses every
 * primitive, each truncated at every byte offset. */
#include "unit.h"

#include <string.h>

/* RFC 4506 §7:
 *   enum filekind { TEXT = 0, DATA = 1, EXEC = 2 };
 *   union filetype switch (filekind kind) {
 *   case TEXT: void;
 *   case DATA: string creator<MAXNAMELEN>;
 *   case EXEC: string interpretor<MAXNAMELEN>;
 *   };
 *   struct file {
 *       string filename<MAXNAMELEN>; filetype type;
 *       string owner<MAXUSERNAME>; opaque data<MAXFILELEN>;
 *   };
 */
enum { MAXUSERNAME = 32, MAXFILELEN = 65535, MAXNAMELEN = 255 };
enum { TEXT = 0, DATA = 1, EXEC = 2 };

struct file {
	const char *filename;
	int32_t kind;
	const char *name; /* creator or interpretor; unused for TEXT */
	const char *owner;
	const char *data;
};

static onc_status enc_file(onc_xdr_enc *e, const void *arg)
{
	const struct file *f = arg;
	onc_status s = onc_xdr_put_string(e, f->filename, MAXNAMELEN);
	if (s == ONC_OK)
		s = onc_xdr_put_enum(e, f->kind);
	if (s == ONC_OK && f->kind != TEXT)
		s = onc_xdr_put_string(e, f->name, MAXNAMELEN);
	if (s == ONC_OK)
		s = onc_xdr_put_string(e, f->owner, MAXUSERNAME);
	if (s == ONC_OK)
		s = onc_xdr_put_opaque(e, f->data, strlen(f->data), MAXFILELEN);
	return s;
}

static onc_status dec_file(onc_xdr_dec *d, const void *arg)
{
	const struct file *want = arg;
	char *filename, *name = NULL, *owner;
	int32_t kind;
	uint8_t *data;
	uint32_t len;
	onc_status s;

	if ((s = onc_xdr_get_string(d, &filename, MAXNAMELEN)) != ONC_OK)
		return s;
	if ((s = onc_xdr_get_enum(d, &kind)) != ONC_OK)
		return s;
	if (kind != TEXT && (s = onc_xdr_get_string(d, &name, MAXNAMELEN)) != ONC_OK)
		return s;
	if ((s = onc_xdr_get_string(d, &owner, MAXUSERNAME)) != ONC_OK)
		return s;
	if ((s = onc_xdr_get_opaque(d, &data, &len, MAXFILELEN)) != ONC_OK)
		return s;
	assert_string_equal(filename, want->filename);
	assert_int_equal(kind, want->kind);
	if (kind != TEXT)
		assert_string_equal(name, want->name);
	assert_string_equal(owner, want->owner);
	assert_int_equal(len, strlen(want->data));
	assert_memory_equal(data, want->data, len);
	return ONC_OK;
}

/* The 48 bytes listed in RFC 4506 §7. */
static const uint8_t rfc4506_file[48] = {
	0x00, 0x00, 0x00, 0x09, /* length of filename = 9 */
	0x73, 0x69, 0x6c, 0x6c, /* sill */
	0x79, 0x70, 0x72, 0x6f, /* ypro */
	0x67, 0x00, 0x00, 0x00, /* g and 3 zero-bytes of fill */
	0x00, 0x00, 0x00, 0x02, /* filekind is EXEC = 2 */
	0x00, 0x00, 0x00, 0x04, /* length of interpretor = 4 */
	0x6c, 0x69, 0x73, 0x70, /* lisp */
	0x00, 0x00, 0x00, 0x04, /* length of owner = 4 */
	0x6a, 0x6f, 0x68, 0x6e, /* john */
	0x00, 0x00, 0x00, 0x06, /* length of file data = 6 */
	0x28, 0x71, 0x75, 0x69, /* (qui */
	0x74, 0x29, 0x00, 0x00, /* t) and 2 zero-bytes of fill */
};

static void test_rfc4506_example(void **state)
{
	(void)state;
	static const struct file sillyprog = {"sillyprog", EXEC, "lisp", "john", "(quit)"};
	unit_check_codec(enc_file, dec_file, &sillyprog, rfc4506_file, sizeof rfc4506_file);
}

/* The same struct through the union's void arm. */
static void test_union_void_arm(void **state)
{
	(void)state;
	static const struct file text = {"a", TEXT, NULL, "bc", ""};
	static const uint8_t want[] = {0, 0, 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0,
				       0, 0, 0, 2, 'b', 'c', 0, 0, 0, 0, 0, 0};
	unit_check_codec(enc_file, dec_file, &text, want, sizeof want);
}

/* struct every {
 *     int i; unsigned u; hyper h; unsigned hyper uh; bool b; float f; double d; quadruple q;
 *     opaque fixed[5]; opaque var<8>; string s<16>; int fixed_arr[2]; unsigned hyper arr<4>;
 *     int *opt;
 * };
 */
struct every {
	int32_t i;
	uint32_t u;
	int64_t h;
	uint64_t uh;
	bool b;
	float f;
	double d;
	onc_quad q;
	uint8_t fixed[5];
	uint8_t var[8];
	uint32_t var_len;
	const char *s;
	int32_t fixed_arr[2];
	uint64_t arr[4];
	uint32_t arr_len;
	const int32_t *opt;
};

/* Returns the status of call when it is not ONC_OK (s must be in scope). */
#define TRY(call)                                                                            \
	do {                                                                                 \
		if ((s = (call)) != ONC_OK)                                                  \
			return s;                                                            \
	} while (0)

static onc_status enc_every(onc_xdr_enc *e, const void *arg)
{
	const struct every *v = arg;
	onc_status s;
	TRY(onc_xdr_put_i32(e, v->i));
	TRY(onc_xdr_put_u32(e, v->u));
	TRY(onc_xdr_put_i64(e, v->h));
	TRY(onc_xdr_put_u64(e, v->uh));
	TRY(onc_xdr_put_bool(e, v->b));
	TRY(onc_xdr_put_float(e, v->f));
	TRY(onc_xdr_put_double(e, v->d));
	TRY(onc_xdr_put_quad(e, &v->q));
	TRY(onc_xdr_put_opaque_fixed(e, v->fixed, 5));
	TRY(onc_xdr_put_opaque(e, v->var, v->var_len, 8));
	TRY(onc_xdr_put_string(e, v->s, 16));
	TRY(onc_xdr_put_u32_array(e, (const uint32_t *)v->fixed_arr, 2));
	TRY(onc_xdr_put_array_len(e, v->arr_len, 4));
	TRY(onc_xdr_put_u64_array(e, v->arr, v->arr_len));
	TRY(onc_xdr_put_bool(e, v->opt != NULL));
	if (v->opt)
		TRY(onc_xdr_put_i32(e, *v->opt));
	return ONC_OK;
}

static onc_status dec_every(onc_xdr_dec *d, const void *arg)
{
	const struct every *want = arg;
	struct every v;
	uint8_t *var;
	char *str;
	uint64_t *arr;
	bool has_opt;
	int32_t *opt = NULL;
	onc_status s;

	memset(&v, 0, sizeof v);
	TRY(onc_xdr_get_i32(d, &v.i));
	TRY(onc_xdr_get_u32(d, &v.u));
	TRY(onc_xdr_get_i64(d, &v.h));
	TRY(onc_xdr_get_u64(d, &v.uh));
	TRY(onc_xdr_get_bool(d, &v.b));
	TRY(onc_xdr_get_float(d, &v.f));
	TRY(onc_xdr_get_double(d, &v.d));
	TRY(onc_xdr_get_quad(d, &v.q));
	TRY(onc_xdr_get_opaque_fixed(d, v.fixed, 5));
	TRY(onc_xdr_get_opaque(d, &var, &v.var_len, 8));
	TRY(onc_xdr_get_string(d, &str, 16));
	TRY(onc_xdr_get_u32_array(d, (uint32_t *)v.fixed_arr, 2));
	TRY(onc_xdr_get_array_len(d, &v.arr_len, 4, 8));
	arr = onc_xdr_dec_alloc(d, v.arr_len, sizeof *arr);
	assert_non_null(arr);
	TRY(onc_xdr_get_u64_array(d, arr, v.arr_len));
	TRY(onc_xdr_get_bool(d, &has_opt));
	if (has_opt) {
		opt = onc_xdr_dec_alloc(d, 1, sizeof *opt);
		assert_non_null(opt);
		TRY(onc_xdr_get_i32(d, opt));
	}
	assert_int_equal(v.i, want->i);
	assert_int_equal(v.u, want->u);
	assert_int_equal(v.h, want->h);
	assert_int_equal(v.uh, want->uh);
	assert_int_equal(v.b, want->b);
	assert_memory_equal(&v.f, &want->f, sizeof v.f);
	assert_memory_equal(&v.d, &want->d, sizeof v.d);
	assert_memory_equal(v.q.bytes, want->q.bytes, 16);
	assert_memory_equal(v.fixed, want->fixed, 5);
	assert_int_equal(v.var_len, want->var_len);
	assert_memory_equal(var, want->var, v.var_len);
	assert_string_equal(str, want->s);
	assert_memory_equal(v.fixed_arr, want->fixed_arr, sizeof v.fixed_arr);
	assert_int_equal(v.arr_len, want->arr_len);
	assert_memory_equal(arr, want->arr, v.arr_len * sizeof *arr);
	assert_int_equal(has_opt, want->opt != NULL);
	if (has_opt)
		assert_int_equal(*opt, *want->opt);
	return ONC_OK;
}

static void test_every_primitive_in_one_struct(void **state)
{
	(void)state;
	static const int32_t seven = 7;
	static const struct every v = {
		.i = -2,
		.u = 0x01020304,
		.h = -3,
		.uh = 0x1122334455667788u,
		.b = true,
		.f = 1.0f,
		.d = -2.0,
		.q = {{0x3f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}},
		.fixed = {0xa, 0xb, 0xc, 0xd, 0xe},
		.var = {1, 2, 3},
		.var_len = 3,
		.s = "xyzzy",
		.fixed_arr = {-1, 5},
		.arr = {6, 0xffffffff00000000u},
		.arr_len = 2,
		.opt = &seven,
	};
	static const uint8_t want[] = {
		0xff, 0xff, 0xff, 0xfe,                         /* i */
		0x01, 0x02, 0x03, 0x04,                         /* u */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd, /* h */
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* uh */
		0x00, 0x00, 0x00, 0x01,                         /* b */
		0x3f, 0x80, 0x00, 0x00,                         /* f */
		0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* d */
		0x3f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, /* q */
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x00, 0x00, 0x00, /* fixed[5] + pad */
		0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03, 0x00, /* var<8> */
		0x00, 0x00, 0x00, 0x05, 'x', 'y', 'z', 'z', 'y', 0, 0, 0, /* s<16> */
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x05, /* fixed_arr[2] */
		0x00, 0x00, 0x00, 0x02,                         /* arr count */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, /* arr[0] */
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, /* arr[1] */
		0x00, 0x00, 0x00, 0x01,                         /* opt present */
		0x00, 0x00, 0x00, 0x07,                         /* *opt */
	};
	unit_check_codec(enc_every, dec_every, &v, want, sizeof want);

	/* Flip padding bytes: accepted by default, refused when strict. */
	uint8_t bad[sizeof want];
	memcpy(bad, want, sizeof want);
	bad[62] = 0x01; /* padding after fixed[5] */
	assert_status(unit_decode_exact(dec_every, &v, bad, sizeof bad, 0), ONC_OK);
	assert_status(unit_decode_exact(dec_every, &v, bad, sizeof bad, ONC_XDR_STRICT_PADDING),
		      ONC_ERR_BAD_PADDING);
	memcpy(bad, want, sizeof want);
	bad[83] = 0xff; /* last padding byte of s */
	assert_status(unit_decode_exact(dec_every, &v, bad, sizeof bad, 0), ONC_OK);
	assert_status(unit_decode_exact(dec_every, &v, bad, sizeof bad, ONC_XDR_STRICT_PADDING),
		      ONC_ERR_BAD_PADDING);

	/* Four bytes left over after a complete message. */
	uint8_t longer[sizeof want + 4];
	memcpy(longer, want, sizeof want);
	memset(longer + sizeof want, 0, 4);
	assert_status(unit_decode_exact(dec_every, &v, longer, sizeof longer, 0),
		      ONC_ERR_TRAILING_DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4506_example),
		cmocka_unit_test(test_union_void_arm),
		cmocka_unit_test(test_every_primitive_in_one_struct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
