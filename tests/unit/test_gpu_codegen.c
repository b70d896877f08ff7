/* gpu-map's code generator (codegen.h): every operator and function, every
 * type pair, nulls, division by zero, NaN and infinities, compiled to one
 * kernel per table, built and run on the first OpenCL device, and compared
 * row by row with eval-expr's own back end on the same batch: validity and
 * integers and bools exactly, floats bit for bit (NaN equal to NaN, the sign
 * of zero compared) except the transcendental functions, which may differ
 * by OpenCL 1.2's bound for the function plus 2 ulp for glibc's libm, the
 * reference (EVAL_MATH_ISA=scalar). Exit 77 without an OpenCL platform. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <check.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "test_eval_vm_util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NROWS 320 /* 256 rows of value pairs, then 64 with nulls mixed in */

/* One assignment to check: its expression and, for a float result, how far
 * (in ulps) the device may be from eval-expr: 0 is bit for bit. */
typedef struct gct_case {
	const char *expr;
	int ulps;
} gct_case;

static const int64_t ivals[] = {INT64_MIN, INT64_MIN + 1, -1000000007, -7, -3, -2, -1, 0, 1,
                                2, 3, 7, 1000000007, INT64_MAX - 1, INT64_MAX};

static const double fvals[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1.5, -2.5, 2.5, 3.0, -7.0,
                               1e308, -1e308, 5e-324, INFINITY, -INFINITY, NAN};

/* arguments of the math functions: inside and outside their domains */
static const double mvals[] = {0.5, -0.5, 1e-5, 3.0, -3.0, 100.0, 700.0, -700.0, 1e10,
                               1e300, -0.0, 0.0, INFINITY, -INFINITY, NAN, 1e-310, 0.999,
                               -0.999, 2.0, 40.0, 1.0, -1.0, 0.75, 1e-20};

/* ---- the batch: i, j int64; f, g, m float64; s, u float32; p, q bool ---- */

static const char *const schema_spec =
	"i:int64,j:int64,f:float64,g:float64,m:float64,s:float32,u:float32,p:bool,q:bool";
/* the same with f, g, m as float32: what --allow-float32 computes */
static const char *const schema_spec32 =
	"i:int64,j:int64,f:float32,g:float32,m:float32,s:float32,u:float32,p:bool,q:bool";

/* Rows past 256 each have some columns null (none in the first 256). */
static bool is_null(int r, int c)
{
	return r >= 256 && ((r - 256) * 7 + c * 3) % 5 == 0;
}

static stage_batch *make_batch(stage_schema **s, bool f32)
{
	stage_builder b;
	stage_batch *batch;
	stage_error err = {0};

	*s = evt_schema(f32 ? schema_spec32 : schema_spec);
	ck_assert_int_eq(stage_builder_init(&b, *s, &err), 0);
	for (int r = 0; r < NROWS; r++) {
		int64_t iv[2] = {ivals[r % 15], ivals[(r / 15) % 15]};
		double fv[3] = {fvals[r % 16], fvals[(r / 16) % 16], mvals[r % NELEM(mvals)]};
		float sv[2] = {(float)fvals[(r / 16) % 16], (float)mvals[r % NELEM(mvals)]};
		bool pv[2] = {r & 1, (r >> 1) & 1};

		for (int c = 0; c < 9; c++) {
			stage_column_builder *col = &b.cols[c];

			if (is_null(r, c))
				stage_col_append_null(col);
			else if (c < 2)
				stage_col_append_i64(col, iv[c]);
			else if (c < 5 && f32)
				stage_col_append_f32(col, (float)fv[c - 2]);
			else if (c < 5)
				stage_col_append_f64(col, fv[c - 2]);
			else if (c < 7)
				stage_col_append_f32(col, sv[c - 5]);
			else
				stage_col_append_bool(col, pv[c - 7]);
		}
	}
	ck_assert_int_eq(stage_builder_finish(&b, &batch, &err), 0);
	stage_builder_release(&b);
	return batch;
}

/* ---- OpenCL ---- */

