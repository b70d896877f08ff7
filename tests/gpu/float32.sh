#!/bin/sh
# --float32 computes float64 as float (what --allow-float32 does on a device
# without fp64): results within float precision of eval-expr's, nulls and
# NaN kept.
set -u
. "$TOP_SRCDIR/tests/gpu/lib.sh"
need_device

awk 'BEGIN {
	srand(9); print "a,b,c"
	print "1,0.5,2.5"
	for (i = 1; i < 3000; i++)
		printf "%d,%s,%.6g\n", int(rand() * 200) - 100,
			i % 50 == 0 ? "" : i % 77 == 0 ? "nan" : sprintf("%.17g", rand() * 8 - 4), rand() * 10 + 0.5
}' > in.csv
set -- 'y = a * 0.5 + sin(b); q = exp(b) / c; k = a * 3; w = b > 0'
eval-expr "$@" --out tsv < in.csv > want.tsv || fail "eval-expr: exit status $?"
if status 0 "--float32" gpu-map --float32 "$@" --out tsv < in.csv; then
	mv out got.tsv
	same got.tsv want.tsv 1e-5
fi
finish
