/* fetch-with-cache: fetches the URL of every row, many at once on one
 * thread, through a persistent private HTTP cache (RFC 9111) bounded in
 * size, and writes one result row per input row. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "rows.h"
#include "stage.h"
#include "store.h"

static const char usage[] =
	"Usage: fetch-with-cache [OPTIONS] < URLS > RESULTS\n"
	"Fetches the URL in every row (Arrow records, or text with one URL per line)\n"
	"through a persistent HTTP cache, and writes one result row per input row.\n"
	"\n"
	"Input and requests:\n"
	"  -c, --column COL          the URL column (default: 'url', else the first)\n"
	"  -X, --method GET|HEAD     (default GET)\n"
	"      --header 'Name: value'  a request header (repeatable)\n"
	"  -H, --header-column COL   per-row request headers, 'Name: value' lines\n"
	"      --user-agent TEXT\n"
	"      --no-follow           record redirects instead of following them\n"
	"Cache:\n"
	"      --cache-dir DIR       (default $XDG_CACHE_HOME/pipestage/http)\n"
	"      --no-store            no cache: fetch everything, store nothing\n"
	"      --revalidate          revalidate every stored response with the origin\n"
	"      --offline             never use the network: what is not stored is an\n"
	"                            offline-miss row with status 504\n"
	"      --max-size SIZE       keep the cache under SIZE (K/M/G), least recently\n"
	"                            used entries evicted first\n"
	"      --cache-stats         print what the cache holds, and exit\n"
	"      --purge               empty the cache (with --older-than DUR: the entries\n"
	"                            not used for DUR), and exit\n"
	"Transfers:\n"
	"  -P, --parallel N          transfers at once (default 64)\n"
	"      --per-host N          transfers at once per host (default 8)\n"
	"      --rate N[/s]          requests per second per host (default: no limit)\n"
	"      --timeout DUR         per transfer (default 30s)\n"
	"      --connect-timeout DUR (default 10s)\n"
	"      --retries N           retries after a network error, 429 or 503, with\n"
	"                            exponential backoff or Retry-After (default 2)\n"
	"Output:\n"
	"      --response-header NAME  a column with that response header (repeatable)\n"
	"      --all-headers         a column 'headers' with all response headers\n"
	"      --body                a column 'body' with the body (binary)\n"
	"      --digest              a column 'sha256' with the body's SHA-256\n"
	"      --save DIR            write bodies to DIR/<sha256>, column 'path'\n"
	"      --fail-on WHAT        exit 1 when a row failed: 'error' (no response),\n"
	"                            'status' (that or HTTP status >= 400; default), 'never'\n"
	"\n"
	"Columns: url final_url status cache bytes content_type elapsed_ms attempts error\n"
	"[headers...] [body|sha256|path]. cache is hit, revalidated, miss, stale,\n"
	"offline-miss or error; a failed URL is a row with an error, never the end.\n"
	"\n";

struct options {
	const char *column, *header_column, *cache_dir, *older_than_arg, *save_dir;
	const char **headers, **response_headers;
	size_t nheaders, nresponse_headers;
	fc_fetch_opts fetch;
	fc_rows_opts rows;
	bool no_store, cache_stats, purge;
	uint64_t older_than_ns;
};

enum {
	OPT_HEADER = 0x2000,
	OPT_USER_AGENT,
	OPT_NO_FOLLOW,
	OPT_CACHE_DIR,
	OPT_NO_STORE,
	OPT_REVALIDATE,
	OPT_OFFLINE,
	OPT_MAX_SIZE,
	OPT_CACHE_STATS,
	OPT_PURGE,
	OPT_OLDER_THAN,
	OPT_PER_HOST,
	OPT_RATE,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_RETRIES,
	OPT_RESPONSE_HEADER,
	OPT_ALL_HEADERS,
	OPT_BODY,
	OPT_DIGEST,
	OPT_SAVE,
	OPT_FAIL_ON,
};

static int push(const char ***list, size_t *n, const char *s, stage_error *err)
{
	const char **l = realloc(*list, (*n + 1) * sizeof(*l));

	if (!l)
		return stage_error_oom(err, "options");
	l[(*n)++] = s;
	*list = l;
	return 0;
}

static int parse_number(const char *arg, const char *what, double min, double *out,
                        stage_error *err)
{
	char *end;

	*out = strtod(arg, &end);
	if (end == arg || *end || !(*out >= min) || *out > 1e9)
		return stage_error_set(err, STAGE_EXIT_USAGE, "%s: '%s' is not a number from %g",
		                       what, arg, min);
	return 0;
}

static int set_body(struct options *o, fc_body_mode mode, stage_error *err)
{
	if (o->rows.body != FC_BODY_NONE && o->rows.body != mode)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--body, --digest and --save exclude each other");
	o->rows.body = mode;
	return 0;
}

static int check_header(const char *h, stage_error *err)
{
	const char *colon = strchr(h, ':');

	if (!colon || colon == h || strpbrk(h, "\r\n"))
		return stage_error_set(err, STAGE_EXIT_USAGE, "--header: '%s' is not 'Name: value'", h);
	return 0;
}

static int parse_option(int opt, const char *arg, struct options *o, stage_error *err)
{
	int64_t n;
	double d;

	switch (opt) {
	case 'c':
		o->column = arg;
		return 0;
	case 'X':
		if (strcmp(arg, "GET") && strcmp(arg, "HEAD"))
			return stage_error_set(err, STAGE_EXIT_USAGE, "--method: GET or HEAD, not '%s'",
			                       arg);
		o->fetch.head = !strcmp(arg, "HEAD");
		return 0;
	case OPT_HEADER:
		return check_header(arg, err) < 0 ? -1 : push(&o->headers, &o->nheaders, arg, err);
	case 'H':
		o->header_column = arg;
		return 0;
	case OPT_USER_AGENT:
		o->fetch.user_agent = arg;
		return 0;
	case OPT_NO_FOLLOW:
		o->fetch.follow = false;
		return 0;
	case OPT_CACHE_DIR:
		o->cache_dir = arg;
		return 0;
	case OPT_NO_STORE:
		o->no_store = true;
		return 0;
	case OPT_REVALIDATE:
		o->fetch.revalidate = true;
		return 0;
	case OPT_OFFLINE:
		o->fetch.offline = true;
		return 0;
	case OPT_MAX_SIZE:
		if (stage_parse_size(arg, &o->fetch.max_size, err) < 0)
			return stage_error_prefix(err, "--max-size");
		if (o->fetch.max_size == 0)
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "--max-size: 0 would keep nothing (--no-store does that)");
		return 0;
	case OPT_CACHE_STATS:
		o->cache_stats = true;
		return 0;
	case OPT_PURGE:
		o->purge = true;
		return 0;
	case OPT_OLDER_THAN:
		o->older_than_arg = arg;
		if (stage_parse_duration(arg, &o->older_than_ns, err) < 0)
			return stage_error_prefix(err, "--older-than");
		return 0;
	case 'P':
		if (stage_parse_count(arg, "--parallel", &n, err) < 0)
			return -1;
		o->fetch.parallel = n > 100000 ? 100000 : (long)n;
		return 0;
	case OPT_PER_HOST:
		if (stage_parse_count(arg, "--per-host", &n, err) < 0)
			return -1;
		o->fetch.per_host = n > 100000 ? 100000 : (long)n;
		return 0;
	case OPT_RATE: {
		/* "5" and "5/s" alike */
		size_t len = strlen(arg);
		char *num = strndup(arg, len > 2 && !strcmp(arg + len - 2, "/s") ? len - 2 : len);
		int rc = num ? parse_number(num, "--rate", 0.001, &o->fetch.rate, err)
		             : stage_error_oom(err, "options");

		free(num);
		return rc;
	}
	case OPT_TIMEOUT:
		if (stage_parse_duration(arg, &o->fetch.timeout_ns, err) < 0)
			return stage_error_prefix(err, "--timeout");
		return 0;
	case OPT_CONNECT_TIMEOUT:
		if (stage_parse_duration(arg, &o->fetch.connect_timeout_ns, err) < 0)
			return stage_error_prefix(err, "--connect-timeout");
		return 0;
	case OPT_RETRIES:
		if (parse_number(arg, "--retries", 0, &d, err) < 0)
			return -1;
		if (d != (int)d)
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "--retries: '%s' is not a whole number", arg);
		o->fetch.retries = d > 100 ? 100 : (int)d;
		return 0;
	case OPT_RESPONSE_HEADER:
		return push(&o->response_headers, &o->nresponse_headers, arg, err);
	case OPT_ALL_HEADERS:
		o->rows.all_headers = true;
		return 0;
	case OPT_BODY:
		return set_body(o, FC_BODY_BYTES, err);
	case OPT_DIGEST:
		return set_body(o, FC_BODY_DIGEST, err);
	case OPT_SAVE:
		o->save_dir = arg;
		return set_body(o, FC_BODY_SAVE, err);
	case OPT_FAIL_ON:
		if (!strcmp(arg, "error"))
			o->rows.fail_on = FC_FAIL_ON_ERROR;
		else if (!strcmp(arg, "status"))
			o->rows.fail_on = FC_FAIL_ON_STATUS;
		else if (!strcmp(arg, "never"))
			o->rows.fail_on = FC_FAIL_NEVER;
		else
			return stage_error_set(err, STAGE_EXIT_USAGE,
			                       "--fail-on: error, status or never, not '%s'", arg);
		return 0;
	}
	return stage_error_set(err, STAGE_EXIT_USAGE, "unknown option (try --help)");
}

