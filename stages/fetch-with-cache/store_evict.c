/* Keeping the cache within bounds: its size, LRU eviction, purging by
 * age, the orphan sweep after both, and the numbers `stats` shows. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* One-row aggregate queries: column i of the row into v[i]. */
static int query_ints(fc_store *s, enum fc__stmt which, int64_t *v, int cols, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[which];
	int rc = fc__step(s, st);

	if (rc == SQLITE_ROW)
		for (int i = 0; i < cols; i++)
			v[i] = sqlite3_column_int64(st, i);
	else
		fc__index_error(s, "reading totals", err);
	fc__done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int fc_store_size(fc_store *s, uint64_t *bytes, stage_error *err)
{
	int64_t v;

	if (query_ints(s, FC__SIZE, &v, 1, err) != 0)
		return -1;
	*bytes = (uint64_t)v;
	return 0;
}

/* Walks entries from least recently used, subtracting each one's size
 * from total until it is at most max_bytes; *last_used and *id name the
 * last entry that has to go (*id 0: none). */
static int find_cutoff(fc_store *s, uint64_t total, uint64_t max_bytes, int64_t *last_used,
                       int64_t *id, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__LRU_SCAN];
	int rc;

	*id = 0;
	for (rc = fc__step(s, st); rc == SQLITE_ROW && total > max_bytes; rc = sqlite3_step(st)) {
		*id = sqlite3_column_int64(st, 0);
		*last_used = sqlite3_column_int64(st, 1);
		total -= (uint64_t)sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fc__index_error(s, "scanning entries by use", err);
	fc__done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The bodies the deleted entries named. */
struct digests {
	char (*d)[65];
	size_t n, cap;
};

static int add_digest(struct digests *g, const unsigned char *digest, stage_error *err)
{
	if (!digest || strlen((const char *)digest) != 64)
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		char(*d)[65] = realloc(g->d, cap * sizeof(*d));

		if (!d)
			return stage_error_oom(err, "eviction");
		g->d = d;
		g->cap = cap;
	}
	memcpy(g->d[g->n++], digest, 65);
	return 0;
}

/* Runs a DELETE bound to a and b (b only for eviction), counting the rows
 * and keeping the digests they return. */
static int delete_rows(fc_store *s, enum fc__stmt which, int64_t a, int64_t b, uint64_t *count,
                       struct digests *g, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[which];
	uint64_t n = 0;
	int rc;

	sqlite3_bind_int64(st, 1, a);
	if (which == FC__EVICT)
		sqlite3_bind_int64(st, 2, b);
	for (rc = fc__step(s, st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		n++;
		if (add_digest(g, sqlite3_column_text(st, 0), err) != 0) {
			fc__done(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE)
		fc__index_error(s, "deleting entries", err);
	fc__done(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (count)
		*count = n;
	return 0;
}

/* Commits the deletions, so that the reference checks see them as other
 * processes will, then removes the bodies no entry names any more. Those
 * go at once: the bound must hold on disk when the run ends. Orphans of a
 * crash are found by walking every body, which costs as much as the cache
 * is large: once per process, and at every purge. */
static int finish(fc_store *s, struct digests *g, bool walk, stage_error *err)
{
	int rc = 0;

	fc__lru_clear(s->lru);
	if (fc__index_commit(s, err) != 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < g->n; i++)
		rc = fc__body_unlink_unreferenced(s, g->d[i], err);
	free(g->d);
	if (rc == 0 && (walk || !s->swept)) {
		s->swept = true;
		rc = fc__sweep(s, err);
	}
	return rc;
}

/* The write transaction starts before the size is read, so no other
 * process changes the entries between the scan and the delete. */
int fc_store_evict(fc_store *s, uint64_t max_bytes, uint64_t *evicted, stage_error *err)
{
	struct digests g = {0};
	uint64_t total;
	int64_t last_used = 0, id;

	if (evicted)
		*evicted = 0;
	if (fc__index_begin(s, err) != 0 || fc_store_size(s, &total, err) != 0 ||
	    find_cutoff(s, total, max_bytes, &last_used, &id, err) != 0)
		return -1;
	if (id && delete_rows(s, FC__EVICT, last_used, id, evicted, &g, err) != 0) {
		free(g.d);
		return -1;
	}
	return finish(s, &g, false, err);
}

int fc_store_purge(fc_store *s, int64_t before, uint64_t *purged, stage_error *err)
{
	struct digests g = {0};

	if (purged)
		*purged = 0;
	if (fc__index_begin(s, err) != 0 ||
	    delete_rows(s, FC__PURGE, before, 0, purged, &g, err) != 0) {
		free(g.d);
		return -1;
	}
	return finish(s, &g, true, err);
}

static int count_body(fc_store *s, const char *digest, const char *path, const struct stat *st,
                      void *arg, stage_error *err)
{
	fc_store_stats *stats = arg;

	stats->body_files++;
	stats->body_bytes += (uint64_t)st->st_size;
	return 0;
}

int fc_store_stats_get(fc_store *s, fc_store_stats *st, stage_error *err)
{
	int64_t v[4];

	*st = (fc_store_stats){0};
	if (query_ints(s, FC__STATS, v, 4, err) != 0)
		return -1;
	st->entries = (uint64_t)v[0];
	st->bytes = (uint64_t)v[1];
	st->oldest_used = v[2];
	st->newest_used = v[3];
	return fc__body_walk(s, count_body, st, err);
}
