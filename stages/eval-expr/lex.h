/* eval-expr's lexer: splits expression text into tokens with their 1-based
 * line and column (columns count code points), decoding number literals,
 * string escapes and backquoted names on the way. */
#ifndef EVAL_LEX_H
#define EVAL_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"

typedef enum ev_tok {
	EV_T_END = 1, /* end of the text */
	EV_T_SEP,     /* ';' or a newline outside parentheses: ends an assignment */
	EV_T_INT,     /* decimal integer: v.u, with v.overflow when above 2^64 - 1 */
	EV_T_FLOAT,   /* v.f */
	EV_T_STRING,  /* text/len: the decoded bytes */
	EV_T_NAME,    /* identifier or backquoted name: text/len (quoted: backquoted) */
	EV_T_AND,
	EV_T_OR,
	EV_T_NOT,
	EV_T_TRUE,
	EV_T_FALSE,
	EV_T_PLUS,
	EV_T_MINUS,
	EV_T_STAR,
	EV_T_SLASH,
	EV_T_SLASH2,
	EV_T_PERCENT,
	EV_T_STAR2,
	EV_T_EQ,
	EV_T_NE,
	EV_T_LT,
	EV_T_LE,
	EV_T_GT,
	EV_T_GE,
	EV_T_TILDE,
	EV_T_LPAREN,
	EV_T_RPAREN,
	EV_T_COMMA,
	EV_T_ASSIGN,
} ev_tok;

typedef struct ev_token {
	ev_tok kind;
	int line, col;
	const char *src;  /* where the token starts in the text, and its length */
	size_t srclen;
	bool quoted;      /* EV_T_NAME written in backquotes */
	char *text;       /* EV_T_STRING, EV_T_NAME: decoded, NUL-terminated, owned
	                     by the lexer until the next token */
	size_t len;
	union {
		struct {
			uint64_t u;
			bool overflow;
		} i;
		double f;
	} v;
} ev_token;

typedef struct ev_lexer {
	const char *p, *end;
	int line, col;
	int parens;   /* open parentheses: newlines inside them are blanks */
	ev_token tok; /* the current token */
	char *buf;    /* decoded text of the current token */
	size_t cap;
} ev_lexer;

/* text need not be NUL-terminated; line is the number of its first line. */
void ev_lex_init(ev_lexer *lx, const char *text, size_t len, int line);
void ev_lex_release(ev_lexer *lx);
/* Moves to the next token. Returns 0, or -1 with a message (without
 * position) in msg and the position of the fault in *line, *col. */
int ev_lex_next(ev_lexer *lx, char *msg, size_t msgsz, int *line, int *col);
/* A short description of the current token for "unexpected ..." messages. */
void ev_tok_describe(const ev_token *t, char *buf, size_t sz);

#endif
