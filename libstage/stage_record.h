/* In-memory record batches: a schema (column names and types) and batches of
 * columns laid out exactly as Arrow arrays, so a batch goes to and from the
 * IPC stream without per-row work.
 *
 * Ownership: a stage_batch owns the memory its arrays point into. Batches are
 * reference counted: stage_batch_ref() takes a reference (an output that is
 * still writing a batch keeps it alive that way), stage_batch_free() drops
 * one and frees on the last. A stage_schema owns its field names and
 * metadata.
 * Functions that take a `const` pointer borrow it for the duration of the
 * call only. */
#ifndef STAGE_RECORD_H
#define STAGE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage_error.h"

typedef enum stage_type {
	STAGE_INT64 = 1,
	STAGE_FLOAT64,
	STAGE_FLOAT32,
	STAGE_BOOL,
	STAGE_UTF8,
	STAGE_BINARY,
	STAGE_TIMESTAMP, /* int64 nanoseconds since the epoch, UTC */
} stage_type;

/* "int64", "float64", "float32", "bool", "utf8", "binary", "timestamp[ns, UTC]" */
const char *stage_type_name(stage_type t);
/* Accepts the names above plus "string" (utf8), "timestamp", "double" (float64),
 * "float" (float32), "int" (int64). Returns 0, or -1 when unknown. */
int stage_type_parse(const char *name, stage_type *out);
/* True for types whose values are variable-width (utf8, binary). */
bool stage_type_is_varwidth(stage_type t);
/* Bytes per value for fixed-width types (bool: 0, it is a bitmap). */
size_t stage_type_width(stage_type t);

/* Custom metadata: key/value pairs of NUL-terminated strings. */
typedef struct stage_kv {
	char *key;
	char *value;
} stage_kv;

typedef struct stage_metadata {
	size_t n;
	stage_kv *kv;
} stage_metadata;

/* Returns the value for key, or NULL. */
const char *stage_metadata_get(const stage_metadata *m, const char *key);
/* Adds or replaces key (copies both). Returns 0 or -1 (out of memory). */
int stage_metadata_set(stage_metadata *m, const char *key, const char *value, stage_error *err);
void stage_metadata_clear(stage_metadata *m);
int stage_metadata_copy(stage_metadata *dst, const stage_metadata *src, stage_error *err);

typedef struct stage_field {
	char *name;
	stage_type type;
	bool nullable;
} stage_field;

typedef struct stage_schema {
	size_t ncols;
	stage_field *fields;
	stage_metadata metadata;
} stage_schema;

stage_schema *stage_schema_new(void);
/* Appends a column (copies name). Returns 0 or -1. */
int stage_schema_add(stage_schema *s, const char *name, stage_type type, stage_error *err);
stage_schema *stage_schema_copy(const stage_schema *s, stage_error *err);
void stage_schema_free(stage_schema *s);
/* 0 when names and types match; otherwise -1 with the first difference in err
 * (status BAD_INPUT). */
int stage_schema_compare(const stage_schema *a, const stage_schema *b, stage_error *err);

/* Column by name or by 1-based number ("3"). Returns the 0-based index, or -1
 * with "unknown column 'x'" (status USAGE). */
int stage_schema_find(const stage_schema *s, const char *name_or_number, stage_error *err);

/* One column of one batch, with Arrow's layout. Bitmaps are LSB-first. */
typedef struct stage_array {
	stage_type type;
	int64_t length;
	int64_t null_count;
	const uint8_t *validity; /* bit i set = row i valid; NULL when null_count == 0 */
	const void *values;      /* int64_t / double / float / bool bitmap / var-width bytes */
	const int32_t *offsets;  /* utf8, binary: length + 1 entries, non-decreasing */
	/* float64 read from text with residuals asked for: the decimal value
	 * minus the double, per row (NULL otherwise; never in an Arrow stream) */
	const double *residual;
} stage_array;

typedef struct stage_batch {
	int64_t nrows;
	size_t ncols;
	stage_array *cols;
	stage_metadata metadata; /* message-level custom metadata */
	/* private: memory the arrays point into, references, borrowed-from */
	void **owned;
	size_t nowned;
	int refs;
	struct stage_batch *parent;
} stage_batch;

