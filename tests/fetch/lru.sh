#!/bin/sh
# fetch-with-cache --max-size (issue 7): 1,000 bodies of 1 KB through a
# 200 KiB cache. After the run the body files on disk sum to at most the
# bound and --cache-stats agrees with the disk; an --offline run (no
# network, so it changes nothing but use times) finds the last URLs
# fetched stored and the first ones evicted. Entries used again survive
# newer fetches that overflow the bound while unused older ones go (least
# recently used, not first in). --purge --older-than keeps entries used
# since, --purge empties the cache.
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
. "$TOP_SRCDIR/tests/fetch/lib.sh"
origin_start
BOUND=200K
BOUND_BYTES=$((200 * 1024))
seq_urls() { i=$1; while [ $i -le $2 ]; do echo "$BASE/gen/$i"; i=$((i + 1)); done; }
seq_urls 1 1000 >urls

# disk_bytes: the sum of the body files' sizes under the cache.
disk_bytes() {
	if [ -d "$CACHE/bodies" ]; then
		find "$CACHE/bodies" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
	else
		echo 0
	fi
}
disk_files() {
	if [ -d "$CACHE/bodies" ]; then find "$CACHE/bodies" -type f | wc -l; else echo 0; fi
}
# stat_of KEY: a value of --cache-stats ("KEY<TAB>VALUE" lines).
stat_of() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' stats.out; }
# offline FILE OUT: --offline over the URLs in FILE into OUT (TSV); prints
# "HITS OFFLINE-MISSES".
offline() {
	# (in $(...): a failure shows on stderr and as hits -1, which fails the
	# caller's check)
	if ! fwc --in lines -c 1 --offline --fail-on never --out tsv <"$1" >"$2" 2>offline.err; then
		echo "FAIL: offline run over $1: $(head -3 offline.err)" >&2
		echo "-1 -1"
		return 0
	fi
	awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ if ($c["cache"] == "hit") h++; else if ($c["cache"] == "offline-miss") m++ }
		END { print h + 0, m + 0 }' "$2"
}
# not_cached OUT FROM TO WANT: the N in FROM..TO whose row for /gen/N in
# OUT has a cache column other than WANT.
not_cached() {
	awk -F '\t' -v base="$BASE/gen/" -v from="$2" -v to="$3" -v want="$4" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ n = substr($c["url"], length(base) + 1) + 0
		  if (n >= from && n <= to && $c["cache"] != want) printf " %d", n }' "$1"
}

rc=0
fwc --in lines -c 1 --max-size $BOUND --digest --out tsv <urls >run1.tsv 2>run1.err || rc=$?
[ $rc -eq 0 ] || fail "run over the bound: exit $rc: $(head -3 run1.err)"
misses=$(awk -F '\t' 'NR > 1 && $4 == "miss"' run1.tsv | wc -l)
[ "$misses" -eq 1000 ] || fail "run over the bound: $misses misses of 1000"
bytes=$(disk_bytes)
if [ "$bytes" -le $BOUND_BYTES ] && [ "$bytes" -gt 0 ]; then
	ok "body files on disk: $bytes bytes <= $BOUND_BYTES"
else
	fail "body files on disk: $bytes bytes, bound $BOUND_BYTES"
fi

set -- $(offline urls off1.tsv)
hits=$1 gone=$2
if [ "$hits" -ge 100 ] && [ "$hits" -le 200 ] && [ $((hits + gone)) -eq 1000 ]; then
	ok "after the run: $hits entries stored, $gone evicted"
else
	fail "after the run: $hits hits and $gone offline-misses (expected 100..200 hits of 1000)"
fi
# The newest 50 are stored, the oldest 100 evicted.
bad=$(not_cached off1.tsv 951 1000 hit)
[ -z "$bad" ] && ok "the 50 most recently fetched are stored" || fail "recently fetched but evicted:$bad"
bad=$(not_cached off1.tsv 1 100 offline-miss)
[ -z "$bad" ] && ok "the 100 first fetched are evicted" || fail "first fetched but still stored:$bad"

