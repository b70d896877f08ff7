/* moments' group table and cell table: keys of every type map equal keys
 * to one group and distinct ones apart, in order of first appearance;
 * the table survives growth to a million groups; feeding two tables and
 * merging them equals feeding one; order and added columns. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moments_ref.h"
#include "run_suite.h"
#include "table.h"

#define TOL 1e-13

/* ---- building columns ------------------------------------------------- */

/* A builder for one column of type t. */
static void col_begin(stage_builder *b, stage_type t)
{
	stage_schema *s = stage_schema_new();
	stage_error err;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(stage_schema_add(s, "k", t, &err), 0);
	ck_assert_int_eq(stage_builder_init(b, s, &err), 0);
	stage_schema_free(s);
}

static stage_batch *col_end(stage_builder *b)
{
	stage_batch *batch;
	stage_error err;

	ck_assert_msg(stage_builder_finish(b, &batch, &err) == 0, "%s", err.msg);
	stage_builder_release(b);
	return batch;
}

/* Values of a column equal as keys: nulls equal, floats by value, every
 * NaN equal to every NaN. */
static bool same_key(const stage_array *a, int64_t i, const stage_array *b, int64_t j)
{
	size_t la, lb;
	const uint8_t *pa, *pb;

	if (stage_array_is_null(a, i) || stage_array_is_null(b, j))
		return stage_array_is_null(a, i) && stage_array_is_null(b, j);
	switch (a->type) {
	case STAGE_FLOAT64:
		return stage_array_f64(a, i) == stage_array_f64(b, j) ||
		       (isnan(stage_array_f64(a, i)) && isnan(stage_array_f64(b, j)));
	case STAGE_FLOAT32:
		return stage_array_f32(a, i) == stage_array_f32(b, j) ||
		       (isnan(stage_array_f32(a, i)) && isnan(stage_array_f32(b, j)));
	case STAGE_BOOL:
		return stage_array_bool(a, i) == stage_array_bool(b, j);
	case STAGE_UTF8:
	case STAGE_BINARY:
		pa = stage_array_bytes(a, i, &la);
		pb = stage_array_bytes(b, j, &lb);
		return la == lb && (la == 0 || memcmp(pa, pb, la) == 0);
	default:
		return stage_array_i64(a, i) == stage_array_i64(b, j);
	}
}

/* Every row of k gets the group in want[]; then the groups' keys, appended
 * to a column, equal the key of each group's first row. */
static void check_groups(const stage_array *k, const int64_t *want, int64_t ngroups)
{
	stage_error err;
	moments_groups *g = moments_groups_new(k->type, &err);
	int64_t first[64];
	stage_builder b;
	stage_batch *keys;

	ck_assert_ptr_nonnull(g);
	ck_assert_int_le(ngroups, 64);
	for (int64_t i = 0; i < k->length; i++) {
		int64_t got = moments_groups_of_row(g, k, i);

		ck_assert_msg(got == want[i], "%s key, row %lld: group %lld, expected %lld",
		              stage_type_name(k->type), (long long)i, (long long)got,
		              (long long)want[i]);
	}
	ck_assert_int_eq(moments_groups_count(g), ngroups);
	/* asking again changes nothing */
	for (int64_t i = 0; i < k->length; i++)
		ck_assert_int_eq(moments_groups_of_row(g, k, i), want[i]);
	ck_assert_int_eq(moments_groups_count(g), ngroups);

	for (int64_t j = 0; j < ngroups; j++)
		for (first[j] = 0; want[first[j]] != j; first[j]++)
			;
	col_begin(&b, k->type);
	for (int64_t j = 0; j < ngroups; j++)
		moments_groups_append_key(g, j, &b.cols[0]);
	keys = col_end(&b);
	for (int64_t j = 0; j < ngroups; j++)
		ck_assert_msg(same_key(&keys->cols[0], j, k, first[j]),
		              "%s key: group %lld's key does not round-trip",
		              stage_type_name(k->type), (long long)j);
	stage_batch_free(keys);
	moments_groups_free(g);
}

/* ---- keys of every type ----------------------------------------------- */

