/* libstage: what every pipestage executable is built from.
 *
 * A stage's main.c reads like this:
 *
 *   stage_cli cli;  stage_cli_init(&cli, "rec-cat", usage);  ...parse options...
 *   stage_input_open(&in, 0, &cli.in, &err);          Arrow or text, sniffed
 *   stage_output_open(&out, 1, cli.out, schema, &err);
 *   while ((rc = stage_input_next(in, &batch, &err)) > 0) { ...; stage_output_write(out, batch, &err); }
 *   stage_output_finish(out, &err);
 *   return stage_cli_finish(&cli, &err);               message, exit status
 *
 * Ownership: objects returned through `out` parameters belong to the caller
 * and are released with the matching _free(). Borrowed pointers (schemas
 * returned by readers) stay valid until their owner is freed. */
#ifndef STAGE_H
#define STAGE_H

#include <getopt.h>

#include "stage_error.h"
#include "stage_io.h"
#include "stage_ipc.h"
#include "stage_loop.h"
#include "stage_record.h"
#include "stage_text.h"

#define STAGE_DEFAULT_BATCH_ROWS 65536

typedef struct stage_input_opts {
	stage_in_format format; /* AUTO sniffs Arrow, then a text format */
	/* AUTO on text that is not Arrow: this format instead of sniffing
	 * (fetch-with-cache reads one URL per line; a comma in a URL is not
	 * CSV). AUTO here: sniff. */
	stage_in_format text_format;
	int header;             /* enum stage_header */
	const char *types;
	bool strict;
	bool allow_truncated;
	int64_t batch_rows;
	/* Text input: float64 columns carry each value's rounding residual
	 * (stage_array.residual), for stages that accumulate. */
	bool residuals;
} stage_input_opts;

typedef struct stage_input stage_input;

/* Empty input in AUTO mode reads as text with no columns and no rows. */
int stage_input_open(stage_input **out, int fd, const stage_input_opts *o, stage_error *err);
const stage_schema *stage_input_schema(const stage_input *in);
/* Text input: convert only these columns from now on, the others read as
 * null. Arrow input is unchanged (its columns cost nothing to skip). */
int stage_input_only(stage_input *in, const int *cols, size_t n, stage_error *err);
/* Returns 1 with a batch (caller frees it), 0 at end, -1 on error. */
int stage_input_next(stage_input *in, stage_batch **out, stage_error *err);
/* The same, but waits for input only until deadline_ns, a CLOCK_MONOTONIC
 * time in nanoseconds (0: no deadline), and then returns
 * STAGE_INPUT_TIMED_OUT with no batch: for stages that must act on a clock
 * while their input is quiet (cms-count --every-seconds). Text rows read
 * before the deadline come out as a batch; a partial line waits in the
 * buffer. An Arrow message is read whole once its first bytes are in, so
 * the deadline bounds the wait between messages. */
int stage_input_next_until(stage_input *in, uint64_t deadline_ns, stage_batch **out,
                           stage_error *err);
/* True when everything read so far is consumed and the writer upstream has
 * gone quiet: a stage should let its results out now. */
bool stage_input_idle(const stage_input *in);
/* True when the input is an Arrow stream. */
bool stage_input_is_arrow(const stage_input *in);
/* A warning to print at the end (values that became null), or NULL. */
const char *stage_input_warning(const stage_input *in);
uint64_t stage_input_bytes(const stage_input *in);
void stage_input_free(stage_input *in);

/* Aggregating stages: runs fn on every batch of in, on `workers` threads
 * (stage_workers(), so they can keep per-worker states), with the
 * worker's number and the number of rows before the batch; batches are
 * freed after. Returns 0 at the end of input, or -1 with the first error
 * (its own or a job's); *rows counts the rows read. */
typedef int (*stage_batch_fn)(void *ctx, int worker, const stage_batch *b, int64_t row_base,
                              stage_error *err);
int stage_input_aggregate(stage_input *in, int workers, stage_batch_fn fn, void *ctx,
                          int64_t *rows, stage_error *err);

typedef struct stage_output stage_output;

/* AUTO resolves to a table when fd is a terminal and to Arrow otherwise. */
int stage_output_open(stage_output **out, int fd, stage_out_format format,
                      const stage_schema *s, stage_error *err);
/* Text formats other than table then format on `workers` threads (<= 0:
 * one per online CPU): in input order, or as batches finish when not
 * ordered (--unordered). */
int stage_output_set_workers(stage_output *o, int workers, bool ordered, stage_error *err);
/* Formatted rows held by the workers go out as soon as `in` goes idle, so
 * rows trickling in are not held back (the input must outlive the output). */
