/* stage_input_next_until(): with a deadline, the wait for input ends at
 * the deadline (STAGE_INPUT_TIMED_OUT, no batch), for text and Arrow input
 * and on both loop backends; input that arrives later is read as usual,
 * and a partial text line waits in the buffer. Each test runs in its own
 * process (Check's fork mode), so each makes its loop afresh from
 * PIPESTAGE_IO. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_suite.h"
#include "sample_stream.h"
#include "stage.h"

static void put(int fd, const void *p, size_t n)
{
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
}

/* next_until(in, now + ms) must time out, and not before the deadline. */
static void expect_timeout(stage_input *in, int ms)
{
	stage_error err = {0};
	stage_batch *b = (stage_batch *)&err;
	uint64_t t0 = stage_now_ns(), took;
	int rc = stage_input_next_until(in, t0 + (uint64_t)ms * 1000000u, &b, &err);

	took = stage_now_ns() - t0;
	ck_assert_msg(rc == STAGE_INPUT_TIMED_OUT, "rc %d (%s)", rc, err.msg);
	ck_assert_ptr_null(b);
	ck_assert_uint_ge(took, (uint64_t)ms * 1000000u);
	/* generous: the machine may be busy, but not for seconds */
	ck_assert_uint_lt(took, (uint64_t)ms * 1000000u + 3000000000u);
}

/* next_until(in, now + 5 s) must give a batch of `rows` rows. */
static stage_batch *expect_rows(stage_input *in, int64_t rows)
{
	stage_error err = {0};
	stage_batch *b = NULL;
	int rc = stage_input_next_until(in, stage_now_ns() + 5000000000u, &b, &err);

	ck_assert_msg(rc == 1, "rc %d (%s)", rc, err.msg);
	ck_assert_int_eq(b->nrows, rows);
	return b;
}

static void expect_end(stage_input *in)
{
	stage_error err = {0};
	stage_batch *b = NULL;

	ck_assert_int_eq(stage_input_next_until(in, stage_now_ns() + 5000000000u, &b, &err), 0);
	ck_assert_ptr_null(b);
}

static void text_case(const char *backend)
{
	stage_input_opts o = {.format = STAGE_IN_TSV, .header = STAGE_HEADER_YES};
	stage_input *in;
	stage_error err = {0};
	stage_batch *b;
	int p[2];

	setenv("PIPESTAGE_IO", backend, 1);
	ck_assert_int_eq(pipe(p), 0);
	put(p[1], "k\n1\n2\n", 6);
	ck_assert_msg(stage_input_open(&in, p[0], &o, &err) == 0, "%s", err.msg);
	b = expect_rows(in, 2);
	ck_assert_int_eq(stage_array_i64(&b->cols[0], 1), 2);
	stage_batch_free(b);
	expect_timeout(in, 200);
	/* A deadline already past still times out at once. */
	expect_timeout(in, 0);
	put(p[1], "3\n", 2);
	b = expect_rows(in, 1);
	ck_assert_int_eq(stage_array_i64(&b->cols[0], 0), 3);
	stage_batch_free(b);
	/* Half a line is kept for later. */
	put(p[1], "4", 1);
	expect_timeout(in, 100);
	put(p[1], "5\n6\n", 4);
	close(p[1]);
	b = expect_rows(in, 2);
	ck_assert_int_eq(stage_array_i64(&b->cols[0], 0), 45);
	stage_batch_free(b);
	expect_end(in);
	stage_input_free(in);
	close(p[0]);
}

/* The bytes of an Arrow stream of batches of 3 and 2 rows, and where the
 * first batch ends (a stream of only that batch, unfinished, is a prefix:
 * the sample rows are numbered over the whole stream). */
static uint8_t *arrow_bytes(size_t *len, size_t *first)
{
	static const int64_t sizes[2] = {3, 2};
	stage_error err = {0};
	FILE *a = tmpfile(), *whole = tmpfile();
	uint8_t *p;
	long n;

	ck_assert(a && whole);
	ck_assert_msg(sample_write_stream(fileno(a), sizes, 1, false, &err) == 0, "%s", err.msg);
	ck_assert_msg(sample_write_stream(fileno(whole), sizes, 2, true, &err) == 0, "%s", err.msg);
	*first = (size_t)lseek(fileno(a), 0, SEEK_END);
	n = lseek(fileno(whole), 0, SEEK_END);
	ck_assert_int_gt(n, (long)*first);
	p = malloc((size_t)n);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pread(fileno(whole), p, (size_t)n, 0), n);
	fclose(a);
	fclose(whole);
	*len = (size_t)n;
	return p;
}

static void arrow_case(const char *backend)
{
	stage_input_opts o = {.format = STAGE_IN_AUTO};
	stage_input *in;
	stage_error err = {0};
	size_t len, first;
	uint8_t *bytes;
	int p[2];

	setenv("PIPESTAGE_IO", backend, 1);
	bytes = arrow_bytes(&len, &first);
	ck_assert_int_le(len, 60000); /* fits a pipe's buffer */
	ck_assert_int_eq(pipe(p), 0);
	put(p[1], bytes, first);
	ck_assert_msg(stage_input_open(&in, p[0], &o, &err) == 0, "%s", err.msg);
	ck_assert(stage_input_is_arrow(in));
	stage_batch_free(expect_rows(in, 3));
	expect_timeout(in, 200);
	put(p[1], bytes + first, len - first);
	close(p[1]);
	stage_batch_free(expect_rows(in, 2));
	expect_end(in);
	stage_input_free(in);
	close(p[0]);
	free(bytes);
}

START_TEST(text_uring)
{
	text_case("uring");
}
END_TEST

START_TEST(text_epoll)
{
	text_case("epoll");
}
END_TEST

START_TEST(arrow_uring)
{
	arrow_case("uring");
}
END_TEST

START_TEST(arrow_epoll)
{
	arrow_case("epoll");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("input_until");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, text_uring);
	tcase_add_test(tc, text_epoll);
	tcase_add_test(tc, arrow_uring);
	tcase_add_test(tc, arrow_epoll);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
