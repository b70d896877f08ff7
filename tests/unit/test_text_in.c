/* Text input: value parsers, format sniffing, and the lines/ws/tsv/csv/jsonl
 * readers fed through temporary files and pipes: schemas, inference, nulls,
 * warnings, strict errors, quoting, batching and hostile input. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stage_internal.h"

#define MAX_BATCHES 256

typedef struct doc {
	stage_source *src;
	stage_text_reader *r;
	stage_batch *b[MAX_BATCHES];
	size_t nb;
	int64_t nrows;
	int rc; /* 0, or -1 when open or next failed */
	stage_error err;
	int fd;
} doc;

static stage_text_opts opts(stage_in_format f)
{
	return (stage_text_opts){.format = f, .batch_rows = 65536};
}

static int temp_fd(const void *p, size_t n)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	fclose(f);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Reads everything from fd; d->rc says whether it all went well. */
static void doc_read_fd(doc *d, int fd, const stage_text_opts *o)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->src = stage_source_new(fd, &d->err);
	ck_assert_ptr_nonnull(d->src);
	if (stage_text_reader_open(&d->r, d->src, o, &d->err) < 0) {
		d->rc = -1;
		return;
	}
	for (;;) {
		stage_batch *b;
		int rc = stage_text_reader_next(d->r, &b, &d->err);

		if (rc < 0) {
			d->rc = -1;
			return;
		}
		if (rc == 0)
			return;
		ck_assert_uint_lt(d->nb, MAX_BATCHES);
		ck_assert_uint_eq(b->ncols, stage_text_reader_schema(d->r)->ncols);
		d->b[d->nb++] = b;
		d->nrows += b->nrows;
	}
}

static void doc_read(doc *d, const char *text, const stage_text_opts *o)
{
	doc_read_fd(d, temp_fd(text, strlen(text)), o);
}

static void doc_free(doc *d)
{
	for (size_t i = 0; i < d->nb; i++)
		stage_batch_free(d->b[i]);
	stage_text_reader_free(d->r);
	stage_source_free(d->src);
	close(d->fd);
}

static const stage_schema *schema(const doc *d)
{
	return stage_text_reader_schema(d->r);
}

static void check_col(const doc *d, size_t c, const char *name, stage_type t)
{
	ck_assert_uint_lt(c, schema(d)->ncols);
	ck_assert_str_eq(schema(d)->fields[c].name, name);
	ck_assert_str_eq(stage_type_name(schema(d)->fields[c].type), stage_type_name(t));
}

/* The array and index within it of row `row` across all batches. */
static const stage_array *cell(const doc *d, size_t c, int64_t row, int64_t *i)
{
	for (size_t k = 0; k < d->nb; k++) {
		if (row < d->b[k]->nrows) {
			*i = row;
			return &d->b[k]->cols[c];
		}
		row -= d->b[k]->nrows;
	}
	ck_abort_msg("row out of range");
	return NULL;
}

static bool is_null(const doc *d, size_t c, int64_t row)
{
	int64_t i;
	const stage_array *a = cell(d, c, row, &i);

	return stage_array_is_null(a, i);
}

static int64_t get_i64(const doc *d, size_t c, int64_t row)
{
	int64_t i;
	const stage_array *a = cell(d, c, row, &i);

	ck_assert(!stage_array_is_null(a, i));
	return stage_array_i64(a, i);
}

static double get_f64(const doc *d, size_t c, int64_t row)
{
	int64_t i;
	const stage_array *a = cell(d, c, row, &i);

	ck_assert(!stage_array_is_null(a, i));
	return stage_array_f64(a, i);
}

static bool get_bool(const doc *d, size_t c, int64_t row)
{
	int64_t i;
	const stage_array *a = cell(d, c, row, &i);

	ck_assert(!stage_array_is_null(a, i));
	return stage_array_bool(a, i);
}

static void check_str(const doc *d, size_t c, int64_t row, const char *want, size_t n)
{
	int64_t i;
	size_t len;
	const stage_array *a = cell(d, c, row, &i);
	const uint8_t *p;

	ck_assert_msg(!stage_array_is_null(a, i), "row %lld col %zu is null", (long long)row, c);
	p = stage_array_bytes(a, i, &len);
	ck_assert_msg(len == n && memcmp(p, want, n) == 0, "row %lld col %zu: got '%.*s'",
	              (long long)row, c, (int)len, (const char *)p);
}

#define CHECK_STR(d, c, row, s) check_str(d, c, row, s, sizeof(s) - 1)

/* ---- value parsers ---- */