void stage_output_set_input(stage_output *o, const stage_input *in);
int stage_output_write(stage_output *o, const stage_batch *b, stage_error *err);
int stage_output_finish(stage_output *o, stage_error *err);
/* Tells downstream that this stage failed (Arrow: an error batch; text: the
 * output simply stops). */
int stage_output_fail(stage_output *o, const char *stage, const char *message,
                      stage_error *err);
/* The end of a stage's main: after its work returned `rc`, finishes the
 * output when rc >= 0, or tells downstream of the failure in err (o may be
 * NULL when the failure came before the output opened; a closed downstream
 * is told nothing). Returns 0, or -1 with err. */
int stage_output_end(stage_output *o, const char *stage, int rc, stage_error *err);
uint64_t stage_output_bytes(const stage_output *o);
void stage_output_free(stage_output *o);

/* Sizes with K/M/G suffixes (powers of 1024) and durations with units
 * (ns, us, ms, s, m, h): the same parsers in every stage. */
int stage_parse_size(const char *s, uint64_t *bytes, stage_error *err);
int stage_parse_duration(const char *s, uint64_t *ns, stage_error *err);
/* A positive count ("65536", "1e6"). */
int stage_parse_count(const char *s, const char *what, int64_t *out, stage_error *err);

/* Options every stage accepts, and the end of every main(). */
typedef struct stage_cli {
	const char *prog;
	const char *usage; /* the stage's own part of --help */
	stage_input_opts in;
	stage_out_format out;
	int workers; /* -j: 0 means one per online CPU */
	bool unordered;
	int verbose;
	bool quiet;
	bool stats;
} stage_cli;

enum stage_cli_option {
	STAGE_OPT_IN = 0x1000,
	STAGE_OPT_OUT,
	STAGE_OPT_HEADER,
	STAGE_OPT_NO_HEADER,
	STAGE_OPT_TYPES,
	STAGE_OPT_STRICT,
	STAGE_OPT_ALLOW_TRUNCATED,
	STAGE_OPT_BATCH_ROWS,
	STAGE_OPT_QUIET,
	STAGE_OPT_STATS,
	STAGE_OPT_HELP,
	STAGE_OPT_VERSION,
	STAGE_OPT_UNORDERED,
	STAGE_OPT_JOBS = 'j',
};

/* getopt_long entries for the common options; end a stage's table with them,
 * and put STAGE_CLI_SHORT_OPTIONS in its short option string. */
#define STAGE_CLI_SHORT_OPTIONS "vj:"
#define STAGE_CLI_LONG_OPTIONS \
	{"in", required_argument, NULL, STAGE_OPT_IN}, \
	{"out", required_argument, NULL, STAGE_OPT_OUT}, \
	{"header", no_argument, NULL, STAGE_OPT_HEADER}, \
	{"no-header", no_argument, NULL, STAGE_OPT_NO_HEADER}, \
	{"types", required_argument, NULL, STAGE_OPT_TYPES}, \
	{"strict", no_argument, NULL, STAGE_OPT_STRICT}, \
	{"allow-truncated", no_argument, NULL, STAGE_OPT_ALLOW_TRUNCATED}, \
	{"batch-rows", required_argument, NULL, STAGE_OPT_BATCH_ROWS}, \
	{"quiet", no_argument, NULL, STAGE_OPT_QUIET}, \
	{"stats", no_argument, NULL, STAGE_OPT_STATS}, \
	{"verbose", no_argument, NULL, 'v'}, \
	{"jobs", required_argument, NULL, 'j'}, \
	{"unordered", no_argument, NULL, STAGE_OPT_UNORDERED}, \
	{"help", no_argument, NULL, STAGE_OPT_HELP}, \
	{"version", no_argument, NULL, STAGE_OPT_VERSION}, \
	{NULL, 0, NULL, 0}

/* The --help text for the common options, for a stage's usage message. */
extern const char stage_cli_common_help[];

/* Sets defaults and ignores SIGPIPE (a closed downstream is an EPIPE error
 * that ends the stage quietly). */
void stage_cli_init(stage_cli *cli, const char *prog, const char *usage);
/* Handles one common option. Returns 1 when handled, 0 when opt is not a
 * common option, -1 on a bad argument or an unknown option ('?' from
 * getopt: USAGE). --help prints the usage and the common options' help and
 * --version the version, each then exiting with status 0. */
int stage_cli_option(stage_cli *cli, int opt, const char *arg, stage_error *err);
/* Prints "prog: message" for a failed err and returns the exit status: 0
 * when err is NULL or downstream closed. */
int stage_cli_exit(const stage_cli *cli, const stage_error *err);
/* With -v, says which I/O backend runs and why io_uring does not, if so. */
void stage_cli_note_io(const stage_cli *cli);
/* Prints a warning line "prog: warning: ..." unless --quiet. */
void stage_cli_warn(const stage_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
