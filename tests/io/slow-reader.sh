#!/bin/sh
# A reader slower than the writer: it takes small bites with pauses, so the
# pipe stays full and rec-cat's writes block or come back short again and
# again; every byte must still arrive, in order. One reader reads lines one
# by one (the shell's read), another 4 KiB at a time under long rows.
. "$TOP_SRCDIR/tests/io/lib.sh"

# Line by line, pausing every 100 lines.
seq 5000 > in.txt
{ echo f1; cat in.txt; } > expected
for args in "--out tsv -j 1" "--out tsv -j 3" "ARROW"; do
	if [ "$args" = ARROW ]; then
		pipeline='rec-cat --batch-rows 200 < in.txt | rec-cat --out tsv'
	else
		pipeline="rec-cat --batch-rows 200 $args < in.txt"
	fi
	timeout 120 sh -c "$pipeline" 2> err | {
		i=0
		while IFS= read -r line; do
			printf '%s\n' "$line"
			i=$((i + 1))
			[ $((i % 100)) -ne 0 ] || sleep 0.01
		done
	} > out
	if cmp -s expected out && [ ! -s err ]; then pass "line reader: $pipeline"
	else fail "line reader: $pipeline: $(cmp expected out 2>&1)"; cat err; fi
done

# 4 KiB bites under 2000-byte rows: a batch (200 KB) is larger than a pipe.
awk 'BEGIN { for (i = 1; i <= 500; i++) { s = sprintf("%07d", i); while (length(s) < 2000) s = s "x"; print s } }' > wide.txt
{ echo line; cat wide.txt; } > expected.wide
rec-cat --in lines --batch-rows 100 < wide.txt > wide.arrow ||
	{ echo "FAIL: cannot make wide.arrow"; exit 1; }
for src in wide.txt wide.arrow; do
	args="--out tsv"; [ $src = wide.txt ] && args="--in lines --out tsv"
	: > out.wide
	timeout 120 rec-cat $args < $src 2> err | {
		while :; do
			dd bs=4096 count=1 of=bite 2> /dev/null
			[ -s bite ] || break
			cat bite >> out.wide
			sleep 0.002
		done
		cat > /dev/null
	}
	if cmp -s expected.wide out.wide && [ ! -s err ]; then pass "4 KiB bites from $src"
	else fail "4 KiB bites from $src: $(cmp expected.wide out.wide 2>&1)"; cat err; fi
done
finish
