/* Reading and writing index rows: lookups (through the in-memory LRU),
 * put, refresh, touch and delete, all inside the pending transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"

/* A key never has more variants than this in practice (one per distinct
 * set of Vary'd request headers); older ones beyond it are not returned
 * and leave by eviction. */
#define MAX_VARIANTS 256

static char *column_dup(sqlite3_stmt *st, int col, bool nullable)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	if (!t)
		return nullable ? NULL : strdup("");
	return strdup((const char *)t);
}

static int row_to_entry(sqlite3_stmt *st, fc_entry *e)
{
	const unsigned char *digest;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	e->key = column_dup(st, 1, false);
	e->vary = column_dup(st, 2, true);
	e->vary_key = column_dup(st, 3, false);
	e->status = sqlite3_column_int(st, 4);
	e->headers = column_dup(st, 5, false);
	digest = sqlite3_column_text(st, 6);
	snprintf(e->digest, sizeof(e->digest), "%s", digest ? (const char *)digest : "");
	e->body_size = sqlite3_column_int64(st, 7);
	e->request_time = sqlite3_column_int64(st, 8);
	e->response_time = sqlite3_column_int64(st, 9);
	e->last_used = sqlite3_column_int64(st, 10);
	if (!e->key || !e->vary_key || !e->headers ||
	    (!e->vary && sqlite3_column_type(st, 2) != SQLITE_NULL)) {
		fc_entry_release(e);
		return -1;
	}
	return 0;
}

static void entries_free(fc_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fc_entry_release(&v[i]);
	free(v);
}

/* Room for one more entry in *v, growing it up to MAX_VARIANTS. */
static int reserve(fc_entry **v, size_t count, size_t *cap)
{
	fc_entry *grown;
	size_t want = *cap ? *cap * 2 : 4;

	if (count < *cap)
		return 0;
	grown = realloc(*v, (want < MAX_VARIANTS ? want : MAX_VARIANTS) * sizeof(**v));
	if (!grown)
		return -1;
	*v = grown;
	*cap = want < MAX_VARIANTS ? want : MAX_VARIANTS;
	return 0;
}

/* The rows for key, most recently stored first; *out is malloc'd (NULL
 * when there are none). The LIMIT keeps count within MAX_VARIANTS. */
static int query_variants(fc_store *s, const char *key, fc_entry **out, size_t *n,
                          stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__LOOKUP];
	fc_entry *v = NULL;
	size_t count = 0, cap = 0;
	int rc;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, MAX_VARIANTS);
	for (rc = fc__step(s, st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		if (reserve(&v, count, &cap) != 0 || row_to_entry(st, &v[count]) != 0)
			break;
		count++;
	}
	if (rc != SQLITE_DONE)
		rc == SQLITE_ROW ? stage_error_oom(err, "looking up a cache key")
		                 : fc__index_error(s, "looking up a key", err);
	fc__done(st);
	if (rc != SQLITE_DONE) {
		entries_free(v, count);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

static int copy_out(const fc_entry *src, size_t n, fc_entry **out, stage_error *err)
{
	fc_entry *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return stage_error_oom(err, "copying cache entries");
	for (size_t i = 0; i < n; i++) {
		if (fc__entry_copy(&v[i], &src[i]) != 0) {
			entries_free(v, i);
			return stage_error_oom(err, "copying cache entries");
		}
	}
	*out = v;
	return 0;
}

int fc_store_lookup(fc_store *s, const char *key, fc_entry **out, size_t *n,
                    stage_error *err)
{
	const fc_entry *cached;
	fc_entry *v = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (fc__lru_get(s->lru, key, &cached, &count)) {
		if (copy_out(cached, count, out, err) != 0)
			return -1;
		*n = count;
		return 0;
	}
	if (query_variants(s, key, &v, &count, err) != 0)
		return -1;
	fc__lru_set(s->lru, key, v, count);
	*out = v;
	*n = count;
	return 0;
}

static int64_t now_or(int64_t t)
{
	return t ? t : (int64_t)time(NULL);
}

/* A row must never point at a body that is not there (store.h). */
static int check_published(fc_store *s, const fc_entry *e, stage_error *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (!fc__digest_valid(e->digest))
		return stage_error_set(err, STAGE_EXIT_FAILURE, "cache entry '%s': bad digest '%s'",
		                       e->key, e->digest);
	if (e->body_size == 0)
		return 0;
	fc_body_path(s, e->digest, path, sizeof(path));
	if (stat(path, &st) != 0 || st.st_size != e->body_size)
		return stage_error_set(err, STAGE_EXIT_FAILURE,
		                       "cache entry '%s': body '%s' is not published", e->key, path);
	return 0;
}

int fc_store_put(fc_store *s, fc_entry *e, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__PUT];
	const char *headers = e->headers ? e->headers : "";
	int rc;

	if (!e->key)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "cache entry without a key");
	if (check_published(s, e, err) != 0 || fc__index_begin(s, err) != 0)
		return -1;
	e->last_used = now_or(e->last_used);
	sqlite3_bind_text(st, 1, e->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->vary, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->vary_key ? e->vary_key : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, e->status);
	sqlite3_bind_text(st, 5, headers, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, e->body_size);
	sqlite3_bind_int64(st, 8, (int64_t)strlen(headers));
	sqlite3_bind_int64(st, 9, e->request_time);
	sqlite3_bind_int64(st, 10, e->response_time);
	sqlite3_bind_int64(st, 11, e->last_used);
	rc = fc__step(s, st);
	if (rc != SQLITE_DONE)
		fc__index_error(s, "storing an entry", err);
	fc__done(st);
	fc__lru_forget(s->lru, e->key);
	if (rc != SQLITE_DONE)
		return -1;
	e->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Steps a write whose RETURNING gives the row's key first and, for
 * touch, its new last_used; forgets or updates that key in the LRU. A row
 * another process deleted meanwhile is no error. */
static int run_by_id(fc_store *s, enum fc__stmt which, const char *what, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[which];
	int rc;

	for (rc = fc__step(s, st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		if (key && which == FC__TOUCH)
			fc__lru_touch(s->lru, key, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
		else if (key)
			fc__lru_forget(s->lru, key);
	}
	if (rc != SQLITE_DONE)
		fc__index_error(s, what, err);
	fc__done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int fc_store_refresh(fc_store *s, const fc_entry *e, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__REFRESH];
	const char *headers = e->headers ? e->headers : "";

	if (fc__index_begin(s, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, headers, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)strlen(headers));
	sqlite3_bind_int64(st, 3, e->request_time);
	sqlite3_bind_int64(st, 4, e->response_time);
	/* e->last_used is what a lookup read, not this use. */
	sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	sqlite3_bind_int64(st, 6, e->id);
	return run_by_id(s, FC__REFRESH, "refreshing an entry", err);
}

int fc_store_touch(fc_store *s, int64_t id, int64_t now, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__TOUCH];

	if (fc__index_begin(s, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	return run_by_id(s, FC__TOUCH, "marking an entry used", err);
}

int fc_store_delete(fc_store *s, int64_t id, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__DELETE];

	if (fc__index_begin(s, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return run_by_id(s, FC__DELETE, "deleting an entry", err);
}

int fc_store_commit(fc_store *s, stage_error *err)
{
	return fc__index_commit(s, err);
}
