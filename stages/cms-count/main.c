/* cms-count: approximate frequencies of a key column in bounded memory
 * with a count-min sketch, the heaviest keys with error bounds, sketches
 * that save, load and merge. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "sketch_file.h"
#include "stage.h"
#include "stage_pool.h"

static const char usage[] =
	"Usage: cms-count -k KEY [OPTIONS] < INPUT > OUTPUT\n"
	"Approximate counts of the values of column KEY in fixed memory (a count-min\n"
	"sketch), and the heaviest keys with error bounds.\n"
	"\n"
	"  -k, --key COL          the column to count (any type)\n"
	"      --epsilon E        error bound as a fraction of N (default 0.001)\n"
	"      --delta D          probability of exceeding it (default 0.01)\n"
	"      --width W          counters per row instead (a power of two)\n"
	"      --depth D          rows instead\n"
	"      --seed S           hash seed (default 0); part of the sketch\n"
	"      --top K            write the K heaviest keys (default 10)\n"
	"      --threshold PHI    write the candidates estimated at PHI * N or more\n"
	"  -w, --weight COL       add COL (a non-negative integer) per row, not 1\n"
	"      --conservative     conservative update: smaller errors, but order-\n"
	"                         dependent and not exactly mergeable; one thread\n"
	"      --signed           weights may be negative (deletions); estimates are\n"
	"                         medians, within 3 (e/w) N either way (see below)\n"
	"      --every N          write the running result every N rows\n"
	"      --every-seconds S  write it every S seconds, input or not\n"
	"      --save FILE        also write the sketch to FILE at the end\n"
	"      --load FILE        start from a saved sketch (repeat to merge several)\n"
	"      --query            read keys and write each one's estimate\n"
	"      --partial          write the sketch as a record instead of keys\n"
	"      --merge            read --partial records and add them up\n"
	"\n"
	"Output: KEY estimate lower (--signed: and upper), heaviest first ([row]\n"
	"first with --every).\n"
	"Sizing (Cormode and Muthukrishnan): width w = e/epsilon rounded up to a\n"
	"power of two, depth d = ceil(ln(1/delta)). With N the total count, an\n"
	"estimate is never below the true count, and exceeds it by more than\n"
	"(e/w) N with probability at most e^-d; lower = estimate - (e/w) N.\n"
	"--signed (count-median), N the sum of absolute weights: an estimate is\n"
	"within 3 (e/w) N of the count with probability at least 1 - e^(-d/4);\n"
	"lower and upper = estimate -/+ 3 (e/w) N.\n"
	"\n";

struct options {
	const char *key;
	const char *weight;
	double epsilon, delta;
	int64_t width, depth;
	uint64_t seed;
	bool seed_set;
	int64_t top;
	double threshold;
	bool conservative, signed_weights;
	int64_t every;
	uint64_t every_ns;
	const char *save;
	const char **load;
	size_t nload;
	bool query, partial, merge;
};

enum {
	OPT_EPSILON = 0x2000,
	OPT_DELTA,
	OPT_WIDTH,
	OPT_DEPTH,
	OPT_SEED,
	OPT_TOP,
	OPT_THRESHOLD,
	OPT_CONSERVATIVE,
	OPT_SIGNED,
	OPT_EVERY,
	OPT_EVERY_SECONDS,
	OPT_SAVE,
	OPT_LOAD,
	OPT_QUERY,
	OPT_PARTIAL,
	OPT_MERGE,
};

static int parse_fraction(const char *arg, const char *what, double *out, stage_error *err)
{
	char *end;

	*out = strtod(arg, &end);
	if (end == arg || *end || !(*out > 0 && *out < 1))
		return stage_error_set(err, STAGE_EXIT_USAGE, "%s: '%s' is not a number in (0, 1)",
		                       what, arg);
	return 0;
}

static int check_options(const struct options *o, stage_error *err)
{
	if (!o->key && !o->merge)
		return stage_error_set(err, STAGE_EXIT_USAGE, "-k KEY is required (try --help)");
	if ((o->width || o->depth) && (o->epsilon || o->delta))
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--width/--depth and --epsilon/--delta exclude each other");
	if (o->signed_weights && o->conservative)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--signed and --conservative exclude each other (the "
		                       "conservative update needs non-negative weights)");
	if (o->every && o->every_ns)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--every and --every-seconds exclude each other");
	if (o->query + o->partial + o->merge > 1)
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--query, --partial and --merge exclude each other");
	if (o->query && !o->nload)
		return stage_error_set(err, STAGE_EXIT_USAGE, "--query needs a sketch: --load FILE");
	if ((o->query || o->merge || o->partial) && (o->every || o->every_ns))
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--every is for counting, not --query, --partial or --merge");
	if (o->merge && (o->key || o->weight))
		return stage_error_set(err, STAGE_EXIT_USAGE,
		                       "--merge reads sketches: not with -k or -w");
	return 0;
}

static int parse_args(int argc, char **argv, stage_cli *cli, struct options *o,
                      stage_error *err)
{
	static const struct option longopts[] = {
		{"key", required_argument, NULL, 'k'},
		{"weight", required_argument, NULL, 'w'},
		{"epsilon", required_argument, NULL, OPT_EPSILON},
		{"delta", required_argument, NULL, OPT_DELTA},
		{"width", required_argument, NULL, OPT_WIDTH},
		{"depth", required_argument, NULL, OPT_DEPTH},
		{"seed", required_argument, NULL, OPT_SEED},
		{"top", required_argument, NULL, OPT_TOP},
		{"threshold", required_argument, NULL, OPT_THRESHOLD},
		{"conservative", no_argument, NULL, OPT_CONSERVATIVE},
		{"signed", no_argument, NULL, OPT_SIGNED},
		{"every", required_argument, NULL, OPT_EVERY},
		{"every-seconds", required_argument, NULL, OPT_EVERY_SECONDS},
		{"save", required_argument, NULL, OPT_SAVE},
		{"load", required_argument, NULL, OPT_LOAD},
		{"query", no_argument, NULL, OPT_QUERY},
		{"partial", no_argument, NULL, OPT_PARTIAL},
		{"merge", no_argument, NULL, OPT_MERGE},
		STAGE_CLI_LONG_OPTIONS,
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "k:w:" STAGE_CLI_SHORT_OPTIONS, longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'k':
			o->key = optarg;
			continue;
		case 'w':
			o->weight = optarg;
			continue;
		case OPT_EPSILON:
			if (parse_fraction(optarg, "--epsilon", &o->epsilon, err) < 0)
				return -1;
			continue;
		case OPT_DELTA:
			if (parse_fraction(optarg, "--delta", &o->delta, err) < 0)
				return -1;
			continue;
		case OPT_WIDTH:
			if (stage_parse_count(optarg, "--width", &o->width, err) < 0)
				return -1;
			continue;
		case OPT_DEPTH:
			if (stage_parse_count(optarg, "--depth", &o->depth, err) < 0)
				return -1;
			continue;
		case OPT_SEED: {
			char *end;

			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			if (end == optarg || *end || errno || optarg[0] == '-')
				return stage_error_set(err, STAGE_EXIT_USAGE,
				                       "--seed: '%s' is not a whole number from 0 to 2^64-1",
				                       optarg);
			o->seed_set = true;
			continue;
		}
		case OPT_TOP:
			if (stage_parse_count(optarg, "--top", &o->top, err) < 0)
				return -1;
			continue;
		case OPT_THRESHOLD:
			if (parse_fraction(optarg, "--threshold", &o->threshold, err) < 0)
				return -1;
			continue;
		case OPT_CONSERVATIVE:
			o->conservative = true;
			continue;
		case OPT_SIGNED:
			o->signed_weights = true;
			continue;
		case OPT_EVERY:
			if (stage_parse_count(optarg, "--every", &o->every, err) < 0)
				return -1;
			continue;
		case OPT_EVERY_SECONDS: {
			/* a bare number is seconds, as the option's name says */
			char *end;
			double secs = strtod(optarg, &end);

			if (end != optarg && !*end && secs > 0 && secs < 1e9)
				o->every_ns = (uint64_t)(secs * 1e9);
			else if (stage_parse_duration(optarg, &o->every_ns, err) < 0)
				return stage_error_prefix(err, "--every-seconds");
			continue;
		}
		case OPT_SAVE:
			o->save = optarg;
			continue;
		case OPT_LOAD: {
			const char **l = realloc(o->load, (o->nload + 1) * sizeof *l);

			if (!l)
				return stage_error_oom(err, "options");
			o->load = l;
			o->load[o->nload++] = optarg;
			continue;
		}
		case OPT_QUERY:
			o->query = true;
			continue;
		case OPT_PARTIAL:
			o->partial = true;
			continue;
		case OPT_MERGE:
			o->merge = true;
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

