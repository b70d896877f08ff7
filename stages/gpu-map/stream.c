/* Batches through the device (see stream.h). A batch larger than the
 * device's largest buffer runs as several launches over row ranges that
 * start at multiples of CHUNK_ALIGN rows, so that every range of every
 * column, bitmaps included, starts on an aligned address. */
#include <stdlib.h>
#include <string.h>

#include "stream.h"

/* Row ranges start at multiples of this: a bitmap's range then starts at
 * a multiple of 512 bytes. */
#define CHUNK_ALIGN 4096
/* Work-items per work-group, at most. */
#define MAX_LOCAL 256

static int cl_fail(stage_error *err, const char *what, cl_int rc)
{
	return stage_error_set(err, STAGE_EXIT_FAILURE, "%s: %s", what, gm_cl_strerror(rc));
}

int gm_stream_init(gm_stream *s, stage_error *err)
{
	cl_command_queue_properties props = s->profile ? CL_QUEUE_PROFILING_ENABLE : 0;
	cl_uint base_bits = 0;
	size_t wg = 0;
	cl_int rc;

	for (int i = 0; i < 2; i++) {
		s->queue[i] = clCreateCommandQueue(s->ctx, s->dev->id, props, &rc);
		if (rc != CL_SUCCESS)
			return cl_fail(err, "clCreateCommandQueue", rc);
	}
	s->zero_copy = s->dev->unified && !s->copy;
	if (clGetKernelWorkGroupInfo(s->kernel, s->dev->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg,
	                             &wg, NULL) != CL_SUCCESS || wg == 0)
		wg = 1;
	s->local = wg < MAX_LOCAL ? wg : MAX_LOCAL;
	s->align = 64;
	if (clGetDeviceInfo(s->dev->id, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof base_bits, &base_bits,
	                    NULL) == CL_SUCCESS &&
	    base_bits / 8 > s->align && base_bits / 8 <= 4096)
		s->align = base_bits / 8;
	if (!s->max_alloc || (s->dev->max_alloc && s->max_alloc > s->dev->max_alloc))
		s->max_alloc = s->dev->max_alloc ? s->dev->max_alloc : (128u << 20);
	for (size_t i = 0; i < s->nparams; i++) {
		gm_param *p = &s->params[i];

		if (p->kind == GM_SCALAR && (rc = clSetKernelArg(s->kernel, (cl_uint)i, p->scalar_size,
		                                                 p->scalar)) != CL_SUCCESS)
			return stage_error_set(err, STAGE_EXIT_USAGE, "kernel parameter %zu: %s", i + 1,
			                       gm_cl_strerror(rc));
	}
	return 0;
}

void gm_stream_release(gm_stream *s)
{
	for (int i = 0; i < 2; i++) {
		if (s->queue[i])
			clReleaseCommandQueue(s->queue[i]);
		s->queue[i] = NULL;
	}
}

struct gm_pending {
	stage_batch *in, *out;
	cl_command_queue q;
	size_t nchunks;
	void **outbuf;    /* 2 per output slot: values, validity bytes */
	void **scratch;   /* nchunks * nparams: converted or aligned copies */
	cl_mem *mems;     /* nchunks * nparams */
	void **mapped;    /* nchunks * nparams: mapped outputs (zero-copy) */
	cl_event *events; /* nchunks kernel events (--stats) */
};

static void *aligned(size_t align, size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, align, n ? n : 1) != 0)
		return NULL;
	return p;
}

static size_t value_width(stage_type t)
{
	return t == STAGE_FLOAT32 ? 4 : 8;
}

/* Bytes per row of an output slot on the device (bool: a byte). */
static size_t out_width(const gm_out *o)
{
	if (o->type == STAGE_BOOL)
		return 1;
	return o->type == STAGE_FLOAT32 || o->from_float ? 4 : 8;
}

/* The host memory of parameter i for rows [start, start + rows) of chunk
 * c, in device layout; *bytes its size. NULL with *bytes 0: a NULL
 * argument. */
