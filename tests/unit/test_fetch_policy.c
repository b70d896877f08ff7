/* Unit tests of fetch-with-cache's RFC 9111 policy (policy.h): every rule
 * with exact times. T0 is "Sun, 06 Nov 1994 08:49:37 GMT", the example
 * date of RFC 9110; the other dates are T0 plus or minus whole seconds. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "run_suite.h"

#define T0 784111777LL
#define D_T0 "Sun, 06 Nov 1994 08:49:37 GMT"
#define D_T0_100 "Sun, 06 Nov 1994 08:51:17 GMT"    /* T0 + 100 */
#define D_T0_3600 "Sun, 06 Nov 1994 09:49:37 GMT"   /* T0 + 3600 */
#define D_T0_M5D "Tue, 01 Nov 1994 08:49:37 GMT"    /* T0 - 5 days */
#define D_T0_M10D "Thu, 27 Oct 1994 08:49:37 GMT"   /* T0 - 10 days */
#define INFINITE (INT64_MAX / 2)

static fc_cache_control cc(const char *value)
{
	fc_cache_control c;

	fc_cache_control_parse(value, &c);
	return c;
}

/* Asserts that a malloc'd result equals want, and frees it. */
static void check_str(char *got, const char *want)
{
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

/* ---- Cache-Control ---- */

START_TEST(cc_absent)
{
	fc_cache_control c = cc(NULL), e = cc("");

	ck_assert_int_eq(c.max_age, FC_ABSENT);
	ck_assert_int_eq(c.s_maxage, FC_ABSENT);
	ck_assert_int_eq(c.max_stale, FC_ABSENT);
	ck_assert_int_eq(c.min_fresh, FC_ABSENT);
	ck_assert_int_eq(c.stale_if_error, FC_ABSENT);
	ck_assert_int_eq(c.stale_while_revalidate, FC_ABSENT);
	ck_assert(!c.no_store && !c.no_cache && !c.must_revalidate && !c.proxy_revalidate);
	ck_assert(!c.is_private && !c.is_public && !c.only_if_cached && !c.immutable);
	ck_assert(memcmp(&c, &e, sizeof c) == 0);
}
END_TEST

START_TEST(cc_values)
{
	fc_cache_control c = cc("max-age=60, s-maxage=7, max-stale=30, min-fresh=5, "
	                        "stale-if-error=9, stale-while-revalidate=11");

	ck_assert_int_eq(c.max_age, 60);
	ck_assert_int_eq(c.s_maxage, 7);
	ck_assert_int_eq(c.max_stale, 30);
	ck_assert_int_eq(c.min_fresh, 5);
	ck_assert_int_eq(c.stale_if_error, 9);
	ck_assert_int_eq(c.stale_while_revalidate, 11);
	ck_assert(!c.no_store && !c.no_cache);
}
END_TEST

START_TEST(cc_flags)
{
	fc_cache_control c = cc("no-store, no-cache, must-revalidate, proxy-revalidate, private, "
	                        "public, only-if-cached, immutable");

	ck_assert(c.no_store && c.no_cache && c.must_revalidate && c.proxy_revalidate);
	ck_assert(c.is_private && c.is_public && c.only_if_cached && c.immutable);
	ck_assert_int_eq(c.max_age, FC_ABSENT);
	ck_assert(cc("no-store").no_store && !cc("no-store").no_cache);
	ck_assert(cc("immutable").immutable && !cc("immutable").is_public);
}
END_TEST

START_TEST(cc_case_and_spaces)
{
	ck_assert_int_eq(cc("Max-Age=60").max_age, 60);
	ck_assert_int_eq(cc("MAX-AGE=61").max_age, 61);
	ck_assert_int_eq(cc("  max-age = 62  ").max_age, 62);
	ck_assert_int_eq(cc("\tmax-age=63\t,\tno-store").max_age, 63);
	ck_assert(cc("\tmax-age=63\t,\tno-store").no_store);
	ck_assert(cc("NO-STORE").no_store);
	ck_assert(cc("No-Cache").no_cache);
	ck_assert_int_eq(cc(",,max-age=5,,").max_age, 5);
	ck_assert_int_eq(cc("public,max-age=6").max_age, 6);
	ck_assert(cc("public,max-age=6").is_public);
}
END_TEST

START_TEST(cc_quoted)
{
	fc_cache_control c;

	ck_assert_int_eq(cc("max-age=\"60\"").max_age, 60);
	ck_assert_int_eq(cc("stale-if-error=\"9\"").stale_if_error, 9);
	/* A comma inside a quoted string does not end the directive. */
	c = cc("no-cache=\"Set-Cookie, max-age=5\", max-age=10");
	ck_assert(c.no_cache);
	ck_assert_int_eq(c.max_age, 10);
	c = cc("private=\"X-A, X-B\", max-age=11");
	ck_assert(c.is_private);
	ck_assert_int_eq(c.max_age, 11);
	/* An escaped quote does not close it. */
	c = cc("foo=\"a\\\", max-age=5\", max-age=12");
	ck_assert_int_eq(c.max_age, 12);
	/* Unterminated: the rest of the value is the argument. */
	ck_assert_int_eq(cc("max-age=\"60").max_age, 0);
	ck_assert_int_eq(cc("foo=\"a, max-age=5").max_age, FC_ABSENT);
}
END_TEST

START_TEST(cc_unknown)
{
	fc_cache_control c = cc("foo, bar=baz, x-ext=\"q\", max-age=10, community=\"UCI\"");

	ck_assert_int_eq(c.max_age, 10);
	ck_assert(!c.no_store && !c.no_cache && !c.is_public && !c.is_private);
	/* A prefix of a known name is not that name. */
	ck_assert_int_eq(cc("max-ag=5").max_age, FC_ABSENT);
	ck_assert_int_eq(cc("max-age-x=5").max_age, FC_ABSENT);
	ck_assert(!cc("no-stored").no_store);
}
END_TEST

START_TEST(cc_duplicates)
{
	ck_assert_int_eq(cc("max-age=60, max-age=120").max_age, 60);
	ck_assert_int_eq(cc("max-age=abc, max-age=60").max_age, 0);
	ck_assert_int_eq(cc("max-age=60, max-age=abc").max_age, 60);
	ck_assert_int_eq(cc("min-fresh=1, min-fresh=2").min_fresh, 1);
	ck_assert_int_eq(cc("max-stale, max-stale=5").max_stale, INT64_MAX);
	ck_assert(cc("no-store, no-store").no_store);
}
END_TEST

START_TEST(cc_overflow)
{
	ck_assert_int_eq(cc("max-age=2147483647").max_age, 2147483647LL);
	ck_assert_int_eq(cc("max-age=2147483648").max_age, INFINITE);
	ck_assert_int_eq(cc("max-age=99999999999999999999999999").max_age, INFINITE);
	ck_assert_int_eq(cc("stale-if-error=4294967296").stale_if_error, INFINITE);
	ck_assert_int_eq(cc("max-age=0000000000000000000000060").max_age, 60);
}
END_TEST

START_TEST(cc_malformed)
{
	/* max-age reads as 0, the others as absent. */
	ck_assert_int_eq(cc("max-age=abc").max_age, 0);
	ck_assert_int_eq(cc("max-age").max_age, 0);
	ck_assert_int_eq(cc("max-age=").max_age, 0);
	ck_assert_int_eq(cc("max-age=-1").max_age, 0);
	ck_assert_int_eq(cc("max-age=1.5").max_age, 0);
	ck_assert_int_eq(cc("max-age=5 6").max_age, 0);
	ck_assert_int_eq(cc("max-age 5").max_age, 0);
	ck_assert_int_eq(cc("max-age=10x").max_age, 0);
	ck_assert_int_eq(cc("max-age=\"\"").max_age, 0);
	ck_assert_int_eq(cc("min-fresh=x").min_fresh, FC_ABSENT);
	ck_assert_int_eq(cc("min-fresh").min_fresh, FC_ABSENT);
	ck_assert_int_eq(cc("stale-if-error=-3").stale_if_error, FC_ABSENT);
	ck_assert_int_eq(cc("stale-while-revalidate=").stale_while_revalidate, FC_ABSENT);
	ck_assert_int_eq(cc("s-maxage=1e3").s_maxage, FC_ABSENT);
	ck_assert_int_eq(cc("max-stale").max_stale, INT64_MAX);
	ck_assert_int_eq(cc("max-stale=x").max_stale, FC_ABSENT);
	ck_assert_int_eq(cc("max-stale=").max_stale, FC_ABSENT);
	/* A flag with an argument is still set: the safe side. */
	ck_assert(cc("no-store=1").no_store);
	ck_assert(cc("must-revalidate junk").must_revalidate);
}
END_TEST

/* ---- header blocks ---- */

START_TEST(header_get)
{
	const char *h = "Content-Type: text/html\r\nAccept:  a \r\nX-Empty:\r\n"
	                "accept: b\r\nno colon here\r\n: no name\r\nbad name: x\r\nLast: z";
	bool oom = true;

	check_str(fc_header_get(h, "content-type", &oom), "text/html");
	ck_assert(!oom);
	check_str(fc_header_get(h, "Accept", NULL), "a, b");
	check_str(fc_header_get(h, "X-Empty", NULL), "");
	check_str(fc_header_get(h, "Last", NULL), "z");
	oom = true;
	ck_assert_ptr_null(fc_header_get(h, "X-Missing", &oom));
	ck_assert(!oom);
	ck_assert_ptr_null(fc_header_get(h, "Content", NULL));
	ck_assert_ptr_null(fc_header_get(h, "bad name", NULL));
	ck_assert_ptr_null(fc_header_get("", "Accept", NULL));
	ck_assert_ptr_null(fc_header_get(NULL, "Accept", NULL));
	/* Bare "\n" line ends too. */
	check_str(fc_header_get("A: 1\nB: 2\n", "B", NULL), "2");
	check_str(fc_header_get("A: x:y:z\r\n", "A", NULL), "x:y:z");
}
END_TEST

START_TEST(headers_storable)
{
	const char *h = "Connection: close, X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\n"
	                "Content-Type: a\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n"
	                "Upgrade: h2c\r\nProxy-Connection: keep-alive\r\n"
	                "Proxy-Authenticate: Basic\r\nProxy-Authentication-Info: c\r\n"
	                "Proxy-Authorization: d\r\nX-Kept: k\r\nx-secret: t\r\nETag: \"e\"\r\n";

	check_str(fc_headers_storable(h), "Content-Type: a\r\nX-Kept: k\r\nETag: \"e\"\r\n");
	/* Lines normalized: one space after the colon, value trimmed, CRLF;
	 * lines without a colon or a name dropped. */
	check_str(fc_headers_storable("X-A:  v \r\nbroken line\r\n: novalue\r\nX-B:w"),
	          "X-A: v\r\nX-B: w\r\n");
	check_str(fc_headers_storable("connection: X-A\r\nx-a: 1\r\nX-B: 2\r\n"), "X-B: 2\r\n");
	check_str(fc_headers_storable(""), "");
}
END_TEST

START_TEST(headers_update)
{
	const char *stored = "Content-Type: text/html\r\nETag: \"a\"\r\nContent-Length: 10\r\n"
	                     "Cache-Control: max-age=60\r\nX-Multi: 1\r\nX-Multi: 2\r\n";
	const char *fresh = "ETag: \"b\"\r\nCache-Control: max-age=120\r\nContent-Length: 0\r\n"
	                    "Connection: X-Hop\r\nX-Hop: y\r\nKeep-Alive: timeout=5\r\n"
	                    "X-Multi: 3\r\nDate: " D_T0 "\r\n";

	check_str(fc_headers_update(stored, fresh),
	          "Content-Type: text/html\r\nContent-Length: 10\r\nETag: \"b\"\r\n"
	          "Cache-Control: max-age=120\r\nX-Multi: 3\r\nDate: " D_T0 "\r\n");
	/* Names match case-insensitively; the 304's spelling is kept. */
	check_str(fc_headers_update("ETag: \"a\"\r\nVary: Accept\r\n", "etag: \"c\"\r\n"),
	          "Vary: Accept\r\netag: \"c\"\r\n");
	/* A field on several lines in the 304 replaces all stored lines. */
	check_str(fc_headers_update("Link: <a>\r\nX: 1\r\nLink: <b>\r\n",
	                            "Link: <c>\r\nLink: <d>\r\n"),
	          "X: 1\r\nLink: <c>\r\nLink: <d>\r\n");
	check_str(fc_headers_update(stored, ""), stored);
	check_str(fc_headers_update("", "A: 1\r\nContent-Length: 5\r\n"), "A: 1\r\n");
}
END_TEST

START_TEST(conditional)
{
	check_str(fc_conditional_headers("ETag: \"abc\"\r\nLast-Modified: " D_T0 "\r\n"),
	          "If-None-Match: \"abc\"\r\nIf-Modified-Since: " D_T0 "\r\n");
	check_str(fc_conditional_headers("Last-Modified: " D_T0 "\r\nETag: W/\"x\"\r\n"),
	          "If-None-Match: W/\"x\"\r\nIf-Modified-Since: " D_T0 "\r\n");
	check_str(fc_conditional_headers("etag: \"abc\"\r\n"), "If-None-Match: \"abc\"\r\n");
	check_str(fc_conditional_headers("last-modified: " D_T0 "\r\n"),
	          "If-Modified-Since: " D_T0 "\r\n");
	/* Date is no validator; nor is an empty ETag or a broken date. */
	check_str(fc_conditional_headers("Date: " D_T0 "\r\nContent-Type: a\r\n"), "");
	check_str(fc_conditional_headers("ETag:\r\nLast-Modified: yesterday\r\n"), "");
	check_str(fc_conditional_headers(""), "");
}
END_TEST

/* ---- HTTP-date ---- */

START_TEST(date_forms)
{
	ck_assert_int_eq(fc_http_date_parse(D_T0), T0);
	ck_assert_int_eq(fc_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT"), T0);
	ck_assert_int_eq(fc_http_date_parse("Sun Nov  6 08:49:37 1994"), T0);
	ck_assert_int_eq(fc_http_date_parse("Sun Nov 06 08:49:37 1994"), T0);
	ck_assert_int_eq(fc_http_date_parse("Wed Nov 16 08:49:37 1994"), 784975777LL);
	ck_assert_int_eq(fc_http_date_parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	ck_assert_int_eq(fc_http_date_parse("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400LL);
	ck_assert_int_eq(fc_http_date_parse("Tue, 19 Jan 2038 03:14:08 GMT"), 2147483648LL);
	ck_assert_int_eq(fc_http_date_parse("Fri, 31 Dec 9999 23:59:59 GMT"), 253402300799LL);
	/* Two-digit years: 70-99 are 19xx, 00-69 are 20xx. */
	ck_assert_int_eq(fc_http_date_parse("Thursday, 01-Jan-70 00:00:00 GMT"), 0);
	ck_assert_int_eq(fc_http_date_parse("Saturday, 01-Jan-00 00:00:00 GMT"), 946684800LL);
	ck_assert_int_eq(fc_http_date_parse("Tuesday, 31-Dec-69 23:59:59 GMT"), 3155759999LL);
	/* A leap second is the next minute's first. */
	ck_assert_int_eq(fc_http_date_parse("Sat, 31 Dec 2016 23:59:60 GMT"), 1483228800LL);
	/* Surrounding whitespace and the case of names do not matter. */
	ck_assert_int_eq(fc_http_date_parse("  " D_T0 " \t"), T0);
	ck_assert_int_eq(fc_http_date_parse("sun, 06 nov 1994 08:49:37 GMT"), T0);
}
END_TEST

START_TEST(date_garbage)
{
	static const char *const bad[] = {
		"", "0", "-1", "784111777", "yesterday",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37",
		"Sun, 06 Nov 1994 08:49:37 GMTx",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT",
		"Tue, 29 Feb 1994 00:00:00 GMT",
		"Mon, 29 Feb 1900 00:00:00 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 06 Xyz 1994 08:49:37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sun,06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 8:49:37 GMT",
		"Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sun, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 94",
		"Sun Nov 6 08:49:37 1994",
		"Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
		"Wed, 31 Dec 1969 23:59:59 GMT",
	};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(fc_http_date_parse(bad[i]) == FC_ABSENT, "'%s' parsed", bad[i]);
	ck_assert_int_eq(fc_http_date_parse(NULL), FC_ABSENT);
}
END_TEST

START_TEST(date_format)
{
	char out[30];

	fc_http_date_format(T0, out);
	ck_assert_str_eq(out, D_T0);
	fc_http_date_format(0, out);
	ck_assert_str_eq(out, "Thu, 01 Jan 1970 00:00:00 GMT");
	fc_http_date_format(951782400LL, out);
	ck_assert_str_eq(out, "Tue, 29 Feb 2000 00:00:00 GMT");
	fc_http_date_format(-5, out);
	ck_assert_str_eq(out, "Thu, 01 Jan 1970 00:00:00 GMT");
	fc_http_date_format(INT64_MAX, out);
	ck_assert_str_eq(out, "Fri, 31 Dec 9999 23:59:59 GMT");
	/* Round trip across leap years and centuries. */
	for (int64_t t = 0; t < 253402300799LL; t += 86400LL * 97 + 3661) {
		fc_http_date_format(t, out);
		ck_assert_int_eq(strlen(out), 29);
		ck_assert_int_eq(fc_http_date_parse(out), t);
	}
}
END_TEST

START_TEST(retry_after)
{
	ck_assert_int_eq(fc_retry_after("120", T0), 120);
	ck_assert_int_eq(fc_retry_after(" 120 ", T0), 120);
	ck_assert_int_eq(fc_retry_after("0", T0), 0);
	ck_assert_int_eq(fc_retry_after(D_T0_100, T0), 100);
	ck_assert_int_eq(fc_retry_after(D_T0, T0 + 50), 0);
	ck_assert_int_eq(fc_retry_after("99999999999", T0), INFINITE);
	ck_assert_int_eq(fc_retry_after("abc", T0), FC_ABSENT);
	ck_assert_int_eq(fc_retry_after("-5", T0), FC_ABSENT);
	ck_assert_int_eq(fc_retry_after("1.5", T0), FC_ABSENT);
	ck_assert_int_eq(fc_retry_after("", T0), FC_ABSENT);
	ck_assert_int_eq(fc_retry_after(NULL, T0), FC_ABSENT);
}
END_TEST

/* ---- storable ---- */

START_TEST(storable_status)
{
	static const int heuristic[] = {200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501};
	static const int other[] = {201, 202, 205, 302, 303, 307, 400, 403, 500, 502, 503, 504};

	for (size_t i = 0; i < sizeof heuristic / sizeof *heuristic; i++) {
		ck_assert(fc_status_heuristic(heuristic[i]));
		ck_assert_msg(fc_storable("GET", heuristic[i], NULL, ""), "%d", heuristic[i]);
	}
	for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
		ck_assert(!fc_status_heuristic(other[i]));
		/* No explicit freshness and not heuristically cacheable. */
		ck_assert_msg(!fc_storable("GET", other[i], NULL, "Date: " D_T0 "\r\n"), "%d",
		              other[i]);
		ck_assert(fc_storable("GET", other[i], NULL, "Cache-Control: max-age=10\r\n"));
		ck_assert(fc_storable("GET", other[i], NULL, "Expires: " D_T0_3600 "\r\n"));
		ck_assert(fc_storable("GET", other[i], NULL, "Cache-Control: public\r\n"));
	}
	ck_assert(fc_status_heuristic(206));
	ck_assert(!fc_status_heuristic(304));
	/* Not final, not understood, partial, or a 304: never. */
	ck_assert(!fc_storable("GET", 100, NULL, "Cache-Control: max-age=10\r\n"));
	ck_assert(!fc_storable("GET", 199, NULL, "Cache-Control: max-age=10\r\n"));
	ck_assert(!fc_storable("GET", 299, NULL, "Cache-Control: max-age=10\r\n"));
	ck_assert(!fc_storable("GET", 600, NULL, "Cache-Control: max-age=10\r\n"));
	ck_assert(!fc_storable("GET", 206, NULL, "Cache-Control: max-age=10\r\n"));
	ck_assert(!fc_storable("GET", 304, NULL, "Cache-Control: max-age=10\r\n"));
	/* An invalid Expires still counts as present (it is stale at once). */
	ck_assert(fc_storable("GET", 302, NULL, "Expires: 0\r\n"));
	/* s-maxage is for shared caches. */
	ck_assert(!fc_storable("GET", 302, NULL, "Cache-Control: s-maxage=60\r\n"));
}
END_TEST

START_TEST(storable_directives)
{
	ck_assert(!fc_storable("GET", 200, NULL, "Cache-Control: no-store\r\n"));
	ck_assert(!fc_storable("GET", 200, NULL, "Cache-Control: max-age=60\r\ncache-control: no-store\r\n"));
	ck_assert(!fc_storable("GET", 200, "no-store", ""));
	ck_assert(!fc_storable("GET", 200, "max-age=0, No-Store", "Cache-Control: max-age=60\r\n"));
	ck_assert(fc_storable("GET", 200, "no-cache", "Cache-Control: max-age=60\r\n"));
	ck_assert(fc_storable("GET", 200, NULL, "Cache-Control: private\r\n"));
	ck_assert(fc_storable("GET", 200, NULL, "Cache-Control: private, max-age=0\r\n"));
	ck_assert(fc_storable("GET", 200, NULL, "Cache-Control: no-cache\r\n"));
	ck_assert(fc_storable("GET", 200, NULL, NULL));
}
END_TEST

START_TEST(storable_method)
{
	const char *h = "Cache-Control: max-age=60\r\n";

	/* HEAD under the same rules: the caller keys it apart from GET. */
	ck_assert(fc_storable("GET", 200, NULL, h));
	ck_assert(fc_storable("HEAD", 200, NULL, h));
	ck_assert(fc_storable("HEAD", 200, NULL, ""));
	ck_assert(!fc_storable("HEAD", 302, NULL, ""));
	ck_assert(!fc_storable("HEAD", 200, NULL, "Cache-Control: no-store\r\n"));
	ck_assert(!fc_storable("HEAD", 200, "no-store", h));
	ck_assert(!fc_storable("POST", 200, NULL, h));
	ck_assert(!fc_storable("get", 200, NULL, h));
	ck_assert(!fc_storable(NULL, 200, NULL, h));
}
END_TEST

/* ---- freshness ---- */

START_TEST(fresh_max_age)
{
	bool heur = true;

	/* max-age beats Expires. */
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nExpires: " D_T0_3600
	                                       "\r\nCache-Control: max-age=60\r\n", T0, &heur),
	                 60);
	ck_assert(!heur);
	/* Malformed max-age is 0 even with a later Expires. */
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nExpires: " D_T0_3600
	                                       "\r\nCache-Control: max-age=soon\r\n", T0, NULL),
	                 0);
	/* s-maxage is ignored: falls through to Expires. */
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nExpires: " D_T0_3600
	                                       "\r\nCache-Control: s-maxage=5\r\n", T0, NULL),
	                 3600);
	ck_assert_int_eq(fc_freshness_lifetime(302, "Cache-Control: max-age=2147483648\r\n", T0, NULL),
	                 INFINITE);
}
END_TEST

