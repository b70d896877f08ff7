/* eval-expr back end, values: every operator class run through the front
 * end, the compiler and the VM, against references computed here
 * (__int128 and long double arithmetic, libm, numpy's results written out
 * as tables), with the special values, overflow, division by zero, casts
 * and nulls. */
#include <check.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "compile.h"
#include "run_suite.h"
#include "test_eval_vm_util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const int64_t ivals[] = {INT64_MIN, INT64_MIN + 1, -1000000007, -7, -3, -2, -1, 0, 1,
                                2, 3, 7, 1000000007, INT64_MAX - 1, INT64_MAX};

static const double fvals[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1.5, -2.5, 2.5, 3.0, -7.0,
                               1e308, -1e308, 5e-324, INFINITY, -INFINITY, NAN};

static int64_t wrap(__int128 v)
{
	return (int64_t)(uint64_t)(unsigned __int128)v;
}

/* Python's floor division and modulo, in 128 bits where nothing overflows */
static int64_t ref_floordiv(int64_t a, int64_t b)
{
	__int128 q = (__int128)a / b, r = (__int128)a % b;

	if (r != 0 && ((r < 0) != (b < 0)))
		q--;
	return wrap(q);
}

static int64_t ref_mod(int64_t a, int64_t b)
{
	__int128 r = (__int128)a % b;

	if (r != 0 && ((r < 0) != (b < 0)))
		r += b;
	return wrap(r);
}

static int64_t ref_pow(int64_t a, int64_t e)
{
	uint64_t r = 1;

	for (int64_t i = 0; i < e; i++)
		r *= (uint64_t)a;
	return (int64_t)r;
}

/* Every pair of ivals as columns a, b (and p: a > b, as a bool column). */
static stage_batch *int_pairs(stage_schema **s)
{
	stage_builder b;
	stage_batch *batch;
	stage_error err = {0};

	*s = evt_schema("a:int64,b:int64");
	ck_assert_int_eq(stage_builder_init(&b, *s, &err), 0);
	for (size_t i = 0; i < NELEM(ivals); i++)
		for (size_t j = 0; j < NELEM(ivals); j++) {
			stage_col_append_i64(&b.cols[0], ivals[i]);
			stage_col_append_i64(&b.cols[1], ivals[j]);
		}
	ck_assert_int_eq(stage_builder_finish(&b, &batch, &err), 0);
	stage_builder_release(&b);
	return batch;
}

static void check_i64(const stage_array *c, int64_t row, bool valid, int64_t want,
                      const char *what, int64_t a, int64_t b)
{
	ck_assert_int_eq(c->type, STAGE_INT64);
	ck_assert_msg(stage_array_is_null(c, row) == !valid, "%s(%lld, %lld): null is %d", what,
	              (long long)a, (long long)b, stage_array_is_null(c, row));
	if (valid)
		ck_assert_msg(stage_array_i64(c, row) == want, "%s(%lld, %lld) = %lld, want %lld",
		              what, (long long)a, (long long)b,
		              (long long)stage_array_i64(c, row), (long long)want);
}

/* + - * // % fmod neg abs min max clip on int64, wrapping, with null for a
 * zero divisor and INT64_MIN // -1 wrapping to INT64_MIN. */
START_TEST(int64_arithmetic)
{
	static const char *const ex[] = {
		"add = a + b", "sub = a - b", "mul = a * b", "fdiv = a // b", "mod = a % b",
		"fm = fmod(a, b)", "neg = -a", "ab = abs(a)", "mn = min(a, b)", "mx = max(a, b)",
		"cl = clip(a, b, 5)", "fl = floor(a)", "rd = round(a)", "dv = a / b", "lt = a < b",
		"le = a <= b", "eq = a == b", "ne = a != b", "gt = a > b", "ge = a >= b",
	};
	stage_schema *s;
	stage_batch *in = int_pairs(&s);
	evt_result r = evt_run(s, in, ex, NELEM(ex), NULL);
	int64_t row = 0;

	for (size_t i = 0; i < NELEM(ivals); i++)
		for (size_t j = 0; j < NELEM(ivals); j++, row++) {
			int64_t a = ivals[i], b = ivals[j];
			int64_t lo = a > b ? a : b;

			check_i64(evt_col(&r, "add"), row, true, wrap((__int128)a + b), "add", a, b);
			check_i64(evt_col(&r, "sub"), row, true, wrap((__int128)a - b), "sub", a, b);
			check_i64(evt_col(&r, "mul"), row, true, wrap((__int128)a * b), "mul", a, b);
			check_i64(evt_col(&r, "fdiv"), row, b != 0, b ? ref_floordiv(a, b) : 0, "//", a,
			          b);
			check_i64(evt_col(&r, "mod"), row, b != 0, b ? ref_mod(a, b) : 0, "%", a, b);
			check_i64(evt_col(&r, "fm"), row, b != 0, b ? wrap((__int128)a % b) : 0, "fmod",
			          a, b);
			check_i64(evt_col(&r, "neg"), row, true, wrap(-(__int128)a), "neg", a, b);
			check_i64(evt_col(&r, "ab"), row, true, a < 0 ? wrap(-(__int128)a) : a, "abs", a,
			          b);
			check_i64(evt_col(&r, "mn"), row, true, a < b ? a : b, "min", a, b);
			check_i64(evt_col(&r, "mx"), row, true, a > b ? a : b, "max", a, b);
			check_i64(evt_col(&r, "cl"), row, true, lo < 5 ? lo : 5, "clip", a, b);
			check_i64(evt_col(&r, "fl"), row, true, a, "floor", a, b);
			check_i64(evt_col(&r, "rd"), row, true, a, "round", a, b);
			/* int / int is float64 division: no null, inf or NaN for 0 */
			ck_assert(!stage_array_is_null(evt_col(&r, "dv"), row));
			ck_assert(evt_same_f64(stage_array_f64(evt_col(&r, "dv"), row),
			                       (double)(long double)a / (double)(long double)b));
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "lt"), row), a < b);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "le"), row), a <= b);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "eq"), row), a == b);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "ne"), row), a != b);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "gt"), row), a > b);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "ge"), row), a >= b);
		}
	/* the corner cases by name, whatever the table above holds */
	ck_assert_int_eq(ref_floordiv(INT64_MIN, -1), INT64_MIN);
	ck_assert_int_eq(ref_mod(INT64_MIN, -1), 0);
	ck_assert_int_eq(ref_mod(-7, 2), 1);
	ck_assert_int_eq(ref_mod(7, -2), -1);
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* ** on int64: repeated squaring wrapping, 0 ** 0 = 1, a negative exponent
 * gives null. */
