/* The benchmarks' generator: xoshiro256**, seeded by splitmix64, and
 * uniform doubles in [0, 1). One generator a program. */
#ifndef BENCH_RNG_H
#define BENCH_RNG_H

#include <stdint.h>

static uint64_t st[4];

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(void)
{
	uint64_t r = rotl(st[1] * 5, 7) * 9, t = st[1] << 17;
	st[2] ^= st[0];
	st[3] ^= st[1];
	st[1] ^= st[2];
	st[0] ^= st[3];
	st[2] ^= t;
	st[3] = rotl(st[3], 45);
	return r;
}

static void rng_seed(uint64_t s)
{
	for (int i = 0; i < 4; i++) { /* splitmix64 */
		uint64_t z = (s += 0x9e3779b97f4a7c15u);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		st[i] = z ^ (z >> 31);
	}
}

static double unif(void) /* [0, 1) */
{
	return (double)(rng_next() >> 11) * 0x1.0p-53;
}

#endif
