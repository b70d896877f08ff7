/* Conversion loops of the VM: casts between the numeric types (a float to
 * int64 truncates toward zero and is null when NaN, infinite or out of
 * range), and moving Arrow bitmaps to and from one byte per row. */
#include "ops.h"

/* 2^63 exactly, in both float types: the first value too large for int64 */
#define TWO63 9223372036854775808.0

#define CAST_LOOP(FROM, TO) \
	do { \
		const FROM *restrict x = a; \
		TO *restrict o = d; \
		for (size_t i = 0; i < n; i++) \
			o[i] = (TO)x[i]; \
	} while (0)

#define TO_INT_LOOP(FROM) \
	do { \
		const FROM *restrict x = a; \
		int64_t *restrict o = d; \
		for (size_t i = 0; i < n; i++) { \
			uint8_t in = x[i] >= (FROM)-TWO63 && x[i] < (FROM)TWO63; \
			ok[i] = in; \
			o[i] = in ? (int64_t)x[i] : 0; \
		} \
	} while (0)

#define CAST_FROM(FROM) \
	do { \
		if (to == EV_INT64) \
			CAST_LOOP(FROM, int64_t); \
		else if (to == EV_FLOAT32) \
			CAST_LOOP(FROM, float); \
		else \
			CAST_LOOP(FROM, double); \
	} while (0)

EV_OPS_CLONES
void ev_ops_cast(ev_type from, ev_type to, size_t n, void *restrict d, const void *restrict a,
                 uint8_t *restrict ok)
{
	switch (from) {
	case EV_BOOL:
		CAST_FROM(uint8_t);
		break;
	case EV_INT64:
		CAST_FROM(int64_t);
		break;
	case EV_FLOAT32:
		if (to == EV_INT64)
			TO_INT_LOOP(float);
		else
			CAST_LOOP(float, double);
		break;
	case EV_FLOAT64:
		if (to == EV_INT64)
			TO_INT_LOOP(double);
		else
			CAST_LOOP(double, float);
		break;
	default:
		break;
	}
}

EV_OPS_CLONES
void ev_ops_bits_unpack(size_t n, uint8_t *restrict d, const uint8_t *restrict bits)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (bits[i >> 3] >> (i & 7)) & 1;
}

EV_OPS_CLONES
void ev_ops_bits_pack(size_t n, uint8_t *restrict bits, const uint8_t *restrict d)
{
	size_t full = n / 8;

	for (size_t j = 0; j < full; j++) {
		const uint8_t *p = d + 8 * j;

		bits[j] = (uint8_t)(p[0] | p[1] << 1 | p[2] << 2 | p[3] << 3 | p[4] << 4 |
		                    p[5] << 5 | p[6] << 6 | p[7] << 7);
	}
	if (n % 8) {
		uint8_t last = 0;

		for (size_t i = 0; i < n % 8; i++)
			last |= (uint8_t)(d[8 * full + i] << i);
		bits[full] = last;
	}
}

EV_OPS_CLONES
void ev_ops_bytes_and(size_t n, uint8_t *restrict d, const uint8_t *restrict a)
{
	for (size_t i = 0; i < n; i++)
		d[i] &= a[i];
}