/* One counter of rows: a sketch and its candidates. */
struct counter {
	cms_sketch sketch;
	cms_heavy heavy;
};

/* Everything one run shares. */
struct run {
	stage_cli *cli;
	struct options *o;
	stage_input *in;
	stage_output *out;
	stage_schema *schema;  /* of the output */
	struct counter total;
	bool have_sketch;
	cms_keys loaded;        /* candidates of loaded and merged sketches */
	stage_type key_type;
	const char *key_name;
	int key_col, weight_col;
	int64_t rows;
};

static size_t candidate_cap(const struct options *o)
{
	if (o->threshold > 0)
		return (size_t)fmin(ceil(4 / o->threshold), 1 << 20);
	return (size_t)(o->top * 4 > o->top + 64 ? o->top * 4 : o->top + 64);
}

static int counter_init(struct counter *c, const cms_sketch *like, size_t cap, stage_error *err)
{
	if (cms_sketch_init(&c->sketch, like->width_log2, like->depth, like->seed, like->variant,
	                    err) < 0)
		return -1;
	return cms_heavy_init(&c->heavy, cap, err);
}

static void counter_release(struct counter *c)
{
	cms_sketch_release(&c->sketch);
	cms_heavy_release(&c->heavy);
}

/* Row i's weight: 1 without -w. Returns 1, 0 to skip the row (null
 * weight), -1 for a weight that is not an integer, or (unless signed) a
 * negative one. */
