/* eval-expr's type checker (typecheck.h): names, operators and promotions.
 *
 * Types follow NumPy, with NEP 50's "weak" Python scalars for literals:
 *
 *   operands            + - * // % **    /          comparisons
 *   bool    bool        int64            float64    bool (== !=), int64 (< <= > >=)
 *   bool    int64       int64            float64    int64
 *   bool    float32     float32          float32    float32
 *   bool    float64     float64          float64    float64
 *   int64   int64       int64 (wraps)    float64    int64
 *   int64   float32     float64          float64    float64
 *   int64   float64     float64          float64    float64
 *   float32 float32     float32          float32    float32
 *   float32 float64     float64          float64    float64
 *   float64 float64     float64          float64    float64
 *
 * - bool counts as int64 in arithmetic (True + True = 2, -True = -1),
 *   unlike NumPy's bool + bool = bool.
 * - An int literal takes the other operand's type (int64, float32 or
 *   float64; with bool it is int64); a float literal with float32 gives
 *   float32, with int64 or bool float64. An expression of literals only is
 *   weak too (-1, 2 * 3); two literals together follow the table.
 * - Comparisons convert both sides to the type in the last column; string
 *   compares with string only; and, or, not take bool only.
 * - `inf` and `nan` are float literals, unless a column or an earlier
 *   assignment has that name (then they name it; `inf` in backquotes always
 *   names a column).
 * - Functions: float math (sqrt .. tanh, isnan, isinf, isfinite) casts
 *   int64 and bool to float64 and keeps float32; abs, floor, ceil, round,
 *   trunc keep int64 (the last four return it unchanged); min, max, fmod,
 *   pow and clip promote their arguments as arithmetic does, atan2 and
 *   hypot likewise but give float64 for integers; where(c, x, y) promotes
 *   x and y (bool with bool stays bool); float(x) and int(x) cast.
 *
 * Every promotion becomes an EV_CAST node (folded into literals), so the
 * back end never decides a type. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typecheck.h"

int ev_check_error(ev_checker *c, int line, int col, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return stage_error_set(c->err, STAGE_EXIT_USAGE, "%s%d:%d: %s", c->prefix, line, col, what);
}

static ev_node *new_node(ev_checker *c, int line, int col)
{
	ev_node *n;

	if (c->nodes >= EV_MAX_NODES) {
		stage_error_set(c->err, STAGE_EXIT_USAGE, "%s%d:%d: expression too large (more than %d nodes)",
		                c->prefix, line - c->line_shift, col, EV_MAX_NODES);
		return NULL;
	}
	if (!(n = calloc(1, sizeof *n))) {
		stage_error_oom(c->err, "expression");
		return NULL;
	}
	c->nodes++;
	n->line = line;
	n->col = col;
	return n;
}

ev_node *ev_make(ev_checker *c, const ev_syn *s, ev_op op, ev_type type, int nargs,
                 ev_node **args)
{
	ev_node *n = new_node(c, s->line + c->line_shift, s->col);

	if (!n) {
		for (int i = 0; i < nargs; i++)
			ev_node_free(args[i]);
		return NULL;
	}
	n->op = op;
	n->type = type;
	n->nargs = nargs;
	for (int i = 0; i < nargs; i++)
		n->args[i] = args[i];
	return n;
}

/* Literal conversions that cannot fail; float to int64 stays a cast (NaN
 * and out-of-range values give null at run time). */
static bool fold_cast(ev_node *n, ev_type t)
{
	if (n->op != EV_LITERAL || n->type == EV_STRING)
		return false;
	switch (n->type) {
	case EV_BOOL:
		if (t == EV_INT64)
			n->u.lit.i = n->u.lit.b;
		else
			n->u.lit.f = n->u.lit.b;
		break;
	case EV_INT64:
		if (t == EV_FLOAT32)
			n->u.lit.f = (float)n->u.lit.i;
		else if (t == EV_FLOAT64)
			n->u.lit.f = (double)n->u.lit.i;
		else
			return false;
		break;
	case EV_FLOAT32:
	case EV_FLOAT64:
		if (t == EV_FLOAT32)
			n->u.lit.f = (float)n->u.lit.f;
		else if (t != EV_FLOAT64)
			return false;
		break;
	default:
		return false;
	}
	n->type = t;
	return true;
}

ev_node *ev_cast(ev_checker *c, ev_node *n, ev_type t)
{
	ev_node *cast;

	if (!n || n->type == t || fold_cast(n, t))
		return n;
	if (!(cast = new_node(c, n->line, n->col))) {
		ev_node_free(n);
		return NULL;
	}
	cast->op = EV_CAST;
	cast->type = t;
	cast->nargs = 1;
	cast->args[0] = n;
	return cast;
}

