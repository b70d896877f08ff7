#!/bin/sh
# cms-count keys and sketch files (issue 5). Keys are hashed by their bytes
# whatever the column type, so the cases that go wrong are the edges of
# "bytes": the empty string (which must not be the null key), NUL bytes
# (binary keys; utf8 cannot hold them), keys longer than 1 KB (past any
# small fixed buffer; one of 70 000 bytes), and every column type on the
# way in (text and Arrow) and back out (printed in the type's own format,
# from the counting run, from a saved sketch's candidates, and by --query).
# The sketches here are wide (2^16 x 5) for a handful of keys, so every
# estimate is the exact count; counts differ per key so that the order of
# the rows (estimate descending) is fixed.
# Then the file format: a truncated, extended or corrupted --save file, a
# cut --partial stream and a partial record with a damaged sketch are
# rejected with exit 3, and tests/cms/golden.cms pins the version 1 format
# (header, hash, row slicing, counters, candidates, check).
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
golden=$TOP_SRCDIR/tests/cms/golden.cms
. "$TOP_SRCDIR/tests/cms/lib.sh"
need_tools cms-count rec-cat
W="--width 65536 --depth 5"

# rep V1 V2 ...: JSON Lines {"k":Vi}, value i repeated i times.
rep() {
	i=0
	for v in "$@"; do
		i=$((i + 1))
		j=0
		while [ $j -lt $i ]; do
			printf '{"k":%s}\n' "$v"
			j=$((j + 1))
		done
	done
}

# expect NAME: stdin is the expected output, got.out the output (header
# line of TSV output included).
expect() {
	cat > want.out
	if cmp -s want.out got.out; then
		ok "$1"
	else
		fail "$1: output differs (want, then got):"
		cat want.out got.out
	fi
}

# type_case NAME TYPE VALUES...: the values (value i i times, JSON) counted
# as TYPE read as text and as Arrow, saved and loaded back (the
# candidates), and queried; every route must print the expected JSON Lines
# on stdin, heaviest first.
type_case() {
	name=$1 type=$2
	shift 2
	cat > want.jsonl
	rep "$@" > in.jsonl
	cms-count -k k --in jsonl --types "k:$type" $W --top 20 --save t.cms --out jsonl \
		< in.jsonl > got.out 2> err || fail "$name: text input exited $? ($(cat err))"
	expect "$name, text input" < want.jsonl
	rec-cat --in jsonl --types "k:$type" < in.jsonl > in.arrow
	cms-count -k k $W --top 20 --out jsonl < in.arrow > got.out 2> err ||
		fail "$name: Arrow input exited $? ($(cat err))"
	expect "$name, Arrow input" < want.jsonl
	cms-count --merge --load t.cms --top 20 --out jsonl < /dev/null > got.out 2> err ||
		fail "$name: --merge --load exited $? ($(cat err))"
	sed 's/^{"k"/{"key"/' want.jsonl | expect "$name, from the saved sketch"
	# --query: one output row per input row, in input order.
	awk '!seen[$0]++' in.jsonl | rec-cat --in jsonl --types "k:$type" |
		cms-count -k k --query --load t.cms --out jsonl > got.out 2> err ||
		fail "$name: --query exited $? ($(cat err))"
	awk '{ l[NR] = $0 } END { for (i = NR; i >= 1; i--) print l[i] }' want.jsonl | expect "$name, --query"
}

