/* What the cache answers: stored responses served, revalidated or
 * refused per RFC 9111, redirects followed hop by hop, responses stored. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch_internal.h"
#include "policy.h"
#include "store.h"

/* The cache index: writes gather and commit in batches (fc_fetcher_tick). */

static void store_op_done(fc_fetcher *f, int rc, stage_error *err)
{
	if (rc < 0)
		fc__fail(f, err);
	else
		f->uncommitted++;
}

static void touch(struct job *j)
{
	stage_error err;

	if (j->f->o.store && j->stored.id)
		store_op_done(j->f, fc_store_touch(j->f->o.store, j->stored.id, fc__wall_now(), &err),
		              &err);
}

static void stored(fc_fetcher *f, fc_entry *e)
{
	stage_error err;

	store_op_done(f, fc_store_put(f->o.store, e, &err), &err);
	f->counts.stored++;
}

/* The body is published (or could not be): index the entry. */
static void on_body_written(fc_body_write *bw)
{
	struct pending_write *w = (struct pending_write *)bw;
	fc_fetcher *f = w->f;

	if (!w->write.failed) {
		stored(f, &w->e);
	} else {
		/* A full disk costs this entry, not the run: said once at the end. */
		if (!f->counts.store_failures++)
			f->store_failure = w->write.err;
	}
	f->write_bytes -= w->write.len;
	fc_entry_release(&w->e);
	free(w->body);
	free(w);
	f->writes--;
	fc__dispatch(f);
}

void fc__store_response(fc_fetcher *f, fc_entry *e, bytes *b)
{
	struct pending_write *w;

	if (b->len == 0) {
		stored(f, e);
		fc_entry_release(e);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		fc_entry_release(e);
		return fc__fail_oom(f, "cache write");
	}
	w->f = f;
	w->e = *e;
	w->body = b->data;
	w->write = (fc_body_write){.digest = w->e.digest, .body = w->body, .len = b->len,
	                           .done = on_body_written};
	*b = (bytes){0};
	f->writes++;
	f->write_bytes += w->write.len;
	fc_body_writer_push(f->writer, &w->write);
}

/* Serving a stored response. */

bool fc__is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* The absolute target of a Location value relative to base; NULL when it
 * does not resolve. */
static char *resolve(const char *base, const char *location)
{
	CURLU *u = curl_url();
	char *out = NULL, *res = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK) {
		res = strdup(out);
		curl_free(out);
	}
	curl_url_cleanup(u);
	return res;
}

static bool is_credential(const char *line, size_t n)
{
	static const char *const names[] = {"authorization:", "proxy-authorization:", "cookie:"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t k = strlen(names[i]);

		if (n >= k && !strncasecmp(line, names[i], k))
			return true;
	}
	return false;
}

/* A redirect to another host does not take the user's credentials along
 * (as curl does when it follows redirects itself). */
static int drop_credentials(struct job *j)
{
	bytes b = {0};

	for (const char *p = j->req_block; *p;) {
		size_t n = strcspn(p, "\r\n");

		if (n && !is_credential(p, n)) {
			fc__bytes_append(&b, p, n);
			fc__bytes_append(&b, "\r\n", 2);
		}
		p += n;
		p += strspn(p, "\r\n");
	}
	if (b.oom)
		return -1;
	free(j->req_block);
	j->req_block = b.data ? b.data : strdup("");
	return j->req_block ? 0 : -1;
}

/* Moves the job to the redirect's target: a new hop, looked up afresh. */
void fc__next_hop(struct job *j, const char *target)
{
	stage_error err;
	char *key, *url;
	char from[512], to[512];

	fc__forget_stored(j);
	if (++j->hops > MAX_HOPS)
		return fc__finish_error(j, 0, "error", "too many redirects");
	url = strdup(target);
	key = fc_url_key(target, &err);
	if (!url || !key) {
		free(url);
		free(key);
		if (!url)
			return fc__fail_oom(j->f, "redirect");
		return fc__finish_error(j, 0, "error", err.msg);
	}
	if (strcmp(fc__host_of(j->url, from, sizeof(from)), fc__host_of(url, to, sizeof(to))) &&
	    drop_credentials(j) < 0) {
		free(url);
		free(key);
		return fc__fail_oom(j->f, "redirect");
	}
	free(j->url);
	free(j->key);
	j->url = url;
	j->key = NULL;
	if (asprintf(&j->key, "%s %s", j->f->o.head ? "HEAD" : "GET", key) < 0) {
		j->key = NULL;
		free(key);
		return fc__fail_oom(j->f, "redirect");
	}
	free(key);
	fc__begin_hop(j);
}

/* Follows a stored redirect; returns true when it did (the job is then
 * someone else's: it may be gone). */
static bool follow_stored(struct job *j)
{
	char *loc, *target;

	if (!j->f->o.follow || !fc__is_redirect(j->stored.status))
		return false;
	loc = fc_header_get(j->stored.headers, "Location", NULL);
	target = loc ? resolve(j->url, loc) : NULL;
	free(loc);
	if (!target)
		return false;
	fc__next_hop(j, target);
	free(target);
	return true;
}

enum served {
	SERVED, /* the rows have their answer; the caller frees or reuses the job */
	MOVED,  /* a stored redirect sent the job on: do not touch it again */
	GONE,   /* the body file is gone (evicted by another process): the entry
	         * is dropped, go on as if nothing were stored */
};

static enum served serve_stored(struct job *j, const char *cache)
{
	fc_fetcher *f = j->f;
	uint8_t *body = NULL;
	stage_error err;
	char *ctype;

