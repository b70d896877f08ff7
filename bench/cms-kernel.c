/* The count-min update kernel alone, on one thread: no I/O, no parsing,
 * no record batches. Links the stage's own modules (libcms: sketch.h,
 * hash.h, heavy.h) as the build compiled them, so what is timed is the
 * code cms-count runs per row:
 *
 *   add            cms_sketch_add on a precomputed hash (the d counter
 *                  increments and the minimum)
 *   hash+add       cms_sketch_hash of the key's bytes, then cms_sketch_add:
 *                  the update kernel (issue 5: >= 50M updates/s/core)
 *   hash+add+heavy the same, then cms_heavy_offer of the new estimate to
 *                  the heavy-hitter candidates (CAP of them)
 *
 * for two kinds of key: int64 (8 little-endian bytes, as an Arrow int64
 * column gives them) and ip (dotted IPv4 text, 7 to 15 bytes, as a utf8
 * column gives them), drawn Zipf (exponent S) or uniform over KEYS keys.
 * The keys are drawn beforehand into an array of POOL rows, which the
 * timed loop reads in order, again and again, up to UPDATES updates (like
 * a column streaming by). Each case runs REPS times on a fresh sketch; the
 * median is printed, in million updates per second.
 *
 *   cms-kernel [UPDATES [KEYS [WIDTH_LOG2 [DEPTH [CAP [REPS]]]]]]
 *
 * Defaults: 100000000 updates, 1000000 keys, the stage's default sketch
 * (width 2^12, depth 5: 160 KiB), CAP 84 (the candidates cms-count keeps
 * for --top 20: max(4K, K + 64)), REPS 5, S = 1.1, POOL 2^22.
 * Built and run by bench/cms-count-arrow.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heavy.h"
#include "sketch.h"

#include "cms-zipf.h"

#define POOL (1u << 22)

typedef struct key {
	uint8_t len;
	uint8_t b[15];
} key;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Keeps the compiler from dropping a result. */
static volatile uint64_t sink;

enum mode { ADD, HASH_ADD, HASH_ADD_HEAVY };
static const char *const mode_name[] = {"add", "hash+add", "hash+add+heavy"};

static double run(enum mode m, const key *keys, const cms_hash128 *hashes, uint64_t updates,
                  uint32_t width_log2, uint32_t depth, size_t cap)
{
	cms_sketch s;
	cms_heavy hh;
	stage_error err = {0};
	uint64_t acc = 0;
	double t0, t1;

	if (cms_sketch_init(&s, width_log2, depth, 0, false, &err) ||
	    cms_heavy_init(&hh, cap, &err)) {
		fprintf(stderr, "cms-kernel: out of memory\n");
		exit(1);
	}
	t0 = now();
	for (uint64_t u = 0; u < updates;) {
		uint64_t n = updates - u < POOL ? updates - u : POOL;

		switch (m) {
		case ADD:
			for (uint64_t i = 0; i < n; i++)
				acc += cms_sketch_add(&s, hashes[i], 1);
			break;
		case HASH_ADD:
			for (uint64_t i = 0; i < n; i++)
				acc += cms_sketch_add(&s, cms_sketch_hash(&s, keys[i].b, keys[i].len), 1);
			break;
		case HASH_ADD_HEAVY:
			for (uint64_t i = 0; i < n; i++) {
				cms_hash128 h = cms_sketch_hash(&s, keys[i].b, keys[i].len);
				int64_t e = cms_sketch_add(&s, h, 1);

				cms_heavy_offer(&hh, h, keys[i].b, keys[i].len, false, e);
			}
			break;
		}
		u += n;
	}
	t1 = now();
	if (s.n != updates) {
		fprintf(stderr, "cms-kernel: the sketch counted %llu, not %llu\n",
		        (unsigned long long)s.n, (unsigned long long)updates);
		exit(1);
	}
	sink = acc + s.counters[0] + hh.n;
	cms_heavy_release(&hh);
	cms_sketch_release(&s);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	uint64_t updates = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000;
	uint64_t nkeys = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	uint32_t width_log2 = argc > 3 ? (uint32_t)atoi(argv[3]) : 12;
	uint32_t depth = argc > 4 ? (uint32_t)atoi(argv[4]) : 5;
	size_t cap = argc > 5 ? (size_t)atoi(argv[5]) : 84;
	int reps = argc > 6 ? atoi(argv[6]) : 5;
	key *keys = malloc(POOL * sizeof *keys);
	cms_hash128 *hashes = malloc(POOL * sizeof *hashes);
	double *t = malloc((size_t)(reps > 0 ? reps : 1) * sizeof *t);

	if (argc > 7 || updates < 1 || nkeys < 1 || nkeys > UINT32_MAX || width_log2 < 1 ||
	    width_log2 > CMS_MAX_WIDTH_LOG2 || depth < 1 || depth > CMS_MAX_DEPTH || reps < 1) {
		fprintf(stderr, "usage: cms-kernel [UPDATES [KEYS [WIDTH_LOG2 [DEPTH [CAP [REPS]]]]]]\n");
		return 2;
	}
	if (!keys || !hashes || !t) {
		fprintf(stderr, "cms-kernel: out of memory\n");
		return 1;
	}
	printf("sketch: width 2^%u, depth %u (%llu KiB), %llu updates a case, %llu keys, "
	       "heavy-hitter cap %zu, median of %d\n",
	       width_log2, depth, (unsigned long long)((8ull * depth << width_log2) / 1024),
	       (unsigned long long)updates, (unsigned long long)nkeys, cap, reps);
	printf("%-16s %-6s %-8s %10s %12s\n", "kernel", "key", "keys", "seconds", "Mupdates/s");
	double worst_kernel = -1;
	for (int kind = 0; kind < 2; kind++) {
		for (int dist = 0; dist < 2; dist++) {
			rng_seed(7);
			zipf_init(1.1, nkeys);
			for (uint32_t i = 0; i < POOL; i++) {
				uint64_t k = dist == 0 ? zipf() - 1 : rng_next() % nkeys;

				if (kind == 0) {
					uint64_t v = k * 0x9e3779b97f4a7c15u & (((uint64_t)1 << 62) - 1);

					keys[i].len = 8;
					memcpy(keys[i].b, &v, 8); /* little-endian hosts */
				} else {
					uint32_t ip = (uint32_t)k * 2654435761u ^ 0x5bd1e995u;

					keys[i].len = (uint8_t)snprintf((char *)keys[i].b, sizeof keys[i].b,
					                                "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255,
					                                ip >> 8 & 255, ip & 255);
				}
				hashes[i] = cms_hash(keys[i].b, keys[i].len, 0);
			}
			for (int m = ADD; m <= HASH_ADD_HEAVY; m++) {
				for (int r = 0; r < reps; r++)
					t[r] = run((enum mode)m, keys, hashes, updates, width_log2, depth, cap);
				qsort(t, (size_t)reps, sizeof *t, cmp_double);
				double med = t[(reps - 1) / 2], rate = (double)updates / med / 1e6;

				printf("%-16s %-6s %-8s %10.3f %12.1f\n", mode_name[m],
				       kind == 0 ? "int64" : "ip", dist == 0 ? "zipf" : "uniform", med, rate);
				if (m == HASH_ADD && (worst_kernel < 0 || rate < worst_kernel))
					worst_kernel = rate;
			}
		}
	}
	printf("update kernel (hash+add), slowest case: %.1f Mupdates/s on one core "
	       "(target >= 50): %s\n", worst_kernel, worst_kernel >= 50 ? "met" : "NOT met");
	free(t);
	free(hashes);
	free(keys);
	return 0;
}
