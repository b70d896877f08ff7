/* The count-min sketch (Cormode and Muthukrishnan 2005): depth rows of
 * width 64-bit counters; a key adds its weight to one counter per row,
 * chosen by a slice of its hash, and its estimate is the least of those
 * counters. With width w = e/eps and depth d = ln(1/delta), an estimate is
 * never below the key's count and exceeds it by more than eps*N with
 * probability at most delta (N: the total weight).
 *
 * The plain sketch is linear: sketches of parts add up, counter by
 * counter, to the sketch of the whole. The conservative update
 * (Estan and Varghese 2002) raises only the counters below the new
 * estimate: smaller errors, but the result depends on the order of the
 * rows and sums of such sketches only bound it. */
#ifndef CMS_SKETCH_H
#define CMS_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "stage_error.h"

#define CMS_MAX_DEPTH 64
#define CMS_MAX_WIDTH_LOG2 30

typedef struct cms_sketch {
	uint32_t width_log2;
	uint32_t depth;
	uint64_t seed;
	bool conservative;
	uint64_t n;          /* total weight added */
	uint64_t *counters;  /* depth rows of 2^width_log2 */
} cms_sketch;

/* The width (a power of two, at least e/eps) and depth for eps and delta. */
int cms_size_for(double eps, double delta, uint32_t *width_log2, uint32_t *depth,
                 stage_error *err);
int cms_sketch_init(cms_sketch *s, uint32_t width_log2, uint32_t depth, uint64_t seed,
                    bool conservative, stage_error *err);
void cms_sketch_release(cms_sketch *s);
static inline uint64_t cms_sketch_width(const cms_sketch *s)
{
	return (uint64_t)1 << s->width_log2;
}
/* eps and delta as the sketch's size gives them: e / width, e^-depth. */
double cms_sketch_epsilon(const cms_sketch *s);
double cms_sketch_delta(const cms_sketch *s);

/* The key's hash for this sketch (its seed). */
cms_hash128 cms_sketch_hash(const cms_sketch *s, const void *key, size_t n);
/* Adds weight to the key with hash h and returns its new estimate. The
 * caller has checked that n + weight does not overflow. */
uint64_t cms_sketch_add(cms_sketch *s, cms_hash128 h, uint64_t weight);
/* The estimate of the key with hash h. */
uint64_t cms_sketch_query(const cms_sketch *s, cms_hash128 h);
/* a += b (same size, seed and variant: checked by the caller). Returns -1
 * when a counter or n would overflow. */
int cms_sketch_merge(cms_sketch *a, const cms_sketch *b);
/* NULL when a and b can be merged, else what differs. */
const char *cms_sketch_mismatch(const cms_sketch *a, const cms_sketch *b);

#endif