static const void *host_mem(gm_stream *s, gm_pending *p, size_t c, size_t i, int64_t start,
                            int64_t rows, size_t *bytes, stage_error *err)
{
	const gm_param *pa = &s->params[i];
	const stage_array *a;
	const unsigned char *src;
	void **copy = &p->scratch[c * s->nparams + i];

	*bytes = 0;
	switch (pa->kind) {
	case GM_OUT:
		*bytes = (size_t)rows * out_width(&s->outs[pa->col]);
		return (unsigned char *)p->outbuf[2 * pa->col] +
		       (size_t)start * out_width(&s->outs[pa->col]);
	case GM_OUT_VALID:
		*bytes = (size_t)rows;
		return (unsigned char *)p->outbuf[2 * pa->col + 1] + start;
	case GM_IN_BITS:
		a = &p->in->cols[pa->col];
		src = pa->validity ? a->validity : a->values;
		if (!src)
			return NULL;
		src += start / 8;
		*bytes = (size_t)(rows + 7) / 8;
		break;
	case GM_IN:
		a = &p->in->cols[pa->col];
		if (pa->to_float) {
			const double *d = (const double *)a->values + start;
			float *f;

			if (!*copy && !(*copy = aligned(s->align, (size_t)rows * sizeof *f))) {
				stage_error_oom(err, "aligned buffer");
				return NULL;
			}
			f = *copy;
			for (int64_t r = 0; r < rows; r++)
				f[r] = (float)d[r];
			*bytes = (size_t)rows * sizeof *f;
			return f;
		}
		*bytes = (size_t)rows * value_width(a->type);
		src = (const unsigned char *)a->values + (size_t)start * value_width(a->type);
		break;
	default:
		return NULL;
	}
	if (!s->zero_copy || (uintptr_t)src % s->align == 0)
		return src;
	/* CL_MEM_USE_HOST_PTR wants aligned memory: copy this range. */
	if (!*copy && !(*copy = aligned(s->align, *bytes))) {
		stage_error_oom(err, "aligned buffer");
		return NULL;
	}
	memcpy(*copy, src, *bytes);
	s->bytes_realigned += *bytes;
	return *copy;
}

/* Enqueues chunk c, rows [start, start + rows): buffers, the kernel, and
 * the reads or maps of its results. */
static int enqueue_chunk(gm_stream *s, gm_pending *p, size_t c, int64_t start, int64_t rows,
                         stage_error *err)
{
	size_t global = ((size_t)rows + s->local - 1) / s->local * s->local;
	cl_mem *mems = &p->mems[c * s->nparams];
	cl_int rc;

	for (size_t i = 0; i < s->nparams; i++) {
		const gm_param *pa = &s->params[i];
		bool out = pa->kind == GM_OUT || pa->kind == GM_OUT_VALID;
		cl_mem_flags flags = out ? CL_MEM_WRITE_ONLY : CL_MEM_READ_ONLY;
		stage_error local_err = {0};
		size_t bytes;
		const void *host;

		if (pa->kind == GM_ROWS) {
			cl_long n = rows;

			if ((rc = clSetKernelArg(s->kernel, (cl_uint)i, sizeof n, &n)) != CL_SUCCESS)
				return cl_fail(err, "clSetKernelArg (row count)", rc);
			continue;
		}
		if (pa->kind == GM_SCALAR)
			continue;
		host = host_mem(s, p, c, i, start, rows, &bytes, &local_err);
		if (!host && local_err.status) {
			*err = local_err;
			return -1;
		}
		if (host) {
			if (s->zero_copy)
				flags |= CL_MEM_USE_HOST_PTR;
			mems[i] = clCreateBuffer(s->ctx, flags, bytes, s->zero_copy ? (void *)host : NULL,
			                         &rc);
			if (rc != CL_SUCCESS)
				return cl_fail(err, "clCreateBuffer", rc);
			if (!out && !s->zero_copy &&
			    (rc = clEnqueueWriteBuffer(p->q, mems[i], CL_FALSE, 0, bytes, host, 0, NULL,
			                               NULL)) != CL_SUCCESS)
				return cl_fail(err, "clEnqueueWriteBuffer", rc);
			if (!out)
				s->bytes_to_device += bytes;
		}
		if ((rc = clSetKernelArg(s->kernel, (cl_uint)i, sizeof(cl_mem), &mems[i])) !=
		    CL_SUCCESS)
			return cl_fail(err, "clSetKernelArg", rc);
	}
	rc = clEnqueueNDRangeKernel(p->q, s->kernel, 1, NULL, &global, &s->local, 0, NULL,
	                            s->profile ? &p->events[c] : NULL);
	if (rc != CL_SUCCESS)
		return cl_fail(err, "clEnqueueNDRangeKernel", rc);
	s->launches++;
	for (size_t i = 0; i < s->nparams; i++) {
		const gm_param *pa = &s->params[i];
		size_t bytes;
		const void *host;

		if (pa->kind != GM_OUT && pa->kind != GM_OUT_VALID)
			continue;
		host = host_mem(s, p, c, i, start, rows, &bytes, err);
		s->bytes_from_device += bytes;
		if (s->zero_copy)
			p->mapped[c * s->nparams + i] =
				clEnqueueMapBuffer(p->q, mems[i], CL_FALSE, CL_MAP_READ, 0, bytes, 0, NULL,
			                       NULL, &rc);
		else
			rc = clEnqueueReadBuffer(p->q, mems[i], CL_FALSE, 0, bytes, (void *)host, 0, NULL,
			                         NULL);
		if (rc != CL_SUCCESS)
			return cl_fail(err, "reading results", rc);
	}
	return 0;
}

