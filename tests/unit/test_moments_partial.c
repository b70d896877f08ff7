/* moments --merge and --window below the CLI: partial states written by
 * one table read back into another equal the whole; every kind of corrupt
 * state is refused with the state's number; schemas that are not partial
 * states are refused; rolling windows against a direct computation over
 * the last N rows of each group. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moments_ref.h"
#include "partial.h"
#include "run_suite.h"
#include "window.h"

#define TOL 1e-13

/* ---- partial states by hand ------------------------------------------- */

/* The state columns after the key and the column name, in schema order. */
enum {
	S_N, S_NULLS, S_NAN, S_POSINF, S_NEGINF,
	S_W, S_PIVOT, S_S, S_SC, S_M2, S_M2C, S_M3, S_M3C, S_M4, S_M4C, S_MIN, S_MAX,
	S_COUNT
};

/* A state: 5 counts then 12 values, all as doubles for brevity. */
typedef struct state {
	int64_t c[5];
	double v[12];
} state;

/* {1, 2, 3} pivoted on 1: s = 0 + 1 + 2, M2 = 2, M3 = 0, M4 = 2. */
static const state good = {
	.c = {3, 0, 0, 0, 0},
	.v = {3, 1, 3, 0, 2, 0, 0, 0, 2, 0, 1, 3},
};

static stage_schema *partial_schema(bool keyed, bool weighted)
{
	moments_report r = {.partial = true, .weighted = weighted,
	                    .key_name = keyed ? "k" : NULL, .key_type = STAGE_UTF8};
	stage_error err;
	stage_schema *s = moments_report_schema(&r, &err);

	ck_assert_msg(s != NULL, "%s", err.msg);
	return s;
}

/* Appends a keyed state row; null_col: index (S_*) of a state column to
 * leave null, or -1; name NULL: a null column name. */
static void put_state(stage_builder *b, const char *key, const char *name, const state *st,
                      int null_col)
{
	stage_column_builder *c = b->cols;

	stage_col_append_bytes(c++, key, strlen(key));
	if (name)
		stage_col_append_bytes(c++, name, strlen(name));
	else
		stage_col_append_null(c++);
	for (int i = 0; i < S_COUNT; i++, c++) {
		if (i == null_col)
			stage_col_append_null(c);
		else if (i < S_W)
			stage_col_append_i64(c, st->c[i]);
		else
			stage_col_append_f64(c, st->v[i - S_W]);
	}
}

static stage_batch *finish(stage_builder *b)
{
	stage_batch *batch;
	stage_error err;

	ck_assert_msg(stage_builder_finish(b, &batch, &err) == 0, "%s", err.msg);
	return batch;
}

/* Reads a batch of three states, the third st, with 40 states before it:
 * expects it refused, naming state 43 and its column, and why. */
static void refused(const state *st, int null_col, const char *why, const char *label)
{
	stage_schema *s = partial_schema(true, false);
	moments_report r = {0};
	stage_builder b;
	stage_batch *batch;
	stage_error err = {0};
	moments_table *t = moments_table_new(STAGE_UTF8, &err);

	ck_assert_int_eq(moments_partial_check_schema(s, &r, &err), 0);
	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	put_state(&b, "a", "x", &good, -1);
	put_state(&b, "b", "x", &good, -1);
	put_state(&b, "a", "x", st, null_col);
	batch = finish(&b);
	ck_assert_msg(moments_partial_read(t, &r, batch, 40, &err) == -1, "%s: accepted", label);
	ck_assert_msg(err.status == STAGE_EXIT_BAD_INPUT, "%s: status %d", label, err.status);
	if (null_col < 0)
		ck_assert_msg(strstr(err.msg, "state 43 (column 'x')") != NULL,
		              "%s: message does not name the state: %s", label, err.msg);
	ck_assert_msg(strstr(err.msg, why) != NULL, "%s: message says '%s', expected '%s'", label,
	              err.msg, why);
	stage_batch_free(batch);
	stage_builder_release(&b);
	moments_table_free(t);
	stage_schema_free(s);
}

