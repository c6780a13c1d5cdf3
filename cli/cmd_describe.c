/* onc describe: what a .x file offers, in the RPC language (as grpcurl describe does for a
 * .proto): its programs with their versions and procedures, then every definition their
 * arguments and results need; or one program, version, procedure, type or constant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "interface.h"
#include "rpcl.h"
#include "suggest.h"

const char describe_usage[] =
	"  describe [-I DIR] [-D NAME[=VALUE]] FILE.x [NAME]\n"
	"        print FILE.x's programs, versions and procedures with the definitions of\n"
	"        their argument and result types, in the RPC language; NAME picks a\n"
	"        PROGRAM, PROGRAM.VERSION, PROGRAM.VERSION.PROCEDURE (names or numbers),\n"
	"        a type or a constant\n";

/* The definitions to print, in the order first needed. */
typedef struct needs {
	const spec *spec;
	const definition **defs;
	size_t n;
} needs;

static void need_def(needs *ns, const definition *d);

static void need_value(needs *ns, const value *v)
{
	if (!v->name)
		return;
	for (const definition *d = ns->spec->defs; d; d = d->next)
		if (d->kind == DEF_CONST && strcmp(d->name, v->name) == 0)
			need_def(ns, d);
}

static void need_type(needs *ns, const type_ref *t)
{
	if (t->kind == TYPE_NAMED && t->def)
		need_def(ns, t->def);
}

static void need_decl(needs *ns, const decl *d)
{
	need_type(ns, &d->type);
	if (d->kind == DECL_FIXED || d->bounded)
		need_value(ns, &d->size);
}

static void need_def(needs *ns, const definition *d)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->defs[i] == d)
			return;
	ns->defs = realloc(ns->defs, (ns->n + 1) * sizeof *ns->defs);
	if (!ns->defs) {
		fprintf(stderr, "onc describe: out of memory\n");
		exit(2);
	}
	ns->defs[ns->n++] = d;
	switch (d->kind) {
	case DEF_STRUCT:
		for (const decl *f = d->fields; f; f = f->next)
			need_decl(ns, f);
		break;
	case DEF_UNION:
		need_decl(ns, &d->discriminant);
		for (const union_arm *a = d->arms; a; a = a->next) {
			need_decl(ns, &a->arm);
			for (const case_label *l = a->labels; l; l = l->next)
				need_value(ns, &l->val);
		}
		break;
	case DEF_TYPEDEF:
		need_decl(ns, &d->target);
		break;
	default:
		break;
	}
}

static void need_program(needs *ns, const target *t)
{
	for (const version *v = t->prog->versions; v; v = v->next)
		for (const procedure *p = v->procs; p; p = p->next) {
			if ((t->vers && v != t->vers) || (t->proc && p != t->proc))
				continue;
			need_type(ns, &p->result);
			for (int i = 0; i < p->nargs; i++)
				need_type(ns, &p->args[i]);
		}
}

/* The definitions needed, each once, in the file's order, but skip (printed already); any
 * says whether something was printed before them. */
static void print_needed(const needs *ns, const definition *skip, bool any)
{
	for (const definition *d = ns->spec->defs; d; d = d->next)
		for (size_t i = 0; i < ns->n; i++)
			if (ns->defs[i] == d && d != skip) {
				if (any)
					putchar('\n');
				rpcl_definition(stdout, d);
				any = true;
			}
}

static bool is_program(const interface *x, const char *name)
{
	size_t len = strcspn(name, ".");
	if (name[len] == '.' || (name[0] >= '0' && name[0] <= '9'))
		return true;
	for (const definition *d = x->spec.defs; d; d = d->next)
		if (d->kind == DEF_PROGRAM && strcmp(d->name, name) == 0)
			return true;
	return false;
}

/* NAME as a type or constant; NULL after saying there is none. */
static const definition *find_definition(const interface *x, const char *name)
{
	suggestion sg = suggest_start(name);
	for (const definition *d = x->spec.defs; d; d = d->next) {
		if (d->kind == DEF_PASSTHROUGH || d->kind == DEF_PROGRAM || d->builtin)
			continue;
		if (strcmp(d->name, name) == 0)
			return d;
		suggest_consider(&sg, d->name);
	}
	for (const definition *d = x->spec.defs; d; d = d->next)
		if (d->kind == DEF_PROGRAM)
			suggest_consider(&sg, d->name);
	char hint[300];
	fprintf(stderr, "onc describe: no program, type or constant '%s'%s\n", name,
		suggest_text(&sg, hint, sizeof hint));
	return NULL;
}

static int describe(const interface *x, const char *name, const char *file)
{
	needs ns = { .spec = &x->spec };
	int rc = 0;
	target t;
	if (!name) {
		bool any = false;
		for (const definition *d = x->spec.defs; d; d = d->next)
			if (d->kind == DEF_PROGRAM) {
				if (any)
					putchar('\n');
				rpcl_program(stdout, d, NULL, NULL);
				need_program(&ns, &(target){ .prog = d });
				any = true;
			}
		if (!any)
			printf("/* %s defines no programs */\n", file);
		print_needed(&ns, NULL, any);
	} else if (is_program(x, name)) {
		if (interface_find(x, "describe", name, 1, &t)) {
			rpcl_program(stdout, t.prog, t.vers, t.proc);
			need_program(&ns, &t);
			print_needed(&ns, NULL, true);
		} else {
			rc = 1;
		}
	} else {
		const definition *d = find_definition(x, name);
		if (d) {
			rpcl_definition(stdout, d);
			need_def(&ns, d);
			print_needed(&ns, d, true);
		} else {
			rc = 1;
		}
	}
	free(ns.defs);
	return rc;
}

int cmd_describe(int argc, char **argv)
{
	const char **cpp = malloc((size_t)argc * sizeof *cpp);
	size_t ncpp = 0;
	const char *pos[2];
	int npos = 0, rc = 2;
	bool bad = false;
	for (int i = 1; i < argc && !bad; i++) {
		const char *a = argv[i];
		if (arg_is_help(a)) {
			fputs(describe_usage, stdout);
			rc = 0;
			goto done;
		} else if (arg_cpp("describe", argc, argv, &i, cpp, &ncpp, &bad)) {
			continue;
		} else if (a[0] == '-') {
			rc = arg_unknown("describe", a, describe_usage);
			goto done;
		} else if (npos == 2) {
			rc = arg_usage_error("describe", "too many arguments", describe_usage);
			goto done;
		} else {
			pos[npos++] = a;
		}
	}
	if (bad)
		goto done;
	if (npos == 0) {
		rc = arg_usage_error("describe", "no input file", describe_usage);
		goto done;
	}
	interface x;
	rc = interface_load(&x, pos[0], cpp, ncpp);
	if (rc == 0)
		rc = describe(&x, npos == 2 ? pos[1] : NULL, pos[0]);
	interface_free(&x);
done:
	free(cpp);
	return rc;
}
