/* eval-expr's front end: parses the assignments and the --where filter,
 * checks them against the input schema and returns the typed tree (ast.h).
 *
 * Source positions: the assignment arguments are numbered as lines, the
 * first argument being line 1; an argument may also hold several
 * assignments separated by ';' or newlines, each of which starts a further
 * line (the next argument starts on the line after its last; a newline
 * inside parentheses continues the expression). Columns count
 * code points from 1, after a ';' from the first non-blank. The --where
 * text is numbered on its own, reported as "--where 1:COL". Errors have
 * status STAGE_EXIT_USAGE and read "1:14: unknown column 'd'".
 *
 * --drop and --keep name output columns (an exact name, else a 1-based
 * number) and keep the output's order. */
#ifndef EVAL_FRONT_H
#define EVAL_FRONT_H

#include "ast.h"
#include "stage.h"

typedef struct ev_front_opts {
	const char *const *assignments; /* the assignment arguments, in order */
	size_t nassignments;
	const char *where; /* NULL when no --where */
	const char *drop;  /* comma-separated column names, or NULL */
	const char *keep;  /* comma-separated column names, or NULL */
} ev_front_opts;

int ev_front(const ev_front_opts *o, const stage_schema *in, ev_ast **out, stage_error *err);

#endif
