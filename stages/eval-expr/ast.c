/* The checked tree's small helpers (ast.h): freeing it, type names and
 * source positions for messages. */
#include <stdio.h>
#include <stdlib.h>

#include "ast.h"

const char *ev_type_name(ev_type t)
{
	switch (t) {
	case EV_BOOL: return "bool";
	case EV_INT64: return "int64";
	case EV_FLOAT32: return "float32";
	case EV_FLOAT64: return "float64";
	case EV_STRING: return "string";
	}
	return "unknown";
}

/* Recursion is bounded: trees are at most 2 * EV_MAX_DEPTH deep. */
void ev_node_free(ev_node *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nargs; i++)
		ev_node_free(n->args[i]);
	if (n->op == EV_LITERAL && n->type == EV_STRING)
		free(n->u.lit.s.bytes);
	free(n);
}

void ev_ast_free(ev_ast *ast)
{
	if (!ast)
		return;
	for (size_t i = 0; i < ast->nassign; i++) {
		free(ast->assign[i].name);
		ev_node_free(ast->assign[i].expr);
	}
	free(ast->assign);
	ev_node_free(ast->where);
	free(ast->out);
	free(ast);
}

int ev_node_pos(const ev_ast *ast, const ev_node *n, char *buf, size_t sz)
{
	if (ast->where_line > 0 && n->line >= ast->where_line)
		return snprintf(buf, sz, "--where %d:%d", n->line - ast->where_line + 1, n->col);
	return snprintf(buf, sz, "%d:%d", n->line, n->col);
}
