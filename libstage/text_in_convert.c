/* From split fields to column values once the schema is fixed: numbers are
 * parsed straight from the input buffer into the builders, and a value that
 * does not fit its column becomes null and is counted (strict: an error). */
#include <stdio.h>

#include "text_in_internal.h"

void stage__tin_quote(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	static const size_t shown = 40;
	bool utf8 = stage__utf8_valid(p, n);
	size_t o = 0, i = 0;

	while (i < n) {
		char tmp[8];
		size_t len = 1;

		if (p[i] >= 0x80 && utf8) {
			len = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
			memcpy(tmp, p + i, len);
		} else if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '\\') {
			len = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
		} else {
			tmp[0] = (char)p[i];
		}
		if (i >= shown || o + len + 4 > cap) {
			if (o + 4 <= cap) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, tmp, len);
		o += len;
		i += p[i] >= 0x80 && utf8 ? len : 1;
	}
	dst[o] = '\0';
}

static int misfit(stage_text_reader *r, size_t col, const tin_field *f, uint64_t line,
                  stage_error *err)
{
	const stage_field *fd = &r->schema->fields[col];
	char val[200];

	stage__tin_quote(val, sizeof(val), f->p, f->n);
	if (r->o.strict)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "line %llu: column '%s': expected %s, got '%s'",
		                       (unsigned long long)line, fd->name, stage_type_name(fd->type),
		                       val);
	if (r->misfit.count++ == 0) {
		r->misfit.line = line;
		snprintf(r->misfit.what, sizeof(r->misfit.what), "column '%.80s', value '%.200s'",
		         fd->name, val);
	}
	stage_col_append_null(&r->b.cols[col]);
	return 0;
}

/* True when [p, p+n) is ASCII without a NUL byte: most text values, told
 * apart a word at a time (overlapping words for the ends). */
static inline bool plain_ascii(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t w, bad = 0;
	size_t i = 0;

	if (n < 8) {
		for (; i < n; i++)
			bad |= p[i] >= 0x80 || p[i] == 0;
		return !bad;
	}
	for (;; i += 8) {
		if (i + 8 > n)
			i = n - 8;
		memcpy(&w, p + i, 8);
		/* a high bit, or a zero byte (the classic haszero test) */
		bad |= (w | ((w - ones) & ~w)) & highs;
		if (i + 8 == n)
			return !bad;
	}
}

static inline void trim(const char **p, size_t *n)
{
	while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

static int put(stage_text_reader *r, size_t col, const tin_field *f, uint64_t line,
               stage_error *err)
{
	stage_column_builder *c = &r->b.cols[col];
	const char *p = (const char *)f->p;
	size_t n = f->n;
	int64_t i64;
	double f64;
	bool b;

	if (f->kind == TIN_NULL || (n == 0 && f->kind == TIN_TEXT)) {
		stage_col_append_null(c);
		return 0;
	}
	switch (c->type) {
	case STAGE_UTF8:
		if (plain_ascii(f->p, n) || (stage__utf8_valid(f->p, n) && !memchr(p, '\0', n))) {
			stage_col_append_bytes(c, p, n);
			return 0;
		}
		break;
	case STAGE_BINARY:
		stage_col_append_bytes(c, p, n);
		return 0;
	default:
		/* Blanks around a number, and an empty quoted field, are
		 * nothing to complain about. */
		trim(&p, &n);
		if (n == 0) {
			stage_col_append_null(c);
			return 0;
		}
		switch (c->type) {
		case STAGE_INT64:
			if (stage_parse_i64(p, n, &i64) == 0) {
				stage_col_append_i64(c, i64);
				return 0;
			}
			break;
		case STAGE_FLOAT64:
			if (r->o.residuals) {
				double res;

				if (stage_parse_f64_residual(p, n, &f64, &res) == 0) {
					stage_col_append_f64_residual(c, f64, res);
					return 0;
				}
			} else if (stage_parse_f64(p, n, &f64) == 0) {
				stage_col_append_f64(c, f64);
				return 0;
			}
			break;
		case STAGE_FLOAT32:
			if (stage_parse_f64(p, n, &f64) == 0) {
				stage_col_append_f32(c, (float)f64);
				return 0;
			}
			break;
		case STAGE_BOOL:
			if (stage_parse_bool(p, n, &b) == 0) {
				stage_col_append_bool(c, b);
				return 0;
			}
			break;
		case STAGE_TIMESTAMP:
			if (stage_parse_timestamp(p, n, &i64) == 0) {
				stage_col_append_i64(c, i64);
				return 0;
			}
			break;
		default:
			break;
		}
	}
	return misfit(r, col, f, line, err);
}

/* A field or key without a column: dropped and counted (strict: an error). */
static int extra(stage_text_reader *r, const tin_row *row, const tin_field *f, uint64_t line,
                 stage_error *err)
{
	char key[200];

	if (f)
		stage__tin_quote(key, sizeof(key), f->key, f->keylen);
	if (r->o.strict) {
		if (f)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "line %llu: key '%s' is not a column (columns come "
			                       "from the keys of the first batch)",
			                       (unsigned long long)line, key);
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "line %llu: %zu fields, expected at most %zu",
		                       (unsigned long long)line, row->nfields, r->schema->ncols);
	}
	if (r->extra.count++ == 0) {
		r->extra.line = line;
		if (f)
			snprintf(r->extra.what, sizeof(r->extra.what), "key '%.200s'", key);
	}
	return 0;
}

int stage__tin_append_row(stage_text_reader *r, const tin_row *row, uint64_t line,
                          stage_error *err)
{
	size_t ncols = r->schema->ncols, i;

	if (r->slot) {
		for (i = 0; i < ncols; i++)
			r->slot[i] = -1;
		for (i = 0; i < row->n; i++) {
			if (row->f[i].col >= 0)
				r->slot[row->f[i].col] = (int)i;
			else if (extra(r, row, &row->f[i], line, err) < 0)
				return -1;
		}
		for (i = 0; i < ncols; i++) {
			if (r->skip && r->skip[i])
				continue;
			if (r->slot[i] < 0)
				stage_col_append_null(&r->b.cols[i]);
			else if (put(r, i, &row->f[r->slot[i]], line, err) < 0)
				return -1;
		}
	} else {
		size_t n = row->n < ncols ? row->n : ncols;

		for (i = 0; i < n; i++)
			if (!(r->skip && r->skip[i]) && put(r, i, &row->f[i], line, err) < 0)
				return -1;
		for (; i < ncols; i++)
			if (!(r->skip && r->skip[i]))
				stage_col_append_null(&r->b.cols[i]);
		if (row->nfields > ncols && extra(r, row, NULL, line, err) < 0)
			return -1;
	}
	r->nrows++;
	return 0;
}
