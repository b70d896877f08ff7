/* moments: count, mean, variance, skewness, kurtosis, min, max and sum of
 * numeric columns in one pass, per key, as results or mergeable states. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "partial.h"
#include "stage.h"
#include "stage_pool.h"
#include "window.h"

static const char usage[] =
	"Usage: moments [OPTIONS] < INPUT > OUTPUT\n"
	"Count, mean, variance, skewness, kurtosis, min, max and sum of numeric columns,\n"
	"in one pass and in memory that grows with the number of groups, not rows.\n"
	"\n"
	"  -c, --columns LIST     describe these columns (names or 1-based numbers,\n"
	"                         comma-separated; default: every int64, float64 and\n"
	"                         float32 column other than the key and the weight)\n"
	"  -k, --key COL          one result per distinct value of COL (any type)\n"
	"  -w, --weight COL       frequency weights: a row counts COL times (>= 0)\n"
	"      --population       population statistics: var M2/n, skew g1, kurt g2\n"
	"      --nan MODE         skip (default): count NaN and infinities and leave\n"
	"                         them out; propagate: let them into the results\n"
	"      --partial          write mergeable partial states instead of results\n"
	"      --merge            read partial states (several streams may be\n"
	"                         concatenated) and write the combined results\n"
	"      --every N          write the results so far after every N rows\n"
	"      --window N         after each row, the results over the last N rows of\n"
	"                         its group\n"
	"\n"
	"Output: one row per key and column:\n"
	"  [row] [KEY] column n nulls nan inf mean var sd skew kurt min max sum [weight]\n"
	"row (--every, --window) is the input row the results end at; n counts the\n"
	"values that took part, nulls, nan and inf those that did not.\n"
	"With M_k the sum of (x - mean)^k and n the count (or the sum of weights):\n"
	"  var  = M2 / (n-1), sd = sqrt(var)\n"
	"  skew = G1 = g1 sqrt(n(n-1)) / (n-2),             g1 = sqrt(n) M3 / M2^1.5\n"
	"  kurt = G2 = ((n+1) g2 + 6) (n-1) / ((n-2)(n-3)), g2 = n M4 / M2^2 - 3\n"
	"the sample statistics of datamash (sstdev, sskew, skurt), scipy.stats\n"
	"(bias=False) and DuckDB (stddev_samp, skewness, kurtosis). A statistic is\n"
	"null when n is too small for it (sample var 2, skew 3, kurt 4; population\n"
	"1) or, for skew and kurt, when every value is the same.\n"
	"\n";

struct options {
	const char *columns;
	const char *key;
	const char *weight;
	bool population;
	bool propagate;
	bool partial;
	bool merge;
	int64_t every;
	int64_t window;
};

enum {
	OPT_POPULATION = 0x2000,
	OPT_NAN,
	OPT_PARTIAL,
	OPT_MERGE,
	OPT_EVERY,
	OPT_WINDOW,
};

static int check_options(const struct options *o, stage_error *err)
{
	if (o->every && o->window)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--every and --window exclude each other");
	if (o->partial && (o->every || o->window))
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--partial writes one state per group: not with --every or "
		                       "--window");
	if (o->merge && (o->columns || o->key || o->weight || o->every || o->window))
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--merge takes the columns, key and weights from the partial "
		                       "states: not with -c, -k, -w, --every or --window");
	return 0;
}

static int parse_args(int argc, char **argv, stage_cli *cli, struct options *o,
                      stage_error *err)
{
	static const struct option longopts[] = {
		{"columns", required_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'},
		{"weight", required_argument, NULL, 'w'},
		{"population", no_argument, NULL, OPT_POPULATION},
		{"nan", required_argument, NULL, OPT_NAN},
		{"partial", no_argument, NULL, OPT_PARTIAL},
		{"merge", no_argument, NULL, OPT_MERGE},
		{"every", required_argument, NULL, OPT_EVERY},
		{"window", required_argument, NULL, OPT_WINDOW},
		STAGE_CLI_LONG_OPTIONS,
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:k:w:" STAGE_CLI_SHORT_OPTIONS, longopts,
	                          NULL)) != -1) {
		switch (opt) {
		case 'c':
			o->columns = optarg;
			continue;
		case 'k':
			o->key = optarg;
			continue;
		case 'w':
			o->weight = optarg;
			continue;
		case OPT_POPULATION:
			o->population = true;
			continue;
		case OPT_NAN:
			if (strcmp(optarg, "skip") != 0 && strcmp(optarg, "propagate") != 0)
				return stage_error_set(err, STAGE_EXIT_USAGE,
				                       "--nan: '%s' is neither skip nor propagate", optarg);
			o->propagate = strcmp(optarg, "propagate") == 0;
			continue;
		case OPT_PARTIAL:
			o->partial = true;
			continue;
		case OPT_MERGE:
			o->merge = true;
			continue;
		case OPT_EVERY:
			if (stage_parse_count(optarg, "--every", &o->every, err) < 0)
				return -1;
			continue;
		case OPT_WINDOW:
			if (stage_parse_count(optarg, "--window", &o->window, err) < 0)
				return -1;
			continue;
		}
		if (stage_cli_option(cli, opt, optarg, err) < 0)
			return -1;
	}
	if (optind < argc)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "unexpected argument '%s' (input comes from stdin)",
		                       argv[optind]);
	return check_options(o, err);
}

/* Everything one run shares. */
struct run {
	stage_cli *cli;
	const struct options *o;
	stage_input *in;
	stage_output *out;
	stage_schema *schema;   /* of the output */
	moments_report report;
	moments_plan plan;
	int *cols;
	char **names;           /* of the described columns, borrowed */
	int64_t rows;
};

