/* Hostile input for the Arrow IPC reader: the sample stream cut at every
 * byte, thousands of randomly corrupted copies, and hand-built messages that
 * break one rule each. Every read must end in a clean error with status
 * BAD_INPUT (or, for a corrupted copy, possibly in success: damaged values
 * are undetectable), never in a crash, a hang or a sanitizer report.
 *
 * A case that crashes or hangs writes its input to ipc-corrupt-failure.arrow
 * in the current directory and names itself on stderr; CORRUPT_CASE=N runs
 * only random case N, CORRUPT_SEED and CORRUPT_CASES change the run. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flatbuf.h"
#include "ipc_consume.h"
#include "ipc_format.h"
#include "run_suite.h"
#include "sample_stream.h"
#include "stage_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_SANITIZER_CALLBACK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_SANITIZER_CALLBACK 1
#endif
#endif
#ifdef HAVE_SANITIZER_CALLBACK
#include <sanitizer/common_interface_defs.h>
#endif

#define CASE_SECONDS 20 /* one read of a 50 KB stream takes milliseconds */

/* ---- the case under test, for the post-mortem ---- */

static const uint8_t *cur_bytes;
static size_t cur_len;
static char cur_desc[320];

static void dump_case(void)
{
	static const char path[] = "ipc-corrupt-failure.arrow";
	int fd;

	if (!cur_bytes)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		ssize_t w = write(fd, cur_bytes, cur_len);

		(void)w;
		close(fd);
	}
	dprintf(2, "test_ipc_corrupt: failing case: %s (%zu bytes, saved to %s)\n", cur_desc,
	        cur_len, path);
	cur_bytes = NULL;
}

static void on_fatal_signal(int sig)
{
	if (sig == SIGALRM)
		dprintf(2, "test_ipc_corrupt: case still running after %d s: a hang\n",
		        CASE_SECONDS);
	dump_case();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Runs in each forked test process (Check's fork mode). */
static void setup_postmortem(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_fatal_signal);
	signal(SIGPIPE, SIG_IGN); /* a reader that stops early closes the pipe */
#ifdef HAVE_SANITIZER_CALLBACK
	__sanitizer_set_death_callback(dump_case);
#endif
}

/* ---- feeding bytes to the reader ---- */

struct feeder {
	int fd;
	const uint8_t *p;
	size_t n;
	uint64_t seed;
};

/* One writer thread per test process, handed one job at a time: under
 * ASan a thread costs megabytes of mappings, too much for one per case. */
static pthread_mutex_t feeder_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t feeder_cv = PTHREAD_COND_INITIALIZER;
static const struct feeder *feeder_job;
static bool feeder_busy;

static void *feeder_main(void *arg)
{
	for (;;) {
		const struct feeder *f;
		uint64_t x;

		pthread_mutex_lock(&feeder_mu);
		while (!feeder_job)
			pthread_cond_wait(&feeder_cv, &feeder_mu);
		f = feeder_job;
		pthread_mutex_unlock(&feeder_mu);
		/* Chunks of 1 to 4096 bytes, so messages straddle reads. */
		x = f->seed | 1;
		for (size_t off = 0; off < f->n;) {
			size_t k;
			ssize_t w;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			k = 1 + (size_t)(x % 4096);
			if (k > f->n - off)
				k = f->n - off;
			w = write(f->fd, f->p + off, k);
			if (w <= 0)
				break; /* the reader stopped early: EPIPE */
			off += (size_t)w;
		}
		close(f->fd);
		pthread_mutex_lock(&feeder_mu);
		feeder_job = NULL;
		feeder_busy = false;
		pthread_cond_broadcast(&feeder_cv);
		pthread_mutex_unlock(&feeder_mu);
	}
	return arg;
}

static void feeder_start(const struct feeder *f)
{
	static bool started;

	if (!started) {
		pthread_t t;

		ck_assert_int_eq(pthread_create(&t, NULL, feeder_main, NULL), 0);
		pthread_detach(t);
		started = true;
	}
	pthread_mutex_lock(&feeder_mu);
	feeder_job = f;
	feeder_busy = true;
	pthread_cond_broadcast(&feeder_cv);
	pthread_mutex_unlock(&feeder_mu);
}

static void feeder_wait(void)
{
	pthread_mutex_lock(&feeder_mu);
	while (feeder_busy)
		pthread_cond_wait(&feeder_cv, &feeder_mu);
	pthread_mutex_unlock(&feeder_mu);
}

/* Reads bytes as a stream from a memfd, or from a pipe fed in random chunks
 * when pipe_seed is non-zero. Returns rows, or -1 with err set; fails the
 * test when the reader breaks a promise about the batches it returned. */
static int64_t read_bytes(const uint8_t *p, size_t n, bool allow_truncated, uint64_t pipe_seed,
                          stage_error *err)
{
	const char *bug = NULL;
	int64_t rows;

	memset(err, 0, sizeof(*err));
	cur_bytes = p;
	cur_len = n;
	alarm(CASE_SECONDS);
	if (pipe_seed) {
		int fds[2];
		struct feeder f;

		ck_assert_int_eq(pipe(fds), 0);
		f = (struct feeder){fds[1], p, n, pipe_seed};
		feeder_start(&f);
		rows = ipc_consume_fd(fds[0], allow_truncated, err, &bug);
		close(fds[0]);
		feeder_wait();
	} else {
		int fd = memfd_create("ipc-corrupt", 0);

		ck_assert_int_ge(fd, 0);
		ck_assert(n == 0 || write(fd, p, n) == (ssize_t)n);
		lseek(fd, 0, SEEK_SET);
		rows = ipc_consume_fd(fd, allow_truncated, err, &bug);
		close(fd);
	}
	alarm(0);
	ck_assert_msg(bug == NULL, "%s: reader bug: %s", cur_desc, bug ? bug : "");
	cur_bytes = NULL;
	return rows;
}

static void assert_clean_error(int64_t rows, const stage_error *err)
{
	ck_assert_msg(rows == -1, "%s: read %lld rows, expected an error", cur_desc,
	              (long long)rows);
	ck_assert_msg(err->status == STAGE_EXIT_BAD_INPUT, "%s: status %d (%s), expected 3",
	              cur_desc, err->status, err->msg);
	ck_assert_msg(err->msg[0] != '\0', "%s: error without a message", cur_desc);
}

/* ---- the sample stream and its layout ---- */

static const int64_t sample_sizes[] = {5, 0, 1, 1000, 0};
#define SAMPLE_ROWS 1006

struct region {
	size_t start, meta_end, end; /* framing + metadata, then body */
	int64_t rows;                /* RecordBatch length, -1 for other messages */
};

static uint8_t *sample;
static size_t sample_len;
static struct region regions[16];
static size_t nregions;

/* Walks the framing of our own (trusted) stream: where each message's
 * metadata and body lie, and how many rows each batch holds. */
static void map_sample(void)
{
	size_t pos = 0;

	nregions = 0;
	while (pos + 8 <= sample_len) {
		int32_t mlen;
		int64_t body = 0, rows = -1;
		fb_table msg, hdr;
		bool has;
		uint8_t type;
		stage_error err;

		memcpy(&mlen, sample + pos + 4, 4);
		if (mlen > 0) {
			ck_assert_int_eq(stage__fb_root(sample + pos + 8, (size_t)mlen, &msg, &err), 0);
			ck_assert_int_eq(stage__fb_i64(&msg, MSG_BODY_LENGTH, 0, &body, &err), 0);
			ck_assert_int_eq(stage__fb_u8(&msg, MSG_HEADER_TYPE, 0, &type, &err), 0);
			ck_assert_int_eq(stage__fb_table(&msg, MSG_HEADER, &hdr, &has, &err), 0);
			if (type == IPC_HEADER_RECORD_BATCH)
				ck_assert_int_eq(stage__fb_i64(&hdr, RB_LENGTH, 0, &rows, &err), 0);
		}
		ck_assert_uint_lt(nregions, 16);
		regions[nregions++] = (struct region){pos, pos + 8 + (size_t)mlen,
		                                      pos + 8 + (size_t)mlen + (size_t)body, rows};
		pos += 8 + (size_t)mlen + (size_t)body;
	}
	ck_assert_uint_eq(pos, sample_len);
}

static void make_sample(void)
{
	int fd = memfd_create("sample", 0);
	stage_error err;
	off_t len;

	setup_postmortem();
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sample_write_stream(fd, sample_sizes, 5, true, &err), 0);
	len = lseek(fd, 0, SEEK_END);
	sample = malloc((size_t)len + 16);
	ck_assert(pread(fd, sample, (size_t)len, 0) == len);
	sample_len = (size_t)len;
	close(fd);
	map_sample();
}

