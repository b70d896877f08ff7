#!/bin/sh
# cms-count --signed (issue 5): turnstile streams, insertions and deletions
# as weights of either sign. gen_keys -d P writes "key<TAB>weight" lines
# (weights +-1..3, negative with probability P) and the exact net count of
# every key. Checked:
#  - the count-median guarantee (Cormode and Muthukrishnan, section 4.1):
#    |estimate - count| <= 3 eps N, eps = e/w and N the sum of absolute
#    weights (--stats), for all but a fraction delta^(1/4) = e^(-d/4) of
#    the keys, plus 3 binomial standard deviations of sampling slack;
#  - lower = estimate - floor(3 eps N) and upper = estimate + floor(3 eps N)
#    on every row;
#  - depth 1 and depth 2 estimate a key by its counter and by the mean of
#    its two counters: the mean error over all m keys is then (S - S/m)/w
#    for S the net total, within 2% (an ideal hash's standard deviation of
#    that mean is printed; it is under 0.5%). The least counter, the
#    unsigned estimate, is about 20% lower at depth 2 and fails this;
#  - a stream followed by its own deletions leaves every counter 0, and
#    A, then B, then A deleted gives B's counters exactly (linearity);
#  - --top: the estimates equal the --query ones, descending, and the top K
#    is the true top K wherever the true counts drop by more than 6 eps N
#    between rank K and K+1 (so that no error within the bound reorders);
#  - merging: parts counted apart and merged by --load, by --partial and
#    --merge give the whole stream's sketch byte for byte, -j 2 the same
#    counters and result rows;
#  - refusals: --signed --conservative (usage, exit 2); a signed sketch with
#    a plain or conservative one, or counting --signed into a plain one
#    (exit 3); without --signed a negative weight is an error naming the
#    row, with --signed a non-integer weight is one
#    naming the row, and so is a row whose weight takes the total of
#    absolute weights past 2^63 - 1 (exit 3 each).
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
. "$TOP_SRCDIR/tests/cms/lib.sh"
need_tools cms-count "$gen"
cms() { cms-count -k f1 -w f2 --signed --no-header --out tsv "$@"; }

