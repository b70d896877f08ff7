/* The option parsers every stage shares: sizes with K/M/G (powers of
 * 1024), durations with units, positive counts; bad values are usage errors. */
#include <check.h>

#include "stage.h"
#include "run_suite.h"

START_TEST(sizes)
{
	uint64_t v;
	stage_error err;

	ck_assert_int_eq(stage_parse_size("0", &v, &err), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(stage_parse_size("64K", &v, &err), 0);
	ck_assert_uint_eq(v, 65536);
	ck_assert_int_eq(stage_parse_size("1.5M", &v, &err), 0);
	ck_assert_uint_eq(v, 1572864);
	ck_assert_int_eq(stage_parse_size("2g", &v, &err), 0);
	ck_assert_uint_eq(v, 2147483648u);
	ck_assert_int_eq(stage_parse_size("3MiB", &v, &err), 0);
	ck_assert_uint_eq(v, 3145728);
	ck_assert_int_eq(stage_parse_size("10T", &v, &err), -1);
	ck_assert_int_eq(err.status, STAGE_EXIT_USAGE);
	ck_assert_int_eq(stage_parse_size("-1K", &v, &err), -1);
	ck_assert_int_eq(stage_parse_size("0.3", &v, &err), -1);
	ck_assert_int_eq(stage_parse_size("", &v, &err), -1);
	ck_assert_int_eq(stage_parse_size("1e30G", &v, &err), -1);
}
END_TEST

START_TEST(durations)
{
	uint64_t v;
	stage_error err;

	ck_assert_int_eq(stage_parse_duration("10ms", &v, &err), 0);
	ck_assert_uint_eq(v, 10000000);
	ck_assert_int_eq(stage_parse_duration("5s", &v, &err), 0);
	ck_assert_uint_eq(v, 5000000000u);
	ck_assert_int_eq(stage_parse_duration("2m", &v, &err), 0);
	ck_assert_uint_eq(v, 120000000000u);
	ck_assert_int_eq(stage_parse_duration("1h", &v, &err), 0);
	ck_assert_uint_eq(v, 3600000000000u);
	ck_assert_int_eq(stage_parse_duration("250us", &v, &err), 0);
	ck_assert_uint_eq(v, 250000);
	ck_assert_int_eq(stage_parse_duration("5", &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "give a unit"));
	ck_assert_int_eq(stage_parse_duration("1d", &v, &err), -1);
	ck_assert_int_eq(stage_parse_duration("1e12h", &v, &err), -1);
	ck_assert_int_eq(stage_parse_duration("nan", &v, &err), -1);
}
END_TEST

START_TEST(counts)
{
	int64_t v;
	stage_error err;

	ck_assert_int_eq(stage_parse_count("65536", "--batch-rows", &v, &err), 0);
	ck_assert_int_eq(v, 65536);
	ck_assert_int_eq(stage_parse_count("1e6", "--head", &v, &err), 0);
	ck_assert_int_eq(v, 1000000);
	ck_assert_int_eq(stage_parse_count("0", "--head", &v, &err), -1);
	ck_assert_str_eq(err.msg, "invalid --head '0': expected a positive whole number");
	ck_assert_int_eq(stage_parse_count("1.5", "--head", &v, &err), -1);
	ck_assert_int_eq(stage_parse_count("12x", "--head", &v, &err), -1);
	ck_assert_int_eq(stage_parse_count("1e300", "--head", &v, &err), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("parsers");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, counts);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
