/* Accumulators for every (group, column) pair: what one worker, one
 * snapshot or one merge holds. */
#ifndef MOMENTS_TABLE_H
#define MOMENTS_TABLE_H

#include "acc.h"
#include "groups.h"

typedef struct moments_cell {
	moments_acc acc;
	moments_counts counts;
} moments_cell;

/* Which input columns play which part. */
typedef struct moments_plan {
	int key;              /* key column index, or -1 */
	int weight;           /* weight column index, or -1 */
	const char *weight_name;
	size_t ncols;
	const int *cols;      /* described columns */
} moments_plan;

typedef struct moments_table {
	moments_groups *groups; /* NULL when not grouped: one group, number 0 */
	size_t ncols;
	char **names;           /* described columns' names */
	moments_cell *cells;    /* cells[group * ncols + column] */
	int64_t *first_row;     /* per group: the input row it first appeared in */
	int64_t ngroups, cap;
} moments_table;

/* key_type 0: not grouped. Columns get their names later (set_names or
 * column_index). */
moments_table *moments_table_new(stage_type key_type, stage_error *err);
void moments_table_free(moments_table *t);
/* Names the described columns (copies). */
int moments_table_set_names(moments_table *t, char *const *names, size_t n, stage_error *err);
/* The index of the column called name, added when new. */
int moments_table_column(moments_table *t, const char *name, stage_error *err);
/* The cell of row i's group (key column k) for column 0, the group's
 * others following it; NULL when out of memory. row is the row's number
 * in the whole input. */
moments_cell *moments_table_row_cells(moments_table *t, const stage_array *k, int64_t i,
                                      int64_t row);

/* Adds rows [from, to) of batch b; row_base is the number of rows before b
 * in the input. Fails only on a bad weight or out of memory. */
int moments_table_feed(moments_table *t, const moments_plan *p, const stage_batch *b,
                       int64_t from, int64_t to, int64_t row_base, stage_error *err);
/* t := t merged with other (same columns, same key type). */
int moments_table_merge(moments_table *t, const moments_table *other, stage_error *err);
/* Group numbers in order of first appearance in the input. */
int64_t *moments_table_order(const moments_table *t, stage_error *err);

#endif
