/* moments' accumulator and statistics: exact small cases, when each
 * statistic is null, weights as frequencies, one value at a time against
 * blocks against merges of random splits (all checked against a long
 * double two-pass reference), NaN and infinities, count overflow. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "acc.h"
#include "feed.h"
#include "moments_ref.h"
#include "run_suite.h"

/* Agreement asked of every path on random data: a few hundred ulps. */
#define TOL 1e-13

static const moments_counts no_counts;

/* x[0..n) one value at a time, pivoted on x[0], each with weight w. */
static void feed_add(moments_acc *a, const double *x, size_t n, double w)
{
	for (size_t i = 0; i < n; i++) {
		moments_acc_set_pivot(a, x[i]);
		moments_acc_add(a, x[i], x[i] - a->pivot, w);
	}
}

/* x[0..n) in blocks of random sizes (1 to MOMENTS_BLOCK). */
static void feed_blocks(moments_acc *a, const double *x, size_t n, ref_rng *rng)
{
	double d[MOMENTS_BLOCK];

	if (n)
		moments_acc_set_pivot(a, x[0]);
	for (size_t i = 0; i < n;) {
		size_t m = 1 + ref_below(rng, MOMENTS_BLOCK);
		double lo = INFINITY, hi = -INFINITY;

		if (m > n - i)
			m = n - i;
		for (size_t k = 0; k < m; k++) {
			d[k] = x[i + k] - a->pivot;
			lo = fmin(lo, x[i + k]);
			hi = fmax(hi, x[i + k]);
		}
		moments_acc_add_block(a, d, m, lo, hi);
		i += m;
	}
}

static void result_of(const moments_acc *a, bool population, moments_result *r)
{
	moments_acc_result(a, &no_counts, population, false, r);
}

/* Checks a against the reference statistics of x, sample and population. */
static void check_acc(const moments_acc *a, const double *x, const double *w, size_t n,
                      double tol, const char *what)
{
	for (int pop = 0; pop < 2; pop++) {
		moments_result r;
		ref_result ref;
		char label[128];

		snprintf(label, sizeof label, "%s (%s)", what, pop ? "population" : "sample");
		ref_stats(x, w, n, pop, &ref);
		result_of(a, pop, &r);
		ref_check(&r, &ref, tol, label);
	}
}

static void fill_offset(ref_rng *rng, double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = 1e9 + ref_normal(rng);
}

/* Values over eight orders of magnitude around three centres. */
static void fill_mixed(ref_rng *rng, double *x, size_t n)
{
	static const double centre[] = {0, 1e6, -3e3};

	for (size_t i = 0; i < n; i++)
		x[i] = centre[ref_below(rng, 3)] + ref_normal(rng) * pow(10, 8 * ref_uniform(rng) - 4);
}

/* ---- exact small cases ------------------------------------------------ */

static void check_1234(const moments_acc *a, const char *what)
{
	moments_result r;

	result_of(a, false, &r);
	for (int i = 0; i < MOMENTS_NSTATS; i++)
		ck_assert_msg(r.valid[i], "%s: %s is null", what, ref_stat_names[i]);
	ck_assert_double_eq_tol(r.v[MOMENTS_MEAN], 2.5, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_VAR], 5.0 / 3, 4e-16);
	ck_assert_double_eq_tol(r.v[MOMENTS_SD], sqrt(5.0 / 3), 4e-16);
	ck_assert_double_eq_tol(r.v[MOMENTS_SKEW], 0, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_KURT], -1.2, 1e-15);
	ck_assert_double_eq(r.v[MOMENTS_MIN], 1);
	ck_assert_double_eq(r.v[MOMENTS_MAX], 4);
	ck_assert_double_eq_tol(r.v[MOMENTS_SUM], 10, 1e-15);

	result_of(a, true, &r);
	ck_assert_double_eq_tol(r.v[MOMENTS_VAR], 1.25, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_SD], sqrt(1.25), 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_SKEW], 0, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_KURT], -1.36, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_MEAN], 2.5, 1e-15);
}

