/* The Arrow IPC streaming format (metadata V5, little-endian): a Schema
 * message, RecordBatch messages, the end-of-stream marker. The reader
 * verifies every flatbuffer offset and every Arrow-level rule before use. */
#ifndef STAGE_IPC_H
#define STAGE_IPC_H

#include "stage_io.h"
#include "stage_record.h"

/* Caps on what one message may claim, so hostile lengths cannot make us
 * allocate without bound. */
#define STAGE_IPC_MAX_METADATA (16u << 20)
#define STAGE_IPC_MAX_BODY ((int64_t)2 << 30)

/* Metadata keys of the stream conventions (DESIGN.md). */
#define STAGE_META_ERROR "pipestage:error"
#define STAGE_META_STAGE "pipestage:stage"

typedef struct stage_ipc_reader stage_ipc_reader;

/* Reads up to and including the first Schema message. */
int stage_ipc_reader_open(stage_ipc_reader **out, stage_source *src, stage_error *err);
const stage_schema *stage_ipc_reader_schema(const stage_ipc_reader *r);
/* Returns 1 with a batch, 0 at end of stream, -1 on error. A stream that ends
 * without the end-of-stream marker is an error (BAD_INPUT) unless
 * allow_truncated was set. A batch carrying pipestage:error becomes an error
 * "upstream <stage> failed: <message>" (FAILURE). Streams concatenated after
 * an end-of-stream marker continue the stream if their schema is identical. */
int stage_ipc_reader_next(stage_ipc_reader *r, stage_batch **out, stage_error *err);
void stage_ipc_reader_allow_truncated(stage_ipc_reader *r, bool allow);
void stage_ipc_reader_free(stage_ipc_reader *r);

typedef struct stage_ipc_writer stage_ipc_writer;

/* Writes the Schema message at once. */
int stage_ipc_writer_open(stage_ipc_writer **out, stage_sink *sink, const stage_schema *s,
                          stage_error *err);
/* The batch's columns must match the schema's types in order. */
int stage_ipc_writer_write(stage_ipc_writer *w, const stage_batch *b, stage_error *err);
/* Writes the end-of-stream marker and flushes. */
int stage_ipc_writer_finish(stage_ipc_writer *w, stage_error *err);
/* Writes a zero-row batch carrying pipestage:error and pipestage:stage, then
 * the end-of-stream marker, so downstream learns that this stage failed. */
int stage_ipc_writer_fail(stage_ipc_writer *w, const char *stage, const char *message,
                          stage_error *err);
void stage_ipc_writer_free(stage_ipc_writer *w);

#endif
