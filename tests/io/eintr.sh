#!/bin/sh
# EINTR: a stop and continue (SIGSTOP, SIGCONT) makes a blocked epoll_wait or
# io_uring_enter return EINTR. A stage that treats that as an error, or loses
# the read or write it had in flight, fails here. Each stage is stopped and
# continued several times while blocked: reading an idle pipe (upstream side
# and consumer side of an Arrow pipe), and writing into a full pipe.
. "$TOP_SRCDIR/tests/io/lib.sh"

# watchdog PID...: kill PID... if they still run in 60 s (the stages run
# without timeout(1), whose pid would take the signals instead).
watchdog() {
	(
		trap 'kill $s 2>/dev/null; exit 0' TERM
		sleep 60 & s=$!
		wait $s && kill "$@"
	) > /dev/null 2>&1 &
	bg_started $!
}

# jolt PID...: stop and continue each PID five times, letting it block again
# in between.
jolt() {
	for _ in 1 2 3 4 5; do
		sleep 0.2
		for p in "$@"; do kill -STOP "$p" 2>/dev/null; done
		sleep 0.05
		for p in "$@"; do kill -CONT "$p" 2>/dev/null; done
	done
}

# Reading: our writer -> in.fifo -> A (text to Arrow) -> mid.fifo -> B (Arrow
# to TSV) -> out. Both wait on idle pipes while being jolted.
mkfifo in.fifo mid.fifo
rec-cat --in lines < in.fifo > mid.fifo 2> a.err &
a=$!; bg_started $a
rec-cat --out tsv < mid.fifo > out 2> b.err &
b=$!; bg_started $b
watchdog $a $b
exec 4> in.fifo
jolt $a $b
echo 1 >&4
jolt $a $b
echo 2 >&4
jolt $a $b
exec 4>&-
wait $a; sa=$?
wait $b; sb=$?
printf 'line\n1\n2\n' > expected
[ $sa -eq 0 ] && [ ! -s a.err ] || { fail "reading: upstream rec-cat exited $sa:"; cat a.err; }
[ $sb -eq 0 ] && [ ! -s b.err ] || { fail "reading: downstream rec-cat exited $sb:"; cat b.err; }
if cmp -s expected out; then pass "reading idle pipes"; else fail "reading: output differs:"; cat out; fi

# Writing: C (text to Arrow) fills full.fifo, which D (Arrow to TSV) opens
# only after a while; C is jolted while blocked writing, then D while it
# works through the stream.
seq 300000 > big.txt
mkfifo full.fifo
rec-cat --batch-rows 1000 < big.txt > full.fifo 2> c.err &
c=$!; bg_started $c
watchdog $c
exec 5< full.fifo
jolt $c
rec-cat --out tsv < full.fifo > out2 2> d.err &
d=$!; bg_started $d
watchdog $d
exec 5<&-
jolt $c $d
wait $c; sc=$?
wait $d; sd=$?
{ echo f1; cat big.txt; } > expected2
[ $sc -eq 0 ] && [ ! -s c.err ] || { fail "writing: writer rec-cat exited $sc:"; cat c.err; }
[ $sd -eq 0 ] && [ ! -s d.err ] || { fail "writing: reader rec-cat exited $sd:"; cat d.err; }
if cmp -s expected2 out2; then pass "writing into a full pipe"; else fail "writing: output differs (cmp: $(cmp expected2 out2 2>&1))"; fi
finish