START_TEST(int64_and_timestamp_keys)
{
	static const int64_t v[] = {5, -1, 5, INT64_MIN, INT64_MAX, -1, 0, 0, 0, 0};
	static const bool null[] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
	static const int64_t want[] = {0, 1, 0, 2, 3, 1, 4, 5, 4, 5};
	static const stage_type types[] = {STAGE_INT64, STAGE_TIMESTAMP};

	for (int t = 0; t < 2; t++) {
		stage_builder b;
		stage_batch *batch;

		col_begin(&b, types[t]);
		for (int i = 0; i < 10; i++)
			if (null[i])
				stage_col_append_null(&b.cols[0]);
			else
				stage_col_append_i64(&b.cols[0], v[i]);
		batch = col_end(&b);
		check_groups(&batch->cols[0], want, 6);
		stage_batch_free(batch);
	}
}
END_TEST

static double f64_bits(uint64_t u)
{
	double x;

	memcpy(&x, &u, sizeof x);
	return x;
}

START_TEST(float64_keys)
{
	/* 0 and -0 one group; NaNs of any sign and payload one group; null its
	 * own; the smallest subnormals and infinities distinct */
	const double v[] = {0.0,  -0.0, NAN,  -NAN,     1.5,       f64_bits(0x7ff8000000000123ULL),
	                    0,    1.5,  -1.5, 0x1p-1074, -0x1p-1074, INFINITY,
	                    -INFINITY, f64_bits(0xfff0000000000001ULL), -0.0};
	static const int64_t want[] = {0, 0, 1, 1, 2, 1, 3, 2, 4, 5, 6, 7, 8, 1, 0};
	stage_builder b;
	stage_batch *batch;

	col_begin(&b, STAGE_FLOAT64);
	for (int i = 0; i < 15; i++)
		if (i == 6)
			stage_col_append_null(&b.cols[0]);
		else
			stage_col_append_f64(&b.cols[0], v[i]);
	batch = col_end(&b);
	check_groups(&batch->cols[0], want, 9);
	stage_batch_free(batch);

	/* -0 first: 0 joins it */
	{
		static const int64_t want2[] = {0, 0, 1};

		col_begin(&b, STAGE_FLOAT64);
		stage_col_append_f64(&b.cols[0], -0.0);
		stage_col_append_f64(&b.cols[0], 0.0);
		stage_col_append_null(&b.cols[0]);
		batch = col_end(&b);
		check_groups(&batch->cols[0], want2, 2);
		stage_batch_free(batch);
	}
}
END_TEST

START_TEST(float32_keys)
{
	const float v[] = {0.0f, -0.0f, NAN, 1.5f, 0, 1.5f, 0.1f, -0.1f, -NAN, 0x1p-149f};
	static const int64_t want[] = {0, 0, 1, 2, 3, 2, 4, 5, 1, 6};
	stage_builder b;
	stage_batch *batch;

	col_begin(&b, STAGE_FLOAT32);
	for (int i = 0; i < 10; i++)
		if (i == 4)
			stage_col_append_null(&b.cols[0]);
		else
			stage_col_append_f32(&b.cols[0], v[i]);
	batch = col_end(&b);
	check_groups(&batch->cols[0], want, 7);
	stage_batch_free(batch);
}
END_TEST

START_TEST(bool_keys)
{
	static const int64_t want[] = {0, 1, 2, 0, 1, 2};
	stage_builder b;
	stage_batch *batch;

	col_begin(&b, STAGE_BOOL);
	stage_col_append_bool(&b.cols[0], true);
	stage_col_append_bool(&b.cols[0], false);
	stage_col_append_null(&b.cols[0]);
	stage_col_append_bool(&b.cols[0], true);
	stage_col_append_bool(&b.cols[0], false);
	stage_col_append_null(&b.cols[0]);
	batch = col_end(&b);
	check_groups(&batch->cols[0], want, 3);
	stage_batch_free(batch);
}
END_TEST

/* NULL entries are nulls. */
static stage_batch *bytes_column(stage_type t, const char *const *v, const size_t *len, int n)
{
	stage_builder b;

	col_begin(&b, t);
	for (int i = 0; i < n; i++)
		if (!v[i])
			stage_col_append_null(&b.cols[0]);
		else
			stage_col_append_bytes(&b.cols[0], v[i], len ? len[i] : strlen(v[i]));
	return col_end(&b);
}

