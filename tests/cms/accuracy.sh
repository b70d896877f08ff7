#!/bin/sh
# cms-count accuracy on generated keys against exact counts (issue 5).
# gen_keys draws Zipf (s = 0.8, 1.1, 1.5) or uniform keys k0 .. k<m-1> and
# writes the exact count of every key; cms-count counts the stream, saves
# the sketch, and --query on that sketch gives the estimate of all m keys
# (zeros included: the guarantee holds for any key). Checked per setting:
#  - sizing: w = e/eps rounded up to a power of two, d = ceil(ln(1/delta));
#  - no estimate below the true count (the count-min guarantee is one-sided,
#    any underestimate is a bug, not bad luck);
#  - the fraction of keys whose error exceeds eps*N (eps = e/w, the
#    effective value) is at most delta = e^-d plus 3 binomial standard
#    deviations of sampling slack; in practice it is far below;
#  - lower = max(0, estimate - floor(eps*N)) on every row;
#  - --top: estimates equal the --query ones, descending, and at every rank
#    K <= 50 where the exact counts drop by more than 2*eps*N between rank K
#    and K+1, the first K keys are exactly the true top K (recall 1);
#  - --threshold PHI: every key whose true count is >= PHI*N is reported,
#    and every reported key has a --query estimate >= PHI*N;
#  - uniform keys (about N/m each, far below PHI*N): nothing reported;
#  - depth 1: the mean error over all m keys is sum_{j != i} c_j / w on
#    average, (N - N/m)/w, for any hash that spreads keys uniformly and
#    independently; a weak hash (clustered or correlated slots) shows up as
#    a larger or smaller mean. The cases are chosen so that the sampling
#    deviation of that mean under an ideal hash, printed as "sd", is under
#    0.4%: the 2% margin is over 5 sd.
# The figures are printed; `make check` keeps them in tests/cms/accuracy.log.
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
. "$TOP_SRCDIR/tests/cms/lib.sh"
need_tools cms-count "$gen"

# data NAME GEN-ARGS...: NAME.txt (the keys) and NAME.counts (exact counts),
# made once per name.
data() {
	name=$1
	shift
	[ -f "$name.txt" ] || "$gen" "$@" -c "$name.counts" > "$name.txt"
}

