/* The fetcher's lifecycle: rows in, results out, the cache's commits. */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fetch_internal.h"
#include "policy.h"

void fc__fail(fc_fetcher *f, const stage_error *err)
{
	if (!f->failed) {
		f->failed = true;
		f->failure = *err;
	}
}

void fc__fail_oom(fc_fetcher *f, const char *what)
{
	stage_error err;

	stage_error_oom(&err, what);
	fc__fail(f, &err);
}

void fc__bytes_append(bytes *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void fc__bytes_reset(bytes *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

int64_t fc__wall_now(void)
{
	return (int64_t)time(NULL);
}

/* Results to rows. */

static void count_rows(fc_fetcher *f, const char *cache, size_t n)
{
	fc_fetch_counts *c = &f->counts;

	if (!strcmp(cache, "hit"))
		c->hits += n;
	else if (!strcmp(cache, "revalidated"))
		c->revalidated += n;
	else if (!strcmp(cache, "miss"))
		c->misses += n;
	else if (!strcmp(cache, "stale"))
		c->stale += n;
	else if (!strcmp(cache, "offline-miss"))
		c->offline_misses += n;
	else
		c->errors += n;
}

void fc__deliver(struct job *j, fc_result *r)
{
	fc_fetcher *f = j->f;

	r->elapsed_ms = (double)(stage_now_ns() - j->start_ns) / 1e6;
	r->attempts = j->attempts;
	if (!r->final_url)
		r->final_url = j->url;
	count_rows(f, r->cache, j->nrows);
	for (size_t i = 0; i < j->nrows; i++)
		f->done(f->arg, j->rows[i], r);
	j->nrows = 0;
}

void fc__job_free(struct job *j)
{
	fc_fetcher *f = j->f;

	if (j->coalesce) {
		if (fc_strmap_get(f->inflight, j->coalesce) == j)
			fc_strmap_del(f->inflight, j->coalesce);
		free(j->coalesce);
	}
	free(j->url);
	free(j->key);
	free(j->req_block);
	free(j->req_cc);
	free(j->rows);
	if (j->has_stored)
		fc_entry_release(&j->stored);
	curl_slist_free_all(j->slist);
	free(j->hdr.data);
	free(j->body.data);
	free(j);
	f->jobs--;
}

void fc__finish_error(struct job *j, int status, const char *cache, const char *msg)
{
	fc_result r = {.status = status, .cache = cache, .error = msg};

	fc__deliver(j, &r);
	fc__job_free(j);
}

void fc__forget_stored(struct job *j)
{
	if (j->has_stored) {
		fc_entry_release(&j->stored);
		j->has_stored = false;
	}
	j->revalidating = false;
}

/* Rows in. */

static void add_line(bytes *b, const char *p, size_t n)
{
	fc__bytes_append(b, p, n);
	fc__bytes_append(b, "\r\n", 2);
}

/* The request header block: the user agent, the fixed headers, the row's
 * own, and for --revalidate a Cache-Control: no-cache that asks caches on
 * the way (proxies) to revalidate too, unless the user said what to ask. */
static char *request_block(const fc_fetch_opts *o, const char *row_headers)
{
	bytes b = {0};
	char *cc;

	fc__bytes_append(&b, "", 0);
	if (o->user_agent) {
		/* a header line rather than CURLOPT_USERAGENT, so that Vary sees it */
		fc__bytes_append(&b, "User-Agent: ", 12);
		add_line(&b, o->user_agent, strlen(o->user_agent));
	}
	for (size_t i = 0; i < o->nheaders; i++)
		add_line(&b, o->headers[i], strlen(o->headers[i]));
	for (const char *p = row_headers; p && *p;) {
		size_t n = strcspn(p, "\r\n");

		if (n)
			add_line(&b, p, n);
		p += n;
		p += strspn(p, "\r\n");
	}
	if (o->revalidate && !b.oom) {
		bool oom = false;

		cc = fc_header_get(b.data, "Cache-Control", &oom);
		if (!cc && !oom)
			add_line(&b, "Cache-Control: no-cache", 23);
		free(cc);
		b.oom |= oom;
	}
	if (b.oom) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

/* The request's Cache-Control as the cache reads it: the user's own,
 * plus no-cache for --revalidate and only-if-cached for --offline. */
static char *request_cc(const fc_fetch_opts *o, const char *block)
{
	char *cc = fc_header_get(block, "Cache-Control", NULL);
	fc_cache_control c;
	char *out = NULL;

	fc_cache_control_parse(cc ? cc : "", &c);
	/* The block carries --revalidate's no-cache unless the user gave a
	 * Cache-Control of their own: add what is missing. */
	bool no_cache = o->revalidate && !c.no_cache;
	bool only_if_cached = o->offline && !c.only_if_cached;

	if (asprintf(&out, "%s%s%s%s%s", cc ? cc : "", cc && no_cache ? ", " : "",
	             no_cache ? "no-cache" : "", (cc || no_cache) && only_if_cached ? ", " : "",
	             only_if_cached ? "only-if-cached" : "") < 0)
		out = NULL;
	free(cc);
	return out;
}

static struct job *job_new(fc_fetcher *f, const char *url, const char *key, char *block)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->f = f;
	j->req_block = block;
	j->url = strdup(url);
	j->req_cc = request_cc(&f->o, block);
	j->start_ns = stage_now_ns();
	if (asprintf(&j->key, "%s %s", f->o.head ? "HEAD" : "GET", key) < 0)
		j->key = NULL;
	if (j->key && asprintf(&j->coalesce, "%s\n%s", j->key, block) < 0)
		j->coalesce = NULL;
	f->jobs++;
	if (!j->url || !j->req_cc || !j->key || !j->coalesce) {
		fc__job_free(j);
		return NULL;
	}
	return j;
}

static int add_row(struct job *j, int64_t row)
{
	if (j->nrows == j->caprows) {
		size_t cap = j->caprows ? 2 * j->caprows : 2;
		int64_t *r = realloc(j->rows, cap * sizeof(*r));

		if (!r)
			return -1;
		j->rows = r;
		j->caprows = cap;
	}
	j->rows[j->nrows++] = row;
	return 0;
}

int fc_fetcher_submit(fc_fetcher *f, int64_t row, const char *url, const char *row_headers,
                      stage_error *err)
{
	stage_error bad;
	char *key, *block;
	struct job *j;

	f->counts.rows++;
	key = fc_url_key(url, &bad);
	if (!key) {
		fc_result r = {.cache = "error", .error = bad.msg, .final_url = NULL};

		f->counts.errors++;
		f->done(f->arg, row, &r);
		return 0;
	}
	block = request_block(&f->o, row_headers);
	if (!block) {
		free(key);
		return stage_error_oom(err, "request headers");
	}
	j = job_new(f, url, key, block);
	free(key);
	if (!j)
		return stage_error_oom(err, "request");
	struct job *same = fc_strmap_get(f->inflight, j->coalesce);
	if (same) {
		fc__job_free(j);
		if (add_row(same, row) < 0)
			return stage_error_oom(err, "request");
		return 0;
	}
	if (add_row(j, row) < 0 || fc_strmap_put(f->inflight, j->coalesce, j) < 0) {
		fc__job_free(j);
		return stage_error_oom(err, "request");
	}
	fc__begin_hop(j);
	if (f->failed) {
		*err = f->failure;
		return -1;
	}
	return 0;
}

/* The fetcher. */

int fc_fetcher_new(fc_fetcher **out, stage_loop *loop, const fc_fetch_opts *o,
                   fc_row_done done, void *arg, stage_error *err)
{
	fc_fetcher *f = calloc(1, sizeof(*f));
	fc_transport_opts to = {.max_total_connections = o->parallel,
	                        .max_host_connections = o->per_host};

	if (!f)
		return stage_error_oom(err, "fetcher");
	f->o = *o;
	f->loop = loop;
	f->done = done;
	f->arg = arg;
	f->inflight = fc_strmap_new();
	f->hosts = fc_strmap_new();
	f->idle = calloc((size_t)o->parallel, sizeof(*f->idle));
	f->digest = fc_digest_new();
	f->last_commit_ns = f->last_evict_ns = stage_now_ns();
	if (!f->inflight || !f->hosts || !f->idle || !f->digest) {
		fc_fetcher_free(f);
		return stage_error_oom(err, "fetcher");
	}
	if (fc_transport_new(&f->transport, loop, &to, fc__transfer_done, f, err) < 0 ||
	    (o->store && fc_body_writer_start(&f->writer, o->store, loop, err) < 0)) {
		fc_fetcher_free(f);
		return -1;
	}
	*out = f;
	return 0;
}

size_t fc_fetcher_busy(const fc_fetcher *f)
{
	return f->jobs + f->writes + f->timers;
}

static int commit(fc_fetcher *f, stage_error *err)
{
	f->last_commit_ns = stage_now_ns();
	if (!f->uncommitted)
		return 0;
	f->uncommitted = 0;
	return fc_store_commit(f->o.store, err);
}

int fc_fetcher_commit(fc_fetcher *f, stage_error *err)
{
	return f->o.store ? commit(f, err) : 0;
}

static int evict(fc_fetcher *f, stage_error *err)
{
	uint64_t size, evicted = 0;

	f->last_evict_ns = stage_now_ns();
	if (fc_store_size(f->o.store, &size, err) < 0)
		return -1;
	if (size <= f->o.max_size)
		return 0;
	if (fc_store_evict(f->o.store, f->o.max_size, &evicted, err) < 0)
		return -1;
	f->counts.evicted += evicted;
	return 0;
}

int fc_fetcher_tick(fc_fetcher *f, stage_error *err)
{
	const stage_error *te = fc_transport_failure(f->transport);
	uint64_t now = stage_now_ns();

	if (te)
		fc__fail(f, te);
	if (f->failed) {
		*err = f->failure;
		return -1;
	}
	if (!f->o.store)
		return 0;
	if ((f->uncommitted >= COMMIT_EVERY_OPS || now - f->last_commit_ns >= COMMIT_EVERY_NS) &&
	    commit(f, err) < 0)
		return -1;
	if (f->o.max_size && now - f->last_evict_ns >= EVICT_EVERY_NS && commit(f, err) == 0 &&
	    evict(f, err) < 0)
		return -1;
	return 0;
}

int fc_fetcher_finish(fc_fetcher *f, stage_error *err)
{
	if (fc_fetcher_tick(f, err) < 0 || !f->o.store)
		return f->failed ? -1 : 0;
	if (commit(f, err) < 0)
		return -1;
	return f->o.max_size ? evict(f, err) : 0;
}

const fc_fetch_counts *fc_fetcher_counts(const fc_fetcher *f)
{
	return &f->counts;
}

const char *fc_fetcher_store_failure(const fc_fetcher *f)
{
	return f->counts.store_failures ? f->store_failure.msg : NULL;
}

static void host_free(void *value, void *arg)
{
	struct host *h = value;

	(void)arg;
	free(h->name);
	free(h);
}

/* A run that failed leaves jobs behind: transfers, waits for a retry. */
static void abandon(void *value, void *arg)
{
	struct job *j = value;

	(void)arg;
	if (j->easy) {
		fc_transport_abort(j->f->transport, j->easy);
		curl_easy_cleanup(j->easy);
	}
	free(j->coalesce); /* the map is being walked: leave it alone */
	j->coalesce = NULL;
	fc__job_free(j);
}

void fc_fetcher_free(fc_fetcher *f)
{
	if (!f)
		return;
	if (f->inflight)
		fc_strmap_each(f->inflight, abandon, NULL);
	if (f->writer) {
		stage_error ignored;

		/* the last bodies' callbacks are on their way to the loop */
		fc_body_writer_stop(f->writer);
		while (f->writes && stage_loop_run_once(f->loop, -1, &ignored) >= 0)
			;
	}
	fc_transport_free(f->transport);
	for (size_t i = 0; i < f->nidle; i++)
		curl_easy_cleanup(f->idle[i]);
	free(f->idle);
	if (f->hosts)
		fc_strmap_each(f->hosts, host_free, NULL);
	fc_strmap_free(f->hosts);
	fc_strmap_free(f->inflight);
	free(f->ring);
	fc_digest_free(f->digest);
	free(f);
}

