#!/bin/sh
# same-numbers.sh A B: prints "same" when two TSV files agree field by field,
# numbers to 1e-12 (relative, or absolute for numbers below 1 in size, such
# as a skewness that is 0 up to rounding); otherwise the first difference.
# For comparing results that may differ by a few ulps (moments -j, --merge).
awk -F'\t' '
function abs(x) { return x < 0 ? -x : x }
function num(s) { return s ~ /^-?[0-9]+(\.[0-9]*)?(e[-+]?[0-9]+)?$/ }
NR == FNR { a[FNR] = $0; n = FNR; next }
{
	if (!(FNR in a)) { print "extra line " FNR " in " FILENAME; bad = 1; exit }
	na = split(a[FNR], x, "\t")
	if (na != NF) { print "line " FNR ": " na " fields against " NF; bad = 1; exit }
	for (i = 1; i <= NF; i++) {
		if (x[i] == $i) continue
		scale = abs($i) > 1 ? abs($i) : 1
		if (num(x[i]) && num($i) && abs(x[i] - $i) <= 1e-12 * scale) continue
		print "line " FNR " field " i ": " x[i] " against " $i; bad = 1; exit
	}
}
END { if (!bad && FNR != n) { print "line counts differ"; bad = 1 } if (!bad) print "same"; exit bad }
' "$1" "$2"
