/* The promises of eval-expr's checked tree (ast.h), checked node by node:
 * the fuzz target runs it on every tree the front end accepts, and the unit
 * tests on theirs. Returns NULL, or which promise a tree breaks. */
#ifndef EVAL_AST_VALID_H
#define EVAL_AST_VALID_H

#include <stdio.h>
#include <string.h>

#include "ast.h"
#include "stage.h"

static inline bool ev_valid_numeric(ev_type t)
{
	return t == EV_INT64 || t == EV_FLOAT32 || t == EV_FLOAT64;
}

static inline bool ev_valid_float(ev_type t)
{
	return t == EV_FLOAT32 || t == EV_FLOAT64;
}

static inline int ev_valid_column_type(stage_type t)
{
	switch (t) {
	case STAGE_INT64: case STAGE_TIMESTAMP: return EV_INT64;
	case STAGE_FLOAT64: return EV_FLOAT64;
	case STAGE_FLOAT32: return EV_FLOAT32;
	case STAGE_BOOL: return EV_BOOL;
	case STAGE_UTF8: return EV_STRING;
	default: return -1;
	}
}

/* n's arguments all of type t (from the first'th on). */
static inline bool ev_valid_args_are(const ev_node *n, int first, ev_type t)
{
	for (int i = first; i < n->nargs; i++)
		if (n->args[i]->type != t)
			return false;
	return true;
}

