/* Text output: value formatting (integer limits, floats that read back to
 * the identical bits, ISO 8601 timestamps) and the table, tsv, csv and jsonl
 * writers, run through a real sink into a temporary file and compared byte
 * for byte. */
#include <check.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "stage_internal.h"

/* xorshift64: the same pseudo-random values on every run. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* ---- value formatting ---- */

static const char *fmt_i64(int64_t v)
{
	static char buf[STAGE_FORMAT_MAX + 1];

	buf[stage_format_i64(buf, v)] = '\0';
	return buf;
}

static const char *fmt_f64(double v)
{
	static char buf[STAGE_FORMAT_MAX + 1];

	buf[stage_format_f64(buf, v)] = '\0';
	return buf;
}

static const char *fmt_f32(float v)
{
	static char buf[STAGE_FORMAT_MAX + 1];

	buf[stage_format_f32(buf, v)] = '\0';
	return buf;
}

static const char *fmt_ts(int64_t ns)
{
	static char buf[STAGE_FORMAT_MAX + 1];

	buf[stage_format_timestamp(buf, ns)] = '\0';
	return buf;
}

START_TEST(out_format_names)
{
	static const char *names[] = {"auto", "arrow", "table", "tsv", "csv", "jsonl"};
	stage_out_format f;

	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(stage_out_format_parse(names[i], &f), 0);
		ck_assert_int_eq(f, (stage_out_format)i);
	}
	ck_assert_int_eq(stage_out_format_parse("json", &f), -1);
	ck_assert_int_eq(stage_out_format_parse("", &f), -1);
	ck_assert_int_eq(stage_out_format_parse("CSV", &f), -1);
}
END_TEST

START_TEST(format_i64)
{
	char want[32];

	ck_assert_str_eq(fmt_i64(0), "0");
	ck_assert_str_eq(fmt_i64(-1), "-1");
	ck_assert_str_eq(fmt_i64(INT64_MAX), "9223372036854775807");
	ck_assert_str_eq(fmt_i64(INT64_MIN), "-9223372036854775808");
	/* Every digit count on both sides of each power of ten. */
	for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
		for (int64_t d = -1; d <= 1; d++) {
			snprintf(want, sizeof(want), "%lld", (long long)(p + d));
			ck_assert_str_eq(fmt_i64(p + d), want);
			snprintf(want, sizeof(want), "%lld", (long long)-(p + d));
			ck_assert_str_eq(fmt_i64(-(p + d)), want);
		}
	}
	for (int i = 0; i < 100000; i++) {
		int64_t v = (int64_t)(rnd() >> (rnd() % 64));

		v = i & 1 ? -v : v;
		snprintf(want, sizeof(want), "%lld", (long long)v);
		ck_assert_str_eq(fmt_i64(v), want);
	}
}
END_TEST

START_TEST(format_f64_fixed_cases)
{
	ck_assert_str_eq(fmt_f64(0.0), "0");
	ck_assert_str_eq(fmt_f64(-0.0), "-0");
	ck_assert_str_eq(fmt_f64(NAN), "nan");
	ck_assert_str_eq(fmt_f64(-NAN), "nan");
	ck_assert_str_eq(fmt_f64(HUGE_VAL), "inf");
	ck_assert_str_eq(fmt_f64(-HUGE_VAL), "-inf");
	ck_assert_str_eq(fmt_f64(0.1), "0.1");
	ck_assert_str_eq(fmt_f64(0.3), "0.3");
	ck_assert_str_eq(fmt_f64(1.5), "1.5");
	ck_assert_str_eq(fmt_f64(-2.25), "-2.25");
	ck_assert_str_eq(fmt_f64(100), "100");
	ck_assert_str_eq(fmt_f64(123.456), "123.456");
	ck_assert_str_eq(fmt_f64(2.0 / 3), "0.6666666666666666");
	ck_assert_str_eq(fmt_f64(0.0001), "0.0001");
	ck_assert_str_eq(fmt_f64(0.00001), "1e-05");
	ck_assert_str_eq(fmt_f64(1e15), "1000000000000000");
	ck_assert_str_eq(fmt_f64(1e16), "1e+16");
	ck_assert_str_eq(fmt_f64(1e100), "1e+100");
	ck_assert_str_eq(fmt_f64(1e-300), "1e-300");
	ck_assert_str_eq(fmt_f64(-1.5e-7), "-1.5e-07");
	ck_assert_str_eq(fmt_f64(9007199254740993.0), "9007199254740992");
	ck_assert_str_eq(fmt_f64(DBL_MAX), "1.7976931348623157e+308");
	ck_assert_str_eq(fmt_f64(DBL_MIN), "2.2250738585072014e-308");
	ck_assert_str_eq(fmt_f64(5e-324), "5e-324");
	ck_assert_str_eq(fmt_f64(-5e-324), "-5e-324");
	ck_assert_str_eq(fmt_f32(0.1f), "0.1");
	ck_assert_str_eq(fmt_f32(-0.0f), "-0");
	ck_assert_str_eq(fmt_f32(16777216.0f), "16777216");
	ck_assert_str_eq(fmt_f32(FLT_MAX), "3.4028235e+38");
	ck_assert_str_eq(fmt_f32(FLT_TRUE_MIN), "1e-45");
	ck_assert_str_eq(fmt_f32(1.0f / 3), "0.33333334");
	ck_assert_str_eq(fmt_f32(-HUGE_VALF), "-inf");
	ck_assert_str_eq(fmt_f32(NAN), "nan");
}
END_TEST

