#include <math.h>

#include "feed.h"

bool moments_type_is_numeric(stage_type t)
{
	return t == STAGE_INT64 || t == STAGE_FLOAT64 || t == STAGE_FLOAT32;
}

/* An int64 value as a pivot: a double that is also an int64, so that
 * int_deviation() can subtract in integers (2^63 - 1 rounds to 2^63). */
static inline double int_pivot(int64_t x)
{
	double p = (double)x;

	return p < 0x1p63 ? p : 0x1.fffffffffffffp62;
}

/* x - pivot for an int64 x and an integer-valued pivot, in integer
 * arithmetic while it fits: exact up to 2^53 whatever the magnitudes. */
static inline double int_deviation(int64_t x, double pivot)
{
	int64_t d;

	if (pivot >= -0x1p63 && pivot < 0x1p63 && !__builtin_sub_overflow(x, (int64_t)pivot, &d))
		return (double)d;
	return (double)x - pivot;
}

/* Counts a value that is not finite; returns true when it was. */
static inline bool count_nonfinite(moments_counts *c, double x)
{
	if (isnan(x))
		c->nan++;
	else if (x > 0)
		c->posinf++;
	else
		c->neginf++;
	return true;
}

static inline bool is_finite(double x)
{
	return fabs(x) <= 0x1.fffffffffffffp1023;
}

/* Collects finite values into blocks of deviations and adds each block. */
typedef struct block {
	double d[MOMENTS_BLOCK];
	size_t n;
	double lo, hi;
} block;

static inline void block_put(block *b, moments_acc *acc, double x, double d)
{
	if (b->n == 0)
		b->lo = b->hi = x;
	b->d[b->n++] = d;
	b->lo = x < b->lo ? x : b->lo;
	b->hi = x > b->hi ? x : b->hi;
	if (b->n == MOMENTS_BLOCK) {
		moments_acc_add_block(acc, b->d, b->n, b->lo, b->hi);
		b->n = 0;
	}
}

/* The pivot for rows [from, to): their first finite value. */
static bool first_pivot(const stage_array *a, int64_t from, int64_t to, double *x)
{
	for (int64_t i = from; i < to; i++) {
		if (stage_array_is_null(a, i))
			continue;
		*x = a->type == STAGE_INT64   ? int_pivot(stage_array_i64(a, i))
		     : a->type == STAGE_FLOAT64 ? stage_array_f64(a, i)
		                                : (double)stage_array_f32(a, i);
		if (is_finite(*x))
			return true;
	}
	return false;
}

void moments_feed_rows(moments_acc *acc, moments_counts *c, const stage_array *a,
                       int64_t from, int64_t to)
{
	block b = {.n = 0};
	double pivot, x;
	int64_t i, taken = 0;

	if (acc->w == 0 && first_pivot(a, from, to, &x))
		moments_acc_set_pivot(acc, x);
	pivot = acc->pivot;
	for (i = from; i < to; i++) {
		if (stage_array_is_null(a, i)) {
			c->nulls++;
			continue;
		}
		switch (a->type) {
		case STAGE_INT64: {
			int64_t v = stage_array_i64(a, i);

			block_put(&b, acc, (double)v, int_deviation(v, pivot));
			break;
		}
		case STAGE_FLOAT64:
			x = stage_array_f64(a, i);
			if (!is_finite(x) && count_nonfinite(c, x))
				continue;
			block_put(&b, acc, x, a->residual ? (x - pivot) + a->residual[i] : x - pivot);
			break;
		default:
			x = stage_array_f32(a, i);
			if (!is_finite(x) && count_nonfinite(c, x))
				continue;
			block_put(&b, acc, x, x - pivot);
			break;
		}
		taken++;
	}
	if (b.n)
		moments_acc_add_block(acc, b.d, b.n, b.lo, b.hi);
	c->n += taken;
}

void moments_feed_row(moments_acc *acc, moments_counts *c, const stage_array *a, int64_t i,
                      double w)
{
	double x;

	if (stage_array_is_null(a, i)) {
		c->nulls++;
		return;
	}
	if (a->type == STAGE_INT64) {
		int64_t v = stage_array_i64(a, i);

		moments_acc_set_pivot(acc, int_pivot(v));
		moments_acc_add(acc, (double)v, int_deviation(v, acc->pivot), w);
		c->n++;
		return;
	}
	x = a->type == STAGE_FLOAT64 ? stage_array_f64(a, i) : (double)stage_array_f32(a, i);
	if (!is_finite(x)) {
		count_nonfinite(c, x);
		return;
	}
	moments_acc_set_pivot(acc, x);
	moments_acc_add(acc, x, a->residual ? (x - acc->pivot) + a->residual[i] : x - acc->pivot,
	                w);
	c->n++;
}

int moments_weight_at(const stage_array *w, const char *name, int64_t i, int64_t row_base,
                      double *out, stage_error *err)
{
	double v;

	*out = 1;
	if (!w)
		return 1;
	if (stage_array_is_null(w, i))
		return 2;
	v = w->type == STAGE_INT64   ? (double)stage_array_i64(w, i)
	    : w->type == STAGE_FLOAT64 ? stage_array_f64(w, i)
	                               : (double)stage_array_f32(w, i);
	if (isnan(v))
		return 2;
	if (v < 0 || !is_finite(v))
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "weight column '%s': weight %g in row %lld is not a frequency "
		                       "(weights must be finite and >= 0)",
		                       name, v, (long long)(row_base + i + 1));
	*out = v;
	return v > 0;
}