/* Two strong (or two weak) operands. */
static ev_type promote_strong(ev_type a, ev_type b)
{
	if (a == EV_BOOL)
		return b == EV_BOOL ? EV_INT64 : b;
	if (b == EV_BOOL)
		return a;
	return a == b ? a : EV_FLOAT64;
}

/* A weak operand (int64 or float64 from literals) with a strong one. */
static ev_type promote_weak(ev_type weak, ev_type strong)
{
	if (weak == EV_INT64)
		return strong == EV_BOOL ? EV_INT64 : strong;
	return strong == EV_FLOAT32 ? EV_FLOAT32 : EV_FLOAT64;
}

ev_type ev_promote(ev_type a, bool weak_a, ev_type b, bool weak_b)
{
	if (weak_a && !weak_b)
		return promote_weak(a, b);
	if (weak_b && !weak_a)
		return promote_weak(b, a);
	return promote_strong(a, b);
}

static const char *node_name(const ev_checker *c, const ev_node *n)
{
	if (n->op == EV_COLUMN)
		return c->in->fields[n->u.column].name;
	if (n->op == EV_ASSIGNED)
		return c->ast->assign[n->u.assigned].name;
	return NULL;
}

void ev_describe(const ev_checker *c, const ev_node *n, char *buf, size_t sz)
{
	const char *name = node_name(c, n);

	if (n->type != EV_STRING)
		snprintf(buf, sz, "%s", ev_type_name(n->type));
	else if (name)
		snprintf(buf, sz, "string column '%.200s'", name);
	else if (n->op == EV_LITERAL)
		snprintf(buf, sz, "string '%.*s'", (int)(n->u.lit.s.len > 40 ? 40 : n->u.lit.s.len),
		         (const char *)n->u.lit.s.bytes);
	else
		snprintf(buf, sz, "string");
}

static int literal(ev_checker *c, const ev_syn *s, ev_type t, ev_typed *out)
{
	ev_node *n = ev_make(c, s, EV_LITERAL, t, 0, NULL);

	if (!n)
		return -1;
	out->n = n;
	out->weak = t != EV_BOOL && t != EV_STRING;
	return 0;
}

static int check_int(ev_checker *c, const ev_syn *s, bool negated, ev_typed *out)
{
	/* -9223372036854775808 is the one literal that only fits negated. */
	bool min = negated && !s->overflow && s->u == (uint64_t)INT64_MAX + 1;

	if (!min && (s->overflow || s->u > (uint64_t)INT64_MAX))
		return ev_check_error(c, s->line, s->col, "integer literal '%.40s' out of range", s->text);
	if (literal(c, s, EV_INT64, out) < 0)
		return -1;
	out->n->u.lit.i = min ? INT64_MIN : (int64_t)s->u;
	return 0;
}

static int check_string(ev_checker *c, const ev_syn *s, ev_typed *out)
{
	uint8_t *bytes = malloc(s->len + 1);

	if (!bytes)
		return stage_error_oom(c->err, "expression");
	memcpy(bytes, s->text, s->len + 1);
	if (literal(c, s, EV_STRING, out) < 0) {
		free(bytes);
		return -1;
	}
	out->n->u.lit.s.bytes = bytes;
	out->n->u.lit.s.len = s->len;
	return 0;
}

static ev_type column_type(stage_type t)
{
	switch (t) {
	case STAGE_INT64:
	case STAGE_TIMESTAMP:
		return EV_INT64;
	case STAGE_FLOAT64:
		return EV_FLOAT64;
	case STAGE_FLOAT32:
		return EV_FLOAT32;
	case STAGE_BOOL:
		return EV_BOOL;
	case STAGE_UTF8:
		return EV_STRING;
	case STAGE_BINARY:
		break;
	}
	return 0;
}

/* The latest earlier assignment, else the input column, else inf/nan. */
static int check_name(ev_checker *c, const ev_syn *s, ev_typed *out)
{
	ev_node *n;

	for (size_t i = c->ast->nassign; i-- > 0;)
		if (strcmp(c->ast->assign[i].name, s->text) == 0) {
			if (!(n = ev_make(c, s, EV_ASSIGNED, c->ast->assign[i].expr->type, 0, NULL)))
				return -1;
			n->u.assigned = (int)i;
			*out = (ev_typed){n, false};
			return 0;
		}
	for (size_t i = 0; i < c->in->ncols; i++)
		if (strcmp(c->in->fields[i].name, s->text) == 0) {
			ev_type t = column_type(c->in->fields[i].type);

			if (!t)
				return ev_check_error(c, s->line, s->col,
				                      "binary column '%.200s' cannot be used in expressions",
				                      s->text);
			if (!(n = ev_make(c, s, EV_COLUMN, t, 0, NULL)))
				return -1;
			n->u.column = (int)i;
			*out = (ev_typed){n, false};
			return 0;
		}
	if (!s->b && (strcmp(s->text, "inf") == 0 || strcmp(s->text, "nan") == 0)) {
		if (literal(c, s, EV_FLOAT64, out) < 0)
			return -1;
		out->n->u.lit.f = s->text[0] == 'i' ? __builtin_inf() : __builtin_nan("");
		return 0;
	}
	return ev_check_error(c, s->line, s->col, "unknown column '%.200s'", s->text);
}

