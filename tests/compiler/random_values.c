#include "random_values.h"

#include <stdlib.h>
#include <string.h>

static float random_float(rng *r)
{
	float f;
	uint32_t bits = rng_u32(r);
	memcpy(&f, &bits, 4);
	return f;
}

static double random_double(rng *r)
{
	double d;
	uint64_t bits = rng_u64(r);
	memcpy(&d, &bits, 8);
	return d;
}

static void *alloc_array(uint32_t n, size_t size)
{
	return malloc(n ? n * size : 1);
}

static char *random_string(rng *r, uint32_t max)
{
	uint32_t n = rng_below(r, (max < 12 ? max : 12) + 1);
	char *s = malloc(n + 1);
	for (uint32_t i = 0; i < n; i++)
		s[i] = (char)(' ' + rng_below(r, 95));
	s[n] = '\0';
	return s;
}

static uint8_t *random_bytes(rng *r, uint32_t n)
{
	uint8_t *b = alloc_array(n, 1);
	for (uint32_t i = 0; i < n; i++)
		b[i] = (uint8_t)rng_u32(r);
	return b;
}

static color random_color(rng *r)
{
	return (color)rng_below(r, 3);
}

static sparse random_sparse(rng *r)
{
	static const sparse values[] = { S_LOW, S_MID, S_HIGH, S_ALIAS };
	return values[rng_below(r, 4)];
}

/* Unbounded arrays are kept short; bounded ones go up to their maximum. */
static uint32_t random_len(rng *r, uint32_t max)
{
	return rng_below(r, (max < 6 ? max : 6) + 1);
}

void random_scalars(rng *r, scalars *v)
{
	v->i = (int32_t)rng_u32(r);
	v->u = rng_u32(r);
	v->plain_unsigned = rng_u32(r);
	v->h = (int64_t)rng_u64(r);
	v->uh = rng_u64(r);
	v->f = random_float(r);
	v->d = random_double(r);
	v->b = rng_below(r, 2);
	v->c = random_color(r);
	v->sp = random_sparse(r);
	v->cn = (counted)rng_below(r, 3);
	v->l = (int32_t)rng_u32(r);
	v->ul = rng_u32(r);
}

void random_small(rng *r, small *v)
{
	v->a = (int32_t)rng_u32(r);
	v->c = random_color(r);
	v->big = rng_u64(r);
}

void random_nested(rng *r, nested *v)
{
	random_small(r, &v->inner);
	v->h = (int64_t)rng_u64(r);
	random_small(r, &v->pair[0]);
	random_small(r, &v->pair[1]);
}

#define FILL(arr, n, expr)                       \
	do {                                     \
		for (uint32_t i_ = 0; i_ < (n); i_++) \
			(arr)[i_] = (expr);      \
	} while (0)

