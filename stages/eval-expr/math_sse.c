/* eval-expr's SSE math path: libmvec's _ZGVb variants, 2 doubles or 4
 * floats a call, on the x86-64 baseline (SSE2; libmvec picks its SSE4.1
 * code itself where the CPU has it). */
#include <immintrin.h>

#define MV_ISA b
#define MV_W64 2
#define MV_W32 4
#define MV_SQRT_PD(x) ((mv_vd)_mm_sqrt_pd((__m128d)(x)))
#define MV_SQRT_PS(x) ((mv_vf)_mm_sqrt_ps((__m128)(x)))
#define MV_PATH ev_math_sse
#define MV_NAME "sse"
#include "math_loops.h"
