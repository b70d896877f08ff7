#!/bin/sh
# Grouped moments: 10 million "key,value" CSV rows with 100,000 distinct
# keys (utf8 keys "k0".."k99999" in random order, values 50 + 10 N(0,1) with
# 4 decimals), `moments -k key -c value` against DuckDB's GROUP BY key with
# the same aggregates (count, avg, var_samp, stddev_samp, skewness, kurtosis,
# min, max, sum), the same thread count, in one run; both write their
# 100,000 result rows as TSV to /dev/null.
# Target: moments faster than DuckDB. DuckDB's wall time includes starting
# node and loading DuckDB; the time its query alone took (measured inside
# bench/duckdb/duckdb.mjs) is shown too.
# Environment: MOMENTS, BENCH_DATA, RUNS (default 5), ROWS (default
# 10000000), KEYS (default 100000), JOBS (threads for both, default 2).
set -eu
. "$(dirname "$0")/lib.sh"
find_stage moments
find_duckdb
data_dir
command -v mawk >/dev/null 2>&1 || die "mawk not found (apt-get install mawk)"
ROWS=${ROWS:-10000000}
KEYS=${KEYS:-100000}
JOBS=${JOBS:-2}
f="$BENCH_DATA/grouped-$ROWS-$KEYS.csv"

if [ ! -s "$f" ]; then
	echo "generating $f" >&2
	mawk -v n="$ROWS" -v k="$KEYS" 'BEGIN { srand(17); print "key,value"; for (i = 0; i < n; i++)
		printf "k%d,%.4f\n", int(rand() * k), 50 + 10 * sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }' >"$f.tmp"
	mv "$f.tmp" "$f"
fi
size=$(wc -c <"$f")
cat "$f" >/dev/null # into the page cache

sql="SELECT key, count(value) AS n, avg(value) AS mean, var_samp(value) AS var, stddev_samp(value) AS sd, skewness(value) AS skew, kurtosis(value) AS kurt, min(value) AS min, max(value) AS max, sum(value) AS sum FROM read_csv(FILE, header = true) GROUP BY key"
c_moments="'$MOMENTS' -j $JOBS -k key -c value --in csv --header --out tsv < '$f' > /dev/null"
c_duckdb="node '$DUCKDB_MJS' '$f' $JOBS \"$sql\" > /dev/null"

# Both must find every key, and agree on one of them.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-grouped.XXXXXX") || die "mktemp failed"
"$MOMENTS" -j "$JOBS" -k key -c value --in csv --header --out tsv <"$f" >"$tmp/m"
node "$DUCKDB_MJS" "$f" "$JOBS" "$sql" >"$tmp/d"
nm=$(($(wc -l <"$tmp/m") - 1)) nd=$(($(wc -l <"$tmp/d") - 1))
[ "$nm" -eq "$nd" ] || die "moments found $nm keys, DuckDB $nd"
echo "groups: $nm; key k0 (n, mean, sd, skew, kurt):"
printf '  moments: '
awk -F'\t' 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
	$1 == "k0" {print $c["n"], $c["mean"], $c["sd"], $c["skew"], $c["kurt"]}' "$tmp/m"
printf '  duckdb:  '
awk -F'\t' '$1 == "k0" {print $2, $3, $5, $6, $7}' "$tmp/d"
rm -rf "$tmp"
echo

DUCKDB_QUERY_TIMES=$(mktemp "${TMPDIR:-/tmp}/bench-duckdb.XXXXXX") || die "mktemp failed"
export DUCKDB_QUERY_TIMES
bench_compare "moments -j $JOBS" "$c_moments" "duckdb (node, $JOBS threads)" "$c_duckdb"
# the first line is hyperfine's warm-up run
TQ=$(sed 1d "$DUCKDB_QUERY_TIMES" | median)
rm -f "$DUCKDB_QUERY_TIMES"
echo
echo "file: $f ($ROWS rows, $nm keys, $size bytes), $JOBS threads, $(nproc) CPUs, $RUNS runs, median"
echo "duckdb: @duckdb/node-api $DUCKDB_VERSION, node $(node --version)"
awk -v s="$size" -v n="$ROWS" -v t1="$T1" -v t2="$T2" -v tq="$TQ" 'BEGIN {
	printf "%-24s %10s %10s %12s\n", "command", "seconds", "MiB/s", "Mrows/s"
	printf "%-24s %10.3f %10.0f %12.2f\n", "moments", t1, s / t1 / 1048576, n / t1 / 1e6
	printf "%-24s %10.3f %10.0f %12.2f\n", "duckdb (node, wall)", t2, s / t2 / 1048576, n / t2 / 1e6
	printf "%-24s %10.3f %10.0f %12.2f\n", "duckdb (query alone)", tq, s / tq / 1048576, n / tq / 1e6
	printf "moments is %.2fx as fast as duckdb (wall; target > 1x): %s\n", t2 / t1, (t2 / t1 > 1 ? "met" : "NOT met")
	printf "moments is %.2fx as fast as duckdb'"'"'s query alone: %s\n", tq / t1, (tq / t1 > 1 ? "faster" : "not faster")
}'
