/* Unit tests of eval-expr's front end: the parse tree's shape (precedence,
 * associativity, chains), every type-promotion pair with its casts, names
 * (unicode, backquotes), literals and escapes, the error messages with
 * their positions, and the output layout with --drop / --keep. Trees are
 * compared as S-expressions printed here, against expectations written by
 * hand from the rules in typecheck.c; every accepted tree also passes the
 * fuzz target's check of ast.h's promises (ast_valid.h). */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast_valid.h"
#include "front.h"
#include "run_suite.h"

static stage_schema *schema;

static void add(const char *name, stage_type t)
{
	stage_error err;

	ck_assert_int_eq(stage_schema_add(schema, name, t, &err), 0);
}

static void setup(void)
{
	schema = stage_schema_new();
	ck_assert_ptr_nonnull(schema);
	add("i", STAGE_INT64);
	add("j", STAGE_INT64);
	add("f", STAGE_FLOAT64);
	add("g", STAGE_FLOAT64);
	add("h", STAGE_FLOAT32);
	add("k", STAGE_FLOAT32);
	add("b", STAGE_BOOL);
	add("c", STAGE_BOOL);
	add("s", STAGE_UTF8);
	add("t", STAGE_UTF8);
	add("ts", STAGE_TIMESTAMP);
	add("blob", STAGE_BINARY);
	add("temp_°C", STAGE_FLOAT64);
	add("δ", STAGE_INT64);
	add("my col", STAGE_FLOAT32);
	add("host", STAGE_UTF8);
}

static void teardown(void)
{
	stage_schema_free(schema);
}

static const char *op_name(ev_op op)
{
	static const char *names[] = {
		[EV_NEG] = "neg", [EV_ADD] = "+", [EV_SUB] = "-", [EV_MUL] = "*", [EV_DIV] = "/",
		[EV_FLOORDIV] = "//", [EV_MOD] = "%", [EV_POW] = "**", [EV_EQ] = "==", [EV_NE] = "!=",
		[EV_LT] = "<", [EV_LE] = "<=", [EV_GT] = ">", [EV_GE] = ">=", [EV_AND] = "and",
		[EV_OR] = "or", [EV_NOT] = "not", [EV_WHERE] = "where", [EV_ABS] = "abs",
		[EV_SQRT] = "sqrt", [EV_CBRT] = "cbrt", [EV_EXP] = "exp", [EV_EXP2] = "exp2",
		[EV_EXPM1] = "expm1", [EV_LOG] = "log", [EV_LOG2] = "log2", [EV_LOG10] = "log10",
		[EV_LOG1P] = "log1p", [EV_SIN] = "sin", [EV_COS] = "cos", [EV_TAN] = "tan",
		[EV_ASIN] = "asin", [EV_ACOS] = "acos", [EV_ATAN] = "atan", [EV_SINH] = "sinh",
		[EV_COSH] = "cosh", [EV_TANH] = "tanh", [EV_FLOOR] = "floor", [EV_CEIL] = "ceil",
		[EV_ROUND] = "round", [EV_TRUNC] = "trunc", [EV_ISNAN] = "isnan", [EV_ISINF] = "isinf",
		[EV_ISFINITE] = "isfinite", [EV_ATAN2] = "atan2", [EV_HYPOT] = "hypot",
		[EV_FMOD] = "fmod", [EV_MIN] = "min", [EV_MAX] = "max", [EV_CLIP] = "clip",
		[EV_CONTAINS] = "contains", [EV_STARTSWITH] = "startswith", [EV_ENDSWITH] = "endswith",
		[EV_LEN] = "len", [EV_MATCH] = "~",
	};

	ck_assert_int_lt(op, sizeof names / sizeof names[0]);
	ck_assert_ptr_nonnull(names[op]);
	return names[op];
}

/* Appends to a fixed buffer (the trees in these tests are small). */
static void cat(char *buf, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t sz, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, sz - n, fmt, ap);
	va_end(ap);
}

/* Floats print with a point (1.0, not 1) so they differ from integers. */
static void print_float(double f, const char *suffix, char *buf, size_t sz)
{
	char tmp[40];
	int prec = 1;

	if (isfinite(f) && f == floor(f) && fabs(f) < 1e15) {
		cat(buf, sz, "%.1f%s", f, suffix);
		return;
	}
	/* the shortest text that reads back as f */
	do
		snprintf(tmp, sizeof tmp, "%.*g", prec++, f);
	while (prec <= 17 && isfinite(f) && strtod(tmp, NULL) != f);
	cat(buf, sz, "%s%s", tmp, suffix);
}