static int weight_at(const stage_array *w, const char *name, bool signed_ok, int64_t i,
                     int64_t row_base, int64_t *out, stage_error *err)
{
	double v;

	*out = 1;
	if (!w)
		return 1;
	if (stage_array_is_null(w, i))
		return 0;
	if (w->type == STAGE_INT64) {
		*out = stage_array_i64(w, i);
		if (*out >= 0 || signed_ok)
			return 1;
		v = (double)*out;
	} else {
		v = w->type == STAGE_FLOAT64 ? stage_array_f64(w, i) : (double)stage_array_f32(w, i);
		if (v >= (signed_ok ? -0x1p63 : 0) && v < 0x1p63 && v == floor(v)) {
			*out = (int64_t)v;
			return 1;
		}
	}
	if (signed_ok)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "weight column '%s': weight %g in row %lld is not an integer "
		                       "below 2^63 in magnitude",
		                       name, v, (long long)(row_base + i + 1));
	return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
	                       "weight column '%s': weight %g in row %lld is not a non-negative "
	                       "integer",
	                       name, v, (long long)(row_base + i + 1));
}

/* Null keys hash apart from every byte string, the empty one included. */
#define NULL_KEY_SALT 0x6e756c6c6b6579ULL

static cms_hash128 key_hash(const cms_sketch *s, const cms_keybuf *k)
{
	return k->null ? cms_hash(NULL, 0, s->seed ^ NULL_KEY_SALT) : cms_sketch_hash(s, k->p, k->len);
}

/* Counts rows [from, to) of b into c. */
static int count_rows(struct counter *c, const struct run *r, const stage_batch *b,
                      int64_t from, int64_t to, int64_t row_base, stage_error *err)
{
	const stage_array *key = &b->cols[r->key_col];
	const stage_array *weight = r->weight_col >= 0 ? &b->cols[r->weight_col] : NULL;
	bool signed_ok = c->sketch.variant == CMS_SIGNED;

	for (int64_t i = from; i < to; i++) {
		cms_keybuf k;
		int64_t w, est;
		int rc = weight_at(weight, r->o->weight, signed_ok, i, row_base, &w, err);
		cms_hash128 h;
		uint64_t abs_w;

		if (rc < 0)
			return -1;
		if (rc == 0 || w == 0)
			continue;
		/* n bounds every counter's magnitude: checking it is enough */
		abs_w = w < 0 ? 0 - (uint64_t)w : (uint64_t)w;
		if (abs_w > INT64_MAX - c->sketch.n)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       signed_ok ? "row %lld: the total of absolute weights "
			                                   "passes 2^63 - 1"
			                                 : "row %lld: the total count passes 2^63 - 1",
			                       (long long)(row_base + i + 1));
		cms_key_of_row(key, i, &k);
		h = key_hash(&c->sketch, &k);
		est = cms_sketch_add(&c->sketch, h, w);
		cms_heavy_offer(&c->heavy, h, k.p, k.len, k.null, est);
	}
	if (c->heavy.failed)
		return stage_error_oom(err, "heavy-hitter candidates");
	return 0;
}

