/* eval-expr back end, batches: string predicates and regex on log lines,
 * --where compaction (nulls, strings, pass-through columns, no row kept),
 * memory shared with the input, batch sizes around the block size, ranges
 * split anywhere (and on two threads) giving the same bytes as one range,
 * and the errors the compiler and the VM report. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "run_suite.h"
#include "test_eval_vm_util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const lines[] = {
	"GET /index.html 200 512",
	"POST /api/v1/login 401 87",
	"GET /img/logo.png 304 0",
	"",
	"DELETE /api/v1/item/7 500 1024",
	"GET /caf\xc3\xa9/men\xc3\xbc 200 2048",
	"get /lowercase 404 12",
	"GET /index.html",
};

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

static int64_t code_points(const char *s)
{
	int64_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* status code 4xx or 5xx: what '\s[45]\d\d\s' finds, by hand */
static bool has_error_status(const char *s)
{
	for (const char *p = s; p[0] && p[1] && p[2] && p[3] && p[4]; p++)
		if (p[0] == ' ' && (p[1] == '4' || p[1] == '5') && p[2] >= '0' && p[2] <= '9' &&
		    p[3] >= '0' && p[3] <= '9' && p[4] == ' ')
			return true;
	return false;
}

START_TEST(strings_and_regex)
{
	static const char *const ex[] = {
		"get = startswith(line, 'GET ')", "api = contains(line, '/api/')",
		"zero = endswith(line, ' 0')",   "n = len(line)",
		"err = line ~ '\\\\s[45]\\\\d\\\\d\\\\s'", "eq = line == 'GET /index.html'",
		"lt = line < 'GET'",             "ne = line != other",
		"ci = line ~ '(?i)^get '",
	};
	stage_schema *s = evt_schema("line:utf8,other:utf8");
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};
	evt_result r;

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	/* 3 copies: rows past the first block's start too */
	for (int copy = 0; copy < 3; copy++)
		for (size_t i = 0; i < NELEM(lines); i++) {
			stage_col_append_bytes(&bl.cols[0], lines[i], strlen(lines[i]));
			stage_col_append_bytes(&bl.cols[1], lines[(i + 1) % NELEM(lines)],
			                       strlen(lines[(i + 1) % NELEM(lines)]));
		}
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	r = evt_run(s, in, ex, NELEM(ex), NULL);
	for (int64_t row = 0; row < in->nrows; row++) {
		const char *l = lines[row % NELEM(lines)], *o = lines[(row + 1) % NELEM(lines)];

		ck_assert_int_eq(stage_array_bool(evt_col(&r, "get"), row), strncmp(l, "GET ", 4) == 0);
		ck_assert_int_eq(stage_array_bool(evt_col(&r, "api"), row), strstr(l, "/api/") != NULL);
		ck_assert_int_eq(stage_array_bool(evt_col(&r, "zero"), row), ends_with(l, " 0"));
		ck_assert_int_eq(stage_array_i64(evt_col(&r, "n"), row), code_points(l));
		ck_assert_msg(stage_array_bool(evt_col(&r, "err"), row) == has_error_status(l),
		              "regex on '%s'", l);
		ck_assert_int_eq(stage_array_bool(evt_col(&r, "eq"), row),
		                 strcmp(l, "GET /index.html") == 0);
		ck_assert_int_eq(stage_array_bool(evt_col(&r, "lt"), row), strcmp(l, "GET") < 0);
		ck_assert_int_eq(stage_array_bool(evt_col(&r, "ne"), row), strcmp(l, o) != 0);
		ck_assert_int_eq(stage_array_bool(evt_col(&r, "ci"), row),
		                 strncasecmp(l, "get ", 4) == 0);
	}
	ck_assert_int_eq(stage_array_i64(evt_col(&r, "n"), 5), 23); /* 25 bytes */
	ck_assert_ptr_null(evt_col(&r, "get")->validity);
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* Rows i of the test batch: a = i % 7 - 3 (null every 5th row), x = i / 4.0,
 * s = "row<i>" (null every 3rd), p = i % 2 == 0, t a timestamp. */
