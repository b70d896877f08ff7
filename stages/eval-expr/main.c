/* eval-expr: expressions over columns, parsed, checked and compiled once,
 * then run over every batch on a pool of workers: assignments add or
 * replace columns, --where filters rows. */
#include <stdio.h>
#include <stdlib.h>

#include "front.h"
#include "kernels.h"
#include "plan.h"
#include "stage.h"
#include "stage_pool.h"

static const char usage[] =
	"Usage: eval-expr [OPTIONS] ASSIGNMENT... [--where EXPR] [--drop COLS | --keep COLS]\n"
	"Compute columns from expressions over the columns of each row, vectorised and\n"
	"on several threads; keep the rows where a condition holds.\n"
	"\n"
	"  ASSIGNMENT             NAME = EXPR: adds column NAME, or replaces the column\n"
	"                         of that name in place; later assignments may use\n"
	"                         earlier ones (one argument may hold several,\n"
	"                         separated by ';' or newlines)\n"
	"      --where EXPR       keep only the rows where EXPR is true (not false or\n"
	"                         null); it sees the assignments' results\n"
	"      --drop COLS        leave these columns out of the output\n"
	"      --keep COLS        write only these columns (in the output's order:\n"
	"                         the input's columns, then the new ones)\n"
	"                         COLS: names or 1-based numbers of output columns,\n"
	"                         comma-separated\n"
	"\n"
	"The language (man eval-expr has all of it), tightest binding first:\n"
	"  x ** y                 power, right to left: -2**2 is -4, 2**3**2 is 512\n"
	"  -x  +x                 sign\n"
	"  *  /  //  %            / is always float; // and % floor, as in Python\n"
	"  +  -\n"
	"  == != < <= > >= ~      comparisons, chained as in Python (a < b < c);\n"
	"                         s ~ 'regex' matches a PCRE2 pattern anywhere in s\n"
	"  not x,  x and y,  x or y\n"
	"Literals: 42, 1.5, 1e-3, inf, nan, true, false, 'text' or \"text\" (escapes\n"
	"\\\\ \\' \\\" \\n \\t \\xHH: a regex \\d is written '\\\\d'). A column name that is not\n"
	"an identifier goes in backquotes: `latency (ms)`.\n"
	"Functions: abs sqrt cbrt exp exp2 expm1 log log2 log10 log1p sin cos tan\n"
	"  arcsin arccos arctan arctan2(y, x) sinh cosh tanh hypot(x, y) pow(x, y)\n"
	"  floor ceil round (half to even) trunc fmod(x, y) min(x, y) max(x, y)\n"
	"  clip(x, lo, hi) isnan isinf isfinite float(x) int(x) where(c, x, y)\n"
	"  strings: len(s) (code points) contains(s, t) startswith(s, t) endswith(s, t)\n"
	"Types: int64, float64, float32, bool, string (utf8 columns; timestamps read\n"
	"  as int64 nanoseconds). Mixed operands promote as in NumPy: int64 with\n"
	"  float32 or float64 gives float64, float32 with float64 gives float64;\n"
	"  bool counts as int64; a literal takes the column's type (NEP 50), so a\n"
	"  float32 column * 2.5 stays float32.\n"
	"Nulls: null in, null out; false and null is false, true or null is true;\n"
	"  --where drops the rows where it is null. An empty CSV field is null.\n"
	"Integers: overflow wraps around (as NumPy's int64); x // 0 and x % 0 give\n"
	"  null, never a signal; int(x) truncates, and gives null for NaN, inf and\n"
	"  values out of range. Floats follow IEEE 754: 1 / 0 is inf.\n"
	"\n"
	"Examples:\n"
	"  eval-expr 'z = 2*a + 3*b**2 - sin(c)' < data.arrow > out.arrow\n"
	"  rec-cat --in ws --header < access.log |\n"
	"      eval-expr --where 'status >= 500 and path ~ \"^/api/\"'\n"
	"  eval-expr 'kb = bytes / 1024' 'big = kb > 10' --keep endpoint,kb,big --out csv\n"
	"\n";