START_TEST(fresh_expires)
{
	bool heur = true;

	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nExpires: " D_T0_3600 "\r\n",
	                                       T0 + 999, &heur),
	                 3600);
	ck_assert(!heur);
	/* Without Date, the response time stands in. */
	ck_assert_int_eq(fc_freshness_lifetime(302, "Expires: " D_T0_3600 "\r\n", T0 + 100, NULL),
	                 3500);
	ck_assert_int_eq(fc_freshness_lifetime(302, "Date: garbage\r\nExpires: " D_T0_3600 "\r\n",
	                                       T0 + 600, NULL),
	                 3000);
	/* Invalid, past or duplicated Expires: already expired, even where a
	 * heuristic would apply. */
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nExpires: 0\r\n"
	                                       "Last-Modified: " D_T0_M5D "\r\n", T0, NULL),
	                 0);
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0_3600 "\r\nExpires: " D_T0 "\r\n",
	                                       T0, NULL),
	                 0);
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nExpires: " D_T0_3600
	                                       "\r\nExpires: " D_T0_3600 "\r\n", T0, NULL),
	                 0);
}
END_TEST

START_TEST(fresh_heuristic)
{
	bool heur = false;

	/* 10% of Date - Last-Modified. */
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nLast-Modified: " D_T0_M5D
	                                       "\r\n", T0, &heur),
	                 43200);
	ck_assert(heur);
	ck_assert_int_eq(fc_freshness_lifetime(404, "Date: " D_T0 "\r\nLast-Modified: " D_T0_M10D
	                                       "\r\n", T0, NULL),
	                 86400);
	/* Capped at 24 hours. */
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nLast-Modified: "
	                                       "Thu, 01 Jan 1970 00:00:00 GMT\r\n", T0, NULL),
	                 86400);
	/* Without Date, from the response time. */
	ck_assert_int_eq(fc_freshness_lifetime(200, "Last-Modified: " D_T0 "\r\n", T0 + 1000, NULL),
	                 100);
	/* Only for heuristically cacheable statuses. */
	heur = true;
	ck_assert_int_eq(fc_freshness_lifetime(302, "Date: " D_T0 "\r\nLast-Modified: " D_T0_M5D
	                                       "\r\n", T0, &heur),
	                 0);
	ck_assert(!heur);
	ck_assert_int_eq(fc_freshness_lifetime(500, "Date: " D_T0 "\r\nLast-Modified: " D_T0_M5D
	                                       "\r\n", T0, NULL),
	                 0);
	/* No Last-Modified, or one in the future: 0. */
	heur = true;
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\n", T0, &heur), 0);
	ck_assert(!heur);
	ck_assert_int_eq(fc_freshness_lifetime(200, "Date: " D_T0 "\r\nLast-Modified: " D_T0_3600
	                                       "\r\n", T0, NULL),
	                 0);
	ck_assert_int_eq(fc_freshness_lifetime(200, "", T0, NULL), 0);
}
END_TEST

