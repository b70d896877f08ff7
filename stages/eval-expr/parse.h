/* eval-expr's parser: assignments and the --where filter into a syntax tree
 * of names and operators, untyped; typecheck.c resolves and types it.
 *
 * Hostile text stays safe: the tree is at most EV_MAX_DEPTH nodes deep
 * (deeper is an error, found without recursing further), so every walk over
 * it may recurse. */
#ifndef EVAL_PARSE_H
#define EVAL_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "stage_error.h"

typedef enum ev_syn_kind {
	EV_S_INT = 1, /* u: the literal, overflow when above 2^64 - 1 */
	EV_S_FLOAT,   /* f */
	EV_S_BOOL,    /* b */
	EV_S_STRING,  /* text, len */
	EV_S_NAME,    /* text: a column or assigned name; b: written in backquotes */
	EV_S_CALL,    /* text: the function; args */
	EV_S_UNARY,   /* op EV_NEG, EV_NOT, or EV_CAST for unary plus; args[0] */
	EV_S_BINARY,  /* op EV_ADD .. EV_POW, EV_AND, EV_OR; args[0], args[1] */
	EV_S_COMPARE, /* a chain: nargs operands, ops[i] between args[i] and
	                 args[i + 1] (EV_EQ .. EV_GE, EV_MATCH for ~) */
} ev_syn_kind;

typedef struct ev_syn {
	ev_syn_kind kind;
	int line, col;
	int depth; /* nodes on the longest path down, this one included */
	ev_op op;
	char *text; /* NUL-terminated; strings may hold NULs before len */
	size_t len;
	uint64_t u;
	bool overflow;
	double f;
	bool b;
	size_t nargs;
	struct ev_syn **args;
	ev_op *ops;
	int *op_line, *op_col; /* EV_S_COMPARE: where each operator is */
} ev_syn;

void ev_syn_free(ev_syn *s);

/* One parsed assignment. */
typedef struct ev_syn_assign {
	char *name;
	int line, col; /* of the name */
	ev_syn *expr;
} ev_syn_assign;

typedef struct ev_syn_list {
	size_t n, cap;
	ev_syn_assign *a;
} ev_syn_list;

void ev_syn_list_release(ev_syn_list *l);

/* Parses the assignments in text, lines numbered from *line on (*line is
 * moved past them: the next argument starts on a new line), and appends
 * them to l. Errors have status USAGE and read "LINE:COL: what". */
int ev_parse_assignments(const char *text, int *line, ev_syn_list *l, stage_error *err);
/* Parses one expression (the --where filter), reported as "--where L:C". */
int ev_parse_expr(const char *text, ev_syn **out, stage_error *err);

#endif
