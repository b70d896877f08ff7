/* Unit tests of eval-expr's string kernels (kernels.h): bytewise ordering,
 * contains / startswith / endswith, length in code points and PCRE2 regex
 * on log-like lines, against hand-written expectations and naive
 * references. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"
#include "run_suite.h"

/* ---- building views ---- */

typedef struct str {
	const char *p;
	size_t len;
} str;

#define S(lit) ((str){lit, sizeof lit - 1}) /* keeps embedded NUL bytes */
#define MAXROWS 4096

typedef struct column {
	int32_t offsets[MAXROWS + 1];
	uint8_t data[1 << 20];
	ev_str_view v;
} column;

static void fill(column *c, const str *rows, size_t n)
{
	int32_t at = 0;

	ck_assert(n <= MAXROWS);
	for (size_t i = 0; i < n; i++) {
		c->offsets[i] = at;
		ck_assert(at + rows[i].len <= sizeof c->data);
		memcpy(c->data + at, rows[i].p, rows[i].len);
		at += (int32_t)rows[i].len;
	}
	c->offsets[n] = at;
	c->v = (ev_str_view){c->offsets, c->data, 0};
}

static ev_str_view constant(str s)
{
	return (ev_str_view){NULL, (const uint8_t *)s.p, s.len};
}

static column col_a, col_b;

/* ---- compare ---- */

/* byte by byte, unsigned, a proper prefix first */
static int ref_compare(str s, str t)
{
	for (size_t i = 0; i < s.len && i < t.len; i++)
		if ((unsigned char)s.p[i] != (unsigned char)t.p[i])
			return (unsigned char)s.p[i] < (unsigned char)t.p[i] ? -1 : 1;
	return s.len < t.len ? -1 : s.len > t.len;
}

static int ref_holds(ev_op op, int c)
{
	return op == EV_EQ ? c == 0 : op == EV_NE ? c != 0 : op == EV_LT ? c < 0
	       : op == EV_LE ? c <= 0 : op == EV_GT ? c > 0 : c >= 0;
}

static const str words[] = {
	S(""), S("a"), S("ab"), S("abc"), S("abd"), S("b"), S("Z"), S("z"), S("\x7f"), S("\x80"),
	S("\xc3\xa9"), S("\xff"), S("a\0"), S("a\0b"), S("a\0c"), S("\0"), S("ab\xff"), S("abc "),
};
#define NWORDS (sizeof words / sizeof words[0])
static const ev_op cmp_ops[] = {EV_EQ, EV_NE, EV_LT, EV_LE, EV_GT, EV_GE};

START_TEST(compare_pairs)
{
	str a[NWORDS * NWORDS], b[NWORDS * NWORDS];
	uint8_t dst[NWORDS * NWORDS];
	size_t n = NWORDS * NWORDS;

	for (size_t i = 0; i < n; i++) {
		a[i] = words[i % NWORDS];
		b[i] = words[i / NWORDS];
	}
	fill(&col_a, a, n);
	fill(&col_b, b, n);
	for (size_t o = 0; o < 6; o++) {
		ev_str_compare(cmp_ops[o], dst, &col_a.v, &col_b.v, n);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(dst[i] == ref_holds(cmp_ops[o], ref_compare(a[i], b[i])),
			              "op %zu row %zu", o, i);
	}
}
END_TEST

START_TEST(compare_known)
{
	str a[] = {S("a"), S("\x80"), S(""), S("a\0"), S("abc"), S("a\0b")};
	str b[] = {S("ab"), S("z"), S(""), S("a"), S("abd"), S("a\0c")};
	const uint8_t lt[] = {1, 0, 0, 0, 1, 1}, eq[] = {0, 0, 1, 0, 0, 0};
	uint8_t dst[6];

	fill(&col_a, a, 6);
	fill(&col_b, b, 6);
	ev_str_compare(EV_LT, dst, &col_a.v, &col_b.v, 6);
	ck_assert_mem_eq(dst, lt, 6);
	ev_str_compare(EV_EQ, dst, &col_a.v, &col_b.v, 6);
	ck_assert_mem_eq(dst, eq, 6);
}
END_TEST

/* a constant on either side, and on both */
START_TEST(compare_constant)
{
	str a[NWORDS];
	uint8_t dst[NWORDS];
	ev_str_view k = constant(S("ab"));

	memcpy(a, words, sizeof a);
	fill(&col_a, a, NWORDS);
	for (size_t o = 0; o < 6; o++) {
		ev_str_compare(cmp_ops[o], dst, &col_a.v, &k, NWORDS);
		for (size_t i = 0; i < NWORDS; i++)
			ck_assert(dst[i] == ref_holds(cmp_ops[o], ref_compare(a[i], S("ab"))));
		ev_str_compare(cmp_ops[o], dst, &k, &col_a.v, NWORDS);
		for (size_t i = 0; i < NWORDS; i++)
			ck_assert(dst[i] == ref_holds(cmp_ops[o], ref_compare(S("ab"), a[i])));
	}
	ev_str_compare(EV_GE, dst, &k, &k, 3);
	ck_assert(dst[0] == 1 && dst[1] == 1 && dst[2] == 1);
}
END_TEST

