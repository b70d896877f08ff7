/* eval-expr's front end (front.h): parses every assignment and the filter,
 * checks them in order (each sees the results before it) and lays out the
 * output columns with --drop / --keep applied. */
#include <stdlib.h>
#include <string.h>

#include "typecheck.h"
#include "front.h"
#include "parse.h"

/* One assignment: its expression typed; a string result only as a copy of
 * a column (no expression makes strings). */
static int check_assignment(ev_checker *c, ev_ast *ast, ev_syn_assign *sa)
{
	ev_typed t;

	if (ev_check(c, sa->expr, &t) < 0)
		return -1;
	if (t.n->type == EV_STRING && t.n->op != EV_COLUMN && t.n->op != EV_ASSIGNED) {
		ev_node_free(t.n);
		return ev_check_error(c, sa->expr->line, sa->expr->col,
		                      "cannot assign a string literal to '%.200s': only string "
		                      "columns can be copied", sa->name);
	}
	ast->assign[ast->nassign].name = sa->name;
	ast->assign[ast->nassign].expr = t.n;
	sa->name = NULL;
	ast->nassign++;
	return 0;
}

static int check_where(ev_checker *c, ev_ast *ast, const ev_syn *s)
{
	ev_typed t;

	if (ev_check(c, s, &t) < 0)
		return -1;
	if (t.n->type != EV_BOOL) {
		ev_type ty = t.n->type;

		ev_node_free(t.n);
		return ev_check_error(c, s->line, s->col, "--where needs a bool expression, got %s",
		                      ev_type_name(ty));
	}
	ast->where = t.n;
	return 0;
}

static const char *out_name(const ev_ast *ast, const stage_schema *in, const ev_output *o)
{
	return o->input >= 0 ? in->fields[o->input].name : ast->assign[o->assigned].name;
}

/* The last assignment named name, or -1. */
static int last_assignment(const ev_ast *ast, const char *name)
{
	for (size_t i = ast->nassign; i-- > 0;)
		if (strcmp(ast->assign[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Input columns in place (replaced by an assignment of the same name),
 * then new names in the order of their first assignment. */
static int layout(ev_ast *ast, const stage_schema *in, stage_error *err)
{
	size_t n = 0;

	if (!(ast->out = calloc(in->ncols + ast->nassign + 1, sizeof *ast->out)))
		return stage_error_oom(err, "output columns");
	for (size_t i = 0; i < in->ncols; i++) {
		int a = last_assignment(ast, in->fields[i].name);

		ast->out[n++] = (ev_output){a >= 0 ? -1 : (int)i, a};
	}
	for (size_t k = 0; k < ast->nassign; k++) {
		const char *name = ast->assign[k].name;
		bool seen = false;

		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp(out_name(ast, in, &ast->out[i]), name) == 0;
		if (!seen)
			ast->out[n++] = (ev_output){-1, last_assignment(ast, name)};
	}
	ast->nout = n;
	return 0;
}

/* The output column named item (exact name first, then a 1-based number),
 * or -1. */
static long find_out(const ev_ast *ast, const stage_schema *in, const char *item, size_t len)
{
	char *end;
	long k;

	for (size_t i = 0; i < ast->nout; i++) {
		const char *name = out_name(ast, in, &ast->out[i]);

		if (strlen(name) == len && memcmp(name, item, len) == 0)
			return (long)i;
	}
	if (len == 0 || item[0] < '1' || item[0] > '9')
		return -1;
	k = strtol(item, &end, 10);
	if (end != item + len || k < 1 || (size_t)k > ast->nout)
		return -1;
	return k - 1;
}

/* --drop (keep false) or --keep: the listed columns go or stay. */
static int select_columns(ev_ast *ast, const stage_schema *in, const char *list, bool keep,
                          stage_error *err)
{
	const char *opt = keep ? "--keep" : "--drop";
	bool *listed = calloc(ast->nout + 1, sizeof *listed);
	const char *p = list;
	size_t n = 0;

	if (!listed)
		return stage_error_oom(err, "output columns");
	for (;;) {
		size_t len = strcspn(p, ",");
		long k = find_out(ast, in, p, len);

		if (k < 0) {
			free(listed);
			if (len == 0)
				return stage_error_set(err, STAGE_EXIT_USAGE, "%s: empty column name", opt);
			return stage_error_set(err, STAGE_EXIT_USAGE, "%s: unknown column '%.*s'", opt,
			                       (int)(len > 200 ? 200 : len), p);
		}
		listed[k] = true;
		if (!p[len])
			break;
		p += len + 1;
	}
	for (size_t i = 0; i < ast->nout; i++)
		if (listed[i] == keep)
			ast->out[n++] = ast->out[i];
	ast->nout = n;
	free(listed);
	return 0;
}

int ev_front(const ev_front_opts *o, const stage_schema *in, ev_ast **out, stage_error *err)
{
	ev_syn_list l = {0};
	ev_syn *where = NULL;
	ev_ast *ast = NULL;
	ev_checker c = {.in = in, .prefix = "", .err = err};
	int line = 1, rc = -1;

	*out = NULL;
	if (o->drop && o->keep)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--drop and --keep cannot be used together");
	for (size_t i = 0; i < o->nassignments; i++)
		if (ev_parse_assignments(o->assignments[i], &line, &l, err) < 0)
			goto done;
	if (o->where && ev_parse_expr(o->where, &where, err) < 0)
		goto done;
	if (!(ast = calloc(1, sizeof *ast)) || !(ast->assign = calloc(l.n + 1, sizeof *ast->assign))) {
		stage_error_oom(err, "expression");
		goto done;
	}
	c.ast = ast;
	for (size_t i = 0; i < l.n; i++) {
		c.nodes = 0;
		if (check_assignment(&c, ast, &l.a[i]) < 0)
			goto done;
	}
	if (where) {
		ast->where_line = line;
		c.prefix = "--where ";
		c.line_shift = line - 1;
		c.nodes = 0;
		if (check_where(&c, ast, where) < 0)
			goto done;
	}
	if (layout(ast, in, err) < 0)
		goto done;
	if ((o->drop && select_columns(ast, in, o->drop, false, err) < 0) ||
	    (o->keep && select_columns(ast, in, o->keep, true, err) < 0))
		goto done;
	*out = ast;
	ast = NULL;
	rc = 0;
done:
	ev_ast_free(ast);
	ev_syn_free(where);
	ev_syn_list_release(&l);
	return rc;
}