# The empty string, a blank, and null are three keys.
type_case "utf8 empty, blank, null" utf8 '"a"' 'null' '""' '" "' <<'EOF'
{"k":" ","estimate":4,"lower":4}
{"k":"","estimate":3,"lower":3}
{"k":null,"estimate":2,"lower":2}
{"k":"a","estimate":1,"lower":1}
EOF
# NUL bytes: binary keys (JSON \u0000 in a binary column), printed as hex.
type_case "binary with NUL bytes" binary '"\u0000"' '"a"' '"a\u0000c"' '"a\u0000b"' '""' \
	'"\u0000\u0000"' 'null' <<'EOF'
{"k":null,"estimate":7,"lower":7}
{"k":"0000","estimate":6,"lower":6}
{"k":"","estimate":5,"lower":5}
{"k":"610062","estimate":4,"lower":4}
{"k":"610063","estimate":3,"lower":3}
{"k":"61","estimate":2,"lower":2}
{"k":"00","estimate":1,"lower":1}
EOF
type_case "int64" int64 0 -1 1 256 9223372036854775807 -9223372036854775808 null <<'EOF'
{"k":null,"estimate":7,"lower":7}
{"k":-9223372036854775808,"estimate":6,"lower":6}
{"k":9223372036854775807,"estimate":5,"lower":5}
{"k":256,"estimate":4,"lower":4}
{"k":1,"estimate":3,"lower":3}
{"k":-1,"estimate":2,"lower":2}
{"k":0,"estimate":1,"lower":1}
EOF
type_case "float64" float64 0.5 -2.25 1e300 3 5e-324 0.1 null <<'EOF'
{"k":null,"estimate":7,"lower":7}
{"k":0.1,"estimate":6,"lower":6}
{"k":5e-324,"estimate":5,"lower":5}
{"k":3,"estimate":4,"lower":4}
{"k":1e+300,"estimate":3,"lower":3}
{"k":-2.25,"estimate":2,"lower":2}
{"k":0.5,"estimate":1,"lower":1}
EOF
type_case "float32" float32 0.5 -2.25 1e30 3 0.1 null <<'EOF'
{"k":null,"estimate":6,"lower":6}
{"k":0.1,"estimate":5,"lower":5}
{"k":3,"estimate":4,"lower":4}
{"k":1e+30,"estimate":3,"lower":3}
{"k":-2.25,"estimate":2,"lower":2}
{"k":0.5,"estimate":1,"lower":1}
EOF
type_case "bool" bool true false null <<'EOF'
{"k":null,"estimate":3,"lower":3}
{"k":false,"estimate":2,"lower":2}
{"k":true,"estimate":1,"lower":1}
EOF
type_case "timestamp" timestamp '"1970-01-01T00:00:00Z"' '"2024-01-02T03:04:05.123456789Z"' \
	'"2024-01-02T03:04:05.123456788Z"' '"1969-12-31T23:59:59.999999999Z"' null <<'EOF'
{"k":null,"estimate":5,"lower":5}
{"k":"1969-12-31T23:59:59.999999999Z","estimate":4,"lower":4}
{"k":"2024-01-02T03:04:05.123456788Z","estimate":3,"lower":3}
{"k":"2024-01-02T03:04:05.123456789Z","estimate":2,"lower":2}
{"k":"1970-01-01T00:00:00.000000000Z","estimate":1,"lower":1}
EOF
type_case "utf8" utf8 '"\u00e9"' '"\u65e5\u672c"' '"a b"' '"\t"' '"x\"y"' null <<'EOF'
{"k":null,"estimate":6,"lower":6}
{"k":"x\"y","estimate":5,"lower":5}
{"k":"\t","estimate":4,"lower":4}
{"k":"a b","estimate":3,"lower":3}
{"k":"日本","estimate":2,"lower":2}
{"k":"é","estimate":1,"lower":1}
EOF

# A sketch of one key type does not answer queries of another.
st=0
printf '1\n2\n' | cms-count -k f1 --no-header --query --load t.cms > /dev/null 2> err || st=$?
[ $st -eq 3 ] || fail "int64 --query against a utf8 sketch: exit $st, want 3"

