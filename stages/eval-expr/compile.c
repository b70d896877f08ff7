/* The compiler: walks the checked tree once into a flat list of typed
 * instructions over values (numexpr style), then gives each value a
 * scratch slot for exactly as long as it is live, so temporaries share
 * slots. Assignment results that land in the output are written there
 * directly, and plain column copies are not computed at all. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

typedef struct compiler {
	ev_plan *p;
	const ev_ast *ast;
	stage_error *err;
	size_t cap_values, cap_insns, cap_consts;
	int *col_value;    /* per input column: its value, or -1 */
	int *assign_value; /* per assignment: its result's value, or -1 */
	int *value_owner;  /* per value: the assignment it is the output of, or -1 */
} compiler;

static int grow(void **arr, size_t *cap, size_t need, size_t size, stage_error *err)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*arr, n * size);
	if (!q)
		return stage_error_oom(err, "expression program");
	*arr = q;
	*cap = n;
	return 0;
}

static int new_value(compiler *c, ev_type t, ev_vkind kind, int index)
{
	ev_plan *p = c->p;
	int *owner;

	if (grow((void **)&p->values, &c->cap_values, p->nvalues + 1, sizeof(ev_value), c->err) < 0)
		return -1;
	owner = realloc(c->value_owner, (p->nvalues + 1) * sizeof(int));
	if (!owner)
		return stage_error_oom(c->err, "expression program");
	c->value_owner = owner;
	owner[p->nvalues] = -1;
	p->values[p->nvalues] = (ev_value){.type = t, .kind = kind, .index = index, .slot = -1,
	                                   .last_use = -1};
	return (int)p->nvalues++;
}

/* Appends an instruction made for node n. */
static int emit(compiler *c, const ev_insn *in, const ev_node *n)
{
	ev_plan *p = c->p;

	if (grow((void **)&p->insns, &c->cap_insns, p->ninsns + 1, sizeof(ev_insn), c->err) < 0)
		return -1;
	p->insns[p->ninsns] = *in;
	ev_node_pos(c->ast, n, p->insns[p->ninsns].pos, sizeof(p->insns[p->ninsns].pos));
	return (int)p->ninsns++;
}

/* A column's values are loaded (bools and validity unpacked) only when an
 * instruction reads them: a column that is merely copied costs nothing. */
static int use(compiler *c, int v, const ev_node *n)
{
	ev_value *val = &c->p->values[v];

	if (val->kind != EV_V_COLUMN || val->loaded)
		return 0;
	val->loaded = true;
	return emit(c, &(ev_insn){.fam = EV_F_LOAD, .type = val->type, .dst = v,
	                          .aux = val->index}, n) < 0 ? -1 : 0;
}

/* Equal literals share one value (so that CSE sees them as equal). */
static bool same_const(const ev_const *a, const ev_const *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case EV_BOOL:
		return a->v.b == b->v.b;
	case EV_INT64:
		return a->v.i == b->v.i;
	case EV_FLOAT32:
		return memcmp(&a->v.f32, &b->v.f32, sizeof(float)) == 0;
	case EV_FLOAT64:
		return memcmp(&a->v.f, &b->v.f, sizeof(double)) == 0;
	default:
		return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
	}
}

/* Takes k's bytes. */
static int add_const(compiler *c, ev_const *k)
{
	ev_plan *p = c->p;
	int v;

	for (size_t i = 0; i < p->nvalues; i++)
		if (p->values[i].kind == EV_V_CONST &&
		    same_const(&p->consts[p->values[i].index], k)) {
			free(k->bytes);
			return (int)i;
		}

	if (grow((void **)&p->consts, &c->cap_consts, p->nconsts + 1, sizeof(ev_const),
	         c->err) < 0 ||
	    (v = new_value(c, k->type, EV_V_CONST, (int)p->nconsts)) < 0) {
		free(k->bytes);
		return -1;
	}
	p->consts[p->nconsts++] = *k;
	return v;
}

