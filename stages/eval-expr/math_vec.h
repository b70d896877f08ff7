/* The paths of eval-expr's math kernels: one per instruction set that
 * libmvec has variants for (math_avx512.c, math_avx2.c, math_sse.c, each
 * instantiating math_loops.h), plus scalar libm (math_kernels.c). */
#ifndef EVAL_MATH_VEC_H
#define EVAL_MATH_VEC_H

#include <stddef.h>

#include "ast.h"

typedef struct ev_math_path {
	const char *name; /* what ev_math_isa() reports */
	void (*f64)(ev_op op, double *dst, const double *a, const double *b, size_t n);
	void (*f32)(ev_op op, float *dst, const float *a, const float *b, size_t n);
} ev_math_path;

/* Callable only where the CPU has the instruction set (math_kernels.c
 * checks): AVX-512F; AVX2 and FMA; SSE2 (every x86-64). */
extern const ev_math_path ev_math_avx512, ev_math_avx2, ev_math_sse;

/* Scalar libm over the block, for the functions a path has no vector
 * variant of (fmod) and for the lanes it must not trust. */
void ev_math_libm_f64(ev_op op, double *dst, const double *a, const double *b, size_t n);
void ev_math_libm_f32(ev_op op, float *dst, const float *a, const float *b, size_t n);

#endif
