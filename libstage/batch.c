/* Record batches: column views plus the memory they point into, and the few
 * whole-batch operations stages need (project, truncate). */
#include <stdlib.h>

#include "stage_internal.h"

stage_batch *stage_batch_new(size_t ncols, stage_error *err)
{
	stage_batch *b = calloc(1, sizeof(*b));

	if (!b || (ncols && !(b->cols = calloc(ncols, sizeof(stage_array))))) {
		free(b);
		stage_error_oom(err, "batch");
		return NULL;
	}
	b->ncols = ncols;
	b->refs = 1;
	return b;
}

stage_batch *stage_batch_ref(stage_batch *b)
{
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

int stage_batch_own(stage_batch *b, void *mem, stage_error *err)
{
	void **owned;

	if (!mem)
		return 0;
	owned = realloc(b->owned, (b->nowned + 1) * sizeof(*owned));
	if (!owned) {
		free(mem);
		return stage_error_oom(err, "batch");
	}
	b->owned = owned;
	b->owned[b->nowned++] = mem;
	return 0;
}

void stage_batch_free(stage_batch *b)
{
	if (!b || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	stage_batch_free(b->parent);
	for (size_t i = 0; i < b->nowned; i++)
		free(b->owned[i]);
	free(b->owned);
	free(b->cols);
	stage_metadata_clear(&b->metadata);
	free(b);
}

stage_batch *stage_batch_project(stage_batch *src, const int *cols, size_t ncols,
                                 stage_error *err)
{
	stage_batch *b = stage_batch_new(ncols, err);

	if (!b)
		return NULL;
	b->parent = stage_batch_ref(src);
	b->nrows = src->nrows;
	for (size_t i = 0; i < ncols; i++)
		b->cols[i] = src->cols[cols[i]];
	return b;
}

int64_t stage_bitmap_count_zeros(const uint8_t *bits, int64_t n)
{
	int64_t ones = 0, i = 0;

	for (; i + 8 <= n; i += 8)
		ones += __builtin_popcount(bits[i >> 3]);
	for (; i < n; i++)
		ones += stage_bit(bits, i);
	return n - ones;
}

void stage_batch_truncate(stage_batch *b, int64_t n)
{
	if (n >= b->nrows)
		return;
	b->nrows = n;
	for (size_t i = 0; i < b->ncols; i++) {
		stage_array *a = &b->cols[i];

		a->length = n;
		if (a->validity) {
			a->null_count = stage_bitmap_count_zeros(a->validity, n);
			if (a->null_count == 0)
				a->validity = NULL;
		}
	}
}