/* ---- age ---- */

START_TEST(age_calc)
{
	const char *dated = "Date: " D_T0 "\r\n";

	ck_assert_int_eq(fc_current_age(dated, T0, T0, T0), 0);
	/* Resident time. */
	ck_assert_int_eq(fc_current_age(dated, T0, T0, T0 + 70), 70);
	/* Age plus the response delay beats an apparent age of 2. */
	ck_assert_int_eq(fc_current_age("Date: " D_T0 "\r\nAge: 100\r\n", T0, T0 + 2, T0 + 2), 102);
	ck_assert_int_eq(fc_current_age("Date: " D_T0 "\r\nAge: 100\r\n", T0, T0 + 2, T0 + 12), 112);
	/* Apparent age (50) beats Age + delay (10 + 1). */
	ck_assert_int_eq(fc_current_age("Date: " D_T0 "\r\nAge: 10\r\n", T0 + 49, T0 + 50, T0 + 60),
	                 60);
	/* A Date ahead of the response time: apparent age 0; delay 1. */
	ck_assert_int_eq(fc_current_age(dated, T0 - 31, T0 - 30, T0 - 30), 1);
	/* No Date: no apparent age. */
	ck_assert_int_eq(fc_current_age("Age: 7\r\n", T0, T0 + 3, T0 + 5), 12);
	/* Malformed or repeated Age is ignored. */
	ck_assert_int_eq(fc_current_age("Date: " D_T0 "\r\nAge: abc\r\n", T0, T0, T0 + 4), 4);
	ck_assert_int_eq(fc_current_age("Date: " D_T0 "\r\nAge: 5\r\nAge: 6\r\n", T0, T0, T0), 0);
	ck_assert_int_eq(fc_current_age("Age: 99999999999\r\n", T0, T0 + 1, T0 + 1), INFINITE + 1);
}
END_TEST