static const char *op_text(ev_op op)
{
	switch (op) {
	case EV_NEG: case EV_SUB: return "-";
	case EV_CAST: case EV_ADD: return "+";
	case EV_MUL: return "*";
	case EV_DIV: return "/";
	case EV_FLOORDIV: return "//";
	case EV_MOD: return "%";
	case EV_POW: return "**";
	case EV_EQ: return "==";
	case EV_NE: return "!=";
	case EV_LT: return "<";
	case EV_LE: return "<=";
	case EV_GT: return ">";
	case EV_GE: return ">=";
	case EV_MATCH: return "~";
	case EV_AND: return "and";
	case EV_OR: return "or";
	case EV_NOT: return "not";
	default: return "?";
	}
}

/* A number or bool operand of arithmetic; frees the others. */
static int need_number(ev_checker *c, ev_op op, const ev_syn *s, ev_node *n)
{
	char what[300];

	if (n->type != EV_STRING)
		return 0;
	ev_describe(c, n, what, sizeof what);
	ev_node_free(n);
	return ev_check_error(c, s->line, s->col, "'%s' needs numbers, got %s", op_text(op), what);
}

static int need_bool(ev_checker *c, ev_op op, const ev_syn *s, ev_node *n)
{
	char what[300];

	if (n->type == EV_BOOL)
		return 0;
	ev_describe(c, n, what, sizeof what);
	ev_node_free(n);
	return ev_check_error(c, s->line, s->col, "'%s' needs %s, got %s", op_text(op),
	                      op == EV_NOT ? "a bool operand" : "bool operands", what);
}

static int check_unary(ev_checker *c, const ev_syn *s, ev_typed *out)
{
	const ev_syn *a = s->args[0];
	ev_typed t;

	if (s->op == EV_NEG && a->kind == EV_S_INT) {
		if (check_int(c, a, true, &t) < 0)
			return -1;
	} else if (ev_check(c, a, &t) < 0) {
		return -1;
	}
	if (s->op == EV_NOT) {
		if (need_bool(c, EV_NOT, a, t.n) < 0)
			return -1;
		out->n = ev_make(c, s, EV_NOT, EV_BOOL, 1, &t.n);
		out->weak = false;
		return out->n ? 0 : -1;
	}
	if (need_number(c, s->op, a, t.n) < 0)
		return -1;
	if (t.n->type == EV_BOOL && !(t.n = ev_cast(c, t.n, EV_INT64)))
		return -1;
	out->weak = t.weak;
	if (s->op == EV_CAST) { /* unary plus */
		out->n = t.n;
		return 0;
	}
	if (t.n->op == EV_LITERAL) {
		if (t.n->type == EV_INT64)
			t.n->u.lit.i = (int64_t)(0 - (uint64_t)t.n->u.lit.i);
		else
			t.n->u.lit.f = -t.n->u.lit.f;
		t.n->line = s->line + c->line_shift;
		t.n->col = s->col;
		out->n = t.n;
		return 0;
	}
	out->n = ev_make(c, s, EV_NEG, t.n->type, 1, &t.n);
	return out->n ? 0 : -1;
}

/* Both operands of s, checked. */
static int check_two(ev_checker *c, const ev_syn *a, const ev_syn *b, ev_typed *l, ev_typed *r)
{
	if (ev_check(c, a, l) < 0)
		return -1;
	if (ev_check(c, b, r) < 0) {
		ev_node_free(l->n);
		return -1;
	}
	return 0;
}

/* Builds op(l, r) of type t over both operands cast to at. */
static int build2(ev_checker *c, const ev_syn *s, ev_op op, ev_type t, ev_type at, ev_typed l,
                  ev_typed r, ev_typed *out)
{
	ev_node *args[2];

	args[0] = ev_cast(c, l.n, at);
	args[1] = ev_cast(c, r.n, at);
	if (!args[0] || !args[1]) {
		ev_node_free(args[0]);
		ev_node_free(args[1]);
		return -1;
	}
	out->n = ev_make(c, s, op, t, 2, args);
	out->weak = l.weak && r.weak && t != EV_BOOL;
	return out->n ? 0 : -1;
}

