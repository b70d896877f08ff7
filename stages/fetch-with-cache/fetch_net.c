/* The network side of the fetcher: hosts taken in turn within the
 * window, easy handles reused, retries with backoff, responses handed to
 * the cache. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "fetch_internal.h"
#include "policy.h"

/* Hosts and the round-robin of hosts with work waiting. */

const char *fc__host_of(const char *url, char *buf, size_t len)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	n = strcspn(p, "/?#");
	n += (size_t)(p - url);
	if (n >= len)
		n = len - 1;
	memcpy(buf, url, n);
	buf[n] = '\0';
	return buf;
}

static struct host *host_get(fc_fetcher *f, const char *url)
{
	char name[512];
	struct host *h;

	fc__host_of(url, name, sizeof(name));
	h = fc_strmap_get(f->hosts, name);
	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h || !(h->name = strdup(name)) || fc_strmap_put(f->hosts, name, h) < 0) {
		if (h)
			free(h->name);
		free(h);
		return NULL;
	}
	return h;
}

static int ring_push(fc_fetcher *f, struct host *h)
{
	if (h->in_ring)
		return 0;
	if (f->nring == f->capring) {
		size_t cap = f->capring ? 2 * f->capring : 16;
		struct host **r = realloc(f->ring, cap * sizeof(*r));

		if (!r)
			return -1;
		f->ring = r;
		f->capring = cap;
	}
	f->ring[f->nring++] = h;
	h->in_ring = true;
	return 0;
}

/* The network. */

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n;

	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		fc__bytes_reset(&j->hdr); /* a new response: 1xx before, or the real one */
		return len;
	}
	if (len <= 2 && (p[0] == '\r' || p[0] == '\n'))
		return len;
	fc__bytes_append(&j->hdr, p, len);
	return j->hdr.oom ? 0 : len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n;

	fc__bytes_append(&j->body, p, len);
	return j->body.oom ? 0 : len;
}

static CURL *easy_get(fc_fetcher *f)
{
	if (f->nidle)
		return f->idle[--f->nidle];
	return curl_easy_init();
}

static void easy_put(fc_fetcher *f, CURL *easy)
{
	if (f->nidle < (size_t)f->o.parallel) {
		curl_easy_reset(easy);
		f->idle[f->nidle++] = easy;
	} else {
		curl_easy_cleanup(easy);
	}
}

/* "Name: value" lines of a header block onto a curl list. */
static int add_lines(struct curl_slist **list, const char *block)
{
	const char *p = block;

	while (p && *p) {
		size_t n = strcspn(p, "\r\n");

		if (n) {
			char *line = strndup(p, n);
			struct curl_slist *l = line ? curl_slist_append(*list, line) : NULL;

			free(line);
			if (!l)
				return -1;
			*list = l;
		}
		p += n;
		p += strspn(p, "\r\n");
	}
	return 0;
}

static int configure(struct job *j)
{
	fc_fetcher *f = j->f;
	CURL *e = j->easy;

	curl_slist_free_all(j->slist);
	j->slist = NULL;
	if (add_lines(&j->slist, j->req_block) < 0)
		return -1;
	if (j->revalidating) {
		char *cond = fc_conditional_headers(j->stored.headers);

		if (!cond || add_lines(&j->slist, cond) < 0) {
			free(cond);
			return -1;
		}
		free(cond);
	}
	j->errbuf[0] = '\0';
	fc__bytes_reset(&j->hdr);
	fc__bytes_reset(&j->body);
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->slist);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(f->o.timeout_ns / 1000000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(f->o.connect_timeout_ns / 1000000));
	if (f->o.head)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	return 0;
}

static void start(struct job *j)
{
	fc_fetcher *f = j->f;
	stage_error err;

	j->easy = easy_get(f);
	if (!j->easy || configure(j) < 0) {
		if (j->easy)
			easy_put(f, j->easy);
		j->easy = NULL;
		return fc__fail_oom(f, "request");
	}
	j->attempts++;
	j->request_time = fc__wall_now();
	f->counts.requests++;
	j->host->active++;
	f->active++;
	if (fc_transport_start(f->transport, j->easy, &err) < 0) {
		j->host->active--;
		f->active--;
		easy_put(f, j->easy);
		j->easy = NULL;
		fc__fail(f, &err);
		fc__finish_error(j, 0, "error", err.msg);
	}
}

