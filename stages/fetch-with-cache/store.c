/* Opening and closing the cache: its directories, checked writable up
 * front; the index, moved aside and rebuilt when corrupt; and the
 * fc_entry helpers the store's other files share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

void fc_entry_release(fc_entry *e)
{
	if (!e)
		return;
	free(e->key);
	free(e->vary);
	free(e->vary_key);
	free(e->headers);
	e->key = e->vary = e->vary_key = e->headers = NULL;
}

static int dup_field(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}

int fc__entry_copy(fc_entry *dst, const fc_entry *src)
{
	*dst = *src;
	dst->key = dst->vary = dst->vary_key = dst->headers = NULL;
	if (dup_field(&dst->key, src->key) != 0 || dup_field(&dst->vary, src->vary) != 0 ||
	    dup_field(&dst->vary_key, src->vary_key) != 0 || dup_field(&dst->headers, src->headers) != 0) {
		fc_entry_release(dst);
		return -1;
	}
	return 0;
}

static size_t str_bytes(const char *p)
{
	return p ? strlen(p) + 1 : 0;
}

size_t fc__entry_bytes(const fc_entry *e)
{
	return sizeof(*e) + str_bytes(e->key) + str_bytes(e->vary) + str_bytes(e->vary_key) +
	       str_bytes(e->headers);
}

char *fc_store_default_dir(stage_error *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir = NULL;
	int n;

	/* The XDG base directory spec: a relative XDG_CACHE_HOME is ignored. */
	if (xdg && xdg[0] == '/')
		n = asprintf(&dir, "%s/pipestage/http", xdg);
	else if (home && home[0])
		n = asprintf(&dir, "%s/.cache/pipestage/http", home);
	else {
		stage_error_set(err, STAGE_EXIT_FAILURE,
		                "no cache directory: neither XDG_CACHE_HOME nor HOME is set");
		return NULL;
	}
	if (n < 0) {
		stage_error_oom(err, "naming the cache directory");
		return NULL;
	}
	return dir;
}

/* mkdir -p, then a check that this user may create files there: an
 * unwritable cache fails at open, not at the first store. */
static int make_dir_tree(char *path, stage_error *err)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	if (fc__mkdir(path, err) != 0)
		return -1;
	if (access(path, W_OK | X_OK) != 0)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "cache directory '%s': %s", path,
		                       strerror(errno));
	return 0;
}

static int make_dirs(fc_store *s, stage_error *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", s->dir);
	if (make_dir_tree(path, err) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/bodies", s->dir);
	if (make_dir_tree(path, err) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/tmp", s->dir);
	return make_dir_tree(path, err);
}

static int rename_if_there(const char *from, const char *to, stage_error *err)
{
	if (rename(from, to) != 0 && errno != ENOENT)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "moving '%s' to '%s': %s", from, to,
		                       strerror(errno));
	return 0;
}

/* Moves the corrupt index aside with its WAL (which SQLite would
 * otherwise replay into the new file) and drops its shared-memory index.
 * When the file is no longer the one we opened, another process has
 * rebuilt it already and it stays. */
static int move_aside(fc_store *s, const struct stat *opened, stage_error *err)
{
	char aside[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	struct stat now;

	if (opened && (stat(s->index_path, &now) != 0 || now.st_ino != opened->st_ino ||
	               now.st_dev != opened->st_dev))
		return 0;
	/* Names built from dir, whose length open checked, always fit. */
	snprintf(aside, sizeof(aside), "%s/index.sqlite.corrupt-%lld", s->dir, (long long)time(NULL));
	if (rename_if_there(s->index_path, aside, err) != 0)
		return -1;
	snprintf(from, sizeof(from), "%s/index.sqlite-wal", s->dir);
	snprintf(to, sizeof(to), "%s/index.sqlite.corrupt-%lld-wal", s->dir, (long long)time(NULL));
	if (rename_if_there(from, to, err) != 0)
		return -1;
	snprintf(from, sizeof(from), "%s/index.sqlite-shm", s->dir);
	unlink(from);
	return 0;
}

static int open_index(fc_store *s, const char **rebuilt_note, stage_error *err)
{
	const char *corrupt, *again;
	struct stat opened;
	bool existed = stat(s->index_path, &opened) == 0;

	if (fc__index_open(s, &corrupt, err) == 0)
		return 0;
	if (!corrupt || move_aside(s, existed ? &opened : NULL, err) != 0)
		return -1;
	if (fc__index_open(s, &again, err) != 0) {
		if (again)
			stage_error_set(err, STAGE_EXIT_FAILURE, "cache index '%s': corrupt again after rebuilding",
			                s->index_path);
		return -1;
	}
	if (rebuilt_note)
		*rebuilt_note = corrupt;
	return 0;
}

static void store_free(fc_store *s)
{
	if (s->db)
		fc__index_close(s);
	fc__lru_free(s->lru);
	free(s->dir);
	free(s);
}

int fc_store_open(fc_store **out, const char *dir, const char **rebuilt_note,
                  stage_error *err)
{
	fc_store *s;

	*out = NULL;
	if (rebuilt_note)
		*rebuilt_note = NULL;
	if (strlen(dir) > FC__DIR_MAX)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "cache directory '%.64s...': name too long",
		                       dir);
	s = calloc(1, sizeof(*s));
	if (!s)
		return stage_error_oom(err, "opening the cache");
	s->dir = strdup(dir);
	s->lru = fc__lru_new();
	if (!s->dir || !s->lru) {
		store_free(s);
		return stage_error_oom(err, "opening the cache");
	}
	snprintf(s->index_path, sizeof(s->index_path), "%s/index.sqlite", dir);
	if (make_dirs(s, err) != 0 || open_index(s, rebuilt_note, err) != 0) {
		store_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int fc_store_close(fc_store *s, stage_error *err)
{
	int rc;

	if (!s)
		return 0;
	rc = fc__index_commit(s, err);
	store_free(s);
	return rc;
}
