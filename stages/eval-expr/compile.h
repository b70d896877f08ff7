/* The compiled form of an eval-expr program (plan.h): values, the flat list
 * of typed instructions over them and where each value lives during a
 * block. Written by compile.c, run by vm.c over blocks that job.c hands it. */
#ifndef EVAL_COMPILE_H
#define EVAL_COMPILE_H

#include "kernels.h"
#include "plan.h"

/* Rows per block: registers hold this many values, and one block's
 * registers stay in L1/L2 cache. A multiple of EV_RANGE_ALIGN, so every
 * block of a range starts on a whole byte of a bitmap. */
#define EV_BLOCK 2048

/* Where a value lives during a block. Every value but a constant has a
 * scratch slot, whose validity bytes it uses when some row is null. */
typedef enum ev_vkind {
	EV_V_TEMP,   /* the slot's data */
	EV_V_COLUMN, /* the input column's values (bool: unpacked into the slot) */
	EV_V_CONST,  /* a literal, broadcast once per scratch */
	EV_V_OUTPUT, /* an int64 or float assignment result: the job's output buffer */
} ev_vkind;

typedef struct ev_value {
	ev_type type;
	ev_vkind kind;
	int index;    /* COLUMN: input column; CONST: constant; OUTPUT: assignment */
	int slot;     /* scratch slot, -1 for a constant */
	int last_use; /* the last instruction reading it */
	bool loaded;  /* COLUMN: a load instruction was emitted (compile time) */
} ev_value;

typedef struct ev_const {
	ev_type type;
	union {
		bool b;
		int64_t i;
		double f;
		float f32;
	} v;
	uint8_t *bytes; /* EV_STRING */
	size_t len;
} ev_const;

/* Instruction families; the ev_op and the operand type select the loop. */
typedef enum ev_family {
	EV_F_LOAD,   /* dst = input column aux */
	EV_F_UNARY,  /* dst = op(src0): neg, abs, sqrt, floor, ceil, round, trunc */
	EV_F_BINARY, /* dst = src0 op src1: + - * / // % ** fmod min max */
	EV_F_MULADD, /* floats: dst = (src0 * src1) op src2 for op + or -; with
	              * aux 1, dst = src2 op (src0 * src1) (see fuse_muladd) */
	EV_F_MATH,   /* transcendental, through ev_math_f64 / ev_math_f32 */
	EV_F_CLIP,
	EV_F_FPRED,  /* isnan, isinf, isfinite */
	EV_F_CMP,
	EV_F_LOGIC,  /* and, or, not */
	EV_F_WHERE,
	EV_F_CAST,   /* from `type` to the dst's type */
	EV_F_STRFN,  /* contains, startswith, endswith, len */
	EV_F_MATCH,  /* regex aux */
	EV_F_STORE,  /* assignment aux's result = src0: validity and bool bits */
	EV_F_MASK,   /* the --where mask = src0 is true */
} ev_family;

typedef struct ev_insn {
	ev_family fam;
	ev_op op;
	ev_type type; /* the operands' type */
	int dst;      /* value, or -1 */
	int src[3];
	int nsrc;
	int aux;
	char pos[32]; /* the node's source position, for messages */
} ev_insn;

/* How an output column gets its array. */
typedef enum ev_rkind {
	EV_R_INPUT,    /* input column `index`, shared */
	EV_R_COMPUTED, /* assignment `index`, computed into the job's buffers */
} ev_rkind;

typedef struct ev_result {
	ev_rkind kind;
	int index;
	stage_type type; /* the output field's type */
} ev_result;

struct ev_plan {
	stage_schema *schema; /* output */
	size_t nin;           /* input columns, and their types for checking */
	stage_type *in_types;

	ev_value *values;
	size_t nvalues;
	ev_const *consts;
	size_t nconsts;
	ev_insn *insns;
	size_t ninsns;
	int nslots;
	ev_regex **regex;
	size_t nregex;

	size_t nassign;
	ev_type *assign_type; /* per assignment */
	bool *computed;       /* per assignment: the job allocates its buffers */
	ev_result *out;       /* per output column */
	size_t nout;
	bool has_where;
};

#endif
