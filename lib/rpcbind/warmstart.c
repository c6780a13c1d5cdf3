/* Warm start (rpcbind -w): the registration table saved in rpcbind's own files and read
 * back, so that onc rpcbind and rpcbind 1.2.6 restart, or take over from each other,
 * without their services registering again. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "table.h"

#define RPCB_FILE "rpcbind.xdr"
#define PMAP_FILE "portmap.xdr"
/* 4,096 registrations of the longest strings take about 3 MiB. */
#define MAX_FILE (4u << 20)

static onc_status path_in(char out[PATH_MAX], const char *dir, const char *name)
{
	return snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX ? ONC_OK : ONC_ERR_ADDRESS;
}

/* Writes e's bytes to dir/name through dir/.name.tmp, renamed over dir/name once synced.
 * Written by root in a directory of another user's, the file is that user's: rpcbind reads
 * its files once it runs as _rpc, the owner of its /run/rpcbind. */
static onc_status write_file(const char *dir, const char *name, const onc_xdr_enc *e)
{
	char path[PATH_MAX], tmp[PATH_MAX], tmpname[64];
	struct stat ds;
	snprintf(tmpname, sizeof tmpname, ".%s.tmp", name);
	ONC_TRY(path_in(path, dir, name));
	ONC_TRY(path_in(tmp, dir, tmpname));
	if (stat(dir, &ds) != 0)
		return ONC_ERR_IO;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ONC_ERR_IO;
	bool ok = geteuid() != 0 || ds.st_uid == 0 || fchown(fd, ds.st_uid, ds.st_gid) == 0;
	size_t len = onc_xdr_enc_len(e), done = 0;
	while (done < len) {
		ssize_t n = write(fd, e->base + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	ok = ok && done == len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0)
		return ONC_OK;
	int saved = errno;
	unlink(tmp);
	errno = saved;
	return ONC_ERR_IO;
}

onc_status onc_rpcbind_save(onc_rpcbind *rb, const char *dir)
{
	onc_xdr_enc rpcb, pmap;
	onc_xdr_enc_init(&rpcb);
	onc_xdr_enc_init(&pmap);
	onc__rpcbind_lock(rb, true);
	onc_status st = onc__rpcbind_dump(rb, 4, &rpcb);
	if (st == ONC_OK)
		st = onc__rpcbind_dump(rb, 2, &pmap);
	onc__rpcbind_lock(rb, false);
	/* portmap.xdr first: rpcbind restores nothing without both, and onc reads rpcbind.xdr. */
	if (st == ONC_OK)
		st = write_file(dir, PMAP_FILE, &pmap);
	if (st == ONC_OK)
		st = write_file(dir, RPCB_FILE, &rpcb);
	if (st == ONC_OK) {
		/* The renames themselves survive a crash once the directory is synced. */
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	onc_xdr_enc_free(&rpcb);
	onc_xdr_enc_free(&pmap);
	return st;
}

/* The whole of path into *buf (malloc'd), when it is a regular file no one but its owner
 * may write (ONC_ERR_IO, EPERM otherwise), of at most MAX_FILE bytes. */
static onc_status read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ONC_ERR_IO;
	onc_status st = ONC_OK;
	if (fstat(fd, &sb) != 0)
		st = ONC_ERR_IO;
	else if (!S_ISREG(sb.st_mode) || (sb.st_mode & (S_IWGRP | S_IWOTH)))
		st = ONC_ERR_IO, errno = EPERM; /* anyone could have planted registrations there */
	else if ((uint64_t)sb.st_size > MAX_FILE)
		st = ONC_ERR_RECORD_TOO_BIG;
	*len = st == ONC_OK ? (size_t)sb.st_size : 0;
	*buf = st == ONC_OK ? malloc(*len ? *len : 1) : NULL;
	if (st == ONC_OK && !*buf)
		st = ONC_ERR_NOMEM;
	for (size_t done = 0; st == ONC_OK && done < *len;) {
		ssize_t n = read(fd, *buf + done, *len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			st = ONC_ERR_IO;
		else
			done += (size_t)n;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	if (st != ONC_OK) {
		free(*buf);
		*buf = NULL;
	}
	return st;
}

/* rpcblist: { bool more; rpcb entry; }... false, and nothing after it. The entries point
 * into arena and buf. */
static onc_status parse(const uint8_t *buf, size_t len, onc_arena *arena, onc__rpcb **list,
			size_t *n)
{
	onc_xdr_dec d;
	size_t cap = 0;
	bool more;
	onc_xdr_dec_init(&d, buf, len, arena);
	for (;;) {
		ONC_TRY(onc_xdr_get_bool(&d, &more));
		if (!more)
			break;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			onc__rpcb *grown = realloc(*list, cap * sizeof *grown);
			if (!grown)
				return ONC_ERR_NOMEM;
			*list = grown;
		}
		ONC_TRY(onc__rpcb_decode(&d, &(*list)[(*n)++]));
	}
	return onc_xdr_dec_left(&d) ? ONC_ERR_TRAILING_DATA : ONC_OK;
}

onc_status onc_rpcbind_restore(onc_rpcbind *rb, const char *dir, size_t *restored,
			       size_t *skipped)
{
	char path[PATH_MAX], pmap[PATH_MAX], corrupt[PATH_MAX];
	uint8_t *buf;
	size_t len, n = 0;
	onc__rpcb *list = NULL;
	onc_arena arena;

	*restored = *skipped = 0;
	ONC_TRY(path_in(path, dir, RPCB_FILE));
	ONC_TRY(path_in(pmap, dir, PMAP_FILE));
	ONC_TRY(path_in(corrupt, dir, RPCB_FILE ".corrupt"));
	onc_status st = read_file(path, &buf, &len);
	if (st == ONC_ERR_IO && errno == ENOENT)
		return ONC_OK; /* a cold start */
	onc_arena_init(&arena, 0);
	if (st == ONC_OK)
		st = parse(buf, len, &arena, &list, &n);
	if (st == ONC_OK) {
		onc__rpcbind_lock(rb, true);
		for (size_t i = 0; i < n; i++) {
			if (list[i].r_prog == ONC_PMAP_PROG)
				continue;
			if (onc__rpcbind_restore(rb, &list[i]))
				++*restored;
			else
				++*skipped;
		}
		onc__rpcbind_lock(rb, false);
		unlink(path);
		unlink(pmap);
	} else if (st != ONC_ERR_NOMEM) {
		/* Moved aside, so that the next save does not overwrite what was not restored. */
		int saved = errno;
		rename(path, corrupt);
		errno = saved;
	}
	free(list);
	free(buf);
	onc_arena_free(&arena);
	return st;
}
