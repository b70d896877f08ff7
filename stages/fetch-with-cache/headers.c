/* Header blocks (policy.h): reading a field, the fields fit to store,
 * a 304's refresh of stored fields, and the conditional request headers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "policy_internal.h"

/* Fields that describe one connection, never a stored response (3.1). */
static const char *const hop_by_hop[] = {
	"Connection", "Proxy-Connection", "Keep-Alive", "TE", "Transfer-Encoding",
	"Upgrade", "Proxy-Authenticate", "Proxy-Authentication-Info", "Proxy-Authorization",
};

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* A field name is a token: no controls, no spaces. */
static bool is_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_ows(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_ows((*s)[*n - 1]))
		(*n)--;
}

bool fc__field_next(const char **p, fc__field *f)
{
	const char *s = *p;

	while (s && *s) {
		const char *eol = strchr(s, '\n');
		const char *next = eol ? eol + 1 : s + strlen(s);
		const char *end = eol ? eol : next;
		const char *colon;

		if (end > s && end[-1] == '\r')
			end--;
		colon = memchr(s, ':', (size_t)(end - s));
		if (colon && is_name(s, (size_t)(colon - s))) {
			f->name = s;
			f->name_len = (size_t)(colon - s);
			f->value = colon + 1;
			f->value_len = (size_t)(end - colon - 1);
			trim(&f->value, &f->value_len);
			*p = next;
			return true;
		}
		s = next;
	}
	*p = s;
	return false;
}

bool fc__span_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

bool fc__list_has(const char *s, size_t n, const char *tok, size_t tok_n)
{
	const char *end = s + n;

	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;
		const char *item = s;
		size_t len = (size_t)(e - s);

		trim(&item, &len);
		if (len == tok_n && strncasecmp(item, tok, len) == 0)
			return true;
		s = comma ? comma + 1 : end;
	}
	return false;
}

bool fc__field_unstorable(const char *headers, const char *name, size_t name_len)
{
	const char *p = headers;
	fc__field f;

	for (size_t i = 0; i < sizeof hop_by_hop / sizeof *hop_by_hop; i++)
		if (fc__span_is(name, name_len, hop_by_hop[i]))
			return true;
	while (fc__field_next(&p, &f))
		if (fc__span_is(f.name, f.name_len, "Connection") &&
		    fc__list_has(f.value, f.value_len, name, name_len))
			return true;
	return false;
}

void fc__put(fc__out *o, const char *s, size_t n)
{
	if (o->p)
		memcpy(o->p + o->n, s, n);
	o->n += n;
}

void fc__put_field(fc__out *o, const fc__field *f)
{
	fc__put(o, f->name, f->name_len);
	fc__put(o, ": ", 2);
	fc__put(o, f->value, f->value_len);
	fc__put(o, "\r\n", 2);
}

char *fc__build(void (*emit)(fc__out *o, const void *ctx), const void *ctx)
{
	fc__out o = {0};
	char *s;

	emit(&o, ctx);
	s = malloc(o.n + 1);
	if (!s)
		return NULL;
	o = (fc__out){.p = s};
	emit(&o, ctx);
	s[o.n] = '\0';
	return s;
}

size_t fc__field_count(const char *headers, const char *name, fc__field *first)
{
	const char *p = headers;
	size_t n = 0;
	fc__field f;

	while (fc__field_next(&p, &f)) {
		if (!fc__span_is(f.name, f.name_len, name))
			continue;
		if (n++ == 0 && first)
			*first = f;
	}
	return n;
}

static bool has_field(const char *headers, const char *name, size_t name_len)
{
	const char *p = headers;
	fc__field f;

	while (fc__field_next(&p, &f))
		if (f.name_len == name_len && strncasecmp(f.name, name, name_len) == 0)
			return true;
	return false;
}

struct field_query {
	const char *headers, *name;
};

static void emit_joined(fc__out *o, const void *ctx)
{
	const struct field_query *q = ctx;
	const char *p = q->headers;
	bool first = true;
	fc__field f;

	while (fc__field_next(&p, &f)) {
		if (!fc__span_is(f.name, f.name_len, q->name))
			continue;
		if (!first)
			fc__put(o, ", ", 2);
		fc__put(o, f.value, f.value_len);
		first = false;
	}
}

char *fc_header_get(const char *headers, const char *name, bool *oom)
{
	struct field_query q = {headers, name};
	char *v;

	if (oom)
		*oom = false;
	if (fc__field_count(headers, name, NULL) == 0)
		return NULL;
	v = fc__build(emit_joined, &q);
	if (!v && oom)
		*oom = true;
	return v;
}

static void emit_storable(fc__out *o, const void *ctx)
{
	const char *headers = ctx, *p = headers;
	fc__field f;

	while (fc__field_next(&p, &f))
		if (!fc__field_unstorable(headers, f.name, f.name_len))
			fc__put_field(o, &f);
}

char *fc_headers_storable(const char *headers)
{
	return fc__build(emit_storable, headers);
}

struct update {
	const char *stored, *fresh;
};

/* A 304's field that refreshes the stored one (3.2). */
static bool refreshes(const char *fresh, const char *name, size_t name_len)
{
	return !fc__span_is(name, name_len, "Content-Length") &&
	       !fc__field_unstorable(fresh, name, name_len);
}

/* Stored fields the 304 does not replace keep their place; the 304's own
 * fields follow, all lines of a field together as they came. */
static void emit_update(fc__out *o, const void *ctx)
{
	const struct update *u = ctx;
	const char *p = u->stored;
	fc__field f;

	while (fc__field_next(&p, &f))
		if (!has_field(u->fresh, f.name, f.name_len) ||
		    !refreshes(u->fresh, f.name, f.name_len))
			fc__put_field(o, &f);
	p = u->fresh;
	while (fc__field_next(&p, &f))
		if (refreshes(u->fresh, f.name, f.name_len))
			fc__put_field(o, &f);
}

char *fc_headers_update(const char *stored_headers, const char *new_headers)
{
	struct update u = {stored_headers, new_headers};

	return fc__build(emit_update, &u);
}

struct validators {
	const char *etag, *last_modified;
};

static void emit_conditional(fc__out *o, const void *ctx)
{
	const struct validators *v = ctx;

	if (v->etag) {
		fc__put(o, "If-None-Match: ", 15);
		fc__put(o, v->etag, strlen(v->etag));
		fc__put(o, "\r\n", 2);
	}
	if (v->last_modified) {
		fc__put(o, "If-Modified-Since: ", 19);
		fc__put(o, v->last_modified, strlen(v->last_modified));
		fc__put(o, "\r\n", 2);
	}
}

/* An empty ETag or a Last-Modified that is no date validates nothing: the
 * origin would ignore it (RFC 9110 13.1.3), so it is not sent. */
char *fc_conditional_headers(const char *stored_headers)
{
	bool oom;
	char *etag = fc_header_get(stored_headers, "ETag", &oom), *lm = NULL, *out = NULL;
	struct validators v;

	if (oom)
		return NULL;
	lm = fc_header_get(stored_headers, "Last-Modified", &oom);
	if (oom)
		goto done;
	v.etag = etag && *etag ? etag : NULL;
	v.last_modified = lm && fc_http_date_parse(lm) != FC_ABSENT ? lm : NULL;
	out = fc__build(emit_conditional, &v);
done:
	free(etag);
	free(lm);
	return out;
}
