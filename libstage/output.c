/* A stage's output: an Arrow stream, or text when asked for or when stdout
 * is a terminal. */
#include <stdlib.h>
#include <unistd.h>

#include "stage_internal.h"

struct stage_output {
	stage_sink *sink;
	stage_ipc_writer *ipc;
	stage_text_writer *text;
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

/* Each batch leaves at once: batches are large when input is plentiful, and
 * when it trickles in, a row must not wait in our buffer for the next. */
int stage_output_write(stage_output *o, const stage_batch *b, stage_error *err)
{
	int rc = o->ipc ? stage_ipc_writer_write(o->ipc, b, err)
	                : stage_text_writer_write(o->text, b, err);

	return rc < 0 ? -1 : stage_sink_flush(o->sink, err);
}

int stage_output_finish(stage_output *o, stage_error *err)
{
	if (o->ipc)
		return stage_ipc_writer_finish(o->ipc, err);
	if (stage_text_writer_finish(o->text, err) < 0)
		return -1;
	return stage_sink_flush(o->sink, err);
}

int stage_output_fail(stage_output *o, const char *stage, const char *message,
                      stage_error *err)
{
	if (o->ipc)
		return stage_ipc_writer_fail(o->ipc, stage, message, err);
	return stage_sink_flush(o->sink, err);
}

uint64_t stage_output_bytes(const stage_output *o)
{
	return stage_sink_offset(o->sink);
}

void stage_output_free(stage_output *o)
{
	if (!o)
		return;
	stage_ipc_writer_free(o->ipc);
	stage_text_writer_free(o->text);
	stage_sink_free(o->sink);
	free(o);
}
