/* Cache-Control (RFC 9111 5.2): a comma-separated list of directives, each
 * a name with an optional token or quoted-string argument; a comma inside
 * a quoted string (no-cache="a, b") does not end the directive. */
#include <stddef.h>
#include <string.h>

#include "policy.h"
#include "policy_internal.h"

#define DELTA_LIMIT 2147483648LL

typedef struct directive {
	const char *name, *arg; /* arg: NULL when none; quotes kept */
	size_t name_len, arg_len;
	bool bad;               /* something other than "=" follows the name */
} directive;

static const struct {
	const char *name;
	size_t offset;
} deltas[] = {
	{"max-age", offsetof(fc_cache_control, max_age)},
	{"s-maxage", offsetof(fc_cache_control, s_maxage)},
	{"max-stale", offsetof(fc_cache_control, max_stale)},
	{"min-fresh", offsetof(fc_cache_control, min_fresh)},
	{"stale-if-error", offsetof(fc_cache_control, stale_if_error)},
	{"stale-while-revalidate", offsetof(fc_cache_control, stale_while_revalidate)},
};

#define NDELTAS (sizeof deltas / sizeof *deltas)

static const struct {
	const char *name;
	size_t offset;
} flags[] = {
	{"no-store", offsetof(fc_cache_control, no_store)},
	{"no-cache", offsetof(fc_cache_control, no_cache)},
	{"must-revalidate", offsetof(fc_cache_control, must_revalidate)},
	{"proxy-revalidate", offsetof(fc_cache_control, proxy_revalidate)},
	{"private", offsetof(fc_cache_control, is_private)},
	{"public", offsetof(fc_cache_control, is_public)},
	{"only-if-cached", offsetof(fc_cache_control, only_if_cached)},
	{"immutable", offsetof(fc_cache_control, immutable)},
};

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int64_t fc__delta_parse(const char *s, size_t n)
{
	int64_t v = 0;

	if (n == 0)
		return FC_ABSENT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return FC_ABSENT;
		if (v < DELTA_LIMIT)
			v = v * 10 + (s[i] - '0');
	}
	return v >= DELTA_LIMIT ? FC_DELTA_INFINITE : v;
}

/* The end of an argument: the first comma outside a quoted string. */
static const char *arg_end(const char *s, const char *end)
{
	bool quoted = false;

	for (; s < end; s++) {
		if (quoted && *s == '\\' && s + 1 < end)
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (*s == ',' && !quoted)
			break;
	}
	return s;
}

/* Steps *p past the next directive in [*p, end); false at the end. */
static bool directive_next(const char **p, const char *end, directive *d)
{
	const char *s = *p, *e;

	while (s < end && (*s == ',' || is_ows(*s)))
		s++;
	if (s == end) {
		*p = s;
		return false;
	}
	d->name = s;
	while (s < end && *s != ',' && *s != '=' && !is_ows(*s))
		s++;
	d->name_len = (size_t)(s - d->name);
	while (s < end && is_ows(*s))
		s++;
	d->arg = NULL;
	d->arg_len = 0;
	d->bad = s < end && *s != ',' && *s != '=';
	if (s < end && *s != ',') {
		s += *s == '=';
		while (s < end && is_ows(*s))
			s++;
		e = arg_end(s, end);
		d->arg = s;
		d->arg_len = (size_t)(e - s);
		while (d->arg_len && is_ows(s[d->arg_len - 1]))
			d->arg_len--;
		s = e;
	}
	*p = s;
	return true;
}

/* The argument as delta seconds, the quoted form too (5.2: recipients
 * accept max-age="5"); FC_ABSENT when missing or malformed. */
static int64_t delta_arg(const directive *d)
{
	const char *a = d->arg;
	size_t n = d->arg_len;

	if (!a || d->bad)
		return FC_ABSENT;
	if (n >= 2 && a[0] == '"' && a[n - 1] == '"') {
		a++;
		n -= 2;
	}
	return fc__delta_parse(a, n);
}

static int64_t delta_value(const directive *d, size_t which)
{
	int64_t v = delta_arg(d);
	size_t off = deltas[which].offset;

	if (v != FC_ABSENT)
		return v;
	if (off == offsetof(fc_cache_control, max_age))
		return 0;
	if (off == offsetof(fc_cache_control, max_stale) && !d->arg && !d->bad)
		return INT64_MAX;
	return FC_ABSENT;
}

/* A directive given twice keeps its first value (4.2.1 allows either the
 * first or stale; the first keeps "max-age=60, max-age=60" fresh). */
static void apply(fc_cache_control *cc, const directive *d, bool seen[NDELTAS])
{
	for (size_t i = 0; i < NDELTAS; i++) {
		if (!fc__span_is(d->name, d->name_len, deltas[i].name))
			continue;
		if (!seen[i])
			*(int64_t *)((char *)cc + deltas[i].offset) = delta_value(d, i);
		seen[i] = true;
		return;
	}
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
		if (fc__span_is(d->name, d->name_len, flags[i].name))
			*(bool *)((char *)cc + flags[i].offset) = true;
}

static void init(fc_cache_control *cc)
{
	*cc = (fc_cache_control){0};
	for (size_t i = 0; i < NDELTAS; i++)
		*(int64_t *)((char *)cc + deltas[i].offset) = FC_ABSENT;
}

static void parse_span(const char *s, const char *end, fc_cache_control *cc, bool seen[NDELTAS])
{
	directive d;

	while (directive_next(&s, end, &d))
		apply(cc, &d, seen);
}

void fc_cache_control_parse(const char *value, fc_cache_control *out)
{
	bool seen[NDELTAS] = {false};

	init(out);
	if (value)
		parse_span(value, value + strlen(value), out, seen);
}

/* Line by line reads the same as the lines joined with ", ", without
 * allocating. */
void fc__cache_control_of(const char *headers, fc_cache_control *out)
{
	bool seen[NDELTAS] = {false};
	const char *p = headers;
	fc__field f;

	init(out);
	while (fc__field_next(&p, &f))
		if (fc__span_is(f.name, f.name_len, "Cache-Control"))
			parse_span(f.value, f.value + f.value_len, out, seen);
}