START_TEST(exact_1234)
{
	static const double x[] = {1, 2, 3, 4}, dx[] = {0, 1, 2, 3};
	moments_acc a, b, c;
	ref_rng rng = {1};

	moments_acc_init(&a);
	feed_add(&a, x, 4, 1);
	check_1234(&a, "one at a time");

	moments_acc_init(&a);
	moments_acc_set_pivot(&a, 1);
	moments_acc_add_block(&a, dx, 4, 1, 4);
	check_1234(&a, "one block");

	moments_acc_init(&a);
	feed_blocks(&a, x, 4, &rng);
	check_1234(&a, "random blocks");

	/* {1, 2} and {3, 4}, each pivoted on its first value */
	moments_acc_init(&a);
	moments_acc_init(&b);
	feed_add(&a, x, 2, 1);
	feed_add(&b, x + 2, 2, 1);
	moments_acc_merge(&a, &b);
	check_1234(&a, "merged halves");

	/* {4} into {1, 2, 3}, and {1, 2, 3} into {4} */
	moments_acc_init(&a);
	moments_acc_init(&b);
	feed_add(&a, x, 3, 1);
	feed_add(&b, x + 3, 1, 1);
	c = b;
	moments_acc_merge(&a, &b);
	check_1234(&a, "one value merged in");
	moments_acc_init(&a);
	feed_add(&a, x, 3, 1);
	moments_acc_merge(&c, &a);
	check_1234(&c, "merged into one value");
}
END_TEST

/* 1 with weight 3, 2 with weight 1: {1, 1, 1, 2}. mean 5/4, M2 3/4,
 * M3 3 (-1/4)^3 + (3/4)^3 = 3/8, M4 3/256 + 81/256 = 21/64. */
START_TEST(exact_weighted)
{
	moments_acc a;
	moments_result r;
	double n = 4, m2 = 0.75, m3 = 0.375, m4 = 21.0 / 64;
	double g1 = sqrt(n) * m3 / pow(m2, 1.5), g2 = n * m4 / (m2 * m2) - 3;

	moments_acc_init(&a);
	moments_acc_set_pivot(&a, 1);
	moments_acc_add(&a, 1, 0, 3);
	moments_acc_add(&a, 2, 1, 1);
	result_of(&a, false, &r);
	ck_assert_double_eq_tol(r.v[MOMENTS_MEAN], 1.25, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_VAR], 0.25, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_SUM], 5, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_SKEW], g1 * sqrt(n * (n - 1)) / (n - 2), 1e-14);
	ck_assert_double_eq_tol(r.v[MOMENTS_KURT], ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)),
	                        1e-14);
	ck_assert_double_eq(r.v[MOMENTS_MIN], 1);
	ck_assert_double_eq(r.v[MOMENTS_MAX], 2);
	result_of(&a, true, &r);
	ck_assert_double_eq_tol(r.v[MOMENTS_VAR], 0.1875, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_SKEW], g1, 1e-14);
	ck_assert_double_eq_tol(r.v[MOMENTS_KURT], g2, 1e-14);
}
END_TEST

/* ---- when statistics are null ----------------------------------------- */

static void expect_valid(const moments_result *r, const char *want, const char *what)
{
	/* want: one letter per statistic in enum order, 'y' defined, '-' null */
	for (int i = 0; i < MOMENTS_NSTATS; i++)
		ck_assert_msg(r->valid[i] == (want[i] == 'y'), "%s: %s should be %s", what,
		              ref_stat_names[i], want[i] == 'y' ? "defined" : "null");
}

