/* Result rows: the output schema the options ask for, the rows in flight
 * (held until their turn in input order, or written as they finish with
 * --unordered) and the batches they go out in. */
#ifndef FETCH_ROWS_H
#define FETCH_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"
#include "stage.h"

typedef enum fc_body_mode { FC_BODY_NONE, FC_BODY_BYTES, FC_BODY_DIGEST, FC_BODY_SAVE } fc_body_mode;

typedef struct fc_rows_opts {
	const char *const *response_headers; /* --response-header names */
	size_t nresponse_headers;
	bool all_headers;
	fc_body_mode body;
	const char *save_dir;
	bool unordered;
	int64_t batch_rows;
	enum { FC_FAIL_ON_ERROR, FC_FAIL_ON_STATUS, FC_FAIL_NEVER } fail_on;
} fc_rows_opts;

typedef struct fc_rows fc_rows;

int fc_rows_new(fc_rows **out, const fc_rows_opts *o, stage_error *err);
const stage_schema *fc_rows_schema(const fc_rows *r);
/* A new row for url; returns its number. */
int fc_rows_add(fc_rows *r, const char *url, size_t len, int64_t *row, stage_error *err);
/* The fetcher's callback (fc_row_done): arg is the fc_rows. */
void fc_rows_done(void *arg, int64_t row, const fc_result *res);
/* Rows added and not yet written. */
size_t fc_rows_outstanding(const fc_rows *r);
/* Writes the rows whose turn has come once a batch is full, or all of
 * them with `flush`. */
int fc_rows_write(fc_rows *r, stage_output *out, bool flush, stage_error *err);
/* Rows that failed per --fail-on. */
uint64_t fc_rows_failed(const fc_rows *r);
/* A failure inside the callback (--save could not write). */
const stage_error *fc_rows_failure(const fc_rows *r);
void fc_rows_free(fc_rows *r);

#endif
