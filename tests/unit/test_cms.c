/* Unit tests of cms-count's modules: the sketch's guarantees, the
 * heavy-hitter heap and its index, and the file encoding. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heavy.h"
#include "run_suite.h"
#include "sketch.h"
#include "sketch_file.h"

#define KEYS 5000
#define ROWS 200000

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A skewed key index: small ones often. */
static uint32_t skewed(uint64_t *s)
{
	uint64_t a = next(s) % KEYS, b = next(s) % KEYS;

	return (uint32_t)(a * b / KEYS);
}

static cms_hash128 hash_of(const cms_sketch *s, uint32_t k)
{
	return cms_sketch_hash(s, &k, sizeof k);
}

/* Never below the truth; with conservative update, never above plain;
 * errors above e/w N are rarer than delta (with slack for sampling). */
START_TEST(sketch_bounds)
{
	static uint64_t truth[KEYS];
	cms_sketch plain, cons;
	stage_error err = {0};
	uint64_t seed = 99, bound;
	int over = 0;

	memset(truth, 0, sizeof truth);
	ck_assert_int_eq(cms_sketch_init(&plain, 10, 4, 7, false, &err), 0);
	ck_assert_int_eq(cms_sketch_init(&cons, 10, 4, 7, true, &err), 0);
	for (int i = 0; i < ROWS; i++) {
		uint32_t k = skewed(&seed);

		truth[k]++;
		cms_sketch_add(&plain, hash_of(&plain, k), 1);
		cms_sketch_add(&cons, hash_of(&cons, k), 1);
	}
	bound = (uint64_t)(cms_sketch_epsilon(&plain) * (double)plain.n);
	for (uint32_t k = 0; k < KEYS; k++) {
		uint64_t p = cms_sketch_query(&plain, hash_of(&plain, k));
		uint64_t c = cms_sketch_query(&cons, hash_of(&cons, k));

		ck_assert_uint_ge(p, truth[k]);
		ck_assert_uint_ge(c, truth[k]);
		ck_assert_uint_le(c, p);
		over += p - truth[k] > bound;
	}
	ck_assert_msg(over <= KEYS * cms_sketch_delta(&plain) * 2 + 10, "%d keys over e/w N", over);
	cms_sketch_release(&plain);
	cms_sketch_release(&cons);
}
END_TEST

/* The plain sketch is linear: parts merged equal the whole. */
START_TEST(sketch_merge_linear)
{
	cms_sketch whole, a, b;
	stage_error err = {0};
	uint64_t seed = 5;

	ck_assert_int_eq(cms_sketch_init(&whole, 8, 6, 1, false, &err), 0);
	ck_assert_int_eq(cms_sketch_init(&a, 8, 6, 1, false, &err), 0);
	ck_assert_int_eq(cms_sketch_init(&b, 8, 6, 1, false, &err), 0);
	for (int i = 0; i < 10000; i++) {
		uint32_t k = skewed(&seed);
		uint64_t w = next(&seed) % 5;

		cms_sketch_add(&whole, hash_of(&whole, k), w);
		cms_sketch_add(i % 3 ? &a : &b, hash_of(&a, k), w);
	}
	ck_assert_ptr_null(cms_sketch_mismatch(&a, &b));
	ck_assert_int_eq(cms_sketch_merge(&a, &b), 0);
	ck_assert_uint_eq(a.n, whole.n);
	ck_assert_int_eq(memcmp(a.counters, whole.counters, (6u << 8) * 8), 0);
	b.seed = 2;
	ck_assert_str_eq(cms_sketch_mismatch(&a, &b), "seeds differ");
	cms_sketch_release(&whole);
	cms_sketch_release(&a);
	cms_sketch_release(&b);
}
END_TEST

/* Rows taking more than 128 hash bits (depth 8 of width 2^20) still give
 * exact counts for a few keys and stay in their rows. */
