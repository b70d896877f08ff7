/* eval-expr's lexer (lex.h): one token at a time, positions counted in code
 * points so that a caret under a unicode column name lands right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

void ev_lex_init(ev_lexer *lx, const char *text, size_t len, int line)
{
	memset(lx, 0, sizeof *lx);
	lx->p = text;
	lx->end = text + len;
	lx->line = line;
	lx->col = 1;
}

void ev_lex_release(ev_lexer *lx)
{
	free(lx->buf);
	lx->buf = NULL;
	lx->cap = 0;
}

static bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident(unsigned char c)
{
	return is_ident_start(c) || is_digit(c);
}

/* Consumes one byte, keeping the column in code points (UTF-8 continuation
 * bytes do not count). */
static void advance(ev_lexer *lx)
{
	unsigned char c = (unsigned char)*lx->p++;

	if ((c & 0xc0) != 0x80)
		lx->col++;
}

static int fail(ev_lexer *lx, char *msg, size_t msgsz, int *line, int *col, const char *what)
{
	snprintf(msg, msgsz, "%s", what);
	*line = lx->tok.line;
	*col = lx->tok.col;
	return -1;
}

/* Appends to the decoded text; the text is bounded by the source's length
 * (escapes only shrink it, except \xHH which gives at most 2 bytes for 4). */
static int put(ev_lexer *lx, size_t *n, unsigned char c)
{
	if (*n + 2 > lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 64;
		char *b = realloc(lx->buf, cap);

		if (!b)
			return -1;
		lx->buf = b;
		lx->cap = cap;
	}
	lx->buf[(*n)++] = (char)c;
	lx->buf[*n] = '\0';
	return 0;
}

/* An empty decoded text (the buffer allocated, so text is never NULL). */
static int clear(ev_lexer *lx, size_t *n)
{
	*n = 0;
	if (put(lx, n, 0) < 0)
		return -1;
	*n = 0;
	return 0;
}