START_TEST(int64_power)
{
	static const int64_t exps[] = {-2, -1, 0, 1, 2, 3, 5, 62, 63, 64, 65, 127};
	static const char *const ex[] = {"pw = a ** b", "pw2 = pow(a, b)"};
	stage_schema *s = evt_schema("a:int64,b:int64");
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};
	evt_result r;
	int64_t row = 0;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (size_t i = 0; i < NELEM(ivals); i++)
		for (size_t j = 0; j < NELEM(exps); j++) {
			stage_col_append_i64(&bl.cols[0], ivals[i]);
			stage_col_append_i64(&bl.cols[1], exps[j]);
		}
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	r = evt_run(s, in, ex, NELEM(ex), NULL);
	for (size_t i = 0; i < NELEM(ivals); i++)
		for (size_t j = 0; j < NELEM(exps); j++, row++) {
			int64_t a = ivals[i], e = exps[j];

			check_i64(evt_col(&r, "pw"), row, e >= 0, ref_pow(a, e), "**", a, e);
			check_i64(evt_col(&r, "pw2"), row, e >= 0, ref_pow(a, e), "pow", a, e);
		}
	ck_assert_int_eq(ref_pow(0, 0), 1);
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* Every pair of fvals as x, y (float64) and f, g (float32). */
static stage_batch *float_pairs(stage_schema **s)
{
	stage_builder b;
	stage_batch *batch;
	stage_error err = {0};

	*s = evt_schema("x:float64,y:float64,f:float32,g:float32");
	ck_assert_int_eq(stage_builder_init(&b, *s, &err), 0);
	for (size_t i = 0; i < NELEM(fvals); i++)
		for (size_t j = 0; j < NELEM(fvals); j++) {
			stage_col_append_f64(&b.cols[0], fvals[i]);
			stage_col_append_f64(&b.cols[1], fvals[j]);
			stage_col_append_f32(&b.cols[2], (float)fvals[i]);
			stage_col_append_f32(&b.cols[3], (float)fvals[j]);
		}
	ck_assert_int_eq(stage_builder_finish(&b, &batch, &err), 0);
	stage_builder_release(&b);
	return batch;
}

static void check_f64(const stage_array *c, int64_t row, double want, const char *what,
                      double x, double y)
{
	double got;

	ck_assert_int_eq(c->type, STAGE_FLOAT64);
	ck_assert(!stage_array_is_null(c, row));
	got = stage_array_f64(c, row);
	ck_assert_msg(evt_same_f64(got, want), "%s(%a, %a) = %a, want %a", what, x, y, got, want);
}

static void check_f32(const stage_array *c, int64_t row, float want, const char *what, float x,
                      float y)
{
	float got;

	ck_assert_int_eq(c->type, STAGE_FLOAT32);
	ck_assert(!stage_array_is_null(c, row));
	got = stage_array_f32(c, row);
	ck_assert_msg(evt_same_f64(got, want), "%s(%a, %a) = %a, want %a", what, (double)x,
	              (double)y, (double)got, (double)want);
}

/* numpy.minimum: NaN if either is NaN; equal zeros may come out either way */
static double ref_min(double a, double b, bool *either)
{
	*either = a == b;
	return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
}

static double ref_max(double a, double b, bool *either)
{
	*either = a == b;
	return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
}

static void check_minmax(const stage_array *c, int64_t row, double want, bool either,
                         const char *what, double x, double y)
{
	double got = c->type == STAGE_FLOAT32 ? stage_array_f32(c, row) : stage_array_f64(c, row);

	if (either && want == 0)
		ck_assert_msg(got == 0, "%s(%a, %a) = %a", what, x, y, got);
	else
		ck_assert_msg(evt_same_f64(got, want), "%s(%a, %a) = %a, want %a", what, x, y, got,
		              want);
}

/* + - * / exact (correctly rounded: a long double sum of two doubles is
 * exact in these cases or rounds once), min and max propagating NaN, -0
 * kept, on float64 and float32. */
