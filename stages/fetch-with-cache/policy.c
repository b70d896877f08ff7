/* The RFC 9111 decisions (policy.h): whether a response may be stored,
 * how long it stays fresh, how old it is, and what a lookup may do with
 * it. Nothing here allocates, so every decision is total. */
#include <string.h>

#include "policy.h"
#include "policy_internal.h"

/* Heuristic freshness: 10% of the time since Last-Modified (4.2.2), at
 * most a day. */
#define HEURISTIC_MAX 86400

bool fc_status_heuristic(int status)
{
	switch (status) {
	case 200: case 203: case 204: case 206: case 300: case 301: case 308:
	case 404: case 405: case 410: case 414: case 501:
		return true;
	default:
		return false;
	}
}

/* The final statuses of RFC 9110 15 and the later RFCs 6585 and 7725. */
static bool status_understood(int status)
{
	switch (status) {
	case 200: case 201: case 202: case 203: case 204: case 205: case 206:
	case 300: case 301: case 302: case 303: case 304: case 305: case 307: case 308:
	case 400: case 401: case 402: case 403: case 404: case 405: case 406: case 407:
	case 408: case 409: case 410: case 411: case 412: case 413: case 414: case 415:
	case 416: case 417: case 421: case 422: case 426: case 428: case 429: case 431:
	case 451:
	case 500: case 501: case 502: case 503: case 504: case 505: case 511:
		return true;
	default:
		return false;
	}
}

/* A date field; FC_ABSENT when missing, invalid or on several lines
 * (joined, those read as no date either). */
static int64_t date_field(const char *headers, const char *name)
{
	char buf[64];
	fc__field f;

	if (fc__field_count(headers, name, &f) != 1 || f.value_len >= sizeof buf)
		return FC_ABSENT;
	memcpy(buf, f.value, f.value_len);
	buf[f.value_len] = '\0';
	return fc_http_date_parse(buf);
}

/* 304 only refreshes a stored response and 206 is a part of one: neither
 * is stored as a response of its own. */
bool fc_storable(const char *method, int status, const char *request_cc,
                 const char *response_headers)
{
	fc_cache_control req, res;

	if (!method || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
		return false;
	if (status == 206 || status == 304 || !status_understood(status))
		return false;
	fc_cache_control_parse(request_cc, &req);
	fc__cache_control_of(response_headers, &res);
	if (req.no_store || res.no_store)
		return false;
	return res.max_age != FC_ABSENT || fc__field_count(response_headers, "Expires", NULL) ||
	       fc_status_heuristic(status) || res.is_public;
}

int64_t fc_freshness_lifetime(int status, const char *headers, int64_t response_time,
                              bool *heuristic)
{
	fc_cache_control cc;
	int64_t date, expires, modified;

	if (heuristic)
		*heuristic = false;
	fc__cache_control_of(headers, &cc);
	if (cc.max_age != FC_ABSENT)
		return cc.max_age;
	date = date_field(headers, "Date");
	if (date == FC_ABSENT)
		date = response_time;
	if (fc__field_count(headers, "Expires", NULL)) {
		expires = date_field(headers, "Expires");
		return expires != FC_ABSENT && expires > date ? expires - date : 0;
	}
	modified = date_field(headers, "Last-Modified");
	if (!fc_status_heuristic(status) || modified == FC_ABSENT)
		return 0;
	if (heuristic)
		*heuristic = true;
	if (modified >= date)
		return 0;
	return (date - modified) / 10 < HEURISTIC_MAX ? (date - modified) / 10 : HEURISTIC_MAX;
}

static int64_t at_least_zero(int64_t v)
{
	return v > 0 ? v : 0;
}

/* An Age that is not delta seconds is ignored, as if absent. */
int64_t fc_current_age(const char *headers, int64_t request_time, int64_t response_time,
                       int64_t now)
{
	int64_t age = FC_ABSENT, date = date_field(headers, "Date"), apparent, corrected;
	fc__field f;

	if (fc__field_count(headers, "Age", &f) == 1)
		age = fc__delta_parse(f.value, f.value_len);
	if (age == FC_ABSENT)
		age = 0;
	if (date == FC_ABSENT)
		date = response_time;
	apparent = at_least_zero(response_time - date);
	corrected = age + at_least_zero(response_time - request_time);
	return (apparent > corrected ? apparent : corrected) + at_least_zero(now - response_time);
}

/* What a decision needs of the stored response. */
typedef struct standing {
	fc_cache_control cc;
	int64_t lifetime, age;
} standing;

static void standing_of(const fc_stored *s, int64_t now, standing *st)
{
	fc__cache_control_of(s->headers, &st->cc);
	st->lifetime = fc_freshness_lifetime(s->status, s->headers, s->response_time, NULL);
	st->age = fc_current_age(s->headers, s->request_time, s->response_time, now);
}

bool fc_is_stale(const fc_stored *s, int64_t now)
{
	standing st;

	standing_of(s, now, &st);
	return st.age >= st.lifetime;
}

/* Fresh for this request: younger than its max-age (5.2.1.1) and fresh
 * for min-fresh more seconds (5.2.1.3). */
static bool fresh_enough(const standing *st, const fc_cache_control *req)
{
	int64_t min_fresh = req->min_fresh == FC_ABSENT ? 0 : req->min_fresh;

	if (req->max_age != FC_ABSENT && st->age > req->max_age)
		return false;
	return st->age < st->lifetime - min_fresh;
}

fc_use fc_decide(const fc_stored *s, const char *request_cc, int64_t now)
{
	fc_cache_control req;
	standing st;
	int64_t staleness;

	fc_cache_control_parse(request_cc, &req);
	standing_of(s, now, &st);
	if (st.cc.no_cache || req.no_cache || req.max_age == 0)
		return FC_USE_REVALIDATE;
	if (st.age < st.lifetime)
		return fresh_enough(&st, &req) ? FC_USE_FRESH : FC_USE_REVALIDATE;
	/* Stale: a request max-age still bounds the age (5.2.1.1). */
	if (st.cc.must_revalidate || st.cc.proxy_revalidate ||
	    (req.max_age != FC_ABSENT && st.age > req.max_age))
		return FC_USE_REVALIDATE;
	staleness = st.age - st.lifetime;
	if (req.max_stale != FC_ABSENT && staleness <= req.max_stale)
		return FC_USE_FRESH;
	if (st.cc.stale_while_revalidate != FC_ABSENT && staleness <= st.cc.stale_while_revalidate)
		return FC_USE_STALE_SWR;
	return FC_USE_REVALIDATE;
}

bool fc_stale_if_error(const fc_stored *s, const char *request_cc, int64_t now)
{
	fc_cache_control req;
	standing st;
	int64_t staleness;

	fc_cache_control_parse(request_cc, &req);
	standing_of(s, now, &st);
	if (st.cc.must_revalidate || st.cc.proxy_revalidate || st.cc.no_cache || req.no_cache)
		return false;
	staleness = at_least_zero(st.age - st.lifetime);
	return (st.cc.stale_if_error != FC_ABSENT && staleness <= st.cc.stale_if_error) ||
	       (req.stale_if_error != FC_ABSENT && staleness <= req.stale_if_error);
}
