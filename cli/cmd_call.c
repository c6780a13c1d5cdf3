/* onc call: calls any procedure of a .x file with JSON arguments and prints the result as
 * JSON (as grpcurl does for gRPC). The arguments are encoded before anything is sent: bad
 * input is reported and no call is made. */
#define _DEFAULT_SOURCE /* getgroups, gethostname, strtok_r */
#include <grp.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "call_list.h"
#include "commands.h"
#include "interface.h"
#include "json_codec.h"
#include "onc/client.h"
#include "rpcl.h"

const char call_usage[] =
	"  call [-I DIR] [-D NAME[=VALUE]] [--timeout SECONDS] [--auth-sys[=SPEC]]\n"
	"       [--rpcbind PORT] [-v] FILE.x ADDRESS PROGRAM.VERSION.PROCEDURE [JSON|-]\n"
	"        call a procedure of FILE.x with its arguments as JSON (from stdin for -;\n"
	"        a JSON array for two or more), print the result as JSON; ADDRESS is\n"
	"        tcp://HOST[:PORT], udp://HOST[:PORT] or unix://PATH (without a port,\n"
	"        HOST's rpcbind is asked, on PORT of --rpcbind, default 111); names are\n"
	"        as in FILE.x, or numbers; --auth-sys sends AUTH_SYS credentials: this\n"
	"        process's, or SPEC's uid=N,gid=N,gids=N:N...,machine=NAME; -v prints the\n"
	"        argument and result bytes to stderr\n"
	"  call --list [--rpcbind PORT] [-I DIR] [-D NAME[=VALUE]] HOST [FILE.x...]\n"
	"        what HOST's rpcbind lists, by program and version, with the names and\n"
	"        procedures FILE.x gives them\n";

/* What the command line asks for. */
typedef struct call_args {
	const char *file, *address, *name, *json;
	const char **cpp;
	size_t ncpp;
	int timeout_ms;
	bool verbose;
	bool auth;
	onc_auth_sys auth_sys;
	uint16_t rpcbind_port;
} call_args;

/* ---- the command line ------------------------------------------------------------------- */

/* This process's AUTH_SYS credentials, as libtirpc's authunix_create_default() sends them. */
static void own_credentials(onc_auth_sys *a)
{
	gid_t gids[64];
	int n = getgroups(64, gids);
	a->stamp = (uint32_t)time(NULL);
	if (gethostname(a->machinename, sizeof a->machinename) != 0)
		a->machinename[0] = '\0';
	a->machinename[sizeof a->machinename - 1] = '\0';
	a->uid = (uint32_t)getuid();
	a->gid = (uint32_t)getgid();
	a->ngids = 0;
	for (int i = 0; i < n && a->ngids < ONC_AUTH_SYS_MAX_GIDS; i++)
		a->gids[a->ngids++] = (uint32_t)gids[i];
}

/* "uid=N,gid=N,gids=N:N,machine=NAME", each part optional, over this process's values. */
static bool parse_auth_sys(const char *spec, onc_auth_sys *a)
{
	char buf[1024];
	if (strlen(spec) >= sizeof buf) {
		fprintf(stderr, "onc call: --auth-sys: too long\n");
		return false;
	}
	strcpy(buf, spec);
	for (char *save, *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(part, '=');
		if (!eq) {
			fprintf(stderr, "onc call: --auth-sys: '%s' is not KEY=VALUE (uid, gid, gids, "
					"machine)\n", part);
			return false;
		}
		*eq = '\0';
		const char *val = eq + 1;
		if (strcmp(part, "uid") == 0) {
			if (!arg_number("call", "--auth-sys uid", val, 0, UINT32_MAX, &a->uid))
				return false;
		} else if (strcmp(part, "gid") == 0) {
			if (!arg_number("call", "--auth-sys gid", val, 0, UINT32_MAX, &a->gid))
				return false;
		} else if (strcmp(part, "machine") == 0) {
			if (strlen(val) > ONC_AUTH_SYS_MAX_NAME) {
				fprintf(stderr, "onc call: --auth-sys machine: longer than %u bytes\n",
					ONC_AUTH_SYS_MAX_NAME);
				return false;
			}
			strcpy(a->machinename, val);
		} else if (strcmp(part, "gids") == 0) {
			a->ngids = 0;
			char gbuf[1024];
			strcpy(gbuf, val);
			for (char *s2, *g = strtok_r(gbuf, ":", &s2); g; g = strtok_r(NULL, ":", &s2)) {
				if (a->ngids == ONC_AUTH_SYS_MAX_GIDS) {
					fprintf(stderr, "onc call: --auth-sys gids: more than %u\n",
						ONC_AUTH_SYS_MAX_GIDS);
					return false;
				}
				if (!arg_number("call", "--auth-sys gid", g, 0, UINT32_MAX,
						&a->gids[a->ngids++]))
					return false;
			}
		} else {
			fprintf(stderr, "onc call: --auth-sys: unknown key '%s' (uid, gid, gids, "
					"machine)\n", part);
			return false;
		}
	}
	return true;
}