# sizing STATS-FILE: W, D and N from the --stats line, and the effective
# eps*N bound B = floor(e/W * N) the stage uses for `lower`.
sizing() {
	set -- $(sed -n 's/^cms-count: width \([0-9]*\), depth \([0-9]*\),.* N \([0-9]*\),.*/\1 \2 \3/p' "$1")
	[ $# -eq 3 ] || { fail "no --stats line in $1"; W=0; return 1; }
	W=$1 D=$2 N=$3
}

# check_query NAME DATA: the checks on all m estimates (query.tsv) against
# the truth (DATA.counts), with W, D, N set; prints one line of figures.
check_query() {
	awk -F '\t' -v name="$1" -v W="$W" -v D="$D" -v N="$N" '
		NR == FNR { t[$1] = $2; m++; next }
		FNR == 1 && $2 == "estimate" { next }
		{
			q++
			if (!($1 in t)) { printf "FAIL: %s: query row for unknown key %s\n", name, $1; bad = 1; next }
			e = $2 - t[$1]
			if (e < 0) under++
			if (e > eps * N) over++
			if (e > max) max = e
			sum += e
			lo = $2 - B; if (lo < 0) lo = 0
			if ($3 != lo) lowbad++
		}
		BEGIN { eps = exp(1) / W; delta = exp(-D); B = int(eps * N) }
		END {
			frac = over / m
			slack = delta + 3 * sqrt(delta * (1 - delta) / m)
			printf "%s: w %d d %d N %d m %d: underestimates %d, error > eps*N (%d): %d keys = %.5f (delta %.5f, allowed %.5f), max error %d = %.3f eps*N, mean error %.1f\n", \
				name, W, D, N, m, under + 0, eps * N, over, frac, delta, slack, max, max / (eps * N), sum / m
			if (q != m) { printf "FAIL: %s: %d query rows for %d keys\n", name, q, m; bad = 1 }
			if (under) { printf "FAIL: %s: %d underestimates\n", name, under; bad = 1 }
			if (frac > slack) { printf "FAIL: %s: error fraction %.5f > %.5f\n", name, frac, slack; bad = 1 }
			if (lowbad) { printf "FAIL: %s: %d rows with lower != max(0, estimate - %d)\n", name, lowbad, B; bad = 1 }
			exit bad
		}' "$2.counts" query.tsv || failed=1
}

# check_top NAME DATA: top.tsv (--top 50) against the exact ranking and the
# query estimates. Recall at rank K: when no key outside the true top K has
# an estimate as high as the least estimate inside it, the top K by
# estimate is the true top K and recall must be 1. Where the gap exceeds
# 2*eps*N, only a key with an error above 2*eps*N can spoil that, which the
# guarantee allows with probability at most (2e)^-d per key: such ranks are
# printed (with d >= 5 and 10^5 keys there are none) and not failed.
check_top() {
	sort -t '	' -k2,2nr -k1,1 "$2.counts" > exact.tsv
	awk -F '\t' -v name="$1" -v W="$W" -v N="$N" '
		FILENAME == "query.tsv" { if (FNR > 1) est[$1] = $2; next }
		FILENAME == "exact.tsv" { r++; ek[r] = $1; ec[r] = $2; next }
		FNR == 1 && $2 == "estimate" { next }
		{
			n++; key[n] = $1
			if (est[$1] != $2) { printf "FAIL: %s: top row %s estimate %s, query says %s\n", name, $1, $2, est[$1]; bad = 1 }
			if (n > 1 && $2 > prev) { printf "FAIL: %s: top rows not descending at %d\n", name, n; bad = 1 }
			prev = $2
		}
		END {
			gap = 2 * exp(1) / W * N
			if (n != 50) { printf "FAIL: %s: %d top rows, not 50\n", name, n; bad = 1 }
			# sufmax[i]: the largest estimate among true ranks >= i
			sufmax[r + 1] = -1
			for (i = r; i >= 1; i--) sufmax[i] = est[ek[i]] > sufmax[i + 1] ? est[ek[i]] : sufmax[i + 1]
			checked = ""; spoiled = ""; least = -1
			for (K = 1; K <= 50; K++) {
				if (least < 0 || est[ek[K]] < least) least = est[ek[K]]
				if (ec[K] - ec[K + 1] <= gap) continue
				delete want
				for (i = 1; i <= K; i++) want[ek[i]] = 1
				hit = 0
				for (i = 1; i <= K && i <= n; i++) if (key[i] in want) hit++
				if (sufmax[K + 1] >= least) { spoiled = spoiled sprintf(" %d (recall %d/%d)", K, hit, K); continue }
				checked = checked " " K
				if (hit != K) { printf "FAIL: %s: top-%d recall %d/%d (gap %d > 2 eps N = %d)\n", name, K, hit, K, ec[K] - ec[K + 1], gap; bad = 1 }
			}
			printf "%s: top-K recall 1 required at K =%s (gap > 2 eps N = %d)\n", name, checked == "" ? " none" : checked, gap
			if (spoiled != "") printf "%s: ranks where a key outside the top K has error > gap, recall not required: K =%s\n", name, spoiled
			exit bad
		}' query.tsv exact.tsv top.tsv || failed=1
}

# check_threshold NAME DATA PHI: thr.tsv (--threshold PHI) against truth
# and the query estimates.
check_threshold() {
	awk -F '\t' -v name="$1" -v N="$N" -v phi="$3" '
		FILENAME == "query.tsv" { if (FNR > 1) est[$1] = $2; next }
		FILENAME != "thr.tsv" { t[$1] = $2; next }
		FNR == 1 && $2 == "estimate" { next }
		{
			n++; got[$1] = 1
			if (est[$1] != $2) { printf "FAIL: %s: threshold row %s estimate %s, query says %s\n", name, $1, $2, est[$1]; bad = 1 }
			if ($2 < phi * N) { printf "FAIL: %s: reported %s at %s < PHI*N\n", name, $1, $2; bad = 1 }
			if (t[$1] < phi * N) fp++
		}
		END {
			for (k in t) if (t[k] >= phi * N) { heavy++; if (!(k in got)) { printf "FAIL: %s: heavy key %s (%d >= PHI*N) not reported\n", name, k, t[k]; bad = 1 } }
			for (k in est) if (est[k] >= phi * N && !(k in got)) unrep++
			printf "%s: --threshold %s: %d reported, %d truly >= PHI*N (all reported: %s), %d reported below PHI*N in truth, %d keys estimated >= PHI*N not reported\n", \
				name, phi, n, heavy, bad ? "no" : "yes", fp, unrep
			exit bad
		}' "$2.counts" query.tsv thr.tsv || failed=1
}

# run NAME DATA MODE SIZING...: count DATA.txt, save, query every key, check.
# MODE is top (--top 50) or a threshold PHI.
run() {
	name=$1 d=$2 mode=$3
	shift 3
	if [ "$mode" = top ]; then
		set -- "$@" --top 50
		out=top.tsv
	else
		set -- "$@" --threshold "$mode"
		out=thr.tsv
	fi
	cms-count -k f1 --no-header --out tsv --stats --save s.cms "$@" < "$d.txt" > $out 2> stats.txt ||
		{ fail "$name: cms-count $* exited $?"; cat stats.txt; return 0; }
	sizing stats.txt || return 0
	cut -f1 "$d.counts" | cms-count -k f1 --no-header --query --load s.cms --out tsv > query.tsv ||
		{ fail "$name: cms-count --query exited $?"; return 0; }
	check_query "$name" "$d"
	if [ "$mode" = top ]; then check_top "$name" "$d"; else check_threshold "$name" "$d" "$mode"; fi
}

# expect_size NAME EPS DELTA: the sizing rule of Cormode and Muthukrishnan.
expect_size() {
	awk -v name="$1" -v eps="$2" -v delta="$3" -v W="$W" -v D="$D" 'BEGIN {
		w = exp(1) / eps; if (w > int(w)) w = int(w) + 1
		p = 1; while (p < w) p *= 2
		d = log(1 / delta); if (d > int(d)) d = int(d) + 1
		if (W != p || D != d) { printf "FAIL: %s: eps %s delta %s gave w %d d %d, want %d %d\n", name, eps, delta, W, D, p, d; exit 1 }
	}' || failed=1
}