/* Columns print as their names, earlier results as @name, casts as
 * (TYPE x), float32 literals with an f, strings in single quotes. */
static void print(const ev_ast *ast, const ev_node *n, char *buf, size_t sz)
{
	switch (n->op) {
	case EV_COLUMN:
		cat(buf, sz, "%s", schema->fields[n->u.column].name);
		return;
	case EV_ASSIGNED:
		cat(buf, sz, "@%s", ast->assign[n->u.assigned].name);
		return;
	case EV_LITERAL:
		switch (n->type) {
		case EV_BOOL: cat(buf, sz, "%s", n->u.lit.b ? "true" : "false"); break;
		case EV_INT64: cat(buf, sz, "%lld", (long long)n->u.lit.i); break;
		case EV_FLOAT32: print_float(n->u.lit.f, "f", buf, sz); break;
		case EV_FLOAT64: print_float(n->u.lit.f, "", buf, sz); break;
		case EV_STRING: cat(buf, sz, "'%s'", (const char *)n->u.lit.s.bytes); break;
		}
		return;
	case EV_CAST:
		cat(buf, sz, "(%s ", ev_type_name(n->type));
		break;
	default:
		cat(buf, sz, "(%s ", op_name(n->op));
		break;
	}
	for (int i = 0; i < n->nargs; i++) {
		if (i)
			cat(buf, sz, " ");
		print(ast, n->args[i], buf, sz);
	}
	cat(buf, sz, ")");
}

static char result[8192];

/* Runs the front end; on success prints the last assignment's tree (or the
 * filter's) as "TYPE: TREE", on failure returns the error message. */
static const char *run(const char *const *args, size_t n, const char *where, const char *drop,
                       const char *keep, ev_ast **keep_ast)
{
	ev_front_opts o = {.assignments = args, .nassignments = n, .where = where, .drop = drop,
	                   .keep = keep};
	stage_error err;
	ev_ast *ast;
	const ev_node *node;

	result[0] = '\0';
	if (ev_front(&o, schema, &ast, &err) < 0) {
		ck_assert_msg(err.status == STAGE_EXIT_USAGE, "status %d: %s", err.status, err.msg);
		ck_assert_ptr_null(ast);
		snprintf(result, sizeof result, "%s", err.msg);
		return result;
	}
	ck_assert_msg(!ev_valid_ast(ast, schema), "%s", ev_valid_ast(ast, schema));
	node = where ? ast->where : ast->nassign ? ast->assign[ast->nassign - 1].expr : NULL;
	if (node) {
		cat(result, sizeof result, "%s: ", ev_type_name(node->type));
		print(ast, node, result, sizeof result);
	}
	if (keep_ast)
		*keep_ast = ast;
	else
		ev_ast_free(ast);
	return result;
}

static const char *front(const char *assign)
{
	return run(&assign, 1, NULL, NULL, NULL, NULL);
}

static const char *front_where(const char *assign, const char *where)
{
	return run(&assign, assign ? 1 : 0, where, NULL, NULL, NULL);
}

#define TREE(src, want) ck_assert_str_eq(front(src), want)
#define WHERE(assign, where, want) ck_assert_str_eq(front_where(assign, where), want)

START_TEST(precedence)
{
	TREE("x = -2**2", "int64: (neg (** 2 2))");
	TREE("x = 2**3**2", "int64: (** 2 (** 3 2))");
	TREE("x = 2**-1", "int64: (** 2 -1)");
	TREE("x = -i ** 2", "int64: (neg (** i 2))");
	TREE("x = (-i) ** 2", "int64: (** (neg i) 2)");
	TREE("x = i ** -j", "int64: (** i (neg j))");
	TREE("x = - -i", "int64: (neg (neg i))");
	TREE("x = +i", "int64: i");
	TREE("x = i - j - i", "int64: (- (- i j) i)");
	TREE("x = i * j + i", "int64: (+ (* i j) i)");
	TREE("x = i + j * i", "int64: (+ i (* j i))");
	TREE("x = i // j % i * j", "int64: (* (% (// i j) i) j)");
	TREE("x = 2 * (i + j)", "int64: (* 2 (+ i j))");
	TREE("x = i + -j * 2", "int64: (+ i (* (neg j) 2))");
	TREE("x = not b == c", "bool: (not (== b c))");
	TREE("x = not not b", "bool: (not (not b))");
	TREE("x = b or c and b", "bool: (or b (and c b))");
	TREE("x = (b or c) and b", "bool: (and (or b c) b)");
	TREE("x = b and c or b", "bool: (or (and b c) b)");
	TREE("x = not b and c", "bool: (and (not b) c)");
	TREE("x = i < j", "bool: (< i j)");
	TREE("x = i < j < i", "bool: (and (< i j) (< j i))");
	TREE("x = i < j == i", "bool: (and (< i j) (== j i))");
	TREE("x = i <= j >= i != j", "bool: (and (and (<= i j) (>= j i)) (!= i j))");
	TREE("x = (i < j) == b", "bool: (== (< i j) b)");
	TREE("x = i + 1 < j * 2", "bool: (< (+ i 1) (* j 2))");
	TREE("x = i < j and j > i or not b", "bool: (or (and (< i j) (> j i)) (not b))");
	TREE("x = s ~ 'a+' and b", "bool: (and (~ s 'a+') b)");
	TREE("x = abs(-i) + sin(f) ** 2", "float64: (+ (float64 (abs (neg i))) (** (sin f) 2.0))");
}
END_TEST