void gm_pending_free(gm_stream *s, gm_pending *p)
{
	size_t n;

	if (!p)
		return;
	n = p->nchunks * s->nparams;
	if (p->q)
		clFinish(p->q);
	for (size_t i = 0; p->mems && i < n; i++) {
		if (p->mapped[i])
			clEnqueueUnmapMemObject(p->q, p->mems[i], p->mapped[i], 0, NULL, NULL);
	}
	if (p->q)
		clFinish(p->q);
	for (size_t i = 0; p->mems && i < n; i++) {
		if (p->mems[i])
			clReleaseMemObject(p->mems[i]);
		free(p->scratch[i]);
	}
	for (size_t c = 0; p->events && c < p->nchunks; c++)
		if (p->events[c])
			clReleaseEvent(p->events[c]);
	for (size_t k = 0; p->outbuf && k < 2 * s->nouts; k++)
		free(p->outbuf[k]);
	free(p->outbuf);
	free(p->scratch);
	free(p->mems);
	free(p->mapped);
	free(p->events);
	stage_batch_free(p->in);
	stage_batch_free(p->out);
	free(p);
}

/* Bytes (0 or 1) to an LSB-first bitmap; returns the zero count. */
static int64_t pack_bits(const unsigned char *bytes, int64_t n, uint8_t *bits)
{
	int64_t zeros = 0;

	memset(bits, 0, (size_t)(n + 7) / 8);
	for (int64_t i = 0; i < n; i++) {
		if (bytes[i])
			bits[i >> 3] |= (uint8_t)(1u << (i & 7));
		else
			zeros++;
	}
	return zeros;
}

/* Turns the device layout of output slot k into an Arrow column of out. */
static int finish_column(gm_stream *s, size_t k, void **outbuf, int64_t n, stage_batch *out,
                         stage_error *err)
{
	const gm_out *o = &s->outs[k];
	stage_array *a;
	void *values = outbuf[2 * k];

	if (o->column < 0)
		return 0; /* replaced by a later assignment of the same name */
	a = &out->cols[o->column];
	*a = (stage_array){.type = o->type, .length = n};
	if (o->type == STAGE_BOOL || o->from_float) {
		void *conv = malloc(o->type == STAGE_BOOL ? (size_t)(n + 7) / 8 + 1 : (size_t)(n ? n : 1) * 8);

		if (!conv)
			return stage_error_oom(err, "results");
		if (o->type == STAGE_BOOL)
			pack_bits(values, n, conv);
		else
			for (int64_t i = 0; i < n; i++)
				((double *)conv)[i] = ((float *)values)[i];
		free(values);
		values = conv;
	}
	outbuf[2 * k] = NULL;
	a->values = values;
	if (stage_batch_own(out, values, err) < 0)
		return -1;
	if (o->has_valid) {
		uint8_t *bits = malloc((size_t)(n + 7) / 8 + 1);

		if (!bits)
			return stage_error_oom(err, "results");
		a->null_count = pack_bits(outbuf[2 * k + 1], n, bits);
		if (a->null_count == 0) {
			free(bits);
			return 0;
		}
		a->validity = bits;
		if (stage_batch_own(out, bits, err) < 0)
			return -1;
	}
	return 0;
}

