/* An onc C client of an NFSv3 server, nfs_client.py's twin (stubs onc gen makes of nfs3.x):
 * finds MOUNT and NFS through the rpcbind on this host (no port given), mounts EXPORT, and
 * checks that GETATTR of the export and of FILE in it gives the stat(1) values the script
 * passes, and that READ returns the file's bytes, in one READ of all of them when they fit
 * (1 MiB and more: one record over 1 MiB) and in 32 KiB pieces over UDP. Prints one line per
 * check; exits 1 when one fails.
 * Usage: nfs_testc EXPORT FILE EXPORT_STAT FILE_STAT, where a STAT is what
 *   stat -c 'mode=%a nlink=%h uid=%u gid=%g size=%s fileid=%i mtime=%.9Y' prints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <onc/client.h>

#include "nfs3.h"

static int failed;

/* Prints "ok: WHAT" or "FAIL: WHAT: DETAIL" (WHAT from fmt); true when pass. */
static bool check(bool pass, const char *detail, const char *fmt, ...)
{
	va_list ap;
	printf(pass ? "ok: " : "FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(pass ? "\n" : ": %s\n", detail);
	failed += !pass;
	return pass;
}

/* A call's status and, when it carried one, the NFS or MOUNT status of its result. */
static bool answered(onc_status st, int proto_status, const char *what, const char *over)
{
	char detail[64];
	if (st != ONC_OK)
		snprintf(detail, sizeof detail, "%s", onc_strerror(st));
	else
		snprintf(detail, sizeof detail, "status %d", proto_status);
	return check(st == ONC_OK && proto_status == 0, detail, "%s over %s", what, over);
}

/* fattr3 against the script's stat(1) line: every field the server takes from the file
 * system, in stat's format. */
static void same_as_stat(const fattr3 *a, const char *want, const char *what, const char *over)
{
	char got[160], detail[400];
	snprintf(got, sizeof got, "mode=%o nlink=%u uid=%u gid=%u size=%llu fileid=%llu mtime=%u.%09u",
		 (unsigned)a->mode & 07777, (unsigned)a->nlink, (unsigned)a->uid, (unsigned)a->gid,
		 (unsigned long long)a->size, (unsigned long long)a->fileid,
		 (unsigned)a->mtime.seconds, (unsigned)a->mtime.nseconds);
	snprintf(detail, sizeof detail, "<%s>, stat: <%s>", got, want);
	check(strcmp(got, want) == 0, detail, "GETATTR of %s over %s equals stat()", what, over);
}

/* The whole file, read directly. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	if (f && fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
		*len = (size_t)n;
		if (buf && (fseek(f, 0, SEEK_SET) != 0 || fread(buf, 1, *len, f) != *len)) {
			free(buf);
			buf = NULL;
		}
	}
	if (f)
		fclose(f);
	return buf;
}

/* READs FILE from offset 0 to its end in pieces of piece bytes and compares them with want. */
static void read_file(onc_client *c, nfs_fh3 fh, const uint8_t *want, size_t want_len,
		      uint32_t piece, const char *over)
{
	size_t got = 0, largest = 0, reads = 0, differs = SIZE_MAX;
	for (;;) {
		READ3args args = {.file = fh, .offset = got, .count = piece};
		READ3res r;
		onc_status st = nfsproc3_read_3(c, &args, &r);
		reads++;
		if (st != ONC_OK || r.status != NFS3_OK) {
			char what[64];
			snprintf(what, sizeof what, "READ at %zu", got);
			answered(st, st == ONC_OK ? (int)r.status : 0, what, over);
			if (st == ONC_OK)
				READ3res_free(&r);
			return;
		}
		const READ3resok *ok = &r.READ3res_u.resok;
		size_t n = ok->data.data_len, rest = want_len - got;
		for (size_t i = 0; differs == SIZE_MAX && i < n; i++)
			if (i == rest || ok->data.data_val[i] != want[got + i])
				differs = got + i;
		got += n < rest ? n : rest;
		largest = n > largest ? n : largest;
		bool end = ok->eof || n == 0;
		READ3res_free(&r);
		if (end || differs != SIZE_MAX)
			break;
	}
	char detail[96];
	snprintf(detail, sizeof detail, "%zu bytes, first difference at %zu", got,
		 differs != SIZE_MAX ? differs : got);
	check(got == want_len && differs == SIZE_MAX, detail,
	      "%zu READs of up to %zu bytes return the file's %zu over %s", reads, largest, want_len,
	      over);
	if (strncmp(over, "tcp", 3) == 0) {
		/* ganesha's largest READ (MaxRead) is 1 MiB: its reply is a record over 1 MiB. */
		snprintf(detail, sizeof detail, "%zu", largest);
		check(largest >= 1u << 20, detail, "a READ reply of 1 MiB of data over %s", over);
	}
}

int main(int argc, char **argv)
{
	static const char *const transports[] = {"tcp://127.0.0.1", "udp://127.0.0.1", "tcp://[::1]"};
	onc_auth_sys cred = {.uid = (uint32_t)getuid(), .gid = (uint32_t)getgid()};
	onc_client_options opts = {.timeout_ms = 10000, .auth_sys = &cred};
	onc_status st;
	char path[4096];

	if (argc != 5) {
		fprintf(stderr, "usage: nfs_testc EXPORT FILE EXPORT_STAT FILE_STAT\n");
		return 2;
	}
	dirpath export = argv[1];
	snprintf(path, sizeof path, "%s/%s", export, argv[2]);
	size_t want_len;
	uint8_t *want = slurp(path, &want_len);
	if (!want) {
		perror(path);
		return 2;
	}
	gethostname(cred.machinename, sizeof cred.machinename - 1);

	onc_client *mount = onc_client_create("tcp://127.0.0.1", MOUNT_PROGRAM, MOUNT_V3, &opts, &st);
	if (!check(mount != NULL, onc_strerror(st), "MOUNT through rpcbind"))
		return 1;
	exports list;
	st = mountproc3_export_3(mount, &list);
	if (answered(st, 0, "EXPORT", "tcp://127.0.0.1")) {
		char dirs[256] = "";
		int n = 0;
		for (exportnode *e = list; e; e = e->ex_next, n++)
			snprintf(dirs + strlen(dirs), sizeof dirs - strlen(dirs), "<%s>", e->ex_dir);
		check(n == 1 && strcmp(list->ex_dir, export) == 0, dirs, "EXPORT lists the export");
		exports_free(&list);
	}
	mountres3 mnt;
	st = mountproc3_mnt_3(mount, &export, &mnt);
	if (!answered(st, st == ONC_OK ? (int)mnt.fhs_status : 0, "MNT", "tcp://127.0.0.1"))
		return 1;
	const fhandle3 *fh = &mnt.mountres3_u.mountinfo.fhandle;
	nfs_fh3 root = {{.data_len = fh->fhandle3_len, .data_val = fh->fhandle3_val}};

	for (size_t t = 0; t < sizeof transports / sizeof *transports; t++) {
		const char *over = transports[t];
		onc_client *nfs = onc_client_create(over, NFS_PROGRAM, NFS_V3, &opts, &st);
		if (!check(nfs != NULL, onc_strerror(st), "NFS through rpcbind over %s", over))
			continue;
		GETATTR3args ga = {root};
		GETATTR3res g;
		st = nfsproc3_getattr_3(nfs, &ga, &g);
		if (answered(st, st == ONC_OK ? (int)g.status : 0, "GETATTR of the export", over))
			same_as_stat(&g.GETATTR3res_u.resok.obj_attributes, argv[3], "the export", over);
		LOOKUP3args la = {{.dir = root, .name = argv[2]}};
		LOOKUP3res look;
		onc_status looked = nfsproc3_lookup_3(nfs, &la, &look);
		char what[300];
		snprintf(what, sizeof what, "LOOKUP %s", argv[2]);
		if (answered(looked, looked == ONC_OK ? (int)look.status : 0, what, over)) {
			nfs_fh3 file = look.LOOKUP3res_u.resok.object;
			ga.object = file;
			st = nfsproc3_getattr_3(nfs, &ga, &g);
			snprintf(what, sizeof what, "GETATTR of %s", argv[2]);
			if (answered(st, st == ONC_OK ? (int)g.status : 0, what, over))
				same_as_stat(&g.GETATTR3res_u.resok.obj_attributes, argv[4], argv[2], over);
			/* A UDP reply is one datagram: 32 KiB of data fits, 64 KiB and its headers
			 * do not. */
			read_file(nfs, file, want, want_len,
				  strncmp(over, "tcp", 3) == 0 ? (uint32_t)want_len : 32768, over);
		}
		if (looked == ONC_OK)
			LOOKUP3res_free(&look);
		onc_client_destroy(nfs);
	}
	mountres3_free(&mnt);
	onc_client_destroy(mount);
	free(want);
	return failed ? 1 : 0;
}
