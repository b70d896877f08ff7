/* JSON Lines output: one object per row, keyed by column name in schema
 * order. Numbers keep every digit and read back to the identical value
 * (NaN, Infinity and -Infinity as Python's json module writes them);
 * timestamps are ISO 8601 strings, binary values strings of lowercase hex. */
#include <math.h>
#include <stdlib.h>

#include "text_out_internal.h"

/* Longest run of column names: the schema reader already bounds them. */
#define JSONL_KEYS_MAX ((size_t)1 << 30)

typedef struct jsonl_state {
	stage__buf keys;  /* `{"a":` then `,"b":` ... pre-escaped, one per column */
	size_t *key_end;  /* key c is keys.data[key_end[c-1] .. key_end[c]) */
} jsonl_state;

/* Escape for each byte below 0x80: 0 passes as is, 'u' becomes \u00XX,
 * anything else is the letter after the backslash. */
static const char json_escape[128] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
	[0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u',
	[0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
	[0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',
	[0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* Worst case per input byte: a control character as \u00XX. */
#define JSON_EXPANSION 6

/* Escapes p[*i..] into o, stopping at the first sequence boundary at or
 * after `stop` (a UTF-8 sequence is never split, so it may run 3 bytes
 * past). Bytes that are not well-formed UTF-8 become U+FFFD: the output
 * must stay valid JSON whatever a utf8 column holds. Returns bytes written. */
static size_t json_escape_piece(char *o, const uint8_t *p, size_t n, size_t *i, size_t stop)
{
	static const char hex[] = "0123456789abcdef";
	char *start = o;
	size_t k = *i;

	while (k < stop) {
		uint8_t c = p[k];

		if (c >= 0x80) {
			size_t len = stage__utf8_seq(p + k, n - k);

			if (len == 0) {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				k++;
			} else {
				memcpy(o, p + k, len);
				o += len;
				k += len;
			}
		} else if (!json_escape[c]) {
			*o++ = (char)c;
			k++;
		} else if (json_escape[c] == 'u') {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
			k++;
		} else {
			*o++ = '\\';
			*o++ = json_escape[c];
			k++;
		}
	}
	*i = k;
	return (size_t)(o - start);
}

/* A JSON string for p[0..n), quotes included, in pieces through the sink. */
static int put_json_string(stage_sink *k, const uint8_t *p, size_t n, stage_error *err)
{
	size_t i = 0;
	char *o = stage_sink_reserve(k, 1, err);

	if (!o)
		return -1;
	*o = '"';
	stage_sink_commit(k, 1);
	while (i < n) {
		size_t stop = n - i < TOUT_PIECE ? n : i + TOUT_PIECE;

		/* + 3: the last sequence may run past stop. */
		o = stage_sink_reserve(k, JSON_EXPANSION * (stop - i + 3), err);
		if (!o)
			return -1;
		stage_sink_commit(k, json_escape_piece(o, p, n, &i, stop));
	}
	return stage_sink_write(k, "\"", 1, err);
}

static int jsonl_open(stage_text_writer *w, stage_error *err)
{
	const stage_schema *s = w->schema;
	jsonl_state *st = calloc(1, sizeof(*st));

	if (!st)
		return stage_error_oom(err, "jsonl writer");
	w->state = st;
	st->keys.max = JSONL_KEYS_MAX;
	st->key_end = calloc(s->ncols + 1, sizeof(*st->key_end));
	if (!st->key_end)
		return stage_error_oom(err, "jsonl writer");
	for (size_t c = 0; c < s->ncols; c++) {
		const uint8_t *name = (const uint8_t *)s->fields[c].name;
		size_t n = strlen(s->fields[c].name), i = 0;
		char *o;

		if (stage__buf_reserve(&st->keys, JSON_EXPANSION * n + 4, err) < 0)
			return -1;
		o = (char *)st->keys.data + st->keys.len;
		*o++ = c ? ',' : '{';
		*o++ = '"';
		o += json_escape_piece(o, name, n, &i, n);
		*o++ = '"';
		*o++ = ':';
		st->keys.len = (size_t)(o - (char *)st->keys.data);
		st->key_end[c] = st->keys.len;
	}
	return 0;
}

/* JSON has no NaN or infinities; Python's json module writes these words
 * and the JSON Lines reader accepts them. */
static size_t json_float(char *o, double v, bool single)
{
	if (isnan(v)) {
		memcpy(o, "NaN", 3);
		return 3;
	}
	if (isinf(v)) {
		memcpy(o, v < 0 ? "-Infinity" : "Infinity", v < 0 ? 9 : 8);
		return v < 0 ? 9 : 8;
	}
	return single ? stage_format_f32(o, (float)v) : stage_format_f64(o, v);
}

/* A non-null fixed-width value into o (STAGE_FORMAT_MAX + 2 bytes). */
static size_t json_fixed(char *o, const stage_array *a, int64_t r)
{
	switch (a->type) {
	case STAGE_FLOAT64:
		return json_float(o, stage_array_f64(a, r), false);
	case STAGE_FLOAT32:
		return json_float(o, stage_array_f32(a, r), true);
	case STAGE_TIMESTAMP: {
		size_t n = stage_format_timestamp(o + 1, stage_array_i64(a, r));

		o[0] = '"';
		o[n + 1] = '"';
		return n + 2;
	}
	default:
		return stage__tout_fixed(o, a, r);
	}
}

static int jsonl_write(stage_text_writer *w, const stage_batch *b, stage_error *err)
{
	const jsonl_state *st = w->state;
	stage_sink *k = w->sink;

	for (int64_t r = 0; r < b->nrows; r++) {
		for (size_t c = 0; c < b->ncols; c++) {
			const stage_array *a = &b->cols[c];
			size_t kstart = c ? st->key_end[c - 1] : 0, klen = st->key_end[c] - kstart;
			char *o = stage_sink_reserve(k, klen + STAGE_FORMAT_MAX + 2, err);
			size_t n;
			const uint8_t *p;

			if (!o)
				return -1;
			memcpy(o, st->keys.data + kstart, klen);
			if (stage_array_is_null(a, r)) {
				memcpy(o + klen, "null", 4);
				stage_sink_commit(k, klen + 4);
				continue;
			}
			if (!stage_type_is_varwidth(a->type)) {
				stage_sink_commit(k, klen + json_fixed(o + klen, a, r));
				continue;
			}
			stage_sink_commit(k, klen);
			p = stage_array_bytes(a, r, &n);
			if (a->type == STAGE_UTF8) {
				if (put_json_string(k, p, n, err) < 0)
					return -1;
				continue;
			}
			if (stage_sink_write(k, "\"", 1, err) < 0 ||
			    stage__tout_put_hex(k, p, n, err) < 0 ||
			    stage_sink_write(k, "\"", 1, err) < 0)
				return -1;
		}
		if (stage_sink_write(k, b->ncols ? "}\n" : "{}\n", b->ncols ? 2 : 3, err) < 0)
			return -1;
	}
	return 0;
}

static int jsonl_finish(stage_text_writer *w, stage_error *err)
{
	return 0;
}

static void jsonl_release(stage_text_writer *w)
{
	jsonl_state *st = w->state;

	if (!st)
		return;
	stage__buf_release(&st->keys);
	free(st->key_end);
	free(st);
}

const tout_ops stage__tout_jsonl = {jsonl_open, jsonl_write, jsonl_finish, jsonl_release};
