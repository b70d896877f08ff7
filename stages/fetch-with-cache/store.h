/* The cache on disk: an index of stored responses in SQLite (WAL mode, so
 * overlapping cron runs share one cache) and their bodies as
 * content-addressed files, bodies/<2 hex>/<64 hex SHA-256>, written to
 * tmp/ and published by rename(2): a body file that exists is whole, and
 * an index row is committed only after its body was published. A SIGKILL
 * at any moment leaves at worst an orphan temporary or body file, which
 * the next eviction removes; never a row that points at a truncated body.
 *
 * Layout under the cache directory (default $XDG_CACHE_HOME/pipestage/http,
 * else $HOME/.cache/pipestage/http):
 *   index.sqlite (+ -wal, -shm)   the index
 *   bodies/ab/ab01...ef           bodies by digest
 *   tmp/                          bodies being written
 *
 * One fc_store per process, used from one thread. Writes (put, touch,
 * update, delete) gather in one transaction that fc_store_commit() ends;
 * the caller commits every few hundred operations or few hundred ms and at
 * the end, so a write transaction is short and another process waits at
 * most that long (busy timeout 30 s). Reads see the committed index plus
 * this process's own pending writes. */
#ifndef FETCH_STORE_H
#define FETCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage_error.h"

typedef struct fc_store fc_store;

/* One stored response. Strings are owned by the entry. */
typedef struct fc_entry {
	int64_t id;            /* index row id; 0 for an entry not yet stored */
	char *key;             /* "GET " or "HEAD " + fc_url_key() */
	char *vary;            /* the response's Vary value, NULL when none */
	char *vary_key;        /* fc_vary_key() of the request it answered ("" when no Vary) */
	int status;
	char *headers;         /* storable header block (policy.h) */
	char digest[65];       /* hex SHA-256 of the body, lowercase */
	int64_t body_size;
	int64_t request_time, response_time; /* seconds since the epoch */
	int64_t last_used;     /* seconds since the epoch */
} fc_entry;

void fc_entry_release(fc_entry *e);

/* The default directory (malloc'd), or NULL with err when neither
 * XDG_CACHE_HOME nor HOME is set. */
char *fc_store_default_dir(stage_error *err);

/* Opens (creating directories and the index as needed). An unwritable
 * directory fails here, before any fetch, naming the path (status
 * FAILURE). A corrupt index (not a database, failed quick_check, unknown
 * schema version; quick_check runs once a day, or at once after a run met
 * a damaged page and left index.sqlite.check) is moved aside to
 * index.sqlite.corrupt-<unix time> and
 * a new, empty index is made; *rebuilt_note is then set to a message for
 * the caller to print as a warning (static storage), else NULL. Bodies of
 * the old index become orphans and go at the next eviction. */
int fc_store_open(fc_store **out, const char *dir, const char **rebuilt_note,
                  stage_error *err);
/* Commits pending writes and closes. Returns -1 when the commit failed. */
int fc_store_close(fc_store *s, stage_error *err);

/* Every stored variant for key (0 or more), most recently stored first.
 * *out is a malloc'd array the caller releases (each entry, then the
 * array). An in-memory LRU of recently used keys (a few thousand) answers
 * repeated lookups within a run without a query. */
int fc_store_lookup(fc_store *s, const char *key, fc_entry **out, size_t *n,
                    stage_error *err);

/* Stores e, replacing the variant with the same key and vary_key; sets
 * e->id (and e->last_used to now when it is 0). The body with e->digest must already be published
 * (fc_body_publish) or be the empty body (size 0: no file needed). */
int fc_store_put(fc_store *s, fc_entry *e, stage_error *err);
/* Refreshed after a 304: new headers and times, last_used = now. */
int fc_store_refresh(fc_store *s, const fc_entry *e, stage_error *err);
/* Marks an entry used at `now` (LRU order). */
int fc_store_touch(fc_store *s, int64_t id, int64_t now, stage_error *err);
int fc_store_delete(fc_store *s, int64_t id, stage_error *err);
/* Ends the pending write transaction. */
int fc_store_commit(fc_store *s, stage_error *err);

/* Bytes the cache holds: the sum over entries of body_size + strlen(headers)
 * (a body shared by several entries counts once per entry: the bound is
 * conservative). */
int fc_store_size(fc_store *s, uint64_t *bytes, stage_error *err);
/* Deletes least-recently-used entries until the size is at most max_bytes,
 * then removes body files no entry references and temporaries older than
 * an hour (another process may still be writing a newer one). Commits.
 * *evicted counts the entries deleted (may be NULL). */
int fc_store_evict(fc_store *s, uint64_t max_bytes, uint64_t *evicted, stage_error *err);
/* Deletes entries not used since `before` (seconds since the epoch; 0:
 * all), then orphans as above. */
int fc_store_purge(fc_store *s, int64_t before, uint64_t *purged, stage_error *err);

typedef struct fc_store_stats {
	uint64_t entries, bytes, body_files, body_bytes;
	int64_t oldest_used, newest_used; /* 0 when empty */
} fc_store_stats;
int fc_store_stats_get(fc_store *s, fc_store_stats *st, stage_error *err);

/* Bodies. These touch the file system only (and fc_body_tmp a counter of
 * its own), never the index: one other thread may write bodies while this
 * one uses the index.
 * Path of a published body (into buf; -1 when it does not fit). */
int fc_body_path(const fc_store *s, const char *digest, char *buf, size_t len);
/* A new temporary file under tmp/, opened O_WRONLY|O_CLOEXEC; the caller
 * writes the body to it (through the loop) and then publishes or discards
 * it. path receives its name. */
int fc_body_tmp(fc_store *s, int *fd, char *path, size_t len, stage_error *err);
/* Closes fd and renames the temporary to its digest's name (replacing an
 * existing file of the same content is harmless). On failure the
 * temporary is removed too. */
int fc_body_publish(fc_store *s, int fd, const char *tmp_path, const char *digest,
                    stage_error *err);
void fc_body_discard(int fd, const char *tmp_path);
/* Whether the published body is there with the expected size: a hit that
 * reads no body (--digest) still must not stand for one that is gone. */
bool fc_body_present(const fc_store *s, const char *digest, int64_t expected_size);
/* Reads a published body into a malloc'd buffer, checking that its size is
 * expected_size, and returns 1 (size 0: a 1-byte buffer, no file read); a
 * missing file or one of another size returns 0 (*body NULL): the entry
 * is unusable and the caller deletes it and refetches. */
int fc_body_read(const fc_store *s, const char *digest, int64_t expected_size,
                 uint8_t **body, stage_error *err);

#endif
