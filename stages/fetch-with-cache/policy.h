/* RFC 9111 for a private cache: what may be stored, how long it stays
 * fresh, how old it is, which stored variant a request may use, and how a
 * 304 refreshes stored headers. Pure functions of headers and times; no
 * I/O, no clock of its own (every time is passed in, in seconds since the
 * epoch), so every rule is unit-tested with exact times.
 *
 * Header blocks: stored and received response headers travel as one
 * string of "Name: value\r\n" lines (no status line, no blank line at the
 * end). Names compare case-insensitively; a field that occurs on several
 * lines reads as its values joined with ", " (RFC 9110 5.3). A line with
 * no colon or no field name is skipped; the blocks written here hold each
 * line as "Name: value\r\n", the value trimmed. */
#ifndef FETCH_POLICY_H
#define FETCH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage_error.h"

#define FC_ABSENT (-1)

/* Cache-Control directives (RFC 9111 5.2), request or response. Delta
 * seconds that overflow saturate at INT64_MAX/2 ("2147483648" and beyond
 * are treated as infinite, 1.2.2); a malformed value makes the directive
 * read as absent, except max-age, which then reads as 0 (stale: the safe
 * side, 4.2.1). A directive given twice keeps its first value (4.2.1).
 * no_cache is set by the qualified form (no-cache="Set-Cookie") too: the
 * cache cannot revalidate single fields, so it revalidates the response
 * (5.2.2.4 notes caches commonly do). */
typedef struct fc_cache_control {
	int64_t max_age;                /* FC_ABSENT when not given */
	int64_t s_maxage;               /* parsed, ignored: a private cache */
	int64_t max_stale;              /* request; INT64_MAX when given without a value */
	int64_t min_fresh;              /* request */
	int64_t stale_if_error;         /* RFC 5861 */
	int64_t stale_while_revalidate; /* RFC 5861 */
	bool no_store, no_cache, must_revalidate, proxy_revalidate;
	bool is_private, is_public, only_if_cached, immutable;
} fc_cache_control;

void fc_cache_control_parse(const char *value, fc_cache_control *out);

/* The value of a field in a header block (several lines joined with ", "),
 * malloc'd; NULL when absent (or out of memory: *oom set when given). */
char *fc_header_get(const char *headers, const char *name, bool *oom);

/* HTTP-date (RFC 9110 5.6.7): IMF-fixdate, RFC 850 and asctime forms.
 * Returns seconds since the epoch, or FC_ABSENT when s does not parse or
 * names a time before the epoch. RFC 850's two-digit years 70-99 are 19xx,
 * 00-69 are 20xx. */
int64_t fc_http_date_parse(const char *s);
/* IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (30 bytes with NUL);
 * t is clamped to the years 1970 to 9999. */
void fc_http_date_format(int64_t t, char out[30]);

/* Statuses cacheable by default, hence heuristically (RFC 9110 15.1). */
bool fc_status_heuristic(int status);

/* May this response be stored (RFC 9111 3)? method "GET" or "HEAD" (a HEAD
 * response, bodiless, answers only later HEAD requests, never a GET: the
 * caller keys by method), request_cc the request's Cache-Control (NULL for
 * none). A response is storable when: the method is GET or HEAD (RFC
 * 9110 9.3.2), the status is final and understood, neither side says
 * no-store, and it has max-age, Expires, or a heuristically cacheable
 * status (or public). private is storable here. Partial content (206) and
 * 304 (it only refreshes a stored response) are not. */
bool fc_storable(const char *method, int status, const char *request_cc,
                 const char *response_headers);

/* Freshness lifetime in seconds (4.2.1): max-age, else Expires - Date (an
 * invalid Expires, e.g. "0", is already expired), else for heuristically
 * cacheable statuses 10% of (Date - Last-Modified) capped at 24 hours
 * (*heuristic set), else 0. s-maxage ignored. Date missing or invalid:
 * the response_time stands in for it. */
int64_t fc_freshness_lifetime(int status, const char *headers, int64_t response_time,
                              bool *heuristic);

/* Current age (4.2.3): apparent_age = max(0, response_time - Date),
 * corrected initial age = max(apparent, Age + (response_time - request_time)),
 * plus the time resident (now - response_time). */
