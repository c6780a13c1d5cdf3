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

struct diag_msg {
	loc where;
	char *text;
	size_t file_rank; /* the order in which the errors first name its file */
	size_t seq;       /* the order it was found in */
};

void diag_init(diag *d, FILE *out)
{
	*d = (diag){ .out = out, .limit = DIAG_DEFAULT_LIMIT };
}

static void drop_msgs(diag *d)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	d->msgs = NULL;
	d->nmsgs = 0;
}

void diag_free(diag *d)
{
	drop_msgs(d);
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
	va_list ap, copy;
	va_start(ap, fmt);
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	char *text = xmalloc((size_t)n + 1);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	size_t rank = d->nmsgs;
	for (size_t i = 0; i < d->nmsgs; i++)
		if (strcmp(d->msgs[i].where.file, where.file) == 0) {
			rank = d->msgs[i].file_rank;
			break;
		}
	/* at most `limit` messages: no need to grow */
	if (!d->msgs)
		d->msgs = xmalloc((size_t)d->limit * sizeof *d->msgs);
	d->msgs[d->nmsgs] = (diag_msg){ where, text, rank, d->nmsgs };
	d->nmsgs++;
	d->errors++;
}

static int by_position(const void *a, const void *b)
{
	const diag_msg *x = a, *y = b;
	if (x->file_rank != y->file_rank)
		return x->file_rank < y->file_rank ? -1 : 1;
	if (x->where.line != y->where.line)
		return x->where.line < y->where.line ? -1 : 1;
	if (x->where.col != y->where.col)
		return x->where.col < y->where.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void diag_flush(diag *d)
{
	if (d->nmsgs)
		qsort(d->msgs, d->nmsgs, sizeof *d->msgs, by_position);
	for (size_t i = 0; i < d->nmsgs; i++) {
		const diag_msg *m = &d->msgs[i];
		fprintf(d->out, "%s:%d:%d: error: %s\n", m->where.file, m->where.line, m->where.col,
			m->text);
		show_line(d, m->where);
	}
	if (diag_full(d) && d->nmsgs)
		fprintf(d->out, "%s: too many errors, stopping\n", d->msgs[d->nmsgs - 1].where.file);
	drop_msgs(d);
}

bool diag_full(const diag *d)
{
	return d->errors >= d->limit;
}
