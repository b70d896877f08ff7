/* Deterministic key streams with exact counts, for the cms-count accuracy
 * and merge tests (issue 5).
 *
 *   gen_keys (-z S | -u) -m M -n N [-r SEED] [-c FILE] [-d P]
 *
 * prints N keys, one a line, drawn from M distinct keys k0 .. k<M-1>:
 * -z S  Zipf with exponent S: key k<i> has probability proportional to
 *       (i+1)^-S, so k0 is the most frequent;
 * -u    uniform.
 * -r    the seed (default 1); the same arguments give the same stream.
 * -c    also write the exact counts, "key<TAB>count" for all M keys in key
 *       order (zeros included), to FILE.
 * -d P  a turnstile stream for --signed: each line is "key<TAB>weight",
 *       the weight 1, 2 or 3 (uniform) and negative with probability P;
 *       the counts are the sums of the weights.
 *
 * Draws use Vose's alias method (O(1) a draw, so 10^7 keys take well under
 * a second) on xoshiro256**; the counts come from the draws themselves, an
 * array of M counters indexed by key number, so they are exact whatever the
 * floating-point table looks like. Needs libc and libm only. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng_s[4];

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t next64(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;

	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

/* Uniform in [0, m): the top bits times m, no modulo bias worth naming. */
static inline uint64_t below(uint64_t m)
{
	return (uint64_t)(((unsigned __int128)next64() * m) >> 64);
}

static void die(const char *what)
{
	fprintf(stderr, "gen_keys: %s\n", what);
	exit(2);
}

static uint64_t number(const char *s, const char *name)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "gen_keys: bad %s '%s'\n", name, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	double s = -1;
	int uniform = 0, opt;
	double deletes = -1;
	uint64_t m = 0, n = 0, seed = 1;
	const char *counts_path = NULL;

	while ((opt = getopt(argc, argv, "z:um:n:r:c:d:")) != -1) {
		switch (opt) {
		case 'z':
			s = strtod(optarg, NULL);
			if (!(s > 0))
				die("-z wants an exponent > 0");
			break;
		case 'u': uniform = 1; break;
		case 'm': m = number(optarg, "-m"); break;
		case 'n': n = number(optarg, "-n"); break;
		case 'r': seed = number(optarg, "-r"); break;
		case 'c': counts_path = optarg; break;
		case 'd':
			deletes = strtod(optarg, NULL);
			if (!(deletes >= 0 && deletes <= 1))
				die("-d wants a probability");
			break;
		default:
			die("usage: gen_keys (-z S | -u) -m M -n N [-r SEED] [-c FILE] [-d P]");
		}
	}
	if (uniform == (s > 0) || m == 0 || m > UINT32_MAX || optind != argc)
		die("usage: gen_keys (-z S | -u) -m M -n N [-r SEED] [-c FILE] [-d P]");

	for (int i = 0; i < 4; i++)
		rng_s[i] = splitmix64(&seed);

	/* Vose's alias table: key i is drawn from slot i with probability
	 * prob[i], else alias[i]. */
	double *prob = NULL;
	uint32_t *alias = NULL;
	if (!uniform) {
		double *p = malloc(m * sizeof *p), sum = 0;
		uint32_t *small = malloc(m * sizeof *small), *large = malloc(m * sizeof *large);
		size_t ns = 0, nl = 0;

		prob = malloc(m * sizeof *prob);
		alias = malloc(m * sizeof *alias);
		if (!p || !small || !large || !prob || !alias)
			die("out of memory");
		for (uint64_t i = 0; i < m; i++)
			sum += p[i] = pow((double)(i + 1), -s);
		for (uint64_t i = 0; i < m; i++) {
			p[i] = p[i] / sum * (double)m;
			if (p[i] < 1)
				small[ns++] = (uint32_t)i;
			else
				large[nl++] = (uint32_t)i;
		}
		while (ns && nl) {
			uint32_t l = small[--ns], g = large[--nl];

			prob[l] = p[l];
			alias[l] = g;
			p[g] = (p[g] + p[l]) - 1;
			if (p[g] < 1)
				small[ns++] = g;
			else
				large[nl++] = g;
		}
		/* What is left is 1 up to rounding. */
		while (nl)
			prob[large[--nl]] = 1;
		while (ns)
			prob[small[--ns]] = 1;
		free(p);
		free(small);
		free(large);
	}

	int64_t *count = calloc(m, sizeof *count);
	if (!count)
		die("out of memory");

	/* Lines go out through a buffer of our own: fprintf per line would
	 * cost more than the rest together. */
	enum { BUF = 1 << 16 };
	static char out[BUF + 32];
	size_t o = 0;
	for (uint64_t r = 0; r < n; r++) {
		uint64_t k;

		if (uniform) {
			k = below(m);
		} else {
			k = below(m);
			/* 53 random bits against prob[k]. */
			if ((double)(next64() >> 11) * 0x1p-53 >= prob[k])
				k = alias[k];
		}
		int64_t w = 1;
		if (deletes >= 0) {
			w = 1 + (int64_t)below(3);
			if ((double)(next64() >> 11) * 0x1p-53 < deletes)
				w = -w;
		}
		count[k] += w;
		char digits[24];
		int nd = 0;
		uint64_t v = k;
		do {
			digits[nd++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		out[o++] = 'k';
		while (nd)
			out[o++] = digits[--nd];
		if (deletes >= 0) {
			out[o++] = '\t';
			if (w < 0)
				out[o++] = '-';
			out[o++] = (char)('0' + (w < 0 ? -w : w));
		}
		out[o++] = '\n';
		if (o >= BUF) {
			if (fwrite(out, 1, o, stdout) != o)
				die("write error");
			o = 0;
		}
	}
	if ((o && fwrite(out, 1, o, stdout) != o) || fflush(stdout) != 0)
		die("write error");

	if (counts_path) {
		FILE *f = fopen(counts_path, "w");

		if (!f)
			die("cannot open the counts file");
		for (uint64_t i = 0; i < m; i++)
			fprintf(f, "k%llu\t%lld\n", (unsigned long long)i, (long long)count[i]);
		if (fclose(f) != 0)
			die("cannot write the counts file");
	}
	free(count);
	free(prob);
	free(alias);
	return 0;
}