# sizing STATS-FILE: W, D and N (the sum of absolute weights) from --stats.
sizing() {
	set -- $(sed -n 's/^cms-count: width \([0-9]*\), depth \([0-9]*\),.* N \([0-9]*\),.*/\1 \2 \3/p' "$1")
	[ $# -eq 3 ] || { fail "no --stats line in $1"; W=0; return 1; }
	W=$1 D=$2 N=$3
}

# query NAME DATA OPTIONS...: count DATA.txt into s.cms, then query every
# key of DATA.counts into query.tsv; sets W, D, N.
query() {
	name=$1 d=$2
	shift 2
	cms --stats --save s.cms "$@" < "$d.txt" > top.tsv 2> stats.txt ||
		{ fail "$name: cms-count $* exited $?"; cat stats.txt; return 1; }
	sizing stats.txt || return 1
	cut -f1 "$d.counts" | cms-count -k f1 --no-header --query --load s.cms --out tsv > query.tsv ||
		{ fail "$name: --query exited $?"; return 1; }
}

# check_query NAME DATA: the guarantee and the bounds on query.tsv.
check_query() {
	awk -F '\t' -v name="$1" -v W="$W" -v D="$D" -v N="$N" '
		BEGIN { B = int(3 * (exp(1) / W) * N); fails = exp(-D / 4) }
		NR == FNR { t[$1] = $2; m++; next }
		FNR == 1 { if ($4 != "upper") { printf "FAIL: %s: no upper column\n", name; bad = 1 }; next }
		{
			q++
			e = $2 - t[$1]; if (e < 0) e = -e
			if (e > B) over++
			if (e > max) max = e
			sum += e
			if ($3 != $2 - B || $4 != $2 + B) bounds++
		}
		END {
			frac = over / m
			slack = fails + 3 * sqrt(fails * (1 - fails) / m)
			printf "%s: w %d d %d N %d m %d: |error| > 3 eps N (%d): %d keys = %.5f (delta^(1/4) %.5f, allowed %.5f), max |error| %d = %.3f eps N, mean |error| %.1f\n", \
				name, W, D, N, m, B, over, frac, fails, slack, max, max / (B / 3), sum / m
			if (q != m) { printf "FAIL: %s: %d query rows for %d keys\n", name, q, m; bad = 1 }
			if (frac > slack) { printf "FAIL: %s: fraction %.5f > %.5f\n", name, frac, slack; bad = 1 }
			if (bounds) { printf "FAIL: %s: %d rows with lower/upper not estimate -/+ %d\n", name, bounds, B; bad = 1 }
			exit bad
		}' "$2.counts" query.tsv || failed=1
}

# check_top NAME DATA K: top.tsv against the query estimates and the truth.
check_top() {
	sort -t '	' -k2,2nr -k1,1 "$2.counts" > exact.tsv
	awk -F '\t' -v name="$1" -v W="$W" -v N="$N" -v K="$3" '
		FILENAME == "query.tsv" { if (FNR > 1) est[$1] = $2; next }
		FILENAME == "exact.tsv" { r++; ek[r] = $1; ec[r] = $2; next }
		FNR == 1 { next }
		{
			n++; got[$1] = n
			if (est[$1] != $2) { printf "FAIL: %s: top row %s estimate %s, query says %s\n", name, $1, $2, est[$1]; bad = 1 }
			if (n > 1 && $2 > prev) { printf "FAIL: %s: top rows not descending at %d\n", name, n; bad = 1 }
			prev = $2
		}
		END {
			gap = 6 * exp(1) / W * N
			if (n != K) { printf "FAIL: %s: %d top rows, not %d\n", name, n, K; bad = 1 }
			checked = ""
			for (k = 1; k <= K; k++) {
				if (ec[k] - ec[k + 1] <= gap) continue
				checked = checked " " k
				for (i = 1; i <= k; i++)
					if (!(ek[i] in got) || got[ek[i]] > k) { printf "FAIL: %s: true rank %d (%s) not in the top %d\n", name, i, ek[i], k; bad = 1 }
			}
			printf "%s: top-K exact at K =%s (gap > 6 eps N = %d)\n", name, checked == "" ? " none" : checked, gap
			exit bad
		}' query.tsv exact.tsv top.tsv || failed=1
}

# mean_error NAME DATA: the mean error over all keys against (S - S/m)/W.
mean_error() {
	awk -F '\t' -v name="$1" -v W="$W" -v D="$D" '
		NR == FNR { t[$1] = $2; m++; s += $2; s2 += $2 * $2; next }
		FNR == 1 { next }
		{ sum += $2 - t[$1] }
		END {
			mean = sum / m; want = (s - s / m) / W
			sd = sqrt(((m - 2) * s2 + s * s) / W * (1 - 1 / W)) / m / want
			printf "%s: depth %d, w %d: mean error %.2f, (S - S/m)/w = %.2f, off by %+.3f%% (ideal hash sd %.3f%%)\n", \
				name, D, W, mean, want, 100 * (mean / want - 1), 100 * sd
			if (mean < 0.98 * want || mean > 1.02 * want) { printf "FAIL: %s: off by more than 2%%\n", name; exit 1 }
		}' "$2.counts" query.tsv || failed=1
}

"$gen" -z 1.1 -m 100000 -n 1000000 -r 31 -d 0.3 -c z11.counts > z11.txt
"$gen" -z 0.8 -m 100000 -n 1000000 -r 32 -d 0.45 -c z08.counts > z08.txt
"$gen" -u -m 10000 -n 1000000 -r 33 -d 0.3 -c uni.counts > uni.txt

if query "zipf 1.1 default" z11 --top 20; then
	check_query "zipf 1.1 default" z11
	check_top "zipf 1.1 default" z11 20
fi
if query "zipf 0.8 w 1024 d 4" z08 --width 1024 --depth 4 --seed 5 --top 10; then
	check_query "zipf 0.8 w 1024 d 4" z08
	check_top "zipf 0.8 w 1024 d 4" z08 10
fi
if query "zipf 1.1 w 256 d 7" z11 --width 256 --depth 7 --seed 9 --top 5; then
	check_query "zipf 1.1 w 256 d 7" z11
	check_top "zipf 1.1 w 256 d 7" z11 5
fi
if query "uniform w 1024 d 1" uni --width 1024 --depth 1; then
	mean_error "uniform" uni
fi
if query "uniform w 1024 d 2" uni --width 1024 --depth 2 --seed 4; then
	mean_error "uniform" uni
fi

# counters ID FILE: the counters of a sketch file (W and D of the last run).
counters() {
	od -An -v -t d8 -j 40 -N $((8 * W * D)) "$2" | tr -s ' ' '\n' | sed '/^$/d' > "$1.cells"
}
W=4096 D=5
awk -F '\t' '{ print $1 "\t" (-$2) }' z08.txt > z08.neg
cat z08.txt z08.neg | cms --save zero.cms > /dev/null || fail "a stream and its deletions exited $?"
counters zero zero.cms
before=$failed
[ "$(grep -cv '^0$' zero.cells || :)" = 0 ] && [ "$(wc -l < zero.cells)" = $((W * D)) ] ||
	fail "a stream followed by its deletions left counters other than 0"
cms --save b.cms < z11.txt > /dev/null
cat z08.txt z11.txt z08.neg | cms --save aba.cms > /dev/null || fail "A B -A exited $?"
counters b b.cms
counters aba aba.cms
cmp -s b.cells aba.cells || fail "A, B, A deleted: counters differ from B's"
grep -qv '^0$' b.cells || fail "B's counters are all 0"
[ "$failed" != "$before" ] || ok "deletions cancel insertions counter by counter"

# Merging, byte for byte.
awk -v f=z11 '{ print > (f "." (NR <= 200000 ? 1 : NR <= 650000 ? 2 : 3)) }' z11.txt
cms --save w1.cms -j 1 < z11.txt > w1.tsv || fail "whole -j 1 exited $?"
cms --save w2.cms -j 2 < z11.txt > w2.tsv || fail "whole -j 2 exited $?"
# Header and counters: which worker counts which batch varies from run to
# run, and so may the lightest candidates saved after the counters.
cmp -s -n $((40 + 8 * 4096 * 5)) w1.cms w2.cms || fail "-j 2 counters differ from -j 1"
cmp -s w1.tsv w2.tsv || fail "-j 2 rows differ from -j 1"
for i in 1 2 3; do
	cms --save "p$i.cms" < "z11.$i" > /dev/null || fail "part $i exited $?"
	cms-count -k f1 -w f2 --signed --no-header --partial < "z11.$i" > "p$i.arrow" ||
		fail "part $i --partial exited $?"
done
cms-count --merge --load p3.cms --load p1.cms --load p2.cms --save m.cms --out tsv \
	< /dev/null > m.tsv || fail "--merge --load exited $?"
cmp -s w1.cms m.cms || fail "--merge --load 3 1 2: sketch differs from the whole stream's"
sed 1d w1.tsv > want.rows
sed 1d m.tsv > got.rows
cmp -s want.rows got.rows || fail "--merge --load 3 1 2: rows differ from the whole stream's"
cat p2.arrow p3.arrow p1.arrow | cms-count --merge --save m2.cms > /dev/null ||
	fail "--merge of records exited $?"
cmp -s w1.cms m2.cms || fail "--merge of records 2 3 1: sketch differs from the whole stream's"
cms --load p1.cms --load p3.cms --save m3.cms < z11.2 > /dev/null || fail "--load 1 3 counting 2 exited $?"
cmp -s w1.cms m3.cms || fail "--load 1 3 counting part 2: sketch differs from the whole stream's"
[ "$failed" -ne 0 ] || ok "signed merges byte-identical (--load, --merge, counting onto --load; -j 2: counters)"

# expect NAME STATUS PATTERN COMMAND...: exit status and a message on stderr.
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	st=0
	"$@" > /dev/null 2> err || st=$?
	if [ "$st" -ne "$want" ]; then
		fail "$name: exit $st, want $want ($(cat err))"
	elif ! grep -q -- "$pat" err; then
		fail "$name: message '$(cat err)' lacks '$pat'"
	fi
}
expect "--signed --conservative" 2 "exclude each other" \
	cms-count -k f1 --signed --conservative < z11.1