START_TEST(null_rules)
{
	/*                                  mean var sd skew kurt min max sum */
	static const char *const sample[] = {"--------", "y----yyy", "yyy--yyy", "yyyy-yyy",
	                                     "yyyyyyyy", "yyyyyyyy"};
	static const double x[] = {3, 1, 4, 1, 5};
	moments_acc a;
	moments_result r;
	char what[64];

	for (size_t n = 0; n <= 5; n++) {
		moments_acc_init(&a);
		feed_add(&a, x, n, 1);
		snprintf(what, sizeof what, "n=%zu", n);
		result_of(&a, false, &r);
		expect_valid(&r, sample[n], what);
		/* the same through blocks */
		if (n) {
			ref_rng rng = {n};

			moments_acc_init(&a);
			feed_blocks(&a, x, n, &rng);
			result_of(&a, false, &r);
			expect_valid(&r, sample[n], what);
		}
	}
	/* nothing at all: nothing defined, population or not */
	moments_acc_init(&a);
	result_of(&a, true, &r);
	expect_valid(&r, "--------", "empty, population");
	/* population: var of one value is 0, skew needs spread */
	feed_add(&a, x, 1, 1);
	result_of(&a, true, &r);
	expect_valid(&r, "yyy--yyy", "n=1, population");
	ck_assert_double_eq(r.v[MOMENTS_VAR], 0);
}
END_TEST

START_TEST(constant_data)
{
	double x[1000];
	moments_acc a, b;
	moments_result r;
	ref_rng rng = {7};

	for (size_t i = 0; i < 1000; i++)
		x[i] = 0.1 + 1e9;
	for (int mode = 0; mode < 3; mode++) {
		moments_acc_init(&a);
		if (mode == 0) {
			feed_add(&a, x, 1000, 1);
		} else if (mode == 1) {
			feed_blocks(&a, x, 1000, &rng);
		} else {
			moments_acc_init(&b);
			feed_blocks(&a, x, 600, &rng);
			feed_add(&b, x, 400, 2.5);
			moments_acc_merge(&a, &b);
		}
		for (int pop = 0; pop < 2; pop++) {
			moments_acc_result(&a, &no_counts, pop, false, &r);
			expect_valid(&r, "yyy--yyy", "constant");
			ck_assert_double_eq(r.v[MOMENTS_VAR], 0);
			ck_assert_double_eq(r.v[MOMENTS_SD], 0);
			ck_assert_double_eq(r.v[MOMENTS_MEAN], x[0]);
			ck_assert_double_eq(r.v[MOMENTS_MIN], x[0]);
			ck_assert_double_eq(r.v[MOMENTS_MAX], x[0]);
		}
	}
}
END_TEST

/* ---- weights are frequencies ------------------------------------------ */

START_TEST(weights_are_frequencies)
{
	enum { N = 3000 };
	static double x[N], w[N], rep[N * 6];
	ref_rng rng = {11};
	moments_acc a, b;
	size_t m = 0;

	fill_offset(&rng, x, N);
	for (size_t i = 0; i < N; i++) {
		w[i] = (double)(1 + ref_below(&rng, 5));
		for (int k = 0; k < (int)w[i]; k++)
			rep[m++] = x[i];
	}
	/* x with weight k against x repeated k times: both against the
	 * reference of the repeated list */
	moments_acc_init(&a);
	for (size_t i = 0; i < N; i++) {
		moments_acc_set_pivot(&a, x[i]);
		moments_acc_add(&a, x[i], x[i] - a.pivot, w[i]);
	}
	check_acc(&a, rep, NULL, m, TOL, "weighted");
	check_acc(&a, x, w, N, TOL, "weighted (weighted reference)");
	moments_acc_init(&b);
	feed_add(&b, rep, m, 1);
	check_acc(&b, rep, NULL, m, TOL, "repeated");

	/* fractional weights: their sum is the n of the formulas */
	for (size_t i = 0; i < N; i++)
		w[i] = 0.25 + ref_uniform(&rng);
	moments_acc_init(&a);
	for (size_t i = 0; i < N; i++) {
		moments_acc_set_pivot(&a, x[i]);
		moments_acc_add(&a, x[i], x[i] - a.pivot, w[i]);
	}
	check_acc(&a, x, w, N, TOL, "fractional weights");
}
END_TEST

/* ---- one value, blocks, merges of random splits ----------------------- */

/* Splits x[0..n) into runs (empty and one-value runs among them), feeds
 * each its own way with its own pivot, and merges them in random order. */
