#!/bin/sh
# CSV -> Arrow with rec-cat vs summing the same CSV with mawk: 10 million
# rows of 3 numeric columns. Target: rec-cat faster than mawk.
# Environment: REC_CAT, BENCH_DATA, RUNS (default 5), ROWS (default 10000000).
set -eu
. "$(dirname "$0")/lib.sh"
find_stage rec-cat
data_dir
command -v mawk >/dev/null 2>&1 || die "mawk not found (apt-get install mawk)"
ROWS=${ROWS:-10000000}
f="$BENCH_DATA/numbers-$ROWS.csv"

if [ ! -s "$f" ]; then
	echo "generating $f" >&2
	mawk -v n="$ROWS" 'BEGIN { srand(11); for (i = 0; i < n; i++)
		printf "%d,%.6f,%d\n", i, rand() * 1000, int(rand() * 1000000) }' >"$f.tmp"
	mv "$f.tmp" "$f"
fi
size=$(wc -c <"$f")
cat "$f" >/dev/null # into the page cache

bench_compare "rec-cat" "'$REC_CAT' --in csv --no-header --out arrow < '$f' > /dev/null" \
              "mawk" "mawk -F, '\''{s+=\$1+\$2+\$3} END {print s}'\'' '$f' > /dev/null"
echo
echo "file: $f ($ROWS rows, $size bytes), $RUNS runs, median"
awk -v s="$size" -v n="$ROWS" -v t1="$T1" -v t2="$T2" 'BEGIN {
	printf "%-10s %10s %12s %14s\n", "command", "seconds", "MiB/s", "Mrows/s"
	printf "%-10s %10.3f %12.0f %14.2f\n", "rec-cat", t1, s / t1 / 1048576, n / t1 / 1e6
	printf "%-10s %10.3f %12.0f %14.2f\n", "mawk", t2, s / t2 / 1048576, n / t2 / 1e6
	r = t2 / t1
	printf "ratio: rec-cat is %.2fx as fast as mawk (target > 1x): %s\n", r, (r > 1 ? "met" : "NOT met")
}'
