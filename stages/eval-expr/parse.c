/* eval-expr's parser (parse.h): recursive descent over Python's precedence
 * levels, with the recursion and the tree's depth both bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "parse.h"

typedef struct parser {
	ev_lexer lx;
	const char *prefix; /* "" or "--where " */
	stage_error *err;
	int nesting;
} parser;

void ev_syn_free(ev_syn *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nargs; i++)
		ev_syn_free(s->args[i]);
	free(s->args);
	free(s->ops);
	free(s->op_line);
	free(s->op_col);
	free(s->text);
	free(s);
}

void ev_syn_list_release(ev_syn_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->a[i].name);
		ev_syn_free(l->a[i].expr);
	}
	free(l->a);
	memset(l, 0, sizeof *l);
}

static int error_at(parser *p, int line, int col, const char *what)
{
	return stage_error_set(p->err, STAGE_EXIT_USAGE, "%s%d:%d: %s", p->prefix, line, col, what);
}

static int oom(parser *p)
{
	return stage_error_oom(p->err, "expression");
}

static int next(parser *p)
{
	char msg[128];
	int line, col;

	if (ev_lex_next(&p->lx, msg, sizeof msg, &line, &col) < 0)
		return error_at(p, line, col, msg);
	return 0;
}

static int unexpected(parser *p)
{
	char what[96], msg[128];

	ev_tok_describe(&p->lx.tok, what, sizeof what);
	snprintf(msg, sizeof msg, "unexpected %s", what);
	return error_at(p, p->lx.tok.line, p->lx.tok.col, msg);
}

static ev_syn *node(parser *p, ev_syn_kind kind, int line, int col)
{
	ev_syn *s = calloc(1, sizeof *s);

	if (!s) {
		oom(p);
		return NULL;
	}
	s->kind = kind;
	s->line = line;
	s->col = col;
	s->depth = 1;
	return s;
}

static int too_deep(parser *p, int line, int col)
{
	char msg[64];

	snprintf(msg, sizeof msg, "expression nested too deeply (more than %d levels)", EV_MAX_DEPTH);
	return error_at(p, line, col, msg);
}

/* Appends a child, keeping the depth and its bound. The parent owns the
 * child afterwards, or on failure the child is freed (the parent stays
 * with its caller). */
static int add_arg(parser *p, ev_syn *s, ev_syn *a)
{
	ev_syn **args = realloc(s->args, (s->nargs + 1) * sizeof *args);

	if (!args) {
		ev_syn_free(a);
		return oom(p);
	}
	s->args = args;
	s->args[s->nargs++] = a;
	if (a->depth + 1 > s->depth)
		s->depth = a->depth + 1;
	if (s->depth > EV_MAX_DEPTH)
		return too_deep(p, s->line, s->col);
	return 0;
}

/* Builds op(a) or op(a, b) at a's position; frees the operands on failure. */
/* Builds op(a) or op(a, b) at (line, col); frees the operands on failure. */
static ev_syn *op_node(parser *p, ev_syn_kind kind, ev_op op, int line, int col, ev_syn *a,
                       ev_syn *b)
{
	ev_syn *s = node(p, kind, line, col);

	if (!s) {
		ev_syn_free(a);
		ev_syn_free(b);
		return NULL;
	}
	s->op = op;
	/* add_arg() owns its argument whatever it returns. */
	if (add_arg(p, s, a) < 0) {
		ev_syn_free(b);
		ev_syn_free(s);
		return NULL;
	}
	if (b && add_arg(p, s, b) < 0) {
		ev_syn_free(s);
		return NULL;
	}
	return s;
}

/* Entering a nested level of the grammar (parentheses, call arguments,
 * prefix operators, the exponent): bounds the recursion. */
static int enter(parser *p)
{
	if (++p->nesting > EV_MAX_DEPTH)
		return too_deep(p, p->lx.tok.line, p->lx.tok.col);
	return 0;
}

static ev_syn *parse_or(parser *p);
static ev_syn *parse_unary(parser *p);