void fc__schedule(struct job *j)
{
	fc_fetcher *f = j->f;
	struct host *h = host_get(f, j->url);

	if (!h || ring_push(f, h) < 0)
		return fc__fail_oom(f, "host queue");
	j->host = h;
	j->qnext = NULL;
	if (h->tail)
		h->tail->qnext = j;
	else
		h->head = j;
	h->tail = j;
	fc__dispatch(f);
}

static void on_wake(void *arg, int64_t result)
{
	fc_fetcher *f = arg;

	if (result == -ECANCELED) /* the loop's teardown: the fetcher is gone */
		return;
	f->timers--;
	f->wake_at_ns = 0;
	fc__dispatch(f);
}

static void wake_at(fc_fetcher *f, uint64_t when)
{
	stage_error err;
	uint64_t now = stage_now_ns();

	if (f->wake_at_ns && f->wake_at_ns <= when)
		return;
	if (stage_loop_timer(f->loop, when > now ? when - now : 0, on_wake, f, &err) < 0)
		return fc__fail(f, &err);
	f->timers++;
	f->wake_at_ns = when;
}

/* Starts waiting jobs while the window has room, taking hosts in turn so
 * that one slow host does not hold up the others. */
void fc__dispatch(fc_fetcher *f)
{
	bool progress = true;
	uint64_t interval = f->o.rate > 0 ? (uint64_t)(1e9 / f->o.rate) : 0;

	/* Bodies waiting for the writer hold memory: while the disk is behind,
	 * no new transfer starts (on_body_written dispatches again). */
	if (f->writes >= MAX_WRITES || f->write_bytes >= MAX_WRITE_BYTES)
		return;
	while (progress && f->active < f->o.parallel && f->nring) {
		size_t n = f->nring, kept = 0;
		uint64_t now = stage_now_ns();

		progress = false;
		for (size_t i = 0; i < n; i++) {
			struct host *h = f->ring[i];
			struct job *j;

			if (!h->head) {
				h->in_ring = false;
				continue;
			}
			f->ring[kept++] = h;
			if (f->active >= f->o.parallel || h->active >= f->o.per_host)
				continue;
			if (interval && h->next_ok_ns > now) {
				wake_at(f, h->next_ok_ns);
				continue;
			}
			j = h->head;
			h->head = j->qnext;
			if (!h->head)
				h->tail = NULL;
			h->next_ok_ns = now + interval;
			start(j);
			progress = true;
		}
		/* start() may have pushed hosts onto the ring's end meanwhile. */
		memmove(f->ring + kept, f->ring + n, (f->nring - n) * sizeof(*f->ring));
		f->nring = kept + (f->nring - n);
	}
}

static void on_retry(void *arg, int64_t result)
{
	struct job *j = arg;

	if (result == -ECANCELED) /* the loop's teardown: the job is gone */
		return;
	j->f->timers--;
	fc__schedule(j);
}

static bool retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* Exponential backoff with jitter (half fixed, half random), or the
 * server's Retry-After. */
static void retry_later(struct job *j, int64_t retry_after_s)
{
	fc_fetcher *f = j->f;
	stage_error err;
	uint64_t delay;

	if (retry_after_s >= 0) {
		delay = (uint64_t)(retry_after_s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : retry_after_s) *
		        1000000000ull;
	} else {
		uint64_t d = BACKOFF_BASE_NS << (j->attempts > 8 ? 7 : j->attempts - 1);
		uint32_t r = 0;

		if (d > BACKOFF_MAX_NS)
			d = BACKOFF_MAX_NS;
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r = (uint32_t)stage_now_ns();
		delay = d / 2 + (uint64_t)((double)(d / 2) * (r / 4294967296.0));
	}
	if (stage_loop_timer(f->loop, delay, on_retry, j, &err) < 0) {
		fc__fail(f, &err);
		return fc__finish_error(j, 0, "error", err.msg);
	}
	f->timers++;
}

static bool server_error(int status)
{
	return status == 500 || status == 502 || status == 503 || status == 504;
}

