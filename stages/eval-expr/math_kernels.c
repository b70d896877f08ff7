/* eval-expr's element-wise math over one block (kernels.h): the scalar libm
 * loops that every path falls back to, and the dispatch to the libmvec
 * paths of math_vec.h, chosen once per process from the CPU's features. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "math_vec.h"

typedef double (*f64_fn1)(double);
typedef double (*f64_fn2)(double, double);
typedef float (*f32_fn1)(float);
typedef float (*f32_fn2)(float, float);

static f64_fn1 libm_f64_1(ev_op op)
{
	switch (op) {
	case EV_SQRT: return sqrt;
	case EV_CBRT: return cbrt;
	case EV_EXP: return exp;
	case EV_EXP2: return exp2;
	case EV_EXPM1: return expm1;
	case EV_LOG: return log;
	case EV_LOG2: return log2;
	case EV_LOG10: return log10;
	case EV_LOG1P: return log1p;
	case EV_SIN: return sin;
	case EV_COS: return cos;
	case EV_TAN: return tan;
	case EV_ASIN: return asin;
	case EV_ACOS: return acos;
	case EV_ATAN: return atan;
	case EV_SINH: return sinh;
	case EV_COSH: return cosh;
	case EV_TANH: return tanh;
	default: return NULL;
	}
}

static f64_fn2 libm_f64_2(ev_op op)
{
	switch (op) {
	case EV_ATAN2: return atan2;
	case EV_HYPOT: return hypot;
	case EV_POW: return pow;
	case EV_FMOD: return fmod;
	default: return NULL;
	}
}

static f32_fn1 libm_f32_1(ev_op op)
{
	switch (op) {
	case EV_SQRT: return sqrtf;
	case EV_CBRT: return cbrtf;
	case EV_EXP: return expf;
	case EV_EXP2: return exp2f;
	case EV_EXPM1: return expm1f;
	case EV_LOG: return logf;
	case EV_LOG2: return log2f;
	case EV_LOG10: return log10f;
	case EV_LOG1P: return log1pf;
	case EV_SIN: return sinf;
	case EV_COS: return cosf;
	case EV_TAN: return tanf;
	case EV_ASIN: return asinf;
	case EV_ACOS: return acosf;
	case EV_ATAN: return atanf;
	case EV_SINH: return sinhf;
	case EV_COSH: return coshf;
	case EV_TANH: return tanhf;
	default: return NULL;
	}
}

static f32_fn2 libm_f32_2(ev_op op)
{
	switch (op) {
	case EV_ATAN2: return atan2f;
	case EV_HYPOT: return hypotf;
	case EV_POW: return powf;
	case EV_FMOD: return fmodf;
	default: return NULL;
	}
}

void ev_math_libm_f64(ev_op op, double *dst, const double *a, const double *b, size_t n)
{
	f64_fn1 f1 = libm_f64_1(op);
	f64_fn2 f2 = libm_f64_2(op);

	if (f1)
		for (size_t i = 0; i < n; i++)
			dst[i] = f1(a[i]);
	else if (f2)
		for (size_t i = 0; i < n; i++)
			dst[i] = f2(a[i], b[i]);
	else
		/* not a math opcode: a bug in the caller, made visible */
		for (size_t i = 0; i < n; i++)
			dst[i] = NAN;
}

void ev_math_libm_f32(ev_op op, float *dst, const float *a, const float *b, size_t n)
{
	f32_fn1 f1 = libm_f32_1(op);
	f32_fn2 f2 = libm_f32_2(op);

	if (f1)
		for (size_t i = 0; i < n; i++)
			dst[i] = f1(a[i]);
	else if (f2)
		for (size_t i = 0; i < n; i++)
			dst[i] = f2(a[i], b[i]);
	else
		for (size_t i = 0; i < n; i++)
			dst[i] = NAN;
}

static const ev_math_path scalar_path = {"scalar", ev_math_libm_f64, ev_math_libm_f32};
static const ev_math_path *path;
static pthread_once_t path_once = PTHREAD_ONCE_INIT;

/* The widest path this CPU runs; EVAL_MATH_ISA (avx512, avx2, sse, scalar)
 * may ask for a narrower one, so that tests cover every path. An unknown or
 * unsupported name leaves the choice to the CPU. */
static void choose_path(void)
{
	const ev_math_path *paths[4];
	const char *want = getenv("EVAL_MATH_ISA");
	size_t n = 0;

	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		paths[n++] = &ev_math_avx512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		paths[n++] = &ev_math_avx2;
	paths[n++] = &ev_math_sse;
	paths[n++] = &scalar_path;
	path = paths[0];
	for (size_t i = 0; want && i < n; i++)
		if (strcmp(want, paths[i]->name) == 0)
			path = paths[i];
}

static const ev_math_path *current(void)
{
	pthread_once(&path_once, choose_path);
	return path;
}

void ev_math_f64(ev_op op, double *dst, const double *a, const double *b, size_t n)
{
	current()->f64(op, dst, a, b, n);
}

void ev_math_f32(ev_op op, float *dst, const float *a, const float *b, size_t n)
{
	current()->f32(op, dst, a, b, n);
}

const char *ev_math_isa(void)
{
	return current()->name;
}
