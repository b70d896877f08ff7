/* Shared by bench/cms-gen.c and bench/cms-kernel.c: Zipf sampling by
 * Hoermann and Derflinger's rejection-inversion (O(1) a draw, no table; as
 * in Apache Commons RNG's RejectionInversionZipfSampler), over rng.h. */
#ifndef CMS_BENCH_ZIPF_H
#define CMS_BENCH_ZIPF_H

#include <math.h>
#include <stdint.h>

#include "rng.h"

/* rejection-inversion */
static double zs, zn, h_x1, h_n, zcut;

static double helper1(double x) /* log1p(x) / x */
{
	return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static double helper2(double x) /* expm1(x) / x */
{
	return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x));
}

static double h_int(double x)
{
	double lx = log(x);
	return helper2((1 - zs) * lx) * lx;
}

static double h(double x)
{
	return exp(-zs * log(x));
}

static double h_int_inv(double x)
{
	double t = x * (1 - zs);
	if (t < -1)
		t = -1;
	return exp(helper1(t) * x);
}

static void zipf_init(double s, uint64_t n)
{
	zs = s;
	zn = (double)n;
	h_x1 = h_int(1.5) - 1;
	h_n = h_int(zn + 0.5);
	zcut = 2 - h_int_inv(h_int(2.5) - h(2));
}

static uint64_t zipf(void) /* 1..n */
{
	for (;;) {
		double u = h_n + unif() * (h_x1 - h_n), x = h_int_inv(u);
		double k = floor(x + 0.5);
		if (k < 1)
			k = 1;
		else if (k > zn)
			k = zn;
		if (k - x <= zcut || u >= h_int(k + 0.5) - h(k))
			return (uint64_t)k;
	}
}

#endif
