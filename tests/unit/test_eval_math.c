/* Unit tests of eval-expr's math kernels (kernels.h): accuracy in ULP
 * against a long double reference (double for float32) on every path this
 * CPU runs, libm's special values, block tails and aliasing. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "math_vec.h"
#include "run_suite.h"

#define SAMPLES 16384
#define MAX_ULP 4.0

/* ---- the paths under test ---- */

typedef struct path {
	const char *name;
	void (*f64)(ev_op, double *, const double *, const double *, size_t);
	void (*f32)(ev_op, float *, const float *, const float *, size_t);
} path;

static size_t paths(path *p)
{
	size_t n = 0;

	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		p[n++] = (path){"avx512", ev_math_avx512.f64, ev_math_avx512.f32};
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		p[n++] = (path){"avx2", ev_math_avx2.f64, ev_math_avx2.f32};
	p[n++] = (path){"sse", ev_math_sse.f64, ev_math_sse.f32};
	p[n++] = (path){"scalar", ev_math_libm_f64, ev_math_libm_f32};
	/* the public entry point, whichever path it chose */
	p[n++] = (path){"default", ev_math_f64, ev_math_f32};
	return n;
}

/* ---- inputs ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double unit(void)
{
	return (double)(next() >> 11) * 0x1p-53;
}

/* U: uniform in [lo, hi]; L: +-2^u with u uniform in [lo, hi] (both signs,
 * subnormals when lo < -1022); P: the same, positive only */
typedef struct range {
	char kind;
	double lo, hi;
} range;

static double draw(range r)
{
	double m;

	switch (r.kind) {
	case 'U': return r.lo + (r.hi - r.lo) * unit();
	case 'L':
	case 'P':
		m = exp2(r.lo + (r.hi - r.lo) * unit()) * (1 + unit());
		if (m > DBL_MAX)
			m = DBL_MAX;
		return r.kind == 'L' && (next() & 1) ? -m : m;
	default: return 0;
	}
}

/* ---- the functions: libm and long double references, input ranges ---- */

#define NR 3
typedef struct func {
	ev_op op;
	const char *name;
	double (*d1)(double);
	float (*f1)(float);
	long double (*l1)(long double);
	double (*d2)(double, double);
	float (*f2)(float, float);
	long double (*l2)(long double, long double);
	range r64[NR][2]; /* kind 0 ends the list; [1] for the second argument */
	range r32[NR][2];
} func;

#define F1(OP, NAME, R64, R32) {OP, #NAME, NAME, NAME##f, NAME##l, NULL, NULL, NULL, R64, R32}
#define F2(OP, NAME, R64, R32) {OP, #NAME, NULL, NULL, NULL, NAME, NAME##f, NAME##l, R64, R32}
#define R(...) {__VA_ARGS__}
#define A(k, lo, hi) {{k, lo, hi}}
#define B(k, lo, hi, k2, lo2, hi2) {{k, lo, hi}, {k2, lo2, hi2}}