static bool parse_timeout(const char *s, int *ms)
{
	char *end;
	double secs = strtod(s, &end);
	if (end == s || *end || !(secs > 0) || secs > 86400) {
		fprintf(stderr, "onc call: --timeout '%s' is not a number of seconds above 0, at "
				"most 86400\n", s);
		return false;
	}
	*ms = (int)ceil(secs * 1000);
	return true;
}

/* 0 when the arguments are good, else the exit status. */
static int parse_args(int argc, char **argv, call_args *ca)
{
	const char *pos[4];
	int npos = 0;
	bool bad = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint32_t port;
		if (arg_is_help(a)) {
			fputs(call_usage, stdout);
			return -1;
		} else if (arg_cpp("call", argc, argv, &i, ca->cpp, &ca->ncpp, &bad)) {
			if (bad)
				return 2;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			ca->verbose = true;
		} else if ((strcmp(a, "--timeout") == 0 || strcmp(a, "--rpcbind") == 0) &&
			   i + 1 == argc) {
			fprintf(stderr, "onc call: %s needs a value\n", a);
			return 2;
		} else if (strcmp(a, "--timeout") == 0) {
			if (!parse_timeout(argv[++i], &ca->timeout_ms))
				return 2;
		} else if (strcmp(a, "--rpcbind") == 0) {
			if (!arg_number("call", "--rpcbind port", argv[++i], 1, 65535, &port))
				return 2;
			ca->rpcbind_port = (uint16_t)port;
		} else if (strcmp(a, "--auth-sys") == 0 || strncmp(a, "--auth-sys=", 11) == 0) {
			ca->auth = true;
			own_credentials(&ca->auth_sys);
			if (a[10] == '=' && !parse_auth_sys(a + 11, &ca->auth_sys))
				return 2;
		} else if (a[0] == '-' && a[1]) {
			return arg_unknown("call", a, call_usage);
		} else if (npos == 4) {
			return arg_usage_error("call", "too many arguments", call_usage);
		} else {
			pos[npos++] = a;
		}
	}
	if (npos < 3)
		return arg_usage_error("call", "FILE.x, ADDRESS and PROGRAM.VERSION.PROCEDURE are needed",
				       call_usage);
	ca->file = pos[0];
	ca->address = pos[1];
	ca->name = pos[2];
	ca->json = npos == 4 ? pos[3] : NULL;
	return 0;
}

/* ---- JSON in ---------------------------------------------------------------------------- */

/* The arguments' JSON, from the command line or stdin; NULL when there is none. False after
 * saying where the JSON does not parse. */
static bool read_json(const char *text, json_t **out)
{
	*out = NULL;
	if (!text)
		return true;
	json_error_t err;
	size_t flags = JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES;
	bool from_stdin = strcmp(text, "-") == 0;
	*out = from_stdin ? json_loadf(stdin, flags, &err) : json_loads(text, flags, &err);
	if (*out)
		return true;
	/* jansson's integers are 64-bit signed */
	bool big = strstr(err.text, "too big") != NULL;
	fprintf(stderr, "onc call: %s:%d:%d: invalid JSON: %s%s\n",
		from_stdin ? "<stdin>" : "<argument>", err.line, err.column, err.text,
		big ? " (an unsigned hyper above 9223372036854775807 is written as a string, "
		      "\"18446744073709551615\")" : "");
	return false;
}

/* ---- the call --------------------------------------------------------------------------- */

typedef struct bytes {
	uint8_t *data;
	size_t len;
} bytes;

static onc_status put_bytes(onc_xdr_enc *e, const void *v)
{
	const bytes *b = v;
	return onc_xdr_put_opaque_fixed(e, b->data, b->len); /* a multiple of 4: no padding */
}

static onc_status take_bytes(onc_xdr_dec *d, void *v)
{
	bytes *b = v;
	b->len = onc_xdr_dec_left(d);
	b->data = malloc(b->len ? b->len : 1);
	if (!b->data)
		return ONC_ERR_NOMEM;
	memcpy(b->data, d->p, b->len);
	d->p = d->end;
	return ONC_OK;
}

/* -v: the bytes as XDR words, 8 to a line. */
static void dump(const char *mark, const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "%s %zu bytes of %s\n", mark, n, what);
	for (size_t i = 0; i < n; i += 4) {
		if (i % 32 == 0)
			fprintf(stderr, "%s%s %04zx ", i ? "\n" : "", mark, i);
		fputc(' ', stderr);
		for (size_t k = i; k < i + 4 && k < n; k++)
			fprintf(stderr, "%02x", p[k]);
	}
	if (n)
		fputc('\n', stderr);
}

