/* eval-expr's AVX-512 math path: libmvec's _ZGVe variants, 8 doubles or 16
 * floats a call. Only this file (with math_loops.h) is compiled for AVX-512;
 * math_kernels.c calls it only where the CPU has AVX-512F. */
#pragma GCC target("avx512f")
#include <immintrin.h>

#define MV_ISA e
#define MV_W64 8
#define MV_W32 16
#define MV_SQRT_PD(x) ((mv_vd)_mm512_sqrt_pd((__m512d)(x)))
#define MV_SQRT_PS(x) ((mv_vf)_mm512_sqrt_ps((__m512)(x)))
#define MV_PATH ev_math_avx512
#define MV_NAME "avx512"
#include "math_loops.h"
