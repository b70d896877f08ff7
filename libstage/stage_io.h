/* Buffered byte sources and sinks over file descriptors: the layer the
 * record and text codecs read from and write to. Every buffer has a maximum
 * size because the bytes come from untrusted input. */
#ifndef STAGE_IO_H
#define STAGE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "stage_error.h"
#include "stage_record.h"

/* Longest run of bytes a source will buffer for one peek (a text line, a
 * flatbuffer message header). */
#define STAGE_SOURCE_MAX_BUFFER (256u << 20)

typedef struct stage_source stage_source;

/* The source reads fd but never closes it and never changes its flags. */
stage_source *stage_source_new(int fd, stage_error *err);
void stage_source_free(stage_source *s);

/* Caps how much one buffered read (and the read-ahead) asks for. A reader
 * whose large reads go straight into its own memory (record batch bodies)
 * sets it small, so little of that data is copied through the buffer. */
void stage_source_set_read_size(stage_source *s, size_t n);
/* Buffered bytes not yet consumed. */
const uint8_t *stage_source_data(const stage_source *s, size_t *avail);
/* Marks n buffered bytes as consumed (n <= avail). */
void stage_source_consume(stage_source *s, size_t n);
/* One read() into the buffer, growing it when full (up to
 * STAGE_SOURCE_MAX_BUFFER). Returns bytes added, 0 at end of input, -1 on
 * error. */
ssize_t stage_source_fill(stage_source *s, stage_error *err);
/* stage_source_fill() that gives up at deadline_ns (CLOCK_MONOTONIC
 * nanoseconds; 0: no deadline): then it returns STAGE_SOURCE_TIMED_OUT and
 * the read stays in flight, its bytes taken in by a later fill. */
#define STAGE_SOURCE_TIMED_OUT (-2)
/* What the readers above a source return when their deadline passed
 * (stage_input_next_until, stage_text_reader_next_until). */
#define STAGE_INPUT_TIMED_OUT 2
ssize_t stage_source_fill_until(stage_source *s, uint64_t deadline_ns, stage_error *err);
/* Makes at least `want` bytes available unless input ends first. Returns
 * the number available (may be < want only at end of input), or -1. */
ssize_t stage_source_peek(stage_source *s, size_t want, stage_error *err);
/* Reads exactly n bytes into dst (buffered bytes first, then straight from
 * the descriptor). Returns bytes read (< n only at end of input), or -1. */
ssize_t stage_source_read(stage_source *s, void *dst, size_t n, stage_error *err);
/* True when the last read left nothing more immediately readable: the
 * writer has gone idle, so a partial batch should be flushed now. */
bool stage_source_drained(const stage_source *s);
/* True once a read returned end of input. */
bool stage_source_eof(const stage_source *s);
/* Bytes consumed since the start (for messages that cite an offset). */
uint64_t stage_source_offset(const stage_source *s);

typedef struct stage_sink stage_sink;

/* The sink writes fd but never closes it. Writing to a closed pipe fails
 * with err->downstream_closed set (callers ignore SIGPIPE). */
stage_sink *stage_sink_new(int fd, stage_error *err);
void stage_sink_free(stage_sink *s);
/* Space for at least n bytes in the buffer (flushing first if needed). */
char *stage_sink_reserve(stage_sink *s, size_t n, stage_error *err);
/* Commits n bytes written into the last reservation. */
void stage_sink_commit(stage_sink *s, size_t n);
int stage_sink_write(stage_sink *s, const void *p, size_t n, stage_error *err);
/* Buffered bytes first, then the vector, without copying large parts; the
 * memory is the caller's again when this returns. */
int stage_sink_writev(stage_sink *s, const struct iovec *iov, int n, stage_error *err);
/* Like stage_sink_writev, but returns while the write is still going on:
 * iov[0 .. ncopy) is copied, the rest lies in memory that `keep` owns (or
 * in static memory), and the sink holds a reference to keep until done. */
int stage_sink_writev_keep(stage_sink *s, const struct iovec *iov, int n, int ncopy,
                           stage_batch *keep, stage_error *err);
/* Starts writing what is buffered and returns (write-behind). */
int stage_sink_push(stage_sink *s, stage_error *err);
/* Writes everything and waits until the descriptor took it. */
int stage_sink_flush(stage_sink *s, stage_error *err);
/* Bytes written through the sink so far. */
uint64_t stage_sink_offset(const stage_sink *s);

#endif
