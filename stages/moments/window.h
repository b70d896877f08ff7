/* --window N: statistics over the last N rows of each group, after every
 * row. Each window is a queue kept as two stacks of accumulators (the
 * older part holds suffix merges, the newer one running sum), so a row
 * costs O(1) merges amortised and nothing is ever subtracted: removing a
 * value by inverting the update would lose the small moments of a quiet
 * stretch in the rounding of a loud one. Memory: about 250 bytes per row
 * of window, per group and column. */
#ifndef MOMENTS_WINDOW_H
#define MOMENTS_WINDOW_H

#include "report.h"

typedef struct moments_windows moments_windows;

moments_windows *moments_windows_new(int64_t size, stage_type key_type, char *const *names,
                                     size_t ncols, stage_error *err);
void moments_windows_free(moments_windows *ws);
/* Adds every row of b and appends, for each, one output row per column
 * (the statistics of that row's window) to out. row_base: rows before b. */
int moments_windows_feed(moments_windows *ws, const moments_plan *p, const moments_report *r,
                         const stage_batch *b, int64_t row_base, stage_builder *out,
                         stage_error *err);

#endif