/* Significant digits of a formatted number, trailing zeros not counted. */
static int significant_digits(const char *s)
{
	int n = 0, zeros = 0;
	bool started = false;

	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (*s != '0')
			started = true;
		if (!started)
			continue;
		n++;
		zeros = *s == '0' ? zeros + 1 : 0;
	}
	return n - zeros;
}

/* The fewest %.Ng digits that read back, the reference for "shortest". */
static int shortest_reference(double v, bool single)
{
	char buf[64];

	for (int k = 1;; k++) {
		snprintf(buf, sizeof(buf), "%.*g", k, v);
		if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
			return k;
	}
}

static void check_f64(double v)
{
	const char *s = fmt_f64(v);
	double back = strtod(s, NULL);

	ck_assert_msg(memcmp(&back, &v, sizeof(v)) == 0, "%a printed as %s", v, s);
	if (v != 0)
		ck_assert_msg(significant_digits(s) <= shortest_reference(v, false),
		              "%a printed as %s, not shortest", v, s);
}

static void check_f32(float v)
{
	const char *s = fmt_f32(v);
	float back = strtof(s, NULL);

	ck_assert_msg(memcmp(&back, &v, sizeof(v)) == 0, "%a printed as %s", (double)v, s);
	if (v != 0)
		ck_assert_msg(significant_digits(s) <= shortest_reference(v, true),
		              "%a printed as %s, not shortest", (double)v, s);
}

START_TEST(format_f64_round_trip)
{
	for (int i = 0; i < 60000; i++) {
		uint64_t bits = rnd();
		double v;

		switch (i % 6) {
		case 0: /* any bit pattern */
			memcpy(&v, &bits, sizeof(v));
			break;
		case 1: /* subnormals */
			bits &= (1ull << 52) - 1;
			bits |= (uint64_t)(i & 1) << 63;
			memcpy(&v, &bits, sizeof(v));
			break;
		case 2: /* short decimals, as data usually holds */
			v = (double)(rnd() % 10000000) / pow(10, (double)(rnd() % 12));
			break;
		case 3: /* 53-bit integers scaled around the fast range */
			v = ldexp((double)(bits >> 11), -(int)(rnd() % 140) + 20);
			break;
		case 4: /* powers of two: the uneven gap below them */
			v = ldexp(1.0, (int)(rnd() % 2098) - 1074);
			break;
		default: /* neighbours of short decimals */
			v = nextafter((double)(rnd() % 100000) / 1000, i & 2 ? HUGE_VAL : 0);
		}
		if (isnan(v))
			continue;
		check_f64(v);
	}
	check_f64(-0.0);
	check_f64(DBL_MIN);
	check_f64(nextafter(DBL_MIN, 0));
	check_f64(DBL_MAX);
}
END_TEST

