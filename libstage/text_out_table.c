/* Aligned tables for a terminal: a header of column names, then the rows,
 * columns two spaces apart, numbers right-aligned and everything else
 * left-aligned. Widths come from each batch as it arrives, so rows show up
 * at once under `tail -F`; they only ever grow, so later rows line up with
 * earlier ones (and the header, printed with the first rows) when they fit.
 *
 * Display: a null is shown as ∅ (U+2205), so it stands apart from an empty
 * string or the text "null". Width counts code points. Control characters,
 * C1 controls and bytes that are not UTF-8 show escaped (\t, \n, \r,
 * \xHH, \u0080) so no value can move the cursor. A cell wider than 40
 * columns is cut to 39 and an ellipsis. Binary values show as hex. */
#include <stdlib.h>

#include "text_out_internal.h"

#define CELL_WIDTH 40
/* A cell holds at most CELL_WIDTH units of at most 4 bytes per column of
 * width (a 4-byte sequence is one column, an escape one per byte). */
#define CELL_BYTES (4 * CELL_WIDTH + 8)
#define NULL_MARK "\xe2\x88\x85"

typedef struct table_state {
	size_t *width; /* per column, in display columns, never above CELL_WIDTH */
} table_state;

typedef struct cell {
	char text[CELL_BYTES];
	size_t len;
	size_t width;
} cell;

/* One display unit of text at p[0..n): writes it into u, sets its width,
 * and returns how many input bytes it stands for. */
static size_t text_unit(const uint8_t *p, size_t n, char *u, size_t *ulen)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t c = p[0];
	size_t seq;

	if (c >= 0x20 && c < 0x7f) {
		u[0] = (char)c;
		*ulen = 1;
		return 1;
	}
	if (c == '\t' || c == '\n' || c == '\r') {
		u[0] = '\\';
		u[1] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		*ulen = 2;
		return 1;
	}
	seq = c >= 0x80 ? stage__utf8_seq(p, n) : 0;
	if (seq == 2 && c == 0xc2 && p[1] < 0xa0) {
		memcpy(u, "\\u00", 4);
		u[4] = hex[p[1] >> 4];
		u[5] = hex[p[1] & 15];
		*ulen = 6;
		return 2;
	}
	if (seq) {
		memcpy(u, p, seq);
		*ulen = seq;
		return seq;
	}
	u[0] = '\\';
	u[1] = 'x';
	u[2] = hex[c >> 4];
	u[3] = hex[c & 15];
	*ulen = 4;
	return 1;
}

/* Text into a cell, cut with an ellipsis past CELL_WIDTH columns. Escapes
 * are as wide as their bytes; any other unit is one column. */
static void render_text(cell *out, const uint8_t *p, size_t n)
{
	size_t i = 0, cut_len = 0, cut_width = 0;

	out->len = out->width = 0;
	while (i < n) {
		char u[6];
		size_t ulen, adv = text_unit(p + i, n - i, u, &ulen);
		size_t uw = (unsigned char)u[0] >= 0x80 ? 1 : ulen;

		if (out->width + uw > CELL_WIDTH) {
			memcpy(out->text + cut_len, "\xe2\x80\xa6", 3);
			out->len = cut_len + 3;
			out->width = cut_width + 1;
			return;
		}
		memcpy(out->text + out->len, u, ulen);
		out->len += ulen;
		out->width += uw;
		i += adv;
		if (out->width < CELL_WIDTH) {
			cut_len = out->len;
			cut_width = out->width;
		}
	}
}

static void render_cell(cell *out, const stage_array *a, int64_t r)
{
	const uint8_t *p;
	size_t n;

	if (stage_array_is_null(a, r)) {
		memcpy(out->text, NULL_MARK, 3);
		out->len = 3;
		out->width = 1;
		return;
	}
	if (!stage_type_is_varwidth(a->type)) {
		out->len = out->width = stage__tout_fixed(out->text, a, r);
		return;
	}
	p = stage_array_bytes(a, r, &n);
	if (a->type == STAGE_UTF8) {
		render_text(out, p, n);
		return;
	}
	if (2 * n <= CELL_WIDTH) {
		out->len = out->width = 2 * n;
		stage__tout_hex(out->text, p, n);
		return;
	}
	stage__tout_hex(out->text, p, CELL_WIDTH / 2);
	memcpy(out->text + CELL_WIDTH - 1, "\xe2\x80\xa6", 3);
	out->len = CELL_WIDTH + 2;
	out->width = CELL_WIDTH;
}