/* ---- find ---- */

static const struct {
	str s, needle;
	uint8_t contains, starts, ends;
} finds[] = {
	{S("GET /index.html"), S("index"), 1, 0, 0},
	{S("GET /index.html"), S("GET"), 1, 1, 0},
	{S("GET /index.html"), S(".html"), 1, 0, 1},
	{S("abc"), S(""), 1, 1, 1},
	{S(""), S(""), 1, 1, 1},
	{S(""), S("a"), 0, 0, 0},
	{S("ab"), S("abc"), 0, 0, 0},
	{S("abc"), S("abc"), 1, 1, 1},
	{S("a\0b\0c"), S("b\0c"), 1, 0, 1},
	{S("a\0b"), S("a\0"), 1, 1, 0},
	{S("caf\xc3\xa9 cr\xc3\xa8me"), S("\xc3\xa9"), 1, 0, 0},
	{S("aaaaaaaaab"), S("aab"), 1, 0, 1},
	{S("abababac"), S("ababac"), 1, 0, 1},
	{S("xyz"), S("Xyz"), 0, 0, 0},
};
#define NFINDS (sizeof finds / sizeof finds[0])

START_TEST(find_known)
{
	str s[NFINDS], t[NFINDS];
	uint8_t dst[NFINDS];

	for (size_t i = 0; i < NFINDS; i++) {
		s[i] = finds[i].s;
		t[i] = finds[i].needle;
	}
	fill(&col_a, s, NFINDS);
	fill(&col_b, t, NFINDS);
	ev_str_find(EV_CONTAINS, dst, &col_a.v, &col_b.v, NFINDS);
	for (size_t i = 0; i < NFINDS; i++)
		ck_assert_msg(dst[i] == finds[i].contains, "contains row %zu", i);
	ev_str_find(EV_STARTSWITH, dst, &col_a.v, &col_b.v, NFINDS);
	for (size_t i = 0; i < NFINDS; i++)
		ck_assert_msg(dst[i] == finds[i].starts, "startswith row %zu", i);
	ev_str_find(EV_ENDSWITH, dst, &col_a.v, &col_b.v, NFINDS);
	for (size_t i = 0; i < NFINDS; i++)
		ck_assert_msg(dst[i] == finds[i].ends, "endswith row %zu", i);
	/* the same with each needle as a constant */
	for (size_t i = 0; i < NFINDS; i++) {
		ev_str_view k = constant(finds[i].needle);

		ev_str_find(EV_CONTAINS, dst, &col_a.v, &k, NFINDS);
		ck_assert(dst[i] == finds[i].contains);
		ev_str_find(EV_STARTSWITH, dst, &col_a.v, &k, NFINDS);
		ck_assert(dst[i] == finds[i].starts);
		ev_str_find(EV_ENDSWITH, dst, &col_a.v, &k, NFINDS);
		ck_assert(dst[i] == finds[i].ends);
	}
}
END_TEST

static uint64_t rng = 12345;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int ref_contains(str s, str t)
{
	for (size_t i = 0; i + t.len <= s.len; i++)
		if (memcmp(s.p + i, t.p, t.len) == 0)
			return 1;
	return 0;
}

/* random strings over {a, b}: many near misses */
START_TEST(find_random)
{
	static char sbuf[MAXROWS][64], tbuf[MAXROWS][8];
	static str s[MAXROWS], t[MAXROWS];
	uint8_t dst[MAXROWS];

	for (size_t i = 0; i < MAXROWS; i++) {
		s[i] = (str){sbuf[i], next() % 64};
		t[i] = (str){tbuf[i], next() % 8};
		for (size_t j = 0; j < s[i].len; j++)
			sbuf[i][j] = "ab"[next() & 1];
		for (size_t j = 0; j < t[i].len; j++)
			tbuf[i][j] = "ab"[next() & 1];
	}
	fill(&col_a, s, MAXROWS);
	fill(&col_b, t, MAXROWS);
	ev_str_find(EV_CONTAINS, dst, &col_a.v, &col_b.v, MAXROWS);
	for (size_t i = 0; i < MAXROWS; i++)
		ck_assert_msg(dst[i] == ref_contains(s[i], t[i]), "row %zu", i);
}
END_TEST

/* constant needles over the same strings: matches that would straddle two
 * rows must not count, and a block may start anywhere in the column */