START_TEST(format_f32_round_trip)
{
	for (int i = 0; i < 60000; i++) {
		uint32_t bits = (uint32_t)rnd();
		float v;

		switch (i % 4) {
		case 0:
			memcpy(&v, &bits, sizeof(v));
			break;
		case 1:
			bits &= (1u << 23) - 1;
			memcpy(&v, &bits, sizeof(v));
			break;
		case 2:
			v = (float)((double)(rnd() % 1000000) / pow(10, (double)(rnd() % 8)));
			break;
		default:
			v = ldexpf(1.0f, (int)(rnd() % 277) - 149);
		}
		if (isnan(v))
			continue;
		check_f32(v);
	}
}
END_TEST

START_TEST(format_timestamps)
{
	ck_assert_str_eq(fmt_ts(0), "1970-01-01T00:00:00.000000000Z");
	ck_assert_str_eq(fmt_ts(-1), "1969-12-31T23:59:59.999999999Z");
	ck_assert_str_eq(fmt_ts(-1000000000), "1969-12-31T23:59:59.000000000Z");
	ck_assert_str_eq(fmt_ts(1704164645123456789), "2024-01-02T03:04:05.123456789Z");
	ck_assert_str_eq(fmt_ts(1709164800000000000), "2024-02-29T00:00:00.000000000Z");
	ck_assert_str_eq(fmt_ts(951782400000000000), "2000-02-29T00:00:00.000000000Z");
	ck_assert_str_eq(fmt_ts(-2203891200000000000), "1900-03-01T00:00:00.000000000Z");
	ck_assert_str_eq(fmt_ts(-2203977600000000000), "1900-02-28T00:00:00.000000000Z");
	/* int64 nanoseconds end in 1677 and 2262: years past 9999 cannot occur. */
	ck_assert_str_eq(fmt_ts(INT64_MIN), "1677-09-21T00:12:43.145224192Z");
	ck_assert_str_eq(fmt_ts(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
	/* Against gmtime, and back through the reader's parser. */
	for (int i = 0; i < 100000; i++) {
		int64_t ns = (int64_t)rnd();
		time_t secs = (time_t)(ns / 1000000000 - (ns % 1000000000 < 0));
		struct tm tm;
		char want[64];
		int64_t back;

		gmtime_r(&secs, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		ck_assert_msg(strncmp(fmt_ts(ns), want, 19) == 0, "%lld: %s, want %s", (long long)ns,
		              fmt_ts(ns), want);
		ck_assert_int_eq(stage_parse_timestamp(fmt_ts(ns), 30, &back), 0);
		ck_assert_int_eq(back, ns);
	}
}
END_TEST

/* ---- writers ---- */

typedef struct col_spec {
	const char *name;
	stage_type type;
} col_spec;

static stage_schema *make_schema(const col_spec *cols, size_t n)
{
	stage_schema *s = stage_schema_new();
	stage_error err;

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(stage_schema_add(s, cols[i].name, cols[i].type, &err), 0);
	return s;
}

static stage_batch *finish_batch(stage_builder *b)
{
	stage_batch *out;
	stage_error err;

	ck_assert_msg(stage_builder_finish(b, &out, &err) == 0, "%s", err.msg);
	return out;
}

static void put_str(stage_column_builder *c, const char *s)
{
	if (s)
		stage_col_append_bytes(c, s, strlen(s));
	else
		stage_col_append_null(c);
}

/* Writes the batches in format f into a temporary file through a sink and
 * returns the bytes, NUL-terminated (caller frees). */
static char *render(stage_out_format f, const stage_schema *s, stage_batch **bs, size_t nb)
{
	FILE *tmp = tmpfile();
	int fd;
	stage_error err;
	stage_sink *k;
	stage_text_writer *w;
	off_t size;
	char *out;

	ck_assert_ptr_nonnull(tmp);
	fd = fileno(tmp);
	k = stage_sink_new(fd, &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_msg(stage_text_writer_open(&w, k, f, s, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < nb; i++)
		ck_assert_msg(stage_text_writer_write(w, bs[i], &err) == 0, "%s", err.msg);
	ck_assert_msg(stage_text_writer_finish(w, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stage_sink_flush(k, &err), 0);
	stage_text_writer_free(w);
	stage_sink_free(k);
	size = lseek(fd, 0, SEEK_END);
	out = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(pread(fd, out, (size_t)size, 0), size);
	out[size] = '\0';
	fclose(tmp);
	return out;
}

static void expect(stage_out_format f, const stage_schema *s, stage_batch **bs, size_t nb,
                   const char *want)
{
	char *got = render(f, s, bs, nb);

	ck_assert_str_eq(got, want);
	free(got);
}

/* Columns of every type: two rows of values, one of nulls. */
static const col_spec every_type[] = {
	{"i", STAGE_INT64}, {"f", STAGE_FLOAT64}, {"g", STAGE_FLOAT32}, {"b", STAGE_BOOL},
	{"s", STAGE_UTF8},  {"x", STAGE_BINARY},  {"t", STAGE_TIMESTAMP},
};

static stage_batch *every_type_batch(const stage_schema *s)
{
	stage_builder b;
	stage_error err;

	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	stage_col_append_i64(&b.cols[0], INT64_MIN);
	stage_col_append_f64(&b.cols[1], 0.1);
	stage_col_append_f32(&b.cols[2], 1.5f);
	stage_col_append_bool(&b.cols[3], true);
	put_str(&b.cols[4], "plain");
	stage_col_append_bytes(&b.cols[5], "\x00\xff\x10", 3);
	stage_col_append_i64(&b.cols[6], 1704164645123456789);
	stage_col_append_i64(&b.cols[0], INT64_MAX);
	stage_col_append_f64(&b.cols[1], -0.0);
	stage_col_append_f32(&b.cols[2], -HUGE_VALF);
	stage_col_append_bool(&b.cols[3], false);
	put_str(&b.cols[4], "");
	stage_col_append_bytes(&b.cols[5], "", 0);
	stage_col_append_i64(&b.cols[6], -1);
	for (int c = 0; c < 7; c++)
		stage_col_append_null(&b.cols[c]);
	{
		stage_batch *out = finish_batch(&b);

		stage_builder_release(&b);
		return out;
	}
}

START_TEST(all_types_every_format)
{
	stage_schema *s = make_schema(every_type, 7);
	stage_batch *b = every_type_batch(s);

	expect(STAGE_OUT_CSV, s, &b, 1,
	       "i,f,g,b,s,x,t\n"
	       "-9223372036854775808,0.1,1.5,true,plain,00ff10,2024-01-02T03:04:05.123456789Z\n"
	       "9223372036854775807,-0,-inf,false,\"\",\"\",1969-12-31T23:59:59.999999999Z\n"
	       ",,,,,,\n");
	expect(STAGE_OUT_TSV, s, &b, 1,
	       "i\tf\tg\tb\ts\tx\tt\n"
	       "-9223372036854775808\t0.1\t1.5\ttrue\tplain\t00ff10\t2024-01-02T03:04:05.123456789Z\n"
	       "9223372036854775807\t-0\t-inf\tfalse\t\t\t1969-12-31T23:59:59.999999999Z\n"
	       "\t\t\t\t\t\t\n");
	expect(STAGE_OUT_JSONL, s, &b, 1,
	       "{\"i\":-9223372036854775808,\"f\":0.1,\"g\":1.5,\"b\":true,\"s\":\"plain\","
	       "\"x\":\"00ff10\",\"t\":\"2024-01-02T03:04:05.123456789Z\"}\n"
	       "{\"i\":9223372036854775807,\"f\":-0,\"g\":-Infinity,\"b\":false,\"s\":\"\","
	       "\"x\":\"\",\"t\":\"1969-12-31T23:59:59.999999999Z\"}\n"
	       "{\"i\":null,\"f\":null,\"g\":null,\"b\":null,\"s\":null,\"x\":null,\"t\":null}\n");
	expect(STAGE_OUT_TABLE, s, &b, 1,
	       "                   i    f     g  b      s      x       t\n"
	       "-9223372036854775808  0.1   1.5  true   plain  00ff10  2024-01-02T03:04:05.123456789Z\n"
	       " 9223372036854775807   -0  -inf  false         "
	       "        1969-12-31T23:59:59.999999999Z\n"
	       "                   ∅    ∅     ∅  ∅      ∅      ∅       ∅\n");
	stage_batch_free(b);
	stage_schema_free(s);
}
END_TEST

static stage_batch *strings_batch(const stage_schema *s, const char *const *vals, size_t n)
{
	stage_builder b;
	stage_error err;
	stage_batch *out;

	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < s->ncols; c++)
			put_str(&b.cols[c], vals[i * s->ncols + c]);
	out = finish_batch(&b);
	stage_builder_release(&b);
	return out;
}

START_TEST(csv_quoting)
{
	static const col_spec cols[] = {{"a", STAGE_UTF8}, {"b,c", STAGE_UTF8}};
	static const char *const vals[] = {
		"x",         "a,b",      "say \"hi\"", "two\nlines", "cr\rhere", " lead",
		"trail ",    "\ttab",    "",           NULL,         NULL,       "",
		"in ner",    "\"",       "ünï",        "a\"b,c",
	};
	stage_schema *s = make_schema(cols, 2);
	stage_batch *b = strings_batch(s, vals, 8);

	expect(STAGE_OUT_CSV, s, &b, 1,
	       "a,\"b,c\"\n"
	       "x,\"a,b\"\n"
	       "\"say \"\"hi\"\"\",\"two\nlines\"\n"
	       "\"cr\rhere\",\" lead\"\n"
	       "\"trail \",\"\ttab\"\n"
	       "\"\",\n"
	       ",\"\"\n"
	       "in ner,\"\"\"\"\n"
	       "ünï,\"a\"\"b,c\"\n");
	stage_batch_free(b);
	stage_schema_free(s);
}
END_TEST

START_TEST(tsv_escapes)
{
	static const col_spec cols[] = {{"a\tb", STAGE_UTF8}, {"c", STAGE_UTF8}};
	static const char *const vals[] = {
		"tab\there", "new\nline", "back\\slash", "cr\r", "\"quoted\", kept", NULL,
	};
	stage_schema *s = make_schema(cols, 2);
	stage_batch *b = strings_batch(s, vals, 3);

	expect(STAGE_OUT_TSV, s, &b, 1,
	       "a\\tb\tc\n"
	       "tab\\there\tnew\\nline\n"
	       "back\\\\slash\tcr\\r\n"
	       "\"quoted\", kept\t\n");
	stage_batch_free(b);
	stage_schema_free(s);
}
END_TEST

START_TEST(jsonl_strings)
{
	static const col_spec cols[] = {{"k\"\\\n", STAGE_UTF8}};
	static const char *const vals[] = {
		"quote \" backslash \\ slash /",
		"\b\f\n\r\t\x01\x1f\x7f",
		"héllo wörld ✓ 😀",
		"bad \xff byte \xc3 cut \xed\xa0\x80 surrogate",
		"",
	};
	stage_schema *s = make_schema(cols, 1);
	stage_batch *b = strings_batch(s, vals, 5);

	expect(STAGE_OUT_JSONL, s, &b, 1,
	       "{\"k\\\"\\\\\\n\":\"quote \\\" backslash \\\\ slash /\"}\n"
	       "{\"k\\\"\\\\\\n\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"}\n"
	       "{\"k\\\"\\\\\\n\":\"héllo wörld ✓ 😀\"}\n"
	       "{\"k\\\"\\\\\\n\":\"bad \xef\xbf\xbd byte \xef\xbf\xbd cut "
	       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate\"}\n"
	       "{\"k\\\"\\\\\\n\":\"\"}\n");
	stage_batch_free(b);
	stage_schema_free(s);
}
END_TEST

START_TEST(jsonl_numbers)
{
	static const col_spec cols[] = {{"f", STAGE_FLOAT64}, {"g", STAGE_FLOAT32}};
	static const double f[] = {NAN, HUGE_VAL, -HUGE_VAL, 1e300, 5e-324, -0.0};
	static const float g[] = {-NAN, HUGE_VALF, -HUGE_VALF, 3e38f, 1e-45f, 0.0f};
	stage_schema *s = make_schema(cols, 2);
	stage_builder bl;
	stage_batch *b;
	stage_error err;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (int i = 0; i < 6; i++) {
		stage_col_append_f64(&bl.cols[0], f[i]);
		stage_col_append_f32(&bl.cols[1], g[i]);
	}
	b = finish_batch(&bl);
	expect(STAGE_OUT_JSONL, s, &b, 1,
	       "{\"f\":NaN,\"g\":NaN}\n"
	       "{\"f\":Infinity,\"g\":Infinity}\n"
	       "{\"f\":-Infinity,\"g\":-Infinity}\n"
	       "{\"f\":1e+300,\"g\":3e+38}\n"
	       "{\"f\":5e-324,\"g\":1e-45}\n"
	       "{\"f\":-0,\"g\":0}\n");
	expect(STAGE_OUT_CSV, s, &b, 1, "f,g\nnan,nan\ninf,inf\n-inf,-inf\n1e+300,3e+38\n"
	                               "5e-324,1e-45\n-0,0\n");
	stage_batch_free(b);
	stage_builder_release(&bl);
	stage_schema_free(s);
}
END_TEST

START_TEST(table_unicode_and_cuts)
{
	static const col_spec cols[] = {{"name", STAGE_UTF8}, {"n", STAGE_INT64}, {"bin", STAGE_BINARY}};
	stage_schema *s = make_schema(cols, 3);
	stage_builder bl;
	stage_batch *b;
	stage_error err;
	char longbin[25];

	memset(longbin, 0xab, sizeof(longbin));
	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	put_str(&bl.cols[0], "ünïcödé");
	stage_col_append_i64(&bl.cols[1], 7);
	stage_col_append_bytes(&bl.cols[2], "\x01", 1);
	put_str(&bl.cols[0], "tab\there\x1b[31m\xc2\x9b\xff");
	stage_col_append_i64(&bl.cols[1], -12345);
	stage_col_append_bytes(&bl.cols[2], longbin, sizeof(longbin));
	put_str(&bl.cols[0], "ééééééééééééééééééééééééééééééééééééééééé"); /* 41 */
	stage_col_append_null(&bl.cols[1]);
	stage_col_append_null(&bl.cols[2]);
	put_str(&bl.cols[0], "éééééééééééééééééééééééééééééééééééééééé"); /* 40: fits */
	stage_col_append_i64(&bl.cols[1], 0);
	stage_col_append_bytes(&bl.cols[2], "", 0);
	b = finish_batch(&bl);
	expect(STAGE_OUT_TABLE, s, &b, 1,
	       "name                                           n  bin\n"
	       "ünïcödé                                        7  01\n"
	       "tab\\there\\x1b[31m\\u009b\\xff               -12345  "
	       "abababababababababababababababababababa…\n"
	       "ééééééééééééééééééééééééééééééééééééééé…       ∅  ∅\n"
	       "éééééééééééééééééééééééééééééééééééééééé       0\n");
	stage_batch_free(b);
	stage_builder_release(&bl);
	stage_schema_free(s);
}
END_TEST

/* Widths come from each batch and only grow; the header goes out once,
 * with the first batch that has rows. */
START_TEST(table_batches)
{
	static const col_spec cols[] = {{"word", STAGE_UTF8}, {"n", STAGE_INT64}};
	static const char *const none[] = {NULL};
	stage_schema *s = make_schema(cols, 2);
	stage_batch *b[3];
	stage_builder bl;
	stage_error err;

	b[0] = strings_batch(s, none, 0);
	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	put_str(&bl.cols[0], "a");
	stage_col_append_i64(&bl.cols[1], 1);
	b[1] = finish_batch(&bl);
	put_str(&bl.cols[0], "longer word");
	stage_col_append_i64(&bl.cols[1], 100000);
	put_str(&bl.cols[0], "b");
	stage_col_append_i64(&bl.cols[1], 2);
	b[2] = finish_batch(&bl);
	expect(STAGE_OUT_TABLE, s, b, 3,
	       "word  n\n"
	       "a     1\n"
	       "longer word  100000\n"
	       "b                 2\n");
	expect(STAGE_OUT_TABLE, s, b, 1, "word  n\n");
	expect(STAGE_OUT_CSV, s, b, 1, "word,n\n");
	expect(STAGE_OUT_TSV, s, b, 0, "word\tn\n");
	expect(STAGE_OUT_JSONL, s, b, 3, "{\"word\":\"a\",\"n\":1}\n"
	                                 "{\"word\":\"longer word\",\"n\":100000}\n"
	                                 "{\"word\":\"b\",\"n\":2}\n");
	for (int i = 0; i < 3; i++)
		stage_batch_free(b[i]);
	stage_builder_release(&bl);
	stage_schema_free(s);
}
END_TEST

START_TEST(zero_columns)
{
	stage_schema *s = stage_schema_new();
	stage_batch *b = stage_batch_new(0, NULL);

	b->nrows = 2;
	expect(STAGE_OUT_CSV, s, &b, 1, "");
	expect(STAGE_OUT_TSV, s, &b, 1, "");
	expect(STAGE_OUT_TABLE, s, &b, 1, "");
	expect(STAGE_OUT_JSONL, s, &b, 1, "{}\n{}\n");
	stage_batch_free(b);
	stage_schema_free(s);
}
END_TEST

/* Values longer than the writers' escaping pieces, with escapes and
 * multibyte sequences straddling the piece boundaries. */
START_TEST(long_values)
{
	static const col_spec cols[] = {{"s", STAGE_UTF8}, {"x", STAGE_BINARY}};
	stage_schema *s = make_schema(cols, 2);
	size_t n = 50000;
	char *v = malloc(n + 1), *want = malloc(4 * n + 64), *o;
	stage_builder bl;
	stage_batch *b;
	stage_error err;
	char *got;

	for (size_t i = 0; i < n; i++)
		v[i] = "ab\"\t\\\n"[i % 6];
	memcpy(v + 4095, "\xe2\x9c\x93", 3);
	v[n] = '\0';
	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	put_str(&bl.cols[0], v);
	stage_col_append_bytes(&bl.cols[1], v, n);
	b = finish_batch(&bl);

	o = want + sprintf(want, "s,x\n\"");
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			*o++ = '"';
		*o++ = v[i];
	}
	o += sprintf(o, "\",");
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "%02x", (unsigned char)v[i]);
	sprintf(o, "\n");
	expect(STAGE_OUT_CSV, s, &b, 1, want);

	o = want + sprintf(want, "{\"s\":\"");
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\t' || v[i] == '\n' || v[i] == '"' || v[i] == '\\')
			*o++ = '\\';
		*o++ = v[i] == '\t' ? 't' : v[i] == '\n' ? 'n' : v[i];
	}
	o += sprintf(o, "\",\"x\":\"");
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "%02x", (unsigned char)v[i]);
	sprintf(o, "\"}\n");
	got = render(STAGE_OUT_JSONL, s, &b, 1);
	ck_assert_msg(strcmp(got, want) == 0, "jsonl long value differs");
	free(got);

	o = want + sprintf(want, "s\tx\n");
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\t' || v[i] == '\n' || v[i] == '\\')
			*o++ = '\\';
		*o++ = v[i] == '\t' ? 't' : v[i] == '\n' ? 'n' : v[i];
	}
	*o = '\0';
	got = render(STAGE_OUT_TSV, s, &b, 1);
	ck_assert(strncmp(got, want, strlen(want)) == 0);
	free(got);
	free(v);
	free(want);
	stage_batch_free(b);
	stage_builder_release(&bl);
	stage_schema_free(s);
}
END_TEST

