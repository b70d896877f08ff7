/* rec-cat: convert between text and Arrow record streams, select columns,
 * take the first rows, print the schema. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage.h"

static const char usage[] =
	"Usage: rec-cat [OPTIONS] < INPUT > OUTPUT\n"
	"Convert between text (lines, whitespace fields, TSV, CSV, JSON Lines) and the\n"
	"Arrow IPC record stream, select columns, take the first rows, show the schema.\n"
	"\n"
	"  -c, --columns LIST     keep these columns, in this order (names or 1-based\n"
	"                         numbers, comma-separated)\n"
	"      --head N           stop after N rows\n"
	"      --schema           print the columns and their types instead of the rows\n"
	"\n";

struct options {
	const char *columns;
	int64_t head;
	bool schema;
};

static int parse_args(int argc, char **argv, stage_cli *cli, struct options *o,
                      stage_error *err)
{
	static const struct option longopts[] = {
		{"columns", required_argument, NULL, 'c'},
		{"head", required_argument, NULL, 'H'},
		{"schema", no_argument, NULL, 'S'},
		STAGE_CLI_LONG_OPTIONS,
	};
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:" STAGE_CLI_SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o->columns = optarg;
			continue;
		case 'H':
			if (stage_parse_count(optarg, "--head", &o->head, err) < 0)
				return -1;
			continue;
		case 'S':
			o->schema = true;
			continue;
		}
		rc = stage_cli_option(cli, opt, optarg, err);
		if (rc < 0)
			return -1;
	}
	if (optind < argc)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "unexpected argument '%s' (input comes from stdin)",
		                       argv[optind]);
	return 0;
}

/* Resolves -c LIST against the input schema into column indexes. */
static int select_columns(const stage_schema *s, const char *list, int **cols, size_t *n,
                          stage_error *err)
{
	char *copy = strdup(list), *save = NULL, *name;
	int *out = calloc(strlen(list) / 2 + 1, sizeof(int));
	int rc = 0;

	*n = 0;
	if (!copy || !out) {
		rc = stage_error_oom(err, "column list");
		goto done;
	}
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		int idx = stage_schema_find(s, name, err);

		if (idx < 0) {
			rc = stage_error_prefix(err, "-c");
			goto done;
		}
		out[(*n)++] = idx;
	}
	if (*n == 0)
		rc = stage_error_set(err, STAGE_EXIT_USAGE, "-c: no columns named");
done:
	free(copy);
	if (rc < 0)
		free(out);
	else
		*cols = out;
	return rc;
}

static int print_schema(const stage_cli *cli, const stage_schema *s, stage_error *err)
{
	stage_schema *desc = stage_schema_new();
	stage_builder b = {0};
	stage_batch *batch = NULL;
	stage_output *out = NULL;
	int rc = -1;

	if (!desc)
		return stage_error_oom(err, "schema");
	if (stage_schema_add(desc, "column", STAGE_UTF8, err) < 0 ||
	    stage_schema_add(desc, "type", STAGE_UTF8, err) < 0 ||
	    stage_schema_add(desc, "nullable", STAGE_BOOL, err) < 0 ||
	    stage_builder_init(&b, desc, err) < 0)
		goto done;
	for (size_t i = 0; i < s->ncols; i++) {
		const char *type = stage_type_name(s->fields[i].type);

		stage_col_append_bytes(&b.cols[0], s->fields[i].name, strlen(s->fields[i].name));
		stage_col_append_bytes(&b.cols[1], type, strlen(type));
		stage_col_append_bool(&b.cols[2], s->fields[i].nullable);
	}
	if (stage_builder_finish(&b, &batch, err) < 0 ||
	    stage_output_open(&out, 1, cli->out, desc, err) < 0 ||
	    stage_output_write(out, batch, err) < 0 || stage_output_finish(out, err) < 0)
		goto done;
	rc = 0;
done:
	stage_output_free(out);
	stage_batch_free(batch);
	stage_builder_release(&b);
	stage_schema_free(desc);
	return rc;
}

