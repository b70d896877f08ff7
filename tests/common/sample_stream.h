/* The sample table the IPC tests and the interop tests share: every
 * supported type, nulls in every third row, edge values in the first rows. */
#ifndef SAMPLE_STREAM_H
#define SAMPLE_STREAM_H

#include "stage.h"

stage_schema *sample_schema(void);
/* Appends sample row r (0-based over the whole stream) to the builder. */
void sample_append_row(stage_builder *b, int64_t r);
/* Writes batches of the given sizes to fd; finish adds the end-of-stream
 * marker. Returns 0 or -1 with err set. */
int sample_write_stream(int fd, const int64_t *sizes, size_t nbatches, bool finish,
                        stage_error *err);

#endif