/* The sketch to start from: sized by the options, or the first --load. */
static int size_sketch(struct run *r, cms_sketch *like, stage_error *err)
{
	uint32_t width_log2 = 0, depth = 0;

	if (r->o->width || r->o->depth) {
		int64_t w = r->o->width ? r->o->width : 4096;

		while (width_log2 < CMS_MAX_WIDTH_LOG2 && ((int64_t)1 << width_log2) < w)
			width_log2++;
		if (((int64_t)1 << width_log2) < w)
			return stage_error_set(err, STAGE_EXIT_USAGE, "--width: at most 2^%d",
			                       CMS_MAX_WIDTH_LOG2);
		if (r->o->depth > CMS_MAX_DEPTH)
			return stage_error_set(err, STAGE_EXIT_USAGE, "--depth: at most %d",
			                       CMS_MAX_DEPTH);
		depth = r->o->depth ? (uint32_t)r->o->depth : 5;
	} else if (cms_size_for(r->o->epsilon ? r->o->epsilon : 0.001,
	                        r->o->delta ? r->o->delta : 0.01, &width_log2, &depth, err) < 0) {
		return -1;
	}
	*like = (cms_sketch){.width_log2 = width_log2, .depth = depth, .seed = r->o->seed,
	                     .variant = r->o->conservative     ? CMS_CONSERVATIVE
	                                : r->o->signed_weights ? CMS_SIGNED
	                                                       : CMS_PLAIN};
	return 0;
}

/* Adds a decoded sketch and its candidates into the run's total. */
static int absorb(struct run *r, cms_sketch *s, stage_type key_type, cms_keys *keys,
                  const char *what, stage_error *err)
{
	const char *why;
	int rc = 0;

	if (!r->have_sketch) {
		if (counter_init(&r->total, s, candidate_cap(r->o), err) < 0)
			return -1;
		r->have_sketch = true;
		r->key_type = key_type;
	} else if ((why = cms_sketch_mismatch(&r->total.sketch, s))) {
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "%s: cannot merge: %s", what, why);
	}
	if (key_type != r->key_type)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "%s: cannot merge: keys of type %s, not %s", what,
		                       stage_type_name(key_type), stage_type_name(r->key_type));
	if (cms_sketch_merge(&r->total.sketch, s) < 0 || r->total.sketch.n > INT64_MAX)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "%s: merged counts pass 2^63 - 1",
		                       what);
	/* Candidates are united, and counted at the end from the merged
	 * sketch, never from their parts. */
	if (keys->n) {
		struct cms_key *k = realloc(r->loaded.k, (r->loaded.n + keys->n) * sizeof *k);

		if (!k)
			return stage_error_oom(err, "candidates");
		r->loaded.k = k;
		memcpy(k + r->loaded.n, keys->k, keys->n * sizeof *k);
		r->loaded.n += keys->n;
		free(keys->k);
		*keys = (cms_keys){0};
	}
	return rc;
}

