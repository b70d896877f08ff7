/* Heavy-hitter candidates: the keys with the largest estimates seen at
 * their last update, at most `cap` of them, in a min-heap by estimate
 * with a hash index to find a key again. An update costs a comparison
 * with the heap's least estimate unless the key is a contender, so the
 * long tail of a stream passes at the price of one compare. Estimates
 * may also fall (signed sketches); a candidate that falls to the least
 * estimate or below keeps its place until a heavier key pushes it out. */
#ifndef CMS_HEAVY_H
#define CMS_HEAVY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "stage_error.h"

typedef struct cms_candidate {
	cms_hash128 h;
	int64_t estimate;
	uint8_t *key;      /* owned; NULL for the null key */
	uint32_t len;
	uint32_t slot;     /* its entry in the index */
	bool null;
} cms_candidate;

typedef struct cms_heavy {
	cms_candidate *heap;   /* heap[0] has the least estimate */
	size_t n, cap;
	uint32_t *index;       /* open addressing: heap position + 1, 0 empty */
	size_t index_mask;
	bool failed;           /* out of memory: reported at the end */
} cms_heavy;

int cms_heavy_init(cms_heavy *hh, size_t cap, stage_error *err);
void cms_heavy_release(cms_heavy *hh);
/* qsort order: heaviest first, then the null key, then by key bytes. */
int cms_candidate_order(const void *a, const void *b);
/* A key's new estimate after an update. */
void cms_heavy_offer(cms_heavy *hh, cms_hash128 h, const void *key, size_t len, bool null,
                     int64_t estimate);

#endif