static int numeric_column(const stage_schema *s, int idx, stage_error *err)
{
	if (!moments_type_is_numeric(s->fields[idx].type))
		return stage_error_set(err, STAGE_EXIT_USAGE, "column '%s' is %s, not a number",
		                       s->fields[idx].name, stage_type_name(s->fields[idx].type));
	return 0;
}

/* The columns to describe: -c, or every numeric column but key and weight. */
static int choose_columns(struct run *r, const stage_schema *s, stage_error *err)
{
	char *copy = NULL, *save = NULL, *name;
	size_t n = 0;
	int rc = -1;

	r->cols = calloc(s->ncols + (r->o->columns ? strlen(r->o->columns) : 0) + 1,
	                 sizeof *r->cols);
	r->names = calloc(s->ncols + (r->o->columns ? strlen(r->o->columns) : 0) + 1,
	                  sizeof *r->names);
	if (!r->cols || !r->names || (r->o->columns && !(copy = strdup(r->o->columns))))
		return stage_error_oom(err, "column list");
	if (copy) {
		for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
			int idx = stage_schema_find(s, name, err);

			if (idx < 0 || numeric_column(s, idx, err) < 0) {
				stage_error_prefix(err, "-c");
				goto done;
			}
			r->cols[n++] = idx;
		}
		if (n == 0) {
			stage_error_set(err, STAGE_EXIT_USAGE, "-c: no columns named");
			goto done;
		}
	} else {
		for (size_t i = 0; i < s->ncols; i++)
			if ((int)i != r->plan.key && (int)i != r->plan.weight &&
			    moments_type_is_numeric(s->fields[i].type))
				r->cols[n++] = (int)i;
		if (n == 0 && s->ncols > 0) {
			stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                "no numeric columns in the input (name one with -c)");
			goto done;
		}
	}
	for (size_t i = 0; i < n; i++)
		r->names[i] = s->fields[r->cols[i]].name;
	r->plan.cols = r->cols;
	r->plan.ncols = n;
	/* The other columns of text input need not be converted: cols has
	 * room for the key and weight after the described columns. */
	if (r->plan.key >= 0)
		r->cols[n + (r->plan.weight >= 0)] = r->plan.key;
	if (r->plan.weight >= 0)
		r->cols[n] = r->plan.weight;
	rc = stage_input_only(r->in, r->cols, n + (r->plan.key >= 0) + (r->plan.weight >= 0), err);
done:
	free(copy);
	return rc;
}

static int make_plan(struct run *r, stage_error *err)
{
	const stage_schema *s = stage_input_schema(r->in);

	r->plan.key = r->plan.weight = -1;
	if (r->o->key) {
		r->plan.key = stage_schema_find(s, r->o->key, err);
		if (r->plan.key < 0)
			return stage_error_prefix(err, "-k");
		r->report.key_name = s->fields[r->plan.key].name;
		r->report.key_type = s->fields[r->plan.key].type;
	}
	if (r->o->weight) {
		r->plan.weight = stage_schema_find(s, r->o->weight, err);
		if (r->plan.weight < 0)
			return stage_error_prefix(err, "-w");
		if (numeric_column(s, r->plan.weight, err) < 0)
			return stage_error_prefix(err, "-w");
		r->plan.weight_name = s->fields[r->plan.weight].name;
		r->report.weighted = true;
	}
	return choose_columns(r, s, err);
}