START_TEST(good_state_accepted)
{
	stage_schema *s = partial_schema(true, false);
	moments_report r = {0};
	stage_builder b;
	stage_batch *batch;
	stage_error err;
	moments_table *t = moments_table_new(STAGE_UTF8, &err);
	moments_result res;
	state empty = {.v = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, INFINITY, -INFINITY}};
	state nulls_only = empty;

	/* {1, 2, 3} twice, for one key; an empty state and one of nulls only
	 * for another */
	nulls_only.c[S_NULLS] = 5;
	ck_assert_int_eq(moments_partial_check_schema(s, &r, &err), 0);
	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	put_state(&b, "a", "x", &good, -1);
	put_state(&b, "b", "x", &empty, -1);
	put_state(&b, "a", "x", &good, -1);
	put_state(&b, "b", "x", &nulls_only, -1);
	batch = finish(&b);
	ck_assert_msg(moments_partial_read(t, &r, batch, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(t->ngroups, 2);
	ck_assert_uint_eq(t->ncols, 1);
	ck_assert_int_eq(t->first_row[0], 0);
	ck_assert_int_eq(t->first_row[1], 1);
	ck_assert_int_eq(t->cells[0].counts.n, 6);
	moments_acc_result(&t->cells[0].acc, &t->cells[0].counts, false, false, &res);
	/* {1, 1, 2, 2, 3, 3}: mean 2, M2 4, var 0.8 */
	ck_assert_double_eq_tol(res.v[MOMENTS_MEAN], 2, 1e-15);
	ck_assert_double_eq_tol(res.v[MOMENTS_VAR], 0.8, 1e-15);
	ck_assert_double_eq_tol(res.v[MOMENTS_SUM], 12, 1e-15);
	ck_assert_double_eq(res.v[MOMENTS_MIN], 1);
	ck_assert_double_eq(res.v[MOMENTS_MAX], 3);
	ck_assert_int_eq(t->cells[1].counts.n, 0);
	ck_assert_int_eq(t->cells[1].counts.nulls, 5);
	moments_acc_result(&t->cells[1].acc, &t->cells[1].counts, false, false, &res);
	ck_assert(!res.valid[MOMENTS_MEAN]);
	stage_batch_free(batch);
	stage_builder_release(&b);
	moments_table_free(t);
	stage_schema_free(s);
}
END_TEST

START_TEST(corrupt_states_refused)
{
	static const char neg[] = "negative";
	static const char nonfinite[] = "not finite";
	const double bad[] = {NAN, INFINITY, -INFINITY};
	state st;
	char label[64];

	for (int i = S_N; i <= S_NEGINF; i++) {
		st = good;
		st.c[i] = -1;
		snprintf(label, sizeof label, "count %d negative", i);
		refused(&st, -1, neg, label);
	}
	/* every state value except min and max: NaN, +inf, -inf */
	for (int i = S_W; i < S_MIN; i++)
		for (int k = 0; k < 3; k++) {
			st = good;
			st.v[i - S_W] = bad[k];
			snprintf(label, sizeof label, "state value %d = %g", i, bad[k]);
			refused(&st, -1, nonfinite, label);
		}
	st = good;
	st.v[S_W - S_W] = -3;
	refused(&st, -1, neg, "negative weight");
	st = good;
	st.v[S_M2 - S_W] = -2;
	refused(&st, -1, neg, "negative m2");
	st = good;
	st.v[S_M4 - S_W] = -2;
	refused(&st, -1, neg, "negative m4");

	/* no values but moments */
	for (int i = S_W; i < S_MIN; i++) {
		if (i == S_PIVOT || i == S_SC || i == S_M2C || i == S_M3C || i == S_M4C)
			continue;
		st = (state){.v = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, INFINITY, -INFINITY}};
		st.v[i - S_W] = 1;
		snprintf(label, sizeof label, "n = 0 with state value %d", i);
		refused(&st, -1, "without values", label);
	}
	/* values but no weight; pivot outside [min, max] */
	st = good;
	st.v[S_W - S_W] = 0;
	refused(&st, -1, "does not match", "n > 0, weight 0");
	st = good;
	st.v[S_PIVOT - S_W] = 0.5;
	refused(&st, -1, "does not match", "pivot below min");
	st = good;
	st.v[S_PIVOT - S_W] = 3.5;
	refused(&st, -1, "does not match", "pivot above max");
	st = good;
	st.v[S_MIN - S_W] = 2;
	refused(&st, -1, "does not match", "min above pivot");
	st = good;
	st.v[S_MIN - S_W] = NAN;
	refused(&st, -1, "corrupt", "min NaN");
	st = good;
	st.v[S_MAX - S_W] = NAN;
	refused(&st, -1, "corrupt", "max NaN");
}
END_TEST

