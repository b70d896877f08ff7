/* fetch-with-cache's on-disk store: index round trips, the write
 * transaction, two connections and two processes on one directory, LRU
 * eviction with its orphan sweep, body files, corruption recovery and the
 * default directory. Each case works in its own temporary directory. */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "run_suite.h"
#include "store.h"

static char dir[512];
static stage_error err;

static void make_dir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/fc-store-XXXXXX", base && base[0] ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_dir(void)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *cache_path(const char *name)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static fc_store *open_store(void)
{
	fc_store *s;
	const char *note = "unset";

	ck_assert_msg(fc_store_open(&s, dir, &note, &err) == 0, "%s", err.msg);
	ck_assert_ptr_null(note);
	return s;
}

static void close_store(fc_store *s)
{
	ck_assert_msg(fc_store_close(s, &err) == 0, "%s", err.msg);
}

/* An entry with borrowed strings: never released, only stored. */
static fc_entry entry(const char *key, const char *vary, const char *vary_key,
                      const char *headers, int64_t last_used)
{
	fc_entry e = {0};

	e.key = (char *)key;
	e.vary = (char *)vary;
	e.vary_key = (char *)vary_key;
	e.headers = (char *)headers;
	e.status = 200;
	e.request_time = 1000;
	e.response_time = 1001;
	e.last_used = last_used;
	/* SHA-256 of the empty body: needs no file. */
	strcpy(e.digest, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	return e;
}

static void put(fc_store *s, fc_entry *e)
{
	ck_assert_msg(fc_store_put(s, e, &err) == 0, "%s", err.msg);
	ck_assert_int_gt(e->id, 0);
}

static void commit(fc_store *s)
{
	ck_assert_msg(fc_store_commit(s, &err) == 0, "%s", err.msg);
}

static size_t lookup(fc_store *s, const char *key, fc_entry **v)
{
	size_t n;

	ck_assert_msg(fc_store_lookup(s, key, v, &n, &err) == 0, "%s", err.msg);
	return n;
}

static void release_all(fc_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fc_entry_release(&v[i]);
	free(v);
}

static size_t count(fc_store *s, const char *key)
{
	fc_entry *v;
	size_t n = lookup(s, key, &v);

	release_all(v, n);
	return n;
}

static fc_store_stats stats(fc_store *s)
{
	fc_store_stats st;

	ck_assert_msg(fc_store_stats_get(s, &st, &err) == 0, "%s", err.msg);
	return st;
}

/* Publishes content as a body; digest receives its name. */
static void publish(fc_store *s, const char *content, char digest[65])
{
	fc_digest *d = fc_digest_new();
	char tmp[1024];
	int fd;

	fc_digest_update(d, content, strlen(content));
	fc_digest_finish(d, digest);
	fc_digest_free(d);
	ck_assert_msg(fc_body_tmp(s, &fd, tmp, sizeof(tmp), &err) == 0, "%s", err.msg);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	ck_assert_msg(fc_body_publish(s, fd, tmp, digest, &err) == 0, "%s", err.msg);
	ck_assert_int_ne(access(tmp, F_OK), 0);
}

static bool body_exists(fc_store *s, const char *digest)
{
	char path[1024];

	ck_assert_int_eq(fc_body_path(s, digest, path, sizeof(path)), 0);
	return access(path, F_OK) == 0;
}

static void age_file(const char *path, time_t seconds)
{
	struct timespec t[2] = {{time(NULL) - seconds, 0}, {time(NULL) - seconds, 0}};

	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

static void age_body(fc_store *s, const char *digest, time_t seconds)
{
	char path[1024];

	ck_assert_int_eq(fc_body_path(s, digest, path, sizeof(path)), 0);
	age_file(path, seconds);
}

START_TEST(variants_round_trip)
{
	fc_store *s;
	fc_entry en, fr, en2, *v;
	size_t n;

	make_dir();
	s = open_store();
	en = entry("GET http://a/", "Accept-Language", "accept-language: en", "A: 1\r\n", 50);
	fr = entry("GET http://a/", "Accept-Language", "accept-language: fr", "A: 2\r\n", 60);
	put(s, &en);
	put(s, &fr);
	commit(s);
	n = lookup(s, "GET http://a/", &v);
	ck_assert_uint_eq(n, 2);
	/* Most recently stored first, every field back as stored. */
	ck_assert_int_eq(v[0].id, fr.id);
	ck_assert_str_eq(v[0].vary_key, "accept-language: fr");
	ck_assert_str_eq(v[0].vary, "Accept-Language");
	ck_assert_str_eq(v[0].headers, "A: 2\r\n");
	ck_assert_str_eq(v[0].digest, fr.digest);
	ck_assert_int_eq(v[0].status, 200);
	ck_assert_int_eq(v[0].body_size, 0);
	ck_assert_int_eq(v[0].request_time, 1000);
	ck_assert_int_eq(v[0].response_time, 1001);
	ck_assert_int_eq(v[0].last_used, 60);
	ck_assert_str_eq(v[1].vary_key, "accept-language: en");
	release_all(v, n);

	/* The same vary_key replaces its variant; the other stays. */
	en2 = entry("GET http://a/", NULL, "accept-language: en", "A: 3\r\n", 70);
	en2.status = 203;
	put(s, &en2);
	n = lookup(s, "GET http://a/", &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[0].id, en2.id);
	ck_assert_int_eq(v[0].status, 203);
	ck_assert_ptr_null(v[0].vary);
	ck_assert_str_eq(v[1].vary_key, "accept-language: fr");
	release_all(v, n);
	ck_assert_uint_eq(count(s, "GET http://b/"), 0);
	close_store(s);

	/* Committed at close: a new store reads them back. */
	s = open_store();
	ck_assert_uint_eq(count(s, "GET http://a/"), 2);
	ck_assert_uint_eq(count(s, "HEAD http://a/"), 0);
	close_store(s);
	remove_dir();
}
END_TEST

START_TEST(pending_writes_visible)
{
	fc_store *s, *other;
	fc_entry e = entry("GET http://p/", NULL, "", "", 5);

	make_dir();
	s = open_store();
	/* A cached miss must not hide the put that follows it. */
	ck_assert_uint_eq(count(s, "GET http://p/"), 0);
	put(s, &e);
	ck_assert_uint_eq(count(s, "GET http://p/"), 1);
	/* Another connection opens while the write is pending and does not
	 * see it until the commit. */
	other = open_store();
	ck_assert_uint_eq(stats(other).entries, 0);
	commit(s);
	ck_assert_uint_eq(stats(other).entries, 1);
	ck_assert_uint_eq(count(other, "GET http://p/"), 1);
	close_store(other);
	close_store(s);
	remove_dir();
}
END_TEST

START_TEST(two_connections)
{
	fc_store *a, *b;
	fc_entry e1 = entry("GET http://one/", NULL, "", "", 1);
	fc_entry e2 = entry("GET http://two/", NULL, "", "", 2);

	make_dir();
	a = open_store();
	b = open_store();
	put(a, &e1);
	commit(a);
	ck_assert_uint_eq(count(b, "GET http://one/"), 1);
	/* b writes while a stays open, idle after its commit. */
	put(b, &e2);
	commit(b);
	ck_assert_uint_eq(count(a, "GET http://two/"), 1);
	ck_assert_uint_eq(stats(a).entries, 2);
	close_store(a);
	close_store(b);
	remove_dir();
}
END_TEST

START_TEST(refresh_touch_delete)
{
	fc_store *s;
	fc_entry e = entry("GET http://r/", NULL, "", "Old: 1\r\n", 10), *v;
	int64_t before = (int64_t)time(NULL);
	size_t n;

	make_dir();
	s = open_store();
	put(s, &e);
	commit(s);
	ck_assert_uint_eq(count(s, "GET http://r/"), 1);
	e.headers = "New: header\r\n";
	e.request_time = 2000;
	e.response_time = 2001;
	ck_assert_msg(fc_store_refresh(s, &e, &err) == 0, "%s", err.msg);
	n = lookup(s, "GET http://r/", &v);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].headers, "New: header\r\n");
	ck_assert_int_eq(v[0].response_time, 2001);
	ck_assert_int_ge(v[0].last_used, before);
	ck_assert_int_le(v[0].last_used, (int64_t)time(NULL));
	ck_assert_int_eq(v[0].id, e.id);
	release_all(v, n);
	ck_assert_uint_eq(stats(s).bytes, strlen("New: header\r\n"));

	/* Touch never moves last_used back, and the LRU copy follows it. */
	ck_assert_msg(fc_store_touch(s, e.id, before + 3000, &err) == 0, "%s", err.msg);
	ck_assert_msg(fc_store_touch(s, e.id, before + 2500, &err) == 0, "%s", err.msg);
	n = lookup(s, "GET http://r/", &v);
	ck_assert_int_eq(v[0].last_used, before + 3000);
	release_all(v, n);

	ck_assert_msg(fc_store_delete(s, e.id, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(count(s, "GET http://r/"), 0);
	/* A row already gone (another process deleted it) is no error. */
	ck_assert_msg(fc_store_delete(s, e.id, &err) == 0, "%s", err.msg);
	ck_assert_msg(fc_store_touch(s, e.id, 1, &err) == 0, "%s", err.msg);
	close_store(s);
	remove_dir();
}
END_TEST

static char headers100[101];

/* Ten entries of 100 header bytes, e[i] last used at 1000 + i; three
 * share or own bodies. */
static void fill_for_eviction(fc_store *s, fc_entry e[10], char keys[10][32],
                              char x[65], char y[65], char z[65])
{
	memset(headers100, 'h', 100);
	publish(s, "0123456789", x);
	publish(s, "01234567890123456789", y);
	publish(s, "012345678901234567890123456789", z);
	for (int i = 0; i < 10; i++) {
		snprintf(keys[i], 32, "GET http://e/%d", i);
		e[i] = entry(keys[i], NULL, "", headers100, 1000 + i);
	}
	/* x is shared by e1 (evicted) and e7 (kept). */
	strcpy(e[1].digest, x);
	e[1].body_size = 10;
	strcpy(e[7].digest, x);
	e[7].body_size = 10;
	strcpy(e[2].digest, y);
	e[2].body_size = 20;
	strcpy(e[3].digest, z);
	e[3].body_size = 30;
	for (int i = 0; i < 10; i++)
		put(s, &e[i]);
	commit(s);
}

START_TEST(lru_eviction)
{
	fc_store *s;
	fc_entry e[10];
	char keys[10][32], x[65], y[65], z[65], w[65], old_tmp[1024], new_tmp[1024];
	uint64_t size, evicted;
	int fd;

	make_dir();
	s = open_store();
	fill_for_eviction(s, e, keys, x, y, z);
	/* w: published, never indexed (a crash, or another process's row
	 * still to come). */
	publish(s, "a body no entry names", w);
	ck_assert_msg(fc_store_size(s, &size, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(size, 1000 + 10 + 10 + 20 + 30);
	/* e0 becomes the most recently used. */
	ck_assert_msg(fc_store_touch(s, e[0].id, 5000, &err) == 0, "%s", err.msg);
	age_body(s, x, 7200);
	age_body(s, y, 7200);
	ck_assert_int_eq(fc_body_tmp(s, &fd, old_tmp, sizeof(old_tmp), &err), 0);
	close(fd);
	age_file(old_tmp, 7200);
	ck_assert_int_eq(fc_body_tmp(s, &fd, new_tmp, sizeof(new_tmp), &err), 0);
	close(fd);

	/* Oldest first: e1 (110) e2 (120) e3 (130) e4 e5 (100 each) go,
	 * leaving 510 bytes. */
	ck_assert_msg(fc_store_evict(s, 600, &evicted, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(evicted, 5);
	ck_assert_msg(fc_store_size(s, &size, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(size, 510);
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(count(s, keys[i]), i == 0 || i >= 6);
	ck_assert(body_exists(s, x));  /* still referenced by e7 */
	ck_assert(!body_exists(s, y)); /* its entry evicted */
	ck_assert(!body_exists(s, z)); /* its entry evicted: gone at once, young or not */
	ck_assert(body_exists(s, w));  /* young orphan: may be another process's */
	ck_assert_int_ne(access(old_tmp, F_OK), 0);
	ck_assert_int_eq(access(new_tmp, F_OK), 0);

	/* Once old enough, the orphan goes at the next walk (a purge walks
	 * every time; this one deletes no entry); nothing else does. */
	age_body(s, w, 120);
	ck_assert_msg(fc_store_purge(s, 1, &evicted, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(evicted, 0);
	ck_assert(!body_exists(s, w));
	ck_assert(body_exists(s, x));
	ck_assert_uint_eq(stats(s).entries, 5);
	close_store(s);
	remove_dir();
}
END_TEST

START_TEST(purge_older_than)
{
	fc_store *s;
	fc_entry a = entry("GET http://1/", NULL, "", "", 100);
	fc_entry b = entry("GET http://2/", NULL, "", "", 200);
	fc_entry c = entry("GET http://3/", NULL, "", "", 300);
	uint64_t purged;

	make_dir();
	s = open_store();
	put(s, &a);
	put(s, &b);
	put(s, &c);
	ck_assert_msg(fc_store_purge(s, 250, &purged, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(purged, 2);
	ck_assert_uint_eq(count(s, "GET http://3/"), 1);
	ck_assert_uint_eq(count(s, "GET http://1/"), 0);
	ck_assert_msg(fc_store_purge(s, 0, &purged, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(purged, 1);
	ck_assert_uint_eq(stats(s).entries, 0);
	close_store(s);
	remove_dir();
}
END_TEST

START_TEST(stats_counts)
{
	fc_store *s;
	fc_store_stats st;
	fc_entry a = entry("GET http://1/", NULL, "", "Hh: 1\r\n", 100);
	fc_entry b = entry("GET http://2/", NULL, "", "", 300);
	char d[65];

	make_dir();
	s = open_store();
	st = stats(s);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_eq(st.body_files, 0);
	ck_assert_int_eq(st.oldest_used, 0);
	ck_assert_int_eq(st.newest_used, 0);
	publish(s, "hello", d);
	strcpy(a.digest, d);
	a.body_size = 5;
	strcpy(b.digest, d);
	b.body_size = 5;
	put(s, &a);
	put(s, &b);
	st = stats(s);
	ck_assert_uint_eq(st.entries, 2);
	/* A shared body counts once per entry in bytes, once on disk. */
	ck_assert_uint_eq(st.bytes, 5 + 7 + 5);
	ck_assert_uint_eq(st.body_files, 1);
	ck_assert_uint_eq(st.body_bytes, 5);
	ck_assert_int_eq(st.oldest_used, 100);
	ck_assert_int_eq(st.newest_used, 300);
	close_store(s);
	remove_dir();
}
END_TEST

START_TEST(body_files)
{
	fc_store *s;
	fc_entry e = entry("GET http://b/", NULL, "", "", 1);
	char d[65], path[1024], tmp[1024];
	uint8_t *body;
	int fd;

	make_dir();
	s = open_store();
	publish(s, "the body", d);
	ck_assert_int_eq(fc_body_read(s, d, 8, &body, &err), 1);
	ck_assert_mem_eq(body, "the body", 8);
	free(body);
	/* Publishing the same content again is harmless. */
	publish(s, "the body", d);
	ck_assert_int_eq(fc_body_read(s, d, 8, &body, &err), 1);
	free(body);

	/* Wrong size or no file: unusable, not an error. */
	ck_assert_int_eq(fc_body_read(s, d, 9, &body, &err), 0);
	ck_assert_ptr_null(body);
	ck_assert_int_eq(fc_body_path(s, d, path, sizeof(path)), 0);
	ck_assert_int_eq(truncate(path, 3), 0);
	ck_assert_int_eq(fc_body_read(s, d, 8, &body, &err), 0);
	ck_assert_ptr_null(body);
	unlink(path);
	ck_assert_int_eq(fc_body_read(s, d, 8, &body, &err), 0);
	ck_assert_ptr_null(body);
	/* The empty body needs no file. */
	ck_assert_int_eq(fc_body_read(s, e.digest, 0, &body, &err), 1);
	free(body);

	/* A row may only name a published body. */
	strcpy(e.digest, d);
	e.body_size = 8;
	ck_assert_int_eq(fc_store_put(s, &e, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not published"));

	/* Discard and a failed publish leave no temporary behind. */
	ck_assert_int_eq(fc_body_tmp(s, &fd, tmp, sizeof(tmp), &err), 0);
	fc_body_discard(fd, tmp);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_eq(fc_body_tmp(s, &fd, tmp, sizeof(tmp), &err), 0);
	ck_assert_int_eq(fc_body_publish(s, fd, tmp, "../../etc/passwd", &err), -1);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_eq(fc_body_path(s, "ABC", path, sizeof(path)), -1);
	ck_assert_int_eq(fc_body_path(s, d, path, 10), -1);
	close_store(s);
	remove_dir();
}
END_TEST

static int count_glob(const char *pattern)
{
	glob_t g;
	int n;

	if (glob(pattern, 0, NULL, &g) != 0)
		return 0;
	n = (int)g.gl_pathc;
	globfree(&g);
	return n;
}

/* Opens the damaged index, expecting a rebuild with a note naming why. */
static void expect_rebuilt(const char *why)
{
	fc_store *s;
	const char *note = NULL;
	fc_entry e = entry("GET http://after/", NULL, "", "", 1);
	char pattern[1024];

	ck_assert_msg(fc_store_open(&s, dir, &note, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(note);
	ck_assert_msg(strstr(note, why) != NULL, "%s", note);
	snprintf(pattern, sizeof(pattern), "%s/index.sqlite.corrupt-*", dir);
	ck_assert_int_ge(count_glob(pattern), 1);
	ck_assert_uint_eq(stats(s).entries, 0);
	put(s, &e);
	close_store(s);
	s = open_store();
	ck_assert_uint_eq(count(s, "GET http://after/"), 1);
	close_store(s);
}

START_TEST(corrupt_index_rebuilt)
{
	fc_store *s;
	fc_entry e = entry("GET http://before/", NULL, "", "", 1);
	char garbage[8192];
	FILE *f;

	make_dir();
	s = open_store();
	put(s, &e);
	close_store(s);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7 + 3);
	f = fopen(cache_path("index.sqlite"), "w");
	ck_assert_ptr_nonnull(f);
	fwrite(garbage, 1, sizeof(garbage), f);
	fclose(f);
	expect_rebuilt("not a database");
	remove_dir();
}
END_TEST

static void sql(const char *statements)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(cache_path("index.sqlite"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, statements, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

START_TEST(bad_schema_rebuilt)
{
	make_dir();
	close_store(open_store());
	sql("UPDATE meta SET value = '99' WHERE name = 'schema_version'");
	expect_rebuilt("unknown schema");
	remove_dir();
	/* A database of some other program. */
	make_dir();
	sql("CREATE TABLE t(x)");
	expect_rebuilt("unknown schema");
	remove_dir();
}
END_TEST

static int sql_int(const char *query)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v;

	ck_assert_int_eq(sqlite3_open(cache_path("index.sqlite"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* A valid header and schema, but the entries table's root page wiped.
 * The index was checked when it was made, so the next open trusts it for
 * a day; the first read of the damaged page fails with a message and
 * leaves the marker, and the open after that checks and rebuilds. */
START_TEST(damaged_page_rebuilt)
{
	fc_store *s;
	char key[64], *page;
	int root, size, fd;

	make_dir();
	s = open_store();
	for (int i = 0; i < 50; i++) {
		fc_entry e;
		snprintf(key, sizeof(key), "GET http://d/%d", i);
		e = entry(key, NULL, "", "", i);
		put(s, &e);
	}
	close_store(s);
	root = sql_int("SELECT rootpage FROM sqlite_master WHERE name = 'entries'");
	size = sql_int("PRAGMA page_size");
	page = malloc((size_t)size);
	memset(page, 0xff, (size_t)size);
	fd = open(cache_path("index.sqlite"), O_WRONLY);
	ck_assert_int_eq(pwrite(fd, page, (size_t)size, (off_t)(root - 1) * size), size);
	close(fd);
	free(page);
	s = open_store();
	{
		fc_entry *v = NULL;
		size_t n = 0;

		ck_assert_int_eq(fc_store_lookup(s, "GET http://d/7", &v, &n, &err), -1);
		ck_assert_msg(strstr(err.msg, "is damaged") != NULL, "%s", err.msg);
	}
	ck_assert_int_eq(access(cache_path("index.sqlite.check"), F_OK), 0);
	fc_store_close(s, &err);
	expect_rebuilt("integrity check");
	ck_assert_int_ne(access(cache_path("index.sqlite.check"), F_OK), 0);
	remove_dir();
}
END_TEST

static void expect_open_fails(const char *path)
{
	fc_store *s;

	ck_assert_int_eq(fc_store_open(&s, path, NULL, &err), -1);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.status, STAGE_EXIT_FAILURE);
	ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
}

START_TEST(unwritable_dir)
{
	/* Root may write anywhere; a path under a regular file always fails. */
	expect_open_fails("/dev/null/x");
	if (geteuid() != 0) {
		make_dir();
		ck_assert_int_eq(chmod(dir, 0500), 0);
		expect_open_fails(cache_path("cache"));
		ck_assert_int_eq(chmod(dir, 0700), 0);
		remove_dir();
	}
}
END_TEST

static void set_env(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static void expect_default(const char *xdg, const char *home, const char *want)
{
	char *got;

	set_env("XDG_CACHE_HOME", xdg);
	set_env("HOME", home);
	got = fc_store_default_dir(&err);
	if (!want) {
		ck_assert_ptr_null(got);
		ck_assert_ptr_nonnull(strstr(err.msg, "HOME"));
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(default_dir)
{
	char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	xdg = xdg ? strdup(xdg) : NULL;
	home = home ? strdup(home) : NULL;
	expect_default("/x/cache", "/h", "/x/cache/pipestage/http");
	expect_default(NULL, "/h", "/h/.cache/pipestage/http");
	expect_default("relative", "/h", "/h/.cache/pipestage/http");
	expect_default("", "/h", "/h/.cache/pipestage/http");
	expect_default(NULL, NULL, NULL);
	set_env("XDG_CACHE_HOME", xdg);
	set_env("HOME", home);
	free(xdg);
	free(home);
}
END_TEST

/* A child's whole life: its own store, 500 puts committed every 50. */
static int child_puts(int which)
{
	fc_store *s;
	stage_error cerr;
	char key[64];

	if (fc_store_open(&s, dir, NULL, &cerr) != 0)
		return 1;
	for (int i = 0; i < 500; i++) {
		fc_entry e;
		snprintf(key, sizeof(key), "GET http://c%d/%d", which, i);
		e = entry(key, NULL, "", "X: y\r\n", i);
		if (fc_store_put(s, &e, &cerr) != 0)
			return 2;
		if (i % 50 == 49 && fc_store_commit(s, &cerr) != 0)
			return 3;
	}
	return fc_store_close(s, &cerr) == 0 ? 0 : 4;
}

START_TEST(two_processes)
{
	pid_t pid[2];
	fc_store *s;

	make_dir();
	/* Neither child finds an index: both race to create it too. */
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0)
			_exit(child_puts(i));
	}
	for (int i = 0; i < 2; i++) {
		int status;
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	s = open_store();
	ck_assert_uint_eq(stats(s).entries, 1000);
	ck_assert_uint_eq(count(s, "GET http://c0/499"), 1);
	ck_assert_uint_eq(count(s, "GET http://c1/0"), 1);
	close_store(s);
	remove_dir();
}
END_TEST

START_TEST(lru_bounded)
{
	fc_store *s;
	fc_entry e = entry("GET http://k/7", NULL, "", "", 1);
	char key[64];

	make_dir();
	s = open_store();
	put(s, &e);
	/* More keys than the LRU holds: older ones drop out and are read
	 * from the index again. */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 5000; i++) {
			snprintf(key, sizeof(key), "GET http://k/%d", i);
			ck_assert_uint_eq(count(s, key), i == 7);
		}
	close_store(s);
	remove_dir();
}
END_TEST

static Suite *store_suite(void)
{
	Suite *su = suite_create("fetch_store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, variants_round_trip);
	tcase_add_test(tc, pending_writes_visible);
	tcase_add_test(tc, two_connections);
	tcase_add_test(tc, refresh_touch_delete);
	tcase_add_test(tc, lru_eviction);
	tcase_add_test(tc, purge_older_than);
	tcase_add_test(tc, stats_counts);
	tcase_add_test(tc, body_files);
	tcase_add_test(tc, corrupt_index_rebuilt);
	tcase_add_test(tc, bad_schema_rebuilt);
	tcase_add_test(tc, damaged_page_rebuilt);
	tcase_add_test(tc, unwritable_dir);
	tcase_add_test(tc, default_dir);
	tcase_add_test(tc, two_processes);
	tcase_add_test(tc, lru_bounded);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	return run_suite(store_suite());
}