START_TEST(float_arithmetic)
{
	static const char *const ex[] = {
		"add = x + y", "sub = x - y", "mul = x * y", "div = x / y", "mn = min(x, y)",
		"mx = max(x, y)", "cl = clip(x, y, 2.0)", "add32 = f + g", "sub32 = f - g", "mul32 = f * g",
		"div32 = f / g", "mn32 = min(f, g)", "mx32 = max(f, g)",
	};
	stage_schema *s;
	stage_batch *in = float_pairs(&s);
	evt_result r = evt_run(s, in, ex, NELEM(ex), NULL);
	int64_t row = 0;

	for (size_t i = 0; i < NELEM(fvals); i++)
		for (size_t j = 0; j < NELEM(fvals); j++, row++) {
			double x = fvals[i], y = fvals[j], m;
			float f = (float)x, g = (float)y;
			bool either;

			check_f64(evt_col(&r, "add"), row, x + y, "+", x, y);
			check_f64(evt_col(&r, "sub"), row, x - y, "-", x, y);
			check_f64(evt_col(&r, "mul"), row, x * y, "*", x, y);
			check_f64(evt_col(&r, "div"), row, x / y, "/", x, y);
			m = ref_min(x, y, &either);
			check_minmax(evt_col(&r, "mn"), row, m, either, "min", x, y);
			m = ref_max(x, y, &either);
			check_minmax(evt_col(&r, "mx"), row, m, either, "max", x, y);
			if (!either) {
				m = ref_min(m, 2.0, &either);
				check_minmax(evt_col(&r, "cl"), row, m, either, "clip", x, y);
			}
			check_f32(evt_col(&r, "add32"), row, f + g, "+", f, g);
			check_f32(evt_col(&r, "sub32"), row, f - g, "-", f, g);
			check_f32(evt_col(&r, "mul32"), row, f * g, "*", f, g);
			check_f32(evt_col(&r, "div32"), row, f / g, "/", f, g);
			m = (float)ref_min(f, g, &either);
			check_minmax(evt_col(&r, "mn32"), row, m, either, "min32", f, g);
			m = (float)ref_max(f, g, &either);
			check_minmax(evt_col(&r, "mx32"), row, m, either, "max32", f, g);
		}
	/* the exactness of + against an 80-bit sum that needs no rounding */
	ck_assert(evt_same_f64((double)((long double)0.1 + (long double)3.0), 0.1 + 3.0));
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* Round half to even, written out without nearbyint(). */
static double ref_round(double x)
{
	double fl, d, r;

	if (!isfinite(x))
		return x;
	fl = floor(x);
	d = x - fl;
	r = d > 0.5 ? fl + 1 : d < 0.5 ? fl : fmod(fl, 2.0) == 0 ? fl : fl + 1;
	return copysign(r, x);
}

/* Unary float functions with their special values; round half to even. */
START_TEST(float_unary)
{
	static const double halves[][2] = {
		{0.5, 0.0},   {1.5, 2.0},   {2.5, 2.0},     {-0.5, -0.0},
		{-1.5, -2.0}, {-2.5, -2.0}, {0.49999999999999994, 0.0},
		{4503599627370497.0, 4503599627370497.0},
	};
	static const char *const ex[] = {
		"sq = sqrt(x)", "ng = -x", "ab = abs(x)", "fl = floor(x)", "ce = ceil(x)",
		"rd = round(x)", "tr = trunc(x)", "sq32 = sqrt(f)", "ng32 = -f", "rd32 = round(f)",
		"isn = isnan(x)", "isi = isinf(x)", "isf = isfinite(f)",
	};
	stage_schema *s;
	stage_batch *in = float_pairs(&s);
	evt_result r = evt_run(s, in, ex, NELEM(ex), NULL);
	int64_t row = 0;

	for (size_t i = 0; i < NELEM(fvals); i++)
		for (size_t j = 0; j < NELEM(fvals); j++, row++) {
			double x = fvals[i];
			float f = (float)x;

			check_f64(evt_col(&r, "sq"), row, sqrt(x), "sqrt", x, 0);
			check_f64(evt_col(&r, "ng"), row, copysign(fabs(x), signbit(x) ? 1 : -1) * 1,
			          "neg", x, 0);
			check_f64(evt_col(&r, "ab"), row, fabs(x), "abs", x, 0);
			check_f64(evt_col(&r, "fl"), row, floor(x), "floor", x, 0);
			check_f64(evt_col(&r, "ce"), row, ceil(x), "ceil", x, 0);
			check_f64(evt_col(&r, "rd"), row, ref_round(x), "round", x, 0);
			check_f64(evt_col(&r, "tr"), row, trunc(x), "trunc", x, 0);
			check_f32(evt_col(&r, "sq32"), row, sqrtf(f), "sqrt32", f, 0);
			check_f32(evt_col(&r, "ng32"), row, -f, "neg32", f, 0);
			check_f32(evt_col(&r, "rd32"), row, (float)ref_round(f), "round32", f, 0);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "isn"), row), x != x);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "isi"), row),
			                 x == INFINITY || x == -INFINITY);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "isf"), row),
			                 !(f != f) && f != INFINITY && f != -INFINITY);
		}
	for (size_t i = 0; i < NELEM(halves); i++)
		ck_assert(evt_same_f64(ref_round(halves[i][0]), halves[i][1]));
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
	/* the table of halves through the VM */
	{
		static const char *const ex2[] = {"rd = round(x)"};
		stage_builder bl;
		stage_error err = {0};

		s = evt_schema("x:float64");
		ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
		for (size_t i = 0; i < NELEM(halves); i++)
			stage_col_append_f64(&bl.cols[0], halves[i][0]);
		ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
		stage_builder_release(&bl);
		r = evt_run(s, in, ex2, 1, NULL);
		for (size_t i = 0; i < NELEM(halves); i++)
			check_f64(evt_col(&r, "rd"), (int64_t)i, halves[i][1], "round", halves[i][0], 0);
		evt_free(&r);
		stage_batch_free(in);
		stage_schema_free(s);
	}
}
END_TEST

