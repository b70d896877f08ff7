/* The text reader: pulls records out of the source buffer, stages the first
 * batch until inference has fixed the schema, then appends rows straight
 * into column builders and cuts batches at batch_rows, at about 64 MiB, or
 * as soon as the writer goes idle (low latency for `tail -F | stage`). */
#include <stdio.h>
#include <stdlib.h>

#include "text_in_internal.h"

static const tin_ops *ops_for(stage_in_format f)
{
	switch (f) {
	case STAGE_IN_LINES: return &stage__tin_lines;
	case STAGE_IN_WS: return &stage__tin_ws;
	case STAGE_IN_TSV: return &stage__tin_tsv;
	case STAGE_IN_CSV: return &stage__tin_csv;
	case STAGE_IN_JSONL: return &stage__tin_jsonl;
	default: return NULL;
	}
}

static int line_error(uint64_t line, stage_error *err)
{
	return stage_error_prefix(err, "line %llu", (unsigned long long)line);
}

static int fill(stage_text_reader *r, stage_error *err)
{
	ssize_t got = stage_source_fill(r->src, err);

	if (got < 0)
		return line_error(r->line, err);
	if (got == 0)
		r->eof = true;
	return 0;
}

/* A UTF-8 byte order mark at the very start is not part of the data.
 * Returns false while too few bytes have arrived to tell. */
static bool skip_bom(stage_text_reader *r, const uint8_t *p, size_t n)
{
	static const uint8_t bom[3] = {0xef, 0xbb, 0xbf};
	size_t k = n < 3 ? n : 3;

	if (memcmp(p, bom, k) != 0) {
		r->started = true;
		return true;
	}
	if (k < 3 && !r->eof)
		return false;
	if (k == 3)
		stage_source_consume(r->src, 3);
	r->started = true;
	return true;
}

/* Splits the next complete record into r->row. Returns 1 with *used bytes
 * to consume once the row is used, 0 when no complete record is buffered,
 * -1 on error. */
static int next_record(stage_text_reader *r, size_t max_fields, uint64_t *line, size_t *used,
                       stage_error *err)
{
	for (;;) {
		size_t avail, n;
		const uint8_t *p = stage_source_data(r->src, &avail);
		ssize_t len;

		if (avail == 0 || (!r->started && !skip_bom(r, p, avail)))
			return 0;
		p = stage_source_data(r->src, &avail);
		if (avail == 0)
			return 0;
		len = r->ops->find(&r->scan, p, avail, r->eof, err);
		if (len < 0)
			return line_error(r->line, err);
		if (len == 0)
			return 0;
		*line = r->line;
		r->line += 1 + r->scan.newlines;
		memset(&r->scan, 0, sizeof(r->scan));
		n = (size_t)len;
		if (n && p[n - 1] == '\n' && --n && p[n - 1] == '\r')
			n--;
		r->row.n = 0;
		r->row.scratch.len = 0;
		if (stage__buf_reserve(&r->row.scratch, n, err) < 0 ||
		    r->ops->split(&r->row, p, n, max_fields, err) < 0)
			return line_error(*line, err);
		if (r->row.nfields > TIN_MAX_COLUMNS)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "line %llu: more than %d fields",
			                       (unsigned long long)*line, TIN_MAX_COLUMNS);
		if (r->row.nfields && !r->first_nfields)
			r->first_nfields = r->row.nfields;
		if (r->row.blank &&
		    !(r->ops->blank_null_in_one_column && r->first_nfields == 1)) {
			stage_source_consume(r->src, (size_t)len);
			continue;
		}
		*used = (size_t)len;
		return 1;
	}
}

/* jsonl: the column of each key; new keys become columns while staging. */
static int map_keys(stage_text_reader *r, bool add, uint64_t line, stage_error *err)
{
	for (size_t i = 0; i < r->row.n; i++) {
		tin_field *f = &r->row.f[i];

		if (!add) {
			f->col = stage__tin_keys_find(&r->keys, f->key, f->keylen);
			continue;
		}
		if (memchr(f->key, '\0', f->keylen) || !stage__utf8_valid(f->key, f->keylen))
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "line %llu: a key holds invalid utf-8 or a nul byte",
			                       (unsigned long long)line);
		f->col = stage__tin_keys_add(&r->keys, f->key, f->keylen, err);
		if (f->col < 0)
			return line_error(line, err);
	}
	return 0;
}

static void *grow_array(void *p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 1024;
	void *np;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	if (!(np = realloc(p, ncap * size)))
		return NULL;
	*cap = ncap;
	return np;
}

