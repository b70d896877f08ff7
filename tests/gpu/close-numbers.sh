#!/bin/sh
# close-numbers.sh A B [TOL]: prints "same" when two TSV files agree field
# by field, numbers within TOL (default 1e-12) relative to the larger of
# the two magnitudes and 1: the OpenCL bounds (sin 4 ulp, exp and log
# 3 ulp, pow 16 ulp for double) are far inside that. Other fields (nan,
# inf, true, empty for null) must be equal. Otherwise prints the first
# difference and fails.
awk -F'\t' -v tol="${3:-1e-12}" '
function abs(x) { return x < 0 ? -x : x }
function num(s) { return s ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ }
NR == FNR { a[FNR] = $0; n = FNR; next }
{
	if (!(FNR in a)) { print "extra line " FNR " in " FILENAME; bad = 1; exit }
	na = split(a[FNR], x, "\t")
	if (na != NF) { print "line " FNR ": " na " fields against " NF; bad = 1; exit }
	for (i = 1; i <= NF; i++) {
		if (x[i] == $i) continue
		if (num(x[i]) && num($i)) {
			scale = abs(x[i]) > abs($i) ? abs(x[i]) : abs($i)
			if (scale < 1) scale = 1
			if (abs(x[i] - $i) <= tol * scale) continue
		}
		print "line " FNR " field " i ": " x[i] " against " $i; bad = 1; exit
	}
}
END { if (!bad && FNR != n) { print "line counts differ"; bad = 1 } if (!bad) print "same"; exit bad }
' "$1" "$2"