static int load_files(struct run *r, stage_error *err)
{
	for (size_t i = 0; i < r->o->nload; i++) {
		uint8_t *bytes = NULL;
		size_t len;
		cms_sketch s = {0};
		stage_type type;
		cms_keys keys = {0};
		int rc = cms_file_load(r->o->load[i], &bytes, &len, err);

		if (rc == 0)
			rc = cms_file_decode(bytes, len, r->o->load[i], &s, &type, &keys, err);
		if (rc == 0)
			rc = absorb(r, &s, type, &keys, r->o->load[i], err);
		free(bytes);
		cms_sketch_release(&s);
		cms_keys_release(&keys);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The candidates of the total, of what was loaded, and of the workers,
 * each counted anew from the total sketch, the heaviest `cap` kept. */
static int finalize(struct run *r, struct counter *extra, int nextra, cms_heavy *out,
                    stage_error *err)
{
	const cms_sketch *s = &r->total.sketch;

	if (cms_heavy_init(out, candidate_cap(r->o), err) < 0)
		return -1;
	for (int w = -1; w < nextra; w++) {
		const cms_heavy *hh = w < 0 ? &r->total.heavy : &extra[w].heavy;

		for (size_t i = 0; i < hh->n; i++) {
			const cms_candidate *c = &hh->heap[i];

			cms_heavy_offer(out, c->h, c->key, c->len, c->null, cms_sketch_query(s, c->h));
		}
	}
	for (size_t i = 0; i < r->loaded.n; i++) {
		cms_keybuf k = {.p = r->loaded.k[i].p, .len = r->loaded.k[i].len,
		                .null = r->loaded.k[i].null};
		cms_hash128 h = key_hash(s, &k);

		cms_heavy_offer(out, h, k.p, k.len, k.null, cms_sketch_query(s, h));
	}
	return out->failed ? stage_error_oom(err, "candidates") : 0;
}

static stage_schema *result_schema(const struct run *r, bool row_column, stage_error *err)
{
	stage_schema *s = stage_schema_new();

	if (!s) {
		stage_error_oom(err, "schema");
		return NULL;
	}
	if ((row_column && stage_schema_add(s, "row", STAGE_INT64, err) < 0) ||
	    stage_schema_add(s, r->key_name, r->key_type, err) < 0 ||
	    stage_schema_add(s, "estimate", STAGE_INT64, err) < 0 ||
	    stage_schema_add(s, "lower", STAGE_INT64, err) < 0 ||
	    (r->total.sketch.variant == CMS_SIGNED &&
	     stage_schema_add(s, "upper", STAGE_INT64, err) < 0)) {
		stage_schema_free(s);
		return NULL;
	}
	return s;
}

/* Appends an estimate and its bounds: lower (estimate - bound, not below
 * 0 unless signed) and, for a signed sketch, upper (estimate + bound). */
static void append_bounds(stage_column_builder *col, const cms_sketch *s, int64_t est,
                          uint64_t bound)
{
	int64_t b = (int64_t)bound;

	stage_col_append_i64(col++, est);
	if (s->variant != CMS_SIGNED) {
		stage_col_append_i64(col, est > b ? est - b : 0);
		return;
	}
	/* |est| and the bound are at most n <= INT64_MAX apart from 0; a
	 * sum past the int64 range is clamped */
	stage_col_append_i64(col++, est < INT64_MIN + b ? INT64_MIN : est - b);
	stage_col_append_i64(col, est > INT64_MAX - b ? INT64_MAX : est + b);
}

/* The heaviest keys (--top K, or those at PHI * N or more). */
static int write_top(struct run *r, cms_heavy *hh, bool row_column, stage_error *err)
{
	stage_builder b = {0};
	stage_batch *batch = NULL;
	uint64_t bound = cms_sketch_error_bound(&r->total.sketch);
	double floor_n = r->o->threshold * (double)r->total.sketch.n;
	size_t limit = r->o->threshold > 0 ? hh->n : (size_t)r->o->top;
	int rc = -1;

	qsort(hh->heap, hh->n, sizeof *hh->heap, cms_candidate_order);
	if (stage_builder_init(&b, r->schema, err) < 0)
		goto done;
	for (size_t i = 0; i < hh->n && i < limit; i++) {
		const cms_candidate *c = &hh->heap[i];
		stage_column_builder *col = b.cols;

		if (r->o->threshold > 0 && (double)c->estimate < floor_n)
			break;
		if (row_column)
			stage_col_append_i64(col++, r->rows);
		cms_key_append(col++, c->key, c->len, c->null);
		append_bounds(col, &r->total.sketch, c->estimate, bound);
	}
	if (stage_builder_finish(&b, &batch, err) < 0 || stage_output_write(r->out, batch, err) < 0)
		goto done;
	rc = 0;
done:
	stage_batch_free(batch);
	stage_builder_release(&b);
	return rc;
}

/* The sketch as a one-row record (--partial). */
static int write_partial(struct run *r, const cms_heavy *hh, stage_error *err)
{
	stage_builder b = {0};
	stage_batch *batch = NULL;
	uint8_t *bytes = NULL;
	size_t len;
	const cms_sketch *s = &r->total.sketch;
	int rc = -1;

	if (cms_file_encode(s, r->key_type, hh, &bytes, &len, err) < 0)
		goto done;
	if (len > INT32_MAX) {
		stage_error_set(err, STAGE_EXIT_USAGE, "--partial: a sketch of %zu bytes does not fit "
		                "a record (2 GiB); use --save", len);
		goto done;
	}
	if (stage_builder_init(&b, r->schema, err) < 0)
		goto done;
	stage_col_append_i64(&b.cols[0], (int64_t)cms_sketch_width(s));
	stage_col_append_i64(&b.cols[1], s->depth);
	stage_col_append_i64(&b.cols[2], (int64_t)s->seed);
	stage_col_append_i64(&b.cols[3], (int64_t)s->n);
	stage_col_append_bytes(&b.cols[4], bytes, len);
	if (stage_builder_finish(&b, &batch, err) < 0 || stage_output_write(r->out, batch, err) < 0)
		goto done;
	rc = 0;
done:
	free(bytes);
	stage_batch_free(batch);
	stage_builder_release(&b);
	return rc;
}

static stage_schema *partial_schema(stage_error *err)
{
	static const char *const names[] = {"width", "depth", "seed", "n"};
	stage_schema *s = stage_schema_new();

	if (!s) {
		stage_error_oom(err, "schema");
		return NULL;
	}
	for (size_t i = 0; i < 4; i++)
		if (stage_schema_add(s, names[i], STAGE_INT64, err) < 0)
			goto fail;
	if (stage_schema_add(s, "sketch", STAGE_BINARY, err) < 0 ||
	    stage_metadata_set(&s->metadata, "pipestage:cms", "1", err) < 0)
		goto fail;
	return s;
fail:
	stage_schema_free(s);
	return NULL;
}

/* --merge: every row of the input is a sketch. */
static int read_partials(struct run *r, stage_error *err)
{
	const stage_schema *in = stage_input_schema(r->in);
	stage_batch *b;
	int rc;
	int col = -1;

	for (size_t i = 0; i < in->ncols; i++)
		if (strcmp(in->fields[i].name, "sketch") == 0 && in->fields[i].type == STAGE_BINARY)
			col = (int)i;
	if (in->ncols && col < 0)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "--merge: the input has no binary column 'sketch' (make it "
		                       "with cms-count --partial)");
	while ((rc = stage_input_next(r->in, &b, err)) > 0) {
		for (int64_t i = 0; rc >= 0 && i < b->nrows; i++) {
			cms_sketch s = {0};
			cms_keys keys = {0};
			stage_type type;
			size_t len;
			const uint8_t *p = stage_array_bytes(&b->cols[col], i, &len);
			char what[64];

			snprintf(what, sizeof what, "--merge: sketch %lld", (long long)(r->rows + i + 1));
			if (stage_array_is_null(&b->cols[col], i))
				rc = stage_error_set(err, STAGE_EXIT_BAD_INPUT, "%s is null", what);
			else if ((rc = cms_file_decode(p, len, what, &s, &type, &keys, err)) == 0)
				rc = absorb(r, &s, type, &keys, what, err);
			cms_sketch_release(&s);
			cms_keys_release(&keys);
		}
		r->rows += b->nrows;
		stage_batch_free(b);
		if (rc < 0)
			return -1;
	}
	return rc;
}

/* --query: each input row's key and its estimate. */
static int run_query(struct run *r, stage_error *err)
{
	const cms_sketch *s = &r->total.sketch;
	uint64_t bound = cms_sketch_error_bound(s);
	stage_builder out = {0};
	stage_batch *b, *res = NULL;
	int rc;

	if (stage_builder_init(&out, r->schema, err) < 0)
		return -1;
	while ((rc = stage_input_next(r->in, &b, err)) > 0) {
		const stage_array *key = &b->cols[r->key_col];

		for (int64_t i = 0; i < b->nrows; i++) {
			cms_keybuf k;

			cms_key_of_row(key, i, &k);
			cms_key_append(&out.cols[0], k.p, k.len, k.null);
			append_bounds(&out.cols[1], s, cms_sketch_query(s, key_hash(s, &k)), bound);
		}
		stage_batch_free(b);
		if (stage_builder_finish(&out, &res, err) < 0 || stage_output_write(r->out, res, err) < 0) {
			rc = -1;
			break;
		}
		stage_batch_free(res);
		res = NULL;
	}
	stage_batch_free(res);
	stage_builder_release(&out);
	return rc;
}

static int write_snapshot(struct run *r, stage_error *err)
{
	cms_heavy top;
	int rc = finalize(r, NULL, 0, &top, err);

	if (rc == 0)
		rc = write_top(r, &top, true, err);
	cms_heavy_release(&top);
	return rc;
}

/* The end of a run: the heaviest keys (or the sketch as a record) out,
 * and the sketch into --save. */
static int finish(struct run *r, struct counter *extra, int nextra, bool results,
                  stage_error *err)
{
	cms_heavy top = {0};
	uint8_t *bytes = NULL;
	size_t len;
	int rc = finalize(r, extra, nextra, &top, err);

	if (rc >= 0 && r->o->save &&
	    cms_file_encode(&r->total.sketch, r->key_type, &top, &bytes, &len, err) == 0)
		rc = cms_file_save(r->o->save, bytes, len, err);
	else if (r->o->save)
		rc = -1;
	if (rc >= 0 && results)
		rc = r->o->partial ? write_partial(r, &top, err) : write_top(r, &top, false, err);
	free(bytes);
	cms_heavy_release(&top);
	return rc;
}

/* --every, --every-seconds: counting in input order, with snapshots,
 * every S seconds on the clock also while no input comes. */
static int run_every(struct run *r, stage_error *err)
{
	uint64_t every_ns = r->o->every_ns, due = every_ns ? stage_now_ns() + every_ns : 0;
	stage_batch *b;
	int rc;

	while ((rc = stage_input_next_until(r->in, due, &b, err)) > 0) {
		int64_t base = r->rows;

		/* b is NULL when the input timed out */

		for (int64_t from = 0; b && rc >= 0 && from < b->nrows;) {
			int64_t to = r->o->every ? from + (r->o->every - r->rows % r->o->every) : b->nrows;

			if (to > b->nrows)
				to = b->nrows;
			rc = count_rows(&r->total, r, b, from, to, base, err);
			r->rows += to - from;
			from = to;
			if (rc >= 0 && r->o->every && r->rows % r->o->every == 0)
				rc = write_snapshot(r, err);
		}
		stage_batch_free(b);
		if (rc >= 0 && due && stage_now_ns() >= due) {
			uint64_t now;

			rc = write_snapshot(r, err);
			/* on the beat; beats missed while counting a long batch are
			 * skipped, not caught up with */
			now = stage_now_ns();
			due += every_ns;
			if (due <= now)
				due = now + every_ns;
		}
		if (rc < 0)
			return -1;
	}
	if (rc == 0 && (r->o->every_ns || r->rows == 0 || r->rows % r->o->every != 0))
		rc = write_snapshot(r, err);
	if (rc == 0)
		rc = finish(r, NULL, 0, false, err);
	return rc;
}

struct workers {
	struct counter *counters;
	const struct run *r;
};

static int count_batch(void *ctx, int worker, const stage_batch *b, int64_t row_base,
                       stage_error *err)
{
	struct workers *w = ctx;

	return count_rows(&w->counters[worker], w->r, b, 0, b->nrows, row_base, err);
}

/* Counting on workers, each with its own sketch; the plain sketch is
 * linear, so their sum is exactly the one-thread sketch. */
static int run_count(struct run *r, stage_error *err)
{
	int n = stage_workers(r->cli->workers);
	struct counter *counters;
	struct workers w = {.r = r};
	int rc = -1, made = 0;

	/* The conservative update depends on the counters it meets: one
	 * thread, straight into the (perhaps loaded) sketch. */
	if (r->total.sketch.variant == CMS_CONSERVATIVE) {
		w.counters = &r->total;
		rc = stage_input_aggregate(r->in, 1, count_batch, &w, &r->rows, err);
		return rc < 0 ? rc : finish(r, NULL, 0, true, err);
	}
	counters = calloc((size_t)n, sizeof *counters);
	if (!counters)
		return stage_error_oom(err, "counters");
	for (; made < n; made++)
		if (counter_init(&counters[made], &r->total.sketch, candidate_cap(r->o), err) < 0)
			goto done;
	w.counters = counters;
	rc = stage_input_aggregate(r->in, n, count_batch, &w, &r->rows, err);
	for (int i = 0; rc >= 0 && i < n; i++)
		if (cms_sketch_merge(&r->total.sketch, &counters[i].sketch) < 0 ||
		    r->total.sketch.n > INT64_MAX)
			rc = stage_error_set(err, STAGE_EXIT_BAD_INPUT, "the total count passes 2^63 - 1");
	if (rc >= 0)
		rc = finish(r, counters, n, true, err);
done:
	for (int i = 0; i < made; i++)
		counter_release(&counters[i]);
	free(counters);
	return rc;
}

/* Options that size the sketch must agree with a loaded one, which
 * otherwise decides (its variant included). */
static int check_loaded(struct run *r, stage_error *err)
{
	const struct options *o = r->o;
	cms_sketch like;
	const char *why = NULL;

	if (o->width || o->depth || o->epsilon || o->delta) {
		if (size_sketch(r, &like, err) < 0)
			return -1;
		like.seed = r->total.sketch.seed;
		like.variant = r->total.sketch.variant;
		why = cms_sketch_mismatch(&like, &r->total.sketch);
	}
	if (!why && o->seed_set && o->seed != r->total.sketch.seed)
		why = "seeds differ";
	if (!why && o->conservative && r->total.sketch.variant != CMS_CONSERVATIVE)
		why = "--conservative, and the loaded sketch is not";
	if (!why && o->signed_weights && r->total.sketch.variant != CMS_SIGNED)
		why = "--signed, and the loaded sketch is not";
	if (why)
		return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
		                       "--load: the options ask for another sketch: %s", why);
	return 0;
}