START_TEST(utf8_keys)
{
	/* strings longer than 8 bytes differing only in the last one, a prefix
	 * of another, the empty string, null */
	static const char *const v[] = {"a",          "",           "ab",       "a",
	                                "",           NULL,         "abcdefghij", "abcdefghiJ",
	                                "abcdefghij", "abcdefgh",   "abcdefghijklmnopq", NULL};
	static const int64_t want[] = {0, 1, 2, 0, 1, 3, 4, 5, 4, 6, 7, 3};
	static const char *const e[] = {"", NULL, "", "x"};
	static const int64_t want_e[] = {0, 1, 0, 2};
	stage_batch *batch = bytes_column(STAGE_UTF8, v, NULL, 12);

	check_groups(&batch->cols[0], want, 8);
	stage_batch_free(batch);
	/* the empty string as the very first key (the group table holds no
	 * key bytes yet) */
	batch = bytes_column(STAGE_UTF8, e, NULL, 4);
	check_groups(&batch->cols[0], want_e, 3);
	stage_batch_free(batch);
}
END_TEST

START_TEST(binary_keys)
{
	static const char *const v[] = {"\0", "\0\0", "", "\0", "\xff\xfe", NULL, "", "\0\0\0\0\0\0\0\0\0",
	                                "\0\0\0\0\0\0\0\0"};
	static const size_t len[] = {1, 2, 0, 1, 2, 0, 0, 9, 8};
	static const int64_t want[] = {0, 1, 2, 0, 3, 4, 2, 5, 6};
	stage_batch *batch = bytes_column(STAGE_BINARY, v, len, 9);

	check_groups(&batch->cols[0], want, 7);
	stage_batch_free(batch);
}
END_TEST

/* ---- growth ----------------------------------------------------------- */

START_TEST(million_int64_keys)
{
	enum { N = 1000000, BATCH = 65536 };
	stage_error err;
	moments_groups *g = moments_groups_new(STAGE_INT64, &err);
	stage_batch *batches[N / BATCH + 1];
	int nb = 0;

	ck_assert_ptr_nonnull(g);
	/* i times an odd constant: distinct, and no pattern in the low bits;
	 * every 4th key is i << 32, whose low bits are all 0 */
	for (int64_t at = 0; at < N; at += BATCH) {
		stage_builder b;

		col_begin(&b, STAGE_INT64);
		for (int64_t i = at; i < at + BATCH && i < N; i++)
			stage_col_append_i64(&b.cols[0], i % 4 == 0 ? (int64_t)((uint64_t)i << 32)
			                                            : (int64_t)((uint64_t)i * 0x9e3779b97f4a7c15ULL) | 1);
		batches[nb++] = col_end(&b);
	}
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < nb; k++)
			for (int64_t i = 0; i < batches[k]->nrows; i++) {
				int64_t got = moments_groups_of_row(g, &batches[k]->cols[0], i);

				if (got != (int64_t)k * BATCH + i)
					ck_abort_msg("pass %d: key %lld in group %lld", pass,
					             (long long)(k * BATCH + i), (long long)got);
			}
	ck_assert_int_eq(moments_groups_count(g), N);
	for (int k = 0; k < nb; k++)
		stage_batch_free(batches[k]);
	moments_groups_free(g);
}
END_TEST

START_TEST(many_string_keys)
{
	enum { N = 200000 };
	stage_error err;
	moments_groups *g = moments_groups_new(STAGE_UTF8, &err);
	stage_builder b;
	stage_batch *batch, *keys;
	char s[64];

	ck_assert_ptr_nonnull(g);
	col_begin(&b, STAGE_UTF8);
	for (int i = 0; i < N; i++) {
		int n = snprintf(s, sizeof s, "key-%d-%.*s", i, i % 40, "0123456789abcdefghijklmnopqrstuvwxyzABCD");

		stage_col_append_bytes(&b.cols[0], s, (size_t)n);
	}
	batch = col_end(&b);
	for (int pass = 0; pass < 2; pass++)
		for (int64_t i = 0; i < N; i++)
			if (moments_groups_of_row(g, &batch->cols[0], i) != i)
				ck_abort_msg("pass %d: string key %lld misplaced", pass, (long long)i);
	ck_assert_int_eq(moments_groups_count(g), N);
	col_begin(&b, STAGE_UTF8);
	for (int64_t j = 0; j < N; j++)
		moments_groups_append_key(g, j, &b.cols[0]);
	keys = col_end(&b);
	for (int64_t j = 0; j < N; j++)
		if (!same_key(&keys->cols[0], j, &batch->cols[0], j))
			ck_abort_msg("string key %lld does not round-trip", (long long)j);
	stage_batch_free(keys);
	stage_batch_free(batch);
	moments_groups_free(g);
}
END_TEST