START_TEST(sketch_wide_and_deep)
{
	cms_sketch s;
	stage_error err = {0};

	ck_assert_int_eq(cms_sketch_init(&s, 20, 8, 3, false, &err), 0);
	for (uint32_t k = 0; k < 100; k++)
		for (uint32_t r = 0; r <= k; r++)
			cms_sketch_add(&s, hash_of(&s, k), 1);
	for (uint32_t k = 0; k < 100; k++)
		ck_assert_uint_eq(cms_sketch_query(&s, hash_of(&s, k)), k + 1);
	cms_sketch_release(&s);
}
END_TEST

static void check_heap(const cms_heavy *hh)
{
	for (size_t i = 1; i < hh->n; i++)
		ck_assert_int_le(hh->heap[(i - 1) / 2].estimate, hh->heap[i].estimate);
	for (size_t i = 0; i < hh->n; i++)
		ck_assert_uint_eq(hh->index[hh->heap[i].slot], i + 1);
}

/* With growing estimates offered in random order, the heap keeps the
 * largest ones, and its index always finds every entry. */
START_TEST(heavy_keeps_largest)
{
	static uint64_t est[KEYS];
	cms_heavy hh;
	stage_error err = {0};
	uint64_t seed = 11, kth;

	memset(est, 0, sizeof est);
	ck_assert_int_eq(cms_heavy_init(&hh, 50, &err), 0);
	for (int i = 0; i < ROWS; i++) {
		uint32_t k = skewed(&seed);
		cms_hash128 h = cms_hash(&k, sizeof k, 0);

		est[k]++;
		cms_heavy_offer(&hh, h, &k, sizeof k, false, est[k]);
		if (i % 1000 == 0)
			check_heap(&hh);
	}
	check_heap(&hh);
	ck_assert_uint_eq(hh.n, 50);
	/* every key whose final count beats the 50th largest by a margin is in */
	{
		static uint64_t sorted[KEYS];

		memcpy(sorted, est, sizeof sorted);
		for (int i = 0; i < 51; i++)
			for (int j = i + 1; j < KEYS; j++)
				if (sorted[j] > sorted[i]) {
					uint64_t t = sorted[i];

					sorted[i] = sorted[j];
					sorted[j] = t;
				}
		kth = sorted[50];
	}
	for (uint32_t k = 0; k < KEYS; k++) {
		bool found = false;

		if (est[k] <= kth + 5)
			continue;
		for (size_t i = 0; i < hh.n; i++)
			found |= memcmp(hh.heap[i].key, &k, sizeof k) == 0;
		ck_assert_msg(found, "key %u (count %llu) missing", k, (unsigned long long)est[k]);
	}
	cms_heavy_release(&hh);
}
END_TEST

/* Signed sketches: with few keys in wide rows, the median is each key's
 * net count exactly, negative ones included (depth 3 and the two-middle
 * mean of depth 4); the heap stays a heap as estimates fall; merging
 * refuses to pass the int64 range either way. */