enum {
	OPT_WHERE = 0x2000,
	OPT_DROP,
	OPT_KEEP,
};

/* Batches below this many rows run on one thread: splitting them would
 * cost more in hand-offs than it saves. */
#define SPLIT_MIN_ROWS 16384

static int parse_args(int argc, char **argv, stage_cli *cli, ev_front_opts *o,
                      stage_error *err)
{
	static const struct option longopts[] = {
		{"where", required_argument, NULL, OPT_WHERE},
		{"drop", required_argument, NULL, OPT_DROP},
		{"keep", required_argument, NULL, OPT_KEEP},
		STAGE_CLI_LONG_OPTIONS,
	};
	int opt;

	while ((opt = getopt_long(argc, argv, STAGE_CLI_SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_WHERE:
			if (o->where)
				return stage_error_set(err, STAGE_EXIT_USAGE,
				                       "--where given twice (join the conditions with 'and')");
			o->where = optarg;
			continue;
		case OPT_DROP:
			o->drop = optarg;
			continue;
		case OPT_KEEP:
			o->keep = optarg;
			continue;
		}
		if (stage_cli_option(cli, opt, optarg, err) < 0)
			return -1;
	}
	/* getopt_long moved the operands, the assignments, to the end. */
	o->assignments = (const char *const *)argv + optind;
	o->nassignments = (size_t)(argc - optind);
	if (!o->nassignments && !o->where)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "nothing to do: give an assignment or --where (try --help)");
	if (o->drop && o->keep)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--drop and --keep exclude each other");
	return 0;
}

/* One range of rows of one batch, for a worker. */
struct range {
	ev_job *job;
	int64_t start, end;
};

/* Everything one run shares. */
struct run {
	stage_cli *cli;
	const ev_front_opts *o;
	stage_input *in;
	stage_output *out;
	stage_schema *empty;   /* the output schema of empty input */
	ev_plan *plan;
	stage_pool *pool;      /* NULL with one worker: it is the main thread */
	int workers;
	ev_scratch **scratch;  /* one per worker, then the main thread's */
	struct range *ranges;  /* 2 * workers, the pool's slots */
	int64_t rows_in, rows_out, batches;
};

static int run_range(void *ctx, int worker, void *item, void **result, stage_error *err)
{
	struct run *r = ctx;
	struct range *g = item;

	*result = g;
	return ev_job_range(r->plan, r->scratch[worker], g->job, g->start, g->end, err);
}

/* Input columns the tree reads. */
static void mark_columns(const ev_node *n, bool *used)
{
	if (n->op == EV_COLUMN)
		used[n->u.column] = true;
	for (int i = 0; i < n->nargs; i++)
		mark_columns(n->args[i], used);
}

/* Text input converts only the columns that the expressions read or the
 * output passes through; the others cost no parsing. */
static int convert_only_used(struct run *r, const ev_ast *ast, stage_error *err)
{
	size_t ncols = stage_input_schema(r->in)->ncols, n = 0;
	bool *used = calloc(ncols + 1, sizeof *used);
	int *cols = calloc(ncols + 1, sizeof *cols);
	int rc;

	if (!used || !cols) {
		free(used);
		free(cols);
		return stage_error_oom(err, "column list");
	}
	for (size_t i = 0; i < ast->nassign; i++)
		mark_columns(ast->assign[i].expr, used);
	if (ast->where)
		mark_columns(ast->where, used);
	for (size_t i = 0; i < ast->nout; i++)
		if (ast->out[i].input >= 0)
			used[ast->out[i].input] = true;
	for (size_t i = 0; i < ncols; i++)
		if (used[i])
			cols[n++] = (int)i;
	rc = stage_input_only(r->in, cols, n, err);
	free(used);
	free(cols);
	return rc;
}

/* Parses, checks and compiles the expressions against the input schema:
 * every mistake in them comes out here, before any output. */