# Four data sets of 10^7 rows over 10^5 keys, and two of 10^6 with other
# seeds (about 1.3 s of cms-count per 10^7 text rows on one core).
data z11 -z 1.1 -m 100000 -n 10000000 -r 11
data z08 -z 0.8 -m 100000 -n 10000000 -r 12
data z15 -z 1.5 -m 100000 -n 10000000 -r 13
data uni -u -m 100000 -n 10000000 -r 14
data z11b -z 1.1 -m 100000 -n 1000000 -r 15
data z15b -z 1.5 -m 100000 -n 1000000 -r 16

run "zipf 1.1 default" z11 top
expect_size "zipf 1.1 default" 0.001 0.01
run "zipf 1.1 eps .0005 delta .001 seed 7" z11 0.002 --epsilon 0.0005 --delta 0.001 --seed 7
expect_size "zipf 1.1 eps .0005 delta .001" 0.0005 0.001
run "zipf 0.8 eps .002 delta .05" z08 top --epsilon 0.002 --delta 0.05
expect_size "zipf 0.8 eps .002 delta .05" 0.002 0.05
run "zipf 1.5 eps .0005 delta .001" z15 top --epsilon 0.0005 --delta 0.001 --seed 3
expect_size "zipf 1.5 eps .0005 delta .001" 0.0005 0.001
# Small sketches, so that errors above eps*N do occur and the fraction
# check has something to count.
run "zipf 1.1 10^6 eps .01 delta .1" z11b 0.005 --epsilon 0.01 --delta 0.1
expect_size "zipf 1.1 10^6 eps .01 delta .1" 0.01 0.1
run "zipf 1.5 10^6 w 256 d 2" z15b top --width 256 --depth 2 --seed 99
run "uniform default" uni 0.001
[ "$(awk 'END { print NR }' thr.tsv)" -le 1 ] ||
	fail "uniform: heavy hitters reported above 0.001 N: $(sed -n 2,4p thr.tsv)"

# depth1 NAME DATA W [SEED]: the mean error over all m keys at depth 1
# against (N - N/m)/W, within 2%. sd: the standard deviation of that mean
# under an ideal random hash, relative to it: with S2 = sum c_i^2, the
# mean is (1/m) sum_{i<j} (c_i + c_j) [h(i) = h(j)], pairwise uncorrelated
# terms of variance (c_i + c_j)^2 (1/W)(1 - 1/W), which sum to
# ((m - 2) S2 + N^2)(1/W)(1 - 1/W).
depth1() {
	name=$1 d=$2
	cms-count -k f1 --no-header --out tsv --stats --save s.cms --width "$3" --depth 1 \
		${4:+--seed "$4"} < "$d.txt" > /dev/null 2> stats.txt ||
		{ fail "$name: cms-count --depth 1 exited $?"; cat stats.txt; return 0; }
	sizing stats.txt || return 0
	cut -f1 "$d.counts" | cms-count -k f1 --no-header --query --load s.cms --out tsv > query.tsv ||
		{ fail "$name: cms-count --query exited $?"; return 0; }
	awk -F '\t' -v name="$name" -v W="$W" -v N="$N" '
		NR == FNR { t[$1] = $2; m++; s2 += $2 * $2; next }
		FNR == 1 && $2 == "estimate" { next }
		{ sum += $2 - t[$1]; if ($2 < t[$1]) under++ }
		END {
			mean = sum / m; want = (N - N / m) / W
			sd = sqrt(((m - 2) * s2 + N * N) / W * (1 - 1 / W)) / m / want
			printf "%s: depth 1, w %d: mean error %.2f, (N - N/m)/w = %.2f, off by %+.3f%% (ideal hash sd %.3f%%)\n", \
				name, W, mean, want, 100 * (mean / want - 1), 100 * sd
			if (under) { printf "FAIL: %s: %d underestimates\n", name, under; exit 1 }
			if (mean < 0.98 * want || mean > 1.02 * want) { printf "FAIL: %s: off by more than 2%%\n", name; exit 1 }
		}' "$d.counts" query.tsv || failed=1
}
depth1 "uniform" uni 1024
depth1 "uniform" uni 65536 5
depth1 "zipf 0.8" z08 1024 1
depth1 "zipf 0.8" z08 256 2

[ "$failed" -eq 0 ] || exit 1
echo "PASS"
