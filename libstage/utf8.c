/* UTF-8 validation for utf8 columns read from untrusted input: ASCII runs
 * are checked eight bytes at a time, the rest by the Unicode table 3-7 rules
 * (no overlongs, no surrogates, nothing past U+10FFFF). */
#include "stage_internal.h"

int stage__utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		uint8_t c = p[i];
		size_t len;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
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
		if (n - i < len || p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (size_t k = 2; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}