/* ---- groups of another table ------------------------------------------ */

static void across(stage_batch *a, stage_batch *b, const int64_t *want, int64_t total)
{
	stage_error err;
	stage_type t = a->cols[0].type;
	moments_groups *ga = moments_groups_new(t, &err), *gb = moments_groups_new(t, &err);
	stage_builder kb;
	stage_batch *keys;

	ck_assert_ptr_nonnull(ga);
	ck_assert_ptr_nonnull(gb);
	for (int64_t i = 0; i < a->nrows; i++)
		moments_groups_of_row(ga, &a->cols[0], i);
	for (int64_t i = 0; i < b->nrows; i++)
		moments_groups_of_row(gb, &b->cols[0], i);
	for (int64_t j = 0; j < moments_groups_count(gb); j++)
		ck_assert_int_eq(moments_groups_of_group(ga, gb, j), want[j]);
	ck_assert_int_eq(moments_groups_count(ga), total);
	/* ga's keys: a's distinct keys, then b's new ones */
	col_begin(&kb, t);
	for (int64_t j = 0; j < total; j++)
		moments_groups_append_key(ga, j, &kb.cols[0]);
	keys = col_end(&kb);
	for (int64_t j = 0; j < moments_groups_count(gb); j++) {
		int64_t i;

		for (i = 0; i < b->nrows && moments_groups_of_row(gb, &b->cols[0], i) != j; i++)
			;
		ck_assert(same_key(&keys->cols[0], want[j], &b->cols[0], i));
	}
	stage_batch_free(keys);
	moments_groups_free(ga);
	moments_groups_free(gb);
}

START_TEST(groups_of_group)
{
	static const char *const sa[] = {"apple", "pear", NULL, "fig"};
	static const char *const sb[] = {"fig", "kiwi", "apple", NULL, "a much longer key here"};
	static const int64_t want_s[] = {3, 4, 0, 2, 5};
	static const int64_t want_f[] = {0, 1, 2, 3};
	stage_batch *a = bytes_column(STAGE_UTF8, sa, NULL, 4);
	stage_batch *b = bytes_column(STAGE_UTF8, sb, NULL, 5);
	stage_builder fb;

	across(a, b, want_s, 6);
	stage_batch_free(a);
	stage_batch_free(b);

	/* floats: -0 in one, 0 in the other; different NaNs */
	col_begin(&fb, STAGE_FLOAT64);
	stage_col_append_f64(&fb.cols[0], 0.0);
	stage_col_append_f64(&fb.cols[0], NAN);
	stage_col_append_null(&fb.cols[0]);
	a = col_end(&fb);
	col_begin(&fb, STAGE_FLOAT64);
	stage_col_append_f64(&fb.cols[0], -0.0);
	stage_col_append_f64(&fb.cols[0], f64_bits(0xfff8000000000042ULL));
	stage_col_append_null(&fb.cols[0]);
	stage_col_append_f64(&fb.cols[0], 2.5);
	b = col_end(&fb);
	across(a, b, want_f, 4);
	stage_batch_free(a);
	stage_batch_free(b);
}
END_TEST

/* ---- the cell table --------------------------------------------------- */

enum { ROWS = 30000, KEYS = 40 };

/* key (int64, nulls), x (float64: 1e9 + noise or mixed scales, with nulls,
 * NaN and infinities), y (int64 near 2^40), w (float64 weights with 0,
 * nulls and NaN). */
typedef struct data {
	int64_t key[ROWS];
	bool key_null[ROWS], x_null[ROWS], w_null[ROWS];
	double x[ROWS], w[ROWS];
	int64_t y[ROWS];
	stage_batch *batch;
} data;

