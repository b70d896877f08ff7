#!/bin/sh
# cms-count merging (issue 5). The plain sketch is linear: the counters of
# parts add up to the counters of the whole, so a whole stream counted at
# once, with -j 1 or -j 2, and its parts counted apart and merged in any
# order and by any route (--partial records through --merge, --save files
# through --load, or a mix with counting) must give the same --save file
# byte for byte, candidates included (they are re-queried against the
# merged sketch), and the same result rows. Checked on 50 keys (every key
# is a candidate everywhere) and on 10^5 Zipf keys (the candidate lists are
# cut). Sketches that differ in width, depth, seed, variant or key type
# must not merge: exit 3. Conservative sketches are order-dependent, so
# their sum is only bounded: every merged counter lies at or below the
# plain sketch's counter, and every key's merged estimate between its true
# count and its plain estimate.
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
. "$TOP_SRCDIR/tests/cms/lib.sh"
need_tools cms-count "$gen"
# Counting runs read text keys in column f1 and write TSV, except --partial
# (an Arrow record, for --merge).
cms() { cms-count -k f1 --no-header --out tsv "$@"; }
cms_partial() { cms-count -k f1 --no-header --partial "$@"; }

# split3 FILE A B: FILE's lines 1..A, A+1..B, B+1.. into FILE.1, .2, .3
# (uneven parts, so that no part mirrors another).
split3() {
	awk -v a="$2" -v b="$3" -v f="$1" \
		'{ print > (f "." (NR <= a ? 1 : NR <= b ? 2 : 3)) }' "$1"
}

# same WHAT WANT GOT: GOT.cms must equal WANT.cms byte for byte, and GOT.tsv
# (result rows; --merge cannot know the key's name, so the header line is
# left out) WANT.tsv. A sketch file that differs only after the counters
# is told apart from one whose counters differ.
same() {
	if [ ! -s "$3.cms" ]; then
		fail "$1: no sketch file"
	elif cmp -s "$2.cms" "$3.cms"; then
		ok "$1: sketch file identical"
	else
		hdr=$(od -An -t u4 -j 8 -N 8 "$2.cms" | awk '{ print 40 + 8 * $2 * 2 ^ $1 }')
		dd if="$2.cms" of=want.pre bs="$hdr" count=1 2>/dev/null || :
		dd if="$3.cms" of=got.pre bs="$hdr" count=1 2>/dev/null || :
		if cmp -s want.pre got.pre; then
			fail "$1: header and counters identical, candidates or check differ ($(cmp "$2.cms" "$3.cms" 2>&1 || :))"
		else
			fail "$1: sketch differs: $(cmp "$2.cms" "$3.cms" 2>&1 || :)"
		fi
	fi
	sed 1d "$2.tsv" > want.rows
	sed 1d "$3.tsv" > got.rows
	cmp -s want.rows got.rows || fail "$1: result rows differ from the whole stream's"
	# No stale file can pass the next comparison.
	rm -f "$3.cms" "$3.tsv"
}

# merges NAME DATA: all the ways of getting DATA's sketch from its parts.
merges() {
	n=$1 d=$2
	cms --save w1.cms -j 1 < "$d" > w1.tsv || fail "$n: whole -j 1 exited $?"
	cms --save w2.cms -j 2 < "$d" > w2.tsv || fail "$n: whole -j 2 exited $?"
	same "$n: -j 2 vs -j 1" w1 w2
	if [ "$n" = "50 keys" ]; then
		# The default seed given explicitly is the same sketch.
		cms --save s0.cms --seed 0 -j 1 < "$d" > s0.tsv || fail "$n: --seed 0 exited $?"
		same "$n: --seed 0 vs no --seed" w1 s0
	fi
	for i in 1 2 3; do
		cms --save "p$i.cms" < "$d.$i" > /dev/null || fail "$n: part $i --save exited $?"
		cms_partial < "$d.$i" > "p$i.arrow" || fail "$n: part $i --partial exited $?"
	done
	# Every order for the records; one order for each other route (each
	# run costs the libtool wrapper's start-up, about 0.1 to 0.3 s).
	for order in "1 2 3" "3 1 2" "2 3 1"; do
		set -- $order
		cat "p$1.arrow" "p$2.arrow" "p$3.arrow" | cms-count --merge --save m.cms --out tsv > m.tsv ||
			fail "$n: --merge of partial records $order exited $?"
		same "$n: --merge of partial records $order" w1 m
	done
	cms-count --merge --load p3.cms --load p1.cms --load p2.cms --save m.cms --out tsv \
		< /dev/null > m.tsv || fail "$n: --merge --load 3 1 2 exited $?"
	same "$n: --merge --load files 3 1 2" w1 m
	cms --load p2.cms --load p3.cms --save m.cms < "$d.1" > m.tsv ||
		fail "$n: --load 2 3 counting part 1 exited $?"
	same "$n: --load 2 3 counting part 1" w1 m
	cat p3.arrow p1.arrow | cms-count --merge --load p2.cms --save m.cms --out tsv > m.tsv ||
		fail "$n: --merge of 3 1 with --load 2 exited $?"
	same "$n: --merge of records 3 1 with --load 2" w1 m
}

"$gen" -z 1.1 -m 50 -n 200000 -r 21 > small
split3 small 30000 140000
merges "50 keys" small
"$gen" -z 0.8 -m 100000 -n 1000000 -r 22 > large
split3 large 150000 700000
merges "10^5 keys" large

