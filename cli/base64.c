#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void base64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		for (int k = 0; k < 4; k++)
			*out++ = alphabet[w >> (18 - 6 * k) & 63];
	}
	if (i < n) {
		uint32_t w = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		*out++ = alphabet[w >> 18 & 63];
		*out++ = alphabet[w >> 12 & 63];
		*out++ = i + 1 < n ? alphabet[w >> 6 & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

bool base64_decode(const char *in, size_t len, uint8_t *out, size_t *n)
{
	if (len % 4)
		return false;
	*n = 0;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int pad = last && in[i + 3] == '=' ? in[i + 2] == '=' ? 2 : 1 : 0;
		uint32_t w = 0;
		for (int k = 0; k < 4; k++) {
			int s = k >= 4 - pad ? 0 : sextet(in[i + k]);
			if (s < 0)
				return false;
			w = w << 6 | (uint32_t)s;
		}
		/* the bits under the padding must be zero: one text per value */
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return false;
		for (int k = 0; k < 3 - pad; k++)
			out[(*n)++] = (uint8_t)(w >> (16 - 8 * k));
	}
	return true;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_decode(const char *in, size_t len, uint8_t *out)
{
	if (len % 2)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		int hi = nibble(in[i]), lo = nibble(in[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}
