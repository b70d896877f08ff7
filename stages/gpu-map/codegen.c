/* gpu-map's code generator (codegen.h): walks eval-expr's checked tree once
 * and writes one OpenCL C kernel in which every node is a pair of private
 * variables, its value and its validity, computed exactly as eval-expr's
 * VM computes them (stages/eval-expr/ops_*.c), so that nulls, wrap-around,
 * division by zero and NaN agree row for row. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

/* The generated source's bound: a tree has at most EV_MAX_NODES nodes per
 * assignment, each a few hundred bytes of C, so this is never reached by
 * a sane program and stops an insane one. */
#define GM_MAX_SOURCE (16u << 20)

/* An operand as C text: its value and its validity ("1" when never null). */
typedef struct gm_operand {
	char v[64];
	char k[64];
} gm_operand;

typedef struct gm_gen {
	const ev_ast *ast;
	const stage_schema *in;
	const gm_codegen_opts *o;
	stage_error *err;
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory or over GM_MAX_SOURCE: reported at the end */
	int ntemps;
} gm_gen;

static void emitv(gm_gen *g, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (g->failed)
		return;
	va_copy(aq, ap);
	n = vsnprintf(g->buf ? g->buf + g->len : NULL, g->buf ? g->cap - g->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		g->failed = true;
		return;
	}
	if (!g->buf || g->len + (size_t)n + 1 > g->cap) {
		size_t cap = g->cap ? g->cap : 4096;
		char *p;

		while (cap < g->len + (size_t)n + 1)
			cap *= 2;
		if (cap > GM_MAX_SOURCE || !(p = realloc(g->buf, cap))) {
			g->failed = true;
			return;
		}
		g->buf = p;
		g->cap = cap;
		vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
	}
	g->len += (size_t)n;
}

__attribute__((format(printf, 2, 3))) static void emit(gm_gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emitv(g, fmt, ap);
	va_end(ap);
}

/* The kernel's C type for a value of type t. */
static const char *ctype(const gm_gen *g, ev_type t)
{
	switch (t) {
	case EV_BOOL:
		return "uchar";
	case EV_INT64:
		return "long";
	case EV_FLOAT32:
		return "float";
	case EV_FLOAT64:
		return g->o->float32 ? "float" : "double";
	default:
		return "void";
	}
}

static bool is_f32(const gm_gen *g, ev_type t)
{
	return t == EV_FLOAT32 || (t == EV_FLOAT64 && g->o->float32);
}

static bool is_float(ev_type t)
{
	return t == EV_FLOAT32 || t == EV_FLOAT64;
}

/* ---- what the device cannot run ---- */