/* Float // and %: numpy.floor_divide and numpy.remainder, as numpy 1.26
 * printed them (float64 and float32 agree on these). */
START_TEST(float_floordiv_mod)
{
	static const double t[][4] = {
		/* x, y, x // y, x % y */
		{7.0, 2.0, 3.0, 1.0},
		{-7.0, 2.0, -4.0, 1.0},
		{7.0, -2.0, -4.0, -1.0},
		{-7.0, -2.0, 3.0, -1.0},
		{1.0, 0.0, INFINITY, NAN},
		{-1.0, 0.0, -INFINITY, NAN},
		{0.0, 0.0, NAN, NAN},
		{0.0, -2.0, -0.0, -0.0},
		{-0.0, 2.0, -0.0, 0.0},
		{5.0, INFINITY, 0.0, 5.0},
		{-5.0, INFINITY, -1.0, INFINITY},
		{INFINITY, 2.0, NAN, NAN},
		{NAN, 1.0, NAN, NAN},
		{-3.5, 0.5, -7.0, 0.0},
	};
	static const char *const ex[] = {"fd = x // y", "md = x % y", "fd32 = f // g",
	                                 "md32 = f % g"};
	stage_schema *s = evt_schema("x:float64,y:float64,f:float32,g:float32");
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};
	evt_result r;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (size_t i = 0; i < NELEM(t); i++) {
		stage_col_append_f64(&bl.cols[0], t[i][0]);
		stage_col_append_f64(&bl.cols[1], t[i][1]);
		stage_col_append_f32(&bl.cols[2], (float)t[i][0]);
		stage_col_append_f32(&bl.cols[3], (float)t[i][1]);
	}
	/* 1.0 // 0.1 is 9 (floor(1.0 / 0.1) would be 10) and 1.0 % 0.1 is
	 * 0.09999999999999995, as in Python */
	stage_col_append_f64(&bl.cols[0], 1.0);
	stage_col_append_f64(&bl.cols[1], 0.1);
	stage_col_append_f32(&bl.cols[2], 1.0f);
	stage_col_append_f32(&bl.cols[3], 0.1f);
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	r = evt_run(s, in, ex, NELEM(ex), NULL);
	for (size_t i = 0; i < NELEM(t); i++) {
		check_f64(evt_col(&r, "fd"), (int64_t)i, t[i][2], "//", t[i][0], t[i][1]);
		check_f64(evt_col(&r, "md"), (int64_t)i, t[i][3], "%", t[i][0], t[i][1]);
		check_f32(evt_col(&r, "fd32"), (int64_t)i, (float)t[i][2], "//", (float)t[i][0],
		          (float)t[i][1]);
		check_f32(evt_col(&r, "md32"), (int64_t)i, (float)t[i][3], "%", (float)t[i][0],
		          (float)t[i][1]);
	}
	check_f64(evt_col(&r, "fd"), (int64_t)NELEM(t), 9.0, "//", 1.0, 0.1);
	check_f64(evt_col(&r, "md"), (int64_t)NELEM(t), 0x1.9999999999996p-4, "%", 1.0, 0.1);
	check_f32(evt_col(&r, "fd32"), (int64_t)NELEM(t), 9.0f, "//", 1.0f, 0.1f);
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* Comparisons follow IEEE: NaN is unequal to everything, -0 == 0. */
START_TEST(float_compare)
{
	static const char *const ex[] = {"eq = x == y", "ne = x != y", "lt = x < y",
	                                 "le = x <= y", "gt = x > y",  "ge = x >= y",
	                                 "lt32 = f < g", "ne32 = f != g"};
	stage_schema *s;
	stage_batch *in = float_pairs(&s);
	evt_result r = evt_run(s, in, ex, NELEM(ex), NULL);
	int64_t row = 0;

	for (size_t i = 0; i < NELEM(fvals); i++)
		for (size_t j = 0; j < NELEM(fvals); j++, row++) {
			double x = fvals[i], y = fvals[j];
			float f = (float)x, g = (float)y;

			ck_assert_int_eq(stage_array_bool(evt_col(&r, "eq"), row), x == y);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "ne"), row), x != y);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "lt"), row), x < y);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "le"), row), x <= y);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "gt"), row), x > y);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "ge"), row), x >= y);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "lt32"), row), f < g);
			ck_assert_int_eq(stage_array_bool(evt_col(&r, "ne32"), row), f != g);
		}
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* int(x) truncates toward zero; NaN, inf and values out of [-2^63, 2^63)
 * give null. float(a) rounds to nearest. */