/* The promotion tables of typecheck.c, written out again: b bool, i int64,
 * h float32, f float64. */
static const char cols[] = "bihf";
static const char *type_of_col(char c)
{
	switch (c) {
	case 'b': return "bool";
	case 'i': return "int64";
	case 'h': return "float32";
	default: return "float64";
	}
}

/* rows and columns in the order of cols */
static const char *const arith[4][4] = {
	{"int64", "int64", "float32", "float64"},
	{"int64", "int64", "float64", "float64"},
	{"float32", "float64", "float32", "float64"},
	{"float64", "float64", "float64", "float64"},
};
static const char *const divide[4][4] = {
	{"float64", "float64", "float32", "float64"},
	{"float64", "float64", "float64", "float64"},
	{"float32", "float64", "float32", "float64"},
	{"float64", "float64", "float64", "float64"},
};
/* == and != (ordering differs only for bool with bool: int64) */
static const char *const compare_eq[4][4] = {
	{"bool", "int64", "float32", "float64"},
	{"int64", "int64", "float64", "float64"},
	{"float32", "float64", "float32", "float64"},
	{"float64", "float64", "float64", "float64"},
};

/* "x" or "(T x)" when x (of type have) is cast to want. */
static void operand(char c, const char *want, char *buf, size_t sz)
{
	if (strcmp(type_of_col(c), want) == 0)
		snprintf(buf, sz, "%c", c);
	else
		snprintf(buf, sz, "(%s %c)", want, c);
}

START_TEST(promotion_pairs)
{
	static const char *const ops[] = {"+", "-", "*", "/", "//", "%", "**"};
	static const char *const cmps[] = {"==", "!=", "<", "<=", ">", ">="};

	for (int x = 0; x < 4; x++)
		for (int y = 0; y < 4; y++) {
			char src[64], want[128], l[32], r[32];

			for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
				const char *t = strcmp(ops[k], "/") == 0 ? divide[x][y] : arith[x][y];

				operand(cols[x], t, l, sizeof l);
				operand(cols[y], t, r, sizeof r);
				snprintf(src, sizeof src, "x = %c %s %c", cols[x], ops[k], cols[y]);
				snprintf(want, sizeof want, "%s: (%s %s %s)", t, ops[k], l, r);
				ck_assert_str_eq(front(src), want);
			}
			for (size_t k = 0; k < sizeof cmps / sizeof cmps[0]; k++) {
				const char *t = compare_eq[x][y];

				if (k >= 2 && strcmp(t, "bool") == 0)
					t = "int64";
				operand(cols[x], t, l, sizeof l);
				operand(cols[y], t, r, sizeof r);
				snprintf(src, sizeof src, "x = %c %s %c", cols[x], cmps[k], cols[y]);
				snprintf(want, sizeof want, "bool: (%s %s %s)", cmps[k], l, r);
				ck_assert_str_eq(front(src), want);
			}
		}
}
END_TEST

