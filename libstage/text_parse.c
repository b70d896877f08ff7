/* Value parsers shared by every text reader: int64, float64, bool and ISO
 * 8601 timestamps from a byte range that is not NUL-terminated. Plain
 * integers and short decimals never reach strtod; everything else is
 * validated here first and handed to strtod on a NUL-terminated copy. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "stage_internal.h"

static inline unsigned digit(char c)
{
	return (unsigned)(unsigned char)c - '0';
}

int stage_parse_i64(const char *p, size_t n, int64_t *out)
{
	const char *e = p + n;
	bool neg = false;
	uint64_t v = 0;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (p == e)
		return -1;
	for (; p < e; p++) {
		unsigned d = digit(*p);

		if (d > 9 || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
			return -1;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -1;
		/* Two's complement negation also covers INT64_MIN. */
		*out = (int64_t)(0 - v);
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)v;
	}
	return 0;
}

static bool word_eq(const char *p, size_t n, const char *lower)
{
	size_t i;

	for (i = 0; i < n && lower[i]; i++)
		if ((p[i] | 0x20) != lower[i])
			return false;
	return i == n && lower[i] == '\0';
}

/* inf, infinity and nan, any case (JSON's NaN and Infinity among them). */
static int parse_special(const char *p, size_t n, bool neg, double *out)
{
	if (word_eq(p, n, "inf") || word_eq(p, n, "infinity")) {
		*out = neg ? -HUGE_VAL : HUGE_VAL;
		return 0;
	}
	if (word_eq(p, n, "nan")) {
		*out = neg ? -NAN : NAN;
		return 0;
	}
	return -1;
}

/* strtod (or strtold) on a NUL-terminated copy, for input already known to
 * be a plain decimal: glibc rounds correctly, and the copy keeps it inside
 * [p, p+n). With residual, also the decimal value minus *out, from the
 * 64-bit significand of long double. */
static int slow_f64(const char *p, size_t n, double *out, double *residual)
{
	char stack[128], *buf = stack, *end;

	if (n >= sizeof(stack) && !(buf = malloc(n + 1)))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	if (residual && isfinite(*out))
		*residual = (double)(strtold(buf, &end) - (long double)*out);
	if (buf != stack)
		free(buf);
	return 0;
}

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Rounded, which is fine for scaling a residual: it is far below an ulp of
 * the value it corrects. */
static const double pow10_inverse[] = {
	1e-0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11,
	1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22,
};

/* w * 10^e - hi, for w < 2^64, |e| <= 22 and hi the double nearest to
 * w * 10^e: w splits exactly into two doubles, fma gives products exactly,
 * and the big terms cancel exactly (they are within a factor of 2). */
static double residual_of(uint64_t w, long e, double hi)
{
	double wh = (double)w, wl = (double)(int64_t)(w - (uint64_t)wh);

	if (e < 0) {
		double t = pow10_exact[-e], p = hi * t, pe = fma(hi, t, -p);

		return ((wh - p) + (wl - pe)) * pow10_inverse[-e];
	}
	double t = pow10_exact[e], q = wh * t, qe = fma(wh, t, -q);

	return (q - hi) + (qe + wl * t);
}