/* min and max are values of the data: a state that has values cannot
 * have an infinite one (infinities are counted, never accumulated). */
START_TEST(infinite_range_refused)
{
	state st = good;

	st.v[S_MIN - S_W] = -INFINITY;
	refused(&st, -1, "corrupt", "min -inf");
	st = good;
	st.v[S_MAX - S_W] = INFINITY;
	refused(&st, -1, "corrupt", "max +inf");
}
END_TEST

START_TEST(nulls_refused)
{
	char label[64];

	for (int i = 0; i < S_COUNT; i++) {
		snprintf(label, sizeof label, "null in state column %d", i);
		refused(&good, i, "null", label);
	}
	/* a null column name */
	{
		stage_schema *s = partial_schema(true, false);
		moments_report r = {0};
		stage_builder b;
		stage_batch *batch;
		stage_error err = {0};
		moments_table *t = moments_table_new(STAGE_UTF8, &err);

		ck_assert_int_eq(moments_partial_check_schema(s, &r, &err), 0);
		ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
		put_state(&b, "a", "x", &good, -1);
		put_state(&b, "a", NULL, &good, -1);
		batch = finish(&b);
		ck_assert_int_eq(moments_partial_read(t, &r, batch, 7, &err), -1);
		ck_assert_int_eq(err.status, STAGE_EXIT_BAD_INPUT);
		ck_assert_msg(strstr(err.msg, "state 9") != NULL, "%s", err.msg);
		stage_batch_free(batch);
		stage_builder_release(&b);
		moments_table_free(t);
		stage_schema_free(s);
	}
}
END_TEST

/* Counts that fit one by one but not added up. */
START_TEST(count_overflow_refused)
{
	state bad = good;

	/* state 43 (a, x) overflows with state 41 (a, x): 3 + 2^63 - 2 */
	bad.c[S_N] = INT64_MAX - 2;
	refused(&bad, -1, "overflow", "n overflows");
}
END_TEST

/* ---- schemas ---------------------------------------------------------- */

static void schema_refused(stage_schema *s, const char *why, const char *label)
{
	moments_report r = {0};
	stage_error err = {0};

	ck_assert_msg(moments_partial_check_schema(s, &r, &err) == -1, "%s: accepted", label);
	ck_assert_msg(err.status == STAGE_EXIT_BAD_INPUT, "%s: status %d", label, err.status);
	ck_assert_msg(strstr(err.msg, why) != NULL, "%s: message '%s' lacks '%s'", label, err.msg,
	              why);
	stage_schema_free(s);
}

/* A copy of s with column i's type changed (or the column left out when
 * type is 0), keeping the metadata. */
static stage_schema *altered(const stage_schema *s, size_t i, stage_type type)
{
	stage_error err;
	stage_schema *c = stage_schema_new();

	for (size_t k = 0; k < s->ncols; k++)
		if (k != i || type)
			ck_assert_int_eq(stage_schema_add(c, s->fields[k].name,
			                                  k == i ? type : s->fields[k].type, &err), 0);
	ck_assert_int_eq(stage_metadata_copy(&c->metadata, &s->metadata, &err), 0);
	return c;
}