START_TEST(find_random_constant)
{
	static char sbuf[MAXROWS][64];
	static str s[MAXROWS];
	/* the kernel looks for the needle's least common byte (X) first,
	 * wherever it is in the needle */
	const str needles[] = {S("a"), S("ab"), S("bXa"), S("abab"), S("aaX"), S("Xb"), S("babXabab")};
	uint8_t dst[MAXROWS + 1]; /* + a guard */

	for (size_t i = 0; i < MAXROWS; i++) {
		s[i] = (str){sbuf[i], next() % 12};
		for (size_t j = 0; j < s[i].len; j++)
			sbuf[i][j] = "abX"[next() % 3];
	}
	fill(&col_a, s, MAXROWS);
	for (size_t k = 0; k < sizeof needles / sizeof needles[0]; k++) {
		ev_str_view t = constant(needles[k]);

		for (size_t first = 0; first < 3; first++) {
			ev_str_view v = {col_a.offsets + first, col_a.data, 0};
			size_t n = MAXROWS - first - (next() % 3);

			dst[n] = 9;
			ev_str_find(EV_CONTAINS, dst, &v, &t, n);
			for (size_t i = 0; i < n; i++)
				ck_assert_msg(dst[i] == ref_contains(s[first + i], needles[k]),
				              "needle %zu row %zu", k, first + i);
			ck_assert(dst[n] == 9);
		}
	}
}
END_TEST

/* ---- len ---- */

