#!/bin/sh
# Backpressure: a consumer that does not read makes the stage block, never
# buffer without bound. The producer writes 4 MiB chunks and notes each one
# done; while the consumer holds off, rec-cat may take in only a bounded
# amount (its read-ahead and a pipe's worth), and its peak RSS stays small
# over the whole run. Then the consumer reads everything and the run ends 0.
. "$TOP_SRCDIR/tests/io/lib.sh"

[ -x /usr/bin/time ] || skip "GNU time (/usr/bin/time, package time) is missing"
/usr/bin/time -f %M -o probe true 2>/dev/null || skip "/usr/bin/time is not GNU time"

chunks=48           # 192 MiB of text, 250 MiB of Arrow per run
max_chunks=8        # taken in while the consumer holds off: 32 MiB
max_rss_kb=150000   # unbounded buffering would hold the whole input
rows=381300         # 11-byte lines: one chunk is 4 MiB - 4 bytes
# Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
# default) before reuse, which would count as RSS here; keep it small.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
export ASAN_OPTIONS

yes 1234567890 | head -n $rows > chunk.txt
rec-cat --in lines < chunk.txt > chunk.arrow || { echo "FAIL: cannot make chunk.arrow"; exit 1; }

# check NAME INPUT_FILE ARGS...: run "rec-cat ARGS" on CHUNKS copies of the
# input (concatenated Arrow streams read as one stream) into a fifo that
# nobody reads until the producer has stalled.
check() {
	name=$1 input=$2; shift 2
	rm -f out.fifo progress progress.new rss out.count status
	mkfifo out.fifo
	echo 0 > progress
	{
		i=0
		while [ $i -lt $chunks ]; do
			cat "$input" || break
			i=$((i + 1))
			echo $i > progress.new && mv progress.new progress
		done
	} | {
		timeout 120 /usr/bin/time -f %M -o rss rec-cat "$@" > out.fifo
		echo $? > status
	} &
	bg_started $!
	exec 3< out.fifo # opens once rec-cat's side is open
	# Wait until the producer has made no progress for 1.5 s (rec-cat and
	# the pipe are full) or has written everything (nothing held it back).
	last=-1 still=0 waited=0
	while [ $still -lt 15 ] && [ $waited -lt 300 ]; do
		sleep 0.1
		now=$(cat progress)
		[ "$now" -lt $chunks ] || break
		if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0 last=$now; fi
		waited=$((waited + 1))
	done
	taken=$(cat progress)
	cat <&3 | wc -c > out.count
	exec 3<&-
	wait
	st=$(cat status 2>/dev/null || echo missing)
	kb=$(tail -n 1 rss 2>/dev/null)
	echo "$name: $taken of $chunks chunks taken in while the consumer held off;" \
	     "peak RSS ${kb:-?} KB; $(cat out.count) bytes out; status $st"
	[ "$st" = 0 ] || fail "$name: rec-cat exited with status $st"
	[ "$taken" -le $max_chunks ] ||
		fail "$name: rec-cat took in $taken x 4 MiB while its output was not read"
	case $kb in
	'' | *[!0-9]*) fail "$name: no peak RSS from /usr/bin/time: $(cat rss 2>/dev/null)" ;;
	*) [ "$kb" -lt $max_rss_kb ] || fail "$name: peak RSS $kb KB (limit $max_rss_kb KB)" ;;
	esac
	[ "$(cat out.count)" -gt 0 ] || fail "$name: no output"
}

check "text to arrow" chunk.txt --in lines
check "arrow to arrow" chunk.arrow
check "arrow to tsv, -j 2" chunk.arrow --out tsv -j 2
finish