START_TEST(batch_must_match_schema)
{
	static const col_spec cols[] = {{"a", STAGE_INT64}};
	static const col_spec other[] = {{"a", STAGE_UTF8}};
	stage_schema *s = make_schema(cols, 1), *s2 = make_schema(other, 1);
	static const char *const vals[] = {"x"};
	stage_batch *b = strings_batch(s2, vals, 1), *empty = stage_batch_new(0, NULL);
	stage_sink *k;
	stage_text_writer *w;
	stage_error err;
	int fd = open("/dev/null", O_WRONLY);

	k = stage_sink_new(fd, &err);
	ck_assert_int_eq(stage_text_writer_open(&w, k, STAGE_OUT_ARROW, s, &err), -1);
	ck_assert_int_eq(stage_text_writer_open(&w, k, STAGE_OUT_CSV, s, &err), 0);
	ck_assert_int_eq(stage_text_writer_write(w, b, &err), -1);
	ck_assert_str_eq(err.msg, "text writer: column 'a' is utf8 in the batch, int64 in the schema");
	ck_assert_int_eq(stage_text_writer_write(w, empty, &err), -1);
	ck_assert_str_eq(err.msg, "text writer: batch has 0 columns, schema has 1");
	stage_text_writer_free(w);
	stage_sink_free(k);
	close(fd);
	stage_batch_free(b);
	stage_batch_free(empty);
	stage_schema_free(s);
	stage_schema_free(s2);
}
END_TEST

