/* Text at the edges: lines, whitespace fields, TSV, CSV (RFC 4180) and JSON
 * Lines in; aligned tables, TSV, CSV and JSON Lines out. */
#ifndef STAGE_TEXT_H
#define STAGE_TEXT_H

#include "stage_io.h"
#include "stage_record.h"

typedef enum stage_in_format {
	STAGE_IN_AUTO = 0,
	STAGE_IN_ARROW,
	STAGE_IN_LINES,
	STAGE_IN_WS,
	STAGE_IN_TSV,
	STAGE_IN_CSV,
	STAGE_IN_JSONL,
} stage_in_format;

typedef enum stage_out_format {
	STAGE_OUT_AUTO = 0, /* table on a terminal, arrow otherwise */
	STAGE_OUT_ARROW,
	STAGE_OUT_TABLE,
	STAGE_OUT_TSV,
	STAGE_OUT_CSV,
	STAGE_OUT_JSONL,
} stage_out_format;

enum stage_header { STAGE_HEADER_AUTO = 0, STAGE_HEADER_YES, STAGE_HEADER_NO };

int stage_in_format_parse(const char *name, stage_in_format *out);
int stage_out_format_parse(const char *name, stage_out_format *out);

/* Guesses the text format from the first bytes of input (never returns
 * AUTO or ARROW): '{' -> jsonl, a tab in the first line -> tsv, a comma ->
 * csv, otherwise ws. */
stage_in_format stage_text_sniff(const uint8_t *p, size_t n);

typedef struct stage_text_opts {
	stage_in_format format; /* a text format, already resolved */
	int header;             /* enum stage_header */
	const char *types;      /* "name:type,..." overriding inference, or NULL */
	bool strict;            /* a value that does not fit its type is an error */
	int64_t batch_rows;     /* rows per batch */
	bool residuals;         /* float64 columns carry stage_array.residual */
} stage_text_opts;

typedef struct stage_text_reader stage_text_reader;

/* Reads the first batch to infer the schema. */
int stage_text_reader_open(stage_text_reader **out, stage_source *src,
                           const stage_text_opts *o, stage_error *err);
const stage_schema *stage_text_reader_schema(const stage_text_reader *r);
/* Returns 1 with a batch, 0 at end of input, -1 on error. */
int stage_text_reader_next(stage_text_reader *r, stage_batch **out, stage_error *err);
/* The same, but waits for input only until deadline_ns (CLOCK_MONOTONIC
 * nanoseconds; 0: no deadline): then the rows read so far come out as a
 * batch, or, with none, it returns STAGE_INPUT_TIMED_OUT (a partial line
 * stays buffered for the next call). */
int stage_text_reader_next_until(stage_text_reader *r, uint64_t deadline_ns, stage_batch **out,
                                 stage_error *err);
/* From now on, convert only the columns cols[0 .. n); the others read
 * as null (a stage that needs a few columns of wide text saves the rest of
 * the work). */
int stage_text_reader_only(stage_text_reader *r, const int *cols, size_t n, stage_error *err);
/* After the end: a one-line warning about values that became null because
 * they did not fit their column's type (count, first line, column, value),
 * or NULL when there were none. */
const char *stage_text_reader_warning(const stage_text_reader *r);
void stage_text_reader_free(stage_text_reader *r);

typedef struct stage_text_writer stage_text_writer;

/* format is TABLE, TSV, CSV or JSONL. */
int stage_text_writer_open(stage_text_writer **out, stage_sink *sink, stage_out_format format,
                           const stage_schema *s, stage_error *err);
int stage_text_writer_write(stage_text_writer *w, const stage_batch *b, stage_error *err);
int stage_text_writer_finish(stage_text_writer *w, stage_error *err);
void stage_text_writer_free(stage_text_writer *w);

/* Value formatting shared by every text writer. Each writes into buf
 * (at least STAGE_FORMAT_MAX bytes) and returns the length, no NUL needed.
 * Floats print so that parsing them back gives the identical value; nan and
 * infinities print as "nan", "inf", "-inf" (JSON Lines writes them as NaN,
 * Infinity, -Infinity, as Python's json does). Timestamps print as ISO 8601
 * with nanoseconds, "2024-01-02T03:04:05.123456789Z". */
#define STAGE_FORMAT_MAX 48
size_t stage_format_i64(char *buf, int64_t v);
size_t stage_format_f64(char *buf, double v);
size_t stage_format_f32(char *buf, float v);
size_t stage_format_timestamp(char *buf, int64_t ns);

/* Value parsing shared by every text reader: the whole of [p, p+n) must be
 * the value. Return 0, or -1 when it does not parse. */
int stage_parse_i64(const char *p, size_t n, int64_t *out);
int stage_parse_f64(const char *p, size_t n, double *out);
/* Also the decimal value minus *out (0 when exact), itself a double: the
 * digits a double cannot hold, for stages that accumulate (moments). Exact
 * up to its own rounding for up to 19 significant digits and exponents
 * within +-22, otherwise from long double. */
int stage_parse_f64_residual(const char *p, size_t n, double *out, double *residual);
int stage_parse_bool(const char *p, size_t n, bool *out);
int stage_parse_timestamp(const char *p, size_t n, int64_t *ns);

#endif