static stage_schema *project_schema(const stage_schema *s, const int *cols, size_t n,
                                    stage_error *err)
{
	stage_schema *p = stage_schema_new();

	if (!p) {
		stage_error_oom(err, "schema");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (stage_schema_add(p, s->fields[cols[i]].name, s->fields[cols[i]].type, err) < 0) {
			stage_schema_free(p);
			return NULL;
		}
		p->fields[i].nullable = s->fields[cols[i]].nullable;
	}
	if (stage_metadata_copy(&p->metadata, &s->metadata, err) < 0) {
		stage_schema_free(p);
		return NULL;
	}
	return p;
}

/* Copies batches from in to out, keeping the chosen columns and at most
 * `head` rows (0: all). */
static int copy_rows(stage_input *in, stage_output *out, const int *cols, size_t ncols,
                     int64_t head, int64_t *rows, stage_error *err)
{
	stage_batch *b, *view;
	int rc;

	while ((rc = stage_input_next(in, &b, err)) > 0) {
		view = cols ? stage_batch_project(b, cols, ncols, err) : b;
		if (!view) {
			stage_batch_free(b);
			return -1;
		}
		if (head && *rows + view->nrows > head)
			stage_batch_truncate(view, head - *rows);
		*rows += view->nrows;
		rc = stage_output_write(out, view, err);
		if (view != b)
			stage_batch_free(view);
		stage_batch_free(b);
		if (rc < 0)
			return -1;
		if (head && *rows >= head)
			return 0;
	}
	return rc;
}

int main(int argc, char **argv)
{
	stage_cli cli;
	struct options o = {0};
	stage_error err = {0};
	stage_input *in = NULL;
	stage_output *out = NULL;
	stage_schema *schema = NULL;
	int *cols = NULL;
	size_t ncols = 0;
	int64_t rows = 0;
	uint64_t start = stage_now_ns();
	int failed = 1;
	const char *warning;

	stage_cli_init(&cli, "rec-cat", usage);
	if (parse_args(argc, argv, &cli, &o, &err) < 0 ||
	    stage_input_open(&in, 0, &cli.in, &err) < 0)
		goto done;
	stage_cli_note_io(&cli);
	if (o.schema) {
		failed = print_schema(&cli, stage_input_schema(in), &err) < 0;
		goto done;
	}
	if (o.columns &&
	    select_columns(stage_input_schema(in), o.columns, &cols, &ncols, &err) < 0)
		goto done;
	schema = cols ? project_schema(stage_input_schema(in), cols, ncols, &err)
	              : stage_schema_copy(stage_input_schema(in), &err);
	if (!schema || stage_output_open(&out, 1, cli.out, schema, &err) < 0 ||
	    stage_output_set_workers(out, cli.workers, !cli.unordered, &err) < 0)
		goto done;
	stage_output_set_input(out, in);
	if (stage_output_end(out, cli.prog, copy_rows(in, out, cols, ncols, o.head, &rows, &err),
	                     &err) < 0)
		goto done;
	failed = 0;
done:
	warning = in ? stage_input_warning(in) : NULL;
	if (warning)
		stage_cli_warn(&cli, "%s", warning);
	if (cli.stats && in && out) {
		double secs = (double)(stage_now_ns() - start) / 1e9;

		fprintf(stderr, "%s: %lld rows, %llu bytes in, %llu bytes out, %.3f s, %.1f MB/s\n",
		        cli.prog, (long long)rows, (unsigned long long)stage_input_bytes(in),
		        (unsigned long long)stage_output_bytes(out), secs,
		        secs > 0 ? (double)stage_input_bytes(in) / secs / 1e6 : 0.0);
	}
	stage_output_free(out);
	stage_input_free(in);
	stage_schema_free(schema);
	free(cols);
	return stage_cli_exit(&cli, failed ? &err : NULL);
}