static int parse_args(int argc, char **argv, stage_cli *cli, struct options *o,
                      stage_error *err)
{
	static const struct option longopts[] = {
		{"column", required_argument, NULL, 'c'},
		{"method", required_argument, NULL, 'X'},
		{"header", required_argument, NULL, OPT_HEADER},
		{"header-column", required_argument, NULL, 'H'},
		{"user-agent", required_argument, NULL, OPT_USER_AGENT},
		{"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
		{"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
		{"no-store", no_argument, NULL, OPT_NO_STORE},
		{"revalidate", no_argument, NULL, OPT_REVALIDATE},
		{"offline", no_argument, NULL, OPT_OFFLINE},
		{"max-size", required_argument, NULL, OPT_MAX_SIZE},
		{"cache-stats", no_argument, NULL, OPT_CACHE_STATS},
		{"purge", no_argument, NULL, OPT_PURGE},
		{"older-than", required_argument, NULL, OPT_OLDER_THAN},
		{"parallel", required_argument, NULL, 'P'},
		{"per-host", required_argument, NULL, OPT_PER_HOST},
		{"rate", required_argument, NULL, OPT_RATE},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
		{"retries", required_argument, NULL, OPT_RETRIES},
		{"response-header", required_argument, NULL, OPT_RESPONSE_HEADER},
		{"all-headers", no_argument, NULL, OPT_ALL_HEADERS},
		{"body", no_argument, NULL, OPT_BODY},
		{"digest", no_argument, NULL, OPT_DIGEST},
		{"save", required_argument, NULL, OPT_SAVE},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		STAGE_CLI_LONG_OPTIONS,
	};
	bool format_given = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:X:H:P:" STAGE_CLI_SHORT_OPTIONS, longopts, NULL)) !=
	       -1) {
		format_given |= opt == STAGE_OPT_IN;
		rc = stage_cli_option(cli, opt, optarg, err);
		if (rc < 0)
			return -1;
		if (rc == 0 && parse_option(opt, optarg, o, err) < 0)
			return -1;
	}
	if (optind < argc)
		return stage_error_set(err, STAGE_EXIT_USAGE, "unexpected argument '%s' (try --help)",
		                       argv[optind]);
	if (!format_given)
		cli->in.text_format = STAGE_IN_LINES;
	if (o->cache_stats && o->purge)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--cache-stats and --purge exclude each other");
	if ((o->cache_stats || o->purge) && o->no_store)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--no-store has no cache to inspect");
	if (o->older_than_arg && !o->purge)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--older-than goes with --purge");
	if (o->fetch.head && (o->rows.body == FC_BODY_BYTES || o->rows.body == FC_BODY_SAVE))
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "-X HEAD fetches no body: not with --body or --save");
	if (o->fetch.offline && o->no_store)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--offline reads the cache: not with --no-store");
	o->fetch.headers = o->headers;
	o->fetch.nheaders = o->nheaders;
	o->fetch.keep_body = o->rows.body == FC_BODY_BYTES || o->rows.body == FC_BODY_SAVE;
	o->rows.response_headers = o->response_headers;
	o->rows.nresponse_headers = o->nresponse_headers;
	o->rows.save_dir = o->save_dir;
	o->rows.unordered = cli->unordered;
	o->rows.batch_rows = cli->in.batch_rows;
	return 0;
}

