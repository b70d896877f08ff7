/* Arrow IPC codec: round trips of every type with nulls and zero-row
 * batches, concatenated streams, truncation at every byte, error batches. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sample_stream.h"
#include "stage_internal.h"
#include "run_suite.h"

/* Writes the sample stream to a temporary file; returns its fd positioned
 * at the start. */
static int write_stream(const int64_t *sizes, size_t nbatches, bool finish)
{
	FILE *f = tmpfile();
	int fd = dup(fileno(f));
	stage_error err;

	fclose(f);
	ck_assert_int_eq(sample_write_stream(fd, sizes, nbatches, finish, &err), 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void check_row(const stage_batch *b, int64_t i, int64_t r)
{
	stage_builder want;
	stage_batch *w;
	stage_schema *s = sample_schema();
	stage_error err;

	ck_assert_int_eq(stage_builder_init(&want, s, &err), 0);
	sample_append_row(&want, r);
	ck_assert_int_eq(stage_builder_finish(&want, &w, &err), 0);
	for (size_t c = 0; c < b->ncols; c++) {
		const stage_array *got = &b->cols[c], *exp = &w->cols[c];
		size_t n1, n2;
		const uint8_t *p1, *p2;

		ck_assert_int_eq(stage_array_is_null(got, i), stage_array_is_null(exp, 0));
		if (stage_array_is_null(exp, 0))
			continue;
		switch (exp->type) {
		case STAGE_BOOL:
			ck_assert_int_eq(stage_array_bool(got, i), stage_array_bool(exp, 0));
			break;
		case STAGE_UTF8:
		case STAGE_BINARY:
			p1 = stage_array_bytes(got, i, &n1);
			p2 = stage_array_bytes(exp, 0, &n2);
			ck_assert(n1 == n2 && memcmp(p1, p2, n1) == 0);
			break;
		default: /* compare bits: -0.0 and subnormals must survive */
			ck_assert(memcmp((const uint8_t *)got->values + i * stage_type_width(got->type),
			                 exp->values, stage_type_width(got->type)) == 0);
		}
	}
	stage_batch_free(w);
	stage_builder_release(&want);
	stage_schema_free(s);
}

/* Reads the whole stream; returns rows read, or -1 with err set. */
static int64_t read_stream(int fd, stage_error *err)
{
	stage_source *src = stage_source_new(fd, err);
	stage_ipc_reader *r;
	stage_batch *b;
	int64_t rows = 0;
	int rc;

	if (stage_ipc_reader_open(&r, src, err) < 0) {
		stage_source_free(src);
		return -1;
	}
	ck_assert_uint_eq(stage_ipc_reader_schema(r)->ncols, 7);
	while ((rc = stage_ipc_reader_next(r, &b, err)) > 0) {
		for (int64_t i = 0; i < b->nrows; i++)
			check_row(b, i, rows + i);
		rows += b->nrows;
		stage_batch_free(b);
	}
	stage_ipc_reader_free(r);
	stage_source_free(src);
	return rc < 0 ? -1 : rows;
}

START_TEST(round_trip_all_types)
{
	static const int64_t sizes[] = {5, 0, 1, 1000, 0};
	stage_error err;
	int fd = write_stream(sizes, 5, true);

	ck_assert_int_eq(read_stream(fd, &err), 1006);
	close(fd);
}
END_TEST

START_TEST(schema_only_stream)
{
	stage_error err;
	int fd = write_stream(NULL, 0, true);

	ck_assert_int_eq(read_stream(fd, &err), 0);
	close(fd);
}
END_TEST

static size_t slurp(int fd, uint8_t **out)
{
	off_t len = lseek(fd, 0, SEEK_END);
	uint8_t *p = malloc((size_t)len);

	ck_assert(pread(fd, p, (size_t)len, 0) == len);
	*out = p;
	return (size_t)len;
}

static int fd_with(const uint8_t *p, size_t n)
{
	FILE *f = tmpfile();
	int fd = dup(fileno(f));

	fclose(f);
	ck_assert(write(fd, p, n) == (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

START_TEST(truncated_at_every_byte)
{
	static const int64_t sizes[] = {3, 0, 4};
	int fd = write_stream(sizes, 3, true);
	uint8_t *bytes;
	size_t len = slurp(fd, &bytes);

	close(fd);
	for (size_t cut = 0; cut < len; cut++) {
		stage_error err = {0};
		int t = fd_with(bytes, cut);

		ck_assert_int_eq(read_stream(t, &err), -1);
		ck_assert_int_eq(err.status, STAGE_EXIT_BAD_INPUT);
		ck_assert_msg(strstr(err.msg, "end-of-stream") || strstr(err.msg, "malformed") ||
		              strstr(err.msg, "not an Arrow"), "cut %zu: %s", cut, err.msg);
		close(t);
	}
	free(bytes);
}
END_TEST

START_TEST(concatenated_streams)
{
	static const int64_t sizes[] = {4};
	int fd = write_stream(sizes, 1, true);
	uint8_t *bytes, *twice;
	size_t len = slurp(fd, &bytes);
	stage_error err;
	stage_source *src;
	stage_ipc_reader *r;
	stage_batch *b;
	int64_t rows = 0;

	close(fd);
	twice = malloc(2 * len);
	memcpy(twice, bytes, len);
	memcpy(twice + len, bytes, len);
	fd = fd_with(twice, 2 * len);
	src = stage_source_new(fd, &err);
	ck_assert_int_eq(stage_ipc_reader_open(&r, src, &err), 0);
	while (stage_ipc_reader_next(r, &b, &err) > 0) {
		rows += b->nrows;
		stage_batch_free(b);
	}
	ck_assert_int_eq(rows, 8);
	stage_ipc_reader_free(r);
	stage_source_free(src);
	close(fd);
	free(twice);
	free(bytes);
}
END_TEST

START_TEST(concatenated_schema_mismatch)
{
	static const int64_t sizes[] = {2};
	int fd = write_stream(sizes, 1, true);
	uint8_t *bytes, *two;
	size_t len = slurp(fd, &bytes);
	stage_error err;
	char *p;

	close(fd);
	two = malloc(2 * len);
	memcpy(two, bytes, len);
	memcpy(two + len, bytes, len);
	/* Rename column "bin" in the second stream's schema to "bix". */
	p = memmem(two + len, len, "bin", 3);
	ck_assert_ptr_nonnull(p);
	p[2] = 'x';
	fd = fd_with(two, 2 * len);
	ck_assert_int_eq(read_stream(fd, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "column 6 is 'bin', then 'bix'"));
	close(fd);
	free(two);
	free(bytes);
}
END_TEST

START_TEST(error_batch_reports_upstream)
{
	FILE *f = tmpfile();
	int fd = dup(fileno(f));
	stage_error err;
	stage_schema *s = sample_schema();
	stage_sink *sink = stage_sink_new(fd, &err);
	stage_ipc_writer *w;

	fclose(f);
	ck_assert_int_eq(stage_ipc_writer_open(&w, sink, s, &err), 0);
	ck_assert_int_eq(stage_ipc_writer_fail(w, "moments", "disk full", &err), 0);
	stage_ipc_writer_free(w);
	stage_sink_free(sink);
	stage_schema_free(s);
	lseek(fd, 0, SEEK_SET);
	ck_assert_int_eq(read_stream(fd, &err), -1);
	ck_assert_str_eq(err.msg, "upstream moments failed: disk full");
	ck_assert_int_eq(err.status, STAGE_EXIT_FAILURE);
	close(fd);
}
END_TEST

START_TEST(truncated_allowed)
{
	static const int64_t sizes[] = {3, 4};
	int fd = write_stream(sizes, 2, false);
	stage_error err;
	stage_source *src = stage_source_new(fd, &err);
	stage_ipc_reader *r;
	stage_batch *b;
	int64_t rows = 0;

	ck_assert_int_eq(stage_ipc_reader_open(&r, src, &err), 0);
	stage_ipc_reader_allow_truncated(r, true);
	while (stage_ipc_reader_next(r, &b, &err) > 0) {
		rows += b->nrows;
		stage_batch_free(b);
	}
	ck_assert_int_eq(rows, 7);
	stage_ipc_reader_free(r);
	stage_source_free(src);
	close(fd);
}
END_TEST

START_TEST(not_arrow)
{
	stage_error err;
	int fd = fd_with((const uint8_t *)"hello world\n", 12);

	ck_assert_int_eq(read_stream(fd, &err), -1);
	ck_assert_int_eq(err.status, STAGE_EXIT_BAD_INPUT);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, round_trip_all_types);
	tcase_add_test(tc, schema_only_stream);
	tcase_add_test(tc, truncated_at_every_byte);
	tcase_add_test(tc, concatenated_streams);
	tcase_add_test(tc, concatenated_schema_mismatch);
	tcase_add_test(tc, error_batch_reports_upstream);
	tcase_add_test(tc, truncated_allowed);
	tcase_add_test(tc, not_arrow);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