START_TEST(casts)
{
	static const struct {
		double x;
		bool valid;
		int64_t want;
	} t[] = {
		{2.7, true, 2},
		{-2.7, true, -2},
		{-0.0, true, 0},
		{1e18, true, 1000000000000000000},
		{-9223372036854775808.0, true, INT64_MIN},
		{9223372036854774784.0, true, 9223372036854774784},
		{9223372036854775808.0, false, 0},
		{-9223372036854777856.0, false, 0},
		{1e300, false, 0},
		{INFINITY, false, 0},
		{-INFINITY, false, 0},
		{NAN, false, 0},
	};
	static const char *const ex[] = {"i = int(x)",   "i32 = int(f)",  "fa = float(a)",
	                                 "bi = p + 0",   "bf = p + 0.5",  "fx = f + x",
	                                 "fl = f * 2.5"};
	stage_schema *s = evt_schema("x:float64,f:float32,a:int64,p:bool");
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};
	evt_result r;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (size_t i = 0; i < NELEM(t); i++) {
		stage_col_append_f64(&bl.cols[0], t[i].x);
		stage_col_append_f32(&bl.cols[1], (float)t[i].x);
		stage_col_append_i64(&bl.cols[2], ivals[i]);
		stage_col_append_bool(&bl.cols[3], i % 2);
	}
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	r = evt_run(s, in, ex, NELEM(ex), NULL);
	for (size_t i = 0; i < NELEM(t); i++) {
		float f = (float)t[i].x;
		bool fin = f >= -0x1p63f && f < 0x1p63f;

		check_i64(evt_col(&r, "i"), (int64_t)i, t[i].valid, t[i].want, "int", 0, 0);
		check_i64(evt_col(&r, "i32"), (int64_t)i, fin, fin ? (int64_t)f : 0, "int32", 0, 0);
		check_f64(evt_col(&r, "fa"), (int64_t)i, (double)(long double)ivals[i], "float",
		          0, 0);
		check_i64(evt_col(&r, "bi"), (int64_t)i, true, (int64_t)(i % 2), "bool+0", 0, 0);
		check_f64(evt_col(&r, "bf"), (int64_t)i, (double)(i % 2) + 0.5, "bool+0.5", 0, 0);
		check_f64(evt_col(&r, "fx"), (int64_t)i, (double)f + t[i].x, "f32+f64", 0, 0);
		check_f32(evt_col(&r, "fl"), (int64_t)i, f * 2.5f, "f32*lit", 0, 0);
	}
	/* INT64_MAX rounds up to 2^63 */
	ck_assert(evt_same_f64((double)(long double)INT64_MAX, 0x1p63));
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* -0.0 survives negation, multiplication by one, where(), min of equal
 * zeros, rounding toward it; abs() clears it. */
START_TEST(negative_zero)
{
	static const char *const ex[] = {"n = -x", "m = x * 1.0", "w = where(p, x, 1.0)",
	                                 "r = round(x - 0.25)", "t = trunc(x - 0.5)",
	                                 "c = ceil(x - 0.5)", "a = abs(x)", "s = x + 0.0"};
	stage_schema *s = evt_schema("x:float64,p:bool");
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};
	evt_result r;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	stage_col_append_f64(&bl.cols[0], -0.0);
	stage_col_append_bool(&bl.cols[1], true);
	stage_col_append_f64(&bl.cols[0], 0.0);
	stage_col_append_bool(&bl.cols[1], true);
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	r = evt_run(s, in, ex, NELEM(ex), NULL);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "n"), 0)) == 0);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "n"), 1)) != 0);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "m"), 0)) != 0);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "w"), 0)) != 0);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "r"), 0)) != 0);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "t"), 0)) != 0);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "c"), 0)) != 0);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "a"), 0)) == 0);
	ck_assert(signbit(stage_array_f64(evt_col(&r, "s"), 0)) == 0);
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* SQL three-valued logic over every pair of true, false, null. */
START_TEST(kleene)
{
	/* 0 false, 1 true, 2 null */
	static const int and_t[3][3] = {{0, 0, 0}, {0, 1, 2}, {0, 2, 2}};
	static const int or_t[3][3] = {{0, 1, 2}, {1, 1, 1}, {2, 1, 2}};
	static const int not_t[3] = {1, 0, 2};
	static const char *const ex[] = {"an = p and q", "o = p or q", "n = not p",
	                                 "w = where(p, 1, 2)", "e = p == q"};
	stage_schema *s = evt_schema("p:bool,q:bool");
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};
	evt_result r;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			if (i == 2)
				stage_col_append_null(&bl.cols[0]);
			else
				stage_col_append_bool(&bl.cols[0], i);
			if (j == 2)
				stage_col_append_null(&bl.cols[1]);
			else
				stage_col_append_bool(&bl.cols[1], j);
		}
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	r = evt_run(s, in, ex, NELEM(ex), NULL);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			int64_t row = i * 3 + j;
			const stage_array *an = evt_col(&r, "an"), *o = evt_col(&r, "o");
			const stage_array *n = evt_col(&r, "n"), *w = evt_col(&r, "w");
			const stage_array *e = evt_col(&r, "e");

			ck_assert_int_eq(stage_array_is_null(an, row) ? 2 : stage_array_bool(an, row),
			                 and_t[i][j]);
			ck_assert_int_eq(stage_array_is_null(o, row) ? 2 : stage_array_bool(o, row),
			                 or_t[i][j]);
			ck_assert_int_eq(stage_array_is_null(n, row) ? 2 : stage_array_bool(n, row),
			                 not_t[i]);
			ck_assert_int_eq(stage_array_is_null(w, row), i == 2);
			if (i != 2)
				ck_assert_int_eq(stage_array_i64(w, row), i ? 1 : 2);
			ck_assert_int_eq(stage_array_is_null(e, row), i == 2 || j == 2);
			if (i != 2 && j != 2)
				ck_assert_int_eq(stage_array_bool(e, row), i == j);
		}
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* Null in, null out through every class of operation: rows are (valid,
 * valid), (null, valid), (valid, null), (null, null); where() is null
 * only when its condition or the chosen value is. */