/* NEP 50: literals take the column's type. */
START_TEST(weak_literals)
{
	TREE("x = b + 1", "int64: (+ (int64 b) 1)");
	TREE("x = i + 1", "int64: (+ i 1)");
	TREE("x = h + 1", "float32: (+ h 1.0f)");
	TREE("x = f + 1", "float64: (+ f 1.0)");
	TREE("x = b + 1.5", "float64: (+ (float64 b) 1.5)");
	TREE("x = i + 1.5", "float64: (+ (float64 i) 1.5)");
	TREE("x = h + 1.5", "float32: (+ h 1.5f)");
	TREE("x = f + 1.5", "float64: (+ f 1.5)");
	TREE("x = 1 + h", "float32: (+ 1.0f h)");
	TREE("x = h * 0.1", "float32: (* h 0.10000000149011612f)");
	TREE("x = h * -1", "float32: (* h -1.0f)");
	TREE("x = i / 2", "float64: (/ (float64 i) 2.0)");
	TREE("x = h / 2", "float32: (/ h 2.0f)");
	TREE("x = h < 1", "bool: (< h 1.0f)");
	TREE("x = i < 1.5", "bool: (< (float64 i) 1.5)");
	TREE("x = b == 1", "bool: (== (int64 b) 1)");
	TREE("x = b == true", "bool: (== b true)");
	TREE("x = b + true", "int64: (+ (int64 b) 1)");
	TREE("x = h + true", "float32: (+ h 1.0f)");
	/* literals only: int64 and float64 */
	TREE("x = 1 + 2", "int64: (+ 1 2)");
	TREE("x = 1 + 2.5", "float64: (+ 1.0 2.5)");
	TREE("x = 7 / 2", "float64: (/ 7.0 2.0)");
	TREE("x = true + true", "int64: (+ 1 1)");
	TREE("x = -True", "int64: -1");
	TREE("x = 1.5", "float64: 1.5");
	TREE("x = 3", "int64: 3");
	TREE("x = true", "bool: true");
	/* an expression of literals stays weak */
	TREE("x = h * (1 / 3)", "float32: (* h (float32 (/ 1.0 3.0)))");
	TREE("x = h + 2 * 3", "float32: (+ h (float32 (* 2 3)))");
	TREE("x = i + (2 - 3)", "int64: (+ i (- 2 3))");
	/* but not through a function or a column */
	TREE("x = h + sqrt(2)", "float64: (+ (float64 h) (sqrt 2.0))");
	TREE("x = h + i * 2", "float64: (+ (float64 h) (float64 (* i 2)))");
}
END_TEST

START_TEST(functions)
{
	static const char *const math1[] = {
		"sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin",
		"cos", "tan", "sinh", "cosh", "tanh",
	};
	char src[64], want[128];

	for (size_t k = 0; k < sizeof math1 / sizeof math1[0]; k++) {
		snprintf(src, sizeof src, "x = %s(i)", math1[k]);
		snprintf(want, sizeof want, "float64: (%s (float64 i))", math1[k]);
		ck_assert_str_eq(front(src), want);
		snprintf(src, sizeof src, "x = %s(h)", math1[k]);
		snprintf(want, sizeof want, "float32: (%s h)", math1[k]);
		ck_assert_str_eq(front(src), want);
		snprintf(src, sizeof src, "x = %s(b)", math1[k]);
		snprintf(want, sizeof want, "float64: (%s (float64 b))", math1[k]);
		ck_assert_str_eq(front(src), want);
		snprintf(src, sizeof src, "x = %s(f)", math1[k]);
		snprintf(want, sizeof want, "float64: (%s f)", math1[k]);
		ck_assert_str_eq(front(src), want);
	}
	TREE("x = arcsin(f)", "float64: (asin f)");
	TREE("x = arccos(h)", "float32: (acos h)");
	TREE("x = arctan(i)", "float64: (atan (float64 i))");
	TREE("x = sin(1)", "float64: (sin 1.0)");
	TREE("x = abs(i)", "int64: (abs i)");
	TREE("x = abs(b)", "int64: (abs (int64 b))");
	TREE("x = abs(h)", "float32: (abs h)");
	TREE("x = floor(i)", "int64: i");
	TREE("x = ceil(b)", "int64: (int64 b)");
	TREE("x = round(h)", "float32: (round h)");
	TREE("x = trunc(f)", "float64: (trunc f)");
	TREE("x = isnan(i)", "bool: (isnan (float64 i))");
	TREE("x = isinf(h)", "bool: (isinf h)");
	TREE("x = isfinite(f)", "bool: (isfinite f)");
	TREE("x = arctan2(i, j)", "float64: (atan2 (float64 i) (float64 j))");
	TREE("x = atan2(h, k)", "float32: (atan2 h k)");
	TREE("x = hypot(h, 1)", "float32: (hypot h 1.0f)");
	TREE("x = hypot(h, f)", "float64: (hypot (float64 h) f)");
	TREE("x = fmod(i, 3)", "int64: (fmod i 3)");
	TREE("x = fmod(f, i)", "float64: (fmod f (float64 i))");
	TREE("x = min(i, h)", "float64: (min (float64 i) (float64 h))");
	TREE("x = max(b, c)", "int64: (max (int64 b) (int64 c))");
	TREE("x = max(h, 0)", "float32: (max h 0.0f)");
	TREE("x = pow(i, 2)", "int64: (** i 2)");
	TREE("x = pow(h, 0.5)", "float32: (** h 0.5f)");
	TREE("x = clip(h, 0, 1)", "float32: (clip h 0.0f 1.0f)");
	TREE("x = clip(i, 0, 1.5)", "float64: (clip (float64 i) 0.0 1.5)");
	TREE("x = clip(i, j, h)", "float64: (clip (float64 i) (float64 j) (float64 h))");
	TREE("x = where(b, i, h)", "float64: (where b (float64 i) (float64 h))");
	TREE("x = where(b, b, c)", "bool: (where b b c)");
	TREE("x = where(b, h, 0)", "float32: (where b h 0.0f)");
	TREE("x = where(i > 0, i, 0)", "int64: (where (> i 0) i 0)");
	TREE("x = float(i)", "float64: (float64 i)");
	TREE("x = float(f)", "float64: f");
	TREE("x = float(h)", "float64: (float64 h)");
	TREE("x = float(1)", "float64: 1.0");
	TREE("x = int(f)", "int64: (int64 f)");
	TREE("x = int(2.7)", "int64: (int64 2.7)");
	TREE("x = int(b)", "int64: (int64 b)");
	TREE("x = int(i)", "int64: i");
	TREE("x = contains(s, 'x')", "bool: (contains s 'x')");
	TREE("x = startswith(s, t)", "bool: (startswith s t)");
	TREE("x = endswith(host, '.org')", "bool: (endswith host '.org')");
	TREE("x = len(s)", "int64: (len s)");
	TREE("x = len(s) + 1", "int64: (+ (len s) 1)");
	TREE("x = s ~ 'a.*b'", "bool: (~ s 'a.*b')");
	TREE("x = s == t", "bool: (== s t)");
	TREE("x = s < 'm'", "bool: (< s 'm')");
	TREE("x = 'm' >= s", "bool: (>= 'm' s)");
	TREE("x = s", "string: s");
	TREE("x = ts + 1", "int64: (+ ts 1)");
}
END_TEST

