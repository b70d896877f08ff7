/* The end of every Check unit test's main(): run the suite, exit 1 when a
 * case failed. */
#ifndef RUN_SUITE_H
#define RUN_SUITE_H

#include <check.h>

static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