static void split_and_merge(moments_acc *out, const double *x, size_t n, ref_rng *rng)
{
	enum { MAXP = 40 };
	moments_acc p[MAXP];
	size_t np = 2 + ref_below(rng, MAXP - 1), at = 0;

	for (size_t k = 0; k < np; k++) {
		size_t left = n - at, len;
		int kind = (int)ref_below(rng, 6);

		if (k == np - 1)
			len = left;
		else if (kind == 0)
			len = 0;
		else if (kind == 1)
			len = left ? 1 : 0;
		else
			len = (size_t)ref_below(rng, 2 * n / np + 2);
		if (len > left)
			len = left;
		moments_acc_init(&p[k]);
		if (kind == 2 || kind == 4) {
			feed_add(&p[k], x + at, len, 1);
		} else if (kind == 3 && len) {
			/* pivoted far away: on the run's largest value */
			double hi = x[at];

			for (size_t i = 1; i < len; i++)
				hi = fmax(hi, x[at + i]);
			moments_acc_set_pivot(&p[k], hi);
			for (size_t i = 0; i < len; i++)
				moments_acc_add(&p[k], x[at + i], x[at + i] - hi, 1);
		} else {
			feed_blocks(&p[k], x + at, len, rng);
		}
		at += len;
	}
	/* merge random pairs until one is left */
	while (np > 1) {
		size_t i = ref_below(rng, np), j = ref_below(rng, np - 1);

		if (j >= i)
			j++;
		moments_acc_merge(&p[i], &p[j]);
		p[j] = p[--np];
	}
	*out = p[0];
}

static void paths_agree(void (*fill)(ref_rng *, double *, size_t), uint64_t seed,
                        const char *data)
{
	static const size_t sizes[] = {2, 3, 5, 17, 511, 512, 513, 4000, 100000};
	static double x[100000];
	ref_rng rng = {seed};
	char what[128];

	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		size_t n = sizes[s];
		moments_acc a;

		fill(&rng, x, n);
		moments_acc_init(&a);
		feed_add(&a, x, n, 1);
		snprintf(what, sizeof what, "%s, n=%zu, one at a time", data, n);
		check_acc(&a, x, NULL, n, TOL, what);

		moments_acc_init(&a);
		feed_blocks(&a, x, n, &rng);
		snprintf(what, sizeof what, "%s, n=%zu, blocks", data, n);
		check_acc(&a, x, NULL, n, TOL, what);

		for (int rep = 0; rep < 5; rep++) {
			split_and_merge(&a, x, n, &rng);
			snprintf(what, sizeof what, "%s, n=%zu, split %d", data, n, rep);
			check_acc(&a, x, NULL, n, TOL, what);
		}
	}
}

START_TEST(paths_agree_offset)
{
	paths_agree(fill_offset, 21, "1e9 + N(0,1)");
}
END_TEST

START_TEST(paths_agree_mixed)
{
	paths_agree(fill_mixed, 22, "mixed scales");
}
END_TEST

/* A quiet stretch after a loud one: the small moments must survive. */
START_TEST(paths_agree_quiet_after_loud)
{
	enum { N = 20000 };
	static double x[N];
	ref_rng rng = {23};
	moments_acc a;

	for (size_t i = 0; i < N; i++)
		x[i] = i < N / 2 ? 1e9 + 1e6 * ref_normal(&rng) : 5 + 1e-3 * ref_normal(&rng);
	moments_acc_init(&a);
	feed_add(&a, x, N, 1);
	check_acc(&a, x, NULL, N, TOL, "loud then quiet, one at a time");
	moments_acc_init(&a);
	feed_blocks(&a, x, N, &rng);
	check_acc(&a, x, NULL, N, TOL, "loud then quiet, blocks");
	for (int rep = 0; rep < 10; rep++) {
		split_and_merge(&a, x, N, &rng);
		check_acc(&a, x, NULL, N, TOL, "loud then quiet, split");
	}
}
END_TEST