static const func funcs[] = {
	F1(EV_SQRT, sqrt, R(A('P', -1074, 1024)), R(A('P', -149, 128))),
	F1(EV_CBRT, cbrt, R(A('L', -1074, 1024)), R(A('L', -149, 128))),
	F1(EV_EXP, exp, R(A('U', -745.2, 709.78), A('U', -1, 1), A('L', -60, -1)),
	   R(A('U', -103.9, 88.72), A('U', -1, 1), A('L', -30, -1))),
	F1(EV_EXP2, exp2, R(A('U', -1075, 1024), A('U', -1, 1), A('L', -60, -1)),
	   R(A('U', -150, 128), A('U', -1, 1), A('L', -30, -1))),
	F1(EV_EXPM1, expm1, R(A('U', -40, 709.78), A('U', -1, 1), A('L', -1074, -1)),
	   R(A('U', -20, 88.72), A('U', -1, 1), A('L', -149, -1))),
	F1(EV_LOG, log, R(A('P', -1074, 1024), A('U', 0.5, 2)), R(A('P', -149, 128), A('U', 0.5, 2))),
	F1(EV_LOG2, log2, R(A('P', -1074, 1024), A('U', 0.5, 2)), R(A('P', -149, 128), A('U', 0.5, 2))),
	F1(EV_LOG10, log10, R(A('P', -1074, 1024), A('U', 0.5, 2)),
	   R(A('P', -149, 128), A('U', 0.5, 2))),
	F1(EV_LOG1P, log1p, R(A('U', -0.999999, 1), A('L', -1074, -2), A('P', -1, 1024)),
	   R(A('U', -0.99999, 1), A('L', -149, -2), A('P', -1, 128))),
	F1(EV_SIN, sin, R(A('U', -10, 10), A('L', -1074, 1024), A('U', -1e6, 1e6)),
	   R(A('U', -10, 10), A('L', -149, 128), A('U', -1e4, 1e4))),
	F1(EV_COS, cos, R(A('U', -10, 10), A('L', -1074, 1024), A('U', -1e6, 1e6)),
	   R(A('U', -10, 10), A('L', -149, 128), A('U', -1e4, 1e4))),
	F1(EV_TAN, tan, R(A('U', -10, 10), A('L', -1074, 1024), A('U', -1e6, 1e6)),
	   R(A('U', -10, 10), A('L', -149, 128), A('U', -1e4, 1e4))),
	F1(EV_ASIN, asin, R(A('U', -1, 1), A('L', -1074, -1)), R(A('U', -1, 1), A('L', -149, -1))),
	F1(EV_ACOS, acos, R(A('U', -1, 1), A('L', -1074, -1)), R(A('U', -1, 1), A('L', -149, -1))),
	F1(EV_ATAN, atan, R(A('L', -1074, 1024), A('U', -10, 10)),
	   R(A('L', -149, 128), A('U', -10, 10))),
	F1(EV_SINH, sinh, R(A('U', -710.4, 710.4), A('U', -1, 1), A('L', -1074, -1)),
	   R(A('U', -89.4, 89.4), A('U', -1, 1), A('L', -149, -1))),
	F1(EV_COSH, cosh, R(A('U', -710.4, 710.4), A('U', -1, 1), A('L', -1074, -1)),
	   R(A('U', -89.4, 89.4), A('U', -1, 1), A('L', -149, -1))),
	F1(EV_TANH, tanh, R(A('U', -20, 20), A('U', -1, 1), A('L', -1074, -1)),
	   R(A('U', -10, 10), A('U', -1, 1), A('L', -149, -1))),
	F2(EV_ATAN2, atan2, R(B('L', -1074, 1024, 'L', -1074, 1024), B('U', -10, 10, 'U', -10, 10)),
	   R(B('L', -149, 128, 'L', -149, 128), B('U', -10, 10, 'U', -10, 10))),
	F2(EV_HYPOT, hypot, R(B('L', -1074, 1024, 'L', -1074, 1024), B('U', -10, 10, 'U', -10, 10)),
	   R(B('L', -149, 128, 'L', -149, 128), B('U', -10, 10, 'U', -10, 10))),
	F2(EV_POW, pow, R(B('P', -20, 20, 'U', -40, 40), B('U', 0, 2, 'U', -100, 100)),
	   R(B('P', -6, 6, 'U', -15, 15), B('U', 0, 2, 'U', -20, 20))),
	F2(EV_FMOD, fmod, R(B('L', -1074, 1024, 'L', -1074, 1024), B('U', -10, 10, 'U', -10, 10)),
	   R(B('L', -149, 128, 'L', -149, 128), B('U', -10, 10, 'U', -10, 10))),
};
#define NFUNCS (sizeof funcs / sizeof funcs[0])

/* ---- ULP distances ---- */

/* |got - ref| in units of the last place of a double at ref's magnitude */
static double ulp64(double got, long double ref)
{
	double r = (double)ref;
	int e;

	if (isnan(r) || isnan(got))
		return isnan(r) && isnan(got) ? 0 : INFINITY;
	if (isinf(r) || isinf(got)) {
		if (got == r)
			return 0;
		ref = isinf(r) ? copysignl(LDBL_MAX, ref) : ref; /* overflow by a hair */
		return (double)(fabsl((long double)got - ref) / 0x1p971L) > 1 ? INFINITY : 1;
	}
	frexpl(ref, &e);
	return (double)(fabsl((long double)got - ref) / ldexpl(1, e - 53 < -1074 ? -1074 : e - 53));
}

