/* One batch through a plan: the output buffers for the whole batch,
 * ranges of rows run block by block (from any thread), then the output
 * batch, sharing the input's memory where a column passes through and
 * compacted to the rows --where kept. */
#include <stdlib.h>
#include <string.h>

#include "vm.h"

struct ev_job {
	stage_batch *in;
	int64_t nrows;
	size_t nassign;
	void **values;  /* per assignment, computed ones only */
	uint8_t **valid;
	uint8_t *has_null; /* per assignment, see ev_block_io */
	uint8_t *mask;
	ev_block_io io;
};

static size_t value_bytes(ev_type t, int64_t n)
{
	switch (t) {
	case EV_BOOL:
		return (size_t)(n + 7) / 8;
	case EV_FLOAT32:
		return (size_t)n * 4;
	default:
		return (size_t)n * 8;
	}
}

/* At least 8 bytes, so an empty batch's buffers are real pointers. */
static void *alloc_bytes(size_t n)
{
	return malloc(n < 8 ? 8 : n);
}

void ev_job_free(ev_job *job)
{
	if (!job)
		return;
	stage_batch_free(job->in);
	for (size_t k = 0; k < job->nassign; k++) {
		if (job->values)
			free(job->values[k]);
		if (job->valid)
			free(job->valid[k]);
	}
	free(job->values);
	free(job->valid);
	free(job->has_null);
	free(job->mask);
	free(job);
}

static int check_batch(const ev_plan *p, const stage_batch *in, stage_error *err)
{
	if (in->ncols != p->nin)
		return stage_error_set(err, STAGE_EXIT_FAILURE,
		                       "batch has %zu columns, expected %zu", in->ncols, p->nin);
	for (size_t i = 0; i < in->ncols; i++)
		if (in->cols[i].type != p->in_types[i] || in->cols[i].length != in->nrows)
			return stage_error_set(err, STAGE_EXIT_FAILURE,
			                       "batch column %zu does not match the schema", i + 1);
	return 0;
}

int ev_job_begin(const ev_plan *p, stage_batch *in, ev_job **out, stage_error *err)
{
	ev_job *job;

	if (check_batch(p, in, err) < 0)
		return -1;
	job = calloc(1, sizeof(*job));
	if (!job)
		return stage_error_oom(err, "job");
	job->in = stage_batch_ref(in);
	job->nrows = in->nrows;
	job->nassign = p->nassign;
	job->values = calloc(p->nassign + 1, sizeof(void *));
	job->valid = calloc(p->nassign + 1, sizeof(uint8_t *));
	job->has_null = calloc(p->nassign + 1, 1);
	if (!job->values || !job->valid || !job->has_null)
		goto oom;
	for (size_t k = 0; k < p->nassign; k++) {
		if (!p->computed[k])
			continue;
		job->values[k] = alloc_bytes(value_bytes(p->assign_type[k], in->nrows));
		job->valid[k] = alloc_bytes(value_bytes(EV_BOOL, in->nrows));
		if (!job->values[k] || !job->valid[k])
			goto oom;
	}
	if (p->has_where && !(job->mask = alloc_bytes((size_t)in->nrows)))
		goto oom;
	job->io = (ev_block_io){.in = in, .values = job->values, .valid = job->valid,
	                        .has_null = job->has_null, .mask = job->mask};
	*out = job;
	return 0;
oom:
	ev_job_free(job);
	return stage_error_oom(err, "job");
}

int ev_job_range(const ev_plan *p, ev_scratch *s, ev_job *job, int64_t start, int64_t end,
                 stage_error *err)
{
	if (start < 0 || start > end || end > job->nrows || start % EV_RANGE_ALIGN)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "bad row range %lld..%lld",
		                       (long long)start, (long long)end);
	for (int64_t b = start; b < end; b += EV_BLOCK) {
		size_t n = (size_t)(end - b < EV_BLOCK ? end - b : EV_BLOCK);

		if (ev_vm_run(p, s, &job->io, b, n, err) < 0)
			return -1;
	}
	return 0;
}

/* The array of a computed assignment over the whole batch; its bitmap is
 * counted only when some block had nulls. */
static stage_array computed_array(const ev_job *job, int k)
{
	stage_array a = {.length = job->nrows, .values = job->values[k]};

	if (!job->has_null[k])
		return a;
	a.null_count = stage_bitmap_count_zeros(job->valid[k], job->nrows);
	a.validity = a.null_count ? job->valid[k] : NULL;
	return a;
}

/* Allocates n bytes that the batch owns. */
static void *batch_alloc(stage_batch *b, size_t n, stage_error *err)
{
	void *mem = alloc_bytes(n);

	if (!mem) {
		stage_error_oom(err, "output column");
		return NULL;
	}
	return stage_batch_own(b, mem, err) < 0 ? NULL : mem;
}

static int compact_bits(stage_batch *b, const uint8_t *src, const uint8_t *mask, int64_t n,
                        int64_t kept, const uint8_t **out, stage_error *err)
{
	uint8_t *bits = batch_alloc(b, (size_t)(kept + 7) / 8, err);
	int64_t j = 0;

	if (!bits)
		return -1;
	memset(bits, 0, (size_t)(kept + 7) / 8);
	for (int64_t i = 0; i < n; i++)
		if (mask[i]) {
			bits[j >> 3] |= (uint8_t)(stage_bit(src, i) << (j & 7));
			j++;
		}
	*out = bits;
	return 0;
}