static bool right_aligned(stage_type t)
{
	return t == STAGE_INT64 || t == STAGE_FLOAT64 || t == STAGE_FLOAT32;
}

/* One line: the header when b is NULL, else row r of b. Blanks are held
 * back until text follows them, so no line ends in blanks. */
static int put_line(stage_text_writer *w, const stage_batch *b, int64_t r, stage_error *err)
{
	const table_state *st = w->state;
	const stage_schema *s = w->schema;
	size_t blanks = 0;
	cell cl;

	for (size_t c = 0; c < s->ncols; c++) {
		bool right = right_aligned(s->fields[c].type);
		size_t pad;
		char *o;

		if (b)
			render_cell(&cl, &b->cols[c], r);
		else
			render_text(&cl, (const uint8_t *)s->fields[c].name, strlen(s->fields[c].name));
		pad = st->width[c] - cl.width;
		blanks += (c ? 2 : 0) + (right ? pad : 0);
		if (cl.len) {
			/* blanks < (2 + CELL_WIDTH) * ncols: written in bounded steps. */
			while (blanks) {
				size_t step = blanks < 4096 ? blanks : 4096;

				if (!(o = stage_sink_reserve(w->sink, step, err)))
					return -1;
				memset(o, ' ', step);
				stage_sink_commit(w->sink, step);
				blanks -= step;
			}
			if (stage_sink_write(w->sink, cl.text, cl.len, err) < 0)
				return -1;
		}
		blanks += right ? 0 : pad;
	}
	return stage_sink_write(w->sink, "\n", 1, err);
}

static void widen_to_names(stage_text_writer *w)
{
	table_state *st = w->state;
	cell cl;

	for (size_t c = 0; c < w->schema->ncols; c++) {
		render_text(&cl, (const uint8_t *)w->schema->fields[c].name,
		            strlen(w->schema->fields[c].name));
		if (cl.width > st->width[c])
			st->width[c] = cl.width;
	}
}

static int table_open(stage_text_writer *w, stage_error *err)
{
	table_state *st = calloc(1, sizeof(*st));

	if (!st)
		return stage_error_oom(err, "table writer");
	w->state = st;
	st->width = calloc(w->schema->ncols + 1, sizeof(*st->width));
	if (!st->width)
		return stage_error_oom(err, "table writer");
	return 0;
}

/* A batch without rows waits: the header goes out with the first rows, so
 * its widths fit them. */
static int table_write(stage_text_writer *w, const stage_batch *b, stage_error *err)
{
	table_state *st = w->state;
	cell cl;

	if (b->nrows == 0 || b->ncols == 0)
		return 0;
	for (size_t c = 0; c < b->ncols; c++) {
		for (int64_t r = 0; r < b->nrows; r++) {
			render_cell(&cl, &b->cols[c], r);
			if (cl.width > st->width[c])
				st->width[c] = cl.width;
		}
	}
	if (!w->started) {
		widen_to_names(w);
		w->started = true;
		if (put_line(w, NULL, 0, err) < 0)
			return -1;
	}
	for (int64_t r = 0; r < b->nrows; r++)
		if (put_line(w, b, r, err) < 0)
			return -1;
	return 0;
}

/* Input without rows still shows which columns it had. */
static int table_finish(stage_text_writer *w, stage_error *err)
{
	if (w->started || w->schema->ncols == 0)
		return 0;
	w->started = true;
	widen_to_names(w);
	return put_line(w, NULL, 0, err);
}

static void table_release(stage_text_writer *w)
{
	table_state *st = w->state;

	if (!st)
		return;
	free(st->width);
	free(st);
}

const tout_ops stage__tout_table = {table_open, table_write, table_finish, table_release};
