/* The store's SQLite side: opening and checking the index, its schema,
 * the prepared statements kept for the store's life, and the one write
 * transaction that fc_store_commit ends. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

#define SCHEMA_VERSION "1"
#define BUSY_TIMEOUT_MS 30000
/* How long a passed integrity check holds (see maybe_quick_check). */
#define CHECK_EVERY_S (24 * 3600)

/* Notes for fc_store_open's caller (static storage, as store.h says). */
static const char not_a_database[] =
	"cache index is not a database: moved it aside to index.sqlite.corrupt-<time> "
	"and started an empty one";
static const char failed_check[] =
	"cache index failed its integrity check: moved it aside to "
	"index.sqlite.corrupt-<time> and started an empty one";
static const char bad_schema[] =
	"cache index has an unknown schema version: moved it aside to "
	"index.sqlite.corrupt-<time> and started an empty one";

/* A row per stored response; (key, vary_key) names it. AUTOINCREMENT:
 * ids grow with each put and are never reused, so "ORDER BY id DESC" is
 * most recently stored first and an id another process still holds never
 * names a different entry. size is body_size + strlen(headers), what the
 * size bound counts. */
static const char schema_sql[] =
	"CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO meta VALUES('schema_version', '" SCHEMA_VERSION "');"
	"CREATE TABLE entries("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, vary TEXT, vary_key TEXT NOT NULL,"
	" status INTEGER NOT NULL, headers TEXT NOT NULL, digest TEXT NOT NULL,"
	" body_size INTEGER NOT NULL, size INTEGER NOT NULL,"
	" request_time INTEGER NOT NULL, response_time INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX entries_key ON entries(key, vary_key);"
	"CREATE INDEX entries_last_used ON entries(last_used);"
	"CREATE INDEX entries_digest ON entries(digest);";

static const char *const stmt_sql[FC__STMT_COUNT] = {
	[FC__BEGIN] = "BEGIN IMMEDIATE",
	[FC__COMMIT] = "COMMIT",
	[FC__ROLLBACK] = "ROLLBACK",
	[FC__LOOKUP] = "SELECT id, key, vary, vary_key, status, headers, digest, body_size,"
		" request_time, response_time, last_used FROM entries WHERE key = ?1"
		" ORDER BY id DESC LIMIT ?2",
	[FC__PUT] = "INSERT OR REPLACE INTO entries(key, vary, vary_key, status, headers,"
		" digest, body_size, size, request_time, response_time, last_used)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7 + ?8, ?9, ?10, ?11)",
	[FC__REFRESH] = "UPDATE entries SET headers = ?1, size = body_size + ?2,"
		" request_time = ?3, response_time = ?4, last_used = ?5 WHERE id = ?6 RETURNING key",
	/* max(): another process may have used it later than we did. */
	[FC__TOUCH] = "UPDATE entries SET last_used = max(last_used, ?1) WHERE id = ?2"
		" RETURNING key, id, last_used",
	[FC__DELETE] = "DELETE FROM entries WHERE id = ?1 RETURNING key",
	[FC__SIZE] = "SELECT coalesce(sum(size), 0) FROM entries",
	[FC__LRU_SCAN] = "SELECT id, last_used, size FROM entries ORDER BY last_used, id",
	[FC__EVICT] = "DELETE FROM entries WHERE last_used < ?1 OR (last_used = ?1 AND id <= ?2)"
		" RETURNING digest",
	[FC__PURGE] = "DELETE FROM entries WHERE ?1 = 0 OR last_used < ?1 RETURNING digest",
	[FC__REFERENCED] = "SELECT 1 FROM entries WHERE digest = ?1 LIMIT 1",
	[FC__STATS] = "SELECT count(*), coalesce(sum(size), 0), coalesce(min(last_used), 0),"
		" coalesce(max(last_used), 0) FROM entries",
};

