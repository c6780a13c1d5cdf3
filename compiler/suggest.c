#include "suggest.h"

#include <stdio.h>
#include <string.h>

/* Names are at most 255 characters (the lexer's limit); longer ones are not compared. */
#define MAX_LEN 256

suggestion suggest_start(const char *name)
{
	return (suggestion){ .name = name };
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* The optimal string alignment distance: insertions, deletions, substitutions and swaps of
 * neighbours, each one edit; three rows. */
static size_t distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t rows[3][MAX_LEN + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[m];
}

void suggest_consider(suggestion *s, const char *candidate)
{
	size_t n = strlen(s->name), m = strlen(candidate);
	size_t limit = n <= 4 ? 1 : 2;
	if (n >= MAX_LEN || m >= MAX_LEN || (n > m ? n - m : m - n) > limit ||
	    strcmp(s->name, candidate) == 0)
		return;
	size_t d = distance(s->name, n, candidate, m);
	if (d > limit || 2 * d >= n)
		return;
	if (!s->best || d < s->distance || (d == s->distance && strcmp(candidate, s->best) < 0)) {
		s->best = candidate;
		s->distance = d;
	}
}

const char *suggest_text(const suggestion *s, char *buf, size_t size)
{
	if (!s->best)
		return "";
	snprintf(buf, size, "; did you mean '%s'?", s->best);
	return buf;
}