# Long keys: 1024 and 1025 bytes, three of 1500 that differ only in the
# first or the last byte, one of 70 000. TSV in, TSV out, byte for byte.
awk 'function rep(c, n,  s) { s = c; while (length(s) < n) s = s s; return substr(s, 1, n) }
BEGIN {
	x = rep("x", 1500)
	k[1] = rep("x", 1024); k[2] = rep("x", 1025); k[3] = "y" substr(x, 2)
	k[4] = substr(x, 1, 1499) "y"; k[5] = x; k[6] = rep("0123456789abcdef", 70000)
	for (i = 1; i <= 6; i++) for (j = 0; j < i; j++) print k[i]
	print "f1\testimate\tlower" > "long.want"
	for (i = 6; i >= 1; i--) print k[i] "\t" i "\t" i > "long.want"
}' > long.txt
cms-count -k f1 --no-header --in tsv $W --save long.cms --out tsv < long.txt > got.out ||
	fail "long keys: exited $?"
expect "long keys, text input" < long.want
rec-cat --no-header --in tsv < long.txt | cms-count -k f1 $W --out tsv > got.out ||
	fail "long keys: Arrow input exited $?"
expect "long keys, Arrow input" < long.want
cms-count --merge --load long.cms --out tsv < /dev/null > got.out || fail "long keys: --merge --load exited $?"
sed '1s/^f1/key/' long.want | expect "long keys, from the saved sketch"
sed 1d long.want | awk '{ l[NR] = $0 } END { for (i = NR; i >= 1; i--) print l[i] }' > long.q
cut -f1 long.q | cms-count -k f1 --no-header --in tsv --query --load long.cms --out tsv > got.out ||
	fail "long keys: --query exited $?"
{ echo "f1	estimate	lower"; cat long.q; } | expect "long keys, --query"

# The golden file. Made once, by the stage as first written (issue 5), with
#   golden_input | cms-count -k k --in jsonl --width 32 --depth 26 \
#       --seed 42 --top 3 --save tests/cms/golden.cms
# 32 x 26 takes 26 * 5 = 130 bits of hash: the 128 of the key's hash and a
# hash of the hash, so both paths of the row slicing are pinned. 6764
# bytes, little-endian (stages/cms-count/sketch_file.h):
#   0  50 53 43 4d 53 00 00 01  magic "PSCMS\0\0" and version 1
#   8  05 00 00 00              log2 of the width (32)
#  12  1a 00 00 00              depth 26
#  16  2a 00 .. 00 (8 bytes)    seed 42
#  24  0a 00 .. 00 (8 bytes)    N = 10
#  32  00                       variant: plain
#  33  05                       key type 5: utf8
#  34  00 00                    zero
#  36  07 00 00 00              7 heavy-hitter candidates
#  40  26 * 32 counters of 8 bytes, row by row (each row sums to 10)
# 6696 the candidates, heaviest first, then null, then by bytes: "apple",
#      "banana", null, "", "a\tb", "cherry", "été" (1 byte null flag,
#      4 bytes length, the bytes)
# 6756 the check: low 64 bits of the seed-0 hash of all bytes before it.
# A change here is a format change: bump the version, keep reading 1.
golden_input() {
	printf '%s\n' '{"k":"apple"}' '{"k":"banana"}' '{"k":"apple"}' '{"k":null}' \
		'{"k":"cherry"}' '{"k":""}' '{"k":"apple"}' '{"k":"banana"}' \
		'{"k":"\u00e9t\u00e9"}' '{"k":"a\tb"}'
}
golden_input | cms-count -k k --in jsonl --width 32 --depth 26 --seed 42 --top 3 \
	--save g.cms > /dev/null || fail "golden: cms-count exited $?"
if cmp g.cms "$golden"; then ok "golden file re-created byte for byte"; else fail "golden file differs"; fi
# Reading it back: its counts and its candidates.
cms-count --merge --load "$golden" --top 3 --out tsv < /dev/null > got.out || fail "golden: --load exited $?"
printf 'key\testimate\tlower\napple\t3\t3\nbanana\t2\t2\n\t1\t1\n' | expect "golden file read back"