static ev_syn *parse_call(parser *p, ev_syn *call)
{
	int pline = p->lx.tok.line, pcol = p->lx.tok.col;

	if (enter(p) < 0 || next(p) < 0)
		goto fail;
	if (p->lx.tok.kind != EV_T_RPAREN) {
		for (;;) {
			ev_syn *a = parse_or(p);

			if (!a || add_arg(p, call, a) < 0)
				goto fail;
			if (p->lx.tok.kind == EV_T_RPAREN)
				break;
			if (p->lx.tok.kind == EV_T_END || p->lx.tok.kind == EV_T_SEP) {
				error_at(p, pline, pcol, "unclosed '('");
				goto fail;
			}
			if (p->lx.tok.kind != EV_T_COMMA) {
				unexpected(p);
				goto fail;
			}
			if (next(p) < 0)
				goto fail;
		}
	}
	if (next(p) < 0)
		goto fail;
	p->nesting--;
	return call;
fail:
	ev_syn_free(call);
	return NULL;
}

static ev_syn *parse_primary(parser *p)
{
	ev_token *t = &p->lx.tok;
	ev_syn *s;
	int line = t->line, col = t->col;

	switch (t->kind) {
	case EV_T_INT:
		if (!(s = node(p, EV_S_INT, line, col)))
			return NULL;
		s->u = t->v.i.u;
		s->overflow = t->v.i.overflow;
		/* The digits, for an out-of-range message. */
		if (!(s->text = strndup(t->src, t->srclen))) {
			ev_syn_free(s);
			oom(p);
			return NULL;
		}
		break;
	case EV_T_FLOAT:
		if (!(s = node(p, EV_S_FLOAT, line, col)))
			return NULL;
		s->f = t->v.f;
		break;
	case EV_T_TRUE:
	case EV_T_FALSE:
		if (!(s = node(p, EV_S_BOOL, line, col)))
			return NULL;
		s->b = t->kind == EV_T_TRUE;
		break;
	case EV_T_STRING:
	case EV_T_NAME:
		if (!(s = node(p, t->kind == EV_T_NAME ? EV_S_NAME : EV_S_STRING, line, col)))
			return NULL;
		if (!(s->text = malloc(t->len + 1))) {
			ev_syn_free(s);
			oom(p);
			return NULL;
		}
		memcpy(s->text, t->text, t->len + 1);
		s->len = t->len;
		s->b = t->quoted;
		if (t->kind == EV_T_NAME && !t->quoted) {
			if (next(p) < 0) {
				ev_syn_free(s);
				return NULL;
			}
			if (p->lx.tok.kind != EV_T_LPAREN)
				return s;
			s->kind = EV_S_CALL;
			return parse_call(p, s);
		}
		break;
	case EV_T_LPAREN:
		if (enter(p) < 0 || next(p) < 0 || !(s = parse_or(p)))
			return NULL;
		if (t->kind != EV_T_RPAREN) {
			if (t->kind == EV_T_END || t->kind == EV_T_SEP)
				error_at(p, line, col, "unclosed '('");
			else
				unexpected(p);
			ev_syn_free(s);
			return NULL;
		}
		p->nesting--;
		break;
	default:
		unexpected(p);
		return NULL;
	}
	if (next(p) < 0) {
		ev_syn_free(s);
		return NULL;
	}
	return s;
}

/* power: primary ['**' unary]. The exponent is a unary expression, so
 * 2**-1 parses, and ** binds tighter than a minus on its left. */
static ev_syn *parse_power(parser *p)
{
	ev_syn *base = parse_primary(p), *e;

	if (!base || p->lx.tok.kind != EV_T_STAR2)
		return base;
	if (next(p) < 0 || enter(p) < 0 || !(e = parse_unary(p))) {
		ev_syn_free(base);
		return NULL;
	}
	p->nesting--;
	return op_node(p, EV_S_BINARY, EV_POW, base->line, base->col, base, e);
}