	if (!f->o.keep_body && !fc_body_present(f->o.store, j->stored.digest, j->stored.body_size)) {
		store_op_done(f, fc_store_delete(f->o.store, j->stored.id, &err), &err);
		fc__forget_stored(j);
		return GONE;
	}
	if (f->o.keep_body && j->stored.body_size > 0) {
		if (fc_body_read(f->o.store, j->stored.digest, j->stored.body_size, &body, &err) < 0) {
			fc__fail(f, &err);
			return SERVED;
		}
		if (!body) {
			store_op_done(f, fc_store_delete(f->o.store, j->stored.id, &err), &err);
			fc__forget_stored(j);
			return GONE;
		}
	}
	touch(j);
	if (follow_stored(j)) {
		free(body);
		return MOVED;
	}
	ctype = fc_header_get(j->stored.headers, "Content-Type", NULL);
	fc_result r = {
		.status = j->stored.status,
		.cache = cache,
		.bytes = j->stored.body_size,
		.content_type = ctype,
		.headers = j->stored.headers,
		.body = body,
		.body_len = body ? (size_t)j->stored.body_size : 0,
		.digest = j->stored.digest,
	};
	fc__deliver(j, &r);
	free(ctype);
	free(body);
	return SERVED;
}

/* The stored variant this request may use (RFC 9111 4.1), if any. */
static int find_stored(struct job *j, stage_error *err)
{
	fc_entry *v = NULL;
	size_t n = 0;
	int found = -1;

	if (fc_store_lookup(j->f->o.store, j->key, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && found < 0; i++) {
		bool star = false;
		char *vk = fc_vary_key(v[i].vary, j->req_block, &star);

		if (vk && !strcmp(vk, v[i].vary_key ? v[i].vary_key : ""))
			found = (int)i;
		free(vk);
	}
	for (size_t i = 0; i < n; i++) {
		if ((int)i == found) {
			j->stored = v[i];
			j->has_stored = true;
		} else {
			fc_entry_release(&v[i]);
		}
	}
	free(v);
	return 0;
}

static bool stored_forbids_stale(const fc_entry *e)
{
	char *cc = fc_header_get(e->headers, "Cache-Control", NULL);
	fc_cache_control c;

	fc_cache_control_parse(cc ? cc : "", &c);
	free(cc);
	return c.must_revalidate || c.proxy_revalidate || c.no_cache;
}

/* Answers from the stored response and ends the job; `otherwise` runs
 * when its body turned out to be gone. */
void fc__serve_and_end(struct job *j, const char *cache, void (*otherwise)(struct job *))
{
	switch (serve_stored(j, cache)) {
	case SERVED:
		return fc__job_free(j);
	case MOVED:
		return;
	case GONE:
		return otherwise(j);
	}
}

static void offline_miss(struct job *j)
{
	fc__finish_error(j, 504, "offline-miss", NULL);
}

/* --offline: anything stored that may be served without asking. */
static void serve_offline(struct job *j)
{
	if (!j->has_stored)
		return offline_miss(j);
	fc_stored st = {j->stored.status, j->stored.headers, j->stored.request_time,
	                j->stored.response_time};
	int64_t now = fc__wall_now();

	if (fc_decide(&st, j->req_cc, now) == FC_USE_FRESH)
		return fc__serve_and_end(j, fc_is_stale(&st, now) ? "stale" : "hit", offline_miss);
	if (stored_forbids_stale(&j->stored))
		return offline_miss(j);
	fc__serve_and_end(j, fc_is_stale(&st, now) ? "stale" : "hit", offline_miss);
}

/* stale-while-revalidate: the rows get the stale response now, and the
 * job goes on without them to revalidate in the background. */
static void serve_then_revalidate(struct job *j)
{
	switch (serve_stored(j, "stale")) {
	case SERVED:
		j->revalidating = true;
		return fc__schedule(j);
	case MOVED:
		return;
	case GONE:
		return fc__schedule(j);
	}
}

void fc__begin_hop(struct job *j)
{
	fc_fetcher *f = j->f;
	stage_error err;

	if (f->o.store && find_stored(j, &err) < 0) {
		fc__fail(f, &err);
		return fc__finish_error(j, 0, "error", err.msg);
	}
	if (f->o.offline)
		return serve_offline(j);
	if (!j->has_stored)
		return fc__schedule(j);
	fc_stored st = {j->stored.status, j->stored.headers, j->stored.request_time,
	                j->stored.response_time};
	int64_t now = fc__wall_now();

	switch (fc_decide(&st, j->req_cc, now)) {
	case FC_USE_FRESH:
		return fc__serve_and_end(j, fc_is_stale(&st, now) ? "stale" : "hit", fc__schedule);
	case FC_USE_STALE_SWR:
		return serve_then_revalidate(j);
	case FC_USE_REVALIDATE:
		j->revalidating = true;
		return fc__schedule(j);
	}
}

/* After a 304: the stored response with the 304's headers. */
void fc__refreshed(struct job *j, int64_t response_time)
{
	fc_fetcher *f = j->f;
	stage_error err;
	char *clean = fc_headers_storable(j->hdr.data ? j->hdr.data : "");
	char *merged = clean ? fc_headers_update(j->stored.headers, clean) : NULL;

	free(clean);
	if (!merged)
		return fc__fail_oom(f, "304 headers");
	free(j->stored.headers);
	j->stored.headers = merged;
	j->stored.request_time = j->request_time;
	j->stored.response_time = response_time;
	j->stored.last_used = response_time;
	store_op_done(f, fc_store_refresh(f->o.store, &j->stored, &err), &err);
	fc__serve_and_end(j, "revalidated", fc__schedule);
}

