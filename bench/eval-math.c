/* eval-expr's math kernels alone, on one thread: scalar libm in a plain
 * loop against each libmvec path of math_kernels.c (math_vec.h), in
 * million rows per second, in one run. Links libeval as the build
 * compiled it. The input is ROWS float64 (and float32) values uniform in
 * [-10, 10] (log and sqrt: (0, 20]), processed in blocks of 2048 rows as
 * the VM does, PASSES times; each case prints the median of REPS runs.
 *
 *   eval-math [ROWS [PASSES]]
 *
 * Build, from a build directory (after make):
 *   cc -O2 -iquote $SRC/stages/eval-expr -o eval-math $SRC/bench/eval-math.c \
 *      stages/eval-expr/.libs/libeval.a -lpcre2-8 -lmvec -lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"
#include "math_vec.h"

#define BLOCK 2048
#define REPS 5

typedef void (*kernel)(ev_op, double *, const double *, const double *, size_t);

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, REPS, sizeof *v, by_value);
	return v[REPS / 2];
}

/* scalar libm, what a plain C loop gets */
static void libm_loop(ev_op op, double *dst, const double *a, const double *b, size_t n)
{
	(void)b;
	for (size_t i = 0; i < n; i++)
		dst[i] = op == EV_SIN ? sin(a[i]) : op == EV_EXP ? exp(a[i]) : log(a[i]);
}

static double rate(kernel k, ev_op op, double *dst, const double *a, size_t rows, int passes)
{
	double t[REPS];

	for (int r = 0; r < REPS; r++) {
		double t0 = now();

		for (int p = 0; p < passes; p++)
			for (size_t i = 0; i < rows; i += BLOCK)
				k(op, dst + i, a + i, NULL, rows - i < BLOCK ? rows - i : BLOCK);
		t[r] = (double)rows * passes / (now() - t0) / 1e6;
	}
	return median(t);
}

static double rate32(ev_op op, const ev_math_path *p, float *dst, const float *a, size_t rows,
                     int passes)
{
	double t[REPS];

	for (int r = 0; r < REPS; r++) {
		double t0 = now();

		for (int q = 0; q < passes; q++)
			for (size_t i = 0; i < rows; i += BLOCK)
				p->f32(op, dst + i, a + i, NULL, rows - i < BLOCK ? rows - i : BLOCK);
		t[r] = (double)rows * passes / (now() - t0) / 1e6;
	}
	return median(t);
}

int main(int argc, char **argv)
{
	size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 1 << 20;
	int passes = argc > 2 ? atoi(argv[2]) : 10;
	double *a = malloc(rows * sizeof *a), *pos = malloc(rows * sizeof *pos);
	double *dst = malloc(rows * sizeof *dst);
	float *af = malloc(rows * sizeof *af), *dstf = malloc(rows * sizeof *dstf);
	const ev_math_path *paths[3];
	size_t np = 0;
	const struct {
		ev_op op;
		const char *name;
	} ops[] = {{EV_SIN, "sin"}, {EV_EXP, "exp"}, {EV_LOG, "log"}};

	if (!a || !pos || !dst || !af || !dstf || rows == 0 || passes < 1)
		return 2;
	srand(1);
	for (size_t i = 0; i < rows; i++) {
		a[i] = 20.0 * rand() / RAND_MAX - 10;
		pos[i] = fabs(a[i]) + 1e-3;
		af[i] = (float)a[i];
	}
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		paths[np++] = &ev_math_avx512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		paths[np++] = &ev_math_avx2;
	paths[np++] = &ev_math_sse;
	printf("eval-math: %zu rows x %d passes, blocks of %d, one thread, M rows/s "
	       "(default path: %s)\n", rows, passes, BLOCK, ev_math_isa());
	for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
		const double *in = ops[o].op == EV_LOG ? pos : a;

		printf("float64 %-4s libm %7.1f", ops[o].name,
		       rate(libm_loop, ops[o].op, dst, in, rows, passes));
		for (size_t k = 0; k < np; k++)
			printf("  %s %7.1f", paths[k]->name,
			       rate(paths[k]->f64, ops[o].op, dst, in, rows, passes));
		printf("\n");
	}
	printf("float32 sin  libm %7.1f", rate32(EV_SIN, &(ev_math_path){"libm", NULL, ev_math_libm_f32},
	                                          dstf, af, rows, passes));
	for (size_t k = 0; k < np; k++)
		printf("  %s %7.1f", paths[k]->name, rate32(EV_SIN, paths[k], dstf, af, rows, passes));
	printf("\n");
	free(a);
	free(pos);
	free(dst);
	free(af);
	free(dstf);
	return 0;
}