static void free_sample(void)
{
	free(sample);
	sample = NULL;
}

/* ---- (a) truncation at every byte ---- */

START_TEST(sample_reads_whole)
{
	stage_error err;

	snprintf(cur_desc, sizeof(cur_desc), "whole sample stream");
	ck_assert_int_eq(read_bytes(sample, sample_len, false, 0, &err), SAMPLE_ROWS);
	ck_assert_int_eq(read_bytes(sample, sample_len, false, 42, &err), SAMPLE_ROWS);
	/* The schema, 5 batches, the end-of-stream marker. */
	ck_assert_uint_eq(nregions, 7);
}
END_TEST

/* Rows in the batches that lie wholly before byte `cut`. */
static int64_t rows_before(size_t cut)
{
	int64_t rows = 0;

	for (size_t i = 0; i < nregions; i++)
		if (regions[i].rows > 0 && regions[i].end <= cut)
			rows += regions[i].rows;
	return rows;
}

START_TEST(cut_at_every_byte)
{
	for (size_t cut = 0; cut < sample_len; cut++) {
		stage_error err;
		int64_t rows;

		snprintf(cur_desc, sizeof(cur_desc), "sample cut to %zu of %zu bytes", cut, sample_len);
		/* Every 13th cut also through a pipe in small chunks. */
		rows = read_bytes(sample, cut, false, cut % 13 ? 0 : cut + 1, &err);
		assert_clean_error(rows, &err);
		ck_assert_msg(strstr(err.msg, "upstream ended without end-of-stream marker"),
		              "%s: message '%s'", cur_desc, err.msg);
	}
}
END_TEST

/* True when byte `cut` lies in a message's framing or metadata, or within
 * 64 bytes of either end of its body. */
static bool near_framing(size_t cut)
{
	for (size_t i = 0; i < nregions; i++)
		if (cut >= regions[i].start &&
		    (cut < regions[i].meta_end + 64 || cut + 64 >= regions[i].end))
			if (cut <= regions[i].end)
				return true;
	return false;
}

START_TEST(cut_at_every_byte_allowed)
{
	/* --allow-truncated: every batch wholly before the cut, and no error,
	 * once the schema is complete. Cuts inside a body all take the same
	 * path, so away from its ends one in 61 is enough. */
	for (size_t cut = 0; cut <= sample_len; cut++) {
		stage_error err;
		int64_t rows;

		if (!near_framing(cut) && cut % 61)
			continue;

		snprintf(cur_desc, sizeof(cur_desc), "sample cut to %zu of %zu bytes, truncation allowed",
		         cut, sample_len);
		rows = read_bytes(sample, cut, true, 0, &err);
		if (cut < regions[0].end) {
			assert_clean_error(rows, &err);
			continue;
		}
		ck_assert_msg(rows == rows_before(cut), "%s: %lld rows (%s), expected %lld", cur_desc,
		              (long long)rows, rows < 0 ? err.msg : "", (long long)rows_before(cut));
	}
}
END_TEST