/* Rows per launch: the widest buffer of a launch stays within max_alloc. */
static int64_t chunk_rows(const gm_stream *s)
{
	size_t widest = 1;
	int64_t chunk;

	for (size_t k = 0; k < s->nouts; k++)
		if (out_width(&s->outs[k]) > widest)
			widest = out_width(&s->outs[k]);
	for (size_t i = 0; i < s->nparams; i++)
		if (s->params[i].kind == GM_IN)
			widest = 8;
	chunk = (int64_t)(s->max_alloc / widest) / CHUNK_ALIGN * CHUNK_ALIGN;
	return chunk < CHUNK_ALIGN ? CHUNK_ALIGN : chunk;
}

int gm_stream_submit(gm_stream *s, stage_batch *in, stage_batch *out, gm_pending **pp,
                     stage_error *err)
{
	int64_t n = in->nrows, chunk = chunk_rows(s);
	gm_pending *p = calloc(1, sizeof *p);
	size_t c = 0;

	*pp = NULL;
	if (!p)
		return stage_error_oom(err, "buffers");
	p->in = stage_batch_ref(in);
	p->out = stage_batch_ref(out);
	p->q = s->queue[s->submitted++ & 1];
	p->nchunks = (size_t)((n + chunk - 1) / chunk);
	p->outbuf = calloc(2 * s->nouts + 1, sizeof *p->outbuf);
	p->scratch = calloc(p->nchunks * s->nparams + 1, sizeof *p->scratch);
	p->mems = calloc(p->nchunks * s->nparams + 1, sizeof *p->mems);
	p->mapped = calloc(p->nchunks * s->nparams + 1, sizeof *p->mapped);
	p->events = calloc(p->nchunks + 1, sizeof *p->events);
	if (!p->outbuf || !p->scratch || !p->mems || !p->mapped || !p->events) {
		stage_error_oom(err, "buffers");
		goto fail;
	}
	for (size_t k = 0; k < s->nouts; k++)
		if (!(p->outbuf[2 * k] = aligned(s->align, (size_t)n * out_width(&s->outs[k]) + 8)) ||
		    (s->outs[k].has_valid && !(p->outbuf[2 * k + 1] = aligned(s->align, (size_t)n + 8)))) {
			stage_error_oom(err, "results");
			goto fail;
		}
	for (int64_t start = 0; start < n; start += chunk, c++)
		if (enqueue_chunk(s, p, c, start, n - start < chunk ? n - start : chunk, err) < 0)
			goto fail;
	/* Start the device on it while the caller reads the next batch. */
	clFlush(p->q);
	*pp = p;
	return 0;
fail:
	gm_pending_free(s, p);
	return -1;
}

int gm_stream_wait(gm_stream *s, gm_pending *p, stage_error *err)
{
	cl_int rc;
	int ret = -1;

	if (!p)
		return 0;
	if ((rc = clFinish(p->q)) != CL_SUCCESS) {
		cl_fail(err, "running the kernel", rc);
		goto out;
	}
	for (size_t c = 0; c < p->nchunks; c++) {
		cl_ulong t0 = 0, t1 = 0;

		if (!p->events[c])
			continue;
		clGetEventProfilingInfo(p->events[c], CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
		clGetEventProfilingInfo(p->events[c], CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
		if (t1 > t0)
			s->kernel_ms += (double)(t1 - t0) / 1e6;
	}
	/* Mapped results are in the host memory (USE_HOST_PTR); a driver
	 * that mapped elsewhere gets them copied. */
	for (size_t c = 0; c < p->nchunks; c++) {
		int64_t chunk = chunk_rows(s), start = (int64_t)c * chunk;
		int64_t rows = p->in->nrows - start < chunk ? p->in->nrows - start : chunk;

		for (size_t i = 0; i < s->nparams; i++) {
			void *m = p->mapped[c * s->nparams + i];
			size_t bytes;
			const void *host;

			if (!m)
				continue;
			host = host_mem(s, p, c, i, start, rows, &bytes, err);
			if (m != host)
				memcpy((void *)host, m, bytes);
			clEnqueueUnmapMemObject(p->q, p->mems[c * s->nparams + i], m, 0, NULL, NULL);
			p->mapped[c * s->nparams + i] = NULL;
		}
	}
	if ((rc = clFinish(p->q)) != CL_SUCCESS) {
		cl_fail(err, "reading results", rc);
		goto out;
	}
	for (size_t k = 0; k < s->nouts; k++)
		if (finish_column(s, k, p->outbuf, p->in->nrows, p->out, err) < 0)
			goto out;
	ret = 0;
out:
	gm_pending_free(s, p);
	return ret;
}