START_TEST(nulls_everywhere)
{
	static const char *const ex[] = {
		"add = a + b",      "fd = a // b",       "pw = a ** b",       "ng = -a",
		"cv = float(a)",    "fx = x * y",        "sq = sqrt(x)",      "sn = sin(x)",
		"at = arctan2(x, y)", "fm = fmod(x, y)", "lt = a < b",        "eq = x == y",
		"isn = isnan(x)",   "mn = min(a, b)",    "cl = clip(x, y, y)", "ti = int(x)",
		"ct = contains(s, 'b')", "ln = len(s)", "rx = s ~ 'b+'", "se = s == t",
		"wx = where(p, a, b)", "px = x ** 2",
	};
	stage_schema *s = evt_schema("a:int64,b:int64,x:float64,y:float64,s:utf8,t:utf8,p:bool");
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};
	evt_result r;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (int row = 0; row < 4; row++) {
		bool n1 = row & 1, n2 = row & 2;

		if (n1) {
			stage_col_append_null(&bl.cols[0]);
			stage_col_append_null(&bl.cols[2]);
			stage_col_append_null(&bl.cols[4]);
		} else {
			stage_col_append_i64(&bl.cols[0], 6);
			stage_col_append_f64(&bl.cols[2], 0.5);
			stage_col_append_bytes(&bl.cols[4], "abb", 3);
		}
		if (n2) {
			stage_col_append_null(&bl.cols[1]);
			stage_col_append_null(&bl.cols[3]);
			stage_col_append_null(&bl.cols[5]);
		} else {
			stage_col_append_i64(&bl.cols[1], 4);
			stage_col_append_f64(&bl.cols[3], 2.0);
			stage_col_append_bytes(&bl.cols[5], "abb", 3);
		}
		stage_col_append_bool(&bl.cols[6], true);
	}
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	r = evt_run(s, in, ex, NELEM(ex), NULL);
	for (size_t k = 0; k < NELEM(ex); k++) {
		char name[8];
		const stage_array *c;
		bool unary = strstr(ex[k], "(a)") || strstr(ex[k], "(x)") || strstr(ex[k], "-a") ||
		             strstr(ex[k], "(s") || strstr(ex[k], "s ~") || strstr(ex[k], "x **");
		bool right_only = strstr(ex[k], "where") != NULL; /* p, a, b: a chosen */

		sscanf(ex[k], "%7s", name);
		c = evt_col(&r, name);
		for (int row = 0; row < 4; row++) {
			bool n1 = row & 1, n2 = row & 2;
			bool want = right_only ? n1 : unary ? n1 : n1 || n2;

			ck_assert_msg(stage_array_is_null(c, row) == want, "%s row %d: null %d", ex[k],
			              row, !want);
		}
		ck_assert_int_eq(c->null_count, right_only || unary ? 2 : 3);
	}
	ck_assert_int_eq(stage_array_i64(evt_col(&r, "add"), 0), 10);
	ck_assert_int_eq(stage_array_i64(evt_col(&r, "fd"), 0), 1);
	ck_assert_int_eq(stage_array_i64(evt_col(&r, "pw"), 0), 1296);
	ck_assert_int_eq(stage_array_i64(evt_col(&r, "ln"), 0), 3);
	ck_assert(stage_array_bool(evt_col(&r, "rx"), 0));
	ck_assert(evt_same_f64(stage_array_f64(evt_col(&r, "px"), 0), 0.25));
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* The shapes of programs: shared subexpressions, assignments copying
 * others, literal results, many temporaries live at once (slots reused),
 * results that feed later assignments and a dropped one --where reads. */