static int open_output(struct run *r, stage_error *err)
{
	r->schema = moments_report_schema(&r->report, err);
	if (!r->schema || stage_output_open(&r->out, 1, r->cli->out, r->schema, err) < 0)
		return -1;
	stage_output_set_input(r->out, r->in);
	return 0;
}

static moments_table *new_table(const struct run *r, stage_error *err)
{
	moments_table *t = moments_table_new(r->report.key_name ? r->report.key_type : 0, err);

	if (t && moments_table_set_names(t, r->names, r->plan.ncols, err) < 0) {
		moments_table_free(t);
		return NULL;
	}
	return t;
}

static int write_table(struct run *r, const moments_table *t, stage_error *err)
{
	return moments_report_write(&r->report, t, r->rows, r->schema, r->out,
	                            r->cli->in.batch_rows, err);
}

struct workers {
	moments_table **tables;
	const moments_plan *plan;
};

static int feed_batch(void *ctx, int worker, const stage_batch *b, int64_t row_base,
                      stage_error *err)
{
	struct workers *w = ctx;

	return moments_table_feed(w->tables[worker], w->plan, b, 0, b->nrows, row_base, err);
}

/* Every batch goes to a worker with its own table; the tables merge at the
 * end, groups in order of first appearance whatever worker saw them. */
static int run_pooled(struct run *r, moments_table **tables, int nworkers, stage_error *err)
{
	struct workers w = {.tables = tables, .plan = &r->plan};
	int rc;

	for (int i = 1; i < nworkers; i++)
		if (!(tables[i] = new_table(r, err)))
			return -1;
	rc = stage_input_aggregate(r->in, nworkers, feed_batch, &w, &r->rows, err);
	for (int i = 1; rc >= 0 && i < nworkers; i++)
		rc = moments_table_merge(tables[0], tables[i], err);
	return rc;
}

static int run_whole(struct run *r, stage_error *err)
{
	int nworkers = stage_workers(r->cli->workers);
	moments_table **tables = calloc((size_t)nworkers, sizeof *tables);
	stage_batch *b;
	int rc = -1;

	if (!tables)
		return stage_error_oom(err, "tables");
	if (!(tables[0] = new_table(r, err)) || open_output(r, err) < 0)
		goto done;
	/* Without a key there is one group, reported even for no rows. */
	if (!r->report.key_name && r->plan.ncols &&
	    !moments_table_row_cells(tables[0], NULL, 0, 0)) {
		stage_error_oom(err, "moments table");
		goto done;
	}
	if (nworkers > 1) {
		rc = run_pooled(r, tables, nworkers, err);
	} else {
		while ((rc = stage_input_next(r->in, &b, err)) > 0) {
			rc = moments_table_feed(tables[0], &r->plan, b, 0, b->nrows, r->rows, err);
			r->rows += b->nrows;
			stage_batch_free(b);
			if (rc < 0)
				break;
		}
	}
	if (rc >= 0)
		rc = write_table(r, tables[0], err);
done:
	for (int i = 0; i < nworkers; i++)
		moments_table_free(tables[i]);
	free(tables);
	return rc;
}

/* --every N: one table, a snapshot of it after every N rows and at the end. */
static int run_every(struct run *r, stage_error *err)
{
	moments_table *t = new_table(r, err);
	stage_batch *b;
	int rc = -1;

	if (!t || open_output(r, err) < 0)
		goto done;
	if (!r->report.key_name && r->plan.ncols && !moments_table_row_cells(t, NULL, 0, 0)) {
		stage_error_oom(err, "moments table");
		goto done;
	}
	while ((rc = stage_input_next(r->in, &b, err)) > 0) {
		int64_t base = r->rows;

		for (int64_t from = 0; rc >= 0 && from < b->nrows;) {
			int64_t to = from + (r->o->every - r->rows % r->o->every);

			if (to > b->nrows)
				to = b->nrows;
			rc = moments_table_feed(t, &r->plan, b, from, to, base, err);
			r->rows += to - from;
			from = to;
			if (rc >= 0 && r->rows % r->o->every == 0)
				rc = write_table(r, t, err);
		}
		stage_batch_free(b);
		if (rc < 0)
			goto done;
	}
	if (rc == 0 && (r->rows == 0 || r->rows % r->o->every != 0))
		rc = write_table(r, t, err);
done:
	moments_table_free(t);
	return rc;
}

