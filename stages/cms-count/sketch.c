/* The count-min sketch's sizing, updates, queries and merges, for the
 * plain, conservative and signed (count-median) variants. */
#include <math.h>
#include <stdlib.h>

#include "sketch.h"

int cms_size_for(double eps, double delta, uint32_t *width_log2, uint32_t *depth,
                 stage_error *err)
{
	double w, d;

	if (!(eps > 0 && eps < 1))
		return stage_error_set(err, STAGE_EXIT_USAGE, "--epsilon must lie in (0, 1)");
	if (!(delta > 0 && delta < 1))
		return stage_error_set(err, STAGE_EXIT_USAGE, "--delta must lie in (0, 1)");
	w = ceil(M_E / eps);
	d = ceil(log(1 / delta));
	for (*width_log2 = 0; *width_log2 <= CMS_MAX_WIDTH_LOG2 && ldexp(1, (int)*width_log2) < w;
	     (*width_log2)++)
		;
	if (*width_log2 > CMS_MAX_WIDTH_LOG2)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--epsilon %g needs a width over 2^%d counters", eps,
		                       CMS_MAX_WIDTH_LOG2);
	if (d > CMS_MAX_DEPTH)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--delta %g needs a depth over %d",
		                       delta, CMS_MAX_DEPTH);
	*depth = d < 1 ? 1 : (uint32_t)d;
	return 0;
}

int cms_sketch_init(cms_sketch *s, uint32_t width_log2, uint32_t depth, uint64_t seed,
                    int variant, stage_error *err)
{
	*s = (cms_sketch){.width_log2 = width_log2, .depth = depth, .seed = seed,
	                  .variant = variant};
	s->counters = calloc((size_t)depth << width_log2, sizeof *s->counters);
	if (!s->counters)
		return stage_error_oom(err, "sketch counters");
	return 0;
}

void cms_sketch_release(cms_sketch *s)
{
	free(s->counters);
	s->counters = NULL;
}

double cms_sketch_epsilon(const cms_sketch *s)
{
	return M_E / (double)cms_sketch_width(s);
}

double cms_sketch_delta(const cms_sketch *s)
{
	return exp(-(double)s->depth);
}

uint64_t cms_sketch_error_bound(const cms_sketch *s)
{
	double k = s->variant == CMS_SIGNED ? 3 : 1;

	return (uint64_t)floor(k * cms_sketch_epsilon(s) * (double)s->n);
}

const char *cms_variant_name(int variant)
{
	switch (variant) {
	case CMS_PLAIN: return "plain";
	case CMS_CONSERVATIVE: return "conservative";
	default: return "signed";
	}
}

cms_hash128 cms_sketch_hash(const cms_sketch *s, const void *key, size_t n)
{
	return cms_hash(key, n, s->seed);
}

/* The counter of row i: a slice of width_log2 bits of the key's hash.
 * When the rows need more than the 128 bits, further bits come from
 * hashes of the hash with other seeds. */
static inline uint64_t *cell(const cms_sketch *s, uint32_t i, const uint64_t *bits)
{
	uint32_t b = s->width_log2, at = i * b, word = at / 64, off = at % 64;
	uint64_t v = bits[word] >> off;

	if (off + b > 64)
		v |= bits[word + 1] << (64 - off);
	return &s->counters[((uint64_t)i << b) + (v & (cms_sketch_width(s) - 1))];
}

/* All the bits the rows take: 128 from the key's hash, then as many more
 * as needed. */
static void row_bits(const cms_sketch *s, cms_hash128 h, uint64_t *bits)
{
	uint32_t words = (s->depth * s->width_log2 + 63) / 64 + 1;

	bits[0] = h.lo;
	bits[1] = h.hi;
	for (uint32_t k = 2; k < words; k += 2) {
		cms_hash128 more = cms_hash(&h, sizeof h, s->seed + k);

		bits[k] = more.lo;
		bits[k + 1] = more.hi;
	}
}