static stage_batch *make_rows(const stage_schema *s, int64_t n)
{
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};

	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (int64_t i = 0; i < n; i++) {
		char buf[32];
		int len = snprintf(buf, sizeof buf, "row%lld", (long long)i);

		if (i % 5 == 4)
			stage_col_append_null(&bl.cols[0]);
		else
			stage_col_append_i64(&bl.cols[0], i % 7 - 3);
		stage_col_append_f64(&bl.cols[1], (double)i / 4.0);
		if (i % 3 == 2)
			stage_col_append_null(&bl.cols[2]);
		else
			stage_col_append_bytes(&bl.cols[2], buf, (size_t)len);
		stage_col_append_bool(&bl.cols[3], i % 2 == 0);
		stage_col_append_i64(&bl.cols[4], 1700000000000000000 + i);
	}
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	return in;
}

#define ROWS_SCHEMA "a:int64,x:float64,s:utf8,p:bool,t:timestamp"

static const char *const row_ex[] = {
	"z = a * 3 + 1", "w = x * x + 0.5", "q = p and a > 0", "c = s", "x = x - 1.0",
	"k = a // (a - 1)",
};

/* Checks output row j against input row i of make_rows(). */
static void check_row(const evt_result *r, int64_t j, int64_t i)
{
	bool anull = i % 5 == 4, snull = i % 3 == 2;
	int64_t a = i % 7 - 3;
	char buf[32];
	size_t len;
	const stage_array *sc = evt_col(r, "s"), *c = evt_col(r, "c"), *k = evt_col(r, "k");
	const stage_array *q = evt_col(r, "q");

	ck_assert_int_eq(stage_array_is_null(evt_col(r, "a"), j), anull);
	ck_assert_int_eq(stage_array_is_null(evt_col(r, "z"), j), anull);
	if (!anull) {
		ck_assert_int_eq(stage_array_i64(evt_col(r, "a"), j), a);
		ck_assert_int_eq(stage_array_i64(evt_col(r, "z"), j), a * 3 + 1);
	}
	ck_assert(evt_same_f64(stage_array_f64(evt_col(r, "x"), j), (double)i / 4.0 - 1.0));
	ck_assert(evt_same_f64(stage_array_f64(evt_col(r, "w"), j),
	                       (double)i / 4.0 * ((double)i / 4.0) + 0.5));
	ck_assert_int_eq(stage_array_bool(evt_col(r, "p"), j), i % 2 == 0);
	ck_assert_int_eq(stage_array_i64(evt_col(r, "t"), j), 1700000000000000000 + i);
	/* Kleene: false and null is false */
	if (i % 2 != 0) {
		ck_assert(!stage_array_is_null(q, j));
		ck_assert(!stage_array_bool(q, j));
	} else {
		ck_assert_int_eq(stage_array_is_null(q, j), anull);
		if (!anull)
			ck_assert_int_eq(stage_array_bool(q, j), a > 0);
	}
	/* a // (a - 1): null for a null a and for a == 1 */
	ck_assert_int_eq(stage_array_is_null(k, j), anull || a == 1);
	if (!anull && a != 1) {
		int64_t d = a - 1, qt = a / d;

		if (a % d != 0 && ((a % d < 0) != (d < 0)))
			qt--;
		ck_assert_int_eq(stage_array_i64(k, j), qt);
	}
	ck_assert_int_eq(stage_array_is_null(sc, j), snull);
	ck_assert_int_eq(stage_array_is_null(c, j), snull);
	if (!snull) {
		const uint8_t *v = stage_array_bytes(sc, j, &len);
		int n = snprintf(buf, sizeof buf, "row%lld", (long long)i);

		ck_assert_uint_eq(len, (size_t)n);
		ck_assert(memcmp(v, buf, len) == 0);
		v = stage_array_bytes(c, j, &len);
		ck_assert_uint_eq(len, (size_t)n);
		ck_assert(memcmp(v, buf, len) == 0);
	}
}

