#include "interface.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "suggest.h"

int interface_load(interface *x, const char *path, const char *const *cpp, size_t ncpp)
{
	memset(x, 0, sizeof *x);
	gen_options opt = { .input = path, .cpp_args = cpp, .ncpp_args = ncpp };
	diag d;
	diag_init(&d, stderr);
	int rc = gen_load(&opt, &x->pool, &d, &x->spec, &x->plan);
	diag_flush(&d);
	diag_free(&d);
	return rc;
}

void interface_free(interface *x)
{
	pool_free(&x->pool);
}

/* A part given as a number: decimal or 0x hex, as the other arguments. */
static bool number(const char *s, size_t len, int64_t *n)
{
	char buf[24];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	bool hex = len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	const char *digits = hex ? buf + 2 : buf;
	if (strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789") != strlen(digits))
		return false;
	errno = 0;
	unsigned long long v = strtoull(digits, NULL, hex ? 16 : 10);
	if (errno || v > UINT32_MAX)
		return false;
	*n = (int64_t)v;
	return true;
}

/* Whether a part (len bytes of s) names something called `name` numbered `num`. */
static bool matches(const char *s, size_t len, const char *name, const value *num)
{
	int64_t n;
	if (strlen(name) == len && memcmp(s, name, len) == 0)
		return true;
	return num->known && number(s, len, &n) && (uint32_t)num->number == (uint32_t)n;
}

static bool not_found(const char *cmd, const char *what, const char *s, size_t len,
		      suggestion *sg, const char *in)
{
	char part[256], hint[300];
	snprintf(part, sizeof part, "%.*s", (int)len, s);
	suggest_text(sg, hint, sizeof hint);
	fprintf(stderr, "onc %s: no %s '%s'%s%s%s\n", cmd, what, part, in ? " in " : "",
		in ? in : "", hint);
	return false;
}

bool interface_find(const interface *x, const char *cmd, const char *name, int parts, target *out)
{
	const char *dot1 = strchr(name, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	int have = dot2 ? 3 : dot1 ? 2 : 1;
	if (have < parts || (dot2 && strchr(dot2 + 1, '.'))) {
		fprintf(stderr, "onc %s: '%s' is not PROGRAM.VERSION.PROCEDURE (names or numbers)\n",
			cmd, name);
		return false;
	}
	*out = (target){ 0 };
	size_t len = dot1 ? (size_t)(dot1 - name) : strlen(name);
	char part[256];
	snprintf(part, sizeof part, "%.*s", (int)len, name);
	suggestion sg = suggest_start(part);
	for (const definition *d = x->spec.defs; d && !out->prog; d = d->next)
		if (d->kind == DEF_PROGRAM) {
			if (matches(name, len, d->name, &d->number))
				out->prog = d;
			suggest_consider(&sg, d->name);
		}
	if (!out->prog)
		return not_found(cmd, "program", name, len, &sg, NULL);
	if (have == 1)
		return true;
	const char *s = dot1 + 1;
	len = dot2 ? (size_t)(dot2 - s) : strlen(s);
	snprintf(part, sizeof part, "%.*s", (int)len, s);
	sg = suggest_start(part);
	for (const version *v = out->prog->versions; v && !out->vers; v = v->next) {
		if (matches(s, len, v->name, &v->number))
			out->vers = v;
		suggest_consider(&sg, v->name);
	}
	if (!out->vers)
		return not_found(cmd, "version", s, len, &sg, out->prog->name);
	if (have == 2)
		return true;
	s = dot2 + 1;
	len = strlen(s);
	snprintf(part, sizeof part, "%s", s);
	sg = suggest_start(part);
	for (const procedure *p = out->vers->procs; p && !out->proc; p = p->next) {
		if (matches(s, len, p->name, &p->number))
			out->proc = p;
		suggest_consider(&sg, p->name);
	}
	char in[600];
	snprintf(in, sizeof in, "%s.%s", out->prog->name, out->vers->name);
	return out->proc || not_found(cmd, "procedure", s, len, &sg, in);
}
