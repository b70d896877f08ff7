#!/bin/sh
# fetch-with-cache sharing one cache between processes, and surviving
# SIGKILL (issue 7). Two processes fetch the same 2,000 URLs (/gen/N, about
# 1 KB each) at once into one cache directory: both exit 0 with 2,000
# whole rows in input order, every sha256 that of the origin's body; the
# next run is all hits and the origin sees no request. Then, on a new
# cache with 16 KB bodies, runs are killed with SIGKILL part way through
# (after the origin has served a few hundred requests), and a full re-run
# still gives every digest right; every body file in the cache holds the
# content its name (its SHA-256) promises.
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
. "$TOP_SRCDIR/tests/fetch/lib.sh"
origin_start
N=2000
i=1
while [ $i -le $N ]; do echo "$BASE/gen/$i"; i=$((i + 1)); done >urls

# check_rows WHAT FILE WANT [CACHE]: FILE (TSV) has N rows, row i for
# /gen/i with status 200 and the digest WANT gives; with CACHE, that value
# in every row's cache column.
check_rows() {
	res=$(awk -F '\t' -v n=$N -v want_cache="${4-}" -v base="$BASE" '
		NR == FNR { d[$1] = $2; next }
		FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{
			rows++
			if (!bad) {
				if ($c["url"] != base "/gen/" rows) bad = "row " rows ": url " $c["url"]
				else if ($c["status"] != 200) bad = "row " rows ": status " $c["status"] " error " $c["error"]
				else if ($c["sha256"] != d[rows]) bad = "row " rows ": sha256 " $c["sha256"] " is not the body'"'"'s " d[rows]
				else if (want_cache != "" && $c["cache"] != want_cache) bad = "row " rows ": cache " $c["cache"]
			}
			seen[$c["cache"]]++
		}
		END {
			if (rows != n) bad = rows + 0 " rows, not " n (bad ? "; " bad : "")
			for (k in seen) kinds = kinds " " k "=" seen[k]
			print (bad ? "BAD " bad : "OK") " (" substr(kinds, 2) ")"
		}' "$3" "$2")
	case $res in
	OK*) ok "$1: $N rows, digests right $res" ;;
	*) fail "$1: $res" ;;
	esac
}

# bodies_whole DIR: every file under DIR/bodies is named by its SHA-256.
bodies_whole() {
	if [ -d "$1/bodies" ]; then
		find "$1/bodies" -type f -exec sha256sum {} + >bodies.sum
	else
		: >bodies.sum
	fi
	res=$(awk '{ n++; k = split($2, p, "/"); if ($1 != p[k]) { w++; if (!first) first = $2 } }
		END { print n + 0, w + 0, first }' bodies.sum)
	set -- "$@" $res
	if [ "$4" -eq 0 ]; then
		ok "$2: $3 body files, each whole"
	else
		fail "$2: $4 of $3 body files do not match their names (e.g. $5)"
	fi
}

gen_digests 1 $N >want.1k

# Two processes at once.
rc_a=0 rc_b=0
fetch-with-cache --cache-dir "$CACHE" --in lines -c 1 --digest --out tsv <urls >a.tsv 2>a.err & pid_a=$!
fetch-with-cache --cache-dir "$CACHE" --in lines -c 1 --digest --out tsv <urls >b.tsv 2>b.err & pid_b=$!
bg_pids="$pid_a $pid_b"
wait $pid_a || rc_a=$?
wait $pid_b || rc_b=$?
[ $rc_a -eq 0 ] || fail "first process: exit $rc_a: $(head -3 a.err)"
[ $rc_b -eq 0 ] || fail "second process: exit $rc_b: $(head -3 b.err)"
check_rows "first process" a.tsv want.1k
check_rows "second process" b.tsv want.1k
before=$(count prefix=/gen/)
[ "$before" -ge $N ] && [ "$before" -le $((2 * N)) ] ||
	fail "origin requests for two runs: $before, not between $N and $((2 * N))"

rc=0
fwc --in lines -c 1 --digest --out tsv <urls >c.tsv 2>c.err || rc=$?
[ $rc -eq 0 ] || fail "warm run: exit $rc: $(head -3 c.err)"
check_rows "warm run" c.tsv want.1k hit
after=$(count prefix=/gen/)
[ "$after" = "$before" ] && ok "warm run: no request reached the origin" ||
	fail "warm run: the origin got $((after - before)) requests"
bodies_whole "$CACHE" "after the concurrent runs"

# SIGKILL part way, twice, on a new cache with larger bodies.
CACHE=$work/cache-kill
GEN_SIZE=16384
gen_set size=$GEN_SIZE
gen_digests 1 $N >want.16k
for round in 1 2; do
	start=$(count prefix=/gen/)
	# fetch-with-cache itself in the background (not the fwc function: $!
	# would be a subshell, and SIGKILL would leave the stage running).
	fetch-with-cache --cache-dir "$CACHE" --in lines -c 1 --digest --out tsv \
		<urls >k$round.tsv 2>k$round.err & pid=$!
	bg_pids=$pid
	i=0
	while [ $(($(count prefix=/gen/) - start)) -lt $((300 * round)) ] && kill -0 $pid 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 600 ] || break
		sleep 0.05
	done
	if kill -9 $pid 2>/dev/null; then
		ok "kill $round: SIGKILL after $(($(count prefix=/gen/) - start)) origin requests"
	else
		fail "kill $round: the run ended before it could be killed"
	fi
	wait $pid 2>/dev/null || :
done
bodies_whole "$CACHE" "after SIGKILL"
rc=0
fwc --in lines -c 1 --digest --out tsv <urls >r.tsv 2>r.err || rc=$?
[ $rc -eq 0 ] || fail "re-run after SIGKILL: exit $rc: $(head -3 r.err)"
check_rows "re-run after SIGKILL" r.tsv want.16k
rc=0
fwc --in lines -c 1 --digest --out tsv <urls >r2.tsv 2>r2.err || rc=$?
[ $rc -eq 0 ] || fail "warm run after SIGKILL: exit $rc: $(head -3 r2.err)"
check_rows "warm run after SIGKILL" r2.tsv want.16k hit
bodies_whole "$CACHE" "after the re-runs"
exit $failed
