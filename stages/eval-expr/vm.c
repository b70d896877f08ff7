/* The VM: per block, binds each value to its storage (a scratch slot, the
 * input column, the job's output) and runs the instructions in order.
 * Validity travels beside the values as bytes, and a NULL validity means
 * "no nulls in this block", so batches without nulls never touch them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "vm.h"

struct ev_scratch {
	uint8_t *data;  /* nslots slots of EV_BLOCK 8-byte values */
	uint8_t *bytes; /* nslots slots of EV_BLOCK validity bytes */
	uint8_t *ones;  /* EV_BLOCK ones: the validity of "no nulls" */
	void **consts;  /* per constant: EV_BLOCK copies (NULL for strings) */
	/* per value, for the current block */
	void **ptr;
	uint8_t **valid;
	ev_str_view *sv;
	ev_regex_scratch **rs; /* per regex */
	size_t nconsts, nregex;
};

static size_t width(ev_type t)
{
	return t == EV_BOOL ? 1 : t == EV_FLOAT32 ? 4 : 8;
}

static void fill_const(void *buf, const ev_const *k)
{
	for (size_t i = 0; i < EV_BLOCK; i++)
		switch (k->type) {
		case EV_BOOL:
			((uint8_t *)buf)[i] = k->v.b;
			break;
		case EV_INT64:
			((int64_t *)buf)[i] = k->v.i;
			break;
		case EV_FLOAT32:
			((float *)buf)[i] = k->v.f32;
			break;
		default:
			((double *)buf)[i] = k->v.f;
			break;
		}
}

ev_scratch *ev_scratch_new(const ev_plan *p, stage_error *err)
{
	ev_scratch *s = calloc(1, sizeof(*s));
	size_t nv = p->nvalues + 1, nslots = (size_t)p->nslots + 1;

	if (!s)
		goto oom;
	s->nconsts = p->nconsts;
	s->data = aligned_alloc(64, nslots * EV_BLOCK * 8);
	s->bytes = aligned_alloc(64, nslots * EV_BLOCK);
	s->ones = malloc(EV_BLOCK);
	s->consts = calloc(p->nconsts + 1, sizeof(void *));
	s->ptr = calloc(nv, sizeof(void *));
	s->valid = calloc(nv, sizeof(uint8_t *));
	s->sv = calloc(nv, sizeof(ev_str_view));
	s->rs = calloc(p->nregex + 1, sizeof(*s->rs));
	if (!s->data || !s->bytes || !s->ones || !s->consts || !s->ptr || !s->valid || !s->sv ||
	    !s->rs)
		goto oom;
	memset(s->ones, 1, EV_BLOCK);
	for (size_t i = 0; i < p->nconsts; i++) {
		if (p->consts[i].type == EV_STRING)
			continue;
		s->consts[i] = aligned_alloc(64, EV_BLOCK * 8);
		if (!s->consts[i])
			goto oom;
		fill_const(s->consts[i], &p->consts[i]);
	}
	for (size_t v = 0; v < p->nvalues; v++) {
		const ev_value *val = &p->values[v];

		if (val->kind != EV_V_CONST)
			continue;
		s->ptr[v] = s->consts[val->index];
		s->sv[v] = (ev_str_view){.data = p->consts[val->index].bytes,
		                         .const_len = p->consts[val->index].len};
	}
	for (; s->nregex < p->nregex; s->nregex++) {
		s->rs[s->nregex] = ev_regex_scratch_new(p->regex[s->nregex]);
		if (!s->rs[s->nregex])
			goto oom;
	}
	return s;
oom:
	ev_scratch_free(s);
	stage_error_oom(err, "expression scratch");
	return NULL;
}

void ev_scratch_free(ev_scratch *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->consts && i < s->nconsts; i++)
		free(s->consts[i]);
	for (size_t i = 0; s->rs && i < s->nregex; i++)
		ev_regex_scratch_free(s->rs[i]);
	free(s->data);
	free(s->bytes);
	free(s->ones);
	free(s->consts);
	free(s->ptr);
	free(s->valid);
	free(s->sv);
	free(s->rs);
	free(s);
}