typedef struct gct_cl {
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue q;
	char name[256];
} gct_cl;

static void cl_open(gct_cl *e)
{
	cl_platform_id plat;
	cl_int rc;

	ck_assert_int_eq(clGetPlatformIDs(1, &plat, NULL), CL_SUCCESS);
	ck_assert_int_eq(clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 1, &e->dev, NULL), CL_SUCCESS);
	clGetDeviceInfo(e->dev, CL_DEVICE_NAME, sizeof e->name, e->name, NULL);
	e->ctx = clCreateContext(NULL, 1, &e->dev, NULL, NULL, &rc);
	ck_assert_int_eq(rc, CL_SUCCESS);
	e->q = clCreateCommandQueue(e->ctx, e->dev, 0, &rc);
	ck_assert_int_eq(rc, CL_SUCCESS);
}

static void cl_close(gct_cl *e)
{
	clReleaseCommandQueue(e->q);
	clReleaseContext(e->ctx);
}

static bool device_has(const gct_cl *e, const char *ext)
{
	char buf[8192] = "";

	clGetDeviceInfo(e->dev, CL_DEVICE_EXTENSIONS, sizeof buf - 1, buf, NULL);
	return strstr(buf, ext) != NULL;
}

static cl_mem buffer(const gct_cl *e, cl_mem_flags fl, size_t size, const void *host)
{
	cl_int rc;
	cl_mem m = clCreateBuffer(e->ctx, fl | (host ? CL_MEM_COPY_HOST_PTR : 0), size,
	                          (void *)host, &rc);

	ck_assert_msg(rc == CL_SUCCESS, "clCreateBuffer: %d", (int)rc);
	return m;
}

