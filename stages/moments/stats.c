/* From an accumulator to the statistics users read: the definitions that
 * datamash, scipy and DuckDB share (see the man page). */
#include <math.h>

#include "acc.h"

static void set(moments_result *r, enum moments_stat s, double v)
{
	r->v[s] = v;
	r->valid[s] = true;
}

/* A double-double number: hi + lo, |lo| below an ulp of hi. */
typedef struct dd {
	double hi, lo;
} dd;

/* c * x, exactly rounded only once at the end. */
static dd dd_scale(double c, dd x)
{
	double h = c * x.hi;

	return (dd){h, fma(c, x.hi, -h) + c * x.lo};
}

static dd dd_sub(dd a, dd b)
{
	double s = a.hi - b.hi, v = s - a.hi;
	double err = (a.hi - (s - v)) + (-b.hi - v);

	return (dd){s, err + (a.lo - b.lo)};
}

static double dd_div(dd a, dd b)
{
	double r = a.hi / b.hi;

	return r + (fma(-r, b.hi, a.hi) + a.lo - r * b.lo) / b.hi;
}

/* f (c1 W M4 - c2 M2^2) / (g M2^2) in double-double arithmetic: for data
 * close to normal the two terms nearly cancel, and in plain doubles their
 * roundings would become the leading digits of the kurtosis. */
static double kurtosis(double w, const moments_acc *a, double c1, double c2, double f,
                       double g)
{
	dd m4 = {a->m4, a->m4_c};
	dd p = {a->m2 * a->m2, fma(a->m2, a->m2, -(a->m2 * a->m2)) + 2 * a->m2 * a->m2_c};
	dd num = dd_sub(dd_scale(c1, dd_scale(w, m4)), dd_scale(c2, p));

	return dd_div(dd_scale(f, num), dd_scale(g, p));
}

/* M2 / den and its square root, each rounded once (from double-double). */
static void spread(const moments_acc *a, double den, double *var, double *sd)
{
	double m2 = a->m2 + a->m2_c, v, v_lo, s;

	if (m2 <= 0) {
		*var = *sd = 0;
		return;
	}
	v = a->m2 / den;
	v_lo = (fma(-v, den, a->m2) + a->m2_c) / den;
	s = sqrt(v);
	*var = v + v_lo;
	*sd = s + (fma(-s, s, v) + v_lo) / (2 * s);
}

/* NaN and infinities kept in (--nan=propagate): what IEEE arithmetic over
 * the values would give. */
static void propagate(const moments_acc *a, const moments_counts *c, moments_result *r)
{
	double inf = c->posinf && c->neginf ? NAN : c->posinf ? INFINITY : -INFINITY;
	double lo = c->neginf ? -INFINITY : c->posinf && a->w == 0 ? INFINITY : a->min;
	double hi = c->posinf ? INFINITY : c->neginf && a->w == 0 ? -INFINITY : a->max;

	if (c->nan)
		inf = lo = hi = NAN;
	set(r, MOMENTS_MEAN, inf);
	set(r, MOMENTS_SUM, inf);
	set(r, MOMENTS_VAR, NAN);
	set(r, MOMENTS_SD, NAN);
	set(r, MOMENTS_SKEW, NAN);
	set(r, MOMENTS_KURT, NAN);
	set(r, MOMENTS_MIN, lo);
	set(r, MOMENTS_MAX, hi);
}

void moments_acc_result(const moments_acc *a, const moments_counts *c, bool population,
                        bool propagate_nan, moments_result *r)
{
	double w = a->w, m2, m3, var, sd, p, p_lo;

	for (int i = 0; i < MOMENTS_NSTATS; i++)
		r->valid[i] = false;
	if (propagate_nan && (c->nan || c->posinf || c->neginf)) {
		propagate(a, c, r);
		return;
	}
	if (w <= 0)
		return;
	set(r, MOMENTS_MEAN, moments_acc_mean(a));
	/* sum = w * pivot + s, with the product's rounding recovered by fma */
	p = w * a->pivot;
	p_lo = fma(w, a->pivot, -p);
	set(r, MOMENTS_SUM, p + (a->s + (a->s_c + p_lo)));
	set(r, MOMENTS_MIN, a->min);
	set(r, MOMENTS_MAX, a->max);

	m2 = a->m2 + a->m2_c;
	m3 = a->m3 + a->m3_c;
	if (m2 < 0)
		m2 = 0;
	if (population || w > 1) {
		spread(a, population ? w : w - 1, &var, &sd);
		set(r, MOMENTS_VAR, var);
		set(r, MOMENTS_SD, sd);
	}
	if (m2 == 0)
		return;
	if (population) {
		set(r, MOMENTS_SKEW, sqrt(w) * m3 / (m2 * sqrt(m2)));
		set(r, MOMENTS_KURT, kurtosis(w, a, 1, 3, 1, 1));
		return;
	}
	if (w > 2)
		set(r, MOMENTS_SKEW,
		    sqrt(w) * m3 / (m2 * sqrt(m2)) * sqrt(w * (w - 1)) / (w - 2));
	if (w > 3)
		set(r, MOMENTS_KURT, kurtosis(w, a, w + 1, 3 * (w - 1), w - 1, (w - 2) * (w - 3)));
}