START_TEST(names)
{
	TREE("x = temp_°C * 2", "float64: (* temp_°C 2.0)");
	TREE("x = δ + 1", "int64: (+ δ 1)");
	TREE("x = `my col` + 1", "float32: (+ my col 1.0f)");
	TREE("x = `i` + `temp_°C`", "float64: (+ (float64 i) temp_°C)");
	TREE("`new col` = `δ`", "int64: δ");
	TREE("ü = 1; y = ü + 1", "int64: (+ @ü 1)");
	TREE("x = `and`", "1:5: unknown column 'and'");
	TREE("x = True or False", "bool: (or true false)");
	/* earlier results, and an input column read by its own assignment */
	TREE("x = i + 1; y = x * 2", "int64: (* @x 2)");
	TREE("i = i * 2", "int64: (* i 2)");
	TREE("i = i * 2; i = i + 1", "int64: (+ @i 1)");
	TREE("x = 1; x = x + 1", "int64: (+ @x 1)");
	TREE("z = z + 1", "1:5: unknown column 'z'");
	TREE("x = s; y = x", "string: @x");
	TREE("x = s; y = x == 'a'", "bool: (== @x 'a')");
	/* inf and nan without such columns */
	TREE("x = f < inf", "bool: (< f inf)");
	TREE("x = h + nan", "float32: (+ h nanf)");
	TREE("x = -inf", "float64: -inf");
	TREE("x = `inf`", "1:5: unknown column 'inf'");
	/* numbers: 1-based column numbers are not column references */
	TREE("x = 1e3", "float64: 1000.0");
	TREE("x = .5 + 1.", "float64: (+ 0.5 1.0)");
	TREE("x = 2.5E-1", "float64: 0.25");
	TREE("x = 1e400", "float64: inf");
	TREE("x = 9223372036854775807", "int64: 9223372036854775807");
	TREE("x = -9223372036854775808", "int64: -9223372036854775808");
}
END_TEST

START_TEST(inf_column)
{
	add("inf", STAGE_INT64);
	TREE("x = inf + 1", "int64: (+ inf 1)");
	TREE("x = nan", "float64: nan");
}
END_TEST