static cl_kernel build(const gct_cl *e, const char *src, const char *options, cl_program *prog)
{
	cl_int rc;
	cl_kernel k;

	*prog = clCreateProgramWithSource(e->ctx, 1, &src, NULL, &rc);
	ck_assert_int_eq(rc, CL_SUCCESS);
	rc = clBuildProgram(*prog, 1, &e->dev, options, NULL, NULL);
	if (rc != CL_SUCCESS) {
		static char log[65536];

		clGetProgramBuildInfo(*prog, e->dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
		fprintf(stderr, "%s\n", src);
		ck_abort_msg("kernel build failed (%d): %s", (int)rc, log);
	}
	k = clCreateKernel(*prog, "gpu_map", &rc);
	ck_assert_int_eq(rc, CL_SUCCESS);
	return k;
}

static size_t value_width(ev_type t, bool f32)
{
	return t == EV_BOOL ? 1 : t == EV_FLOAT32 || (t == EV_FLOAT64 && f32) ? 4 : 8;
}

/* The kernel's results: per assignment, values and one validity byte per
 * row. */
typedef struct gct_out {
	size_t n;
	void **values;
	uint8_t **valid;
} gct_out;

static void out_free(gct_out *o)
{
	for (size_t j = 0; j < o->n; j++) {
		free(o->values[j]);
		free(o->valid[j]);
	}
	free(o->values);
	free(o->valid);
}

/* Builds k with options and runs it over the whole batch. float64 columns
 * go to the device as float when f32. */
static gct_out run_kernel(const gct_cl *e, const gm_kernel *k, const char *options,
                          const ev_ast *ast, const stage_batch *in, bool f32)
{
	size_t rows = (size_t)in->nrows, nmem = 0, global = (rows + 255) / 256 * 256;
	cl_mem *mem = calloc(2 * (k->ninputs + ast->nassign) + 1, sizeof *mem);
	gct_out o = {.n = ast->nassign};
	cl_program prog;
	cl_kernel kern = build(e, k->source, options, &prog);
	cl_uint arg = 0;
	cl_long n = (cl_long)rows;

	o.values = calloc(o.n + 1, sizeof *o.values);
	o.valid = calloc(o.n + 1, sizeof *o.valid);
	ck_assert(mem && o.values && o.valid);
	for (size_t x = 0; x < k->ninputs; x++) {
		const stage_array *a = &in->cols[k->inputs[x]];
		size_t bytes = a->type == STAGE_BOOL ? (rows + 7) / 8 : rows * stage_type_width(a->type);
		float *conv = NULL;

		if (a->type == STAGE_FLOAT64 && f32) {
			conv = malloc(rows * sizeof *conv);
			for (size_t r = 0; r < rows; r++)
				conv[r] = (float)((const double *)a->values)[r];
			bytes = rows * sizeof *conv;
		}
		mem[nmem] = buffer(e, CL_MEM_READ_ONLY, bytes, conv ? (void *)conv : a->values);
		free(conv);
		ck_assert_int_eq(clSetKernelArg(kern, arg++, sizeof(cl_mem), &mem[nmem++]), CL_SUCCESS);
		if (a->validity) {
			mem[nmem] = buffer(e, CL_MEM_READ_ONLY, (rows + 7) / 8, a->validity);
			ck_assert_int_eq(clSetKernelArg(kern, arg++, sizeof(cl_mem), &mem[nmem++]),
			                 CL_SUCCESS);
		} else {
			ck_assert_int_eq(clSetKernelArg(kern, arg++, sizeof(cl_mem), NULL), CL_SUCCESS);
		}
	}
	for (size_t j = 0; j < ast->nassign; j++) {
		size_t w = value_width(ast->assign[j].expr->type, f32);

		mem[nmem] = buffer(e, CL_MEM_WRITE_ONLY, rows * w, NULL);
		ck_assert_int_eq(clSetKernelArg(kern, arg++, sizeof(cl_mem), &mem[nmem++]), CL_SUCCESS);
		mem[nmem] = buffer(e, CL_MEM_WRITE_ONLY, rows, NULL);
		ck_assert_int_eq(clSetKernelArg(kern, arg++, sizeof(cl_mem), &mem[nmem++]), CL_SUCCESS);
	}
	ck_assert_int_eq(clSetKernelArg(kern, arg++, sizeof n, &n), CL_SUCCESS);
	ck_assert_int_eq(clEnqueueNDRangeKernel(e->q, kern, 1, NULL, &global, NULL, 0, NULL, NULL),
	                 CL_SUCCESS);
	for (size_t j = 0; j < ast->nassign; j++) {
		size_t w = value_width(ast->assign[j].expr->type, f32);
		cl_mem vm = mem[nmem - 2 * (ast->nassign - j)], km = mem[nmem - 2 * (ast->nassign - j) + 1];

		o.values[j] = malloc(rows * w);
		o.valid[j] = malloc(rows);
		ck_assert(o.values[j] && o.valid[j]);
		ck_assert_int_eq(clEnqueueReadBuffer(e->q, vm, CL_TRUE, 0, rows * w, o.values[j], 0,
		                                     NULL, NULL), CL_SUCCESS);
		ck_assert_int_eq(clEnqueueReadBuffer(e->q, km, CL_TRUE, 0, rows, o.valid[j], 0, NULL,
		                                     NULL), CL_SUCCESS);
	}
	for (size_t x = 0; x < nmem; x++)
		clReleaseMemObject(mem[x]);
	free(mem);
	clReleaseKernel(kern);
	clReleaseProgram(prog);
	return o;
}

/* ---- comparing ---- */

/* Doubles as integers in the order of their values (-0 and +0 alike), so
 * that the difference of two is their distance in ulps. */
static __int128 ordered64(double x)
{
	int64_t b;

	memcpy(&b, &x, sizeof b);
	return b < 0 ? -(__int128)(b & INT64_MAX) : (__int128)b;
}

static __int128 ordered32(float x)
{
	int32_t b;

	memcpy(&b, &x, sizeof b);
	return b < 0 ? -(__int128)(b & INT32_MAX) : (__int128)b;
}

static bool close_enough(double want, double got, int ulps, bool f32)
{
	__int128 d;

	if (ulps == 0 || isnan(want) || isnan(got))
		return evt_same_f64(want, got);
	d = f32 ? ordered32((float)want) - ordered32((float)got) : ordered64(want) - ordered64(got);
	return (d < 0 ? -d : d) <= ulps;
}

/* Row by row: validity, then the value of every valid row. */
static void compare(const char *what, const gct_case *c, const stage_array *ref,
                    const void *values, const uint8_t *valid, ev_type t, bool f32)
{
	for (int64_t r = 0; r < ref->length; r++) {
		bool rv = !stage_array_is_null(ref, r);

		ck_assert_msg(valid[r] == rv, "%s '%s' row %" PRId64 ": valid %d, eval-expr %d", what,
		              c->expr, r, valid[r], rv);
		if (!rv)
			continue;
		switch (t) {
		case EV_BOOL:
			ck_assert_msg(((const uint8_t *)values)[r] == stage_array_bool(ref, r),
			              "%s '%s' row %" PRId64 ": %d, eval-expr %d", what, c->expr, r,
			              ((const uint8_t *)values)[r], stage_array_bool(ref, r));
			break;
		case EV_INT64:
			ck_assert_msg(((const int64_t *)values)[r] == stage_array_i64(ref, r),
			              "%s '%s' row %" PRId64 ": %" PRId64 ", eval-expr %" PRId64, what,
			              c->expr, r, ((const int64_t *)values)[r], stage_array_i64(ref, r));
			break;
		default: {
			bool wf32 = t == EV_FLOAT32 || f32;
			double got = wf32 ? ((const float *)values)[r] : ((const double *)values)[r];
			double want = ref->type == STAGE_FLOAT32 ? stage_array_f32(ref, r)
			                                         : stage_array_f64(ref, r);

			ck_assert_msg(close_enough(want, got, c->ulps, wf32),
			              "%s '%s' row %" PRId64 ": %a, eval-expr %a (%d ulps allowed)", what,
			              c->expr, r, got, want, c->ulps);
			break;
		}
		}
	}
}

/* The cases as one program y0 = ..., y1 = ..., in one kernel built with
 * options, against eval-expr. With f32 (--allow-float32), the kernel runs
 * on the float64 columns rounded to float, and eval-expr on a batch whose
 * float64 columns are float32 columns of those values. */
static void check_table(const gct_case *cases, size_t ncases, const char *options, bool f32)
{
	gct_cl e;
	stage_schema *s, *rs = NULL;
	stage_batch *in = make_batch(&s, false), *rin = f32 ? make_batch(&rs, true) : NULL;
	const char **assign = calloc(ncases + 1, sizeof *assign);
	ev_front_opts fo = {.assignments = assign, .nassignments = ncases};
	gm_codegen_opts go = {.float32 = f32};
	stage_error err = {0};
	ev_ast *ast = NULL;
	gm_kernel k;
	evt_result ref;
	gct_out out;

	ck_assert_ptr_nonnull(assign);
	cl_open(&e);
	if (!f32 && !device_has(&e, "cl_khr_fp64")) {
		printf("%s: no cl_khr_fp64: float64 cases skipped\n", e.name);
		goto skip;
	}
	for (size_t x = 0; x < ncases; x++) {
		char *a = malloc(strlen(cases[x].expr) + 16);

		ck_assert_ptr_nonnull(a);
		sprintf(a, "y%zu = %s", x, cases[x].expr);
		assign[x] = a;
	}
	ck_assert_msg(ev_front(&fo, s, &ast, &err) == 0, "%s", err.msg);
	ck_assert_msg(gm_codegen(ast, s, &go, &k, &err) == 0, "%s", err.msg);
	ck_assert_msg(evt_run_ex(f32 ? rs : s, f32 ? rin : in, assign, ncases, NULL, 0, &ref, &err) ==
	                      0, "%s", err.msg);
	out = run_kernel(&e, &k, options, ast, in, f32);
	for (size_t x = 0; x < ncases; x++) {
		char name[32];

		snprintf(name, sizeof name, "y%zu", x);
		compare(e.name, &cases[x], evt_col(&ref, name), out.values[x], out.valid[x],
		        ast->assign[x].expr->type, f32);
	}
	out_free(&out);
	evt_free(&ref);
	gm_kernel_release(&k);
	ev_ast_free(ast);
skip:
	cl_close(&e);
	for (size_t x = 0; x < ncases; x++)
		free((void *)assign[x]);
	free(assign);
	stage_batch_free(in);
	stage_batch_free(rin);
	stage_schema_free(s);
	stage_schema_free(rs);
}

/* Whether the device divides and takes square roots of floats correctly
 * rounded when asked to (-cl-fp32-correctly-rounded-divide-sqrt). */
static bool has_correct_fp32(void)
{
	cl_device_fp_config fp = 0;
	gct_cl e;

	cl_open(&e);
	clGetDeviceInfo(e.dev, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL);
	cl_close(&e);
	return (fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
}

/* ---- the tables ---- */

static const gct_case int_cases[] = {
	{"i + j", 0}, {"i - j", 0}, {"i * j", 0}, {"i // j", 0}, {"i % j", 0},
	{"fmod(i, j)", 0}, {"i ** j", 0}, {"i ** (j % 70)", 0}, {"pow(i, 3)", 0},
	{"-i", 0}, {"abs(i)", 0}, {"min(i, j)", 0}, {"max(i, j)", 0},
	{"clip(i, -7, j)", 0}, {"i == j", 0}, {"i != j", 0}, {"i < j", 0}, {"i <= j", 0},
	{"i > j", 0}, {"i >= j", 0}, {"i // -1", 0}, {"i % -1", 0}, {"i // 0", 0},
	{"fmod(i, -1)", 0}, {"i + 9223372036854775807", 0}, {"-9223372036854775808 + i", 0},
	{"i * -9223372036854775808", 0}, {"2 ** 62 + i", 0}, {"0 ** 0 + i * 0", 0},
	{"floor(i) + ceil(j) + round(i) + trunc(j)", 0}, {"i < 3", 0}, {"1 < i <= j", 0},
	{"p + q", 0}, {"p * i", 0}, {"-p", 0}, {"abs(p)", 0}, {"p // q", 0}, {"p % q", 0},
	{"min(p, q)", 0}, {"p == q", 0}, {"p != q", 0}, {"p < q", 0}, {"p >= q", 0},
	{"p and q", 0}, {"p or q", 0}, {"not p", 0}, {"p and true", 0}, {"false or q", 0},
	{"p and not q or i > 0", 0}, {"y0 + y1 * y2", 0}, {"where(p, i, j)", 0}, {"where(p, q, false)", 0},
	{"where(i > 0, p, q)", 0}, {"int(f)", 0}, {"int(s)", 0}, {"int(p)", 0},
	{"int(m * 1e10)", 0}, {"int(f * 0 - 9223372036854775808.0)", 0},
	{"int(f * 0 + 9223372036854775807.0)", 0}, {"int(s * 0 - 9223372036854775808.0)", 0},
	{"isnan(i)", 0}, {"isinf(j)", 0}, {"isfinite(i)", 0},
};

static const gct_case mixed_cases[] = {
	{"i / j", 0}, {"i + 1.5", 0}, {"i * s", 0}, {"p + s", 0}, {"p / q", 0},
	{"i == f", 0}, {"i < g", 0}, {"s < i", 0}, {"float(i)", 0}, {"float(p)", 0},
	{"float(s)", 0}, {"where(p, i, f)", 0}, {"where(p, s, i)", 0}, {"where(p, s, u)", 0},
	{"where(p, 1, 2.5)", 0}, {"min(i, f)", 0}, {"max(s, j)", 0}, {"clip(s, i, f)", 0},
	{"i ** 0.5", 18}, {"i // 2.0", 0}, {"j % 2.5", 0}, {"s + f", 0}, {"s * 0.1", 0},
	{"u * 2.5 + s", 0}, {"i + 9007199254740993", 0}, {"s + 16777217", 0},
	{"atan2(i, j)", 8}, {"hypot(p, i)", 6}, {"sqrt(i)", 0}, {"sin(p)", 6},
};

static const gct_case float_cases[] = {
	{"f + g", 0}, {"f - g", 0}, {"f * g", 0}, {"f / g", 0}, {"f // g", 0}, {"f % g", 0},
	{"fmod(f, g)", 0}, {"f ** 2", 0}, {"-f", 0}, {"abs(f)", 0}, {"min(f, g)", 0},
	{"max(f, g)", 0}, {"clip(f, -1.0, g)", 0}, {"f == g", 0}, {"f != g", 0}, {"f < g", 0},
	{"f <= g", 0}, {"f > g", 0}, {"f >= g", 0}, {"floor(f)", 0}, {"ceil(f)", 0},
	{"round(f)", 0}, {"round(m)", 0}, {"round(f * 2.5)", 0}, {"trunc(f)", 0},
	{"sqrt(f)", 0}, {"sqrt(m)", 0}, {"isnan(f)", 0}, {"isinf(f)", 0}, {"isfinite(f)", 0},
	{"f * 2.5 + g", 0}, {"f * g - m * g", 0}, {"m * 1e-300 * 1e-10", 0}, {"0.1 + f", 0},
	{"nan + f", 0}, {"inf * f", 0}, {"-inf < f", 0}, {"f / 0", 0}, {"f // 0.0", 0},
	{"f % 0.0", 0}, {"-7.5 % g", 0}, {"1.0 // 0.1 + f * 0", 0}, {"m // 0.1", 0},
	{"m % -0.1", 0}, {"where(f < g, f, g)", 0}, {"where(isnan(f), -0.0, f)", 0},
	{"s + u", 0}, {"s - u", 0}, {"s * u", 0}, {"s / u", 0}, {"s // u", 0}, {"s % u", 0},
	{"fmod(s, u)", 0}, {"s ** 2", 0}, {"-s", 0}, {"abs(s)", 0}, {"min(s, u)", 0},
	{"max(s, u)", 0}, {"clip(s, u, 2.5)", 0}, {"s < u", 0}, {"s == u", 0},
	{"floor(u)", 0}, {"ceil(u)", 0}, {"round(u)", 0}, {"round(u * 2.5)", 0},
	{"trunc(u)", 0}, {"sqrt(u)", 0}, {"sqrt(s)", 0}, {"isnan(s)", 0}, {"isinf(s)", 0},
	{"isfinite(u)", 0}, {"u / 3", 0}, {"u / 7.0 * s - 0.1", 0}, {"s * inf", 0},
	{"u * 1e-30 * 1e-10", 0}, {"s // 0", 0}, {"s % 0", 0},
};

/* OpenCL 1.2 (table 7.1, 7.2: float and double alike) plus 2 for glibc */
static const gct_case math_cases[] = {
	{"sin(m)", 6}, {"cos(m)", 6}, {"tan(m)", 7}, {"arcsin(m)", 6}, {"arccos(m)", 6},
	{"arctan(m)", 7}, {"sinh(m)", 6}, {"cosh(m)", 6}, {"tanh(m)", 7}, {"exp(m)", 5},
	{"exp2(m)", 5}, {"expm1(m)", 5}, {"log(m)", 5}, {"log2(m)", 5}, {"log10(m)", 5},
	{"log1p(m)", 4}, {"cbrt(m)", 4}, {"atan2(m, f)", 8}, {"hypot(m, f)", 6},
	{"pow(m, f)", 18}, {"m ** g", 18}, {"sin(f)", 6}, {"exp(f)", 5}, {"log(f)", 5},
	{"sin(u)", 6}, {"cos(u)", 6}, {"tan(u)", 7}, {"asin(u)", 6}, {"acos(u)", 6},
	{"atan(u)", 7}, {"sinh(u)", 6}, {"cosh(u)", 6}, {"tanh(u)", 7}, {"exp(u)", 5},
	{"exp2(u)", 5}, {"expm1(u)", 5}, {"log(u)", 5}, {"log2(u)", 5}, {"log10(u)", 5},
	{"log1p(u)", 4}, {"cbrt(u)", 4}, {"atan2(u, s)", 8}, {"hypot(u, s)", 6},
	{"pow(u, s)", 18}, {"s ** u", 18}, {"u ** 2.0", 0},
};

/* --allow-float32: float64 columns and literals become float; cases
 * whose eval-expr promotion is the same with float32 columns */
static const gct_case f32_cases[] = {
	{"f + g", 0}, {"f - g", 0}, {"f * g", 0}, {"f / g", 0}, {"f // g", 0}, {"f % g", 0},
	{"fmod(f, g)", 0}, {"f * 2.5 + g", 0}, {"f * 0.1", 0}, {"min(f, g)", 0},
	{"clip(m, -1.0, g)", 0}, {"f < g", 0}, {"where(f < g, f, g)", 0}, {"round(m)", 0},
	{"sqrt(m)", 0}, {"m ** 2", 0}, {"int(f)", 0}, {"isnan(g)", 0}, {"f / 0", 0},
	{"sin(m)", 6}, {"exp(m)", 5}, {"log(m)", 5}, {"pow(m, f)", 18}, {"atan2(m, f)", 8},
	{"s * f + u", 0}, {"y0 + y2", 0},
};

/* No input column at all, and a kernel of one literal. */
static const gct_case literal_cases[] = {
	{"0.1 * 3", 0}, {"2 ** 10", 0}, {"-9223372036854775808 // -1", 0}, {"7 // 0", 0},
	{"true and not false", 0}, {"nan", 0}, {"-inf", 0}, {"-0.0", 0},
};

START_TEST(int_and_bool)
{
	check_table(int_cases, NELEM(int_cases), "", false);
}
END_TEST

START_TEST(mixed_types)
{
	check_table(mixed_cases, NELEM(mixed_cases), "", false);
}
END_TEST

START_TEST(float_ops)
{
	check_table(float_cases, NELEM(float_cases), "", false);
}
END_TEST

/* The host may ask for correctly rounded float / and sqrt itself and say
 * so with GM_FP32_CORRECTLY_ROUNDED: the same results. */
START_TEST(float_ops_cl_option)
{
	if (!has_correct_fp32()) {
		printf("no CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT: case skipped\n");
		return;
	}
	check_table(float_cases, NELEM(float_cases),
	            "-cl-fp32-correctly-rounded-divide-sqrt -DGM_FP32_CORRECTLY_ROUNDED", false);
}
END_TEST

START_TEST(math_functions)
{
	check_table(math_cases, NELEM(math_cases), "", false);
}
END_TEST

START_TEST(allow_float32)
{
	check_table(f32_cases, NELEM(f32_cases), "", true);
}
END_TEST

START_TEST(literals_only)
{
	check_table(literal_cases, NELEM(literal_cases), "", false);
	/* all but 0.1 * 3, which eval-expr computes in double (weak literals) */
	check_table(literal_cases + 1, NELEM(literal_cases) - 1, "", true);
}
END_TEST

/* gm_codegen alone: its errors and the shape of its source. */
static int gen(const char *schema, const char *expr, const char *where, bool f32, gm_kernel *k,
               stage_error *err)
{
	stage_schema *s = evt_schema(schema);
	ev_front_opts fo = {.assignments = &expr, .nassignments = 1, .where = where};
	gm_codegen_opts go = {.float32 = f32};
	ev_ast *ast = NULL;
	int rc;

	ck_assert_msg(ev_front(&fo, s, &ast, err) == 0, "%s", err->msg);
	rc = gm_codegen(ast, s, &go, k, err);
	ev_ast_free(ast);
	stage_schema_free(s);
	return rc;
}

static void refused(const char *expr, const char *where, const char *msg)
{
	const char *schema = "host:utf8,ts:timestamp,x:float64";
	stage_error err = {0};
	gm_kernel k;

	ck_assert_int_eq(gen(schema, expr, where, false, &k, &err), -1);
	ck_assert_int_eq(err.status, STAGE_EXIT_USAGE);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_ptr_null(k.source);
}

START_TEST(unsupported)
{
	refused("y = host == 'a'", NULL, "1:5: string columns are not supported by gpu-map: 'host'");
	refused("y = x + len(host)", NULL,
	        "1:13: string columns are not supported by gpu-map: 'host'");
	refused("y = host ~ '^a'", NULL, "1:5: string columns are not supported by gpu-map: 'host'");
	refused("y = host", NULL, "1:5: string columns are not supported by gpu-map: 'host'");
	refused("y = len('abc')", NULL, "1:9: strings are not supported by gpu-map");
	refused("y = ts + 1", NULL, "1:5: timestamp columns are not supported by gpu-map: 'ts'");
	refused("y = x * 2", "y > 1", "--where is not supported by gpu-map");
}
END_TEST

START_TEST(source_shape)
{
	const char *schema = "a:int64,b:float64,c:float32,d:bool,e:float64";
	stage_error err = {0};
	gm_kernel k;

	ck_assert_msg(gen(schema, "y = e * 0.1 + a + (-9223372036854775808 + a) + where(d, 1, 2)",
	                  NULL, false, &k, &err) == 0, "%s", err.msg);
	ck_assert(strncmp(k.source, "/* generated by gpu-map */\n#pragma OPENCL FP_CONTRACT OFF\n",
	                  58) == 0);
	ck_assert_ptr_nonnull(strstr(k.source, "#pragma OPENCL EXTENSION cl_khr_fp64 : enable"));
	ck_assert_ptr_nonnull(strstr(k.source, "0x1.999999999999ap-4"));
	ck_assert_ptr_nonnull(strstr(k.source, "(-9223372036854775807L - 1L)"));
	/* the columns read, ascending: a, d, e; not b, c */
	ck_assert_uint_eq(k.ninputs, 3);
	ck_assert_int_eq(k.inputs[0], 0);
	ck_assert_int_eq(k.inputs[1], 3);
	ck_assert_int_eq(k.inputs[2], 4);
	ck_assert_ptr_nonnull(
		strstr(k.source, "__global const long *in_0, __global const uchar *in_0_valid"));
	ck_assert_ptr_nonnull(strstr(k.source, "__global const uchar *in_3, "));
	ck_assert_ptr_nonnull(strstr(k.source, "__global const double *in_4, "));
	ck_assert_ptr_nonnull(strstr(k.source, "__global double *out_0, __global uchar *out_0_valid"));
	ck_assert_ptr_null(strstr(k.source, "in_1"));
	gm_kernel_release(&k);

	ck_assert_msg(gen(schema, "y = e * 0.1 + c", NULL, true, &k, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(k.source, "__global const float *in_4, "));
	ck_assert_ptr_nonnull(strstr(k.source, "__global float *out_0, "));
	ck_assert_ptr_nonnull(strstr(k.source, "0x1.99999ap-4f"));
	ck_assert_ptr_null(strstr(k.source, "double "));
	gm_kernel_release(&k);
}
END_TEST

int main(void)
{
	cl_uint nplat = 0;
	Suite *s = suite_create("gpu_codegen");
	TCase *tc = tcase_create("kernels");
	SRunner *sr;
	int failed;

	/* glibc's scalar libm as the reference: within 2 ulp of the truth */
	setenv("EVAL_MATH_ISA", "scalar", 1);
	if (clGetPlatformIDs(0, NULL, &nplat) != CL_SUCCESS || nplat == 0) {
		printf("test_gpu_codegen: skipped: no OpenCL platform (the ICD loader found none; "
		       "install pocl-opencl-icd)\n");
		return 77;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, int_and_bool);
	tcase_add_test(tc, mixed_types);
	tcase_add_test(tc, float_ops);
	tcase_add_test(tc, float_ops_cl_option);
	tcase_add_test(tc, math_functions);
	tcase_add_test(tc, allow_float32);
	tcase_add_test(tc, literals_only);
	tcase_add_test(tc, unsupported);
	tcase_add_test(tc, source_shape);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* the OpenCL runtime is started in this process (above): no fork */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
