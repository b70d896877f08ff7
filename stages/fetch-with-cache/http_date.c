/* HTTP-date (RFC 9110 5.6.7) to and from seconds since the epoch, by the
 * proleptic Gregorian calendar (no time zone, no libc locale), and
 * Retry-After, which holds either a date or delay seconds. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "policy_internal.h"

/* The last second IMF-fixdate can write with a 4-digit year. */
#define LAST_SECOND 253402300799LL

static const char *const short_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const long_days[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* A parse in progress over [s, end): ok turns false at the first mismatch
 * and every later step is then a no-op. */
typedef struct cursor {
	const char *s, *end;
	bool ok;
} cursor;

typedef struct civil {
	int64_t year;
	int month, day, hour, minute, second;
} civil;

static void lit(cursor *c, const char *word)
{
	size_t n = strlen(word);

	if (c->ok && (size_t)(c->end - c->s) >= n && memcmp(c->s, word, n) == 0)
		c->s += n;
	else
		c->ok = false;
}

static int number(cursor *c, int ndigits)
{
	int v = 0;

	for (int i = 0; i < ndigits && c->ok; i++) {
		if (c->s == c->end || *c->s < '0' || *c->s > '9') {
			c->ok = false;
			break;
		}
		v = v * 10 + (*c->s++ - '0');
	}
	return v;
}

/* The index of the name found at the cursor (case-insensitive: senders
 * ought to use the case shown, recipients lose nothing by accepting). */
static int name(cursor *c, const char *const *names, int count)
{
	for (int i = 0; i < count && c->ok; i++) {
		size_t n = strlen(names[i]);

		if ((size_t)(c->end - c->s) >= n && strncasecmp(c->s, names[i], n) == 0) {
			c->s += n;
			return i;
		}
	}
	c->ok = false;
	return -1;
}

static void time_of_day(cursor *c, civil *d)
{
	d->hour = number(c, 2);
	lit(c, ":");
	d->minute = number(c, 2);
	lit(c, ":");
	d->second = number(c, 2);
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static bool imf_fixdate(cursor c, civil *d)
{
	name(&c, short_days, 7);
	lit(&c, ", ");
	d->day = number(&c, 2);
	lit(&c, " ");
	d->month = name(&c, months, 12) + 1;
	lit(&c, " ");
	d->year = number(&c, 4);
	lit(&c, " ");
	time_of_day(&c, d);
	lit(&c, " GMT");
	return c.ok && c.s == c.end;
}

/* "Sunday, 06-Nov-94 08:49:37 GMT". The two-digit year needs a pivot;
 * with no clock here, 70-99 are 19xx and 00-69 are 20xx (the rule of
 * 9110 5.6.7 for the next few decades). */
static bool rfc850_date(cursor c, civil *d)
{
	name(&c, long_days, 7);
	lit(&c, ", ");
	d->day = number(&c, 2);
	lit(&c, "-");
	d->month = name(&c, months, 12) + 1;
	lit(&c, "-");
	d->year = number(&c, 2);
	d->year += d->year >= 70 ? 1900 : 2000;
	lit(&c, " ");
	time_of_day(&c, d);
	lit(&c, " GMT");
	return c.ok && c.s == c.end;
}

/* "Sun Nov  6 08:49:37 1994": the day is a space and a digit, or two digits. */
static bool asctime_date(cursor c, civil *d)
{
	name(&c, short_days, 7);
	lit(&c, " ");
	d->month = name(&c, months, 12) + 1;
	lit(&c, " ");
	if (c.ok && c.s < c.end && *c.s == ' ') {
		c.s++;
		d->day = number(&c, 1);
	} else {
		d->day = number(&c, 2);
	}
	lit(&c, " ");
	time_of_day(&c, d);
	lit(&c, " ");
	d->year = number(&c, 4);
	return c.ok && c.s == c.end;
}

static int days_in_month(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms"). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, civil *c)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = yoe + era * 400 + (c->month <= 2);
}

/* 60 seconds is a leap second (9110 5.6.7); it reads as the next minute's
 * first. */
static int64_t to_seconds(const civil *d)
{
	if (d->month < 1 || d->day < 1 || d->day > days_in_month(d->year, d->month) ||
	    d->hour > 23 || d->minute > 59 || d->second > 60)
		return FC_ABSENT;
	return days_from_civil(d->year, d->month, d->day) * 86400 + d->hour * 3600 +
	       d->minute * 60 + d->second;
}

int64_t fc_http_date_parse(const char *s)
{
	cursor c = {s, NULL, true};
	civil d = {0};
	int64_t t;

	if (!s)
		return FC_ABSENT;
	while (*c.s == ' ' || *c.s == '\t')
		c.s++;
	c.end = c.s + strlen(c.s);
	while (c.end > c.s && (c.end[-1] == ' ' || c.end[-1] == '\t'))
		c.end--;
	if (!imf_fixdate(c, &d) && !rfc850_date(c, &d) && !asctime_date(c, &d))
		return FC_ABSENT;
	t = to_seconds(&d);
	/* Before the epoch would collide with FC_ABSENT: no such date parses. */
	return t < 0 ? FC_ABSENT : t;
}

void fc_http_date_format(int64_t t, char out[30])
{
	int64_t days, secs;
	civil c;

	t = t < 0 ? 0 : t > LAST_SECOND ? LAST_SECOND : t;
	days = t / 86400;
	secs = t % 86400;
	civil_from_days(days, &c);
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", short_days[(days + 4) % 7],
	         c.day % 100, months[(c.month - 1) % 12], (int)(c.year % 10000),
	         (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

int64_t fc_retry_after(const char *value, int64_t now)
{
	const char *s = value, *e;
	int64_t t;

	if (!s)
		return FC_ABSENT;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	t = fc__delta_parse(s, (size_t)(e - s));
	if (t != FC_ABSENT)
		return t;
	t = fc_http_date_parse(value);
	if (t == FC_ABSENT)
		return FC_ABSENT;
	return t > now ? t - now : 0;
}
