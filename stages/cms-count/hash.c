/* Two 64-bit lanes, each absorbing 8 bytes at a time through a 64x64->128
 * multiplication folded back to 64 bits (the high half carries the mixing
 * of every input bit), crossed at every step and finished with a
 * murmur-style avalanche. */
#include <string.h>

#include "hash.h"

static const uint64_t K0 = 0x9e3779b97f4a7c15ULL;
static const uint64_t K1 = 0xc2b2ae3d27d4eb4fULL;
static const uint64_t K2 = 0x165667b19e3779f9ULL;
static const uint64_t K3 = 0xd6e8feb86659fd93ULL;

static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

static inline uint64_t avalanche(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The last 1 to 16 bytes as two words, with loads of fixed size (they may
 * overlap; the length, mixed in separately, tells the cases apart). */
static inline void tail(const uint8_t *p, size_t n, uint64_t *x, uint64_t *y)
{
	if (n >= 8) {
		*x = load64(p);
		*y = load64(p + n - 8);
	} else if (n >= 4) {
		*x = load32(p) | load32(p + n - 4) << 32;
		*y = 0;
	} else {
		*x = (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16;
		*y = 0;
	}
}

cms_hash128 cms_hash(const void *data, size_t n, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t a = seed ^ K0, b = (seed * K1) ^ K2 ^ n, x, y;
	size_t i = 0;

	for (; i + 16 < n; i += 16) {
		a = fold_mul(a ^ load64(p + i), K1) + b;
		b = fold_mul(b ^ load64(p + i + 8), K3) + a;
	}
	if (i < n) {
		tail(p + i, n - i, &x, &y);
		a = fold_mul(a ^ x, K1) + b;
		b = fold_mul(b ^ y, K3) + a;
	}
	a = fold_mul(a ^ K2, b ^ K3);
	b = fold_mul(b ^ K0, a ^ K1);
	return (cms_hash128){avalanche(a ^ n), avalanche(b + seed)};
}
