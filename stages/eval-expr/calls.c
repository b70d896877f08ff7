/* eval-expr's function calls (typecheck.h): the table of functions, their
 * arity and how each types its arguments (rules summed up in typecheck.c). */
#include <stdio.h>
#include <string.h>

#include "typecheck.h"

typedef enum call_kind {
	C_FLOAT,     /* float math: int64 and bool to float64 */
	C_INTKEEP,   /* abs: int64 stays */
	C_INTSAME,   /* floor ceil round trunc: int64 returned unchanged */
	C_PREDICATE, /* isnan isinf isfinite: bool from a float */
	C_FLOAT2,    /* atan2 hypot: promoted, integers to float64 */
	C_ARITH2,    /* min max fmod pow: promoted as arithmetic */
	C_CLIP,
	C_WHERE,
	C_TO_FLOAT,
	C_TO_INT,
	C_STRING2, /* contains startswith endswith */
	C_LEN,
} call_kind;

static const struct func {
	const char *name;
	ev_op op;
	call_kind kind;
	int nargs;
} funcs[] = {
	{"abs", EV_ABS, C_INTKEEP, 1},
	{"sqrt", EV_SQRT, C_FLOAT, 1},
	{"cbrt", EV_CBRT, C_FLOAT, 1},
	{"exp", EV_EXP, C_FLOAT, 1},
	{"exp2", EV_EXP2, C_FLOAT, 1},
	{"expm1", EV_EXPM1, C_FLOAT, 1},
	{"log", EV_LOG, C_FLOAT, 1},
	{"log2", EV_LOG2, C_FLOAT, 1},
	{"log10", EV_LOG10, C_FLOAT, 1},
	{"log1p", EV_LOG1P, C_FLOAT, 1},
	{"sin", EV_SIN, C_FLOAT, 1},
	{"cos", EV_COS, C_FLOAT, 1},
	{"tan", EV_TAN, C_FLOAT, 1},
	{"arcsin", EV_ASIN, C_FLOAT, 1},
	{"arccos", EV_ACOS, C_FLOAT, 1},
	{"arctan", EV_ATAN, C_FLOAT, 1},
	{"asin", EV_ASIN, C_FLOAT, 1},
	{"acos", EV_ACOS, C_FLOAT, 1},
	{"atan", EV_ATAN, C_FLOAT, 1},
	{"sinh", EV_SINH, C_FLOAT, 1},
	{"cosh", EV_COSH, C_FLOAT, 1},
	{"tanh", EV_TANH, C_FLOAT, 1},
	{"floor", EV_FLOOR, C_INTSAME, 1},
	{"ceil", EV_CEIL, C_INTSAME, 1},
	{"round", EV_ROUND, C_INTSAME, 1},
	{"trunc", EV_TRUNC, C_INTSAME, 1},
	{"isnan", EV_ISNAN, C_PREDICATE, 1},
	{"isinf", EV_ISINF, C_PREDICATE, 1},
	{"isfinite", EV_ISFINITE, C_PREDICATE, 1},
	{"arctan2", EV_ATAN2, C_FLOAT2, 2},
	{"atan2", EV_ATAN2, C_FLOAT2, 2},
	{"hypot", EV_HYPOT, C_FLOAT2, 2},
	{"fmod", EV_FMOD, C_ARITH2, 2},
	{"min", EV_MIN, C_ARITH2, 2},
	{"max", EV_MAX, C_ARITH2, 2},
	{"pow", EV_POW, C_ARITH2, 2},
	{"clip", EV_CLIP, C_CLIP, 3},
	{"where", EV_WHERE, C_WHERE, 3},
	{"float", EV_CAST, C_TO_FLOAT, 1},
	{"int", EV_CAST, C_TO_INT, 1},
	{"contains", EV_CONTAINS, C_STRING2, 2},
	{"startswith", EV_STARTSWITH, C_STRING2, 2},
	{"endswith", EV_ENDSWITH, C_STRING2, 2},
	{"len", EV_LEN, C_LEN, 1},
};

static void free_args(ev_typed *a, int n)
{
	for (int i = 0; i < n; i++)
		ev_node_free(a[i].n);
}

/* Argument i must be a number or bool (or a string, when want_string). */
static int arg_type(ev_checker *c, const ev_syn *s, const struct func *f, ev_typed *a, int i,
                    bool want_string)
{
	char what[300];

	if ((a[i].n->type == EV_STRING) == want_string)
		return 0;
	ev_describe(c, a[i].n, what, sizeof what);
	ev_check_error(c, s->args[i]->line, s->args[i]->col, "%s() needs %s, got %s", f->name,
	               want_string ? "a string" : "a number", what);
	free_args(a, f->nargs);
	return -1;
}