/* The key and weight columns, and the sketch to count into. */
static int prepare_count(struct run *r, stage_error *err)
{
	const stage_schema *s = stage_input_schema(r->in);
	cms_sketch like = {0};

	if (s->ncols == 0 && !r->have_sketch) {
		/* empty input: nothing to count, and no column to take a type from */
		r->key_name = r->o->key;
		r->key_type = STAGE_UTF8;
		goto new_sketch;
	}
	r->key_col = stage_schema_find(s, r->o->key, err);
	if (r->key_col < 0)
		return stage_error_prefix(err, "-k");
	r->key_name = s->fields[r->key_col].name;
	if (r->o->weight) {
		stage_type t;

		r->weight_col = stage_schema_find(s, r->o->weight, err);
		if (r->weight_col < 0)
			return stage_error_prefix(err, "-w");
		t = s->fields[r->weight_col].type;
		if (t != STAGE_INT64 && t != STAGE_FLOAT64 && t != STAGE_FLOAT32)
			return stage_error_set(err, STAGE_EXIT_USAGE, "-w: column '%s' is %s, not a number",
			                       r->o->weight, stage_type_name(t));
	}
	{
		int used[2] = {r->key_col, r->weight_col};

		if (stage_input_only(r->in, used, r->weight_col >= 0 ? 2 : 1, err) < 0)
			return -1;
	}
	if (r->have_sketch) {
		if (r->key_type != s->fields[r->key_col].type)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT,
			                       "-k %s is %s, the loaded sketch counts %s keys", r->o->key,
			                       stage_type_name(s->fields[r->key_col].type),
			                       stage_type_name(r->key_type));
		return check_loaded(r, err);
	}
	r->key_type = s->fields[r->key_col].type;