static int compile(struct run *r, stage_error *err)
{
	const stage_schema *in = stage_input_schema(r->in);
	ev_ast *ast = NULL;
	int rc;

	if (ev_front(r->o, in, &ast, err) < 0)
		return -1;
	if (!ast->nassign && !ast->where) {
		ev_ast_free(ast);
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "nothing to do: the assignments are empty (try --help)");
	}
	rc = ev_plan_compile(ast, in, &r->plan, err);
	if (rc == 0 && !stage_input_is_arrow(r->in))
		rc = convert_only_used(r, ast, err);
	ev_ast_free(ast);
	return rc;
}

/* The worker pool and one scratch per thread that runs ranges. */
static int start_workers(struct run *r, stage_error *err)
{
	r->workers = stage_workers(r->cli->workers);
	r->scratch = calloc((size_t)r->workers + 1, sizeof *r->scratch);
	if (!r->scratch)
		return stage_error_oom(err, "workers");
	for (int i = 0; i <= r->workers; i++)
		if (!(r->scratch[i] = ev_scratch_new(r->plan, err)))
			return -1;
	if (r->workers == 1)
		return 0;
	r->ranges = calloc(2 * (size_t)r->workers, sizeof *r->ranges);
	if (!r->ranges)
		return stage_error_oom(err, "workers");
	return stage_pool_new(&r->pool, r->workers, true, run_range, r, err);
}

static void stop_workers(struct run *r)
{
	stage_pool_free(r->pool);
	for (int i = 0; r->scratch && i <= r->workers; i++)
		ev_scratch_free(r->scratch[i]);
	free(r->scratch);
	free(r->ranges);
}

/* Splits the job's rows into about two ranges per worker, so that a
 * worker that finishes early finds more to do, each starting at a
 * multiple of EV_RANGE_ALIGN; at most as many as the pool has slots. */
static int submit_ranges(struct run *r, ev_job *job, int64_t nrows, stage_error *err)
{
	int64_t parts = 2 * (int64_t)r->workers;
	int64_t step = (nrows + parts - 1) / parts;
	size_t n = 0;

	step = (step + EV_RANGE_ALIGN - 1) / EV_RANGE_ALIGN * EV_RANGE_ALIGN;
	for (int64_t start = 0; start < nrows; start += step) {
		struct range *g = &r->ranges[n++];

		*g = (struct range){job, start, start + step < nrows ? start + step : nrows};
		if (stage_pool_submit(r->pool, g, err) < 0)
			return -1;
	}
	return 0;
}

/* Waits for every submitted range; the first error is the one kept. */
static int take_ranges(struct run *r, stage_error *err)
{
	int rc = 0;

	while (stage_pool_pending(r->pool)) {
		stage_error later;
		void *done;

		if (stage_pool_take(r->pool, &done, rc < 0 ? &later : err) < 0)
			rc = -1;
	}
	return rc;
}

/* The next input batch, read ahead while the workers compute. */
struct ahead {
	bool read;
	int rc;
	stage_batch *batch;
	stage_error err;
};

/* Computes batch b (taking it over) and writes its result. While the
 * workers run its ranges, the main thread reads and decodes the next
 * batch into *next, unless the input has gone idle: then this batch's
 * rows go out first, so that a trickle of rows is not held back. */
static int process(struct run *r, stage_batch *b, struct ahead *next, stage_error *err)
{
	int64_t nrows = b->nrows;
	stage_batch *res = NULL;
	ev_job *job = NULL;
	int rc;

	r->rows_in += nrows;
	r->batches++;
	rc = ev_job_begin(r->plan, b, &job, err);
	stage_batch_free(b);
	if (rc < 0)
		return -1;
	if (r->pool && nrows >= SPLIT_MIN_ROWS) {
		stage_error ignored;

		rc = submit_ranges(r, job, nrows, err);
		if (rc == 0 && !stage_input_idle(r->in)) {
			next->rc = stage_input_next(r->in, &next->batch, &next->err);
			next->read = true;
		}
		if (take_ranges(r, rc < 0 ? &ignored : err) < 0)
			rc = -1;
	} else if (nrows > 0) {
		rc = ev_job_range(r->plan, r->scratch[r->workers], job, 0, nrows, err);
	}
	if (rc < 0) {
		ev_job_free(job);
		return -1;
	}
	if (ev_job_finish(r->plan, job, &res, err) < 0)
		return -1;
	r->rows_out += res->nrows;
	rc = stage_output_write(r->out, res, err);
	stage_batch_free(res);
	return rc;
}

