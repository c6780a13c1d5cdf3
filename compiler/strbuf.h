/* onc gen — a growable text buffer that generated files are written into before they are
 * saved, so that a failed run leaves no half-written file. */
#ifndef ONC_COMPILER_STRBUF_H
#define ONC_COMPILER_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strbuf {
	char *data;
	size_t len;
	size_t cap;
} strbuf;

void strbuf_free(strbuf *b);
void strbuf_putn(strbuf *b, const char *s, size_t n);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the buffer to path through a temporary file in the same directory and a rename;
 * on failure prints a message and returns false, leaving no file behind. */
bool strbuf_save(const strbuf *b, const char *path);

#endif
