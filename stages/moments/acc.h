/* The numeric core of moments: a mergeable accumulator of count, mean and
 * central moments M2..M4 (M_k = sum of w*(x - mean)^k), with min and max.
 *
 * Accuracy: every value is taken relative to a pivot (the first value the
 * accumulator saw), so a large common offset (1e9 + noise) costs nothing;
 * the sum of deviations and M2..M4 are kept as Neumaier-compensated pairs,
 * so long streams of merges do not accumulate rounding. Merges follow
 * Chan, Golub and LeVeque (M2) and Pebay 2008 (M3, M4); adding one value is
 * the same merge with a one-value accumulator (Welford, Terriberry).
 * Bulk unweighted input goes through moments_acc_add_block(), which takes
 * each cache-sized block in two passes (its own mean first, then the
 * deviations from it) and merges the block in: still one pass over the
 * stream, more accurate than a per-value update, and it vectorises. */
#ifndef MOMENTS_ACC_H
#define MOMENTS_ACC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct moments_acc {
	double w;       /* sum of weights: the count when unweighted */
	double pivot;   /* the sums below are of deviations x - pivot */
	double s, s_c;  /* sum of w*(x - pivot), and its compensation */
	double m2, m2_c;
	double m3, m3_c;
	double m4, m4_c;
	double min, max;
} moments_acc;

/* Values that did not take part, and why. */
typedef struct moments_counts {
	int64_t n;      /* values that took part */
	int64_t nulls;
	int64_t nan;
	int64_t posinf;
	int64_t neginf;
} moments_counts;

/* a += b. Returns 0, or -1 (a unchanged) when a count would overflow. */
int moments_counts_add(moments_counts *a, const moments_counts *b);

/* The statistics, each with a flag saying whether it is defined. */
enum moments_stat {
	MOMENTS_MEAN,
	MOMENTS_VAR,
	MOMENTS_SD,
	MOMENTS_SKEW,
	MOMENTS_KURT,
	MOMENTS_MIN,
	MOMENTS_MAX,
	MOMENTS_SUM,
	MOMENTS_NSTATS
};

typedef struct moments_result {
	double v[MOMENTS_NSTATS];
	bool valid[MOMENTS_NSTATS];
} moments_result;

/* Values per block in moments_acc_add_block(): small enough for L1. */
#define MOMENTS_BLOCK 512

void moments_acc_init(moments_acc *a);
/* Sets the pivot of an empty accumulator (it keeps the first one set). */
void moments_acc_set_pivot(moments_acc *a, double pivot);
/* Adds one finite value x with weight w > 0, given also as its deviation
 * d = x - pivot from this accumulator's pivot (set it first): the caller
 * computes d exactly where it can (int64 values near 2^63). */
void moments_acc_add(moments_acc *a, double x, double d, double w);
/* Adds n <= MOMENTS_BLOCK finite values of weight 1, given as deviations
 * d[i] = x - pivot, with lo and hi the least and greatest of the values. */
void moments_acc_add_block(moments_acc *a, const double *d, size_t n, double lo, double hi);
/* a := a merged with b. Order-independent up to rounding. */
void moments_acc_merge(moments_acc *a, const moments_acc *b);
/* The mean (of a non-empty accumulator), rounded once near enough. */
double moments_acc_mean(const moments_acc *a);

/* Final statistics. Sample statistics (var n-1, skew G1, kurt G2) unless
 * population (var n, g1, g2). With propagate, NaN and infinities that were
 * seen make the statistics NaN or infinite as IEEE arithmetic would. */
void moments_acc_result(const moments_acc *a, const moments_counts *c, bool population,
                        bool propagate, moments_result *r);

#endif
