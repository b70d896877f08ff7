/* Values as text for every writer: integers without snprintf, floats as the
 * shortest decimal that reads back to the identical bits, and timestamps as
 * ISO 8601 UTC with nanoseconds, computed without gmtime. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "stage_internal.h"

typedef unsigned __int128 u128;

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static unsigned u64_digits(uint64_t u)
{
	unsigned n = 1;

	for (;;) {
		if (u < 10)
			return n;
		if (u < 100)
			return n + 1;
		if (u < 1000)
			return n + 2;
		if (u < 10000)
			return n + 3;
		u /= 10000;
		n += 4;
	}
}

/* Two digits per division, written from the end. */
static size_t format_u64(char *buf, uint64_t u)
{
	unsigned n = u64_digits(u), i = n;

	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);

		u /= 100;
		i -= 2;
		memcpy(buf + i, digit_pairs + 2 * r, 2);
	}
	if (u >= 10)
		memcpy(buf, digit_pairs + 2 * u, 2);
	else
		buf[0] = (char)('0' + u);
	return n;
}

size_t stage_format_i64(char *buf, int64_t v)
{
	/* Negating in uint64_t keeps INT64_MIN defined. */
	if (v < 0) {
		buf[0] = '-';
		return 1 + format_u64(buf + 1, 0 - (uint64_t)v);
	}
	return format_u64(buf, (uint64_t)v);
}

/* Decimal digits d[0..n) with d[0] != 0, standing for d[0].d[1..] x 10^x. */
typedef struct decimal {
	char d[24];
	int n;
	int x;
} decimal;

/* Layout as Python's repr does (and %g close to it): plain notation for
 * 1e-4 <= |v| < 1e16, otherwise d.ddde+XX with at least two exponent
 * digits. Both are JSON numbers. At most 1 + 2 + 3 + 17 = 23 bytes. */
static size_t emit_decimal(char *buf, bool neg, const decimal *dec)
{
	char *o = buf;
	int n = dec->n, x = dec->x;

	if (neg)
		*o++ = '-';
	if (x >= -4 && x < 16) {
		if (x < 0) {
			*o++ = '0';
			*o++ = '.';
			for (int i = 0; i < -x - 1; i++)
				*o++ = '0';
			memcpy(o, dec->d, (size_t)n);
			o += n;
		} else if (x >= n - 1) {
			memcpy(o, dec->d, (size_t)n);
			o += n;
			for (int i = n - 1; i < x; i++)
				*o++ = '0';
		} else {
			memcpy(o, dec->d, (size_t)x + 1);
			o += x + 1;
			*o++ = '.';
			memcpy(o, dec->d + x + 1, (size_t)(n - x - 1));
			o += n - x - 1;
		}
		return (size_t)(o - buf);
	}
	*o++ = dec->d[0];
	if (n > 1) {
		*o++ = '.';
		memcpy(o, dec->d + 1, (size_t)n - 1);
		o += n - 1;
	}
	*o++ = 'e';
	*o++ = x < 0 ? '-' : '+';
	if (abs(x) < 10)
		*o++ = '0';
	o += format_u64(o, (uint64_t)abs(x));
	return (size_t)(o - buf);
}

static const u128 pow10_128[] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
	1000000000000ull, 10000000000000ull, 100000000000000ull, 1000000000000000ull,
	10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
	10000000000000000000ull, (u128)10000000000000000000ull * 10,
	(u128)10000000000000000000ull * 100,
};

/* The integers in the rounding interval of v = m * 2^e scaled by 10^k,
 * with the interval's ends as numerators over 2^s. */
typedef struct interval {
	u128 lo_num, hi_num;
	unsigned s;
	bool closed; /* an even m wins ties, so the ends themselves read back as v */
} interval;

