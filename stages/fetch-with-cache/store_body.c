/* Body files: content-addressed under bodies/, written to tmp/ and
 * published by rename(2); reading checks the size, and the sweep removes
 * what no row references. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

/* A body younger than this may belong to a row another process is about
 * to insert (it publishes first, then writes the row in a transaction it
 * commits within a few hundred ms), so the sweep leaves it. */
#define ORPHAN_MIN_AGE 60
/* A temporary younger than this may still be written by a running fetch. */
#define TMP_MIN_AGE 3600
#define TMP_ATTEMPTS 100
/* Bodies are read whole into memory; the fetcher bounds them far lower. */
#define BODY_READ_MAX ((int64_t)1 << 40)

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool fc__digest_valid(const char *digest)
{
	for (int i = 0; i < 64; i++)
		if (!is_hex(digest[i]))
			return false;
	return digest[64] == '\0';
}

/* A bodies/ subdirectory name: two lowercase hex digits. */
static bool is_hex_pair(const char *name)
{
	return is_hex(name[0]) && is_hex(name[1]) && name[2] == '\0';
}

/* Creates path unless it is already a directory. */
int fc__mkdir(const char *path, stage_error *err)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "cache directory '%s': %s", path,
		                       strerror(errno));
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return stage_error_set(err, STAGE_EXIT_FAILURE, "cache directory '%s': %s", path,
		                       strerror(errno ? errno : ENOTDIR));
	return 0;
}

/* The digest is checked: a damaged index row must not name a path
 * outside bodies/. */
