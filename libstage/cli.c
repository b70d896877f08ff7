/* The options every stage shares and the end of every main(): turning a
 * stage_error into a message on stderr and an exit status. */
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "stage_internal.h"
#include "stage_loop.h"

const char stage_cli_common_help[] =
	"Input and output:\n"
	"      --in FORMAT        auto (default), arrow, lines, ws, tsv, csv, jsonl\n"
	"      --out FORMAT       arrow (default when stdout is not a terminal), table\n"
	"                         (default on a terminal), tsv, csv, jsonl\n"
	"      --header           text input has a header line\n"
	"      --no-header        it has none (columns are named f1, f2, ...)\n"
	"      --types NAME:TYPE,...  column types instead of inferring them; types:\n"
	"                         int64 float64 float32 bool utf8 binary timestamp\n"
	"      --strict           a text value that does not fit its column is an error\n"
	"                         (default: it becomes null, counted in one warning)\n"
	"      --allow-truncated  accept an Arrow stream without end-of-stream marker\n"
	"      --batch-rows N     rows per record batch (default 65536)\n"
	"  -j, --jobs N           worker threads (default: one per online CPU)\n"
	"      --unordered        let batches out as workers finish them, not in\n"
	"                         input order\n"
	"  -v, --verbose          say more on stderr (-v: which I/O backend runs)\n"
	"      --quiet            no warnings or progress\n"
	"      --stats            rows, bytes and throughput on stderr at the end\n"
	"      --help             this help\n"
	"      --version          version\n"
	"\n"
	"Environment: PIPESTAGE_IO=auto|uring|epoll picks the I/O backend (auto:\n"
	"io_uring where the kernel allows it, else epoll).\n"
	"\n"
	"Exit status: 0 success (also when downstream closed early), 1 runtime\n"
	"failure, 2 usage error, 3 bad or truncated input.\n";

void stage_cli_init(stage_cli *cli, const char *prog, const char *usage)
{
	memset(cli, 0, sizeof(*cli));
	cli->prog = prog;
	cli->usage = usage;
	cli->in.batch_rows = STAGE_DEFAULT_BATCH_ROWS;
	signal(SIGPIPE, SIG_IGN);
	/* Batches allocate and free buffers of megabytes all the time; glibc
	 * would map and unmap each one, and every page fault zeroes memory
	 * again. Keeping them in the heap reuses the same pages. */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

int stage_cli_option(stage_cli *cli, int opt, const char *arg, stage_error *err)
{
	switch (opt) {
	case STAGE_OPT_IN:
		if (stage_in_format_parse(arg, &cli->in.format) < 0)
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "--in: unknown format '%s' (auto, arrow, lines, ws, "
			                       "tsv, csv, jsonl)", arg);
		return 1;
	case STAGE_OPT_OUT:
		if (stage_out_format_parse(arg, &cli->out) < 0)
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "--out: unknown format '%s' (arrow, table, tsv, csv, "
			                       "jsonl)", arg);
		return 1;
	case STAGE_OPT_HEADER:
		cli->in.header = STAGE_HEADER_YES;
		return 1;
	case STAGE_OPT_NO_HEADER:
		cli->in.header = STAGE_HEADER_NO;
		return 1;
	case STAGE_OPT_TYPES:
		cli->in.types = arg;
		return 1;
	case STAGE_OPT_STRICT:
		cli->in.strict = true;
		return 1;
	case STAGE_OPT_ALLOW_TRUNCATED:
		cli->in.allow_truncated = true;
		return 1;
	case STAGE_OPT_BATCH_ROWS:
		if (stage_parse_count(arg, "--batch-rows", &cli->in.batch_rows, err) < 0)
			return -1;
		return 1;
	case STAGE_OPT_QUIET:
		cli->quiet = true;
		return 1;
	case STAGE_OPT_UNORDERED:
		cli->unordered = true;
		return 1;
	case STAGE_OPT_STATS:
		cli->stats = true;
		return 1;
	case 'v':
		cli->verbose++;
		return 1;
	case STAGE_OPT_JOBS: {
		int64_t n;

		if (stage_parse_count(arg, "-j", &n, err) < 0)
			return -1;
		if (n > 1024)
			return stage_error_set(err, STAGE_EXIT_USAGE, "-j %s: at most 1024", arg);
		cli->workers = (int)n;
		return 1;
	}
	case STAGE_OPT_HELP:
		fputs(cli->usage, stdout);
		fputs(stage_cli_common_help, stdout);
		exit(0);
	case STAGE_OPT_VERSION:
		printf("%s (pipestage) %s\n", cli->prog, stage_version());
		exit(0);
	case '?':
		return stage_error_set(err, STAGE_EXIT_USAGE, "try '%s --help'", cli->prog);
	default:
		return 0;
	}
}

int stage_cli_exit(const stage_cli *cli, const stage_error *err)
{
	if (!err || err->downstream_closed)
		return STAGE_EXIT_OK;
	fprintf(stderr, "%s: %s\n", cli->prog, err->msg);
	return err->status ? err->status : STAGE_EXIT_FAILURE;
}

void stage_cli_warn(const stage_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet)
		return;
	fprintf(stderr, "%s: warning: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void stage_cli_note_io(const stage_cli *cli)
{
	stage_error ignored;
	stage_loop *l;

	if (!cli->verbose || !(l = stage_io_loop(&ignored)))
		return;
	if (stage_loop_note(l))
		fprintf(stderr, "%s: %s\n", cli->prog, stage_loop_note(l));
	else
		fprintf(stderr, "%s: I/O through %s\n", cli->prog, stage_loop_backend(l));
}
