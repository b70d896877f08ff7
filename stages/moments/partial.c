#include <math.h>
#include <string.h>

#include "partial.h"

/* Columns after the key: column, five counts, twelve state values. */
#define STATE_COLUMNS 18

int moments_partial_check_schema(const stage_schema *s, moments_report *r, stage_error *err)
{
	moments_report want = {.partial = true};
	const char *version = stage_metadata_get(&s->metadata, MOMENTS_PARTIAL_KEY);
	const char *weighted = stage_metadata_get(&s->metadata, MOMENTS_WEIGHTED_KEY);
	stage_schema *expect;
	int rc;

	if (!version)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "--merge: the input is not partial states (make them with "
		                       "moments --partial)");
	if (strcmp(version, MOMENTS_PARTIAL_VERSION) != 0)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "--merge: partial states of version '%s', this moments reads '%s'",
		                       version, MOMENTS_PARTIAL_VERSION);
	if (s->ncols == STATE_COLUMNS + 1) {
		want.key_name = s->fields[0].name;
		want.key_type = s->fields[0].type;
	}
	want.weighted = weighted && strcmp(weighted, "true") == 0;
	expect = moments_report_schema(&want, err);
	if (!expect)
		return -1;
	rc = stage_schema_compare(expect, s, err);
	stage_schema_free(expect);
	if (rc < 0)
		return stage_error_prefix(err, "--merge: not a partial-state stream");
	r->key_name = want.key_name;
	r->key_type = want.key_type;
	r->weighted = want.weighted;
	return 0;
}

/* What makes a state impossible; NULL when it is consistent. */
static const char *state_problem(const moments_cell *c)
{
	const moments_acc *a = &c->acc;
	const double v[] = {a->w, a->pivot, a->s, a->s_c, a->m2, a->m2_c,
	                    a->m3, a->m3_c, a->m4, a->m4_c};

	if (c->counts.n < 0 || c->counts.nulls < 0 || c->counts.nan < 0 ||
	    c->counts.posinf < 0 || c->counts.neginf < 0)
		return "a negative count";
	for (size_t i = 0; i < sizeof v / sizeof *v; i++)
		if (!isfinite(v[i]))
			return "a value that is not finite";
	if (a->w < 0 || a->m2 < 0 || a->m4 < 0)
		return "a negative weight or even moment";
	if (c->counts.n == 0)
		return a->w == 0 && a->s == 0 && a->m2 == 0 && a->m3 == 0 && a->m4 == 0 &&
		                       a->min == INFINITY && a->max == -INFINITY
		               ? NULL
		               : "moments without values";
	/* The pivot is one of the values, but an int64 pivot near 2^63 is
	 * 2^63 - 1024 where the values round to 2^63: allow that much. */
	if (a->w == 0 || !isfinite(a->min) || !isfinite(a->max) ||
	    !(a->min - fabs(a->min) * 0x1p-52 <= a->pivot &&
	      a->pivot <= a->max + fabs(a->max) * 0x1p-52))
		return "a weight or range that does not match its values";
	return NULL;
}

int moments_partial_read(moments_table *t, const moments_report *r, const stage_batch *b,
                         int64_t row_base, stage_error *err)
{
	const stage_array *key = r->key_name ? &b->cols[0] : NULL;
	const stage_array *cols = b->cols + (key ? 1 : 0);

	for (size_t c = 1; c < STATE_COLUMNS; c++)
		if (cols[c].null_count)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "--merge: partial states hold nulls (state column %zu)",
			                       c + 1);
	for (int64_t i = 0; i < b->nrows; i++) {
		moments_cell s = {0}, *cells;
		const char *problem;
		char name[256];
		size_t len;
		const uint8_t *p;
		int col;

		if (stage_array_is_null(&cols[0], i))
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "--merge: state %lld has no column name",
			                       (long long)(row_base + i + 1));
		p = stage_array_bytes(&cols[0], i, &len);
		if (len >= sizeof name)
			len = sizeof name - 1;
		memcpy(name, p, len);
		name[len] = '\0';
		s.counts = (moments_counts){
			.n = stage_array_i64(&cols[1], i),
			.nulls = stage_array_i64(&cols[2], i),
			.nan = stage_array_i64(&cols[3], i),
			.posinf = stage_array_i64(&cols[4], i),
			.neginf = stage_array_i64(&cols[5], i),
		};
		s.acc = (moments_acc){
			.w = stage_array_f64(&cols[6], i),
			.pivot = stage_array_f64(&cols[7], i),
			.s = stage_array_f64(&cols[8], i),
			.s_c = stage_array_f64(&cols[9], i),
			.m2 = stage_array_f64(&cols[10], i),
			.m2_c = stage_array_f64(&cols[11], i),
			.m3 = stage_array_f64(&cols[12], i),
			.m3_c = stage_array_f64(&cols[13], i),
			.m4 = stage_array_f64(&cols[14], i),
			.m4_c = stage_array_f64(&cols[15], i),
			.min = stage_array_f64(&cols[16], i),
			.max = stage_array_f64(&cols[17], i),
		};
		problem = state_problem(&s);
		if (problem)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "--merge: state %lld (column '%s') is corrupt: %s",
			                       (long long)(row_base + i + 1), name, problem);
		col = moments_table_column(t, name, err);
		if (col < 0)
			return -1;
		cells = moments_table_row_cells(t, key, i, row_base + i);
		if (!cells)
			return stage_error_oom(err, "moments table");
		if (moments_counts_add(&cells[col].counts, &s.counts) < 0)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "--merge: state %lld (column '%s') is corrupt: its counts "
			                       "overflow the total",
			                       (long long)(row_base + i + 1), name);
		moments_acc_merge(&cells[col].acc, &s.acc);
	}
	return 0;
}
