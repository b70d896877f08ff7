/* Arithmetic loops of the VM: int64 wraps as two's complement (computed
 * in uint64_t, never signed overflow) and divides like Python with null
 * for a zero divisor; floats follow IEEE and numpy (floor_divide,
 * remainder, minimum/maximum propagating NaN). One switch per block, then
 * a branch-free loop that GCC vectorises. */
#include <math.h>

#include "ops.h"

#define LOOP2(T, expr) \
	do { \
		for (size_t i = 0; i < n; i++) { \
			T x = a[i], y = b[i]; \
			d[i] = (expr); \
		} \
	} while (0)

#define LOOP1(T, expr) \
	do { \
		for (size_t i = 0; i < n; i++) { \
			T x = a[i]; \
			d[i] = (expr); \
		} \
	} while (0)

#define WRAP(op) ((int64_t)((uint64_t)x op(uint64_t) y))

/* Python's // and % on int64: the quotient rounded toward minus infinity,
 * the remainder with the divisor's sign. A zero divisor gives null, and
 * -1 is handled apart so INT64_MIN // -1 wraps instead of trapping. */
static void floordiv_i64(size_t n, int64_t *restrict d, const int64_t *a, const int64_t *b,
                         uint8_t *restrict ok, int mod)
{
	for (size_t i = 0; i < n; i++) {
		int64_t x = a[i], y = b[i];
		int64_t s = (y == 0 || y == -1) ? 1 : y;
		int64_t q = x / s, r = x % s;

		if (r != 0 && ((r ^ y) < 0)) {
			q -= 1;
			r += y;
		}
		if (y == -1) {
			q = (int64_t)(0 - (uint64_t)x);
			r = 0;
		}
		ok[i] = y != 0;
		d[i] = y == 0 ? 0 : mod ? r : q;
	}
}

/* C's % (sign of the dividend), null for a zero divisor */
static void fmod_i64(size_t n, int64_t *restrict d, const int64_t *a, const int64_t *b,
                     uint8_t *restrict ok)
{
	for (size_t i = 0; i < n; i++) {
		int64_t x = a[i], y = b[i];
		int64_t s = (y == 0 || y == -1) ? 1 : y;

		ok[i] = y != 0;
		d[i] = y == -1 ? 0 : x % s;
		d[i] = y == 0 ? 0 : d[i];
	}
}

/* Repeated squaring, wrapping; a negative exponent gives null, 0 ** 0 = 1. */
static void pow_i64(size_t n, int64_t *restrict d, const int64_t *a, const int64_t *b,
                    uint8_t *restrict ok)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t base = (uint64_t)a[i], r = 1;
		int64_t e = b[i];

		ok[i] = e >= 0;
		for (; e > 0; e >>= 1) {
			if (e & 1)
				r *= base;
			base *= base;
		}
		d[i] = (int64_t)r;
	}
}

EV_OPS_CLONES
void ev_ops_binary_i64(ev_op op, size_t n, int64_t *restrict d, const int64_t *a,
                       const int64_t *b, uint8_t *restrict ok)
{
	switch (op) {
	case EV_ADD:
		LOOP2(int64_t, WRAP(+));
		break;
	case EV_SUB:
		LOOP2(int64_t, WRAP(-));
		break;
	case EV_MUL:
		LOOP2(int64_t, WRAP(*));
		break;
	case EV_MIN:
		LOOP2(int64_t, x < y ? x : y);
		break;
	case EV_MAX:
		LOOP2(int64_t, x > y ? x : y);
		break;
	case EV_FLOORDIV:
		floordiv_i64(n, d, a, b, ok, 0);
		break;
	case EV_MOD:
		floordiv_i64(n, d, a, b, ok, 1);
		break;
	case EV_FMOD:
		fmod_i64(n, d, a, b, ok);
		break;
	case EV_POW:
		pow_i64(n, d, a, b, ok);
		break;
	default:
		break;
	}
}

/* numpy's npy_divmod: the quotient from (a - fmod(a, b)) / b, corrected
 * so that floor division and remainder agree (1.0 // 0.1 is 9.0, as in
 * Python, where floor(1.0 / 0.1) would give 10.0); a zero divisor gives
 * a / b (inf or NaN) and a NaN remainder. */
#define DIVMOD(NAME, T, FMOD, FLOOR, COPYSIGN) \
	static T NAME(T a, T b, T *modulus) \
	{ \
		T mod = FMOD(a, b), div, floordiv; \
		if (b == 0) { \
			*modulus = mod; \
			return a / b; \
		} \
		div = (a - mod) / b; \
		if (mod != 0) { \
			if (isless(b, 0) != isless(mod, 0)) { \
				mod += b; \
				div -= 1; \
			} \
		} else { \
			mod = COPYSIGN(0, b); \
		} \
		if (div != 0) { \
			floordiv = FLOOR(div); \
			if (isgreater(div - floordiv, (T)0.5)) \
				floordiv += 1; \
		} else { \
			floordiv = COPYSIGN(0, a / b); \
		} \
		*modulus = mod; \
		return floordiv; \
	}