/* nassign: the assignments n may refer to; depth: n's depth from the root. */
static inline const char *ev_valid_node(const ev_ast *ast, const stage_schema *in,
                                        const ev_node *n, size_t nassign, int depth)
{
	static char why[128];
	bool ok;

	if (!n)
		return "null node";
	if (depth > 2 * EV_MAX_DEPTH)
		return "tree deeper than 2 * EV_MAX_DEPTH";
	if (n->type < EV_BOOL || n->type > EV_STRING || n->nargs < 0 || n->nargs > 3)
		return "bad type or argument count";
	for (int i = 0; i < n->nargs; i++)
		if (!n->args[i])
			return "null argument";
	switch (n->op) {
	case EV_COLUMN:
		ok = n->nargs == 0 && n->u.column >= 0 && (size_t)n->u.column < in->ncols &&
		     ev_valid_column_type(in->fields[n->u.column].type) == (int)n->type;
		break;
	case EV_ASSIGNED:
		ok = n->nargs == 0 && n->u.assigned >= 0 && (size_t)n->u.assigned < nassign &&
		     ast->assign[n->u.assigned].expr->type == n->type;
		break;
	case EV_LITERAL:
		ok = n->nargs == 0 && (n->type != EV_STRING ||
		                       (n->u.lit.s.bytes && n->u.lit.s.bytes[n->u.lit.s.len] == 0));
		break;
	case EV_CAST:
		ok = n->nargs == 1 && ev_valid_numeric(n->type) && n->args[0]->type != n->type &&
		     n->args[0]->type != EV_STRING;
		break;
	case EV_NEG:
	case EV_ABS:
		ok = n->nargs == 1 && ev_valid_numeric(n->type) && ev_valid_args_are(n, 0, n->type);
		break;
	case EV_ADD: case EV_SUB: case EV_MUL: case EV_FLOORDIV: case EV_MOD: case EV_POW:
	case EV_FMOD: case EV_MIN: case EV_MAX:
		ok = n->nargs == 2 && ev_valid_numeric(n->type) && ev_valid_args_are(n, 0, n->type);
		break;
	case EV_DIV: case EV_ATAN2: case EV_HYPOT:
		ok = n->nargs == 2 && ev_valid_float(n->type) && ev_valid_args_are(n, 0, n->type);
		break;
	case EV_EQ: case EV_NE: case EV_LT: case EV_LE: case EV_GT: case EV_GE:
		ok = n->nargs == 2 && n->type == EV_BOOL && n->args[0]->type == n->args[1]->type;
		break;
	case EV_AND: case EV_OR:
		ok = n->nargs == 2 && n->type == EV_BOOL && ev_valid_args_are(n, 0, EV_BOOL);
		break;
	case EV_NOT:
		ok = n->nargs == 1 && n->type == EV_BOOL && ev_valid_args_are(n, 0, EV_BOOL);
		break;
	case EV_WHERE:
		ok = n->nargs == 3 && n->type != EV_STRING && n->args[0]->type == EV_BOOL &&
		     ev_valid_args_are(n, 1, n->type);
		break;
	case EV_SQRT: case EV_CBRT: case EV_EXP: case EV_EXP2: case EV_EXPM1: case EV_LOG:
	case EV_LOG2: case EV_LOG10: case EV_LOG1P: case EV_SIN: case EV_COS: case EV_TAN:
	case EV_ASIN: case EV_ACOS: case EV_ATAN: case EV_SINH: case EV_COSH: case EV_TANH:
		ok = n->nargs == 1 && ev_valid_float(n->type) && ev_valid_args_are(n, 0, n->type);
		break;
	case EV_FLOOR: case EV_CEIL: case EV_ROUND: case EV_TRUNC:
		ok = n->nargs == 1 && ev_valid_numeric(n->type) && ev_valid_args_are(n, 0, n->type);
		break;
	case EV_ISNAN: case EV_ISINF: case EV_ISFINITE:
		ok = n->nargs == 1 && n->type == EV_BOOL && ev_valid_float(n->args[0]->type);
		break;
	case EV_CLIP:
		ok = n->nargs == 3 && ev_valid_numeric(n->type) && ev_valid_args_are(n, 0, n->type);
		break;
	case EV_CONTAINS: case EV_STARTSWITH: case EV_ENDSWITH:
		ok = n->nargs == 2 && n->type == EV_BOOL && ev_valid_args_are(n, 0, EV_STRING);
		break;
	case EV_LEN:
		ok = n->nargs == 1 && n->type == EV_INT64 && ev_valid_args_are(n, 0, EV_STRING);
		break;
	case EV_MATCH:
		ok = n->nargs == 2 && n->type == EV_BOOL && ev_valid_args_are(n, 0, EV_STRING) &&
		     n->args[1]->op == EV_LITERAL;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		snprintf(why, sizeof why, "op %d of type %d with %d args breaks its rule at %d:%d",
		         (int)n->op, (int)n->type, n->nargs, n->line, n->col);
		return why;
	}
	for (int i = 0; i < n->nargs; i++) {
		const char *bad = ev_valid_node(ast, in, n->args[i], nassign, depth + 1);

		if (bad)
			return bad;
	}
	return NULL;
}

static inline const char *ev_valid_ast(const ev_ast *ast, const stage_schema *in)
{
	const char *bad;

	for (size_t i = 0; i < ast->nassign; i++) {
		const ev_node *e = ast->assign[i].expr;

		if (!ast->assign[i].name || !ast->assign[i].name[0])
			return "assignment without a name";
		if ((bad = ev_valid_node(ast, in, e, i, 1)))
			return bad;
		if (e->type == EV_STRING && e->op != EV_COLUMN && e->op != EV_ASSIGNED)
			return "a string result that is not a copy";
	}
	if (ast->where) {
		if (ast->where->type != EV_BOOL)
			return "--where is not bool";
		if ((bad = ev_valid_node(ast, in, ast->where, ast->nassign, 1)))
			return bad;
	}
	for (size_t i = 0; i < ast->nout; i++) {
		const ev_output *o = &ast->out[i];

		if ((o->input >= 0) == (o->assigned >= 0) ||
		    (o->input >= 0 && (size_t)o->input >= in->ncols) ||
		    (o->assigned >= 0 && (size_t)o->assigned >= ast->nassign))
			return "bad output column";
	}
	return NULL;
}

#endif