#define BITS_WORDS (CMS_MAX_DEPTH * CMS_MAX_WIDTH_LOG2 / 64 + 3)

/* The median of v[0..n), the two middle values' mean rounded down when n
 * is even; v is reordered. */
static int64_t median(int64_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		int64_t x = v[i];
		uint32_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	if (n % 2)
		return v[n / 2];
	/* floor((a + b) / 2) without overflow */
	return (v[n / 2 - 1] & v[n / 2]) + ((v[n / 2 - 1] ^ v[n / 2]) >> 1);
}

/* The estimate from the d counters of a key (their values in v). */
static int64_t estimate_of(const cms_sketch *s, int64_t *v)
{
	int64_t est = INT64_MAX;

	if (s->variant == CMS_SIGNED)
		return median(v, s->depth);
	for (uint32_t i = 0; i < s->depth; i++)
		est = v[i] < est ? v[i] : est;
	return est;
}

int64_t cms_sketch_add(cms_sketch *s, cms_hash128 h, int64_t weight)
{
	uint64_t bits[BITS_WORDS], *c[CMS_MAX_DEPTH];
	int64_t v[CMS_MAX_DEPTH], est = INT64_MAX;

	/* Counters never pass INT64_MAX in magnitude (the caller bounds n),
	 * so unsigned wrap-around adds a negative weight exactly. */
	s->n += weight < 0 ? 0 - (uint64_t)weight : (uint64_t)weight;
	if (s->variant == CMS_PLAIN && s->depth * s->width_log2 <= 64) {
		/* the common case, kept simple for speed: all rows from h.lo */
		uint64_t x = h.lo, mask = cms_sketch_width(s) - 1, *row = s->counters;

		for (uint32_t i = 0; i < s->depth; i++, row += mask + 1, x >>= s->width_log2) {
			uint64_t *cell = &row[x & mask];

			*cell += (uint64_t)weight;
			est = (int64_t)*cell < est ? (int64_t)*cell : est;
		}
		return est;
	}
	row_bits(s, h, bits);
	for (uint32_t i = 0; i < s->depth; i++) {
		c[i] = cell(s, i, bits);
		if (s->variant != CMS_CONSERVATIVE)
			*c[i] += (uint64_t)weight;
		v[i] = (int64_t)*c[i];
	}
	est = estimate_of(s, v);
	if (s->variant != CMS_CONSERVATIVE)
		return est;
	est += weight;
	for (uint32_t i = 0; i < s->depth; i++)
		if ((int64_t)*c[i] < est)
			*c[i] = (uint64_t)est;
	return est;
}

int64_t cms_sketch_query(const cms_sketch *s, cms_hash128 h)
{
	uint64_t bits[BITS_WORDS];
	int64_t v[CMS_MAX_DEPTH];

	row_bits(s, h, bits);
	for (uint32_t i = 0; i < s->depth; i++)
		v[i] = (int64_t)*cell(s, i, bits);
	return estimate_of(s, v);
}

const char *cms_sketch_mismatch(const cms_sketch *a, const cms_sketch *b)
{
	if (a->width_log2 != b->width_log2)
		return "widths differ";
	if (a->depth != b->depth)
		return "depths differ";
	if (a->seed != b->seed)
		return "seeds differ";
	if (a->variant != b->variant) {
		/* one message for each pair, naming both */
		static const char *const pair[3] = {
			"one is conservative, the other plain",
			"one is signed, the other plain",
			"one is signed, the other conservative",
		};

		return pair[a->variant + b->variant - 1];
	}
	return NULL;
}

int cms_sketch_merge(cms_sketch *a, const cms_sketch *b)
{
	size_t n = (size_t)a->depth << a->width_log2;

	if (__builtin_add_overflow(a->n, b->n, &a->n) || a->n > INT64_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int64_t x = (int64_t)a->counters[i], y = (int64_t)b->counters[i], sum;

		if (__builtin_add_overflow(x, y, &sum))
			return -1;
		a->counters[i] = (uint64_t)sum;
	}
	return 0;
}