static uint8_t *slot_bytes(const ev_plan *p, ev_scratch *s, int v)
{
	return s->bytes + (size_t)p->values[v].slot * EV_BLOCK;
}

static const uint8_t *valid_or_ones(const ev_scratch *s, int v)
{
	return s->valid[v] ? s->valid[v] : s->ones;
}

/* The destination's storage for this block. */
static void bind(const ev_plan *p, ev_scratch *s, const ev_block_io *io, int v, int64_t start)
{
	const ev_value *val = &p->values[v];

	if (val->kind == EV_V_OUTPUT)
		s->ptr[v] = (uint8_t *)io->values[val->index] + start * (int64_t)width(val->type);
	else
		s->ptr[v] = s->data + (size_t)val->slot * EV_BLOCK * 8;
	s->valid[v] = NULL;
}

/* The destination's validity: dv (when `have`, already holding the op's
 * own nulls) and-ed with every operand's; NULL when nothing is null. */
static void and_operands(const ev_plan *p, ev_scratch *s, const ev_insn *in, bool have,
                         size_t n)
{
	uint8_t *dv = slot_bytes(p, s, in->dst);

	for (int j = 0; j < in->nsrc; j++) {
		const uint8_t *sv = s->valid[in->src[j]];

		if (!sv)
			continue;
		if (have) {
			ev_ops_bytes_and(n, dv, sv);
		} else {
			memcpy(dv, sv, n);
			have = true;
		}
	}
	s->valid[in->dst] = have ? dv : NULL;
}

static void load(const ev_plan *p, ev_scratch *s, const ev_block_io *io, const ev_insn *in,
                 int64_t start, size_t n)
{
	const stage_array *a = &io->in->cols[in->aux];
	int v = in->dst;

	if (in->type == EV_STRING)
		s->sv[v] = (ev_str_view){.offsets = a->offsets + start, .data = a->values};
	else if (in->type == EV_BOOL)
		ev_ops_bits_unpack(n, s->ptr[v], (const uint8_t *)a->values + start / 8);
	else
		s->ptr[v] = (uint8_t *)a->values + start * (int64_t)width(in->type);
	if (a->validity && a->null_count > 0) {
		s->valid[v] = slot_bytes(p, s, v);
		ev_ops_bits_unpack(n, s->valid[v], a->validity + start / 8);
	}
}

static bool int_makes_null(ev_op op)
{
	return op == EV_FLOORDIV || op == EV_MOD || op == EV_FMOD || op == EV_POW;
}

static void binary(const ev_plan *p, ev_scratch *s, const ev_insn *in, size_t n)
{
	void *d = s->ptr[in->dst], *a = s->ptr[in->src[0]], *b = s->ptr[in->src[1]];
	bool libm = in->op == EV_POW || in->op == EV_FMOD;

	if (in->type == EV_INT64) {
		ev_ops_binary_i64(in->op, n, d, a, b, slot_bytes(p, s, in->dst));
		and_operands(p, s, in, int_makes_null(in->op), n);
		return;
	}
	if (in->type == EV_FLOAT32 && libm)
		ev_math_f32(in->op, d, a, b, n);
	else if (in->type == EV_FLOAT32)
		ev_ops_binary_f32(in->op, n, d, a, b);
	else if (libm)
		ev_math_f64(in->op, d, a, b, n);
	else
		ev_ops_binary_f64(in->op, n, d, a, b);
	and_operands(p, s, in, false, n);
}

static void muladd(const ev_plan *p, ev_scratch *s, const ev_insn *in, size_t n)
{
	void *d = s->ptr[in->dst], *a = s->ptr[in->src[0]], *b = s->ptr[in->src[1]];
	void *c = s->ptr[in->src[2]];

	if (in->type == EV_FLOAT32)
		ev_ops_muladd_f32(in->op, in->aux, n, d, a, b, c);
	else
		ev_ops_muladd_f64(in->op, in->aux, n, d, a, b, c);
	and_operands(p, s, in, false, n);
}