static int run_window(struct run *r, stage_error *err)
{
	moments_windows *ws = moments_windows_new(r->o->window,
	                                          r->report.key_name ? r->report.key_type : 0,
	                                          r->names, r->plan.ncols, err);
	stage_builder out = {0};
	stage_batch *b, *res = NULL;
	int rc = -1;

	if (!ws || open_output(r, err) < 0 || stage_builder_init(&out, r->schema, err) < 0)
		goto done;
	while ((rc = stage_input_next(r->in, &b, err)) > 0) {
		rc = moments_windows_feed(ws, &r->plan, &r->report, b, r->rows, &out, err);
		r->rows += b->nrows;
		stage_batch_free(b);
		if (rc < 0 || stage_builder_finish(&out, &res, err) < 0 ||
		    stage_output_write(r->out, res, err) < 0) {
			rc = -1;
			break;
		}
		stage_batch_free(res);
		res = NULL;
	}
done:
	stage_batch_free(res);
	stage_builder_release(&out);
	moments_windows_free(ws);
	return rc;
}

/* --merge: partial states in, results (or, with --partial, states) out. */
static int run_merge(struct run *r, stage_error *err)
{
	moments_table *t = NULL;
	stage_batch *b;
	int rc = -1;

	if (moments_partial_check_schema(stage_input_schema(r->in), &r->report, err) < 0 ||
	    !(t = moments_table_new(r->report.key_name ? r->report.key_type : 0, err)) ||
	    open_output(r, err) < 0)
		goto done;
	while ((rc = stage_input_next(r->in, &b, err)) > 0) {
		rc = moments_partial_read(t, &r->report, b, r->rows, err);
		r->rows += b->nrows;
		stage_batch_free(b);
		if (rc < 0)
			goto done;
	}
	if (rc == 0)
		rc = write_table(r, t, err);
done:
	moments_table_free(t);
	return rc;
}

static int run(struct run *r, stage_error *err)
{
	if (r->o->merge)
		return run_merge(r, err);
	if (make_plan(r, err) < 0)
		return -1;
	if (r->o->window)
		return run_window(r, err);
	if (r->o->every)
		return run_every(r, err);
	return run_whole(r, err);
}

int main(int argc, char **argv)
{
	stage_cli cli;
	struct options o = {0};
	stage_error err = {0};
	struct run r = {.cli = &cli, .o = &o};
	uint64_t start = stage_now_ns();
	int failed = 1;
	const char *warning;

	stage_cli_init(&cli, "moments", usage);
	/* Decimal text keeps the digits a double cannot hold: 1000000.1 is
	 * 1000000.099999999976716935634613037109375 as a double, and that
	 * error would otherwise be as large as the spread of such data. */
	cli.in.residuals = true;
	if (parse_args(argc, argv, &cli, &o, &err) < 0 ||
	    stage_input_open(&r.in, 0, &cli.in, &err) < 0)
		goto done;
	stage_cli_note_io(&cli);
	r.report.partial = o.partial;
	r.report.population = o.population;
	r.report.propagate = o.propagate;
	r.report.row_column = o.every || o.window;
	if (stage_output_end(r.out, cli.prog, run(&r, &err), &err) < 0)
		goto done;
	failed = 0;
done:
	warning = r.in ? stage_input_warning(r.in) : NULL;
	if (warning)
		stage_cli_warn(&cli, "%s", warning);
	if (cli.stats && r.in) {
		double secs = (double)(stage_now_ns() - start) / 1e9;

		fprintf(stderr, "%s: %lld rows, %llu bytes in, %.3f s, %.1f M rows/s\n", cli.prog,
		        (long long)r.rows, (unsigned long long)stage_input_bytes(r.in), secs,
		        secs > 0 ? (double)r.rows / secs / 1e6 : 0.0);
	}
	stage_output_free(r.out);
	stage_input_free(r.in);
	stage_schema_free(r.schema);
	free(r.cols);
	free(r.names);
	return stage_cli_exit(&cli, failed ? &err : NULL);
}