START_TEST(strings)
{
	TREE("x = s == 'it\\'s'", "bool: (== s 'it's')");
	TREE("x = s == \"it's\"", "bool: (== s 'it's')");
	TREE("x = s == \"a\\\"b\"", "bool: (== s 'a\"b')");
	TREE("x = s == 'a\\\\b'", "bool: (== s 'a\\b')");
	TREE("x = s == 'a\\tb\\n'", "bool: (== s 'a\tb\n')");
	TREE("x = s == '\\x41\\x7a'", "bool: (== s 'Az')");
	TREE("x = s == '\\xe9'", "bool: (== s 'é')");
	TREE("x = s == 'δ°'", "bool: (== s 'δ°')");
	TREE("x = s == ''", "bool: (== s '')");
}
END_TEST

/* A string literal's length counts its NUL bytes. */
START_TEST(string_nul)
{
	const char *src = "x = s == 'a\\x00b'";
	ev_front_opts o = {.assignments = &src, .nassignments = 1};
	stage_error err;
	ev_ast *ast;
	const ev_node *lit;

	ck_assert_int_eq(ev_front(&o, schema, &ast, &err), 0);
	lit = ast->assign[0].expr->args[1];
	ck_assert_int_eq(lit->op, EV_LITERAL);
	ck_assert_uint_eq(lit->u.lit.s.len, 3);
	ck_assert_mem_eq(lit->u.lit.s.bytes, "a\0b", 4);
	ev_ast_free(ast);
}
END_TEST

START_TEST(errors)
{
	TREE("x = y", "1:5: unknown column 'y'");
	TREE("z = 2*i + 3*j + d", "1:17: unknown column 'd'");
	TREE("x = δ + zz", "1:9: unknown column 'zz'");
	TREE("x = )", "1:5: unexpected ')'");
	TREE("x = (i + 1))", "1:12: unexpected ')'");
	TREE("x = i j", "1:7: unexpected 'j'");
	TREE("x = i +", "1:8: unexpected end of expression");
	TREE("x = ", "1:5: unexpected end of expression");
	TREE("x = (i + 1", "1:5: unclosed '('");
	TREE("x = sin(i", "1:8: unclosed '('");
	TREE("x = sin(i j)", "1:11: unexpected 'j'");
	TREE("x = 'abc", "1:5: unterminated string");
	TREE("x = i + \"abc", "1:9: unterminated string");
	TREE("x = `my col", "1:5: unterminated name");
	TREE("x = ``", "1:5: empty name");
	TREE("x = 'a\\qb'", "1:7: bad escape '\\q'");
	TREE("x = '\\x4'", "1:6: bad escape: \\x needs two hex digits");
	TREE("x = 2x", "1:5: bad number '2x'");
	TREE("x = 1.2.3", "1:5: bad number '1.2.3'");
	TREE("x = i $ j", "1:7: unexpected character '$'");
	TREE("x = i ! j", "1:7: unexpected character '!'");
	TREE("i + 1", "1:1: expected 'name = expression'");
	TREE("= 1", "1:1: expected 'name = expression'");
	TREE("x == 1", "1:1: expected 'name = expression'");
	TREE("1 = x", "1:1: expected 'name = expression'");
	TREE("x = 1 = 2", "1:7: unexpected '='");
	TREE("x = sin(i, j)", "1:5: sin() takes 1 argument, got 2");
	TREE("x = atan2(i)", "1:5: atan2() takes 2 arguments, got 1");
	TREE("x = clip()", "1:5: clip() takes 3 arguments, got 0");
	TREE("x = sine(i)", "1:5: unknown function 'sine'");
	TREE("x = i(1)", "1:5: unknown function 'i'");
	TREE("x = host == 200", "1:5: cannot compare string column 'host' with number");
	TREE("x = 200 != host", "1:12: cannot compare string column 'host' with number");
	TREE("x = s < b", "1:5: cannot compare string column 's' with bool");
	TREE("x = 'x' == 1", "1:5: cannot compare string 'x' with number");
	TREE("x = i and b", "1:5: 'and' needs bool operands, got int64");
	TREE("x = b or h", "1:10: 'or' needs bool operands, got float32");
	TREE("x = not i", "1:9: 'not' needs a bool operand, got int64");
	TREE("x = s + 1", "1:5: '+' needs numbers, got string column 's'");
	TREE("x = -s", "1:6: '-' needs numbers, got string column 's'");
	TREE("x = 2 ** 'a'", "1:10: '**' needs numbers, got string 'a'");
	TREE("x = sin(s)", "1:9: sin() needs a number, got string column 's'");
	TREE("x = len(i)", "1:9: len() needs a string, got int64");
	TREE("x = contains(s, 1)", "1:17: contains() needs a string, got int64");
	TREE("x = blob", "1:5: binary column 'blob' cannot be used in expressions");
	TREE("x = len(blob)", "1:9: binary column 'blob' cannot be used in expressions");
	TREE("x = 'abc'",
	     "1:5: cannot assign a string literal to 'x': only string columns can be copied");
	TREE("x = i ~ 'a'", "1:5: '~' needs a string on the left, got int64");
	TREE("x = s ~ t", "1:9: '~' needs a string literal (the pattern) on the right");
	TREE("x = where(i, 1, 2)", "1:11: where() needs a bool condition, got int64");
	TREE("x = where(b, s, t)", "1:14: where() does not support strings");
	TREE("x = 9223372036854775808", "1:5: integer literal '9223372036854775808' out of range");
	TREE("x = 99999999999999999999", "1:5: integer literal '99999999999999999999' out of range");
	TREE("x = -9223372036854775809", "1:6: integer literal '9223372036854775809' out of range");
	WHERE(NULL, "i", "--where 1:1: --where needs a bool expression, got int64");
	WHERE(NULL, "i > d", "--where 1:5: unknown column 'd'");
	WHERE(NULL, "", "--where 1:1: empty expression");
	WHERE(NULL, "b;c", "--where 1:2: unexpected ';'");
	WHERE(NULL, "b and\nc", "--where 1:6: unexpected end of line");
	WHERE(NULL, "(b and\n zz)", "--where 2:2: unknown column 'zz'");
	WHERE("x = q", "b", "1:5: unknown column 'q'");
}
END_TEST