START_TEST(len_code_points)
{
	str s[] = {S(""), S("abc"), S("h\xc3\xa9llo"), S("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
	           S("\xf0\x9f\x98\x80!"), S("a\0b"), S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"),
	           /* longer than a word, with a code point across a word edge */
	           S("GET /caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80 HTTP/1.1 \xc3\xa9\xc3\xa9")};
	const int64_t want[] = {0, 3, 5, 3, 2, 3, 4, 26};
	int64_t got[8];
	ev_str_view k = constant(S("\xe2\x82\xac\xe2\x82\xac"));

	fill(&col_a, s, 8);
	ev_str_len(got, &col_a.v, 8);
	for (size_t i = 0; i < 8; i++)
		ck_assert_int_eq(got[i], want[i]);
	ev_str_len(got, &k, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(got[i], 2);
	ev_str_len(got, &col_a.v, 0);
}
END_TEST

/* random UTF-8 of 1 to 4 byte sequences, against a count of the code
 * points written */
START_TEST(len_random)
{
	static char buf[MAXROWS][200];
	static str s[MAXROWS];
	static int64_t want[MAXROWS], got[MAXROWS];
	static const char *seqs[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};

	for (size_t i = 0; i < MAXROWS; i++) {
		size_t len = 0, cps = next() % 50;

		for (size_t j = 0; j < cps; j++) {
			const char *q = seqs[next() % 4];

			memcpy(buf[i] + len, q, strlen(q));
			len += strlen(q);
		}
		s[i] = (str){buf[i], len};
		want[i] = (int64_t)cps;
	}
	fill(&col_a, s, MAXROWS);
	ev_str_len(got, &col_a.v, MAXROWS);
	for (size_t i = 0; i < MAXROWS; i++)
		ck_assert_int_eq(got[i], want[i]);
}
END_TEST

/* ---- regex ---- */

static const str log_lines[] = {
	S("127.0.0.1 - - [10/Oct/2024:13:55:36 +0000] \"GET /api/42 HTTP/1.1\" 200 512"),
	S("10.0.0.7 - - [10/Oct/2024:13:55:37 +0000] \"POST /login HTTP/1.0\" 503 0"),
	S("level=error msg=\"caf\xc3\xa9 closed\" status=500"),
	S("level=info msg=\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\" status=200"),
	S(""),
	S("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
};
#define NLINES (sizeof log_lines / sizeof log_lines[0])

static const struct {
	const char *pattern;
	uint8_t want[NLINES];
} regexes[] = {
	{"\"GET /api/\\d+ HTTP/1\\.[01]\"", {1, 0, 0, 0, 0, 0}},
	{"\" 5\\d\\d \\d+$", {0, 1, 0, 0, 0, 0}},
	{"status=5\\d\\d", {0, 0, 1, 0, 0, 0}},
	{"^\\d+\\.\\d+\\.\\d+\\.\\d+ ", {1, 1, 0, 0, 0, 0}},
	{"^level=(error|warn)\\b", {0, 0, 1, 0, 0, 0}},
	{"caf. ", {0, 0, 1, 0, 0, 0}},       /* . is one code point, not one byte */
	{"^.{3}$", {0, 0, 0, 0, 0, 1}},      /* three code points in nine bytes */
	{"\\p{Han}{2}", {0, 0, 0, 1, 0, 1}},
	{"^$", {0, 0, 0, 0, 1, 0}},
	{"", {1, 1, 1, 1, 1, 1}},
	{"[[:upper:]]{3,}", {1, 1, 0, 0, 0, 0}},
	{"(?i)LEVEL=INFO", {0, 0, 0, 1, 0, 0}},
};
#define NREGEXES (sizeof regexes / sizeof regexes[0])

START_TEST(regex_log_lines)
{
	ev_regex *re;
	ev_regex_scratch *s1, *s2;
	uint8_t dst[NLINES];
	char msg[256];
	const char *p = regexes[_i].pattern;

	fill(&col_a, log_lines, NLINES);
	ck_assert_int_eq(ev_regex_compile((const uint8_t *)p, strlen(p), &re, msg, sizeof msg), 0);
	s1 = ev_regex_scratch_new(re);
	s2 = ev_regex_scratch_new(re);
	ck_assert(s1 && s2);
	ck_assert_int_eq(ev_regex_match(re, s1, dst, &col_a.v, NLINES, msg, sizeof msg), 0);
	for (size_t i = 0; i < NLINES; i++)
		ck_assert_msg(dst[i] == regexes[_i].want[i], "'%s' on line %zu", p, i);
	/* two scratches on one pattern, as two workers would */
	memset(dst, 7, sizeof dst);
	ck_assert_int_eq(ev_regex_match(re, s2, dst, &col_a.v, NLINES, msg, sizeof msg), 0);
	for (size_t i = 0; i < NLINES; i++)
		ck_assert(dst[i] == regexes[_i].want[i]);
	/* a constant subject */
	for (size_t i = 0; i < NLINES; i++) {
		ev_str_view k = constant(log_lines[i]);
		uint8_t many[5];

		ck_assert_int_eq(ev_regex_match(re, s1, many, &k, 5, msg, sizeof msg), 0);
		for (size_t j = 0; j < 5; j++)
			ck_assert(many[j] == regexes[_i].want[i]);
	}
	ck_assert_int_eq(ev_regex_match(re, s1, dst, &col_a.v, 0, msg, sizeof msg), 0);
	ev_regex_scratch_free(s1);
	ev_regex_scratch_free(s2);
	ev_regex_free(re);
}
END_TEST

START_TEST(regex_bad_pattern)
{
	ev_regex *re = (ev_regex *)&re;
	char msg[256];

	ck_assert_int_eq(ev_regex_compile((const uint8_t *)"a(b", 3, &re, msg, sizeof msg), -1);
	ck_assert_ptr_null(re);
	ck_assert_str_eq(msg, "bad regex 'a(b': missing closing parenthesis at offset 3");
	ck_assert_int_eq(ev_regex_compile((const uint8_t *)"x{2,1}", 6, &re, msg, sizeof msg), -1);
	ck_assert_msg(strncmp(msg, "bad regex 'x{2,1}': ", 20) == 0, "%s", msg);
}
END_TEST

/* catastrophic backtracking stops at PCRE2's match limit, reported */
START_TEST(regex_match_limit)
{
	static char line[4096];
	str row = {line, sizeof line};
	ev_regex *re;
	ev_regex_scratch *s;
	uint8_t dst[1];
	char msg[256] = "";
	struct timespec t0, t1;

	memset(line, 'a', sizeof line - 1);
	line[sizeof line - 1] = 'b';
	fill(&col_a, &row, 1);
	ck_assert_int_eq(ev_regex_compile((const uint8_t *)"(a+)+$", 6, &re, msg, sizeof msg), 0);
	ck_assert(s = ev_regex_scratch_new(re));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(ev_regex_match(re, s, dst, &col_a.v, 1, msg, sizeof msg), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(strstr(msg, "regex '(a+)+$': ") == msg && strstr(msg, "limit"), "%s", msg);
	ck_assert_msg(t1.tv_sec - t0.tv_sec < 5, "took %ld s", (long)(t1.tv_sec - t0.tv_sec));
	ev_regex_scratch_free(s);
	ev_regex_free(re);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eval_strings");
	TCase *tc = tcase_create("predicates");

	tcase_add_test(tc, compare_pairs);
	tcase_add_test(tc, compare_known);
	tcase_add_test(tc, compare_constant);
	tcase_add_test(tc, find_known);
	tcase_add_test(tc, find_random);
	tcase_add_test(tc, find_random_constant);
	tcase_add_test(tc, len_random);
	tcase_add_test(tc, len_code_points);
	suite_add_tcase(s, tc);
	tc = tcase_create("regex");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, regex_log_lines, 0, NREGEXES);
	tcase_add_test(tc, regex_bad_pattern);
	tcase_add_test(tc, regex_match_limit);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
