/* A stage's output: an Arrow stream, or text when asked for or when stdout
 * is a terminal. Text formatting can fan out over worker threads: each
 * formats whole batches into memory, and the results go out in input order. */
#include <stdlib.h>
#include <unistd.h>

#include "stage_internal.h"
#include "stage_pool.h"

/* One worker's formatter: a rows-only text writer over a memory sink. */
struct formatter {
	stage_sink *mem;
	stage_text_writer *text;
};

struct chunk {
	uint8_t *p;
	size_t n;
};

struct stage_output {
	stage_sink *sink;
	stage_ipc_writer *ipc;
	stage_text_writer *text;
	stage_out_format format;
	const stage_schema *schema;
	stage_pool *pool;
	struct formatter *fmt;
	int nfmt;
	bool header_done;
	const stage_input *input; /* when it goes idle, formatted rows go out */
};

int stage_output_open(stage_output **out, int fd, stage_out_format format,
                      const stage_schema *s, stage_error *err)
{
	stage_output *o = calloc(1, sizeof(*o));
	int rc;

	if (!o)
		return stage_error_oom(err, "output");
	o->sink = stage_sink_new(fd, err);
	if (!o->sink)
		goto fail;
	if (format == STAGE_OUT_AUTO)
		format = isatty(fd) ? STAGE_OUT_TABLE : STAGE_OUT_ARROW;
	o->format = format;
	o->schema = s;
	if (format == STAGE_OUT_ARROW)
		rc = stage_ipc_writer_open(&o->ipc, o->sink, s, err);
	else
		rc = stage_text_writer_open(&o->text, o->sink, format, s, err);
	if (rc < 0)
		goto fail;
	*out = o;
	return 0;
fail:
	stage_output_free(o);
	return -1;
}

static int format_batch(void *ctx, int worker, void *item, void **result, stage_error *err)
{
	struct formatter *f = &((struct formatter *)ctx)[worker];
	stage_batch *b = item;
	struct chunk *c = malloc(sizeof(*c));
	int rc = -1;

	if (!c)
		stage_error_oom(err, "output chunk");
	else if (stage_text_writer_write(f->text, b, err) == 0 &&
	         stage__sink_take(f->mem, &c->p, &c->n, err) == 0)
		rc = 0;
	stage_batch_free(b);
	if (rc < 0) {
		free(c);
		return -1;
	}
	*result = c;
	return 0;
}

int stage_output_set_workers(stage_output *o, int workers, bool ordered, stage_error *err)
{
	if (workers <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		workers = n > 0 ? (int)n : 1;
	}
	/* Arrow needs no formatting, and a table's column widths depend on
	 * the rows before: those stay on one thread. */
	if (workers < 2 || o->pool ||
	    (o->format != STAGE_OUT_TSV && o->format != STAGE_OUT_CSV &&
	     o->format != STAGE_OUT_JSONL))
		return 0;
	o->fmt = calloc((size_t)workers, sizeof(*o->fmt));
	if (!o->fmt)
		return stage_error_oom(err, "output workers");
	o->nfmt = workers;
	for (int i = 0; i < workers; i++) {
		o->fmt[i].mem = stage__sink_new_memory(err);
		if (!o->fmt[i].mem ||
		    stage_text_writer_open(&o->fmt[i].text, o->fmt[i].mem, o->format, o->schema,
		                           err) < 0)
			return -1;
		stage__text_writer_rows_only(o->fmt[i].text);
	}
	return stage_pool_new(&o->pool, workers, ordered, format_batch, o->fmt, err);
}

/* Writes the oldest formatted batch: waiting for it, or only when ready. */
static int drain_one(stage_output *o, bool wait, stage_error *err)
{
	void *r = NULL;
	struct chunk *c;
	int rc = wait ? stage_pool_take(o->pool, &r, err) : stage_pool_try_take(o->pool, &r, err);

	if (rc <= 0)
		return rc;
	c = r;
	rc = stage_sink_write(o->sink, c->p, c->n, err);
	free(c->p);
	free(c);
	return rc < 0 ? -1 : stage_sink_push(o->sink, err) < 0 ? -1 : 1;
}