/* Copies r->row into the staging area. */
static int stage_row(stage_text_reader *r, uint64_t line, stage_error *err)
{
	tin_stage *st = &r->stage;
	tin_sfield *f;
	tin_srow *rows;

	if (!(f = grow_array(st->f, &st->capf, st->nf + r->row.n, sizeof(*f))))
		return stage_error_oom(err, "first batch");
	st->f = f;
	if (!(rows = grow_array(st->rows, &st->caprows, st->nrows + 1, sizeof(*rows))))
		return stage_error_oom(err, "first batch");
	st->rows = rows;
	rows[st->nrows++] = (tin_srow){.first = st->nf, .n = r->row.n, .line = line};
	for (size_t i = 0; i < r->row.n; i++) {
		const tin_field *src = &r->row.f[i];

		f[st->nf++] = (tin_sfield){st->bytes.len, src->n, src->col, src->kind};
		if (stage__buf_append(&st->bytes, src->p, src->n, err) < 0)
			return line_error(line, err);
	}
	return 0;
}

/* Reads the first batch into the staging area: batch_rows rows (one more
 * when the first may be a header), fewer when the input ends, grows past
 * 64 MiB, or goes idle once enough rows are there to infer from. */
static int stage_first_batch(stage_text_reader *r, stage_error *err)
{
	stage_in_format fmt = r->o.format;
	bool maybe_header = fmt != STAGE_IN_JSONL &&
	                    (r->o.header == STAGE_HEADER_YES ||
	                     (r->o.header == STAGE_HEADER_AUTO &&
	                      (fmt == STAGE_IN_CSV || fmt == STAGE_IN_TSV)));
	size_t want = (size_t)r->o.batch_rows + maybe_header, enough = 1 + maybe_header;

	while (r->stage.nrows < want && r->stage.bytes.len < TIN_FLUSH_BYTES) {
		uint64_t line;
		size_t used;
		int rc = next_record(r, TIN_MAX_COLUMNS + 1, &line, &used, err);

		if (rc < 0)
			return -1;
		if (rc > 0) {
			if ((fmt == STAGE_IN_JSONL && map_keys(r, true, line, err) < 0) ||
			    stage_row(r, line, err) < 0)
				return -1;
			stage_source_consume(r->src, used);
			continue;
		}
		if (r->eof || (r->stage.nrows >= enough && stage_source_drained(r->src)))
			break;
		if (fill(r, err) < 0)
			return -1;
	}
	return 0;
}

static void release_stage(tin_stage *st)
{
	stage__buf_release(&st->bytes);
	free(st->f);
	free(st->rows);
	memset(st, 0, sizeof(*st));
}

int stage_text_reader_open(stage_text_reader **out, stage_source *src,
                           const stage_text_opts *o, stage_error *err)
{
	stage_text_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return stage_error_oom(err, "text reader");
	r->src = src;
	r->o = *o;
	if (r->o.batch_rows <= 0)
		r->o.batch_rows = STAGE_DEFAULT_BATCH_ROWS;
	r->line = 1;
	r->row.scratch.max = STAGE_SOURCE_MAX_BUFFER;
	r->stage.bytes.max = TIN_FLUSH_BYTES + STAGE_SOURCE_MAX_BUFFER;
	if (!(r->ops = ops_for(o->format))) {
		free(r);
		return stage_error_set(err, STAGE_EXIT_USAGE, "not a text input format");
	}
	if (stage_first_batch(r, err) < 0 || stage__tin_infer(r, err) < 0)
		goto fail;
	if (stage_builder_init(&r->b, r->schema, err) < 0) {
		if (r->b.cols)
			stage_builder_release(&r->b);
		goto fail;
	}
	r->have_builder = true;
	if (o->format == STAGE_IN_JSONL &&
	    !(r->slot = malloc((r->schema->ncols ? r->schema->ncols : 1) * sizeof(int)))) {
		stage_error_oom(err, "text reader");
		goto fail;
	}
	*out = r;
	return 0;
fail:
	stage_text_reader_free(r);
	return -1;
}

const stage_schema *stage_text_reader_schema(const stage_text_reader *r)
{
	return r->schema;
}

int stage_text_reader_only(stage_text_reader *r, const int *cols, size_t n, stage_error *err)
{
	size_t ncols = r->schema->ncols;

	free(r->skip);
	r->skip = malloc(ncols ? ncols : 1);
	if (!r->skip)
		return stage_error_oom(err, "column list");
	memset(r->skip, 1, ncols);
	r->stored = 1;
	for (size_t i = 0; i < n; i++)
		if (cols[i] >= 0 && (size_t)cols[i] < ncols) {
			r->skip[cols[i]] = false;
			if ((size_t)cols[i] >= r->stored)
				r->stored = (size_t)cols[i] + 1;
		}
	return 0;
}

static int emit(stage_text_reader *r, stage_batch **out, stage_error *err)
{
	/* Columns not converted are all null. */
	for (size_t i = 0; r->skip && i < r->schema->ncols; i++)
		if (r->skip[i])
			stage_col_append_nulls(&r->b.cols[i], r->nrows - r->b.cols[i].length);
	r->nrows = 0;
	return stage_builder_finish(&r->b, out, err) < 0 ? -1 : 1;
}