/* ---- decisions ---- */

static fc_stored stored_at_t0(const char *headers)
{
	return (fc_stored){.status = 200, .headers = headers, .request_time = T0,
	                   .response_time = T0};
}

#define MAX_AGE_100 "Date: " D_T0 "\r\nCache-Control: max-age=100\r\n"

START_TEST(decide_fresh)
{
	fc_stored s = stored_at_t0(MAX_AGE_100);

	ck_assert_int_eq(fc_decide(&s, NULL, T0), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 99), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 100), FC_USE_REVALIDATE);
	ck_assert(!fc_is_stale(&s, T0 + 99));
	ck_assert(fc_is_stale(&s, T0 + 100));
	ck_assert_int_eq(fc_decide(&s, "", T0 + 50), FC_USE_FRESH);
	/* Age from the Age field counts. */
	s.headers = MAX_AGE_100 "Age: 60\r\n";
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 39), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 40), FC_USE_REVALIDATE);
	/* No freshness at all: always revalidate. */
	s.headers = "Date: " D_T0 "\r\n";
	ck_assert_int_eq(fc_decide(&s, NULL, T0), FC_USE_REVALIDATE);
	ck_assert(fc_is_stale(&s, T0));
}
END_TEST

START_TEST(decide_no_cache)
{
	fc_stored s = stored_at_t0(MAX_AGE_100);

	ck_assert_int_eq(fc_decide(&s, "no-cache", T0 + 1), FC_USE_REVALIDATE);
	ck_assert_int_eq(fc_decide(&s, "max-age=0", T0), FC_USE_REVALIDATE);
	s.headers = "Date: " D_T0 "\r\nCache-Control: max-age=100, no-cache\r\n";
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 1), FC_USE_REVALIDATE);
	ck_assert_int_eq(fc_decide(&s, "max-stale", T0 + 1), FC_USE_REVALIDATE);
	s.headers = "Date: " D_T0 "\r\nCache-Control: max-age=100, no-cache=\"Set-Cookie\"\r\n";
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 1), FC_USE_REVALIDATE);
}
END_TEST