static bool is_corruption(int rc)
{
	return (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT;
}

/* The marker that makes the next open check the index at once. */
static void check_marker(const fc_store *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s.check", s->index_path);
}

int fc__index_error(fc_store *s, const char *what, stage_error *err)
{
	char marker[PATH_MAX + 8];

	if (!is_corruption(sqlite3_extended_errcode(s->db)))
		return stage_error_set(err, STAGE_EXIT_FAILURE, "cache index '%s': %s: %s",
		                       s->index_path, what, sqlite3_errmsg(s->db));
	check_marker(s, marker, sizeof(marker));
	close(open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	return stage_error_set(err, STAGE_EXIT_FAILURE,
	                       "cache index '%s' is damaged (%s: %s): the next run checks it and "
	                       "starts a new one",
	                       s->index_path, what, sqlite3_errmsg(s->db));
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SQLite returns SQLITE_BUSY without calling the busy handler where it
 * judges waiting could deadlock (sqlite3_busy_handler's documentation)
 * and for WAL races such as SQLITE_BUSY_RECOVERY or _SNAPSHOT; outside an
 * explicit transaction a statement can simply run again, so wait here,
 * within the busy timeout. A BEGIN IMMEDIATE that the handler already
 * waited out finds the deadline passed and is not retried. */
int fc__step(fc_store *s, sqlite3_stmt *st)
{
	double deadline = now_seconds() + BUSY_TIMEOUT_MS / 1000.0;
	struct timespec pause = {0, 5 * 1000 * 1000};
	int rc;

	while (((rc = sqlite3_step(st)) & 0xff) == SQLITE_BUSY) {
		if (now_seconds() >= deadline)
			break;
		sqlite3_reset(st);
		nanosleep(&pause, NULL);
	}
	return rc;
}

void fc__done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs one statement to its end; the first column of its first row goes
 * to first (when given). Returns SQLite's code. */
static int exec1(fc_store *s, const char *sql, char *first, size_t len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (first)
		first[0] = '\0';
	if (rc != SQLITE_OK)
		return rc;
	rc = fc__step(s, st);
	if (rc == SQLITE_ROW && first) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(first, len, "%s", t ? (const char *)t : "");
	}
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Checks the schema version. *fresh: no tables at all yet, a new file. */
static int check_schema(fc_store *s, bool *fresh, const char **corrupt, stage_error *err)
{
	char value[32];
	int rc = exec1(s, "SELECT value FROM meta WHERE name = 'schema_version'", value,
	               sizeof(value));

	*fresh = false;
	if (rc == SQLITE_OK) {
		if (strcmp(value, SCHEMA_VERSION) == 0)
			return 0;
		*corrupt = bad_schema;
		return -1;
	}
	if (is_corruption(rc)) {
		*corrupt = not_a_database;
		return -1;
	}
	/* No meta table: fine for a new file, a foreign schema otherwise. */
	rc = exec1(s, "SELECT count(*) FROM sqlite_master", value, sizeof(value));
	if (rc != SQLITE_OK)
		return fc__index_error(s, "reading the schema", err);
	if (strcmp(value, "0") != 0) {
		*corrupt = bad_schema;
		return -1;
	}
	*fresh = true;
	return 0;
}

/* Two processes opening a new cache at once both get here; BEGIN
 * IMMEDIATE lets one create the tables and the other then see them. */
static int create_schema(fc_store *s, const char **corrupt, stage_error *err)
{
	bool fresh;

	if (exec1(s, "BEGIN IMMEDIATE", NULL, 0) != SQLITE_OK)
		return fc__index_error(s, "starting a transaction", err);
	if (check_schema(s, &fresh, corrupt, err) != 0)
		goto fail;
	if (fresh && sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		fc__index_error(s, "creating the schema", err);
		goto fail;
	}
	if (exec1(s, "COMMIT", NULL, 0) != SQLITE_OK) {
		fc__index_error(s, "creating the schema", err);
		goto fail;
	}
	return 0;
fail:
	exec1(s, "ROLLBACK", NULL, 0);
	return -1;
}

/* Reads first and takes the write lock only for a new file: opening must
 * not wait for another process's pending writes. */
static int setup_schema(fc_store *s, const char **corrupt, stage_error *err)
{
	bool fresh;

	if (check_schema(s, &fresh, corrupt, err) != 0)
		return -1;
	return fresh ? create_schema(s, corrupt, err) : 0;
}

/* WAL lets readers go on while another process writes; NORMAL syncs
 * only at checkpoints, which in WAL mode still never corrupts the index
 * (a power cut may lose the last commits: a cache refetches them). */
static int configure(fc_store *s, const char **corrupt, stage_error *err)
{
	char mode[32];
	int rc;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "cache index '%s': not writable",
		                       s->index_path);
	rc = exec1(s, "PRAGMA journal_mode=WAL", mode, sizeof(mode));
	if (is_corruption(rc)) {
		*corrupt = not_a_database;
		return -1;
	}
	if (rc != SQLITE_OK)
		return fc__index_error(s, "setting WAL mode", err);
	if (exec1(s, "PRAGMA synchronous=NORMAL", NULL, 0) != SQLITE_OK)
		return fc__index_error(s, "setting synchronous mode", err);
	return 0;
}

static int quick_check(fc_store *s, const char **corrupt, stage_error *err)
{
	char result[64];
	int rc = exec1(s, "PRAGMA quick_check(1)", result, sizeof(result));

	if ((rc & 0xff) == SQLITE_NOTADB) {
		*corrupt = not_a_database;
		return -1;
	}
	if (is_corruption(rc) || (rc == SQLITE_OK && strcmp(result, "ok") != 0)) {
		*corrupt = failed_check;
		return -1;
	}
	if (rc != SQLITE_OK)
		return fc__index_error(s, "checking integrity", err);
	return 0;
}

/* quick_check reads the whole index (38 ms at 10,000 entries, and more as
 * the cache grows), so it runs once a day per cache, or at once when a
 * run met damage (the marker fc__index_error leaves). Between checks
 * SQLite still reports the damaged pages it reads: that run fails with a
 * message, never serving what it could not read, and the next one checks
 * and starts a new index. The time of a passed check is written with the
 * first write transaction (fc__index_begin). */
static int maybe_quick_check(fc_store *s, const char **corrupt, stage_error *err)
{
	char marker[PATH_MAX + 8], value[32] = "";
	int64_t now = (int64_t)time(NULL), last = 0;

	check_marker(s, marker, sizeof(marker));
	if (access(marker, F_OK) != 0 &&
	    exec1(s, "SELECT value FROM meta WHERE name = 'checked'", value, sizeof(value)) ==
	            SQLITE_OK)
		last = strtoll(value, NULL, 10);
	if (last > now - CHECK_EVERY_S && last <= now)
		return 0;
	if (quick_check(s, corrupt, err) != 0)
		return -1;
	unlink(marker);
	s->checked_at = now;
	return 0;
}

static int prepare_all(fc_store *s, stage_error *err)
{
	for (int i = 0; i < FC__STMT_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &s->stmt[i], NULL) != SQLITE_OK)
			return fc__index_error(s, "preparing statements", err);
	return 0;
}

int fc__index_open(fc_store *s, const char **corrupt, stage_error *err)
{
	int rc = sqlite3_open_v2(s->index_path, &s->db,
	                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	*corrupt = NULL;
	if (rc != SQLITE_OK) {
		if (s->db)
			fc__index_error(s, "opening", err);
		else
			stage_error_oom(err, "opening the cache index");
		fc__index_close(s);
		return -1;
	}
	if (configure(s, corrupt, err) != 0 || maybe_quick_check(s, corrupt, err) != 0 ||
	    setup_schema(s, corrupt, err) != 0 || prepare_all(s, err) != 0) {
		fc__index_close(s);
		return -1;
	}
	return 0;
}

void fc__index_close(fc_store *s)
{
	for (int i = 0; i < FC__STMT_COUNT; i++) {
		sqlite3_finalize(s->stmt[i]);
		s->stmt[i] = NULL;
	}
	sqlite3_close(s->db);
	s->db = NULL;
}

int fc__index_begin(fc_store *s, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__BEGIN];
	int rc;

	if (!sqlite3_get_autocommit(s->db))
		return 0;
	rc = fc__step(s, st);
	if (rc != SQLITE_DONE)
		fc__index_error(s, "starting a write transaction", err);
	fc__done(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (s->checked_at) {
		char sql[96];

		snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta VALUES('checked', '%lld')",
		         (long long)s->checked_at);
		if (exec1(s, sql, NULL, 0) != SQLITE_OK)
			return fc__index_error(s, "recording the integrity check", err);
		s->checked_at = 0;
	}
	return 0;
}

/* Rolls back after a failed commit: pending writes are lost, as they
 * would be after a crash, and the LRU forgets what it saw of them. */
static void abort_txn(fc_store *s)
{
	sqlite3_stmt *st = s->stmt[FC__ROLLBACK];

	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_step(st);
		fc__done(st);
	}
	fc__lru_clear(s->lru);
}

int fc__index_commit(fc_store *s, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__COMMIT];
	int rc;

	if (sqlite3_get_autocommit(s->db))
		return 0;
	rc = fc__step(s, st);
	if (rc != SQLITE_DONE)
		fc__index_error(s, "committing", err);
	fc__done(st);
	if (rc != SQLITE_DONE) {
		abort_txn(s);
		return -1;
	}
	return 0;
}

int fc__index_referenced(fc_store *s, const char *digest, bool *yes, stage_error *err)
{
	sqlite3_stmt *st = s->stmt[FC__REFERENCED];
	int rc;

	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	rc = fc__step(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fc__index_error(s, "looking up a body", err);
	fc__done(st);
	*yes = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
