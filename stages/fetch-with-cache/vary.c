/* Vary (RFC 9111 4.1): the secondary key that a stored response and a
 * later request must share. Names are put in one order and values in one
 * spacing, so that requests differing only in those match. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "policy_internal.h"

typedef struct span {
	const char *s;
	size_t n;
} span;

struct vary_key {
	const span *names;
	size_t count;
	const char *request_headers;
};

static int span_order(const void *a, const void *b)
{
	const span *x = a, *y = b;
	int c = strncasecmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* The names of a Vary value, trimmed, empty ones skipped; *star when one
 * is "*". names has room for every comma plus one. */
static size_t split_names(const char *vary, span *names, bool *star)
{
	const char *s = vary, *end = vary + strlen(vary);
	size_t count = 0;

	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e - s == 1 && *s == '*')
			*star = true;
		if (e > s)
			names[count++] = (span){s, (size_t)(e - s)};
		s = comma ? comma + 1 : end;
	}
	return count;
}

static size_t dedupe(span *names, size_t count)
{
	size_t kept = 0;

	for (size_t i = 0; i < count; i++)
		if (kept == 0 || span_order(&names[kept - 1], &names[i]) != 0)
			names[kept++] = names[i];
	return kept;
}

/* A value with each run of spaces and tabs written as one space. */
static void put_collapsed(fc__out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool space = s[i] == ' ' || s[i] == '\t';

		if (space && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			continue;
		fc__put(o, space ? " " : &s[i], 1);
	}
}

/* "name:value\n", the lines of a repeated field joined with ", "; a field
 * the request lacks is "name\n", so that absent and empty differ (4.1). */
static void emit_name(fc__out *o, const span *name, const char *request_headers)
{
	const char *p = request_headers;
	bool found = false;
	fc__field f;

	for (size_t i = 0; i < name->n; i++) {
		char c = (char)tolower((unsigned char)name->s[i]);

		fc__put(o, &c, 1);
	}
	while (fc__field_next(&p, &f)) {
		if (f.name_len != name->n || strncasecmp(f.name, name->s, name->n) != 0)
			continue;
		fc__put(o, found ? ", " : ":", found ? 2 : 1);
		put_collapsed(o, f.value, f.value_len);
		found = true;
	}
	fc__put(o, "\n", 1);
}

static void emit_vary_key(fc__out *o, const void *ctx)
{
	const struct vary_key *k = ctx;

	for (size_t i = 0; i < k->count; i++)
		emit_name(o, &k->names[i], k->request_headers);
}

char *fc_vary_key(const char *vary, const char *request_headers, bool *star)
{
	struct vary_key k = {NULL, 0, request_headers};
	bool is_star = false;
	span *names;
	char *key = NULL;

	if (star)
		*star = false;
	if (!vary)
		return strdup("");
	names = malloc((strlen(vary) / 2 + 1) * sizeof *names);
	if (!names)
		return NULL;
	k.count = split_names(vary, names, &is_star);
	if (is_star) {
		if (star)
			*star = true;
		goto done;
	}
	qsort(names, k.count, sizeof *names, span_order);
	k.count = dedupe(names, k.count);
	k.names = names;
	key = fc__build(emit_vary_key, &k);
done:
	free(names);
	return key;
}
