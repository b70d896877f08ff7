/* TSV and CSV output: a header line of column names, then one line per row,
 * every line ending in \n. A null is an empty field; binary values are
 * lowercase hex. With no columns there is nothing to write, not even a header.
 *
 * TSV has no quoting, so a tab, newline, carriage return or backslash in a
 * text value is written as \t, \n, \r or \\, which the TSV reader turns
 * back into the character. An empty string still reads back as null: use
 * CSV or JSON Lines where that distinction matters.
 *
 * CSV follows RFC 4180: a field is quoted when it holds a comma, quote, CR
 * or LF, or starts or ends with a space or tab (which readers may trim), and
 * inner quotes are doubled. An empty string is written as "", since the CSV
 * reader reads an unquoted empty field as null and "" as an empty string,
 * so text -> arrow -> text gives back the same bytes. */
#include "text_out_internal.h"

static const char tsv_escape[256] = {['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r', ['\\'] = '\\'};
static const bool csv_special[256] = {[','] = true, ['"'] = true, ['\r'] = true, ['\n'] = true};

static int put_byte(stage_sink *k, char c, stage_error *err)
{
	return stage_sink_write(k, &c, 1, err);
}

static int put_tsv_text(stage_sink *k, const uint8_t *p, size_t n, stage_error *err)
{
	size_t i = 0;

	while (i < n && !tsv_escape[p[i]])
		i++;
	if (i == n)
		return stage_sink_write(k, p, n, err);
	if (stage_sink_write(k, p, i, err) < 0)
		return -1;
	while (i < n) {
		size_t piece = n - i < TOUT_PIECE ? n - i : TOUT_PIECE;
		char *o = stage_sink_reserve(k, 2 * piece, err), *start = o;

		if (!o)
			return -1;
		for (size_t end = i + piece; i < end; i++) {
			if (tsv_escape[p[i]]) {
				*o++ = '\\';
				*o++ = tsv_escape[p[i]];
			} else {
				*o++ = (char)p[i];
			}
		}
		stage_sink_commit(k, (size_t)(o - start));
	}
	return 0;
}

static bool csv_needs_quotes(const uint8_t *p, size_t n)
{
	if (n == 0 || p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t')
		return true;
	for (size_t i = 0; i < n; i++)
		if (csv_special[p[i]])
			return true;
	return false;
}

static int put_csv_text(stage_sink *k, const uint8_t *p, size_t n, stage_error *err)
{
	size_t i = 0;

	if (!csv_needs_quotes(p, n))
		return stage_sink_write(k, p, n, err);
	if (put_byte(k, '"', err) < 0)
		return -1;
	while (i < n) {
		size_t piece = n - i < TOUT_PIECE ? n - i : TOUT_PIECE;
		char *o = stage_sink_reserve(k, 2 * piece, err), *start = o;

		if (!o)
			return -1;
		for (size_t end = i + piece; i < end; i++) {
			if (p[i] == '"')
				*o++ = '"';
			*o++ = (char)p[i];
		}
		stage_sink_commit(k, (size_t)(o - start));
	}
	return put_byte(k, '"', err);
}

static int put_text(stage_sink *k, bool csv, const uint8_t *p, size_t n, stage_error *err)
{
	return csv ? put_csv_text(k, p, n, err) : put_tsv_text(k, p, n, err);
}

static int put_header(stage_text_writer *w, bool csv, stage_error *err)
{
	const stage_schema *s = w->schema;

	w->started = true;
	if (s->ncols == 0)
		return 0;
	for (size_t c = 0; c < s->ncols; c++) {
		const char *name = s->fields[c].name;

		if ((c && put_byte(w->sink, csv ? ',' : '\t', err) < 0) ||
		    put_text(w->sink, csv, (const uint8_t *)name, strlen(name), err) < 0)
			return -1;
	}
	return put_byte(w->sink, '\n', err);
}

/* A non-null utf8 or binary value. An empty binary value is quoted in CSV
 * for the same reason an empty string is. */
static int put_varwidth(stage_sink *k, bool csv, const stage_array *a, int64_t r,
                        stage_error *err)
{
	size_t n;
	const uint8_t *p = stage_array_bytes(a, r, &n);

	if (a->type == STAGE_UTF8)
		return put_text(k, csv, p, n, err);
	if (csv && n == 0)
		return stage_sink_write(k, "\"\"", 2, err);
	return stage__tout_put_hex(k, p, n, err);
}

static int write_delimited(stage_text_writer *w, const stage_batch *b, bool csv,
                           stage_error *err)
{
	stage_sink *k = w->sink;
	const char sep = csv ? ',' : '\t';

	if (!w->started && put_header(w, csv, err) < 0)
		return -1;
	if (b->ncols == 0)
		return 0;
	for (int64_t r = 0; r < b->nrows; r++) {
		for (size_t c = 0; c < b->ncols; c++) {
			const stage_array *a = &b->cols[c];
			size_t lead = c > 0;
			char *o;

			if (stage_array_is_null(a, r) || stage_type_is_varwidth(a->type)) {
				if ((lead && put_byte(k, sep, err) < 0) ||
				    (!stage_array_is_null(a, r) && put_varwidth(k, csv, a, r, err) < 0))
					return -1;
				continue;
			}
			/* Separator and value in one reservation: the common case. */
			o = stage_sink_reserve(k, 1 + STAGE_FORMAT_MAX, err);
			if (!o)
				return -1;
			o[0] = sep;
			stage_sink_commit(k, lead + stage__tout_fixed(o + lead, a, r));
		}
		if (put_byte(k, '\n', err) < 0)
			return -1;
	}
	return 0;
}

static int write_tsv(stage_text_writer *w, const stage_batch *b, stage_error *err)
{
	return write_delimited(w, b, false, err);
}

static int write_csv(stage_text_writer *w, const stage_batch *b, stage_error *err)
{
	return write_delimited(w, b, true, err);
}

/* Input with no batches at all still gets its header. */
static int finish_tsv(stage_text_writer *w, stage_error *err)
{
	return w->started ? 0 : put_header(w, false, err);
}

static int finish_csv(stage_text_writer *w, stage_error *err)
{
	return w->started ? 0 : put_header(w, true, err);
}

const tout_ops stage__tout_tsv = {NULL, write_tsv, finish_tsv, NULL};
const tout_ops stage__tout_csv = {NULL, write_csv, finish_csv, NULL};