static data *make_data(uint64_t seed)
{
	static const char *const names[] = {"key", "x", "y", "w"};
	static const stage_type types[] = {STAGE_INT64, STAGE_FLOAT64, STAGE_INT64, STAGE_FLOAT64};
	data *d = calloc(1, sizeof *d);
	ref_rng rng = {seed};
	stage_schema *s = stage_schema_new();
	stage_builder b;
	stage_error err;

	ck_assert_ptr_nonnull(d);
	for (int c = 0; c < 4; c++)
		ck_assert_int_eq(stage_schema_add(s, names[c], types[c], &err), 0);
	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	for (int i = 0; i < ROWS; i++) {
		uint64_t r = ref_below(&rng, 100);

		/* groups appear gradually: key k first shows up around row k * 500 */
		uint64_t span = (uint64_t)i / 500 + 1 < KEYS ? (uint64_t)i / 500 + 1 : KEYS;

		d->key[i] = (int64_t)ref_below(&rng, span) * 7919 - 100000;
		d->key_null[i] = ref_below(&rng, 50) == 0 && i > 1000;
		d->x[i] = d->key[i] % 2 ? 1e9 + ref_normal(&rng)
		                        : ref_normal(&rng) * pow(10, 6 * ref_uniform(&rng) - 3);
		d->x_null[i] = r < 3;
		if (r == 3)
			d->x[i] = NAN;
		else if (r == 4)
			d->x[i] = -INFINITY;
		d->y[i] = ((int64_t)1 << 40) + (int64_t)ref_below(&rng, 1000000) - 500000;
		d->w[i] = r == 5 ? 0 : r == 6 ? NAN : (double)ref_below(&rng, 4) * 0.5 + 0.5;
		d->w_null[i] = r == 7;
		if (d->key_null[i])
			stage_col_append_null(&b.cols[0]);
		else
			stage_col_append_i64(&b.cols[0], d->key[i]);
		if (d->x_null[i])
			stage_col_append_null(&b.cols[1]);
		else
			stage_col_append_f64(&b.cols[1], d->x[i]);
		stage_col_append_i64(&b.cols[2], d->y[i]);
		if (d->w_null[i])
			stage_col_append_null(&b.cols[3]);
		else
			stage_col_append_f64(&b.cols[3], d->w[i]);
	}
	ck_assert_msg(stage_builder_finish(&b, &d->batch, &err) == 0, "%s", err.msg);
	stage_builder_release(&b);
	stage_schema_free(s);
	return d;
}

static void free_data(data *d)
{
	stage_batch_free(d->batch);
	free(d);
}

static bool same_group(const data *d, int64_t i, int64_t j)
{
	return d->key_null[i] == d->key_null[j] && (d->key_null[i] || d->key[i] == d->key[j]);
}

/* Checks cell c of t's group holding row r's key against the reference of
 * the rows of that group (weighted or not), and the group's first row. */
static void check_table(moments_table *t, const data *d, bool weighted, bool keyed)
{
	static double v[ROWS], wv[ROWS];
	int64_t first[KEYS + 1], ngroups = 0, *order;
	stage_error err;

	/* the groups' first rows, in order */
	for (int64_t r = 0; r < ROWS; r++) {
		int64_t j = 0;

		while (j < ngroups && !(keyed ? same_group(d, first[j], r) : true))
			j++;
		if (j == ngroups)
			first[ngroups++] = r;
	}
	for (int64_t j = 0; j < ngroups; j++) {
		int64_t r = first[j];
		int64_t g = keyed ? moments_groups_of_row(t->groups, &d->batch->cols[0], r) : 0;

		ck_assert_int_lt(g, t->ngroups);
		ck_assert_int_eq(t->first_row[g], r);
		for (int c = 0; c < 2; c++) {
			moments_counts want = {0};
			const moments_cell *cell = &t->cells[g * (int64_t)t->ncols + c];
			moments_result res;
			ref_result ref;
			size_t n = 0;
			char what[96];

			for (int64_t i = r; i < ROWS; i++) {
				double x = c ? (double)d->y[i] : d->x[i];

				if (keyed && !same_group(d, r, i))
					continue;
				if (weighted && (d->w_null[i] || isnan(d->w[i]))) {
					want.nulls++;
					continue;
				}
				if (weighted && d->w[i] == 0)
					continue;
				if (c == 0 && d->x_null[i])
					want.nulls++;
				else if (isnan(x))
					want.nan++;
				else if (isinf(x))
					want.neginf++;
				else {
					want.n++;
					wv[n] = weighted ? d->w[i] : 1;
					v[n++] = x;
				}
			}
			snprintf(what, sizeof what, "group of row %lld, column %d", (long long)r, c);
			ck_assert_msg(memcmp(&cell->counts, &want, sizeof want) == 0, "%s: counts differ",
			              what);
			for (int pop = 0; pop < 2; pop++) {
				moments_acc_result(&cell->acc, &cell->counts, pop, false, &res);
				ref_stats(v, wv, n, pop, &ref);
				ref_check(&res, &ref, TOL, what);
			}
		}
	}
	ck_assert_int_eq(t->ngroups, ngroups);
	/* the order of first appearance */
	order = moments_table_order(t, &err);
	ck_assert_ptr_nonnull(order);
	for (int64_t i = 1; i < t->ngroups; i++)
		ck_assert_int_lt(t->first_row[order[i - 1]], t->first_row[order[i]]);
	free(order);
}