int64_t fc_current_age(const char *headers, int64_t request_time, int64_t response_time,
                       int64_t now);

/* What a lookup may do with one stored response (already matched by URL,
 * method and Vary). */
typedef enum fc_use {
	FC_USE_FRESH,       /* serve it, no request */
	FC_USE_STALE_SWR,   /* serve it now (stale), revalidate in the background */
	FC_USE_REVALIDATE,  /* send a conditional request first */
} fc_use;

typedef struct fc_stored {
	int status;
	const char *headers;
	int64_t request_time, response_time;
} fc_stored;

/* The decision for a stored response at time now, given the request's
 * Cache-Control (NULL for none; --revalidate sends "no-cache"):
 * - stored no-cache (qualified or not), request no-cache or max-age=0:
 *   revalidate;
 * - fresh (age < lifetime): fresh when age <= the request's max-age and
 *   age < lifetime - min-fresh, else revalidate;
 * - stale (age >= lifetime) and must-revalidate, proxy-revalidate or
 *   age > the request's max-age: revalidate;
 * - stale by at most the request's max-stale: fresh (served as stale: see
 *   fc_is_stale);
 * - stale by at most stale-while-revalidate: SWR;
 * - otherwise: revalidate. */
fc_use fc_decide(const fc_stored *s, const char *request_cc, int64_t now);
/* True when the stored response is past its freshness lifetime at now. */
bool fc_is_stale(const fc_stored *s, int64_t now);
/* After a failed revalidation (network error, or 500, 502, 503, 504):
 * may the stale response be served (stale-if-error in the response or the
 * request, 4.2.4 and RFC 5861 4; stale by at most its value)? Never when
 * the stored response says must-revalidate, proxy-revalidate or no-cache,
 * nor when the request says no-cache. */
bool fc_stale_if_error(const fc_stored *s, const char *request_cc, int64_t now);

/* Conditional request headers for revalidating a stored response (4.3.1):
 * "If-None-Match: <ETag>\r\n" and/or "If-Modified-Since: <Last-Modified>\r\n"
 * (Last-Modified only; not Date; an empty ETag or a Last-Modified that is
 * no HTTP-date is not sent). malloc'd; "" when neither applies;
 * NULL on out of memory. */
char *fc_conditional_headers(const char *stored_headers);

/* The stored header block refreshed by a 304's headers (3.2): each field
 * of the 304 replaces the stored field of that name, except Content-Length
 * and the fields never stored (below). malloc'd, NULL on out of memory. */
char *fc_headers_update(const char *stored_headers, const char *new_headers);

/* A received header block made fit to store (3.1): drops Connection, the
 * fields it names, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding,
 * Upgrade, Proxy-Authenticate, Proxy-Authentication-Info, Proxy-Authorization.
 * malloc'd, NULL on out of memory. */
char *fc_headers_storable(const char *headers);

/* Vary (4.1). fc_vary_key: the secondary key of a request for a response
 * with this Vary value: for each named field (names lowercased, sorted,
 * deduplicated) "name:value\n" with the request's value, whitespace
 * trimmed and runs of spaces and tabs collapsed to one space; a field the
 * request lacks is "name\n", so absent and empty differ (4.1); several
 * lines of a field join with ", "; "" when vary is NULL or empty.
 * Returns NULL for "Vary: *" (never matches; *star set) or on out of memory.
 * request_headers is a header block as above (the request's own fields). */
char *fc_vary_key(const char *vary, const char *request_headers, bool *star);

/* The cache key of a URL: scheme and host lowercased, the default port
 * (80 for http, 443 for https) dropped, an empty path made "/", the
 * fragment dropped; query kept as is. Only http and https. Returns a
 * malloc'd string, or NULL with err set ("malformed URL 'x'", "unsupported
 * scheme 'ftp' in 'ftp://h/'"), status BAD_INPUT. */
char *fc_url_key(const char *url, stage_error *err);

/* Retry-After (RFC 9110 10.2.3): delay seconds or an HTTP-date (relative
 * to now). Returns seconds >= 0, or FC_ABSENT. */
int64_t fc_retry_after(const char *value, int64_t now);

#endif