START_TEST(cut_between_messages)
{
	/* A cut exactly between two messages is truncation too; one right after
	 * the end-of-stream marker is a complete stream. */
	for (size_t i = 0; i < nregions; i++) {
		stage_error err;
		int64_t rows;

		snprintf(cur_desc, sizeof(cur_desc), "sample cut after message %zu (byte %zu)", i,
		         regions[i].end);
		rows = read_bytes(sample, regions[i].end, false, 0, &err);
		if (i + 1 == nregions) {
			ck_assert_int_eq(rows, SAMPLE_ROWS);
			continue;
		}
		assert_clean_error(rows, &err);
		ck_assert_msg(strstr(err.msg, "end-of-stream marker"), "%s: '%s'", cur_desc, err.msg);
	}
}
END_TEST

/* ---- (b) random corruption ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64: a fixed seed gives the same cases on every machine */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

/* A position to damage: half the time inside some message's framing and
 * metadata (where damage is detectable), otherwise anywhere. */
static size_t pick_pos(size_t len, size_t width)
{
	size_t pos;

	if (rng() & 1) {
		const struct region *r = &regions[rng_below(nregions)];

		pos = r->start + rng_below(r->meta_end - r->start);
	} else {
		pos = rng_below(len);
	}
	if (rng() & 1)
		pos &= ~(size_t)3;
	return pos + width <= len ? pos : len - width;
}

/* Applies one random kind of damage to buf (len bytes, room for one more);
 * returns the new length and describes it in desc. */
