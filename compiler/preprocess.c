#include "preprocess.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pool.h"

char *preprocess(const char *file, const char *define, const char *const *args, size_t nargs)
{
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
	if (pipe(fds) != 0) {
		fprintf(stderr, "onc: pipe: %s\n", strerror(errno));
		free(argv);
		return NULL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "onc: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		free(argv);
		return NULL;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
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
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 127)
			fprintf(stderr, "onc: the preprocessor failed on %s\n", file);
		free(out);
		return NULL;
	}
	return out;
}