static inline bool stage_bit(const uint8_t *bits, int64_t i)
{
	return (bits[i >> 3] >> (i & 7)) & 1;
}

static inline bool stage_array_is_null(const stage_array *a, int64_t i)
{
	return a->validity && !stage_bit(a->validity, i);
}

static inline int64_t stage_array_i64(const stage_array *a, int64_t i)
{
	return ((const int64_t *)a->values)[i];
}

static inline double stage_array_f64(const stage_array *a, int64_t i)
{
	return ((const double *)a->values)[i];
}

static inline float stage_array_f32(const stage_array *a, int64_t i)
{
	return ((const float *)a->values)[i];
}

static inline bool stage_array_bool(const stage_array *a, int64_t i)
{
	return stage_bit((const uint8_t *)a->values, i);
}

/* Bytes of a utf8/binary value; *len receives its length. */
static inline const uint8_t *stage_array_bytes(const stage_array *a, int64_t i, size_t *len)
{
	*len = (size_t)(a->offsets[i + 1] - a->offsets[i]);
	return (const uint8_t *)a->values + a->offsets[i];
}

/* An empty batch with ncols columns and no storage. */
stage_batch *stage_batch_new(size_t ncols, stage_error *err);
/* Hands `mem` (from malloc) to the batch, which frees it with itself. */
int stage_batch_own(stage_batch *b, void *mem, stage_error *err);
/* Takes a reference (thread-safe); returns b. */
stage_batch *stage_batch_ref(stage_batch *b);
/* Drops a reference; the last one frees the batch. */
void stage_batch_free(stage_batch *b);
/* A batch whose columns are the chosen columns of `src` (indexes into it),
 * sharing src's memory: the view holds a reference to src. */
stage_batch *stage_batch_project(stage_batch *src, const int *cols, size_t ncols,
                                 stage_error *err);
/* Keeps only the first n rows (n <= nrows), recounting nulls. */
void stage_batch_truncate(stage_batch *b, int64_t n);
/* Counts zero bits among the first n bits. */
int64_t stage_bitmap_count_zeros(const uint8_t *bits, int64_t n);

/* Building batches row by row or column by column.
 *
 * Appends never fail on the spot: an allocation failure or an overflow of a
 * column's limits sets a sticky error that stage_builder_finish() reports, so
 * hot loops need no checks. */
typedef struct stage_column_builder {
	stage_type type;
	int64_t length;
	int64_t null_count;
	uint8_t *validity;   /* allocated lazily at the first null */
	size_t validity_cap;
	uint8_t *values;     /* fixed-width values, bool bitmap, or var-width bytes */
	size_t values_len;   /* bytes used (bool: unused, derived from length) */
	size_t values_cap;
	int32_t *offsets;    /* var-width only: length + 1 entries */
	size_t offsets_cap;  /* entries */
	double *residual;    /* allocated lazily at the first non-zero residual */
	size_t residual_cap; /* bytes */
	bool failed;
	char failure[160];
} stage_column_builder;

typedef struct stage_builder {
	size_t ncols;
	stage_column_builder *cols;
} stage_builder;

/* One column builder per schema field, with types taken from the schema. */
int stage_builder_init(stage_builder *b, const stage_schema *s, stage_error *err);
void stage_builder_release(stage_builder *b);
/* Bytes held by all columns: callers flush a batch early when it grows large. */
size_t stage_builder_bytes(const stage_builder *b);
/* Moves the built columns into a new batch and resets the builder for the
 * next batch. Every column must have the same length. */
int stage_builder_finish(stage_builder *b, stage_batch **out, stage_error *err);

void stage_col_append_null(stage_column_builder *c);
void stage_col_append_nulls(stage_column_builder *c, int64_t n);
void stage_col_append_i64(stage_column_builder *c, int64_t v);     /* int64, timestamp */
void stage_col_append_f64(stage_column_builder *c, double v);
/* A float64 value with its residual (see stage_array.residual). */
void stage_col_append_f64_residual(stage_column_builder *c, double v, double residual);
void stage_col_append_f32(stage_column_builder *c, float v);
void stage_col_append_bool(stage_column_builder *c, bool v);
void stage_col_append_bytes(stage_column_builder *c, const void *p, size_t n); /* utf8, binary */

#endif