static ev_syn *parse_unary(parser *p)
{
	ev_tok k = p->lx.tok.kind;
	int line = p->lx.tok.line, col = p->lx.tok.col;
	ev_syn *a;

	if (k != EV_T_MINUS && k != EV_T_PLUS)
		return parse_power(p);
	if (enter(p) < 0 || next(p) < 0 || !(a = parse_unary(p)))
		return NULL;
	p->nesting--;
	return op_node(p, EV_S_UNARY, k == EV_T_MINUS ? EV_NEG : EV_CAST, line, col, a, NULL);
}

static bool term_op(ev_tok k, ev_op *op)
{
	switch (k) {
	case EV_T_STAR: *op = EV_MUL; return true;
	case EV_T_SLASH: *op = EV_DIV; return true;
	case EV_T_SLASH2: *op = EV_FLOORDIV; return true;
	case EV_T_PERCENT: *op = EV_MOD; return true;
	default: return false;
	}
}

static bool sum_op(ev_tok k, ev_op *op)
{
	switch (k) {
	case EV_T_PLUS: *op = EV_ADD; return true;
	case EV_T_MINUS: *op = EV_SUB; return true;
	default: return false;
	}
}

static bool cmp_op(ev_tok k, ev_op *op)
{
	switch (k) {
	case EV_T_EQ: *op = EV_EQ; return true;
	case EV_T_NE: *op = EV_NE; return true;
	case EV_T_LT: *op = EV_LT; return true;
	case EV_T_LE: *op = EV_LE; return true;
	case EV_T_GT: *op = EV_GT; return true;
	case EV_T_GE: *op = EV_GE; return true;
	case EV_T_TILDE: *op = EV_MATCH; return true;
	default: return false;
	}
}

static bool and_op(ev_tok k, ev_op *op)
{
	*op = EV_AND;
	return k == EV_T_AND;
}

static bool or_op(ev_tok k, ev_op *op)
{
	*op = EV_OR;
	return k == EV_T_OR;
}

/* One left-associative level: sub (op sub)*. */
static ev_syn *parse_left(parser *p, ev_syn *(*sub)(parser *), bool (*is_op)(ev_tok, ev_op *))
{
	ev_syn *left = sub(p), *right;
	ev_op op;

	while (left && is_op(p->lx.tok.kind, &op)) {
		if (next(p) < 0 || !(right = sub(p))) {
			ev_syn_free(left);
			return NULL;
		}
		left = op_node(p, EV_S_BINARY, op, left->line, left->col, left, right);
	}
	return left;
}

static ev_syn *parse_term(parser *p)
{
	return parse_left(p, parse_unary, term_op);
}

static ev_syn *parse_sum(parser *p)
{
	return parse_left(p, parse_term, sum_op);
}

/* comparison: sum (op sum)*, kept as one chain node (a < b < c means
 * a < b and b < c; typecheck.c expands it). */
static ev_syn *parse_compare(parser *p)
{
	ev_syn *first = parse_sum(p), *chain, *a;
	ev_op op;
	size_t n = 0;

	if (!first || !cmp_op(p->lx.tok.kind, &op))
		return first;
	if (!(chain = node(p, EV_S_COMPARE, first->line, first->col))) {
		ev_syn_free(first);
		return NULL;
	}
	if (add_arg(p, chain, first) < 0)
		goto fail;
	while (cmp_op(p->lx.tok.kind, &op)) {
		ev_op *ops = realloc(chain->ops, (n + 1) * sizeof *ops);
		int *ol = realloc(chain->op_line, (n + 1) * sizeof *ol);
		int *oc;

		if (ops)
			chain->ops = ops;
		if (ol)
			chain->op_line = ol;
		oc = realloc(chain->op_col, (n + 1) * sizeof *oc);
		if (oc)
			chain->op_col = oc;
		if (!ops || !ol || !oc) {
			oom(p);
			goto fail;
		}
		chain->ops[n] = op;
		chain->op_line[n] = p->lx.tok.line;
		chain->op_col[n] = p->lx.tok.col;
		n++;
		if (next(p) < 0 || !(a = parse_sum(p)) || add_arg(p, chain, a) < 0)
			goto fail;
		/* Each further comparison adds an 'and' above the operands. */
		if (chain->depth + (int)n - 1 > EV_MAX_DEPTH) {
			too_deep(p, chain->line, chain->col);
			goto fail;
		}
	}
	chain->depth += (int)n - 1;
	return chain;
fail:
	ev_syn_free(chain);
	return NULL;
}