START_TEST(lines)
{
	const char *two[] = {"x = 1", "y = q"};
	const char *three[] = {"x = 1\n\ny = 2", "z = x + y", "w = nope"};
	const char *blank[] = {"x = 1\n", "y = q"};

	ck_assert_str_eq(run(two, 2, NULL, NULL, NULL, NULL), "2:5: unknown column 'q'");
	ck_assert_str_eq(run(three, 3, NULL, NULL, NULL, NULL), "5:5: unknown column 'nope'");
	ck_assert_str_eq(run(blank, 2, NULL, NULL, NULL, NULL), "2:5: unknown column 'q'");
	TREE("x = 1; y = q", "2:5: unknown column 'q'");
	TREE("x = 1;y = q", "2:5: unknown column 'q'");
	TREE("x = 1\ny = q", "2:5: unknown column 'q'");
	TREE("x = 1\r\ny = q", "2:5: unknown column 'q'");
	TREE("x = (1 +\n q)", "2:2: unknown column 'q'");
	TREE("x = 1;; ;\n", "int64: 1");
	TREE("x = (1;\n", "1:5: unclosed '('");
}
END_TEST

/* ev_node_pos() tells the filter's nodes from the assignments'. */
START_TEST(positions)
{
	const char *args[] = {"x = i + 1; y = x * 2"};
	ev_front_opts o = {.assignments = args, .nassignments = 1, .where = "\n  y > 3"};
	stage_error err;
	ev_ast *ast;
	char buf[64];

	ck_assert_int_eq(ev_front(&o, schema, &ast, &err), 0);
	ev_node_pos(ast, ast->assign[0].expr->args[1], buf, sizeof buf);
	ck_assert_str_eq(buf, "1:9");
	ev_node_pos(ast, ast->assign[1].expr, buf, sizeof buf);
	ck_assert_str_eq(buf, "2:5");
	ev_node_pos(ast, ast->where, buf, sizeof buf);
	ck_assert_str_eq(buf, "--where 2:3");
	ev_node_pos(ast, ast->where->args[1], buf, sizeof buf);
	ck_assert_str_eq(buf, "--where 2:7");
	ck_assert_int_eq(ast->where->args[1]->col, 7);
	ev_ast_free(ast);
}
END_TEST

START_TEST(where_sees_results)
{
	WHERE("x = i * 2", "x > 1 and s ~ '^a'", "bool: (and (> @x 1) (~ s '^a'))");
	WHERE("i = f", "i > 1", "bool: (> @i 1.0)");
	WHERE(NULL, "not b", "bool: (not b)");
	WHERE(NULL, "b\n\n", "bool: b");
}
END_TEST