START_TEST(schema_checks)
{
	stage_schema *s;
	moments_report r = {0};
	stage_error err;

	/* keyed, weighted */
	s = partial_schema(true, true);
	ck_assert_int_eq(moments_partial_check_schema(s, &r, &err), 0);
	ck_assert_str_eq(r.key_name, "k");
	ck_assert_int_eq(r.key_type, STAGE_UTF8);
	ck_assert(r.weighted);
	stage_schema_free(s);
	/* not keyed, not weighted */
	r = (moments_report){.key_name = "stale", .weighted = true};
	s = partial_schema(false, false);
	ck_assert_int_eq(moments_partial_check_schema(s, &r, &err), 0);
	ck_assert_ptr_null(r.key_name);
	ck_assert(!r.weighted);

	/* every column's type changed, one at a time; every column left out */
	for (size_t i = 0; i < s->ncols; i++) {
		stage_type t = s->fields[i].type == STAGE_INT64 ? STAGE_FLOAT64 : STAGE_INT64;
		char label[64];

		snprintf(label, sizeof label, "column %zu retyped", i);
		schema_refused(altered(s, i, t), "not a partial-state stream", label);
		snprintf(label, sizeof label, "column %zu left out", i);
		schema_refused(altered(s, i, 0), "not a partial-state stream", label);
	}
	/* a column too many */
	{
		stage_schema *c = altered(s, SIZE_MAX, 0);

		ck_assert_int_eq(stage_schema_add(c, "extra", STAGE_FLOAT64, &err), 0);
		schema_refused(c, "not a partial-state stream", "extra column");
	}
	/* no metadata; another version */
	{
		stage_schema *c = altered(s, SIZE_MAX, 0);

		stage_metadata_clear(&c->metadata);
		schema_refused(c, "not partial states", "no metadata");
		c = altered(s, SIZE_MAX, 0);
		ck_assert_int_eq(stage_metadata_set(&c->metadata, MOMENTS_PARTIAL_KEY, "partial-0", &err), 0);
		schema_refused(c, "'partial-0'", "version");
	}
	stage_schema_free(s);
	/* final results, not states, even with the partial metadata */
	{
		moments_report res = {.key_name = "k", .key_type = STAGE_INT64};

		s = moments_report_schema(&res, &err);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(stage_metadata_set(&s->metadata, MOMENTS_PARTIAL_KEY,
		                                    MOMENTS_PARTIAL_VERSION, &err), 0);
		schema_refused(s, "not a partial-state stream", "results");
	}
}
END_TEST

/* ---- states written by one table, read by another --------------------- */

enum { RROWS = 20000, RKEYS = 7 };

/* Writes t's states (every group and column) with moments_report_append. */
static stage_batch *states_of(const moments_table *t, const moments_report *r,
                              const stage_schema *s)
{
	stage_builder b;
	stage_error err;
	stage_batch *batch;

	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	for (int64_t g = 0; g < t->ngroups; g++)
		for (size_t c = 0; c < t->ncols; c++)
			moments_report_append(r, &b, 0, t->groups, g, t->names[c],
			                      &t->cells[g * (int64_t)t->ncols + c]);
	batch = finish(&b);
	stage_builder_release(&b);
	return batch;
}

