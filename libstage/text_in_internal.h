/* Private interface of the text readers: the state that the driver
 * (text_in_reader.c), the per-format record splitters, type inference and
 * value conversion share. Nothing here is installed. */
#ifndef TEXT_IN_INTERNAL_H
#define TEXT_IN_INTERNAL_H

#include <sys/types.h>

#include "stage_internal.h"

/* Columns one record may open; more is hostile or not a table. */
#define TIN_MAX_COLUMNS 65536
/* A batch is flushed early once its builders hold about this much. */
#define TIN_FLUSH_BYTES ((size_t)64 << 20)

enum tin_kind {
	TIN_NULL,   /* JSON null */
	TIN_TEXT,   /* unquoted text: empty means null */
	TIN_QUOTED, /* CSV quoted field, whole line: empty is an empty string */
	TIN_STRING, /* JSON string: like TIN_QUOTED, and always infers utf8 */
};

/* One field of one record. p points into the source buffer, the row's
 * scratch (unescaped text) or the staging area, never owned. */
typedef struct tin_field {
	const uint8_t *p;
	size_t n;
	const uint8_t *key; /* jsonl: the key, unescaped */
	size_t keylen;
	int kind;           /* enum tin_kind */
	int col;            /* column it goes to, -1 for none */
} tin_field;

typedef struct tin_row {
	tin_field *f;
	size_t n, cap;
	/* Fields in the record: more than n when the splitter stopped at
	 * max_fields because the rest would be dropped anyway. */
	size_t nfields;
	bool blank; /* the line held nothing at all */
	stage__buf scratch;
} tin_row;

/* Where finding the end of a record stopped, so that more input resumes
 * the scan instead of repeating it (long records arrive in many reads). */
typedef struct tin_scan {
	size_t scanned;
	int state;
	uint64_t newlines; /* inside quotes, so far */
} tin_scan;

typedef struct tin_ops {
	/* Length of the record at p including its newline; 0 when more input
	 * is needed (never when eof and n > 0); -1 on error. */
	ssize_t (*find)(tin_scan *s, const uint8_t *p, size_t n, bool eof, stage_error *err);
	/* Splits a record, its newline already stripped, into row->f. Fields
	 * past max_fields are counted in row->nfields but not stored. */
	int (*split)(tin_row *row, const uint8_t *p, size_t n, size_t max_fields, stage_error *err);
	/* A blank line is skipped, except in a one-column table where it is
	 * that column's null (jsonl: always skipped). */
	bool blank_null_in_one_column;
} tin_ops;

extern const tin_ops stage__tin_lines, stage__tin_ws, stage__tin_tsv, stage__tin_csv,
	stage__tin_jsonl;

/* The end of a newline-terminated record without quoting. */
ssize_t stage__tin_find_line(tin_scan *s, const uint8_t *p, size_t n, bool eof,
                             stage_error *err);
/* Appends a field; -1 only when out of memory. */
int stage__tin_push(tin_row *row, const uint8_t *p, size_t n, int kind, stage_error *err);

/* The first batch is staged (copied) until the schema is known. */
typedef struct tin_sfield {
	size_t off, n;
	int col, kind;
} tin_sfield;

typedef struct tin_srow {
	size_t first, n;
	uint64_t line;
} tin_srow;

typedef struct tin_stage {
	stage__buf bytes;
	tin_sfield *f;
	size_t nf, capf;
	tin_srow *rows;
	size_t nrows, caprows;
} tin_stage;

/* jsonl: column names by key, in order of first appearance. */
typedef struct tin_keys {
	char **names;
	size_t *lens;
	size_t n, cap;
	uint32_t *slots; /* open addressing: index + 1, 0 = empty */
	size_t nslots;
} tin_keys;

int stage__tin_keys_find(const tin_keys *k, const uint8_t *p, size_t n);
/* Index of key p, added when new; -1 on error. */
int stage__tin_keys_add(tin_keys *k, const uint8_t *p, size_t n, stage_error *err);
void stage__tin_keys_release(tin_keys *k);

/* A value that did not fit, or a field or key that had no column. */
typedef struct tin_misfit {
	uint64_t count, line;
	char what[320];
} tin_misfit;

struct stage_text_reader {
	stage_source *src;
	stage_text_opts o;
	const tin_ops *ops;
	stage_schema *schema;
	stage_builder b;
	bool have_builder;
	tin_row row;
	tin_scan scan;
	uint64_t line;     /* physical line where the next record starts */
	int64_t nrows;     /* rows in the batch being built */
	tin_stage stage;
	size_t stage_next; /* first staged row not yet moved into a batch */
	tin_keys keys;
	int *slot;         /* jsonl: field index per column for one row */
	bool *skip;        /* columns not converted (stage_text_reader_only) */
	size_t stored;     /* with skip: fields a record needs split out (past the
	                      last converted column they are only counted) */
	/* csv/tsv: fields in the first record; with one column a blank line
	 * is a null value, not a blank line to skip. */
	size_t first_nfields;
	bool started, eof;
	tin_misfit misfit, extra;
	char *warning;
};

/* Decides header, column names and types from the staged first batch and
 * creates r->schema; sets r->stage_next past a header row. */
int stage__tin_infer(stage_text_reader *r, stage_error *err);

/* Appends one row (its fields' col already set) to the builders; -1 with a
 * strict reader's error. */
int stage__tin_append_row(stage_text_reader *r, const tin_row *row, uint64_t line,
                          stage_error *err);
/* Writes a value for messages: printable, escaped, shortened. */
void stage__tin_quote(char *dst, size_t cap, const uint8_t *p, size_t n);

#endif
