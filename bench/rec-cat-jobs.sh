#!/bin/sh
# The worker pool on a CPU-bound per-batch task: rec-cat formatting an Arrow
# stream of float64 columns as CSV, -j 2 against -j 1 in the same run.
# Target: -j 2 at least 1.8x as fast as -j 1 (on 2 cores).
# Environment: REC_CAT, BENCH_DATA, RUNS (default 5), ROWS (default 4000000).
set -eu
. "$(dirname "$0")/lib.sh"
find_stage rec-cat
data_dir
ROWS=${ROWS:-4000000}
f="$BENCH_DATA/jobs-${ROWS}.arrow"

if [ ! -s "$f" ]; then
	echo "generating $f" >&2
	mawk -v n="$ROWS" 'BEGIN { srand(11); for (i = 0; i < n; i++)
		printf "%.17g,%.17g,%.17g,%.17g\n", rand() * 1e6, rand(), rand() * 1e-3, rand() * 1e12 }' |
		"$REC_CAT" --in csv --no-header --out arrow >"$f"
fi
cat "$f" >/dev/null # into the page cache

bench_compare "j2" "'$REC_CAT' -j 2 --out csv < '$f' > /dev/null" \
              "j1" "'$REC_CAT' -j 1 --out csv < '$f' > /dev/null"
echo
echo "file: $f ($ROWS rows of 4 float64 columns), $RUNS runs, median"
awk -v t1="$T1" -v t2="$T2" -v n="$ROWS" 'BEGIN {
	printf "%-6s %10s %12s\n", "jobs", "seconds", "Mrows/s"
	printf "%-6s %10.3f %12.2f\n", "-j 2", t1, n / t1 / 1e6
	printf "%-6s %10.3f %12.2f\n", "-j 1", t2, n / t2 / 1e6
	r = t2 / t1
	printf "speed-up -j 2 over -j 1: %.2fx (target >= 1.8x): %s\n", r, (r >= 1.8 ? "met" : "NOT met")
}'
