/* The shared sample table (see sample_stream.h). The interop scripts in
 * tests/interop compute the same values independently. */
#include <stdio.h>
#include <string.h>

#include "sample_stream.h"

stage_schema *sample_schema(void)
{
	static const stage_type types[] = {STAGE_INT64, STAGE_FLOAT64, STAGE_FLOAT32, STAGE_BOOL,
	                                   STAGE_UTF8, STAGE_BINARY, STAGE_TIMESTAMP};
	static const char *const names[] = {"i", "d", "f", "b", "s", "bin", "ts"};
	stage_schema *s = stage_schema_new();
	stage_error err;

	for (size_t i = 0; s && i < 7; i++) {
		if (stage_schema_add(s, names[i], types[i], &err) < 0) {
			stage_schema_free(s);
			return NULL;
		}
	}
	return s;
}

void sample_append_row(stage_builder *b, int64_t r)
{
	char text[32];

	if (r % 3 == 2) {
		for (size_t c = 0; c < b->ncols; c++)
			stage_col_append_null(&b->cols[c]);
		return;
	}
	snprintf(text, sizeof(text), "v%lld\xc3\xa9", (long long)r);
	stage_col_append_i64(&b->cols[0], r == 0 ? INT64_MIN : r == 1 ? INT64_MAX : r * 1000003);
	stage_col_append_f64(&b->cols[1], r == 1 ? -0.0 : r == 3 ? 5e-324 : (double)r / 7);
	stage_col_append_f32(&b->cols[2], (float)r / 3);
	stage_col_append_bool(&b->cols[3], r % 2);
	stage_col_append_bytes(&b->cols[4], text, strlen(text));
	stage_col_append_bytes(&b->cols[5], "\0\1", (size_t)(r % 3));
	stage_col_append_i64(&b->cols[6], r * 1000000007LL);
}

int sample_write_stream(int fd, const int64_t *sizes, size_t nbatches, bool finish,
                        stage_error *err)
{
	stage_schema *s = sample_schema();
	stage_sink *sink = stage_sink_new(fd, err);
	stage_ipc_writer *w = NULL;
	stage_builder b = {0};
	int64_t r = 0;
	int rc = -1;

	if (!s || !sink || stage_ipc_writer_open(&w, sink, s, err) < 0 ||
	    stage_builder_init(&b, s, err) < 0)
		goto done;
	for (size_t k = 0; k < nbatches; k++) {
		stage_batch *batch;

		for (int64_t i = 0; i < sizes[k]; i++)
			sample_append_row(&b, r++);
		if (stage_builder_finish(&b, &batch, err) < 0)
			goto done;
		rc = stage_ipc_writer_write(w, batch, err);
		stage_batch_free(batch);
		if (rc < 0)
			goto done;
		rc = -1;
	}
	if (finish ? stage_ipc_writer_finish(w, err) : stage_sink_flush(sink, err))
		goto done;
	rc = 0;
done:
	stage_builder_release(&b);
	stage_ipc_writer_free(w);
	stage_sink_free(sink);
	stage_schema_free(s);
	return rc;
}
