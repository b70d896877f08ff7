#!/bin/sh
# fetch-with-cache against RFC 9111 (issue 7): every case in
# tests/fetch/cases/*.case is a sequence of origin settings (respond),
# fetches and expected outcomes (expect: cache column, status, attempts,
# body digest, origin request counts and the request headers the origin
# received), run on a fresh cache directory against a reset origin.
#
# A case file is shell, sourced, in the vocabulary of tests/fetch/lib.sh:
#   respond /a 'Cache-Control: max-age=60' 'Date: {now-100}' body=alpha
#   respond /a + status=500              (the next response of a sequence)
#   fetch /a [URL...] [-- OPTION...]     (one run of fetch-with-cache)
#   expect [row=N] cache=hit status=200 body=alpha count=1 \
#       'sent:If-None-Match="v1"' 'elapsed_ms<900' exit=0
#   origin_down / origin_up              (connections refused, then not)
# with a comment on top naming the rule (RFC 9111 section) it checks.
# Arguments, if any, name the cases to run (e.g. max-age vary).
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
. "$TOP_SRCDIR/tests/fetch/lib.sh"
origin_start
cases=$TOP_SRCDIR/tests/fetch/cases
if [ $# -gt 0 ]; then
	list=
	for c in "$@"; do list="$list $cases/$c.case"; done
else
	list=$(ls "$cases"/*.case)
fi
total=0 bad=0
for f in $list; do
	CASE=$(basename "$f" .case)
	total=$((total + 1))
	t0=$(date +%s%N)
	origin_reset
	rm -rf "$CACHE" "$work/case"
	mkdir "$work/case"
	# Each case in a subshell of its own: its variables and failures stay
	# there; its exit status says whether it passed.
	if (cd "$work/case"; failed=0; . "$f"; exit $failed); then
		ok "$CASE ($((($(date +%s%N) - t0) / 1000000)) ms)"
	else
		bad=$((bad + 1))
		echo "FAIL: case $CASE"
	fi
	[ ! -e "$work/origin.down" ] || origin_up
done
echo "$((total - bad)) of $total cases passed"
[ $bad -eq 0 ]