/* Everything one run holds. */
struct run {
	stage_cli *cli;
	struct options *o;
	fc_store *store;
	stage_input *in;
	stage_output *out;
	fc_rows *rows;
	fc_fetcher *fetcher;
	int url_col, header_col;
	stage_batch *batch; /* read, not all of its rows submitted yet */
	int64_t next_row;
	bool input_done;
	uint64_t last_write_ns, last_progress_ns;
	bool progress;
};

static int open_store(struct run *r, stage_error *err)
{
	const char *note = NULL;
	char *dflt = NULL;
	int rc;

	if (r->o->no_store)
		return 0;
	if (!r->o->cache_dir && !(dflt = fc_store_default_dir(err)))
		return -1;
	rc = fc_store_open(&r->store, r->o->cache_dir ? r->o->cache_dir : dflt, &note, err);
	free(dflt);
	if (rc < 0)
		return stage_error_prefix(err, "cache");
	if (note)
		stage_cli_warn(r->cli, "%s", note);
	return 0;
}

static int cache_stats(struct run *r, stage_error *err)
{
	fc_store_stats st;
	char oldest[32] = "-", newest[32] = "-";

	if (fc_store_stats_get(r->store, &st, err) < 0)
		return -1;
	if (st.entries) {
		time_t a = st.oldest_used, b = st.newest_used;

		strftime(oldest, sizeof(oldest), "%Y-%m-%dT%H:%M:%SZ", gmtime(&a));
		strftime(newest, sizeof(newest), "%Y-%m-%dT%H:%M:%SZ", gmtime(&b));
	}
	printf("entries\t%llu\nbytes\t%llu\nbody_files\t%llu\nbody_bytes\t%llu\n"
	       "oldest_used\t%s\nnewest_used\t%s\n",
	       (unsigned long long)st.entries, (unsigned long long)st.bytes,
	       (unsigned long long)st.body_files, (unsigned long long)st.body_bytes, oldest, newest);
	return fflush(stdout) == 0 ? 0 : stage_error_errno(err, errno, "stdout");
}