static void check_null_counts(const evt_result *r)
{
	for (size_t i = 0; i < r->batch->ncols; i++) {
		const stage_array *c = &r->batch->cols[i];
		int64_t nulls = 0;

		ck_assert_int_eq(c->length, r->batch->nrows);
		ck_assert_int_eq(c->type, r->schema->fields[i].type);
		for (int64_t j = 0; j < c->length; j++)
			nulls += stage_array_is_null(c, j);
		ck_assert_int_eq(c->null_count, nulls);
		ck_assert(c->null_count || !c->validity);
		if (c->type == STAGE_UTF8 && c->length)
			ck_assert_int_eq(c->offsets[0], 0);
	}
}

/* Sizes around the block: every row right, the output's layout follows
 * the input order with new columns last, pass-through columns share the
 * input's memory, nulls counted. */
START_TEST(batch_sizes)
{
	static const int64_t sizes[] = {0, 1, 63, 64, 65, 2047, 2048, 2049, 10000};
	stage_schema *s = evt_schema(ROWS_SCHEMA);

	for (size_t k = 0; k < NELEM(sizes); k++) {
		stage_batch *in = make_rows(s, sizes[k]);
		evt_result r = evt_run(s, in, row_ex, NELEM(row_ex), NULL);
		static const char *const order[] = {"a", "x", "s", "p", "t", "z", "w", "q", "c", "k"};

		ck_assert_int_eq(r.batch->nrows, sizes[k]);
		ck_assert_uint_eq(r.schema->ncols, NELEM(order));
		for (size_t i = 0; i < NELEM(order); i++)
			ck_assert_str_eq(r.schema->fields[i].name, order[i]);
		ck_assert_int_eq(r.schema->fields[4].type, STAGE_TIMESTAMP);
		ck_assert_int_eq(r.schema->fields[8].type, STAGE_UTF8);
		for (int64_t i = 0; i < sizes[k]; i++)
			check_row(&r, i, i);
		check_null_counts(&r);
		if (sizes[k]) {
			/* shared, not copied: the pass-through and the copied column */
			ck_assert_ptr_eq(evt_col(&r, "s")->values, in->cols[2].values);
			ck_assert_ptr_eq(evt_col(&r, "c")->offsets, in->cols[2].offsets);
			ck_assert_ptr_eq(evt_col(&r, "a")->values, in->cols[0].values);
		}
		evt_free(&r);
		stage_batch_free(in);
	}
	stage_schema_free(s);
}
END_TEST

/* --where keeps the rows where it is true (not false, not null), in order,
 * in every column; strings get new offsets. */
START_TEST(where_compacts)
{
	static const int64_t sizes[] = {1, 100, 2049, 10000};
	stage_schema *s = evt_schema(ROWS_SCHEMA);

	for (size_t k = 0; k < NELEM(sizes); k++) {
		stage_batch *in = make_rows(s, sizes[k]);
		evt_result r = evt_run(s, in, row_ex, NELEM(row_ex), "z > 1 or len(s) == 5");
		int64_t j = 0;

		for (int64_t i = 0; i < sizes[k]; i++) {
			bool anull = i % 5 == 4, snull = i % 3 == 2;
			int64_t a = i % 7 - 3;
			bool left = !anull && a * 3 + 1 > 1;
			bool right = !snull && i >= 10 && i < 100;

			/* true or anything is true; false or null is null: dropped */
			if (left || right)
				check_row(&r, j++, i);
		}
		ck_assert_int_eq(r.batch->nrows, j);
		check_null_counts(&r);
		evt_free(&r);
		stage_batch_free(in);
	}
	stage_schema_free(s);
}
END_TEST

/* A filter nobody passes gives a batch with the schema and no rows; one
 * everybody passes gives the input's rows, shared. (--where sees x after
 * the assignment x = x - 1.0.) */