static int literal(compiler *c, const ev_node *n)
{
	ev_const k = {.type = n->type};

	switch (n->type) {
	case EV_BOOL:
		k.v.b = n->u.lit.b;
		break;
	case EV_INT64:
		k.v.i = n->u.lit.i;
		break;
	case EV_FLOAT32:
		k.v.f32 = (float)n->u.lit.f;
		break;
	case EV_FLOAT64:
		k.v.f = n->u.lit.f;
		break;
	case EV_STRING:
		k.bytes = malloc(n->u.lit.s.len + 1);
		if (!k.bytes)
			return stage_error_oom(c->err, "expression program");
		memcpy(k.bytes, n->u.lit.s.bytes, n->u.lit.s.len);
		k.bytes[n->u.lit.s.len] = 0;
		k.len = n->u.lit.s.len;
		break;
	}
	return add_const(c, &k);
}

/* A literal cast to a float is folded (the same conversion the VM would
 * make); casts to int64 may give null and stay instructions. */
static bool fold_cast(const ev_node *n, ev_const *k)
{
	const ev_node *a = n->args[0];
	double f;

	if (a->op != EV_LITERAL || (n->type != EV_FLOAT64 && n->type != EV_FLOAT32))
		return false;
	switch (a->type) {
	case EV_BOOL:
		f = a->u.lit.b;
		break;
	case EV_INT64:
		if (n->type == EV_FLOAT32) {
			*k = (ev_const){.type = EV_FLOAT32, .v.f32 = (float)a->u.lit.i};
			return true;
		}
		f = (double)a->u.lit.i;
		break;
	case EV_FLOAT32:
	case EV_FLOAT64:
		f = a->u.lit.f;
		break;
	default:
		return false;
	}
	if (n->type == EV_FLOAT32)
		*k = (ev_const){.type = EV_FLOAT32, .v.f32 = (float)f};
	else
		*k = (ev_const){.type = EV_FLOAT64, .v.f = f};
	return true;
}

static bool is_literal_two(const ev_node *n)
{
	if (n->op == EV_LITERAL)
		return n->type != EV_STRING && n->type != EV_BOOL &&
		       (n->type == EV_INT64 ? n->u.lit.i == 2 : n->u.lit.f == 2.0);
	return n->op == EV_CAST && n->args[0]->op == EV_LITERAL && is_literal_two(n->args[0]);
}

/* What the checker accepts but the VM has no loop for. */
static int unsupported(const compiler *c, const ev_node *n, const char *what)
{
	char at[64];

	ev_node_pos(c->ast, n, at, sizeof(at));
	return stage_error_set(c->err, STAGE_EXIT_USAGE, "%s: %s is not supported", at, what);
}

static int compile_regex(compiler *c, const ev_node *n)
{
	ev_plan *p = c->p;
	const ev_node *pat = n->args[1];
	char msg[512], at[64];
	ev_regex **r;

	if (pat->op != EV_LITERAL || pat->type != EV_STRING)
		return stage_error_set(c->err, STAGE_EXIT_USAGE, "regex pattern must be a literal");
	r = realloc(p->regex, (p->nregex + 1) * sizeof(*r));
	if (!r)
		return stage_error_oom(c->err, "regex");
	p->regex = r;
	if (ev_regex_compile(pat->u.lit.s.bytes, pat->u.lit.s.len, &r[p->nregex], msg,
	                     sizeof(msg)) < 0) {
		ev_node_pos(c->ast, pat, at, sizeof(at));
		return stage_error_set(c->err, STAGE_EXIT_USAGE, "%s: %s", at, msg);
	}
	return (int)p->nregex++;
}