static double ulp32(float got, double ref)
{
	float r = (float)ref;
	int e;

	if (isnan(r) || isnan(got))
		return isnan(r) && isnan(got) ? 0 : INFINITY;
	if (isinf(r) || isinf(got))
		return got == r ? 0 : (fabs((double)got - ref) / 0x1p104 > 1 ? INFINITY : 1);
	frexp(ref, &e);
	return fabs((double)got - ref) / ldexp(1, e - 24 < -149 ? -149 : e - 24);
}

/* ---- accuracy ---- */

static void accuracy_f64(const func *f)
{
	static double a[SAMPLES], b[SAMPLES], got[SAMPLES];
	static long double ref[SAMPLES];
	path p[8];
	size_t np = paths(p);
	double worst[8] = {0}, worst_x[8] = {0}, worst_y[8] = {0};

	for (int r = 0; r < NR && f->r64[r][0].kind; r++) {
		for (size_t i = 0; i < SAMPLES; i++) {
			a[i] = draw(f->r64[r][0]);
			b[i] = f->d2 ? draw(f->r64[r][1]) : 0;
			ref[i] = f->l1 ? f->l1(a[i]) : f->l2(a[i], b[i]);
		}
		for (size_t k = 0; k < np; k++) {
			p[k].f64(f->op, got, a, f->d2 ? b : NULL, SAMPLES);
			for (size_t i = 0; i < SAMPLES; i++) {
				double u = ulp64(got[i], ref[i]);

				if (u > worst[k]) {
					worst[k] = u;
					worst_x[k] = a[i];
					worst_y[k] = b[i];
				}
			}
		}
	}
	for (size_t k = 0; k < np; k++) {
		printf("float64 %-6s %-7s max %.3f ulp (at %a, %a)\n", f->name, p[k].name, worst[k],
		       worst_x[k], worst_y[k]);
		ck_assert_msg(worst[k] <= MAX_ULP, "%s float64 on %s: %g ulp at %a, %a", f->name,
		              p[k].name, worst[k], worst_x[k], worst_y[k]);
	}
}

static void accuracy_f32(const func *f)
{
	static float a[SAMPLES], b[SAMPLES], got[SAMPLES];
	static double ref[SAMPLES];
	path p[8];
	size_t np = paths(p);
	double worst[8] = {0}, worst_x[8] = {0}, worst_y[8] = {0};

	for (int r = 0; r < NR && f->r32[r][0].kind; r++) {
		for (size_t i = 0; i < SAMPLES; i++) {
			a[i] = (float)draw(f->r32[r][0]);
			b[i] = f->d2 ? (float)draw(f->r32[r][1]) : 0;
			ref[i] = f->d1 ? f->d1(a[i]) : f->d2(a[i], b[i]);
		}
		for (size_t k = 0; k < np; k++) {
			p[k].f32(f->op, got, a, f->d2 ? b : NULL, SAMPLES);
			for (size_t i = 0; i < SAMPLES; i++) {
				double u = ulp32(got[i], ref[i]);

				if (u > worst[k]) {
					worst[k] = u;
					worst_x[k] = a[i];
					worst_y[k] = b[i];
				}
			}
		}
	}
	for (size_t k = 0; k < np; k++) {
		printf("float32 %-6s %-7s max %.3f ulp (at %a, %a)\n", f->name, p[k].name, worst[k],
		       worst_x[k], worst_y[k]);
		ck_assert_msg(worst[k] <= MAX_ULP, "%s float32 on %s: %g ulp at %a, %a", f->name,
		              p[k].name, worst[k], worst_x[k], worst_y[k]);
	}
}

START_TEST(accuracy)
{
	accuracy_f64(&funcs[_i]);
	accuracy_f32(&funcs[_i]);
	fflush(stdout);
}
END_TEST

/* ---- special values: the path agrees with scalar libm ---- */

/* NaN for NaN; zeros and infinities bit for bit (the sign of zero too);
 * subnormal results not flushed, within 4 of the smallest subnormal;
 * anything else within 4 ulp */
static int agrees64(double got, double want)
{
	if (isnan(want))
		return isnan(got);
	if (want == 0 || isinf(want))
		return memcmp(&got, &want, sizeof got) == 0;
	if (fpclassify(want) == FP_SUBNORMAL)
		return got != 0 && signbit(got) == signbit(want) && fabs(got - want) <= 4 * 0x1p-1074;
	return ulp64(got, want) <= MAX_ULP;
}

