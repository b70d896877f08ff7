/* Feeding column values into accumulators: nulls, NaN and infinities are
 * counted and kept out; the rest go in as deviations from the
 * accumulator's pivot, computed exactly for int64 columns, and for float64
 * columns read from text with the digits the double lost (the residual)
 * added back. */
#ifndef MOMENTS_FEED_H
#define MOMENTS_FEED_H

#include "acc.h"
#include "stage.h"

/* True for the column types moments describes: int64, float64, float32. */
bool moments_type_is_numeric(stage_type t);

/* Adds rows [from, to) of column a, each with weight 1, in blocks. */
void moments_feed_rows(moments_acc *acc, moments_counts *c, const stage_array *a,
                       int64_t from, int64_t to);
/* Adds row i of column a with weight w (w > 0, finite) one value at a time. */
void moments_feed_row(moments_acc *acc, moments_counts *c, const stage_array *a, int64_t i,
                      double w);

/* Row i's weight from column w: 1 when w is NULL. Returns 1 with *out > 0,
 * 0 when the row is to be skipped (weight 0), 2 when the weight is null or
 * NaN (the row counts as null), or -1 when the weight is negative or
 * infinite (err says which row; row_base is the batch's first row number). */
int moments_weight_at(const stage_array *w, const char *name, int64_t i, int64_t row_base,
                      double *out, stage_error *err);

#endif