static ev_family family_of(ev_op op)
{
	switch (op) {
	case EV_NEG:
	case EV_ABS:
	case EV_SQRT:
	case EV_FLOOR:
	case EV_CEIL:
	case EV_ROUND:
	case EV_TRUNC:
		return EV_F_UNARY;
	case EV_ADD:
	case EV_SUB:
	case EV_MUL:
	case EV_DIV:
	case EV_FLOORDIV:
	case EV_MOD:
	case EV_POW:
	case EV_MIN:
	case EV_MAX:
	case EV_FMOD:
		return EV_F_BINARY;
	case EV_EQ:
	case EV_NE:
	case EV_LT:
	case EV_LE:
	case EV_GT:
	case EV_GE:
		return EV_F_CMP;
	case EV_AND:
	case EV_OR:
	case EV_NOT:
		return EV_F_LOGIC;
	case EV_WHERE:
		return EV_F_WHERE;
	case EV_ISNAN:
	case EV_ISINF:
	case EV_ISFINITE:
		return EV_F_FPRED;
	case EV_CLIP:
		return EV_F_CLIP;
	case EV_CONTAINS:
	case EV_STARTSWITH:
	case EV_ENDSWITH:
	case EV_LEN:
		return EV_F_STRFN;
	case EV_MATCH:
		return EV_F_MATCH;
	case EV_CAST:
		return EV_F_CAST;
	default:
		return EV_F_MATH;
	}
}

static int compile_node(compiler *c, const ev_node *n);

/* Common subexpressions: an instruction computing what an earlier one
 * computed into the same type reuses its value (which then lives longer).
 * Every operation is a pure function of its operands. */
static bool same_insn(const ev_insn *a, const ev_insn *b)
{
	if (a->fam != b->fam || a->op != b->op || a->type != b->type || a->nsrc != b->nsrc ||
	    a->aux != b->aux || a->fam == EV_F_LOAD || a->fam == EV_F_STORE ||
	    a->fam == EV_F_MASK)
		return false;
	for (int i = 0; i < a->nsrc; i++)
		if (a->src[i] != b->src[i])
			return false;
	return true;
}

static int compile_op(compiler *c, const ev_node *n)
{
	ev_insn in = {.fam = family_of(n->op), .op = n->op, .type = n->args[0]->type};
	int nargs = n->nargs;

	/* int64 floor/ceil/round/trunc are the identity */
	if (n->type == EV_INT64 && (n->op == EV_FLOOR || n->op == EV_CEIL ||
	                            n->op == EV_ROUND || n->op == EV_TRUNC))
		return compile_node(c, n->args[0]);
	/* x ** 2 on floats is x * x: exact, where pow() is a libm call */
	if (n->op == EV_POW && n->type != EV_INT64 && is_literal_two(n->args[1])) {
		in.op = EV_MUL;
		nargs = 1;
	}
	if (in.fam == EV_F_MATCH) {
		in.aux = compile_regex(c, n);
		if (in.aux < 0)
			return -1;
		nargs = 1;
	}
	if (in.fam == EV_F_CAST && n->type == EV_BOOL)
		return unsupported(c, n, "a cast to bool");
	if (n->op == EV_WHERE && n->type == EV_STRING)
		return unsupported(c, n, "where() on strings");
	for (int i = 0; i < nargs; i++) {
		in.src[i] = compile_node(c, n->args[i]);
		if (in.src[i] < 0)
			return -1;
	}
	if (in.op == EV_MUL && nargs == 1)
		in.src[nargs++] = in.src[0];
	in.nsrc = nargs;
	for (int i = 0; i < nargs; i++)
		if (use(c, in.src[i], n) < 0)
			return -1;
	/* a where() condition takes the operands' type from its value args */
	if (n->op == EV_WHERE)
		in.type = n->type;
	for (size_t i = 0; i < c->p->ninsns; i++)
		if (same_insn(&c->p->insns[i], &in) &&
		    c->p->values[c->p->insns[i].dst].type == n->type)
			return c->p->insns[i].dst;
	in.dst = new_value(c, n->type, EV_V_TEMP, 0);
	if (in.dst < 0 || emit(c, &in, n) < 0)
		return -1;
	return in.dst;
}