static int hexval(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A quoted string: \\ \' \" \n \t and \xHH, which is the code point U+00HH
 * (as in Python's str), written as UTF-8. */
static int lex_string(ev_lexer *lx, char *msg, size_t msgsz, int *line, int *col)
{
	char q = *lx->p;
	size_t n = 0;

	advance(lx);
	if (clear(lx, &n) < 0)
		return fail(lx, msg, msgsz, line, col, "out of memory");
	for (;;) {
		unsigned char c;

		if (lx->p >= lx->end || *lx->p == '\n')
			return fail(lx, msg, msgsz, line, col, "unterminated string");
		c = (unsigned char)*lx->p;
		if (c == (unsigned char)q) {
			advance(lx);
			break;
		}
		if (c == '\\') {
			int bcol = lx->col, h1, h2;
			unsigned char e;

			advance(lx);
			if (lx->p >= lx->end)
				return fail(lx, msg, msgsz, line, col, "unterminated string");
			e = (unsigned char)*lx->p;
			switch (e) {
			case '\\': case '\'': case '"':
				c = e;
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'x':
				h1 = lx->end - lx->p > 1 ? hexval((unsigned char)lx->p[1]) : -1;
				h2 = lx->end - lx->p > 2 ? hexval((unsigned char)lx->p[2]) : -1;
				if (h1 < 0 || h2 < 0) {
					*line = lx->line;
					*col = bcol;
					snprintf(msg, msgsz, "bad escape: \\x needs two hex digits");
					return -1;
				}
				advance(lx);
				advance(lx);
				c = (unsigned char)(h1 * 16 + h2);
				if (c >= 0x80) {
					if (put(lx, &n, (unsigned char)(0xc0 | (c >> 6))) < 0)
						goto oom;
					c = (unsigned char)(0x80 | (c & 0x3f));
				}
				break;
			default:
				*line = lx->line;
				*col = bcol;
				if (e >= 0x20 && e < 0x7f)
					snprintf(msg, msgsz, "bad escape '\\%c'", e);
				else
					snprintf(msg, msgsz, "bad escape '\\x%02x'", e);
				return -1;
			}
		}
		if (put(lx, &n, c) < 0)
			goto oom;
		advance(lx);
	}
	lx->tok.kind = EV_T_STRING;
	lx->tok.text = lx->buf;
	lx->tok.len = n;
	return 0;
oom:
	return fail(lx, msg, msgsz, line, col, "out of memory");
}

static int lex_backquoted(ev_lexer *lx, char *msg, size_t msgsz, int *line, int *col)
{
	size_t n = 0;

	advance(lx);
	if (clear(lx, &n) < 0)
		return fail(lx, msg, msgsz, line, col, "out of memory");
	for (;;) {
		if (lx->p >= lx->end || *lx->p == '\n')
			return fail(lx, msg, msgsz, line, col, "unterminated name");
		if (*lx->p == '`')
			break;
		if (put(lx, &n, (unsigned char)*lx->p) < 0)
			return fail(lx, msg, msgsz, line, col, "out of memory");
		advance(lx);
	}
	advance(lx);
	if (n == 0)
		return fail(lx, msg, msgsz, line, col, "empty name");
	lx->tok.kind = EV_T_NAME;
	lx->tok.quoted = true;
	lx->tok.text = lx->buf;
	lx->tok.len = n;
	return 0;
}

static void lex_digits(ev_lexer *lx)
{
	while (lx->p < lx->end && is_digit((unsigned char)*lx->p))
		advance(lx);
}

static int lex_number(ev_lexer *lx, char *msg, size_t msgsz, int *line, int *col)
{
	const char *start = lx->p;
	bool is_float = false;
	char bad[64];

	lex_digits(lx);
	if (lx->p < lx->end && *lx->p == '.') {
		is_float = true;
		advance(lx);
		lex_digits(lx);
	}
	if (lx->p < lx->end && (*lx->p == 'e' || *lx->p == 'E')) {
		const char *q = lx->p + 1;

		if (q < lx->end && (*q == '+' || *q == '-'))
			q++;
		if (q < lx->end && is_digit((unsigned char)*q)) {
			is_float = true;
			while (lx->p < q)
				advance(lx);
			lex_digits(lx);
		}
	}
	if (lx->p < lx->end && (is_ident((unsigned char)*lx->p) || *lx->p == '.')) {
		while (lx->p < lx->end && (is_ident((unsigned char)*lx->p) || *lx->p == '.'))
			advance(lx);
		snprintf(bad, sizeof bad, "bad number '%.*s'", (int)(lx->p - start > 40 ? 40 : lx->p - start),
		         start);
		return fail(lx, msg, msgsz, line, col, bad);
	}
	if (is_float) {
		size_t n = 0;

		for (const char *q = start; q < lx->p; q++)
			if (put(lx, &n, (unsigned char)*q) < 0)
				return fail(lx, msg, msgsz, line, col, "out of memory");
		/* Overflow gives inf and underflow 0 or a subnormal, as in Python. */
		lx->tok.v.f = strtod(lx->buf, NULL);
		lx->tok.kind = EV_T_FLOAT;
		return 0;
	}
	lx->tok.kind = EV_T_INT;
	lx->tok.v.i.u = 0;
	lx->tok.v.i.overflow = false;
	for (const char *q = start; q < lx->p; q++) {
		uint64_t d = (uint64_t)(*q - '0');

		if (lx->tok.v.i.u > (UINT64_MAX - d) / 10)
			lx->tok.v.i.overflow = true;
		lx->tok.v.i.u = lx->tok.v.i.u * 10 + d;
	}
	return 0;
}

static const struct {
	const char *word;
	ev_tok kind;
} keywords[] = {
	{"and", EV_T_AND},   {"or", EV_T_OR},       {"not", EV_T_NOT},     {"true", EV_T_TRUE},
	{"True", EV_T_TRUE}, {"false", EV_T_FALSE}, {"False", EV_T_FALSE},
};

/* An identifier or keyword; a name's text is copied into the buffer. */
static int lex_ident(ev_lexer *lx)
{
	const char *start = lx->p;
	size_t len, n = 0;

	while (lx->p < lx->end && is_ident((unsigned char)*lx->p))
		advance(lx);
	len = (size_t)(lx->p - start);
	for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
		if (strlen(keywords[k].word) == len && memcmp(keywords[k].word, start, len) == 0) {
			lx->tok.kind = keywords[k].kind;
			return 0;
		}
	for (size_t i = 0; i < len; i++)
		if (put(lx, &n, (unsigned char)start[i]) < 0)
			return -1;
	lx->tok.kind = EV_T_NAME;
	lx->tok.text = lx->buf;
	lx->tok.len = len;
	return 0;
}

/* Operators, longest first. */
static const struct {
	const char *text;
	ev_tok kind;
} ops[] = {
	{"**", EV_T_STAR2}, {"//", EV_T_SLASH2}, {"==", EV_T_EQ},     {"!=", EV_T_NE},
	{"<=", EV_T_LE},    {">=", EV_T_GE},     {"+", EV_T_PLUS},    {"-", EV_T_MINUS},
	{"*", EV_T_STAR},   {"/", EV_T_SLASH},   {"%", EV_T_PERCENT}, {"<", EV_T_LT},
	{">", EV_T_GT},     {"~", EV_T_TILDE},   {"(", EV_T_LPAREN},  {")", EV_T_RPAREN},
	{",", EV_T_COMMA},  {"=", EV_T_ASSIGN},
};

static int lex_op(ev_lexer *lx, char *msg, size_t msgsz, int *line, int *col)
{
	unsigned char c = (unsigned char)*lx->p;
	char bad[64];

	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		size_t n = strlen(ops[k].text);

		if ((size_t)(lx->end - lx->p) >= n && memcmp(lx->p, ops[k].text, n) == 0) {
			lx->tok.kind = ops[k].kind;
			for (size_t i = 0; i < n; i++)
				advance(lx);
			if (ops[k].kind == EV_T_LPAREN)
				lx->parens++;
			else if (ops[k].kind == EV_T_RPAREN && lx->parens > 0)
				lx->parens--;
			return 0;
		}
	}
	if (c > 0x20 && c < 0x7f)
		snprintf(bad, sizeof bad, "unexpected character '%c'", c);
	else
		snprintf(bad, sizeof bad, "unexpected character '\\x%02x'", c);
	return fail(lx, msg, msgsz, line, col, bad);
}

/* Skips blanks; a newline inside parentheses is a blank too. */
static void skip_blanks(ev_lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == ' ' || c == '\t' || c == '\r') {
			advance(lx);
		} else if (c == '\n' && lx->parens > 0) {
			lx->p++;
			lx->line++;
			lx->col = 1;
		} else {
			break;
		}
	}
}