/* A million values one at a time, in blocks, and as a long stream of
 * merges of small pieces: the compensated sums keep every statistic to a
 * few ulps, where plain sums lose 1e-14 to 1e-12. */
START_TEST(long_streams_to_a_few_ulps)
{
	enum { N = 1000000, PIECE = 7 };
	static double x[N];
	static const char *const data[] = {"1e9 + N(0,1)", "ramp", "1e9 + ramp", "uniform"};
	ref_rng rng = {51};
	moments_acc a, b;
	char what[96];

	for (int k = 0; k < 4; k++) {
		for (size_t i = 0; i < N; i++)
			x[i] = k == 0   ? 1e9 + ref_normal(&rng)
			       : k == 1 ? (double)i + 0.1 * ref_normal(&rng)
			       : k == 2 ? 1e9 + 1e3 * (double)i + ref_normal(&rng)
			                : ref_uniform(&rng);
		moments_acc_init(&a);
		feed_add(&a, x, N, 1);
		snprintf(what, sizeof what, "%s, one at a time", data[k]);
		check_acc(&a, x, NULL, N, 2e-15, what);
		moments_acc_init(&a);
		feed_blocks(&a, x, N, &rng);
		snprintf(what, sizeof what, "%s, blocks", data[k]);
		check_acc(&a, x, NULL, N, 2e-15, what);
		moments_acc_init(&a);
		for (size_t i = 0; i < N; i += PIECE) {
			moments_acc_init(&b);
			feed_add(&b, x + i, N - i < PIECE ? N - i : PIECE, 1);
			moments_acc_merge(&a, &b);
		}
		snprintf(what, sizeof what, "%s, merges of %d values", data[k], PIECE);
		check_acc(&a, x, NULL, N, 2e-15, what);
	}
}
END_TEST

/* Merging an empty accumulator changes nothing; merging into one copies. */
START_TEST(merge_with_empty)
{
	double x[300];
	ref_rng rng = {31};
	moments_acc a, e, b;

	fill_offset(&rng, x, 300);
	moments_acc_init(&a);
	feed_blocks(&a, x, 300, &rng);
	moments_acc_init(&e);
	b = a;
	moments_acc_merge(&b, &e);
	ck_assert_mem_eq(&a, &b, sizeof a);
	moments_acc_merge(&e, &a);
	check_acc(&e, x, NULL, 300, TOL, "merged into empty");
	moments_acc_init(&e);
	moments_acc_init(&b);
	moments_acc_merge(&e, &b);
	ck_assert_double_eq(e.w, 0);
	check_acc(&e, x, NULL, 0, TOL, "empty merged");
}
END_TEST

/* ---- feeding columns -------------------------------------------------- */

START_TEST(feed_rows_counts_and_values)
{
	static double v[2000];
	static double finite[2000];
	stage_array col = {.type = STAGE_FLOAT64, .values = v};
	moments_counts c = {0};
	moments_acc a;
	ref_rng rng = {41};
	size_t nf = 0;
	int64_t nan = 0, pinf = 0, ninf = 0;

	for (size_t i = 0; i < 2000; i++) {
		uint64_t k = ref_below(&rng, 20);

		v[i] = k == 0 ? NAN : k == 1 ? INFINITY : k == 2 ? -INFINITY : 1e9 + ref_normal(&rng);
		if (k == 0)
			nan++;
		else if (k == 1)
			pinf++;
		else if (k == 2)
			ninf++;
		else
			finite[nf++] = v[i];
	}
	col.length = 2000;
	moments_acc_init(&a);
	moments_feed_rows(&a, &c, &col, 0, 700);
	moments_feed_rows(&a, &c, &col, 700, 2000);
	ck_assert_int_eq(c.n, (int64_t)nf);
	ck_assert_int_eq(c.nan, nan);
	ck_assert_int_eq(c.posinf, pinf);
	ck_assert_int_eq(c.neginf, ninf);
	ck_assert_int_eq(c.nulls, 0);
	check_acc(&a, finite, NULL, nf, TOL, "feed_rows");

	moments_acc_init(&a);
	c = (moments_counts){0};
	for (int64_t i = 0; i < 2000; i++)
		moments_feed_row(&a, &c, &col, i, 1);
	ck_assert_int_eq(c.n, (int64_t)nf);
	ck_assert_int_eq(c.nan + c.posinf + c.neginf, nan + pinf + ninf);
	check_acc(&a, finite, NULL, nf, TOL, "feed_row");
}
END_TEST