static bool scaled_range(const interval *iv, int k, uint64_t *lo, uint64_t *hi)
{
	u128 a = iv->lo_num * pow10_128[k], b = iv->hi_num * pow10_128[k];
	u128 l, h;

	if (iv->closed) {
		l = (a + (((u128)1 << iv->s) - 1)) >> iv->s;
		h = b >> iv->s;
	} else {
		l = (a >> iv->s) + 1;
		h = (b - 1) >> iv->s;
	}
	/* Only the chosen scale's bounds are kept, and those fit 64 bits: at
	 * most 18 digits. Larger scales only answer "nonempty". */
	*lo = (uint64_t)l;
	*hi = (uint64_t)h;
	return l <= h;
}

/* Shortest digits for v = m * 2^e exactly, in 128-bit integers: the least
 * number of significant digits whose decimal lies in the interval that a
 * correctly rounding strtod maps back to v, and among those the one nearest
 * to v. Handles 0 < m < 2^54 and -63 <= e <= 0 (|v| from about 5e-4 up
 * to 2^53 for doubles, 1e-12 up to 2^24 for floats), where every product
 * below fits 128 bits; returns false elsewhere. lower_closer: m is a power
 * of two above the smallest exponent, so the gap below v is half the gap
 * above. */
static bool shortest_exact(uint64_t m, int e, bool lower_closer, decimal *dec)
{
	interval iv;
	u128 vnum;
	uint64_t lo, hi, d;
	int klo = 0, khi, k;

	if (e > 0 || e < -63)
		return false;
	/* v = 4m / 2^s, its neighbours' midpoints (4m -+ 2) / 2^s, or 4m - 1
	 * below a power of two. */
	iv.s = (unsigned)(2 - e);
	vnum = (u128)m << 2;
	iv.lo_num = vnum - (lower_closer ? 1 : 2);
	iv.hi_num = vnum + 2;
	iv.closed = (m & 1) == 0;
	/* At 10^khi >= 10 * 2^-e the interval spans more than one integer, so
	 * khi always succeeds (78913 / 2^18 is within 1e-6 of log10(2), close
	 * enough for -e <= 63). Binary search for the least scale that holds an
	 * integer: the property is monotone, as 10 * d lies in the next one. */
	khi = ((-e * 78913) >> 18) + 2;
	while (klo < khi) {
		int mid = (klo + khi) / 2;

		if (scaled_range(&iv, mid, &lo, &hi))
			khi = mid;
		else
			klo = mid + 1;
	}
	k = klo;
	scaled_range(&iv, k, &lo, &hi);
	if (k > 0) {
		/* Minimal k > 0: no multiple of 10 lies in [lo, hi], so d carries no
		 * trailing zero. Round v * 10^k to nearest, then into range (only
		 * the shorter gap below a power of two can push it out). */
		d = (uint64_t)((vnum * pow10_128[k] + ((u128)1 << (iv.s - 1))) >> iv.s);
		d = d < lo ? lo : d > hi ? hi : d;
		dec->n = (int)format_u64(dec->d, d);
		dec->x = dec->n - 1 - k;
		return true;
	}
	/* An integer reads back as v: drop as many trailing digits as the
	 * interval allows (1e15 rather than 1000000000000000 digits), and
	 * take the multiple of that power of ten nearest to v. Here v >= 1/2
	 * and p <= hi < 2^54, so p << s stays below 2^120. */
	{
		uint64_t p = 1;
		u128 unit;

		while (hi >= p * 10 && hi / (p * 10) * (p * 10) >= lo)
			p *= 10;
		unit = (u128)p << iv.s;
		d = (uint64_t)((vnum + unit / 2) / unit);
		if (d * p < lo)
			d++;
		else if (d * p > hi)
			d--;
		dec->n = (int)format_u64(dec->d, d);
		/* p is the largest such power, so d ends in no zero. */
		dec->x = dec->n - 1 + (int)u64_digits(p) - 1;
	}
	return true;
}

/* The printf route, for magnitudes shortest_exact does not cover: the
 * fewest significant digits that strtod reads back as v, up to 17 (9 for
 * floats), which always suffice. Starting at 15 (6) loses nothing for a
 * normal value: when a shorter form reads back, the correctly rounded
 * 15-digit one is that form padded with zeros. Subnormals carry fewer bits,
 * so they start at one digit. v > 0 and finite. */
