#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool.h"

/* mkstemp creates files 0600; generated sources get the usual permissions. */
static bool chmod_default(const char *path)
{
	mode_t mask = umask(0);
	umask(mask);
	return chmod(path, 0666 & ~mask) == 0;
}

void strbuf_free(strbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static void reserve(strbuf *b, size_t n)
{
	if (b->cap - b->len > n)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= n)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void strbuf_putn(strbuf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void strbuf_puts(strbuf *b, const char *s)
{
	strbuf_putn(b, s, strlen(s));
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

bool strbuf_save(const strbuf *b, const char *path)
{
	size_t n = strlen(path);
	char *tmp = xmalloc(n + sizeof ".tmpXXXXXX");
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmpXXXXXX", sizeof ".tmpXXXXXX");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "onc: cannot create %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	FILE *f = fdopen(fd, "w");
	bool ok = f && fwrite(b->data ? b->data : "", 1, b->len, f) == b->len;
	if (f)
		ok = fclose(f) == 0 && ok;
	else
		close(fd);
	ok = ok && chmod_default(tmp);
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "onc: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ok;
}