static int compile_node(compiler *c, const ev_node *n)
{
	ev_const k;

	switch (n->op) {
	case EV_COLUMN:
		if (c->col_value[n->u.column] < 0)
			c->col_value[n->u.column] = new_value(c, n->type, EV_V_COLUMN, n->u.column);
		return c->col_value[n->u.column];
	case EV_ASSIGNED:
		return c->assign_value[n->u.assigned];
	case EV_LITERAL:
		return literal(c, n);
	case EV_CAST:
		if (n->args[0]->type == n->type)
			return compile_node(c, n->args[0]);
		if (fold_cast(n, &k))
			return add_const(c, &k);
		return compile_op(c, n);
	default:
		return compile_op(c, n);
	}
}

static stage_type stage_type_of(ev_type t)
{
	switch (t) {
	case EV_BOOL:
		return STAGE_BOOL;
	case EV_INT64:
		return STAGE_INT64;
	case EV_FLOAT32:
		return STAGE_FLOAT32;
	case EV_FLOAT64:
		return STAGE_FLOAT64;
	default:
		return STAGE_UTF8;
	}
}

/* Which assignments must run: those in the output, and those that a
 * needed one or --where reads (references only point backwards). */
static void mark_refs(const ev_node *n, bool *needed)
{
	if (n->op == EV_ASSIGNED)
		needed[n->u.assigned] = true;
	for (int i = 0; i < n->nargs; i++)
		mark_refs(n->args[i], needed);
}

/* Assignment k's result is value v: decides how its output column is made. */
static int bind_result(compiler *c, size_t k, int v, const ev_node *n)
{
	ev_plan *p = c->p;
	ev_value *val = &p->values[v];
	int owner = c->value_owner[v];

	c->assign_value[k] = v;
	/* the front end lets strings be assigned only as column copies */
	if (val->type == EV_STRING && val->kind != EV_V_COLUMN)
		return unsupported(c, n, "a string result that is not a column");
	if (val->kind == EV_V_COLUMN || owner >= 0)
		return 0; /* shared: see result_of() */
	p->computed[k] = true;
	c->value_owner[v] = (int)k;
	/* the instruction that made it writes straight into the output */
	if (val->kind == EV_V_TEMP && val->type != EV_BOOL)
		*val = (ev_value){.type = val->type, .kind = EV_V_OUTPUT, .index = (int)k,
		                  .slot = -1, .last_use = -1};
	if (use(c, v, n) < 0)
		return -1;
	return emit(c, &(ev_insn){.fam = EV_F_STORE, .type = val->type, .dst = -1,
	                          .src = {v}, .nsrc = 1, .aux = (int)k}, n) < 0 ? -1 : 0;
}

static ev_result result_of(const compiler *c, size_t k)
{
	const ev_value *val = &c->p->values[c->assign_value[k]];
	int owner = c->value_owner[c->assign_value[k]];
	ev_result r = {.type = stage_type_of(c->p->assign_type[k])};

	if (val->kind == EV_V_COLUMN)
		r.kind = EV_R_INPUT, r.index = val->index;
	else
		r.kind = EV_R_COMPUTED, r.index = owner;
	return r;
}

static bool is_float_binary(const ev_insn *in, ev_op op)
{
	return in->fam == EV_F_BINARY && in->op == op &&
	       (in->type == EV_FLOAT64 || in->type == EV_FLOAT32);
}

/* The instruction defining v if it is a float product into a temporary
 * that nothing else reads, so that it may be folded into its reader;
 * otherwise -1. */
static int lone_product(const ev_plan *p, const int *nuses, int v, ev_type type)
{
	if (p->values[v].kind != EV_V_TEMP || nuses[v] != 1)
		return -1;
	for (size_t j = 0; j < p->ninsns; j++)
		if (p->insns[j].dst == v)
			return is_float_binary(&p->insns[j], EV_MUL) && p->insns[j].type == type
			               ? (int)j
			               : -1;
	return -1;
}