static int refuse(const gm_gen *g, const ev_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(const gm_gen *g, const ev_node *n, const char *fmt, ...)
{
	char at[64], what[512];
	va_list ap;

	ev_node_pos(g->ast, n, at, sizeof at);
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return stage_error_set(g->err, STAGE_EXIT_USAGE, "%s: %s", at, what);
}

static const char *string_fn_name(ev_op op)
{
	switch (op) {
	case EV_CONTAINS: return "contains";
	case EV_STARTSWITH: return "startswith";
	case EV_ENDSWITH: return "endswith";
	default: return "len";
	}
}

/* Arguments first, so that a string column is named where there is one. */
static int check_node(const gm_gen *g, const ev_node *n, bool *used)
{
	for (int i = 0; i < n->nargs; i++)
		if (check_node(g, n->args[i], used) < 0)
			return -1;
	switch (n->op) {
	case EV_COLUMN: {
		const stage_field *f = &g->in->fields[n->u.column];

		if (f->type == STAGE_UTF8 || n->type == EV_STRING)
			return refuse(g, n, "string columns are not supported by gpu-map: '%.200s'",
			              f->name);
		if (f->type == STAGE_TIMESTAMP)
			return refuse(g, n, "timestamp columns are not supported by gpu-map: '%.200s'",
			              f->name);
		used[n->u.column] = true;
		return 0;
	}
	case EV_MATCH:
		return refuse(g, n, "regex matches are not supported by gpu-map");
	case EV_CONTAINS:
	case EV_STARTSWITH:
	case EV_ENDSWITH:
	case EV_LEN:
		return refuse(g, n, "string functions are not supported by gpu-map: %s()",
		              string_fn_name(n->op));
	case EV_CAST:
		if (n->type == EV_BOOL)
			return refuse(g, n, "a cast to bool is not supported");
		break;
	default:
		break;
	}
	if (n->type == EV_STRING || (n->nargs > 0 && n->args[0]->type == EV_STRING))
		return refuse(g, n, "strings are not supported by gpu-map");
	return 0;
}

/* ---- the kernel's prelude: helpers with eval-expr's exact rules ---- */

/* int64 as ops_arith.c computes it: wrap-around through ulong, Python's
 * floor division and modulo (the caller makes a zero divisor null, and
 * INT64_MIN // -1 wraps), C's remainder for fmod, and pow by squaring. */
static const char prelude_long[] =
	"#define GM_BIT(p, i) ((uchar)(((p)[(i) >> 3] >> ((i) & 7)) & 1))\n"
	"#define GM_WRAP(x, op, y) as_long(as_ulong(x) op as_ulong(y))\n"
	"long gm_floordiv_l(long x, long y)\n"
	"{\n"
	"\tlong s = (y == 0 || y == -1) ? 1 : y;\n"
	"\tlong q = x / s, r = x % s;\n"
	"\tif (r != 0 && ((r ^ y) < 0))\n"
	"\t\tq -= 1;\n"
	"\tif (y == -1)\n"
	"\t\tq = as_long((ulong)0 - as_ulong(x));\n"
	"\treturn y == 0 ? 0 : q;\n"
	"}\n"
	"long gm_mod_l(long x, long y)\n"
	"{\n"
	"\tlong s = (y == 0 || y == -1) ? 1 : y;\n"
	"\tlong r = x % s;\n"
	"\tif (r != 0 && ((r ^ y) < 0))\n"
	"\t\tr += y;\n"
	"\treturn (y == 0 || y == -1) ? 0 : r;\n"
	"}\n"
	"long gm_fmod_l(long x, long y)\n"
	"{\n"
	"\tlong s = (y == 0 || y == -1) ? 1 : y;\n"
	"\treturn (y == 0 || y == -1) ? 0 : x % s;\n"
	"}\n"
	"long gm_pow_l(long x, long e)\n"
	"{\n"
	"\tulong b = as_ulong(x), r = 1;\n"
	"\tfor (; e > 0; e >>= 1) {\n"
	"\t\tif (e & 1)\n"
	"\t\t\tr *= b;\n"
	"\t\tb *= b;\n"
	"\t}\n"
	"\treturn as_long(r);\n"
	"}\n";

/* numpy's npy_divmod as ops_arith.c has it, for one float type: T the
 * type, S the suffix of the helper's name, F the suffix of constants and
 * DIV its correctly rounded division. */
#define PRELUDE_DIVMOD(T, S, F, DIV) \
	T " gm_divmod_" S "(" T " a, " T " b, int want_mod)\n" \
	"{\n" \
	"\t" T " mod = fmod(a, b), div, floordiv;\n" \
	"\tif (b == 0)\n" \
	"\t\treturn want_mod ? mod : " DIV("a", "b") ";\n" \
	"\tdiv = " DIV("(a - mod)", "b") ";\n" \
	"\tif (mod != 0) {\n" \
	"\t\tif (isless(b, 0.0" F ") != isless(mod, 0.0" F ")) {\n" \
	"\t\t\tmod += b;\n" \
	"\t\t\tdiv -= 1;\n" \
	"\t\t}\n" \
	"\t} else {\n" \
	"\t\tmod = copysign(0.0" F ", b);\n" \
	"\t}\n" \
	"\tif (div != 0) {\n" \
	"\t\tfloordiv = floor(div);\n" \
	"\t\tif (isgreater(div - floordiv, 0.5" F "))\n" \
	"\t\t\tfloordiv += 1;\n" \
	"\t} else {\n" \
	"\t\tfloordiv = copysign(0.0" F ", " DIV("a", "b") ");\n" \
	"\t}\n" \
	"\treturn want_mod ? mod : floordiv;\n" \
	"}\n" \
	/* numpy.minimum / maximum: NaN in either operand gives NaN */ \
	T " gm_min_" S "(" T " x, " T " y)\n" \
	"{\n" \
	"\treturn (x <= y || x != x) ? x : y;\n" \
	"}\n" \
	T " gm_max_" S "(" T " x, " T " y)\n" \
	"{\n" \
	"\treturn (x >= y || x != x) ? x : y;\n" \
	"}\n"

#define DIV_D(a, b) "(" a " / " b ")"
#define DIV_F(a, b) "GM_DIV_F(" a ", " b ")"

/* float division and sqrt: OpenCL allows 2.5 and 3 ulp unless the program
 * is built with -cl-fp32-correctly-rounded-divide-sqrt. Computed in double
 * and rounded once, they are correctly rounded (53 >= 2 * 24 + 2 bits, so
 * the double rounding is innocuous); a host that builds with that option
 * defines GM_FP32_CORRECTLY_ROUNDED to use the float operations. */
static const char prelude_float[] =
	"#if defined(GM_FP32_CORRECTLY_ROUNDED) || !defined(cl_khr_fp64)\n"
	"#define GM_DIV_F(a, b) ((a) / (b))\n"
	"#define GM_SQRT_F(a) sqrt(a)\n"
	"#else\n"
	"#define GM_DIV_F(a, b) ((float)((double)(a) / (double)(b)))\n"
	"#define GM_SQRT_F(a) ((float)sqrt((double)(a)))\n"
	"#endif\n"
	PRELUDE_DIVMOD("float", "f", "f", DIV_F);

static const char prelude_double[] = PRELUDE_DIVMOD("double", "d", "", DIV_D);

/* ---- literals, exactly ---- */

static void float_literal(const gm_gen *g, ev_type t, double f, char *buf, size_t sz)
{
	if (is_f32(g, t)) {
		float x = (float)f;
		uint32_t bits;

		memcpy(&bits, &x, sizeof bits);
		if (isfinite(x))
			snprintf(buf, sz, "(%af)", (double)x);
		else
			snprintf(buf, sz, "as_float((uint)0x%08" PRIx32 "U)", bits);
	} else {
		uint64_t bits;

		memcpy(&bits, &f, sizeof bits);
		if (isfinite(f))
			snprintf(buf, sz, "(%a)", f);
		else
			snprintf(buf, sz, "as_double((ulong)0x%016" PRIx64 "UL)", bits);
	}
}

static void literal(const gm_gen *g, const ev_node *n, gm_operand *r)
{
	snprintf(r->k, sizeof r->k, "1");
	switch (n->type) {
	case EV_BOOL:
		snprintf(r->v, sizeof r->v, "(uchar)%d", n->u.lit.b ? 1 : 0);
		break;
	case EV_INT64:
		if (n->u.lit.i == INT64_MIN)
			snprintf(r->v, sizeof r->v, "(-9223372036854775807L - 1L)");
		else
			snprintf(r->v, sizeof r->v, "(%" PRId64 "L)", n->u.lit.i);
		break;
	default:
		float_literal(g, n->type, n->u.lit.f, r->v, sizeof r->v);
		break;
	}
}

/* ---- expressions ---- */

/* A new temporary for node n: declares it and returns its names. */
static void temp(gm_gen *g, gm_operand *r)
{
	int k = g->ntemps++;

	snprintf(r->v, sizeof r->v, "t%d", k);
	snprintf(r->k, sizeof r->k, "t%d_k", k);
}

/* The conjunction of the operands' validity, as C text, with a leading
 * " & " per term; "1" terms left out. */
static void valid_and(gm_gen *g, const gm_operand *a, int n)
{
	bool any = false;

	for (int i = 0; i < n; i++) {
		if (strcmp(a[i].k, "1") == 0)
			continue;
		emit(g, "%s%s", any ? " & " : "", a[i].k);
		any = true;
	}
	if (!any)
		emit(g, "1");
}

static const char *math_name(ev_op op)
{
	switch (op) {
	case EV_ABS: return "fabs";
	case EV_CBRT: return "cbrt";
	case EV_EXP: return "exp";
	case EV_EXP2: return "exp2";
	case EV_EXPM1: return "expm1";
	case EV_LOG: return "log";
	case EV_LOG2: return "log2";
	case EV_LOG10: return "log10";
	case EV_LOG1P: return "log1p";
	case EV_SIN: return "sin";
	case EV_COS: return "cos";
	case EV_TAN: return "tan";
	case EV_ASIN: return "asin";
	case EV_ACOS: return "acos";
	case EV_ATAN: return "atan";
	case EV_SINH: return "sinh";
	case EV_COSH: return "cosh";
	case EV_TANH: return "tanh";
	case EV_FLOOR: return "floor";
	case EV_CEIL: return "ceil";
	case EV_ROUND: return "rint"; /* half to even, in the only rounding mode */
	case EV_TRUNC: return "trunc";
	case EV_ATAN2: return "atan2";
	case EV_HYPOT: return "hypot";
	case EV_POW: return "pow";
	case EV_FMOD: return "fmod";
	default: return NULL;
	}
}

static const char *cmp_text(ev_op op)
{
	switch (op) {
	case EV_EQ: return "==";
	case EV_NE: return "!=";
	case EV_LT: return "<";
	case EV_LE: return "<=";
	case EV_GT: return ">";
	default: return ">=";
	}
}

/* As compile.c: x ** 2 on floats is x * x, exact, where pow() is not. */
static bool is_literal_two(const ev_node *n)
{
	if (n->op == EV_LITERAL)
		return n->type != EV_STRING && n->type != EV_BOOL &&
		       (n->type == EV_INT64 ? n->u.lit.i == 2 : n->u.lit.f == 2.0);
	return n->op == EV_CAST && n->args[0]->op == EV_LITERAL && is_literal_two(n->args[0]);
}

static int gen_node(gm_gen *g, const ev_node *n, gm_operand *r);

/* Emits the value of n (arguments a) into r: everything but the leaves. */
static int gen_op(gm_gen *g, const ev_node *n, const gm_operand *a, gm_operand *r)
{
	const char *T = ctype(g, n->type);
	ev_type at = n->nargs ? n->args[0]->type : n->type;
	bool f32 = is_f32(g, n->type), ints = n->type == EV_INT64;
	const char *S = f32 ? "f" : "d";
	const char *fn;

	temp(g, r);
	emit(g, "\tconst %s %s = ", T, r->v);
	switch (n->op) {
	case EV_CAST:
		if (n->type == EV_INT64 && is_float(at)) {
			/* truncation toward zero; NaN, inf and |x| >= 2^63 are null */
			const char *F = is_f32(g, at) ? "f" : "";

			emit(g, "(%s >= -0x1p63%s && %s < 0x1p63%s) ? (long)%s : 0;\n", a[0].v, F,
			     a[0].v, F, a[0].v);
			emit(g, "\tconst uchar %s = (uchar)(%s >= -0x1p63%s && %s < 0x1p63%s)", r->k,
			     a[0].v, F, a[0].v, F);
			if (strcmp(a[0].k, "1") != 0)
				emit(g, " & %s", a[0].k);
			emit(g, ";\n");
			return 0;
		}
		emit(g, "(%s)%s;\n", T, a[0].v);
		break;
	case EV_NEG:
		if (ints)
			emit(g, "as_long((ulong)0 - as_ulong(%s));\n", a[0].v);
		else
			emit(g, "-%s;\n", a[0].v);
		break;
	case EV_ADD:
	case EV_SUB:
	case EV_MUL: {
		const char *op = n->op == EV_ADD ? "+" : n->op == EV_SUB ? "-" : "*";

		if (ints)
			emit(g, "GM_WRAP(%s, %s, %s);\n", a[0].v, op, a[1].v);
		else
			emit(g, "%s %s %s;\n", a[0].v, op, a[1].v);
		break;
	}
	case EV_DIV:
		if (f32)
			emit(g, "GM_DIV_F(%s, %s);\n", a[0].v, a[1].v);
		else
			emit(g, "%s / %s;\n", a[0].v, a[1].v);
		break;
	case EV_FLOORDIV:
	case EV_MOD:
		if (ints) {
			emit(g, "gm_%s_l(%s, %s);\n", n->op == EV_MOD ? "mod" : "floordiv", a[0].v,
			     a[1].v);
			emit(g, "\tconst uchar %s = (uchar)(%s != 0)", r->k, a[1].v);
			goto and_operands;
		}
		emit(g, "gm_divmod_%s(%s, %s, %d);\n", S, a[0].v, a[1].v, n->op == EV_MOD);
		break;
	case EV_FMOD:
		if (ints) {
			emit(g, "gm_fmod_l(%s, %s);\n", a[0].v, a[1].v);
			emit(g, "\tconst uchar %s = (uchar)(%s != 0)", r->k, a[1].v);
			goto and_operands;
		}
		emit(g, "fmod(%s, %s);\n", a[0].v, a[1].v);
		break;
	case EV_POW:
		if (ints) {
			emit(g, "gm_pow_l(%s, %s);\n", a[0].v, a[1].v);
			emit(g, "\tconst uchar %s = (uchar)(%s >= 0)", r->k, a[1].v);
			goto and_operands;
		}
		if (is_literal_two(n->args[1]))
			emit(g, "%s * %s;\n", a[0].v, a[0].v);
		else
			emit(g, "pow(%s, %s);\n", a[0].v, a[1].v);
		break;
	case EV_MIN:
	case EV_MAX: {
		const char *w = n->op == EV_MIN ? "min" : "max";

		if (ints)
			emit(g, "%s %s %s ? %s : %s;\n", a[0].v, n->op == EV_MIN ? "<" : ">", a[1].v,
			     a[0].v, a[1].v);
		else
			emit(g, "gm_%s_%s(%s, %s);\n", w, S, a[0].v, a[1].v);
		break;
	}
	case EV_CLIP:
		if (ints)
			emit(g, "(%s < %s ? %s : %s) > %s ? %s : (%s < %s ? %s : %s);\n", a[0].v,
			     a[1].v, a[1].v, a[0].v, a[2].v, a[2].v, a[0].v, a[1].v, a[1].v, a[0].v);
		else
			emit(g, "gm_min_%s(gm_max_%s(%s, %s), %s);\n", S, S, a[0].v, a[1].v, a[2].v);
		break;
	case EV_EQ:
	case EV_NE:
	case EV_LT:
	case EV_LE:
	case EV_GT:
	case EV_GE:
		emit(g, "(uchar)(%s %s %s);\n", a[0].v, cmp_text(n->op), a[1].v);
		break;
	case EV_NOT:
		emit(g, "(uchar)(%s ^ 1);\n", a[0].v);
		break;
	case EV_AND:
	case EV_OR: {
		/* Kleene: a known false decides `and`, a known true `or` */
		const char *neg = n->op == EV_AND ? "!" : "";

		emit(g, "(uchar)(%s %s %s);\n", a[0].v, n->op == EV_AND ? "&" : "|", a[1].v);
		emit(g, "\tconst uchar %s = (uchar)((%s & %s) | (%s & %s%s) | (%s & %s%s));\n", r->k,
		     a[0].k, a[1].k, a[0].k, neg, a[0].v, a[1].k, neg, a[1].v);
		return 0;
	}
	case EV_WHERE:
		emit(g, "%s ? %s : %s;\n", a[0].v, a[1].v, a[2].v);
		emit(g, "\tconst uchar %s = (uchar)(%s & (%s ? %s : %s));\n", r->k, a[0].k, a[0].v,
		     a[1].k, a[2].k);
		return 0;
	case EV_ISNAN:
		emit(g, "(uchar)(%s != %s);\n", a[0].v, a[0].v);
		break;
	case EV_ISINF:
		emit(g, "(uchar)(%s == INFINITY || %s == -INFINITY);\n", a[0].v, a[0].v);
		break;
	case EV_ISFINITE:
		emit(g, "(uchar)(%s > -INFINITY && %s < INFINITY);\n", a[0].v, a[0].v);
		break;
	case EV_ABS:
		if (ints) {
			/* abs(INT64_MIN) wraps to INT64_MIN, as in numpy */
			emit(g, "%s < 0 ? as_long((ulong)0 - as_ulong(%s)) : %s;\n", a[0].v, a[0].v,
			     a[0].v);
			break;
		}
		emit(g, "fabs(%s);\n", a[0].v);
		break;
	case EV_FLOOR:
	case EV_CEIL:
	case EV_ROUND:
	case EV_TRUNC:
		if (ints) {
			emit(g, "%s;\n", a[0].v);
			break;
		}
		emit(g, "%s(%s);\n", math_name(n->op), a[0].v);
		break;
	case EV_SQRT:
		emit(g, "%s(%s);\n", f32 ? "GM_SQRT_F" : "sqrt", a[0].v);
		break;
	default:
		fn = math_name(n->op);
		if (!fn || ints || !is_float(n->type))
			return stage_error_set(g->err, STAGE_EXIT_FAILURE,
			                       "gpu-map: no code for operation %d on %s", (int)n->op,
			                       ev_type_name(n->type));
		if (n->nargs == 2)
			emit(g, "%s(%s, %s);\n", fn, a[0].v, a[1].v);
		else
			emit(g, "%s(%s);\n", fn, a[0].v);
		break;
	}
	emit(g, "\tconst uchar %s = ", r->k);
	valid_and(g, a, n->nargs);
	emit(g, ";\n");
	return 0;
and_operands:
	for (int i = 0; i < n->nargs; i++)
		if (strcmp(a[i].k, "1") != 0)
			emit(g, " & %s", a[i].k);
	emit(g, ";\n");
	return 0;
}

/* Recursion is bounded: checked trees are at most 2 * EV_MAX_DEPTH deep. */
static int gen_node(gm_gen *g, const ev_node *n, gm_operand *r)
{
	gm_operand a[3];

	switch (n->op) {
	case EV_COLUMN:
		snprintf(r->v, sizeof r->v, "c%d", n->u.column);
		snprintf(r->k, sizeof r->k, "c%d_k", n->u.column);
		return 0;
	case EV_ASSIGNED:
		snprintf(r->v, sizeof r->v, "a%d", n->u.assigned);
		snprintf(r->k, sizeof r->k, "a%d_k", n->u.assigned);
		return 0;
	case EV_LITERAL:
		literal(g, n, r);
		return 0;
	default:
		break;
	}
	for (int i = 0; i < n->nargs; i++)
		if (gen_node(g, n->args[i], &a[i]) < 0)
			return -1;
	/* float64 to float32 is no conversion when both are float */
	if (n->op == EV_CAST && strcmp(ctype(g, n->type), ctype(g, n->args[0]->type)) == 0) {
		*r = a[0];
		return 0;
	}
	return gen_op(g, n, a, r);
}

/* ---- the kernel ---- */

static void gen_params(gm_gen *g, const gm_kernel *k)
{
	const char *sep = "";

	emit(g, "__kernel void gpu_map(");
	for (size_t j = 0; j < k->ninputs; j++) {
		int c = k->inputs[j];
		const stage_field *f = &g->in->fields[c];
		const char *T = f->type == STAGE_BOOL      ? "uchar"
		                : f->type == STAGE_INT64   ? "long"
		                : f->type == STAGE_FLOAT32 ? "float"
		                                           : ctype(g, EV_FLOAT64);

		emit(g, "%s\n\t__global const %s *in_%d, __global const uchar *in_%d_valid", sep, T, c,
		     c);
		sep = ",";
	}
	for (size_t j = 0; j < g->ast->nassign; j++) {
		emit(g, "%s\n\t__global %s *out_%zu, __global uchar *out_%zu_valid", sep,
		     ctype(g, g->ast->assign[j].expr->type), j, j);
		sep = ",";
	}
	emit(g, "%s\n\tconst long n)\n{\n", sep);
}

static int gen_kernel(gm_gen *g, const gm_kernel *k)
{
	emit(g, "/* generated by gpu-map */\n#pragma OPENCL FP_CONTRACT OFF\n");
	if (g->o->float32)
		emit(g, "#ifdef cl_khr_fp64\n#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n#endif\n");
	else
		emit(g, "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n");
	emit(g, "%s%s%s", prelude_long, prelude_float, g->o->float32 ? "" : prelude_double);
	gen_params(g, k);
	emit(g, "\tconst long i = (long)get_global_id(0);\n\tif (i >= n)\n\t\treturn;\n");
	for (size_t j = 0; j < k->ninputs; j++) {
		int c = k->inputs[j];
		const stage_field *f = &g->in->fields[c];

		if (f->type == STAGE_BOOL)
			emit(g, "\tconst uchar c%d = GM_BIT(in_%d, i);\n", c, c);
		else
			emit(g, "\tconst %s c%d = in_%d[i];\n",
			     f->type == STAGE_INT64 ? "long" : f->type == STAGE_FLOAT32 ? "float"
			                                                         : ctype(g, EV_FLOAT64),
			     c, c);
		emit(g, "\tconst uchar c%d_k = in_%d_valid ? GM_BIT(in_%d_valid, i) : (uchar)1;\n", c,
		     c, c);
	}
	for (size_t j = 0; j < g->ast->nassign; j++) {
		const ev_node *e = g->ast->assign[j].expr;
		gm_operand r;

		emit(g, "\t/* assignment %zu */\n", j);
		if (gen_node(g, e, &r) < 0)
			return -1;
		emit(g, "\tconst %s a%zu = %s;\n\tconst uchar a%zu_k = %s;\n", ctype(g, e->type), j,
		     r.v, j, r.k);
		emit(g, "\tout_%zu[i] = a%zu;\n\tout_%zu_valid[i] = a%zu_k;\n", j, j, j, j);
	}
	emit(g, "}\n");
	return 0;
}

int gm_codegen(const ev_ast *ast, const stage_schema *in, const gm_codegen_opts *o,
               gm_kernel *out, stage_error *err)
{
	gm_gen g = {.ast = ast, .in = in, .o = o, .err = err};
	bool *used = calloc(in->ncols + 1, sizeof *used);
	gm_kernel k = {0};
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (!used)
		return stage_error_oom(err, "kernel source");
	if (ast->where) {
		stage_error_set(err, STAGE_EXIT_USAGE, "--where is not supported by gpu-map");
		goto done;
	}
	for (size_t j = 0; j < ast->nassign; j++)
		if (check_node(&g, ast->assign[j].expr, used) < 0)
			goto done;
	if (!(k.inputs = malloc((in->ncols + 1) * sizeof *k.inputs))) {
		stage_error_oom(err, "kernel source");
		goto done;
	}
	for (size_t c = 0; c < in->ncols; c++)
		if (used[c])
			k.inputs[k.ninputs++] = (int)c;
	if (gen_kernel(&g, &k) < 0)
		goto done;
	if (g.failed) {
		stage_error_set(err, STAGE_EXIT_FAILURE,
		                "kernel source: out of memory or over %u bytes", GM_MAX_SOURCE);
		goto done;
	}
	k.source = g.buf;
	g.buf = NULL;
	*out = k;
	k = (gm_kernel){0};
	rc = 0;
done:
	free(g.buf);
	free(used);
	gm_kernel_release(&k);
	return rc;
}

void gm_kernel_release(gm_kernel *k)
{
	if (!k)
		return;
	free(k->source);
	free(k->inputs);
	*k = (gm_kernel){0};
}
