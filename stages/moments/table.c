#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "table.h"

/* Rows between fetching a row's cells and updating them. */
#define CELL_PREFETCH 8

moments_table *moments_table_new(stage_type key_type, stage_error *err)
{
	moments_table *t = calloc(1, sizeof *t);

	if (!t) {
		stage_error_oom(err, "moments table");
		return NULL;
	}
	if (key_type && !(t->groups = moments_groups_new(key_type, err))) {
		free(t);
		return NULL;
	}
	return t;
}

void moments_table_free(moments_table *t)
{
	if (!t)
		return;
	for (size_t c = 0; c < t->ncols; c++)
		free(t->names[c]);
	free(t->names);
	free(t->cells);
	free(t->first_row);
	moments_groups_free(t->groups);
	free(t);
}

static void init_cells(moments_cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		moments_acc_init(&cells[i].acc);
		cells[i].counts = (moments_counts){0};
	}
}

/* Room for group number g (and every one before it). */
static int reserve_group(moments_table *t, int64_t g)
{
	if (g < t->cap) {
		if (g >= t->ngroups) {
			init_cells(t->cells + t->ngroups * (int64_t)t->ncols,
			           (size_t)(g + 1 - t->ngroups) * t->ncols);
			for (int64_t j = t->ngroups; j <= g; j++)
				t->first_row[j] = INT64_MAX;
			t->ngroups = g + 1;
		}
		return 0;
	}
	int64_t cap = t->cap ? t->cap * 2 : 64;

	while (cap <= g)
		cap *= 2;
	moments_cell *cells = realloc(t->cells, (size_t)cap * (t->ncols ? t->ncols : 1) * sizeof *cells);
	if (!cells)
		return -1;
	t->cells = cells;
	int64_t *first = realloc(t->first_row, (size_t)cap * sizeof *first);
	if (!first)
		return -1;
	t->first_row = first;
	t->cap = cap;
	return reserve_group(t, g);
}

int moments_table_set_names(moments_table *t, char *const *names, size_t n, stage_error *err)
{
	for (size_t c = 0; c < n; c++)
		if (moments_table_column(t, names[c], err) < 0)
			return -1;
	return 0;
}

int moments_table_column(moments_table *t, const char *name, stage_error *err)
{
	size_t c, ncols = t->ncols + 1;
	char **names;
	moments_cell *cells;

	for (c = 0; c < t->ncols; c++)
		if (strcmp(t->names[c], name) == 0)
			return (int)c;
	names = realloc(t->names, ncols * sizeof *names);
	if (names)
		t->names = names;
	cells = names ? malloc((size_t)(t->cap ? t->cap : 1) * ncols * sizeof *cells) : NULL;
	if (!cells || !(t->names[t->ncols] = strdup(name))) {
		free(cells);
		return stage_error_oom(err, "moments table");
	}
	/* Re-lay the cells out with one more column per group. */
	for (int64_t g = 0; g < t->ngroups; g++) {
		memcpy(cells + g * (int64_t)ncols, t->cells + g * (int64_t)t->ncols,
		       t->ncols * sizeof *cells);
		init_cells(cells + g * (int64_t)ncols + t->ncols, 1);
	}
	free(t->cells);
	t->cells = cells;
	t->ncols = ncols;
	return (int)(ncols - 1);
}

moments_cell *moments_table_row_cells(moments_table *t, const stage_array *k, int64_t i,
                                      int64_t row)
{
	int64_t g = t->groups ? moments_groups_of_row(t->groups, k, i) : 0;

	if (g < 0 || reserve_group(t, g) < 0)
		return NULL;
	if (row < t->first_row[g])
		t->first_row[g] = row;
	return &t->cells[g * (int64_t)t->ncols];
}

/* Not grouped, not weighted: whole column ranges, in blocks. */
static int feed_columns(moments_table *t, const moments_plan *p, const stage_batch *b,
                        int64_t from, int64_t to, int64_t row_base, stage_error *err)
{
	moments_cell *cells = moments_table_row_cells(t, NULL, 0, row_base + from);

	if (!cells)
		return stage_error_oom(err, "moments table");
	for (size_t c = 0; c < p->ncols; c++)
		moments_feed_rows(&cells[c].acc, &cells[c].counts, &b->cols[p->cols[c]], from, to);
	return 0;
}