static void unary(const ev_plan *p, ev_scratch *s, const ev_insn *in, size_t n)
{
	void *d = s->ptr[in->dst], *a = s->ptr[in->src[0]];

	if (in->fam == EV_F_MATH) {
		void *b = in->nsrc > 1 ? s->ptr[in->src[1]] : NULL;

		if (in->type == EV_FLOAT32)
			ev_math_f32(in->op, d, a, b, n);
		else
			ev_math_f64(in->op, d, a, b, n);
	} else if (in->type == EV_INT64) {
		ev_ops_unary_i64(in->op, n, d, a);
	} else if (in->type == EV_FLOAT32) {
		ev_ops_unary_f32(in->op, n, d, a);
	} else {
		ev_ops_unary_f64(in->op, n, d, a);
	}
	and_operands(p, s, in, false, n);
}

static void clip(const ev_plan *p, ev_scratch *s, const ev_insn *in, size_t n)
{
	void *d = s->ptr[in->dst], *x = s->ptr[in->src[0]];
	void *lo = s->ptr[in->src[1]], *hi = s->ptr[in->src[2]];

	if (in->type == EV_INT64)
		ev_ops_clip_i64(n, d, x, lo, hi);
	else if (in->type == EV_FLOAT32)
		ev_ops_clip_f32(n, d, x, lo, hi);
	else
		ev_ops_clip_f64(n, d, x, lo, hi);
	and_operands(p, s, in, false, n);
}

static void logic(const ev_plan *p, ev_scratch *s, const ev_insn *in, size_t n)
{
	int a = in->src[0], b = in->src[1];

	if (in->op == EV_NOT) {
		ev_ops_not(n, s->ptr[in->dst], s->ptr[a]);
		and_operands(p, s, in, false, n);
		return;
	}
	ev_ops_kleene(in->op, n, s->ptr[in->dst], slot_bytes(p, s, in->dst), s->ptr[a],
	              valid_or_ones(s, a), s->ptr[b], valid_or_ones(s, b));
	s->valid[in->dst] = s->valid[a] || s->valid[b] ? slot_bytes(p, s, in->dst) : NULL;
}

static void where(const ev_plan *p, ev_scratch *s, const ev_insn *in, size_t n)
{
	int c = in->src[0], x = in->src[1], y = in->src[2];

	ev_ops_where(in->type, n, s->ptr[in->dst], s->ptr[c], s->ptr[x], s->ptr[y]);
	if (!s->valid[c] && !s->valid[x] && !s->valid[y])
		return;
	s->valid[in->dst] = slot_bytes(p, s, in->dst);
	ev_ops_where_valid(n, s->valid[in->dst], s->ptr[c], valid_or_ones(s, c),
	                   valid_or_ones(s, x), valid_or_ones(s, y));
}

static void cast(const ev_plan *p, ev_scratch *s, const ev_insn *in, size_t n)
{
	ev_type to = p->values[in->dst].type;

	ev_ops_cast(in->type, to, n, s->ptr[in->dst], s->ptr[in->src[0]],
	            slot_bytes(p, s, in->dst));
	and_operands(p, s, in,
	             to == EV_INT64 && (in->type == EV_FLOAT32 || in->type == EV_FLOAT64), n);
}

static void strfn(const ev_plan *p, ev_scratch *s, const ev_insn *in, size_t n)
{
	if (in->op == EV_LEN)
		ev_str_len(s->ptr[in->dst], &s->sv[in->src[0]], n);
	else if (in->fam == EV_F_CMP)
		ev_str_compare(in->op, s->ptr[in->dst], &s->sv[in->src[0]], &s->sv[in->src[1]], n);
	else
		ev_str_find(in->op, s->ptr[in->dst], &s->sv[in->src[0]], &s->sv[in->src[1]], n);
	and_operands(p, s, in, false, n);
}

/* PCRE2 fails at run time only on a limit; the message names the row,
 * found by matching the block's rows again one at a time. */
