/* What the moments unit tests compare against: the statistics of a list of
 * (value, weight) pairs computed directly in long double with two passes
 * (textbook formulas, nothing shared with stages/moments), a seeded random
 * source, and the comparison of a moments_result with a reference. */
#ifndef MOMENTS_REF_H
#define MOMENTS_REF_H

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acc.h"

/* splitmix64: deterministic, so a failure reproduces. */
typedef struct ref_rng {
	uint64_t s;
} ref_rng;

static inline uint64_t ref_next(ref_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double ref_uniform(ref_rng *r)
{
	return (double)(ref_next(r) >> 11) * 0x1p-53;
}

/* Uniform integer in [0, n). */
static inline uint64_t ref_below(ref_rng *r, uint64_t n)
{
	return ref_next(r) % n;
}

/* Standard normal (Box-Muller). */
static inline double ref_normal(ref_rng *r)
{
	double u = ref_uniform(r), v = ref_uniform(r);

	return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

/* The reference statistics, with the scale that errors in the mean and
 * the sum are measured against (the mean of |x|: the mean of data that
 * cancels is only known to that precision). */
typedef struct ref_result {
	long double v[MOMENTS_NSTATS];
	bool valid[MOMENTS_NSTATS];
	long double w, abs_mean;
} ref_result;

/* Statistics of x[0..n) with weights wt (NULL: all 1; weights are
 * frequencies). Sample statistics: var with W - 1, G1, G2; population:
 * var with W, g1, g2. */
static inline void ref_stats(const double *x, const double *wt, size_t n, bool population,
                             ref_result *r)
{
	long double w = 0, shift = 0, s = 0, mean, m2 = 0, m3 = 0, m4 = 0, c = 0, a = 0;
	long double lo = INFINITY, hi = -INFINITY;

	for (int i = 0; i < MOMENTS_NSTATS; i++) {
		r->v[i] = 0;
		r->valid[i] = false;
	}
	for (size_t i = 0; i < n; i++) {
		long double wi = wt ? wt[i] : 1;

		if (w == 0)
			shift = x[i];
		w += wi;
		s += wi * ((long double)x[i] - shift);
		a += wi * fabsl((long double)x[i]);
		if (x[i] < lo)
			lo = x[i];
		if (x[i] > hi)
			hi = x[i];
	}
	r->w = w;
	r->abs_mean = 0;
	if (w == 0)
		return;
	/* Everything relative to the first value, exact in long double: a mean
	 * near 1e9 would itself be rounded to 1e-10. Second pass: the first
	 * pass's mean corrected by the mean deviation from it. */
	mean = s / w;
	for (size_t i = 0; i < n; i++)
		c += (wt ? wt[i] : 1) * (((long double)x[i] - shift) - mean);
	mean += c / w;
	for (size_t i = 0; i < n; i++) {
		long double wi = wt ? wt[i] : 1, e = ((long double)x[i] - shift) - mean;

		m2 += wi * e * e;
		m3 += wi * e * e * e;
		m4 += wi * e * e * e * e;
	}
	r->abs_mean = a / w;
	r->v[MOMENTS_MEAN] = shift + mean;
	r->v[MOMENTS_SUM] = shift * w + s;
	r->v[MOMENTS_MIN] = lo;
	r->v[MOMENTS_MAX] = hi;
	r->valid[MOMENTS_MEAN] = r->valid[MOMENTS_SUM] = true;
	r->valid[MOMENTS_MIN] = r->valid[MOMENTS_MAX] = true;
	if (population || w > 1) {
		r->v[MOMENTS_VAR] = m2 / (population ? w : w - 1);
		r->v[MOMENTS_SD] = sqrtl(r->v[MOMENTS_VAR]);
		r->valid[MOMENTS_VAR] = r->valid[MOMENTS_SD] = true;
	}
	if (m2 == 0)
		return;
	{
		long double g1 = (m3 / w) / powl(m2 / w, 1.5L);
		long double g2 = (m4 / w) / ((m2 / w) * (m2 / w)) - 3;

		if (population) {
			r->v[MOMENTS_SKEW] = g1;
			r->v[MOMENTS_KURT] = g2;
			r->valid[MOMENTS_SKEW] = r->valid[MOMENTS_KURT] = true;
			return;
		}
		if (w > 2) {
			r->v[MOMENTS_SKEW] = g1 * sqrtl(w * (w - 1)) / (w - 2);
			r->valid[MOMENTS_SKEW] = true;
		}
		if (w > 3) {
			r->v[MOMENTS_KURT] = (w - 1) / ((w - 2) * (w - 3)) * ((w + 1) * g2 + 6);
			r->valid[MOMENTS_KURT] = true;
		}
	}
}

static const char *const ref_stat_names[MOMENTS_NSTATS] = {
	"mean", "var", "sd", "skew", "kurt", "min", "max", "sum",
};

/* Checks r against the reference: the same statistics defined; min and
 * max exact; var and sd within tol relative; mean and sum within tol of
 * the mean of |x| (times W for the sum); skew and kurt, dimensionless and
 * often near 0, within tol * max(1, |reference|). */
static inline void ref_check(const moments_result *r, const ref_result *ref, double tol,
                             const char *what)
{
	for (int i = 0; i < MOMENTS_NSTATS; i++) {
		long double want = ref->v[i], scale, err;

		ck_assert_msg(r->valid[i] == ref->valid[i], "%s: %s is %s, expected %s", what,
		              ref_stat_names[i], r->valid[i] ? "defined" : "null",
		              ref->valid[i] ? "defined" : "null");
		if (!ref->valid[i])
			continue;
		switch (i) {
		case MOMENTS_MIN:
		case MOMENTS_MAX:
			ck_assert_msg((long double)r->v[i] == want, "%s: %s %.17g, expected %.17Lg",
			              what, ref_stat_names[i], r->v[i], want);
			continue;
		case MOMENTS_MEAN:
			scale = ref->abs_mean;
			break;
		case MOMENTS_SUM:
			scale = ref->abs_mean * ref->w;
			break;
		case MOMENTS_SKEW:
		case MOMENTS_KURT:
			scale = fabsl(want) > 1 ? fabsl(want) : 1;
			break;
		default:
			scale = fabsl(want);
			break;
		}
		err = fabsl((long double)r->v[i] - want);
		ck_assert_msg(err <= tol * scale,
		              "%s: %s %.17g, expected %.17Lg (error %.3Lg of scale %.3Lg, tolerance %g)",
		              what, ref_stat_names[i], r->v[i], want, err, scale, tol);
	}
}

#endif
