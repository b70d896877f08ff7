/* Worker pool: 10,000 items with random per-item delays come back in
 * submission order; unordered pools return every item once; job errors
 * travel to the consumer. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "stage_pool.h"
#include "run_suite.h"

struct ctx {
	int workers_seen[64];
};

static int delayed_identity(void *vctx, int worker, void *item, void **result, stage_error *err)
{
	struct ctx *c = vctx;
	uintptr_t v = (uintptr_t)item;
	/* Deterministic pseudo-random delay of 0-200 us per item. */
	struct timespec ts = {0, (long)((v * 2654435761u) % 200) * 1000};

	__atomic_add_fetch(&c->workers_seen[worker], 1, __ATOMIC_RELAXED);
	nanosleep(&ts, NULL);
	if (v == 777777)
		return stage_error_set(err, STAGE_EXIT_FAILURE, "item %lu failed", (unsigned long)v);
	*result = (void *)(v + 1);
	return 0;
}

START_TEST(ordered_under_random_delays)
{
	struct ctx c = {0};
	stage_pool *p;
	stage_error err;
	uintptr_t next = 1, submitted = 0;
	void *r;

	ck_assert_int_eq(stage_pool_new(&p, 4, true, delayed_identity, &c, &err), 0);
	while (submitted < 10000 || stage_pool_pending(p)) {
		if (submitted < 10000 && !stage_pool_full(p)) {
			ck_assert_int_eq(stage_pool_submit(p, (void *)submitted, &err), 0);
			submitted++;
			continue;
		}
		ck_assert_int_eq(stage_pool_take(p, &r, &err), 1);
		ck_assert_uint_eq((uintptr_t)r, next);
		next++;
	}
	ck_assert_uint_eq(next, 10001);
	ck_assert_int_eq(stage_pool_take(p, &r, &err), 0);
	for (int w = 0; w < 4; w++)
		ck_assert_int_gt(c.workers_seen[w], 0);
	stage_pool_free(p);
}
END_TEST

START_TEST(unordered_returns_everything)
{
	struct ctx c = {0};
	stage_pool *p;
	stage_error err;
	static char seen[2001];
	uintptr_t submitted = 0;
	int taken = 0;
	void *r;

	ck_assert_int_eq(stage_pool_new(&p, 3, false, delayed_identity, &c, &err), 0);
	while (submitted < 2000 || stage_pool_pending(p)) {
		if (submitted < 2000 && !stage_pool_full(p)) {
			ck_assert_int_eq(stage_pool_submit(p, (void *)submitted++, &err), 0);
			continue;
		}
		ck_assert_int_eq(stage_pool_take(p, &r, &err), 1);
		ck_assert(!seen[(uintptr_t)r]);
		seen[(uintptr_t)r] = 1;
		taken++;
	}
	ck_assert_int_eq(taken, 2000);
	stage_pool_free(p);
}
END_TEST

START_TEST(job_error_reaches_consumer)
{
	struct ctx c = {0};
	stage_pool *p;
	stage_error err = {0};
	void *r;

	ck_assert_int_eq(stage_pool_new(&p, 2, true, delayed_identity, &c, &err), 0);
	ck_assert_int_eq(stage_pool_submit(p, (void *)777777, &err), 0);
	ck_assert_int_eq(stage_pool_take(p, &r, &err), -1);
	ck_assert_str_eq(err.msg, "item 777777 failed");
	stage_pool_free(p);
}
END_TEST

START_TEST(full_pool_refuses)
{
	struct ctx c = {0};
	stage_pool *p;
	stage_error err;
	void *r;
	int n = 0;

	ck_assert_int_eq(stage_pool_new(&p, 1, true, delayed_identity, &c, &err), 0);
	while (!stage_pool_full(p))
		ck_assert_int_eq(stage_pool_submit(p, (void *)(uintptr_t)n++, &err), 0);
	ck_assert_int_eq(stage_pool_submit(p, (void *)99, &err), -1);
	while (stage_pool_take(p, &r, &err) > 0)
		;
	stage_pool_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ordered_under_random_delays);
	tcase_add_test(tc, unordered_returns_everything);
	tcase_add_test(tc, job_error_reaches_consumer);
	tcase_add_test(tc, full_pool_refuses);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