void random_arrays(rng *r, arrays *v)
{
	FILL(v->fi, FIXED_N, (int32_t)rng_u32(r));
	FILL(v->fu, 2, rng_u32(r));
	FILL(v->fh, 2, (int64_t)rng_u64(r));
	FILL(v->fuh, ALIAS_N, rng_u64(r));
	FILL(v->ff, 2, random_float(r));
	FILL(v->fd, 2, random_double(r));
	FILL(v->fc, 3, random_color(r));
	FILL(v->fb, 2, rng_below(r, 2));
	random_small(r, &v->fs[0]);
	random_small(r, &v->fs[1]);
	v->vi.vi_len = random_len(r, UINT32_MAX);
	v->vi.vi_val = alloc_array(v->vi.vi_len, sizeof(int32_t));
	FILL(v->vi.vi_val, v->vi.vi_len, (int32_t)rng_u32(r));
	v->vib.vib_len = rng_below(r, 11);
	v->vib.vib_val = alloc_array(v->vib.vib_len, sizeof(int32_t));
	FILL(v->vib.vib_val, v->vib.vib_len, (int32_t)rng_u32(r));
	v->vu.vu_len = random_len(r, UINT32_MAX);
	v->vu.vu_val = alloc_array(v->vu.vu_len, sizeof(uint32_t));
	FILL(v->vu.vu_val, v->vu.vu_len, rng_u32(r));
	v->vh.vh_len = random_len(r, UINT32_MAX);
	v->vh.vh_val = alloc_array(v->vh.vh_len, sizeof(int64_t));
	FILL(v->vh.vh_val, v->vh.vh_len, (int64_t)rng_u64(r));
	v->vuh.vuh_len = random_len(r, 5);
	v->vuh.vuh_val = alloc_array(v->vuh.vuh_len, sizeof(uint64_t));
	FILL(v->vuh.vuh_val, v->vuh.vuh_len, rng_u64(r));
	v->vf.vf_len = random_len(r, UINT32_MAX);
	v->vf.vf_val = alloc_array(v->vf.vf_len, sizeof(float));
	FILL(v->vf.vf_val, v->vf.vf_len, random_float(r));
	v->vd.vd_len = random_len(r, UINT32_MAX);
	v->vd.vd_val = alloc_array(v->vd.vd_len, sizeof(double));
	FILL(v->vd.vd_val, v->vd.vd_len, random_double(r));
	v->vc.vc_len = random_len(r, UINT32_MAX);
	v->vc.vc_val = alloc_array(v->vc.vc_len, sizeof(color));
	FILL(v->vc.vc_val, v->vc.vc_len, random_color(r));
	v->vb.vb_len = random_len(r, 4);
	v->vb.vb_val = alloc_array(v->vb.vb_len, sizeof(bool));
	FILL(v->vb.vb_val, v->vb.vb_len, rng_below(r, 2));
	v->vs.vs_len = random_len(r, UINT32_MAX);
	v->vs.vs_val = alloc_array(v->vs.vs_len, sizeof(small));
	for (uint32_t i = 0; i < v->vs.vs_len; i++)
		random_small(r, &v->vs.vs_val[i]);
	FILL(v->fo, 5, (uint8_t)rng_u32(r));
	FILL(v->fo4, sizeof v->fo4, (uint8_t)rng_u32(r));
	v->vo.vo_len = rng_below(r, 9);
	v->vo.vo_val = random_bytes(r, v->vo.vo_len);
	v->vob.vob_len = rng_below(r, 8);
	v->vob.vob_val = random_bytes(r, v->vob.vob_len);
	v->s = random_string(r, UINT32_MAX);
	v->sb = random_string(r, MAXNAME);
}

void random_optionals(rng *r, optionals *v)
{
	v->oi = NULL;
	if (rng_below(r, 2)) {
		v->oi = malloc(sizeof *v->oi);
		*v->oi = (int32_t)rng_u32(r);
	}
	v->os = NULL;
	if (rng_below(r, 2)) {
		v->os = malloc(sizeof *v->os);
		random_small(r, v->os);
	}
	v->name = random_string(r, UINT32_MAX);
	v->oh = NULL;
	if (rng_below(r, 2)) {
		v->oh = malloc(sizeof *v->oh);
		*v->oh = (int64_t)rng_u64(r);
	}
}

void random_list(rng *r, list *v)
{
	uint32_t n = rng_below(r, 5);
	for (list *node = v;; node = node->next) {
		node->value = (int32_t)rng_u32(r);
		node->tag = random_string(r, 8);
		node->next = NULL;
		if (n-- == 0)
			break;
		node->next = malloc(sizeof *node->next);
	}
}

void make_list(list *head, uint32_t n)
{
	list *node = head;
	for (uint32_t i = 0; i < n; i++) {
		node->value = (int32_t)i;
		node->tag = NULL; /* encoded as the empty string */
		node->next = i + 1 < n ? malloc(sizeof *node->next) : NULL;
		node = node->next;
	}
}

void random_tree(rng *r, tree *v, int depth)
{
	v->key = (int32_t)rng_u32(r);
	v->left = v->right = NULL;
	if (depth > 0 && rng_below(r, 2)) {
		v->left = malloc(sizeof *v->left);
		random_tree(r, v->left, depth - 1);
	}
	if (depth > 0 && rng_below(r, 2)) {
		v->right = malloc(sizeof *v->right);
		random_tree(r, v->right, depth - 1);
	}
}

static void random_chain(rng *r, chain *v)
{
	v->after = (int32_t)rng_u32(r);
	v->next = NULL;
	if (rng_below(r, 2)) {
		v->next = malloc(sizeof *v->next);
		random_chain(r, v->next);
	}
}

