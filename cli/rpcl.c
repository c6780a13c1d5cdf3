#include "rpcl.h"

#include <inttypes.h>

#include "plan.h"

const char *rpcl_type_name(const type_ref *t)
{
	if (t->name)
		return t->name; /* as written, rpcgen's names (u_int, long...) too */
	switch (t->kind) {
	case TYPE_STRING:
		return "string";
	case TYPE_OPAQUE:
		return "opaque";
	case TYPE_VOID:
		return "void";
	case TYPE_NAMED:
		return t->def->name; /* an inline definition, named by the checks */
	default:
		return plan_scalars[t->kind].name;
	}
}

static void print_decl(FILE *out, const decl *d)
{
	const char *bound = d->kind == DECL_FIXED || d->bounded ? d->size.text : "";
	switch (d->kind) {
	case DECL_VOID:
		fprintf(out, "void");
		break;
	case DECL_PLAIN:
		fprintf(out, "%s %s", rpcl_type_name(&d->type), d->name);
		break;
	case DECL_OPTIONAL:
		fprintf(out, "%s *%s", rpcl_type_name(&d->type), d->name);
		break;
	case DECL_FIXED:
		fprintf(out, "%s %s[%s]", rpcl_type_name(&d->type), d->name, bound);
		break;
	case DECL_VAR:
		fprintf(out, "%s %s<%s>", rpcl_type_name(&d->type), d->name, bound);
		break;
	}
}

void rpcl_procedure(FILE *out, const procedure *p, const char *indent)
{
	fprintf(out, "%s%s %s(", indent, rpcl_type_name(&p->result), p->name);
	if (p->nargs == 0)
		fprintf(out, "void");
	for (int i = 0; i < p->nargs; i++)
		fprintf(out, "%s%s", i ? ", " : "", rpcl_type_name(&p->args[i]));
	fprintf(out, ") = %s;\n", p->number.text);
}

void rpcl_program(FILE *out, const definition *prog, const version *only_vers,
		  const procedure *only_proc)
{
	fprintf(out, "program %s {\n", prog->name);
	for (const version *v = prog->versions; v; v = v->next) {
		if (only_vers && v != only_vers)
			continue;
		fprintf(out, "\tversion %s {\n", v->name);
		for (const procedure *p = v->procs; p; p = p->next)
			if (!only_proc || p == only_proc)
				rpcl_procedure(out, p, "\t\t");
		fprintf(out, "\t} = %s;\n", v->number.text);
	}
	fprintf(out, "} = %s;\n", prog->number.text);
}

void rpcl_definition(FILE *out, const definition *d)
{
	switch (d->kind) {
	case DEF_CONST:
		fprintf(out, "const %s = %s;\n", d->name, d->const_value.text);
		break;
	case DEF_ENUM:
		fprintf(out, "enum %s {\n", d->name);
		for (const enum_member *m = d->members; m; m = m->next)
			fprintf(out, "\t%s = %" PRId64 "%s\n", m->name, m->val.number,
				m->next ? "," : "");
		fprintf(out, "};\n");
		break;
	case DEF_STRUCT:
		fprintf(out, "struct %s {\n", d->name);
		for (const decl *f = d->fields; f; f = f->next) {
			fputc('\t', out);
			print_decl(out, f);
			fprintf(out, ";\n");
		}
		fprintf(out, "};\n");
		break;
	case DEF_UNION:
		fprintf(out, "union %s switch (", d->name);
		print_decl(out, &d->discriminant);
		fprintf(out, ") {\n");
		for (const union_arm *a = d->arms; a; a = a->next) {
			if (!a->labels)
				fprintf(out, "default:\n");
			for (const case_label *l = a->labels; l; l = l->next)
				fprintf(out, "case %s:\n", l->val.text);
			fputc('\t', out);
			print_decl(out, &a->arm);
			fprintf(out, ";\n");
		}
		fprintf(out, "};\n");
		break;
	case DEF_TYPEDEF:
		fprintf(out, "typedef ");
		print_decl(out, &d->target);
		fprintf(out, ";\n");
		break;
	default:
		break;
	}
}
