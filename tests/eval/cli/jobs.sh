#!/bin/sh
# Rows of a batch are split across the workers (-j) and come back in
# order: -j 1, -j 2 and -j 4 must write the same bytes, with text and with
# Arrow input, batch sizes that are and are not multiples of the split
# alignment, filtered batches of every size; and the rows must be the ones
# awk computes independently (integers, and floats that are exact binary
# fractions, so printf %.17g prints them as the shortest form does).
set -u
. "$TOP_SRCDIR/tests/eval/cli/lib.sh"

# 200000 rows: a = i, b = i % 13 - 6 (null every 11th row), x = i / 8,
# s = "k" (i % 7)
awk 'BEGIN {
	print "a,b,x,s"
	for (i = 1; i <= 200000; i++)
		printf "%d,%s,%.17g,k%d\n", i, (i % 11 ? i % 13 - 6 : ""), i / 8, i % 7
}' > in.csv
rec-cat --batch-rows 20000 --out arrow < in.csv > in.arrow

# z null where b is; a null z % 3 == 1 is null, so only k keeps the row
awk -F, 'NR == 1 { print "a,b,x,s,z,y,k"; next }
{
	k = substr($4, 1, 2) == "k3"
	if ($2 == "") {
		keep = k
		z = ""
	} else {
		z = $1 * $2 + 1
		m = z % 3
		if (m < 0)
			m += 3
		keep = m == 1 || k
	}
	if (keep)
		printf "%s,%s,%s,%s,%s,%.17g,%s\n", $1, $2, $3, $4, z, $3 * 2 - 1, k ? "true" : "false"
}' in.csv > want.csv

expr() {
	eval-expr 'z = a * b + 1' 'y = x * 2 - 1' 'k = startswith(s, "k3")' \
		--where 'z % 3 == 1 or k' "$@"
}

for rows in 30001 65536; do
	for j in 1 2 4; do
		expr -j $j --batch-rows $rows < in.csv > text.$j.arrow || fail "text -j $j: exit $?"
		expr -j $j < in.arrow > arrow.$j.arrow || fail "arrow -j $j: exit $?"
		expr -j $j --batch-rows $rows --out csv < in.csv > text.$j.csv ||
			fail "text to csv -j $j: exit $?"
	done
	for j in 2 4; do
		for kind in text.arrow arrow.arrow text.csv; do
			base=${kind%.*} ext=${kind#*.}
			if cmp -s "$base.1.$ext" "$base.$j.$ext"; then
				ok "batches of $rows, $kind: -j 1 and -j $j agree"
			else
				fail "batches of $rows, $kind: -j 1 and -j $j differ"
			fi
		done
	done
	if cmp -s want.csv text.1.csv; then
		ok "batches of $rows: the rows awk computes"
	else
		fail "batches of $rows: rows differ from awk's: $(diff want.csv text.1.csv | head -5)"
	fi
	rec-cat --out csv < arrow.4.arrow > arrow.4.csv
	if cmp -s want.csv arrow.4.csv; then
		ok "batches of $rows: Arrow in, -j 4: the rows awk computes"
	else
		fail "batches of $rows: Arrow in, -j 4: rows differ from awk's"
	fi
done
finish