/* Both parsers: the value, and with residual its rounding error. */
static int parse_f64(const char *p, size_t n, double *out, double *residual)
{
	const char *s = p, *e = p + n;
	bool neg = false, any = false, slow = false;
	uint64_t w = 0;
	int nd = 0;
	long exp10 = 0;

	if (residual)
		*residual = 0;
	if (s < e && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	if (s == e)
		return -1;
	if (digit(*s) > 9 && *s != '.')
		return parse_special(s, (size_t)(e - s), neg, out);
	/* Up to 19 significant digits fit in w; more send us to strtod. */
	for (; s < e && digit(*s) <= 9; s++) {
		any = true;
		if (nd < 19) {
			w = w * 10 + digit(*s);
			nd += w != 0;
		} else {
			slow = true;
		}
	}
	if (s < e && *s == '.') {
		for (s++; s < e && digit(*s) <= 9; s++) {
			any = true;
			if (nd < 19) {
				w = w * 10 + digit(*s);
				nd += w != 0;
				exp10--;
			} else {
				slow = true;
			}
		}
	}
	if (!any)
		return -1;
	if (s < e && (*s == 'e' || *s == 'E')) {
		bool eneg = false;
		long x = 0;

		s++;
		if (s < e && (*s == '-' || *s == '+'))
			eneg = *s++ == '-';
		if (s == e || digit(*s) > 9)
			return -1;
		for (; s < e && digit(*s) <= 9; s++)
			if (x < 100000)
				x = x * 10 + digit(*s);
		exp10 += eneg ? -x : x;
	}
	if (s != e)
		return -1;
	if (w == 0 && !slow) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
#if FLT_EVAL_METHOD == 0
	/* Clinger's fast path: w and 10^k are exact doubles, so one IEEE
	 * multiplication or division rounds correctly. Its error is exact
	 * too: fma gives a product's, and the remainder of a correctly
	 * rounded quotient is a double. */
	if (!slow && w <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
		double d = (double)w, r;

		if (exp10 < 0) {
			r = d / pow10_exact[-exp10];
			if (residual)
				*residual = fma(-r, pow10_exact[-exp10], d) * pow10_inverse[-exp10];
		} else {
			r = d * pow10_exact[exp10];
			if (residual)
				*residual = fma(d, pow10_exact[exp10], -r);
		}
		*out = neg ? -r : r;
		if (residual && neg)
			*residual = -*residual;
		return 0;
	}
#endif
	/* 17 to 19 digits (repr of a double needs 17): strtod rounds, the
	 * residual is still exact. */
	if (residual && !slow && exp10 >= -22 && exp10 <= 22) {
		if (slow_f64(p, n, out, NULL) < 0)
			return -1;
		*residual = residual_of(w, exp10, neg ? -*out : *out);
		if (neg)
			*residual = -*residual;
		return 0;
	}
	return slow_f64(p, n, out, residual);
}

int stage_parse_f64(const char *p, size_t n, double *out)
{
	return parse_f64(p, n, out, NULL);
}

int stage_parse_f64_residual(const char *p, size_t n, double *out, double *residual)
{
	return parse_f64(p, n, out, residual);
}

int stage_parse_bool(const char *p, size_t n, bool *out)
{
	if (word_eq(p, n, "true")) {
		*out = true;
		return 0;
	}
	if (word_eq(p, n, "false")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* Reads exactly `width` digits at *s. */
static bool fixed_digits(const char **s, const char *e, int width, int *out)
{
	int v = 0;

	if (e - *s < width)
		return false;
	for (int i = 0; i < width; i++) {
		unsigned d = digit((*s)[i]);

		if (d > 9)
			return false;
		v = v * 10 + (int)d;
	}
	*s += width;
	*out = v;
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/* YYYY-MM-DD, then optionally [T ]hh:mm[:ss[.fraction]], then optionally Z
 * or an offset +hh:mm / +hhmm / +hh. No offset means UTC. */
int stage_parse_timestamp(const char *p, size_t n, int64_t *ns)
{
	const char *s = p, *e = p + n;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0;
	int64_t frac = 0, secs, total;

	if (!fixed_digits(&s, e, 4, &y) || s == e || *s++ != '-' ||
	    !fixed_digits(&s, e, 2, &mo) || s == e || *s++ != '-' ||
	    !fixed_digits(&s, e, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (s < e && (*s == 'T' || *s == 't' || *s == ' ')) {
		s++;
		if (!fixed_digits(&s, e, 2, &h) || s == e || *s++ != ':' ||
		    !fixed_digits(&s, e, 2, &mi))
			return -1;
		if (s < e && *s == ':') {
			s++;
			if (!fixed_digits(&s, e, 2, &sec))
				return -1;
			if (s < e && (*s == '.' || *s == ',')) {
				int nd = 0;

				for (s++; s < e && digit(*s) <= 9; s++, nd++)
					if (nd < 9)
						frac = frac * 10 + digit(*s);
				if (nd == 0)
					return -1;
				for (; nd < 9; nd++)
					frac *= 10;
			}
		}
		/* 60 admits a leap second, which lands on the next second. */
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
	}
	if (s < e && (*s == 'Z' || *s == 'z')) {
		s++;
	} else if (s < e && (*s == '+' || *s == '-')) {
		int sign = *s++ == '-' ? -1 : 1;

		if (!fixed_digits(&s, e, 2, &oh))
			return -1;
		if (s < e && *s == ':')
			s++;
		if (s < e && !fixed_digits(&s, e, 2, &om))
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		oh *= sign;
		om *= sign;
	}
	if (s != e)
		return -1;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       (int64_t)oh * 3600 - (int64_t)om * 60;
	if (__builtin_mul_overflow(secs, (int64_t)1000000000, &total) ||
	    __builtin_add_overflow(total, frac, &total))
		return -1;
	*ns = total;
	return 0;
}