/* Folds `t = a*b` and its only reader `t + c`, `c + t`, `t - c` or
 * `c - t` into one EV_F_MULADD, saving a pass over the block. The product
 * is still rounded on its own (ops.h), so results do not change. Operands
 * are never redefined, so reading a and b later is safe. */
static int fuse_muladd(ev_plan *p, stage_error *err)
{
	int *nuses = calloc(p->nvalues + 1, sizeof(int));
	bool *dead = calloc(p->ninsns + 1, sizeof(bool));
	size_t kept = 0;

	if (!nuses || !dead) {
		free(nuses);
		free(dead);
		return stage_error_oom(err, "expression program");
	}
	for (size_t i = 0; i < p->ninsns; i++)
		for (int j = 0; j < p->insns[i].nsrc; j++)
			nuses[p->insns[i].src[j]]++;
	for (size_t i = 0; i < p->ninsns; i++) {
		ev_insn *in = &p->insns[i];
		int k = -1, side;

		if (!is_float_binary(in, EV_ADD) && !is_float_binary(in, EV_SUB))
			continue;
		for (side = 0; side < 2; side++)
			if ((k = lone_product(p, nuses, in->src[side], in->type)) >= 0)
				break;
		if (side == 2)
			continue;
		in->fam = EV_F_MULADD;
		in->aux = side;
		in->src[2] = in->src[1 - side];
		in->src[0] = p->insns[k].src[0];
		in->src[1] = p->insns[k].src[1];
		in->nsrc = 3;
		dead[k] = true;
	}
	for (size_t i = 0; i < p->ninsns; i++)
		if (!dead[i])
			p->insns[kept++] = p->insns[i];
	p->ninsns = kept;
	free(nuses);
	free(dead);
	return 0;
}

/* Gives every non-constant value a slot from its definition to its last
 * use. A destination never shares a slot with its own operands, so the
 * loops may take restrict pointers. */
static int allocate_slots(ev_plan *p, stage_error *err)
{
	int *free_slots = malloc((p->nvalues + 1) * sizeof(int));
	int nfree = 0;

	if (!free_slots)
		return stage_error_oom(err, "expression program");
	for (size_t i = 0; i < p->ninsns; i++)
		for (int j = 0; j < p->insns[i].nsrc; j++)
			p->values[p->insns[i].src[j]].last_use = (int)i;
	for (size_t i = 0; i < p->ninsns; i++) {
		ev_insn *in = &p->insns[i];

		if (in->dst >= 0) {
			ev_value *d = &p->values[in->dst];

			d->slot = nfree ? free_slots[--nfree] : p->nslots++;
			if (d->last_use < (int)i)
				d->last_use = (int)i;
		}
		for (int j = 0; j < in->nsrc; j++) {
			ev_value *s = &p->values[in->src[j]];
			bool seen = false;

			for (int m = 0; m < j; m++)
				seen |= in->src[m] == in->src[j];
			if (!seen && s->last_use == (int)i && s->slot >= 0)
				free_slots[nfree++] = s->slot;
		}
		if (in->dst >= 0 && p->values[in->dst].last_use == (int)i)
			free_slots[nfree++] = p->values[in->dst].slot;
	}
	free(free_slots);
	return 0;
}

static int build_schema(compiler *c, const stage_schema *in)
{
	ev_plan *p = c->p;
	const ev_ast *ast = c->ast;

	p->schema = stage_schema_new();
	if (!p->schema || stage_metadata_copy(&p->schema->metadata, &in->metadata, c->err) < 0)
		return p->schema ? -1 : stage_error_oom(c->err, "schema");
	p->out = calloc(ast->nout ? ast->nout : 1, sizeof(ev_result));
	if (!p->out)
		return stage_error_oom(c->err, "schema");
	p->nout = ast->nout;
	for (size_t i = 0; i < ast->nout; i++) {
		const ev_output *o = &ast->out[i];
		const char *name;

		if (o->input >= 0) {
			p->out[i] = (ev_result){.kind = EV_R_INPUT, .index = o->input,
			                        .type = in->fields[o->input].type};
			name = in->fields[o->input].name;
		} else {
			p->out[i] = result_of(c, (size_t)o->assigned);
			name = ast->assign[o->assigned].name;
		}
		if (stage_schema_add(p->schema, name, p->out[i].type, c->err) < 0)
			return -1;
	}
	return 0;
}

