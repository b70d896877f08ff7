/* Comparison, logic and selection loops of the VM: comparisons follow C
 * (IEEE for floats: NaN is unequal to everything), and/or follow SQL's
 * three-valued logic, where() picks per row. */
#include <math.h>

#include "ops.h"

#define CMP_LOOP(T, OPR) \
	do { \
		const T *x = a, *y = b; \
		for (size_t i = 0; i < n; i++) \
			d[i] = x[i] OPR y[i]; \
	} while (0)

#define COMPARE(NAME, T) \
	EV_OPS_CLONES static void NAME(ev_op op, size_t n, uint8_t *restrict d, const void *a, \
	                               const void *b) \
	{ \
		switch (op) { \
		case EV_EQ: \
			CMP_LOOP(T, ==); \
			break; \
		case EV_NE: \
			CMP_LOOP(T, !=); \
			break; \
		case EV_LT: \
			CMP_LOOP(T, <); \
			break; \
		case EV_LE: \
			CMP_LOOP(T, <=); \
			break; \
		case EV_GT: \
			CMP_LOOP(T, >); \
			break; \
		case EV_GE: \
			CMP_LOOP(T, >=); \
			break; \
		default: \
			break; \
		} \
	}

COMPARE(compare_u8, uint8_t)
COMPARE(compare_i64, int64_t)
COMPARE(compare_f32, float)
COMPARE(compare_f64, double)

void ev_ops_compare(ev_op op, ev_type type, size_t n, uint8_t *restrict d, const void *a,
                    const void *b)
{
	switch (type) {
	case EV_BOOL:
		compare_u8(op, n, d, a, b);
		break;
	case EV_INT64:
		compare_i64(op, n, d, a, b);
		break;
	case EV_FLOAT32:
		compare_f32(op, n, d, a, b);
		break;
	case EV_FLOAT64:
		compare_f64(op, n, d, a, b);
		break;
	default:
		break;
	}
}

#define FPRED(NAME, T, INF) \
	EV_OPS_CLONES static void NAME(ev_op op, size_t n, uint8_t *restrict d, \
	                               const T *restrict a) \
	{ \
		switch (op) { \
		case EV_ISNAN: \
			for (size_t i = 0; i < n; i++) \
				d[i] = a[i] != a[i]; \
			break; \
		case EV_ISINF: \
			for (size_t i = 0; i < n; i++) \
				d[i] = a[i] == INF || a[i] == -INF; \
			break; \
		case EV_ISFINITE: \
			for (size_t i = 0; i < n; i++) \
				d[i] = a[i] > -INF && a[i] < INF; \
			break; \
		default: \
			break; \
		} \
	}

FPRED(fpred_f32, float, HUGE_VALF)
FPRED(fpred_f64, double, HUGE_VAL)

void ev_ops_fpred(ev_op op, ev_type type, size_t n, uint8_t *restrict d, const void *a)
{
	if (type == EV_FLOAT32)
		fpred_f32(op, n, d, a);
	else
		fpred_f64(op, n, d, a);
}

/* A known false decides `and`, a known true decides `or`; otherwise a null
 * operand makes the result null. Values are 0/1 in every row, so a & b and
 * a | b are right wherever the result is valid. */
EV_OPS_CLONES
void ev_ops_kleene(ev_op op, size_t n, uint8_t *restrict d, uint8_t *restrict dv,
                   const uint8_t *a, const uint8_t *av, const uint8_t *b, const uint8_t *bv)
{
	if (op == EV_AND) {
		for (size_t i = 0; i < n; i++) {
			d[i] = a[i] & b[i];
			dv[i] = (av[i] & bv[i]) | (av[i] & !a[i]) | (bv[i] & !b[i]);
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			d[i] = a[i] | b[i];
			dv[i] = (av[i] & bv[i]) | (av[i] & a[i]) | (bv[i] & b[i]);
		}
	}
}

EV_OPS_CLONES
void ev_ops_not(size_t n, uint8_t *restrict d, const uint8_t *restrict a)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] ^ 1;
}

#define WHERE_LOOP(T) \
	do { \
		T *restrict o = d; \
		const T *p = x, *q = y; \
		for (size_t i = 0; i < n; i++) \
			o[i] = c[i] ? p[i] : q[i]; \
	} while (0)

/* bit patterns are moved, not values: NaN payloads and -0 survive */
EV_OPS_CLONES
void ev_ops_where(ev_type type, size_t n, void *restrict d, const uint8_t *c, const void *x,
                  const void *y)
{
	switch (type) {
	case EV_BOOL:
		WHERE_LOOP(uint8_t);
		break;
	case EV_FLOAT32:
		WHERE_LOOP(uint32_t);
		break;
	default:
		WHERE_LOOP(uint64_t);
		break;
	}
}

EV_OPS_CLONES
void ev_ops_where_valid(size_t n, uint8_t *restrict d, const uint8_t *c, const uint8_t *cv,
                        const uint8_t *xv, const uint8_t *yv)
{
	for (size_t i = 0; i < n; i++)
		d[i] = cv[i] & (c[i] ? xv[i] : yv[i]);
}