static int match(const ev_plan *p, ev_scratch *s, const ev_insn *in, int64_t start, size_t n,
                 stage_error *err)
{
	const ev_str_view *v = &s->sv[in->src[0]];
	char msg[512];
	size_t row = 0;

	if (ev_regex_match(p->regex[in->aux], s->rs[in->aux], s->ptr[in->dst], v, n, msg,
	                   sizeof(msg)) == 0) {
		and_operands(p, s, in, false, n);
		return 0;
	}
	for (; row < n; row++) {
		ev_str_view one = *v;

		if (one.offsets)
			one.offsets += row;
		if (ev_regex_match(p->regex[in->aux], s->rs[in->aux], s->ptr[in->dst], &one, 1, msg,
		                   sizeof(msg)) < 0)
			break;
	}
	return stage_error_set(err, STAGE_EXIT_FAILURE, "%s: row %lld: %s", in->pos,
	                       (long long)(start + (int64_t)row), msg);
}

/* A block without nulls costs a fill of its bitmap bytes, no packing; and
 * while no block of the job has any, ev_job_finish drops the bitmap
 * without counting it. Blocks of other threads set the same flag to the
 * same value, hence the relaxed atomic store. */
static void store_valid(const uint8_t *valid, const ev_block_io *io, int k, int64_t start,
                        size_t n)
{
	uint8_t *bits = io->valid[k] + start / 8;

	if (valid) {
		ev_ops_bits_pack(n, bits, valid);
		__atomic_store_n(&io->has_null[k], 1, __ATOMIC_RELAXED);
		return;
	}
	memset(bits, 0xff, n / 8);
	if (n % 8)
		bits[n / 8] = (uint8_t)((1u << (n % 8)) - 1);
}

static void store(const ev_plan *p, ev_scratch *s, const ev_block_io *io, const ev_insn *in,
                  int64_t start, size_t n)
{
	int v = in->src[0], k = in->aux;
	size_t w = width(in->type);

	if (in->type == EV_BOOL)
		ev_ops_bits_pack(n, (uint8_t *)io->values[k] + start / 8, s->ptr[v]);
	else if (p->values[v].kind != EV_V_OUTPUT)
		memcpy((uint8_t *)io->values[k] + (size_t)start * w, s->ptr[v], n * w);
	store_valid(s->valid[v], io, k, start, n);
}

static void mask(ev_scratch *s, const ev_block_io *io, const ev_insn *in, int64_t start,
                 size_t n)
{
	int v = in->src[0];
	uint8_t *m = io->mask + start;

	memcpy(m, s->ptr[v], n);
	if (s->valid[v])
		ev_ops_bytes_and(n, m, s->valid[v]);
}

int ev_vm_run(const ev_plan *p, ev_scratch *s, const ev_block_io *io, int64_t start, size_t n,
              stage_error *err)
{
	for (size_t i = 0; i < p->ninsns; i++) {
		const ev_insn *in = &p->insns[i];

		if (in->dst >= 0)
			bind(p, s, io, in->dst, start);
		switch (in->fam) {
		case EV_F_LOAD:
			load(p, s, io, in, start, n);
			break;
		case EV_F_UNARY:
		case EV_F_MATH:
			unary(p, s, in, n);
			break;
		case EV_F_BINARY:
			binary(p, s, in, n);
			break;
		case EV_F_MULADD:
			muladd(p, s, in, n);
			break;
		case EV_F_CLIP:
			clip(p, s, in, n);
			break;
		case EV_F_FPRED:
			ev_ops_fpred(in->op, in->type, n, s->ptr[in->dst], s->ptr[in->src[0]]);
			and_operands(p, s, in, false, n);
			break;
		case EV_F_CMP:
			if (in->type == EV_STRING)
				strfn(p, s, in, n);
			else {
				ev_ops_compare(in->op, in->type, n, s->ptr[in->dst],
				               s->ptr[in->src[0]], s->ptr[in->src[1]]);
				and_operands(p, s, in, false, n);
			}
			break;
		case EV_F_LOGIC:
			logic(p, s, in, n);
			break;
		case EV_F_WHERE:
			where(p, s, in, n);
			break;
		case EV_F_CAST:
			cast(p, s, in, n);
			break;
		case EV_F_STRFN:
			strfn(p, s, in, n);
			break;
		case EV_F_MATCH:
			if (match(p, s, in, start, n, err) < 0)
				return -1;
			break;
		case EV_F_STORE:
			store(p, s, io, in, start, n);
			break;
		case EV_F_MASK:
			mask(s, io, in, start, n);
			break;
		}
	}
	return 0;
}