START_TEST(states_round_trip)
{
	static const int cols[] = {1, 2};
	static char *const names[] = {"x", "n"};
	const moments_plan p = {.key = 0, .weight = -1, .ncols = 2, .cols = cols};
	moments_report wr = {.partial = true, .key_name = "k", .key_type = STAGE_INT64};
	static double x[RROWS], v[RROWS];
	static int64_t key[RROWS], iv[RROWS];
	stage_schema *in = stage_schema_new(), *ss;
	stage_builder b;
	stage_batch *data;
	stage_error err;
	ref_rng rng = {201};
	moments_table *merged;
	moments_report rr = {0};
	int64_t base = 0;
	static const int64_t cuts[] = {0, 1, 5000, 5001, 13000, RROWS};

	ck_assert_int_eq(stage_schema_add(in, "k", STAGE_INT64, &err), 0);
	ck_assert_int_eq(stage_schema_add(in, "x", STAGE_FLOAT64, &err), 0);
	ck_assert_int_eq(stage_schema_add(in, "n", STAGE_INT64, &err), 0);
	ck_assert_int_eq(stage_builder_init(&b, in, &err), 0);
	for (int i = 0; i < RROWS; i++) {
		key[i] = (int64_t)ref_below(&rng, RKEYS);
		x[i] = key[i] == 3 ? 42.5 : 1e9 + ref_normal(&rng) * pow(10, (double)key[i] - 3);
		iv[i] = (int64_t)ref_below(&rng, 2000000) - 1000000 + key[i] * ((int64_t)1 << 50);
		stage_col_append_i64(&b.cols[0], key[i]);
		stage_col_append_f64(&b.cols[1], x[i]);
		stage_col_append_i64(&b.cols[2], iv[i]);
	}
	data = finish(&b);
	stage_builder_release(&b);

	ss = moments_report_schema(&wr, &err);
	ck_assert_ptr_nonnull(ss);
	ck_assert_int_eq(moments_partial_check_schema(ss, &rr, &err), 0);
	merged = moments_table_new(STAGE_INT64, &err);
	for (int k = 0; k + 1 < (int)(sizeof cuts / sizeof *cuts); k++) {
		moments_table *t = moments_table_new(STAGE_INT64, &err);
		stage_batch *st;

		ck_assert_int_eq(moments_table_set_names(t, names, 2, &err), 0);
		ck_assert_int_eq(moments_table_feed(t, &p, data, cuts[k], cuts[k + 1], 0, &err), 0);
		st = states_of(t, &wr, ss);
		ck_assert_msg(moments_partial_read(merged, &rr, st, base, &err) == 0, "%s", err.msg);
		base += st->nrows;
		stage_batch_free(st);
		moments_table_free(t);
	}
	ck_assert_int_eq(merged->ngroups, RKEYS);
	for (int64_t g = 0; g < RKEYS; g++) {
		int64_t r0;

		for (r0 = 0; key[r0] != g; r0++)
			;
		int64_t mg = moments_groups_of_row(merged->groups, &data->cols[0], r0);

		for (int c = 0; c < 2; c++) {
			int col = moments_table_column(merged, names[c], &err);
			const moments_cell *cell = &merged->cells[mg * (int64_t)merged->ncols + col];
			moments_result res;
			ref_result ref;
			size_t n = 0;
			char what[64];

			for (int i = 0; i < RROWS; i++)
				if (key[i] == g)
					v[n++] = c ? (double)iv[i] : x[i];
			snprintf(what, sizeof what, "merged states, key %lld, column %s", (long long)g,
			         names[c]);
			ck_assert_int_eq(cell->counts.n, (int64_t)n);
			moments_acc_result(&cell->acc, &cell->counts, false, false, &res);
			ref_stats(v, NULL, n, false, &ref);
			ref_check(&res, &ref, TOL, what);
		}
	}
	moments_table_free(merged);
	stage_schema_free(ss);
	stage_schema_free(in);
	stage_batch_free(data);
}
END_TEST

/* int64 values near 2^63: the pivot is the largest double below 2^63 (so
 * that deviations are computed in integers), min and max are 2^63. What
 * --partial writes, --merge must read. */
START_TEST(int64_limit_state_round_trip)
{
	static const int cols[] = {0};
	static char *const names[] = {"v"};
	const moments_plan p = {.key = -1, .weight = -1, .ncols = 1, .cols = cols};
	moments_report wr = {.partial = true};
	stage_schema *in = stage_schema_new(), *ss;
	stage_builder b;
	stage_batch *data, *st;
	stage_error err;
	moments_table *t, *merged;
	moments_report rr = {0};
	moments_result res;

	ck_assert_int_eq(stage_schema_add(in, "v", STAGE_INT64, &err), 0);
	ck_assert_int_eq(stage_builder_init(&b, in, &err), 0);
	for (int64_t i = 0; i < 3; i++)
		stage_col_append_i64(&b.cols[0], INT64_MAX - i);
	data = finish(&b);
	stage_builder_release(&b);
	t = moments_table_new(0, &err);
	ck_assert_int_eq(moments_table_set_names(t, names, 1, &err), 0);
	ck_assert_int_eq(moments_table_feed(t, &p, data, 0, 3, 0, &err), 0);
	ss = moments_report_schema(&wr, &err);
	ck_assert_int_eq(moments_partial_check_schema(ss, &rr, &err), 0);
	st = states_of(t, &wr, ss);
	merged = moments_table_new(0, &err);
	ck_assert_msg(moments_partial_read(merged, &rr, st, 0, &err) == 0, "%s", err.msg);
	moments_acc_result(&merged->cells[0].acc, &merged->cells[0].counts, false, false, &res);
	ck_assert_double_eq(res.v[MOMENTS_VAR], 1);
	ck_assert_double_eq(res.v[MOMENTS_MEAN], 0x1p63);
	moments_table_free(merged);
	moments_table_free(t);
	stage_batch_free(st);
	stage_batch_free(data);
	stage_schema_free(ss);
	stage_schema_free(in);
}
END_TEST

