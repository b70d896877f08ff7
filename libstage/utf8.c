/* UTF-8 validation for utf8 columns read from untrusted input: ASCII runs
 * are checked eight bytes at a time, the rest by the Unicode table 3-7 rules
 * (no overlongs, no surrogates, nothing past U+10FFFF). */
#include "stage_internal.h"

int stage__ascii(const uint8_t *p, size_t n)
{
	uint64_t acc = 0, w[4];
	size_t i = 0;

	/* Four words per step: the compiler keeps them in one vector register. */
	for (; i + 32 <= n; i += 32) {
		memcpy(w, p + i, 32);
		acc |= w[0] | w[1] | w[2] | w[3];
		if (acc & 0x8080808080808080ull)
			return 0;
	}
	for (; i < n; i++)
		acc |= p[i];
	return !(acc & 0x8080808080808080ull) && !(acc & 0x80);
}

size_t stage__utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

int stage__utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t len;

		if (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		len = stage__utf8_seq(p + i, n - i);
		if (!len)
			return 0;
		i += len;
	}
	return 1;
}