/* f's arguments cast to t, then op over them. */
static int build(ev_checker *c, const ev_syn *s, const struct func *f, ev_type t, ev_type rt,
                 ev_typed *a, int first, ev_typed *out)
{
	ev_node *args[3] = {NULL, NULL, NULL};
	bool ok = true;

	for (int i = 0; i < f->nargs; i++) {
		args[i] = i < first ? a[i].n : ev_cast(c, a[i].n, t);
		ok = ok && args[i];
	}
	if (!ok) {
		for (int i = 0; i < f->nargs; i++)
			ev_node_free(args[i]);
		return -1;
	}
	out->n = ev_make(c, s, f->op, rt, f->nargs, args);
	out->weak = false;
	return out->n ? 0 : -1;
}

static bool is_float(ev_type t)
{
	return t == EV_FLOAT32 || t == EV_FLOAT64;
}

static int where_call(ev_checker *c, const ev_syn *s, const struct func *f, ev_typed *a,
                      ev_typed *out)
{
	char what[300];
	ev_type t;

	if (a[0].n->type != EV_BOOL) {
		ev_describe(c, a[0].n, what, sizeof what);
		free_args(a, 3);
		return ev_check_error(c, s->args[0]->line, s->args[0]->col,
		                      "where() needs a bool condition, got %s", what);
	}
	if (a[1].n->type == EV_STRING || a[2].n->type == EV_STRING) {
		int i = a[1].n->type == EV_STRING ? 1 : 2;

		free_args(a, 3);
		return ev_check_error(c, s->args[i]->line, s->args[i]->col,
		                      "where() does not support strings");
	}
	if (a[1].n->type == EV_BOOL && a[2].n->type == EV_BOOL)
		t = EV_BOOL;
	else
		t = ev_promote(a[1].n->type, a[1].weak, a[2].n->type, a[2].weak);
	return build(c, s, f, t, t, a, 1, out);
}

/* The node is a (possibly cast) argument itself: float(), int(), and
 * floor() and friends on integers. */
static int just(ev_checker *c, ev_node *n, ev_type t, ev_typed *out)
{
	out->n = ev_cast(c, n, t);
	out->weak = false;
	return out->n ? 0 : -1;
}

static int typed_call(ev_checker *c, const ev_syn *s, const struct func *f, ev_typed *a,
                      ev_typed *out)
{
	ev_type t = a[0].n->type, t2;

	if (f->kind == C_STRING2 || f->kind == C_LEN) {
		for (int i = 0; i < f->nargs; i++)
			if (arg_type(c, s, f, a, i, true) < 0)
				return -1;
		return build(c, s, f, EV_STRING, f->kind == C_LEN ? EV_INT64 : EV_BOOL, a, 0, out);
	}
	if (f->kind == C_WHERE)
		return where_call(c, s, f, a, out);
	for (int i = 0; i < f->nargs; i++)
		if (arg_type(c, s, f, a, i, false) < 0)
			return -1;
	switch (f->kind) {
	case C_FLOAT:
	case C_PREDICATE:
		t = is_float(t) ? t : EV_FLOAT64;
		return build(c, s, f, t, f->kind == C_FLOAT ? t : EV_BOOL, a, 0, out);
	case C_INTKEEP:
	case C_INTSAME:
		if (t == EV_BOOL)
			t = EV_INT64;
		if (t == EV_INT64 && f->kind == C_INTSAME)
			return just(c, a[0].n, EV_INT64, out);
		return build(c, s, f, t, t, a, 0, out);
	case C_FLOAT2:
	case C_ARITH2:
		t = ev_promote(t, a[0].weak, a[1].n->type, a[1].weak);
		if (f->kind == C_FLOAT2 && !is_float(t))
			t = EV_FLOAT64;
		return build(c, s, f, t, t, a, 0, out);
	case C_CLIP:
		t2 = ev_promote(t, a[0].weak, a[1].n->type, a[1].weak);
		t = ev_promote(t2, a[0].weak && a[1].weak, a[2].n->type, a[2].weak);
		return build(c, s, f, t, t, a, 0, out);
	case C_TO_FLOAT:
		return just(c, a[0].n, EV_FLOAT64, out);
	default: /* int(); where() and the string functions are typed above */
		return just(c, a[0].n, EV_INT64, out);
	}
}

int ev_check_call(ev_checker *c, const ev_syn *s, ev_typed *out)
{
	const struct func *f = NULL;
	ev_typed a[3] = {{NULL, false}, {NULL, false}, {NULL, false}};

	for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
		if (strcmp(funcs[i].name, s->text) == 0)
			f = &funcs[i];
	if (!f)
		return ev_check_error(c, s->line, s->col, "unknown function '%.200s'", s->text);
	if (s->nargs != (size_t)f->nargs)
		return ev_check_error(c, s->line, s->col, "%s() takes %d argument%s, got %zu", f->name,
		                      f->nargs, f->nargs == 1 ? "" : "s", s->nargs);
	for (int i = 0; i < f->nargs; i++)
		if (ev_check(c, s->args[i], &a[i]) < 0) {
			free_args(a, i);
			return -1;
		}
	return typed_call(c, s, f, a, out);
}
