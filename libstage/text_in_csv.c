/* CSV records as RFC 4180 has them: a field that starts with a quote runs to
 * the matching quote and may hold commas, doubled quotes and newlines. As
 * Python's csv module does, a quote inside an unquoted field is literal and
 * text after a closing quote is kept. */
#include "text_in_internal.h"

enum { CSV_OUT, CSV_IN, CSV_AFTER_QUOTE };

static uint64_t count_newlines(const uint8_t *p, size_t n)
{
	uint64_t c = 0;
	const uint8_t *e = p + n;

	while ((p = memchr(p, '\n', (size_t)(e - p)))) {
		c++;
		p++;
	}
	return c;
}

/* A record ends at the first newline outside quotes. Lines without a quote
 * at a field start (nearly all of them) cost two memchr calls. */
static ssize_t csv_find(tin_scan *s, const uint8_t *p, size_t n, bool eof, stage_error *err)
{
	size_t i = s->scanned;

	while (i < n) {
		const uint8_t *nl, *q;
		size_t lim;

		if (s->state == CSV_IN) {
			q = memchr(p + i, '"', n - i);
			lim = q ? (size_t)(q - p) : n;
			s->newlines += count_newlines(p + i, lim - i);
			i = q ? lim + 1 : n;
			if (q)
				s->state = CSV_AFTER_QUOTE;
			continue;
		}
		if (s->state == CSV_AFTER_QUOTE) {
			if (p[i] == '"') {
				s->state = CSV_IN;
				i++;
				continue;
			}
			s->state = CSV_OUT;
		}
		nl = memchr(p + i, '\n', n - i);
		lim = nl ? (size_t)(nl - p) : n;
		q = memchr(p + i, '"', lim - i);
		while (q && q > p && q[-1] != ',')
			q = memchr(q + 1, '"', lim - (size_t)(q + 1 - p));
		if (q) {
			s->state = CSV_IN;
			i = (size_t)(q - p) + 1;
			continue;
		}
		if (nl)
			return (ssize_t)lim + 1;
		i = n;
	}
	s->scanned = i;
	if (!eof)
		return 0;
	if (s->state == CSV_IN)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "quoted field not closed at end of input");
	return (ssize_t)n;
}

/* A quoted field starting at p[i] == '"'. A field without doubled quotes
 * or trailing text is used in place; otherwise it is unescaped into the
 * row's scratch, which the caller sized to hold the whole record. */
static size_t quoted_field(tin_row *row, const uint8_t *p, size_t n, size_t i,
                           const uint8_t **val, size_t *len)
{
	const uint8_t *q = memchr(p + i + 1, '"', n - i - 1);
	uint8_t *out, *o;

	if (q && ((size_t)(q - p) + 1 == n || q[1] == ',')) {
		*val = p + i + 1;
		*len = (size_t)(q - p) - i - 1;
		return (size_t)(q - p) + 1;
	}
	out = o = row->scratch.data + row->scratch.len;
	i++;
	for (;;) {
		q = memchr(p + i, '"', n - i);
		if (!q) {
			memcpy(o, p + i, n - i);
			o += n - i;
			i = n;
			break;
		}
		memcpy(o, p + i, (size_t)(q - p) - i);
		o += (size_t)(q - p) - i;
		i = (size_t)(q - p) + 1;
		if (i < n && p[i] == '"') {
			*o++ = '"';
			i++;
			continue;
		}
		/* Closing quote: anything up to the next comma is kept as is. */
		q = memchr(p + i, ',', n - i);
		memcpy(o, p + i, (q ? (size_t)(q - p) : n) - i);
		o += (q ? (size_t)(q - p) : n) - i;
		i = q ? (size_t)(q - p) : n;
		break;
	}
	*val = out;
	*len = (size_t)(o - out);
	row->scratch.len += *len;
	return i;
}

static int split_csv(tin_row *row, const uint8_t *p, size_t n, size_t max_fields,
                     stage_error *err)
{
	size_t i = 0;

	row->nfields = 0;
	row->blank = n == 0;
	if (n == 0)
		return 0;
	for (;;) {
		const uint8_t *val;
		size_t len, end;
		int kind;

		if (i < n && p[i] == '"') {
			end = quoted_field(row, p, n, i, &val, &len);
			kind = TIN_QUOTED;
		} else {
			const uint8_t *c = memchr(p + i, ',', n - i);

			end = c ? (size_t)(c - p) : n;
			val = p + i;
			len = end - i;
			kind = TIN_TEXT;
		}
		if (row->nfields++ < max_fields && stage__tin_push(row, val, len, kind, err) < 0)
			return -1;
		if (end >= n)
			return 0;
		i = end + 1;
	}
}

const tin_ops stage__tin_csv = {csv_find, split_csv, true};
