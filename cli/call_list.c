/* onc call --list: what a host's rpcbind says is registered, grouped by program and version,
 * named from /etc/rpc or from the .x files given, with the procedures those declare (as onc
 * describe prints them). */
#include <rpc/netdb.h> /* getrpcbynumber: glibc's reader of /etc/rpc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "call_list.h"
#include "interface.h"
#include "onc/rpcbind.h"
#include "rpcl.h"

/* The most .x files given. */
#define MAX_FILES 16

static int by_program(const void *a, const void *b)
{
	const onc_pmap_mapping *x = a, *y = b;
	if (x->prog != y->prog)
		return x->prog < y->prog ? -1 : 1;
	if (x->vers != y->vers)
		return x->vers < y->vers ? -1 : 1;
	return x->prot < y->prot ? -1 : x->prot > y->prot;
}

/* The program and version with these numbers in the files, or a NULL prog. */
static target find(const interface *files, int nfiles, uint32_t prog, uint32_t vers)
{
	for (int i = 0; i < nfiles; i++)
		for (const definition *d = files[i].spec.defs; d; d = d->next) {
			if (d->kind != DEF_PROGRAM || (uint32_t)d->number.number != prog)
				continue;
			for (const version *v = d->versions; v; v = v->next)
				if ((uint32_t)v->number.number == vers)
					return (target){ .prog = d, .vers = v };
			return (target){ .prog = d };
		}
	return (target){ 0 };
}

static void list(const onc_pmap_mapping *m, size_t n, const interface *files, int nfiles)
{
	for (size_t i = 0; i < n;) {
		size_t end = i;
		while (end < n && m[end].prog == m[i].prog && m[end].vers == m[i].vers)
			end++;
		target t = find(files, nfiles, m[i].prog, m[i].vers);
		const struct rpcent *e = t.prog ? NULL : getrpcbynumber((int)m[i].prog);
		printf("program %u", m[i].prog);
		if (t.prog || e)
			printf(" (%s)", t.prog ? t.prog->name : e->r_name);
		printf(" version %u", m[i].vers);
		if (t.vers)
			printf(" (%s)", t.vers->name);
		for (size_t k = i; k < end; k++)
			printf("%s %s %u", k == i ? ":" : ",",
			       m[k].prot == ONC_IPPROTO_TCP ? "tcp" : m[k].prot == ONC_IPPROTO_UDP ? "udp" : "?",
			       m[k].port);
		putchar('\n');
		for (const procedure *p = t.vers ? t.vers->procs : NULL; p; p = p->next)
			rpcl_procedure(stdout, p, "\t");
		i = end;
	}
}

int call_list(int argc, char **argv, const char *usage)
{
	uint32_t port = ONC_PMAP_PORT;
	const char *host = NULL, *paths[MAX_FILES];
	const char **cpp = malloc((size_t)argc * sizeof *cpp);
	size_t ncpp = 0;
	int nfiles = 0, rc = 2;
	bool bad = false;
	for (int i = 1; i < argc && !bad; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--list") == 0 || arg_cpp("call", argc, argv, &i, cpp, &ncpp, &bad)) {
			continue;
		} else if (strcmp(a, "--rpcbind") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "onc call: --rpcbind needs a port\n");
				goto done;
			}
			if (!arg_number("call", "--rpcbind port", argv[++i], 1, 65535, &port))
				goto done;
		} else if (a[0] == '-') {
			rc = arg_usage_error("call", "--list takes --rpcbind, -I, -D and -U", usage);
			goto done;
		} else if (!host) {
			host = a;
		} else if (nfiles == MAX_FILES) {
			fprintf(stderr, "onc call: --list takes at most %d .x files\n", MAX_FILES);
			goto done;
		} else {
			paths[nfiles++] = a;
		}
	}
	if (bad)
		goto done;
	if (!host) {
		rc = arg_usage_error("call", "--list needs a HOST", usage);
		goto done;
	}
	interface files[MAX_FILES];
	int loaded = 0;
	rc = 0;
	while (rc == 0 && loaded < nfiles) {
		rc = interface_load(&files[loaded], paths[loaded], cpp, ncpp);
		loaded++;
	}
	if (rc == 0) {
		char pmap[300];
		onc_pmap_mapping *m;
		size_t n;
		arg_uri(pmap, sizeof pmap, "tcp", host, port);
		onc_status st = onc_pmap_dump(pmap, &m, &n);
		if (st == ONC_OK) {
			qsort(m, n, sizeof *m, by_program);
			list(m, n, files, nfiles);
			free(m);
		} else {
			fprintf(stderr, "onc call: cannot reach the rpcbind at %s: %s\n", pmap,
				onc_strerror(st));
			rc = 1;
		}
	}
	for (int i = 0; i < loaded; i++)
		interface_free(&files[i]);
done:
	free(cpp);
	return rc;
}
