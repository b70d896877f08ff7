/* A stage's input: sniffs an Arrow stream or text on the descriptor and
 * hands out record batches either way. */
#include <stdlib.h>

#include "stage_internal.h"

struct stage_input {
	stage_source *src;
	stage_ipc_reader *ipc;
	stage_text_reader *text;
	stage_schema *empty; /* empty input in AUTO mode */
};

static int open_text(stage_input *in, const stage_input_opts *o, stage_in_format f,
                     stage_error *err)
{
	stage_text_opts t = {
		.format = f,
		.header = o->header,
		.types = o->types,
		.strict = o->strict,
		.batch_rows = o->batch_rows > 0 ? o->batch_rows : STAGE_DEFAULT_BATCH_ROWS,
		.residuals = o->residuals,
	};

	return stage_text_reader_open(&in->text, in->src, &t, err);
}

int stage_input_open(stage_input **out, int fd, const stage_input_opts *o, stage_error *err)
{
	stage_input *in = calloc(1, sizeof(*in));
	stage_in_format f = o->format;
	ssize_t got;
	int rc;

	if (!in)
		return stage_error_oom(err, "input");
	in->src = stage_source_new(fd, err);
	if (!in->src)
		goto fail;
	if (f == STAGE_IN_AUTO) {
		const uint8_t *p;
		size_t avail;

		/* One byte tells text from Arrow (0xff starts its marker); wait for
		 * four only then, so a short first line is not held back. */
		got = stage_source_peek(in->src, 1, err);
		if (got > 0 && *stage_source_data(in->src, &avail) == 0xff)
			got = stage_source_peek(in->src, 4, err);
		if (got < 0)
			goto fail;
		p = stage_source_data(in->src, &avail);
		if (avail == 0) {
			in->empty = stage_schema_new();
			if (!in->empty) {
				stage_error_oom(err, "schema");
				goto fail;
			}
			*out = in;
			return 0;
		}
		if (avail >= 4 && p[0] == 0xff && p[1] == 0xff && p[2] == 0xff && p[3] == 0xff)
			f = STAGE_IN_ARROW;
		else if (o->text_format != STAGE_IN_AUTO)
			f = o->text_format;
		else
			f = stage_text_sniff(p, avail);
	}
	if (f == STAGE_IN_ARROW) {
		rc = stage_ipc_reader_open(&in->ipc, in->src, err);
		if (rc == 0)
			stage_ipc_reader_allow_truncated(in->ipc, o->allow_truncated);
	} else {
		rc = open_text(in, o, f, err);
	}
	if (rc < 0)
		goto fail;
	*out = in;
	return 0;
fail:
	stage_input_free(in);
	return -1;
}

int stage_input_only(stage_input *in, const int *cols, size_t n, stage_error *err)
{
	return in->text ? stage_text_reader_only(in->text, cols, n, err) : 0;
}

const stage_schema *stage_input_schema(const stage_input *in)
{
	if (in->ipc)
		return stage_ipc_reader_schema(in->ipc);
	if (in->text)
		return stage_text_reader_schema(in->text);
	return in->empty;
}

int stage_input_next(stage_input *in, stage_batch **out, stage_error *err)
{
	return stage_input_next_until(in, 0, out, err);
}

int stage_input_next_until(stage_input *in, uint64_t deadline_ns, stage_batch **out,
                           stage_error *err)
{
	*out = NULL;
	if (in->ipc) {
		size_t avail;

		/* A message is read whole once begun: the deadline applies to
		 * waiting for its first bytes. */
		stage_source_data(in->src, &avail);
		if (deadline_ns && avail == 0) {
			ssize_t r = stage_source_fill_until(in->src, deadline_ns, err);

			if (r == STAGE_SOURCE_TIMED_OUT)
				return STAGE_INPUT_TIMED_OUT;
			if (r < 0)
				return -1;
		}
		return stage_ipc_reader_next(in->ipc, out, err);
	}
	if (in->text)
		return stage_text_reader_next_until(in->text, deadline_ns, out, err);
	return 0;
}

bool stage_input_idle(const stage_input *in)
{
	size_t avail;

	stage_source_data(in->src, &avail);
	return avail == 0 && stage_source_drained(in->src);
}

bool stage_input_is_arrow(const stage_input *in)
{
	return in->ipc != NULL;
}

const char *stage_input_warning(const stage_input *in)
{
	return in->text ? stage_text_reader_warning(in->text) : NULL;
}

uint64_t stage_input_bytes(const stage_input *in)
{
	return stage_source_offset(in->src);
}

void stage_input_free(stage_input *in)
{
	if (!in)
		return;
	stage_ipc_reader_free(in->ipc);
	stage_text_reader_free(in->text);
	stage_schema_free(in->empty);
	stage_source_free(in->src);
	free(in);
}
