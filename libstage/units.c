/* The one parser for sizes (K/M/G, powers of 1024), durations (ns us ms s m
 * h) and counts that every stage's options use. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "stage_internal.h"

static int parse_scaled(const char *s, const char *what, double *num, const char **unit,
                        stage_error *err)
{
	char *end;

	errno = 0;
	*num = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(*num) || *num < 0)
		return stage_error_set(err, STAGE_EXIT_USAGE, "invalid %s '%s'", what, s);
	*unit = end;
	return 0;
}

int stage_parse_size(const char *s, uint64_t *bytes, stage_error *err)
{
	static const struct { const char *unit; double scale; } units[] = {
		{"", 1}, {"b", 1}, {"k", 1024.0}, {"kb", 1024.0}, {"kib", 1024.0},
		{"m", 1048576.0}, {"mb", 1048576.0}, {"mib", 1048576.0},
		{"g", 1073741824.0}, {"gb", 1073741824.0}, {"gib", 1073741824.0},
	};
	const char *unit;
	double n;

	if (parse_scaled(s, "size", &n, &unit, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].unit) == 0) {
			double v = n * units[i].scale;

			if (v >= 18446744073709551616.0 || v != floor(v))
				return stage_error_set(err, STAGE_EXIT_USAGE,
				                       "size '%s' is not a whole number of bytes", s);
			*bytes = (uint64_t)v;
			return 0;
		}
	}
	return stage_error_set(err, STAGE_EXIT_USAGE, "invalid size '%s': units are K, M, G", s);
}

int stage_parse_duration(const char *s, uint64_t *ns, stage_error *err)
{
	static const struct { const char *unit; double scale; } units[] = {
		{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
	};
	const char *unit;
	double n;

	if (parse_scaled(s, "duration", &n, &unit, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit) == 0) {
			double v = n * units[i].scale;

			if (v >= 9.2e18)
				return stage_error_set(err, STAGE_EXIT_USAGE, "duration '%s' is too long", s);
			*ns = (uint64_t)llround(v);
			return 0;
		}
	}
	return stage_error_set(err, STAGE_EXIT_USAGE,
	                       "invalid duration '%s': give a unit (ns, us, ms, s, m, h)", s);
}

int stage_parse_count(const char *s, const char *what, int64_t *out, stage_error *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno == ERANGE || !(v >= 1) || v > 9.2e18 || v != floor(v))
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "invalid %s '%s': expected a positive whole number", what, s);
	*out = (int64_t)v;
	return 0;
}
