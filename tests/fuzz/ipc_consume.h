/* Reads a whole Arrow IPC stream and touches every cell of every batch, so
 * that AddressSanitizer sees any view the reader built outside its memory.
 * Shared by the corruption unit test and the libFuzzer target; header-only
 * because both are built outside libstage. */
#ifndef IPC_CONSUME_H
#define IPC_CONSUME_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stage.h"

/* Folded into every load so the compiler cannot drop them. */
static volatile uint64_t ipc_consume_sink;

/* Checks what the reader promises about a batch (stage_record.h) and reads
 * every validity bit, value, offset and value byte. Returns NULL, or a
 * description of the broken promise: that is a reader bug, not bad input. */
static const char *ipc_consume_batch(const stage_schema *s, const stage_batch *b)
{
	uint64_t h = 0;

	if (b->nrows < 0)
		return "negative batch length accepted";
	if (b->ncols != s->ncols)
		return "batch column count differs from the schema";
	for (size_t c = 0; c < b->ncols; c++) {
		const stage_array *a = &b->cols[c];
		int64_t n = a->length;

		if (a->type != s->fields[c].type)
			return "column type differs from the schema";
		if (n != b->nrows)
			return "column length differs from the batch length";
		if (a->null_count < 0 || a->null_count > n)
			return "null count out of range accepted";
		if ((a->null_count > 0) != (a->validity != NULL))
			return "validity bitmap present iff null_count > 0 broken";
		if (!a->values && n > 0 && a->type != STAGE_UTF8 && a->type != STAGE_BINARY)
			return "values buffer missing";
		for (int64_t i = 0; i < n; i++)
			if (a->validity)
				h += stage_bit(a->validity, i);
		switch (a->type) {
		case STAGE_BOOL:
			for (int64_t i = 0; i < n; i++)
				h += stage_array_bool(a, i);
			break;
		case STAGE_UTF8:
		case STAGE_BINARY:
			if (!a->offsets)
				return "offsets missing";
			if (a->offsets[0] != 0)
				return "offsets[0] is not 0";
			for (int64_t i = 0; i < n; i++) {
				size_t len;
				const uint8_t *p;

				if (a->offsets[i + 1] < a->offsets[i])
					return "decreasing offsets accepted";
				p = stage_array_bytes(a, i, &len);
				for (size_t k = 0; k < len; k++)
					h += p[k];
			}
			break;
		case STAGE_FLOAT32:
			for (int64_t i = 0; i < n; i++) {
				float f = stage_array_f32(a, i);
				uint32_t u;

				memcpy(&u, &f, 4);
				h += u;
			}
			break;
		default: /* int64, float64, timestamp: 8-byte values */
			for (int64_t i = 0; i < n; i++)
				h += (uint64_t)stage_array_i64(a, i);
		}
	}
	ipc_consume_sink += h;
	return NULL;
}

/* Reads fd to the end through stage_source and stage_ipc_reader. Returns
 * the row count, or -1 with err set. A broken reader promise is reported
 * through *bug (NULL when none) and ends the read. */
static int64_t ipc_consume_fd(int fd, bool allow_truncated, stage_error *err, const char **bug)
{
	stage_source *src = stage_source_new(fd, err);
	stage_ipc_reader *r = NULL;
	stage_batch *b;
	int64_t rows = 0;
	int rc;

	*bug = NULL;
	if (!src)
		return -1;
	if (stage_ipc_reader_open(&r, src, err) < 0) {
		stage_source_free(src);
		return -1;
	}
	stage_ipc_reader_allow_truncated(r, allow_truncated);
	while ((rc = stage_ipc_reader_next(r, &b, err)) > 0) {
		*bug = ipc_consume_batch(stage_ipc_reader_schema(r), b);
		rows += b->nrows;
		stage_batch_free(b);
		if (*bug)
			break;
	}
	stage_ipc_reader_free(r);
	stage_source_free(src);
	return rc < 0 ? -1 : rows;
}

#endif
