#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char *const stat_names[MOMENTS_NSTATS] = {
	[MOMENTS_MEAN] = "mean", [MOMENTS_VAR] = "var", [MOMENTS_SD] = "sd",
	[MOMENTS_SKEW] = "skew", [MOMENTS_KURT] = "kurt", [MOMENTS_MIN] = "min",
	[MOMENTS_MAX] = "max",   [MOMENTS_SUM] = "sum",
};

/* The partial state's columns after the counts, in moments_acc's order. */
static const char *const state_names[] = {
	"weight", "pivot", "s", "s_c", "m2", "m2_c", "m3", "m3_c", "m4", "m4_c", "min", "max",
};

static int add_columns(stage_schema *s, const char *const *names, size_t n, stage_type t,
                       stage_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (stage_schema_add(s, names[i], t, err) < 0)
			return -1;
	return 0;
}

stage_schema *moments_report_schema(const moments_report *r, stage_error *err)
{
	static const char *const counts[] = {"n", "nulls", "nan", "inf"};
	static const char *const partial_counts[] = {"n", "nulls", "nan", "posinf", "neginf"};
	stage_schema *s = stage_schema_new();
	int rc = 0;

	if (!s) {
		stage_error_oom(err, "schema");
		return NULL;
	}
	if (r->row_column)
		rc = stage_schema_add(s, "row", STAGE_INT64, err);
	if (rc == 0 && r->key_name)
		rc = stage_schema_add(s, r->key_name, r->key_type, err);
	if (rc == 0)
		rc = stage_schema_add(s, "column", STAGE_UTF8, err);
	if (rc == 0 && r->partial)
		rc = add_columns(s, partial_counts, 5, STAGE_INT64, err) < 0 ||
		     add_columns(s, state_names, sizeof state_names / sizeof *state_names,
		                 STAGE_FLOAT64, err) < 0 ||
		     stage_metadata_set(&s->metadata, MOMENTS_PARTIAL_KEY, MOMENTS_PARTIAL_VERSION,
		                        err) < 0 ||
		     stage_metadata_set(&s->metadata, MOMENTS_WEIGHTED_KEY,
		                        r->weighted ? "true" : "false", err) < 0
		             ? -1
		             : 0;
	else if (rc == 0)
		rc = add_columns(s, counts, 4, STAGE_INT64, err) < 0 ||
		     add_columns(s, stat_names, MOMENTS_NSTATS, STAGE_FLOAT64, err) < 0 ||
		     (r->weighted && stage_schema_add(s, "weight", STAGE_FLOAT64, err) < 0)
		             ? -1
		             : 0;
	if (rc < 0) {
		stage_schema_free(s);
		return NULL;
	}
	return s;
}

static void append_state(stage_column_builder *c, const moments_cell *cell)
{
	const moments_acc *a = &cell->acc;
	const moments_counts *k = &cell->counts;
	const double state[] = {a->w,  a->pivot, a->s,  a->s_c, a->m2,  a->m2_c,
	                        a->m3, a->m3_c,  a->m4, a->m4_c, a->min, a->max};

	stage_col_append_i64(c++, k->n);
	stage_col_append_i64(c++, k->nulls);
	stage_col_append_i64(c++, k->nan);
	stage_col_append_i64(c++, k->posinf);
	stage_col_append_i64(c++, k->neginf);
	for (size_t i = 0; i < sizeof state / sizeof *state; i++)
		stage_col_append_f64(c++, state[i]);
}

static void append_stats(const moments_report *r, stage_column_builder *c,
                         const moments_cell *cell)
{
	moments_result res;

	moments_acc_result(&cell->acc, &cell->counts, r->population, r->propagate, &res);
	stage_col_append_i64(c++, cell->counts.n);
	stage_col_append_i64(c++, cell->counts.nulls);
	stage_col_append_i64(c++, cell->counts.nan);
	stage_col_append_i64(c++, cell->counts.posinf + cell->counts.neginf);
	for (int i = 0; i < MOMENTS_NSTATS; i++, c++) {
		if (res.valid[i])
			stage_col_append_f64(c, res.v[i]);
		else
			stage_col_append_null(c);
	}
	if (r->weighted)
		stage_col_append_f64(c, cell->acc.w);
}

void moments_report_append(const moments_report *r, stage_builder *b, int64_t row,
                           const moments_groups *groups, int64_t group, const char *column,
                           const moments_cell *cell)
{
	stage_column_builder *c = b->cols;

	if (r->row_column)
		stage_col_append_i64(c++, row);
	if (r->key_name)
		moments_groups_append_key(groups, group, c++);
	stage_col_append_bytes(c++, column, strlen(column));
	if (r->partial)
		append_state(c, cell);
	else
		append_stats(r, c, cell);
}

int moments_report_write(const moments_report *r, const moments_table *t, int64_t row,
                         const stage_schema *s, stage_output *out, int64_t batch_rows,
                         stage_error *err)
{
	stage_builder b = {0};
	stage_batch *batch = NULL;
	int64_t *order = moments_table_order(t, err);
	int rc = -1;

	if (!order || stage_builder_init(&b, s, err) < 0)
		goto done;
	for (int64_t i = 0; i < t->ngroups; i++) {
		int64_t g = order[i];

		for (size_t c = 0; c < t->ncols; c++)
			moments_report_append(r, &b, row, t->groups, g, t->names[c],
			                      &t->cells[g * (int64_t)t->ncols + c]);
		if (b.cols[0].length >= batch_rows || i + 1 == t->ngroups) {
			if (stage_builder_finish(&b, &batch, err) < 0 ||
			    stage_output_write(out, batch, err) < 0)
				goto done;
			stage_batch_free(batch);
			batch = NULL;
		}
	}
	rc = 0;
done:
	stage_batch_free(batch);
	stage_builder_release(&b);
	free(order);
	return rc;
}
