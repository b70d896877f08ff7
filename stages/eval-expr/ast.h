/* The checked expression tree shared by eval-expr's front end (parse.c,
 * typecheck.c) and back end (compile.c, vm.c): what the user wrote, with
 * every node typed and every implicit promotion made explicit as an EV_CAST
 * node, so the back end never decides a type.
 *
 * Ownership: an ev_ast owns all its nodes, names and literal bytes;
 * ev_ast_free() releases everything. */
#ifndef EVAL_AST_H
#define EVAL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The parser's bound on nesting (parentheses, operators, calls): deeper
 * text is an error. A checked tree is at most 2 * EV_MAX_DEPTH nodes deep,
 * so walks over it may recurse. */
#define EV_MAX_DEPTH 256

/* Value types inside expressions. Input int64 and timestamp columns read as
 * EV_INT64, float64 as EV_FLOAT64, float32 as EV_FLOAT32, bool as EV_BOOL,
 * utf8 as EV_STRING; binary columns cannot be used in expressions. */
typedef enum ev_type {
	EV_BOOL = 1,
	EV_INT64,
	EV_FLOAT32,
	EV_FLOAT64,
	EV_STRING,
} ev_type;

const char *ev_type_name(ev_type t); /* "bool", "int64", "float32", "float64", "string" */

typedef enum ev_op {
	/* leaves */
	EV_COLUMN,   /* input column u.column */
	EV_ASSIGNED, /* result of an earlier assignment u.assigned */
	EV_LITERAL,  /* constant of the node's type, in u.lit */
	/* type conversion: args[0] converted to the node's type. Implicit
	 * promotions and float(x) / int(x) alike. To int64 from a float:
	 * truncation toward zero; NaN, inf and out-of-range give null. */
	EV_CAST,
	/* arithmetic: args already of the node's type (int64, float32 or float64) */
	EV_NEG,
	EV_ADD,
	EV_SUB,
	EV_MUL,
	EV_DIV,      /* float result only: int / int is cast to float64 first */
	EV_FLOORDIV, /* Python //: floor; int64 by zero gives null */
	EV_MOD,      /* Python %: sign of the divisor; int64 by zero gives null */
	EV_POW,      /* ** and pow(); int64 with a negative exponent gives null */
	/* comparisons: node type bool, args of one common type (numeric, bool
	 * or string) */
	EV_EQ,
	EV_NE,
	EV_LT,
	EV_LE,
	EV_GT,
	EV_GE,
	/* logic on bool, SQL three-valued (Kleene): false and null = false,
	 * true or null = true */
	EV_AND,
	EV_OR,
	EV_NOT,
	/* where(c, x, y): args[0] bool, args[1] and args[2] of the node's type;
	 * a null condition gives null */
	EV_WHERE,
	/* one argument of the node's type (float32 or float64; int and bool
	 * arguments are cast to float64 first), except: EV_ABS, EV_FLOOR,
	 * EV_CEIL, EV_ROUND and EV_TRUNC also take int64 (identity for the
	 * last four), and EV_ISNAN, EV_ISINF, EV_ISFINITE give bool from a
	 * float argument */
	EV_ABS,
	EV_SQRT,
	EV_CBRT,
	EV_EXP,
	EV_EXP2,
	EV_EXPM1,
	EV_LOG,
	EV_LOG2,
	EV_LOG10,
	EV_LOG1P,
	EV_SIN,
	EV_COS,
	EV_TAN,
	EV_ASIN,
	EV_ACOS,
	EV_ATAN,
	EV_SINH,
	EV_COSH,
	EV_TANH,
	EV_FLOOR,
	EV_CEIL,
	EV_ROUND, /* half to even, like numpy.round and Python's round() */
	EV_TRUNC,
	EV_ISNAN,
	EV_ISINF,
	EV_ISFINITE,
	/* two arguments of the node's type */
	EV_ATAN2, /* float */
	EV_HYPOT, /* float */
	EV_FMOD,  /* C fmod (sign of the dividend); int64 by zero gives null */
	EV_MIN,   /* element-wise; a NaN operand gives NaN, like numpy.minimum */
	EV_MAX,
	/* clip(x, lo, hi) = min(max(x, lo), hi), three args of the node's type */
	EV_CLIP,
	/* strings: args[0] EV_STRING; node type bool, except EV_LEN (int64,
	 * counted in code points) */
	EV_CONTAINS,   /* args[1] string */
	EV_STARTSWITH, /* args[1] string */
	EV_ENDSWITH,   /* args[1] string */
	EV_LEN,
	EV_MATCH, /* s ~ 'pattern': args[1] is an EV_LITERAL string, a PCRE2 pattern */
} ev_op;

typedef struct ev_node {
	ev_op op;
	ev_type type; /* the node's result type */
	int line;     /* where the node starts: 1-based line and column of the */
	int col;      /* source text, for messages (see ev_node_pos()) */
	int nargs;
	struct ev_node *args[3];
	union {
		int column;   /* EV_COLUMN: 0-based index into the input schema */
		int assigned; /* EV_ASSIGNED: index into ev_ast.assign */
		union {
			bool b;
			int64_t i;
			double f; /* float32 literals too (already rounded to float) */
			struct {
				uint8_t *bytes; /* NUL-terminated for convenience */
				size_t len;
			} s;
		} lit;
	} u;
} ev_node;

typedef struct ev_assignment {
	char *name; /* output column name */
	ev_node *expr;
} ev_assignment;

/* One output column: an input column passed through, or an assignment's
 * result; exactly one of the two is >= 0. */
typedef struct ev_output {
	int input;
	int assigned;
} ev_output;

typedef struct ev_ast {
	size_t nassign;
	ev_assignment *assign; /* in order; later ones may use earlier results */
	ev_node *where;        /* NULL, or a bool expression; it sees the
	                          assignments' results */
	int where_line;        /* the --where nodes' lines count on from this
	                          one (past the assignments' lines); 0: none */
	/* The output columns in order: the input columns, each replaced in
	 * place by the last assignment of the same name, then new names in the
	 * order of their first assignment; --drop / --keep applied. */
	size_t nout;
	ev_output *out;
} ev_ast;

void ev_ast_free(ev_ast *ast);
/* Frees one subtree. */
void ev_node_free(ev_node *n);

/* A node's position for messages: "3:14", or "--where 1:14" for a node of
 * the --where expression. Returns what snprintf returns. */
int ev_node_pos(const ev_ast *ast, const ev_node *n, char *buf, size_t sz);

#endif
