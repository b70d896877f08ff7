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
 * rows and sums of such sketches only bound it.
 *
 * The signed sketch takes negative weights too (a turnstile stream:
 * insertions and deletions) in int64 counters, and estimates a key by the
 * median of its d counters instead of the least (Cormode and Muthukrishnan's
 * count-median, section 4.1): the estimate is within 3 eps ||a||_1 of the
 * key's count with probability at least 1 - delta^(1/4), where ||a||_1 is
 * the sum of the absolute counts. It stays linear; n then sums the absolute
 * weights, a bound on ||a||_1 that also bounds every counter. */
#ifndef CMS_SKETCH_H
#define CMS_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "stage_error.h"

#define CMS_MAX_DEPTH 64
#define CMS_MAX_WIDTH_LOG2 30

/* The variant, as the sketch file stores it. */
enum cms_variant {
	CMS_PLAIN = 0,
	CMS_CONSERVATIVE = 1,
	CMS_SIGNED = 2,
};

typedef struct cms_sketch {
	uint32_t width_log2;
	uint32_t depth;
	uint64_t seed;
	int variant;         /* enum cms_variant */
	uint64_t n;          /* total weight added (signed: of absolute weights) */
	uint64_t *counters;  /* depth rows of 2^width_log2; signed: int64 bits */
} cms_sketch;

/* The width (a power of two, at least e/eps) and depth for eps and delta. */
int cms_size_for(double eps, double delta, uint32_t *width_log2, uint32_t *depth,
                 stage_error *err);
int cms_sketch_init(cms_sketch *s, uint32_t width_log2, uint32_t depth, uint64_t seed,
                    int variant, stage_error *err);
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
 * caller has checked that n + |weight| stays at most INT64_MAX (so no
 * counter can overflow either) and that only a signed sketch gets a
 * negative weight. */
int64_t cms_sketch_add(cms_sketch *s, cms_hash128 h, int64_t weight);
/* The estimate of the key with hash h: the least counter, or the median
 * (of the two middle ones, rounded down) for a signed sketch. */
int64_t cms_sketch_query(const cms_sketch *s, cms_hash128 h);
/* What an estimate may be off by for the guarantee: eps*N above the
 * count (plain, conservative), 3 eps N either way (signed); rounded down. */
uint64_t cms_sketch_error_bound(const cms_sketch *s);
/* a += b (same size, seed and variant: checked by the caller). Returns -1
 * when a counter or n would pass INT64_MAX (or INT64_MIN). */
int cms_sketch_merge(cms_sketch *a, const cms_sketch *b);
/* "plain", "conservative" or "signed". */
const char *cms_variant_name(int variant);
/* NULL when a and b can be merged, else what differs. */
const char *cms_sketch_mismatch(const cms_sketch *a, const cms_sketch *b);

#endif
