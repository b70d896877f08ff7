#!/bin/sh
# Choosing the I/O backend (PIPESTAGE_IO=auto|uring|epoll): with io_uring
# made unavailable by a seccomp filter (tests/io/deny-uring, the way a
# container's profile does it; ENOSYS and EPERM) or by the switch that
# simulates ring-creation failure (PIPESTAGE_IO_SIMULATE_RING_FAILURE=1),
# auto falls back to epoll (silently, a note with -v), a forced uring exits 2
# saying how to fix it, epoll runs silently. This test is about the choice
# itself, so it sets PIPESTAGE_IO in each command.
. "$TOP_SRCDIR/tests/io/lib.sh"

deny=$TOP_BUILDDIR/tests/io/deny-uring
[ -x "$deny" ] || { echo "FAIL: $deny is missing (make check builds it)"; exit 1; }
unset PIPESTAGE_IO_SIMULATE_RING_FAILURE

seq 1000 > in.txt
{ echo f1; cat in.txt; } > expected

# run NAME WRAPPER... -- ENV...: run "WRAPPER env ENV rec-cat ARGS" on in.txt
# with ARGS from $args; sets $st, files out and err.
args=
run() {
	shift
	timeout 60 "$@" rec-cat $args --out tsv < in.txt > out 2> err
	st=$?
}
expect_ok() { # NAME: status 0 and every row
	[ $st -eq 0 ] && cmp -s expected out || { fail "$1: status $st, stderr:"; cat err; return 1; }
}
expect_err() { # NAME PATTERN: stderr has PATTERN (grep -E)
	grep -Eq "$2" err || { fail "$1: stderr lacks /$2/:"; cat err; return 1; }
}
expect_quiet() { # NAME
	[ ! -s err ] || { fail "$1: stderr not empty:"; cat err; return 1; }
}

# Without any obstacle, where the kernel allows io_uring.
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ]; then
	args=-v; run "plain auto -v" env PIPESTAGE_IO=auto
	expect_ok "plain auto -v" && expect_err "plain auto -v" 'io_uring' &&
		! grep -q epoll err && pass "plain auto -v: io_uring"
	args=-v; run "plain uring -v" env PIPESTAGE_IO=uring
	expect_ok "plain uring -v" && expect_err "plain uring -v" 'io_uring' && pass "plain uring -v"
	args=; run "plain auto" env PIPESTAGE_IO=auto
	expect_ok "plain auto" && expect_quiet "plain auto" && pass "plain auto: quiet"
else
	echo "kernel.io_uring_disabled is set here: the plain io_uring checks are skipped"
fi

# obstacle NAME WRAPPER...: the checks under one way of making io_uring fail.
obstacle() {
	name=$1; shift
	args=-v; run "$name, auto -v" "$@" env PIPESTAGE_IO=auto
	expect_ok "$name, auto -v" && expect_err "$name, auto -v" 'io_uring.*unavailable' &&
		expect_err "$name, auto -v" 'epoll' && pass "$name, auto -v: $(cat err)"
	args=; run "$name, auto" "$@" env PIPESTAGE_IO=auto
	expect_ok "$name, auto" && expect_quiet "$name, auto" && pass "$name, auto: silent fallback"
	args=; run "$name, uring" "$@" env PIPESTAGE_IO=uring
	if [ $st -ne 2 ]; then
		fail "$name, uring: status $st, expected 2; stderr:"; cat err
	elif [ -s out ]; then
		fail "$name, uring: it wrote output although it cannot run"
	else
		expect_err "$name, uring" '^rec-cat: .*io_uring' &&
			expect_err "$name, uring" 'PIPESTAGE_IO=epoll' && pass "$name, uring: status 2: $(cat err)"
	fi
	args=-v; run "$name, epoll -v" "$@" env PIPESTAGE_IO=epoll
	expect_ok "$name, epoll -v" && expect_err "$name, epoll -v" 'epoll' &&
		! grep -q unavailable err && pass "$name, epoll -v"
	args=; run "$name, epoll" "$@" env PIPESTAGE_IO=epoll
	expect_ok "$name, epoll" && expect_quiet "$name, epoll" && pass "$name, epoll: silent"
}

"$deny" true
case $? in
0)
	obstacle "seccomp ENOSYS" "$deny" -e ENOSYS
	obstacle "seccomp EPERM" "$deny" -e EPERM
	;;
77) echo "seccomp filters are unavailable here: the deny-uring checks are skipped" ;;
*) fail "deny-uring does not work" ;;
esac
obstacle "simulated ring failure" env PIPESTAGE_IO_SIMULATE_RING_FAILURE=1

# A backend name that does not exist is a usage error, with or without -v.
for args in "" -v; do
	run "bogus $args" env PIPESTAGE_IO=bogus
	if [ $st -eq 2 ] && [ ! -s out ] && grep -q "PIPESTAGE_IO='*bogus" err; then
		pass "bogus $args: status 2: $(cat err)"
	else
		fail "bogus $args: status $st, stderr:"; cat err
	fi
done
finish