static size_t corrupt(uint8_t *buf, size_t len, char *desc, size_t desclen)
{
	static const uint32_t words[] = {0, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 1, 2, 3, 4,
	                                 7, 8, 16, 255, 0xFFFFu, 0xFFFFFFF8u};
	static const int64_t longs[] = {(int64_t)1 << 62, INT64_MAX, INT64_MIN, -1, -8,
	                                (int64_t)1 << 31, (int64_t)1 << 32, 0x7FFFFFF8};
	size_t pos, k;
	int used = 0;

	switch (rng_below(5)) {
	case 0:
		k = 1 + rng_below(8);
		used = snprintf(desc, desclen, "flip %zu bytes at", k);
		for (size_t i = 0; i < k; i++) {
			pos = pick_pos(len, 1);
			buf[pos] ^= (uint8_t)(1 + rng_below(255));
			used += snprintf(desc + used, desclen - (size_t)used, " %zu", pos);
		}
		return len;
	case 1:
		k = 1 + rng_below(3);
		used = snprintf(desc, desclen, "overwrite %zu words:", k);
		for (size_t i = 0; i < k; i++) {
			uint32_t w = words[rng_below(sizeof(words) / sizeof(words[0]))];

			pos = pick_pos(len, 4);
			memcpy(buf + pos, &w, 4);
			used += snprintf(desc + used, desclen - (size_t)used, " %zu=0x%x", pos, w);
		}
		return len;
	case 2: {
		int64_t v = longs[rng_below(sizeof(longs) / sizeof(longs[0]))];

		pos = pick_pos(len, 8);
		memcpy(buf + pos, &v, 8);
		snprintf(desc, desclen, "overwrite 8 bytes at %zu with %lld", pos, (long long)v);
		return len;
	}
	case 3:
		pos = rng_below(len + 1);
		memmove(buf + pos + 1, buf + pos, len - pos);
		buf[pos] = (uint8_t)rng();
		snprintf(desc, desclen, "insert 0x%02x at %zu", buf[pos], pos);
		return len + 1;
	default:
		pos = rng_below(len);
		snprintf(desc, desclen, "delete byte %zu (0x%02x)", pos, buf[pos]);
		memmove(buf + pos, buf + pos + 1, len - pos - 1);
		return len - 1;
	}
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

START_TEST(random_corruption)
{
	uint64_t seed = env_u64("CORRUPT_SEED", 20261125);
	uint64_t ncases = env_u64("CORRUPT_CASES", 5000);
	uint64_t only = env_u64("CORRUPT_CASE", UINT64_MAX);
	uint8_t *buf = malloc(sample_len + 1);
	uint64_t ok = 0, rejected = 0;

	for (uint64_t i = 0; i < ncases; i++) {
		char what[160];
		size_t len;
		stage_error err;
		int64_t rows;

		/* Each case has its own stream of random numbers, so CORRUPT_CASE
		 * reproduces one case alone. */
		rng_state = seed * 0x100000001B3ull + i;
		if (only != UINT64_MAX && i != only)
			continue;
		memcpy(buf, sample, sample_len);
		len = corrupt(buf, sample_len, what, sizeof(what));
		snprintf(cur_desc, sizeof(cur_desc), "CORRUPT_SEED=%llu CORRUPT_CASE=%llu: %s",
		         (unsigned long long)seed, (unsigned long long)i, what);
		rows = read_bytes(buf, len, false, i % 10 == 9 ? i : 0, &err);
		if (rows >= 0) {
			ok++;
			continue;
		}
		rejected++;
		assert_clean_error(rows, &err);
	}
	printf("random corruption: %llu cases, %llu read, %llu rejected\n",
	       (unsigned long long)(ok + rejected), (unsigned long long)ok,
	       (unsigned long long)rejected);
	free(buf);
}
END_TEST

/* ---- (c) hand-built hostile messages ---- */

/* A stream under construction. */
struct hstream {
	uint8_t *p;
	size_t n, cap;
};

static void hs_put(struct hstream *s, const void *p, size_t n)
{
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2 + 64;
		s->p = realloc(s->p, s->cap);
		ck_assert_ptr_nonnull(s->p);
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
}

static void hs_u32(struct hstream *s, uint32_t v)
{
	hs_put(s, &v, 4);
}

/* Continuation marker, length, metadata (padded to 8). */
static void hs_message(struct hstream *s, const uint8_t *meta, size_t n)
{
	static const uint8_t zeros[8];
	size_t padded = (n + 7) & ~(size_t)7;

	hs_u32(s, IPC_CONTINUATION);
	hs_u32(s, (uint32_t)padded);
	hs_put(s, meta, n);
	hs_put(s, zeros, padded - n);
}

static void hs_eos(struct hstream *s)
{
	hs_u32(s, IPC_CONTINUATION);
	hs_u32(s, 0);
}

/* One field of a hand-built schema. */
struct hfield {
	const char *name;
	uint8_t type_type;
	int32_t bit_width;   /* Int */
	uint8_t is_signed;   /* Int */
	int16_t precision;   /* FloatingPoint */
	int16_t unit;        /* Timestamp */
	const char *tz;      /* Timestamp */
	bool dictionary;     /* a DictionaryEncoding table */
	bool child;          /* one child field */
};

#define F_INT64(n) {.name = n, .type_type = TYPE_INT, .bit_width = 64, .is_signed = 1}
#define F_UTF8(n) {.name = n, .type_type = TYPE_UTF8}

static fb_ref h_field(fb_builder *fb, const struct hfield *f, bool as_child);

static fb_ref h_type(fb_builder *fb, const struct hfield *f)
{
	fb_ref tz = f->tz ? stage__fb_string(fb, f->tz, strlen(f->tz)) : 0;

	stage__fb_table_start(fb);
	switch (f->type_type) {
	case TYPE_INT:
		stage__fb_add_i32(fb, INT_BIT_WIDTH, f->bit_width);
		stage__fb_add_u8(fb, INT_IS_SIGNED, f->is_signed);
		break;
	case TYPE_FLOATING_POINT:
		stage__fb_add_i16(fb, FP_PRECISION, f->precision);
		break;
	case TYPE_TIMESTAMP:
		stage__fb_add_i16(fb, TS_UNIT, f->unit);
		if (tz)
			stage__fb_add_ref(fb, TS_TIMEZONE, tz);
		break;
	}
	return stage__fb_table_end(fb);
}

static fb_ref h_field(fb_builder *fb, const struct hfield *f, bool as_child)
{
	static const struct hfield child = F_INT64("item");
	fb_ref name = stage__fb_string(fb, f->name, strlen(f->name));
	fb_ref kid = f->child && !as_child ? h_field(fb, &child, true) : 0;
	fb_ref children = stage__fb_ref_vector(fb, &kid, kid ? 1 : 0);
	fb_ref type = h_type(fb, f), dict = 0;

	if (f->dictionary) {
		fb_ref index;

		stage__fb_table_start(fb); /* Int: the index type */
		stage__fb_add_i32(fb, INT_BIT_WIDTH, 32);
		stage__fb_add_u8(fb, INT_IS_SIGNED, 1);
		index = stage__fb_table_end(fb);
		stage__fb_table_start(fb); /* DictionaryEncoding { id, indexType } */
		stage__fb_add_i64(fb, 0, 0);
		stage__fb_add_ref(fb, 1, index);
		dict = stage__fb_table_end(fb);
	}
	stage__fb_table_start(fb);
	stage__fb_add_ref(fb, FIELD_NAME, name);
	stage__fb_add_u8(fb, FIELD_NULLABLE, 1);
	stage__fb_add_u8(fb, FIELD_TYPE_TYPE, f->type_type);
	stage__fb_add_ref(fb, FIELD_TYPE, type);
	if (dict)
		stage__fb_add_ref(fb, FIELD_DICTIONARY, dict);
	stage__fb_add_ref(fb, FIELD_CHILDREN, children);
	return stage__fb_table_end(fb);
}

static fb_ref h_message(fb_builder *fb, int16_t version, uint8_t header_type, fb_ref header,
                        int64_t body_len)
{
	stage__fb_table_start(fb);
	stage__fb_add_i16(fb, MSG_VERSION, version);
	stage__fb_add_u8(fb, MSG_HEADER_TYPE, header_type);
	stage__fb_add_ref(fb, MSG_HEADER, header);
	stage__fb_add_i64(fb, MSG_BODY_LENGTH, body_len);
	return stage__fb_table_end(fb);
}

/* Appends a Schema message (big_endian sets the endianness field). */
static void hs_schema(struct hstream *s, const struct hfield *fields, size_t n, bool big_endian)
{
	fb_builder fb;
	fb_ref refs[8], fv, schema;
	const uint8_t *meta;
	size_t size;

	ck_assert_uint_le(n, 8);
	stage__fb_init(&fb);
	for (size_t i = 0; i < n; i++)
		refs[i] = h_field(&fb, &fields[i], false);
	fv = stage__fb_ref_vector(&fb, refs, n);
	stage__fb_table_start(&fb);
	stage__fb_add_i16(&fb, SCHEMA_ENDIANNESS, big_endian);
	stage__fb_add_ref(&fb, SCHEMA_FIELDS, fv);
	schema = stage__fb_table_end(&fb);
	meta = stage__fb_finish(&fb, h_message(&fb, IPC_V5, IPC_HEADER_SCHEMA, schema, 0), &size);
	ck_assert_ptr_nonnull(meta);
	hs_message(s, meta, size);
	stage__fb_release(&fb);
}

/* A RecordBatch message as the test wants it, right or wrong. */
struct hbatch {
	int64_t length;
	const int64_t *nodes; /* length, null_count pairs */
	size_t nnodes;
	const int64_t *buffers; /* offset, length pairs */
	size_t nbuffers;
	int64_t body_len;
	const void *body; /* body_len bytes, or fewer when body_n says so */
	size_t body_n;
	int16_t version;
	uint8_t header_type;
	bool compressed;
};

static void hs_batch(struct hstream *s, const struct hbatch *b)
{
	fb_builder fb;
	fb_ref nv, bv, comp = 0, rb;
	const uint8_t *meta;
	size_t size;

	stage__fb_init(&fb);
	nv = stage__fb_struct_vector(&fb, b->nodes, b->nnodes, IPC_STRUCT_SIZE, 8);
	bv = stage__fb_struct_vector(&fb, b->buffers, b->nbuffers, IPC_STRUCT_SIZE, 8);
	if (b->compressed) {
		stage__fb_table_start(&fb); /* BodyCompression { codec: LZ4_FRAME } */
		stage__fb_add_u8(&fb, 0, 0);
		comp = stage__fb_table_end(&fb);
	}
	stage__fb_table_start(&fb);
	stage__fb_add_i64(&fb, RB_LENGTH, b->length);
	stage__fb_add_ref(&fb, RB_NODES, nv);
	stage__fb_add_ref(&fb, RB_BUFFERS, bv);
	if (comp)
		stage__fb_add_ref(&fb, RB_COMPRESSION, comp);
	rb = stage__fb_table_end(&fb);
	meta = stage__fb_finish(&fb,
	                        h_message(&fb, b->version ? b->version : IPC_V5,
	                                  b->header_type ? b->header_type : IPC_HEADER_RECORD_BATCH,
	                                  rb, b->body_len),
	                        &size);
	ck_assert_ptr_nonnull(meta);
	hs_message(s, meta, size);
	stage__fb_release(&fb);
	if (b->body)
		hs_put(s, b->body, b->body_n ? b->body_n : (size_t)b->body_len);
}

/* The baseline: columns x int64 and s utf8, two rows (1, "a") and
 * (2, "bc"). Body: x values at 0, s offsets at 16, s bytes at 32. */
static const struct hfield base_fields[] = {F_INT64("x"), F_UTF8("s")};

struct base_batch {
	int64_t nodes[4];
	int64_t buffers[10];
	union {
		uint8_t bytes[40];
		struct {
			int64_t x[2];
			int32_t off[4];
			char data[8];
		} v;
	} body;
	struct hbatch b;
};

static void base_init(struct base_batch *bb)
{
	static const int64_t nodes[4] = {2, 0, 2, 0};
	static const int64_t buffers[10] = {0, 0, 0, 16, 16, 0, 16, 12, 32, 3};

	memset(bb, 0, sizeof(*bb));
	memcpy(bb->nodes, nodes, sizeof(nodes));
	memcpy(bb->buffers, buffers, sizeof(buffers));
	bb->body.v.x[0] = 1;
	bb->body.v.x[1] = 2;
	bb->body.v.off[0] = 0;
	bb->body.v.off[1] = 1;
	bb->body.v.off[2] = 3;
	memcpy(bb->body.v.data, "abc", 3);
	bb->b = (struct hbatch){.length = 2, .nodes = bb->nodes, .nnodes = 2,
	                        .buffers = bb->buffers, .nbuffers = 5, .body_len = 40,
	                        .body = bb->body.bytes};
}

/* Schema of base_fields, the batch, end-of-stream marker. */
static struct hstream base_stream(const struct base_batch *bb)
{
	struct hstream s = {0};

	hs_schema(&s, base_fields, 2, false);
	hs_batch(&s, &bb->b);
	hs_eos(&s);
	return s;
}

/* Reads s and expects a clean error whose message contains `want`. */
static void expect_bad(struct hstream *s, const char *what, const char *want)
{
	stage_error err;
	int64_t rows;

	snprintf(cur_desc, sizeof(cur_desc), "hostile case '%s'", what);
	rows = read_bytes(s->p, s->n, false, 0, &err);
	assert_clean_error(rows, &err);
	ck_assert_msg(strstr(err.msg, want), "%s: message '%s' lacks '%s'", cur_desc, err.msg,
	              want);
	free(s->p);
	*s = (struct hstream){0};
}

START_TEST(baseline_reads)
{
	struct base_batch bb;
	struct hstream s;
	stage_error err;

	base_init(&bb);
	s = base_stream(&bb);
	snprintf(cur_desc, sizeof(cur_desc), "hand-built baseline");
	ck_assert_int_eq(read_bytes(s.p, s.n, false, 0, &err), 2);
	free(s.p);
}
END_TEST

START_TEST(hostile_framing)
{
	static const uint32_t lengths[] = {0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFF8u,
	                                   STAGE_IPC_MAX_METADATA + 8};
	static const int64_t bodies[] = {(int64_t)1 << 62, INT64_MAX, -1, INT64_MIN,
	                                 STAGE_IPC_MAX_BODY + 8};
	struct hstream s = {0};
	struct base_batch bb;

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		/* A schema message claiming this much metadata, then a little. */
		hs_u32(&s, IPC_CONTINUATION);
		hs_u32(&s, lengths[i]);
		hs_u32(&s, 0x10);
		hs_u32(&s, 0);
		expect_bad(&s, "metadata length", "message metadata of");
	}
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		base_init(&bb);
		bb.b.body_len = bodies[i];
		bb.b.body = NULL;
		hs_schema(&s, base_fields, 2, false);
		hs_batch(&s, &bb.b);
		hs_eos(&s);
		expect_bad(&s, "body length", "message body of");
	}
	/* A body length within the cap but far beyond the input: truncation,
	 * found without allocating the claimed size up front. */
	base_init(&bb);
	bb.b.body_len = STAGE_IPC_MAX_BODY;
	bb.b.body_n = 40;
	hs_schema(&s, base_fields, 2, false);
	hs_batch(&s, &bb.b);
	expect_bad(&s, "body longer than the input", "end-of-stream marker");
	/* Not a stream at all; a batch before any schema; a second schema. */
	hs_put(&s, "id,name\n1,x\n", 12);
	expect_bad(&s, "text", "not an Arrow IPC stream");
	base_init(&bb);
	hs_batch(&s, &bb.b);
	hs_eos(&s);
	expect_bad(&s, "batch first", "does not start with a schema");
	hs_schema(&s, base_fields, 2, false);
	hs_schema(&s, base_fields, 2, false);
	hs_eos(&s);
	expect_bad(&s, "two schemas", "schema message in the middle");
	/* Garbage after the end-of-stream marker. */
	base_init(&bb);
	s = base_stream(&bb);
	hs_put(&s, "garbage!", 8);
	expect_bad(&s, "garbage after EOS", "not an Arrow IPC stream");
	base_init(&bb);
	s = base_stream(&bb);
	hs_eos(&s);
	expect_bad(&s, "two EOS markers", "not a new stream");
}
END_TEST

