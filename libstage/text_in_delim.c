/* Record splitters without quoting: `lines` (the whole line is the value),
 * `ws` (fields separated by runs of blanks, as awk splits them) and `tsv`
 * (one tab between fields; \t \n \r \\ stand for a tab, newline, carriage
 * return and backslash inside a value, as the TSV writer escapes them). A
 * record is one line. */
#include <stdlib.h>

#include "text_in_internal.h"

int stage__tin_push(tin_row *row, const uint8_t *p, size_t n, int kind, stage_error *err)
{
	if (row->n == row->cap) {
		size_t cap = row->cap ? row->cap * 2 : 16;
		tin_field *f = realloc(row->f, cap * sizeof(*f));

		if (!f)
			return stage_error_oom(err, "fields of a record");
		row->f = f;
		row->cap = cap;
	}
	row->f[row->n] = (tin_field){.p = p, .n = n, .kind = kind, .col = (int)row->n};
	row->n++;
	return 0;
}

ssize_t stage__tin_find_line(tin_scan *s, const uint8_t *p, size_t n, bool eof,
                             stage_error *err)
{
	const uint8_t *nl = s->scanned < n ? memchr(p + s->scanned, '\n', n - s->scanned) : NULL;

	if (nl)
		return nl - p + 1;
	s->scanned = n;
	return eof ? (ssize_t)n : 0;
}

static int split_line(tin_row *row, const uint8_t *p, size_t n, size_t max_fields,
                      stage_error *err)
{
	row->nfields = 1;
	row->blank = false;
	return stage__tin_push(row, p, n, TIN_QUOTED, err);
}

static inline bool blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Per byte of w: 0x80 where the byte is at most k (k < 0x80), else 0. */
static inline uint64_t bytes_le(uint64_t w, uint8_t k)
{
	return ~(((w & ~HIGHS) + (0x7f - k) * ONES) | w) & HIGHS;
}

/* Per byte of w: 0x80 where the byte is a blank (see blank()), else 0. */
static inline uint64_t blanks(uint64_t w)
{
	return bytes_le(w ^ (' ' * ONES), 0) |
	       (bytes_le(w, '\r') & ~bytes_le(w, '\t' - 1) & ~bytes_le(w ^ ('\n' * ONES), 0));
}

/* How many bytes of a mask of 0x80s are marked (without a popcount
 * instruction, which the baseline x86-64 lacks): the multiply sums the
 * bytes into the top one. */
static inline size_t bytes_marked(uint64_t m)
{
	return (size_t)(((m >> 7) * ONES) >> 56);
}

/* The end of the run of non-blanks at p[i], eight bytes a step. */
static inline size_t field_end(const uint8_t *p, size_t i, size_t n)
{
	for (; i + 8 <= n; i += 8) {
		uint64_t w, b;

		memcpy(&w, p + i, 8);
		b = blanks(w);
		if (b)
			return i + (size_t)__builtin_ctzll(b) / 8;
	}
	while (i < n && !blank(p[i]))
		i++;
	return i;
}

/* Fields that start in [p, p+n), where p[-1] is not a blank: the columns
 * past the last stored one are only counted, eight bytes a step. */
static size_t count_fields(const uint8_t *p, size_t n)
{
	uint64_t carry = 0, w;
	size_t count = 0, i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t b;

		memcpy(&w, p + i, 8);
		b = blanks(w);
		/* a field starts at a non-blank byte after a blank one */
		count += bytes_marked(~b & HIGHS & ((b << 8) | carry));
		carry = b >> 56;
	}
	for (bool was_blank = carry != 0; i < n; i++) {
		count += !blank(p[i]) && was_blank;
		was_blank = blank(p[i]);
	}
	return count;
}

static int split_ws(tin_row *row, const uint8_t *p, size_t n, size_t max_fields,
                    stage_error *err)
{
	size_t i = 0;

	row->nfields = 0;
	for (;;) {
		size_t start;

		while (i < n && blank(p[i]))
			i++;
		if (i == n) {
			row->blank = row->nfields == 0;
			return 0;
		}
		start = i;
		i = field_end(p, i, n);
		if (stage__tin_push(row, p + start, i - start, TIN_TEXT, err) < 0)
			return -1;
		if (++row->nfields == max_fields) {
			row->nfields += count_fields(p + i, n - i);
			row->blank = false;
			return 0;
		}
	}
}

/* A value with backslash escapes, unescaped into the row's scratch (sized
 * by the caller to hold the record). An unknown escape stays as it is. */
static const uint8_t *tsv_unescape(tin_row *row, const uint8_t *p, size_t *n)
{
	uint8_t *out = row->scratch.data + row->scratch.len, *o = out;

	for (size_t i = 0; i < *n; i++) {
		uint8_t c = p[i];

		if (c == '\\' && i + 1 < *n) {
			switch (p[i + 1]) {
			case 't': c = '\t'; i++; break;
			case 'n': c = '\n'; i++; break;
			case 'r': c = '\r'; i++; break;
			case '\\': i++; break;
			}
		}
		*o++ = c;
	}
	*n = (size_t)(o - out);
	row->scratch.len += *n;
	return out;
}

static int split_tsv(tin_row *row, const uint8_t *p, size_t n, size_t max_fields,
                     stage_error *err)
{
	const uint8_t *s = p, *e = p + n;

	row->nfields = 0;
	row->blank = n == 0;
	if (n == 0)
		return 0;
	for (;;) {
		const uint8_t *tab = memchr(s, '\t', (size_t)(e - s));
		const uint8_t *end = tab ? tab : e, *val = s;
		size_t len = (size_t)(end - s);

		if (memchr(s, '\\', len))
			val = tsv_unescape(row, s, &len);
		if (row->nfields++ < max_fields && stage__tin_push(row, val, len, TIN_TEXT, err) < 0)
			return -1;
		if (!tab)
			return 0;
		s = tab + 1;
	}
}

const tin_ops stage__tin_lines = {stage__tin_find_line, split_line, false};
const tin_ops stage__tin_ws = {stage__tin_find_line, split_ws, true};
const tin_ops stage__tin_tsv = {stage__tin_find_line, split_tsv, true};