void random_shape(rng *r, shape *v)
{
	v->c = random_color(r);
	if (v->c == RED)
		v->shape_u.radius = (int32_t)rng_u32(r);
	else
		v->shape_u.label = random_string(r, 16);
}

void random_with_default(rng *r, with_default *v)
{
	static const int32_t kinds[] = { 1, 2, -3, 7, -100 };
	v->kind = kinds[rng_below(r, 5)];
	switch (v->kind) {
	case 1:
		v->with_default_u.h = (int64_t)rng_u64(r);
		break;
	case 2:
		v->with_default_u.data.data_len = rng_below(r, 9);
		v->with_default_u.data.data_val = random_bytes(r, v->with_default_u.data.data_len);
		break;
	case -3:
		break;
	default:
		v->with_default_u.f = random_float(r);
		break;
	}
}

void random_everything(rng *r, everything *v)
{
	memset(v, 0, sizeof *v);
	random_scalars(r, &v->sc);
	random_arrays(r, &v->ar);
	random_nested(r, &v->ne);
	random_optionals(r, &v->op);
	if (rng_below(r, 2)) {
		v->li = malloc(sizeof *v->li);
		random_list(r, v->li);
	}
	if (rng_below(r, 2)) {
		v->tr = malloc(sizeof *v->tr);
		random_tree(r, v->tr, 4);
	}
	if (rng_below(r, 2)) {
		v->ch = malloc(sizeof *v->ch);
		random_chain(r, v->ch);
	}
	random_shape(r, &v->sh);
	v->mb.present = rng_below(r, 2);
	if (v->mb.present)
		random_small(r, &v->mb.maybe_u.value);
	random_with_default(r, &v->wd);
	v->bc.k = rng_below(r, 2) ? 0 : 4000000000u;
	if (v->bc.k)
		v->bc.big_case_u.big = (int32_t)rng_u32(r);
	v->ov.k = random_sparse(r);
	v->mi.myints_len = random_len(r, UINT32_MAX);
	v->mi.myints_val = alloc_array(v->mi.myints_len, sizeof(myint));
	FILL(v->mi.myints_val, v->mi.myints_len, (int32_t)rng_u32(r));
	v->nm = random_string(r, MAXNAME);
	FILL(v->hs, 16, (uint8_t)rng_u32(r));
	v->bl.blob_len = rng_below(r, 20);
	v->bl.blob_val = random_bytes(r, v->bl.blob_len);
	FILL(v->cs, 4, random_color(r));
	v->sm.smalls_len = rng_below(r, 11);
	v->sm.smalls_val = alloc_array(v->sm.smalls_len, sizeof(small));
	for (uint32_t i = 0; i < v->sm.smalls_len; i++)
		random_small(r, &v->sm.smalls_val[i]);
	v->nms.names_len = random_len(r, UINT32_MAX);
	v->nms.names_val = alloc_array(v->nms.names_len, sizeof(name));
	FILL(v->nms.names_val, v->nms.names_len, random_string(r, MAXNAME));
	if (rng_below(r, 2)) {
		v->shp = malloc(sizeof *v->shp);
		random_shape(r, v->shp);
	}
	FILL(v->hy, 2, (int64_t)rng_u64(r));
	random_small(r, &v->sa);
	v->no.n_len = rng_below(r, 30);
	v->no.n_bytes = (char *)random_bytes(r, v->no.n_len);
	v->shapes.shapes_len = rng_below(r, 4);
	v->shapes.shapes_val = alloc_array(v->shapes.shapes_len, sizeof(shape));
	for (uint32_t i = 0; i < v->shapes.shapes_len; i++)
		random_shape(r, &v->shapes.shapes_val[i]);
	random_list(r, &v->lists[0]);
	random_list(r, &v->lists[1]);
}

void random_quads(rng *r, quads *v)
{
	FILL(v->q.bytes, 16, (uint8_t)rng_u32(r));
	v->qs.qs_len = random_len(r, UINT32_MAX);
	v->qs.qs_val = alloc_array(v->qs.qs_len, sizeof(onc_quad));
	for (uint32_t i = 0; i < v->qs.qs_len; i++)
		FILL(v->qs.qs_val[i].bytes, 16, (uint8_t)rng_u32(r));
}
