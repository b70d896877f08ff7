/* Reading partial states back (--merge), trusting nothing in them. */
#ifndef MOMENTS_PARTIAL_H
#define MOMENTS_PARTIAL_H

#include "report.h"

/* Checks that s is a partial-state schema; fills r's key and weighted. */
int moments_partial_check_schema(const stage_schema *s, moments_report *r, stage_error *err);
/* Merges every state of b into t; row_base is the number of state rows
 * read before b. A state that cannot be one is an error (BAD_INPUT). */
int moments_partial_read(moments_table *t, const moments_report *r, const stage_batch *b,
                         int64_t row_base, stage_error *err);

#endif
