#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

struct diag_file {
	diag_file *next;
	char *name;
	char *text; /* NULL when the file cannot be read */
};

void diag_init(diag *d, FILE *out)
{
	d->out = out;
	d->errors = 0;
	d->limit = DIAG_DEFAULT_LIMIT;
	d->files = NULL;
}

void diag_free(diag *d)
{
	while (d->files) {
		diag_file *next = d->files->next;
		free(d->files->name);
		free(d->files->text);
		free(d->files);
		d->files = next;
	}
}

static char *read_file(const char *name)
{
	FILE *f = fopen(name, "rb");
	if (!f)
		return NULL;
	size_t len = 0, cap = 4096;
	char *text = xmalloc(cap);
	size_t n;
	while ((n = fread(text + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len <= 1)
			text = xrealloc(text, cap *= 2);
	}
	fclose(f);
	text[len] = '\0';
	return text;
}

static const char *file_text(diag *d, const char *name)
{
	for (diag_file *f = d->files; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f->text;
	diag_file *f = xmalloc(sizeof *f);
	f->name = strdup(name);
	f->text = read_file(name);
	f->next = d->files;
	d->files = f;
	return f->text;
}

/* Prints line `line` of the file and a caret under column `col`; tabs are copied into the
 * caret line so that the caret lines up whatever the tab width. */
static void show_line(diag *d, loc where)
{
	const char *p = file_text(d, where.file);
	if (!p)
		return;
	for (int n = 1; n < where.line && *p; p++)
		if (*p == '\n')
			n++;
	size_t len = strcspn(p, "\n");
	if (len == 0 && !*p)
		return;
	fprintf(d->out, " %5d | %.*s\n", where.line, (int)len, p);
	fputs("       | ", d->out);
	for (int i = 0; i < where.col - 1 && (size_t)i < len; i++)
		fputc(p[i] == '\t' ? '\t' : ' ', d->out);
	fputs("^\n", d->out);
}

void diag_error(diag *d, loc where, const char *fmt, ...)
{
	if (diag_full(d))
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(d->out, "%s:%d:%d: error: ", where.file, where.line, where.col);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	va_end(ap);
	show_line(d, where);
	if (++d->errors == d->limit)
		fprintf(d->out, "%s: too many errors, stopping\n", where.file);
}

bool diag_full(const diag *d)
{
	return d->errors >= d->limit;
}