# Damaged files: cut at every part of the layout, one more byte, and one
# bit flipped in every header field, a counter, a candidate and the check.
# Each must be refused with exit 3 (and never read as a smaller sketch).
refuse() {
	st=0
	echo apple | cms-count -k f1 --no-header --query --load bad.cms > /dev/null 2> err || st=$?
	[ $st -eq 3 ] || fail "$1: --query --load exited $st, want 3 ($(cat err))"
}
size=$(wc -c < "$golden")
for n in 0 7 8 39 40 47 48 1000 $((size - 70)) $((size - 9)) $((size - 8)) $((size - 1)); do
	dd if="$golden" of=bad.cms bs="$n" count=1 2>/dev/null || :
	[ "$n" -gt 0 ] || : > bad.cms
	refuse "cut to $n bytes"
done
{ cat "$golden"; printf '\0'; } > bad.cms
refuse "one byte appended"
# flip OFFSET: bad.cms is the golden file with the low bit of byte OFFSET
# flipped (printf writes the new byte in octal, dd puts it in place).
flip() {
	cp "$golden" bad.cms
	b=$(od -An -t u1 -j "$1" -N 1 "$golden")
	printf "\\$(printf %o $((b ^ 1)))" | dd of=bad.cms bs=1 seek="$1" count=1 conv=notrunc 2>/dev/null
}
for off in 0 5 7 8 12 16 24 32 33 34 36 40 3000 $((size - 60)) 6696 6697 6700 $((size - 8)) $((size - 1)); do
	flip $off
	refuse "bit flipped at byte $off"
done
# The other readers of a sketch file: counting on top of it, and --merge.
flip 100
st=0
echo apple | cms-count -k k --in jsonl --load bad.cms > /dev/null 2> err || st=$?
[ $st -eq 3 ] || fail "counting on a corrupt --load: exit $st, want 3"
st=0
cms-count --merge --load "$golden" --load bad.cms < /dev/null > /dev/null 2> err || st=$?
[ $st -eq 3 ] || fail "--merge --load of a corrupt file: exit $st, want 3"
ok "truncated, extended and corrupted sketch files checked"

# --partial records: a cut stream, and a record whose sketch bytes are
# damaged (the Arrow framing is intact; the sketch's own check must see it).
golden_input | cms-count -k k --in jsonl --width 32 --depth 26 --seed 42 --partial > p.arrow
psize=$(wc -c < p.arrow)
dd if=p.arrow of=cut.arrow bs=$((psize / 2)) count=1 2>/dev/null
st=0
cms-count --merge < cut.arrow > /dev/null 2> err || st=$?
[ $st -eq 3 ] || fail "--merge of a cut --partial stream: exit $st, want 3"
# Where the sketch starts in the stream: the offset of its magic.
at=$(od -An -v -t x1 p.arrow | tr -s ' ' '\n' | sed '/^$/d' | awk '
	{ h[NR] = $1 }
	END { for (i = 1; i + 4 <= NR; i++) if (h[i] h[i+1] h[i+2] h[i+3] h[i+4] == "5053434d53") { print i - 1; exit } }')
if [ -z "$at" ]; then
	fail "no sketch magic in the --partial stream"
else
	off=$((at + 100))
	cp p.arrow bad.arrow
	b=$(od -An -t u1 -j "$off" -N 1 p.arrow)
	printf "\\$(printf %o $((b ^ 1)))" | dd of=bad.arrow bs=1 seek="$off" count=1 conv=notrunc 2>/dev/null
	st=0
	cms-count --merge < bad.arrow > /dev/null 2> err || st=$?
	[ $st -eq 3 ] || fail "--merge of a record with a damaged sketch: exit $st, want 3"
fi
ok "cut and damaged --partial records checked"

[ "$failed" -eq 0 ] || exit 1
echo "PASS"
