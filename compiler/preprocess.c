#include "preprocess.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* cpp's own words for a missing file or a directory would name cc1, its back end. */
static bool readable(const char *file)
{
	struct stat st;
	if (stat(file, &st) != 0) {
		fprintf(stderr, "onc: cannot read %s: %s\n", file, strerror(errno));
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "onc: %s is a directory, not a .x file\n", file);
		return false;
	}
	return true;
}

/* In traditional mode cpp names the line after a failed directive (`#include "missing.h"`),
 * column 2: true when line n - 1 of the file is the directive. */
static bool directive_before(const char *file, int n)
{
	FILE *f = fopen(file, "r");
	char text[4096];
	bool hash = false;
	for (int i = 1; f && i < n && fgets(text, sizeof text, f); i++)
		hash = i == n - 1 && text[strspn(text, " \t")] == '#';
	if (f)
		fclose(f);
	return hash;
}

/* Errors from the preprocessor's messages (`file:line:col: fatal error: text`) become ours,
 * with the line and a caret; its other lines (the context it quotes, "compilation
 * terminated.") go. Returns false when there was none to take: then its words are shown. */
static bool take_errors(FILE *messages, pool *p, diag *d)
{
	char line[4096];
	int before = d->errors;
	rewind(messages);
	while (fgets(line, sizeof line, messages)) {
		line[strcspn(line, "\n")] = 0;
		char *e = strstr(line, ": fatal error: ");
		size_t skip = strlen(": fatal error: ");
		if (!e) {
			e = strstr(line, ": error: ");
			skip = strlen(": error: ");
		}
		if (!e)
			continue;
		*e = 0;
		loc where = { .col = 1 };
		char *c = strrchr(line, ':');
		if (c && sscanf(c + 1, "%d", &where.col) == 1) {
			*c = 0;
			char *l = strrchr(line, ':');
			if (l && sscanf(l + 1, "%d", &where.line) == 1) {
				*l = 0;
			} else {
				where.line = where.col; /* file:line: without a column */
				where.col = 1;
			}
		}
		if (where.line <= 0)
			continue;
		if (where.col == 2 && directive_before(line, where.line))
			where = (loc){ .line = where.line - 1, .col = 1 };
		where.file = pool_strdup(p, line);
		diag_error(d, where, "%s", e + skip);
	}
	return d->errors > before;
}

static void copy_messages(FILE *messages)
{
	char buf[4096];
	size_t n;
	rewind(messages);
	while ((n = fread(buf, 1, sizeof buf, messages)) > 0)
		fwrite(buf, 1, n, stderr);
}

char *preprocess(const char *file, const char *define, const char *const *args, size_t nargs,
		 pool *p, diag *d)
{
	if (!readable(file))
		return NULL;
	const char *cpp = getenv("ONC_CPP");
	if (!cpp || !*cpp)
		cpp = "cpp";
	const char **argv = xmalloc((nargs + 6) * sizeof *argv);
	size_t n = 0;
	argv[n++] = cpp;
	argv[n++] = "-C";
	argv[n++] = "-traditional-cpp";
	argv[n++] = define;
	for (size_t i = 0; i < nargs; i++)
		argv[n++] = args[i];
	argv[n++] = file;
	argv[n] = NULL;

	int fds[2];
	FILE *messages = tmpfile();
	if (!messages || pipe(fds) != 0) {
		fprintf(stderr, "onc: %s: %s\n", messages ? "pipe" : "tmpfile", strerror(errno));
		if (messages)
			fclose(messages);
		free(argv);
		return NULL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "onc: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		fclose(messages);
		free(argv);
		return NULL;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fileno(messages), STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(cpp, (char *const *)argv);
		fprintf(stderr, "onc: cannot run %s: %s\n", cpp, strerror(errno));
		_exit(127);
	}
	free(argv);
	close(fds[1]);
	size_t len = 0, cap = 1 << 16;
	char *out = xmalloc(cap);
	ssize_t got;
	while ((got = read(fds[0], out + len, cap - len - 1)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)got;
		if (cap - len <= 1)
			out = xrealloc(out, cap *= 2);
	}
	out[len] = '\0';
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	bool ran = !WIFEXITED(status) || WEXITSTATUS(status) != 127;
	if (ok || !ran || !take_errors(messages, p, d)) {
		copy_messages(messages); /* warnings, or why it failed */
		if (!ok && ran)
			fprintf(stderr, "onc: the preprocessor failed on %s\n", file);
	}
	fclose(messages);
	if (!ok) {
		free(out);
		return NULL;
	}
	return out;
}