START_TEST(program_shapes)
{
	static const char *const ex[] = {
		"y = a + b",
		"z = a + b",
		"w = (a + b) * 2 + y",
		"v = y",
		"k = 5",
		"t = true",
		"h = 1.5",
		"deep = ((a + 1) * (b - 2) + (a * b - (a + 3) * (b + 4))) // 7 - ((a - b) * (a + b) "
		"- (a + 1) * (b - 2)) % 5",
		"fx = ((x + 1.0) * (x - 2.0) + (x * 0.5 - (x + 3.0) * (x + 4.0))) / (x * x + 1.0)",
		"sq = x ** 2",
		"hidden = a * 10",
	};
	stage_schema *s = evt_schema("a:int64,b:int64,x:float64");
	ev_front_opts o = {.assignments = ex, .nassignments = NELEM(ex), .where = "hidden > -25",
	                   .drop = "hidden"};
	stage_builder bl;
	stage_batch *in, *out;
	stage_error err = {0};
	ev_ast *ast;
	ev_plan *p;
	ev_scratch *sc;
	ev_job *job;
	evt_result r;
	int64_t j = 0;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (int64_t i = 0; i < 3000; i++) {
		stage_col_append_i64(&bl.cols[0], i % 11 - 5);
		stage_col_append_i64(&bl.cols[1], i % 13 - 6);
		stage_col_append_f64(&bl.cols[2], (double)i * 0.37 - 500.0);
	}
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	ck_assert_msg(ev_front(&o, s, &ast, &err) == 0, "%s", err.msg);
	ck_assert_msg(ev_plan_compile(ast, s, &p, &err) == 0, "%s", err.msg);
	ev_ast_free(ast);
	/* 50 values, of which at most 8 are live at once */
	ck_assert_int_le(p->nslots, 10);
	ck_assert_uint_ge(p->nvalues, 40);
	ck_assert_ptr_nonnull(sc = ev_scratch_new(p, &err));
	ck_assert_int_eq(ev_job_begin(p, in, &job, &err), 0);
	ck_assert_int_eq(ev_job_range(p, sc, job, 0, 3000, &err), 0);
	ck_assert_int_eq(ev_job_finish(p, job, &out, &err), 0);
	r = (evt_result){out, stage_schema_copy(ev_plan_schema(p), &err)};
	ck_assert_uint_eq(r.schema->ncols, 3 + NELEM(ex) - 1);
	for (int64_t i = 0; i < 3000; i++) {
		int64_t a = i % 11 - 5, b = i % 13 - 6;
		double x = (double)i * 0.37 - 500.0;
		int64_t d1 = (a + 1) * (b - 2) + (a * b - (a + 3) * (b + 4));
		int64_t d2 = (a - b) * (a + b) - (a + 1) * (b - 2);

		if (a * 10 <= -25)
			continue;
		ck_assert_int_eq(stage_array_i64(evt_col(&r, "y"), j), a + b);
		ck_assert_int_eq(stage_array_i64(evt_col(&r, "z"), j), a + b);
		ck_assert_int_eq(stage_array_i64(evt_col(&r, "w"), j), 3 * (a + b));
		ck_assert_int_eq(stage_array_i64(evt_col(&r, "v"), j), a + b);
		ck_assert_int_eq(stage_array_i64(evt_col(&r, "k"), j), 5);
		ck_assert(stage_array_bool(evt_col(&r, "t"), j));
		ck_assert(stage_array_f64(evt_col(&r, "h"), j) == 1.5);
		ck_assert_int_eq(stage_array_i64(evt_col(&r, "deep"), j),
		                 ref_floordiv(d1, 7) - ref_mod(d2, 5));
		ck_assert(evt_same_f64(stage_array_f64(evt_col(&r, "fx"), j),
		                       ((x + 1.0) * (x - 2.0) + (x * 0.5 - (x + 3.0) * (x + 4.0))) /
		                               (x * x + 1.0)));
		ck_assert(evt_same_f64(stage_array_f64(evt_col(&r, "sq"), j), x * x));
		j++;
	}
	ck_assert_int_eq(r.batch->nrows, j);
	evt_free(&r);
	ev_scratch_free(sc);
	ev_plan_free(p);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* The fused multiply-add (EV_F_MULADD) against the two roundings of
 * separate operations, with and without nulls, over lengths that leave
 * every vector tail and cross blocks and ranges. */
static double ref_mul(double x, double y)
{
	volatile double t = x * y; /* rounded on its own, whatever the flags */

	return t;
}

static float ref_mulf(float x, float y)
{
	volatile float t = x * y;

	return t;
}

static double muladd_value(int64_t i, int k)
{
	return i % 17 == 0 ? fvals[(size_t)(i / 17 + k) % NELEM(fvals)]
	                   : (double)((i * 7919 + k * 104729) % 20011) * 0.0137 - 137.1;
}

/* nulls: 0 none, 1 in every block, 2 only from the second block on (so
 * null-free blocks and blocks with nulls fill one bitmap) */
static stage_batch *muladd_batch(const stage_schema *s, int64_t n, int nulls)
{
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (int64_t i = 0; i < n; i++)
		for (int k = 0; k < 3; k++) {
			double v = muladd_value(i, k);
			bool null = nulls && i >= (nulls == 2 ? 2048 : 0) && i % (5 + 2 * k) == k;

			if (null)
				stage_col_append_null(&bl.cols[k]);
			else
				stage_col_append_f64(&bl.cols[k], v);
			if (null)
				stage_col_append_null(&bl.cols[3 + k]);
			else
				stage_col_append_f32(&bl.cols[3 + k], (float)v);
		}
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	return in;
}

static bool muladd_null(const stage_array *const *in, int64_t i, const char *uses)
{
	for (int k = 0; k < 3; k++)
		if (strchr(uses, "xyz"[k]) && stage_array_is_null(in[k], i))
			return true;
	return false;
}

/* Checks row i of one result; plain ifs, as every ck_assert costs check a
 * write and there are hundreds of thousands of checks here. */
static void check_muladd_row(const stage_array *out, int64_t i, bool null, double want,
                             const char *name)
{
	double got;

	if (stage_array_is_null(out, i) != null)
		ck_abort_msg("%s row %lld: null %d, want %d", name, (long long)i, !null, null);
	if (null)
		return;
	got = out->type == STAGE_FLOAT32 ? stage_array_f32(out, i) : stage_array_f64(out, i);
	if (!evt_same_f64(got, want))
		ck_abort_msg("%s row %lld: %a, want %a", name, (long long)i, got, want);
}

static const char *const muladd_ex[] = {
	"m1 = x*y + z", "m2 = z + x*y", "m3 = x*y - z",  "m4 = z - x*y",  "m5 = x**2 - z",
	"m6 = f*g + h", "m7 = h - f*g", "m8 = x*y + z*x", "p = x*y",       "m9 = p + z",
};

/* Expression k of muladd_ex at row i: its columns and its value, from
 * products rounded on their own. */
static double muladd_want(size_t k, int64_t i, const char **uses)
{
	double x = muladd_value(i, 0), y = muladd_value(i, 1), z = muladd_value(i, 2);
	float f = (float)x, g = (float)y, h = (float)z;
	double want[] = {ref_mul(x, y) + z,  z + ref_mul(x, y), ref_mul(x, y) - z,
	                 z - ref_mul(x, y),  ref_mul(x, x) - z, ref_mulf(f, g) + h,
	                 h - ref_mulf(f, g), ref_mul(x, y) + ref_mul(z, x), ref_mul(x, y),
	                 ref_mul(x, y) + z};

	*uses = k == 4 ? "xz" : k == 8 ? "xy" : "xyz";
	return want[k];
}

/* Checks column k of muladd_ex in r. */
static void check_muladd(const evt_result *r, const stage_batch *in, size_t k)
{
	const stage_array *c[3] = {&in->cols[0], &in->cols[1], &in->cols[2]};
	char name[8];
	const stage_array *out;

	sscanf(muladd_ex[k], "%7s", name);
	out = evt_col(r, name);
	/* without nulls in, no bitmap out */
	ck_assert(c[0]->null_count || c[1]->null_count || c[2]->null_count ||
	          (!out->null_count && !out->validity));
	for (int64_t i = 0; i < in->nrows; i++) {
		const char *uses;
		double want = muladd_want(k, i, &uses);

		check_muladd_row(out, i, muladd_null(c, i, uses), want, name);
	}
}

/* How many fused instructions the program has. */
static size_t count_fused(const stage_schema *s, const char *const *ex, size_t n)
{
	ev_front_opts o = {.assignments = ex, .nassignments = n};
	stage_error err = {0};
	size_t fused = 0;
	ev_ast *ast;
	ev_plan *p;

	ck_assert_msg(ev_front(&o, s, &ast, &err) == 0, "%s", err.msg);
	ck_assert_msg(ev_plan_compile(ast, s, &p, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < p->ninsns; i++)
		fused += p->insns[i].fam == EV_F_MULADD;
	ev_ast_free(ast);
	ev_plan_free(p);
	return fused;
}

/* Each expression runs alone (in one program, x*y would be one shared
 * product, which is not fused); p and m9 together: a product that is an
 * output is not fused either. */
START_TEST(float_muladd)
{
	static const int64_t lens[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33,
	                               63, 64, 65, 2047, 2048, 2049, 4103};
	stage_schema *s = evt_schema("x:float64,y:float64,z:float64,f:float32,g:float32,h:float32");
	stage_error err = {0};

	for (size_t k = 0; k < 8; k++)
		ck_assert_uint_eq(count_fused(s, &muladd_ex[k], 1), 1);
	ck_assert_uint_eq(count_fused(s, &muladd_ex[8], 2), 0);
	ck_assert_uint_eq(count_fused(s, muladd_ex, 2), 0);
	for (size_t l = 0; l < NELEM(lens); l++)
		for (int nulls = 0; nulls < 3; nulls++) {
			stage_batch *in = muladd_batch(s, lens[l], nulls);

			for (int64_t range = 0; range <= 64; range += 64)
				for (size_t k = 0; k < 9; k++) {
					evt_result r;
					size_t n = k == 8 ? 2 : 1;

					ck_assert_msg(evt_run_ex(s, in, &muladd_ex[k], n, NULL, range, &r,
					                         &err) == 0,
					              "%s", err.msg);
					check_muladd(&r, in, k);
					if (n == 2)
						check_muladd(&r, in, 9);
					evt_free(&r);
				}
			stage_batch_free(in);
		}
	stage_schema_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eval_vm");
	TCase *tc = tcase_create("values");

	/* Check's default of 4 s is too short under the sanitizers on a busy
	 * machine (float_muladd runs thousands of small programs). */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, int64_arithmetic);
	tcase_add_test(tc, int64_power);
	tcase_add_test(tc, float_arithmetic);
	tcase_add_test(tc, float_unary);
	tcase_add_test(tc, float_floordiv_mod);
	tcase_add_test(tc, float_compare);
	tcase_add_test(tc, casts);
	tcase_add_test(tc, negative_zero);
	tcase_add_test(tc, kleene);
	tcase_add_test(tc, nulls_everywhere);
	tcase_add_test(tc, program_shapes);
	tcase_add_test(tc, float_muladd);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