fwc --cache-stats >stats.out 2>stats.err || fail "--cache-stats: exit $?: $(head -3 stats.err)"
[ "$(stat_of entries)" = "$hits" ] || fail "--cache-stats: entries '$(stat_of entries)', the offline run found $hits"
[ "$(stat_of body_files)" = "$(disk_files)" ] || fail "--cache-stats: body_files '$(stat_of body_files)', on disk $(disk_files)"
[ "$(stat_of body_bytes)" = "$(disk_bytes)" ] || fail "--cache-stats: body_bytes '$(stat_of body_bytes)', on disk $(disk_bytes)"
b=$(stat_of bytes)
case $b in
''|*[!0-9]*) fail "--cache-stats: bytes '$b'" ;;
*) [ "$b" -le $BOUND_BYTES ] && ok "--cache-stats: $(tr '\t\n' '= ' <stats.out)" || fail "--cache-stats: bytes $b over the bound" ;;
esac

# Least recently used, not first in: use the 20 oldest stored entries
# again (a second later than everything else), then fetch 100 new URLs:
# the 20 survive, the new ones are stored, other old ones go.
awk -F '\t' 'NR > 1 && $4 == "hit" { print $1 }' off1.tsv | head -20 >touched
sleep 1
set -- $(offline touched off2.tsv)
[ "$1" -eq 20 ] || fail "using 20 stored entries again: $1 hits"
sleep 1
seq_urls 1001 1100 >new
rc=0
fwc --in lines -c 1 --max-size $BOUND --out tsv <new >run2.tsv 2>run2.err || rc=$?
[ $rc -eq 0 ] || fail "second run over the bound: exit $rc: $(head -3 run2.err)"
bytes=$(disk_bytes)
[ "$bytes" -le $BOUND_BYTES ] || fail "after the second run: $bytes bytes on disk, bound $BOUND_BYTES"
set -- $(offline touched off3.tsv)
[ "$1" -eq 20 ] && ok "entries used again survive newer fetches" ||
	fail "entries used again: $1 of 20 still stored (least recently used must go first)"
tail -n 50 new >new50
set -- $(offline new50 off4.tsv)
[ "$1" -eq 50 ] || fail "second run: $1 of its last 50 URLs stored"
awk -F '\t' 'NR > 1 && $4 == "hit" { print $1 }' off1.tsv | tail -n +21 >untouched
set -- $(offline untouched off5.tsv)
[ "$2" -ge 50 ] && ok "$2 of $(wc -l <untouched) older unused entries evicted" ||
	fail "older unused entries: only $2 of $(wc -l <untouched) evicted for 100 new ones"

# --purge --older-than: nothing here is an hour old; then entries not used
# for two seconds (all but the 20 used again now, three seconds after the
# others) go; then --purge empties.
fwc --cache-stats >stats.out
before=$(stat_of entries)
fwc --purge --older-than 1h 2>purge.err || fail "--purge --older-than 1h: exit $?: $(head -3 purge.err)"
fwc --cache-stats >stats.out
[ "$(stat_of entries)" = "$before" ] && ok "--purge --older-than 1h keeps all $before entries" ||
	fail "--purge --older-than 1h: $before entries before, $(stat_of entries) after"
sleep 3
set -- $(offline touched off6.tsv)
fwc --purge --older-than 2s 2>purge.err || fail "--purge --older-than 2s: exit $?: $(head -3 purge.err)"
fwc --cache-stats >stats.out
[ "$(stat_of entries)" = 20 ] && ok "--purge --older-than 2s keeps the 20 entries just used" ||
	fail "--purge --older-than 2s: $(stat_of entries) entries left, expected the 20 just used"
set -- $(offline touched off7.tsv)
[ "$1" -eq 20 ] || fail "after --purge --older-than 2s: $1 of the 20 entries just used still stored"
fwc --purge 2>purge.err || fail "--purge: exit $?: $(head -3 purge.err)"
fwc --cache-stats >stats.out
[ "$(stat_of entries)" = 0 ] && [ "$(disk_files)" -eq 0 ] && ok "--purge empties the cache" ||
	fail "--purge: $(stat_of entries) entries and $(disk_files) body files left"
set -- $(offline touched off8.tsv)
[ "$1" -eq 0 ] || fail "after --purge: $1 entries still served"
exit $failed