# Mismatched sketches: every way of bringing two together exits 3. x.cms
# and x.arrow differ from the default sketch of part 2 (p2.cms, p2.arrow,
# left by the last merges) in one parameter; --load of a sketch with
# sizing options that contradict it is a mismatch too (the options must not
# be silently dropped).
for opt in "--width 2048" "--depth 4" "--seed 1" --conservative; do
	cms $opt --save x.cms < large.1 > /dev/null
	cms_partial $opt < large.1 > x.arrow
	st=0
	cms-count --merge --load p2.cms --load x.cms < /dev/null > /dev/null 2> err || st=$?
	[ $st -eq 3 ] || fail "--load of a default and a $opt sketch: exit $st, want 3"
	st=0
	cat p2.arrow x.arrow | cms-count --merge > /dev/null 2> err || st=$?
	[ $st -eq 3 ] || fail "--merge of a default and a $opt record: exit $st, want 3"
	st=0
	cms --load p2.cms $opt < large.1 > /dev/null 2> err || st=$?
	[ $st -eq 3 ] || fail "counting with $opt into a loaded default sketch: exit $st, want 3 ($(cat err))"
done
# A sketch of int64 keys with one of utf8 keys.
awk 'NR <= 1000 { print NR }' large | cms --save int.cms > /dev/null
st=0
cms-count --merge --load p2.cms --load int.cms < /dev/null > /dev/null 2> err || st=$?
[ $st -eq 3 ] || fail "--load of a utf8 and an int64 sketch: exit $st, want 3"
ok "mismatched width, depth, seed, variant, key type checked"

# Conservative update: 10^4 keys in a small sketch, so that it differs
# from the plain one. Merged three ways: --load of the parts, --merge of
# their records (the same sum), and counting part 2 conservatively on top
# of parts 1 and 3 (which may continue the update from the loaded counters
# or add a sketch of the new rows: either lies within the bounds). -j does
# not matter (it runs on one thread). --query needs no --conservative: the
# variant is the loaded sketch's.
"$gen" -z 0.8 -m 10000 -n 300000 -r 23 -c cons.counts > cons
split3 cons 100000 180000
S="--width 1024 --depth 3"
cms $S --save plain.cms < cons > /dev/null || fail "plain sketch exited $?"
cms $S --conservative --save cw1.cms -j 1 < cons > /dev/null || fail "conservative exited $?"
cms $S --conservative --save cw2.cms -j 2 < cons > /dev/null || fail "conservative -j 2 exited $?"
cmp -s cw1.cms cw2.cms || fail "conservative sketch differs between -j 1 and -j 2"
for i in 1 2 3; do
	cms $S --conservative --save "c$i.cms" < "cons.$i" > /dev/null
	cms_partial $S --conservative < "cons.$i" > "c$i.arrow"
done
cms-count --merge --load c1.cms --load c2.cms --load c3.cms --save cm1.cms < /dev/null > /dev/null ||
	fail "--merge --load of conservative parts exited $?"
cat c3.arrow c1.arrow c2.arrow | cms-count --merge --save cm2.cms > /dev/null ||
	fail "--merge of conservative records exited $?"
cmp -s cm1.cms cm2.cms || fail "conservative sums differ between --load and --merge"
cms $S --conservative --load c1.cms --load c3.cms --save cm3.cms < cons.2 > /dev/null ||
	fail "counting conservatively into loaded parts exited $?"
cells=$((8 * 3 * 1024))
od -An -v -t u8 -j 40 -N $cells plain.cms | tr -s ' ' '\n' | sed '/^$/d' > plain.cells
cut -f1 cons.counts | cms --query --load plain.cms > plain.q
for s in cw1 cm1 cm3; do
	# Cell by cell: conservative <= plain, and the counters sum to no more.
	od -An -v -t u8 -j 40 -N $cells $s.cms | tr -s ' ' '\n' | sed '/^$/d' |
		awk -v s=$s 'NR == FNR { p[FNR] = $1; next }
			{ n++; if ($1 > p[FNR]) over++; if ($1 < p[FNR]) less++ }
			END {
				printf "%s: %d cells, %d below the plain sketch, %d above\n", s, n, less, over
				if (n != 3072 || over) { printf "FAIL: %s: cells above the plain sketch\n", s; exit 1 }
			}' plain.cells - || failed=1
	# Key by key: truth <= conservative estimate <= plain estimate.
	cut -f1 cons.counts | cms --query --load $s.cms > $s.q || fail "$s: --query exited $?"
	awk -F '\t' -v s=$s '
		FILENAME == "cons.counts" { t[$1] = $2; next }
		FNR == 1 { next }
		FILENAME == "plain.q" { p[$1] = $2; pe += $2 - t[$1]; next }
		{
			n++; ce += $2 - t[$1]
			if ($2 < t[$1]) under++
			if ($2 > p[$1]) over++
		}
		END {
			if (n == 0) { printf "FAIL: %s: no query rows\n", s; exit 1 }
			printf "%s: %d keys, mean error %.1f (plain %.1f), %d below the truth, %d above plain\n", s, n, ce / n, pe / n, under, over
			if (n != 10000 || under || over) { printf "FAIL: %s: estimates outside [truth, plain]\n", s; exit 1 }
		}' cons.counts plain.q $s.q || failed=1
done

[ "$failed" -eq 0 ] || exit 1
echo "PASS"
