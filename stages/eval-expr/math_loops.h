/* The body of one libmvec path, instantiated once per instruction set by
 * math_avx512.c, math_avx2.c and math_sse.c. The includer defines MV_ISA
 * (libmvec's ISA letter: e, d, b), MV_W64 and MV_W32 (doubles and floats per
 * vector), MV_SQRT_PD / MV_SQRT_PS (exact vector square roots), MV_PATH (the
 * ev_math_path to define) and MV_NAME, and compiles for that instruction set.
 * libmvec's variants are declared here with GCC vector types and called on
 * whole vectors; a block's tail goes through one padded vector. */
#include <string.h>

#include "math_vec.h"

typedef double mv_vd __attribute__((vector_size(MV_W64 * sizeof(double))));
typedef float mv_vf __attribute__((vector_size(MV_W32 * sizeof(float))));
typedef mv_vd (*mv_vd1)(mv_vd);
typedef mv_vd (*mv_vd2)(mv_vd, mv_vd);
typedef mv_vf (*mv_vf1)(mv_vf);
typedef mv_vf (*mv_vf2)(mv_vf, mv_vf);

/* libmvec's names: _ZGV<isa>N<width><v per argument>_<function> */
#define MV_SYM_(isa, w, args, name) _ZGV##isa##N##w##args##_##name
#define MV_SYM(isa, w, args, name) MV_SYM_(isa, w, args, name)
#define MV_D1(name) MV_SYM(MV_ISA, MV_W64, v, name)
#define MV_F1(name) MV_SYM(MV_ISA, MV_W32, v, name##f)
#define MV_D2(name) MV_SYM(MV_ISA, MV_W64, vv, name)
#define MV_F2(name) MV_SYM(MV_ISA, MV_W32, vv, name##f)

/* Every function libmvec has, by opcode; fmod has no variant and sqrt is
 * one instruction. */
#define MV_FUNCS1(X)                                                                        \
	X(EV_CBRT, cbrt) X(EV_EXP, exp) X(EV_EXP2, exp2) X(EV_EXPM1, expm1) X(EV_LOG, log)   \
	X(EV_LOG2, log2) X(EV_LOG10, log10) X(EV_LOG1P, log1p) X(EV_SIN, sin) X(EV_COS, cos) \
	X(EV_TAN, tan) X(EV_ASIN, asin) X(EV_ACOS, acos) X(EV_ATAN, atan) X(EV_SINH, sinh)   \
	X(EV_COSH, cosh) X(EV_TANH, tanh)
#define MV_FUNCS2(X) X(EV_ATAN2, atan2) X(EV_HYPOT, hypot) X(EV_POW, pow)

#define MV_DECLARE1(op, name) mv_vd MV_D1(name)(mv_vd); mv_vf MV_F1(name)(mv_vf);
#define MV_DECLARE2(op, name) mv_vd MV_D2(name)(mv_vd, mv_vd); mv_vf MV_F2(name)(mv_vf, mv_vf);
MV_FUNCS1(MV_DECLARE1)
MV_FUNCS2(MV_DECLARE2)

static mv_vd mv_sqrt_d(mv_vd x)
{
	return MV_SQRT_PD(x);
}

static mv_vf mv_sqrt_f(mv_vf x)
{
	return MV_SQRT_PS(x);
}

#define MV_CASE_D1(op, name) case op: return MV_D1(name);
#define MV_CASE_F1(op, name) case op: return MV_F1(name);
#define MV_CASE_D2(op, name) case op: return MV_D2(name);
#define MV_CASE_F2(op, name) case op: return MV_F2(name);

static mv_vd1 mv_find_d1(ev_op op)
{
	switch (op) {
	case EV_SQRT: return mv_sqrt_d;
	MV_FUNCS1(MV_CASE_D1)
	default: return NULL;
	}
}

static mv_vf1 mv_find_f1(ev_op op)
{
	switch (op) {
	case EV_SQRT: return mv_sqrt_f;
	MV_FUNCS1(MV_CASE_F1)
	default: return NULL;
	}
}