cut -f1 z11.1 | cms-count -k f1 --no-header --save plain.cms > /dev/null
cut -f1 z11.1 | cms-count -k f1 --no-header --conservative --save cons.cms > /dev/null
expect "--load signed and plain" 3 "one is signed, the other plain" \
	cms-count --merge --load p1.cms --load plain.cms
expect "--load signed and conservative" 3 "one is signed, the other conservative" \
	cms-count --merge --load cons.cms --load p1.cms
expect "--merge of a plain record into a signed file" 3 "one is signed, the other plain" \
	sh -c 'cut -f1 z11.1 | cms-count -k f1 --no-header --partial | cms-count --merge --load p1.cms'
expect "--signed counting into a plain sketch" 3 "--signed, and the loaded sketch is not" \
	cms --load plain.cms < z11.2
printf 'a\t1\nb\t2\nc\t-4\n' > neg.tsv
expect "negative weight without --signed" 3 "weight -4 in row 3 is not a non-negative integer" \
	cms-count -k f1 -w f2 --no-header < neg.tsv
printf 'a\t1\nb\t2.5\n' > frac.tsv
expect "non-integer weight with --signed" 3 "weight 2.5 in row 2 is not an integer" \
	cms-count -k f1 -w f2 --signed --no-header < frac.tsv
printf 'a\t-9223372036854775807\nb\t1\n' > big.tsv
expect "absolute weights past 2^63 - 1" 3 "row 2: the total of absolute weights passes 2^63 - 1" \
	cms-count -k f1 -w f2 --signed --no-header < big.tsv
printf 'a\t-9223372036854775807\nb\t-9223372036854775807\n' > big2.tsv
expect "absolute weights past 2^63 - 1 (negative)" 3 "row 2: the total of absolute weights" \
	cms-count -k f1 -w f2 --signed --no-header < big2.tsv
[ "$failed" -ne 0 ] || ok "refusals checked"

[ "$failed" -eq 0 ] || exit 1
echo "PASS"