static moments_table *new_table(bool keyed)
{
	static char *const names[] = {"x", "y"};
	stage_error err;
	moments_table *t = moments_table_new(keyed ? STAGE_INT64 : 0, &err);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(moments_table_set_names(t, names, 2, &err), 0);
	return t;
}

/* Rows in pieces into several tables, merged in a scrambled order, against
 * all rows into one table: both against the reference. */
static void feed_and_merge(bool keyed, bool weighted, uint64_t seed)
{
	static const int cols[] = {1, 2};
	const moments_plan p = {.key = keyed ? 0 : -1, .weight = weighted ? 3 : -1,
	                        .weight_name = "w", .ncols = 2, .cols = cols};
	static const int64_t cuts[] = {0, 1, 2, 700, 9000, 9001, 15000, 29999, ROWS};
	enum { NT = sizeof cuts / sizeof *cuts - 1 };
	static const int merge_order[NT - 1] = {5, 2, 4, 0, 3, 6, 1};
	data *d = make_data(seed);
	moments_table *all = new_table(keyed), *part[NT];
	stage_error err;

	ck_assert_int_eq(moments_table_feed(all, &p, d->batch, 0, 12345, 0, &err), 0);
	ck_assert_int_eq(moments_table_feed(all, &p, d->batch, 12345, ROWS, 0, &err), 0);
	check_table(all, d, weighted, keyed);

	for (int k = 0; k < NT; k++) {
		part[k] = new_table(keyed);
		ck_assert_msg(moments_table_feed(part[k], &p, d->batch, cuts[k], cuts[k + 1], 0, &err) == 0,
		              "%s", err.msg);
	}
	/* merge into the table of the last rows: its group numbers start from
	 * keys that appeared late */
	for (int k = 0; k < NT - 1; k++) {
		ck_assert_int_eq(moments_table_merge(part[NT - 1], part[merge_order[k]], &err), 0);
		moments_table_free(part[merge_order[k]]);
	}
	check_table(part[NT - 1], d, weighted, keyed);
	moments_table_free(part[NT - 1]);
	moments_table_free(all);
	free_data(d);
}

START_TEST(table_keyed_merge)
{
	feed_and_merge(true, false, 101);
}
END_TEST

START_TEST(table_keyed_weighted_merge)
{
	feed_and_merge(true, true, 102);
}
END_TEST

START_TEST(table_unkeyed_merge)
{
	feed_and_merge(false, false, 103);
	feed_and_merge(false, true, 104);
}
END_TEST

/* Groups fed in one order and merged from a table that saw them earlier:
 * the order follows the first rows, not the group numbers. */
