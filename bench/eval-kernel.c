/* eval-expr's compiled expressions in process, against this machine's memory
 * bandwidth: no I/O, no parsing of rows. Links the stage's own modules
 * (libeval: front end, back end, kernels) as the build compiled them.
 *
 * Three float64 columns a, b, c of ROWS values, uniform in [-10, 10]
 * (xoshiro256**, fixed seed), are cut into batches of BATCH rows that
 * point into them, as the stage sees an Arrow stream. Each expression is
 * compiled once (ev_front, ev_plan_compile); a timed pass runs, for every
 * batch, ev_job_begin, then ev_job_range on T threads over disjoint ranges
 * (pthreads, one scratch each, a barrier before and after), then
 * ev_job_finish, and frees the output batch, as the stage does.
 *
 * The bandwidth reference is a STREAM-triad-like loop over the same arrays
 * on the same T threads, d[i] = a[i] * b[i] + c[i] into a preallocated,
 * pre-touched d: 3 arrays read and 1 written, counted as 4 x 8 bytes a row
 * (write-allocate traffic not counted). The expressions' effective
 * bandwidth uses the same byte count.
 *
 *   eval-kernel ROWS BATCH REPS THREADS EXPR...
 *
 * THREADS is a comma-separated list ("1,2"); each EXPR is an assignment
 * such as 'd = a*b + c'. For each thread count, REPS rounds run the triad
 * and every expression in turn (after one untimed warm-up round), and the
 * median of each is printed as one line of key=value pairs:
 *
 *   case=triad threads=1 rows=... seconds=... mrows_s=... gb_s=...
 *   case=eval threads=1 rows=... seconds=... mrows_s=... gb_s=... expr=...
 *
 * Before timing, the results of every expression are checked on a sample
 * of rows against a reference computed here in plain C (libm): 'a*b + c'
 * exactly, '2*a + 3*b**2 - sin(c)' within 1e-13 of the terms' magnitude;
 * other expressions are not checked. Built and run by
 * bench/eval-expr-kernel.sh. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "front.h"
#include "kernels.h"
#include "plan.h"
#include "stage.h"

#include "rng.h"

#define MAX_THREADS 64
#define MAX_EXPRS 8

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *x, const void *y)
{
	double p = *(const double *)x, q = *(const double *)y;

	return (p > q) - (p < q);
}

/* Uniform in [-10, 10). */
static double uniform(void)
{
	return unif() * 20.0 - 10.0;
}

