/* The distinct values of a key column, numbered in order of first
 * appearance: memory grows with the number of groups, never with rows. */
#ifndef MOMENTS_GROUPS_H
#define MOMENTS_GROUPS_H

#include "stage.h"

typedef struct moments_groups moments_groups;

moments_groups *moments_groups_new(stage_type key_type, stage_error *err);
void moments_groups_free(moments_groups *g);
int64_t moments_groups_count(const moments_groups *g);

/* The group of row i of key column k (of the groups' key type), added when
 * new. Returns its number, or -1 when out of memory. Float keys compare by
 * value (-0 and 0 are one group, every NaN is one group); null is a group. */
int64_t moments_groups_of_row(moments_groups *g, const stage_array *k, int64_t i);
/* Rows per call of moments_groups_of_rows(). */
#define MOMENTS_GROUPS_CHUNK 1024

/* The groups of rows [from, from + n) into out, n <= MOMENTS_GROUPS_CHUNK:
 * the same as moments_groups_of_row() on each, with the table's memory
 * fetched some rows ahead. Returns 0, or -1 when out of memory. */
int moments_groups_of_rows(moments_groups *g, const stage_array *k, int64_t from, size_t n,
                           int64_t *out);
/* The group in g holding the same key as group j of other (same key type). */
int64_t moments_groups_of_group(moments_groups *g, const moments_groups *other, int64_t j);
/* Appends group j's key to an output column of the key type. */
void moments_groups_append_key(const moments_groups *g, int64_t j, stage_column_builder *col);

#endif