/* The RPC error, with what its reply says. */
static void say_error(const call_args *ca, const target *t, onc_status st,
		      const onc_call_error *err)
{
	fprintf(stderr, "onc call: %s.%s.%s at %s: ", t->prog->name, t->vers->name, t->proc->name,
		ca->address);
	switch (st) {
	case ONC_ERR_PROG_MISMATCH:
		fprintf(stderr, "PROG_MISMATCH: the server has versions %u to %u of program %s, not "
				"%s\n", err->low, err->high, t->prog->name, t->vers->number.text);
		break;
	case ONC_ERR_RPC_MISMATCH:
		fprintf(stderr, "RPC_MISMATCH: the server speaks RPC versions %u to %u\n", err->low,
			err->high);
		break;
	case ONC_ERR_AUTH:
		fprintf(stderr, "AUTH_ERROR: %s\n", onc_auth_stat_name(err->auth));
		break;
	case ONC_ERR_PROG_UNAVAIL:
		fprintf(stderr, "PROG_UNAVAIL: %s\n", onc_strerror(st));
		break;
	case ONC_ERR_PROC_UNAVAIL:
		fprintf(stderr, "PROC_UNAVAIL: %s\n", onc_strerror(st));
		break;
	case ONC_ERR_GARBAGE_ARGS:
		fprintf(stderr, "GARBAGE_ARGS: %s\n", onc_strerror(st));
		break;
	case ONC_ERR_SYSTEM_ERR:
		fprintf(stderr, "SYSTEM_ERR: %s\n", onc_strerror(st));
		break;
	case ONC_ERR_TIMEDOUT:
		fprintf(stderr, "timed out after %g s\n",
			(ca->timeout_ms ? ca->timeout_ms : 25000) / 1000.0);
		break;
	default: {
		char text[256];
		fprintf(stderr, "%s\n", onc_error_text(st, err, text, sizeof text));
		break;
	}
	}
}

/* Sends the call; prints the result. */
static int call(const call_args *ca, const target *t, const bytes *args)
{
	uint32_t prog = (uint32_t)t->prog->number.number, vers = (uint32_t)t->vers->number.number,
		 proc = (uint32_t)t->proc->number.number;
	if (ca->verbose) {
		fprintf(stderr, "> call %s.%s.%s (program %u version %u procedure %u) at %s\n",
			t->prog->name, t->vers->name, t->proc->name, prog, vers, proc, ca->address);
		dump(">", "arguments", args->data, args->len);
	}
	onc_call_error err = { 0 };
	onc_client_options o = { .timeout_ms = ca->timeout_ms,
				 .auth_sys = ca->auth ? &ca->auth_sys : NULL,
				 .rpcbind_port = ca->rpcbind_port,
				 .error = &err };
	onc_status st;
	onc_client *c = onc_client_create(ca->address, prog, vers, &o, &st);
	if (!c) {
		char text[256];
		fprintf(stderr, "onc call: cannot reach program %s version %s at %s: %s\n",
			t->prog->name, t->vers->name, ca->address,
			onc_error_text(st, &err, text, sizeof text));
		return 1;
	}
	onc_call_opts co = { .error = &err };
	bytes reply = { 0 };
	st = onc_client_call(c, proc, put_bytes, args, take_bytes, &reply, &co);
	onc_client_destroy(c);
	if (st != ONC_OK) {
		say_error(ca, t, st, &err);
		free(reply.data);
		return 1;
	}
	if (ca->verbose)
		dump("<", "results", reply.data, reply.len);
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, reply.data, reply.len, NULL);
	char why[1024];
	json_t *result = xdr_to_json(t->proc->result_plan, &d, why, sizeof why);
	int rc = 0;
	if (!result) {
		fprintf(stderr, "onc call: the reply is not a %s: result %s\n",
			rpcl_type_name(&t->proc->result), why);
		rc = 1;
	} else if (onc_xdr_dec_left(&d)) {
		fprintf(stderr, "onc call: the reply has %zu bytes after its %s\n",
			onc_xdr_dec_left(&d), rpcl_type_name(&t->proc->result));
		rc = 1;
	} else {
		json_dumpf(result, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
		putchar('\n');
	}
	json_decref(result);
	free(reply.data);
	return rc;
}

int cmd_call(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--list") == 0)
			return call_list(argc, argv, call_usage);
	call_args ca = { .cpp = malloc((size_t)argc * sizeof *ca.cpp) };
	int rc = parse_args(argc, argv, &ca);
	if (rc) {
		free(ca.cpp);
		return rc < 0 ? 0 : rc;
	}
	interface x;
	json_t *json = NULL;
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	target t;
	rc = interface_load(&x, ca.file, ca.cpp, ca.ncpp);
	if (rc == 0 && !interface_find(&x, "call", ca.name, 3, &t))
		rc = 2;
	if (rc == 0 && !read_json(ca.json, &json))
		rc = 2;
	if (rc == 0) {
		char why[1024];
		if (!json_args_to_xdr(t.proc->arg_plans, t.proc->nargs, json, &e, why, sizeof why)) {
			fprintf(stderr, "onc call: arguments of %s: %s\n", t.proc->name, why);
			rc = 2;
		}
	}
	if (rc == 0) {
		bytes args = { (uint8_t *)onc_xdr_enc_data(&e), onc_xdr_enc_len(&e) };
		rc = call(&ca, &t, &args);
	}
	onc_xdr_enc_free(&e);
	json_decref(json);
	interface_free(&x);
	free(ca.cpp);
	return rc;
}
