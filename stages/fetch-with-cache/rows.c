#include "rows.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

/* One row from its input to its output. */
struct slot {
	char *url;
	bool done, written;
	char *final_url, *content_type, *error, *headers, *digest, *path;
	const char *cache;
	int status;
	int64_t bytes, attempts;
	double elapsed_ms;
	uint8_t *body;
	size_t body_len;
};

struct fc_rows {
	fc_rows_opts o;
	stage_schema *schema;
	stage_builder builder;
	struct slot *ring; /* rows head .. next-1 at ring[row % cap] */
	size_t cap;
	int64_t head, next;
	uint64_t failed;
	mode_t umask;
	bool broken;
	stage_error failure;
};

enum { COL_URL, COL_FINAL_URL, COL_STATUS, COL_CACHE, COL_BYTES, COL_CONTENT_TYPE,
       COL_ELAPSED, COL_ATTEMPTS, COL_ERROR, COL_FIRST_HEADER };

static int build_schema(fc_rows *r, stage_error *err)
{
	static const struct {
		const char *name;
		stage_type type;
	} fixed[] = {
		{"url", STAGE_UTF8},          {"final_url", STAGE_UTF8}, {"status", STAGE_INT64},
		{"cache", STAGE_UTF8},        {"bytes", STAGE_INT64},    {"content_type", STAGE_UTF8},
		{"elapsed_ms", STAGE_FLOAT64}, {"attempts", STAGE_INT64}, {"error", STAGE_UTF8},
	};
	char name[256];

	r->schema = stage_schema_new();
	if (!r->schema)
		return stage_error_oom(err, "schema");
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (stage_schema_add(r->schema, fixed[i].name, fixed[i].type, err) < 0)
			return -1;
	for (size_t i = 0; i < r->o.nresponse_headers; i++) {
		size_t n = strlen(r->o.response_headers[i]);

		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		for (size_t k = 0; k < n; k++)
			name[k] = (char)tolower((unsigned char)r->o.response_headers[i][k]);
		name[n] = '\0';
		if (stage_schema_add(r->schema, name, STAGE_UTF8, err) < 0)
			return -1;
	}
	if (r->o.all_headers && stage_schema_add(r->schema, "headers", STAGE_UTF8, err) < 0)
		return -1;
	switch (r->o.body) {
	case FC_BODY_BYTES:
		return stage_schema_add(r->schema, "body", STAGE_BINARY, err);
	case FC_BODY_DIGEST:
		return stage_schema_add(r->schema, "sha256", STAGE_UTF8, err);
	case FC_BODY_SAVE:
		return stage_schema_add(r->schema, "path", STAGE_UTF8, err);
	case FC_BODY_NONE:
		break;
	}
	return 0;
}