new_sketch:
	if (size_sketch(r, &like, err) < 0 ||
	    counter_init(&r->total, &like, candidate_cap(r->o), err) < 0)
		return -1;
	r->have_sketch = true;
	return 0;
}

static int run(struct run *r, stage_error *err)
{
	if (load_files(r, err) < 0 || stage_input_open(&r->in, 0, &r->cli->in, err) < 0)
		return -1;
	stage_cli_note_io(r->cli);
	if (r->o->merge) {
		if (read_partials(r, err) < 0)
			return -1;
		if (!r->have_sketch)
			return stage_error_set(err, STAGE_EXIT_BAD_INPUT, "--merge: no sketches to merge");
		r->key_name = "key";
	} else if (prepare_count(r, err) < 0) {
		return -1;
	}
	r->schema = r->o->partial ? partial_schema(err)
	                          : result_schema(r, r->o->every || r->o->every_ns, err);
	if (!r->schema || stage_output_open(&r->out, 1, r->cli->out, r->schema, err) < 0)
		return -1;
	stage_output_set_input(r->out, r->in);
	if (r->o->merge)
		return finish(r, NULL, 0, true, err);
	if (r->o->query)
		return run_query(r, err);
	if (r->o->every || r->o->every_ns)
		return run_every(r, err);
	return run_count(r, err);
}