START_TEST(signed_median_and_heap)
{
	static const uint32_t depths[2] = {3, 4};
	int64_t truth[100];
	stage_error err = {0};
	uint64_t seed = 17;

	for (int t = 0; t < 2; t++) {
		cms_sketch s;
		cms_heavy hh;

		memset(truth, 0, sizeof truth);
		ck_assert_int_eq(cms_sketch_init(&s, 16, depths[t], 8, CMS_SIGNED, &err), 0);
		ck_assert_int_eq(cms_heavy_init(&hh, 10, &err), 0);
		for (int i = 0; i < 20000; i++) {
			uint32_t k = (uint32_t)(next(&seed) % 100);
			int64_t w = (int64_t)(next(&seed) % 7) - 4;
			cms_hash128 h = hash_of(&s, k);

			truth[k] += w;
			ck_assert_int_eq(cms_sketch_add(&s, h, w), truth[k]);
			cms_heavy_offer(&hh, h, &k, sizeof k, false, truth[k]);
			if (i % 500 == 0)
				check_heap(&hh);
		}
		check_heap(&hh);
		for (uint32_t k = 0; k < 100; k++)
			ck_assert_int_eq(cms_sketch_query(&s, hash_of(&s, k)), truth[k]);
		ck_assert_int_lt(truth[0] + truth[1] + truth[2], 0);
		cms_heavy_release(&hh);
		cms_sketch_release(&s);
	}
	{
		cms_sketch a, b;

		ck_assert_int_eq(cms_sketch_init(&a, 2, 1, 0, CMS_SIGNED, &err), 0);
		ck_assert_int_eq(cms_sketch_init(&b, 2, 1, 0, CMS_SIGNED, &err), 0);
		a.counters[0] = (uint64_t)INT64_MIN + 5;
		b.counters[0] = (uint64_t)-6;
		ck_assert_int_eq(cms_sketch_merge(&a, &b), -1);
		a.counters[0] = (uint64_t)INT64_MIN + 6;
		ck_assert_int_eq(cms_sketch_merge(&a, &b), 0);
		ck_assert_int_eq((int64_t)a.counters[0], INT64_MIN);
		ck_assert_str_eq(cms_sketch_mismatch(&a, &(cms_sketch){.width_log2 = 2, .depth = 1}),
		                 "one is signed, the other plain");
		cms_sketch_release(&a);
		cms_sketch_release(&b);
	}
}
END_TEST

/* Encoding round-trips; every truncation and every single flipped byte
 * is refused. */
START_TEST(file_round_trip_and_damage)
{
	cms_sketch s, back;
	cms_heavy hh;
	cms_keys keys;
	stage_error err = {0};
	stage_type type;
	uint8_t *p;
	size_t len;

	ck_assert_int_eq(cms_sketch_init(&s, 4, 3, 42, false, &err), 0);
	ck_assert_int_eq(cms_heavy_init(&hh, 4, &err), 0);
	for (uint32_t k = 0; k < 20; k++) {
		char key[8];
		int n = snprintf(key, sizeof key, "k%u", k);
		cms_hash128 h = cms_sketch_hash(&s, key, (size_t)n);

		cms_heavy_offer(&hh, h, key, (size_t)n, false, cms_sketch_add(&s, h, k));
	}
	cms_heavy_offer(&hh, cms_hash(NULL, 0, 1), NULL, 0, true, 1000);
	ck_assert_int_eq(cms_file_encode(&s, STAGE_UTF8, &hh, &p, &len, &err), 0);
	ck_assert_int_eq(cms_file_decode(p, len, "t", &back, &type, &keys, &err), 0);
	ck_assert_int_eq(type, STAGE_UTF8);
	ck_assert_ptr_null(cms_sketch_mismatch(&s, &back));
	ck_assert_uint_eq(back.n, s.n);
	ck_assert_int_eq(memcmp(back.counters, s.counters, (3u << 4) * 8), 0);
	ck_assert_uint_eq(keys.n, 4);
	ck_assert(keys.k[0].null);
	cms_sketch_release(&back);
	cms_keys_release(&keys);
	for (size_t cut = 0; cut < len; cut++) {
		ck_assert_int_eq(cms_file_decode(p, cut, "t", &back, &type, &keys, &err), -1);
		ck_assert_int_eq(err.status, STAGE_EXIT_BAD_INPUT);
	}
	for (size_t i = 0; i < len; i++) {
		p[i] ^= 0x10;
		ck_assert_msg(cms_file_decode(p, len, "t", &back, &type, &keys, &err) == -1,
		              "byte %zu flipped was accepted", i);
		p[i] ^= 0x10;
	}
	free(p);
	cms_heavy_release(&hh);
	cms_sketch_release(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cms");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sketch_bounds);
	tcase_add_test(tc, sketch_merge_linear);
	tcase_add_test(tc, sketch_wide_and_deep);
	tcase_add_test(tc, heavy_keeps_largest);
	tcase_add_test(tc, signed_median_and_heap);
	tcase_add_test(tc, file_round_trip_and_damage);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