START_TEST(hostile_message_kinds)
{
	struct hstream s = {0};
	struct base_batch bb;

	base_init(&bb);
	bb.b.version = IPC_V4 - 1;
	hs_schema(&s, base_fields, 2, false);
	hs_batch(&s, &bb.b);
	expect_bad(&s, "metadata version V3", "too old");
	base_init(&bb);
	bb.b.header_type = IPC_HEADER_DICTIONARY;
	hs_schema(&s, base_fields, 2, false);
	hs_batch(&s, &bb.b);
	expect_bad(&s, "dictionary batch", "dictionary batches are not supported");
	base_init(&bb);
	bb.b.header_type = 9;
	hs_schema(&s, base_fields, 2, false);
	hs_batch(&s, &bb.b);
	expect_bad(&s, "message type 9", "unsupported message type 9");
	base_init(&bb);
	bb.b.compressed = true;
	hs_schema(&s, base_fields, 2, false);
	hs_batch(&s, &bb.b);
	expect_bad(&s, "compressed body", "compressed record batches are not supported");
	hs_schema(&s, base_fields, 2, true);
	expect_bad(&s, "big-endian", "big-endian");
}
END_TEST

/* One broken Arrow rule per case, applied to the baseline batch. */
START_TEST(hostile_batches)
{
	struct hstream s;
	struct base_batch bb;

#define CASE(what, want, edit) \
	do { \
		base_init(&bb); \
		edit; \
		s = base_stream(&bb); \
		expect_bad(&s, what, want); \
	} while (0)

	CASE("negative batch length", "batch length -1 out of range", bb.b.length = -1);
	CASE("batch length past 2^31", "out of range", bb.b.length = (int64_t)1 << 40);
	CASE("node length differs", "length differs", bb.nodes[0] = 3);
	CASE("huge node length", "length differs", bb.nodes[2] = INT64_MAX);
	CASE("null count > length", "null count out of range", bb.nodes[1] = 3);
	CASE("negative null count", "null count out of range", bb.nodes[3] = -1);
	CASE("null count, no validity", "validity buffer too short", bb.nodes[1] = 1);
	CASE("one node missing", "field nodes", bb.b.nnodes = 1);
	CASE("extra node", "field nodes",
	     (bb.b.nodes = (const int64_t[]){2, 0, 2, 0, 2, 0}, bb.b.nnodes = 3));
	CASE("buffer missing", "buffers", bb.b.nbuffers = 4);
	CASE("negative buffer offset", "outside the message body", bb.buffers[2] = -8);
	CASE("negative buffer length", "outside the message body", bb.buffers[3] = -16);
	CASE("buffer past the body", "outside the message body", bb.buffers[8] = 40);
	CASE("offset + length overflows", "outside the message body",
	     bb.buffers[8] = 8; bb.buffers[9] = INT64_MAX);
	CASE("offset near INT64_MAX", "outside the message body",
	     bb.buffers[8] = INT64_MAX - 7; bb.buffers[9] = 16);
	CASE("length 2^62", "outside the message body", bb.buffers[3] = (int64_t)1 << 62);
	CASE("unaligned buffer", "8-byte aligned", bb.buffers[2] = 4; bb.buffers[3] = 8);
	CASE("values too short", "values buffer too short", bb.buffers[3] = 8);
	CASE("offsets too short", "offsets buffer too short", bb.buffers[7] = 8);
	CASE("offsets decrease", "offsets decrease", bb.body.v.off[1] = 3; bb.body.v.off[2] = 2);
	CASE("offsets past data", "past the data buffer", bb.body.v.off[2] = 4);
	CASE("offsets far past data", "past the data buffer", bb.body.v.off[2] = 0x7FFFFFFF);
	CASE("negative first offset", "negative offset", bb.body.v.off[0] = -1);
	CASE("first offset INT32_MIN", "negative offset", bb.body.v.off[0] = INT32_MIN);
	CASE("invalid UTF-8", "invalid UTF-8", bb.body.v.data[1] = (char)0xC3);
	CASE("UTF-8 surrogate", "invalid UTF-8",
	     memcpy(bb.body.v.data, "\xed\xa0\x80", 3); bb.body.v.off[1] = 0);
	/* Body present but shorter than claimed and no more input. */
	CASE("body cut short", "end-of-stream marker", bb.b.body_len = 48; bb.b.body_n = 40);
#undef CASE
}
END_TEST