START_TEST(decide_request_limits)
{
	fc_stored s = stored_at_t0(MAX_AGE_100);

	/* Request max-age bounds the age, inclusive. */
	ck_assert_int_eq(fc_decide(&s, "max-age=30", T0 + 30), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, "max-age=30", T0 + 31), FC_USE_REVALIDATE);
	ck_assert_int_eq(fc_decide(&s, "max-age=500", T0 + 100), FC_USE_REVALIDATE);
	/* min-fresh: still fresh min-fresh seconds from now. */
	ck_assert_int_eq(fc_decide(&s, "min-fresh=20", T0 + 79), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, "min-fresh=20", T0 + 80), FC_USE_REVALIDATE);
	ck_assert_int_eq(fc_decide(&s, "min-fresh=2147483648", T0), FC_USE_REVALIDATE);
}
END_TEST

START_TEST(decide_max_stale)
{
	fc_stored s = stored_at_t0(MAX_AGE_100);

	ck_assert_int_eq(fc_decide(&s, "max-stale=10", T0 + 110), FC_USE_FRESH);
	ck_assert(fc_is_stale(&s, T0 + 110));
	ck_assert_int_eq(fc_decide(&s, "max-stale=10", T0 + 111), FC_USE_REVALIDATE);
	ck_assert_int_eq(fc_decide(&s, "max-stale", T0 + 100000000), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, "max-stale=x", T0 + 101), FC_USE_REVALIDATE);
	/* With a request max-age, the age still bounds it. */
	ck_assert_int_eq(fc_decide(&s, "max-stale, max-age=104", T0 + 104), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, "max-stale, max-age=104", T0 + 105), FC_USE_REVALIDATE);
	/* must-revalidate and proxy-revalidate forbid serving stale. */
	s.headers = MAX_AGE_100 "Cache-Control: must-revalidate\r\n";
	ck_assert_int_eq(fc_decide(&s, "max-stale", T0 + 100), FC_USE_REVALIDATE);
	ck_assert_int_eq(fc_decide(&s, "max-stale", T0 + 99), FC_USE_FRESH);
	s.headers = MAX_AGE_100 "Cache-Control: proxy-revalidate\r\n";
	ck_assert_int_eq(fc_decide(&s, "max-stale=60", T0 + 101), FC_USE_REVALIDATE);
}
END_TEST

