/* The VM's typed loops over one block of n rows (ops_arith.c, ops_logic.c,
 * ops_cast.c). Bools and validity are one byte per row, 0 or 1. Operands of
 * one call may be the same array; a destination is never an operand. Every
 * loop is total: whatever bytes a null row holds, nothing traps. */
#ifndef EVAL_OPS_H
#define EVAL_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"

/* Each loop is built for AVX2 and for the x86-64 baseline, and the dynamic
 * loader picks one by CPU (GCC's target_clones, through an ifunc): twice
 * the vector width where the CPU has it, same results (no FMA). */
#define EV_OPS_CLONES __attribute__((target_clones("avx2", "default")))

/* ops_arith.c. Binary ops: EV_ADD, EV_SUB, EV_MUL, EV_MIN, EV_MAX, and for
 * int64 also EV_FLOORDIV, EV_MOD, EV_FMOD, EV_POW, which write ok[i] = 0
 * where the result is null (ok is unused otherwise); for floats also
 * EV_DIV, EV_FLOORDIV, EV_MOD. Unary ops: EV_NEG, EV_ABS, and for floats
 * EV_SQRT, EV_FLOOR, EV_CEIL, EV_ROUND, EV_TRUNC. */
void ev_ops_binary_i64(ev_op op, size_t n, int64_t *restrict d, const int64_t *a,
                       const int64_t *b, uint8_t *restrict ok);
void ev_ops_binary_f64(ev_op op, size_t n, double *restrict d, const double *a, const double *b);
void ev_ops_binary_f32(ev_op op, size_t n, float *restrict d, const float *a, const float *b);
void ev_ops_unary_i64(ev_op op, size_t n, int64_t *restrict d, const int64_t *restrict a);
void ev_ops_unary_f64(ev_op op, size_t n, double *restrict d, const double *restrict a);
void ev_ops_unary_f32(ev_op op, size_t n, float *restrict d, const float *restrict a);
/* The fused d = (a*b) op c (swap: d = c op (a*b)) for op EV_ADD or EV_SUB,
 * in one pass instead of two; the product is rounded before the add, as
 * two instructions would round it (the build has -ffp-contract=off, so
 * never an FMA), so results are bit-identical to the pair. */
void ev_ops_muladd_f64(ev_op op, bool swap, size_t n, double *restrict d, const double *a,
                       const double *b, const double *c);
void ev_ops_muladd_f32(ev_op op, bool swap, size_t n, float *restrict d, const float *a,
                       const float *b, const float *c);
void ev_ops_clip_i64(size_t n, int64_t *restrict d, const int64_t *x, const int64_t *lo,
                     const int64_t *hi);
void ev_ops_clip_f64(size_t n, double *restrict d, const double *x, const double *lo,
                     const double *hi);
void ev_ops_clip_f32(size_t n, float *restrict d, const float *x, const float *lo,
                     const float *hi);

/* ops_logic.c. Comparisons EV_EQ .. EV_GE of `type` operands (EV_BOOL:
 * bytes). */
void ev_ops_compare(ev_op op, ev_type type, size_t n, uint8_t *restrict d, const void *a,
                    const void *b);
/* EV_ISNAN, EV_ISINF, EV_ISFINITE of a float32 or float64 array. */
void ev_ops_fpred(ev_op op, ev_type type, size_t n, uint8_t *restrict d, const void *a);
/* Kleene EV_AND / EV_OR: values and validity together (av, bv all ones for
 * no nulls). */
void ev_ops_kleene(ev_op op, size_t n, uint8_t *restrict d, uint8_t *restrict dv,
                   const uint8_t *a, const uint8_t *av, const uint8_t *b, const uint8_t *bv);
void ev_ops_not(size_t n, uint8_t *restrict d, const uint8_t *restrict a);
/* d[i] = c[i] ? x[i] : y[i] for values of `type` */
void ev_ops_where(ev_type type, size_t n, void *restrict d, const uint8_t *c, const void *x,
                  const void *y);
/* validity of where(): cv && (c ? xv : yv) */
void ev_ops_where_valid(size_t n, uint8_t *restrict d, const uint8_t *c, const uint8_t *cv,
                        const uint8_t *xv, const uint8_t *yv);

/* ops_cast.c. from -> to for from in bool, int64, float32, float64 and to in
 * int64, float32, float64; a float to int64 writes ok[i] = 0 for NaN, inf
 * and values out of range (ok is unused otherwise). */
void ev_ops_cast(ev_type from, ev_type to, size_t n, void *restrict d, const void *restrict a,
                 uint8_t *restrict ok);
/* bits: an Arrow bitmap from its first bit (LSB first) */
void ev_ops_bits_unpack(size_t n, uint8_t *restrict d, const uint8_t *restrict bits);
/* writes ceil(n / 8) bytes; bits past n in the last byte are 0 */
void ev_ops_bits_pack(size_t n, uint8_t *restrict bits, const uint8_t *restrict d);
/* d[i] &= a[i] */
void ev_ops_bytes_and(size_t n, uint8_t *restrict d, const uint8_t *restrict a);

#endif
