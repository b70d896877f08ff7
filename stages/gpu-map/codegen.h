/* gpu-map's code generator: eval-expr's typed tree (ast.h, numeric
 * subset) as the source of one OpenCL C element-wise kernel, with
 * eval-expr's semantics (NumPy promotion already made explicit as casts
 * by the checker; SQL nulls; int64 wrap-around; integer // % and fmod by
 * zero give null) so that its results equal eval-expr's within the
 * OpenCL precision bounds.
 *
 * The kernel, named "gpu_map", takes in order:
 *  - for each input column it reads (gm_kernel.inputs, ascending schema
 *    index): `__global const T *in_K` with its values, then
 *    `__global const uchar *in_K_valid`, its Arrow validity bitmap (LSB
 *    first, bit i = row i valid), which the host may pass as NULL when the
 *    batch's column has no nulls;
 *    T is long (int64), double (float64; float with --allow-float32),
 *    float (float32), or for bool columns `__global const uchar *`, the
 *    Arrow values bitmap (bit i = row i's value);
 *  - for each assignment, in ast->assign order: `__global T *out_K` (bool
 *    results as one uchar per row, 0 or 1; the host packs them into a
 *    bitmap) and `__global uchar *out_K_valid`, one byte per row (1 valid,
 *    0 null);
 *  - `const long n`, the row count: work-items at or past n do nothing.
 * Later assignments may use earlier ones' results: the kernel computes
 * them in order in private variables, so nothing goes back to the host.
 * Literals are emitted exactly (doubles as hex floats).
 *
 * The source needs no build options. float / and sqrt, which OpenCL lets
 * be 2.5 and 3 ulp off, are computed in double and rounded once where the
 * device has fp64; a host that builds with
 * `-cl-fp32-correctly-rounded-divide-sqrt` (the device reports
 * CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) may add `-DGM_FP32_CORRECTLY_ROUNDED`
 * to use the float operations instead. Without fp64 and that option,
 * float / and sqrt are the device's. */
#ifndef GPU_MAP_CODEGEN_H
#define GPU_MAP_CODEGEN_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "stage.h"

typedef struct gm_codegen_opts {
	/* --allow-float32: float64 columns and results computed as float (the
	 * host converts at the edges); otherwise the source starts with
	 * `#pragma OPENCL EXTENSION cl_khr_fp64 : enable`. */
	bool float32;
} gm_codegen_opts;

typedef struct gm_kernel {
	char *source;    /* OpenCL C, NUL-terminated */
	int *inputs;     /* schema indexes of the columns read, ascending */
	size_t ninputs;
} gm_kernel;

/* Fails (status USAGE, message naming the place as eval-expr does, e.g.
 * "1:5: string columns are not supported by gpu-map: 'host'") for what the
 * device cannot run: string and regex operations, timestamp columns,
 * --where (ast->where must be NULL). */
int gm_codegen(const ev_ast *ast, const stage_schema *in, const gm_codegen_opts *o,
               gm_kernel *out, stage_error *err);
void gm_kernel_release(gm_kernel *k);

#endif