static ev_syn *parse_not(parser *p)
{
	int line = p->lx.tok.line, col = p->lx.tok.col;
	ev_syn *a;

	if (p->lx.tok.kind != EV_T_NOT)
		return parse_compare(p);
	if (enter(p) < 0 || next(p) < 0 || !(a = parse_not(p)))
		return NULL;
	p->nesting--;
	return op_node(p, EV_S_UNARY, EV_NOT, line, col, a, NULL);
}

static ev_syn *parse_and(parser *p)
{
	return parse_left(p, parse_not, and_op);
}

static ev_syn *parse_or(parser *p)
{
	return parse_left(p, parse_and, or_op);
}

static int append(parser *p, ev_syn_list *l, char *name, int line, int col, ev_syn *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		ev_syn_assign *a = realloc(l->a, cap * sizeof *a);

		if (!a) {
			free(name);
			ev_syn_free(e);
			return oom(p);
		}
		l->a = a;
		l->cap = cap;
	}
	l->a[l->n++] = (ev_syn_assign){name, line, col, e};
	return 0;
}

static int parse_assignment(parser *p, ev_syn_list *l)
{
	ev_token *t = &p->lx.tok;
	int line = t->line, col = t->col;
	char *name;
	ev_syn *e;

	if (t->kind != EV_T_NAME)
		return error_at(p, line, col, "expected 'name = expression'");
	if (!(name = strdup(t->text)))
		return oom(p);
	if (next(p) < 0)
		goto fail;
	if (t->kind != EV_T_ASSIGN) {
		error_at(p, line, col, "expected 'name = expression'");
		goto fail;
	}
	if (next(p) < 0 || !(e = parse_or(p)))
		goto fail;
	if (t->kind != EV_T_SEP && t->kind != EV_T_END) {
		unexpected(p);
		ev_syn_free(e);
		goto fail;
	}
	return append(p, l, name, line, col, e);
fail:
	free(name);
	return -1;
}

int ev_parse_assignments(const char *text, int *line, ev_syn_list *l, stage_error *err)
{
	parser p = {.prefix = "", .err = err};
	bool after_sep = false;
	int rc = 0;

	ev_lex_init(&p.lx, text, strlen(text), *line);
	if (next(&p) < 0)
		rc = -1;
	while (rc == 0 && p.lx.tok.kind != EV_T_END) {
		after_sep = p.lx.tok.kind == EV_T_SEP;
		if (!after_sep)
			rc = parse_assignment(&p, l);
		else
			rc = next(&p);
	}
	/* The next argument starts a new line (text ending in a separator
	 * has begun it already). */
	*line = after_sep ? p.lx.line : p.lx.line + 1;
	ev_lex_release(&p.lx);
	return rc;
}

int ev_parse_expr(const char *text, ev_syn **out, stage_error *err)
{
	parser p = {.prefix = "--where ", .err = err};
	ev_syn *e = NULL;

	*out = NULL;
	ev_lex_init(&p.lx, text, strlen(text), 1);
	if (next(&p) < 0)
		goto fail;
	while (p.lx.tok.kind == EV_T_SEP)
		if (next(&p) < 0)
			goto fail;
	if (p.lx.tok.kind == EV_T_END) {
		error_at(&p, p.lx.tok.line, p.lx.tok.col, "empty expression");
		goto fail;
	}
	if (!(e = parse_or(&p)))
		goto fail;
	while (p.lx.tok.kind == EV_T_SEP && *p.lx.tok.src == '\n')
		if (next(&p) < 0)
			goto fail;
	if (p.lx.tok.kind != EV_T_END) {
		unexpected(&p);
		goto fail;
	}
	ev_lex_release(&p.lx);
	*out = e;
	return 0;
fail:
	ev_syn_free(e);
	ev_lex_release(&p.lx);
	return -1;
}