static int purge(struct run *r, stage_error *err)
{
	uint64_t purged = 0;
	int64_t before = r->o->older_than_arg
	                         ? (int64_t)time(NULL) - (int64_t)(r->o->older_than_ns / 1000000000u)
	                         : 0;

	if (fc_store_purge(r->store, before, &purged, err) < 0)
		return -1;
	if (!r->cli->quiet)
		fprintf(stderr, "fetch-with-cache: purged %llu entries\n", (unsigned long long)purged);
	return 0;
}

static int find_columns(struct run *r, stage_error *err)
{
	const stage_schema *s = stage_input_schema(r->in);
	stage_error ignored;

	if (s->ncols == 0 && !r->o->column)
		return 0; /* empty input: no rows to fetch */
	if (r->o->column)
		r->url_col = stage_schema_find(s, r->o->column, err);
	else if ((r->url_col = stage_schema_find(s, "url", &ignored)) < 0)
		r->url_col = 0;
	if (r->url_col < 0)
		return -1;
	if (s->fields[r->url_col].type != STAGE_UTF8)
		return stage_error_set(err, STAGE_EXIT_USAGE, "URL column '%s' is %s, not utf8",
		                       s->fields[r->url_col].name,
		                       stage_type_name(s->fields[r->url_col].type));
	if (!r->o->header_column)
		return 0;
	r->header_col = stage_schema_find(s, r->o->header_column, err);
	if (r->header_col < 0)
		return -1;
	if (s->fields[r->header_col].type != STAGE_UTF8)
		return stage_error_set(err, STAGE_EXIT_USAGE, "header column '%s' is %s, not utf8",
		                       s->fields[r->header_col].name,
		                       stage_type_name(s->fields[r->header_col].type));
	return 0;
}

/* Submits the current batch's rows while the window has room; the batch
 * is freed once all its rows are in. */