int ev_lex_next(ev_lexer *lx, char *msg, size_t msgsz, int *line, int *col)
{
	unsigned char c;

	skip_blanks(lx);
	lx->tok.line = lx->line;
	lx->tok.col = lx->col;
	lx->tok.src = lx->p;
	lx->tok.quoted = false;
	lx->tok.text = NULL;
	lx->tok.len = 0;
	if (lx->p >= lx->end) {
		lx->tok.kind = EV_T_END;
		lx->tok.srclen = 0;
		return 0;
	}
	c = (unsigned char)*lx->p;
	if (c == ';' || c == '\n') {
		/* Each assignment is a line of its own: after ';' the next one
		 * starts at column 1 where its text starts. */
		lx->tok.kind = EV_T_SEP;
		lx->p++;
		lx->tok.srclen = 1;
		lx->line++;
		lx->col = 1;
		lx->parens = 0;
		if (c == ';')
			while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
				lx->p++;
		return 0;
	}
	if (c == '\'' || c == '"') {
		if (lex_string(lx, msg, msgsz, line, col) < 0)
			return -1;
	} else if (c == '`') {
		if (lex_backquoted(lx, msg, msgsz, line, col) < 0)
			return -1;
	} else if (is_digit(c) || (c == '.' && lx->end - lx->p > 1 && is_digit((unsigned char)lx->p[1]))) {
		if (lex_number(lx, msg, msgsz, line, col) < 0)
			return -1;
	} else if (is_ident_start(c)) {
		if (lex_ident(lx) < 0)
			return fail(lx, msg, msgsz, line, col, "out of memory");
	} else if (lex_op(lx, msg, msgsz, line, col) < 0) {
		return -1;
	}
	lx->tok.srclen = (size_t)(lx->p - lx->tok.src);
	return 0;
}

void ev_tok_describe(const ev_token *t, char *buf, size_t sz)
{
	switch (t->kind) {
	case EV_T_END:
		snprintf(buf, sz, "end of expression");
		break;
	case EV_T_SEP:
		snprintf(buf, sz, *t->src == ';' ? "';'" : "end of line");
		break;
	case EV_T_STRING:
		snprintf(buf, sz, "string");
		break;
	default:
		snprintf(buf, sz, "'%.*s'", (int)(t->srclen > 40 ? 40 : t->srclen), t->src);
		break;
	}
}