static int compile_all(compiler *c, const stage_schema *in)
{
	const ev_ast *ast = c->ast;
	ev_plan *p = c->p;
	bool *needed = calloc(ast->nassign + 1, sizeof(bool));
	int rc = -1;

	if (!needed)
		return stage_error_oom(c->err, "expression program");
	for (size_t i = 0; i < ast->nout; i++)
		if (ast->out[i].assigned >= 0)
			needed[ast->out[i].assigned] = true;
	if (ast->where)
		mark_refs(ast->where, needed);
	for (size_t k = ast->nassign; k-- > 0;)
		if (needed[k])
			mark_refs(ast->assign[k].expr, needed);
	for (size_t k = 0; k < ast->nassign; k++) {
		int v;

		p->assign_type[k] = ast->assign[k].expr->type;
		if (!needed[k])
			continue;
		v = compile_node(c, ast->assign[k].expr);
		if (v < 0 || bind_result(c, k, v, ast->assign[k].expr) < 0)
			goto out;
	}
	if (ast->where) {
		int v;

		v = compile_node(c, ast->where);
		if (v < 0 || use(c, v, ast->where) < 0 ||
		    emit(c, &(ev_insn){.fam = EV_F_MASK, .type = EV_BOOL, .dst = -1, .src = {v},
		                       .nsrc = 1}, ast->where) < 0)
			goto out;
		p->has_where = true;
	}
	if (fuse_muladd(p, c->err) < 0 || allocate_slots(p, c->err) < 0 ||
	    build_schema(c, in) < 0)
		goto out;
	rc = 0;
out:
	free(needed);
	return rc;
}

int ev_plan_compile(const ev_ast *ast, const stage_schema *in, ev_plan **out, stage_error *err)
{
	ev_plan *p = calloc(1, sizeof(*p));
	compiler c = {.p = p, .ast = ast, .err = err};
	int rc = -1;

	if (!p)
		return stage_error_oom(err, "expression program");
	p->nin = in->ncols;
	p->nassign = ast->nassign;
	p->in_types = calloc(in->ncols + 1, sizeof(stage_type));
	p->assign_type = calloc(ast->nassign + 1, sizeof(ev_type));
	p->computed = calloc(ast->nassign + 1, sizeof(bool));
	c.col_value = malloc((in->ncols + 1) * sizeof(int));
	c.assign_value = malloc((ast->nassign + 1) * sizeof(int));
	if (!p->in_types || !p->assign_type || !p->computed || !c.col_value || !c.assign_value) {
		stage_error_oom(err, "expression program");
		goto out;
	}
	for (size_t i = 0; i < in->ncols; i++) {
		p->in_types[i] = in->fields[i].type;
		c.col_value[i] = -1;
	}
	for (size_t k = 0; k < ast->nassign; k++)
		c.assign_value[k] = -1;
	rc = compile_all(&c, in);
out:
	free(c.col_value);
	free(c.assign_value);
	free(c.value_owner);
	if (rc < 0) {
		ev_plan_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

const stage_schema *ev_plan_schema(const ev_plan *p)
{
	return p->schema;
}

void ev_plan_free(ev_plan *p)
{
	if (!p)
		return;
	stage_schema_free(p->schema);
	free(p->in_types);
	free(p->values);
	for (size_t i = 0; i < p->nconsts; i++)
		free(p->consts[i].bytes);
	free(p->consts);
	free(p->insns);
	for (size_t i = 0; i < p->nregex; i++)
		ev_regex_free(p->regex[i]);
	free(p->regex);
	free(p->assign_type);
	free(p->computed);
	free(p->out);
	free(p);
}