static int agrees32(float got, float want)
{
	if (isnan(want))
		return isnan(got);
	if (want == 0 || isinf(want))
		return memcmp(&got, &want, sizeof got) == 0;
	if (fpclassify(want) == FP_SUBNORMAL)
		return got != 0 && signbit(got) == signbit(want) && fabsf(got - want) <= 4 * 0x1p-149f;
	return ulp32(got, want) <= MAX_ULP;
}

static const double special64[] = {
	NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 0x1p-1074, -0x1p-1074, 1e-310, -1e-310,
	DBL_MIN, -DBL_MIN, 1e-300, 1, -1, 2, -2, 0.5, -0.5, 3, 1e22, -1e22, 1e300, -1e300,
	DBL_MAX, -DBL_MAX, 709.8, 710.5, -740, -745.2, -1060, 1024, -1080, 0x1p-30,
};
static const float special32[] = {
	NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 0x1p-149f, -0x1p-149f, 1e-40f, -1e-40f,
	FLT_MIN, -FLT_MIN, 1e-30f, 1, -1, 2, -2, 0.5f, -0.5f, 3, 1e22f, -1e22f, 1e30f, -1e30f,
	FLT_MAX, -FLT_MAX, 88.8f, 89.5f, -100, -103.9f, -140, 128, -150, 0x1p-15f,
};
#define NS64 (sizeof special64 / sizeof special64[0])
#define NS32 (sizeof special32 / sizeof special32[0])

START_TEST(special_f64)
{
	const func *f = &funcs[_i];
	double a[NS64 * NS64], b[NS64 * NS64], got[NS64 * NS64];
	size_t n = f->d2 ? NS64 * NS64 : NS64;
	path p[8];
	size_t np = paths(p);

	for (size_t i = 0; i < n; i++) {
		a[i] = special64[i % NS64];
		b[i] = special64[i / NS64];
	}
	for (size_t k = 0; k < np; k++) {
		p[k].f64(f->op, got, a, f->d2 ? b : NULL, n);
		for (size_t i = 0; i < n; i++) {
			double want = f->d1 ? f->d1(a[i]) : f->d2(a[i], b[i]);

			ck_assert_msg(agrees64(got[i], want), "%s(%a, %a) on %s: %a, libm %a", f->name,
			              a[i], b[i], p[k].name, got[i], want);
		}
	}
}
END_TEST

START_TEST(special_f32)
{
	const func *f = &funcs[_i];
	float a[NS32 * NS32], b[NS32 * NS32], got[NS32 * NS32];
	size_t n = f->d2 ? NS32 * NS32 : NS32;
	path p[8];
	size_t np = paths(p);

	for (size_t i = 0; i < n; i++) {
		a[i] = special32[i % NS32];
		b[i] = special32[i / NS32];
	}
	for (size_t k = 0; k < np; k++) {
		p[k].f32(f->op, got, a, f->d2 ? b : NULL, n);
		for (size_t i = 0; i < n; i++) {
			float want = f->f1 ? f->f1(a[i]) : f->f2(a[i], b[i]);

			ck_assert_msg(agrees32(got[i], want), "%sf(%a, %a) on %s: %a, libm %a", f->name,
			              (double)a[i], (double)b[i], p[k].name, (double)got[i], (double)want);
		}
	}
}
END_TEST

/* The results the issue names explicitly, spelled out. */
START_TEST(named_specials)
{
	double x = -0.0, tiny = 0x1.8p-1060, got;
	float xf = 0x1p-140f, gotf;

	ev_math_f64(EV_SIN, &got, &x, NULL, 1);
	ck_assert(got == 0 && signbit(got));
	ev_math_f64(EV_EXPM1, &got, &tiny, NULL, 1);
	ck_assert(got == tiny);
	ev_math_f64(EV_SIN, &got, &tiny, NULL, 1);
	ck_assert(got == tiny);
	x = -745;
	ev_math_f64(EV_EXP, &got, &x, NULL, 1);
	ck_assert(fpclassify(got) == FP_SUBNORMAL);
	ev_math_f32(EV_TANH, &gotf, &xf, NULL, 1);
	ck_assert(gotf == xf);
	x = NAN;
	ev_math_f64(EV_LOG, &got, &x, NULL, 1);
	ck_assert(isnan(got));
	x = -INFINITY;
	ev_math_f64(EV_EXP, &got, &x, NULL, 1);
	ck_assert(got == 0 && !signbit(got));
}
END_TEST

