#!/bin/sh
# Ordered fan-out: text output formatted on N worker threads (-j N) comes out
# in input order, byte for byte what one thread writes. Tiny batches make many
# of them, so workers finish out of order all the time.
. "$TOP_SRCDIR/tests/io/lib.sh"

n=200000
seq $n > in.txt
{ echo f1; cat in.txt; } > expected.tsv
awk '{ print "{\"f1\":" $1 "}" }' in.txt > expected.jsonl
for fmt in tsv csv jsonl; do
	want=expected.tsv; [ $fmt = jsonl ] && want=expected.jsonl
	timeout 120 rec-cat --batch-rows 7 -j 3 --out $fmt < in.txt > out.$fmt 2> err
	st=$?
	if [ $st -eq 0 ] && cmp -s $want out.$fmt; then pass "seq $n, -j 3, $fmt"
	else fail "seq $n, -j 3, $fmt: status $st, $(cmp $want out.$fmt 2>&1)"; cat err; fi
done

# Mixed types: floats, strings with quotes, commas and tabs, nulls (empty
# fields), bools; -j 1 and -j 4 must write the same bytes, from text and from
# Arrow input alike.
awk 'BEGIN {
	print "id,x,name,flag"
	for (i = 1; i <= 20000; i++) {
		x = (i % 5 == 0) ? "" : sprintf("%.6g", i * 1.37 - 500)
		if (i % 7 == 0) s = ""
		else if (i % 3 == 0) s = "\"say \"\"hi\"\", " i "\""
		else s = "w\t" i
		f = (i % 11 == 0) ? "" : (i % 2 ? "true" : "false")
		print i "," x "," s "," f
	}
}' > mixed.csv
rec-cat --in csv --header --batch-rows 5 < mixed.csv > mixed.arrow ||
	{ echo "FAIL: cannot make mixed.arrow"; exit 1; }
for fmt in tsv csv jsonl; do
	for src in csv arrow; do
		name="mixed $src in, $fmt out"
		if [ $src = csv ]; then set -- --in csv --header; else set --; fi
		timeout 120 rec-cat "$@" --batch-rows 5 -j 1 --out $fmt < mixed.$src > one 2> err1
		s1=$?
		timeout 120 rec-cat "$@" --batch-rows 5 -j 4 --out $fmt < mixed.$src > four 2> err4
		s4=$?
		if [ $s1 -ne 0 ] || [ $s4 -ne 0 ]; then
			fail "$name: status $s1 (-j 1), $s4 (-j 4)"; cat err1 err4
		elif [ "$(wc -l < one)" -lt 20000 ]; then
			fail "$name: only $(wc -l < one) lines"
		elif ! cmp -s one four; then
			fail "$name: -j 4 differs from -j 1: $(cmp one four 2>&1)"
		else
			pass "$name"
		fi
	done
done
finish