static int submit_rows(struct run *r, size_t window, stage_error *err)
{
	const stage_batch *b = r->batch;
	const stage_array *urls = &b->cols[r->url_col];
	const stage_array *hdrs = r->header_col >= 0 ? &b->cols[r->header_col] : NULL;

	for (; r->next_row < b->nrows && fc_rows_outstanding(r->rows) < window; r->next_row++) {
		int64_t i = r->next_row;
		const char *p = NULL;
		size_t n = 0;
		char *url, *h = NULL;
		int64_t row;
		int rc;

		if (!stage_array_is_null(urls, i))
			p = (const char *)stage_array_bytes(urls, i, &n);
		if (fc_rows_add(r->rows, p, n, &row, err) < 0)
			return -1;
		if (!p) {
			fc_result res = {.cache = "error", .error = "no URL (null)"};

			fc_rows_done(r->rows, row, &res);
			continue;
		}
		url = strndup(p, n);
		if (hdrs && !stage_array_is_null(hdrs, i)) {
			const char *hp = (const char *)stage_array_bytes(hdrs, i, &n);

			h = strndup(hp, n);
		}
		if (!url || (hdrs && !stage_array_is_null(hdrs, i) && !h)) {
			free(url);
			free(h);
			return stage_error_oom(err, "row");
		}
		rc = fc_fetcher_submit(r->fetcher, row, url, h, err);
		free(url);
		free(h);
		if (rc < 0)
			return -1;
	}
	if (r->next_row == b->nrows) {
		stage_batch_free(r->batch);
		r->batch = NULL;
	}
	return 0;
}

static void show_progress(struct run *r, bool last)
{
	const fc_fetch_counts *c = fc_fetcher_counts(r->fetcher);
	uint64_t now = stage_now_ns();
	uint64_t done = c->hits + c->revalidated + c->misses + c->stale + c->offline_misses +
	                c->errors;

	if (!r->progress || (!last && now - r->last_progress_ns < 200000000u))
		return;
	r->last_progress_ns = now;
	fprintf(stderr, "\rfetch-with-cache: %llu/%llu done, %llu hits, %llu errors, %llu requests%s",
	        (unsigned long long)done, (unsigned long long)c->rows, (unsigned long long)c->hits,
	        (unsigned long long)c->errors, (unsigned long long)c->requests, last ? "\n" : "");
}

/* Rows in flight at most: enough to keep every transfer busy behind a slow
 * row at the head, and a bound on memory. */
static size_t window(const struct run *r)
{
	size_t w = 64 * (size_t)r->o->fetch.parallel;

	return w < 4096 ? 4096 : w > 65536 ? 65536 : w;
}

static int fetch_all(struct run *r, stage_error *err)
{
	stage_loop *loop = stage_io_loop(err);

	if (!loop)
		return -1;
	for (;;) {
		bool busy = fc_fetcher_busy(r->fetcher) > 0;
		uint64_t now = stage_now_ns();

		bool room = fc_rows_outstanding(r->rows) < window(r);

		if (r->batch && room) {
			if (submit_rows(r, window(r), err) < 0)
				return -1;
		} else if (!r->batch && !r->input_done && room) {
			int rc;

			/* Transfers progress inside the wait (they share the loop);
			 * come back soon to write their rows. With nothing in
			 * flight the wait may be long: commit first. */
			if (!busy && fc_fetcher_commit(r->fetcher, err) < 0)
				return -1;
			rc = stage_input_next_until(r->in, busy ? now + 20000000u : 0, &r->batch, err);
			if (rc < 0)
				return -1;
			if (rc == 0)
				r->input_done = true;
			if (rc != 1)
				r->batch = NULL;
			r->next_row = 0;
		} else if (busy) {
			if (stage_loop_run_once(loop, 20000000, err) < 0)
				return -1;
		} else if (r->input_done) {
			break;
		}
		if (fc_fetcher_tick(r->fetcher, err) < 0)
			return -1;
		if (fc_rows_failure(r->rows)) {
			*err = *fc_rows_failure(r->rows);
			return -1;
		}
		now = stage_now_ns();
		bool flush = now - r->last_write_ns >= 100000000u || stage_input_idle(r->in);
		if (fc_rows_write(r->rows, r->out, flush, err) < 0)
			return -1;
		if (flush)
			r->last_write_ns = now;
		show_progress(r, false);
	}
	if (fc_fetcher_finish(r->fetcher, err) < 0)
		return -1;
	show_progress(r, true);
	return fc_rows_write(r->rows, r->out, true, err);
}

