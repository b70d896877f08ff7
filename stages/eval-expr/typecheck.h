/* eval-expr's type checker: resolves names in the syntax tree (parse.h),
 * types every node by the promotion rules documented in typecheck.c and makes
 * each promotion an explicit EV_CAST, giving the tree of ast.h. calls.c
 * checks function calls with the helpers declared here. */
#ifndef EVAL_TYPECHECK_H
#define EVAL_TYPECHECK_H

#include <stdbool.h>

#include "ast.h"
#include "parse.h"
#include "stage.h"

/* Nodes one expression may make: chained comparisons copy their middle
 * operands, which nested chains could otherwise blow up exponentially. */
#define EV_MAX_NODES (1 << 18)

typedef struct ev_checker {
	const stage_schema *in;
	const ev_ast *ast;  /* the assignments so far (names resolve to them) */
	const char *prefix; /* "" or "--where ", for messages */
	int line_shift;     /* added to syntax lines to give node lines */
	size_t nodes;       /* nodes made for this expression (EV_MAX_NODES) */
	stage_error *err;
} ev_checker;

/* A typed subtree; weak when it is built from literals only (NumPy's NEP 50
 * "weak" Python scalars: it takes the other operand's type). */
typedef struct ev_typed {
	ev_node *n;
	bool weak;
} ev_typed;

/* Types s; on failure returns -1 with out->n NULL. */
int ev_check(ev_checker *c, const ev_syn *s, ev_typed *out);
/* A function call (calls.c). */
int ev_check_call(ev_checker *c, const ev_syn *s, ev_typed *out);

/* Helpers for calls.c. Each takes ownership of the nodes it is given and
 * frees them on failure. */
int ev_check_error(ev_checker *c, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A new node of op and type at s's position over nargs args. */
ev_node *ev_make(ev_checker *c, const ev_syn *s, ev_op op, ev_type type, int nargs,
                 ev_node **args);
/* n converted to t: n itself, a literal converted in place, or an EV_CAST. */
ev_node *ev_cast(ev_checker *c, ev_node *n, ev_type t);
/* The arithmetic type of two numeric or bool operands. */
ev_type ev_promote(ev_type a, bool weak_a, ev_type b, bool weak_b);
/* "string column 'host'", "string 'x'" or the type's name, for messages. */
void ev_describe(const ev_checker *c, const ev_node *n, char *buf, size_t sz);

#endif
