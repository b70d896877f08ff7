/* eval-expr's AVX2 math path: libmvec's _ZGVd variants, 4 doubles or 8
 * floats a call. Only this file (with math_loops.h) is compiled for AVX2 and
 * FMA; math_kernels.c calls it only where the CPU has both. */
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#define MV_ISA d
#define MV_W64 4
#define MV_W32 8
#define MV_SQRT_PD(x) ((mv_vd)_mm256_sqrt_pd((__m256d)(x)))
#define MV_SQRT_PS(x) ((mv_vf)_mm256_sqrt_ps((__m256)(x)))
#define MV_PATH ev_math_avx2
#define MV_NAME "avx2"
#include "math_loops.h"
