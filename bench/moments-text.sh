#!/bin/sh
# moments over 10 million text values (one column: 1e9 + N(0,1), printed with
# 6 decimals) against GNU datamash (mean, sstdev, sskew, skurt) and DuckDB
# (avg, stddev_samp, skewness, kurtosis over read_csv, through its Node API)
# on the same file, with the same thread count as moments, in one run.
# Targets: moments at least 5x as fast as datamash; DuckDB is reported.
# DuckDB's wall time includes starting node and loading DuckDB; the time its
# query alone took (measured inside bench/duckdb/duckdb.mjs) is shown too.
# Environment: MOMENTS, BENCH_DATA, RUNS (default 5), ROWS (default
# 10000000), JOBS (threads for moments and DuckDB, default 2).
set -eu
. "$(dirname "$0")/lib.sh"
find_stage moments
find_duckdb
data_dir
command -v datamash >/dev/null 2>&1 || die "datamash not found (apt-get install datamash)"
ROWS=${ROWS:-10000000}
JOBS=${JOBS:-2}
f="$BENCH_DATA/normal-1e9-$ROWS.txt"

gen_normal "$f" "$ROWS"
size=$(wc -c <"$f")
cat "$f" >/dev/null # into the page cache

sql="SELECT avg(column0) AS mean, stddev_samp(column0) AS sd, skewness(column0) AS skew, kurtosis(column0) AS kurt FROM read_csv(FILE, header = false)"
c_moments="'$MOMENTS' -j $JOBS --no-header --out tsv < '$f' > /dev/null"
c_datamash="datamash mean 1 sstdev 1 sskew 1 skurt 1 < '$f' > /dev/null"
c_duckdb="node '$DUCKDB_MJS' '$f' $JOBS \"$sql\" > /dev/null"

# The three answers, so that a reader sees what each computed.
echo "results (mean, sd, skew, kurt):"
printf '  moments:  '
"$MOMENTS" -j "$JOBS" --no-header --out tsv <"$f" |
	awk -F'\t' 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
		{print $c["mean"], $c["sd"], $c["skew"], $c["kurt"]}'
printf '  datamash: '
datamash -W mean 1 sstdev 1 sskew 1 skurt 1 <"$f" | tr '\t' ' '
printf '  duckdb:   '
node "$DUCKDB_MJS" "$f" "$JOBS" "$sql" | sed -n 2p | tr '\t' ' '
echo

DUCKDB_QUERY_TIMES=$(mktemp "${TMPDIR:-/tmp}/bench-duckdb.XXXXXX") || die "mktemp failed"
export DUCKDB_QUERY_TIMES
bench_compare "moments -j $JOBS" "$c_moments" "datamash" "$c_datamash" "duckdb (node, $JOBS threads)" "$c_duckdb"
# the first line is hyperfine's warm-up run
TQ=$(sed 1d "$DUCKDB_QUERY_TIMES" | median)
rm -f "$DUCKDB_QUERY_TIMES"
echo
echo "file: $f ($ROWS values, $size bytes), $JOBS threads, $(nproc) CPUs, $RUNS runs, median"
echo "duckdb: @duckdb/node-api $DUCKDB_VERSION, node $(node --version); $(datamash --version | sed 1q)"
awk -v s="$size" -v n="$ROWS" -v t1="$T1" -v t2="$T2" -v t3="$T3" -v tq="$TQ" 'BEGIN {
	printf "%-28s %10s %10s %12s\n", "command", "seconds", "MiB/s", "Mvalues/s"
	printf "%-28s %10.3f %10.0f %12.2f\n", "moments", t1, s / t1 / 1048576, n / t1 / 1e6
	printf "%-28s %10.3f %10.0f %12.2f\n", "datamash", t2, s / t2 / 1048576, n / t2 / 1e6
	printf "%-28s %10.3f %10.0f %12.2f\n", "duckdb (node, wall)", t3, s / t3 / 1048576, n / t3 / 1e6
	printf "%-28s %10.3f %10.0f %12.2f\n", "duckdb (query alone)", tq, s / tq / 1048576, n / tq / 1e6
	r = t2 / t1
	printf "moments is %.2fx as fast as datamash (target >= 5x): %s\n", r, (r >= 5 ? "met" : "NOT met")
	printf "moments is %.2fx as fast as duckdb (wall), %.2fx its query alone\n", t3 / t1, tq / t1
}'