START_TEST(table_order_after_merge)
{
	static const int64_t k1[] = {30, 10, 30, 20}, k2[] = {40, 20, 10};
	static const int cols[] = {1};
	static char *const names[] = {"v"};
	const moments_plan p = {.key = 0, .weight = -1, .ncols = 1, .cols = cols};
	stage_error err;
	moments_table *late = moments_table_new(STAGE_INT64, &err), *early = moments_table_new(STAGE_INT64, &err);
	stage_schema *s = stage_schema_new();
	stage_builder b;
	stage_batch *b1, *b2;
	int64_t *order;
	static const int64_t want[] = {40, 20, 10, 30};

	ck_assert_int_eq(stage_schema_add(s, "k", STAGE_INT64, &err), 0);
	ck_assert_int_eq(stage_schema_add(s, "v", STAGE_FLOAT64, &err), 0);
	ck_assert_int_eq(moments_table_set_names(late, names, 1, &err), 0);
	ck_assert_int_eq(moments_table_set_names(early, names, 1, &err), 0);
	ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
	for (int i = 0; i < 4; i++) {
		stage_col_append_i64(&b.cols[0], k1[i]);
		stage_col_append_f64(&b.cols[1], i);
	}
	ck_assert_int_eq(stage_builder_finish(&b, &b1, &err), 0);
	for (int i = 0; i < 3; i++) {
		stage_col_append_i64(&b.cols[0], k2[i]);
		stage_col_append_f64(&b.cols[1], i);
	}
	ck_assert_int_eq(stage_builder_finish(&b, &b2, &err), 0);
	stage_builder_release(&b);
	/* b2 holds input rows 0-2, b1 rows 3-6 */
	ck_assert_int_eq(moments_table_feed(late, &p, b1, 0, 4, 3, &err), 0);
	ck_assert_int_eq(moments_table_feed(early, &p, b2, 0, 3, 0, &err), 0);
	ck_assert_int_eq(moments_table_merge(late, early, &err), 0);
	ck_assert_int_eq(late->ngroups, 4);
	order = moments_table_order(late, &err);
	ck_assert_ptr_nonnull(order);
	col_begin(&b, STAGE_INT64);
	for (int i = 0; i < 4; i++)
		moments_groups_append_key(late->groups, order[i], &b.cols[0]);
	stage_batch *keys = col_end(&b);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(stage_array_i64(&keys->cols[0], i), want[i]);
	/* group 30: rows 3 and 5 with values 0 and 2 */
	{
		int64_t g = moments_groups_of_row(late->groups, &b1->cols[0], 0);

		ck_assert_int_eq(late->first_row[g], 3);
		ck_assert_int_eq(late->cells[g].counts.n, 2);
		ck_assert_double_eq(late->cells[g].acc.w, 2);
		ck_assert_double_eq(moments_acc_mean(&late->cells[g].acc), 1);
	}
	free(order);
	stage_batch_free(keys);
	stage_batch_free(b1);
	stage_batch_free(b2);
	stage_schema_free(s);
	moments_table_free(late);
	moments_table_free(early);
}
END_TEST

/* A column added after groups exist: old cells unchanged, new ones empty,
 * and feeding goes on into both. */
START_TEST(table_column_added)
{
	static const int one[] = {1}, two[] = {1, 2};
	const moments_plan p1 = {.key = 0, .weight = -1, .ncols = 1, .cols = one};
	const moments_plan p2 = {.key = 0, .weight = -1, .ncols = 2, .cols = two};
	data *d = make_data(105);
	stage_error err;
	moments_table *t = moments_table_new(STAGE_INT64, &err), *ref = NULL;
	moments_cell *saved;
	int64_t ng;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(moments_table_column(t, "x", &err), 0);
	ck_assert_int_eq(moments_table_feed(t, &p1, d->batch, 0, 20000, 0, &err), 0);
	ng = t->ngroups;
	ck_assert_int_gt(ng, 10);
	ck_assert_int_gt(t->cap, ng - 1);
	saved = malloc((size_t)ng * sizeof *saved);
	ck_assert_ptr_nonnull(saved);
	memcpy(saved, t->cells, (size_t)ng * sizeof *saved);

	ck_assert_int_eq(moments_table_column(t, "y", &err), 1);
	ck_assert_int_eq(moments_table_column(t, "x", &err), 0);
	ck_assert_int_eq(moments_table_column(t, "y", &err), 1);
	ck_assert_uint_eq(t->ncols, 2);
	ck_assert_str_eq(t->names[0], "x");
	ck_assert_str_eq(t->names[1], "y");
	ck_assert_int_eq(t->ngroups, ng);
	for (int64_t g = 0; g < ng; g++) {
		const moments_cell *c = &t->cells[g * 2 + 1];

		ck_assert_msg(memcmp(&t->cells[g * 2], &saved[g], sizeof *saved) == 0,
		              "group %lld: column x changed", (long long)g);
		ck_assert_double_eq(c->acc.w, 0);
		ck_assert_int_eq(c->counts.n + c->counts.nulls + c->counts.nan, 0);
		ck_assert(c->acc.min == INFINITY && c->acc.max == -INFINITY);
	}
	/* the rest of the rows into both columns; x then holds every row, y
	 * the rows from 20000 on */
	ck_assert_int_eq(moments_table_feed(t, &p2, d->batch, 20000, ROWS, 0, &err), 0);
	ref = new_table(true);
	ck_assert_int_eq(moments_table_feed(ref, &p2, d->batch, 20000, ROWS, 0, &err), 0);
	for (int64_t j = 0; j < ref->ngroups; j++) {
		int64_t g = moments_groups_of_group(t->groups, ref->groups, j);

		ck_assert_mem_eq(&t->cells[g * 2 + 1], &ref->cells[j * 2 + 1], sizeof(moments_cell));
	}
	{
		/* x against the reference over all rows */
		moments_table *all = new_table(true);

		ck_assert_int_eq(moments_table_feed(all, &p2, d->batch, 0, ROWS, 0, &err), 0);
		ck_assert_int_eq(all->ngroups, t->ngroups);
		for (int64_t j = 0; j < all->ngroups; j++) {
			int64_t g = moments_groups_of_group(t->groups, all->groups, j);
			moments_result a, b;

			ck_assert_mem_eq(&t->cells[g * 2].counts, &all->cells[j * 2].counts,
			                 sizeof(moments_counts));
			moments_acc_result(&t->cells[g * 2].acc, &t->cells[g * 2].counts, false, false, &a);
			moments_acc_result(&all->cells[j * 2].acc, &all->cells[j * 2].counts, false, false, &b);
			for (int s = 0; s < MOMENTS_NSTATS; s++)
				ck_assert(a.valid[s] == b.valid[s] &&
				          (!a.valid[s] || fabs(a.v[s] - b.v[s]) <= 1e-12 * fmax(1, fabs(b.v[s]))));
		}
		moments_table_free(all);
	}
	free(saved);
	moments_table_free(ref);
	moments_table_free(t);
	free_data(d);
}
END_TEST

