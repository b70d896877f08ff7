/* Batches through the device: one kernel launch (or several, when a batch
 * is larger than the device's largest buffer) per input batch, its
 * results placed as columns of the output batch.
 *
 * On a CPU device or one with host-unified memory the column buffers are
 * used in place (CL_MEM_USE_HOST_PTR, suitably aligned; a misaligned
 * column is copied into aligned memory) and results are read by map/unmap;
 * on a discrete device they are copied to and from device buffers.
 * Submissions alternate between two in-order queues and return at once,
 * so that while one batch is on the device the caller reads the next and
 * submits it: its uploads overlap the previous batch's kernel. */
#ifndef GPU_MAP_STREAM_H
#define GPU_MAP_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "cl.h"
#include "device.h"
#include "stage.h"

typedef enum gm_param_kind {
	GM_IN,       /* an input column's values (int64 as long, float64, float32) */
	GM_IN_BITS,  /* an input bitmap: validity, or a bool column's values;
	                NULL when `validity` and the column has no nulls */
	GM_OUT,      /* an output's values */
	GM_OUT_VALID,/* an output's validity, one byte per row */
	GM_ROWS,     /* the row count, as a long */
	GM_SCALAR,   /* a constant argument */
} gm_param_kind;

typedef struct gm_param {
	gm_param_kind kind;
	int col;       /* GM_IN, GM_IN_BITS: input schema index; GM_OUT*: output slot */
	bool validity; /* GM_IN_BITS: the validity bitmap, not a bool's values */
	bool to_float; /* GM_IN of a float64 column: converted to float */
	unsigned char scalar[8];
	size_t scalar_size;
} gm_param;

/* What one output slot holds. */
typedef struct gm_out {
	stage_type type;  /* the column type written to the output batch */
	int column;       /* its index in the output batch; -1: not written */
	bool from_float;  /* float64 result computed as float */
	bool has_valid;   /* a GM_OUT_VALID parameter gives its nulls */
} gm_out;

typedef struct gm_stream {
	/* set by the caller */
	const gm_device *dev;
	cl_context ctx;
	cl_kernel kernel;
	gm_param *params;
	size_t nparams;
	gm_out *outs;
	size_t nouts;
	uint64_t max_alloc; /* 0: the device's */
	bool profile;       /* time the kernels (--stats) */
	bool copy;          /* copy to and from device buffers even on a
	                       unified-memory device (--buffers copy) */
	/* stats */
	double kernel_ms;
	uint64_t launches;
	uint64_t bytes_to_device, bytes_from_device;
	uint64_t bytes_realigned; /* input copied to aligned memory (zero-copy) */
	/* private */
	cl_command_queue queue[2];
	uint64_t submitted;
	bool zero_copy;
	size_t local;
	size_t align;
} gm_stream;

/* One batch on the device. */
typedef struct gm_pending gm_pending;

int gm_stream_init(gm_stream *s, stage_error *err);
/* Enqueues the kernel over in's rows; the results go to the output slots'
 * columns of `out` (which has in->nrows rows) at gm_stream_wait(). Takes a
 * reference to both batches until then. At most two submissions may be
 * pending. */
int gm_stream_submit(gm_stream *s, stage_batch *in, stage_batch *out, gm_pending **p,
                     stage_error *err);
/* Waits for p and sets out's columns, handing it their memory; frees p.
 * NULL p: nothing to do. */
int gm_stream_wait(gm_stream *s, gm_pending *p, stage_error *err);
/* After an error: waits for the device, then frees p (NULL: nothing). */
void gm_pending_free(gm_stream *s, gm_pending *p);
void gm_stream_release(gm_stream *s);

#endif
