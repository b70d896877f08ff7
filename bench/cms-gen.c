/* Test data for the cms-count benchmarks: N lines on stdout whose first
 * field is a key drawn from KEYS distinct keys, Zipf-distributed (exponent
 * S, rank 1 the most frequent) or uniform, with a fixed seed.
 *
 *   cms-gen log|int zipf|uniform N KEYS [S] [SEED]
 *
 * log: access-log lines, "IP GET /item/NNN 200 BYTES", the key being the
 *      IP address (a bijective scramble of the rank, so frequency has
 *      nothing to do with sort order);
 * int: one int64 a line, a scramble of the rank into [0, 2^62).
 * Zipf sampling and the generator: bench/cms-zipf.h.
 * Build: cc -O2 -o cms-gen bench/cms-gen.c -lm (bench/cms-count-*.sh do). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms-zipf.h"

static char *put_u(char *p, uint64_t v)
{
	char t[24];
	int n = 0;
	do
		t[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = t[--n];
	return p;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 7 || (strcmp(argv[1], "log") && strcmp(argv[1], "int")) ||
	    (strcmp(argv[2], "zipf") && strcmp(argv[2], "uniform"))) {
		fprintf(stderr, "usage: cms-gen log|int zipf|uniform N KEYS [S] [SEED]\n");
		return 2;
	}
	int is_log = !strcmp(argv[1], "log"), is_zipf = !strcmp(argv[2], "zipf");
	uint64_t n = strtoull(argv[3], NULL, 10), keys = strtoull(argv[4], NULL, 10);
	double s = argc > 5 ? strtod(argv[5], NULL) : 1.1;
	if (keys < 1 || (is_log && keys > UINT32_MAX) || !(s > 0) || s == 1) {
		fprintf(stderr, "cms-gen: KEYS must be 1..2^32-1 (log), S > 0 and not 1\n");
		return 2;
	}
	rng_seed(argc > 6 ? strtoull(argv[6], NULL, 10) : 42);
	if (is_zipf)
		zipf_init(s, keys);
	static char buf[1 << 20];
	char *p = buf;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = is_zipf ? zipf() - 1 : rng_next() % keys;
		if (is_log) {
			/* odd multiplier and xor: a bijection on 32 bits */
			uint32_t ip = (uint32_t)k * 2654435761u ^ 0x5bd1e995u;
			for (int b = 3; b >= 0; b--) {
				p = put_u(p, (ip >> (8 * b)) & 255);
				*p++ = b ? '.' : ' ';
			}
			memcpy(p, "GET /item/", 10);
			p = put_u(p + 10, rng_next() % 100000);
			memcpy(p, " 200 ", 5);
			p = put_u(p + 5, 200 + rng_next() % 50000);
		} else {
			/* odd multiplier: a bijection mod 2^62 */
			p = put_u(p, (k * 0x9e3779b97f4a7c15u) & (((uint64_t)1 << 62) - 1));
		}
		*p++ = '\n';
		if (p - buf > (long)sizeof buf - 128) {
			if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf))
				return 1;
			p = buf;
		}
	}
	if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf) || fflush(stdout))
		return 1;
	return 0;
}