static mv_vd2 mv_find_d2(ev_op op)
{
	switch (op) {
	MV_FUNCS2(MV_CASE_D2)
	default: return NULL;
	}
}

static mv_vf2 mv_find_f2(ev_op op)
{
	switch (op) {
	MV_FUNCS2(MV_CASE_F2)
	default: return NULL;
	}
}

/* Vectors are loaded and stored with memcpy: the columns need not be
 * aligned, and dst may alias a or b. The tail's padding lanes hold 0.5,
 * inside every function's domain, so they never take libmvec's slow
 * special-value path; the tail is never read or written past n. */
static void mv_run_d1(mv_vd1 f, double *dst, const double *a, size_t n)
{
	size_t i = 0;
	mv_vd x;

	for (; i + MV_W64 <= n; i += MV_W64) {
		memcpy(&x, a + i, sizeof x);
		x = f(x);
		memcpy(dst + i, &x, sizeof x);
	}
	if (i < n) {
		x = (mv_vd){0} + 0.5;
		memcpy(&x, a + i, (n - i) * sizeof *a);
		x = f(x);
		memcpy(dst + i, &x, (n - i) * sizeof *dst);
	}
}

static void mv_run_d2(mv_vd2 f, double *dst, const double *a, const double *b, size_t n)
{
	size_t i = 0;
	mv_vd x, y;

	for (; i + MV_W64 <= n; i += MV_W64) {
		memcpy(&x, a + i, sizeof x);
		memcpy(&y, b + i, sizeof y);
		x = f(x, y);
		memcpy(dst + i, &x, sizeof x);
	}
	if (i < n) {
		x = y = (mv_vd){0} + 0.5;
		memcpy(&x, a + i, (n - i) * sizeof *a);
		memcpy(&y, b + i, (n - i) * sizeof *b);
		x = f(x, y);
		memcpy(dst + i, &x, (n - i) * sizeof *dst);
	}
}

static void mv_run_f1(mv_vf1 f, float *dst, const float *a, size_t n)
{
	size_t i = 0;
	mv_vf x;

	for (; i + MV_W32 <= n; i += MV_W32) {
		memcpy(&x, a + i, sizeof x);
		x = f(x);
		memcpy(dst + i, &x, sizeof x);
	}
	if (i < n) {
		x = (mv_vf){0} + 0.5f;
		memcpy(&x, a + i, (n - i) * sizeof *a);
		x = f(x);
		memcpy(dst + i, &x, (n - i) * sizeof *dst);
	}
}

static void mv_run_f2(mv_vf2 f, float *dst, const float *a, const float *b, size_t n)
{
	size_t i = 0;
	mv_vf x, y;

	for (; i + MV_W32 <= n; i += MV_W32) {
		memcpy(&x, a + i, sizeof x);
		memcpy(&y, b + i, sizeof y);
		x = f(x, y);
		memcpy(dst + i, &x, sizeof x);
	}
	if (i < n) {
		x = y = (mv_vf){0} + 0.5f;
		memcpy(&x, a + i, (n - i) * sizeof *a);
		memcpy(&y, b + i, (n - i) * sizeof *b);
		x = f(x, y);
		memcpy(dst + i, &x, (n - i) * sizeof *dst);
	}
}

static void mv_f64(ev_op op, double *dst, const double *a, const double *b, size_t n)
{
	mv_vd1 f1 = mv_find_d1(op);
	mv_vd2 f2 = mv_find_d2(op);

	if (f1)
		mv_run_d1(f1, dst, a, n);
	else if (f2)
		mv_run_d2(f2, dst, a, b, n);
	else
		ev_math_libm_f64(op, dst, a, b, n);
}

static void mv_f32(ev_op op, float *dst, const float *a, const float *b, size_t n)
{
	mv_vf1 f1 = mv_find_f1(op);
	mv_vf2 f2 = mv_find_f2(op);

	if (f1)
		mv_run_f1(f1, dst, a, n);
	else if (f2)
		mv_run_f2(f2, dst, a, b, n);
	else
		ev_math_libm_f32(op, dst, a, b, n);
}

const ev_math_path MV_PATH = {MV_NAME, mv_f64, mv_f32};