/* A closed pipe is "downstream closed", not a failure. */
START_TEST(closed_pipe)
{
	static const col_spec cols[] = {{"a", STAGE_INT64}};
	stage_schema *s = make_schema(cols, 1);
	stage_builder bl;
	stage_batch *b;
	stage_sink *k;
	stage_text_writer *w;
	stage_error err;
	int p[2], rc = 0;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (int i = 0; i < 300000; i++)
		stage_col_append_i64(&bl.cols[0], i);
	b = finish_batch(&bl);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	k = stage_sink_new(p[1], &err);
	ck_assert_int_eq(stage_text_writer_open(&w, k, STAGE_OUT_TSV, s, &err), 0);
	rc = stage_text_writer_write(w, b, &err);
	if (rc == 0)
		rc = stage_sink_flush(k, &err);
	ck_assert_int_eq(rc, -1);
	ck_assert(err.downstream_closed);
	stage_text_writer_free(w);
	stage_sink_free(k);
	close(p[1]);
	stage_batch_free(b);
	stage_builder_release(&bl);
	stage_schema_free(s);
}
END_TEST

/* Reads CSV text with the text reader and writes it back as CSV. */
static void csv_round_trip_text(const char *text)
{
	FILE *f = tmpfile();
	int fd = fileno(f);
	stage_text_opts o = {.format = STAGE_IN_CSV, .header = STAGE_HEADER_YES, .batch_rows = 65536};
	stage_error err;
	stage_source *src;
	stage_text_reader *r;
	stage_batch *b[8];
	size_t nb = 0;
	int rc;

	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	lseek(fd, 0, SEEK_SET);
	src = stage_source_new(fd, &err);
	ck_assert_msg(stage_text_reader_open(&r, src, &o, &err) == 0, "%s", err.msg);
	while ((rc = stage_text_reader_next(r, &b[nb], &err)) > 0)
		nb++;
	ck_assert_msg(rc == 0, "%s", err.msg);
	expect(STAGE_OUT_CSV, stage_text_reader_schema(r), b, nb, text);
	for (size_t i = 0; i < nb; i++)
		stage_batch_free(b[i]);
	stage_text_reader_free(r);
	stage_source_free(src);
	fclose(f);
}