static int run(struct run *r, stage_error *err)
{
	if (r->o->save_dir && access(r->o->save_dir, W_OK) < 0)
		return stage_error_errno(err, errno, r->o->save_dir);
	if (open_store(r, err) < 0)
		return -1;
	r->o->fetch.store = r->store;
	if (stage_input_open(&r->in, 0, &r->cli->in, err) < 0 || find_columns(r, err) < 0)
		return -1;
	if (fc_rows_new(&r->rows, &r->o->rows, err) < 0 ||
	    stage_output_open(&r->out, 1, r->cli->out, fc_rows_schema(r->rows), err) < 0)
		return -1;
	if (fc_fetcher_new(&r->fetcher, stage_io_loop(err), &r->o->fetch, fc_rows_done, r->rows,
	                   err) < 0)
		return -1;
	r->progress = !r->cli->quiet && isatty(2);
	r->last_write_ns = stage_now_ns();
	if (r->url_col < 0)
		r->input_done = true; /* empty input: nothing to fetch */
	return fetch_all(r, err);
}

static void print_stats(const struct run *r, uint64_t start)
{
	const fc_fetch_counts *c = fc_fetcher_counts(r->fetcher);
	double secs = (double)(stage_now_ns() - start) / 1e9;

	fprintf(stderr,
	        "fetch-with-cache: %llu rows in %.3f s (%.0f rows/s): %llu hits, %llu revalidated, "
	        "%llu misses, %llu stale, %llu offline-misses, %llu errors; %llu requests, %llu "
	        "stored, %llu evicted\n",
	        (unsigned long long)c->rows, secs, secs > 0 ? (double)c->rows / secs : 0.0,
	        (unsigned long long)c->hits, (unsigned long long)c->revalidated,
	        (unsigned long long)c->misses, (unsigned long long)c->stale,
	        (unsigned long long)c->offline_misses, (unsigned long long)c->errors,
	        (unsigned long long)c->requests, (unsigned long long)c->stored,
	        (unsigned long long)c->evicted);
}

int main(int argc, char **argv)
{
	stage_cli cli;
	struct options o = {
		.fetch = {.follow = true, .parallel = 64, .per_host = 8, .retries = 2,
		          .timeout_ns = 30000000000ull, .connect_timeout_ns = 10000000000ull},
		.rows = {.fail_on = FC_FAIL_ON_STATUS},
	};
	stage_error err = {0};
	struct run r = {.cli = &cli, .o = &o, .url_col = -1, .header_col = -1};
	int failed = 1, status;
	uint64_t start = stage_now_ns();

	stage_cli_init(&cli, "fetch-with-cache", usage);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		stage_error_set(&err, STAGE_EXIT_FAILURE, "curl_global_init failed");
		goto done;
	}
	if (parse_args(argc, argv, &cli, &o, &err) < 0)
		goto done;
	if (o.cache_stats || o.purge) {
		if (open_store(&r, &err) < 0 || (o.cache_stats ? cache_stats : purge)(&r, &err) < 0)
			goto done;
	} else if (stage_output_end(r.out, cli.prog, run(&r, &err), &err) < 0) {
		goto done;
	}
	failed = 0;
	if (cli.stats && r.fetcher)
		print_stats(&r, start);
done:
	if (r.in && stage_input_warning(r.in))
		stage_cli_warn(&cli, "%s", stage_input_warning(r.in));
	status = stage_cli_exit(&cli, failed ? &err : NULL);
	if (r.fetcher && fc_fetcher_store_failure(r.fetcher))
		stage_cli_warn(&cli, "%llu responses not stored in the cache: %s",
		               (unsigned long long)fc_fetcher_counts(r.fetcher)->store_failures,
		               fc_fetcher_store_failure(r.fetcher));
	if (!failed && r.rows && fc_rows_failed(r.rows)) {
		if (!cli.quiet)
			fprintf(stderr, "fetch-with-cache: %llu of %llu rows failed\n",
			        (unsigned long long)fc_rows_failed(r.rows),
			        (unsigned long long)fc_fetcher_counts(r.fetcher)->rows);
		status = STAGE_EXIT_FAILURE;
	}
	stage_batch_free(r.batch);
	fc_fetcher_free(r.fetcher);
	if (r.store && fc_store_close(r.store, &err) < 0 && !failed) {
		fprintf(stderr, "fetch-with-cache: %s\n", err.msg);
		status = STAGE_EXIT_FAILURE;
	}
	stage_output_free(r.out);
	stage_input_free(r.in);
	fc_rows_free(r.rows);
	free(o.headers);
	free(o.response_headers);
	curl_global_cleanup();
	return status;
}