static bool may_serve_stale(struct job *j)
{
	fc_stored st = {j->stored.status, j->stored.headers, j->stored.request_time,
	                j->stored.response_time};

	return j->has_stored && fc_stale_if_error(&st, j->req_cc, fc__wall_now());
}

/* A response from the network that is not a 304 for us: store it when
 * allowed, follow it when it redirects, else answer the rows. */
static void fresh_response(struct job *j, CURL *easy, int status, int64_t response_time)
{
	fc_fetcher *f = j->f;
	char digest[65];
	char *redirect = NULL, *ctype = NULL;
	const char *hdr = j->hdr.data ? j->hdr.data : "";

	fc_digest_update(f->digest, j->body.data ? j->body.data : "", j->body.len);
	fc_digest_finish(f->digest, digest);
	if (f->o.follow && fc__is_redirect(status)) {
		char *r = NULL;

		if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &r) == CURLE_OK && r)
			redirect = strdup(r);
	}
	ctype = fc_header_get(hdr, "Content-Type", NULL);
	fc_result res = {
		.status = status,
		.cache = "miss",
		.bytes = (int64_t)j->body.len,
		.content_type = ctype,
		.headers = hdr,
		.body = (const uint8_t *)j->body.data,
		.body_len = j->body.len,
		.digest = digest,
	};
	if (!redirect)
		fc__deliver(j, &res);
	free(ctype);
	if (f->o.store && fc_storable(f->o.head ? "HEAD" : "GET", status, j->req_cc, hdr)) {
		fc_entry e = {0};
		bool star = false;
		char *vary = fc_header_get(hdr, "Vary", NULL);

		e.key = strdup(j->key);
		e.vary = vary;
		e.vary_key = fc_vary_key(vary, j->req_block, &star);
		e.status = status;
		e.headers = fc_headers_storable(hdr);
		memcpy(e.digest, digest, sizeof(digest));
		e.body_size = (int64_t)j->body.len;
		e.request_time = j->request_time;
		e.response_time = response_time;
		e.last_used = response_time;
		if (star && !e.vary_key)
			e.vary_key = strdup("*"); /* stored, never matched (4.1) */
		if (!e.key || !e.vary_key || !e.headers) {
			fc_entry_release(&e);
			fc__fail_oom(f, "cache entry");
		} else {
			fc__store_response(f, &e, &j->body);
		}
	}
	if (redirect) {
		fc__forget_stored(j);
		fc__next_hop(j, redirect);
		free(redirect);
		return;
	}
	fc__job_free(j);
}

static void network_error(struct job *j)
{
	fc__finish_error(j, 0, "error", j->error);
}

/* The stale response was to stand in for an origin error but its body is
 * gone: the rows get the error status. */
static void origin_error(struct job *j)
{
	fc__finish_error(j, (int)j->status, "error", "origin error and stored response gone");
}

static void complete(struct job *j, CURL *easy, CURLcode rc)
{
	long status = 0;
	int64_t now = fc__wall_now();

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	j->status = status;
	if (rc != CURLE_OK) {
		if (j->attempts <= j->f->o.retries && retryable(rc))
			return retry_later(j, -1);
		snprintf(j->error, sizeof(j->error), "%s",
		         j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
		if (may_serve_stale(j))
			return fc__serve_and_end(j, "stale", network_error);
		return network_error(j);
	}
	if ((status == 429 || status == 503) && j->attempts <= j->f->o.retries) {
		char *ra = fc_header_get(j->hdr.data ? j->hdr.data : "", "Retry-After", NULL);
		int64_t s = ra ? fc_retry_after(ra, now) : FC_ABSENT;

		free(ra);
		return retry_later(j, s);
	}
	if (j->revalidating && status == 304)
		return fc__refreshed(j, now);
	if (server_error((int)status) && may_serve_stale(j)) {
		j->error[0] = '\0';
		return fc__serve_and_end(j, "stale", origin_error);
	}
	fresh_response(j, easy, (int)status, now);
}

void fc__transfer_done(void *arg, CURL *easy, CURLcode rc)
{
	fc_fetcher *f = arg;
	struct job *j = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&j);
	j->host->active--;
	f->active--;
	j->easy = NULL;
	complete(j, easy, rc);
	easy_put(f, easy);
	fc__dispatch(f);
}