START_TEST(parse_i64)
{
	int64_t v;

	ck_assert_int_eq(stage_parse_i64("0", 1, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(stage_parse_i64("-42", 3, &v), 0);
	ck_assert_int_eq(v, -42);
	ck_assert_int_eq(stage_parse_i64("+7", 2, &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(stage_parse_i64("9223372036854775807", 19, &v), 0);
	ck_assert(v == INT64_MAX);
	ck_assert_int_eq(stage_parse_i64("-9223372036854775808", 20, &v), 0);
	ck_assert(v == INT64_MIN);
	ck_assert_int_eq(stage_parse_i64("9223372036854775808", 19, &v), -1);
	ck_assert_int_eq(stage_parse_i64("-9223372036854775809", 20, &v), -1);
	ck_assert_int_eq(stage_parse_i64("99999999999999999999999", 23, &v), -1);
	ck_assert_int_eq(stage_parse_i64("", 0, &v), -1);
	ck_assert_int_eq(stage_parse_i64("-", 1, &v), -1);
	ck_assert_int_eq(stage_parse_i64("1.0", 3, &v), -1);
	ck_assert_int_eq(stage_parse_i64("1e3", 3, &v), -1);
	ck_assert_int_eq(stage_parse_i64(" 1", 2, &v), -1);
	/* Only [p, p+n) counts: the digits after it are not read. */
	ck_assert_int_eq(stage_parse_i64("12345", 2, &v), 0);
	ck_assert_int_eq(v, 12);
}
END_TEST

static uint64_t bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static void check_f64(const char *s)
{
	double got, want = strtod(s, NULL);

	ck_assert_msg(stage_parse_f64(s, strlen(s), &got) == 0, "'%s' did not parse", s);
	ck_assert_msg(bits(got) == bits(want), "'%s': got %a, want %a", s, got, want);
}

START_TEST(parse_f64)
{
	static const char *const ok[] = {
		"0", "-0", "-0.0", "1", "1.5", "-2.25", ".5", "5.", "1e10", "1E-5", "+3.0e+2",
		"0.1", "0.3", "123456789012345678", "1234567890123456789012345",
		"9007199254740993", "2.2250738585072011e-308", "4.9e-324", "5e-324",
		"2.4703282292062327e-324", "1.7976931348623157e308", "1.7976931348623159e308",
		"1e400", "1e-400", "0.000000000000000000000000000001", "3.14159265358979323846",
		"1e22", "1e23", "8.98846567431158e307", "123.456e-2", "00001.5",
	};
	double v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		check_f64(ok[i]);
	ck_assert_int_eq(stage_parse_f64("-0.0", 4, &v), 0);
	ck_assert(signbit(v));
	ck_assert_int_eq(stage_parse_f64("inf", 3, &v), 0);
	ck_assert(isinf(v) && v > 0);
	ck_assert_int_eq(stage_parse_f64("-Infinity", 9, &v), 0);
	ck_assert(isinf(v) && v < 0);
	ck_assert_int_eq(stage_parse_f64("NaN", 3, &v), 0);
	ck_assert(isnan(v));
	ck_assert_int_eq(stage_parse_f64("INF", 3, &v), 0);
	ck_assert_int_eq(stage_parse_f64("4.9e-324", 8, &v), 0);
	ck_assert(v > 0 && fpclassify(v) == FP_SUBNORMAL);
	static const char *const bad[] = {
		"", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", " 1", "1 ", "nan(1)", "infx",
		"1,5", "--1", "in",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(stage_parse_f64(bad[i], strlen(bad[i]), &v) == -1, "'%s' parsed",
		              bad[i]);
	/* Not NUL-terminated: "1.5" followed by more digits. */
	ck_assert_int_eq(stage_parse_f64("1.59999", 3, &v), 0);
	ck_assert(v == 1.5);
}
END_TEST

/* Random decimals of every length must round exactly as strtod does. */
START_TEST(parse_f64_random)
{
	unsigned seed = 12345;

	for (int k = 0; k < 100000; k++) {
		char s[64];
		int nd = 1 + rand_r(&seed) % 20, e = rand_r(&seed) % 60 - 30, o = 0;

		if (rand_r(&seed) & 1)
			s[o++] = '-';
		for (int i = 0; i < nd; i++) {
			s[o++] = (char)('0' + rand_r(&seed) % 10);
			if (i == nd / 2)
				s[o++] = '.';
		}
		if (rand_r(&seed) & 1)
			o += snprintf(s + o, sizeof(s) - (size_t)o, "e%d", e);
		s[o] = '\0';
		check_f64(s);
	}
}
END_TEST

/* stage_text_reader_only: the chosen columns are converted, the others
 * read as null in every batch, of every type (batches of 3 rows, so the
 * later batches are built after the choice). */
START_TEST(only_some_columns)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	stage_error err = {0};
	stage_text_reader *r;
	stage_source *src;
	const int keep[] = {1};
	int64_t rows = 0;
	const char *text = "a,b,c,d\n1,x,2.5,true\n2,y,3.5,false\n3,z,4.5,true\n4,w,5.5,false\n"
	                   "5,v,6.5,true\n";
	int fd = temp_fd(text, strlen(text));

	o.batch_rows = 3;
	src = stage_source_new(fd, &err);
	ck_assert_int_eq(stage_text_reader_open(&r, src, &o, &err), 0);
	ck_assert_int_eq(stage_text_reader_only(r, keep, 1, &err), 0);
	for (;;) {
		stage_batch *b;
		int rc = stage_text_reader_next(r, &b, &err);

		ck_assert_int_ge(rc, 0);
		if (rc == 0)
			break;
		for (int64_t i = 0; i < b->nrows; i++) {
			size_t n;
			const uint8_t *p = stage_array_bytes(&b->cols[1], i, &n);

			ck_assert_uint_eq(n, 1);
			ck_assert_int_eq(p[0], "xyzwv"[rows + i]);
			for (size_t c = 0; c < 4; c++)
				ck_assert(c == 1 ? !stage_array_is_null(&b->cols[c], i)
				                 : stage_array_is_null(&b->cols[c], i));
		}
		ck_assert_int_eq(b->cols[0].null_count, b->nrows);
		ck_assert_int_eq(b->cols[3].null_count, b->nrows);
		rows += b->nrows;
		stage_batch_free(b);
	}
	ck_assert_int_eq(rows, 5);
	stage_text_reader_free(r);
	stage_source_free(src);
	close(fd);
}
END_TEST

/* The residual is the decimal value minus the double: checked against
 * quad precision, whose own rounding (2^-113 of the value) is the second
 * term of the tolerance. */
START_TEST(parse_f64_residual)
{
	unsigned seed = 777;

	for (int k = 0; k < 100000; k++) {
		char s[64];
		int nd = 1 + rand_r(&seed) % 19, point = rand_r(&seed) % (nd + 1);
		uint64_t w = 0;
		__float128 scale = 1, exact;
		double got, res, want_res;

		for (int i = 0; i < nd; i++)
			w = w * 10 + (uint64_t)(rand_r(&seed) % 10);
		snprintf(s, sizeof(s), "%0*llu", nd, (unsigned long long)w);
		memmove(s + point + 1, s + point, (size_t)(nd - point) + 1);
		s[point] = '.';
		for (int i = point; i < nd; i++)
			scale *= 10;
		exact = (__float128)w / scale;
		ck_assert_int_eq(stage_parse_f64_residual(s, strlen(s), &got, &res), 0);
		ck_assert_msg(bits(got) == bits(strtod(s, NULL)), "'%s': value differs", s);
		want_res = (double)(exact - (__float128)got);
		ck_assert_msg(fabs(res - want_res) <= 0x1p-50 * fabs(want_res) + 0x1p-110 * fabs(got),
		              "'%s': residual %a, want %a", s, res, want_res);
	}
	double v, r;

	ck_assert_int_eq(stage_parse_f64_residual("-0.1", 4, &v, &r), 0);
	ck_assert(v == -0.1 && r > 0 && fabs(r - 5.551115123125783e-18) < 1e-30);
	ck_assert_int_eq(stage_parse_f64_residual("0.5", 3, &v, &r), 0);
	ck_assert(v == 0.5 && r == 0);
	ck_assert_int_eq(stage_parse_f64_residual("inf", 3, &v, &r), 0);
	ck_assert(isinf(v) && r == 0);
	ck_assert_int_eq(stage_parse_f64_residual("1e400", 5, &v, &r), 0);
	ck_assert(isinf(v) && r == 0);
	ck_assert_int_eq(stage_parse_f64_residual("x", 1, &v, &r), -1);
}
END_TEST

START_TEST(parse_bool_timestamp)
{
	bool b;
	int64_t ns;

	ck_assert_int_eq(stage_parse_bool("TRUE", 4, &b), 0);
	ck_assert(b);
	ck_assert_int_eq(stage_parse_bool("False", 5, &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(stage_parse_bool("yes", 3, &b), -1);
	ck_assert_int_eq(stage_parse_bool("truex", 5, &b), -1);
	ck_assert_int_eq(stage_parse_bool("tru", 3, &b), -1);

	ck_assert_int_eq(stage_parse_timestamp("1970-01-01T00:00:00Z", 20, &ns), 0);
	ck_assert_int_eq(ns, 0);
	ck_assert_int_eq(stage_parse_timestamp("2024-01-02T03:04:05.123456789Z", 30, &ns), 0);
	ck_assert_int_eq(ns, 1704164645123456789LL);
	ck_assert_int_eq(stage_parse_timestamp("2024-01-02 03:04:05.5", 21, &ns), 0);
	ck_assert_int_eq(ns, 1704164645500000000LL);
	ck_assert_int_eq(stage_parse_timestamp("2024-01-02T05:04:05+02:00", 25, &ns), 0);
	ck_assert_int_eq(ns, 1704164645000000000LL);
	ck_assert_int_eq(stage_parse_timestamp("2024-01-02T01:04:05-0200", 24, &ns), 0);
	ck_assert_int_eq(ns, 1704164645000000000LL);
	ck_assert_int_eq(stage_parse_timestamp("1969-12-31T23:59:59Z", 20, &ns), 0);
	ck_assert_int_eq(ns, -1000000000LL);
	ck_assert_int_eq(stage_parse_timestamp("2024-02-29", 10, &ns), 0);
	ck_assert_int_eq(ns, 1709164800000000000LL);
	ck_assert_int_eq(stage_parse_timestamp("2023-02-29", 10, &ns), -1);
	ck_assert_int_eq(stage_parse_timestamp("2024-13-01", 10, &ns), -1);
	ck_assert_int_eq(stage_parse_timestamp("2024-01-02T25:00:00", 19, &ns), -1);
	ck_assert_int_eq(stage_parse_timestamp("2024-01-02T03:04:05.Z", 21, &ns), -1);
	ck_assert_int_eq(stage_parse_timestamp("2024-01-02X", 11, &ns), -1);
	ck_assert_int_eq(stage_parse_timestamp("3000-01-01", 10, &ns), -1);
	ck_assert_int_eq(stage_parse_timestamp("2024-01-0", 9, &ns), -1);
}
END_TEST

START_TEST(formats_and_sniff)
{
	stage_in_format f;

	ck_assert_int_eq(stage_in_format_parse("csv", &f), 0);
	ck_assert_int_eq(f, STAGE_IN_CSV);
	ck_assert_int_eq(stage_in_format_parse("jsonl", &f), 0);
	ck_assert_int_eq(f, STAGE_IN_JSONL);
	ck_assert_int_eq(stage_in_format_parse("auto", &f), 0);
	ck_assert_int_eq(f, STAGE_IN_AUTO);
	ck_assert_int_eq(stage_in_format_parse("xml", &f), -1);

#define SNIFF(s) stage_text_sniff((const uint8_t *)(s), sizeof(s) - 1)
	ck_assert_int_eq(SNIFF("{\"a\":1}\n"), STAGE_IN_JSONL);
	ck_assert_int_eq(SNIFF("\n  {\"a\":1}\n"), STAGE_IN_JSONL);
	ck_assert_int_eq(SNIFF("a\tb\n1,2\n"), STAGE_IN_TSV);
	ck_assert_int_eq(SNIFF("\tb\n"), STAGE_IN_TSV);
	ck_assert_int_eq(SNIFF("a,b\n1\t2\n"), STAGE_IN_CSV);
	ck_assert_int_eq(SNIFF("\xef\xbb\xbf" "a,b\n"), STAGE_IN_CSV);
	ck_assert_int_eq(SNIFF("1 2 3\na,b\n"), STAGE_IN_WS);
	ck_assert_int_eq(SNIFF(""), STAGE_IN_WS);
#undef SNIFF
}
END_TEST

/* ---- readers ---- */

START_TEST(csv_header_and_types)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	doc_read(&d, "id,score,name,ok\n1,2.5,ann,true\n-3,4,bob,FALSE\n,1e3,,\n", &o);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_uint_eq(schema(&d)->ncols, 4);
	check_col(&d, 0, "id", STAGE_INT64);
	check_col(&d, 1, "score", STAGE_FLOAT64);
	check_col(&d, 2, "name", STAGE_UTF8);
	check_col(&d, 3, "ok", STAGE_BOOL);
	ck_assert_int_eq(d.nrows, 3);
	ck_assert_int_eq(get_i64(&d, 0, 0), 1);
	ck_assert_int_eq(get_i64(&d, 0, 1), -3);
	ck_assert(is_null(&d, 0, 2));
	ck_assert(get_f64(&d, 1, 1) == 4.0);
	ck_assert(get_f64(&d, 1, 2) == 1000.0);
	CHECK_STR(&d, 2, 1, "bob");
	ck_assert(is_null(&d, 2, 2));
	ck_assert(get_bool(&d, 3, 0));
	ck_assert(!get_bool(&d, 3, 1));
	ck_assert(is_null(&d, 3, 2));
	ck_assert_ptr_null(stage_text_reader_warning(d.r));
	doc_free(&d);
}
END_TEST

START_TEST(csv_header_rule)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	/* All text: no column tells the header apart, so there is none. */
	doc_read(&d, "name,city\nann,paris\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "f1", STAGE_UTF8);
	check_col(&d, 1, "f2", STAGE_UTF8);
	ck_assert_int_eq(d.nrows, 2);
	doc_free(&d);

	/* A number in the first row: data. */
	doc_read(&d, "x,1\ny,2\n", &o);
	check_col(&d, 0, "f1", STAGE_UTF8);
	check_col(&d, 1, "f2", STAGE_INT64);
	ck_assert_int_eq(d.nrows, 2);
	doc_free(&d);

	/* A lone row of names is a header over no rows. */
	doc_read(&d, "a,b\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "a", STAGE_UTF8);
	check_col(&d, 1, "b", STAGE_UTF8);
	ck_assert_int_eq(d.nrows, 0);
	doc_free(&d);

	/* --header forces it, --no-header forbids it. */
	o.header = STAGE_HEADER_YES;
	doc_read(&d, "name,city\nann,paris\n", &o);
	check_col(&d, 0, "name", STAGE_UTF8);
	ck_assert_int_eq(d.nrows, 1);
	doc_free(&d);
	o.header = STAGE_HEADER_NO;
	doc_read(&d, "a,b\n1,2\n", &o);
	check_col(&d, 0, "f1", STAGE_UTF8);
	ck_assert_int_eq(d.nrows, 2);
	doc_free(&d);
}
END_TEST

START_TEST(header_names_unique)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	o.header = STAGE_HEADER_YES;
	doc_read(&d, "a,a,,f3,a\n1,2,3,4,5\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "a", STAGE_INT64);
	check_col(&d, 1, "a_2", STAGE_INT64);
	check_col(&d, 2, "f3", STAGE_INT64);
	check_col(&d, 3, "f3_2", STAGE_INT64);
	check_col(&d, 4, "a_3", STAGE_INT64);
	doc_free(&d);
}
END_TEST

START_TEST(csv_quoting)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	o.header = STAGE_HEADER_YES;
	doc_read(&d,
	         "k,v\r\n"
	         "1,\"a,b\"\r\n"
	         "2,\"say \"\"hi\"\"\"\r\n"
	         "3,\"two\nlines\"\r\n"
	         "4,\"\"\r\n"
	         "5,\r\n"
	         "6,x\"y\r\n"
	         "7,\"ab\"cd\r\n"
	         "\"8\",\"\"\"\"\r\n"
	         "9,\"crlf\r\ninside\"\n"
	         "10,last",
	         &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "k", STAGE_INT64);
	check_col(&d, 1, "v", STAGE_UTF8);
	ck_assert_int_eq(d.nrows, 10);
	CHECK_STR(&d, 1, 0, "a,b");
	CHECK_STR(&d, 1, 1, "say \"hi\"");
	CHECK_STR(&d, 1, 2, "two\nlines");
	CHECK_STR(&d, 1, 3, ""); /* quoted empty: an empty string */
	ck_assert(is_null(&d, 1, 4)); /* unquoted empty: null */
	CHECK_STR(&d, 1, 5, "x\"y");
	CHECK_STR(&d, 1, 6, "abcd");
	ck_assert_int_eq(get_i64(&d, 0, 7), 8);
	CHECK_STR(&d, 1, 7, "\"");
	CHECK_STR(&d, 1, 8, "crlf\r\ninside");
	CHECK_STR(&d, 1, 9, "last");
	doc_free(&d);
}
END_TEST

START_TEST(csv_line_numbers_after_multiline)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	o.header = STAGE_HEADER_YES;
	o.strict = true;
	o.batch_rows = 2; /* zz comes after inference */
	doc_read(&d, "n,t\n1,\"a\nb\nc\"\n2,x\nzz,y\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_int_eq(d.err.status, STAGE_EXIT_BAD_INPUT);
	ck_assert_str_eq(d.err.msg, "line 6: column 'n': expected int64, got 'zz'");
	doc_free(&d);
}
END_TEST

START_TEST(csv_unterminated_quote)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	doc_read(&d, "a,b\n1,\"open\n2,3\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_int_eq(d.err.status, STAGE_EXIT_BAD_INPUT);
	ck_assert_str_eq(d.err.msg, "line 2: quoted field not closed at end of input");
	doc_free(&d);
}
END_TEST

START_TEST(misfits_warning_and_strict)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	o.batch_rows = 2; /* the bad values come after inference */
	doc_read(&d, "x,y\n1,a\n2,b\n3,c\nabc,d\n5,e\nn/a,f\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "x", STAGE_INT64);
	ck_assert_int_eq(d.nrows, 6);
	ck_assert_uint_eq(d.nb, 3);
	ck_assert(is_null(&d, 0, 3));
	ck_assert_int_eq(get_i64(&d, 0, 4), 5);
	ck_assert(is_null(&d, 0, 5));
	ck_assert_str_eq(stage_text_reader_warning(d.r),
	                 "2 values did not fit their column type and became null "
	                 "(first: line 5, column 'x', value 'abc')");
	doc_free(&d);

	o.strict = true;
	doc_read(&d, "x,y\n1,a\n2,b\n3,c\nabc,d\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_int_eq(d.err.status, STAGE_EXIT_BAD_INPUT);
	ck_assert_str_eq(d.err.msg, "line 5: column 'x': expected int64, got 'abc'");
	doc_free(&d);
}
END_TEST

START_TEST(ragged_rows)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	o.header = STAGE_HEADER_YES;
	doc_read(&d, "a,b,c\n1,2,3\n4\n5,6,7,8,9\n", &o);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_int_eq(d.nrows, 3);
	ck_assert_int_eq(get_i64(&d, 0, 1), 4);
	ck_assert(is_null(&d, 1, 1) && is_null(&d, 2, 1));
	ck_assert_int_eq(get_i64(&d, 2, 2), 7);
	ck_assert_str_eq(stage_text_reader_warning(d.r),
	                 "1 row had more fields than columns; the extra fields were dropped "
	                 "(first: line 4)");
	doc_free(&d);

	o.strict = true;
	doc_read(&d, "a,b,c\n1,2,3\n4\n5,6,7,8,9\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_str_eq(d.err.msg, "line 4: 5 fields, expected at most 3");
	doc_free(&d);
}
END_TEST

START_TEST(int64_limits)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	doc_read(&d, "a,b,c\n-9223372036854775808,9223372036854775808,1\n"
	             "9223372036854775807,1,99999999999999999999x\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "a", STAGE_INT64);
	check_col(&d, 1, "b", STAGE_FLOAT64);
	check_col(&d, 2, "c", STAGE_UTF8);
	ck_assert(get_i64(&d, 0, 0) == INT64_MIN);
	ck_assert(get_i64(&d, 0, 1) == INT64_MAX);
	ck_assert(get_f64(&d, 1, 0) == 9223372036854775808.0);
	CHECK_STR(&d, 2, 0, "1");
	doc_free(&d);
}
END_TEST

START_TEST(extreme_floats)
{
	stage_text_opts o = opts(STAGE_IN_WS);
	doc d;
	double v;

	doc_read(&d, "4.9e-324\n-0.0\ninf\n-inf\nnan\n1.7976931348623157e308\n-Infinity\n3\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "f1", STAGE_FLOAT64);
	ck_assert(get_f64(&d, 0, 0) == 4.9e-324);
	v = get_f64(&d, 0, 1);
	ck_assert(v == 0 && signbit(v));
	ck_assert(isinf(get_f64(&d, 0, 2)) && get_f64(&d, 0, 2) > 0);
	ck_assert(isinf(get_f64(&d, 0, 3)) && get_f64(&d, 0, 3) < 0);
	ck_assert(isnan(get_f64(&d, 0, 4)));
	ck_assert(get_f64(&d, 0, 5) == 1.7976931348623157e308);
	ck_assert(get_f64(&d, 0, 6) < 0);
	ck_assert(get_f64(&d, 0, 7) == 3.0);
	doc_free(&d);
}
END_TEST

START_TEST(unicode_and_invalid_utf8)
{
	stage_text_opts o = opts(STAGE_IN_TSV);
	doc d;
	static const char text[] = "n\ts\n1\tcaf\xc3\xa9 \xf0\x9f\x98\x80\n2\tbad\xff\n3\tnul\0x\n";

	o.header = STAGE_HEADER_YES;
	doc_read_fd(&d, temp_fd(text, sizeof(text) - 1), &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 1, "s", STAGE_UTF8);
	CHECK_STR(&d, 1, 0, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	ck_assert(is_null(&d, 1, 1));
	ck_assert(is_null(&d, 1, 2));
	ck_assert_str_eq(stage_text_reader_warning(d.r),
	                 "2 values did not fit their column type and became null "
	                 "(first: line 3, column 's', value 'bad\\xff')");
	doc_free(&d);

	/* A binary column takes the bytes as they are, NUL included. */
	o.types = "s:binary";
	doc_read_fd(&d, temp_fd(text, sizeof(text) - 1), &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 1, "s", STAGE_BINARY);
	CHECK_STR(&d, 1, 1, "bad\xff");
	check_str(&d, 1, 2, "nul\0x", 5);
	ck_assert_ptr_null(stage_text_reader_warning(d.r));
	doc_free(&d);

	o.types = NULL;
	o.strict = true;
	doc_read_fd(&d, temp_fd(text, sizeof(text) - 1), &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_str_eq(d.err.msg, "line 3: column 's': expected utf8, got 'bad\\xff'");
	doc_free(&d);
}
END_TEST

START_TEST(empty_input)
{
	static const stage_in_format fmts[] = {STAGE_IN_LINES, STAGE_IN_WS, STAGE_IN_TSV,
	                                       STAGE_IN_CSV, STAGE_IN_JSONL};

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		stage_text_opts o = opts(fmts[i]);
		doc d;

		o.types = "x:int64";
		doc_read(&d, "", &o);
		ck_assert_int_eq(d.rc, 0);
		ck_assert_uint_eq(schema(&d)->ncols, 0);
		ck_assert_int_eq(d.nrows, 0);
		ck_assert_uint_eq(d.nb, 0);
		doc_free(&d);
	}
}
END_TEST

START_TEST(blank_lines)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	/* Several columns: blank lines are skipped, but counted as lines. */
	o.strict = true;
	o.batch_rows = 2;
	doc_read(&d, "a,b\n\n1,2\n\r\n3,4\nx,5\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_str_eq(d.err.msg, "line 6: column 'a': expected int64, got 'x'");
	doc_free(&d);

	/* One column: a blank line is a null. */
	o = opts(STAGE_IN_CSV);
	doc_read(&d, "1\n\n3\n", &o);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_int_eq(d.nrows, 3);
	ck_assert(is_null(&d, 0, 1));
	doc_free(&d);

	/* lines: an empty line is an empty string. */
	o = opts(STAGE_IN_LINES);
	doc_read(&d, "a\n\nb", &o);
	check_col(&d, 0, "line", STAGE_UTF8);
	ck_assert_int_eq(d.nrows, 3);
	CHECK_STR(&d, 0, 1, "");
	CHECK_STR(&d, 0, 2, "b");
	doc_free(&d);
}
END_TEST

START_TEST(ws_and_lines)
{
	stage_text_opts o = opts(STAGE_IN_WS);
	doc d;

	doc_read(&d, "  1   2.5\tx  \n\t3 4 y\r\n5 6\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "f1", STAGE_INT64);
	check_col(&d, 1, "f2", STAGE_FLOAT64);
	check_col(&d, 2, "f3", STAGE_UTF8);
	CHECK_STR(&d, 2, 1, "y");
	ck_assert(is_null(&d, 2, 2));
	doc_free(&d);

	/* lines never infers: "42" stays text unless --types says otherwise. */
	o = opts(STAGE_IN_LINES);
	doc_read(&d, "42\n  spaced out  \r\n", &o);
	check_col(&d, 0, "line", STAGE_UTF8);
	CHECK_STR(&d, 0, 0, "42");
	CHECK_STR(&d, 0, 1, "  spaced out  ");
	doc_free(&d);
	o.types = "line:int64";
	doc_read(&d, "42\n7\n", &o);
	check_col(&d, 0, "line", STAGE_INT64);
	ck_assert_int_eq(get_i64(&d, 0, 1), 7);
	doc_free(&d);
}
END_TEST

START_TEST(tsv_no_quoting)
{
	stage_text_opts o = opts(STAGE_IN_TSV);
	doc d;

	doc_read(&d, "a\tb\tc\n\"q\"\t\t1\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "a", STAGE_UTF8);
	check_col(&d, 2, "c", STAGE_INT64);
	CHECK_STR(&d, 0, 0, "\"q\"");
	ck_assert(is_null(&d, 1, 0));
	doc_free(&d);
}
END_TEST

START_TEST(types_option)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	o.types = "when:timestamp,2:float64,n:utf8,f:float";
	doc_read(&d, "when,x,n,f\n2024-01-02T03:04:05.123456789Z,1,007,0.5\n"
	             "2024-01-02 03:04:05+01:00,2,8,1e40\nnot a time,3,9,2\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "when", STAGE_TIMESTAMP);
	check_col(&d, 1, "x", STAGE_FLOAT64);
	check_col(&d, 2, "n", STAGE_UTF8);
	check_col(&d, 3, "f", STAGE_FLOAT32);
	ck_assert_int_eq(get_i64(&d, 0, 0), 1704164645123456789LL);
	ck_assert_int_eq(get_i64(&d, 0, 1), 1704164645000000000LL - 3600000000000LL);
	ck_assert(is_null(&d, 0, 2));
	ck_assert(get_f64(&d, 1, 1) == 2.0);
	CHECK_STR(&d, 2, 0, "007");
	ck_assert_str_eq(stage_text_reader_warning(d.r),
	                 "1 value did not fit its column type and became null "
	                 "(first: line 4, column 'when', value 'not a time')");
	doc_free(&d);

	o.types = "nope:int64";
	doc_read(&d, "a,b\n1,2\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_int_eq(d.err.status, STAGE_EXIT_USAGE);
	ck_assert_str_eq(d.err.msg, "--types: unknown column 'nope'");
	doc_free(&d);
	o.types = "a:decimal";
	doc_read(&d, "a,b\n1,2\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_str_eq(d.err.msg, "--types: unknown type 'decimal'");
	doc_free(&d);
	o.types = "a";
	doc_read(&d, "a,b\n1,2\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_int_eq(d.err.status, STAGE_EXIT_USAGE);
	doc_free(&d);
}
END_TEST

START_TEST(jsonl_basic)
{
	stage_text_opts o = opts(STAGE_IN_JSONL);
	doc d;

	doc_read(&d,
	         "{\"a\": 1, \"b\": \"x\\\"y\", \"c\": true}\n"
	         " \t\n"
	         "{\"c\": false, \"a\": -2, \"d\": 1.5, \"b\": null}\n"
	         "{\"a\": 3, \"b\": \"\\u00e9\\ud83d\\ude00\\n\", \"d\": NaN, \"e\": \"12\"}\n"
	         "  {\"d\": -Infinity, \"b\": \"\", \"e\": \"z\"}  \n"
	         "{}\n",
	         &o);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_uint_eq(schema(&d)->ncols, 5);
	check_col(&d, 0, "a", STAGE_INT64);
	check_col(&d, 1, "b", STAGE_UTF8);
	check_col(&d, 2, "c", STAGE_BOOL);
	check_col(&d, 3, "d", STAGE_FLOAT64);
	check_col(&d, 4, "e", STAGE_UTF8); /* JSON strings stay strings */
	ck_assert_int_eq(d.nrows, 5); /* {} is a row of nulls */
	ck_assert(is_null(&d, 0, 4) && is_null(&d, 4, 4));
	CHECK_STR(&d, 1, 0, "x\"y");
	ck_assert(is_null(&d, 1, 1));
	CHECK_STR(&d, 1, 2, "\xc3\xa9\xf0\x9f\x98\x80\n");
	CHECK_STR(&d, 1, 3, "");
	ck_assert(!get_bool(&d, 2, 1));
	ck_assert(is_null(&d, 2, 2));
	ck_assert(is_null(&d, 3, 0));
	ck_assert(isnan(get_f64(&d, 3, 2)));
	ck_assert(isinf(get_f64(&d, 3, 3)));
	ck_assert(is_null(&d, 0, 3));
	CHECK_STR(&d, 4, 2, "12");
	doc_free(&d);
}
END_TEST

START_TEST(jsonl_errors)
{
	stage_text_opts o = opts(STAGE_IN_JSONL);
	doc d;

	doc_read(&d, "{\"a\": 1}\n{\"a\": 2, \"deep\": {\"x\": 1}}\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_int_eq(d.err.status, STAGE_EXIT_BAD_INPUT);
	ck_assert_str_eq(d.err.msg,
	                 "line 2: key 'deep': nested objects and arrays are not supported");
	doc_free(&d);

	doc_read(&d, "{\"a\": [1]}\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_str_eq(d.err.msg, "line 1: key 'a': nested objects and arrays are not supported");
	doc_free(&d);

	static const char *const bad[] = {
		"[1]\n", "{\"a\" 1}\n", "{\"a\": 1,}\n", "{\"a\": 01}\n", "{\"a\": tru}\n",
		"{\"a\": \"x}\n", "{\"a\": 1} x\n", "{\"a\": \"\\q\"}\n", "{\"a\": \"\\u12\"}\n",
		"{\"a\": 1.}\n", "{a: 1}\n", "{\"a\": 1\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		doc_read(&d, bad[i], &o);
		ck_assert_msg(d.rc == -1, "'%s' accepted", bad[i]);
		ck_assert_int_eq(d.err.status, STAGE_EXIT_BAD_INPUT);
		ck_assert_msg(strncmp(d.err.msg, "line 1: invalid json: ", 22) == 0, "%s",
		              d.err.msg);
		doc_free(&d);
	}
}
END_TEST

START_TEST(jsonl_unknown_keys)
{
	stage_text_opts o = opts(STAGE_IN_JSONL);
	doc d;

	o.batch_rows = 1;
	doc_read(&d, "{\"a\": 1}\n{\"a\": 2, \"zz\": 3}\n{\"zz\": 4, \"a\": \"q\"}\n", &o);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_uint_eq(schema(&d)->ncols, 1);
	ck_assert_int_eq(d.nrows, 3);
	ck_assert(is_null(&d, 0, 2));
	ck_assert_str_eq(stage_text_reader_warning(d.r),
	                 "1 value did not fit its column type and became null "
	                 "(first: line 3, column 'a', value 'q'); "
	                 "2 values had keys that are not columns and were dropped "
	                 "(first: line 2, key 'zz')");
	doc_free(&d);

	o.strict = true;
	doc_read(&d, "{\"a\": 1}\n{\"a\": 2, \"zz\": 3}\n", &o);
	ck_assert_int_eq(d.rc, -1);
	ck_assert_int_eq(d.err.status, STAGE_EXIT_BAD_INPUT);
	ck_assert_str_eq(d.err.msg, "line 2: key 'zz' is not a column (columns come from the "
	                            "keys of the first batch)");
	doc_free(&d);
}
END_TEST

START_TEST(lone_surrogate_is_invalid_text)
{
	stage_text_opts o = opts(STAGE_IN_JSONL);
	doc d;

	doc_read(&d, "{\"s\": \"ok\"}\n{\"s\": \"\\ud800x\"}\n", &o);
	ck_assert_int_eq(d.rc, 0);
	ck_assert(is_null(&d, 0, 1));
	ck_assert_ptr_nonnull(stage_text_reader_warning(d.r));
	doc_free(&d);
}
END_TEST

START_TEST(batching)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;
	char text[256] = "v\n";

	for (int i = 0; i < 10; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%d\n", i);
	o.batch_rows = 3;
	doc_read(&d, text, &o);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_uint_eq(d.nb, 4);
	ck_assert_int_eq(d.b[0]->nrows, 3);
	ck_assert_int_eq(d.b[3]->nrows, 1);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(get_i64(&d, 0, i), i);
	doc_free(&d);
}
END_TEST

/* A writer that pauses: each pause must end a batch (tail -F latency). */
START_TEST(drained_source_batches)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	int fds[2];
	pid_t pid;
	doc d;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static const char *const parts[] = {"t,v\n1,", "2\n3,4\n", "5,6\n7,8\n9,1", "0\n"};

		close(fds[0]);
		for (size_t i = 0; i < 4; i++) {
			if (write(fds[1], parts[i], strlen(parts[i])) < 0)
				_exit(1);
			usleep(100000);
		}
		_exit(0);
	}
	close(fds[1]);
	doc_read_fd(&d, fds[0], &o);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "t", STAGE_INT64);
	ck_assert_int_eq(d.nrows, 5);
	ck_assert_uint_eq(d.nb, 3);
	ck_assert_int_eq(d.b[0]->nrows, 2);
	ck_assert_int_eq(d.b[1]->nrows, 2);
	ck_assert_int_eq(d.b[2]->nrows, 1);
	ck_assert_int_eq(get_i64(&d, 1, 4), 10);
	doc_free(&d);
}
END_TEST

/* Fields and records far larger than one read, through a pipe. */
START_TEST(huge_fields_through_pipe)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	size_t big = 5u << 20;
	char *text = malloc(2 * big + 64);
	size_t n = 0;
	int fds[2];
	pid_t pid;
	doc d;

	ck_assert_ptr_nonnull(text);
	n += (size_t)sprintf(text + n, "id,s\n1,\"");
	for (size_t i = 0; i < big; i++)
		text[n++] = i % 1000 == 999 ? '\n' : i % 100 == 50 ? ',' : 'a';
	n += (size_t)sprintf(text + n, "\"\n2,");
	memset(text + n, 'b', big);
	n += big;
	n += (size_t)sprintf(text + n, "\n3,c\n");
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		for (size_t off = 0; off < n;) {
			ssize_t w = write(fds[1], text + off, n - off < 4096 ? n - off : 4096);

			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	o.strict = true;
	doc_read_fd(&d, fds[0], &o);
	waitpid(pid, NULL, 0);
	ck_assert_msg(d.rc == 0, "%s", d.err.msg);
	ck_assert_int_eq(d.nrows, 3);
	{
		int64_t i;
		size_t len;
		const stage_array *a = cell(&d, 1, 0, &i);

		stage_array_bytes(a, i, &len);
		ck_assert_uint_eq(len, big);
		a = cell(&d, 1, 1, &i);
		stage_array_bytes(a, i, &len);
		ck_assert_uint_eq(len, big);
	}
	CHECK_STR(&d, 1, 2, "c");
	ck_assert_int_eq(get_i64(&d, 0, 2), 3);
	doc_free(&d);
	free(text);
}
END_TEST

START_TEST(byte_order_mark)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	doc_read(&d, "\xef\xbb\xbfname,n\nx,1\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "name", STAGE_UTF8);
	ck_assert_int_eq(d.nrows, 1);
	doc_free(&d);
}
END_TEST

START_TEST(mixed_int_float_and_spaces)
{
	stage_text_opts o = opts(STAGE_IN_CSV);
	doc d;

	doc_read(&d, "a,b,c\n1, 2 ,true\n2.5,3,false\n", &o);
	ck_assert_int_eq(d.rc, 0);
	check_col(&d, 0, "a", STAGE_FLOAT64);
	check_col(&d, 1, "b", STAGE_INT64);
	check_col(&d, 2, "c", STAGE_BOOL);
	ck_assert(get_f64(&d, 0, 0) == 1.0);
	ck_assert_int_eq(get_i64(&d, 1, 0), 2);
	doc_free(&d);
}
END_TEST

/* Wide rows: a batch is cut at about 64 MiB long before batch_rows. */
START_TEST(flush_at_64_mib)
{
	stage_text_opts o = opts(STAGE_IN_LINES);
	size_t width = 4096, rows = 20000;
	char *text = malloc(rows * (width + 1));
	doc d;

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < rows; i++) {
		memset(text + i * (width + 1), 'a' + (int)(i % 26), width);
		text[i * (width + 1) + width] = '\n';
	}
	doc_read_fd(&d, temp_fd(text, rows * (width + 1)), &o);
	free(text);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_int_eq(d.nrows, (int64_t)rows);
	ck_assert_uint_ge(d.nb, 2);
	for (size_t b = 0; b < d.nb; b++)
		ck_assert_int_le(d.b[b]->nrows * (int64_t)width, (int64_t)(70u << 20));
	{
		int64_t i;
		size_t len;
		const stage_array *a = cell(&d, 0, (int64_t)rows - 1, &i);
		const uint8_t *v = stage_array_bytes(a, i, &len);

		ck_assert_uint_eq(len, width);
		ck_assert_int_eq(v[0], 'a' + (int)((rows - 1) % 26));
	}
	doc_free(&d);
}
END_TEST

/* Random bytes from an alphabet full of separators, quotes and escapes:
 * every format either reads them or fails with a bad-input error, and
 * every batch it returns is well formed (the sanitizers watch the rest). */
START_TEST(random_input)
{
	static const char alphabet[] = "\",\n\r\t a1.e-{}:\\u[]\xff\xc3\xa9\0tn";
	static const stage_in_format fmts[] = {STAGE_IN_LINES, STAGE_IN_WS, STAGE_IN_TSV,
	                                       STAGE_IN_CSV, STAGE_IN_JSONL};
	unsigned seed = 7;

	for (int k = 0; k < 1000; k++) {
		char text[96];
		size_t n = (size_t)rand_r(&seed) % sizeof(text);
		stage_text_opts o = opts(fmts[k % 5]);
		doc d;

		for (size_t i = 0; i < n; i++)
			text[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		o.batch_rows = 1 + rand_r(&seed) % 4;
		o.strict = rand_r(&seed) & 1;
		o.header = rand_r(&seed) % 3;
		doc_read_fd(&d, temp_fd(text, n), &o);
		if (d.rc < 0)
			ck_assert_int_eq(d.err.status, STAGE_EXIT_BAD_INPUT);
		for (size_t b = 0; b < d.nb; b++)
			for (size_t c = 0; c < d.b[b]->ncols; c++)
				ck_assert_int_eq(d.b[b]->cols[c].length, d.b[b]->nrows);
		if (d.rc == 0)
			stage_text_reader_warning(d.r);
		doc_free(&d);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("text_in");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parse_i64);
	tcase_add_test(tc, parse_f64);
	tcase_add_test(tc, parse_f64_random);
	tcase_add_test(tc, parse_f64_residual);
	tcase_add_test(tc, only_some_columns);
	tcase_add_test(tc, parse_bool_timestamp);
	tcase_add_test(tc, formats_and_sniff);
	tcase_add_test(tc, csv_header_and_types);
	tcase_add_test(tc, csv_header_rule);
	tcase_add_test(tc, header_names_unique);
	tcase_add_test(tc, csv_quoting);
	tcase_add_test(tc, csv_line_numbers_after_multiline);
	tcase_add_test(tc, csv_unterminated_quote);
	tcase_add_test(tc, misfits_warning_and_strict);
	tcase_add_test(tc, ragged_rows);
	tcase_add_test(tc, int64_limits);
	tcase_add_test(tc, extreme_floats);
	tcase_add_test(tc, unicode_and_invalid_utf8);
	tcase_add_test(tc, empty_input);
	tcase_add_test(tc, blank_lines);
	tcase_add_test(tc, ws_and_lines);
	tcase_add_test(tc, tsv_no_quoting);
	tcase_add_test(tc, types_option);
	tcase_add_test(tc, jsonl_basic);
	tcase_add_test(tc, jsonl_errors);
	tcase_add_test(tc, jsonl_unknown_keys);
	tcase_add_test(tc, lone_surrogate_is_invalid_text);
	tcase_add_test(tc, batching);
	tcase_add_test(tc, drained_source_batches);
	tcase_add_test(tc, huge_fields_through_pipe);
	tcase_add_test(tc, byte_order_mark);
	tcase_add_test(tc, mixed_int_float_and_spaces);
	tcase_add_test(tc, flush_at_64_mib);
	tcase_add_test(tc, random_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