/* Rows [from, from + n) of a chunk into their groups: all the lookups
 * first (they fetch ahead), then the updates, each fetching the cells of a
 * row some rows ahead, since with many groups every access is a miss. */
static int feed_chunk(moments_table *t, const moments_plan *p, const stage_batch *b,
                      int64_t from, size_t n, int64_t row_base, stage_error *err)
{
	const stage_array *key = p->key >= 0 ? &b->cols[p->key] : NULL;
	const stage_array *weight = p->weight >= 0 ? &b->cols[p->weight] : NULL;
	int64_t gids[MOMENTS_GROUPS_CHUNK], known = t->ngroups, last = 0;

	if (key && moments_groups_of_rows(t->groups, key, from, n, gids) < 0)
		return stage_error_oom(err, "group table");
	for (size_t j = 0; j < n; j++) {
		if (!key)
			gids[j] = 0;
		last = gids[j] > last ? gids[j] : last;
	}
	if (reserve_group(t, last) < 0)
		return stage_error_oom(err, "moments table");
	for (size_t j = 0; j < n; j++)
		if (gids[j] >= known && row_base + from + (int64_t)j < t->first_row[gids[j]])
			t->first_row[gids[j]] = row_base + from + (int64_t)j;
	for (size_t j = 0; j < n; j++) {
		int64_t i = from + (int64_t)j;
		moments_cell *cells = &t->cells[gids[j] * (int64_t)t->ncols];
		double w;
		int rc = moments_weight_at(weight, p->weight_name, i, row_base, &w, err);

		if (j + CELL_PREFETCH < n)
			__builtin_prefetch(&t->cells[gids[j + CELL_PREFETCH] * (int64_t)t->ncols]);
		if (rc < 0)
			return -1;
		for (size_t c = 0; c < p->ncols && rc; c++) {
			if (rc == 2)
				cells[c].counts.nulls++;
			else
				moments_feed_row(&cells[c].acc, &cells[c].counts, &b->cols[p->cols[c]], i, w);
		}
	}
	return 0;
}

int moments_table_feed(moments_table *t, const moments_plan *p, const stage_batch *b,
                       int64_t from, int64_t to, int64_t row_base, stage_error *err)
{
	if (p->key < 0 && p->weight < 0)
		return feed_columns(t, p, b, from, to, row_base, err);
	for (int64_t i = from; i < to; i += MOMENTS_GROUPS_CHUNK) {
		size_t n = to - i < MOMENTS_GROUPS_CHUNK ? (size_t)(to - i) : MOMENTS_GROUPS_CHUNK;

		if (feed_chunk(t, p, b, i, n, row_base, err) < 0)
			return -1;
	}
	return 0;
}

int moments_table_merge(moments_table *t, const moments_table *other, stage_error *err)
{
	for (int64_t j = 0; j < other->ngroups; j++) {
		int64_t g = t->groups ? moments_groups_of_group(t->groups, other->groups, j) : 0;

		if (g < 0 || reserve_group(t, g) < 0)
			return stage_error_oom(err, "moments table");
		if (other->first_row[j] < t->first_row[g])
			t->first_row[g] = other->first_row[j];
		for (size_t c = 0; c < t->ncols; c++) {
			moments_cell *dst = &t->cells[g * (int64_t)t->ncols + c];
			const moments_cell *src = &other->cells[j * (int64_t)other->ncols + c];

			if (moments_counts_add(&dst->counts, &src->counts) < 0)
				return stage_error_set(err, STAGE_EXIT_FAILURE,
				                       "counts of column '%s' overflow", t->names[c]);
			moments_acc_merge(&dst->acc, &src->acc);
		}
	}
	return 0;
}

static int compare_first_row(const void *a, const void *b, void *ctx)
{
	const int64_t *first = ctx;
	int64_t x = first[*(const int64_t *)a], y = first[*(const int64_t *)b];

	return (x > y) - (x < y);
}

int64_t *moments_table_order(const moments_table *t, stage_error *err)
{
	int64_t *order = malloc((size_t)(t->ngroups ? t->ngroups : 1) * sizeof *order);

	if (!order) {
		stage_error_oom(err, "group order");
		return NULL;
	}
	for (int64_t g = 0; g < t->ngroups; g++)
		order[g] = g;
	qsort_r(order, (size_t)t->ngroups, sizeof *order, compare_first_row, t->first_row);
	return order;
}