/* Text that would nest too deep fails cleanly, whatever shape. */
START_TEST(limits)
{
	static char src[200000];
	const char *want = "expression nested too deeply (more than 256 levels)";
	size_t n;

	strcpy(src, "x = ");
	for (n = 0; n < 300; n++)
		strcat(src, "(");
	strcat(src, "i");
	for (n = 0; n < 300; n++)
		strcat(src, ")");
	ck_assert_ptr_nonnull(strstr(front(src), want));
	strcpy(src, "x = ");
	for (n = 0; n < 300; n++)
		strcat(src, "-");
	strcat(src, "i");
	ck_assert_ptr_nonnull(strstr(front(src), want));
	strcpy(src, "x = b");
	for (n = 0; n < 300; n++)
		strcat(src, " and not b");
	ck_assert_ptr_nonnull(strstr(front(src), want));
	strcpy(src, "x = i");
	for (n = 0; n < 300; n++)
		strcat(src, " < i");
	ck_assert_ptr_nonnull(strstr(front(src), want));
	strcpy(src, "x = sin(");
	for (n = 0; n < 300; n++)
		strcat(src, "sin(");
	ck_assert_ptr_nonnull(strstr(front(src), want));
	/* 255 levels are fine */
	strcpy(src, "x = i");
	for (n = 0; n < 250; n++)
		strcat(src, " + i");
	ck_assert_str_eq(front(src) + strlen(src) * 0, result);
	ck_assert_ptr_nonnull(strstr(result, "int64: (+ (+ (+"));
	/* nested chains copy their middle operands: bounded, not exponential */
	strcpy(src, "x = ");
	for (n = 0; n < 60; n++)
		strcat(src, "(i < ");
	strcat(src, "i");
	for (n = 0; n < 60; n++)
		strcat(src, " < i) == b");
	ck_assert_ptr_nonnull(strstr(front(src), "expression too large"));
	/* long but flat text is fine: many assignments */
	src[0] = '\0';
	for (n = 0; n < 5000; n++)
		strcat(src, "x = i * 2 + 1;");
	ck_assert_str_eq(front(src), "int64: (+ (* i 2) 1)");
}
END_TEST

static const char *out_names(const ev_ast *ast)
{
	static char buf[512];

	buf[0] = '\0';
	for (size_t i = 0; i < ast->nout; i++) {
		const ev_output *o = &ast->out[i];

		ck_assert((o->input >= 0) != (o->assigned >= 0));
		if (o->input >= 0)
			cat(buf, sizeof buf, "%s%s", i ? "," : "", schema->fields[o->input].name);
		else
			cat(buf, sizeof buf, "%s@%d", i ? "," : "", o->assigned);
	}
	return buf;
}

static const char *layout(const char *drop, const char *keep)
{
	static const char *args[] = {"i = i * 2", "new = f + 1; f2 = 1", "new = new + 1",
	                             "`temp_°C` = 0.0"};
	ev_ast *ast = NULL;
	const char *r = run(args, 4, NULL, drop, keep, &ast);

	if (!ast)
		return r;
	r = out_names(ast);
	ev_ast_free(ast);
	return r;
}

START_TEST(output_layout)
{
	ck_assert_str_eq(layout(NULL, NULL),
	                 "@0,j,f,g,h,k,b,c,s,t,ts,blob,@4,δ,my col,host,@3,@2");
	ck_assert_str_eq(layout("blob,new,j", NULL),
	                 "@0,f,g,h,k,b,c,s,t,ts,@4,δ,my col,host,@2");
	ck_assert_str_eq(layout(NULL, "new,i,temp_°C"), "@0,@4,@3");
	ck_assert_str_eq(layout(NULL, "2,17"), "j,@3");
	ck_assert_str_eq(layout(NULL, "my col"), "my col");
	ck_assert_str_eq(layout("nope", NULL), "--drop: unknown column 'nope'");
	ck_assert_str_eq(layout(NULL, "i,,j"), "--keep: empty column name");
	ck_assert_str_eq(layout(NULL, "19"), "--keep: unknown column '19'");
	ck_assert_str_eq(layout("i", "j"), "--drop and --keep cannot be used together");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("eval_front");
	TCase *tc = tcase_create("front");

	/* 5000-assignment and depth-limit cases outlast Check's default 4 s
	 * under the sanitizers on a busy machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, precedence);
	tcase_add_test(tc, promotion_pairs);
	tcase_add_test(tc, weak_literals);
	tcase_add_test(tc, functions);
	tcase_add_test(tc, names);
	tcase_add_test(tc, inf_column);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, string_nul);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, lines);
	tcase_add_test(tc, positions);
	tcase_add_test(tc, where_sees_results);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, output_layout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