START_TEST(where_none_and_all)
{
	stage_schema *s = evt_schema(ROWS_SCHEMA);
	stage_batch *in = make_rows(s, 3000);
	evt_result r = evt_run(s, in, row_ex, NELEM(row_ex), "x < -1.0");

	ck_assert_int_eq(r.batch->nrows, 0);
	ck_assert_uint_eq(r.batch->ncols, 10);
	check_null_counts(&r);
	evt_free(&r);
	r = evt_run(s, in, row_ex, NELEM(row_ex), "x >= -1.0");
	ck_assert_int_eq(r.batch->nrows, 3000);
	ck_assert_ptr_eq(evt_col(&r, "s")->values, in->cols[2].values);
	for (int64_t i = 0; i < 3000; i++)
		check_row(&r, i, i);
	evt_free(&r);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

static int arrays_equal(const stage_array *a, const stage_array *b)
{
	if (a->type != b->type || a->length != b->length || a->null_count != b->null_count)
		return 0;
	for (int64_t i = 0; i < a->length; i++) {
		if (stage_array_is_null(a, i) != stage_array_is_null(b, i))
			return 0;
		switch (a->type) {
		case STAGE_BOOL:
			if (stage_array_bool(a, i) != stage_array_bool(b, i))
				return 0;
			break;
		case STAGE_UTF8: {
			size_t la, lb;
			const uint8_t *pa = stage_array_bytes(a, i, &la), *pb = stage_array_bytes(b, i, &lb);

			if (la != lb || memcmp(pa, pb, la))
				return 0;
			break;
		}
		default:
			if (memcmp((const uint8_t *)a->values + 8 * i, (const uint8_t *)b->values + 8 * i,
			           8))
				return 0;
		}
	}
	return 1;
}

/* Ranges of 64, 128, 2112 and 4096 rows give what one range gives. */
START_TEST(ranges_split)
{
	static const int64_t ranges[] = {64, 128, 2112, 4096, 6400};
	stage_schema *s = evt_schema(ROWS_SCHEMA);
	stage_batch *in = make_rows(s, 10000);
	evt_result whole = evt_run(s, in, row_ex, NELEM(row_ex), "p or a > 1");

	for (size_t k = 0; k < NELEM(ranges); k++) {
		stage_error err = {0};
		evt_result r;

		ck_assert_msg(evt_run_ex(s, in, row_ex, NELEM(row_ex), "p or a > 1", ranges[k], &r,
		                         &err) == 0,
		              "%s", err.msg);
		ck_assert_int_eq(r.batch->nrows, whole.batch->nrows);
		for (size_t c = 0; c < r.batch->ncols; c++)
			ck_assert_msg(arrays_equal(&r.batch->cols[c], &whole.batch->cols[c]),
			              "range %lld column %zu", (long long)ranges[k], c);
		evt_free(&r);
	}
	evt_free(&whole);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

struct half {
	const ev_plan *p;
	ev_job *job;
	int64_t start, end;
	int rc;
};

static void *run_half(void *arg)
{
	struct half *h = arg;
	stage_error err = {0};
	ev_scratch *sc = ev_scratch_new(h->p, &err);

	h->rc = sc ? 0 : -1;
	for (int64_t r = h->start; h->rc == 0 && r < h->end; r += 192)
		h->rc = ev_job_range(h->p, sc, h->job, r, r + 192 < h->end ? r + 192 : h->end, &err);
	ev_scratch_free(sc);
	return NULL;
}

/* Two threads on interleaved ranges of one job, each with its scratch. */
START_TEST(two_threads)
{
	stage_schema *s = evt_schema(ROWS_SCHEMA);
	stage_batch *in = make_rows(s, 9001), *out;
	ev_front_opts o = {.assignments = row_ex, .nassignments = NELEM(row_ex)};
	ev_ast *ast;
	ev_plan *p;
	ev_job *job;
	stage_error err = {0};
	pthread_t t[2];
	struct half h[2];
	evt_result r;

	ck_assert_int_eq(ev_front(&o, s, &ast, &err), 0);
	ck_assert_int_eq(ev_plan_compile(ast, s, &p, &err), 0);
	ev_ast_free(ast);
	ck_assert_int_eq(ev_job_begin(p, in, &job, &err), 0);
	h[0] = (struct half){p, job, 0, 4480, -1};
	h[1] = (struct half){p, job, 4480, 9001, -1};
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, run_half, &h[i]), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(h[i].rc, 0);
	}
	ck_assert_int_eq(ev_job_finish(p, job, &out, &err), 0);
	r = (evt_result){out, stage_schema_copy(ev_plan_schema(p), &err)};
	for (int64_t i = 0; i < 9001; i++)
		check_row(&r, i, i);
	evt_free(&r);
	ev_plan_free(p);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* A bad regex is a usage error at its position; a bad range is refused. */
START_TEST(errors)
{
	static const char *const bad[] = {"ok = a > 0", "m = s ~ 'a(b'"};
	stage_schema *s = evt_schema(ROWS_SCHEMA);
	stage_batch *in = make_rows(s, 100);
	stage_error err = {0};
	evt_result r;
	ev_front_opts o = {.assignments = row_ex, .nassignments = 1};
	ev_ast *ast;
	ev_plan *p;
	ev_scratch *sc;
	ev_job *job;

	ck_assert_int_eq(evt_run_ex(s, in, bad, NELEM(bad), NULL, 0, &r, &err), -1);
	ck_assert_int_eq(err.status, STAGE_EXIT_USAGE);
	ck_assert_msg(strncmp(err.msg, "2:9: bad regex 'a(b'", 20) == 0, "%s", err.msg);
	ck_assert_int_eq(evt_run_ex(s, in, bad, 1, "s ~ '['", 0, &r, &err), -1);
	ck_assert_msg(strncmp(err.msg, "--where 1:5: bad regex", 22) == 0, "%s", err.msg);
	ck_assert_int_eq(ev_front(&o, s, &ast, &err), 0);
	ck_assert_int_eq(ev_plan_compile(ast, s, &p, &err), 0);
	ev_ast_free(ast);
	sc = ev_scratch_new(p, &err);
	ck_assert_int_eq(ev_job_begin(p, in, &job, &err), 0);
	ck_assert_int_eq(ev_job_range(p, sc, job, 10, 20, &err), -1);
	ck_assert_int_eq(ev_job_range(p, sc, job, 64, 101, &err), -1);
	ev_job_free(job);
	ev_scratch_free(sc);
	ev_plan_free(p);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

/* PCRE2's match limit at run time: an error naming the expression's
 * position and the row (the third block's), not a crash or a false. */
START_TEST(regex_match_limit)
{
	static const char *const ex[] = {"m = s ~ '(a+)+$'"};
	stage_schema *s = evt_schema("s:utf8");
	stage_builder bl;
	stage_batch *in;
	stage_error err = {0};
	evt_result r;
	char evil[41];

	memset(evil, 'a', 39);
	evil[39] = 'b';
	evil[40] = 0;
	ck_assert_int_eq(stage_builder_init(&bl, s, &err), 0);
	for (int i = 0; i < 5000; i++)
		stage_col_append_bytes(&bl.cols[0], i == 4200 ? evil : "aab", 3 + 37 * (i == 4200));
	ck_assert_int_eq(stage_builder_finish(&bl, &in, &err), 0);
	stage_builder_release(&bl);
	ck_assert_int_eq(evt_run_ex(s, in, ex, 1, NULL, 0, &r, &err), -1);
	ck_assert_int_eq(err.status, STAGE_EXIT_FAILURE);
	ck_assert_msg(strncmp(err.msg, "1:5: row 4200: regex '(a+)+$'", 29) == 0, "%s", err.msg);
	stage_batch_free(in);
	stage_schema_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eval_vm_job");
	TCase *tc = tcase_create("batches");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, strings_and_regex);
	tcase_add_test(tc, batch_sizes);
	tcase_add_test(tc, where_compacts);
	tcase_add_test(tc, where_none_and_all);
	tcase_add_test(tc, ranges_split);
	tcase_add_test(tc, two_threads);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, regex_match_limit);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
