#!/bin/sh
# Large-stream variants of tests/cli/cases/closed-downstream*.test and
# dying-upstream.test: the downstream closes while rec-cat is in the middle
# of writing many megabytes (a write in flight gets EPIPE), and the upstream
# is killed in the middle of a large Arrow stream.
. "$TOP_SRCDIR/tests/io/lib.sh"

seq 3000000 > big.txt
rec-cat --batch-rows 10000 < big.txt > big.arrow || { echo "FAIL: cannot make big.arrow"; exit 1; }

# closed NAME ARGS...: rec-cat ARGS reads big.arrow, its reader takes 1000
# bytes and goes; rec-cat must end with status 0 and say nothing.
closed() {
	name=$1; shift
	{ timeout 60 rec-cat "$@" < big.arrow 2> err; echo $? > status; } | head -c 1000 > /dev/null
	st=$(cat status)
	if [ "$st" = 0 ] && [ ! -s err ]; then pass "closed downstream: $name"
	else fail "closed downstream: $name: status $st, stderr:"; cat err; fi
}
closed "arrow out"
closed "tsv out, -j 1" --out tsv -j 1
closed "csv out, -j 2" --out csv -j 2
closed "jsonl out, default -j" --out jsonl
# Text in, through two stages: the first learns of the close from the second.
{ timeout 60 rec-cat --in lines < big.txt 2> err1; echo $? > status1; } |
	{ timeout 60 rec-cat --out tsv 2> err2; echo $? > status2; } | head -n 2 > /dev/null
if [ "$(cat status1) $(cat status2)" = "0 0" ] && [ ! -s err1 ] && [ ! -s err2 ]; then
	pass "closed downstream: two stages"
else
	fail "closed downstream: two stages: status $(cat status1) and $(cat status2), stderr:"
	cat err1 err2
fi

# dying NAME CUT ARGS...: the producer sends CUT bytes of big.arrow and is
# killed; rec-cat ARGS must exit 3 with the message, after writing only
# rows of the stream, in order (a prefix of the full output).
size=$(wc -c < big.arrow)
dying() {
	name=$1 cut=$2; shift 2
	sh -c 'head -c "$1" big.arrow; kill -9 $$' sh "$cut" |
		{ timeout 60 rec-cat --out tsv "$@" > out 2> err; echo $? > status; }
	st=$(cat status)
	if [ "$st" != 3 ] || ! grep -q 'upstream ended without end-of-stream marker' err; then
		fail "dying upstream: $name: status $st, stderr:"; cat err
	elif ! { echo f1; cat big.txt; } | head -c "$(wc -c < out)" | cmp -s - out; then
		fail "dying upstream: $name: output is not a prefix of the stream's rows"
	else
		pass "dying upstream: $name ($(wc -l < out) lines out)"
	fi
}
dying "mid-stream, -j 1" $((size / 2)) -j 1
dying "mid-stream, -j 2" $((size / 2 + 77)) -j 2
dying "before the end-of-stream marker" $((size - 8))
finish