static void die(const char *what, const stage_error *err)
{
	fprintf(stderr, "eval-kernel: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
	exit(1);
}

/* One compiled expression. */
struct expr {
	const char *text;
	ev_plan *plan;
	ev_scratch *scratch[MAX_THREADS];
	int out_col; /* the assigned column in the output batches */
};

/* What the threads share: the columns, the batches, the work of the moment. */
static struct {
	int64_t rows, batch_rows;
	size_t nbatches;
	double *col[3], *d;
	stage_batch **batches;
	pthread_barrier_t start, done;
	int threads;
	/* the work of the moment, set by thread 0 before the start barrier */
	enum { WORK_TRIAD, WORK_RANGE, WORK_QUIT } work;
	struct expr *expr;
	ev_job *job;
	int64_t job_rows;
	int failed;
} sh;

/* Thread i's part of [0, n), starting at a multiple of EV_RANGE_ALIGN. */
static void part(int64_t n, int i, int threads, int64_t *start, int64_t *end)
{
	int64_t step = (n + threads - 1) / threads;

	step = (step + EV_RANGE_ALIGN - 1) / EV_RANGE_ALIGN * EV_RANGE_ALIGN;
	*start = step * i < n ? step * i : n;
	*end = *start + step < n ? *start + step : n;
}

static void triad(int64_t start, int64_t end)
{
	const double *a = sh.col[0], *b = sh.col[1], *c = sh.col[2];
	double *d = sh.d;

	for (int64_t i = start; i < end; i++)
		d[i] = a[i] * b[i] + c[i];
}

/* Thread i's share of the work of the moment. */
static void do_work(int i)
{
	int64_t start, end;
	stage_error err = {0};

	if (sh.work == WORK_TRIAD) {
		part(sh.rows, i, sh.threads, &start, &end);
		triad(start, end);
	} else if (sh.work == WORK_RANGE) {
		part(sh.job_rows, i, sh.threads, &start, &end);
		if (start < end &&
		    ev_job_range(sh.expr->plan, sh.expr->scratch[i], sh.job, start, end, &err) < 0) {
			fprintf(stderr, "eval-kernel: %s\n", err.msg);
			__atomic_store_n(&sh.failed, 1, __ATOMIC_RELAXED);
		}
	}
}

static void *worker(void *arg)
{
	int i = (int)(intptr_t)arg;

	for (;;) {
		pthread_barrier_wait(&sh.start);
		if (sh.work == WORK_QUIT)
			return NULL;
		do_work(i);
		pthread_barrier_wait(&sh.done);
	}
}

/* Runs the work on all threads (the caller is thread 0). */
static void run_all(void)
{
	pthread_barrier_wait(&sh.start);
	do_work(0);
	pthread_barrier_wait(&sh.done);
	if (sh.failed)
		die("a range failed", NULL);
}

static double time_triad(void)
{
	double t0 = now();

	sh.work = WORK_TRIAD;
	run_all();
	return now() - t0;
}

/* One pass of the expression over every batch; *keep, when not NULL,
 * receives the output batches instead of their being freed. */
static double time_eval(struct expr *e, stage_batch **keep)
{
	stage_error err = {0};
	double t0 = now();

	for (size_t k = 0; k < sh.nbatches; k++) {
		stage_batch *out;

		if (ev_job_begin(e->plan, sh.batches[k], &sh.job, &err) < 0)
			die("ev_job_begin", &err);
		sh.work = WORK_RANGE;
		sh.expr = e;
		sh.job_rows = sh.batches[k]->nrows;
		run_all();
		if (ev_job_finish(e->plan, sh.job, &out, &err) < 0)
			die("ev_job_finish", &err);
		if (keep)
			keep[k] = out;
		else
			stage_batch_free(out);
	}
	return now() - t0;
}

static void compile(struct expr *e, const stage_schema *schema, int threads)
{
	ev_front_opts o = {.assignments = &e->text, .nassignments = 1};
	stage_error err = {0};
	ev_ast *ast = NULL;
	const char *lhs = e->text + strspn(e->text, " "), *eq = strchr(lhs, '=');
	char name[64];
	size_t len;

	if (ev_front(&o, schema, &ast, &err) < 0 || ev_plan_compile(ast, schema, &e->plan, &err) < 0)
		die(e->text, &err);
	ev_ast_free(ast);
	for (int i = 0; i < threads; i++)
		if (!(e->scratch[i] = ev_scratch_new(e->plan, &err)))
			die("ev_scratch_new", &err);
	/* The assigned column is named left of '='. */
	len = eq ? (size_t)(eq - lhs) : 0;
	while (len && lhs[len - 1] == ' ')
		len--;
	if (!len || len >= sizeof name)
		die("an expression is not NAME = EXPR", NULL);
	memcpy(name, lhs, len);
	name[len] = '\0';
	e->out_col = stage_schema_find(ev_plan_schema(e->plan), name, &err);
	if (e->out_col < 0)
		die(name, &err);
}

/* The reference for the expressions the benchmark knows, or NAN. Spaces
 * are ignored when recognising them. */
static double reference(const char *text, double a, double b, double c, double *tol)
{
	char s[128];
	size_t n = 0;

	for (const char *p = text; *p && n + 1 < sizeof s; p++)
		if (*p != ' ')
			s[n++] = *p;
	s[n] = '\0';
	const char *rhs = strchr(s, '=');
	if (rhs && !strcmp(rhs, "=a*b+c")) {
		*tol = 0;
		return a * b + c;
	}
	if (rhs && !strcmp(rhs, "=2*a+3*b**2-sin(c)")) {
		*tol = 1e-13 * (fabs(2 * a) + fabs(3 * b * b) + 1);
		return 2 * a + 3 * (b * b) - sin(c);
	}
	return NAN;
}

/* Compares every 997th row of one pass's output with the reference. */
static void check(struct expr *e)
{
	stage_batch **out = calloc(sh.nbatches, sizeof *out);
	int64_t checked = 0, bad = 0;
	double tol;

	if (!out)
		die("out of memory", NULL);
	time_eval(e, out);
	if (isnan(reference(e->text, 1, 1, 1, &tol))) {
		printf("check expr=%s: no reference, not checked\n", e->text);
	} else {
		for (int64_t r = 0; r < sh.rows; r += 997) {
			const stage_batch *ob = out[r / sh.batch_rows];
			const stage_array *col = &ob->cols[e->out_col];
			int64_t j = r % sh.batch_rows;
			double want = reference(e->text, sh.col[0][r], sh.col[1][r], sh.col[2][r], &tol);
			double got = stage_array_f64(col, j);

			checked++;
			if (ob->nrows != sh.batches[r / sh.batch_rows]->nrows || col->type != STAGE_FLOAT64 ||
			    stage_array_is_null(col, j) || !(fabs(got - want) <= tol)) {
				if (bad++ < 5)
					fprintf(stderr, "row %lld: got %.17g, want %.17g\n", (long long)r, got, want);
			}
		}
		printf("check expr=%s: %lld sampled rows, %lld wrong\n", e->text, (long long)checked,
		       (long long)bad);
		if (bad)
			die("wrong results", NULL);
	}
	for (size_t k = 0; k < sh.nbatches; k++)
		stage_batch_free(out[k]);
	free(out);
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	return t[(n - 1) / 2];
}

static void report(const char *name, int threads, double secs, const char *expr)
{
	printf("case=%s threads=%d rows=%lld batch=%lld seconds=%.6f mrows_s=%.1f gb_s=%.2f%s%s\n",
	       name, threads, (long long)sh.rows, (long long)sh.batch_rows, secs,
	       (double)sh.rows / secs / 1e6, 32.0 * (double)sh.rows / secs / 1e9,
	       expr ? " expr=" : "", expr ? expr : "");
}

/* Times the triad and every expression on `threads` threads. */
static void bench(struct expr *exprs, int nexprs, int threads, int reps, const stage_schema *schema)
{
	pthread_t tid[MAX_THREADS];
	double *t = malloc((size_t)(nexprs + 1) * (size_t)reps * sizeof *t);

	if (!t)
		die("out of memory", NULL);
	sh.threads = threads;
	if (pthread_barrier_init(&sh.start, NULL, (unsigned)threads) ||
	    pthread_barrier_init(&sh.done, NULL, (unsigned)threads))
		die("pthread_barrier_init failed", NULL);
	for (int i = 1; i < threads; i++)
		if (pthread_create(&tid[i], NULL, worker, (void *)(intptr_t)i))
			die("pthread_create failed", NULL);
	for (int x = 0; x < nexprs; x++) {
		compile(&exprs[x], schema, threads);
		check(&exprs[x]);
	}
	/* Round -1 warms up: pages of d, the allocator's free lists. */
	for (int r = -1; r < reps; r++) {
		double tt = time_triad();

		if (r >= 0)
			t[r] = tt;
		for (int x = 0; x < nexprs; x++) {
			double te = time_eval(&exprs[x], NULL);

			if (r >= 0)
				t[(x + 1) * reps + r] = te;
		}
	}
	report("triad", threads, median(t, reps), NULL);
	for (int x = 0; x < nexprs; x++)
		report("eval", threads, median(t + (x + 1) * reps, reps), exprs[x].text);
	fflush(stdout);
	sh.work = WORK_QUIT;
	pthread_barrier_wait(&sh.start);
	for (int i = 1; i < threads; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&sh.start);
	pthread_barrier_destroy(&sh.done);
	for (int x = 0; x < nexprs; x++) {
		for (int i = 0; i < threads; i++)
			ev_scratch_free(exprs[x].scratch[i]);
		ev_plan_free(exprs[x].plan);
	}
	free(t);
}

int main(int argc, char **argv)
{
	static const char *const names[3] = {"a", "b", "c"};
	struct expr exprs[MAX_EXPRS] = {{0}};
	stage_error err = {0};
	stage_schema *schema;
	int64_t rows, batch_rows;
	int reps, nexprs = argc - 5;

	if (argc < 6 || nexprs > MAX_EXPRS || (rows = atoll(argv[1])) < 1 ||
	    (batch_rows = atoll(argv[2])) < 1 || (reps = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: eval-kernel ROWS BATCH REPS THREADS EXPR...\n");
		return 2;
	}
	sh.rows = rows;
	sh.batch_rows = batch_rows < rows ? batch_rows : rows;
	sh.nbatches = (size_t)((rows + sh.batch_rows - 1) / sh.batch_rows);
	for (int i = 0; i < nexprs; i++)
		exprs[i].text = argv[5 + i];

	/* The columns, the triad's output (touched now) and the batches. */
	rng_seed(42);
	for (int j = 0; j < 3; j++)
		if (!(sh.col[j] = malloc((size_t)rows * sizeof(double))))
			die("out of memory", NULL);
	for (int64_t i = 0; i < rows; i++)
		for (int j = 0; j < 3; j++)
			sh.col[j][i] = uniform();
	if (!(sh.d = malloc((size_t)rows * sizeof(double))))
		die("out of memory", NULL);
	memset(sh.d, 0, (size_t)rows * sizeof(double));
	if (!(schema = stage_schema_new()))
		die("out of memory", NULL);
	for (int j = 0; j < 3; j++)
		if (stage_schema_add(schema, names[j], STAGE_FLOAT64, &err) < 0)
			die("schema", &err);
	if (!(sh.batches = calloc(sh.nbatches, sizeof *sh.batches)))
		die("out of memory", NULL);
	for (size_t k = 0; k < sh.nbatches; k++) {
		int64_t off = (int64_t)k * sh.batch_rows;
		int64_t n = rows - off < sh.batch_rows ? rows - off : sh.batch_rows;
		stage_batch *b = stage_batch_new(3, &err);

		if (!b)
			die("batch", &err);
		b->nrows = n;
		for (int j = 0; j < 3; j++)
			b->cols[j] = (stage_array){.type = STAGE_FLOAT64, .length = n,
			                           .values = sh.col[j] + off};
		sh.batches[k] = b;
	}
	printf("rows=%lld batch=%lld batches=%zu reps=%d math=%s\n", (long long)rows,
	       (long long)sh.batch_rows, sh.nbatches, reps, ev_math_isa());

	for (const char *p = argv[4]; *p;) {
		char *end;
		long threads = strtol(p, &end, 10);

		if (end == p || threads < 1 || threads > MAX_THREADS || (*end && *end != ','))
			die("THREADS: a comma-separated list of counts from 1 to 64", NULL);
		bench(exprs, nexprs, (int)threads, reps, schema);
		p = *end ? end + 1 : end;
	}

	for (size_t k = 0; k < sh.nbatches; k++)
		stage_batch_free(sh.batches[k]);
	free(sh.batches);
	stage_schema_free(schema);
	for (int j = 0; j < 3; j++)
		free(sh.col[j]);
	free(sh.d);
	return 0;
}