/* CSV text -> batches -> CSV text gives back the same bytes, empty strings
 * and nulls included; in one column a null is an empty line. */
START_TEST(csv_round_trip)
{
	csv_round_trip_text("name,n,x\n"
	                    "\"\",1,2.5\n"
	                    ",,\n"
	                    "\"a,b\",-3,1e-05\n"
	                    "\"say \"\"hi\"\"\",9223372036854775807,0.1\n");
	csv_round_trip_text("v\n"
	                    "\"\"\n"
	                    "\n"
	                    "x\n");
}
END_TEST

static Suite *text_out_suite(void)
{
	Suite *s = suite_create("text_out");
	TCase *tc = tcase_create("format");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, out_format_names);
	tcase_add_test(tc, format_i64);
	tcase_add_test(tc, format_f64_fixed_cases);
	tcase_add_test(tc, format_f64_round_trip);
	tcase_add_test(tc, format_f32_round_trip);
	tcase_add_test(tc, format_timestamps);
	suite_add_tcase(s, tc);
	tc = tcase_create("writers");
	tcase_add_test(tc, all_types_every_format);
	tcase_add_test(tc, csv_quoting);
	tcase_add_test(tc, tsv_escapes);
	tcase_add_test(tc, jsonl_strings);
	tcase_add_test(tc, jsonl_numbers);
	tcase_add_test(tc, table_unicode_and_cuts);
	tcase_add_test(tc, table_batches);
	tcase_add_test(tc, zero_columns);
	tcase_add_test(tc, long_values);
	tcase_add_test(tc, batch_must_match_schema);
	tcase_add_test(tc, closed_pipe);
	tcase_add_test(tc, csv_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(text_out_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