int fc_body_path(const fc_store *s, const char *digest, char *buf, size_t len)
{
	int n;

	if (!fc__digest_valid(digest))
		return -1;
	n = snprintf(buf, len, "%s/bodies/%.2s/%s", s->dir, digest, digest);
	return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* Names are <pid>-<counter>: unique among running processes; O_EXCL
 * steps past one left by a dead process with the same pid. */
int fc_body_tmp(fc_store *s, int *fd, char *path, size_t len, stage_error *err)
{
	for (int i = 0; i < TMP_ATTEMPTS; i++) {
		int n = snprintf(path, len, "%s/tmp/%ld-%u", s->dir, (long)getpid(), s->tmp_counter++);
		if (n < 0 || (size_t)n >= len)
			return stage_error_set(err, STAGE_EXIT_FAILURE,
			                       "cache directory '%s': temporary name too long", s->dir);
		*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (*fd >= 0)
			return 0;
		if (errno != EEXIST)
			return stage_error_set(err, STAGE_EXIT_FAILURE, "creating '%s': %s", path,
			                       strerror(errno));
	}
	return stage_error_set(err, STAGE_EXIT_FAILURE, "cache directory '%s': no free temporary name",
	                       s->dir);
}

void fc_body_discard(int fd, const char *tmp_path)
{
	if (fd >= 0)
		close(fd);
	unlink(tmp_path);
}

/* No fsync: a SIGKILL loses nothing written, and after a power cut a
 * short body fails fc_body_read's size check and is refetched. */
int fc_body_publish(fc_store *s, int fd, const char *tmp_path, const char *digest,
                    stage_error *err)
{
	char path[PATH_MAX], sub[PATH_MAX];

	if (close(fd) != 0) {
		stage_error_set(err, STAGE_EXIT_FAILURE, "writing '%s': %s", tmp_path, strerror(errno));
		unlink(tmp_path);
		return -1;
	}
	if (fc_body_path(s, digest, path, sizeof(path)) != 0) {
		unlink(tmp_path);
		return stage_error_set(err, STAGE_EXIT_FAILURE, "publishing '%s': bad digest '%s'",
		                       tmp_path, digest);
	}
	/* The shard directory exists but for the first bodies: make it only
	 * when the rename says it is missing (one system call per body saved). */
	if (rename(tmp_path, path) == 0)
		return 0;
	if (errno != ENOENT) {
		stage_error_set(err, STAGE_EXIT_FAILURE, "publishing '%s' as '%s': %s", tmp_path, path,
		                strerror(errno));
		unlink(tmp_path);
		return -1;
	}
	snprintf(sub, sizeof(sub), "%s/bodies/%.2s", s->dir, digest);
	if (fc__mkdir(sub, err) != 0) {
		unlink(tmp_path);
		return -1;
	}
	if (rename(tmp_path, path) != 0) {
		stage_error_set(err, STAGE_EXIT_FAILURE, "publishing '%s' as '%s': %s", tmp_path, path,
		                strerror(errno));
		unlink(tmp_path);
		return -1;
	}
	return 0;
}

/* Reads exactly size bytes; 0 when the file ends sooner. */
static int read_exact(int fd, uint8_t *buf, int64_t size, const char *path, stage_error *err)
{
	int64_t got = 0;

	while (got < size) {
		ssize_t r = read(fd, buf + got, (size_t)(size - got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return stage_error_set(err, STAGE_EXIT_FAILURE, "reading '%s': %s", path,
			                       strerror(errno));
		if (r == 0)
			return 0;
		got += r;
	}
	return 1;
}

int fc_body_read(const fc_store *s, const char *digest, int64_t expected_size,
                 uint8_t **body, stage_error *err)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;

	*body = NULL;
	if (expected_size == 0) {
		*body = malloc(1);
		return *body ? 1 : stage_error_oom(err, "reading a cached body");
	}
	if (expected_size < 0 || expected_size > BODY_READ_MAX ||
	    fc_body_path(s, digest, path, sizeof(path)) != 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : stage_error_set(err, STAGE_EXIT_FAILURE, "opening '%s': %s",
		                                             path, strerror(errno));
	if (fstat(fd, &st) != 0 || st.st_size != expected_size) {
		close(fd);
		return 0;
	}
	*body = malloc((size_t)expected_size);
	if (!*body) {
		close(fd);
		return stage_error_oom(err, "reading a cached body");
	}
	rc = read_exact(fd, *body, expected_size, path, err);
	close(fd);
	if (rc != 1) {
		free(*body);
		*body = NULL;
	}
	return rc;
}

bool fc_body_present(const fc_store *s, const char *digest, int64_t expected_size)
{
	char path[PATH_MAX];
	struct stat st;

	if (expected_size == 0)
		return true;
	return fc_body_path(s, digest, path, sizeof(path)) == 0 && stat(path, &st) == 0 &&
	       st.st_size == expected_size;
}

/* Walks one bodies/<2 hex> directory. */
static int walk_sub(fc_store *s, const char *sub, const char *prefix, fc__body_fn fn, void *arg,
                    stage_error *err)
{
	DIR *d = opendir(sub);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : stage_error_set(err, STAGE_EXIT_FAILURE, "reading '%s': %s",
		                                             sub, strerror(errno));
	while (rc == 0 && (de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		if (!fc__digest_valid(de->d_name) || strncmp(de->d_name, prefix, 2) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/bodies/%.2s/%.64s", s->dir, prefix, de->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		rc = fn(s, de->d_name, path, &st, arg, err);
	}
	closedir(d);
	return rc;
}

int fc__body_walk(fc_store *s, fc__body_fn fn, void *arg, stage_error *err)
{
	char top[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int rc = 0;

	snprintf(top, sizeof(top), "%s/bodies", s->dir);
	d = opendir(top);
	if (!d)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "reading '%s': %s", top, strerror(errno));
	while (rc == 0 && (de = readdir(d))) {
		char sub[PATH_MAX];
		if (!is_hex_pair(de->d_name))
			continue;
		snprintf(sub, sizeof(sub), "%s/bodies/%.2s", s->dir, de->d_name);
		rc = walk_sub(s, sub, de->d_name, fn, arg, err);
	}
	closedir(d);
	return rc;
}

/* A race remains between the reference check and unlink: another process
 * may publish the same content again just then. Its row then points at a
 * missing body, which fc_body_read reports and the caller refetches. */
static int sweep_body(fc_store *s, const char *digest, const char *path, const struct stat *st,
                      void *arg, stage_error *err)
{
	time_t now = *(const time_t *)arg;
	bool referenced;

	if (st->st_mtime > now - ORPHAN_MIN_AGE)
		return 0;
	if (fc__index_referenced(s, digest, &referenced, err) != 0)
		return -1;
	if (!referenced && unlink(path) != 0 && errno != ENOENT)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "removing '%s': %s", path, strerror(errno));
	return 0;
}

int fc__body_unlink_unreferenced(fc_store *s, const char *digest, stage_error *err)
{
	char path[PATH_MAX];
	bool referenced;

	if (fc_body_path(s, digest, path, sizeof(path)) != 0)
		return 0;
	if (fc__index_referenced(s, digest, &referenced, err) != 0)
		return -1;
	if (!referenced && unlink(path) != 0 && errno != ENOENT)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "removing '%s': %s", path, strerror(errno));
	return 0;
}

static int sweep_tmp(fc_store *s, time_t now, stage_error *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/tmp", s->dir);
	d = opendir(dir);
	if (!d)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "reading '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_mtime <= now - TMP_MIN_AGE)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	return 0;
}

int fc__sweep(fc_store *s, stage_error *err)
{
	time_t now = time(NULL);

	if (fc__body_walk(s, sweep_body, &now, err) != 0)
		return -1;
	return sweep_tmp(s, now, err);
}