int fc_rows_new(fc_rows **out, const fc_rows_opts *o, stage_error *err)
{
	fc_rows *r = calloc(1, sizeof(*r));

	if (!r)
		return stage_error_oom(err, "rows");
	r->o = *o;
	r->umask = umask(0);
	umask(r->umask);
	r->cap = 1024;
	r->ring = calloc(r->cap, sizeof(*r->ring));
	if (!r->ring) {
		free(r);
		return stage_error_oom(err, "rows");
	}
	if (build_schema(r, err) < 0 || stage_builder_init(&r->builder, r->schema, err) < 0) {
		fc_rows_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

const stage_schema *fc_rows_schema(const fc_rows *r)
{
	return r->schema;
}

static struct slot *slot_of(const fc_rows *r, int64_t row)
{
	return &r->ring[(size_t)row % r->cap];
}

static int grow(fc_rows *r, stage_error *err)
{
	size_t cap = 2 * r->cap;
	struct slot *ring = calloc(cap, sizeof(*ring));

	if (!ring)
		return stage_error_oom(err, "rows");
	for (int64_t row = r->head; row < r->next; row++)
		ring[(size_t)row % cap] = *slot_of(r, row);
	free(r->ring);
	r->ring = ring;
	r->cap = cap;
	return 0;
}

int fc_rows_add(fc_rows *r, const char *url, size_t len, int64_t *row, stage_error *err)
{
	struct slot *s;

	if ((size_t)(r->next - r->head) == r->cap && grow(r, err) < 0)
		return -1;
	s = slot_of(r, r->next);
	*s = (struct slot){0};
	s->url = url ? strndup(url, len) : NULL;
	if (url && !s->url)
		return stage_error_oom(err, "rows");
	*row = r->next++;
	return 0;
}

static void slot_release(struct slot *s)
{
	free(s->url);
	free(s->final_url);
	free(s->content_type);
	free(s->error);
	free(s->headers);
	free(s->digest);
	free(s->path);
	free(s->body);
	*s = (struct slot){0};
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

/* --save: DIR/<sha256>, written to a temporary and renamed. */
static char *save_body(fc_rows *r, const fc_result *res, stage_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd;
	size_t off = 0;

	if (snprintf(path, sizeof(path), "%s/%s", r->o.save_dir, res->digest) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", r->o.save_dir, res->digest) >=
	            (int)sizeof(tmp)) {
		stage_error_set(err, STAGE_EXIT_USAGE, "--save: directory name too long");
		return NULL;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		stage_error_errno(err, errno, tmp);
		return NULL;
	}
	/* mkostemp makes 0600; a saved body is an ordinary file */
	fchmod(fd, 0666 & ~r->umask);
	while (off < res->body_len) {
		ssize_t n = write(fd, res->body + off, res->body_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			stage_error_errno(err, errno, tmp);
			close(fd);
			unlink(tmp);
			return NULL;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		stage_error_errno(err, errno, path);
		unlink(tmp);
		return NULL;
	}
	return strdup(path);
}

static bool row_failed(const fc_rows *r, const fc_result *res)
{
	bool error = !strcmp(res->cache, "error") || !strcmp(res->cache, "offline-miss");

	switch (r->o.fail_on) {
	case FC_FAIL_ON_ERROR:
		return error;
	case FC_FAIL_ON_STATUS:
		return error || res->status >= 400;
	case FC_FAIL_NEVER:
		break;
	}
	return false;
}

static void append_str(stage_column_builder *c, const char *s)
{
	if (s)
		stage_col_append_bytes(c, s, strlen(s));
	else
		stage_col_append_null(c);
}

static void append_row(fc_rows *r, const struct slot *s)
{
	stage_column_builder *c = r->builder.cols;
	/* offline-miss carries a status (504) but no response */
	bool response = s->status != 0 && strcmp(s->cache, "offline-miss") != 0;
	size_t k = COL_FIRST_HEADER;

	append_str(&c[COL_URL], s->url);
	append_str(&c[COL_FINAL_URL], s->final_url);
	if (s->status)
		stage_col_append_i64(&c[COL_STATUS], s->status);
	else
		stage_col_append_null(&c[COL_STATUS]);
	append_str(&c[COL_CACHE], s->cache);
	if (response)
		stage_col_append_i64(&c[COL_BYTES], s->bytes);
	else
		stage_col_append_null(&c[COL_BYTES]);
	append_str(&c[COL_CONTENT_TYPE], s->content_type);
	stage_col_append_f64(&c[COL_ELAPSED], s->elapsed_ms);
	stage_col_append_i64(&c[COL_ATTEMPTS], s->attempts);
	append_str(&c[COL_ERROR], s->error);
	for (size_t i = 0; i < r->o.nresponse_headers; i++) {
		char *v = s->headers ? fc_header_get(s->headers, r->o.response_headers[i], NULL) : NULL;

		append_str(&c[k++], v);
		free(v);
	}
	if (r->o.all_headers)
		append_str(&c[k++], s->headers);
	switch (r->o.body) {
	case FC_BODY_BYTES:
		if (response)
			stage_col_append_bytes(&c[k], s->body ? (const void *)s->body : "", s->body_len);
		else
			stage_col_append_null(&c[k]);
		break;
	case FC_BODY_DIGEST:
		append_str(&c[k], response ? s->digest : NULL);
		break;
	case FC_BODY_SAVE:
		append_str(&c[k], s->path);
		break;
	case FC_BODY_NONE:
		break;
	}
}

void fc_rows_done(void *arg, int64_t row, const fc_result *res)
{
	fc_rows *r = arg;
	struct slot *s = slot_of(r, row);
	bool oom = false;
	bool keep_headers = r->o.nresponse_headers || r->o.all_headers;

	s->done = true;
	s->cache = res->cache;
	s->status = res->status;
	s->bytes = res->bytes;
	s->attempts = res->attempts;
	s->elapsed_ms = res->elapsed_ms;
	s->final_url = dup_or_null(res->final_url, &oom);
	s->content_type = dup_or_null(res->content_type, &oom);
	s->error = dup_or_null(res->error, &oom);
	s->headers = keep_headers ? dup_or_null(res->headers, &oom) : NULL;
	s->digest = dup_or_null(res->digest, &oom);
	if (r->o.body == FC_BODY_BYTES && res->body_len) {
		s->body = malloc(res->body_len);
		if (s->body) {
			memcpy(s->body, res->body, res->body_len);
			s->body_len = res->body_len;
		} else {
			oom = true;
		}
	}
	if (r->o.body == FC_BODY_SAVE && res->status && res->digest && !r->broken) {
		s->path = save_body(r, res, &r->failure);
		if (!s->path)
			r->broken = true;
	}
	if (oom && !r->broken) {
		stage_error_oom(&r->failure, "result row");
		r->broken = true;
	}
	if (row_failed(r, res))
		r->failed++;
	if (r->o.unordered) {
		append_row(r, s);
		s->written = true;
	}
}

size_t fc_rows_outstanding(const fc_rows *r)
{
	return (size_t)(r->next - r->head);
}

static int emit(fc_rows *r, stage_output *out, stage_error *err)
{
	stage_batch *b;
	int rc;

	if (r->builder.cols[0].length == 0)
		return 0;
	if (stage_builder_finish(&r->builder, &b, err) < 0)
		return -1;
	rc = stage_output_write(out, b, err);
	stage_batch_free(b);
	return rc;
}

int fc_rows_write(fc_rows *r, stage_output *out, bool flush, stage_error *err)
{
	while (r->head < r->next) {
		struct slot *s = slot_of(r, r->head);

		if (!s->done)
			break;
		if (!s->written)
			append_row(r, s);
		slot_release(s);
		r->head++;
		if (r->builder.cols[0].length >= r->o.batch_rows && emit(r, out, err) < 0)
			return -1;
	}
	/* --unordered rows went into the builder as they finished, in any slot. */
	if (r->o.unordered && r->builder.cols[0].length >= r->o.batch_rows && emit(r, out, err) < 0)
		return -1;
	return flush ? emit(r, out, err) : 0;
}

uint64_t fc_rows_failed(const fc_rows *r)
{
	return r->failed;
}

const stage_error *fc_rows_failure(const fc_rows *r)
{
	return r->broken ? &r->failure : NULL;
}

void fc_rows_free(fc_rows *r)
{
	if (!r)
		return;
	for (int64_t row = r->head; row < r->next; row++)
		slot_release(slot_of(r, row));
	free(r->ring);
	stage_builder_release(&r->builder);
	stage_schema_free(r->schema);
	free(r);
}