static void shortest_printf(double v, bool single, bool subnormal, decimal *dec)
{
	char tmp[40], *p = tmp;
	int prec = subnormal ? 1 : single ? 6 : 15;

	for (;; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (single ? prec == 9 || strtof(tmp, NULL) == (float)v
		           : prec == 17 || strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is d[.ddd]e(+|-)XX */
	dec->n = 0;
	for (; *p != 'e'; p++)
		if (*p != '.')
			dec->d[dec->n++] = *p;
	dec->x = atoi(p + 1);
	while (dec->n > 1 && dec->d[dec->n - 1] == '0')
		dec->n--;
}

static size_t format_zero(char *buf, bool neg)
{
	if (neg) {
		memcpy(buf, "-0", 2);
		return 2;
	}
	buf[0] = '0';
	return 1;
}

static size_t format_special(char *buf, bool neg, bool nan)
{
	if (nan) {
		memcpy(buf, "nan", 3);
		return 3;
	}
	if (neg) {
		memcpy(buf, "-inf", 4);
		return 4;
	}
	memcpy(buf, "inf", 3);
	return 3;
}

size_t stage_format_f64(char *buf, double v)
{
	uint64_t bits, frac;
	int bexp;
	bool neg;
	decimal dec;

	memcpy(&bits, &v, sizeof(bits));
	neg = bits >> 63;
	bexp = (int)((bits >> 52) & 0x7ff);
	frac = bits & ((1ull << 52) - 1);
	if (bexp == 0x7ff)
		return format_special(buf, neg, frac != 0);
	if (bexp == 0 && frac == 0)
		return format_zero(buf, neg);
	if (bexp == 0 || !shortest_exact(frac | 1ull << 52, bexp - 1075, frac == 0 && bexp > 1, &dec))
		shortest_printf(fabs(v), false, bexp == 0, &dec);
	return emit_decimal(buf, neg, &dec);
}

size_t stage_format_f32(char *buf, float v)
{
	uint32_t bits, frac;
	int bexp;
	bool neg;
	decimal dec;

	memcpy(&bits, &v, sizeof(bits));
	neg = bits >> 31;
	bexp = (int)((bits >> 23) & 0xff);
	frac = bits & ((1u << 23) - 1);
	if (bexp == 0xff)
		return format_special(buf, neg, frac != 0);
	if (bexp == 0 && frac == 0)
		return format_zero(buf, neg);
	if (bexp == 0 || !shortest_exact(frac | 1u << 23, bexp - 150, frac == 0 && bexp > 1, &dec))
		shortest_printf(fabs((double)v), true, bexp == 0, &dec);
	return emit_decimal(buf, neg, &dec);
}

/* Year, month, day of a day count from 1970-01-01 in the proleptic
 * Gregorian calendar (Howard Hinnant's civil_from_days): exact for every
 * day, before 1970 included. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static char *two(char *o, unsigned v)
{
	memcpy(o, digit_pairs + 2 * v, 2);
	return o + 2;
}

/* int64 nanoseconds span 1677-09-21 to 2262-04-11, so the year always
 * has four digits. */
size_t stage_format_timestamp(char *buf, int64_t ns)
{
	int64_t secs = ns / 1000000000, frac = ns % 1000000000, days, sod, y;
	unsigned mo, d;
	char *o = buf;

	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_from_days(days, &y, &mo, &d);
	o = two(o, (unsigned)(y / 100));
	o = two(o, (unsigned)(y % 100));
	*o++ = '-';
	o = two(o, mo);
	*o++ = '-';
	o = two(o, d);
	*o++ = 'T';
	o = two(o, (unsigned)(sod / 3600));
	*o++ = ':';
	o = two(o, (unsigned)(sod / 60 % 60));
	*o++ = ':';
	o = two(o, (unsigned)(sod % 60));
	*o++ = '.';
	for (int i = 8; i >= 0; i--) {
		o[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	o += 9;
	*o++ = 'Z';
	return (size_t)(o - buf);
}