int main(int argc, char **argv)
{
	stage_cli cli;
	struct options o = {.top = 10};
	stage_error err = {0};
	struct run r = {.cli = &cli, .o = &o, .key_col = -1, .weight_col = -1};
	int failed = 1;
	uint64_t start = stage_now_ns();

	stage_cli_init(&cli, "cms-count", usage);
	if (parse_args(argc, argv, &cli, &o, &err) < 0)
		goto done;
	if (stage_output_end(r.out, cli.prog, run(&r, &err), &err) < 0)
		goto done;
	failed = 0;
	if (cli.stats) {
		const cms_sketch *s = &r.total.sketch;

		fprintf(stderr,
		        "cms-count: width %llu, depth %u, epsilon %.3g, delta %.3g, N %llu, memory %zu "
		        "bytes, %lld rows in %.3f s\n",
		        (unsigned long long)cms_sketch_width(s), s->depth, cms_sketch_epsilon(s),
		        cms_sketch_delta(s), (unsigned long long)s->n,
		        ((size_t)s->depth << s->width_log2) * sizeof(uint64_t), (long long)r.rows,
		        (double)(stage_now_ns() - start) / 1e9);
	}
done:
	if (r.in && stage_input_warning(r.in))
		stage_cli_warn(&cli, "%s", stage_input_warning(r.in));
	stage_output_free(r.out);
	stage_input_free(r.in);
	stage_schema_free(r.schema);
	if (r.have_sketch)
		counter_release(&r.total);
	cms_keys_release(&r.loaded);
	free(o.load);
	return stage_cli_exit(&cli, failed ? &err : NULL);
}
