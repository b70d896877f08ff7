#!/bin/sh
# The examples of the README's gpu-map section and of man/gpu-map.1 run as
# written: the README's first line on the bundled requests against
# eval-expr, and the man page's saxpy kernel and command against awk.
set -u
. "$TOP_SRCDIR/tests/gpu/lib.sh"
need_device

line=$(grep -m1 "^gpu-map 'slow" "$TOP_SRCDIR/README.md")
[ -n "$line" ] || fail "README: no gpu-map example line"
expr=$(printf '%s\n' "$line" | sed "s/^gpu-map '\([^']*\)'.*/\1/")
cmd=$(printf '%s\n' "$line" | sed "s|< pipelines/|< $TOP_SRCDIR/pipelines/|")
if status 0 "README: $line" sh -c "$cmd"; then
	mv out got.csv
	eval-expr "$expr" --out csv < "$TOP_SRCDIR/pipelines/data/requests.csv" > want.csv
	cmp -s got.csv want.csv && ok "README example = eval-expr" ||
		fail "README example differs from eval-expr: $(diff got.csv want.csv | head -5)"
fi

# The man page's kernel: the lines between "cat > saxpy.cl <<'CL'" and "CL".
sed -n "/^cat > saxpy.cl <<'CL'/,/^CL\$/p" "$TOP_SRCDIR/man/gpu-map.1" | sed '1d;$d' |
	sed 's/\\-/-/g' > saxpy.cl
grep -q '__kernel void saxpy' saxpy.cl || fail "man page: no saxpy kernel"
cmd=$(grep -m1 '^gpu-map \\-\\-device cpu \\-f saxpy.cl' "$TOP_SRCDIR/man/gpu-map.1" | sed 's/\\-/-/g')
awk 'BEGIN { srand(3); print "x,y"; for (i = 0; i < 5000; i++) printf "%.17g,%.17g\n", rand(), rand() * 10 }' |
	rec-cat --out arrow > xy.arrow
if status 0 "man page: $cmd" sh -c "$cmd --out-format tsv"; then
	rec-cat --out tsv < xy.arrow | awk -F'\t' 'NR == 1 { print "x\ty\tz"; next }
		{ printf "%s\t%s\t%.17g\n", $1, $2, 2.5 * $1 + $2 }' > want.tsv
	same out want.tsv
fi
finish
