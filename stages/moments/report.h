/* What moments writes: final statistics, or the partial states that
 * --merge reads back. */
#ifndef MOMENTS_REPORT_H
#define MOMENTS_REPORT_H

#include "table.h"

/* The schema metadata that marks a partial-state stream, and its version. */
#define MOMENTS_PARTIAL_KEY "pipestage:moments"
#define MOMENTS_PARTIAL_VERSION "partial-1"
#define MOMENTS_WEIGHTED_KEY "pipestage:moments-weighted"

typedef struct moments_report {
	bool partial;      /* write states, not statistics */
	bool population;
	bool propagate;    /* --nan=propagate */
	bool weighted;     /* add the weight column */
	bool row_column;   /* --every, --window: the row the statistics end at */
	const char *key_name; /* NULL when not grouped */
	stage_type key_type;
} moments_report;

stage_schema *moments_report_schema(const moments_report *r, stage_error *err);

/* Appends one cell's output row (row: for the row column). */
void moments_report_append(const moments_report *r, stage_builder *b, int64_t row,
                           const moments_groups *groups, int64_t group, const char *column,
                           const moments_cell *cell);

/* Writes every (group, column) of t, groups in order of first appearance,
 * in batches of at most batch_rows rows. */
int moments_report_write(const moments_report *r, const moments_table *t, int64_t row,
                         const stage_schema *s, stage_output *out, int64_t batch_rows,
                         stage_error *err);

#endif