static int drain_all(stage_output *o, stage_error *err)
{
	while (o->pool && stage_pool_pending(o->pool))
		if (drain_one(o, true, err) < 0)
			return -1;
	return stage_sink_push(o->sink, err);
}

void stage_output_set_input(stage_output *o, const stage_input *in)
{
	o->input = in;
}

/* The header, where the format has one, goes out through the main writer,
 * from the first batch cut to no rows. */
static int write_header(stage_output *o, stage_batch *b, stage_error *err)
{
	int *all = malloc((b->ncols + 1) * sizeof(int));
	stage_batch *none;
	int rc;

	if (!all)
		return stage_error_oom(err, "output");
	for (size_t i = 0; i < b->ncols; i++)
		all[i] = (int)i;
	none = stage_batch_project(b, all, b->ncols, err);
	free(all);
	if (!none)
		return -1;
	stage_batch_truncate(none, 0);
	rc = stage_text_writer_write(o->text, none, err);
	stage_batch_free(none);
	return rc;
}

static int write_parallel(stage_output *o, stage_batch *b, stage_error *err)
{
	if (!o->header_done) {
		if (write_header(o, b, err) < 0)
			return -1;
		o->header_done = true;
	}
	while (stage_pool_full(o->pool))
		if (drain_one(o, true, err) < 0)
			return -1;
	if (stage_pool_submit(o->pool, stage_batch_ref(b), err) < 0)
		return -1;
	/* What is done goes out now; when the input went idle, everything
	 * goes out, so a trickle of rows is not held back by the pool. */
	for (int rc; (rc = drain_one(o, false, err)) != 0;)
		if (rc < 0)
			return -1;
	if (o->input && stage_input_idle(o->input))
		return drain_all(o, err);
	return 0;
}

/* Each batch leaves at once: batches are large when input is plentiful, and
 * when it trickles in, a row must not wait in our buffer for the next. */
int stage_output_write(stage_output *o, const stage_batch *b, stage_error *err)
{
	int rc;

	if (o->pool)
		/* The workers hold a reference; it is not part of the value. */
		return write_parallel(o, (stage_batch *)b, err);
	rc = o->ipc ? stage_ipc_writer_write(o->ipc, b, err)
	            : stage_text_writer_write(o->text, b, err);
	return rc < 0 ? -1 : stage_sink_push(o->sink, err);
}

int stage_output_finish(stage_output *o, stage_error *err)
{
	if (o->ipc)
		return stage_ipc_writer_finish(o->ipc, err);
	if (drain_all(o, err) < 0 || stage_text_writer_finish(o->text, err) < 0)
		return -1;
	return stage_sink_flush(o->sink, err);
}

int stage_output_fail(stage_output *o, const char *stage, const char *message,
                      stage_error *err)
{
	if (o->ipc)
		return stage_ipc_writer_fail(o->ipc, stage, message, err);
	/* Rows already accepted still go out, then the text simply stops. */
	if (drain_all(o, err) < 0)
		return -1;
	return stage_sink_flush(o->sink, err);
}

int stage_output_end(stage_output *o, const char *stage, int rc, stage_error *err)
{
	stage_error ignored;

	if (rc >= 0)
		return stage_output_finish(o, err);
	if (o && !err->downstream_closed)
		stage_output_fail(o, stage, err->msg, &ignored);
	return -1;
}

uint64_t stage_output_bytes(const stage_output *o)
{
	return stage_sink_offset(o->sink);
}

void stage_output_free(stage_output *o)
{
	if (!o)
		return;
	if (o->pool) {
		void *r;
		stage_error ignored;

		while (stage_pool_pending(o->pool))
			if (stage_pool_take(o->pool, &r, &ignored) != 0 && r) {
				free(((struct chunk *)r)->p);
				free(r);
			}
		stage_pool_free(o->pool);
	}
	for (int i = 0; i < o->nfmt; i++) {
		stage_text_writer_free(o->fmt[i].text);
		stage_sink_free(o->fmt[i].mem);
	}
	free(o->fmt);
	stage_ipc_writer_free(o->ipc);
	stage_text_writer_free(o->text);
	stage_sink_free(o->sink);
	free(o);
}
