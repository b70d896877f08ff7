/* A seeded 128-bit hash of a byte string, for slicing into the sketch's
 * row indexes. Every bit depends on every input bit and on the seed, so
 * the slices behave as independent hash functions: two keys that collide
 * in one row are no more likely to collide in another (double hashing,
 * h1 + i*h2, would make them collide in all rows). */
#ifndef CMS_HASH_H
#define CMS_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct cms_hash128 {
	uint64_t lo, hi;
} cms_hash128;

cms_hash128 cms_hash(const void *p, size_t n, uint64_t seed);

#endif