START_TEST(decide_swr)
{
	fc_stored s = stored_at_t0("Date: " D_T0 "\r\nCache-Control: max-age=100, "
	                           "stale-while-revalidate=30\r\n");

	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 50), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 100), FC_USE_STALE_SWR);
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 130), FC_USE_STALE_SWR);
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 131), FC_USE_REVALIDATE);
	/* The request's max-stale wins: served as plain stale. */
	ck_assert_int_eq(fc_decide(&s, "max-stale=50", T0 + 120), FC_USE_FRESH);
	ck_assert_int_eq(fc_decide(&s, "max-stale=5", T0 + 120), FC_USE_STALE_SWR);
	/* The request's no-cache and max-age still hold. */
	ck_assert_int_eq(fc_decide(&s, "no-cache", T0 + 110), FC_USE_REVALIDATE);
	ck_assert_int_eq(fc_decide(&s, "max-age=105", T0 + 110), FC_USE_REVALIDATE);
	s.headers = "Date: " D_T0 "\r\nCache-Control: max-age=100, stale-while-revalidate=30, "
	            "must-revalidate\r\n";
	ck_assert_int_eq(fc_decide(&s, NULL, T0 + 110), FC_USE_REVALIDATE);
}
END_TEST

START_TEST(stale_if_error)
{
	fc_stored s = stored_at_t0("Date: " D_T0 "\r\nCache-Control: max-age=100, "
	                           "stale-if-error=60\r\n");

	ck_assert(fc_stale_if_error(&s, NULL, T0 + 10));
	ck_assert(fc_stale_if_error(&s, NULL, T0 + 160));
	ck_assert(!fc_stale_if_error(&s, NULL, T0 + 161));
	ck_assert(fc_stale_if_error(&s, "stale-if-error=100", T0 + 200));
	ck_assert(!fc_stale_if_error(&s, "no-cache", T0 + 110));
	/* The request form alone. */
	s.headers = MAX_AGE_100;
	ck_assert(!fc_stale_if_error(&s, NULL, T0 + 101));
	ck_assert(fc_stale_if_error(&s, "stale-if-error=60", T0 + 160));
	ck_assert(!fc_stale_if_error(&s, "stale-if-error=60", T0 + 161));
	ck_assert(!fc_stale_if_error(&s, "stale-if-error=x", T0 + 101));
	/* must-revalidate, proxy-revalidate and no-cache forbid it. */
	s.headers = "Date: " D_T0 "\r\nCache-Control: max-age=100, stale-if-error=60, "
	            "must-revalidate\r\n";
	ck_assert(!fc_stale_if_error(&s, "stale-if-error=60", T0 + 110));
	s.headers = "Date: " D_T0 "\r\nCache-Control: stale-if-error=60, proxy-revalidate\r\n";
	ck_assert(!fc_stale_if_error(&s, NULL, T0 + 1));
	s.headers = "Date: " D_T0 "\r\nCache-Control: stale-if-error=60, no-cache\r\n";
	ck_assert(!fc_stale_if_error(&s, NULL, T0 + 1));
}
END_TEST