DIVMOD(divmod_f64, double, fmod, floor, copysign)
DIVMOD(divmod_f32, float, fmodf, floorf, copysignf)

/* numpy.minimum / maximum: a NaN in either operand gives NaN */
#define FMIN(x, y) ((x) <= (y) || (x) != (x) ? (x) : (y))
#define FMAX(x, y) ((x) >= (y) || (x) != (x) ? (x) : (y))

#define BINARY_FLOAT(NAME, T, DIVMOD_FN) \
	EV_OPS_CLONES void NAME(ev_op op, size_t n, T *restrict d, const T *a, const T *b) \
	{ \
		T m; \
		switch (op) { \
		case EV_ADD: \
			LOOP2(T, x + y); \
			break; \
		case EV_SUB: \
			LOOP2(T, x - y); \
			break; \
		case EV_MUL: \
			LOOP2(T, x * y); \
			break; \
		case EV_DIV: \
			LOOP2(T, x / y); \
			break; \
		case EV_MIN: \
			LOOP2(T, FMIN(x, y)); \
			break; \
		case EV_MAX: \
			LOOP2(T, FMAX(x, y)); \
			break; \
		case EV_FLOORDIV: \
			LOOP2(T, DIVMOD_FN(x, y, &m)); \
			break; \
		case EV_MOD: \
			LOOP2(T, (DIVMOD_FN(x, y, &m), m)); \
			break; \
		default: \
			break; \
		} \
	}

BINARY_FLOAT(ev_ops_binary_f64, double, divmod_f64)
BINARY_FLOAT(ev_ops_binary_f32, float, divmod_f32)

#define LOOP3(T, expr) \
	do { \
		for (size_t i = 0; i < n; i++) { \
			T p = a[i] * b[i], z = c[i]; \
			d[i] = (expr); \
		} \
	} while (0)

#define MULADD_FLOAT(NAME, T) \
	EV_OPS_CLONES void NAME(ev_op op, bool swap, size_t n, T *restrict d, const T *a, \
	                        const T *b, const T *c) \
	{ \
		if (op == EV_ADD && !swap) \
			LOOP3(T, p + z); \
		else if (op == EV_ADD) \
			LOOP3(T, z + p); \
		else if (!swap) \
			LOOP3(T, p - z); \
		else \
			LOOP3(T, z - p); \
	}

MULADD_FLOAT(ev_ops_muladd_f64, double)
MULADD_FLOAT(ev_ops_muladd_f32, float)

EV_OPS_CLONES
void ev_ops_unary_i64(ev_op op, size_t n, int64_t *restrict d, const int64_t *restrict a)
{
	switch (op) {
	case EV_NEG:
		LOOP1(int64_t, (int64_t)(0 - (uint64_t)x));
		break;
	case EV_ABS: /* abs(INT64_MIN) wraps to INT64_MIN, as in numpy */
		LOOP1(int64_t, x < 0 ? (int64_t)(0 - (uint64_t)x) : x);
		break;
	default:
		break;
	}
}

/* round: half to even, nearbyint() in the default rounding mode */
#define UNARY_FLOAT(NAME, T, SUF) \
	EV_OPS_CLONES void NAME(ev_op op, size_t n, T *restrict d, const T *restrict a) \
	{ \
		switch (op) { \
		case EV_NEG: \
			LOOP1(T, -x); \
			break; \
		case EV_ABS: \
			LOOP1(T, fabs##SUF(x)); \
			break; \
		case EV_SQRT: \
			LOOP1(T, sqrt##SUF(x)); \
			break; \
		case EV_FLOOR: \
			LOOP1(T, floor##SUF(x)); \
			break; \
		case EV_CEIL: \
			LOOP1(T, ceil##SUF(x)); \
			break; \
		case EV_ROUND: \
			LOOP1(T, nearbyint##SUF(x)); \
			break; \
		case EV_TRUNC: \
			LOOP1(T, trunc##SUF(x)); \
			break; \
		default: \
			break; \
		} \
	}

UNARY_FLOAT(ev_ops_unary_f64, double, )
UNARY_FLOAT(ev_ops_unary_f32, float, f)

EV_OPS_CLONES
void ev_ops_clip_i64(size_t n, int64_t *restrict d, const int64_t *x, const int64_t *lo,
                     const int64_t *hi)
{
	for (size_t i = 0; i < n; i++) {
		int64_t v = x[i] < lo[i] ? lo[i] : x[i];

		d[i] = v > hi[i] ? hi[i] : v;
	}
}

#define CLIP_FLOAT(NAME, T) \
	EV_OPS_CLONES void NAME(size_t n, T *restrict d, const T *x, const T *lo, const T *hi) \
	{ \
		for (size_t i = 0; i < n; i++) { \
			T v = FMAX(x[i], lo[i]); \
			d[i] = FMIN(v, hi[i]); \
		} \
	}

CLIP_FLOAT(ev_ops_clip_f64, double)
CLIP_FLOAT(ev_ops_clip_f32, float)
