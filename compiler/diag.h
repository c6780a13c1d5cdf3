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

typedef struct diag {
	FILE *out;
	int errors;
	int limit;          /* stop after this many errors */
	diag_file *files;   /* source files read to show lines, kept for reuse */
} diag;

#define DIAG_DEFAULT_LIMIT 20

void diag_init(diag *d, FILE *out);
void diag_free(diag *d);
void diag_error(diag *d, loc where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* True once the error limit has been reached: the caller stops looking for more. */
bool diag_full(const diag *d);

#endif