/* ---- rolling windows -------------------------------------------------- */

enum { WROWS = 4000, WKEYS = 5 };

typedef struct wdata {
	int64_t key[WROWS];
	double x[WROWS], y[WROWS];
	bool x_null[WROWS];
	stage_batch *batch;
} wdata;

static wdata *make_wdata(uint64_t seed)
{
	wdata *d = calloc(1, sizeof *d);
	stage_schema *s = stage_schema_new();
	stage_builder b;
	stage_error err;
	ref_rng rng = {seed};

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(stage_schema_add(s, "k", STAGE_INT64, &err), 0);
	ck_assert_int_eq(stage_schema_add(s, "x", STAGE_FLOAT64, &err), 0);
	ck_assert_int_eq(stage_schema_add(s, "y", STAGE_FLOAT64, &err), 0);
	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	for (int i = 0; i < WROWS; i++) {
		d->key[i] = (int64_t)ref_below(&rng, WKEYS) * 1000;
		d->x[i] = 1e9 + ref_normal(&rng);
		d->x_null[i] = ref_below(&rng, 30) == 0;
		/* loud, then quiet: the quiet windows must not inherit the loud
		 * ones' rounding */
		d->y[i] = i < WROWS / 2 ? 1e9 + 1e6 * ref_normal(&rng) : 5 + 1e-3 * ref_normal(&rng);
		stage_col_append_i64(&b.cols[0], d->key[i]);
		if (d->x_null[i])
			stage_col_append_null(&b.cols[1]);
		else
			stage_col_append_f64(&b.cols[1], d->x[i]);
		stage_col_append_f64(&b.cols[2], d->y[i]);
	}
	d->batch = finish(&b);
	stage_builder_release(&b);
	stage_schema_free(s);
	return d;
}

/* A view of rows [from, to) of d's batch. */
static stage_batch *rows_of(const wdata *d, int64_t from, int64_t to)
{
	stage_schema *s = stage_schema_new();
	stage_builder b;
	stage_error err;
	stage_batch *batch;

	ck_assert_int_eq(stage_schema_add(s, "k", STAGE_INT64, &err), 0);
	ck_assert_int_eq(stage_schema_add(s, "x", STAGE_FLOAT64, &err), 0);
	ck_assert_int_eq(stage_schema_add(s, "y", STAGE_FLOAT64, &err), 0);
	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	for (int64_t i = from; i < to; i++) {
		stage_col_append_i64(&b.cols[0], d->key[i]);
		if (d->x_null[i])
			stage_col_append_null(&b.cols[1]);
		else
			stage_col_append_f64(&b.cols[1], d->x[i]);
		stage_col_append_f64(&b.cols[2], d->y[i]);
	}
	batch = finish(&b);
	stage_builder_release(&b);
	stage_schema_free(s);
	return batch;
}

static int col_index(const stage_schema *s, const char *name)
{
	stage_error err;
	int i = stage_schema_find(s, name, &err);

	ck_assert_int_ge(i, 0);
	return i;
}

