/* The VM: runs a plan's instructions over one block of rows of a batch,
 * with a thread's scratch (plan.h) as registers. */
#ifndef EVAL_VM_H
#define EVAL_VM_H

#include "compile.h"

/* Where a block's results go: the job's buffers for the whole batch. */
typedef struct ev_block_io {
	const stage_batch *in;
	void *const *values;    /* per assignment: int64/float values, bool bitmap */
	uint8_t *const *valid;  /* per assignment: validity bitmap */
	uint8_t *has_null;      /* per assignment: set to 1 by a block with nulls */
	uint8_t *mask;          /* --where: one byte per row, 1 = keep */
} ev_block_io;

/* Rows [start, start + n) with n <= EV_BLOCK and start a multiple of 8.
 * Returns 0, or -1 with err set (a regex failing at run time). */
int ev_vm_run(const ev_plan *p, ev_scratch *s, const ev_block_io *io, int64_t start, size_t n,
              stage_error *err);

#endif