/* Byte position of the u32 just before the vector (its length), reached
 * by the verifier itself: msg -> header -> field. */
static size_t vector_length_pos(const uint8_t *meta, size_t len, int field)
{
	fb_table msg, hdr;
	fb_vector v;
	bool has;
	stage_error err;

	ck_assert_int_eq(stage__fb_root(meta, len, &msg, &err), 0);
	ck_assert_int_eq(stage__fb_table(&msg, MSG_HEADER, &hdr, &has, &err), 0);
	ck_assert(has);
	ck_assert_int_eq(stage__fb_vector(&hdr, field, 4, &v, &err), 0);
	ck_assert_uint_gt(v.n, 0);
	return v.pos - 4;
}

/* Patches one u32/u16 inside the first (or batch) message's flatbuffer of
 * a fresh baseline stream and expects a metadata error. */
enum patch_target { IN_SCHEMA, IN_BATCH };

static void patch_and_expect(enum patch_target where, const char *what, const char *want,
                             void (*patch)(uint8_t *meta, size_t len))
{
	struct base_batch bb;
	struct hstream s;
	size_t start;
	uint32_t mlen;

	base_init(&bb);
	s = base_stream(&bb);
	start = 0;
	if (where == IN_BATCH) {
		memcpy(&mlen, s.p + 4, 4);
		start = 8 + mlen;
	}
	memcpy(&mlen, s.p + start + 4, 4);
	patch(s.p + start + 8, mlen);
	expect_bad(&s, what, want);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put_u16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void p_root_outside(uint8_t *m, size_t n)
{
	put_u32(m, (uint32_t)n + 4);
}

static void p_root_huge(uint8_t *m, size_t n)
{
	put_u32(m, 0xFFFFFFFCu);
}

static void p_root_zero(uint8_t *m, size_t n)
{
	put_u32(m, 0);
}

static uint32_t root_pos(const uint8_t *m)
{
	uint32_t r;

	memcpy(&r, m, 4);
	return r;
}

static void p_vtable_far_before(uint8_t *m, size_t n)
{
	put_u32(m + root_pos(m), 0x7FFFFFF0u); /* vtable at pos - 2^31 */
}

static void p_vtable_far_after(uint8_t *m, size_t n)
{
	put_u32(m + root_pos(m), 0x80000010u); /* vtable at pos + ~2^31 */
}

static void p_vtable_just_after(uint8_t *m, size_t n)
{
	put_u32(m + root_pos(m), (uint32_t)-(int32_t)(n - root_pos(m) - 2));
}

static void p_vtable_len(uint8_t *m, size_t n)
{
	fb_table t;
	stage_error err;

	ck_assert_int_eq(stage__fb_root(m, n, &t, &err), 0);
	put_u16(m + t.vt, 0xFFFE);
}

static void p_table_len(uint8_t *m, size_t n)
{
	fb_table t;
	stage_error err;

	ck_assert_int_eq(stage__fb_root(m, n, &t, &err), 0);
	put_u16(m + t.vt + 2, 0xFFFC);
}

static void p_field_outside(uint8_t *m, size_t n)
{
	fb_table t;
	stage_error err;

	ck_assert_int_eq(stage__fb_root(m, n, &t, &err), 0);
	/* Message.bodyLength's slot: past the table's inline bytes. */
	put_u16(m + t.vt + 4 + 2 * MSG_BODY_LENGTH, t.tlen - 4);
}

static void p_header_offset(uint8_t *m, size_t n)
{
	fb_table t;
	stage_error err;
	uint16_t o;

	ck_assert_int_eq(stage__fb_root(m, n, &t, &err), 0);
	memcpy(&o, m + t.vt + 4 + 2 * MSG_HEADER, 2);
	put_u32(m + t.pos + o, 0x7FFFFFFFu);
}

static void p_fields_count(uint8_t *m, size_t n)
{
	put_u32(m + vector_length_pos(m, n, SCHEMA_FIELDS), 0xFFFFFFFFu);
}

static void p_fields_count_7fff(uint8_t *m, size_t n)
{
	put_u32(m + vector_length_pos(m, n, SCHEMA_FIELDS), 0x7FFFFFFFu);
}

static void p_nodes_count(uint8_t *m, size_t n)
{
	put_u32(m + vector_length_pos(m, n, RB_NODES), 0x10000000u);
}

static void p_buffers_count(uint8_t *m, size_t n)
{
	put_u32(m + vector_length_pos(m, n, RB_BUFFERS), 0xFFFFFFFFu);
}

/* Column name "x": its string length. */
static void p_name_length(uint8_t *m, size_t n)
{
	fb_table msg, hdr, field;
	fb_vector v;
	bool has;
	const char *name;
	uint32_t len;
	stage_error err;

	ck_assert_int_eq(stage__fb_root(m, n, &msg, &err), 0);
	ck_assert_int_eq(stage__fb_table(&msg, MSG_HEADER, &hdr, &has, &err), 0);
	ck_assert_int_eq(stage__fb_vector(&hdr, SCHEMA_FIELDS, 4, &v, &err), 0);
	ck_assert_int_eq(stage__fb_vector_table(&v, 0, &field, &err), 0);
	ck_assert_int_eq(stage__fb_string_field(&field, FIELD_NAME, &name, &len, &err), 0);
	put_u32((uint8_t *)name - 4, 0xFFFFFFF0u);
}

/* Column name "x": the string loses its terminator ("x\0" -> "xx"). */
static void p_name_unterminated(uint8_t *m, size_t n)
{
	fb_table msg, hdr, field;
	fb_vector v;
	bool has;
	const char *name;
	uint32_t len;
	stage_error err;

	ck_assert_int_eq(stage__fb_root(m, n, &msg, &err), 0);
	ck_assert_int_eq(stage__fb_table(&msg, MSG_HEADER, &hdr, &has, &err), 0);
	ck_assert_int_eq(stage__fb_vector(&hdr, SCHEMA_FIELDS, 4, &v, &err), 0);
	ck_assert_int_eq(stage__fb_vector_table(&v, 0, &field, &err), 0);
	ck_assert_int_eq(stage__fb_string_field(&field, FIELD_NAME, &name, &len, &err), 0);
	ck_assert_uint_eq(len, 1);
	((uint8_t *)name)[1] = 'x';
}

START_TEST(hostile_flatbuffers)
{
	patch_and_expect(IN_SCHEMA, "root offset past the end", "malformed", p_root_outside);
	patch_and_expect(IN_SCHEMA, "root offset 0xFFFFFFFC", "malformed", p_root_huge);
	patch_and_expect(IN_SCHEMA, "root offset 0", "malformed", p_root_zero);
	patch_and_expect(IN_SCHEMA, "vtable 2 GiB before", "malformed", p_vtable_far_before);
	patch_and_expect(IN_SCHEMA, "vtable 2 GiB after", "malformed", p_vtable_far_after);
	patch_and_expect(IN_SCHEMA, "vtable in the last bytes", "malformed", p_vtable_just_after);
	patch_and_expect(IN_SCHEMA, "vtable length 0xFFFE", "malformed", p_vtable_len);
	patch_and_expect(IN_SCHEMA, "table length 0xFFFC", "malformed", p_table_len);
	patch_and_expect(IN_SCHEMA, "field past its table", "malformed", p_field_outside);
	patch_and_expect(IN_SCHEMA, "header offset 0x7FFFFFFF", "malformed", p_header_offset);
	patch_and_expect(IN_SCHEMA, "fields count 0xFFFFFFFF", "malformed", p_fields_count);
	patch_and_expect(IN_SCHEMA, "fields count 0x7FFFFFFF", "malformed", p_fields_count_7fff);
	patch_and_expect(IN_SCHEMA, "name length 0xFFFFFFF0", "malformed", p_name_length);
	patch_and_expect(IN_SCHEMA, "name without terminator", "malformed", p_name_unterminated);
	patch_and_expect(IN_BATCH, "root offset past the end", "malformed", p_root_outside);
	patch_and_expect(IN_BATCH, "vtable 2 GiB before", "malformed", p_vtable_far_before);
	patch_and_expect(IN_BATCH, "field past its table", "malformed", p_field_outside);
	patch_and_expect(IN_BATCH, "nodes count 2^28", "malformed", p_nodes_count);
	patch_and_expect(IN_BATCH, "buffers count 0xFFFFFFFF", "malformed", p_buffers_count);
}
END_TEST

/* A schema with one unsupported field next to a supported one: the message
 * names the column and the type. */
static void expect_unsupported(struct hfield f, const char *want)
{
	static const struct hfield ok = F_INT64("fine");
	struct hfield fields[2] = {ok, f};
	struct hstream s = {0};
	char what[96];

	hs_schema(&s, fields, 2, false);
	hs_eos(&s);
	snprintf(what, sizeof(what), "unsupported %s", want);
	expect_bad(&s, what, want);
}

START_TEST(unsupported_types)
{
#define T(...) ((struct hfield){__VA_ARGS__})
	expect_unsupported(T(.name = "n32", .type_type = TYPE_INT, .bit_width = 32, .is_signed = 1),
	                   "column 'n32': unsupported type int32");
	expect_unsupported(T(.name = "u64", .type_type = TYPE_INT, .bit_width = 64),
	                   "column 'u64': unsupported type uint64");
	/* large utf8 / large binary read as utf8 / binary (polars writes them). */
	expect_unsupported(T(.name = "half", .type_type = TYPE_FLOATING_POINT,
	                     .precision = PRECISION_HALF),
	                   "column 'half': unsupported type float16");
	expect_unsupported(T(.name = "ms", .type_type = TYPE_TIMESTAMP, .unit = UNIT_MILLISECOND,
	                     .tz = "UTC"),
	                   "column 'ms': unsupported type timestamp[ms, UTC]");
	expect_unsupported(T(.name = "local", .type_type = TYPE_TIMESTAMP, .unit = UNIT_NANOSECOND),
	                   "column 'local': unsupported type timestamp[ns]");
	expect_unsupported(T(.name = "paris", .type_type = TYPE_TIMESTAMP, .unit = UNIT_NANOSECOND,
	                     .tz = "Europe/Paris"),
	                   "column 'paris': unsupported type timestamp[ns, Europe/Paris]");
	expect_unsupported(T(.name = "l", .type_type = TYPE_LIST, .child = true),
	                   "column 'l': unsupported type list");
	expect_unsupported(T(.name = "v", .type_type = TYPE_UTF8_VIEW),
	                   "column 'v': unsupported type utf8 view");
	expect_unsupported(T(.name = "what", .type_type = 200),
	                   "column 'what': unsupported type unknown");
	expect_unsupported(T(.name = "none", .type_type = 0), "column 'none': unsupported type none");
	expect_unsupported(T(.name = "cat", .type_type = TYPE_UTF8, .dictionary = true),
	                   "column 'cat': dictionary-encoded");
	expect_unsupported(T(.name = "kids", .type_type = TYPE_UTF8, .child = true),
	                   "column 'kids': utf8 column with child fields");
#undef T
}
END_TEST

/* A zero-column schema with a batch that claims 2^62 rows is legal Arrow;
 * the reader must not touch memory for it (and consumers see no columns). */
START_TEST(zero_columns_huge_length)
{
	struct hstream s = {0};
	struct hbatch b = {.length = (int64_t)1 << 62};
	stage_error err;
	int64_t rows;

	hs_schema(&s, NULL, 0, false);
	hs_batch(&s, &b);
	hs_eos(&s);
	snprintf(cur_desc, sizeof(cur_desc), "zero columns, 2^62 rows");
	rows = read_bytes(s.p, s.n, false, 0, &err);
	ck_assert_msg(rows == -1 ? err.status == STAGE_EXIT_BAD_INPUT : rows == (int64_t)1 << 62,
	              "rows %lld, status %d, %s", (long long)rows, err.status, err.msg);
	free(s.p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipc_corrupt");
	TCase *sample_tc = tcase_create("sample");
	TCase *hostile_tc = tcase_create("hostile");

	tcase_add_checked_fixture(sample_tc, make_sample, free_sample);
	tcase_set_timeout(sample_tc, 600);
	tcase_add_test(sample_tc, sample_reads_whole);
	tcase_add_test(sample_tc, cut_at_every_byte);
	tcase_add_test(sample_tc, cut_at_every_byte_allowed);
	tcase_add_test(sample_tc, cut_between_messages);
	tcase_add_test(sample_tc, random_corruption);
	suite_add_tcase(s, sample_tc);
	tcase_add_checked_fixture(hostile_tc, setup_postmortem, NULL);
	tcase_set_timeout(hostile_tc, 120);
	tcase_add_test(hostile_tc, baseline_reads);
	tcase_add_test(hostile_tc, hostile_framing);
	tcase_add_test(hostile_tc, hostile_message_kinds);
	tcase_add_test(hostile_tc, hostile_batches);
	tcase_add_test(hostile_tc, hostile_flatbuffers);
	tcase_add_test(hostile_tc, unsupported_types);
	tcase_add_test(hostile_tc, zero_columns_huge_length);
	suite_add_tcase(s, hostile_tc);
	return run_suite(s);
}