/* A weight that is not a frequency stops the feed, naming its row. */
START_TEST(table_bad_weight)
{
	static const int cols[] = {1};
	static char *const names[] = {"v"};
	const moments_plan p = {.key = -1, .weight = 0, .weight_name = "w", .ncols = 1, .cols = cols};
	const double bad[] = {-2, INFINITY, -INFINITY};
	stage_error err;

	for (int k = 0; k < 3; k++) {
		moments_table *t = moments_table_new(0, &err);
		stage_schema *s = stage_schema_new();
		stage_builder b;
		stage_batch *batch;

		ck_assert_int_eq(moments_table_set_names(t, names, 1, &err), 0);
		ck_assert_int_eq(stage_schema_add(s, "w", STAGE_FLOAT64, &err), 0);
		ck_assert_int_eq(stage_schema_add(s, "v", STAGE_FLOAT64, &err), 0);
		ck_assert_int_eq(stage_builder_init(&b, s, &err), 0);
		stage_col_append_f64(&b.cols[0], 1);
		stage_col_append_f64(&b.cols[1], 5);
		stage_col_append_f64(&b.cols[0], bad[k]);
		stage_col_append_f64(&b.cols[1], 6);
		batch = col_end(&b);
		err = (stage_error){0};
		ck_assert_int_eq(moments_table_feed(t, &p, batch, 0, 2, 10, &err), -1);
		ck_assert_int_eq(err.status, STAGE_EXIT_BAD_INPUT);
		ck_assert_msg(strstr(err.msg, "'w'") && strstr(err.msg, "row 12"), "%s", err.msg);
		stage_batch_free(batch);
		stage_schema_free(s);
		moments_table_free(t);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("moments_groups");
	TCase *keys = tcase_create("keys"), *table = tcase_create("table");

	tcase_set_timeout(keys, 120);
	tcase_set_timeout(table, 120);
	tcase_add_test(keys, int64_and_timestamp_keys);
	tcase_add_test(keys, float64_keys);
	tcase_add_test(keys, float32_keys);
	tcase_add_test(keys, bool_keys);
	tcase_add_test(keys, utf8_keys);
	tcase_add_test(keys, binary_keys);
	tcase_add_test(keys, million_int64_keys);
	tcase_add_test(keys, many_string_keys);
	tcase_add_test(keys, groups_of_group);
	tcase_add_test(table, table_keyed_merge);
	tcase_add_test(table, table_keyed_weighted_merge);
	tcase_add_test(table, table_unkeyed_merge);
	tcase_add_test(table, table_order_after_merge);
	tcase_add_test(table, table_column_added);
	tcase_add_test(table, table_bad_weight);
	suite_add_tcase(s, keys);
	suite_add_tcase(s, table);
	return run_suite(s);
}
