/* JSON Lines records: one flat object per line whose values are numbers,
 * strings, true, false or null (NaN and Infinity accepted as Python's json
 * writes them). Strings are unescaped into the row's scratch only when they
 * hold an escape; keys map to columns through a small hash table. */
#include <stdlib.h>

#include "text_in_internal.h"

typedef struct json_cursor {
	const uint8_t *p, *e;
	tin_row *row;
	stage_error *err;
} json_cursor;

static int json_fail(json_cursor *c, const char *what)
{
	return stage_error_set(c->err, STAGE_EXIT_BAD_INPUT, "invalid json: %s", what);
}

static void skip_ws(json_cursor *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

static int hex4(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		uint8_t h = p[i];

		if (h >= '0' && h <= '9')
			v = v * 16 + (h - '0');
		else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
			v = v * 16 + ((h | 0x20) - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* UTF-8 for a code point; a lone surrogate is written as its (invalid)
 * three-byte form so that utf8 validation later turns it into a counted
 * null, as any other invalid text. */
static uint8_t *put_utf8(uint8_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (uint8_t)cp;
	} else if (cp < 0x800) {
		*o++ = (uint8_t)(0xc0 | cp >> 6);
		*o++ = (uint8_t)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (uint8_t)(0xe0 | cp >> 12);
		*o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (uint8_t)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (uint8_t)(0xf0 | cp >> 18);
		*o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (uint8_t)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Unescapes from c->p (just past the opening quote) into scratch; every
 * escape is at least as long as what it stands for, so scratch sized to
 * the record always has room. */
static int unescape(json_cursor *c, const uint8_t **val, size_t *len)
{
	uint8_t *out = c->row->scratch.data + c->row->scratch.len, *o = out;

	while (c->p < c->e) {
		uint8_t ch = *c->p++;
		uint32_t cp, lo;

		if (ch == '"') {
			*val = out;
			*len = (size_t)(o - out);
			c->row->scratch.len += *len;
			return 0;
		}
		if (ch < 0x20)
			return json_fail(c, "control character in a string");
		if (ch != '\\') {
			*o++ = ch;
			continue;
		}
		if (c->p == c->e)
			break;
		switch (ch = *c->p++) {
		case '"': case '\\': case '/':
			*o++ = ch;
			break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (c->e - c->p < 4 || hex4(c->p, &cp) < 0)
				return json_fail(c, "bad \\u escape");
			c->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && c->e - c->p >= 6 && c->p[0] == '\\' &&
			    c->p[1] == 'u' && hex4(c->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				c->p += 6;
			}
			o = put_utf8(o, cp);
			break;
		default:
			return json_fail(c, "bad escape in a string");
		}
	}
	return json_fail(c, "string not closed");
}

/* A string at c->p (the opening quote). */
static int string(json_cursor *c, const uint8_t **val, size_t *len)
{
	const uint8_t *s = ++c->p;

	while (c->p < c->e && *c->p != '"' && *c->p != '\\' && *c->p >= 0x20)
		c->p++;
	if (c->p < c->e && *c->p == '"') {
		*val = s;
		*len = (size_t)(c->p - s);
		c->p++;
		return 0;
	}
	c->p = s;
	return unescape(c, val, len);
}

static bool literal(json_cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->e - c->p) < n || memcmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool is_digit(const json_cursor *c)
{
	return c->p < c->e && *c->p >= '0' && *c->p <= '9';
}

/* JSON's number grammar, plus NaN, Infinity and -Infinity. */
static int number(json_cursor *c)
{
	if (literal(c, "NaN") || literal(c, "Infinity") || literal(c, "-Infinity"))
		return 0;
	if (c->p < c->e && *c->p == '-')
		c->p++;
	if (!is_digit(c))
		return json_fail(c, "unexpected character");
	if (*c->p++ != '0')
		while (is_digit(c))
			c->p++;
	if (c->p < c->e && *c->p == '.') {
		c->p++;
		if (!is_digit(c))
			return json_fail(c, "bad number");
		while (is_digit(c))
			c->p++;
	}
	if (c->p < c->e && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->e && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!is_digit(c))
			return json_fail(c, "bad number");
		while (is_digit(c))
			c->p++;
	}
	return 0;
}

static int value(json_cursor *c, const uint8_t *key, size_t keylen, const uint8_t **val,
                 size_t *len, int *kind)
{
	const uint8_t *s = c->p;
	char shown[96];

	if (c->p == c->e)
		return json_fail(c, "line ends inside an object");
	switch (*c->p) {
	case '"':
		*kind = TIN_STRING;
		return string(c, val, len);
	case '{':
	case '[':
		stage__tin_quote(shown, sizeof(shown), key, keylen);
		return stage_error_set(c->err, STAGE_EXIT_BAD_INPUT,
		                       "key '%s': nested objects and arrays are not supported", shown);
	case 't':
	case 'f':
	case 'n':
		*kind = *c->p == 'n' ? TIN_NULL : TIN_TEXT;
		if (!literal(c, "true") && !literal(c, "false") && !literal(c, "null"))
			return json_fail(c, "unexpected word");
		break;
	default:
		*kind = TIN_TEXT;
		if (number(c) < 0)
			return -1;
	}
	*val = s;
	*len = (size_t)(c->p - s);
	return 0;
}

static int split_jsonl(tin_row *row, const uint8_t *p, size_t n, size_t max_fields,
                       stage_error *err)
{
	json_cursor c = {p, p + n, row, err};

	row->nfields = 0;
	skip_ws(&c);
	row->blank = c.p == c.e;
	if (row->blank)
		return 0;
	if (*c.p != '{')
		return json_fail(&c, "a line must hold one object");
	c.p++;
	skip_ws(&c);
	if (c.p < c.e && *c.p == '}') {
		c.p++;
	} else {
		for (;;) {
			const uint8_t *key, *val;
			size_t keylen, len;
			int kind = TIN_TEXT;

			if (c.p == c.e || *c.p != '"')
				return json_fail(&c, "expected a key");
			if (string(&c, &key, &keylen) < 0)
				return -1;
			skip_ws(&c);
			if (c.p == c.e || *c.p++ != ':')
				return json_fail(&c, "expected ':' after a key");
			skip_ws(&c);
			if (value(&c, key, keylen, &val, &len, &kind) < 0)
				return -1;
			if (row->nfields++ < max_fields) {
				if (stage__tin_push(row, val, len, kind, err) < 0)
					return -1;
				row->f[row->n - 1].key = key;
				row->f[row->n - 1].keylen = keylen;
			}
			skip_ws(&c);
			if (c.p < c.e && *c.p == ',') {
				c.p++;
				skip_ws(&c);
				continue;
			}
			if (c.p < c.e && *c.p == '}') {
				c.p++;
				break;
			}
			return json_fail(&c, "expected ',' or '}'");
		}
	}
	skip_ws(&c);
	if (c.p != c.e)
		return json_fail(&c, "text after the object");
	return 0;
}

const tin_ops stage__tin_jsonl = {stage__tin_find_line, split_jsonl, false};

static uint64_t hash_key(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

int stage__tin_keys_find(const tin_keys *k, const uint8_t *p, size_t n)
{
	if (!k->nslots)
		return -1;
	for (size_t i = hash_key(p, n) & (k->nslots - 1);; i = (i + 1) & (k->nslots - 1)) {
		uint32_t s = k->slots[i];

		if (!s)
			return -1;
		if (k->lens[s - 1] == n && memcmp(k->names[s - 1], p, n) == 0)
			return (int)(s - 1);
	}
}

static int rehash(tin_keys *k, stage_error *err)
{
	size_t nslots = k->nslots ? k->nslots * 2 : 64;
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return stage_error_oom(err, "json keys");
	for (size_t j = 0; j < k->n; j++) {
		size_t i = hash_key((const uint8_t *)k->names[j], k->lens[j]) & (nslots - 1);

		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = (uint32_t)j + 1;
	}
	free(k->slots);
	k->slots = slots;
	k->nslots = nslots;
	return 0;
}

int stage__tin_keys_add(tin_keys *k, const uint8_t *p, size_t n, stage_error *err)
{
	int found = stage__tin_keys_find(k, p, n);
	char *name;

	if (found >= 0)
		return found;
	if (k->n >= TIN_MAX_COLUMNS)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "more than %d distinct keys",
		                       TIN_MAX_COLUMNS);
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		char **names = realloc(k->names, cap * sizeof(*names));
		size_t *lens;

		if (!names)
			return stage_error_oom(err, "json keys");
		k->names = names;
		lens = realloc(k->lens, cap * sizeof(*lens));
		if (!lens)
			return stage_error_oom(err, "json keys");
		k->lens = lens;
		k->cap = cap;
	}
	if (!(name = malloc(n + 1)))
		return stage_error_oom(err, "json keys");
	memcpy(name, p, n);
	name[n] = '\0';
	k->names[k->n] = name;
	k->lens[k->n] = n;
	k->n++;
	/* Keep the table at most half full. */
	if (k->n * 2 > k->nslots)
		return rehash(k, err) < 0 ? -1 : (int)(k->n - 1);
	for (size_t i = hash_key(p, n) & (k->nslots - 1);; i = (i + 1) & (k->nslots - 1)) {
		if (!k->slots[i]) {
			k->slots[i] = (uint32_t)k->n;
			return (int)(k->n - 1);
		}
	}
}

void stage__tin_keys_release(tin_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->names[i]);
	free(k->names);
	free(k->lens);
	free(k->slots);
	memset(k, 0, sizeof(*k));
}