/* ---- Vary ---- */

START_TEST(vary_keys)
{
	const char *req = "Accept-Language: en\r\nAccept-Encoding:  gzip,   br \r\n"
	                  "Accept: TEXT/html\t\t;q=1\r\n";
	bool star = true;

	check_str(fc_vary_key("Accept-Encoding, accept-language, ACCEPT-ENCODING", req, &star),
	          "accept-encoding:gzip, br\naccept-language:en\n");
	ck_assert(!star);
	/* Order and spacing of the Vary value do not matter. */
	check_str(fc_vary_key(" accept-language ,Accept-Encoding,, ", req, NULL),
	          "accept-encoding:gzip, br\naccept-language:en\n");
	/* Values keep their case; tabs collapse. */
	check_str(fc_vary_key("Accept", req, NULL), "accept:TEXT/html ;q=1\n");
	/* Several lines of a field join. */
	check_str(fc_vary_key("Accept", "Accept: a\r\naccept: b\r\n", NULL), "accept:a, b\n");
	check_str(fc_vary_key(NULL, req, &star), "");
	ck_assert(!star);
	check_str(fc_vary_key("", req, NULL), "");
	check_str(fc_vary_key(" , ", req, NULL), "");
}
END_TEST

START_TEST(vary_absent_empty_star)
{
	bool star = false;
	char *absent = fc_vary_key("X-A", "", NULL), *empty = fc_vary_key("X-A", "X-A: \r\n", NULL);

	check_str(absent, "x-a\n");
	check_str(empty, "x-a:\n");
	check_str(fc_vary_key("X-A, X-B", "X-B: 1\r\n", NULL), "x-a\nx-b:1\n");
	check_str(fc_vary_key("X-A", NULL, NULL), "x-a\n");
	ck_assert_ptr_null(fc_vary_key("*", "", &star));
	ck_assert(star);
	star = false;
	ck_assert_ptr_null(fc_vary_key("Accept,  * ", "Accept: a\r\n", &star));
	ck_assert(star);
}
END_TEST

