#!/bin/sh
# eval-expr text in, text out against mawk computing the same expression:
# ROWS lines of three whitespace-separated numbers (uniform in [-10, 10),
# 6 decimals), `f4 = 2*f1 + 3*f2**2 - sin(f3)` written as TSV with the three
# input columns, vs `mawk '{print $1, $2, $3, 2*$1 + 3*$2^2 - sin($3)}'`.
# mawk prints the result with its default OFMT (%.6g: 6 significant
# digits), eval-expr with the shortest digits that read back as the same
# double; a second mawk run with OFMT=%.17g shows what equal precision
# costs it. Before timing, the two outputs are compared on every 1000th
# line (relative difference <= 1e-5, mawk's rounding).
# Target (issue 6): eval-expr at least 5x faster than mawk.
# Environment: EVAL_EXPR, BENCH_DATA, RUNS (default 5), ROWS (default
# 10000000).
set -eu
. "$(dirname "$0")/lib.sh"
find_stage eval-expr
data_dir
command -v mawk >/dev/null 2>&1 || die "mawk not found (apt-get install mawk)"
ROWS=${ROWS:-10000000}
f="$BENCH_DATA/abc-ws-$ROWS.txt"

if [ ! -s "$f" ]; then
	echo "generating $f" >&2
	mawk -v n="$ROWS" 'BEGIN { srand(17); for (i = 0; i < n; i++)
		printf "%.6f %.6f %.6f\n", rand() * 20 - 10, rand() * 20 - 10, rand() * 20 - 10 }' >"$f.tmp"
	mv "$f.tmp" "$f"
fi
size=$(wc -c <"$f")
cat "$f" >/dev/null # into the page cache

# Quotes in the commands: double ones only (bench_compare runs them under
# sh -c '...').
prog='{print \$1, \$2, \$3, 2*\$1 + 3*\$2^2 - sin(\$3)}'
c_eval="'$EVAL_EXPR' --in ws --no-header \"f4 = 2*f1 + 3*f2**2 - sin(f3)\" --out tsv < '$f' > /dev/null"
c_mawk="mawk \"$prog\" < '$f' > /dev/null"
c_mawk17="mawk -v OFMT=%.17g \"$prog\" < '$f' > /dev/null"

# The same values on both sides: eval-expr's TSV (a header line, then the
# rows) against mawk's lines.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-eval.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
"$EVAL_EXPR" --in ws --no-header 'f4 = 2*f1 + 3*f2**2 - sin(f3)' --out tsv <"$f" |
	tail -n +2 | mawk 'NR % 1000 == 1' >"$tmp/eval"
mawk '{print $1, $2, $3, 2*$1 + 3*$2^2 - sin($3)}' <"$f" | mawk 'NR % 1000 == 1' >"$tmp/mawk"
[ "$(wc -l <"$tmp/eval")" -eq "$(wc -l <"$tmp/mawk")" ] || die "the outputs have different lengths"
paste "$tmp/eval" "$tmp/mawk" | mawk -F'[ \t]' '
	{ n++; d = $4 - $8; if (d < 0) d = -d; m = $8 < 0 ? -$8 : $8
	  if ($1 != $5 || $2 != $6 || $3 != $7 || d > 1e-5 * m + 1e-5) { bad++; if (bad < 4) print "differ: " $0 } }
	END { printf "checked %d sampled lines, %d differ\n", n, bad; exit bad > 0 }' ||
	die "eval-expr and mawk disagree"

bench_compare "eval-expr" "$c_eval" "mawk" "$c_mawk" "mawk OFMT=%.17g" "$c_mawk17"
echo
echo "file: $f ($ROWS lines, $size bytes), $RUNS runs, median, eval-expr at its default -j ($(nproc) CPUs)"
awk -v s="$size" -v n="$ROWS" -v t1="$T1" -v t2="$T2" -v t3="$T3" 'BEGIN {
	printf "%-20s %9s %9s %9s\n", "command", "seconds", "MiB/s", "Mrows/s"
	printf "%-20s %9.3f %9.0f %9.2f\n", "eval-expr", t1, s / t1 / 1048576, n / t1 / 1e6
	printf "%-20s %9.3f %9.0f %9.2f\n", "mawk", t2, s / t2 / 1048576, n / t2 / 1e6
	printf "%-20s %9.3f %9.0f %9.2f\n", "mawk OFMT=%.17g", t3, s / t3 / 1048576, n / t3 / 1e6
	printf "eval-expr vs mawk: %.2fx (target >= 5x): %s; vs mawk OFMT=%%.17g: %.2fx\n",
		t2 / t1, (t2 / t1 >= 5 ? "met" : "NOT met"), t3 / t1
}'