static int check_binary(ev_checker *c, const ev_syn *s, ev_typed *out)
{
	ev_typed l, r;
	ev_type t;

	if (check_two(c, s->args[0], s->args[1], &l, &r) < 0)
		return -1;
	if (s->op == EV_AND || s->op == EV_OR) {
		if (need_bool(c, s->op, s->args[0], l.n) < 0) {
			ev_node_free(r.n);
			return -1;
		}
		if (need_bool(c, s->op, s->args[1], r.n) < 0) {
			ev_node_free(l.n);
			return -1;
		}
		return build2(c, s, s->op, EV_BOOL, EV_BOOL, l, r, out);
	}
	if (need_number(c, s->op, s->args[0], l.n) < 0) {
		ev_node_free(r.n);
		return -1;
	}
	if (need_number(c, s->op, s->args[1], r.n) < 0) {
		ev_node_free(l.n);
		return -1;
	}
	t = ev_promote(l.n->type, l.weak, r.n->type, r.weak);
	if (s->op == EV_DIV && t == EV_INT64)
		t = EV_FLOAT64;
	return build2(c, s, s->op, t, t, l, r, out);
}

/* One comparison of a chain: op(l, r), placed where l starts. */
static int compare(ev_checker *c, ev_op op, const ev_syn *ls, const ev_syn *rs, ev_typed l,
                   ev_typed r, ev_typed *out)
{
	char what[300], other[300];
	ev_type t;
	const ev_syn *str;

	if (op == EV_MATCH) {
		if (l.n->type != EV_STRING) {
			ev_describe(c, l.n, what, sizeof what);
			ev_check_error(c, ls->line, ls->col, "'~' needs a string on the left, got %s", what);
			goto fail;
		}
		if (r.n->type != EV_STRING || r.n->op != EV_LITERAL) {
			ev_check_error(c, rs->line, rs->col,
			               "'~' needs a string literal (the pattern) on the right");
			goto fail;
		}
		return build2(c, ls, op, EV_BOOL, EV_STRING, l, r, out);
	}
	if (l.n->type == EV_STRING || r.n->type == EV_STRING) {
		if (l.n->type == r.n->type)
			return build2(c, ls, op, EV_BOOL, EV_STRING, l, r, out);
		str = l.n->type == EV_STRING ? ls : rs;
		ev_describe(c, l.n->type == EV_STRING ? l.n : r.n, what, sizeof what);
		snprintf(other, sizeof other, "%s",
		         (l.n->type == EV_STRING ? r.n : l.n)->type == EV_BOOL ? "bool" : "number");
		ev_check_error(c, str->line, str->col, "cannot compare %s with %s", what, other);
		goto fail;
	}
	if (l.n->type == EV_BOOL && r.n->type == EV_BOOL)
		t = op == EV_EQ || op == EV_NE ? EV_BOOL : EV_INT64;
	else
		t = ev_promote(l.n->type, l.weak, r.n->type, r.weak);
	return build2(c, ls, op, EV_BOOL, t, l, r, out);
fail:
	ev_node_free(l.n);
	ev_node_free(r.n);
	return -1;
}

/* a < b < c is (a < b) and (b < c): the middle operand is checked again
 * for each comparison it is in, so every node has one parent. */
static int check_compare(ev_checker *c, const ev_syn *s, ev_typed *out)
{
	ev_typed acc = {NULL, false};

	for (size_t i = 0; i + 1 < s->nargs; i++) {
		const ev_syn *ls = s->args[i], *rs = s->args[i + 1];
		ev_typed l, r, cmp;

		if (check_two(c, ls, rs, &l, &r) < 0 || compare(c, s->ops[i], ls, rs, l, r, &cmp) < 0) {
			ev_node_free(acc.n);
			return -1;
		}
		if (!acc.n) {
			acc = cmp;
		} else {
			ev_node *args[2] = {acc.n, cmp.n};

			if (!(acc.n = ev_make(c, s, EV_AND, EV_BOOL, 2, args)))
				return -1;
		}
	}
	*out = acc;
	return 0;
}

int ev_check(ev_checker *c, const ev_syn *s, ev_typed *out)
{
	out->n = NULL;
	out->weak = false;
	switch (s->kind) {
	case EV_S_INT:
		return check_int(c, s, false, out);
	case EV_S_FLOAT:
		if (literal(c, s, EV_FLOAT64, out) < 0)
			return -1;
		out->n->u.lit.f = s->f;
		return 0;
	case EV_S_BOOL:
		if (literal(c, s, EV_BOOL, out) < 0)
			return -1;
		out->n->u.lit.b = s->b;
		return 0;
	case EV_S_STRING:
		return check_string(c, s, out);
	case EV_S_NAME:
		return check_name(c, s, out);
	case EV_S_CALL:
		return ev_check_call(c, s, out);
	case EV_S_UNARY:
		return check_unary(c, s, out);
	case EV_S_BINARY:
		return check_binary(c, s, out);
	case EV_S_COMPARE:
		return check_compare(c, s, out);
	}
	return ev_check_error(c, s->line, s->col, "unknown syntax");
}