static int compact_varwidth(stage_batch *b, stage_array *a, const uint8_t *mask, int64_t kept,
                            stage_error *err)
{
	int32_t *offsets = batch_alloc(b, (size_t)(kept + 1) * sizeof(int32_t), err);
	size_t total = 0;
	uint8_t *data;
	int64_t j = 0;

	if (!offsets)
		return -1;
	for (int64_t i = 0; i < a->length; i++)
		if (mask[i])
			total += (size_t)(a->offsets[i + 1] - a->offsets[i]);
	data = batch_alloc(b, total, err);
	if (!data)
		return -1;
	offsets[0] = 0;
	for (int64_t i = 0; i < a->length; i++) {
		size_t len;
		const uint8_t *v;

		if (!mask[i])
			continue;
		v = stage_array_bytes(a, i, &len);
		memcpy(data + offsets[j], v, len);
		offsets[j + 1] = offsets[j] + (int32_t)len;
		j++;
	}
	a->offsets = offsets;
	a->values = data;
	return 0;
}

static int compact_fixed(stage_batch *b, stage_array *a, const uint8_t *mask, int64_t kept,
                         stage_error *err)
{
	size_t w = stage_type_width(a->type);
	uint8_t *dst = batch_alloc(b, (size_t)kept * w, err);
	const uint8_t *src = a->values;
	int64_t j = 0;

	if (!dst)
		return -1;
	if (w == 8) {
		for (int64_t i = 0; i < a->length; i++)
			if (mask[i])
				memcpy(dst + 8 * j++, src + 8 * i, 8);
	} else {
		for (int64_t i = 0; i < a->length; i++)
			if (mask[i])
				memcpy(dst + w * (size_t)j++, src + w * (size_t)i, w);
	}
	a->values = dst;
	return 0;
}

/* The kept rows of a, in new memory that b owns. */
static int compact(stage_batch *b, stage_array *a, const uint8_t *mask, int64_t kept,
                   stage_error *err)
{
	int rc;

	if (a->type == STAGE_BOOL)
		rc = compact_bits(b, a->values, mask, a->length, kept, (const uint8_t **)&a->values,
		                  err);
	else if (stage_type_is_varwidth(a->type))
		rc = compact_varwidth(b, a, mask, kept, err);
	else
		rc = compact_fixed(b, a, mask, kept, err);
	if (rc < 0)
		return -1;
	if (a->validity) {
		if (compact_bits(b, a->validity, mask, a->length, kept, &a->validity, err) < 0)
			return -1;
		a->null_count = stage_bitmap_count_zeros(a->validity, kept);
		if (!a->null_count)
			a->validity = NULL;
	}
	a->length = kept;
	return 0;
}

static int64_t count_kept(const uint8_t *mask, int64_t n)
{
	int64_t kept = 0;

	for (int64_t i = 0; i < n; i++)
		kept += mask[i];
	return kept;
}

static bool in_output(const ev_plan *p, size_t k)
{
	for (size_t i = 0; i < p->nout; i++)
		if (p->out[i].kind == EV_R_COMPUTED && p->out[i].index == (int)k)
			return true;
	return false;
}

/* Hands the computed buffers that b's columns point into to b, and frees
 * the others (results only --where or later assignments read, and all of
 * them when b holds compacted copies). */
static int hand_over(const ev_plan *p, ev_job *job, stage_batch *b, bool compacted,
                     stage_error *err)
{
	int rc = 0;

	for (size_t k = 0; k < job->nassign; k++) {
		if (!p->computed[k])
			continue;
		if (compacted || !in_output(p, k)) {
			free(job->values[k]);
			free(job->valid[k]);
		} else {
			rc |= stage_batch_own(b, job->values[k], err);
			if (job->has_null[k])
				rc |= stage_batch_own(b, job->valid[k], err);
			else
				free(job->valid[k]);
		}
		job->values[k] = job->valid[k] = NULL;
	}
	return rc ? -1 : 0;
}

int ev_job_finish(const ev_plan *p, ev_job *job, stage_batch **out, stage_error *err)
{
	int64_t kept = job->mask ? count_kept(job->mask, job->nrows) : job->nrows;
	bool compacting = kept < job->nrows;
	stage_batch *b = stage_batch_new(p->nout, err);

	if (!b)
		goto fail;
	b->nrows = kept;
	/* pass-through columns point into the input */
	if (!compacting)
		b->parent = stage_batch_ref(job->in);
	for (size_t i = 0; i < p->nout; i++) {
		const ev_result *r = &p->out[i];
		stage_array a;

		a = r->kind == EV_R_INPUT ? job->in->cols[r->index] : computed_array(job, r->index);
		a.type = r->type;
		if (compacting && compact(b, &a, job->mask, kept, err) < 0)
			goto fail;
		a.residual = NULL;
		b->cols[i] = a;
	}
	if (hand_over(p, job, b, compacting, err) < 0)
		goto fail;
	ev_job_free(job);
	*out = b;
	return 0;
fail:
	stage_batch_free(b);
	ev_job_free(job);
	return -1;
}
