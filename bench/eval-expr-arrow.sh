#!/bin/sh
# eval-expr as a pipeline stage on Arrow input: 'd = a*b + c' over a stream
# of three float64 columns (uniform in [-10, 10)) against rec-cat passing
# the same stream through, all in the same pipeline position
# (`X < f | cat > /dev/null`), in rows per second of the input stream.
# eval-expr runs at -j 1 and at its default (one worker per CPU); its output
# carries a fourth column, so it writes 4/3 of the bytes rec-cat writes; a
# fourth command, 'c = a*b + c' (c replaced in place), writes as many as
# rec-cat.
# Target (issue 6): eval-expr at least 0.8x rec-cat's throughput.
# The stream is PART rows (CSV made by mawk, converted by rec-cat)
# concatenated ROWS/PART times: identical schemas read as one stream.
# Environment: EVAL_EXPR, REC_CAT, BENCH_DATA, RUNS (default 5), ROWS
# (default 100000000), PART (default 10000000).
set -eu
. "$(dirname "$0")/lib.sh"
find_stage eval-expr
find_stage rec-cat
data_dir
ROWS=${ROWS:-100000000}
PART=${PART:-10000000}
if [ "$ROWS" -lt "$PART" ]; then PART=$ROWS; fi
[ $((ROWS % PART)) -eq 0 ] || die "ROWS must be a multiple of $PART"
COPIES=$((ROWS / PART))
part="$BENCH_DATA/abc-$PART.arrow"
f="$BENCH_DATA/abc-$PART-x$COPIES.arrow"

# Room: about 24 bytes a row in the stream, 60 in the CSV part.
free_kib=$(df -Pk "$BENCH_DATA" | awk 'NR == 2 {print $4}')
need_kib=$(((ROWS * 25 + PART * 85) / 1024))
[ -s "$f" ] || [ "$free_kib" -gt "$need_kib" ] ||
	die "$BENCH_DATA has $((free_kib / 1024)) MiB free, needs about $((need_kib / 1024)) MiB"
if [ ! -s "$part" ]; then
	echo "generating $part" >&2
	mawk -v n="$PART" 'BEGIN { srand(11); print "a,b,c"; for (i = 0; i < n; i++)
		printf "%.17g,%.17g,%.17g\n", rand() * 20 - 10, rand() * 20 - 10, rand() * 20 - 10 }' |
		"$REC_CAT" --in csv --types a:float64,b:float64,c:float64 --out arrow >"$part.tmp"
	mv "$part.tmp" "$part"
fi
if [ "$COPIES" -eq 1 ]; then
	f=$part
else
	repeat_file "$part" "$COPIES" "$f"
fi
size=$(wc -c <"$f")
cat "$f" >/dev/null # into the page cache

# Both must see every row; eval-expr's d must be a*b + c (checked on the
# first rows of the part, against mawk's arithmetic in double precision).
"$EVAL_EXPR" --stats 'd = a*b + c' <"$f" 2>&1 >/dev/null | grep -q " $ROWS rows in, $ROWS rows out" ||
	die "eval-expr did not pass $ROWS rows"
bad=$("$EVAL_EXPR" 'd = a*b + c' --out csv <"$part" | head -n 100001 |
	mawk -F, 'NR > 1 { if ($4 != $1 * $2 + $3) bad++ } END { print bad + 0 }')
[ "$bad" -eq 0 ] || die "eval-expr's d differs from mawk's a*b + c on $bad of 100000 rows"

# Quotes in the commands: double ones only (bench_compare runs them under
# sh -c '...').
bench_compare "eval-expr -j 1" "'$EVAL_EXPR' -j 1 \"d = a*b + c\" < '$f' | cat > /dev/null" \
              "eval-expr" "'$EVAL_EXPR' \"d = a*b + c\" < '$f' | cat > /dev/null" \
              "rec-cat" "'$REC_CAT' < '$f' | cat > /dev/null" \
              "eval-expr, c replaced" "'$EVAL_EXPR' \"c = a*b + c\" < '$f' | cat > /dev/null"
echo
echo "file: $f ($ROWS rows, $size bytes), $RUNS runs, median, $(nproc) CPUs"
awk -v s="$size" -v n="$ROWS" -v t1="$T1" -v t2="$T2" -v t3="$T3" -v t4="$T4" -v j="$(nproc)" 'BEGIN {
	printf "%-26s %9s %10s %9s\n", "command", "seconds", "in MiB/s", "Mrows/s"
	printf "%-26s %9.3f %10.0f %9.1f\n", "eval-expr -j 1", t1, s / t1 / 1048576, n / t1 / 1e6
	printf "%-26s %9.3f %10.0f %9.1f\n", "eval-expr (-j " j ")", t2, s / t2 / 1048576, n / t2 / 1e6
	printf "%-26s %9.3f %10.0f %9.1f\n", "rec-cat (pass-through)", t3, s / t3 / 1048576, n / t3 / 1e6
	printf "%-26s %9.3f %10.0f %9.1f\n", "eval-expr, c replaced", t4, s / t4 / 1048576, n / t4 / 1e6
	printf "eval-expr -j 1 / rec-cat throughput: %.2fx\n", t3 / t1
	printf "eval-expr (-j %d) / rec-cat throughput: %.2fx (target >= 0.8x): %s\n", j, t3 / t2,
		(t3 / t2 >= 0.8 ? "met" : "NOT met")
	printf "eval-expr \"c = a*b + c\" (as many bytes out as in) / rec-cat throughput: %.2fx\n", t3 / t4
}'