/* ---- block tails and aliasing ---- */

static const size_t lengths[] = {0, 1, 3, 7, 8, 9, 15, 16, 17, 2047, 2048};
#define GUARD 32

START_TEST(tails)
{
	size_t n = lengths[_i];
	path p[8];
	size_t np = paths(p);
	/* inputs exactly n long, so that a read past n trips the sanitizers */
	double *a = malloc(n * sizeof *a + 1), *b = malloc(n * sizeof *b + 1);
	double *got = malloc((n + GUARD) * sizeof *got), *alias = malloc(n * sizeof *alias + 1);
	float *af = malloc(n * sizeof *af + 1), *gotf = malloc((n + GUARD) * sizeof *gotf);

	ck_assert(a && b && got && alias && af && gotf);
	for (size_t i = 0; i < n; i++) {
		a[i] = draw((range){'U', -20, 20});
		b[i] = draw((range){'U', -3, 3});
		af[i] = (float)a[i];
	}
	for (size_t k = 0; k < np; k++) {
		const ev_op ops[] = {EV_SIN, EV_SQRT, EV_POW, EV_FMOD};

		for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
			int two = ops[o] == EV_POW || ops[o] == EV_FMOD;

			for (size_t i = 0; i < n + GUARD; i++) {
				got[i] = -7.0;
				gotf[i] = -7.0f;
			}
			p[k].f64(ops[o], got, a, two ? b : NULL, n);
			p[k].f32(ops[o], gotf, af, two ? af : NULL, n);
			for (size_t i = 0; i < n; i++) {
				double want = ops[o] == EV_SIN    ? sin(a[i])
				              : ops[o] == EV_SQRT ? sqrt(a[i])
				              : ops[o] == EV_POW  ? pow(a[i], b[i])
				                                  : fmod(a[i], b[i]);
				float wantf = ops[o] == EV_SIN    ? sinf(af[i])
				              : ops[o] == EV_SQRT ? sqrtf(af[i])
				              : ops[o] == EV_POW  ? powf(af[i], af[i])
				                                  : fmodf(af[i], af[i]);

				ck_assert_msg(agrees64(got[i], want), "row %zu of %zu on %s", i, n, p[k].name);
				ck_assert_msg(agrees32(gotf[i], wantf), "row %zu of %zu on %s", i, n,
				              p[k].name);
			}
			for (size_t i = n; i < n + GUARD; i++)
				ck_assert(got[i] == -7.0 && gotf[i] == -7.0f);
			/* in place: dst is a */
			if (n)
				memcpy(alias, a, n * sizeof *a);
			p[k].f64(ops[o], alias, alias, two ? b : NULL, n);
			ck_assert(n == 0 || memcmp(alias, got, n * sizeof *got) == 0);
		}
	}
	free(a);
	free(b);
	free(got);
	free(alias);
	free(af);
	free(gotf);
}
END_TEST

/* ---- choosing the path ---- */

static void forced(const char *want, const char *expect)
{
	/* the choice is made once per process: Check's fork per test gives
	 * each case its own */
	if (getenv("CK_FORK") && strcmp(getenv("CK_FORK"), "no") == 0)
		return;
	setenv("EVAL_MATH_ISA", want, 1);
	ck_assert_str_eq(ev_math_isa(), expect);
}

START_TEST(force_scalar)
{
	forced("scalar", "scalar");
}
END_TEST

START_TEST(force_sse)
{
	forced("sse", "sse");
}
END_TEST

START_TEST(force_unknown)
{
	path p[8];

	paths(p);
	forced("avx9000", p[0].name);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eval_math");
	TCase *tc = tcase_create("accuracy");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, accuracy, 0, NFUNCS);
	suite_add_tcase(s, tc);
	tc = tcase_create("special");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, special_f64, 0, NFUNCS);
	tcase_add_loop_test(tc, special_f32, 0, NFUNCS);
	tcase_add_test(tc, named_specials);
	suite_add_tcase(s, tc);
	tc = tcase_create("blocks");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, tails, 0, sizeof lengths / sizeof lengths[0]);
	tcase_add_test(tc, force_scalar);
	tcase_add_test(tc, force_sse);
	tcase_add_test(tc, force_unknown);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
