#!/bin/sh
# Inline expressions on the device against eval-expr on the same data:
# integer and float arithmetic, floor division and modulo, math functions,
# bool logic, where(), nulls, NaN and infinities, an assignment using an
# earlier one. Then the same kernel over Arrow input in small batches with
# a small --max-alloc, so that every batch runs as several launches, and
# with copies instead of zero-copy buffers (--buffers copy), and from the
# build cache (--stats says "cached"; PoCL's own cache is filled
# under $XDG_CACHE_HOME/pipestage/pocl). One kernel build in all.
set -u
. "$TOP_SRCDIR/tests/gpu/lib.sh"
need_device

# 20000 rows: a int64 with nulls, b float64 with nulls, NaN and infinities,
# c positive float64, f bool.
awk 'BEGIN {
	srand(8); print "a,b,c,f"
	print "5,0.5,1.5,true"
	for (i = 1; i < 20000; i++) {
		a = int(rand() * 2000) - 1000; b = sprintf("%.17g", rand() * 20 - 10)
		if (i % 97 == 0) a = ""
		if (i % 89 == 0) b = ""
		if (i % 101 == 0) b = "nan"
		if (i % 103 == 0) b = "inf"
		if (i % 107 == 0) b = "-inf"
		printf "%s,%s,%.6g,%s\n", a, b, rand() * 100 + 0.01, rand() < 0.5 ? "true" : "false"
	}
}' > in.csv
rec-cat --batch-rows 7000 --out arrow < in.csv > in.arrow

set -- 'y = a * 2.0 + sin(b)' 'z = a // 7; m = a % 13; g = -a * 3 + 1' \
	'p = b ** 2 - c; q = exp(b / 4) / c + log(c); h = hypot(b, c); t = tanh(b)' \
	'w = f and b > 0; n = isnan(b); v = not f or isinf(b)' \
	'r = where(f, a, -a); k = int(b * 3); s = y + 1; u = floor(b) + round(c)'

eval-expr "$@" --out tsv < in.csv > want.tsv || fail "eval-expr: exit status $?"
if status 0 "text input" gpu-map --stats "$@" --out-format tsv < in.csv; then
	mv out got.tsv
	same got.tsv want.tsv
	has err "(compiled)" "first run compiles the kernel"
fi
if status 0 "arrow input, small batches, --max-alloc 32K" \
	gpu-map --stats --device 0:0 --max-alloc 32K "$@" --out tsv < in.arrow; then
	mv out got-split.tsv
	same got-split.tsv want.tsv
	has err "(cached)" "second run takes the kernel from the cache"
	has err "3 batches, 6 launches" "batches above the max alloc run as several launches"
fi
# Copies to and from device buffers, as on a discrete GPU.
if status 0 "--buffers copy" gpu-map --buffers copy --max-alloc 32K "$@" --out tsv < in.arrow; then
	mv out got-copy.tsv
	same got-copy.tsv want.tsv
fi
if [ -n "$(ls "$XDG_CACHE_HOME/pipestage/pocl" 2>/dev/null)" ] &&
	[ -n "$(ls "$XDG_CACHE_HOME/pipestage/opencl" 2>/dev/null)" ]; then
	ok "caches under \$XDG_CACHE_HOME/pipestage"
else
	fail "no PoCL or binary cache under $XDG_CACHE_HOME/pipestage: $(ls -R "$XDG_CACHE_HOME")"
fi

# Zero rows in: the schema with the new columns comes out, no rows.
eval-expr --where 'a > 100000' < in.arrow > none.arrow
if status 0 "zero rows" gpu-map "$@" --out csv < none.arrow; then
	[ "$(cat out)" = "a,b,c,f,y,z,m,g,p,q,h,t,w,n,v,r,k,s,u" ] && ok "zero rows: header only" ||
		fail "zero rows: got $(cat out)"
fi
finish