/* One output batch per input batch, in order, even an empty one. */
static int run_batches(struct run *r, stage_error *err)
{
	struct ahead next = {0};
	stage_batch *b;
	int rc = stage_input_next(r->in, &b, err);

	while (rc > 0) {
		next = (struct ahead){0};
		if (process(r, b, &next, err) < 0) {
			if (next.read && next.rc > 0)
				stage_batch_free(next.batch);
			return -1;
		}
		if (!next.read) {
			rc = stage_input_next(r->in, &b, err);
			continue;
		}
		rc = next.rc;
		b = next.batch;
		if (rc < 0)
			*err = next.err;
	}
	return rc;
}

static int run(struct run *r, stage_error *err)
{
	const stage_schema *schema;

	if (stage_input_open(&r->in, 0, &r->cli->in, err) < 0)
		return -1;
	stage_cli_note_io(r->cli);
	/* No input at all has no columns to check the expressions against:
	 * nothing in, an empty stream out, as from every stage. */
	if (!stage_input_is_arrow(r->in) && stage_input_schema(r->in)->ncols == 0) {
		r->empty = stage_schema_new();
		if (!r->empty)
			return stage_error_oom(err, "schema");
		return stage_output_open(&r->out, 1, r->cli->out, r->empty, err);
	}
	if (compile(r, err) < 0 || start_workers(r, err) < 0)
		return -1;
	schema = ev_plan_schema(r->plan);
	if (stage_output_open(&r->out, 1, r->cli->out, schema, err) < 0 ||
	    stage_output_set_workers(r->out, r->cli->workers, !r->cli->unordered, err) < 0)
		return -1;
	stage_output_set_input(r->out, r->in);
	return run_batches(r, err);
}

static void print_stats(const struct run *r, double secs)
{
	fprintf(stderr,
	        "%s: %lld rows in, %lld rows out, %lld batches, %llu bytes in, %llu bytes out, "
	        "%.3f s, %.1f M rows/s, %d workers, math %s\n",
	        r->cli->prog, (long long)r->rows_in, (long long)r->rows_out,
	        (long long)r->batches, (unsigned long long)stage_input_bytes(r->in),
	        (unsigned long long)(r->out ? stage_output_bytes(r->out) : 0), secs,
	        secs > 0 ? (double)r->rows_in / secs / 1e6 : 0.0, r->workers ? r->workers : 1,
	        ev_math_isa());
}

int main(int argc, char **argv)
{
	stage_cli cli;
	ev_front_opts o = {0};
	stage_error err = {0};
	struct run r = {.cli = &cli, .o = &o};
	uint64_t start = stage_now_ns();
	int failed = 1;
	const char *warning;

	stage_cli_init(&cli, "eval-expr", usage);
	if (parse_args(argc, argv, &cli, &o, &err) < 0)
		goto done;
	if (stage_output_end(r.out, cli.prog, run(&r, &err), &err) < 0)
		goto done;
	failed = 0;
done:
	warning = r.in ? stage_input_warning(r.in) : NULL;
	if (warning)
		stage_cli_warn(&cli, "%s", warning);
	if (cli.stats && r.in)
		print_stats(&r, (double)(stage_now_ns() - start) / 1e9);
	stage_output_free(r.out);
	stop_workers(&r);
	ev_plan_free(r.plan);
	stage_input_free(r.in);
	stage_schema_free(r.empty);
	return stage_cli_exit(&cli, failed ? &err : NULL);
}
