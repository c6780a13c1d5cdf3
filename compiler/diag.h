/* onc gen — error messages: `file:line:col: error: text`, then the source line and a caret. */
#ifndef ONC_COMPILER_DIAG_H
#define ONC_COMPILER_DIAG_H

#include <stdbool.h>
#include <stdio.h>

/* A position in an original source file (after following the preprocessor's line markers). */
typedef struct loc {
	const char *file;
	int line; /* 1-based */
	int col;  /* 1-based, in bytes */
} loc;

typedef struct diag_file diag_file;
typedef struct diag_msg diag_msg;

/* Errors are kept until diag_flush() prints them in source order, whichever phase found
 * them (the checks go over the file more than once). */
typedef struct diag {
	FILE *out;
	int errors;
	int limit;          /* stop after this many errors */
	diag_file *files;   /* source files read to show lines, kept for reuse */
	diag_msg *msgs;     /* the errors not printed yet */
	size_t nmsgs;
} diag;

#define DIAG_DEFAULT_LIMIT 20

void diag_init(diag *d, FILE *out);
/* Frees what the diag holds; errors not flushed are dropped. */
void diag_free(diag *d);
void diag_error(diag *d, loc where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints the errors so far, ordered by file (in the order the errors name them), line and
 * column, each with its source line and a caret. */
void diag_flush(diag *d);
/* True once the error limit has been reached: the caller stops looking for more. */
bool diag_full(const diag *d);

#endif