/* ---- URL keys ---- */

static void check_key(const char *url, const char *want)
{
	stage_error err = {0};
	char *key = fc_url_key(url, &err);

	ck_assert_msg(key != NULL, "'%s': %s", url, err.msg);
	ck_assert_str_eq(key, want);
	free(key);
}

static void check_key_error(const char *url, const char *msg)
{
	stage_error err = {0};

	ck_assert_ptr_null(fc_url_key(url, &err));
	ck_assert_int_eq(err.status, STAGE_EXIT_BAD_INPUT);
	ck_assert_str_eq(err.msg, msg);
}

START_TEST(url_keys)
{
	check_key("HTTP://Example.COM", "http://example.com/");
	check_key("HtTpS://WWW.Example.com/Path/A?Q=B", "https://www.example.com/Path/A?Q=B");
	check_key("http://example.com:80/a?b=C#frag", "http://example.com/a?b=C");
	check_key("https://example.com:443", "https://example.com/");
	check_key("https://example.com:80/", "https://example.com:80/");
	check_key("http://example.com:443/", "http://example.com:443/");
	check_key("http://example.com:8080", "http://example.com:8080/");
	check_key("http://h?q", "http://h/?q");
	check_key("http://h/#", "http://h/");
	check_key("http://h/x?b=2&a=1%41", "http://h/x?b=2&a=1%41");
	check_key("http://[::1]:80/x", "http://[::1]/x");
}
END_TEST

START_TEST(url_errors)
{
	check_key_error("ftp://h/", "unsupported scheme 'ftp' in 'ftp://h/'");
	check_key_error("FTP://h/", "unsupported scheme 'ftp' in 'FTP://h/'");
	check_key_error("gopher://h/", "unsupported scheme 'gopher' in 'gopher://h/'");
	check_key_error("example.com/x", "malformed URL 'example.com/x'");
	check_key_error("http://", "malformed URL 'http://'");
	check_key_error("http://a b/", "malformed URL 'http://a b/'");
	check_key_error("http://h:99999/", "malformed URL 'http://h:99999/'");
	check_key_error("", "malformed URL ''");
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("fetch-policy");
	TCase *t;

	t = tcase_create("cache-control");
	tcase_add_test(t, cc_absent);
	tcase_add_test(t, cc_values);
	tcase_add_test(t, cc_flags);
	tcase_add_test(t, cc_case_and_spaces);
	tcase_add_test(t, cc_quoted);
	tcase_add_test(t, cc_unknown);
	tcase_add_test(t, cc_duplicates);
	tcase_add_test(t, cc_overflow);
	tcase_add_test(t, cc_malformed);
	suite_add_tcase(s, t);
	t = tcase_create("headers");
	tcase_add_test(t, header_get);
	tcase_add_test(t, headers_storable);
	tcase_add_test(t, headers_update);
	tcase_add_test(t, conditional);
	suite_add_tcase(s, t);
	t = tcase_create("dates");
	tcase_add_test(t, date_forms);
	tcase_add_test(t, date_garbage);
	tcase_add_test(t, date_format);
	tcase_add_test(t, retry_after);
	suite_add_tcase(s, t);
	t = tcase_create("storable");
	tcase_add_test(t, storable_status);
	tcase_add_test(t, storable_directives);
	tcase_add_test(t, storable_method);
	suite_add_tcase(s, t);
	t = tcase_create("freshness");
	tcase_add_test(t, fresh_max_age);
	tcase_add_test(t, fresh_expires);
	tcase_add_test(t, fresh_heuristic);
	tcase_add_test(t, age_calc);
	suite_add_tcase(s, t);
	t = tcase_create("decide");
	tcase_add_test(t, decide_fresh);
	tcase_add_test(t, decide_no_cache);
	tcase_add_test(t, decide_request_limits);
	tcase_add_test(t, decide_max_stale);
	tcase_add_test(t, decide_swr);
	tcase_add_test(t, stale_if_error);
	suite_add_tcase(s, t);
	t = tcase_create("keys");
	tcase_add_test(t, vary_keys);
	tcase_add_test(t, vary_absent_empty_star);
	tcase_add_test(t, url_keys);
	tcase_add_test(t, url_errors);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return run_suite(policy_suite());
}
