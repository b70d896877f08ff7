/* What the store's files share: the fc_store itself, its prepared
 * statements, and the helpers one file offers the others. Internal
 * non-static names start with fc__. */
#ifndef FETCH_STORE_INTERNAL_H
#define FETCH_STORE_INTERNAL_H

#include <limits.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "store.h"
#include "store_lru.h"

/* The longest cache directory name we accept: every path under it then
 * fits a PATH_MAX buffer. */
#define FC__DIR_MAX (PATH_MAX - 128)

/* Prepared once at open, finalized at close (store_index.c). */
enum fc__stmt {
	FC__BEGIN,
	FC__COMMIT,
	FC__ROLLBACK,
	FC__LOOKUP,
	FC__PUT,
	FC__REFRESH,
	FC__TOUCH,
	FC__DELETE,
	FC__SIZE,
	FC__LRU_SCAN,
	FC__EVICT,
	FC__PURGE,
	FC__REFERENCED,
	FC__STATS,
	FC__STMT_COUNT
};

struct fc_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[FC__STMT_COUNT];
	char *dir;
	char index_path[PATH_MAX];
	fc__lru *lru;
	unsigned tmp_counter; /* names this process's temporaries */
	bool swept;           /* this process walked every body once */
	int64_t checked_at;   /* a passed integrity check to record, or 0 */
};

/* store.c */
int fc__entry_copy(fc_entry *dst, const fc_entry *src);
size_t fc__entry_bytes(const fc_entry *e);

/* store_index.c: the SQL side. fc__index_open sets *corrupt to a static
 * reason (and returns -1) when the file is not a usable index. */
int fc__index_open(fc_store *s, const char **corrupt, stage_error *err);
void fc__index_close(fc_store *s);
int fc__index_begin(fc_store *s, stage_error *err);
int fc__index_commit(fc_store *s, stage_error *err);
/* *yes: some entry names this body. */
int fc__index_referenced(fc_store *s, const char *digest, bool *yes, stage_error *err);
/* "cache index 'PATH': what: SQLite's message"; returns -1. */
int fc__index_error(fc_store *s, const char *what, stage_error *err);
/* sqlite3_step for a statement's first step: retries SQLITE_BUSY where
 * SQLite returns it without waiting, up to the busy timeout. */
int fc__step(fc_store *s, sqlite3_stmt *st);
/* Resets st and clears its bindings for the next use. */
void fc__done(sqlite3_stmt *st);

/* store_body.c */
bool fc__digest_valid(const char *digest);
int fc__mkdir(const char *path, stage_error *err);
/* Calls fn for each published body file (name already checked to be a
 * digest); stops at the first -1. */
typedef int (*fc__body_fn)(fc_store *s, const char *digest, const char *path,
                           const struct stat *st, void *arg, stage_error *err);
int fc__body_walk(fc_store *s, fc__body_fn fn, void *arg, stage_error *err);
/* Removes unreferenced bodies older than a minute and temporaries older
 * than an hour. */
int fc__sweep(fc_store *s, stage_error *err);
/* Removes the body now unless an entry names it (the race with another
 * process publishing the same content is as in the sweep). */
int fc__body_unlink_unreferenced(fc_store *s, const char *digest, stage_error *err);

#endif