/* int64 values near 2^63 differ by 1: the deviations are exact, so the
 * variance is exactly 1 although the doubles are all 2^63. */
START_TEST(feed_int64_near_limit)
{
	static const int64_t v[] = {INT64_MAX, INT64_MAX - 1, INT64_MAX - 2};
	stage_array col = {.type = STAGE_INT64, .length = 3, .values = v};
	moments_counts c = {0};
	moments_acc a;
	moments_result r;

	moments_acc_init(&a);
	moments_feed_rows(&a, &c, &col, 0, 3);
	moments_acc_result(&a, &c, false, false, &r);
	ck_assert_int_eq(c.n, 3);
	ck_assert_double_eq(r.v[MOMENTS_VAR], 1);
	ck_assert_double_eq(r.v[MOMENTS_MEAN], 0x1p63);
	ck_assert_double_eq(r.v[MOMENTS_SKEW], 0);

	moments_acc_init(&a);
	c = (moments_counts){0};
	for (int64_t i = 0; i < 3; i++)
		moments_feed_row(&a, &c, &col, i, 1);
	moments_acc_result(&a, &c, false, false, &r);
	ck_assert_double_eq(r.v[MOMENTS_VAR], 1);
}
END_TEST

/* ---- NaN and infinities ----------------------------------------------- */

static void propagated(const double *finite, size_t nf, moments_counts c, moments_result *r)
{
	moments_acc a;

	moments_acc_init(&a);
	feed_add(&a, finite, nf, 1);
	c.n = (int64_t)nf;
	moments_acc_result(&a, &c, false, true, r);
	for (int i = 0; i < MOMENTS_NSTATS; i++)
		ck_assert_msg(r->valid[i], "propagate: %s null", ref_stat_names[i]);
	ck_assert(isnan(r->v[MOMENTS_VAR]));
	ck_assert(isnan(r->v[MOMENTS_SD]));
	ck_assert(isnan(r->v[MOMENTS_SKEW]));
	ck_assert(isnan(r->v[MOMENTS_KURT]));
}

START_TEST(propagate_nonfinite)
{
	static const double x[] = {1, 2, 5};
	moments_result r;
	moments_acc a;

	/* NaN: everything NaN */
	propagated(x, 3, (moments_counts){.nan = 1, .posinf = 1}, &r);
	for (int i = 0; i < MOMENTS_NSTATS; i++)
		ck_assert_msg(isnan(r.v[i]), "nan: %s %g", ref_stat_names[i], r.v[i]);
	/* +inf */
	propagated(x, 3, (moments_counts){.posinf = 2}, &r);
	ck_assert_double_eq(r.v[MOMENTS_MEAN], INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_SUM], INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_MIN], 1);
	ck_assert_double_eq(r.v[MOMENTS_MAX], INFINITY);
	/* -inf */
	propagated(x, 3, (moments_counts){.neginf = 1}, &r);
	ck_assert_double_eq(r.v[MOMENTS_MEAN], -INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_SUM], -INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_MIN], -INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_MAX], 5);
	/* both: inf - inf */
	propagated(x, 3, (moments_counts){.posinf = 1, .neginf = 3}, &r);
	ck_assert(isnan(r.v[MOMENTS_MEAN]));
	ck_assert(isnan(r.v[MOMENTS_SUM]));
	ck_assert_double_eq(r.v[MOMENTS_MIN], -INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_MAX], INFINITY);
	/* only infinities, no finite value */
	propagated(x, 0, (moments_counts){.posinf = 1}, &r);
	ck_assert_double_eq(r.v[MOMENTS_MEAN], INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_MIN], INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_MAX], INFINITY);
	propagated(x, 0, (moments_counts){.neginf = 2}, &r);
	ck_assert_double_eq(r.v[MOMENTS_MEAN], -INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_MIN], -INFINITY);
	ck_assert_double_eq(r.v[MOMENTS_MAX], -INFINITY);
	/* only NaN */
	propagated(x, 0, (moments_counts){.nan = 1}, &r);
	ck_assert(isnan(r.v[MOMENTS_MEAN]) && isnan(r.v[MOMENTS_MIN]) && isnan(r.v[MOMENTS_MAX]));

	/* skip mode: the finite values alone; nulls propagate nothing */
	moments_acc_init(&a);
	feed_add(&a, x, 3, 1);
	moments_acc_result(&a, &(moments_counts){.n = 3, .nan = 2, .posinf = 1, .neginf = 1},
	                   false, false, &r);
	ck_assert_double_eq_tol(r.v[MOMENTS_MEAN], 8.0 / 3, 1e-15);
	ck_assert_double_eq(r.v[MOMENTS_MAX], 5);
	moments_acc_result(&a, &(moments_counts){.n = 3, .nulls = 4}, false, true, &r);
	ck_assert_double_eq_tol(r.v[MOMENTS_MEAN], 8.0 / 3, 1e-15);
	ck_assert_double_eq_tol(r.v[MOMENTS_VAR], 13.0 / 3, 1e-15);
}
END_TEST

