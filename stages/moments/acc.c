#include <math.h>

#include "acc.h"

/* Neumaier's variant of Kahan summation: the rounding error of each add
 * goes into *c, whichever operand is larger. */
static inline void sum_add(double *s, double *c, double x)
{
	double t = *s + x;

	if (fabs(*s) >= fabs(x))
		*c += (*s - t) + x;
	else
		*c += (x - t) + *s;
	*s = t;
}

void moments_acc_init(moments_acc *a)
{
	*a = (moments_acc){.min = INFINITY, .max = -INFINITY};
}

void moments_acc_set_pivot(moments_acc *a, double pivot)
{
	if (a->w == 0)
		a->pivot = pivot;
}

/* pivot + (s + s_c) / w with one final rounding, near enough: the
 * quotient's remainder comes back through fma. */
double moments_acc_mean(const moments_acc *a)
{
	double q = a->s / a->w, q_lo = (fma(-q, a->w, a->s) + a->s_c) / a->w;
	double hi = a->pivot + q, v = hi - a->pivot;
	double err = (a->pivot - (hi - v)) + (q - v);

	return hi + (err + q_lo);
}

/* Adds the moments of b, whose mean lies delta above a's, with the weight
 * fractions fa = wa / w and fb = wb / w (Pebay 2008, eqs. 3.1-3.3). The
 * correction terms use a's moments before the update, so M4 goes first. */
static void add_moments(moments_acc *a, double wa, double fa, double fb, double delta,
                        double m2b, double m3b, double m4b)
{
	double m2a = a->m2 + a->m2_c, m3a = a->m3 + a->m3_c;
	double d2 = delta * delta, wab = wa * fb;

	sum_add(&a->m4, &a->m4_c, m4b);
	sum_add(&a->m4, &a->m4_c,
	        d2 * d2 * wab * (fa * fa - fa * fb + fb * fb) +
	                6 * d2 * (fa * fa * m2b + fb * fb * m2a) + 4 * delta * (fa * m3b - fb * m3a));
	sum_add(&a->m3, &a->m3_c, m3b);
	sum_add(&a->m3, &a->m3_c,
	        d2 * delta * wab * (fa - fb) + 3 * delta * (fa * m2b - fb * m2a));
	sum_add(&a->m2, &a->m2_c, m2b);
	sum_add(&a->m2, &a->m2_c, d2 * wab);
}

void moments_acc_add(moments_acc *a, double x, double d, double w)
{
	double wa, wn, delta;

	if (a->w == 0) {
		a->w = w;
		a->s = w * d;
		a->min = a->max = x;
		return;
	}
	wa = a->w;
	wn = wa + w;
	delta = d - (a->s + a->s_c) / wa;
	add_moments(a, wa, wa / wn, w / wn, delta, 0, 0, 0);
	sum_add(&a->s, &a->s_c, w * d);
	a->w = wn;
	if (x < a->min)
		a->min = x;
	if (x > a->max)
		a->max = x;
}

/* Lanes of independent partial sums: they keep the adds in flight and, as
 * a side effect, shorten each chain of roundings. */
#define LANES 4

void moments_acc_add_block(moments_acc *a, const double *d, size_t n, double lo, double hi)
{
	double s[LANES] = {0};
	double e1[LANES] = {0}, e2[LANES] = {0}, e3[LANES] = {0}, e4[LANES] = {0};
	double sum, mean, c, h, s2, s3, s4, wa, wn, delta;
	size_t i, k;

	if (n == 0)
		return;
	for (i = 0; i + LANES <= n; i += LANES)
		for (k = 0; k < LANES; k++)
			s[k] += d[i + k];
	for (; i < n; i++)
		s[0] += d[i];
	sum = (s[0] + s[1]) + (s[2] + s[3]);
	mean = sum / (double)n;

	for (i = 0; i + LANES <= n; i += LANES)
		for (k = 0; k < LANES; k++) {
			double e = d[i + k] - mean, ee = e * e;

			e1[k] += e;
			e2[k] += ee;
			e3[k] += ee * e;
			e4[k] += ee * ee;
		}
	for (; i < n; i++) {
		double e = d[i] - mean, ee = e * e;

		e1[0] += e;
		e2[0] += ee;
		e3[0] += ee * e;
		e4[0] += ee * ee;
	}
	/* The block's true mean is mean + h; shift the sums of powers to it. */
	c = (e1[0] + e1[1]) + (e1[2] + e1[3]);
	h = c / (double)n;
	s2 = (e2[0] + e2[1]) + (e2[2] + e2[3]);
	s3 = (e3[0] + e3[1]) + (e3[2] + e3[3]);
	s4 = (e4[0] + e4[1]) + (e4[2] + e4[3]);
	s4 = s4 - 4 * h * s3 + 6 * h * h * s2 - 3 * c * h * h * h;
	s3 = s3 - 3 * h * s2 + 2 * c * h * h;
	s2 = s2 - c * h;

	if (lo < a->min)
		a->min = lo;
	if (hi > a->max)
		a->max = hi;

	wa = a->w;
	wn = wa + (double)n;
	delta = wa > 0 ? (mean + h) - (a->s + a->s_c) / wa : 0;
	add_moments(a, wa, wa / wn, (double)n / wn, delta, s2 > 0 ? s2 : 0, s3, s4 > 0 ? s4 : 0);
	sum_add(&a->s, &a->s_c, sum);
	a->w = wn;
}

void moments_acc_merge(moments_acc *a, const moments_acc *b)
{
	double wa = a->w, wn, dp, delta;

	if (b->w == 0)
		return;
	if (wa == 0) {
		*a = *b;
		return;
	}
	wn = wa + b->w;
	/* b's sums are relative to its own pivot: move them to a's. The shift
	 * w_b * dp is added as an exact product (fma gives its rounding). */
	dp = b->pivot - a->pivot;
	delta = dp + ((b->s + b->s_c) / b->w - (a->s + a->s_c) / wa);
	add_moments(a, wa, wa / wn, b->w / wn, delta, b->m2 + b->m2_c, b->m3 + b->m3_c,
	            b->m4 + b->m4_c);
	sum_add(&a->s, &a->s_c, b->s);
	sum_add(&a->s, &a->s_c, b->s_c);
	if (dp != 0) {
		double p = b->w * dp;

		sum_add(&a->s, &a->s_c, p);
		sum_add(&a->s, &a->s_c, fma(b->w, dp, -p));
	}
	a->w = wn;
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
}

int moments_counts_add(moments_counts *a, const moments_counts *b)
{
	moments_counts s;

	if (__builtin_add_overflow(a->n, b->n, &s.n) ||
	    __builtin_add_overflow(a->nulls, b->nulls, &s.nulls) ||
	    __builtin_add_overflow(a->nan, b->nan, &s.nan) ||
	    __builtin_add_overflow(a->posinf, b->posinf, &s.posinf) ||
	    __builtin_add_overflow(a->neginf, b->neginf, &s.neginf))
		return -1;
	*a = s;
	return 0;
}