/* Moves staged rows into the builders, up to a full batch. */
static int unstage(stage_text_reader *r, stage_error *err)
{
	tin_stage *st = &r->stage;

	while (r->stage_next < st->nrows && r->nrows < r->o.batch_rows) {
		const tin_srow *sr = &st->rows[r->stage_next++];

		r->row.n = 0;
		for (size_t k = 0; k < sr->n; k++) {
			const tin_sfield *f = &st->f[sr->first + k];

			const uint8_t *p = st->bytes.data ? st->bytes.data + f->off : (const uint8_t *)"";

			if (stage__tin_push(&r->row, p, f->n, f->kind, err) < 0)
				return -1;
			r->row.f[k].col = f->col;
		}
		r->row.nfields = sr->n;
		if (stage__tin_append_row(r, &r->row, sr->line, err) < 0)
			return -1;
	}
	if (r->stage_next == st->nrows)
		release_stage(st);
	return 0;
}

int stage_text_reader_next(stage_text_reader *r, stage_batch **out, stage_error *err)
{
	return stage_text_reader_next_until(r, 0, out, err);
}

int stage_text_reader_next_until(stage_text_reader *r, uint64_t deadline_ns, stage_batch **out,
                                 stage_error *err)
{
	ssize_t got;
	size_t ncols = r->schema->ncols, since_check = 0;
	size_t max_fields = r->slot ? TIN_MAX_COLUMNS + 1 : r->skip ? r->stored : ncols + 1;

	*out = NULL;
	if (ncols == 0)
		return 0;
	if (r->stage.nrows && unstage(r, err) < 0)
		return -1;
	if (r->nrows >= r->o.batch_rows)
		return emit(r, out, err);
	for (;;) {
		uint64_t line;
		size_t used;
		int rc = next_record(r, max_fields, &line, &used, err);

		if (rc < 0)
			return -1;
		if (rc > 0) {
			if ((r->slot && map_keys(r, false, line, err) < 0) ||
			    stage__tin_append_row(r, &r->row, line, err) < 0)
				return -1;
			stage_source_consume(r->src, used);
			if (r->nrows >= r->o.batch_rows)
				return emit(r, out, err);
			/* Builder size is summed over columns: check it once per
			 * MiB of input, not per row. */
			since_check += used;
			if (since_check >= (1u << 20)) {
				since_check = 0;
				if (stage_builder_bytes(&r->b) >= TIN_FLUSH_BYTES)
					return emit(r, out, err);
			}
			continue;
		}
		if (r->eof)
			break;
		if (r->nrows > 0 && stage_source_drained(r->src))
			return emit(r, out, err);
		got = stage_source_fill_until(r->src, deadline_ns, err);
		if (got == STAGE_SOURCE_TIMED_OUT)
			return r->nrows > 0 ? emit(r, out, err) : STAGE_INPUT_TIMED_OUT;
		if (got < 0)
			return line_error(r->line, err);
		if (got == 0)
			r->eof = true;
	}
	return r->nrows > 0 ? emit(r, out, err) : 0;
}

static size_t describe(char *buf, size_t cap, const tin_misfit *m, const char *one,
                       const char *many)
{
	int n;

	if (!m->count)
		return 0;
	n = snprintf(buf, cap, "%llu %s (first: line %llu%s%s)", (unsigned long long)m->count,
	             m->count == 1 ? one : many, (unsigned long long)m->line,
	             *m->what ? ", " : "", m->what);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* The reader keeps the text it returns; the API hands out a const reader
 * here, but every reader is allocated by stage_text_reader_open. */
const char *stage_text_reader_warning(const stage_text_reader *r)
{
	stage_text_reader *w = (stage_text_reader *)r;
	char buf[1024];
	size_t n;

	if (!r->misfit.count && !r->extra.count)
		return NULL;
	n = describe(buf, sizeof(buf), &r->misfit,
	             "value did not fit its column type and became null",
	             "values did not fit their column type and became null");
	if (r->misfit.count && r->extra.count)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "; ");
	if (r->slot)
		describe(buf + n, sizeof(buf) - n, &r->extra,
		         "value had a key that is not a column and was dropped",
		         "values had keys that are not columns and were dropped");
	else
		describe(buf + n, sizeof(buf) - n, &r->extra,
		         "row had more fields than columns; the extra fields were dropped",
		         "rows had more fields than columns; the extra fields were dropped");
	free(w->warning);
	w->warning = strdup(buf);
	return w->warning;
}

void stage_text_reader_free(stage_text_reader *r)
{
	if (!r)
		return;
	if (r->have_builder)
		stage_builder_release(&r->b);
	stage_schema_free(r->schema);
	free(r->row.f);
	stage__buf_release(&r->row.scratch);
	release_stage(&r->stage);
	stage__tin_keys_release(&r->keys);
	free(r->slot);
	free(r->skip);
	free(r->warning);
	free(r);
}