/* ---- counts ----------------------------------------------------------- */

static int64_t field_of(const moments_counts *c, int field)
{
	const int64_t v[] = {c->n, c->nulls, c->nan, c->posinf, c->neginf};

	return v[field];
}

START_TEST(counts_add_overflow)
{
	moments_counts a = {.n = 5, .nulls = 1, .nan = 2, .posinf = 3, .neginf = 4};
	moments_counts b = {.n = 10, .nulls = 20, .nan = 30, .posinf = 40, .neginf = 50};
	moments_counts saved;

	ck_assert_int_eq(moments_counts_add(&a, &b), 0);
	ck_assert_int_eq(a.n, 15);
	ck_assert_int_eq(a.nulls, 21);
	ck_assert_int_eq(a.nan, 32);
	ck_assert_int_eq(a.posinf, 43);
	ck_assert_int_eq(a.neginf, 54);
	for (int field = 0; field < 5; field++) {
		moments_counts big = {0}, fits = {0};
		int64_t *f[] = {&big.n, &big.nulls, &big.nan, &big.posinf, &big.neginf};
		int64_t *g[] = {&fits.n, &fits.nulls, &fits.nan, &fits.posinf, &fits.neginf};

		/* a's fields are at most 54: INT64_MAX - 10 overflows, - 60 fits */
		*f[field] = INT64_MAX - 10;
		saved = a;
		ck_assert_int_eq(moments_counts_add(&a, &big), -1);
		ck_assert_mem_eq(&a, &saved, sizeof a);
		*g[field] = INT64_MAX - 60;
		ck_assert_int_eq(moments_counts_add(&fits, &a), 0);
		ck_assert_int_eq(*g[field], INT64_MAX - 60 + field_of(&a, field));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("moments_acc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, exact_1234);
	tcase_add_test(tc, exact_weighted);
	tcase_add_test(tc, null_rules);
	tcase_add_test(tc, constant_data);
	tcase_add_test(tc, weights_are_frequencies);
	tcase_add_test(tc, paths_agree_offset);
	tcase_add_test(tc, paths_agree_mixed);
	tcase_add_test(tc, paths_agree_quiet_after_loud);
	tcase_add_test(tc, long_streams_to_a_few_ulps);
	tcase_add_test(tc, merge_with_empty);
	tcase_add_test(tc, feed_rows_counts_and_values);
	tcase_add_test(tc, feed_int64_near_limit);
	tcase_add_test(tc, propagate_nonfinite);
	tcase_add_test(tc, counts_add_overflow);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