static void check_windows(int64_t size, uint64_t seed)
{
	static const int cols[] = {1, 2};
	static char *const names[] = {"x", "y"};
	static const int64_t cuts[] = {0, 1, 2, 500, 501, 2100, 3999, WROWS};
	const moments_plan p = {.key = 0, .weight = -1, .ncols = 2, .cols = cols};
	const moments_report r = {.row_column = true, .key_name = "k", .key_type = STAGE_INT64};
	wdata *d = make_wdata(seed);
	stage_error err;
	stage_schema *s = moments_report_schema(&r, &err);
	moments_windows *ws = moments_windows_new(size, STAGE_INT64, names, 2, &err);
	stage_builder out;
	static double v[WROWS];
	int64_t at = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(ws);
	ck_assert_int_eq(stage_builder_init(&out, s, &err), 0);
	for (int k = 0; k + 1 < (int)(sizeof cuts / sizeof *cuts); k++) {
		stage_batch *in = rows_of(d, cuts[k], cuts[k + 1]), *res;
		const stage_array *row, *key, *column, *n, *nulls, *stat[MOMENTS_NSTATS];

		ck_assert_msg(moments_windows_feed(ws, &p, &r, in, cuts[k], &out, &err) == 0, "%s",
		              err.msg);
		res = finish(&out);
		ck_assert_int_eq(res->nrows, 2 * (cuts[k + 1] - cuts[k]));
		row = &res->cols[col_index(s, "row")];
		key = &res->cols[col_index(s, "k")];
		column = &res->cols[col_index(s, "column")];
		n = &res->cols[col_index(s, "n")];
		nulls = &res->cols[col_index(s, "nulls")];
		for (int i = 0; i < MOMENTS_NSTATS; i++)
			stat[i] = &res->cols[col_index(s, ref_stat_names[i])];
		for (int64_t o = 0; o < res->nrows; o++, at++) {
			int64_t i = at / 2, c = at % 2, got_n = 0, want_nulls = 0;
			size_t len;
			const uint8_t *name = stage_array_bytes(column, o, &len);
			moments_result got;
			ref_result ref;
			size_t m = 0;
			char what[96];

			ck_assert_int_eq(stage_array_i64(row, o), i + 1);
			ck_assert_int_eq(stage_array_i64(key, o), d->key[i]);
			ck_assert(len == 1 && name[0] == names[c][0]);
			/* the last `size` rows of row i's group, row i included */
			for (int64_t j = i; j >= 0 && got_n < size; j--) {
				if (d->key[j] != d->key[i])
					continue;
				got_n++;
				if (c == 0 && d->x_null[j])
					want_nulls++;
				else
					v[m++] = c ? d->y[j] : d->x[j];
			}
			ck_assert_int_eq(stage_array_i64(n, o), (int64_t)m);
			ck_assert_int_eq(stage_array_i64(nulls, o), want_nulls);
			for (int st = 0; st < MOMENTS_NSTATS; st++) {
				got.valid[st] = !stage_array_is_null(stat[st], o);
				got.v[st] = stage_array_f64(stat[st], o);
			}
			ref_stats(v, NULL, m, false, &ref);
			snprintf(what, sizeof what, "window %lld, row %lld, column %s", (long long)size,
			         (long long)i + 1, names[c]);
			ref_check(&got, &ref, 1e-12, what);
		}
		stage_batch_free(res);
		stage_batch_free(in);
	}
	ck_assert_int_eq(at, 2 * WROWS);
	stage_builder_release(&out);
	moments_windows_free(ws);
	stage_schema_free(s);
	stage_batch_free(d->batch);
	free(d);
}

START_TEST(window_1)
{
	check_windows(1, 301);
}
END_TEST

START_TEST(window_2)
{
	check_windows(2, 302);
}
END_TEST

START_TEST(window_7)
{
	check_windows(7, 303);
}
END_TEST

START_TEST(window_100)
{
	check_windows(100, 304);
}
END_TEST

START_TEST(window_larger_than_groups)
{
	check_windows(WROWS, 305);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("moments_partial");
	TCase *partial = tcase_create("partial"), *window = tcase_create("window");

	tcase_set_timeout(partial, 60);
	tcase_set_timeout(window, 300);
	tcase_add_test(partial, good_state_accepted);
	tcase_add_test(partial, corrupt_states_refused);
	tcase_add_test(partial, infinite_range_refused);
	tcase_add_test(partial, nulls_refused);
	tcase_add_test(partial, count_overflow_refused);
	tcase_add_test(partial, schema_checks);
	tcase_add_test(partial, states_round_trip);
	tcase_add_test(partial, int64_limit_state_round_trip);
	tcase_add_test(window, window_1);
	tcase_add_test(window, window_2);
	tcase_add_test(window, window_7);
	tcase_add_test(window, window_100);
	tcase_add_test(window, window_larger_than_groups);
	suite_add_tcase(s, partial);
	suite_add_tcase(s, window);
	return run_suite(s);
}
